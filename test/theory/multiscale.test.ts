import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { InputError } from "../../src/engine/errors.js";
import { eigh } from "../../src/engine/linalg.js";
import {
  adaptedKernelLinear,
  analyzeMultiscale,
  annealTreeLevel,
  linearTilt,
  msaKernels,
  nngpBaseline,
  oneLoopLinear,
  rescaledGP,
  sigmaVCoupling,
  sigmaVSpectrum,
  solveScalarQ,
  type TiltProvider,
  trainSpectrum,
} from "../../src/theory/multiscale/index.js";
import { orthogonalToy } from "../helpers/multiscaleOracle.js";

const fx = JSON.parse(readFileSync(join(import.meta.dirname, "..", "fixtures", "multiscale", "closed_forms.json"), "utf8"));
const close = (a: number, b: number, tol: number, msg = "") => assert.ok(Math.abs(a - b) <= tol, `${msg} ${a} vs ${b} (tol ${tol})`);

const ortho = orthogonalToy;

describe("multiscale: orthogonal-inputs oracle (brief §8.2)", () => {
  // χ, N, Q_tree, Q_L&S, r tree, r L&S, r one-loop — the brief's table
  const table = [
    [1, 100, 1.043796, 0.978578, 0.676123, 0.661837, 0.659353],
    [10, 100, 1.389229, 1.325192, 0.735342, 0.726056, 0.724513],
    [100, 100, 3.290286, 3.233264, 0.868084, 0.866069, 0.865798],
    [1, 1000, 1.004438, 0.997786, 0.66765, 0.666174, 0.665883],
    [1000, 1000, 3.290286, 3.28455, 0.868084, 0.867884, 0.867855],
  ];
  for (const [chi, N, Qt, Ql, rt, rl, r1] of table) {
    it(`χ = ${chi}, N = ${N}`, () => {
      const inp = { ...ortho(), N, kappa: 0.5 };
      const a = analyzeMultiscale(inp, [chi]);
      const by = Object.fromEntries(a.results[0].theories.map((t) => [t.theory, t]));
      close(by.tree.Q as number, Qt, 1e-6, "Q_tree");
      close(by.ls.Q as number, Ql, 1e-6, "Q_L&S");
      close(by["paper-a"].Q as number, Ql, 1e-6, "Q paper a");
      close(by.nngp.fTrain[0], 2 / 3, 1e-12, "r NNGP");
      close(by.tree.fTrain[0], rt, 1e-6, "r tree");
      close(by.ls.fTrain[0], rl, 1e-6, "r L&S");
      close(by["one-loop"].fTrain[0], r1, 1e-6, "r one-loop");
      close(by.tree.sigmaV?.top as number, by.tree.Q as number, 1e-10, "Σ_v outlier (tree) = Q");
      close(by.tree.sigmaV?.bulkMean as number, 1, 1e-12, "Σ_v bulk (tree)");
      const row = fx.orthogonal.find((r: { chi: number; N: number }) => r.chi === chi && r.N === N);
      close(by.tree.Q as number, row.Q_tree, 1e-10, "fixture Q_tree");
      close(by.ls.Q as number, row.Q_ls, 1e-10, "fixture Q_ls");
      close(by.tree.fTrain[0], row.r_tree, 1e-10, "fixture r_tree");
    });
  }
  it("Σ_v of L&S: outlier 1.0381 / 3.3112 and bulk 0.9934 / 0.9913 (×D/g_v)", () => {
    for (const [chi, top, bulk] of [
      [1, 1.0381, 0.9934],
      [100, 3.3112, 0.9913],
    ]) {
      const ls = analyzeMultiscale({ ...ortho(), N: 100, kappa: 0.5 }, [chi], { theories: ["ls"] }).results[0].theories[0];
      close(ls.sigmaV?.top as number, top, 5e-5);
      close(ls.sigmaV?.bulkMean as number, bulk, 5e-5);
    }
  });
});

describe("multiscale: one-data-point erf oracle (brief §8.2)", () => {
  const table = [
    [0.5, 100, 100, 0.522603, 0.511052, 0.481628],
    [0.5, 400, 400, 0.522603, 0.511052, 0.481628],
    [0.1, 200, 200, 0.590383, 0.855153, 0.822871],
    [0.5, 1, 100, 0.465208, 0.481977, 0.481628],
  ];
  for (const [kappa, chi, N, Kh, f, fn] of table) {
    it(`κ = ${kappa}, χ = ${chi}, N = ${N}`, () => {
      const a = analyzeMultiscale({ X: Float64Array.of(1), P: 1, D: 1, y: Float64Array.of(1), act: "erf", N, kappa }, [chi], { theories: ["nngp", "tree"] });
      assert.equal(a.treeFailure, undefined);
      const [nn, tr] = a.results[0].theories;
      close(tr.fTrain[0], f, 1e-6, "f_TL");
      close((tr.fTrain[0] / (1 - tr.fTrain[0])) * kappa, Kh, 1e-6, "K̂_TL"); // f = K̂/(K̂+κ)
      close(nn.fTrain[0], fn, 1e-6, "f_NNGP");
      const ref = fx.erf_one_point.find((r: { chi: number; N: number; kappa: number }) => r.chi === chi && r.N === N && r.kappa === kappa);
      close(tr.fTrain[0], ref.f_tl, 1e-9, "fixture f_TL");
    });
  }
});

