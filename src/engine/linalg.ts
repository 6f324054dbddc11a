/**
 * High-level dense linear algebra on row-major Float64Array matrices, over the active backend
 * (native OpenBLAS addon or the pure-TypeScript fallback, see `linalg/backend.ts`).
 *
 * Unlike the raw backend routines these never modify their inputs, validate shapes and finiteness,
 * and report what they did to stay well-defined (jitter added to a near-singular kernel, the
 * number of attempts). Every theory module's expensive step — the eigendecomposition of a P×P
 * kernel — goes through {@link eigh}, which caches its result per matrix.
 */
import { firstNonFinite, InputError, NumericalError } from "./errors.js";
import { backend } from "./linalg/backend.js";
import type { FloatArray } from "./linalg/types.js";

export { availableBackends, backend, backendStatus, useBackend } from "./linalg/backend.js";
export type { BackendName, FloatArray, LinalgBackend } from "./linalg/types.js";

/** A row-major matrix view: `data[i*cols + j]` is entry (i, j). */
export interface Matrix<T extends FloatArray = Float64Array> {
  rows: number;
  cols: number;
  data: T;
}

export function matrix(rows: number, cols: number, data?: Float64Array): Matrix {
  const d = data ?? new Float64Array(rows * cols);
  if (d.length !== rows * cols) throw new InputError(`matrix data has ${d.length} entries, expected ${rows}×${cols} = ${rows * cols}`);
  return { rows, cols, data: d };
}

function assertFinite(a: ArrayLike<number>, n: number, where: string): void {
  const i = firstNonFinite(a);
  if (i >= 0) throw new InputError(`non-finite value ${a[i]} at (${Math.floor(i / n)}, ${i % n})`, where);
}

/** Checks that A (n×n) is finite and symmetric to relative tolerance `tol`; throws InputError naming the worst entry. */
export function checkSymmetric(A: Float64Array, n: number, where = "matrix", tol = 1e-10): void {
  if (A.length < n * n) throw new InputError(`has ${A.length} entries, expected ${n}×${n}`, where);
  assertFinite(A.subarray(0, n * n), n, where);
  let scale = 0;
  for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs(A[i * n + i]));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const a = A[i * n + j];
      const b = A[j * n + i];
      if (Math.abs(a - b) > tol * Math.max(scale, Math.abs(a), Math.abs(b), 1e-300)) {
        throw new InputError(`not symmetric: A[${i},${j}] = ${a} but A[${j},${i}] = ${b}`, where);
      }
    }
  }
}

/** C = op(A)·op(B) for row-major A (m×k after op) and B (k×n after op). Works in f64 or f32. */
export function matmul<T extends FloatArray>(A: Matrix<T>, B: Matrix<T>, opts: { transA?: boolean; transB?: boolean } = {}): Matrix<T> {
  const tA = opts.transA ?? false;
  const tB = opts.transB ?? false;
  const m = tA ? A.cols : A.rows;
  const k = tA ? A.rows : A.cols;
  const k2 = tB ? B.cols : B.rows;
  const n = tB ? B.rows : B.cols;
  if (k !== k2) throw new InputError(`matmul: inner dimensions differ (${m}×${k} · ${k2}×${n})`);
  const Ctor = A.data.constructor as { new (n: number): T };
  if (B.data.constructor !== A.data.constructor) throw new InputError("matmul: A and B must share the dtype");
  const C = new Ctor(m * n);
  if (m > 0 && n > 0) backend().gemm(tA, tB, m, n, k, 1, A.data, A.cols, B.data, B.cols, 0, C, n);
  return { rows: m, cols: n, data: C };
}

/** Gram matrix G = X·Xᵀ·scale (n×n, full, symmetric) of a row-major X (n×d), via syrk. */
export function gram(X: Float64Array, n: number, d: number, scale = 1): Float64Array {
  const G = new Float64Array(n * n);
  if (n === 0) return G;
  backend().syrk(false, n, d, scale, X, d, 0, G, n);
  symmetrizeFromLower(G, n);
  return G;
}

/** Copies the lower triangle onto the upper one, in place. */
export function symmetrizeFromLower(A: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) A[j * n + i] = A[i * n + j];
}

