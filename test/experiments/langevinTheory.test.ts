/**
 * The `langevin-vs-theory` recipe (sampler issue #4 acceptance grid: erf, N0 = N1 = P, T ∈ {0.01, 0.1, 1})
 * on its small case: the brief's two-cluster task (§6.3) at P = N0 = N1 = 40, the recipe's own sampler
 * settings (MALA, ε = ηT = 4·10⁻³, 4 chains, 16 relaxation times τ = 1/(ηTλ) with 4 of burn-in), at
 * the grid temperatures T = 0.1 and T = 1. The sampled test loss and λ1⟨|v|²⟩/N1 must agree with the
 * saddle point Q̄* and the renormalized GP predictor within 3 standard errors (the s.e. is the larger
 * of 20-block batch means and σ/√ESS); the virial identity (exact for the finite network) within 4;
 * the step rule, the MNIST task's shape and the summary's z-scores are checked against their
 * definitions.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { mnistAvailable } from "../../src/data/mnist.js";
import { InputError } from "../../src/engine/errors.js";
import { key } from "../../src/engine/random.js";
import {
  type LangevinTheoryConfig,
  type LangevinTheoryResult,
  langevinPoint,
  lvtProblem,
  lvtTask,
  lvtTheory,
  lvtValue,
  lvtZ,
  stepCap,
} from "../../src/experiments/recipes/langevinTheory.js";
import { getRecipe } from "../../src/experiments/registry.js";

const recipe = getRecipe("langevin-vs-theory");
if (!recipe) throw new Error("langevin-vs-theory is not registered");
const base = recipe.config(false) as LangevinTheoryConfig;
const full = recipe.config(true) as LangevinTheoryConfig;

test("the configured grid is the issue's: N0 = N1 = P ∈ {100, 400}, T ∈ {0.01, 0.1, 1}, erf", () => {
  assert.deepEqual(full.Ps, [100, 400], "full P grid");
  assert.deepEqual(base.Ps, [100], "reduced P grid");
  for (const c of [base, full]) {
    assert.deepEqual(
      c.temperatures.slice().sort((a, b) => a - b),
      [0.01, 0.1, 1],
      "temperature grid",
    );
    assert.equal(c.act, "erf", "activation");
  }
  const ids = recipe.points(full).map((p) => p.id);
  assert.equal(ids.length, 6, "six full points");
  assert.equal(new Set(ids).size, 6, "point ids unique");
});

test("step rule: η = min(ηmax, c_stiff/κ_max, c/T)", () => {
  const c = { ...base, etaMax: 0.04, etaStiff: 0.25, etaT: 4e-3 };
  assert.equal(stepCap(c, 1), 0.04, "ηmax binds for a soft kernel");
  assert.ok(Math.abs(stepCap(c, 25) - 0.01) < 1e-15, "c_stiff/κ_max binds for a stiff kernel");
  const d = lvtTask("clusters", 20, c, key(3));
  const r = langevinPoint({ ...c, chains: 1, relaxations: 0.2, burnin: 0.1, thin: 10 }, d, 1, 1);
  assert.ok(Math.abs(r.eta - Math.min(stepCap(c, r.kappaMax), 4e-3)) < 1e-15, `η at T = 1: ${r.eta}`);
  assert.ok(r.steps % 10 === 0 && r.burnin % 10 === 0, "schedule a multiple of thin");
  assert.equal(r.N0, 20, "N0 = P");
  assert.equal(r.N1, 20, "N1 = P");
});

test("lvtValue: the s.e. is the larger of batch means and σ/√ESS; i.i.d. draws give σ/√n", () => {
  // deterministic, uncorrelated sequence: a linear-congruential stream centred on 0
  let s = 12345;
  const draw = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648 - 0.5;
  };
  const chains = Array.from({ length: 4 }, () => Float64Array.from({ length: 400 }, draw));
  const v = lvtValue(chains);
  assert.equal(v.error, Math.max(v.errorBlocks, v.errorEss), "max of the two");
  const sigma = Math.sqrt(1 / 12);
  const naive = sigma / Math.sqrt(1600);
  assert.ok(Math.abs(v.errorEss / naive - 1) < 0.25, `σ/√ESS ${v.errorEss} vs σ/√n ${naive}`);
  assert.ok(Math.abs(v.errorBlocks / naive - 1) < 0.35, `blocks ${v.errorBlocks} vs σ/√n ${naive}`);
});

test("MNIST task: 0 vs 1 at √N0 × √N0 pixels, N0 = P, globally standardized; bad P is an InputError", { skip: !mnistAvailable("mnist", "train") }, () => {
  const d = lvtTask("mnist", 36, { separation: 0, testP: 20 }, key(1));
  assert.equal(d.train.P, 36, "P");
  assert.equal(d.train.D, 36, "N0 = P (6×6 images)");
  assert.equal(d.test.P, 20, "test points");
  const X = d.train.X;
  let m = 0;
  for (const x of X) m += x;
  m /= X.length;
  let v = 0;
  for (const x of X) v += (x - m) ** 2;
  assert.ok(Math.abs(m) < 1e-12, `training mean ${m}`);
  assert.ok(Math.abs(v / X.length - 1) < 1e-12, `training variance ${v / X.length}`);
  assert.deepEqual([...new Set(d.train.y)].sort(), [-1, 1], "±1 labels");
  assert.throws(() => lvtTask("mnist", 50, { separation: 0, testP: 20 }, key(1)), InputError, "P = 50 is not a square");
});

test("sampled test loss and λ1⟨|v|²⟩/N1 agree with the theory within 3 s.e. (P = N0 = N1 = 40, T = 0.1 and 1)", (t) => {
  const c: LangevinTheoryConfig = { ...base, Ps: [40], chains: 4, relaxations: 16, burnin: 4, thin: 10 };
  const d = lvtTask(c.task, 40, c, key(1));
  const prob = lvtProblem(d, c);
  const results: LangevinTheoryResult[] = [];
  for (const T of [0.1, 1]) {
    const r = langevinPoint(c, d, T, 5, prob);
    results.push(r);
    t.diagnostic(
      `T=${T}, η=${r.eta}: ` +
        (["Q", "testLoss", "QRB", "trainLoss"] as const)
          .map((k) => `${k} ${r.sampled[k].mean.toFixed(4)} ± ${r.sampled[k].error.toFixed(4)} vs ${lvtTheory(r, k).toFixed(4)} (z = ${lvtZ(r, k).toFixed(2)})`)
          .join("; "),
    );
    assert.ok(r.theory.converged, `saddle point converged at T = ${T}`);
    for (const k of ["Q", "testLoss"] as const) {
      const s = r.sampled[k];
      assert.ok(Number.isFinite(s.error) && s.error > 0, `${k} at T = ${T}: no error bar`);
      assert.ok(s.error < 0.05 * lvtTheory(r, k), `${k} at T = ${T}: error bar ${s.error} is not informative`);
      assert.ok(Math.abs(lvtZ(r, k)) <= 3, `${k} at T = ${T}: sampled ${s.mean} ± ${s.error}, theory ${lvtTheory(r, k)}`);
    }
    assert.ok(r.sampled.virialWorstZ <= 4, `virial residual ${r.sampled.virialWorstZ} s.e. at T = ${T}`);
    assert.ok(Math.min(...r.acceptance) > 0.8, `MALA acceptance ${r.acceptance}`);
    assert.equal(
      r.divergences.reduce((a, b) => a + b, 0),
      0,
      "no divergences",
    );
    // the theory curve passes through the point's own theory value when T is on the dense grid
    const i = c.theoryTemperatures.findIndex((x) => Math.abs(x / T - 1) < 1e-12);
    if (i >= 0) assert.ok(Math.abs(r.curve.Q[i] - r.theory.Q) < 1e-9, "curve through the point");
  }
  // the summary's comparison table: z = (sampled − theory)/s.e. and the verdict |z| ≤ 2
  const summary = recipe.summarize(
    results.map((r) => ({ id: `P=40,T=${r.T}`, params: { P: 40, T: r.T }, result: r, seconds: 1 })),
    c,
  );
  const table = summary.tables[0];
  assert.equal(table.rows.length, 2 * 4, "4 quantities per point");
  const zCol = table.columns.indexOf("z");
  const vCol = table.columns.length - 1;
  for (const row of table.rows) {
    const [th, sm, se, z] = [row[3], row[4], row[5], row[zCol]] as number[];
    assert.ok(Math.abs(z - (sm - th) / se) < 1e-12, "z column");
    assert.equal(row[vCol], Math.abs(z) <= 2 ? "yes" : "no", "verdict column");
  }
  assert.equal(summary.figures.length, 3, "three figures");
});

test("a seed fixes every number of a point", () => {
  const c: LangevinTheoryConfig = { ...base, chains: 2, relaxations: 1, burnin: 0.2, thin: 10 };
  const d = lvtTask(c.task, 20, c, key(2));
  const a = langevinPoint(c, d, 1, 3);
  const b = langevinPoint(c, d, 1, 3);
  assert.deepEqual(a, b, "same seed, same result");
  const e = langevinPoint(c, d, 1, 4);
  assert.notEqual(e.sampled.Q.mean, a.sampled.Q.mean, "another seed, other draws");
});
