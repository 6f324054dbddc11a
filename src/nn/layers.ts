/**
 * Modular neural-network layers with hand-written backward passes, for training finite networks
 * (paper C's BatchNorm MLP and friends) on the native backend's GEMM.
 *
 * Conventions:
 * - A batch is a row-major n×d matrix (one example per row) in a `Float32Array` (dtype "f32", the
 *   default) or `Float64Array` ("f64", used by the gradient checks). Every layer of a network shares
 *   one dtype.
 * - `forward(x, n, ctx)` returns the layer's output buffer (owned by the layer and reused: valid until
 *   the layer's next forward). Layers keep references to what backward needs (their input, x̂, masks).
 * - `backward(dy, n, needDx)` **overwrites** the parameter gradients (it does not accumulate) and
 *   returns dL/dx (or null when `needDx` is false). It refers to the most recent forward.
 * - Linear weights are stored out×in like PyTorch: y = x·Wᵀ + b.
 * - In a {@link Sequential}, all parameters and gradients live in two flat arrays (`values`,
 *   `grads`); each layer's parameters are views into them, so optimizers update one array.
 * - Randomness (initialisation, dropout masks) comes from explicit keys: a network is built from a
 *   key, and every training step passes a fresh step key in {@link StepContext}.
 *
 * Element-wise work (bias, activations, BatchNorm, dropout) runs in fused loops; when the native addon
 * exports the fused kernels of `native/train.cc` they are used instead (same results up to float
 * rounding; dropout masks are bit-identical since both draw from the same Threefry stream).
 *
 * @module
 */
import { InputError } from "../engine/errors.js";
import { backend, loadAddon } from "../engine/linalg/backend.js";
import { bits, foldIn, type Key, keyFromWords, normal, uniform } from "../engine/random.js";
import { type Activation, toActivation } from "../kernels/activations.js";

/** Storage precision of a network. */
export type DType = "f32" | "f64";
/** A batch or parameter array of either precision. */
export type Arr = Float32Array | Float64Array;

/** Allocates a zeroed array of the dtype. */
export function alloc(dtype: DType, n: number): Arr {
  return dtype === "f32" ? new Float32Array(n) : new Float64Array(n);
}

/** Copies `src` into a new array of the dtype. */
export function toDType(src: ArrayLike<number>, dtype: DType): Arr {
  return dtype === "f32" ? Float32Array.from(src) : Float64Array.from(src);
}

function dtypeOf(a: Arr): DType {
  return a instanceof Float32Array ? "f32" : "f64";
}

// ---------------------------------------------------------------------------------------------
// Fused kernels: native when available, JS otherwise
// ---------------------------------------------------------------------------------------------

/** Activation codes understood by the fused kernels (anything else runs through φ/φ′ closures). */
const ACT_CODES: Record<string, number> = { linear: 0, relu: 1, "leaky-relu": 2, tanh: 3, abs: 4 };

/** The native fused kernels (native/train.cc), when the addon exports them. */
interface TrainKernels {
  trActForward(code: number, slope: number, x: Arr, y: Arr, len: number): void;
  trActBackward(code: number, slope: number, x: Arr, y: Arr, dy: Arr, dx: Arr, len: number): void;
  trBnForward(
    x: Arr,
    n: number,
    f: number,
    eps: number,
    gamma: Arr | null,
    beta: Arr | null,
    mean: Float64Array,
    invstd: Float64Array,
    xhat: Arr,
    y: Arr,
  ): void;
  trBnBackward(dy: Arr, xhat: Arr, n: number, f: number, gamma: Arr | null, invstd: Float64Array, dgamma: Arr | null, dbeta: Arr | null, dx: Arr | null): void;
  trDropoutMask(k0: number, k1: number, p: number, mask: Arr, len: number): void;
  trDropoutForward(k0: number, k1: number, p: number, x: Arr, mask: Arr, y: Arr, len: number): void;
  trMul(a: Arr, b: Arr, out: Arr, len: number): void;
  trBiasAdd(y: Arr, n: number, f: number, b: Arr, scale: number): void;
  trColSum(dy: Arr, n: number, f: number, out: Arr, scale: number): void;
}

let nativeKernels: TrainKernels | null | undefined;
let forceJs = false;

function kernels(): TrainKernels | null {
  if (forceJs) return null;
  if (nativeKernels === undefined) {
    const addon = loadAddon() as unknown as Record<string, unknown> | null;
    nativeKernels =
      addon && typeof addon.trBnForward === "function" && typeof addon.trDropoutForward === "function" ? (addon as unknown as TrainKernels) : null;
    if (process.env.FEATURELAB_BACKEND === "js") nativeKernels = null;
  }
  return nativeKernels;
}

/** Whether the fused element-wise kernels run natively (false: JS loops). */
export function fusedKernelsNative(): boolean {
  return kernels() !== null;
}

/** Forces the JS element-wise loops (true) or re-enables the native ones (false). Tests and benchmarks. */
export function useJsKernels(on: boolean): void {
  forceJs = on;
}

const INV24 = 1 / 16777216;

/**
 * Inverted-dropout mask from a key: u_i = uniform32(key)[i] (the 24-bit uniforms of
 * `engine/random.ts`: u_i = (w_i >>> 8)·2⁻²⁴ with w = bits(key)), mask_i = 1/(1 − p) if u_i ≥ p else 0.
 */
function dropoutMaskJs(k0: number, k1: number, p: number, mask: Arr, len: number): void {
  const keep = 1 / (1 - p);
  const w = bits(keyFromWords(k0 >>> 0, k1 >>> 0), len);
  for (let i = 0; i < len; i++) mask[i] = (w[i] >>> 8) * INV24 >= p ? keep : 0;
}

