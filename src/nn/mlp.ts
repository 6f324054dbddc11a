/**
 * Fully connected networks (multilayer perceptrons) for Bayesian sampling: the architecture and its
 * parameterization ({@link createMLP}), a flat parameter vector with per-layer views, Gaussian priors
 * with per-layer precisions, and a forward/backward engine ({@link MLPEvaluator}) that runs on the
 * native kernels (OpenBLAS GEMMs + fused C passes, f32 or f64) or on the TypeScript fallback.
 *
 * ## Model
 *
 * Depth L ≥ 1 hidden layers of widths n_1 … n_L on inputs of dimension n_0 = D, K outputs:
 *
 * ```
 * h^1 = α_0 · W^0 x + β b^0,         x^l = φ(h^l)
 * h^{l+1} = α_l · W^l x^l + β b^l    (l = 1 … L−1)
 * f = α_L · W^L x^L + β b^L          (K outputs)
 * ```
 *
 * W^l is n_{l+1}×n_l (row-major), biases are optional (multiplier β = `biasScale`, default 1).
 * Priors: every entry of W^l ~ N(0, 1/λ_l), of b^l ~ N(0, 1/λ^b_l), independent.
 *
 * ## Parameterizations (the multipliers α_l; n_l is the fan-in of layer l)
 *
 * | name | hidden layers | readout α_L | |
 * |---|---|---|---|
 * | `standard` | 1/√n_l | 1/√n_L | paper (a)'s "standard" scaling (deepbays `gamma = 1`): weights O(1) |
 * | `ntk` | 1/√n_l | 1/√n_L | the same model under the name of the NTK literature (Jacot et al.) |
 * | `mf` | 1/√n_l | 1/n_L | mean-field (μP-like) readout (deepbays `gamma = √N`) |
 * | `chi` | 1/√n_l | 1/√(χ n_L) | paper (d)'s continuous scale: χ = 1 is standard, χ = n_L is mean field |
 *
 * In paper (d)'s notation (f = Σ w_i φ(v_i·x), v_i ~ N(0, g_v/D), w_i ~ N(0, g_w/(χN)), likelihood
 * noise κ/χ) the `chi` parameterization with λ_0 = 1/g_v, λ_1 = 1/g_w and temperature
 * T = κ/χ ({@link chiTemperature}) is the same posterior over functions: the factors are moved from
 * the prior variances into the multipliers α.
 *
 * ## Flat parameter vector
 *
 * θ = [W^0, b^0, W^1, b^1, …, W^L, b^L] (biases absent when `bias` is false), each block row-major.
 * Each block is a {@link ParamGroup}; Langevin noise for entry j of θ is normal(key, ·)[j], so the
 * group offsets fix where each block reads the Threefry stream.
 *
 * @module
 */
import { firstNonFinite, InputError } from "../engine/errors.js";
import type { FloatArray } from "../engine/linalg/types.js";
import { type Key, normalInto } from "../engine/random.js";
import { type Activation, toActivation } from "../kernels/activations.js";
import { type ActKernel, actKernel, type KernelChoice, type NNKernels, selectKernels } from "./kernels.js";

/** Where the width scaling sits, see the module documentation. */
export type Parameterization = "standard" | "ntk" | "mf" | "chi";
export const PARAMETERIZATIONS: readonly Parameterization[] = ["standard", "ntk", "mf", "chi"];

/** Floating-point type of the parameters, data and buffers. */
export type DType = "f32" | "f64";

export interface MLPOptions {
  /** Input dimension D = n_0. */
  inputDim: number;
  /** Hidden widths n_1 … n_L (L = depth ≥ 1). */
  widths: readonly number[];
  /** Number of outputs K (default 1). */
  outputDim?: number;
  /** Activation (registry entry or spec such as "erf", "leaky-relu:0.2"). */
  activation: Activation | string;
  /** Biases on every layer (default false, as in paper (a)). */
  bias?: boolean;
  /** Default "standard". */
  param?: Parameterization;
  /** χ of the "chi" parameterization (> 0). */
  chi?: number;
  /** Prior precision λ_l of each weight layer (length L + 1), or one number for all (default 1). */
  lambdas?: number | readonly number[];
  /** Prior precision of each bias vector (length L + 1) or one number (default 1). */
  biasLambdas?: number | readonly number[];
  /** Bias multiplier β (default 1). */
  biasScale?: number;
}