describe("multiscale: linear tree level on random data vs the NumPy reference", () => {
  const r = fx.random;
  const inputOf = (N: number, kappa: number) => ({
    X: Float64Array.from(r.X.flat()),
    P: r.P,
    D: r.D,
    y: Float64Array.from(r.y),
    Xtest: Float64Array.from(r.Xtest.flat()),
    ytest: Float64Array.from(r.ytest),
    act: "linear" as const,
    N,
    kappa,
  });
  for (const c of r.cases) {
    it(`χ = ${c.chi}, N = ${c.N}: Q, t, test mean, Σ_v spectra; matrix (annealed) = scalar-Q; K̂ − K = (χ/(NQ)) f̄f̄ᵀ`, () => {
      const inp = inputOf(c.N, c.kappa);
      const ker = msaKernels(inp);
      const p = { chi: c.chi, N: c.N, kappa: c.kappa };
      const sp = trainSpectrum(ker.Ktr, ker.P, inp.y);
      const qt = solveScalarQ("tree", sp, p);
      const ql = solveScalarQ("ls", sp, p);
      close(qt.Q, c.Q_tree, 1e-10);
      close(ql.Q, c.Q_ls, 1e-10);
      assert.ok(qt.Q > 1 && qt.margin > 0);
      close(qt.margin, 1 / qt.Q, 1e-12, "margin = 1/Q");
      const g = rescaledGP(ker, inp.y, qt.Q, c.kappa, c.chi);
      for (let i = 0; i < ker.P; i++) close(g.t[i], c.t_tree[i], 1e-10);
      for (let i = 0; i < ker.Pt; i++) close(g.fTest[i], c.ftest_tree[i], 1e-10);
      // matrix tree level (Algorithm 1) = scalar-Q solution
      const base = nngpBaseline(ker, inp.y, c.kappa, 1);
      const an = annealTreeLevel(linearTilt(ker, c.N, c.kappa), inp.y, c.kappa, base.t, [c.chi]);
      assert.equal(an.failure, undefined);
      const pt = an.points[0];
      for (let i = 0; i < ker.P; i++) {
        close(pt.t[i], g.t[i], 1e-10, "t matrix vs scalar");
        close(pt.t[i], c.t_matrix[i], 1e-10, "t matrix vs numpy");
      }
      // K̂ − K = (χ/(NQ)) f̄ f̄ᵀ on train ∪ test
      const fbar = new Float64Array(ker.n);
      fbar.set(g.fTrain);
      fbar.set(g.fTest, ker.P);
      const Kh = adaptedKernelLinear(ker.K, ker.n, fbar, qt.Q, c.chi, c.N);
      for (let i = 0; i < ker.n * ker.n; i++) close(pt.Khat[i], Kh[i], 1e-10, "K̂ identity");
      // Σ_v: exactly one eigenvalue ≠ 1 (×D/g_v), equal to Q, along u = Xᵀt
      const s = sigmaVSpectrum(inp.X, ker.P, ker.D, sigmaVCoupling("tree", ker.Ktr, ker.P, g.t, qt.Q, { ...p, gv: 1, gw: 1, D: ker.D }), g.t);
      close(s.top, qt.Q, 1e-10);
      close(s.topOverlapU, 1, 1e-10);
      const dense: number[] = c.sigmav_tree;
      close(dense[0], qt.Q, 1e-10);
      for (const v of dense.slice(1)) close(v, 1, 1e-10);
      const sl = sigmaVSpectrum(
        inp.X,
        ker.P,
        ker.D,
        sigmaVCoupling("ls", ker.Ktr, ker.P, Float64Array.from(c.t_ls), ql.Q, { ...p, gv: 1, gw: 1, D: ker.D }),
        Float64Array.from(c.t_ls),
      );
      const dl: number[] = c.sigmav_ls;
      close(sl.top, dl[0], 1e-10);
      close(sl.bulkMean, dl.slice(1).reduce((a, b) => a + b, 0) / (dl.length - 1), 1e-10);
    });
  }
});

