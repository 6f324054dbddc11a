/**
 * Small dense-matrix helpers for the critical-feature-learning theory (paper b): every kernel is a
 * symmetric P×P Float64Array, row-major. Inverses go through the engine's Cholesky (with a hard
 * positive-definiteness check, never jitter: a non-PD kernel is a {@link NumericalError}).
 *
 * @module
 */
import { NumericalError } from "../../engine/errors.js";
import { cholesky, choleskyLogdet, choleskySolve, eigh, matmul } from "../../engine/linalg.js";

/** A·B for square n×n matrices. */
export function mm(A: Float64Array, B: Float64Array, n: number): Float64Array {
  return matmul({ rows: n, cols: n, data: A }, { rows: n, cols: n, data: B }).data;
}

/** Identity I_n. */
export function eye(n: number): Float64Array {
  const I = new Float64Array(n * n);
  for (let i = 0; i < n; i++) I[i * n + i] = 1;
  return I;
}

/** (A + Aᵀ)/2 in place. */
export function symmetrize(A: Float64Array, n: number): Float64Array {
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      const v = 0.5 * (A[i * n + j] + A[j * n + i]);
      A[i * n + j] = v;
      A[j * n + i] = v;
    }
  return A;
}

/** Cholesky factor of a symmetric matrix that must be positive definite (no jitter); NumericalError naming `what` otherwise. */
export function cholPD(A: Float64Array, n: number, what: string) {
  for (let i = 0; i < A.length; i++)
    if (!Number.isFinite(A[i])) throw new NumericalError(`${what} has a non-finite entry ${A[i]} at (${Math.floor(i / n)}, ${i % n})`);
  try {
    return cholesky(symmetrize(Float64Array.from(A), n), n, { jitter: 0, where: what, trusted: true });
  } catch (e) {
    if (e instanceof NumericalError)
      throw new NumericalError(`${what} is not positive definite (Cholesky failed): the solution left the admissible set; lower the damping η, raise N or κ`);
    throw e;
  }
}

/** A⁻¹ of a symmetric positive-definite matrix (NumericalError naming `what` if not PD). */
export function invPD(A: Float64Array, n: number, what: string): Float64Array {
  const c = cholPD(A, n, what);
  return symmetrize(choleskySolve(c, eye(n), n), n);
}

/** ln det A of a symmetric positive-definite matrix. */
export function logdetPD(A: Float64Array, n: number, what: string): number {
  return choleskyLogdet(cholPD(A, n, what));
}

/** Frobenius product A : B = Σ A_ij B_ij. */
export function frob(A: ArrayLike<number>, B: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < A.length; i++) s += A[i] * B[i];
  return s;
}

/** max_ij |A_ij − B_ij|. */
export function maxAbsDiff(A: ArrayLike<number>, B: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < A.length; i++) m = Math.max(m, Math.abs(A[i] - B[i]));
  return m;
}

/** Rows of an n×m row-major matrix as nested arrays (for JSON). */
export function toRows(A: ArrayLike<number>, n: number, m = n): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < n; i++) {
    const r: number[] = [];
    for (let j = 0; j < m; j++) r.push(A[i * m + j]);
    out.push(r);
  }
  return out;
}

/** Eigendecomposition of a symmetric matrix that must be positive semidefinite (smallest eigenvalue ≥ −1e-10·max(1, λ_max)); eigenvalues clipped at 0. */
export function psdEig(A: Float64Array, n: number, what: string): { values: Float64Array; vectors: Float64Array } {
  for (let i = 0; i < A.length; i++)
    if (!Number.isFinite(A[i])) throw new NumericalError(`${what} has a non-finite entry ${A[i]} at (${Math.floor(i / n)}, ${i % n})`);
  const e = eigh(symmetrize(Float64Array.from(A), n), n, { where: what, cache: false });
  const lmax = Math.max(1, ...Array.from(e.values, Math.abs));
  if (n > 0 && e.values[0] < -1e-10 * lmax)
    throw new NumericalError(
      `${what} is not positive semidefinite (smallest eigenvalue ${e.values[0].toExponential(3)}): the solution left the admissible set; lower the damping η, raise N or κ`,
    );
  return { values: e.values.map((v) => Math.max(v, 0)), vectors: Float64Array.from(e.vectors) };
}

/** A factor F with A = F Fᵀ: the Cholesky factor when A is positive definite, else U·diag(√λ) from {@link psdEig} (A must be PSD). */
export function psdFactor(A: Float64Array, n: number, what: string): Float64Array {
  try {
    return cholPD(A, n, what).L;
  } catch (e) {
    if (!(e instanceof NumericalError)) throw e;
  }
  const { values, vectors } = psdEig(A, n, what);
  const F = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) F[i * n + k] = vectors[i * n + k] * Math.sqrt(values[k]);
  return F;
}

/** Symmetric square root A^{1/2} of a PSD matrix. */
export function sqrtPSD(A: Float64Array, n: number, what: string): Float64Array {
  const { values, vectors } = psdEig(A, n, what);
  const S = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += vectors[i * n + k] * Math.sqrt(values[k]) * vectors[j * n + k];
      S[i * n + j] = s;
    }
  return symmetrize(S, n);
}

/** Moore–Penrose pseudo-inverse of a PSD matrix (eigenvalues below 1e-12·λ_max count as zero). */
export function pinvPSD(A: Float64Array, n: number, what: string): Float64Array {
  const { values, vectors } = psdEig(A, n, what);
  const lmax = Math.max(0, ...values);
  const S = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    if (!(values[k] > 1e-12 * lmax)) continue;
    const inv = 1 / values[k];
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) S[i * n + j] += vectors[i * n + k] * inv * vectors[j * n + k];
  }
  return symmetrize(S, n);
}
