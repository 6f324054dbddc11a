/**
 * Spring–block models of paper c (brief §3.4–3.7, oracles 12–19): analytic limits to 1e-9, the
 * closed-form frictional state, force identity and energy descent, seeded reproducibility, the noise
 * phases (symmetric friction + noise → linear; asymmetric friction + noise → convex), Model B against
 * the authors' notebook outputs, and the crossover structure of the model phase map.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { InputError } from "../../src/engine/errors.js";
import {
  dnnToSpring,
  energy,
  forces,
  frictionalStationaryState,
  frictionlessEquilibrium,
  loadCurveToPositions,
  phaseGrid,
  positionsToLoadCurve,
  simulateA,
  simulateB,
  springs,
} from "../../src/theory/springblock/index.js";

const maxErr = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};
const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;

test("no friction, no noise → equal extensions x_ℓ = ℓ/(L+1) to 1e-9 (Model A and Model B)", () => {
  const eq = frictionlessEquilibrium(7);
  assert.ok(maxErr(eq, [0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875]) < 1e-15);
  const a = simulateA({ muR: 0, noise: 0, steps: 20000 });
  assert.ok(maxErr(a.x, eq) < 1e-9, `A: ${maxErr(a.x, eq)}`);
  assert.ok(maxErr(a.springs, new Array(8).fill(0.125)) < 1e-9);
  assert.ok(Math.abs(a.c) < 1e-9 && a.v < 1e-9);
  assert.equal(a.shape, "linear");
  const b = simulateB({ k: 1, muR: 0, muL: 0, noise: 0, steps: 10000 });
  assert.ok(maxErr(b.x, eq) < 1e-12, `B: ${maxErr(b.x, eq)}`);
  const b20 = simulateB({ muR: 0, muL: 0, noise: 0, steps: 20000 });
  assert.ok(maxErr(b20.x, eq) < 1e-6, `B (k = 0.1, 2e4 steps): ${maxErr(b20.x, eq)}`);
});

test("friction without noise → the closed-form concave state (μ = 0.1, 0.05, 0.2, 0.02)", () => {
  const cases: [number, number[]][] = [
    [0.1, [0, 0, 0, 0, 0.1, 0.2, 0.3, 0.4]],
    [0.05, [0, 0, 0.0417, 0.0917, 0.1417, 0.1917, 0.2417, 0.2917]],
    [0.2, [0, 0, 0, 0, 0, 0.1333, 0.3333, 0.5333]],
    [0.02, [0.055, 0.075, 0.095, 0.115, 0.135, 0.155, 0.175, 0.195]],
  ];
  for (const [mu, brief] of cases) {
    const cf = frictionalStationaryState(7, mu);
    assert.ok(maxErr(cf.d, brief) < 1e-4, `closed form μ=${mu}: ${Array.from(cf.d)}`);
    const r = simulateA({ muR: mu, noise: 0, steps: mu === 0.02 ? 20000 : 10000 });
    assert.ok(maxErr(r.springs, cf.d) < 1e-6, `sim μ=${mu}: ${maxErr(r.springs, cf.d)}`);
    assert.ok(r.c < 0);
    assert.equal(r.shape, "concave");
    // static equilibrium: stuck blocks |F| ≤ μ, moving ones end with F = μ
    const F = forces(r.x, 1);
    for (let l = 0; l < 7; l++) assert.ok(Math.abs(F[l]) <= mu + 1e-6, `|F_${l + 1}| = ${F[l]} > μ`);
  }
  assert.ok(Math.abs(simulateA({ muR: 0.1, noise: 0 }).c + 0.3) < 1e-9);
});

test("force identity Σ F_ℓ = k (d_{L+1} − d_1) and energy descent without friction or noise", () => {
  const x = [0.3, -0.1, 0.7, 0.2, 1.4];
  const k = 2.5;
  const F = forces(x, k, 1.3);
  const d = springs(x, 1.3);
  assert.ok(Math.abs(F.reduce((s, v) => s + v, 0) - k * (d[5] - d[0])) < 1e-12);
  const r = simulateA({ muR: 0, noise: 0, steps: 3000, recordEvery: 1, k: 1, eta: 0.2 });
  let prev = Number.POSITIVE_INFINITY;
  for (let f = 0; f < r.steps.length; f++) {
    const e = energy(r.trajectory.subarray(f * 7, f * 7 + 7), 1);
    assert.ok(e <= prev + 1e-15, `energy rose at step ${r.steps[f]}`);
    prev = e;
  }
  assert.ok(Math.abs(prev - 0.5 / 8) < 1e-12);
});

test("same seed → same trajectory; different seed → different", () => {
  const p = { muR: 0.1, muL: 0.2, noise: 0.3, steps: 3000 };
  const a = simulateA({ ...p, seed: 4 });
  const b = simulateA({ ...p, seed: 4 });
  assert.deepEqual(Array.from(a.trajectory), Array.from(b.trajectory));
  assert.notDeepEqual(Array.from(simulateA({ ...p, seed: 5 }).x), Array.from(a.x));
  const c = simulateB({ seed: 2, steps: 3000 });
  assert.deepEqual(Array.from(simulateB({ seed: 2, steps: 3000 }).trajectory), Array.from(c.trajectory));
});

test("symmetric friction with noise → linear (authors' notebook: μ = 0.1, ε̄ = 0.1)", () => {
  const runs = [0, 1, 2, 3, 4].map((seed) => simulateA({ muR: 0.1, muL: 0.1, noise: 0.1, seed }));
  for (let l = 0; l < 7; l++) {
    const m = mean(runs.map((r) => r.springs[l]));
    assert.ok(Math.abs(m - 0.125) < 0.01, `spring ${l + 1}: ${m}`);
  }
  const c = mean(runs.map((r) => r.c));
  assert.ok(Math.abs(c) < 0.02, `c̄ = ${c}`);
  assert.ok(runs.every((r) => r.shape === "linear"));
});

test("noise with backward friction above forward → convex (μ_R = 0.1, μ_L = 0.2, ε̄ = 0.3); ε̄ = 0 → c = −0.3", () => {
  assert.ok(Math.abs(simulateA({ muR: 0.1, muL: 0.2, noise: 0 }).c + 0.3) < 1e-9);
  const runs = [0, 1, 2, 3, 4].map((seed) => simulateA({ muR: 0.1, muL: 0.2, noise: 0.3, seed }));
  const c = mean(runs.map((r) => r.c));
  assert.ok(Math.abs(c - 0.3) < 0.05, `c̄ = ${c}`);
  assert.ok(runs.every((r) => r.shape === "convex"));
});

test("Model B, authors' parameters: seed-mean profile and the deterministic t = 700 state", () => {
  const target = [0.858, 0.722, 0.59, 0.462, 0.34, 0.222, 0.108];
  const runs = [0, 1, 2, 3, 4].map((seed) => simulateB({ seed }));
  for (let l = 0; l < 7; l++) {
    const m = mean(runs.map((r) => r.loadCurve[l + 1]));
    assert.ok(Math.abs(m - target[l]) < 0.03, `1 − x_${l + 1}: ${m}`);
  }
  const det = simulateB({ noise: 0 });
  assert.ok(maxErr(det.springs, [0.0446, 0.0462, 0.0763, 0.1065, 0.1365, 0.1666, 0.1967, 0.2267]) < 1e-3, `${Array.from(det.springs)}`);
  assert.ok(Math.abs(det.c + 0.152) < 1e-3);
  assert.equal(det.times[det.times.length - 1], 700);
});

test("model phase map (oracle 19): exact ε̄ = 0 column; c changes sign at a noise level that grows with μ", () => {
  const frictions = [0, 0.02, 0.05, 0.1, 0.2];
  const noises = [0, 0.05, 0.1, 0.2, 0.4, 0.8];
  const g = phaseGrid({ frictions, noises, seeds: 3, asymmetry: 2 });
  const exact = [0, -0.12, -0.24166666666666667, -0.3, -0.3333333333333333];
  for (let i = 0; i < frictions.length; i++) assert.ok(Math.abs(g.cells[i][0].c - exact[i]) < 1e-6, `μ_R=${frictions[i]}: ${g.cells[i][0].c}`);
  // 3-seed means within ±0.18·ε̄ of the 900-seed table
  const table = [
    [0, 0, 0, 0, 0, 0],
    [-0.12, 0.06, 0.06, 0.061, 0.059, 0.058],
    [-0.242, 0.108, 0.15, 0.151, 0.149, 0.148],
    [-0.3, -0.116, 0.233, 0.3, 0.299, 0.298],
    [-0.333, -0.299, -0.128, 0.491, 0.598, 0.598],
  ];
  for (let i = 0; i < 5; i++)
    for (let j = 1; j < 6; j++)
      assert.ok(Math.abs(g.cells[i][j].c - table[i][j]) <= 0.18 * noises[j] + 1e-3, `cell (${frictions[i]}, ${noises[j]}): ${g.cells[i][j].c}`);
  // first noise index with c > 0: 1 for μ_R ≤ 0.05, 2 for 0.1, 3 for 0.2
  const firstPositive = (i: number) => g.cells[i].findIndex((c) => c.c > 0);
  assert.deepEqual([1, 2, 3, 4].map(firstPositive), [1, 1, 2, 3]);
  assert.equal(g.cells[4][0].shape, "concave");
  assert.equal(g.cells[4][5].shape, "convex");
  // symmetric friction: no convex phase at this noise (oracle, §3.7(4))
  const sym = phaseGrid({ frictions: [0.1], noises: [0.1], seeds: 5, asymmetry: 1 });
  assert.ok(Math.abs(sym.cells[0][0].c) < 0.03);
});

test("mapping helpers and bad parameters", () => {
  const x = loadCurveToPositions([0, -1, -2, -3]);
  assert.ok(maxErr(x, [0, 1 / 3, 2 / 3, 1]) < 1e-15);
  const lc = positionsToLoadCurve([0.25, 0.5, 0.75, 1]);
  assert.ok(maxErr(lc, [1, 0.75, 0.5, 0.25, 0]) < 1e-15);
  assert.deepEqual(dnnToSpring(0, 0.3, { muMax: 0.2, noiseScale: 1 }), { muR: 0.2, noise: 0.3 });
  const bad = (f: () => unknown, re: RegExp) => assert.throws(f, (e: unknown) => e instanceof InputError && re.test(e.message));
  bad(() => simulateA({ L: 0 }), /blocks/);
  bad(() => simulateA({ muR: -1 }), /μ_R/);
  bad(() => simulateA({ eta: 0.6 }), /unstable/);
  bad(() => simulateB({ dt: 0 }), /dt/);
  bad(() => phaseGrid({ frictions: [], noises: [0] }), /at least one/);
  bad(() => loadCurveToPositions([1, 1]), /normalised/);
});
