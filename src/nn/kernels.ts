/**
 * The compute kernels of the finite-network engine, behind one interface with two implementations:
 *
 * - `native`: OpenBLAS GEMMs plus the fused C passes of `native/nn.cc` (multi-threaded, f32 or f64);
 * - `js`: the same operations in TypeScript over the pure-TS GEMM (the fallback when the addon is
 *   missing; also a reference for tests).
 *
 * Both read Gaussian noise from the Threefry-2x32 stream of `src/engine/random.ts` at the same
 * positions, so a seed gives the same noise on either backend (see `native.ts` for the precision
 * statement). Every reduction (loss, |θ|², dot products) accumulates in double.
 *
 * @module
 */
import { InputError } from "../engine/errors.js";
import { jsBackend } from "../engine/linalg/js.js";
import type { NativeLinalgAddon } from "../engine/linalg/native.js";
import type { FloatArray, LinalgBackend } from "../engine/linalg/types.js";
import { type Key, threefry2x32 } from "../engine/random.js";
import type { Activation } from "../kernels/activations.js";
import { ACT_CODES, loadNNAddon, type NNAddon } from "./native.js";

/** An activation prepared for the kernels: the registry entry plus its native code and parameter. */
export interface ActKernel {
  act: Activation;
  /** `native/nn.cc` ActCode. */
  code: number;
  /** The family parameter (erf scale s, leaky-ReLU slope α; 0 otherwise). */
  p: number;
}

/** Prepares an activation of the registry for the kernels (every registered family has a native code). */
export function actKernel(act: Activation): ActKernel {
  const code = ACT_CODES[act.name];
  if (code === undefined) throw new InputError(`activation "${act.spec}" has no finite-network kernel`, "nn");
  const p = act.name === "erf" ? (act.params.scale ?? 1) : act.name === "leaky-relu" ? (act.params.slope ?? 0.01) : 0;
  return { act, code, p };
}

/** The operations an MLP forward/backward pass and the samplers need (see `native.ts` for semantics). */
export interface NNKernels {
  readonly name: "native" | "js";
  /** C ← α·op(A)·op(B) + β·C (row-major, as {@link LinalgBackend.gemm}). */
  gemm: LinalgBackend["gemm"];
  /** H += β·b (row broadcast); X = φ(H); D = φ′(H). */
  act(a: ActKernel, rows: number, cols: number, H: FloatArray, b: FloatArray | null, beta: number, X: FloatArray | null, D: FloatArray | null): void;
  /** The fused readout pass; returns ½Σ(f − y)² (0 without y). */
  head(
    a: ActKernel,
    P: number,
    N: number,
    K: number,
    H: FloatArray,
    b: FloatArray | null,
    beta: number,
    alpha: number,
    V: FloatArray,
    c: FloatArray | null,
    y: FloatArray | null,
    f: FloatArray,
    delta: FloatArray | null,
    gV: FloatArray | null,
    gb: FloatArray | null,
    gc: FloatArray | null,
    F: FloatArray | null,
  ): number;
  /** A ← A ⊙ D. */
  mulInto(n: number, A: FloatArray, D: FloatArray): void;
  /** out_j = scale·Σ_i A_ij. */
  colSum(rows: number, cols: number, A: FloatArray, scale: number, out: FloatArray): void;
  /**
   * out = a·x + b·g + d·z + c·ξ with ξ_j = normal(key, ·)[start + j] (key unused when c = 0);
   * returns Σ out². `out` may alias `x`.
   */
  update(
    n: number,
    out: FloatArray,
    a: number,
    x: FloatArray,
    b: number,
    g: FloatArray | null,
    d: number,
    z: FloatArray | null,
    c: number,
    key: Key | null,
    start: number,
  ): number;
  /** Σ x·y. */
  dot(n: number, x: FloatArray, y: FloatArray): number;
  /** Σ (a·x + b·y + c·z)². */
  normSq(n: number, a: number, x: FloatArray, b: number, y: FloatArray | null, c: number, z: FloatArray | null): number;
  /** Kernel threads (1 for js). */
  threads(): number;
  describe(): string;
}

// ------------------------------------------------------------------------------------------------
// Native

