/**
 * The exact linear-network theory of paper d (src/theory/multiscale/exactLinear.ts): the one-dimensional
 * order-parameter integral against (i) the brief's independent two-dimensional quadrature (§8.2 "r exact"),
 * (ii) an independent NumPy implementation (fixture), (iii) its saddle point = Li–Sompolinsky, (iv) the
 * large-N limit, (v) the exact Gibbs sampler, and (vi) bad inputs.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { InputError } from "../../src/engine/errors.js";
import { eigh } from "../../src/engine/linalg.js";
import { foldIn, key } from "../../src/engine/random.js";
import { blockedError } from "../../src/metrics/chain.js";
import { gibbsLinear } from "../../src/nn/samplers/gibbsLinear.js";
import {
  analyzeMultiscale,
  exactLinear,
  lsVariance,
  msaKernels,
  orderParameterScore,
  sigmaVSpectrum,
  solveScalarQ,
  trainSpectrum,
} from "../../src/theory/multiscale/index.js";
import { orthogonalToy } from "../helpers/multiscaleOracle.js";

const closed = JSON.parse(readFileSync(join(import.meta.dirname, "..", "fixtures", "multiscale", "closed_forms.json"), "utf8"));
const fx = JSON.parse(readFileSync(join(import.meta.dirname, "..", "fixtures", "multiscale", "exact_linear.json"), "utf8"));

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(1e-300, Math.abs(b));

const ortho = orthogonalToy;

function randomData() {
  const r = closed.random;
  return {
    X: Float64Array.from(r.X.flat()),
    Xtest: Float64Array.from(r.Xtest.flat()),
    y: Float64Array.from(r.y),
    ytest: Float64Array.from(r.ytest),
    P: r.P as number,
    D: r.D as number,
    Ptest: r.Ptest as number,
    act: "linear" as const,
  };
}

describe("multiscale exact theory: the brief's orthogonal-inputs table (§8.2, independent 2-D quadrature)", () => {
  // χ, N, r exact [CHECKED in the brief], bulk Σ_v × D (exact, 4 decimals) or NaN
  const rows = [
    [1, 100, 0.658983, 0.9934],
    [10, 100, 0.724269, Number.NaN],
    [100, 100, 0.865777, 0.9913],
    [1, 1000, 0.665879, Number.NaN],
  ];
  for (const [chi, N, r, bulk] of rows) {
    it(`χ = ${chi}, N = ${N}: r = ${r}${Number.isNaN(bulk) ? "" : `, Σ_v bulk ${bulk}`}`, () => {
      const inp = { ...ortho(), N, kappa: 0.5 };
      const ker = msaKernels(inp);
      const ex = exactLinear(ker, inp.y, { chi, N, kappa: 0.5 });
      assert.ok(ex.posterior.converged, `quadrature converged (last change ${ex.posterior.change})`);
      for (let a = 0; a < inp.P; a++) assert.ok(Math.abs(ex.fTrain[a] - r) <= 1e-6, `training output ${a}: ${ex.fTrain[a]} vs r exact ${r}`);
      if (!Number.isNaN(bulk)) {
        const s = sigmaVSpectrum(inp.X, inp.P, inp.D, ex.sigmaVCoupling, ex.t);
        assert.ok(Math.abs(s.bulkMean - bulk) <= 5e-5, `Σ_v bulk ${s.bulkMean} vs ${bulk}`);
        assert.ok(s.top > 1 && s.topOverlapU > 1 - 1e-9, `one outlier along Xᵀt (top ${s.top}, overlap ${s.topOverlapU})`);
      }
    });
  }
});

describe("multiscale exact theory: against an independent NumPy reference (fixture)", () => {
  const d = randomData();
  for (const c of fx.cases) {
    it(`χ = ${c.chi}, N = ${c.N}: ⟨Q⟩, mean outputs, test variance and Σ_v to 1e-8`, () => {
      const inp = { ...d, N: c.N, kappa: c.kappa };
      const ker = msaKernels(inp);
      const ex = exactLinear(ker, d.y, { chi: c.chi, N: c.N, kappa: c.kappa });
      assert.ok(rel(ex.posterior.mean, c.Q_mean) < 1e-8, `⟨Q⟩ ${ex.posterior.mean} vs ${c.Q_mean}`);
      assert.ok(rel(ex.posterior.sd, c.Q_sd) < 1e-7, `sd Q ${ex.posterior.sd} vs ${c.Q_sd}`);
      c.ftrain.forEach((v: number, a: number) => {
        assert.ok(Math.abs(ex.fTrain[a] - v) < 1e-8, `f_train[${a}] ${ex.fTrain[a]} vs ${v}`);
      });
      c.ftest.forEach((v: number, a: number) => {
        assert.ok(Math.abs(ex.fTest[a] - v) < 1e-8, `f_test[${a}] ${ex.fTest[a]} vs ${v}`);
      });
      c.vartest.forEach((v: number, a: number) => {
        assert.ok(rel(ex.varTest[a], v) < 1e-7, `Var f_test[${a}] ${ex.varTest[a]} vs ${v}`);
      });
      const s = sigmaVSpectrum(d.X, d.P, d.D, ex.sigmaVCoupling, ex.t);
      const all = [...s.eigenvalues, ...new Array(d.D - s.eigenvalues.length).fill(1)].sort((a, b) => b - a);
      c.sigmav_eig.forEach((v: number, k: number) => {
        assert.ok(Math.abs(all[k] - v) < 1e-8, `Σ_v eigenvalue ${k}: ${all[k]} vs ${v}`);
      });
    });
  }
});

describe("multiscale exact theory: saddle point, large-N limit, diagnostics", () => {
  const d = randomData();
  it("the mode of the order-parameter posterior (in ln Q) is the Li–Sompolinsky Q, to 1e-10", () => {
    for (const [chi, N] of [
      [1, 20],
      [5, 20],
      [20, 20],
      [1, 5],
      [50, 200],
    ]) {
      const ker = msaKernels({ ...d, N, kappa: 0.1 });
      const sp = trainSpectrum(ker.Ktr, d.P, d.y);
      const ex = exactLinear(ker, d.y, { chi, N, kappa: 0.1 }, { spectrum: sp });
      const ls = solveScalarQ("ls", sp, { chi, N, kappa: 0.1 });
      assert.ok(rel(ex.posterior.mode, ls.Q) < 1e-10, `χ = ${chi}, N = ${N}: mode ${ex.posterior.mode} vs Q_L&S ${ls.Q}`);
      assert.ok(Math.abs(orderParameterScore(Math.log(ls.Q), sp, { chi, N, kappa: 0.1 })) < 1e-8 * N, "ℓ'(ln Q_L&S) = 0");
    }
  });
  it("N → ∞ at fixed χ/N: the exact theory approaches L&S like 1/N (the gap falls ≈ 10× per decade of N)", () => {
    const gap = (N: number) => {
      const a = analyzeMultiscale({ ...d, N, kappa: 0.1 }, [N / 10], { theories: ["ls", "exact"] });
      const [ls, ex] = a.results[0].theories;
      let s = 0;
      for (let i = 0; i < d.Ptest; i++) s += (ls.fTest[i] - ex.fTest[i]) ** 2;
      return Math.sqrt(s / d.Ptest);
    };
    const g1 = gap(100);
    const g2 = gap(1000);
    const g3 = gap(10000);
    assert.ok(g1 > 1e-5, `a resolvable finite-N gap at N = 100 (${g1})`);
    assert.ok(g1 / g2 > 6 && g1 / g2 < 16, `gap ratio N = 100 → 1000: ${g1 / g2}`);
    assert.ok(g2 / g3 > 6 && g2 / g3 < 16, `gap ratio N = 1000 → 10000: ${g2 / g3}`);
  });
  it("the posterior sd of Q shrinks like √(2/N) in the prior-dominated limit (χ, y → small)", () => {
    const N = 400;
    const ker = msaKernels({ ...d, N, kappa: 0.1 });
    const ex = exactLinear(ker, new Float64Array(d.P), { chi: 1e-9, N, kappa: 0.1 });
    // with y = 0 and χ → 0 only the prior Gamma(N/2, N/2) and the P log-det terms remain: sd ≈ √(2/N)
    assert.ok(Math.abs(ex.posterior.sd / Math.sqrt(2 / N) - 1) < 0.05, `sd ${ex.posterior.sd} vs √(2/N) = ${Math.sqrt(2 / N)}`);
  });
  it("analyzeMultiscale reports the exact theory for linear networks at finite N, with its quadrature diagnostics", () => {
    const a = analyzeMultiscale({ ...d, N: 20, kappa: 0.1 }, [1, 20]);
    for (const r of a.results) {
      const ex = r.theories.find((t) => t.theory === "exact");
      assert.ok(ex, `χ = ${r.chi}: exact theory present`);
      assert.equal(ex.diagnostics?.converged, 1, "quadrature converged");
      assert.ok(Number.isFinite(ex.testMSE) && Number.isFinite(ex.sigmaV?.top), "test MSE and Σ_v top are finite");
    }
    const inf = analyzeMultiscale({ ...d, N: Number.POSITIVE_INFINITY, kappa: 0.1 }, [1]);
    assert.ok(!inf.results[0].theories.some((t) => t.theory === "exact"), "no exact theory at N = ∞ (the NNGP)");
  });
});

describe("multiscale exact theory: the Gaussian fluctuation of Q, extreme widths, rank-deficient kernels", () => {
  const d = randomData();
  it("as N → ∞ the L&S variance with its kernel-scale term (brief §3.9) approaches the exact test variance like 1/N, and Var Q → (2Q²/N)/(1 − 2Q²G_λλ/N)", () => {
    const dev = (N: number, chi: number) => {
      const ker = msaKernels({ ...d, N, kappa: 0.1 });
      const sp = trainSpectrum(ker.Ktr, d.P, d.y);
      const ex = exactLinear(ker, d.y, { chi, N, kappa: 0.1 });
      const Q = solveScalarQ("ls", sp, { chi, N, kappa: 0.1 }).Q;
      const lv = lsVariance(ker, d.y, Q, { chi, N, kappa: 0.1 });
      let m = 0;
      for (let i = 0; i < d.Ptest; i++) m = Math.max(m, Math.abs(lv.varTest[i] / ex.varTest[i] - 1));
      return { m, varQ: ex.posterior.sd ** 2, lsVarQ: (2 * Q * Q) / N / lv.denominator };
    };
    for (const f of [0, 0.1]) {
      const chi = (N: number) => (f === 0 ? 1 : f * N);
      const [a, b, c] = [100, 1000, 10000].map((N) => dev(N, chi(N)));
      assert.ok(a.m > 1e-4, `a resolvable gap at N = 100 (${a.m})`);
      assert.ok(a.m / b.m > 6 && a.m / b.m < 16 && b.m / c.m > 6 && b.m / c.m < 16, `1/N convergence of the variance: ${a.m}, ${b.m}, ${c.m}`);
      assert.ok(Math.abs(c.varQ / c.lsVarQ - 1) < 1e-3, `Var Q at N = 10⁴: exact ${c.varQ}, Laplace ${c.lsVarQ}`);
    }
  });
  it("N = 1 and N = 10¹⁰ are integrated (no edge of a fixed ln Q window); at N = 10¹⁰ sd Q = √(2/N)", () => {
    for (const N of [1, 2]) {
      const ker = msaKernels({ ...d, N, kappa: 0.1 });
      const ex = exactLinear(ker, d.y, { chi: 1e-3, N, kappa: 0.1 });
      assert.ok(
        ex.posterior.converged && ex.posterior.sd > 0 && Number.isFinite(ex.posterior.mean),
        `N = ${N}: ⟨Q⟩ ${ex.posterior.mean}, sd ${ex.posterior.sd}`,
      );
    }
    const N = 1e10;
    const ex = exactLinear(msaKernels({ ...d, N, kappa: 0.1 }), d.y, { chi: 1, N, kappa: 0.1 });
    assert.ok(
      Math.abs(ex.posterior.sd / Math.sqrt(2 / N) - 1) < 1e-3,
      `sd ${ex.posterior.sd} vs √(2/N) ${Math.sqrt(2 / N)} (${ex.posterior.nodes.length} nodes)`,
    );
  });
  it("a rank-deficient kernel (P = 12 > D = 3) with κ = 1e−8: the rounding-noise eigenvalues are dropped and the mode is still Q_L&S", () => {
    const P = 12;
    const D = 3;
    const X = new Float64Array(P * D);
    const y = new Float64Array(P);
    for (let a = 0; a < P; a++) {
      for (let k = 0; k < D; k++) X[a * D + k] = Math.sin(1.3 * a + 2.1 * k + 0.4 * a * k);
      y[a] = X[a * D] - 0.5 * X[a * D + 1] > 0 ? 1 : -1;
    }
    for (const chi of [1, 50]) {
      const ker = msaKernels({ X, P, D, y, act: "linear", N: 20, kappa: 1e-8 });
      const ex = exactLinear(ker, y, { chi, N: 20, kappa: 1e-8 });
      const ls = solveScalarQ("ls", trainSpectrum(ker.Ktr, P, y), { chi, N: 20, kappa: 1e-8 });
      assert.ok(ex.posterior.converged, `χ = ${chi}: converged`);
      assert.ok(rel(ex.posterior.mode, ls.Q) < 1e-8, `χ = ${chi}: mode ${ex.posterior.mode} vs Q_L&S ${ls.Q}`);
    }
  });
  it("a quadrature that cannot converge raises a NumericalError, which analyzeMultiscale reports per χ instead of aborting", () => {
    const ker = msaKernels({ ...d, N: 20, kappa: 0.1 });
    assert.throws(() => exactLinear(ker, d.y, { chi: 1, N: 20, kappa: 0.1 }, { maxNodes: 129, tol: 1e-30 }), /did not converge/);
    const a = analyzeMultiscale({ ...d, N: 20, kappa: 0.1 }, [1], { theories: ["ls", "exact"] });
    assert.deepEqual(a.exactFailures, [], "no failure on a regular problem");
  });
});

describe("multiscale exact theory: against the exact Gibbs sampler (D = 6, P = 8, N = 6, χ = 4)", () => {
  const d = randomData();
  const N = 6;
  const chi = 4;
  const kappa = 0.1;
  it("mean training outputs and the diagonal of Σ_v agree within 4 s.e.; L&S is resolved away from the samples", () => {
    const ker = msaKernels({ ...d, N, kappa });
    const ex = exactLinear(ker, d.y, { chi, N, kappa });
    const sp = trainSpectrum(ker.Ktr, d.P, d.y);
    const lsQ = solveScalarQ("ls", sp, { chi, N, kappa }).Q;
    const s = gibbsLinear({ X: d.X, P: d.P, D: d.D, y: d.y, N, chi, kappa });
    const sweeps = 40000;
    const burnin = 500;
    const D = d.D;
    const traces = Array.from({ length: d.P + D }, () => new Float64Array(sweeps));
    let st = s.init(key(21));
    const kRun = foldIn(key(21), 1);
    for (let i = 0; i < burnin + sweeps; i++) {
      st = s.step(st, foldIn(kRun, i)).state;
      const j = i - burnin;
      if (j < 0) continue;
      for (let a = 0; a < d.P; a++) traces[a][j] = st.f[a];
      for (let k = 0; k < D; k++) {
        let q = 0;
        for (let n = 0; n < N; n++) q += st.V[n * D + k] ** 2;
        traces[d.P + k][j] = (q / N) * D; // Σ_v diagonal × D/g_v
      }
    }
    // exact Σ_v diagonal × D/g_v = 1 + (XᵀMX)_kk
    const M = ex.sigmaVCoupling;
    const diag = new Float64Array(D);
    for (let k = 0; k < D; k++) {
      let v = 0;
      for (let a = 0; a < d.P; a++) for (let b = 0; b < d.P; b++) v += d.X[a * D + k] * M[a * d.P + b] * d.X[b * D + k];
      diag[k] = 1 + v;
    }
    let worst = 0;
    let lsWorst = 0;
    const t = new Float64Array(d.P);
    // L&S training mean y − κ(QK + κ)⁻¹y through the spectrum
    for (let j = 0; j < d.P; j++) for (let a = 0; a < d.P; a++) t[a] += (sp.eig.vectors[a * d.P + j] * sp.yhat[j]) / (lsQ * sp.k[j] + kappa);
    for (let a = 0; a < d.P + D; a++) {
      const e = blockedError(traces[a], 20);
      const th = a < d.P ? ex.fTrain[a] : diag[a - d.P];
      const z = Math.abs(e.mean - th) / e.error;
      worst = Math.max(worst, z);
      if (a < d.P) lsWorst = Math.max(lsWorst, Math.abs(e.mean - (d.y[a] - kappa * t[a])) / e.error);
      assert.ok(z <= 4, `${a < d.P ? `f_train[${a}]` : `Σ_v[${a - d.P}, ${a - d.P}]·D`}: sampled ${e.mean} ± ${e.error}, exact ${th} (${z.toFixed(2)} s.e.)`);
    }
    assert.ok(
      lsWorst > 5,
      `at N = ${N} the first-order L&S means are resolved away from the samples (worst ${lsWorst.toFixed(1)} s.e.; exact worst ${worst.toFixed(2)})`,
    );
    void eigh;
  });
});

describe("multiscale exact theory: bad inputs", () => {
  const d = randomData();
  it("erf networks and N = ∞ are refused with an InputError naming the reason", () => {
    const kerErf = msaKernels({ ...d, act: "erf", N: 10, kappa: 0.1 });
    assert.throws(
      () => exactLinear(kerErf, d.y, { chi: 1, N: 10, kappa: 0.1 }),
      (e: unknown) => e instanceof InputError && /linear/.test(e.message),
    );
    const ker = msaKernels({ ...d, N: 10, kappa: 0.1 });
    assert.throws(
      () => exactLinear(ker, d.y, { chi: 1, N: Number.POSITIVE_INFINITY, kappa: 0.1 }),
      (e: unknown) => e instanceof InputError && /finite width/.test(e.message),
    );
  });
});
