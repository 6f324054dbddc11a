/**
 * The exact Gibbs sampler (with scale moves) of the linear χ-network posterior (src/nn/samplers/gibbsLinear.ts)
 * against independent references:
 * - N = 1, D = 2, P = 2: the posterior of (v, w) is three-dimensional; its moments by trapezoidal
 *   quadrature on a grid (exponentially accurate for the Gaussian tails) — both readout branches (N×N precision,
 *   Matheron) and with / without scale moves;
 * - the brief's orthogonal-inputs toy (§8.2: D = P = 10, X = √D·I, κ = 0.5, y = 1, N = 100): the exact
 *   training output r from the brief's two-dimensional quadrature of the f̃-integral [CHECKED], which the
 *   tree level misses by many standard errors;
 * - same key → same chain; bad input → InputError.
 * Error bars: 20-block batch means (src/metrics/chain.ts); agreement within 4 s.e.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InputError } from "../../src/engine/errors.js";
import { foldIn, key } from "../../src/engine/random.js";
import { blockedError } from "../../src/metrics/chain.js";
import { type GibbsLinearOptions, gibbsLinear } from "../../src/nn/samplers/gibbsLinear.js";

// N = 1, D = 2, P = 2 posterior of (v₁, v₂, w):
// log π = −|v|²D/(2g_v) − w²χN/(2g_w) − (χ/(2κ))Σ_α(y_α − w v·x_α)². D = 2 makes the scale move's
// Jacobian exponent ND − N = 1 non-zero, so a wrong Jacobian would bias E|v|² and E[w²].
const tiny = { X: Float64Array.from([1, 0.3, -0.5, 0.8]), P: 2, D: 2, y: Float64Array.from([0.8, -0.3]), N: 1, chi: 2, kappa: 0.5, gv: 1.3, gw: 0.7 };

/** Exact E[f₁], E[f₁²], E|v|², E[w²] by trapezoidal quadrature on [−L, L]³ (m points per axis). */
function tinyQuadrature(m = 181, L = 7) {
  const { X, y, chi, kappa, gv, gw, D, N } = tiny;
  const h = (2 * L) / (m - 1);
  let Z = 0;
  const mom = [0, 0, 0, 0];
  for (let i = 0; i < m; i++) {
    const v1 = -L + i * h;
    for (let j = 0; j < m; j++) {
      const v2 = -L + j * h;
      const h1 = v1 * X[0] + v2 * X[1];
      const h2 = v1 * X[2] + v2 * X[3];
      const pv = (-(v1 * v1 + v2 * v2) * D) / (2 * gv);
      for (let k = 0; k < m; k++) {
        const w = -L + k * h;
        const r = (y[0] - w * h1) ** 2 + (y[1] - w * h2) ** 2;
        const p = Math.exp(pv - (w * w * chi * N) / (2 * gw) - (chi / (2 * kappa)) * r);
        Z += p;
        mom[0] += p * w * h1;
        mom[1] += p * (w * h1) ** 2;
        mom[2] += p * (v1 * v1 + v2 * v2);
        mom[3] += p * w * w;
      }
    }
  }
  return mom.map((x) => x / Z);
}

/** Runs a chain and returns the traces of the observables `obs(state)`. */
function traces(
  s: ReturnType<typeof gibbsLinear>,
  seed: number,
  sweeps: number,
  burnin: number,
  obs: (st: { V: Float64Array; w: Float64Array; f: Float64Array }) => number[],
) {
  let st = s.init(key(seed));
  const kRun = foldIn(key(seed), 1);
  let out: Float64Array[] = [];
  for (let i = 0; i < burnin + sweeps; i++) {
    st = s.step(st, foldIn(kRun, i)).state;
    if (i < burnin) continue;
    const o = obs(st);
    if (out.length === 0) out = o.map(() => new Float64Array(sweeps));
    o.forEach((v, k) => {
      out[k][i - burnin] = v;
    });
  }
  return out;
}

