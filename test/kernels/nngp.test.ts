import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InputError } from "../../src/engine/errors.js";
import { listActivations, parseActivation } from "../../src/kernels/activations.js";
import {
  applyKernel,
  gaussLegendre,
  inputCovariance,
  type KernelBlocks,
  kernelBlocks,
  kernelQuadrature,
  kernelValue,
  layerMap,
  mirrorUpper,
  polarExpect,
  validateBlocks,
} from "../../src/kernels/nngp.js";

function close(actual: number, expected: number, tol: number, what: string): void {
  const err = Math.abs(actual - expected);
  assert.ok(err <= tol * Math.max(1, Math.abs(expected)), `${what}: ${actual} vs ${expected} (|Δ| = ${err.toExponential(2)} > ${tol})`);
}

/** (a, b, c) triples incl. near-degenerate c² ≈ ab, anti-correlated, large and small variances. */
const TRIPLES: [number, number, number][] = [
  [0.7, 1.3, 0.5],
  [1, 1, 0.3],
  [2, 0.5, -0.9],
  [0.3, 2, 0],
  [1, 1, 1],
  [1, 1, 1 - 1e-12],
  [1, 4, 2 * (1 - 1e-9)],
  [2, 3, -Math.sqrt(6) * (1 - 1e-10)],
  [5, 5, 4.99],
  [0.01, 0.02, 0.012],
];

describe("kernel quadrature", () => {
  it("Gauss–Legendre rules integrate polynomials of degree 2n − 1 exactly", () => {
    for (const n of [1, 2, 5, 16, 48]) {
      const { x, w } = gaussLegendre(n);
      for (let k = 0; k <= 2 * n - 1; k++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += w[i] * x[i] ** k;
        close(s, k % 2 === 1 ? 0 : 2 / (k + 1), 1e-14, `n=${n}, k=${k}`);
      }
    }
  });

  it("the polar rule reproduces Gaussian moments exactly", () => {
    const [a, b, c] = [0.7, 1.3, 0.5];
    close(
      polarExpect((u, v) => u * v, a, b, c),
      c,
      1e-15,
      "E[uv]",
    );
    close(
      polarExpect((u, v) => u * u * v * v, a, b, c),
      a * b + 2 * c * c,
      1e-14,
      "E[u²v²]",
    );
    close(
      polarExpect(() => 1, a, b, c),
      1,
      1e-15,
      "E[1]",
    );
  });

  it("every closed form agrees with its quadrature to 1e−10 (kernel, derivative kernel, 𝒥), incl. c² ≈ ab", () => {
    const acts = [...listActivations(), parseActivation("erf:2"), parseActivation("leaky-relu:0.2"), parseActivation("erf:0.5")];
    let checked = 0;
    for (const act of acts) {
      for (const kind of ["kernel", "dkernel", "d2kernel"] as const) {
        const cf = act[kind];
        if (!cf) continue;
        // Distributional derivatives have no pointwise integrand.
        if (kind === "dkernel" && act.smoothness === "jump") continue;
        if (kind === "d2kernel" && !act.d2phi) continue;
        for (const [a, b, c] of TRIPLES) {
          const q = kernelQuadrature(act, kind, a, b, c);
          const v = cf(a, b, c);
          close(q.value, v, 1e-10, `${act.spec} ${kind}(${a}, ${b}, ${c})`);
          assert.ok(q.error < 1e-6, `${act.spec} ${kind} error estimate ${q.error}`);
          checked++;
        }
      }
    }
    assert.ok(checked > 250, `checked ${checked}`);
  });

  it("kinked activations' derivative kernels (step functions) agree with quadrature too", () => {
    for (const name of ["relu", "abs", "leaky-relu:0.3"]) {
      const act = parseActivation(name);
      for (const [a, b, c] of TRIPLES) close(kernelQuadrature(act, "dkernel", a, b, c).value, act.dkernel!(a, b, c), 1e-10, name);
    }
  });

  it("the Gauss–Hermite scheme (engine/quadrature.ts) agrees for smooth φ at moderate variance", () => {
    for (const name of ["erf", "sin", "cos", "quadratic", "linear"]) {
      const act = parseActivation(name);
      for (const [a, b, c] of [
        [0.7, 1.3, 0.5],
        [0.3, 0.5, -0.2],
      ]) {
        const q = kernelQuadrature(act, "kernel", a, b, c, { scheme: "gauss-hermite", n: 64 });
        close(q.value, act.kernel!(a, b, c), 1e-12, name);
        assert.equal(q.scheme, "gauss-hermite");
      }
    }
  });

  it("activations without closed forms: quadrature is self-consistent and obeys Price's theorem", () => {
    for (const name of ["tanh", "gelu", "softplus"]) {
      const act = parseActivation(name);
      for (const [a, b, c] of [
        [0.7, 1.3, 0.5],
        [2, 0.5, -0.9],
      ]) {
        const k = (cc: number) => kernelQuadrature(act, "kernel", a, b, cc, { n: 96 }).value;
        const h = 1e-5;
        close(kernelQuadrature(act, "dkernel", a, b, c, { n: 96 }).value, (k(c + h) - k(c - h)) / (2 * h), 1e-8, `${name} ∂𝒦/∂c`);
        const ka = (aa: number) => kernelQuadrature(act, "kernel", aa, b, c, { n: 96 }).value;
        close(kernelQuadrature(act, "d2kernel", a, b, c, { n: 96 }).value, (ka(a + h) - ka(a - h)) / h, 1e-8, `${name} 2∂𝒦/∂a`);
        close(
          kernelQuadrature(act, "kernel", a, b, c, { n: 64 }).value,
          kernelQuadrature(act, "kernel", a, b, c, { n: 128 }).value,
          1e-13,
          `${name} n=64 vs 128`,
        );
      }
    }
  });

  it("kernelValue validates its arguments and refuses distributional integrands", () => {
    const erf = parseActivation("erf");
    assert.throws(() => kernelValue(erf, "kernel", -1, 1, 0), InputError);
    assert.throws(() => kernelValue(erf, "kernel", 1, Number.NaN, 0), InputError);
    assert.throws(() => kernelValue(erf, "kernel", 1, 1, 2), InputError);
    assert.throws(() => kernelQuadrature(parseActivation("sign"), "dkernel", 1, 1, 0.5), InputError);
    assert.throws(() => kernelQuadrature(parseActivation("relu"), "d2kernel", 1, 1, 0.5), InputError);
    assert.throws(() => kernelValue(parseActivation("tanh"), "kernel", 1, 1, 0.5, { method: "closed" }), InputError);
    close(kernelValue(parseActivation("tanh"), "kernel", 1, 1, 0), 0, 1e-16, "tanh at c = 0");
  });
});

