/**
 * The native linear-algebra backend: a thin, argument-checking wrapper over the `featurelab_native`
 * Node-API addon (`native/*.cc`, built by `binding.gyp` against Debian's OpenBLAS).
 *
 * The addon works on the caller's typed arrays in place (pointer = buffer + byteOffset, no copies).
 * It checks sizes itself too (throwing RangeError/TypeError), but this wrapper checks first so that
 * bad arguments surface as one-line {@link InputError}s naming the routine and the argument.
 *
 * Zero dimensions are allowed and make a routine a no-op, as in BLAS/LAPACK.
 */
import { InputError } from "../errors.js";
import type { FloatArray, LinalgBackend } from "./types.js";

/** What `openblas_get_config()` and friends report. */
export interface NativeConfig {
  /** e.g. "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY Cooperlake MAX_THREADS=64". */
  config: string;
  /** The kernel set chosen at load time (DYNAMIC_ARCH builds), e.g. "Zen", "Haswell", "Cooperlake". */
  corename: string;
  /** Current BLAS thread count. */
  threads: number;
  /** Processors OpenBLAS sees. */
  procs: number;
  /** Threading model: 0 sequential, 1 pthreads, 2 OpenMP. */
  parallel: number;
}

/**
 * The linear-algebra part of the addon's exports. Argument order follows the {@link LinalgBackend}
 * methods (row-major, explicit leading dimensions); LAPACK routines return `info`.
 */
export interface NativeLinalgAddon {
  dgemm(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    A: Float64Array,
    lda: number,
    B: Float64Array,
    ldb: number,
    beta: number,
    C: Float64Array,
    ldc: number,
  ): void;
  sgemm(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    A: Float32Array,
    lda: number,
    B: Float32Array,
    ldb: number,
    beta: number,
    C: Float32Array,
    ldc: number,
  ): void;
  dgemv(transA: boolean, m: number, n: number, alpha: number, A: Float64Array, lda: number, x: Float64Array, beta: number, y: Float64Array): void;
  sgemv(transA: boolean, m: number, n: number, alpha: number, A: Float32Array, lda: number, x: Float32Array, beta: number, y: Float32Array): void;
  dsyrk(trans: boolean, n: number, k: number, alpha: number, A: Float64Array, lda: number, beta: number, C: Float64Array, ldc: number): void;
  dpotrf(n: number, A: Float64Array, lda: number): number;
  dpotrs(n: number, nrhs: number, L: Float64Array, ldl: number, B: Float64Array, ldb: number): number;
  dsyevd(n: number, A: Float64Array, lda: number, w: Float64Array): number;
  dsyevr(n: number, A: Float64Array, lda: number, il: number, iu: number, w: Float64Array, Z: Float64Array, ldz: number): number;
  dgesv(n: number, nrhs: number, A: Float64Array, lda: number, B: Float64Array, ldb: number): number;
  setThreads(n: number): void;
  getThreads(): number;
  config(): NativeConfig;
}

/**
 * Everything the addon exports. Other layers add their own kernels (fused NN steps, …) to the same
 * addon: they either extend this interface with typed members or feature-test an export through the
 * index signature (`typeof addon.someKernel === "function"`).
 */
export interface NativeAddon extends NativeLinalgAddon {
  readonly [kernel: string]: unknown;
}

function fail(routine: string, message: string): never {
  throw new InputError(message, `native ${routine}`);
}

function dim(routine: string, name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > 0x7fffffff) fail(routine, `${name} must be a non-negative 32-bit integer, got ${v}`);
}

function scalar(routine: string, name: string, v: number): void {
  if (typeof v !== "number") fail(routine, `${name} must be a number, got ${typeof v}`);
}

