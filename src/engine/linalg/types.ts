/**
 * The low-level dense linear-algebra interface that both backends implement.
 *
 * Conventions (all backends, all routines):
 * - Matrices are **row-major** typed arrays with an explicit leading dimension `ld` (the row stride,
 *   `ld >= cols`), like CBLAS with `CblasRowMajor`.
 * - Routines work **in place** exactly where LAPACK does; the higher-level helpers in `../linalg.ts`
 *   copy first.
 * - `Float64Array` everywhere; GEMM (and GEMV) also accept `Float32Array` (all three operands must
 *   share the dtype).
 * - LAPACK-style routines return `info` (0 = success, > 0 = numerical failure such as a non-positive
 *   pivot, < 0 = bad argument) instead of throwing, so callers can add jitter and retry.
 */
export type FloatArray = Float64Array | Float32Array;

export type BackendName = "native" | "js";

export interface LinalgBackend {
  readonly name: BackendName;

  /** C ← α·op(A)·op(B) + β·C, op(X) = X or Xᵀ; op(A) is m×k, op(B) is k×n, C is m×n. */
  gemm<T extends FloatArray>(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    A: T,
    lda: number,
    B: T,
    ldb: number,
    beta: number,
    C: T,
    ldc: number,
  ): void;

  /** y ← α·op(A)·x + β·y; A is m×n (before op). */
  gemv<T extends FloatArray>(transA: boolean, m: number, n: number, alpha: number, A: T, lda: number, x: T, beta: number, y: T): void;

  /**
   * Symmetric rank-k update, lower triangle: C ← α·A·Aᵀ + β·C (trans = false, A is n×k) or
   * C ← α·Aᵀ·A + β·C (trans = true, A is k×n). Only the lower triangle of C (row-major: entries
   * (i, j) with j ≤ i) is referenced and written; the strict upper triangle is left untouched.
   */
  syrk(trans: boolean, n: number, k: number, alpha: number, A: Float64Array, lda: number, beta: number, C: Float64Array, ldc: number): void;

  /**
   * Cholesky factorisation A = L·Lᵀ of an n×n SPD matrix, in place. On return the lower triangle
   * (row-major, j ≤ i) holds L; the strict upper triangle is left as it was. Returns LAPACK info.
   */
  potrf(n: number, A: Float64Array, lda: number): number;

  /** Solves A·X = B given the lower Cholesky factor L from potrf; B is n×nrhs, overwritten by X. */
  potrs(n: number, nrhs: number, L: Float64Array, ldl: number, B: Float64Array, ldb: number): void;

  /**
   * Full symmetric eigendecomposition (divide and conquer, LAPACK dsyevd). Only the lower triangle
   * of A is read. On return `w` holds the n eigenvalues in ascending order and A (n×n, row-major)
   * holds the eigenvectors **as columns**: A[i*lda + j] = (v_j)_i, so A·V = V·diag(w). Returns info.
   */
  syevd(n: number, A: Float64Array, lda: number, w: Float64Array): number;

  /**
   * Selected eigenpairs of a symmetric matrix (LAPACK dsyevr, MRRR), by index range il..iu
   * (0-based, inclusive, ascending order). A is destroyed. `w` receives m = iu-il+1 eigenvalues
   * (ascending), Z (n×m row-major, ldz ≥ m) the eigenvectors as columns. Returns info.
   */
  syevr(n: number, A: Float64Array, lda: number, il: number, iu: number, w: Float64Array, Z: Float64Array, ldz: number): number;

  /** General solve A·X = B by LU with partial pivoting; A (n×n) is overwritten by its LU factors, B (n×nrhs) by X. Returns info. */
  gesv(n: number, nrhs: number, A: Float64Array, lda: number, B: Float64Array, ldb: number): number;

  /** Number of threads the backend's BLAS uses (1 for the JS backend). */
  getThreads(): number;
  /** Sets the BLAS thread count (no-op for the JS backend). */
  setThreads(n: number): void;
  /** Human-readable description, e.g. "OpenBLAS 0.3.21 (Zen, pthread, 2 threads)". */
  describe(): string;
}
