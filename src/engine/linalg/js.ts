/**
 * The pure-TypeScript fallback backend: every routine of {@link LinalgBackend}, single threaded.
 *
 * - GEMM is a GotoBLAS-style blocked product: panels of op(A) (MC×KC) and op(B) (KC×NC) are packed
 *   into contiguous Float64Array buffers (reused across calls) and a 4×4 register-tiled micro-kernel
 *   with 16 scalar accumulators runs over them. Float32 operands are computed in double and rounded
 *   once when stored.
 * - SYRK, POTRF (blocked right-looking Cholesky), POTRS (blocked triangular solves) and GESV (blocked
 *   LU with partial pivoting) spend their O(n³) work in that GEMM kernel.
 * - SYEVD is Householder tridiagonalisation + implicit QL with Wilkinson shifts (not divide and
 *   conquer), working on rows of row-major buffers; SYEVR computes the full decomposition and then
 *   selects the requested index range (a fallback, not MRRR).
 *
 * Dimensions are validated (bad ones throw {@link InputError}); numerical failures return LAPACK
 * `info > 0` like the native backend:
 * - potrf: k+1 at the first pivot k with A_kk − Σ L_kp² ≤ 0 (or NaN), the factorisation stops there;
 * - gesv: j+1 at the first exactly zero (or NaN) pivot column j; A then holds a partial factorisation
 *   and B is left unsolved;
 * - syevd/syevr: l+1 when QL exceeds its 30·n iteration budget, n+1 when A has a non-finite entry
 *   in its lower triangle.
 */
import { InputError } from "../errors.js";
import type { FloatArray, LinalgBackend } from "./types.js";

// ---------------------------------------------------------------------------------------------
// Validation helpers
// ---------------------------------------------------------------------------------------------

function checkDim(v: number, what: string, where: string): void {
  if (!Number.isInteger(v) || v < 0) throw new InputError(`${what} must be a non-negative integer, got ${v}`, where);
}

/** Checks that a rows×cols row-major matrix with leading dimension ld fits in `arr`. */
function checkMat(arr: ArrayLike<number>, rows: number, cols: number, ld: number, what: string, where: string): void {
  if (!Number.isInteger(ld) || ld < Math.max(1, cols)) {
    throw new InputError(`leading dimension of ${what} must be an integer ≥ max(1, ${cols}), got ${ld}`, where);
  }
  if (rows > 0 && cols > 0) {
    const need = (rows - 1) * ld + cols;
    if (arr.length < need) {
      throw new InputError(`${what} (${rows}×${cols}, ld ${ld}) needs ${need} entries, array has ${arr.length}`, where);
    }
  }
}

function checkVec(arr: ArrayLike<number>, len: number, what: string, where: string): void {
  if (arr.length < len) throw new InputError(`${what} needs ${len} entries, array has ${arr.length}`, where);
}

function checkF64(arr: unknown, what: string, where: string): void {
  if (!(arr instanceof Float64Array)) throw new InputError(`${what} must be a Float64Array`, where);
}

// ---------------------------------------------------------------------------------------------
// GEMM core: C[cOff…] += α·op(A)·op(B) on Float64Array C (β handled by the caller)
// ---------------------------------------------------------------------------------------------

const MR = 4;
const NR = 4;
const KC = 256;
const MC = 128;
const NC = 2048;

const packA = new Float64Array(MC * KC);
let packB = new Float64Array(KC * NR * 64);
/** Double accumulator for Float32 outputs; kept between calls only up to TMP_KEEP entries. */
let tmpC = new Float64Array(0);
const TMP_KEEP = 1 << 20;

function ensurePackB(size: number): Float64Array {
  if (packB.length < size) packB = new Float64Array(Math.max(size, packB.length * 2));
  return packB;
}

/**
 * Packs op(A)[i0:i0+mc, p0:p0+kc] into micro-panels of MR rows, each stored p-major (MR values per
 * p), zero padded to a multiple of MR rows.
 */
function packOpA(transA: boolean, A: FloatArray, aOff: number, lda: number, i0: number, mc: number, p0: number, kc: number, dst: Float64Array): void {
  let o = 0;
  for (let ir = 0; ir < mc; ir += MR) {
    const mr = Math.min(MR, mc - ir);
    if (!transA) {
      // op(A)[i, p] = A[i*lda + p]
      const r0 = aOff + (i0 + ir) * lda + p0;
      if (mr === MR) {
        const r1 = r0 + lda;
        const r2 = r1 + lda;
        const r3 = r2 + lda;
        for (let p = 0; p < kc; p++) {
          dst[o] = A[r0 + p];
          dst[o + 1] = A[r1 + p];
          dst[o + 2] = A[r2 + p];
          dst[o + 3] = A[r3 + p];
          o += 4;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          for (let r = 0; r < MR; r++) dst[o + r] = r < mr ? A[r0 + r * lda + p] : 0;
          o += 4;
        }
      }
    } else {
      // op(A)[i, p] = A[p*lda + i]
      let src = aOff + p0 * lda + i0 + ir;
      if (mr === MR) {
        for (let p = 0; p < kc; p++) {
          dst[o] = A[src];
          dst[o + 1] = A[src + 1];
          dst[o + 2] = A[src + 2];
          dst[o + 3] = A[src + 3];
          o += 4;
          src += lda;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          for (let r = 0; r < MR; r++) dst[o + r] = r < mr ? A[src + r] : 0;
          o += 4;
          src += lda;
        }
      }
    }
  }
}

/**
 * Packs op(B)[p0:p0+kc, j0:j0+nc] into micro-panels of NR columns, each stored p-major (NR values
 * per p), zero padded to a multiple of NR columns.
 */
