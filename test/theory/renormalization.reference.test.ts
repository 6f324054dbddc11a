/**
 * The renormalization theory against the independent NumPy implementation
 * (bench/fixtures/gen_renorm.py → test/fixtures/renorm/renorm.json; provenance in the README there).
 * The done-when bound is 1e-6 relative for Q̄*, S(Q̄*), the test predictions and the test loss; the
 * observed agreement is ~1e-12, and the tolerances below are set between the two.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import {
  collectiveSignature,
  deepLinearTheory,
  featureKernel,
  microscopicSignature,
  NonOddRenorm,
  predictMatrix,
  RenormProblem,
  scanTemperature,
  solveMatrixSaddle,
} from "../../src/theory/renormalization.js";
import { oracleColumns } from "../helpers/renormOracle.js";

const here = dirname(fileURLToPath(import.meta.url));
// biome-ignore lint/suspicious/noExplicitAny: JSON fixture
const FX: any = JSON.parse(readFileSync(join(here, "..", "fixtures", "renorm", "renorm.json"), "utf8"));

function close(a: number, b: number, rtol: number, what: string, atol = 1e-14): void {
  const err = Math.abs(a - b);
  assert.ok(err <= rtol * Math.abs(b) + atol, `${what}: ${a} vs ${b} (|Δ| = ${err.toExponential(2)})`);
}

function closeArr(a: ArrayLike<number>, b: number[], rtol: number, what: string, atol = 1e-14): void {
  assert.equal(a.length, b.length, `${what}: length`);
  let scale = 0;
  for (const v of b) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < b.length; i++) close(a[i], b[i], rtol, `${what}[${i}]`, atol + rtol * 1e-3 * scale);
}

const flat = (rows: number[][]): Float64Array => Float64Array.from(rows.flat());
const D = FX.data;
const X = flat(D.X);
const Xt = flat(D.Xtest);
const y = Float64Array.from(D.y as number[]);
const yt = Float64Array.from(D.ytest as number[]);
const base = { X, P: D.P as number, N0: D.N0 as number, y, Xtest: Xt, Pt: D.Pt as number, yTest: yt };

describe("scalar theory vs NumPy (erf and linear; dense formulas and a bisection solver on the NumPy side)", () => {
  for (const c of FX.scalar) {
    it(`${c.name}: Q̄*, S, predictions, losses, ⟨Φ⟩, class summaries, Δ, trace identity, projections`, () => {
      const pr = RenormProblem.fromData({ ...base, act: c.act, lambda0: c.lambda0 });
      const p = { T: c.T, N1: c.N1, lambda1: c.lambda1 };
      const sp = pr.solve(p);
      close(sp.Q, c.Q, 1e-10, "Q̄*");
      close(sp.action, c.action, 1e-10, "S(Q̄*)");
      close(pr.action(1, p), c.actionAt1, 1e-12, "S(1)");
      const pred = pr.predict(sp.Q, p);
      closeArr(pred.ypred, c.ypred, 1e-9, "ypred");
      closeArr(pred.pointVariance, c.pointVariance, 1e-8, "Var f");
      close(pred.testLoss!, c.testLoss, 1e-9, "test loss");
      close(pred.bias2!, c.bias2, 1e-9, "bias²");
      close(pred.variance!, c.variance, 1e-8, "variance");
      close(pred.trainLoss, c.trainLoss, 1e-9, "train loss");
      close(pred.trainLoss, c.trainLossDirect, 1e-9, "train loss (direct definition)");
      const iw = pr.predict(1, p);
      closeArr(iw.ypred, c.infiniteWidth.ypred, 1e-9, "IW ypred");
      close(iw.testLoss!, c.infiniteWidth.testLoss, 1e-9, "IW test loss");
      close(iw.trainLoss, c.infiniteWidth.trainLoss, 1e-9, "IW train loss");
      const col = collectiveSignature(pr, sp);
      for (const k of ["centroid", "pairwise", "radiusA", "radiusB", "separation"]) {
        close(col.prior[k as "centroid"], c.prior[k], 1e-11, `prior ${k}`);
        close(col.posterior[k as "centroid"], c.posterior[k], 1e-10, `posterior ${k}`);
        close(col.shift[k as "centroid"], c.shift[k], 1e-7, `N1 × shift ${k}`, 1e-9);
      }
      close(col.shift.centroid, c.centroidShiftFormula, 1e-8, "centroid shift formula");
      const fk = featureKernel(pr, sp);
      closeArr(fk.train, (c.PhiTrain as number[][]).flat(), 1e-10, "⟨Φ⟩ train");
      closeArr(fk.cross, (c.PhiTestCross as number[][]).flat(), 1e-10, "⟨Φ⟩ test×train");
      closeArr(fk.testDiag, c.PhiTestDiag, 1e-10, "⟨Φ⟩ test diagonal");
      const mic = microscopicSignature(pr, sp, { top: 3 });
      close(mic.traceFull, c.traceFull, 1e-8, "Tr Δ_full", 1e-12);
      close(mic.traceCode, c.traceCode, 1e-8, "Tr Δ_code", 1e-12);
      close(mic.traceIdentity, c.traceIdentity, 1e-8, "trace identity", 1e-12);
      closeArr(mic.deltaFull!, (c.deltaFull as number[][]).flat(), 1e-8, "Δ_full", 1e-12);
      closeArr(mic.deltaCode!, (c.deltaCode as number[][]).flat(), 1e-8, "Δ_code", 1e-12);
      close(mic.projections.Xm.full, c.projXm.full, 1e-8, "eᵀΔe, e ∝ Xᵀm (full)", 1e-12);
      close(mic.projections.Xm.code, c.projXm.code, 1e-8, "eᵀΔe, e ∝ Xᵀm (code)", 1e-12);
      close(mic.projections.Xy.full, c.projXy.full, 1e-8, "eᵀΔe, e ∝ Xᵀy (full)", 1e-12);
      close(mic.projections.Xy.code, c.projXy.code, 1e-8, "eᵀΔe, e ∝ Xᵀy (code)", 1e-12);
      closeArr(mic.spectrum.values, c.deltaEigenvalues, 1e-7, "spectrum of Δ", 1e-12);
      // the top eigenvectors are unit eigenvectors of Δ_full
      const N0 = pr.N0;
      for (let t = 0; t < 3; t++) {
        const v = Array.from({ length: N0 }, (_, a) => mic.spectrum.top.vectors[a * 3 + t]);
        for (let a = 0; a < N0; a++) {
          let r = 0;
          for (let b = 0; b < N0; b++) r += mic.deltaFull![a * N0 + b] * v[b];
          close(r, mic.spectrum.top.values[t] * v[a], 1e-8, "Δv = λv", 1e-12);
        }
      }
    });
  }
});

describe("temperature scan vs NumPy point by point", () => {
  it("Q̄*, class-manifold shifts, losses and first-layer traces along 13 temperatures", () => {
    const s = FX.scan;
    const pr = RenormProblem.fromData({ ...base, act: "erf" });
    const scan = scanTemperature(pr, s.T, { N1: s.N1, lambda1: s.lambda1 }, { micro: true });
    closeArr(scan.Q, s.Q, 1e-10, "Q̄*");
    closeArr(scan.collective!.centroidShift, s.centroidShift, 1e-8, "N1Δd²");
    closeArr(scan.collective!.pairwiseShift, s.pairwiseShift, 1e-8, "pairwise");
    closeArr(scan.collective!.radiusAShift, s.radiusAShift, 1e-8, "radius A");
    closeArr(scan.losses.testLoss as number[], s.testLoss, 1e-9, "test loss");
    closeArr(scan.losses.trainLoss, s.trainLoss, 1e-9, "train loss");
    closeArr(scan.infiniteWidth.testLoss as number[], s.iwTestLoss, 1e-9, "IW test loss");
    closeArr(scan.micro!.traceFull, s.traceFull, 1e-7, "Tr Δ_full", 1e-11);
    closeArr(scan.micro!.traceCode, s.traceCode, 1e-7, "Tr Δ_code", 1e-11);
    assert.ok(scan.converged.every(Boolean));
    // the scan's maximum is at one of the grid's interior points
    assert.ok(scan.collective!.maximum.interior);
  });
});

describe("non-odd activations, two order parameters (brief §3.14) vs NumPy (dense 2-D Newton)", () => {
  for (const c of FX.nonodd) {
    it(`${c.name}: x, B, S and the rank-one-corrected predictor`, () => {
      const pr = RenormProblem.fromData({ ...base, act: c.act, lambda0: c.lambda0 });
      const th = NonOddRenorm.fromProblem(pr);
      closeArr(th.kbar, c.kbar, 1e-12, "k̄");
      const p = { T: c.T, N1: c.N1, lambda1: c.lambda1 };
      const sp = th.solve(p);
      assert.ok(sp.converged, `converged (gradient ${sp.gradient})`);
      close(sp.x, c.x, 1e-8, "x");
      close(sp.B, c.B, 1e-7, "B", 1e-10);
      close(sp.action, c.action, 1e-10, "S(x, B)");
      const pred = th.predict(sp.x, sp.r, p);
      closeArr(pred.ypred, c.ypred, 1e-7, "ypred");
      closeArr(pred.pointVariance, c.pointVariance, 1e-7, "Var f");
      close(pred.testLoss!, c.testLoss, 1e-7, "test loss");
      close(pred.trainLoss, c.trainLoss, 1e-7, "train loss");
    });
  }

  it("for odd σ (k̄ = 0) the two-parameter theory is the scalar one: x = Q̄*, r = x, S = S_scalar − 1", () => {
    const pr = RenormProblem.fromData({ ...base, act: "erf" });
    const th = NonOddRenorm.fromProblem(pr);
    const p = { T: 0.05, N1: 30, lambda1: 1 };
    const a = th.solve(p);
    const b = pr.solve(p);
    close(a.x, b.Q, 1e-10, "x = Q̄*");
    close(a.r, a.x, 1e-10, "r = x");
    close(a.action, b.action - 1, 1e-10, "S − 1");
    const pa = th.predict(a.x, a.r, p);
    const pb = pr.predict(b.Q, p);
    closeArr(pa.ypred, Array.from(pb.ypred), 1e-9, "same predictor");
  });

  it("N1 → ∞: x, r → 1 and the predictor → the NNGP with kernel K/λ1", () => {
    const pr = RenormProblem.fromData({ ...base, act: "relu" });
    const th = NonOddRenorm.fromProblem(pr);
    const p = { T: 0.1, N1: 1e8, lambda1: 0.8 };
    const sp = th.solve(p);
    close(sp.x, 1, 1e-6, "x");
    close(sp.r, 1, 1e-6, "r");
    const pa = th.predict(1, 1, p);
    const nngp = pr.predict(1, p);
    closeArr(pa.ypred, Array.from(nngp.ypred), 1e-10, "(x, r) = (1, 1) is the NNGP");
    close(pa.trainLoss, nngp.trainLoss, 1e-10, "NNGP train loss");
  });
});

describe("multi-output, matrix order parameter vs NumPy (dense Kronecker, log-Cholesky Newton)", () => {
  for (const c of FX.matrix) {
    it(`${c.name}: Q*, S and the predictor`, () => {
      const Y = flat(c.m === 2 ? FX.multi.Y2 : FX.multi.Y3);
      const Yt = flat(c.m === 2 ? FX.multi.Y2test : FX.multi.Y3test);
      const pr = RenormProblem.fromData({ ...base, y: Y, yTest: Yt, act: c.act, lambda0: c.lambda0 });
      const p = { T: c.T, N1: c.N1, lambda1: c.lambda1 };
      const sp = solveMatrixSaddle(pr.kappa, pr.yTilde, c.m, p);
      assert.ok(sp.converged, `converged (|G| = ${sp.gradientNorm})`);
      closeArr(sp.Q, (c.Q as number[][]).flat(), 1e-8, "Q*", 1e-10);
      close(sp.action, c.action, 1e-10, "S(Q*)");
      const pred = predictMatrix(pr, sp.Q, p);
      closeArr(pred.ypred, (c.ypred as number[][]).flat(), 1e-8, "ypred");
      closeArr(pred.pointVariance, (c.pointVariance as number[][]).flat(), 1e-8, "per-output variance");
      close(pred.testLoss!, c.testLoss, 1e-8, "test loss");
      close(pred.trainLoss, c.trainLoss, 1e-8, "train loss");
    });
  }
});

describe("deep linear networks, one order parameter per layer vs NumPy (L-dimensional Newton)", () => {
  for (const c of FX.deep) {
    it(`${c.name}: Q̄_ℓ, s, S and the predictor`, () => {
      const pr = RenormProblem.fromData({ ...base, act: "linear", lambda0: c.lambda0 });
      const { saddle, prediction } = deepLinearTheory(pr, { T: c.T, widths: c.widths, lambdas: c.lambdas });
      assert.ok(saddle.converged);
      closeArr(saddle.Q, c.Q, 1e-10, "Q̄_ℓ");
      close(saddle.s, c.s, 1e-10, "s");
      close(saddle.action, c.action, 1e-10, "S");
      for (const g of saddle.gradient) assert.ok(Math.abs(g) < 1e-10, `∂S/∂Q̄_ℓ = ${g}`);
      closeArr(prediction.ypred, c.ypred, 1e-9, "ypred");
      closeArr(prediction.pointVariance, c.pointVariance, 1e-8, "Var f");
      close(prediction.testLoss!, c.testLoss, 1e-9, "test loss");
      close(prediction.trainLoss, c.trainLoss, 1e-9, "train loss");
    });
  }
});

describe("brief §8.3 recomputed by the NumPy reference (three-way agreement with the brief and TS)", () => {
  it("the NumPy rows match the TS rows", () => {
    const N0 = 8;
    const P = 6;
    const Y = new Float64Array(P);
    const Xo = new Float64Array(P * N0);
    for (let mu = 0; mu < P; mu++) {
      Y[mu] = mu % 2 === 0 ? 1 : -1;
      for (let a = 0; a < N0; a++) Xo[mu * N0 + a] = 0.5 * Y[mu] * Math.cos((2 * Math.PI * a) / 8) + Math.sin(1.7 * (mu + 1) * (a + 1));
    }
    const x0 = Float64Array.from({ length: N0 }, (_, a) => Math.cos(0.5 * (a + 1)));
    for (const row of FX.oracle83) {
      const [act, T, N1, l0, l1, ...vals] = row;
      const pr = RenormProblem.fromData({ X: Xo, P, N0, y: Y, Xtest: x0, Pt: 1, act, lambda0: l0 });
      const got = oracleColumns(pr, { T, N1, lambda1: l1 }).values;
      got.forEach((g, i) => {
        close(g, vals[i], 1e-9, `${act} T=${T} column ${i}`, 1e-15);
      });
    }
  });
});
