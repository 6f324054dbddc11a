/**
 * Typed access to the finite-network kernels of the native addon (`native/nn.cc`): the fused passes
 * around the matrix products of an MLP's forward/backward pass and the noisy parameter updates.
 *
 * The addon is shared with the linear-algebra backend ({@link loadAddon}); its NN exports are
 * feature-tested (an older build without `native/nn.cc` simply has no `nnHead`), so callers fall
 * back to the TypeScript kernels of `kernels.ts` when {@link loadNNAddon} returns null.
 *
 * Normal draws: `nnNormal`/`nnUpdate` read the Threefry-2x32 stream of `src/engine/random.ts`
 * (`normal(key, ·)`) at an arbitrary position. The 32-bit words are bit-identical; the normals use
 * the same Box–Muller formula in double precision with the C library's log/cos/sin, which differ
 * from V8's by at most an ulp in a few percent of the draws — after rounding to f32 the draws are
 * identical in practice (0 differences in 8·10⁶ tested).
 *
 * @module
 */
import { loadAddon } from "../engine/linalg/backend.js";
import type { NativeAddon } from "../engine/linalg/native.js";
import type { FloatArray } from "../engine/linalg/types.js";

/** `nnInfo()`: which instruction-set variant of the hot loops runs, and the kernels' thread count. */
export interface NNNativeInfo {
  simd: "avx2+fma" | "baseline";
  threads: number;
}

/** The NN exports of the addon (see `native/nn.cc` for the exact semantics of each). */
export interface NNAddon {
  /** out[j] = normal(key, ·)[start + j] (f32 receives the rounded double draw). */
  nnNormal(k0: number, k1: number, start: number, out: FloatArray): void;
  /** out[j] = bits(key, ·)[firstWord + j] (as int32 bit patterns). */
  nnBits(k0: number, k1: number, firstWord: number, out: Int32Array): void;
  /** H += β·b (row broadcast, b may be null); X = φ(H); D = φ′(H) (X, D may be null). */
  nnAct(
    code: number,
    p: number,
    rows: number,
    cols: number,
    H: FloatArray,
    b: FloatArray | null,
    beta: number,
    X: FloatArray | null,
    D: FloatArray | null,
  ): void;
  /**
   * The readout pass over the last hidden layer's pre-activations H (P×N): z = H + β·b, F = φ(z),
   * f = α·F·Vᵀ + β·c (P×K), r = f − y, returns ½Σr²; with gradients: δ = α·φ′(z) ⊙ (r·V) written
   * to `delta` (may be H itself), gV = α·rᵀF, gb = β·Σ_μ δ_μ, gc = β·Σ_μ r_μ; F optionally stored.
   */
  nnHead(
    code: number,
    p: number,
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
  /** A ← A ⊙ D on the first n entries. */
  nnMulInto(n: number, A: FloatArray, D: FloatArray): void;
  /** out_j = scale·Σ_i A_ij for a rows×cols row-major A. */
  nnColSum(rows: number, cols: number, A: FloatArray, scale: number, out: FloatArray): void;
  /** out = a·x + b·g + d·z + c·ξ (ξ_j = normal(key, ·)[start + j]); returns Σ out² (double). */
  nnUpdate(
    n: number,
    out: FloatArray,
    a: number,
    x: FloatArray,
    b: number,
    g: FloatArray | null,
    d: number,
    z: FloatArray | null,
    c: number,
    k0: number,
    k1: number,
    start: number,
  ): number;
  /** Σ x_j y_j (double accumulation). */
  nnDot(n: number, x: FloatArray, y: FloatArray): number;
  /** Σ (a·x_j + b·y_j + c·z_j)² (double accumulation; y, z may be null). */
  nnNormSq(n: number, a: number, x: FloatArray, b: number, y: FloatArray | null, c: number, z: FloatArray | null): number;
  /** With n: sets the kernels' thread count (0: follow OpenBLAS's); returns the current count. */
  nnThreads(n?: number): number;
  nnInfo(): NNNativeInfo;
}

const REQUIRED = ["nnNormal", "nnBits", "nnAct", "nnHead", "nnMulInto", "nnColSum", "nnUpdate", "nnDot", "nnNormSq", "nnThreads", "nnInfo"] as const;

/** True when the addon carries every NN export (built with `native/nn.cc`). */
export function hasNNKernels(addon: NativeAddon | null): addon is NativeAddon & NNAddon {
  if (!addon) return false;
  return REQUIRED.every((k) => typeof addon[k] === "function");
}

/**
 * The addon with its NN kernels, or null when the addon is missing, failed to load, lacks the NN
 * exports, or `FEATURELAB_BACKEND=js` forces the TypeScript path.
 */
export function loadNNAddon(): (NativeAddon & NNAddon) | null {
  if (process.env.FEATURELAB_BACKEND === "js") return null;
  const a = loadAddon();
  return hasNNKernels(a) ? a : null;
}

/** Activation family → code of `native/nn.cc` (`ActCode`). */
export const ACT_CODES: Readonly<Record<string, number>> = {
  linear: 0,
  erf: 1,
  relu: 2,
  "leaky-relu": 3,
  abs: 4,
  quadratic: 5,
  sign: 6,
  tanh: 7,
  gelu: 8,
  softplus: 9,
  sin: 10,
  cos: 11,
};
