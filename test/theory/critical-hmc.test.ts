/**
 * Paper b, validation against sampling (cheap version of the `critical-vs-hmc` recipe): conventions
 * (exact prior draws of the brief's network reproduce the NNGP kernels up to O(1/N) and sampling
 * error; HMC with the likelihood switched off reproduces the prior mean), then the MAP kernels against
 * the HMC posterior-mean kernels at N = 100, P = 8 (brief §8.3), within 10% plus the measured
 * sampling-noise floor.
 */
import assert from "node:assert/strict";
import { describe, it, test } from "node:test";
import { xor } from "../../src/data/index.js";
import { key } from "../../src/engine/random.js";
import { compareAdapted, type HmcStudySpec, hmcKernels, meanDifference, priorKernelMean } from "../../src/experiments/recipes/criticalHmc.js";
import { inputKernel, nngpKernels, resolveModel, solveMap } from "../../src/theory/critical/index.js";

const base = { d: 4, g: 1.5, gb: 0.05, kappa: 0.05, depth: 2 };

function data(P: number, seed: number) {
  const ds = xor({ P, D: base.d, key: key(seed) });
  return { X: Float64Array.from(ds.X), y: Float64Array.from(ds.y) };
}

describe("critical: finite networks against the theory's conventions", () => {
  it("exact prior draws: ⟨C^(l)⟩_prior = C_GP^(l) up to O(1/N) and sampling error", () => {
    const s: HmcStudySpec = { ...base, N: 150, P: 3 };
    const { X } = data(3, 1);
    const draws = 300;
    const prior = priorKernelMean(s, X, draws, key(2));
    const m = resolveModel({ activation: "erf", depth: 2, width: s.N, gw: s.g, gb: s.gb, kappa: s.kappa });
    const gp = nngpKernels(m, inputKernel(X, 3, s.d, s.g, s.gb), 3);
    for (let l = 0; l < 2; l++)
      for (let i = 0; i < 9; i++) {
        const tol = 4 * prior.se[l][i] + 2 / s.N;
        assert.ok(Math.abs(prior.mean[l][i] - gp[l + 1][i]) <= tol, `C^(${l + 2})[${i}]: prior ${prior.mean[l][i]} vs GP ${gp[l + 1][i]} (tol ${tol})`);
      }
  });

  it("HMC with the likelihood off samples the prior (kernel mean within the noise floor)", () => {
    const s: HmcStudySpec = { ...base, N: 60, P: 4 };
    const { X, y } = data(4, 3);
    const prior = priorKernelMean(s, X, 1500, key(4));
    const h = hmcKernels(s, X, y, { chains: 3, steps: 250, burnin: 30, thin: 2, stepSize: 0.06, leapfrog: 30, T: 1e12, initScale: 2 }, key(5));
    for (let l = 0; l < 2; l++) {
      const r = meanDifference(
        h.chainMeans.map((c) => c[l]),
        prior.mean[l],
        prior.se[l],
      );
      assert.ok(r.diff <= 3 * r.floor, `C^(${l + 2}): ‖⟨C⟩_HMC − ⟨C⟩_prior‖ = ${r.diff} vs noise floor ${r.floor}`);
    }
    // the check can fail: a sampler that barely moves stays at its over-dispersed start
    const stuck = hmcKernels(s, X, y, { chains: 3, steps: 60, burnin: 10, thin: 2, stepSize: 1e-5, leapfrog: 2, T: 1e12, initScale: 2 }, key(5));
    const r = meanDifference(
      stuck.chainMeans.map((c) => c[0]),
      prior.mean[0],
      prior.se[0],
    );
    assert.ok(r.diff > 3 * r.floor, `a stuck sampler must fail the prior check: ${r.diff} vs floor ${r.floor}`);
  });
});

describe("critical: MAP kernels against HMC (N = 100, P = 8)", () => {
  it("the adapted part agrees within 10% plus twice the sampling-noise floor", () => {
    const s: HmcStudySpec = { ...base, N: 100, P: 8 };
    const { X, y } = data(8, 7);
    const prior = priorKernelMean(s, X, 1000, key(8));
    const h = hmcKernels(s, X, y, { chains: 4, steps: 700, burnin: 100, thin: 2, stepSize: 0.04, leapfrog: 40, T: s.kappa }, key(9));
    const acc = h.acceptance.reduce((a, b) => a + b, 0) / h.acceptance.length;
    assert.ok(acc > 0.7, `HMC acceptance ${acc}`);
    const sol = solveMap({ activation: "erf", depth: 2, width: s.N, gw: s.g, gb: s.gb, kappa: s.kappa }, X, 8, s.d, y, 1, {
      backend: "monte-carlo",
      samples: 30_000,
      seed: 1,
      tol: 1e-9,
    });
    assert.equal(sol.converged, true, "MAP converged");
    for (let l = 0; l < 2; l++) {
      const dMap = sol.C[l + 1].map((v, i) => v - sol.Cgp[l + 1][i]);
      const c = compareAdapted(
        h.chainMeans.map((m) => m[l]),
        prior.mean[l],
        prior.se[l],
        dMap,
      );
      // The signal must be resolved, else the check is vacuous.
      assert.ok(c.noiseFloor < 0.35, `C^(${l + 2}): noise floor ${c.noiseFloor} too large to test anything`);
      assert.ok(c.relError <= 0.1 + 2 * c.noiseFloor, `C^(${l + 2}): relative error ${c.relError} (noise floor ${c.noiseFloor})`);
    }
  });
});

test("compareAdapted: the error bar of r carries the prior baseline's s.e. (linear propagation = finite differences)", () => {
  const n = 6;
  const dTheory = Float64Array.from({ length: n }, (_, i) => 0.1 * (i + 1));
  const post = Float64Array.from({ length: n }, (_, i) => 1 + 0.1 * (i + 1) + 0.01 * Math.cos(i));
  const priorMean = new Float64Array(n).fill(1);
  const priorSe = Float64Array.from({ length: n }, (_, i) => 0.002 * (1 + i));
  // identical chains: no chain spread, so all of relErrorSe comes from the prior baseline
  const c = compareAdapted([post, post, post], priorMean, priorSe, dTheory);
  const r = (pm: Float64Array) => {
    let num = 0;
    let den = 0;
    for (let i = 0; i < n; i++) {
      num += (post[i] - pm[i] - dTheory[i]) ** 2;
      den += dTheory[i] ** 2;
    }
    return Math.sqrt(num / den);
  };
  assert.ok(Math.abs(c.relError - r(priorMean)) < 1e-14, "r = ‖ΔC_HMC − ΔC‖/‖ΔC‖");
  let v = 0;
  for (let i = 0; i < n; i++) {
    const h = 1e-7;
    const up = Float64Array.from(priorMean);
    const dn = Float64Array.from(priorMean);
    up[i] += h;
    dn[i] -= h;
    v += ((r(up) - r(dn)) / (2 * h)) ** 2 * priorSe[i] ** 2;
  }
  assert.ok(c.relErrorSe > 0, "a noisy prior baseline gives a nonzero error bar even without chain spread");
  assert.ok(Math.abs(c.relErrorSe - Math.sqrt(v)) < 1e-6 * Math.sqrt(v), `propagated s.e. ${c.relErrorSe} vs finite differences ${Math.sqrt(v)}`);
});