/** One block of the flat parameter vector. */
export interface ParamGroup {
  /** "W0", "b0", "W1", … */
  name: string;
  /** Index of the group in {@link MLPSpec.groups}. */
  index: number;
  layer: number;
  kind: "weight" | "bias";
  offset: number;
  size: number;
  /** Matrix shape (rows × cols); a bias is 1 × n. */
  rows: number;
  cols: number;
  /** Prior precision of every entry. */
  lambda: number;
}

export interface LayerSpec {
  fanIn: number;
  fanOut: number;
  /** α_l. */
  multiplier: number;
  weight: ParamGroup;
  bias: ParamGroup | null;
}

/** A resolved, validated architecture. */
export interface MLPSpec {
  inputDim: number;
  widths: readonly number[];
  outputDim: number;
  depth: number;
  activation: Activation;
  bias: boolean;
  param: Parameterization;
  chi: number;
  biasScale: number;
  /** n_0 … n_{L+1} (input, hidden widths, outputs). */
  sizes: readonly number[];
  layers: readonly LayerSpec[];
  groups: readonly ParamGroup[];
  numParams: number;
}

function posInt(v: unknown, what: string): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1) throw new InputError(`${what} must be an integer ≥ 1, got ${v}`, "mlp");
  return v;
}

function perLayer(v: number | readonly number[] | undefined, n: number, what: string): number[] {
  const arr = v === undefined ? new Array(n).fill(1) : typeof v === "number" ? new Array(n).fill(v) : [...v];
  if (arr.length !== n) throw new InputError(`${what} needs ${n} values (one per weight layer), got ${arr.length}`, "mlp");
  for (const x of arr) if (!(Number.isFinite(x) && x > 0)) throw new InputError(`${what} must be finite and > 0, got ${x}`, "mlp");
  return arr;
}

/** Readout multiplier α_L for a parameterization. */
export function readoutMultiplier(param: Parameterization, nL: number, chi = 1): number {
  switch (param) {
    case "standard":
    case "ntk":
      return 1 / Math.sqrt(nL);
    case "mf":
      return 1 / nL;
    case "chi":
      return 1 / Math.sqrt(chi * nL);
  }
}

/** Paper (d)'s likelihood temperature T = κ/χ for ridge κ at scale χ. */
export function chiTemperature(kappa: number, chi: number): number {
  if (!(kappa > 0) || !(chi > 0)) throw new InputError(`need κ > 0 and χ > 0, got κ=${kappa}, χ=${chi}`, "chiTemperature");
  return kappa / chi;
}

