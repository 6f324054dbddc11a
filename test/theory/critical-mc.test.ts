/**
 * Paper b: the matrix-free Monte-Carlo tilted backend (src/theory/critical/monteCarlo.ts) against the
 * deterministic Gauss–Hermite backend: identities (C̃ = 0 gives the exact NNGP map with the control
 * variate), one layer's forward and backward maps and the P = 2 MAP kernels (brief oracle 6) within
 * the Monte-Carlo error measured over independent keys.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InputError } from "../../src/engine/errors.js";
import { loadAddon } from "../../src/engine/linalg/backend.js";
import { foldIn, key } from "../../src/engine/random.js";
import { toActivation } from "../../src/kernels/index.js";
import { mapPoints, nngpMap, solveMap, standardPoints, standardSamples, tiltedLayer, tiltedLayerMC } from "../../src/theory/critical/index.js";

const act = toActivation("erf");
const C = new Float64Array([0.9, 0.3, 0.3, 0.6]);
const Ct = new Float64Array([0.2, -0.4, -0.4, 0.1]);
const g = 1.3;

/** Mean and standard error over replicas, entry by entry. */
function meanSe(rs: Float64Array[]): { mean: Float64Array; se: Float64Array } {
  const n = rs.length;
  const mean = new Float64Array(rs[0].length);
  const se = new Float64Array(rs[0].length);
  for (const r of rs) for (let i = 0; i < r.length; i++) mean[i] += r[i] / n;
  for (const r of rs) for (let i = 0; i < r.length; i++) se[i] += (r[i] - mean[i]) ** 2 / (n - 1);
  for (let i = 0; i < se.length; i++) se[i] = Math.sqrt(se[i] / n);
  return { mean, se };
}

function withinError(est: { mean: Float64Array; se: Float64Array }, exact: ArrayLike<number>, what: string, floor = 1e-12): void {
  for (let i = 0; i < exact.length; i++) {
    const tol = 4 * est.se[i] + floor;
    assert.ok(Math.abs(est.mean[i] - exact[i]) <= tol, `${what}[${i}]: MC ${est.mean[i]} ± ${est.se[i]} vs exact ${exact[i]}`);
  }
}