function actForwardJs(code: number, slope: number, x: Arr, y: Arr, len: number): void {
  switch (code) {
    case 0:
      for (let i = 0; i < len; i++) y[i] = x[i];
      return;
    case 1:
      for (let i = 0; i < len; i++) {
        const v = x[i];
        y[i] = Math.max(v, 0);
      }
      return;
    case 2:
      for (let i = 0; i < len; i++) {
        const v = x[i];
        y[i] = v >= 0 ? v : slope * v;
      }
      return;
    case 3:
      for (let i = 0; i < len; i++) y[i] = Math.tanh(x[i]);
      return;
    case 4:
      for (let i = 0; i < len; i++) y[i] = Math.abs(x[i]);
      return;
  }
}

function actBackwardJs(code: number, slope: number, x: Arr, y: Arr, dy: Arr, dx: Arr, len: number): void {
  switch (code) {
    case 0:
      for (let i = 0; i < len; i++) dx[i] = dy[i];
      return;
    case 1:
      for (let i = 0; i < len; i++) dx[i] = x[i] >= 0 ? dy[i] : 0;
      return;
    case 2:
      for (let i = 0; i < len; i++) dx[i] = x[i] >= 0 ? dy[i] : slope * dy[i];
      return;
    case 3:
      for (let i = 0; i < len; i++) {
        const t = y[i];
        dx[i] = dy[i] * (1 - t * t);
      }
      return;
    case 4:
      for (let i = 0; i < len; i++) dx[i] = x[i] >= 0 ? dy[i] : -dy[i];
      return;
  }
}

/**
 * BatchNorm forward in training mode: batch mean μ_j, biased variance σ_j², invstd_j = 1/√(σ_j² + ε),
 * x̂ = (x − μ)·invstd, y = γ·x̂ + β (γ, β null: y = x̂). Two passes for the variance.
 */
function bnForwardJs(
  x: Arr,
  n: number,
  f: number,
  eps: number,
  gamma: Arr | null,
  beta: Arr | null,
  mean: Float64Array,
  invstd: Float64Array,
  xhat: Arr,
  y: Arr,
): void {
  mean.fill(0);
  invstd.fill(0);
  for (let i = 0; i < n; i++) {
    const o = i * f;
    for (let j = 0; j < f; j++) mean[j] += x[o + j];
  }
  for (let j = 0; j < f; j++) mean[j] /= n;
  for (let i = 0; i < n; i++) {
    const o = i * f;
    for (let j = 0; j < f; j++) {
      const d = x[o + j] - mean[j];
      invstd[j] += d * d;
    }
  }
  for (let j = 0; j < f; j++) invstd[j] = 1 / Math.sqrt(invstd[j] / n + eps);
  for (let i = 0; i < n; i++) {
    const o = i * f;
    if (gamma && beta) {
      for (let j = 0; j < f; j++) {
        const h = (x[o + j] - mean[j]) * invstd[j];
        xhat[o + j] = h;
        y[o + j] = gamma[j] * h + beta[j];
      }
    } else {
      for (let j = 0; j < f; j++) {
        const h = (x[o + j] - mean[j]) * invstd[j];
        xhat[o + j] = h;
        y[o + j] = h;
      }
    }
  }
}

/**
 * BatchNorm backward (training mode): with g = dy·γ,
 * dx = invstd·(g − mean_batch(g) − x̂·mean_batch(g·x̂)), dγ = Σ dy·x̂, dβ = Σ dy.
 */
function bnBackwardJs(
  dy: Arr,
  xhat: Arr,
  n: number,
  f: number,
  gamma: Arr | null,
  invstd: Float64Array,
  dgamma: Arr | null,
  dbeta: Arr | null,
  dx: Arr | null,
): void {
  const sdy = new Float64Array(f);
  const sdyx = new Float64Array(f);
  for (let i = 0; i < n; i++) {
    const o = i * f;
    for (let j = 0; j < f; j++) {
      const g = dy[o + j];
      sdy[j] += g;
      sdyx[j] += g * xhat[o + j];
    }
  }
  if (dgamma) for (let j = 0; j < f; j++) dgamma[j] = sdyx[j];
  if (dbeta) for (let j = 0; j < f; j++) dbeta[j] = sdy[j];
  if (!dx) return;
  const a = new Float64Array(f);
  const b = new Float64Array(f);
  const c = new Float64Array(f);
  for (let j = 0; j < f; j++) {
    const gj = gamma ? gamma[j] : 1;
    a[j] = gj * invstd[j];
    b[j] = (a[j] * sdy[j]) / n;
    c[j] = (a[j] * sdyx[j]) / n;
  }
  for (let i = 0; i < n; i++) {
    const o = i * f;
    for (let j = 0; j < f; j++) dx[o + j] = a[j] * dy[o + j] - b[j] - c[j] * xhat[o + j];
  }
}

function mulJs(a: Arr, b: Arr, out: Arr, len: number): void {
  for (let i = 0; i < len; i++) out[i] = a[i] * b[i];
}

function biasAddJs(y: Arr, n: number, f: number, b: Arr, scale: number): void {
  for (let i = 0; i < n; i++) {
    const o = i * f;
    for (let j = 0; j < f; j++) y[o + j] += scale * b[j];
  }
}

function colSumJs(dy: Arr, n: number, f: number, out: Arr, scale: number): void {
  const s = new Float64Array(f);
  for (let i = 0; i < n; i++) {
    const o = i * f;
    for (let j = 0; j < f; j++) s[j] += dy[o + j];
  }
  for (let j = 0; j < f; j++) out[j] = scale * s[j];
}