/** Validates the options and lays out the flat parameter vector. */
export function createMLP(o: MLPOptions): MLPSpec {
  const D = posInt(o.inputDim, "inputDim");
  if (!Array.isArray(o.widths) || o.widths.length < 1) throw new InputError("widths must list at least one hidden width (depth ≥ 1)", "mlp");
  const widths = o.widths.map((w, i) => posInt(w, `width of hidden layer ${i + 1}`));
  const K = posInt(o.outputDim ?? 1, "outputDim");
  if (K > 64) throw new InputError(`at most 64 outputs are supported, got ${K}`, "mlp");
  const act = toActivation(o.activation);
  actKernel(act); // throws for activations without kernels
  const param = o.param ?? "standard";
  if (!PARAMETERIZATIONS.includes(param)) throw new InputError(`unknown parameterization "${param}"; known: ${PARAMETERIZATIONS.join(", ")}`, "mlp");
  const chi = o.chi ?? 1;
  if (!(Number.isFinite(chi) && chi > 0)) throw new InputError(`chi must be finite and > 0, got ${chi}`, "mlp");
  if (param !== "chi" && o.chi !== undefined && o.chi !== 1) throw new InputError(`chi = ${o.chi} needs param "chi"`, "mlp");
  const biasScale = o.biasScale ?? 1;
  if (!Number.isFinite(biasScale)) throw new InputError(`biasScale must be finite, got ${biasScale}`, "mlp");
  const depth = widths.length;
  const lambdas = perLayer(o.lambdas, depth + 1, "lambdas");
  const biasLambdas = perLayer(o.biasLambdas, depth + 1, "biasLambdas");
  const bias = o.bias ?? false;
  const sizes = [D, ...widths, K];
  const layers: LayerSpec[] = [];
  const groups: ParamGroup[] = [];
  let off = 0;
  for (let l = 0; l <= depth; l++) {
    const fanIn = sizes[l];
    const fanOut = sizes[l + 1];
    const multiplier = l < depth ? 1 / Math.sqrt(fanIn) : readoutMultiplier(param, fanIn, chi);
    const w: ParamGroup = {
      name: `W${l}`,
      index: groups.length,
      layer: l,
      kind: "weight",
      offset: off,
      size: fanOut * fanIn,
      rows: fanOut,
      cols: fanIn,
      lambda: lambdas[l],
    };
    groups.push(w);
    off += w.size;
    let b: ParamGroup | null = null;
    if (bias) {
      b = { name: `b${l}`, index: groups.length, layer: l, kind: "bias", offset: off, size: fanOut, rows: 1, cols: fanOut, lambda: biasLambdas[l] };
      groups.push(b);
      off += b.size;
    }
    layers.push({ fanIn, fanOut, multiplier, weight: w, bias: b });
  }
  if (off > 2 ** 31 - 1) throw new InputError(`too many parameters (${off})`, "mlp");
  return { inputDim: D, widths, outputDim: K, depth, activation: act, bias, param, chi, biasScale, sizes, layers, groups, numParams: off };
}

/** A one-line description, e.g. "784→2000→1 erf, standard, no bias, λ = (1, 1)". */
export function describeMLP(s: MLPSpec): string {
  const lam = s.layers.map((l) => l.weight.lambda).join(", ");
  const p = s.param === "chi" ? `chi (χ = ${s.chi})` : s.param;
  return `${s.sizes.join("→")} ${s.activation.spec}, ${p}, ${s.bias ? `biases (β = ${s.biasScale})` : "no bias"}, λ = (${lam})`;
}

/** Allocates a parameter vector of the dtype. */
export function allocParams(spec: MLPSpec, dtype: DType = "f32"): FloatArray {
  return dtype === "f32" ? new Float32Array(spec.numParams) : new Float64Array(spec.numParams);
}

/** How {@link initParams} scales the standard normal draws. */
export type InitMode = "prior" | "unit";

/**
 * Initial parameters θ_j = s_g·z_j with z = normal(key, numParams): s_g = 1/√λ_g ("prior": a draw
 * from the prior, default) or s_g = 1 ("unit": the deepbays initialisation, N(0, 1) whatever λ).
 */
export function initParams(spec: MLPSpec, key: Key, opts: { dtype?: DType; mode?: InitMode } = {}): FloatArray {
  const z = new Float64Array(spec.numParams);
  normalInto(key, z);
  const out = allocParams(spec, opts.dtype ?? "f32");
  const mode = opts.mode ?? "prior";
  for (const g of spec.groups) {
    const s = mode === "prior" ? 1 / Math.sqrt(g.lambda) : 1;
    for (let j = g.offset; j < g.offset + g.size; j++) out[j] = s * z[j];
  }
  return out;
}

/** The block of θ for a group (a view, no copy). */
export function groupView<T extends FloatArray>(theta: T, g: ParamGroup): T {
  return theta.subarray(g.offset, g.offset + g.size) as T;
}

/** Views of each layer's weight matrix and bias (null without biases). */
export function layerViews<T extends FloatArray>(spec: MLPSpec, theta: T): { W: T; b: T | null }[] {
  if (theta.length !== spec.numParams) throw new InputError(`θ has ${theta.length} entries, the network has ${spec.numParams}`, "layerViews");
  return spec.layers.map((l) => ({ W: groupView(theta, l.weight), b: l.bias ? groupView(theta, l.bias) : null }));
}

