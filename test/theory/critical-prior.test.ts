/**
 * Paper b, prior side: NNGP stack (oracle 2), Jacobian eigenvalues at the fixed point (oracle 3, the
 * parts not already in test/kernels/chaos), derivative identities of W by finite differences
 * (oracle 4), first order = linear response (oracle 9) and the Wick check (oracle 10). Oracles are
 * from /work/shared/papers/b-critical-feature-learning.md §8.1.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseActivation } from "../../src/kernels/index.js";
import {
  contract,
  covarianceContract,
  cumulantW,
  firstOrder,
  fluctuationApply,
  fluctuationTensor,
  fluctuationWick,
  inputKernel,
  jacobianAdjointApply,
  jacobianApply,
  jacobianDense,
  likelihoodGradient,
  mapPoints,
  nngpKernels,
  nngpMap,
  pairMoments,
  priorCovariance,
  resolveModel,
  standardPoints,
  tiltedLayer,
} from "../../src/theory/critical/index.js";

const erf = parseActivation("erf");

function close(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(a.length, b.length, `${what}: length`);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol, `${what}[${i}]: ${a[i]} vs ${b[i]} (tol ${tol})`);
}

function relClose(a: number, b: number, rel: number, what: string): void {
  assert.ok(Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b), 1e-300), `${what}: ${a} vs ${b} (rel ${rel})`);
}

function sym(rows: number[][]): Float64Array {
  return Float64Array.from(rows.flat());
}

describe("critical: NNGP stack (oracle 2)", () => {
  it("erf, g = 1.5, g_b = 0.05, X = [[1,0],[0,1],[1,1]] to 1e-8", () => {
    const X = new Float64Array([1, 0, 0, 1, 1, 1]);
    const m = resolveModel({ activation: "erf", depth: 3, width: 100, gw: 1.5, gb: 0.05, kappa: 0.1 });
    const Cs = nngpKernels(m, inputKernel(X, 3, 2, 1.5, 0.05), 3);
    close(
      Cs[0],
      sym([
        [0.8, 0.05, 0.8],
        [0.05, 0.8, 0.8],
        [0.8, 0.8, 1.55],
      ]),
      1e-14,
      "C1",
    );
    const up = (a: number[]) =>
      sym([
        [a[0], a[1], a[2]],
        [a[1], a[3], a[4]],
        [a[2], a[4], a[5]],
      ]);
    close(Cs[1], up([0.68299787, 0.08673713, 0.53906569, 0.68299787, 0.53906569, 0.86868941]), 1e-8, "C2");
    close(Cs[2], up([0.63773363, 0.1200781, 0.4677438, 0.63773363, 0.4677438, 0.70661293]), 1e-8, "C3");
    close(Cs[3], up([0.61820744, 0.15097275, 0.44214893, 0.61820744, 0.44214893, 0.64744306]), 1e-8, "C4");
  });
});

describe("critical: Jacobian at the fixed point (oracle 3, new parts)", () => {
  it("erf, g = 1.5, q* = 0.5: off-diagonal eigenvalue χ1 = 1.10266, diagonal χ_q = 0.55133", () => {
    const q = 0.5;
    const C = sym([
      [q, q],
      [q, q],
    ]);
    const pm = pairMoments(erf, C, 2);
    const J = jacobianApply(
      pm,
      1.5,
      sym([
        [0, 1],
        [1, 0],
      ]),
      2,
    );
    relClose(J[1], (1.5 * (4 / Math.PI)) / Math.sqrt(1 + 4 * q), 1e-14, "χ1 closed form");
    assert.ok(Math.abs(J[1] - 1.10266) < 5e-6);
    const Jd = jacobianApply(
      pm,
      1.5,
      sym([
        [1, 0],
        [0, 1],
      ]),
      2,
    );
    assert.ok(Math.abs(Jd[0] - 0.55133) < 5e-6, `χ_q = ${Jd[0]}`);
    // q* is a fixed point of the diagonal map.
    relClose(nngpMap(erf, C, 2, 1.5, 0)[0], q, 1e-14, "q*");
  });
  it("linear network: J = g·Id (criticality at g = 1)", () => {
    const lin = parseActivation("linear");
    const C = sym([
      [0.9, 0.3],
      [0.3, 0.6],
    ]);
    const J = jacobianDense(pairMoments(lin, C, 2), 1.3, 2);
    for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) assert.ok(Math.abs(J[r * 4 + c] - (r === c ? 1.3 : 0)) < 1e-15);
  });
});

describe("critical: derivative identities (oracle 4)", () => {
  const C = sym([
    [0.9, 0.3],
    [0.3, 0.6],
  ]);
  const Ct = sym([
    [0.2, -0.4],
    [-0.4, 0.1],
  ]);
  const g = 1.3;
  const gb = 0.07;
  const std = standardPoints(2, { backend: "gauss-hermite", ghOrder: 160 }); // the integration-by-parts identity holds to GH accuracy: 1e-9 needs ≈ 140+ nodes here
  const W = (Cx: Float64Array, Ctx: Float64Array) => cumulantW(erf, mapPoints(std, Cx, 2, "C"), g, gb, Ctx);
  const bump = (A: Float64Array, a: number, b: number, e: number) => {
    const B = Float64Array.from(A);
    B[a * 2 + b] += e;
    if (a !== b) B[b * 2 + a] += e;
    return B;
  };
  // Richardson-extrapolated central difference (error O(h⁴)).
  const fd = (f: (e: number) => number, h: number) => {
    const d1 = (f(h) - f(-h)) / (2 * h);
    const d2 = (f(h / 2) - f(-h / 2)) / h;
    return (4 * d2 - d1) / 3;
  };
  it("forward map ∂W/∂C̃ = g⟨φφᵀ⟩_tilted + g_b (factor 2 off the diagonal), ≤ 1e-9 relative", () => {
    const tr = tiltedLayer(erf, mapPoints(std, C, 2, "C"), g, Ct);
    for (const [a, b] of [
      [0, 0],
      [0, 1],
      [1, 1],
    ] as const) {
      const num = fd((e) => W(C, bump(Ct, a, b, e)), 3e-3);
      const f = (a === b ? 1 : 2) * (g * tr.M[a * 2 + b] + gb);
      relClose(num, f, 1e-9, `∂W/∂C̃_${a}${b}`);
    }
  });
  it("backward map ∂W/∂C (three terms) by finite differences, ≤ 1e-9 relative", () => {
    const tr = tiltedLayer(erf, mapPoints(std, C, 2, "C"), g, Ct, { backward: true });
    const B = tr.back as Float64Array;
    for (const [a, b] of [
      [0, 0],
      [0, 1],
      [1, 1],
    ] as const) {
      const num = fd((e) => W(bump(C, a, b, e), Ct), 3e-3);
      relClose(num, (a === b ? 1 : 2) * B[a * 2 + b], 1e-9, `∂W/∂C_${a}${b}`);
    }
  });
  it("Jacobian J of the NNGP map by finite differences, and ⟨C̃, JδC⟩ = ⟨JᵀC̃, δC⟩", () => {
    const pm = pairMoments(erf, C, 2);
    const dC = sym([
      [0.3, -0.2],
      [-0.2, 0.5],
    ]);
    const Jd = jacobianApply(pm, g, dC, 2);
    const h = 1e-4;
    const plus = nngpMap(
      erf,
      C.map((v, i) => v + h * dC[i]),
      2,
      g,
      gb,
    );
    const minus = nngpMap(
      erf,
      C.map((v, i) => v - h * dC[i]),
      2,
      g,
      gb,
    );
    const num = plus.map((v, i) => (v - minus[i]) / (2 * h));
    close(Jd, num, 1e-8, "J δC");
    const P = 3;
    const C3 = sym([
      [1.0, 0.3, -0.2],
      [0.3, 0.8, 0.1],
      [-0.2, 0.1, 1.2],
    ]);
    const pm3 = pairMoments(erf, C3, P);
    const A = sym([
      [0.4, -0.1, 0.2],
      [-0.1, -0.3, 0.5],
      [0.2, 0.5, 0.1],
    ]);
    const Bt = sym([
      [0.2, 0.7, -0.3],
      [0.7, 0.1, 0.4],
      [-0.3, 0.4, -0.6],
    ]);
    const lhs = Bt.reduce((s, v, i) => s + v * jacobianApply(pm3, g, A, P)[i], 0);
    const rhs = A.reduce((s, v, i) => s + v * jacobianAdjointApply(pm3, g, Bt, P)[i], 0);
    relClose(lhs, rhs, 1e-13, "adjoint");
    // Dense J agrees with the matvec.
    close(contract(jacobianDense(pm3, g, P), A, P), jacobianApply(pm3, g, A, P), 1e-15, "dense J");
  });
  it("backward map → JᵀC̃ as C̃ → 0 (first order of the backward equation)", () => {
    const eps = 1e-7;
    const small = Ct.map((v) => eps * v);
    const tr = tiltedLayer(erf, mapPoints(std, C, 2, "C"), g, small, { backward: true });
    const lin = jacobianAdjointApply(pairMoments(erf, C, 2), g, small, 2);
    close(
      (tr.back as Float64Array).map((v) => v / eps),
      lin.map((v) => v / eps),
      1e-6,
      "B ≈ JᵀC̃",
    );
  });
});

describe("critical: fluctuation operator V (oracle 10)", () => {
  const lin = parseActivation("linear");
  const C = sym([
    [0.9, 0.3, 0.1],
    [0.3, 0.6, -0.2],
    [0.1, -0.2, 0.7],
  ]);
  it("linear φ: Gauss–Hermite V equals the Wick form g²(C_αγC_βδ + C_αδC_βγ) to 1e-12", () => {
    const Vgh = fluctuationTensor(lin, C, 3, 1.3, { method: "gauss-hermite", ghOrder: 6 });
    close(Vgh, fluctuationWick(C, 3, 1.3), 1e-12, "V");
  });
  it("linear φ: Monte-Carlo V (seeded) equals Wick within 3% of its scale", () => {
    const Vmc = fluctuationTensor(lin, C, 3, 1.3, { method: "monte-carlo", samples: 200_000, seed: 7 });
    const Vw = fluctuationWick(C, 3, 1.3);
    const scale = Math.max(...Vw.map(Math.abs));
    close(Vmc, Vw, 0.03 * scale, "V MC");
  });
  it("matrix-free V : C̃ equals the dense contraction (GH, MC with the same key, Wick)", () => {
    const Ct = sym([
      [0.2, -0.1, 0.3],
      [-0.1, 0.4, 0.0],
      [0.3, 0.0, -0.2],
    ]);
    for (const method of ["gauss-hermite", "monte-carlo"] as const) {
      const o = { method, samples: 20_000, seed: 3, ghOrder: 20 };
      const V = fluctuationTensor(erf, C, 3, 1.5, o, 2);
      close(fluctuationApply(erf, C, 3, 1.5, Ct, o, 2), contract(V, Ct, 3), 1e-12, `V:C̃ ${method}`);
    }
    close(fluctuationApply(lin, C, 3, 1.5, Ct, { method: "wick" }), contract(fluctuationWick(C, 3, 1.5), Ct, 3), 1e-13, "V:C̃ Wick");
  });
});

describe("critical: first order = linear response (oracle 9)", () => {
  const cases = [
    { name: "erf, P = 2, L = 2, Gauss–Hermite V", act: "erf", X: [1, 0.3, 0.2, -1], P: 2, d: 2, Y: [1, -1], gw: 1.5 as number | number[], fl: {} },
    { name: "linear, P = 3, L = 2, Wick V", act: "linear", X: [1, 0.2, 0, 0.1, 1, 0.3, 0.5, 0.5, 1], P: 3, d: 3, Y: [1, -1, 1], gw: [1, 1.2, 0.8], fl: {} },
    {
      name: "erf, P = 4, L = 3, Monte-Carlo V",
      act: "erf",
      X: [1, 0.3, 0.2, -1, -0.5, 0.4, 0.3, 0.9],
      P: 4,
      d: 2,
      Y: [1, -1, 1, -1],
      gw: 1.2,
      fl: { samples: 20_000, seed: 5 },
    },
  ];
  for (const c of cases) {
    it(`δC^(l) from the linearised recursion = Cov_prior(C^(l), C^(L+1)) : G — ${c.name}`, () => {
      const depth = Array.isArray(c.gw) ? c.gw.length - 1 : c.name.includes("L = 3") ? 3 : 2;
      const model = { activation: c.act, depth, width: 40, gw: c.gw, gb: 0.05, kappa: 0.1 };
      const X = Float64Array.from(c.X);
      const Y = Float64Array.from(c.Y);
      const fo = firstOrder(model, X, c.P, c.d, Y, 1, c.fl);
      const pc = priorCovariance(model, X, c.P, c.d, c.fl);
      const G = likelihoodGradient(pc.Cgp[depth], c.P, Y, 1, 0.1);
      close(G, fo.G, 1e-15, "G");
      for (let l = 2; l <= depth + 1; l++) {
        const dc = covarianceContract(pc, l, G);
        const scale = Math.max(...dc.map(Math.abs));
        close(fo.dC[l - 1], dc, 1e-11 * scale, `δC^(${l})`);
      }
      // Σ^(l) is a symmetric covariance.
      const n = c.P * c.P;
      const S = pc.Sigma[depth];
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) assert.ok(Math.abs(S[i * n + j] - S[j * n + i]) < 1e-12);
    });
  }
  it("linear, L = 1: Σ^(2) = V/N with the Wick V", () => {
    const X = new Float64Array([1, 0.2, 0.1, 1]);
    const pc = priorCovariance({ activation: "linear", depth: 1, width: 20, gw: 1.1, gb: 0, kappa: 0.1 }, X, 2, 2);
    close(
      pc.Sigma[1],
      fluctuationWick(pc.Cgp[0], 2, 1.1).map((v) => v / 20),
      1e-15,
      "Σ",
    );
  });
});