describe("gibbs-linear: exactness against quadrature (N = 1, D = 2, P = 2)", () => {
  const exact = tinyQuadrature();
  const names = ["E[f₁]", "E[f₁²]", "E|v|²", "E[w²]"];
  const cases: [string, GibbsLinearOptions][] = [
    ["N×N precision branch, scale moves", { readout: "precision" }],
    ["Matheron branch, scale moves", { readout: "matheron" }],
    ["precision branch, no scale moves", { readout: "precision", scaleMoves: 0 }],
    ["precision branch, 20 scale moves per sweep", { readout: "precision", scaleMoves: 20 }],
  ];
  for (const [label, opts] of cases) {
    it(label, () => {
      const s = gibbsLinear(tiny, opts);
      const tr = traces(s, 11, 30000, 200, (st) => [st.f[0], st.f[0] ** 2, st.V[0] ** 2 + st.V[1] ** 2, st.w[0] ** 2]);
      tr.forEach((x, k) => {
        const e = blockedError(x, 20);
        assert.ok(e.error > 0 && e.error < 0.05 * Math.max(0.1, Math.abs(exact[k])), `${names[k]}: uninformative error bar ${e.error}`);
        const z = Math.abs(e.mean - exact[k]) / e.error;
        assert.ok(z <= 4, `${label}: ${names[k]} sampled ${e.mean} ± ${e.error}, quadrature ${exact[k]} (${z.toFixed(2)} s.e.)`);
      });
    });
  }
  it("the state's outputs are f_α = wᵀVx_α", () => {
    const s = gibbsLinear(tiny);
    const r = s.step(s.init(key(3)), key(4));
    for (let a = 0; a < 2; a++) {
      const f = r.state.w[0] * (r.state.V[0] * tiny.X[2 * a] + r.state.V[1] * tiny.X[2 * a + 1]);
      assert.ok(Math.abs(r.state.f[a] - f) < 1e-14, "f = wᵀVx");
    }
    const o = s.outputs(r.state, tiny.X, 2);
    for (let a = 0; a < 2; a++) assert.ok(Math.abs(o[a] - r.state.f[a]) < 1e-14, "outputs() on the training inputs = f");
  });
});

describe("gibbs-linear: the brief's orthogonal-inputs oracle (exact r by quadrature, §8.2)", () => {
  const D = 10;
  const P = 10;
  const X = new Float64Array(P * D);
  for (let i = 0; i < P; i++) X[i * D + i] = Math.sqrt(D);
  const y = new Float64Array(P).fill(1);
  // χ, N, r exact [CHECKED], r tree
  for (const [chi, rExact, rTree] of [
    [1, 0.658983, 0.676123],
    [100, 0.865777, 0.868084],
  ]) {
    it(`χ = ${chi}, N = 100: the sampled training output r agrees with the exact value and not with tree level`, () => {
      const s = gibbsLinear({ X, P, D, y, N: 100, chi, kappa: 0.5 });
      const [r] = traces(s, 5, 12000, 300, (st) => [st.f.reduce((a, b) => a + b, 0) / P]);
      const e = blockedError(r, 20);
      const z = Math.abs(e.mean - rExact) / e.error;
      assert.ok(z <= 4, `r sampled ${e.mean} ± ${e.error}, exact ${rExact} (${z.toFixed(2)} s.e.)`);
      assert.ok(Math.abs(e.mean - rTree) / e.error > 5, `tree level ${rTree} should be resolved from the sample ${e.mean} ± ${e.error}`);
    });
  }
});

describe("gibbs-linear: determinism and input checks", () => {
  it("same key → same chain; another key → another chain", () => {
    const s = gibbsLinear({ ...tiny, N: 3, D: 2, X: Float64Array.from([1, 0.2, -0.5, 0.7]) });
    const run = (seed: number) => {
      let st = s.init(key(seed));
      for (let i = 0; i < 20; i++) st = s.step(st, foldIn(key(seed), i)).state;
      return [...st.V, ...st.w];
    };
    assert.deepEqual(run(7), run(7), "same seed, same chain");
    assert.notDeepEqual(run(7), run(8), "different seeds, different chains");
    const st = s.init(key(1));
    const before = [...st.V, ...st.w];
    s.step(st, key(2));
    assert.deepEqual([...st.V, ...st.w], before, "step leaves its input state unchanged");
  });
  it("bad input is an InputError", () => {
    assert.throws(() => gibbsLinear({ ...tiny, chi: 0 }), InputError, "χ = 0");
    assert.throws(() => gibbsLinear({ ...tiny, kappa: -1 }), InputError, "κ < 0");
    assert.throws(() => gibbsLinear({ ...tiny, y: new Float64Array(3) }), InputError, "y of the wrong length");
    assert.throws(() => gibbsLinear({ ...tiny, N: 1.5 }), InputError, "non-integer N");
    assert.throws(() => gibbsLinear(tiny, { scaleMoves: -1 }), InputError, "negative scale moves");
    assert.throws(() => gibbsLinear(tiny).initAt(new Float64Array(3), new Float64Array(1)), InputError, "V of the wrong size");
  });
});