/** Σ_g λ_g|θ_g|²/2 (the negative log prior up to a constant). */
export function priorEnergy(spec: MLPSpec, theta: ArrayLike<number>): number {
  let e = 0;
  for (const g of spec.groups) {
    let s = 0;
    for (let j = g.offset; j < g.offset + g.size; j++) s += theta[j] * theta[j];
    e += 0.5 * g.lambda * s;
  }
  return e;
}

/** Copies a Float64Array into the dtype (the same array when already f64 and `copy` is false). */
export function toDType(a: Float64Array | Float32Array, dtype: DType): FloatArray {
  if (dtype === "f32") return a instanceof Float32Array ? a : Float32Array.from(a);
  return a instanceof Float64Array ? a : Float64Array.from(a);
}

export interface EvaluatorOptions {
  dtype?: DType;
  /** Kernel set or choice (default "auto": native when available). */
  kernels?: NNKernels | KernelChoice;
  /** Names of groups held fixed ("W0", "b1", …): their gradient is not computed (left 0). */
  frozen?: readonly string[];
}

/**
 * Forward and backward passes of an MLP on a fixed data set X (P×D) with targets y (P×K), with all
 * buffers allocated once. Loss L(θ) = ½ Σ_μ Σ_k (f_k(x^μ) − y^μ_k)² (no 1/P, no prior).
 *
 * Per gradient evaluation: one GEMM per layer forward (H^{l+1} = α_l X^l W^lᵀ), one fused pass for
 * the last hidden layer and the readout (activation, outputs, residuals, loss, δ^L, readout
 * gradients), then per layer one GEMM for ∇W^l = α_l δ^{l+1}ᵀ X^l and, below the top, one GEMM and a
 * fused multiply for δ^l.
 */
export class MLPEvaluator {
  readonly spec: MLPSpec;
  readonly dtype: DType;
  readonly kernels: NNKernels;
  readonly P: number;
  /** Data in the evaluator's dtype. */
  readonly X: FloatArray;
  readonly y: FloatArray | null;
  /** Network outputs f (P×K) of the last evaluation. */
  readonly f: FloatArray;
  private readonly act: ActKernel;
  private readonly H: FloatArray[]; // H[l], l = 1 … L: pre-activations, then δ
  private readonly A: FloatArray[]; // A[l], l = 1 … L−1: activations
  private readonly Dv: FloatArray[]; // D[l], l = 1 … L−1: φ′(h)
  private FL: FloatArray | null = null;
  private readonly frozen: Set<string>;
  /** needDelta[l]: some group of a layer < l is trainable, so δ^l must be propagated. */
  private readonly needBelow: boolean[];

  constructor(spec: MLPSpec, data: { X: Float64Array | Float32Array; P: number; y?: Float64Array | Float32Array | null }, opts: EvaluatorOptions = {}) {
    this.spec = spec;
    this.dtype = opts.dtype ?? "f32";
    if (this.dtype !== "f32" && this.dtype !== "f64") throw new InputError(`dtype must be f32 or f64, got ${this.dtype}`, "nn");
    this.kernels = typeof opts.kernels === "object" ? opts.kernels : selectKernels(opts.kernels ?? "auto");
    const P = data.P;
    if (!Number.isInteger(P) || P < 1) throw new InputError(`need at least one data point, got P = ${P}`, "nn data");
    const D = spec.inputDim;
    const K = spec.outputDim;
    if (data.X.length !== P * D) throw new InputError(`X has ${data.X.length} entries, expected P×D = ${P}×${D}`, "nn data");
    const bad = firstNonFinite(data.X);
    if (bad >= 0) throw new InputError(`X row ${Math.floor(bad / D) + 1}, column ${(bad % D) + 1} is ${data.X[bad]}`, "nn data");
    if (data.y) {
      if (data.y.length !== P * K) throw new InputError(`y has ${data.y.length} entries, expected P×K = ${P}×${K}`, "nn data");
      const by = firstNonFinite(data.y);
      if (by >= 0) throw new InputError(`y row ${Math.floor(by / K) + 1}, column ${(by % K) + 1} is ${data.y[by]}`, "nn data");
    }
    this.P = P;
    this.X = toDType(data.X, this.dtype);
    this.y = data.y ? toDType(data.y, this.dtype) : null;
    this.act = actKernel(spec.activation);
    const alloc = (n: number): FloatArray => (this.dtype === "f32" ? new Float32Array(n) : new Float64Array(n));
    this.f = alloc(P * K);
    this.H = [alloc(0)];
    this.A = [this.X];
    this.Dv = [alloc(0)];
    for (let l = 1; l <= spec.depth; l++) {
      this.H.push(alloc(P * spec.sizes[l]));
      if (l < spec.depth) {
        this.A.push(alloc(P * spec.sizes[l]));
        this.Dv.push(alloc(P * spec.sizes[l]));
      }
    }
    this.frozen = new Set(opts.frozen ?? []);
    for (const name of this.frozen) {
      if (!spec.groups.some((g) => g.name === name))
        throw new InputError(`unknown parameter group "${name}" (known: ${spec.groups.map((g) => g.name).join(", ")})`, "nn frozen");
    }
    this.needBelow = [];
    for (let l = 0; l <= spec.depth; l++) {
      let any = false;
      for (const g of spec.groups) if (g.layer < l && !this.frozen.has(g.name)) any = true;
      this.needBelow.push(any);
    }
  }