function packOpB(transB: boolean, B: FloatArray, bOff: number, ldb: number, p0: number, kc: number, j0: number, nc: number, dst: Float64Array): void {
  let o = 0;
  for (let jr = 0; jr < nc; jr += NR) {
    const nr = Math.min(NR, nc - jr);
    if (!transB) {
      // op(B)[p, j] = B[p*ldb + j]
      let src = bOff + p0 * ldb + j0 + jr;
      if (nr === NR) {
        for (let p = 0; p < kc; p++) {
          dst[o] = B[src];
          dst[o + 1] = B[src + 1];
          dst[o + 2] = B[src + 2];
          dst[o + 3] = B[src + 3];
          o += 4;
          src += ldb;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          for (let c = 0; c < NR; c++) dst[o + c] = c < nr ? B[src + c] : 0;
          o += 4;
          src += ldb;
        }
      }
    } else {
      // op(B)[p, j] = B[j*ldb + p]
      const r0 = bOff + (j0 + jr) * ldb + p0;
      if (nr === NR) {
        const r1 = r0 + ldb;
        const r2 = r1 + ldb;
        const r3 = r2 + ldb;
        for (let p = 0; p < kc; p++) {
          dst[o] = B[r0 + p];
          dst[o + 1] = B[r1 + p];
          dst[o + 2] = B[r2 + p];
          dst[o + 3] = B[r3 + p];
          o += 4;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          for (let c = 0; c < NR; c++) dst[o + c] = c < nr ? B[r0 + c * ldb + p] : 0;
          o += 4;
        }
      }
    }
  }
}

/**
 * The 4×4 micro-kernel: C[co + r*ldc + c] += α·Σ_p Ap[ao + 4p + r]·Bp[bo + 4p + c] for r < mr, c < nr.
 */
function microKernel(
  kc: number,
  Ap: Float64Array,
  ao: number,
  Bp: Float64Array,
  bo: number,
  C: Float64Array,
  co: number,
  ldc: number,
  alpha: number,
  mr: number,
  nr: number,
): void {
  let c00 = 0;
  let c01 = 0;
  let c02 = 0;
  let c03 = 0;
  let c10 = 0;
  let c11 = 0;
  let c12 = 0;
  let c13 = 0;
  let c20 = 0;
  let c21 = 0;
  let c22 = 0;
  let c23 = 0;
  let c30 = 0;
  let c31 = 0;
  let c32 = 0;
  let c33 = 0;
  const end = ao + 4 * kc;
  for (; ao < end; ao += 4, bo += 4) {
    const a0 = Ap[ao];
    const a1 = Ap[ao + 1];
    const a2 = Ap[ao + 2];
    const a3 = Ap[ao + 3];
    const b0 = Bp[bo];
    const b1 = Bp[bo + 1];
    const b2 = Bp[bo + 2];
    const b3 = Bp[bo + 3];
    c00 += a0 * b0;
    c01 += a0 * b1;
    c02 += a0 * b2;
    c03 += a0 * b3;
    c10 += a1 * b0;
    c11 += a1 * b1;
    c12 += a1 * b2;
    c13 += a1 * b3;
    c20 += a2 * b0;
    c21 += a2 * b1;
    c22 += a2 * b2;
    c23 += a2 * b3;
    c30 += a3 * b0;
    c31 += a3 * b1;
    c32 += a3 * b2;
    c33 += a3 * b3;
  }
  if (mr === 4 && nr === 4) {
    C[co] += alpha * c00;
    C[co + 1] += alpha * c01;
    C[co + 2] += alpha * c02;
    C[co + 3] += alpha * c03;
    co += ldc;
    C[co] += alpha * c10;
    C[co + 1] += alpha * c11;
    C[co + 2] += alpha * c12;
    C[co + 3] += alpha * c13;
    co += ldc;
    C[co] += alpha * c20;
    C[co + 1] += alpha * c21;
    C[co + 2] += alpha * c22;
    C[co + 3] += alpha * c23;
    co += ldc;
    C[co] += alpha * c30;
    C[co + 1] += alpha * c31;
    C[co + 2] += alpha * c32;
    C[co + 3] += alpha * c33;
    return;
  }
  // Edge tile: write only the mr×nr corner.
  const t = edgeTile;
  t[0] = c00;
  t[1] = c01;
  t[2] = c02;
  t[3] = c03;
  t[4] = c10;
  t[5] = c11;
  t[6] = c12;
  t[7] = c13;
  t[8] = c20;
  t[9] = c21;
  t[10] = c22;
  t[11] = c23;
  t[12] = c30;
  t[13] = c31;
  t[14] = c32;
  t[15] = c33;
  for (let r = 0; r < mr; r++) {
    const row = co + r * ldc;
    for (let c = 0; c < nr; c++) C[row + c] += alpha * t[4 * r + c];
  }
}
const edgeTile = new Float64Array(16);

/** Below this many multiply-adds a plain triple loop beats packing. */
const SMALL_GEMM = 24 * 24 * 24;

/**
 * C[cOff + i*ldc + j] += α·Σ_p op(A)[i,p]·op(B)[p,j] for an m×n block of a Float64Array C, where
 * op(A)[i,p] is A[aOff + i*lda + p] (or A[aOff + p*lda + i] when transA), likewise for B.
 * β is not applied here. A, B and C may share storage when the regions read and written are disjoint.
 */
