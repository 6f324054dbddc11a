/**
 * Timing functions for the dense linear-algebra kernels (used by `featurelab bench` and by
 * `bench/linalg.ts`, which runs the same protocol side by side with NumPy).
 *
 * Protocol (identical in `bench/numpy_linalg.py`):
 * 1. build seeded random inputs outside the timed region;
 * 2. one untimed-for-the-result warm-up call (it also estimates the cost t₀ of one call);
 * 3. reps = clamp(round(targetSeconds / t₀), minReps, maxReps) timed calls, each timed alone;
 * 4. report the **median** of those calls.
 *
 * What one timed call does:
 * - gemm: C ← A·B for n×n A, B (β = 0, C preallocated); GFLOP count 2n³.
 * - cholesky: copy K into a work buffer, then potrf (lower) — the copy is part of the call because
 *   any real use (and `np.linalg.cholesky`) must copy; GFLOP count n³/3.
 * - eigh: copy K, then syevd (all eigenvalues and eigenvectors); `gflops` is **null** (the flop count of
 *   divide and conquer depends on deflation), compare seconds.
 *
 * Inputs: A, B with i.i.d. N(0, 1) entries; the SPD matrix is K = X·Xᵀ/n + I with X an n×n N(0, 1)
 * matrix, all from {@link key}(seed) streams.
 */
import { InputError } from "./errors.js";
import { backend as activeBackend } from "./linalg/backend.js";
import type { LinalgBackend } from "./linalg/types.js";
import { key, normal, split } from "./random.js";

export type BenchDtype = "f64" | "f32";

export interface BenchOptions {
  /** Matrix size (n×n). */
  n: number;
  /** Backend to time; the active one by default. */
  backend?: LinalgBackend;
  /** Seed of the random inputs (default 20240601). */
  seed?: number;
  /** Aim for this much timed work per point, in seconds (default 1.5). */
  targetSeconds?: number;
  /** At least this many timed calls (default 3). */
  minReps?: number;
  /** At most this many timed calls (default 1000). */
  maxReps?: number;
}

export interface BenchResult {
  op: "gemm" | "cholesky" | "eigh";
  n: number;
  dtype: BenchDtype;
  /** Median seconds of one call. */
  seconds: number;
  /** Nominal GFLOP/s at the median time (gemm 2n³, cholesky n³/3); null for eigh. */
  gflops: number | null;
  /** Backend name ("native" | "js"). */
  backend: string;
  /** The backend's describe(), e.g. "OpenBLAS 0.3.21 (Zen, pthread, 2 threads)". */
  description: string;
  /** BLAS threads in use. */
  threads: number;
  /** Number of timed calls the median is taken over. */
  reps: number;
  /** Fastest and slowest timed call (seconds), to show the spread. */
  min: number;
  max: number;
  /** Every timed call (seconds), in order. */
  samples: number[];
}

const DEFAULT_SEED = 20240601;

/** Median of a non-empty list. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : 0.5 * (s[h - 1] + s[h]);
}

function now(): number {
  return Number(process.hrtime.bigint()) * 1e-9;
}

/**
 * Times `call` with the protocol above: one warm-up call, then reps = clamp(round(target/t₀),
 * minReps, maxReps) timed calls; returns the median, min, max and rep count.
 */
export function timeMedian(
  call: () => void,
  opts: { targetSeconds?: number; minReps?: number; maxReps?: number } = {},
): { seconds: number; reps: number; min: number; max: number; samples: number[] } {
  const target = opts.targetSeconds ?? 1.5;
  const minReps = Math.max(1, opts.minReps ?? 3);
  const maxReps = Math.max(minReps, opts.maxReps ?? 1000);
  let t = now();
  call();
  const t0 = Math.max(now() - t, 1e-9);
  const reps = Math.min(maxReps, Math.max(minReps, Math.round(target / t0)));
  const times: number[] = [];
  for (let r = 0; r < reps; r++) {
    t = now();
    call();
    times.push(now() - t);
  }
  return { seconds: median(times), reps, min: Math.min(...times), max: Math.max(...times), samples: times };
}