  /** Whether a group is sampled (not frozen). */
  isTrainable(g: ParamGroup): boolean {
    return !this.frozen.has(g.name);
  }

  /** Bytes held by the evaluator's buffers (data included). */
  bytes(): number {
    let b = this.X.byteLength + (this.y?.byteLength ?? 0) + this.f.byteLength;
    for (const a of this.H) b += a.byteLength;
    for (let l = 1; l < this.A.length; l++) b += this.A[l].byteLength;
    for (const a of this.Dv) b += a.byteLength;
    if (this.FL) b += this.FL.byteLength;
    return b;
  }

  private checkTheta(theta: FloatArray, name = "θ"): void {
    const want = this.dtype === "f32" ? Float32Array : Float64Array;
    if (!(theta instanceof want)) throw new InputError(`${name} must be a ${want.name} (evaluator dtype ${this.dtype})`, "nn");
    if (theta.length !== this.spec.numParams) throw new InputError(`${name} has ${theta.length} entries, the network has ${this.spec.numParams}`, "nn");
  }

  /** Hidden layers 1 … L−1 forward (GEMM + fused activation), and the top pre-activation H^L. */
  private forwardHidden(theta: FloatArray): void {
    const { spec, kernels: k, P } = this;
    const L = spec.depth;
    for (let l = 0; l < L; l++) {
      const lay = spec.layers[l];
      const W = groupView(theta, lay.weight);
      const nIn = lay.fanIn;
      const nOut = lay.fanOut;
      k.gemm(false, true, P, nOut, nIn, lay.multiplier, this.A[l], nIn, W, nIn, 0, this.H[l + 1], nOut);
      if (l + 1 < L) {
        const b = lay.bias ? groupView(theta, lay.bias) : null;
        k.act(this.act, P, nOut, this.H[l + 1], b, spec.biasScale, this.A[l + 1], this.Dv[l + 1]);
      }
    }
  }

  private headArgs(theta: FloatArray) {
    const { spec } = this;
    const L = spec.depth;
    const top = spec.layers[L - 1];
    const out = spec.layers[L];
    return {
      N: spec.sizes[L],
      bHidden: top.bias ? groupView(theta, top.bias) : null,
      V: groupView(theta, out.weight),
      c: out.bias ? groupView(theta, out.bias) : null,
      alpha: out.multiplier,
    };
  }