/** Checks a row-major rows×cols matrix with row stride ld: ld ≥ max(1, cols), length ≥ (rows−1)·ld + cols. */
function mat(routine: string, name: string, a: FloatArray, rows: number, cols: number, ld: number): void {
  dim(routine, `ld${name.toLowerCase()}`, ld);
  if (ld < Math.max(1, cols)) fail(routine, `leading dimension of ${name} is ${ld}, must be ≥ ${Math.max(1, cols)} (its column count)`);
  const need = rows === 0 || cols === 0 ? 0 : (rows - 1) * ld + cols;
  if (a.length < need) fail(routine, `${name} has ${a.length} entries, needs ${need} for ${rows}×${cols} with ld ${ld}`);
}

function vec(routine: string, name: string, a: FloatArray, n: number): void {
  if (a.length < n) fail(routine, `${name} has ${a.length} entries, needs ${n}`);
}

function f64(routine: string, name: string, a: unknown): asserts a is Float64Array {
  if (!(a instanceof Float64Array)) fail(routine, `${name} must be a Float64Array`);
}

/** "f64" | "f32" for the three operands of gemm/gemv, which must share the dtype. */
function dtypeOf(routine: string, arrays: [string, unknown][]): "f64" | "f32" {
  const first = arrays[0][1];
  const t = first instanceof Float64Array ? "f64" : first instanceof Float32Array ? "f32" : null;
  if (t === null) fail(routine, `${arrays[0][0]} must be a Float64Array or Float32Array`);
  for (const [name, a] of arrays) {
    const ok = t === "f64" ? a instanceof Float64Array : a instanceof Float32Array;
    if (!ok) fail(routine, `${name} must be a ${t === "f64" ? "Float64Array" : "Float32Array"} like ${arrays[0][0]}`);
  }
  return t;
}

/** The version token of an OpenBLAS config string ("0.3.21"), or null. */
export function openblasVersion(config: string): string | null {
  const m = /OpenBLAS\s+(\S+)/.exec(config);
  return m ? m[1] : null;
}

const PARALLEL = ["sequential", "pthread", "OpenMP"];

/**
 * Wraps a loaded addon as a {@link LinalgBackend} named "native". All routines run synchronously on
 * the calling thread (OpenBLAS spreads the BLAS-3 work over its own thread pool).
 */