describe("input covariance", () => {
  const X = Float64Array.from([1, 0, 2, 0, 1, -1, 1, 1, 0.5]); // 3×3
  const Xt = Float64Array.from([0.5, -1, 0, 2, 2, 2]); // 2×3
  const dot = (u: ArrayLike<number>, v: ArrayLike<number>) => {
    let s = 0;
    for (let i = 0; i < u.length; i++) s += u[i] * v[i];
    return s;
  };
  const row = (A: Float64Array, i: number) => A.subarray(3 * i, 3 * i + 3);

  it("C = (g_w/(dλ0))·XXᵀ + g_b on train, test×train and the test diagonal", () => {
    for (const [gw, gb, lambda0] of [
      [1, 0, 1],
      [1.5, 0.05, 1],
      [2, 0.3, 4],
    ]) {
      const C = inputCovariance(X, 3, 3, { gw, gb, lambda0, Xtest: Xt });
      assert.equal(C.Pt, 2);
      const s = gw / (3 * lambda0);
      for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) close(C.train[i * 3 + j], s * dot(row(X, i), row(X, j)) + gb, 1e-15, "train");
      for (let t = 0; t < 2; t++) {
        for (let j = 0; j < 3; j++) close(C.cross[t * 3 + j], s * dot(row(Xt, t), row(X, j)) + gb, 1e-15, "cross");
        close(C.testDiag[t], s * dot(row(Xt, t), row(Xt, t)) + gb, 1e-15, "testDiag");
      }
    }
  });

  it("paper a's convention C = XXᵀ/(λ0 N0) is g_w = 1, g_b = 0; no test inputs gives empty blocks", () => {
    const C = inputCovariance(X, 3, 3, { lambda0: 2 });
    close(C.train[1], dot(row(X, 0), row(X, 1)) / 6, 1e-15, "C01");
    assert.equal(C.Pt, 0);
    assert.equal(C.cross.length, 0);
    assert.equal(C.testDiag.length, 0);
  });

  it("rejects bad data and options with InputError", () => {
    assert.throws(
      () => inputCovariance(Float64Array.from([1, Number.NaN, 0, 0, 0, 0]), 2, 3),
      (e: unknown) => e instanceof InputError && /row 0, column 1/.test(e.message),
    );
    assert.throws(() => inputCovariance(X, 3, 2), InputError);
    assert.throws(() => inputCovariance(X, 3, 3, { gw: -1 }), InputError);
    assert.throws(() => inputCovariance(X, 3, 3, { gb: Number.POSITIVE_INFINITY }), InputError);
    assert.throws(() => inputCovariance(X, 3, 3, { lambda0: 0 }), InputError);
    assert.throws(() => inputCovariance(X, 3, 3, { Xtest: Float64Array.from([1, 2]) }), InputError);
  });
});