  /**
   * L(θ) and ∇L(θ) (written into `grad`, same dtype and length as θ; frozen groups get 0).
   * Returns L, accumulated in double.
   */
  lossGrad(theta: FloatArray, grad: FloatArray): number {
    this.checkTheta(theta);
    this.checkTheta(grad, "grad");
    if (!this.y) throw new InputError("this evaluator has no targets y", "nn lossGrad");
    const { spec, kernels: k, P } = this;
    const L = spec.depth;
    const K = spec.outputDim;
    this.forwardHidden(theta);
    const h = this.headArgs(theta);
    const gOf = (g: ParamGroup | null): FloatArray | null => (g && !this.frozen.has(g.name) ? groupView(grad, g) : null);
    for (const g of spec.groups) if (this.frozen.has(g.name)) groupView(grad, g).fill(0);
    const top = spec.layers[L - 1];
    const out = spec.layers[L];
    const loss = k.head(
      this.act,
      P,
      h.N,
      K,
      this.H[L],
      h.bHidden,
      spec.biasScale,
      h.alpha,
      h.V,
      h.c,
      this.y,
      this.f,
      this.H[L],
      gOf(out.weight),
      gOf(top.bias),
      gOf(out.bias),
      null,
    );
    // Backward through the hidden layers: H[l+1] holds δ^{l+1} = ∂L/∂h^{l+1}.
    for (let l = L - 1; l >= 0; l--) {
      const lay = spec.layers[l];
      const nIn = lay.fanIn;
      const nOut = lay.fanOut;
      const delta = this.H[l + 1];
      const gW = gOf(lay.weight);
      if (gW) k.gemm(true, false, nOut, nIn, P, lay.multiplier, delta, nOut, this.A[l], nIn, 0, gW, nIn);
      if (l < L - 1) {
        const gb = gOf(lay.bias);
        if (gb) k.colSum(P, nOut, delta, spec.biasScale, gb);
      }
      if (l > 0 && this.needBelow[l]) {
        const W = groupView(theta, lay.weight);
        k.gemm(false, false, P, nIn, nOut, lay.multiplier, delta, nOut, W, nIn, 0, this.H[l], nIn);
        k.mulInto(P * nIn, this.H[l], this.Dv[l]);
      }
    }
    return loss;
  }

  /** Forward only: writes the outputs to {@link f} and returns L(θ) (0 without targets). */
  loss(theta: FloatArray): number {
    this.checkTheta(theta);
    const { spec, kernels: k, P } = this;
    this.forwardHidden(theta);
    const h = this.headArgs(theta);
    return k.head(
      this.act,
      P,
      h.N,
      spec.outputDim,
      this.H[spec.depth],
      h.bHidden,
      spec.biasScale,
      h.alpha,
      h.V,
      h.c,
      this.y,
      this.f,
      null,
      null,
      null,
      null,
      null,
    );
  }

  /** Network outputs f(x^μ) (P×K) at θ: {@link f} (a view, overwritten by the next call). */
  predict(theta: FloatArray): FloatArray {
    this.loss(theta);
    return this.f;
  }

  /**
   * Post-activations of every hidden layer at θ: [x^1, …, x^L], each P×n_l row-major (views into
   * the evaluator's buffers, overwritten by the next call). Also updates {@link f}.
   */
  activations(theta: FloatArray): FloatArray[] {
    this.checkTheta(theta);
    const { spec, kernels: k, P } = this;
    const L = spec.depth;
    if (!this.FL) this.FL = this.dtype === "f32" ? new Float32Array(P * spec.sizes[L]) : new Float64Array(P * spec.sizes[L]);
    this.forwardHidden(theta);
    const h = this.headArgs(theta);
    k.head(this.act, P, h.N, spec.outputDim, this.H[L], h.bHidden, spec.biasScale, h.alpha, h.V, h.c, this.y, this.f, null, null, null, null, this.FL);
    return [...this.A.slice(1), this.FL];
  }

  /** Pre-activations h^l of every hidden layer (biases included) at θ — recomputed; views. */
  preActivations(theta: FloatArray): FloatArray[] {
    this.checkTheta(theta);
    const { spec, kernels: k, P } = this;
    const L = spec.depth;
    this.forwardHidden(theta);
    // forwardHidden leaves H[l] (l < L) with biases added; the top layer needs its bias added here.
    const top = spec.layers[L - 1];
    if (top.bias) k.act(this.act, P, spec.sizes[L], this.H[L], groupView(theta, top.bias), spec.biasScale, null, null);
    return this.H.slice(1);
  }
}