function dropoutForwardJs(k0: number, k1: number, p: number, x: Arr, mask: Arr, y: Arr, len: number): void {
  dropoutMaskJs(k0, k1, p, mask, len);
  mulJs(x, mask, y, len);
}

const jsKernels: TrainKernels = {
  trDropoutForward: dropoutForwardJs,
  trActForward: actForwardJs,
  trActBackward: actBackwardJs,
  trBnForward: bnForwardJs,
  trBnBackward: bnBackwardJs,
  trDropoutMask: dropoutMaskJs,
  trMul: mulJs,
  trBiasAdd: biasAddJs,
  trColSum: colSumJs,
};

function K(): TrainKernels {
  return kernels() ?? jsKernels;
}

// ---------------------------------------------------------------------------------------------
// Layer base
// ---------------------------------------------------------------------------------------------

/** Per-step context passed down by {@link Sequential.forward}. */
export interface StepContext {
  /** Step key: stochastic layers (dropout) derive their own key from it. Required in training mode when a layer is stochastic. */
  key?: Key;
}

/** One named parameter tensor of a layer. */
export interface ParamInfo {
  name: string;
  shape: number[];
  size: number;
}

/** Hook called after each layer of a {@link Sequential} forward: layer index, the layer, its output (n×outDim). */
export type LayerHook = (index: number, layer: Layer, out: Arr, n: number) => void;

/** Growable, reused scratch arrays (views of the first `len` elements). */
class Scratch {
  private bufs = new Map<string, Arr>();
  constructor(private readonly dtype: DType) {}
  get(name: string, len: number): Arr {
    let b = this.bufs.get(name);
    if (!b || b.length < len) {
      b = alloc(this.dtype, len);
      this.bufs.set(name, b);
    }
    return b.length === len ? b : b.subarray(0, len);
  }
}

/** Base class of every layer. */
export abstract class Layer {
  /** Kind of layer, e.g. "linear", "batchnorm". */
  abstract readonly kind: string;
  /** Display label, e.g. "linear3" (set by {@link Sequential} when empty). */
  label = "";
  /** Record this layer's output as a representation (see {@link Sequential.representations}). */
  tap = false;
  /** Training mode (dropout active, BatchNorm uses batch statistics). */
  training = true;
  /** Whether forward consumes randomness in training mode (needs `ctx.key`). */
  readonly stochastic: boolean = false;
  /** Parameter views (values) and their gradients, in {@link paramInfo} order. */
  params: Arr[] = [];
  grads: Arr[] = [];
  protected readonly scratch: Scratch;

  constructor(
    readonly inDim: number,
    readonly outDim: number,
    readonly dtype: DType,
  ) {
    if (!Number.isInteger(inDim) || inDim < 1) throw new InputError(`input width must be an integer ≥ 1, got ${inDim}`, "layer");
    if (!Number.isInteger(outDim) || outDim < 1) throw new InputError(`output width must be an integer ≥ 1, got ${outDim}`, "layer");
    if (dtype !== "f32" && dtype !== "f64") throw new InputError(`dtype must be "f32" or "f64", got ${String(dtype)}`, "layer");
    this.scratch = new Scratch(dtype);
  }

  /** Parameter names and shapes (empty for parameter-free layers). */
  paramInfo(): ParamInfo[] {
    return [];
  }

  /** Non-trainable state that a checkpoint must keep (BatchNorm running statistics). */
  buffers(): { name: string; data: Float64Array }[] {
    return [];
  }

  /**
   * Moves the parameters into `values[offset…]` (copying their current values) and makes `params`
   * and `grads` views of `values` and `grads`. Returns the offset after this layer.
   */
  bind(values: Arr, grads: Arr, offset: number): number {
    const info = this.paramInfo();
    const np: Arr[] = [];
    const ng: Arr[] = [];
    let o = offset;
    for (let i = 0; i < info.length; i++) {
      const v = values.subarray(o, o + info[i].size) as Arr;
      v.set(this.params[i]);
      np.push(v);
      ng.push(grads.subarray(o, o + info[i].size) as Arr);
      o += info[i].size;
    }
    this.params = np;
    this.grads = ng;
    return o;
  }

  /** Forward pass of an n-row batch; returns the (reused) output buffer n×outDim. */
  abstract forward(x: Arr, n: number, ctx?: StepContext): Arr;
  /** Backward pass; overwrites the parameter gradients; returns dL/dx (n×inDim) or null. */
  abstract backward(dy: Arr, n: number, needDx?: boolean): Arr | null;