describe("critical: Monte-Carlo tilted backend", () => {
  it("with the control variate, C̃ = 0 gives exactly the NNGP map (and ln Z = 0)", () => {
    const P = 6;
    const X = new Float64Array(P * P);
    for (let a = 0; a < P; a++) for (let b = 0; b < P; b++) X[a * P + b] = (a === b ? 1 : 0.3 * Math.cos(a + 2 * b)) * 0.5 + 0.2 * Math.cos(a - b);
    const Cp = new Float64Array(P * P);
    for (let a = 0; a < P; a++) for (let b = 0; b < P; b++) for (let k = 0; k < P; k++) Cp[a * P + b] += X[a * P + k] * X[b * P + k];
    const std = standardSamples(P, { samples: 2000, key: key(3) });
    const r = tiltedLayerMC(act, std, Cp, g, new Float64Array(P * P), { block: 300 });
    const gp = nngpMap(act, Cp, P, 1, 0);
    for (let i = 0; i < gp.length; i++) assert.ok(Math.abs(r.M[i] - gp[i]) < 1e-12, `M[${i}] ${r.M[i]} vs ${gp[i]}`);
    assert.ok(Math.abs(r.logZ) < 1e-15, `logZ ${r.logZ}`);
    assert.ok(Math.abs(r.ess - 2000) < 1e-6, `ess ${r.ess}`);
  });

  it("the per-sample-set feature cache (H, φ(H) reused while C is unchanged) changes no number", () => {
    const P = 5;
    const kernel = (t: number) => {
      const K = new Float64Array(P * P);
      for (let a = 0; a < P; a++) for (let b = 0; b < P; b++) K[a * P + b] = (a === b ? 1 : 0.25) + 0.1 * Math.cos(a - b + t);
      return K;
    };
    const Ctil = new Float64Array(P * P);
    for (let a = 0; a < P; a++) for (let b = 0; b < P; b++) Ctil[a * P + b] = 0.05 * Math.cos(a + b) + (a === b ? 0.03 : 0);
    const shared = standardSamples(P, { samples: 3000, key: key(8) });
    for (const [t, backward] of [
      [0, false],
      [0, true],
      [0, false],
      [0.4, true],
      [0.4, false],
      [0, true],
    ] as const) {
      const Cl = kernel(t);
      const r = tiltedLayerMC(act, shared, Cl, g, Ctil, { backward, block: 700 });
      const fresh = tiltedLayerMC(act, standardSamples(P, { samples: 3000, key: key(8) }), Cl, g, Ctil, { backward, block: 700 });
      const a = backward ? (r.back as Float64Array) : r.M;
      const b = backward ? (fresh.back as Float64Array) : fresh.M;
      for (let i = 0; i < a.length; i++) assert.ok(a[i] === b[i], `t ${t} backward ${backward} [${i}]: cached ${a[i]} vs fresh ${b[i]}`);
      assert.ok(r.logZ === fresh.logZ && r.ess === fresh.ess, `t ${t} backward ${backward}: logZ/ess differ`);
    }
  });

  it("the addon's critErf (erf(s·h), s(2/√π)e^{−s²h²}) agrees with the TypeScript erf and φ′ to an ulp or two", (t) => {
    const addon = loadAddon();
    const critErf = addon?.critErf as ((n: number, s: number, H: Float64Array, F: Float64Array | null, D: Float64Array | null) => void) | undefined;
    if (typeof critErf !== "function") {
      t.skip("native addon without critErf");
      return;
    }
    const n = 20_003; // not a multiple of the vector width
    const H = new Float64Array(n);
    for (let i = 0; i < n; i++) H[i] = -7 + (14 * i) / (n - 1) + 1e-3 * Math.sin(i);
    for (const s of [1, 2.5]) {
      const a = toActivation(s === 1 ? "erf" : `erf:${s}`);
      const F = new Float64Array(n);
      const D = new Float64Array(n);
      critErf(n, s, H, F, D);
      for (let i = 0; i < n; i++) {
        const f = a.phi(H[i]);
        const d = a.dphi(H[i]);
        assert.ok(Math.abs(F[i] - f) <= 4e-16 * Math.max(Math.abs(f), 1e-300), `erf(${s}·${H[i]}): ${F[i]} vs ${f}`);
        // φ′ = c·e^{−z²}: the argument's rounding (≤ 2z²·ε) dominates for large |z|.
        assert.ok(Math.abs(D[i] - d) <= (4 + 4 * (s * H[i]) ** 2) * 1.2e-16 * d, `φ′(${s}·${H[i]}): ${D[i]} vs ${d}`);
      }
    }
  });

  it("block size and stored/online mode do not change the result (weight normalisation)", () => {
    const std = standardSamples(2, { samples: 5000, key: key(4) });
    for (const cv of [true, false]) {
      const variants = [{ block: 5000 }, { block: 77 }, { block: 5000, maxStored: 0 }, { block: 77, maxStored: 0 }];
      const f = variants.map((v) => tiltedLayerMC(act, std, C, g, Ct, { ...v, controlVariate: cv }));
      const b = variants.map((v) => tiltedLayerMC(act, std, C, g, Ct, { ...v, controlVariate: cv, backward: true }));
      for (let k = 1; k < variants.length; k++) {
        for (let i = 0; i < 4; i++) {
          assert.ok(Math.abs(f[0].M[i] - f[k].M[i]) < 1e-13, `M[${i}] variant ${k} cv ${cv}`);
          assert.ok(Math.abs((b[0].back as Float64Array)[i] - (b[k].back as Float64Array)[i]) < 1e-13, `back[${i}] variant ${k} cv ${cv}`);
        }
        assert.ok(Math.abs(f[0].logZ - f[k].logZ) < 1e-13, `logZ variant ${k}`);
        assert.ok(Math.abs(f[0].ess - f[k].ess) < 1e-8, `ess variant ${k}`);
      }
    }
  });

  it("forward and backward maps agree with Gauss–Hermite within the Monte-Carlo error (with and without control variate)", () => {
    const gh = tiltedLayer(act, mapPoints(standardPoints(2, { backend: "gauss-hermite", ghOrder: 120 }), C, 2, "C"), g, Ct, { backward: true });
    for (const cv of [true, false]) {
      const Ms: Float64Array[] = [];
      const Bs: Float64Array[] = [];
      for (let r = 0; r < 16; r++) {
        const std = standardSamples(2, { samples: 20_000, key: foldIn(key(11), r) });
        Ms.push(tiltedLayerMC(act, std, C, g, Ct, { controlVariate: cv }).M);
        Bs.push(tiltedLayerMC(act, std, C, g, Ct, { backward: true, controlVariate: cv }).back as Float64Array);
      }
      const m = meanSe(Ms);
      const b = meanSe(Bs);
      withinError(m, gh.M, `M (cv ${cv})`);
      withinError(b, gh.back as Float64Array, `back (cv ${cv})`);
      if (cv) {
        // The control variate must not be worse than plain importance sampling on M.
        assert.ok(m.se[1] < 0.05, `se of M_12 ${m.se[1]}`);
      }
    }
  });

  it("P = 2 erf MAP kernels (oracle 6, L = 2) within the Monte-Carlo error of independent keys", () => {
    const X2 = new Float64Array([1, 0.3, 0.2, -1]);
    const Y2 = new Float64Array([1, -1]);
    const model = { activation: "erf", depth: 2, width: 5, gw: 1.5, gb: 0.05, kappa: 0.1 };
    const ghSol = solveMap(model, X2, 2, 2, Y2, 1, { backend: "gauss-hermite", tol: 1e-12 });
    // The brief's numbers, as a cross-check of the reference itself.
    assert.ok(Math.abs(ghSol.C[2][1] - -0.11097982) < 1e-6, `GH C3_12 ${ghSol.C[2][1]}`);
    const C2: Float64Array[] = [];
    const C3: Float64Array[] = [];
    for (let r = 0; r < 8; r++) {
      const s = solveMap(model, X2, 2, 2, Y2, 1, { backend: "monte-carlo", samples: 20_000, seed: 100 + r, tol: 1e-11 });
      assert.equal(s.converged, true, `replica ${r} converged`);
      assert.equal(s.backend, "monte-carlo");
      C2.push(s.C[1]);
      C3.push(s.C[2]);
    }
    withinError(meanSe(C2), ghSol.C[1], "C^(2)");
    withinError(meanSe(C3), ghSol.C[2], "C^(3)");
    const se = meanSe(C3).se;
    assert.ok(se[1] < 5e-3, `MC error of C3_12 ${se[1]} small against the adaptation ${ghSol.C[2][1] - ghSol.Cgp[2][1]}`);
  });

  it("rejects a missing key, bad samples and test points", () => {
    assert.throws(() => standardSamples(2, { samples: 100 }), InputError);
    assert.throws(() => standardSamples(2, { samples: 3, key: key(1) }), InputError);
    assert.throws(
      () =>
        solveMap(
          { activation: "erf", depth: 1, width: 5, gw: 1.5, gb: 0.05, kappa: 0.1 },
          new Float64Array([1, 0.3, 0.2, -1]),
          2,
          2,
          new Float64Array([1, -1]),
          1,
          {
            backend: "monte-carlo",
            Xtest: new Float64Array([0.5, 0.5]),
          },
        ),
      InputError,
    );
  });
});