/** Wraps the addon's NN exports (and its sgemm/dgemm) as {@link NNKernels}. */
export function nativeKernels(addon: NNAddon & Pick<NativeLinalgAddon, "sgemm" | "dgemm">): NNKernels {
  const gemm = (<T extends FloatArray>(
    tA: boolean,
    tB: boolean,
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
  ): void => {
    if (C instanceof Float32Array) addon.sgemm(tA, tB, m, n, k, alpha, A as Float32Array, lda, B as Float32Array, ldb, beta, C, ldc);
    else addon.dgemm(tA, tB, m, n, k, alpha, A as Float64Array, lda, B as Float64Array, ldb, beta, C as Float64Array, ldc);
  }) as LinalgBackend["gemm"];
  return {
    name: "native",
    gemm,
    act: (a, rows, cols, H, b, beta, X, D) => addon.nnAct(a.code, a.p, rows, cols, H, b, beta, X, D),
    head: (a, P, N, K, H, b, beta, alpha, V, c, y, f, delta, gV, gb, gc, F) =>
      addon.nnHead(a.code, a.p, P, N, K, H, b, beta, alpha, V, c, y, f, delta, gV, gb, gc, F),
    mulInto: (n, A, D) => addon.nnMulInto(n, A, D),
    colSum: (rows, cols, A, scale, out) => addon.nnColSum(rows, cols, A, scale, out),
    update: (n, out, a, x, b, g, d, z, c, key, start) => addon.nnUpdate(n, out, a, x, b, g, d, z, c, key ? key[0] : 0, key ? key[1] : 0, start),
    dot: (n, x, y) => addon.nnDot(n, x, y),
    normSq: (n, a, x, b, y, c, z) => addon.nnNormSq(n, a, x, b, y, c, z),
    threads: () => addon.nnThreads(),
    describe: () => {
      const i = addon.nnInfo();
      return `native (OpenBLAS GEMM + fused C passes, ${i.simd}, ${i.threads} threads)`;
    },
  };
}

// ------------------------------------------------------------------------------------------------
// TypeScript fallback

const INV53 = 1 / 9007199254740992;
const TWO_PI = 2 * Math.PI;

/** u_m: the 53-bit uniform of stream block m (random.ts `uniform`). */
function uniformAt(k0: number, k1: number, m: number): number {
  const [a, b] = threefry2x32(k0, k1, m, 0);
  return ((a >>> 5) * 67108864 + (b >>> 6)) * INV53;
}

/**
 * out[j] = normal(key, ·)[start + j] for j < n, computed with the same formula as random.ts
 * (`normal(key, start + n).subarray(start)` without generating the first `start` draws).
 */
export function normalAt(key: Key, start: number, n: number, out: Float64Array): void {
  const k0 = key[0];
  const k1 = key[1];
  let j = 0;
  let idx = start;
  const pair = (m: number): [number, number] => {
    const u1 = uniformAt(k0, k1, 2 * m);
    const u2 = uniformAt(k0, k1, 2 * m + 1);
    const r = Math.sqrt(-2 * Math.log(1 - u1));
    const th = TWO_PI * u2;
    return [r * Math.cos(th), r * Math.sin(th)];
  };
  if (n > 0 && idx % 2 === 1) {
    out[j++] = pair((idx - 1) / 2)[1];
    idx++;
  }
  for (; j + 1 < n; j += 2, idx += 2) {
    const [c, s] = pair(idx / 2);
    out[j] = c;
    out[j + 1] = s;
  }
  if (j < n) out[j] = pair(idx / 2)[0];
}

let noiseScratch = new Float64Array(0);

function actRow(a: ActKernel, z: ArrayLike<number>, zOff: number, n: number, F: FloatArray | null, fOff: number, D: FloatArray | null, dOff: number): void {
  const { phi, dphi } = a.act;
  for (let i = 0; i < n; i++) {
    const x = z[zOff + i];
    if (F) F[fOff + i] = phi(x);
    if (D) D[dOff + i] = dphi(x);
  }
}