  protected checkInput(x: Arr, n: number): void {
    if (dtypeOf(x) !== this.dtype) throw new InputError(`${this.label || this.kind}: input is ${dtypeOf(x)}, layer is ${this.dtype}`, "layer");
    if (!Number.isInteger(n) || n < 1 || x.length < n * this.inDim) {
      throw new InputError(`${this.label || this.kind}: batch of ${n} rows needs ${n * this.inDim} values, got ${x.length}`, "layer");
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Linear
// ---------------------------------------------------------------------------------------------

/** How a Linear layer scales its weights. */
export type Parameterization = "standard" | "ntk";
/** Initial distribution of the stored weights (standard parameterization). */
export type InitScheme = "torch" | "gaussian";

export interface LinearOptions {
  bias?: boolean;
  /**
   * "standard" (default): y = x·Wᵀ + b with W, b stored as is.
   * "ntk": y = (σ_w/√fan_in)·x·Wᵀ + σ_b·b with W_ij, b_i ~ N(0, 1) stored (σ_w² = gw, σ_b² = gb).
   */
  parameterization?: Parameterization;
  /**
   * Standard parameterization only: "torch" (default) = PyTorch's nn.Linear default,
   * W, b ~ U(−1/√fan_in, 1/√fan_in); "gaussian": W ~ N(0, gw/fan_in), b ~ N(0, gb).
   */
  init?: InitScheme;
  /** Weight variance gain σ_w² (default 1). */
  gw?: number;
  /** Bias variance σ_b² (default 1 for "ntk" and "gaussian"). */
  gb?: number;
  dtype?: DType;
  /** Initialisation key (required). */
  key: Key;
}

/** Fully connected layer y = s_w·x·Wᵀ + s_b·b (W out×in). */
export class Linear extends Layer {
  readonly kind = "linear";
  readonly hasBias: boolean;
  readonly parameterization: Parameterization;
  /** Forward multipliers s_w, s_b (1 in the standard parameterization). */
  readonly sw: number;
  readonly sb: number;
  private x: Arr | null = null;

  constructor(inDim: number, outDim: number, opts: LinearOptions) {
    super(inDim, outDim, opts.dtype ?? "f32");
    this.hasBias = opts.bias ?? true;
    this.parameterization = opts.parameterization ?? "standard";
    const gw = opts.gw ?? 1;
    const gb = opts.gb ?? 1;
    if (!(gw >= 0) || !(gb >= 0)) throw new InputError(`gw and gb must be ≥ 0, got ${gw}, ${gb}`, "Linear");
    if (!(opts.key instanceof Uint32Array)) throw new InputError("Linear needs an initialisation key", "Linear");
    const [kw, kb] = [foldIn(opts.key, 0), foldIn(opts.key, 1)];
    const nW = inDim * outDim;
    let W: Float64Array;
    let b: Float64Array;
    if (this.parameterization === "ntk") {
      this.sw = Math.sqrt(gw / inDim);
      this.sb = Math.sqrt(gb);
      W = normal(kw, nW);
      b = normal(kb, outDim);
    } else if (this.parameterization === "standard") {
      this.sw = 1;
      this.sb = 1;
      const init = opts.init ?? "torch";
      if (init === "torch") {
        const bound = 1 / Math.sqrt(inDim);
        W = uniform(kw, nW, -bound, bound);
        b = uniform(kb, outDim, -bound, bound);
      } else if (init === "gaussian") {
        W = normal(kw, nW, 0, Math.sqrt(gw / inDim));
        b = normal(kb, outDim, 0, Math.sqrt(gb));
      } else throw new InputError(`unknown init "${String(init)}" (torch | gaussian)`, "Linear");
    } else throw new InputError(`unknown parameterization "${String(this.parameterization)}" (standard | ntk)`, "Linear");
    this.params = [toDType(W, this.dtype)];
    this.grads = [alloc(this.dtype, nW)];
    if (this.hasBias) {
      this.params.push(toDType(b, this.dtype));
      this.grads.push(alloc(this.dtype, outDim));
    }
  }

  /** Weight matrix W (out×in, row-major view). */
  get weight(): Arr {
    return this.params[0];
  }
  /** Bias b (view), or null. */
  get bias(): Arr | null {
    return this.hasBias ? this.params[1] : null;
  }

  override paramInfo(): ParamInfo[] {
    const info: ParamInfo[] = [{ name: "weight", shape: [this.outDim, this.inDim], size: this.outDim * this.inDim }];
    if (this.hasBias) info.push({ name: "bias", shape: [this.outDim], size: this.outDim });
    return info;
  }

  forward(x: Arr, n: number): Arr {
    this.checkInput(x, n);
    this.x = x;
    const y = this.scratch.get("y", n * this.outDim);
    backend().gemm(false, true, n, this.outDim, this.inDim, this.sw, x, this.inDim, this.params[0], this.inDim, 0, y, this.outDim);
    if (this.hasBias) K().trBiasAdd(y, n, this.outDim, this.params[1], this.sb);
    return y;
  }

  backward(dy: Arr, n: number, needDx = true): Arr | null {
    const x = this.x;
    if (!x) throw new InputError(`${this.label || "linear"}: backward before forward`, "layer");
    const bk = backend();
    // dW = s_w·dyᵀ·x (out×in)
    bk.gemm(true, false, this.outDim, this.inDim, n, this.sw, dy, this.outDim, x, this.inDim, 0, this.grads[0], this.inDim);
    if (this.hasBias) K().trColSum(dy, n, this.outDim, this.grads[1], this.sb);
    if (!needDx) return null;
    const dx = this.scratch.get("dx", n * this.inDim);
    bk.gemm(false, false, n, this.inDim, this.outDim, this.sw, dy, this.outDim, this.params[0], this.inDim, 0, dx, this.inDim);
    return dx;
  }
}

// ---------------------------------------------------------------------------------------------
// Activation
// ---------------------------------------------------------------------------------------------

/** Element-wise y = φ(x) for any activation of the registry (fused loops for linear, relu, leaky-relu, tanh, abs). */
export class ActivationLayer extends Layer {
  readonly kind = "activation";
  readonly act: Activation;
  private readonly code: number;
  private readonly slope: number;
  private x: Arr | null = null;
  private y: Arr | null = null;

  constructor(dim: number, act: Activation | string, dtype: DType = "f32") {
    super(dim, dim, dtype);
    this.act = toActivation(act);
    this.code = ACT_CODES[this.act.name] ?? -1;
    this.slope = this.act.params.slope ?? 0;
  }

  forward(x: Arr, n: number): Arr {
    this.checkInput(x, n);
    const len = n * this.inDim;
    const y = this.scratch.get("y", len);
    if (this.code >= 0) K().trActForward(this.code, this.slope, x, y, len);
    else {
      const phi = this.act.phi;
      for (let i = 0; i < len; i++) y[i] = phi(x[i]);
    }
    this.x = x;
    this.y = y;
    return y;
  }

  backward(dy: Arr, n: number, needDx = true): Arr | null {
    if (!needDx) return null;
    const x = this.x;
    const y = this.y;
    if (!x || !y) throw new InputError(`${this.label || "activation"}: backward before forward`, "layer");
    const len = n * this.inDim;
    const dx = this.scratch.get("dx", len);
    if (this.code >= 0) K().trActBackward(this.code, this.slope, x, y, dy, dx, len);
    else {
      const dphi = this.act.dphi;
      for (let i = 0; i < len; i++) dx[i] = dy[i] * dphi(x[i]);
    }
    return dx;
  }
}

// ---------------------------------------------------------------------------------------------
// BatchNorm1d
// ---------------------------------------------------------------------------------------------

export interface BatchNormOptions {
  /** ε added to the variance (default 1e-5). */
  eps?: number;
  /** Running-statistics update weight (default 0.1): r ← (1 − m)·r + m·batch statistic. */
  momentum?: number;
  /** Learnable γ (init 1) and β (init 0) (default true). */
  affine?: boolean;
  dtype?: DType;
}

/**
 * BatchNorm1d over the batch dimension (PyTorch semantics): training mode normalises with the batch
 * mean and biased variance and updates running_mean and running_var (the latter with the unbiased
 * batch variance n/(n−1)·σ²); eval mode uses the running statistics.
 */
export class BatchNorm1d extends Layer {
  readonly kind = "batchnorm";
  readonly eps: number;
  readonly momentum: number;
  readonly affine: boolean;
  readonly runningMean: Float64Array;
  readonly runningVar: Float64Array;
  private readonly mean: Float64Array;
  private readonly invstd: Float64Array;
  private xhat: Arr | null = null;
  private xEval: Arr | null = null;
  private lastTraining = true;

  constructor(dim: number, opts: BatchNormOptions = {}) {
    super(dim, dim, opts.dtype ?? "f32");
    this.eps = opts.eps ?? 1e-5;
    this.momentum = opts.momentum ?? 0.1;
    this.affine = opts.affine ?? true;
    if (!(this.eps > 0)) throw new InputError(`eps must be > 0, got ${this.eps}`, "BatchNorm1d");
    if (!(this.momentum >= 0 && this.momentum <= 1)) throw new InputError(`momentum must be in [0, 1], got ${this.momentum}`, "BatchNorm1d");
    this.runningMean = new Float64Array(dim);
    this.runningVar = new Float64Array(dim).fill(1);
    this.mean = new Float64Array(dim);
    this.invstd = new Float64Array(dim);
    if (this.affine) {
      this.params = [alloc(this.dtype, dim).fill(1), alloc(this.dtype, dim)];
      this.grads = [alloc(this.dtype, dim), alloc(this.dtype, dim)];
    }
  }

  override paramInfo(): ParamInfo[] {
    return this.affine
      ? [
          { name: "gamma", shape: [this.inDim], size: this.inDim },
          { name: "beta", shape: [this.inDim], size: this.inDim },
        ]
      : [];
  }

  override buffers(): { name: string; data: Float64Array }[] {
    return [
      { name: "running_mean", data: this.runningMean },
      { name: "running_var", data: this.runningVar },
    ];
  }

  forward(x: Arr, n: number): Arr {
    this.checkInput(x, n);
    const f = this.inDim;
    const len = n * f;
    const y = this.scratch.get("y", len);
    const gamma = this.affine ? this.params[0] : null;
    const beta = this.affine ? this.params[1] : null;
    this.lastTraining = this.training;
    if (this.training) {
      if (n < 2) throw new InputError(`${this.label || "batchnorm"}: training mode needs a batch of ≥ 2 rows, got ${n}`, "layer");
      const xhat = this.scratch.get("xhat", len);
      K().trBnForward(x, n, f, this.eps, gamma, beta, this.mean, this.invstd, xhat, y);
      this.xhat = xhat;
      const m = this.momentum;
      const unb = n / (n - 1);
      for (let j = 0; j < f; j++) {
        const v = 1 / (this.invstd[j] * this.invstd[j]) - this.eps;
        this.runningMean[j] = (1 - m) * this.runningMean[j] + m * this.mean[j];
        this.runningVar[j] = (1 - m) * this.runningVar[j] + m * v * unb;
      }
      return y;
    }
    // Eval: y = a_j·x + c_j with a = γ/√(r_var + ε), c = β − a·r_mean.
    const a = new Float64Array(f);
    const c = new Float64Array(f);
    for (let j = 0; j < f; j++) {
      a[j] = (gamma ? gamma[j] : 1) / Math.sqrt(this.runningVar[j] + this.eps);
      c[j] = (beta ? beta[j] : 0) - a[j] * this.runningMean[j];
    }
    for (let i = 0; i < n; i++) {
      const o = i * f;
      for (let j = 0; j < f; j++) y[o + j] = a[j] * x[o + j] + c[j];
    }
    this.xEval = x;
    this.xhat = null;
    return y;
  }

  backward(dy: Arr, n: number, needDx = true): Arr | null {
    const f = this.inDim;
    const gamma = this.affine ? this.params[0] : null;
    const dgamma = this.affine ? this.grads[0] : null;
    const dbeta = this.affine ? this.grads[1] : null;
    const dx = needDx ? this.scratch.get("dx", n * f) : null;
    if (this.lastTraining) {
      if (!this.xhat) throw new InputError(`${this.label || "batchnorm"}: backward before forward`, "layer");
      K().trBnBackward(dy, this.xhat, n, f, gamma, this.invstd, dgamma, dbeta, dx);
      return dx;
    }
    // Eval mode: the fixed affine map y = γ·(x − r_mean)·s + β with s = 1/√(r_var + ε).
    const x = this.xEval;
    if (!x) throw new InputError(`${this.label || "batchnorm"}: backward before forward`, "layer");
    const s = new Float64Array(f);
    for (let j = 0; j < f; j++) s[j] = 1 / Math.sqrt(this.runningVar[j] + this.eps);
    const sg = new Float64Array(f);
    const sb = new Float64Array(f);
    for (let i = 0; i < n; i++) {
      const o = i * f;
      for (let j = 0; j < f; j++) {
        const g = dy[o + j];
        sb[j] += g;
        sg[j] += g * (x[o + j] - this.runningMean[j]) * s[j];
        if (dx) dx[o + j] = g * (gamma ? gamma[j] : 1) * s[j];
      }
    }
    if (dgamma && dbeta) {
      dgamma.set(sg);
      dbeta.set(sb);
    }
    return dx;
  }
}

// ---------------------------------------------------------------------------------------------
// Dropout
// ---------------------------------------------------------------------------------------------

/**
 * Inverted dropout: in training mode y_i = x_i·m_i with m_i = 1/(1 − p) with probability 1 − p and
 * 0 otherwise (so E[y] = x); identity in eval mode. The mask is drawn from the step key folded with
 * the layer's index: u_i = uniform32(key)[i], kept iff u_i ≥ p.
 */
export class Dropout extends Layer {
  readonly kind = "dropout";
  override readonly stochastic = true;
  private mask: Arr | null = null;
  private active = false;

  constructor(
    dim: number,
    readonly p: number,
    dtype: DType = "f32",
  ) {
    super(dim, dim, dtype);
    if (!(p >= 0 && p < 1)) throw new InputError(`dropout probability must be in [0, 1), got ${p}`, "Dropout");
  }

  forward(x: Arr, n: number, ctx: StepContext = {}): Arr {
    this.checkInput(x, n);
    this.active = this.training && this.p > 0;
    if (!this.active) return x;
    if (!ctx.key) throw new InputError(`${this.label || "dropout"}: training mode needs a step key (ctx.key)`, "layer");
    const len = n * this.inDim;
    const mask = this.scratch.get("mask", len);
    const y = this.scratch.get("y", len);
    K().trDropoutForward(ctx.key[0], ctx.key[1], this.p, x, mask, y, len);
    this.mask = mask;
    return y;
  }

  backward(dy: Arr, n: number, needDx = true): Arr | null {
    if (!needDx) return null;
    if (!this.active) return dy;
    const len = n * this.inDim;
    const dx = this.scratch.get("dx", len);
    K().trMul(dy, this.mask as Arr, dx, len);
    return dx;
  }
}

// ---------------------------------------------------------------------------------------------
// Sequential
// ---------------------------------------------------------------------------------------------

/** A recorded representation: the output of a tapped layer on a probe batch (copied to f64). */
export interface Representation {
  /** Layer label, e.g. "input", "hidden3", "logits". */
  name: string;
  /** Index of the layer in the Sequential (−1 for the raw input). */
  layer: number;
  n: number;
  dim: number;
  /** n×dim row-major copy. */
  data: Float64Array;
}

/**
 * A chain of layers with flat parameter storage: `values` and `grads` hold every parameter (in layer
 * order, then {@link Layer.paramInfo} order), and the layers' parameters are views into them.
 */
export class Sequential {
  readonly layers: Layer[];
  readonly dtype: DType;
  readonly values: Arr;
  readonly grads: Arr;
  readonly inDim: number;
  readonly outDim: number;
  private trainingMode = true;

  constructor(layers: Layer[]) {
    if (layers.length === 0) throw new InputError("a Sequential needs at least one layer", "Sequential");
    this.layers = layers;
    this.dtype = layers[0].dtype;
    const counts: Record<string, number> = {};
    for (let i = 0; i < layers.length; i++) {
      const l = layers[i];
      if (l.dtype !== this.dtype) throw new InputError(`layer ${i} (${l.kind}) is ${l.dtype}, layer 0 is ${this.dtype}`, "Sequential");
      if (i > 0 && l.inDim !== layers[i - 1].outDim) {
        throw new InputError(`layer ${i} (${l.kind}) expects width ${l.inDim}, layer ${i - 1} gives ${layers[i - 1].outDim}`, "Sequential");
      }
      counts[l.kind] = (counts[l.kind] ?? 0) + 1;
      if (!l.label) l.label = `${l.kind}${counts[l.kind]}`;
    }
    this.inDim = layers[0].inDim;
    this.outDim = layers[layers.length - 1].outDim;
    let total = 0;
    for (const l of layers) for (const p of l.paramInfo()) total += p.size;
    this.values = alloc(this.dtype, total);
    this.grads = alloc(this.dtype, total);
    let o = 0;
    for (const l of layers) o = l.bind(this.values, this.grads, o);
  }

  /** Number of trainable parameters. */
  get size(): number {
    return this.values.length;
  }

  /** Where each parameter lives in the flat arrays. */
  paramLayout(): { layer: number; label: string; name: string; shape: number[]; offset: number; size: number }[] {
    const out: { layer: number; label: string; name: string; shape: number[]; offset: number; size: number }[] = [];
    let o = 0;
    this.layers.forEach((l, i) => {
      for (const p of l.paramInfo()) {
        out.push({ layer: i, label: l.label, name: p.name, shape: p.shape, offset: o, size: p.size });
        o += p.size;
      }
    });
    return out;
  }

  /** Switches every layer to training mode (true) or eval mode (false). */
  train(on = true): this {
    this.trainingMode = on;
    for (const l of this.layers) l.training = on;
    return this;
  }
  eval(): this {
    return this.train(false);
  }
  get training(): boolean {
    return this.trainingMode;
  }

  /**
   * Forward pass of an n-row batch (x: n×inDim of the network's dtype). Stochastic layer i gets the
   * key foldIn(ctx.key, i). `hook` is called after every layer.
   */
  forward(x: Arr, n: number, ctx: StepContext = {}, hook?: LayerHook): Arr {
    let h = x;
    for (let i = 0; i < this.layers.length; i++) {
      const l = this.layers[i];
      const sub = l.stochastic && ctx.key ? { key: foldIn(ctx.key, i) } : ctx;
      h = l.forward(h, n, sub);
      if (hook) hook(i, l, h, n);
    }
    return h;
  }

  /** Backward pass from dL/d(output); fills `grads`. Returns dL/dx when `needDx` (default false). */
  backward(dy: Arr, n: number, needDx = false): Arr | null {
    let g: Arr | null = dy;
    for (let i = this.layers.length - 1; i >= 0; i--) {
      g = this.layers[i].backward(g as Arr, n, i > 0 || needDx);
    }
    return g;
  }

  /**
   * Representations of the tapped layers on a batch (forward in the current mode, without changing
   * it; pass `{ eval: true }` to use eval mode just for this call). `includeInput` adds the raw input
   * as layer −1.
   */
  representations(x: Arr, n: number, opts: { eval?: boolean; includeInput?: boolean; ctx?: StepContext } = {}): Representation[] {
    const was = this.trainingMode;
    if (opts.eval) this.eval();
    const reps: Representation[] = [];
    if (opts.includeInput) reps.push({ name: "raw", layer: -1, n, dim: this.inDim, data: Float64Array.from(x.subarray(0, n * this.inDim)) });
    try {
      this.forward(x, n, opts.ctx ?? {}, (i, l, out) => {
        if (l.tap) reps.push({ name: l.label, layer: i, n, dim: l.outDim, data: Float64Array.from(out.subarray(0, n * l.outDim)) });
      });
    } finally {
      if (opts.eval) this.train(was);
    }
    return reps;
  }

  /** A copy of the parameters and buffers (BatchNorm running statistics). */
  state(): { values: Float64Array; buffers: Float64Array[] } {
    const buffers: Float64Array[] = [];
    for (const l of this.layers) for (const b of l.buffers()) buffers.push(b.data.slice());
    return { values: Float64Array.from(this.values), buffers };
  }

  /** Restores a {@link state}. */
  loadState(s: { values: ArrayLike<number>; buffers: ArrayLike<number>[] }): void {
    if (s.values.length !== this.values.length)
      throw new InputError(`state has ${s.values.length} parameters, network has ${this.values.length}`, "Sequential.loadState");
    this.values.set(s.values);
    let k = 0;
    for (const l of this.layers) {
      for (const b of l.buffers()) {
        const src = s.buffers[k++];
        if (!src || src.length !== b.data.length) throw new InputError(`buffer ${b.name} of ${l.label} has the wrong size`, "Sequential.loadState");
        b.data.set(src);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The paper-C network
// ---------------------------------------------------------------------------------------------

export interface NetworkSpec {
  inDim: number;
  /** Hidden widths, e.g. [100, 100, 100, 100, 100, 100, 100] for "100x7". */
  hidden: number[];
  outDim: number;
  /** Activation of every hidden layer (spec string or Activation), default "relu". */
  act?: Activation | string;
  /** BatchNorm after every hidden Linear (before the activation), default false. */
  batchNorm?: boolean;
  /** BatchNorm on the raw input (default = batchNorm). */
  inputBatchNorm?: boolean;
  /** Dropout probability after every hidden activation (default 0: no dropout layers). */
  dropout?: number;
  bias?: boolean;
  parameterization?: Parameterization;
  init?: InitScheme;
  gw?: number;
  gb?: number;
  bnEps?: number;
  bnMomentum?: number;
  dtype?: DType;
  key: Key;
}

/**
 * Builds paper C's MLP (brief §2.1): x ← BN_in(x); for each hidden layer
 * x ← Dropout_p(φ(BN(W x + b))); logits = W_out x + b_out. Without batchNorm the BN layers are
 * omitted; with dropout 0 the dropout layers are omitted. Taps (for {@link Sequential.representations}):
 * "input" (after BN_in, or the first layer's input when there is none — then use includeInput),
 * "hidden1" … "hiddenL" (after each activation, before dropout) and "logits".
 */
export function buildNetwork(spec: NetworkSpec): Sequential {
  const dtype = spec.dtype ?? "f32";
  const act = toActivation(spec.act ?? "relu");
  const bn = spec.batchNorm ?? false;
  const bnIn = spec.inputBatchNorm ?? bn;
  const p = spec.dropout ?? 0;
  if (!Array.isArray(spec.hidden) || spec.hidden.some((w) => !Number.isInteger(w) || w < 1)) {
    throw new InputError(`hidden widths must be integers ≥ 1, got [${spec.hidden}]`, "network");
  }
  if (!(p >= 0 && p < 1)) throw new InputError(`dropout probability must be in [0, 1), got ${p}`, "network");
  const bnOpts = { eps: spec.bnEps, momentum: spec.bnMomentum, dtype };
  const lin = { bias: spec.bias, parameterization: spec.parameterization, init: spec.init, gw: spec.gw, gb: spec.gb, dtype };
  const layers: Layer[] = [];
  if (bnIn) {
    const l = new BatchNorm1d(spec.inDim, bnOpts);
    l.label = "input";
    l.tap = true;
    layers.push(l);
  }
  let d = spec.inDim;
  spec.hidden.forEach((w, i) => {
    const L = new Linear(d, w, { ...lin, key: foldIn(spec.key, i) });
    L.label = `linear${i + 1}`;
    layers.push(L);
    if (bn) {
      const b = new BatchNorm1d(w, bnOpts);
      b.label = `bn${i + 1}`;
      layers.push(b);
    }
    const a = new ActivationLayer(w, act, dtype);
    a.label = `hidden${i + 1}`;
    a.tap = true;
    layers.push(a);
    if (p > 0) {
      const dr = new Dropout(w, p, dtype);
      dr.label = `dropout${i + 1}`;
      layers.push(dr);
    }
    d = w;
  });
  const out = new Linear(d, spec.outDim, { ...lin, key: foldIn(spec.key, spec.hidden.length) });
  out.label = "logits";
  out.tap = true;
  layers.push(out);
  return new Sequential(layers);
}

/** Parses an architecture string: "100x7" (7 hidden layers of width 100) or "100,50,20". */
export function parseArch(arch: string): number[] {
  const s = String(arch).trim();
  const bad = () => new InputError(`bad architecture "${arch}": use WIDTHxDEPTH (e.g. 100x7) or a comma list of widths (e.g. 100,50)`, "option --arch");
  let widths: number[];
  const m = /^(\d+)\s*[xX×]\s*(\d+)$/.exec(s);
  if (m) {
    const w = Number(m[1]);
    const L = Number(m[2]);
    if (L < 1) throw new InputError(`depth must be ≥ 1, got ${L}`, "option --arch");
    widths = Array.from({ length: L }, () => w);
  } else if (/^\d+(\s*,\s*\d+)*$/.test(s)) widths = s.split(",").map((v) => Number(v.trim()));
  else throw bad();
  for (const w of widths) if (!(w >= 1)) throw new InputError(`width must be ≥ 1, got ${w} in "${arch}"`, "option --arch");
  return widths;
}

// ---------------------------------------------------------------------------------------------
// Losses
// ---------------------------------------------------------------------------------------------

export interface LossResult {
  /** Mean loss over the batch. */
  loss: number;
  /** dLoss/d(output), n×K (owned by the caller when passed in). */
  grad: Arr;
}

/**
 * Softmax cross-entropy, mean over the batch: L = −(1/n) Σ_μ log softmax(z_μ)_{c_μ}, labels c_μ in
 * 0…K−1; gradient (softmax(z) − onehot(c))/n. Computed with the log-sum-exp shift in f64.
 */
export function crossEntropy(logits: Arr, n: number, K: number, labels: ArrayLike<number>, grad?: Arr): LossResult {
  const g = grad ?? alloc(dtypeOf(logits), n * K);
  let total = 0;
  const inv = 1 / n;
  for (let i = 0; i < n; i++) {
    const o = i * K;
    let mx = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < K; k++) if (logits[o + k] > mx) mx = logits[o + k];
    let s = 0;
    for (let k = 0; k < K; k++) {
      const e = Math.exp(logits[o + k] - mx);
      g[o + k] = e;
      s += e;
    }
    const c = labels[i];
    if (!(c >= 0 && c < K && Number.isInteger(c))) throw new InputError(`label ${c} of row ${i} is not a class index in 0..${K - 1}`, "crossEntropy");
    total += mx + Math.log(s) - logits[o + c];
    const sc = inv / s;
    for (let k = 0; k < K; k++) g[o + k] *= sc;
    g[o + c] -= inv;
  }
  return { loss: total * inv, grad: g };
}

/**
 * Mean squared error as PyTorch's default MSELoss: L = (1/(n·K)) Σ_{μ,k} (z_{μk} − y_{μk})²;
 * gradient 2(z − y)/(n·K).
 */
export function mseLoss(out: Arr, n: number, K: number, targets: ArrayLike<number>, grad?: Arr): LossResult {
  const g = grad ?? alloc(dtypeOf(out), n * K);
  const len = n * K;
  if (targets.length < len) throw new InputError(`targets have ${targets.length} values, need ${len}`, "mseLoss");
  let total = 0;
  const c = 2 / len;
  for (let i = 0; i < len; i++) {
    const d = out[i] - targets[i];
    total += d * d;
    g[i] = c * d;
  }
  return { loss: total / len, grad: g };
}

/** Number of rows whose arg-max output equals the label (K = 1: sign(z) matching label 0 ↦ +, 1 ↦ −). */
export function countCorrect(out: Arr, n: number, K: number, labels: ArrayLike<number>): number {
  let c = 0;
  for (let i = 0; i < n; i++) {
    if (K === 1) {
      if ((out[i] >= 0 ? 0 : 1) === labels[i]) c++;
      continue;
    }
    const o = i * K;
    let best = 0;
    for (let k = 1; k < K; k++) if (out[o + k] > out[o + best]) best = k;
    if (best === labels[i]) c++;
  }
  return c;
}