describe("layer map", () => {
  const P = 6;
  const d = 4;
  const X = new Float64Array(P * d);
  for (let i = 0; i < X.length; i++) X[i] = Math.sin(1.7 * i + 0.3) * (1 + (i % 3));
  // Test set: two train rows repeated plus a new point.
  const Xt = Float64Array.from([...X.subarray(2 * d, 3 * d), ...X.subarray(5 * d, 6 * d), 0.3, -0.2, 1.1, 0.4]);
  const C = inputCovariance(X, P, d, { gw: 1.2, gb: 0.1, Xtest: Xt });

  it("test points equal to train points reproduce the train rows and diagonal (all activations)", () => {
    for (const act of [...listActivations(), parseActivation("erf:2"), parseActivation("leaky-relu:0.2")]) {
      const K = layerMap(act, C, { gw: 1.5, gb: 0.05, n: 24 });
      for (const [t, i] of [
        [0, 2],
        [1, 5],
      ]) {
        for (let j = 0; j < P; j++) close(K.cross[t * P + j], K.train[i * P + j], 1e-13, `${act.spec} cross row ${t}`);
        close(K.testDiag[t], K.train[i * P + i], 1e-13, `${act.spec} testDiag ${t}`);
      }
      // Symmetric and each entry is g_w·𝒦 + g_b.
      for (let i = 0; i < P; i++) for (let j = 0; j < P; j++) assert.equal(K.train[i * P + j], K.train[j * P + i]);
      if (act.kernel) {
        for (let i = 0; i < P; i++) {
          for (let j = 0; j < P; j++) {
            const v = 1.5 * act.kernel(C.train[i * P + i], C.train[j * P + j], C.train[i * P + j]) + 0.05;
            close(K.train[i * P + j], v, 1e-14, `${act.spec} (${i}, ${j})`);
          }
        }
        close(K.testDiag[2], 1.5 * act.kernel(C.testDiag[2], C.testDiag[2], C.testDiag[2]) + 0.05, 1e-14, `${act.spec} new test diag`);
      }
    }
  });

  it("fused closed forms equal the quadrature path to 1e−10", () => {
    for (const name of ["erf", "erf:2", "relu", "leaky-relu:0.2", "abs"]) {
      const act = parseActivation(name);
      const A = layerMap(act, C, { gw: 1.5, gb: 0.05 });
      const B = layerMap(act, C, { gw: 1.5, gb: 0.05, method: "quadrature", n: 64 });
      for (const key of ["train", "cross", "testDiag"] as const) {
        for (let i = 0; i < A[key].length; i++) close(A[key][i], B[key][i], 1e-10, `${name} ${key}[${i}]`);
      }
    }
  });

  it("derivative kernels and the non-symmetric 𝒥 map entrywise", () => {
    const erf = parseActivation("erf");
    const Kd = applyKernel(erf, "dkernel", C);
    const J = applyKernel(erf, "d2kernel", C);
    const dg = (i: number) => C.train[i * P + i];
    for (let i = 0; i < P; i++) {
      for (let j = 0; j < P; j++) {
        close(Kd.train[i * P + j], erf.dkernel!(dg(i), dg(j), C.train[i * P + j]), 1e-15, "𝒦′");
        close(J.train[i * P + j], erf.d2kernel!(dg(i), dg(j), C.train[i * P + j]), 1e-15, "𝒥");
      }
    }
    assert.notEqual(J.train[1], J.train[P]);
    close(J.cross[2], erf.d2kernel!(C.testDiag[0], dg(2), C.cross[2]), 1e-15, "𝒥 cross: φ″ on the test point");
  });

  it("mirrorUpper copies the upper triangle in tiles", () => {
    const n = 131;
    const A = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = i; j < n; j++) A[i * n + j] = i * 1000 + j;
    mirrorUpper(A, n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) assert.equal(A[i * n + j], Math.min(i, j) * 1000 + Math.max(i, j));
  });

  it("bad kernels → InputError naming the block and entry", () => {
    const bad = (f: (K: KernelBlocks) => void, re: RegExp) => {
      const K: KernelBlocks = { P: C.P, Pt: C.Pt, train: C.train.slice(), cross: C.cross.slice(), testDiag: C.testDiag.slice() };
      f(K);
      assert.throws(
        () => layerMap(parseActivation("erf"), K),
        (e: unknown) => e instanceof InputError && re.test(e.message),
      );
    };
    bad((K) => {
      K.train[1] = Number.NaN;
      K.train[P] = Number.NaN;
    }, /non-finite/);
    bad((K) => {
      K.train[0] = -0.5;
    }, /negative variance/);
    bad((K) => {
      K.train[1] = K.train[P] = 100;
    }, /not a covariance/);
    bad((K) => {
      K.train[1] += 1e-3;
    }, /not symmetric/);
    bad((K) => {
      K.testDiag[1] = -1;
    }, /test diagonal/);
    bad((K) => {
      K.cross[3] = Number.POSITIVE_INFINITY;
    }, /cross block/);
    assert.throws(() => kernelBlocks(new Float64Array(5), 2), InputError);
    assert.throws(() => layerMap(parseActivation("erf"), C, { gw: -1 }), InputError);
    validateBlocks(C);
  });
});
