/**
 * Native-addon specific tests: that the addon is the active backend when it is built (and that CI
 * fails when it is not), that it links OpenBLAS, and the parts of the C wrapper that the shared
 * backend-identity suite (linalg-backends.test.ts) does not reach: single precision, every transpose
 * combination with padded leading dimensions (padding must stay untouched), the row-major ↔
 * column-major tricks of the LAPACK wrappers, and argument checks at both the TypeScript and the C
 * level (a short buffer must throw, never be written past).
 *
 * References are naive triple loops in double precision written here.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { InputError } from "../../src/engine/errors.js";
import { createNativeBackend, type NativeAddon } from "../../src/engine/linalg/native.js";
import type { LinalgBackend } from "../../src/engine/linalg/types.js";
import { key, normal } from "../../src/engine/random.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const addonPath = join(root, "build", "Release", "featurelab_native.node");
const built = existsSync(addonPath);
const inCI = !!process.env.CI;

let addon: NativeAddon | null = null;
let loadError: string | null = null;
if (built) {
  try {
    addon = createRequire(import.meta.url)(addonPath) as NativeAddon;
  } catch (e) {
    loadError = (e as Error).message;
  }
}
const skip = addon ? false : `native addon not available (${loadError ?? "not built"})`;

/** Row-major rows×cols matrix with row stride ld; padding entries hold the sentinel. */
function padded(seed: number, rows: number, cols: number, ld: number, sentinel = 777): Float64Array {
  const z = normal(key(seed), rows * cols);
  const a = new Float64Array(rows * ld).fill(sentinel);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) a[i * ld + j] = z[i * cols + j];
  return a;
}

const at = (a: ArrayLike<number>, ld: number, i: number, j: number, trans: boolean): number => (trans ? a[j * ld + i] : a[i * ld + j]);

/** Naive C = α·op(A)·op(B) + β·C in double precision (reference). */
function refGemm(
  tA: boolean,
  tB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  A: ArrayLike<number>,
  lda: number,
  B: ArrayLike<number>,
  ldb: number,
  beta: number,
  C: ArrayLike<number>,
  ldc: number,
): Float64Array {
  const out = Float64Array.from(C);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += at(A, lda, i, p, tA) * at(B, ldb, p, j, tB);
      out[i * ldc + j] = alpha * s + beta * C[i * ldc + j];
    }
  }
  return out;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

/** SPD test matrix K = X·Xᵀ/d + I (n×n, ld = n). */
function spd(seed: number, n: number, d = n + 3): Float64Array {
  const X = normal(key(seed), n * d);
  const K = refGemm(false, true, n, n, d, 1 / d, X, d, X, d, 0, new Float64Array(n * n), n);
  for (let i = 0; i < n; i++) K[i * n + i] += 1;
  return K;
}

describe("native backend selection", () => {
  it("CI builds and loads the native addon", { skip: !inCI && "not in CI" }, () => {
    assert.ok(built, `CI must build the native addon, but ${addonPath} is missing`);
    assert.ok(addon, `CI must load the native addon: ${loadError}`);
  });

  it("backend() is the native one when the addon is built (unless FEATURELAB_BACKEND=js)", async () => {
    // Imported lazily so this file's other tests do not depend on the JS backend module.
    const { backend, backendStatus } = await import("../../src/engine/linalg/backend.js");
    const st = backendStatus();
    if (process.env.FEATURELAB_BACKEND === "js") {
      assert.equal(backend().name, "js");
      assert.ok(!inCI || built, "CI must build the native addon");
      return;
    }
    if (built || inCI) {
      assert.equal(backend().name, "native", `native addon built but not active: ${st.reason}`);
      assert.match(st.description, /^OpenBLAS /);
    } else {
      assert.equal(backend().name, "js");
      assert.match(st.reason, /not built/);
    }
  });
});

