/**
 * The fast paths of the linear tilted average (treeLevel.ts `linearTilt`) against their dense definitions:
 * K̂_tr,tr t = w/m (`KhatT`) against the product with the formed K̂, and the eigenbasis + Sherman–Morrison
 * Newton step (`solveJacobian`) against an LU solve of the formed Jacobian J.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { solve } from "../../src/engine/linalg.js";
import { key, normal } from "../../src/engine/random.js";
import { annealTreeLevel, linearTilt, msaKernels, nngpBaseline, type TiltProvider } from "../../src/theory/multiscale/index.js";

function problem(P: number, Pt: number, D: number) {
  const X = normal(key(11), P * D);
  const Xtest = normal(key(12), Pt * D);
  const y = Float64Array.from(normal(key(13), P), Math.sign);
  return { X, Xtest, Ptest: Pt, P, D, y, act: "linear" as const };
}

describe("multiscale: structured linear tilt = dense formulas", () => {
  const inp = problem(30, 5, 8);
  const N = 40;
  const kappa = 0.2;
  const ker = msaKernels({ ...inp, N, kappa });
  const lin = linearTilt(ker, N, kappa);
  const t = normal(key(14), inp.P, 0, 0.3);
  for (const chi of [0.5, 5, 20]) {
    it(`χ = ${chi}: K̂t = w/m and J⁻¹R by Sherman–Morrison match the formed matrices`, () => {
      const e = lin(t, chi);
      assert.ok(e.normalisable && e.margin > 0, `tilt normalisable at χ = ${chi} (margin ${e.margin})`);
      const { P, n } = ker;
      const Khat = e.Khat as Float64Array;
      const J = e.J as Float64Array;
      let scale = 0;
      for (let a = 0; a < P; a++) {
        let s = 0;
        for (let b = 0; b < P; b++) s += Khat[a * n + b] * t[b];
        scale = Math.max(scale, Math.abs(s));
        assert.ok(Math.abs((e.KhatT as Float64Array)[a] - s) <= 1e-12 * Math.max(1, Math.abs(s)), `KhatT[${a}] ${e.KhatT?.[a]} vs ${s}`);
      }
      const R = normal(key(15), P);
      const dense = solve(J, P, R, 1, "J");
      const fast = e.solveJacobian?.(R);
      assert.ok(fast, "solveJacobian returned a step");
      let m = 0;
      let sc = 0;
      for (let a = 0; a < P; a++) {
        m = Math.max(m, Math.abs(fast[a] - dense[a]));
        sc = Math.max(sc, Math.abs(dense[a]));
      }
      assert.ok(m <= 1e-10 * sc, `max |step_fast − step_LU| = ${m} (scale ${sc})`);
    });
  }
  it("annealing with and without the structured step reaches the same t", () => {
    const base = nngpBaseline(ker, inp.y, kappa, 1);
    const dense: TiltProvider = (tt, chi) => {
      const e = lin(tt, chi);
      // keep K̂ and J (getters) but drop the fast paths: the annealing then forms K̂t and factorises J
      return e.normalisable ? { normalisable: true, margin: e.margin, Khat: e.Khat, J: e.J } : e;
    };
    const a = annealTreeLevel(lin, inp.y, kappa, base.t, [1, 10, 30]);
    const b = annealTreeLevel(dense, inp.y, kappa, base.t, [1, 10, 30]);
    assert.ok(!a.failure && !b.failure, "both paths converge");
    assert.equal(a.points.length, 3, "three targets");
    for (let i = 0; i < 3; i++) {
      let d = 0;
      for (let k = 0; k < inp.P; k++) d = Math.max(d, Math.abs(a.points[i].t[k] - b.points[i].t[k]));
      assert.ok(d <= 1e-11, `χ = ${a.points[i].chi}: max |Δt| = ${d}`);
      assert.ok(a.points[i].residual <= 1e-12 * 1e3, `residual ${a.points[i].residual}`);
    }
  });
});