export interface CholeskyOptions {
  /**
   * Diagonal jitter policy. "auto" (default): try without; on failure add ε·mean(diag A) with
   * ε = 1e-12, 1e-11, … up to `maxRelJitter`, and report what was added. A number: add exactly that
   * (absolute) jitter once. 0: no jitter, fail on the first non-positive pivot.
   */
  jitter?: "auto" | number;
  /** Largest relative jitter "auto" may add (default 1e-6). */
  maxRelJitter?: number;
  /** Name used in error messages (e.g. "train kernel K"). */
  where?: string;
  /** Skip the O(n²) symmetry/finiteness check (callers that built A symmetric themselves). */
  trusted?: boolean;
}

export interface CholeskyResult {
  /** Lower-triangular factor, row-major n×n with zeros above the diagonal: A + jitter·I = L·Lᵀ. */
  L: Float64Array;
  n: number;
  /** Absolute diagonal jitter that was added (0 if none). */
  jitter: number;
  /** Number of factorisations tried. */
  attempts: number;
}

/** Cholesky factorisation with adaptive jitter: A + δI = LLᵀ, δ reported. Throws NumericalError when no admissible δ works. */
export function cholesky(A: Float64Array, n: number, opts: CholeskyOptions = {}): CholeskyResult {
  const where = opts.where ?? "matrix";
  if (!opts.trusted) checkSymmetric(A, n, where);
  const policy = opts.jitter ?? "auto";
  let meanDiag = 0;
  for (let i = 0; i < n; i++) meanDiag += A[i * n + i];
  meanDiag = n > 0 ? Math.abs(meanDiag / n) || 1 : 1;
  const tries: number[] = policy === "auto" ? [0] : [policy];
  if (policy === "auto") {
    const maxRel = opts.maxRelJitter ?? 1e-6;
    for (let e = 1e-12; e <= maxRel * (1 + 1e-9); e *= 10) tries.push(e * meanDiag);
  }
  const L = new Float64Array(n * n);
  let attempts = 0;
  let lastInfo = 0;
  for (const delta of tries) {
    attempts++;
    L.set(A.subarray(0, n * n));
    if (delta !== 0) for (let i = 0; i < n; i++) L[i * n + i] += delta;
    lastInfo = backend().potrf(n, L, n);
    if (lastInfo === 0) {
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) L[i * n + j] = 0;
      return { L, n, jitter: delta, attempts };
    }
  }
  throw new NumericalError(
    `${where} is not positive definite: Cholesky failed at pivot ${lastInfo} even with jitter ${tries[tries.length - 1].toExponential(2)} (${attempts} attempts); check the kernel or raise the temperature/ridge`,
  );
}

/** Solves (LLᵀ)X = B for X given a Cholesky factor; B is n×nrhs row-major (a vector when nrhs = 1). Returns a new array. */
export function choleskySolve(chol: CholeskyResult, B: Float64Array, nrhs = 1): Float64Array {
  const { n, L } = chol;
  if (B.length !== n * nrhs) throw new InputError(`right-hand side has ${B.length} entries, expected ${n}×${nrhs}`);
  const X = Float64Array.from(B);
  backend().potrs(n, nrhs, L, n, X, nrhs);
  return X;
}

/** log det(A + δI) from a Cholesky factor: 2 Σ log L_ii. */
export function choleskyLogdet(chol: CholeskyResult): number {
  let s = 0;
  for (let i = 0; i < chol.n; i++) s += Math.log(chol.L[i * chol.n + i]);
  return 2 * s;
}

/** Solves the SPD system A x = b (Cholesky with adaptive jitter). */
export function solveSPD(A: Float64Array, n: number, B: Float64Array, nrhs = 1, opts: CholeskyOptions = {}): { x: Float64Array; jitter: number } {
  const c = cholesky(A, n, opts);
  return { x: choleskySolve(c, B, nrhs), jitter: c.jitter };
}

/** Solves a general square system A X = B by LU with partial pivoting. Throws NumericalError if A is singular. */
export function solve(A: Float64Array, n: number, B: Float64Array, nrhs = 1, where = "matrix"): Float64Array {
  if (A.length !== n * n) throw new InputError(`has ${A.length} entries, expected ${n}×${n}`, where);
  if (B.length !== n * nrhs) throw new InputError(`right-hand side has ${B.length} entries, expected ${n}×${nrhs}`, where);
  assertFinite(A, n, where);
  assertFinite(B, nrhs, `${where} right-hand side`);
  const LU = Float64Array.from(A);
  const X = Float64Array.from(B);
  const info = backend().gesv(n, nrhs, LU, n, X, nrhs);
  if (info > 0) throw new NumericalError(`${where} is singular: LU pivot ${info} is exactly zero`);
  return X;
}