function gemmAcc(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  A: FloatArray,
  aOff: number,
  lda: number,
  B: FloatArray,
  bOff: number,
  ldb: number,
  C: Float64Array,
  cOff: number,
  ldc: number,
): void {
  if (m === 0 || n === 0 || k === 0 || alpha === 0) return;
  if (m * n * k <= SMALL_GEMM) {
    gemmSmall(transA, transB, m, n, k, alpha, A, aOff, lda, B, bOff, ldb, C, cOff, ldc);
    return;
  }
  const ap = packA;
  for (let jc = 0; jc < n; jc += NC) {
    const nc = Math.min(NC, n - jc);
    const ncPad = Math.ceil(nc / NR) * NR;
    for (let pc = 0; pc < k; pc += KC) {
      const kc = Math.min(KC, k - pc);
      const bp = ensurePackB(ncPad * kc);
      packOpB(transB, B, bOff, ldb, pc, kc, jc, nc, bp);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = Math.min(MC, m - ic);
        packOpA(transA, A, aOff, lda, ic, mc, pc, kc, ap);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = Math.min(NR, nc - jr);
          const bo = jr * kc;
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = Math.min(MR, mc - ir);
            microKernel(kc, ap, ir * kc, bp, bo, C, cOff + (ic + ir) * ldc + jc + jr, ldc, alpha, mr, nr);
          }
        }
      }
    }
  }
}

function gemmSmall(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  A: FloatArray,
  aOff: number,
  lda: number,
  B: FloatArray,
  bOff: number,
  ldb: number,
  C: Float64Array,
  cOff: number,
  ldc: number,
): void {
  const sa = transA ? 1 : lda; // stride of i in A
  const pa = transA ? lda : 1; // stride of p in A
  const pb = transB ? 1 : ldb; // stride of p in B
  const sb = transB ? ldb : 1; // stride of j in B
  for (let i = 0; i < m; i++) {
    const ai = aOff + i * sa;
    const ci = cOff + i * ldc;
    for (let j = 0; j < n; j++) {
      const bj = bOff + j * sb;
      let s = 0;
      for (let p = 0; p < k; p++) s += A[ai + p * pa] * B[bj + p * pb];
      C[ci + j] += alpha * s;
    }
  }
}

/** C ← β·C on an m×n block (β = 0 overwrites, NaN included). */
function scaleBlock(m: number, n: number, beta: number, C: FloatArray, cOff: number, ldc: number): void {
  if (beta === 1) return;
  for (let i = 0; i < m; i++) {
    const r = cOff + i * ldc;
    if (beta === 0) C.fill(0, r, r + n);
    else for (let j = 0; j < n; j++) C[r + j] *= beta;
  }
}

// ---------------------------------------------------------------------------------------------
// BLAS-level routines
// ---------------------------------------------------------------------------------------------

function gemm<T extends FloatArray>(
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
): void {
  const where = "gemm";
  checkDim(m, "m", where);
  checkDim(n, "n", where);
  checkDim(k, "k", where);
  const f32 = C instanceof Float32Array;
  if (!(C instanceof Float64Array || f32)) throw new InputError("C must be a Float64Array or Float32Array", where);
  if (A.constructor !== C.constructor || B.constructor !== C.constructor) {
    throw new InputError("A, B and C must share the dtype (all Float64Array or all Float32Array)", where);
  }
  checkMat(A, transA ? k : m, transA ? m : k, lda, "A", where);
  checkMat(B, transB ? n : k, transB ? k : n, ldb, "B", where);
  checkMat(C, m, n, ldc, "C", where);
  if (m === 0 || n === 0) return;
  if (!f32) {
    scaleBlock(m, n, beta, C, 0, ldc);
    gemmAcc(transA, transB, m, n, k, alpha, A, 0, lda, B, 0, ldb, C as Float64Array, 0, ldc);
    return;
  }
  // Float32: accumulate into a double buffer, round once on the way back.
  let t = tmpC;
  if (t.length < m * n) {
    t = new Float64Array(m * n);
    if (m * n <= TMP_KEEP) tmpC = t;
  }
  for (let i = 0; i < m; i++) {
    const r = i * ldc;
    const o = i * n;
    if (beta === 0) t.fill(0, o, o + n);
    else for (let j = 0; j < n; j++) t[o + j] = beta * C[r + j];
  }
  gemmAcc(transA, transB, m, n, k, alpha, A, 0, lda, B, 0, ldb, t, 0, n);
  for (let i = 0; i < m; i++) {
    const r = i * ldc;
    const o = i * n;
    for (let j = 0; j < n; j++) C[r + j] = t[o + j];
  }
}

function gemv<T extends FloatArray>(transA: boolean, m: number, n: number, alpha: number, A: T, lda: number, x: T, beta: number, y: T): void {
  const where = "gemv";
  checkDim(m, "m", where);
  checkDim(n, "n", where);
  if (!(A instanceof Float64Array || A instanceof Float32Array)) throw new InputError("A must be a Float64Array or Float32Array", where);
  if (x.constructor !== A.constructor || y.constructor !== A.constructor) {
    throw new InputError("A, x and y must share the dtype (all Float64Array or all Float32Array)", where);
  }
  checkMat(A, m, n, lda, "A", where);
  const lx = transA ? m : n;
  const ly = transA ? n : m;
  checkVec(x, lx, "x", where);
  checkVec(y, ly, "y", where);
  if (!transA) {
    for (let i = 0; i < m; i++) {
      const r = i * lda;
      let s = 0;
      if (alpha !== 0) for (let j = 0; j < n; j++) s += A[r + j] * x[j];
      y[i] = beta === 0 ? alpha * s : alpha * s + beta * y[i];
    }
    return;
  }
  if (beta === 0) y.fill(0, 0, n);
  else if (beta !== 1) for (let j = 0; j < n; j++) y[j] *= beta;
  if (alpha === 0) return;
  if (y instanceof Float64Array) {
    for (let i = 0; i < m; i++) {
      const r = i * lda;
      const s = alpha * x[i];
      if (s === 0) continue;
      for (let j = 0; j < n; j++) y[j] += s * A[r + j];
    }
  } else {
    // Accumulate in double, round once.
    let t = tmpC;
    if (t.length < n) {
      t = new Float64Array(n);
      if (n <= TMP_KEEP) tmpC = t;
    }
    for (let j = 0; j < n; j++) t[j] = y[j];
    for (let i = 0; i < m; i++) {
      const r = i * lda;
      const s = alpha * x[i];
      if (s === 0) continue;
      for (let j = 0; j < n; j++) t[j] += s * A[r + j];
    }
    for (let j = 0; j < n; j++) y[j] = t[j];
  }
}