function checkN(n: number, where: string): void {
  if (!Number.isInteger(n) || n < 1) throw new InputError(`n must be a positive integer, got ${n}`, where);
}

/** Seeded SPD test matrix K = X·Xᵀ/n + I (n×n, row-major; both triangles filled). */
export function benchSpdMatrix(n: number, seed = DEFAULT_SEED, b: LinalgBackend = activeBackend()): Float64Array {
  checkN(n, "benchSpdMatrix");
  const X = normal(split(key(seed), 3)[2], n * n);
  const K = new Float64Array(n * n);
  b.gemm(false, true, n, n, n, 1 / n, X, n, X, n, 0, K, n);
  // Symmetrise exactly (the product's two triangles may differ in the last bit) and add I.
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const v = 0.5 * (K[i * n + j] + K[j * n + i]);
      K[i * n + j] = v;
      K[j * n + i] = v;
    }
    K[i * n + i] += 1;
  }
  return K;
}

function describeOf(b: LinalgBackend): { backend: string; description: string; threads: number } {
  return { backend: b.name, description: b.describe(), threads: b.getThreads() };
}

/** Times C ← A·B for random n×n matrices in f64 or f32; GFLOP/s = 2n³ / seconds / 1e9. */
export function benchGemm(opts: BenchOptions & { dtype?: BenchDtype }): BenchResult {
  const { n } = opts;
  checkN(n, "benchGemm");
  const dtype = opts.dtype ?? "f64";
  if (dtype !== "f64" && dtype !== "f32") throw new InputError(`dtype must be f64 or f32, got ${dtype}`, "benchGemm");
  const b = opts.backend ?? activeBackend();
  const [ka, kb] = split(key(opts.seed ?? DEFAULT_SEED), 2);
  const A64 = normal(ka, n * n);
  const B64 = normal(kb, n * n);
  let run: () => void;
  if (dtype === "f64") {
    const C = new Float64Array(n * n);
    run = () => b.gemm(false, false, n, n, n, 1, A64, n, B64, n, 0, C, n);
  } else {
    const A = Float32Array.from(A64);
    const B = Float32Array.from(B64);
    const C = new Float32Array(n * n);
    run = () => b.gemm(false, false, n, n, n, 1, A, n, B, n, 0, C, n);
  }
  const t = timeMedian(run, opts);
  return { op: "gemm", n, dtype, ...t, gflops: (2 * n ** 3) / t.seconds / 1e9, ...describeOf(b) };
}

/** Times copy + Cholesky (potrf) of a random SPD n×n matrix; GFLOP/s = (n³/3) / seconds / 1e9. */
export function benchCholesky(opts: BenchOptions): BenchResult {
  const { n } = opts;
  checkN(n, "benchCholesky");
  const b = opts.backend ?? activeBackend();
  const K = benchSpdMatrix(n, opts.seed ?? DEFAULT_SEED, b);
  const W = new Float64Array(n * n);
  const run = () => {
    W.set(K);
    const info = b.potrf(n, W, n);
    if (info !== 0) throw new Error(`benchCholesky: potrf failed (info ${info})`);
  };
  const t = timeMedian(run, opts);
  return { op: "cholesky", n, dtype: "f64", ...t, gflops: n ** 3 / 3 / t.seconds / 1e9, ...describeOf(b) };
}

/** Times copy + full symmetric eigendecomposition (syevd, values and vectors); gflops is null. */
export function benchEigh(opts: BenchOptions): BenchResult {
  const { n } = opts;
  checkN(n, "benchEigh");
  const b = opts.backend ?? activeBackend();
  const K = benchSpdMatrix(n, opts.seed ?? DEFAULT_SEED, b);
  const V = new Float64Array(n * n);
  const w = new Float64Array(n);
  const run = () => {
    V.set(K);
    const info = b.syevd(n, V, n, w);
    if (info !== 0) throw new Error(`benchEigh: syevd failed (info ${info})`);
  };
  const t = timeMedian(run, opts);
  return { op: "eigh", n, dtype: "f64", ...t, gflops: null, ...describeOf(b) };
}