describe("multiscale: limits, diagnostics and failure detection", () => {
  it("N → ∞: Q → 1, K̂ → K and every variant → NNGP", () => {
    const inp = { ...ortho(), kappa: 0.5 };
    let prev = Number.POSITIVE_INFINITY;
    for (const N of [1e3, 1e5, 1e7]) {
      const a = analyzeMultiscale({ ...inp, N }, [1]);
      const dev = Math.max(...a.results[0].theories.map((t) => Math.abs(t.fTrain[0] - 2 / 3)));
      assert.ok(dev < prev);
      prev = dev;
    }
    assert.ok(prev < 1e-6);
    const inf = analyzeMultiscale({ ...inp, N: Number.POSITIVE_INFINITY }, [1], { theories: ["nngp", "tree", "ls"] });
    for (const t of inf.results[0].theories) close(t.fTrain[0], 2 / 3, 1e-12);
  });
  it("the annealed path is continuous and reproduces the scalar Q along a χ grid", () => {
    const inp = { ...ortho(), N: 50, kappa: 0.5 };
    const a = analyzeMultiscale(inp, [1, 5, 25, 50]);
    assert.equal(a.treeFailure, undefined);
    assert.ok(a.annealPath.length >= 4);
    let last = 0;
    for (const r of a.results) {
      const tr = r.theories.find((t) => t.theory === "tree");
      assert.ok((tr?.Q as number) > last);
      last = tr?.Q as number;
      assert.ok((tr?.diagnostics?.residual as number) < 1e-11);
      assert.ok((tr?.diagnostics?.margin as number) > 0);
      close(tr?.kernelChange?.targetFraction as number, 1, 1e-10, "rank-one change along y (orthogonal toy)");
    }
  });
  it("reports the χ at which a non-normalisable tilt stops the annealing", () => {
    const inp = { ...ortho(), N: 50, kappa: 0.5 };
    const ker = msaKernels(inp);
    const lin = linearTilt(ker, 50, 0.5);
    const broken: TiltProvider = (t, chi) => (chi > 5 ? { normalisable: false, margin: -1 } : lin(t, chi));
    const base = nngpBaseline(ker, inp.y, 0.5, 1);
    const an = annealTreeLevel(broken, inp.y, 0.5, base.t, [1, 4, 10]);
    assert.ok(an.failure);
    assert.equal(an.points.length, 2);
    assert.ok(an.failure.lastChi <= 5 && an.failure.lastChi >= 4);
    assert.ok(an.failure.chi > 5 && an.failure.chi <= 10);
  });
  it("rejects bad input with InputError", () => {
    assert.throws(() => analyzeMultiscale({ ...ortho(), N: 10, kappa: -1 }, [1]), InputError);
    assert.throws(() => analyzeMultiscale({ ...ortho(), N: 10, kappa: 1 }, [0]), InputError);
    assert.throws(() => analyzeMultiscale({ ...ortho(), y: new Float64Array(3), N: 10, kappa: 1 }, [1]), InputError);
  });
  it("one-loop test mean at a training input ≈ the one-loop train mean (O(1/N²))", () => {
    const o = ortho();
    const inp = { ...o, Xtest: o.X.slice(0, o.D), N: 1000, kappa: 0.5 };
    const ker = msaKernels(inp);
    const sp = trainSpectrum(ker.Ktr, ker.P, inp.y);
    const q = solveScalarQ("tree", sp, { chi: 1, N: 1000, kappa: 0.5 });
    const g = rescaledGP(ker, inp.y, q.Q, 0.5, 1);
    const ol = oneLoopLinear(ker, inp.y, g.t, q.Q, { chi: 1, N: 1000, kappa: 0.5 });
    close(ol.fTest[0], ol.fTrain[0], 1e-5);
    const e = eigh(ker.Ktr, ker.P);
    assert.ok(e.values[0] > 0);
  });
  it("erf tree level by importance sampling (P = 4) is close to the NNGP at weak tilt and converges", () => {
    const X = Float64Array.from([1, 0, 0, 1, 1, 1, -1, 0.5]);
    const inp = { X, P: 4, D: 2, y: Float64Array.from([1, -1, 1, -1]), act: "erf" as const, N: 1000, kappa: 0.1 };
    const a = analyzeMultiscale(inp, [1, 100], { theories: ["nngp", "tree"], erf: { samples: 4000, seed: 3 } });
    assert.equal(a.treeFailure, undefined);
    const [r1, r100] = a.results;
    const diff = (r: (typeof a.results)[0]) => Math.max(...r.theories[1].fTrain.map((v, i) => Math.abs(v - r.theories[0].fTrain[i])));
    assert.ok(diff(r1) < 0.02);
    assert.ok(diff(r100) > diff(r1));
    assert.ok((r100.theories[1].diagnostics?.ess as number) > 100);
  });
});