const SYRK_NB = 64;
const syrkTile = new Float64Array(SYRK_NB * SYRK_NB);

/**
 * Lower triangle of C[cOff…] += α·op(A)·op(A)ᵀ, where op(A) (n×k) is A[aOff + i*lda + p]
 * (trans = false) or A[aOff + p*lda + i] (trans = true). Strict upper triangle untouched.
 */
function syrkAcc(
  trans: boolean,
  n: number,
  k: number,
  alpha: number,
  A: Float64Array,
  aOff: number,
  lda: number,
  C: Float64Array,
  cOff: number,
  ldc: number,
): void {
  if (n === 0 || k === 0 || alpha === 0) return;
  const t = syrkTile;
  for (let j0 = 0; j0 < n; j0 += SYRK_NB) {
    const jb = Math.min(SYRK_NB, n - j0);
    const j1 = j0 + jb;
    const aJ = aOff + (trans ? j0 : j0 * lda);
    // Diagonal block via a scratch tile, then only its lower triangle is added.
    t.fill(0, 0, jb * jb);
    gemmAcc(trans, !trans, jb, jb, k, alpha, A, aJ, lda, A, aJ, lda, t, 0, jb);
    for (let i = 0; i < jb; i++) {
      const r = cOff + (j0 + i) * ldc + j0;
      for (let j = 0; j <= i; j++) C[r + j] += t[i * jb + j];
    }
    // Block below the diagonal block: C[j1:n, j0:j1] += α·op(A)[j1:n]·op(A)[j0:j1]ᵀ.
    if (j1 < n) {
      const aBelow = aOff + (trans ? j1 : j1 * lda);
      gemmAcc(trans, !trans, n - j1, jb, k, alpha, A, aBelow, lda, A, aJ, lda, C, cOff + j1 * ldc + j0, ldc);
    }
  }
}

function syrk(trans: boolean, n: number, k: number, alpha: number, A: Float64Array, lda: number, beta: number, C: Float64Array, ldc: number): void {
  const where = "syrk";
  checkDim(n, "n", where);
  checkDim(k, "k", where);
  checkF64(A, "A", where);
  checkF64(C, "C", where);
  checkMat(A, trans ? k : n, trans ? n : k, lda, "A", where);
  checkMat(C, n, n, ldc, "C", where);
  if (beta !== 1) {
    for (let i = 0; i < n; i++) {
      const r = i * ldc;
      if (beta === 0) C.fill(0, r, r + i + 1);
      else for (let j = 0; j <= i; j++) C[r + j] *= beta;
    }
  }
  syrkAcc(trans, n, k, alpha, A, 0, lda, C, 0, ldc);
}

// ---------------------------------------------------------------------------------------------
// Cholesky
// ---------------------------------------------------------------------------------------------

const CHOL_NB = 96;

function potrf(n: number, A: Float64Array, lda: number): number {
  const where = "potrf";
  checkDim(n, "n", where);
  checkF64(A, "A", where);
  checkMat(A, n, n, lda, "A", where);
  for (let k0 = 0; k0 < n; k0 += CHOL_NB) {
    const kb = Math.min(CHOL_NB, n - k0);
    const k1 = k0 + kb;
    // Columns k0..k1 of L for rows k0..n (the trailing update of earlier blocks is already applied):
    // L[i,j] = (A[i,j] − Σ_{p=k0}^{j−1} L[i,p]·L[j,p]) / L[j,j], L[j,j] = √(A[j,j] − Σ L[j,p]²).
    for (let i = k0; i < n; i++) {
      const ri = i * lda;
      const jEnd = Math.min(i, k1 - 1);
      for (let j = k0; j <= jEnd; j++) {
        const rj = j * lda;
        let s = A[ri + j];
        for (let p = k0; p < j; p++) s -= A[ri + p] * A[rj + p];
        if (j === i) {
          if (!(s > 0)) {
            A[ri + j] = s;
            return i + 1;
          }
          A[ri + j] = Math.sqrt(s);
        } else {
          A[ri + j] = s / A[rj + j];
        }
      }
    }
    // Trailing update: A22 ← A22 − L21·L21ᵀ (lower triangle).
    if (k1 < n) syrkAcc(false, n - k1, kb, -1, A, k1 * lda + k0, lda, A, k1 * lda + k1, lda);
  }
  return 0;
}

const TRSM_NB = 64;

/** Solves L·Y = B in place (L lower, non-unit unless `unit`), rows i0..i1 of B, columns 0..nrhs. */
function lowerSolveRows(i0: number, i1: number, nrhs: number, L: Float64Array, ldl: number, B: Float64Array, ldb: number, unit: boolean): void {
  for (let i = i0; i < i1; i++) {
    const ri = i * ldb;
    const li = i * ldl;
    for (let j = i0; j < i; j++) {
      const l = L[li + j];
      if (l === 0) continue;
      const rj = j * ldb;
      for (let c = 0; c < nrhs; c++) B[ri + c] -= l * B[rj + c];
    }
    if (!unit) {
      const d = 1 / L[li + i];
      for (let c = 0; c < nrhs; c++) B[ri + c] *= d;
    }
  }
}