describe("native addon", { skip }, () => {
  const a = addon as NativeAddon;
  const nb = (): LinalgBackend => createNativeBackend(a);

  it("links OpenBLAS and reports its configuration", () => {
    const cfg = a.config();
    assert.match(cfg.config, /OpenBLAS \d+\.\d+/);
    assert.ok(cfg.corename.length > 0);
    assert.ok(cfg.threads >= 1 && cfg.procs >= 1);
    assert.match(nb().describe(), /^OpenBLAS \d+\.\d+\.\d+ \(.+, \d+ threads?\)$/);
  });

  it("setThreads/getThreads round-trip", () => {
    const b = nb();
    const prev = b.getThreads();
    try {
      b.setThreads(1);
      assert.equal(b.getThreads(), 1);
      assert.match(b.describe(), /1 thread\)$/);
    } finally {
      b.setThreads(prev);
    }
    assert.equal(b.getThreads(), prev);
    assert.throws(() => b.setThreads(0), InputError);
  });

  it("dgemm: all transpose combinations with leading dims > cols, padding untouched", () => {
    const b = nb();
    const [m, n, k] = [7, 5, 9];
    for (const tA of [false, true]) {
      for (const tB of [false, true]) {
        const [ar, ac] = tA ? [k, m] : [m, k];
        const [br, bc] = tB ? [n, k] : [k, n];
        const lda = ac + 3;
        const ldb = bc + 2;
        const ldc = n + 4;
        const A = padded(1, ar, ac, lda);
        const B = padded(2, br, bc, ldb);
        const C = padded(3, m, n, ldc, -555);
        const want = refGemm(tA, tB, m, n, k, 1.5, A, lda, B, ldb, -0.5, C, ldc);
        b.gemm(tA, tB, m, n, k, 1.5, A, lda, B, ldb, -0.5, C, ldc);
        assert.ok(maxAbsDiff(C, want) < 1e-12, `tA=${tA} tB=${tB}`);
        for (let i = 0; i < m; i++) for (let j = n; j < ldc; j++) assert.equal(C[i * ldc + j], -555);
      }
    }
  });

  it("sgemm matches a double-precision reference within f32 tolerance", () => {
    const b = nb();
    const [m, n, k] = [33, 17, 64];
    for (const tA of [false, true]) {
      for (const tB of [false, true]) {
        const [ar, ac] = tA ? [k, m] : [m, k];
        const [br, bc] = tB ? [n, k] : [k, n];
        const [lda, ldb, ldc] = [ac + 1, bc + 5, n + 2];
        const A = Float32Array.from(padded(4, ar, ac, lda));
        const B = Float32Array.from(padded(5, br, bc, ldb));
        const C = Float32Array.from(padded(6, m, n, ldc, 9));
        // Reference on the f32 inputs, accumulated in f64: the only error left is f32 rounding of
        // the sum, |err| ≲ k·ε₃₂·Σ|a||b| ≈ k·6e-8·k (unit normals) — use a 1e-4·k bound.
        const want = refGemm(tA, tB, m, n, k, 1, A, lda, B, ldb, 0.25, C, ldc);
        b.gemm(tA, tB, m, n, k, 1, A, lda, B, ldb, 0.25, C, ldc);
        assert.ok(maxAbsDiff(C, want) < 1e-4 * k, `tA=${tA} tB=${tB}: ${maxAbsDiff(C, want)}`);
        assert.ok(maxAbsDiff(C, want) > 0, "an f32 product should differ from the f64 reference somewhere");
        for (let i = 0; i < m; i++) for (let j = n; j < ldc; j++) assert.equal(C[i * ldc + j], 9);
      }
    }
  });

  it("gemv (f64 and f32) with both orientations and lda > n", () => {
    const b = nb();
    const [m, n, lda] = [6, 4, 7];
    const A = padded(7, m, n, lda);
    for (const tA of [false, true]) {
      const x = normal(key(8), tA ? m : n);
      const y = normal(key(9), tA ? n : m);
      const want = refGemm(tA, false, tA ? n : m, 1, tA ? m : n, 2, A, lda, x, 1, 3, y, 1);
      const y64 = Float64Array.from(y);
      b.gemv(tA, m, n, 2, A, lda, x, 3, y64);
      assert.ok(maxAbsDiff(y64, want) < 1e-12);
      const y32 = Float32Array.from(y);
      b.gemv(tA, m, n, 2, Float32Array.from(A), lda, Float32Array.from(x), 3, y32);
      assert.ok(maxAbsDiff(y32, want) < 1e-4);
    }
  });

  it("syrk writes the lower triangle only", () => {
    const b = nb();
    const [n, k, ldc] = [5, 3, 8];
    for (const tr of [false, true]) {
      const lda = (tr ? n : k) + 2;
      const A = padded(10, tr ? k : n, tr ? n : k, lda);
      const C = padded(11, n, n, ldc, 42);
      const want = refGemm(tr, !tr, n, n, k, 0.5, A, lda, A, lda, 2, C, ldc);
      const before = Float64Array.from(C);
      b.syrk(tr, n, k, 0.5, A, lda, 2, C, ldc);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < ldc; j++) {
          if (j <= i) assert.ok(Math.abs(C[i * ldc + j] - want[i * ldc + j]) < 1e-12);
          else assert.equal(C[i * ldc + j], before[i * ldc + j], `(${i},${j}) must be untouched`);
        }
      }
    }
  });

  it("potrf/potrs with lda > n: L·Lᵀ = A, strict upper untouched, residual small", () => {
    const b = nb();
    const n = 12;
    const lda = 15;
    const K = spd(12, n);
    const A = new Float64Array(n * lda).fill(-1);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) A[i * lda + j] = K[i * n + j];
    assert.equal(b.potrf(n, A, lda), 0);
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < lda; j++) assert.equal(A[i * lda + j], j < n ? K[i * n + j] : -1);
      for (let j = 0; j <= i; j++) {
        let s = 0;
        for (let p = 0; p <= j; p++) s += A[i * lda + p] * A[j * lda + p];
        assert.ok(Math.abs(s - K[i * n + j]) < 1e-12);
      }
    }
    for (const nrhs of [1, 3]) {
      const ldb = nrhs + 2;
      const B = padded(13, n, nrhs, ldb, 5);
      const X = Float64Array.from(B);
      b.potrs(n, nrhs, A, lda, X, ldb);
      const KX = refGemm(false, false, n, nrhs, n, 1, K, n, X, ldb, 0, new Float64Array(n * ldb), ldb);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < nrhs; j++) assert.ok(Math.abs(KX[i * ldb + j] - B[i * ldb + j]) < 1e-10);
        for (let j = nrhs; j < ldb; j++) assert.equal(X[i * ldb + j], 5);
      }
    }
  });

  it("potrf reports a non-positive pivot through info", () => {
    const A = Float64Array.of(1, 2, 2, 1); // eigenvalues 3, −1
    assert.equal(nb().potrf(2, A, 2), 2);
  });

  it("syevd with lda > n: eigenvectors as columns, A·V = V·diag(w), VᵀV = I", () => {
    const b = nb();
    const n = 10;
    const lda = 13;
    const K = spd(14, n, 4); // rank-deficient part → repeated eigenvalue 1
    // Only the lower triangle may be read: poison the strict upper triangle.
    const V = new Float64Array(n * lda).fill(Number.NaN);
    for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) V[i * lda + j] = K[i * n + j];
    const w = new Float64Array(n);
    assert.equal(b.syevd(n, V, lda, w), 0);
    for (let i = 1; i < n; i++) assert.ok(w[i] >= w[i - 1]);
    const KV = refGemm(false, false, n, n, n, 1, K, n, V, lda, 0, new Float64Array(n * n), n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) assert.ok(Math.abs(KV[i * n + j] - w[j] * V[i * lda + j]) < 1e-12);
    const VtV = refGemm(true, false, n, n, n, 1, V, lda, V, lda, 0, new Float64Array(n * n), n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) assert.ok(Math.abs(VtV[i * n + j] - (i === j ? 1 : 0)) < 1e-13);
    for (let i = 0; i < n; i++) for (let j = n; j < lda; j++) assert.ok(Number.isNaN(V[i * lda + j]), "padding untouched");
  });

  it("syevr index range agrees with syevd (ldz > m)", () => {
    const b = nb();
    const n = 9;
    const K = spd(15, n);
    const wAll = new Float64Array(n);
    const V = Float64Array.from(K);
    assert.equal(b.syevd(n, V, n, wAll), 0);
    const [il, iu] = [2, 5];
    const m = iu - il + 1;
    const ldz = m + 3;
    const w = new Float64Array(m);
    const Z = new Float64Array(n * ldz).fill(8);
    assert.equal(b.syevr(n, Float64Array.from(K), n, il, iu, w, Z, ldz), 0);
    for (let j = 0; j < m; j++) {
      assert.ok(Math.abs(w[j] - wAll[il + j]) < 1e-12);
      // Same eigenvector up to sign.
      let dot = 0;
      for (let i = 0; i < n; i++) dot += Z[i * ldz + j] * V[i * n + il + j];
      assert.ok(Math.abs(Math.abs(dot) - 1) < 1e-10);
    }
    for (let i = 0; i < n; i++) for (let j = m; j < ldz; j++) assert.equal(Z[i * ldz + j], 8);
  });

  it("gesv (row-major via the transposed LU) solves A·X = B for nrhs = 1 and 4 with padding", () => {
    const b = nb();
    const n = 11;
    for (const nrhs of [1, 4]) {
      const lda = n + 1;
      const ldb = nrhs + 3;
      const A = padded(16, n, n, lda);
      const A0 = Float64Array.from(A);
      const B = padded(17, n, nrhs, ldb, 6);
      const X = Float64Array.from(B);
      assert.equal(b.gesv(n, nrhs, A, lda, X, ldb), 0);
      const AX = refGemm(false, false, n, nrhs, n, 1, A0, lda, X, ldb, 0, new Float64Array(n * ldb), ldb);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < nrhs; j++) assert.ok(Math.abs(AX[i * ldb + j] - B[i * ldb + j]) < 1e-10);
        for (let j = nrhs; j < ldb; j++) assert.equal(X[i * ldb + j], 6);
      }
    }
    const S = Float64Array.of(1, 2, 2, 4);
    assert.ok(b.gesv(2, 1, S, 2, new Float64Array(2), 1) > 0, "singular matrix → info > 0");
  });

  it("bad sizes throw InputError in the wrapper", () => {
    const b = nb();
    const A = new Float64Array(6);
    assert.throws(() => b.gemm(false, false, 2, 2, 3, 1, A, 3, new Float64Array(5), 2, 0, new Float64Array(4), 2), /B has 5 entries, needs 6/);
    assert.throws(() => b.gemm(false, false, 2, 2, 3, 1, A, 2, A, 2, 0, new Float64Array(4), 2), /leading dimension of A is 2/);
    assert.throws(() => b.gemm(false, false, 2, 2, 3, 1, A, 3, new Float32Array(6) as never, 2, 0, new Float64Array(4), 2), InputError);
    assert.throws(() => b.gemm(false, false, -1, 2, 3, 1, A, 3, A, 2, 0, A, 2), InputError);
    assert.throws(() => b.gemm(false, false, 1.5, 2, 3, 1, A, 3, A, 2, 0, A, 2), InputError);
    assert.throws(() => b.gemv(false, 2, 3, 1, A, 3, new Float64Array(2), 0, new Float64Array(2)), /x has 2 entries, needs 3/);
    assert.throws(() => b.potrf(3, new Float64Array(8), 3), /A has 8 entries, needs 9/);
    assert.throws(() => b.syevd(2, new Float64Array(4), 2, new Float64Array(1)), /w has 1 entries, needs 2/);
    assert.throws(() => b.syevr(3, new Float64Array(9), 3, 1, 3, new Float64Array(3), new Float64Array(9), 3), /index range/);
    assert.throws(() => b.gesv(2, 2, new Float64Array(4), 2, new Float64Array(4), 1), /leading dimension of B/);
    assert.throws(() => b.syrk(false, 2, 2, 1, new Float64Array(4), 2, 0, new Float64Array(3), 2), /C has 3 entries/);
  });

  it("the raw addon checks sizes itself (short buffers throw, nothing is written)", () => {
    const C = new Float64Array(4).fill(3);
    const A = new Float64Array(6);
    assert.throws(() => a.dgemm(false, false, 2, 2, 3, 1, A, 3, new Float64Array(5), 2, 0, C, 2), RangeError);
    assert.throws(() => a.dgemm(false, false, 2, 2, 3, 1, A, 3, A, 2, 0, new Float64Array(3), 2), RangeError);
    assert.throws(() => a.sgemm(false, false, 2, 2, 3, 1, A as never, 3, A as never, 2, 0, C as never, 2), TypeError);
    assert.throws(() => a.dgemm(false, false, -2, 2, 3, 1, A, 3, A, 2, 0, C, 2), RangeError);
    assert.throws(() => a.dpotrf(3, new Float64Array(8), 3), RangeError);
    assert.throws(() => a.dsyevd(3, new Float64Array(9), 2, new Float64Array(3)), RangeError);
    assert.throws(() => a.dsyevr(3, new Float64Array(9), 3, 0, 3, new Float64Array(4), new Float64Array(12), 4), RangeError);
    assert.throws(() => a.dgesv(3, 1, new Float64Array(9), 3, new Float64Array(2), 1), RangeError);
    assert.deepEqual([...C], [3, 3, 3, 3]);
    // A subarray view: the addon must honour byteOffset and the view's own length.
    const big = new Float64Array(10).fill(1);
    const view = big.subarray(2, 6);
    assert.throws(() => a.dpotrf(3, view, 3), RangeError);
    const I2 = big.subarray(4, 8);
    I2.set([4, 0, 0, 9]);
    assert.equal(a.dpotrf(2, I2, 2), 0);
    assert.deepEqual([...big], [1, 1, 1, 1, 2, 0, 0, 3, 1, 1]);
  });

  it("zero dimensions are no-ops", () => {
    const b = nb();
    const C = Float64Array.of(1, 2);
    b.gemm(false, false, 0, 2, 3, 1, new Float64Array(0), 3, new Float64Array(6), 2, 0, new Float64Array(0), 2);
    b.gemm(false, false, 1, 2, 0, 1, new Float64Array(0), 1, new Float64Array(0), 2, 2, C, 2);
    assert.deepEqual([...C], [2, 4]);
    assert.equal(b.potrf(0, new Float64Array(0), 1), 0);
    assert.equal(b.syevd(0, new Float64Array(0), 1, new Float64Array(0)), 0);
  });
});