/** A symmetric eigendecomposition A = V·diag(values)·Vᵀ, eigenvalues ascending, eigenvectors as the columns of `vectors` (row-major n×n). */
export interface SymEig {
  n: number;
  values: Float64Array;
  vectors: Float64Array;
}

interface CacheEntry {
  fingerprint: number;
  eig: SymEig;
}
const eigCache = new WeakMap<Float64Array, CacheEntry>();

/** A cheap O(n²) fingerprint of the matrix contents, so a cached decomposition is never reused after the matrix changed. */
function fingerprint(A: Float64Array): number {
  let h = 0x811c9dc5;
  const u = new Uint32Array(A.buffer, A.byteOffset, A.length * 2);
  for (let i = 0; i < u.length; i++) h = Math.imul(h ^ u[i], 0x01000193);
  return h >>> 0;
}

/**
 * Symmetric eigendecomposition (LAPACK dsyevd on the native backend). The result is cached per
 * matrix object (WeakMap + content fingerprint): scans over temperature or order parameter that call
 * eigh on the same kernel pay for it once. The returned arrays must be treated as read-only.
 */
export function eigh(A: Float64Array, n: number, opts: { where?: string; cache?: boolean } = {}): SymEig {
  const where = opts.where ?? "matrix";
  const useCache = opts.cache ?? true;
  if (A.length !== n * n) throw new InputError(`has ${A.length} entries, expected ${n}×${n}`, where);
  let fp = 0;
  if (useCache) {
    fp = fingerprint(A);
    const hit = eigCache.get(A);
    if (hit && hit.fingerprint === fp) return hit.eig;
  }
  checkSymmetric(A, n, where);
  const V = Float64Array.from(A);
  const w = new Float64Array(n);
  const info = n > 0 ? backend().syevd(n, V, n, w) : 0;
  if (info !== 0) throw new NumericalError(`${where}: symmetric eigensolver failed to converge (info ${info})`);
  const eig: SymEig = { n, values: w, vectors: V };
  if (useCache) eigCache.set(A, { fingerprint: fp, eig });
  return eig;
}

/** Eigenpairs with indices il..iu (0-based, inclusive, ascending) via dsyevr. */
export function eighRange(A: Float64Array, n: number, il: number, iu: number, where = "matrix"): { values: Float64Array; vectors: Float64Array; m: number } {
  if (!(Number.isInteger(il) && Number.isInteger(iu) && 0 <= il && il <= iu && iu < n)) {
    throw new InputError(`eigenvalue index range ${il}..${iu} is not inside 0..${n - 1}`, where);
  }
  checkSymmetric(A, n, where);
  const m = iu - il + 1;
  const W = Float64Array.from(A);
  const w = new Float64Array(m);
  const Z = new Float64Array(n * m);
  const info = backend().syevr(n, W, n, il, iu, w, Z, m);
  if (info !== 0) throw new NumericalError(`${where}: dsyevr failed (info ${info})`);
  return { values: w, vectors: Z, m };
}

/** log|det A| of a symmetric matrix from its eigenvalues; throws if any eigenvalue ≤ 0 (use cholesky jitter for near-singular kernels). */
export function logdetSym(A: Float64Array, n: number, where = "matrix"): number {
  const { values } = eigh(A, n, { where });
  let s = 0;
  for (let i = 0; i < n; i++) {
    if (!(values[i] > 0)) throw new NumericalError(`${where}: eigenvalue ${values[i]} ≤ 0, log-determinant undefined`);
    s += Math.log(values[i]);
  }
  return s;
}

/** Projects a vector on the eigenbasis: ỹ = Vᵀy. */
export function toEigenbasis(eig: SymEig, y: Float64Array): Float64Array {
  const out = new Float64Array(eig.n);
  if (eig.n > 0) backend().gemv(true, eig.n, eig.n, 1, eig.vectors, eig.n, y, 0, out);
  return out;
}

/** Maps eigenbasis coefficients back: y = V·ỹ. */
export function fromEigenbasis(eig: SymEig, yt: Float64Array): Float64Array {
  const out = new Float64Array(eig.n);
  if (eig.n > 0) backend().gemv(false, eig.n, eig.n, 1, eig.vectors, eig.n, yt, 0, out);
  return out;
}