function potrs(n: number, nrhs: number, L: Float64Array, ldl: number, B: Float64Array, ldb: number): void {
  const where = "potrs";
  checkDim(n, "n", where);
  checkDim(nrhs, "nrhs", where);
  checkF64(L, "L", where);
  checkF64(B, "B", where);
  checkMat(L, n, n, ldl, "L", where);
  checkMat(B, n, nrhs, ldb, "B", where);
  if (n === 0 || nrhs === 0) return;
  // Forward: L·Y = B, by row blocks; the off-block part goes through GEMM.
  for (let i0 = 0; i0 < n; i0 += TRSM_NB) {
    const i1 = Math.min(n, i0 + TRSM_NB);
    if (i0 > 0) gemmAcc(false, false, i1 - i0, nrhs, i0, -1, L, i0 * ldl, ldl, B, 0, ldb, B, i0 * ldb, ldb);
    lowerSolveRows(i0, i1, nrhs, L, ldl, B, ldb, false);
  }
  // Backward: Lᵀ·X = Y, by row blocks from the bottom.
  const last = Math.floor((n - 1) / TRSM_NB) * TRSM_NB;
  for (let i0 = last; i0 >= 0; i0 -= TRSM_NB) {
    const i1 = Math.min(n, i0 + TRSM_NB);
    if (i1 < n) gemmAcc(true, false, i1 - i0, nrhs, n - i1, -1, L, i1 * ldl + i0, ldl, B, i1 * ldb, ldb, B, i0 * ldb, ldb);
    for (let j = i1 - 1; j >= i0; j--) {
      const rj = j * ldb;
      const lj = j * ldl;
      const d = 1 / L[lj + j];
      for (let c = 0; c < nrhs; c++) B[rj + c] *= d;
      for (let i = i0; i < j; i++) {
        const l = L[lj + i];
        if (l === 0) continue;
        const ri = i * ldb;
        for (let c = 0; c < nrhs; c++) B[ri + c] -= l * B[rj + c];
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// LU with partial pivoting
// ---------------------------------------------------------------------------------------------

const LU_NB = 64;

function swapRows(X: Float64Array, ld: number, a: number, b: number, len: number): void {
  const ra = a * ld;
  const rb = b * ld;
  for (let c = 0; c < len; c++) {
    const t = X[ra + c];
    X[ra + c] = X[rb + c];
    X[rb + c] = t;
  }
}

function gesv(n: number, nrhs: number, A: Float64Array, lda: number, B: Float64Array, ldb: number): number {
  const where = "gesv";
  checkDim(n, "n", where);
  checkDim(nrhs, "nrhs", where);
  checkF64(A, "A", where);
  checkF64(B, "B", where);
  checkMat(A, n, n, lda, "A", where);
  checkMat(B, n, nrhs, ldb, "B", where);
  // Right-looking blocked LU: P·A = L·U, row swaps applied to B as they happen.
  for (let k0 = 0; k0 < n; k0 += LU_NB) {
    const k1 = Math.min(n, k0 + LU_NB);
    // Panel factorisation of columns k0..k1 (rows k0..n).
    for (let j = k0; j < k1; j++) {
      let piv = j;
      let best = Math.abs(A[j * lda + j]);
      for (let i = j + 1; i < n; i++) {
        const v = Math.abs(A[i * lda + j]);
        if (v > best) {
          best = v;
          piv = i;
        }
      }
      if (best === 0 || Number.isNaN(best)) return j + 1;
      if (piv !== j) {
        swapRows(A, lda, j, piv, n);
        if (nrhs > 0) swapRows(B, ldb, j, piv, nrhs);
      }
      const rj = j * lda;
      const inv = 1 / A[rj + j];
      for (let i = j + 1; i < n; i++) {
        const ri = i * lda;
        const l = A[ri + j] * inv;
        A[ri + j] = l;
        if (l === 0) continue;
        for (let c = j + 1; c < k1; c++) A[ri + c] -= l * A[rj + c];
      }
    }
    if (k1 < n) {
      // U12 ← L11⁻¹·A12 (unit lower), then A22 ← A22 − L21·U12.
      for (let i = k0; i < k1; i++) {
        const ri = i * lda;
        for (let j = k0; j < i; j++) {
          const l = A[ri + j];
          if (l === 0) continue;
          const rj = j * lda;
          for (let c = k1; c < n; c++) A[ri + c] -= l * A[rj + c];
        }
      }
      gemmAcc(false, false, n - k1, n - k1, k1 - k0, -1, A, k1 * lda + k0, lda, A, k0 * lda + k1, lda, A, k1 * lda + k1, lda);
    }
  }
  if (nrhs === 0) return 0;
  // Forward (unit lower) then backward (upper) substitution, row blocks through GEMM.
  for (let i0 = 0; i0 < n; i0 += TRSM_NB) {
    const i1 = Math.min(n, i0 + TRSM_NB);
    if (i0 > 0) gemmAcc(false, false, i1 - i0, nrhs, i0, -1, A, i0 * lda, lda, B, 0, ldb, B, i0 * ldb, ldb);
    lowerSolveRows(i0, i1, nrhs, A, lda, B, ldb, true);
  }
  const last = Math.floor((n - 1) / TRSM_NB) * TRSM_NB;
  for (let i0 = last; i0 >= 0; i0 -= TRSM_NB) {
    const i1 = Math.min(n, i0 + TRSM_NB);
    if (i1 < n) gemmAcc(false, false, i1 - i0, nrhs, n - i1, -1, A, i0 * lda + i1, lda, B, i1 * ldb, ldb, B, i0 * ldb, ldb);
    for (let i = i1 - 1; i >= i0; i--) {
      const ri = i * ldb;
      const ai = i * lda;
      for (let j = i + 1; j < i1; j++) {
        const u = A[ai + j];
        if (u === 0) continue;
        const rj = j * ldb;
        for (let c = 0; c < nrhs; c++) B[ri + c] -= u * B[rj + c];
      }
      const d = 1 / A[ai + i];
      for (let c = 0; c < nrhs; c++) B[ri + c] *= d;
    }
  }
  return 0;
}

// ---------------------------------------------------------------------------------------------
// Symmetric eigendecomposition
// ---------------------------------------------------------------------------------------------

/**
 * Householder reduction of the symmetric n×n matrix whose lower triangle is in W (row-major, ld n)
 * to tridiagonal form T = Qᵀ·A·Q with Q = H_{n−1}⋯H_1, bottom-up: row k is reflected onto e_{k−1} by H_k = I − τ_k·v_k·v_kᵀ acting on the leading k×k
 * block B, which becomes H_k·B·H_k = B − v·qᵀ − q·vᵀ with p = τ·B·v, q = p − (τ/2)(vᵀp)·v.
 * Every access is along rows of the lower triangle, and the rank-2 update of step k is fused with
 * the matrix–vector product of step k−1 (one pass over B per step).
 *
 * On return d holds diag(T), e[i] = T[i, i+1] (e[n−1] = 0), v_k is stored in W[k, 0:k] with τ_k in
 * tau[k], and Zt holds Qᵀ = H_1⋯H_{n−1} (row j of Zt = column j of the orthogonal factor).
 */
function tridiagonalize(
  n: number,
  W: Float64Array,
  d: Float64Array,
  e: Float64Array,
  Zt: Float64Array,
  tau: Float64Array,
  P: Float64Array,
  Q: Float64Array,
): void {
  e.fill(0, 0, n);
  tau.fill(0, 0, n);
  let pending = false; // the rank-2 update of step k+1 (v in row k+1, q in Q) is not yet applied
  let qPrev = Q;
  let pCur = P;
  for (let k = n - 1; k >= 1; k--) {
    const rk = k * n;
    const rp = rk + n; // row k+1: the previous reflector
    if (pending) {
      // Bring row k up to date first: it defines this step's reflector.
      const vk = W[rp + k];
      const qk = qPrev[k];
      for (let j = 0; j <= k; j++) W[rk + j] -= vk * qPrev[j] + qk * W[rp + j];
    }
    d[k] = W[rk + k];
    // x = W[k, 0:k]; reflect it onto e_{k−1}.
    const x1 = W[rk + k - 1];
    let scale = 0;
    for (let j = 0; j < k; j++) {
      const a = Math.abs(W[rk + j]);
      if (a > scale) scale = a;
    }
    let sigma = 0; // ‖x[0:k−1]‖² / scale²
    if (scale > 0) {
      const is = 1 / scale;
      for (let j = 0; j < k - 1; j++) {
        const t = W[rk + j] * is;
        sigma += t * t;
      }
    }
    let t = 0;
    if (k === 1 || sigma === 0) {
      e[k - 1] = x1;
    } else {
      const xs = x1 / scale;
      const norm = scale * Math.sqrt(sigma + xs * xs);
      const alpha = x1 >= 0 ? -norm : norm;
      // v = x − α·e_{k−1} (in place of row k); τ = 2 / vᵀv.
      const vk1 = x1 - alpha;
      W[rk + k - 1] = vk1;
      t = 2 / (sigma * scale * scale + vk1 * vk1);
      e[k - 1] = alpha;
    }
    tau[k] = t;
    if (t !== 0) pCur.fill(0, 0, k);
    if (pending) {
      // Rows 0..k−1: apply the previous update, and (if this step reflects) accumulate p = B·v.
      for (let i = 0; i < k; i++) {
        const ri = i * n;
        const wi = W[rp + i];
        const qi = qPrev[i];
        if (t !== 0) {
          const vi = W[rk + i];
          let s = 0;
          for (let j = 0; j < i; j++) {
            const b = W[ri + j] - (wi * qPrev[j] + qi * W[rp + j]);
            W[ri + j] = b;
            s += b * W[rk + j];
            pCur[j] += b * vi;
          }
          const b = W[ri + i] - 2 * wi * qi;
          W[ri + i] = b;
          pCur[i] += s + b * vi;
        } else {
          for (let j = 0; j <= i; j++) W[ri + j] -= wi * qPrev[j] + qi * W[rp + j];
        }
      }
      pending = false;
    } else if (t !== 0) {
      for (let i = 0; i < k; i++) {
        const ri = i * n;
        const vi = W[rk + i];
        let s = 0;
        for (let j = 0; j < i; j++) {
          const b = W[ri + j];
          s += b * W[rk + j];
          pCur[j] += b * vi;
        }
        pCur[i] += s + W[ri + i] * vi;
      }
    }
    if (t !== 0) {
      let vtp = 0;
      for (let i = 0; i < k; i++) {
        pCur[i] *= t;
        vtp += W[rk + i] * pCur[i];
      }
      const K = 0.5 * t * vtp;
      for (let i = 0; i < k; i++) pCur[i] -= K * W[rk + i];
      pending = true;
      const sw = qPrev;
      qPrev = pCur;
      pCur = sw;
    }
  }
  // Step k = 1 never reflects and always consumes the last pending update.
  d[0] = W[0];
  e[n - 1] = 0;
  accumulateQt(n, W, tau, Zt);
}

const WY_NB = 32;

/**
 * Zt ← Qᵀ = H_1·H_2·…·H_{n−1} with the reflectors H_k = I − τ_k·v_k·v_kᵀ stored as rows of W
 * (v_k = W[k, 0:k]). Blocks of WY_NB reflectors are applied at once in compact WY form
 * H_k⋯H_{k+b−1} = I − V·T·Vᵀ (T upper triangular), so the O(n³) work runs in the GEMM kernel:
 * Qᵀ[0:K, 0:K] ← Qᵀ[0:K, 0:K] − (Qᵀ·V)·T·Vᵀ with K = k+b−1 (rows and columns ≥ K are still identity).
 */
function accumulateQt(n: number, W: Float64Array, tau: Float64Array, Zt: Float64Array): void {
  Zt.fill(0, 0, n * n);
  for (let i = 0; i < n; i++) Zt[i * n + i] = 1;
  const Vt = new Float64Array(WY_NB * n);
  const T = new Float64Array(WY_NB * WY_NB);
  const M = new Float64Array(n * WY_NB);
  const M2 = new Float64Array(n * WY_NB);
  for (let k = 2; k < n; k += WY_NB) {
    const nb = Math.min(WY_NB, n - k);
    const K = k + nb - 1;
    // Vt (nb×K): row jj = v_{k+jj}ᵀ, zero beyond its support 0..k+jj−1.
    for (let jj = 0; jj < nb; jj++) {
      const j = k + jj;
      const src = j * n;
      const dst = jj * K;
      for (let c = 0; c < j; c++) Vt[dst + c] = W[src + c];
      Vt.fill(0, dst + j, dst + K);
    }
    // T: T[jj,jj] = τ_j, T[0:jj, jj] = −τ_j·T[0:jj, 0:jj]·(V[:, 0:jj]ᵀ·v_j).
    T.fill(0, 0, nb * nb);
    for (let jj = 0; jj < nb; jj++) {
      const tj = tau[k + jj];
      T[jj * nb + jj] = tj;
      if (jj === 0 || tj === 0) continue;
      const vj = jj * K;
      const len = k + jj; // support of v_j
      for (let a = 0; a < jj; a++) {
        const va = a * K;
        let s = 0;
        for (let c = 0; c < len; c++) s += Vt[va + c] * Vt[vj + c];
        M[a] = s;
      }
      for (let a = 0; a < jj; a++) {
        let s = 0;
        for (let b = a; b < jj; b++) s += T[a * nb + b] * M[b];
        T[a * nb + jj] = -tj * s;
      }
    }
    // M = Qᵀ[0:K, 0:K]·V  (K×nb), M2 = M·T, Qᵀ[0:K, 0:K] −= M2·Vᵀ.
    M.fill(0, 0, K * nb);
    gemmAcc(false, true, K, nb, K, 1, Zt, 0, n, Vt, 0, K, M, 0, nb);
    M2.fill(0, 0, K * nb);
    gemmAcc(false, false, K, nb, nb, 1, M, 0, nb, T, 0, nb, M2, 0, nb);
    gemmAcc(false, false, K, K, nb, -1, M2, 0, nb, Vt, 0, K, Zt, 0, n);
  }
}

/**
 * Applies the plane rotations of one QL sweep to rows lo..hi+1 of Zt: for i = hi down to lo,
 * rows (i, i+1) ← (c_i·z_i − s_i·z_{i+1}, s_i·z_i + c_i·z_{i+1}). Row i+1 is final after rotation i,
 * so each column carries the running row value in a register (eight columns at a time).
 */
function applySweep(n: number, Zt: Float64Array, lo: number, hi: number, cs: Float64Array, sn: Float64Array): void {
  let q = 0;
  for (; q + 8 <= n; q += 8) {
    let o = (hi + 1) * n + q;
    let k0 = Zt[o];
    let k1 = Zt[o + 1];
    let k2 = Zt[o + 2];
    let k3 = Zt[o + 3];
    let k4 = Zt[o + 4];
    let k5 = Zt[o + 5];
    let k6 = Zt[o + 6];
    let k7 = Zt[o + 7];
    for (let i = hi; i >= lo; i--) {
      const s = sn[i];
      const c = cs[i];
      const a = o - n;
      let z = Zt[a];
      Zt[o] = s * z + c * k0;
      k0 = c * z - s * k0;
      z = Zt[a + 1];
      Zt[o + 1] = s * z + c * k1;
      k1 = c * z - s * k1;
      z = Zt[a + 2];
      Zt[o + 2] = s * z + c * k2;
      k2 = c * z - s * k2;
      z = Zt[a + 3];
      Zt[o + 3] = s * z + c * k3;
      k3 = c * z - s * k3;
      z = Zt[a + 4];
      Zt[o + 4] = s * z + c * k4;
      k4 = c * z - s * k4;
      z = Zt[a + 5];
      Zt[o + 5] = s * z + c * k5;
      k5 = c * z - s * k5;
      z = Zt[a + 6];
      Zt[o + 6] = s * z + c * k6;
      k6 = c * z - s * k6;
      z = Zt[a + 7];
      Zt[o + 7] = s * z + c * k7;
      k7 = c * z - s * k7;
      o = a;
    }
    Zt[o] = k0;
    Zt[o + 1] = k1;
    Zt[o + 2] = k2;
    Zt[o + 3] = k3;
    Zt[o + 4] = k4;
    Zt[o + 5] = k5;
    Zt[o + 6] = k6;
    Zt[o + 7] = k7;
  }
  for (; q < n; q++) {
    let o = (hi + 1) * n + q;
    let k = Zt[o];
    for (let i = hi; i >= lo; i--) {
      const s = sn[i];
      const c = cs[i];
      const z = Zt[o - n];
      Zt[o] = s * z + c * k;
      k = c * z - s * k;
      o -= n;
    }
    Zt[o] = k;
  }
}

/**
 * Implicit QL with Wilkinson shifts on the symmetric tridiagonal (d, e), rotating rows of Zt
 * (Zt ← Gᵀ·Zt for each plane rotation G). Returns 0, or l+1 if eigenvalue l failed to converge
 * within the 30·n total iteration budget.
 */
function tridiagQL(n: number, d: Float64Array, e: Float64Array, Zt: Float64Array): number {
  const eps = Number.EPSILON;
  const cs = new Float64Array(n);
  const sn = new Float64Array(n);
  let budget = 30 * Math.max(1, n);
  for (let l = 0; l < n; l++) {
    for (;;) {
      // Find the first negligible off-diagonal at or after l.
      let m = l;
      for (; m < n - 1; m++) {
        const dd = Math.abs(d[m]) + Math.abs(d[m + 1]);
        if (Math.abs(e[m]) <= eps * dd) break;
      }
      if (m === l) break;
      if (budget-- <= 0) return l + 1;
      // Wilkinson-type shift from the leading 2×2 block.
      let g = (d[l + 1] - d[l]) / (2 * e[l]);
      let r = Math.hypot(g, 1);
      g = d[m] - d[l] + e[l] / (g + (g >= 0 ? r : -r));
      let s = 1;
      let c = 1;
      let pShift = 0;
      let i = m - 1;
      let early = false;
      for (; i >= l; i--) {
        const f = s * e[i];
        const b = c * e[i];
        r = Math.hypot(f, g);
        e[i + 1] = r;
        if (r === 0) {
          // Underflow: the matrix split; deflate and restart.
          d[i + 1] -= pShift;
          e[m] = 0;
          early = true;
          break;
        }
        s = f / r;
        c = g / r;
        g = d[i + 1] - pShift;
        r = (d[i] - g) * s + 2 * c * b;
        pShift = s * r;
        d[i + 1] = g + pShift;
        g = c * r - b;
        cs[i] = c;
        sn[i] = s;
      }
      // Rotations m−1 … i+1 were generated; apply them to the vectors in one pass.
      if (i + 1 <= m - 1) applySweep(n, Zt, i + 1, m - 1, cs, sn);
      if (early) continue;
      d[l] -= pShift;
      e[l] = g;
      e[m] = 0;
    }
  }
  return 0;
}

/**
 * Full decomposition of the symmetric matrix in the lower triangle of A (lda), then eigenpairs
 * il..iu (ascending) written to w[0..] and the columns of Z (ldz). Z may be A itself.
 * Returns 0, l+1 when QL fails to converge, or n+1 when A holds a non-finite entry.
 */
function syevdCore(n: number, A: Float64Array, lda: number, w: Float64Array, Z: Float64Array, ldz: number, il: number, iu: number): number {
  if (n === 0) return 0;
  // Working copies (allocated per call: O(n²) next to O(n³) work, and nothing large stays alive).
  const W = new Float64Array(n * n);
  const Zt = new Float64Array(n * n);
  let anorm = 0;
  for (let i = 0; i < n; i++) {
    const ri = i * lda;
    const wi = i * n;
    for (let j = 0; j <= i; j++) {
      const v = A[ri + j];
      W[wi + j] = v;
      const a = Math.abs(v);
      if (a > anorm) anorm = a;
      else if (!(a <= anorm)) return n + 1; // NaN
    }
  }
  if (anorm === Number.POSITIVE_INFINITY) return n + 1;
  // Scale into a safe range so squares of entries neither overflow nor underflow.
  // (A power of two, so the scaling itself is exact.)
  let scale = 1;
  if (anorm > 0 && (anorm < 1e-140 || anorm > 1e140)) {
    scale = 2 ** Math.max(-1000, Math.min(1000, -Math.round(Math.log2(anorm))));
    for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) W[i * n + j] *= scale;
  }
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  const tau = new Float64Array(n);
  const p = new Float64Array(n);
  const q = new Float64Array(n);
  tridiagonalize(n, W, d, e, Zt, tau, p, q);
  const info = tridiagQL(n, d, e, Zt);
  if (info !== 0) return info;
  // Sort ascending (stable) and write eigenvectors as columns: Z[r, c] = (Zt row perm[il + c])[r].
  const perm = Array.from({ length: n }, (_, i) => i).sort((a, b) => d[a] - d[b] || a - b);
  for (let c = il; c <= iu; c++) {
    const src = perm[c] * n;
    const col = c - il;
    w[col] = d[perm[c]] / scale;
    for (let r = 0; r < n; r++) Z[r * ldz + col] = Zt[src + r];
  }
  return 0;
}

function syevd(n: number, A: Float64Array, lda: number, w: Float64Array): number {
  const where = "syevd";
  checkDim(n, "n", where);
  checkF64(A, "A", where);
  checkF64(w, "w", where);
  checkMat(A, n, n, lda, "A", where);
  checkVec(w, n, "w", where);
  return syevdCore(n, A, lda, w, A, lda, 0, n - 1);
}

function syevr(n: number, A: Float64Array, lda: number, il: number, iu: number, w: Float64Array, Z: Float64Array, ldz: number): number {
  const where = "syevr";
  checkDim(n, "n", where);
  checkF64(A, "A", where);
  checkF64(w, "w", where);
  checkF64(Z, "Z", where);
  checkMat(A, n, n, lda, "A", where);
  if (!Number.isInteger(il) || !Number.isInteger(iu) || il < 0 || iu < il || iu >= n) {
    throw new InputError(`index range il..iu must satisfy 0 ≤ il ≤ iu < n = ${n}, got ${il}..${iu}`, where);
  }
  const m = iu - il + 1;
  checkVec(w, m, "w", where);
  checkMat(Z, n, m, ldz, "Z", where);
  return syevdCore(n, A, lda, w, Z, ldz, il, iu);
}

/** The pure-TypeScript backend (single thread, always available). */
export const jsBackend: LinalgBackend = {
  name: "js",
  gemm,
  gemv,
  syrk,
  potrf,
  potrs,
  syevd,
  syevr,
  gesv,
  getThreads: () => 1,
  setThreads: (_n: number) => {},
  describe: () => "pure TypeScript (single thread)",
};