export function createNativeBackend(addon: NativeAddon): LinalgBackend {
  const cfg = addon.config();
  if (!cfg.config.includes("OpenBLAS")) {
    // The build links -lopenblas explicitly; anything else means a broken or foreign addon.
    throw new Error(`featurelab_native is not linked against OpenBLAS (config: "${cfg.config}")`);
  }
  const version = openblasVersion(cfg.config) ?? "?";
  const model = PARALLEL[cfg.parallel] ?? `parallel=${cfg.parallel}`;

  const backend: LinalgBackend = {
    name: "native",

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
    ): void {
      const r = "gemm";
      dim(r, "m", m);
      dim(r, "n", n);
      dim(r, "k", k);
      scalar(r, "alpha", alpha);
      scalar(r, "beta", beta);
      const t = dtypeOf(r, [
        ["A", A],
        ["B", B],
        ["C", C],
      ]);
      mat(r, "A", A, transA ? k : m, transA ? m : k, lda);
      mat(r, "B", B, transB ? n : k, transB ? k : n, ldb);
      mat(r, "C", C, m, n, ldc);
      if (t === "f64") addon.dgemm(!!transA, !!transB, m, n, k, alpha, A as Float64Array, lda, B as Float64Array, ldb, beta, C as Float64Array, ldc);
      else addon.sgemm(!!transA, !!transB, m, n, k, alpha, A as Float32Array, lda, B as Float32Array, ldb, beta, C as Float32Array, ldc);
    },

    gemv<T extends FloatArray>(transA: boolean, m: number, n: number, alpha: number, A: T, lda: number, x: T, beta: number, y: T): void {
      const r = "gemv";
      dim(r, "m", m);
      dim(r, "n", n);
      scalar(r, "alpha", alpha);
      scalar(r, "beta", beta);
      const t = dtypeOf(r, [
        ["A", A],
        ["x", x],
        ["y", y],
      ]);
      mat(r, "A", A, m, n, lda);
      vec(r, "x", x, transA ? m : n);
      vec(r, "y", y, transA ? n : m);
      if (t === "f64") addon.dgemv(!!transA, m, n, alpha, A as Float64Array, lda, x as Float64Array, beta, y as Float64Array);
      else addon.sgemv(!!transA, m, n, alpha, A as Float32Array, lda, x as Float32Array, beta, y as Float32Array);
    },

    syrk(trans: boolean, n: number, k: number, alpha: number, A: Float64Array, lda: number, beta: number, C: Float64Array, ldc: number): void {
      const r = "syrk";
      dim(r, "n", n);
      dim(r, "k", k);
      scalar(r, "alpha", alpha);
      scalar(r, "beta", beta);
      f64(r, "A", A);
      f64(r, "C", C);
      mat(r, "A", A, trans ? k : n, trans ? n : k, lda);
      mat(r, "C", C, n, n, ldc);
      addon.dsyrk(!!trans, n, k, alpha, A, lda, beta, C, ldc);
    },

    potrf(n: number, A: Float64Array, lda: number): number {
      const r = "potrf";
      dim(r, "n", n);
      f64(r, "A", A);
      mat(r, "A", A, n, n, lda);
      return addon.dpotrf(n, A, lda);
    },

    potrs(n: number, nrhs: number, L: Float64Array, ldl: number, B: Float64Array, ldb: number): void {
      const r = "potrs";
      dim(r, "n", n);
      dim(r, "nrhs", nrhs);
      f64(r, "L", L);
      f64(r, "B", B);
      mat(r, "L", L, n, n, ldl);
      mat(r, "B", B, n, nrhs, ldb);
      addon.dpotrs(n, nrhs, L, ldl, B, ldb);
    },

    syevd(n: number, A: Float64Array, lda: number, w: Float64Array): number {
      const r = "syevd";
      dim(r, "n", n);
      f64(r, "A", A);
      f64(r, "w", w);
      mat(r, "A", A, n, n, lda);
      vec(r, "w", w, n);
      return addon.dsyevd(n, A, lda, w);
    },

    syevr(n: number, A: Float64Array, lda: number, il: number, iu: number, w: Float64Array, Z: Float64Array, ldz: number): number {
      const r = "syevr";
      dim(r, "n", n);
      dim(r, "il", il);
      dim(r, "iu", iu);
      if (!(il <= iu && iu < n)) fail(r, `eigenvalue index range ${il}..${iu} is not inside 0..${n - 1}`);
      f64(r, "A", A);
      f64(r, "w", w);
      f64(r, "Z", Z);
      const m = iu - il + 1;
      mat(r, "A", A, n, n, lda);
      vec(r, "w", w, m);
      mat(r, "Z", Z, n, m, ldz);
      return addon.dsyevr(n, A, lda, il, iu, w, Z, ldz);
    },

    gesv(n: number, nrhs: number, A: Float64Array, lda: number, B: Float64Array, ldb: number): number {
      const r = "gesv";
      dim(r, "n", n);
      dim(r, "nrhs", nrhs);
      f64(r, "A", A);
      f64(r, "B", B);
      mat(r, "A", A, n, n, lda);
      mat(r, "B", B, n, nrhs, ldb);
      return addon.dgesv(n, nrhs, A, lda, B, ldb);
    },

    getThreads(): number {
      return addon.getThreads();
    },

    setThreads(n: number): void {
      if (!Number.isInteger(n) || n < 1) fail("setThreads", `thread count must be a positive integer, got ${n}`);
      addon.setThreads(n);
    },

    describe(): string {
      const threads = addon.getThreads();
      return `OpenBLAS ${version} (${cfg.corename}, ${model}, ${threads} thread${threads === 1 ? "" : "s"})`;
    },
  };
  return backend;
}