/** The TypeScript kernels (single threaded; GEMM from the pure-TS linear-algebra backend). */
export const jsKernels: NNKernels = {
  name: "js",
  gemm: jsBackend.gemm,
  act(a, rows, cols, H, b, beta, X, D) {
    for (let mu = 0; mu < rows; mu++) {
      const o = mu * cols;
      if (b) for (let i = 0; i < cols; i++) H[o + i] += beta * b[i];
      actRow(a, H, o, cols, X, o, D, o);
    }
  },
  head(a, P, N, K, H, b, beta, alpha, V, c, y, f, delta, gV, gb, gc, F) {
    if (!y && (delta || gV || gb || gc)) throw new InputError("gradients need targets y", "nn head");
    if (!delta && (gV || gb || gc)) throw new InputError("gradients need the delta buffer", "nn head");
    const z = new Float64Array(N);
    const Fr = new Float64Array(N);
    const Dr = new Float64Array(N);
    const r = new Float64Array(K);
    const gVs = gV ? new Float64Array(K * N) : null;
    const gbs = gb ? new Float64Array(N) : null;
    const gcs = gc ? new Float64Array(K) : null;
    const { phi, dphi } = a.act;
    let loss = 0;
    for (let mu = 0; mu < P; mu++) {
      const o = mu * N;
      for (let i = 0; i < N; i++) {
        const x = H[o + i] + (b ? beta * b[i] : 0);
        z[i] = x;
        Fr[i] = phi(x);
        if (delta) Dr[i] = dphi(x);
      }
      if (F) for (let i = 0; i < N; i++) F[o + i] = Fr[i];
      for (let k = 0; k < K; k++) {
        let s = 0;
        for (let i = 0; i < N; i++) s += V[k * N + i] * Fr[i];
        s = alpha * s + (c ? beta * c[k] : 0);
        f[mu * K + k] = s;
        if (y) {
          r[k] = f[mu * K + k] - y[mu * K + k];
          loss += 0.5 * r[k] * r[k];
        }
      }
      if (!delta || !y) continue;
      for (let i = 0; i < N; i++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += V[k * N + i] * r[k];
        const d = alpha * Dr[i] * s;
        delta[o + i] = d;
        if (gbs) gbs[i] += delta[o + i];
      }
      if (gVs) for (let k = 0; k < K; k++) for (let i = 0; i < N; i++) gVs[k * N + i] += alpha * r[k] * Fr[i];
      if (gcs) for (let k = 0; k < K; k++) gcs[k] += r[k];
    }
    if (gV && gVs) gV.set(gVs);
    if (gb && gbs) for (let i = 0; i < N; i++) gb[i] = beta * gbs[i];
    if (gc && gcs) for (let k = 0; k < K; k++) gc[k] = beta * gcs[k];
    return loss;
  },
  mulInto(n, A, D) {
    for (let i = 0; i < n; i++) A[i] *= D[i];
  },
  colSum(rows, cols, A, scale, out) {
    const s = new Float64Array(cols);
    for (let r = 0; r < rows; r++) for (let j = 0; j < cols; j++) s[j] += A[r * cols + j];
    for (let j = 0; j < cols; j++) out[j] = scale * s[j];
  },
  update(n, out, a, x, b, g, d, z, c, key, start) {
    let xi: Float64Array | null = null;
    if (c !== 0) {
      if (!key) throw new InputError("a noise term needs a key", "nn update");
      if (noiseScratch.length < n) noiseScratch = new Float64Array(n);
      normalAt(key, start, n, noiseScratch);
      xi = noiseScratch;
    }
    let ss = 0;
    for (let j = 0; j < n; j++) {
      let v = a * x[j];
      if (g) v += b * g[j];
      if (z) v += d * z[j];
      if (xi) v += c * xi[j];
      out[j] = v;
      const o = out[j];
      ss += o * o;
    }
    return ss;
  },
  dot(n, x, y) {
    let s = 0;
    for (let i = 0; i < n; i++) s += x[i] * y[i];
    return s;
  },
  normSq(n, a, x, b, y, c, z) {
    let s = 0;
    for (let i = 0; i < n; i++) {
      let v = a * x[i];
      if (y) v += b * y[i];
      if (z) v += c * z[i];
      s += v * v;
    }
    return s;
  },
  threads: () => 1,
  describe: () => "js (pure-TypeScript GEMM and loops, 1 thread)",
};

/**
 * Asks OpenBLAS to park its worker threads soon after each call (`OPENBLAS_THREAD_TIMEOUT=4`, i.e.
 * 2⁴ cycles of spinning instead of the default 2²⁸ ≈ 0.1 s) unless the variable is already set.
 * Between the GEMMs of a Langevin step the fused passes run on their own threads; with spinning
 * BLAS workers on a machine with as many cores as threads they share the cores and take ~2× longer.
 * Effective only before the addon (and with it OpenBLAS) is first loaded in the process; returns
 * whether it could still take effect. Commands that run samplers call it first.
 */
export function preferParkedBlasThreads(): boolean {
  if (process.env.OPENBLAS_THREAD_TIMEOUT === undefined) process.env.OPENBLAS_THREAD_TIMEOUT = "4";
  return nativeCache === undefined;
}

/** Which kernels to use: "auto" (native when the addon has the NN kernels, else js), or a forced one. */
export type KernelChoice = "auto" | "native" | "js";

let nativeCache: NNKernels | null | undefined;

/** The native kernels, or null when the addon (with `native/nn.cc`) is not available. */
export function nativeNNKernels(): NNKernels | null {
  if (nativeCache === undefined) {
    const a = loadNNAddon();
    nativeCache = a ? nativeKernels(a) : null;
  }
  return nativeCache;
}

/** Resolves a {@link KernelChoice}; "native" without the addon is an InputError naming the reason. */
export function selectKernels(choice: KernelChoice = "auto"): NNKernels {
  if (choice === "js") return jsKernels;
  const n = nativeNNKernels();
  if (n) return n;
  if (choice === "native")
    throw new InputError("the native addon with the NN kernels is not available (build it with 'npm ci'; featurelab doctor explains)", "nn backend");
  return jsKernels;
}

/** Every kernel set that can run here (js always; native when available). */
export function availableKernels(): NNKernels[] {
  const n = nativeNNKernels();
  return n ? [n, jsKernels] : [jsKernels];
}
