/**
 * The DNN phase-diagram recipe's shape measures and aggregation (no training): the signed area A is
 * 0 on a straight load curve, > 0 on a convex and < 0 on a concave one, and invariant under
 * log D ↦ a·log D + b (a > 0); c is the telescoped sum of second differences; a cell of identical
 * seeds has the seeds' own ĉ; the configuration check names bad values; and the grid's point ids are
 * unique and stable.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { InputError } from "../../src/engine/errors.js";
import {
  checkPhaseConfig,
  curveShape,
  loadCurveArea,
  type PhasePointResult,
  phaseCells,
  phaseDiagramConfig,
  phaseOf,
  phasePoints,
} from "../../src/experiments/recipes/phaseDiagram.js";

const line = [3, 2.5, 2, 1.5, 1, 0.5, 0, -0.5];
// convex: large loads first (d = 1, 0.8, …), concave: the reverse
const convexLoads = [1, 0.8, 0.6, 0.4, 0.3, 0.2, 0.1];
const cumulative = (loads: number[]) => {
  const y = [2];
  for (const d of loads) y.push(y[y.length - 1] - d);
  return y;
};

test("signed area: 0 on a line, > 0 convex, < 0 concave, affine-invariant", () => {
  assert.ok(Math.abs(loadCurveArea(line) as number) < 1e-15, "straight line → A = 0");
  const convex = cumulative(convexLoads);
  const concave = cumulative([...convexLoads].reverse());
  const aV = loadCurveArea(convex) as number;
  const aC = loadCurveArea(concave) as number;
  assert.ok(aV > 0, `convex → A > 0, got ${aV}`);
  assert.ok(Math.abs(aV + aC) < 1e-12, `reversing the loads flips the sign of A (${aV} vs ${aC})`);
  const affine = convex.map((y) => 2.5 * y - 7);
  assert.ok(Math.abs((loadCurveArea(affine) as number) - aV) < 1e-12, "A invariant under a·log D + b, a > 0");
  assert.equal(loadCurveArea([1, 2, 1]), null, "a curve with log D_0 = log D_L has no normalised area");
});

test("curveShape: c = Σ second differences = d_1 − d_L, ĉ = c/|log D_0 − log D_L|, phase from ĉ", () => {
  const y = cumulative(convexLoads);
  const s = curveShape(y);
  let dd = 0;
  for (let i = 0; i + 1 < s.loads.length; i++) dd += s.loads[i] - s.loads[i + 1];
  assert.ok(Math.abs(s.c - dd) < 1e-12, `c (${s.c}) = Σ second differences (${dd})`);
  assert.ok(Math.abs(s.c - (1 - 0.1)) < 1e-12, "c = d_1 − d_L = 0.9");
  const total = convexLoads.reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(s.cHat - 0.9 / total) < 1e-12, "ĉ = c / total drop");
  assert.equal(phaseOf(s.cHat, 0.1), "convex", "ĉ > tol → convex");
  assert.equal(phaseOf(-s.cHat, 0.1), "concave", "ĉ < −tol → concave");
  assert.equal(phaseOf(0.05, 0.1), "linear", "|ĉ| < tol → linear");
  assert.equal(phaseOf(null, 0.1), "undefined", "no curve → undefined");
  assert.ok(Math.abs(curveShape(line).cHat) < 1e-15, "a straight line has ĉ = 0");
  const rising = curveShape([0, 1, 1.5]);
  assert.ok(rising.cHat < 0 && (rising.area as number) < 0, "a rising curve: A has the sign of ĉ (here both concave)");
  const flat = curveShape([1, 0.5, 1]);
  assert.ok(Number.isNaN(flat.cHat) && flat.c === 1, "no net change (log D_0 = log D_L): ĉ undefined, c still defined");
  assert.equal(phaseOf(flat.cHat, 0.1), "undefined", "and its phase is undefined, not linear");
});

test("a cell of identical seeds has the seeds' ĉ; accuracy is the seed mean", () => {
  const c = { ...phaseDiagramConfig(false), alphas: [0], levels: [0.1], seeds: 2 };
  const y = cumulative(convexLoads);
  const sh = curveShape(y);
  const mk = (seed: number, acc: number): PhasePointResult => ({
    alpha: 0,
    level: 0.1,
    seed,
    logD: [...y, y[y.length - 1] + 0.1],
    logDBalanced: [...y, 0],
    loads: sh.loads,
    c: sh.c,
    cHat: sh.cHat,
    area: sh.area,
    v: sh.v,
    pearsonR: -1,
    phase: phaseOf(sh.cHat, c.linearTol),
    testAcc: acc,
    trainAcc: 1,
    trainLoss: 0,
    epochs: 1,
    seconds: 0,
  });
  const [cell] = phaseCells(c, [mk(1, 0.9), mk(2, 0.8)]);
  assert.ok(Math.abs((cell.cHat as number) - sh.cHat) < 1e-12, "cell ĉ = seed ĉ");
  assert.ok(Math.abs((cell.cHatSe as number) - 0) < 1e-15, "no spread between identical seeds");
  assert.ok(Math.abs(cell.testAcc - 0.85) < 1e-12, "mean accuracy");
  assert.ok(Math.abs((cell.testAccSe ?? Number.NaN) - 0.05) < 1e-12, "s.e. of two values = |a − b|/2");
  assert.equal(cell.normalized[0], 1, "normalised curve starts at 1");
  assert.equal(cell.normalized[cell.normalized.length - 1], 0, "and ends at 0");
});

test("configuration check and the grid's points", () => {
  const c = phaseDiagramConfig(false);
  checkPhaseConfig(c);
  checkPhaseConfig(phaseDiagramConfig(true));
  const bad = (o: Record<string, unknown>, mention: string) =>
    assert.throws(
      () => checkPhaseConfig({ ...c, ...o }),
      (e: Error) => e instanceof InputError && e.message.includes(mention),
      mention,
    );
  bad({ alphas: [0, 1.5] }, "got 1.5");
  bad({ alphas: [0] }, "at least 2 slopes");
  bad({ levels: [0] }, "2 noise levels");
  bad({ batch: 1 }, "batch size 1");
  bad({ knob: "data", levels: [0, 1.2] }, "data level 1.2");
  bad({ knob: "lr", levels: [0, 0.01] }, "lr level 0");
  bad({ depth: 1 }, "depth");
  bad({ nTrain: 25 }, "multiple of 10");
  const pts = phasePoints(c);
  assert.equal(pts.length, c.alphas.length * c.levels.length * c.seeds + 1, "α × level × seed points plus the spring model");
  assert.equal(new Set(pts.map((p) => p.id)).size, pts.length, "unique ids");
  assert.ok(
    pts.some((p) => p.id === "alpha=0.33,dropout=0.2,seed=2"),
    "ids name α, the knob's level and the seed (stable when the grid grows)",
  );
  assert.ok(c.alphas.length >= 4 && c.levels.length >= 4 && c.seeds >= 2, "the reduced grid is at least 4 × 4 × 2");
});
