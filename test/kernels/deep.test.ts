import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { InputError, NumericalError } from "../../src/engine/errors.js";
import { parseActivation } from "../../src/kernels/activations.js";
import { deepKernels, nngpStack, ntkStack } from "../../src/kernels/deep.js";
import { inputCovariance, type KernelBlocks } from "../../src/kernels/nngp.js";

const fixture = JSON.parse(readFileSync(new URL("../fixtures/kernels/kernels.json", import.meta.url), "utf8"));

function close(actual: number, expected: number, tol: number, what: string): void {
  const err = Math.abs(actual - expected);
  assert.ok(err <= tol * Math.max(1, Math.abs(expected)), `${what}: ${actual} vs ${expected} (|Δ| = ${err.toExponential(2)} > ${tol})`);
}

function closeArr(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) close(actual[i], expected[i], tol, `${what}[${i}]`);
}

function closeBlocks(K: KernelBlocks, ref: { train: number[]; cross: number[]; testDiag: number[] }, tol: number, what: string): void {
  closeArr(K.train, ref.train, tol, `${what} train`);
  closeArr(K.cross, ref.cross, tol, `${what} cross`);
  closeArr(K.testDiag, ref.testDiag, tol, `${what} testDiag`);
}

describe("NNGP stack", () => {
  it("paper b oracle 2 (erf, 3 points, g = 1.5, g_b = 0.05): C^(2…4) to 1e−8, and the mpmath run to 1e−12", () => {
    const X = Float64Array.from([1, 0, 0, 1, 1, 1]);
    const stack = deepKernels("erf", X, 3, 2, { layers: 3, gw: 1.5, gb: 0.05 }).nngp;
    assert.equal(stack.length, 4);
    closeArr(stack[0].train, [0.8, 0.05, 0.8, 0.05, 0.8, 0.8, 0.8, 0.8, 1.55], 1e-15, "C1");
    const paper = [
      [0.68299787, 0.08673713, 0.53906569, 0.68299787, 0.53906569, 0.86868941],
      [0.63773363, 0.1200781, 0.4677438, 0.63773363, 0.4677438, 0.70661293],
      [0.61820744, 0.15097275, 0.44214893, 0.61820744, 0.44214893, 0.64744306],
    ];
    const upper = [0, 1, 2, 4, 5, 8];
    for (let l = 0; l < 3; l++) {
      for (let k = 0; k < 6; k++) assert.ok(Math.abs(stack[l + 1].train[upper[k]] - paper[l][k]) <= 1e-8, `C^(${l + 2}) entry ${upper[k]}`);
      closeArr(stack[l + 1].train, fixture.oracle2.mpmath[l + 1], 1e-12, `C^(${l + 2}) vs mpmath`);
      closeArr(stack[l + 1].train, fixture.oracle2.numpy[l + 1], 1e-12, `C^(${l + 2}) vs numpy`);
    }
  });

  for (const [name, key] of [
    ["relu", "reluStack"],
    ["erf", "erfStack"],
  ] as const) {
    it(`${name}: NNGP and NTK stacks with test points match the NumPy reference to 1e−12`, () => {
      const f = fixture[key];
      const X = Float64Array.from(f.X);
      const Xt = Float64Array.from(f.Xtest);
      const L = f.gw.length - 1;
      const res = deepKernels(name, X, f.P, f.d, { layers: L, gw: f.gw, gb: f.gb, Xtest: Xt, ntk: true });
      assert.equal(res.nngp.length, L + 1);
      assert.equal(res.ntk!.length, L + 1);
      assert.equal(res.dnngp!.length, L);
      for (let l = 0; l <= L; l++) {
        closeBlocks(res.nngp[l], f.nngp[l], 1e-12, `${name} K^(${l + 1})`);
        closeBlocks(res.ntk![l], f.ntk[l], 1e-12, `${name} Θ^(${l + 1})`);
      }
      // nngpStack from the input covariance gives the same kernels.
      const input = inputCovariance(X, f.P, f.d, { gw: f.gw[0], gb: f.gb, Xtest: Xt });
      const alone = nngpStack(name, input, { layers: L, gw: f.gw.slice(1), gb: f.gb });
      for (let l = 0; l <= L; l++) closeArr(alone[l].train, res.nngp[l].train, 0, `nngpStack layer ${l + 1}`);
    });
  }

  it("test points equal to train points stay equal through depth (train, cross, diag consistency)", () => {
    const X = Float64Array.from([0.3, -1, 2, 0.5, 1, 1, -0.7, 0.2, 0.9, 1.5, -0.4, 0.1]); // 4×3
    const Xt = Float64Array.from([...X.subarray(3, 6), ...X.subarray(9, 12)]);
    for (const name of ["erf", "relu", "tanh", "leaky-relu:0.2"]) {
      const res = deepKernels(name, X, 4, 3, { layers: 3, gw: [1, 1.8, 1.2, 1.5], gb: [0.1, 0.05, 0.2, 0], Xtest: Xt, ntk: true, n: 24 });
      // The input blocks come from different BLAS calls (syrk, gemm, a loop), so a test point equal to a
      // train point agrees only to rounding. Kinked activations' derivative kernel (π − arccos ρ)/(2π)
      // turns an O(ε) change of ρ near 1 into O(√ε) ≈ 1e−8, so their NTK is compared at 1e−7.
      const kinked = parseActivation(name).smoothness !== "smooth";
      for (const [stack, tol] of [
        [res.nngp, 1e-13],
        [res.ntk!, kinked ? 1e-7 : 1e-13],
      ] as const) {
        for (const K of stack) {
          for (const [t, i] of [
            [0, 1],
            [1, 3],
          ]) {
            for (let j = 0; j < 4; j++) close(K.cross[t * 4 + j], K.train[i * 4 + j], tol, `${name} cross`);
            close(K.testDiag[t], K.train[i * 4 + i], tol, `${name} diag`);
          }
        }
      }
    }
  });

  it("linear activation: K^(l+1) = g·K^(l) + g_b and Θ^(l+1) = K^(l+1) + g·Θ^(l)", () => {
    const X = Float64Array.from([1, 2, -1, 0.5, 0, 3]);
    const res = deepKernels("linear", X, 3, 2, { layers: 2, gw: [1, 1.5, 0.7], gb: 0.2, ntk: true });
    const K = res.nngp;
    const T = res.ntk!;
    const g = [1.5, 0.7];
    for (let l = 0; l < 2; l++) {
      for (let i = 0; i < 9; i++) {
        close(K[l + 1].train[i], g[l] * K[l].train[i] + 0.2, 1e-15, "K");
        close(T[l + 1].train[i], K[l + 1].train[i] + g[l] * T[l].train[i], 1e-15, "Θ");
      }
    }
  });

  it("the quadrature path (tanh-like use) agrees with the closed forms over a deep stack", () => {
    const X = Float64Array.from([1, 0.2, -0.3, 0.4, 1, 0.1, -1, 0.5, 0.8]);
    const input = inputCovariance(X, 3, 3, { gw: 2, gb: 0.1 });
    for (const name of ["erf", "relu"]) {
      const a = ntkStack(name, input, { layers: 4, gw: 1.7, gb: 0.05 });
      const b = ntkStack(name, input, { layers: 4, gw: 1.7, gb: 0.05, method: "quadrature", n: 64 });
      for (let l = 0; l < 5; l++) {
        closeArr(b.nngp[l].train, a.nngp[l].train, 1e-10, `${name} K^(${l + 1})`);
        closeArr(b.ntk[l].train, a.ntk[l].train, 1e-10, `${name} Θ^(${l + 1})`);
      }
    }
  });

  it("ReLU with g_w = 2, g_b = 0 preserves the diagonal (He initialisation)", () => {
    const X = Float64Array.from([1, 2, 3, -1, 0.5, 2]);
    const K = deepKernels("relu", X, 2, 3, { layers: 5, gw: 2 }).nngp;
    for (const k of K) {
      close(k.train[0], K[0].train[0], 1e-14, "diag 0");
      close(k.train[3], K[0].train[3], 1e-14, "diag 1");
    }
  });

  it("bad inputs: layer count, gain arrays, divergent NTK", () => {
    const X = Float64Array.from([1, 0, 0, 1]);
    const input = inputCovariance(X, 2, 2);
    assert.throws(() => nngpStack("erf", input, { layers: -1 }), InputError);
    assert.throws(() => nngpStack("erf", input, { layers: 1.5 }), InputError);
    assert.throws(() => nngpStack("erf", input, { layers: 2, gw: [1] }), InputError);
    assert.throws(() => nngpStack("erf", input, { layers: 2, gb: [0, -1] }), InputError);
    assert.throws(() => nngpStack("swish", input, { layers: 1 }), InputError);
    assert.throws(() => deepKernels("erf", X, 2, 2, { layers: 2, gw: [1, 2] }), InputError);
    const broken = { ...input, train: Float64Array.from([1, 0, 0, Number.NaN]) };
    assert.throws(() => nngpStack("erf", broken, { layers: 1 }), InputError);
    // sign: E[φ′²] = ∞ on the diagonal, so the NTK is undefined.
    assert.throws(() => ntkStack("sign", input, { layers: 1 }), NumericalError);
    assert.equal(nngpStack("erf", input, { layers: 0 }).length, 1);
  });
});
