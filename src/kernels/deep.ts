/**
 * Deep infinite-width kernels: the NNGP recursion over L layers and the neural tangent kernel.
 *
 * ## NNGP (paper b §3.1, its gain convention)
 *
 * K^(1) = C^(1) = (g_1/(d·λ0))·XXᵀ + g_b (see `inputCovariance`), and for l = 1 … L
 *
 *   K^(l+1)_ab = g_{l+1}·E[φ(u)φ(v)] + g_b,   (u, v) ~ N(0, [[K^(l)_aa, K^(l)_ab], [K^(l)_ab, K^(l)_bb]]).
 *
 * K^(L+1) is the readout (output) kernel. Train×train, test×train and the test diagonal are
 * propagated together: each test×train entry uses the test diagonal and the train diagonal of the
 * previous layer. Gains may differ per layer (`gw`, `gb` as arrays of length L, entry l−1 for the
 * map K^(l) ↦ K^(l+1)).
 *
 * ## NTK (NTK parameterization: Jacot et al. 2018; Lee et al. 2019; neural-tangents
 * `parameterization="ntk"`)
 *
 * h^(l+1) = √(g_{l+1}/N)·W^(l+1) φ(h^(l)) + √g_b·b^(l+1) with W, b ~ N(0, 1) and every parameter
 * trained at the same learning rate (first layer: h^(1) = √(g_1/(d λ0))·W x + √g_b·b). Then
 *
 *   Θ^(1) = K^(1),   Θ^(l+1) = K^(l+1) + g_{l+1}·K̇^(l+1) ∘ Θ^(l),   K̇^(l+1)_ab = E[φ′(u)φ′(v)] under K^(l),
 *
 * and Θ^(L+1) is the output NTK (the readout layer follows the same rule). In the *standard*
 * parameterization the weight-gradient terms carry extra 1/N_l factors and this recursion does not
 * apply. For `sign`, E[φ′²] = ∞ on the diagonal and the NTK is undefined (NumericalError).
 *
 * Cost: O(P²) kernel evaluations per layer; closed forms run as fused loops (erf, (leaky) ReLU, abs)
 * or one closed-form call per entry; activations without closed forms use the polar quadrature of
 * `nngp.ts` (4n² evaluations of φ per entry, default n = 48).
 *
 * @module
 */
import { InputError, NumericalError } from "../engine/errors.js";
import { type Activation, toActivation } from "./activations.js";
import { applyKernel, type InputCovarianceOptions, inputCovariance, type KernelBlocks, type KernelEvalOptions, validateBlocks } from "./nngp.js";

/** Options of {@link nngpStack} and {@link ntkStack}. */
export interface DeepKernelOptions extends KernelEvalOptions {
  /** Number L ≥ 0 of nonlinear layer maps (the result has L + 1 kernels). */
  layers: number;
  /** Weight gains g_2 … g_{L+1}: one number for all layers or an array of length L (default 1). */
  gw?: number | readonly number[];
  /** Bias variances: one number or an array of length L (default 0). */
  gb?: number | readonly number[];
}

function perLayer(v: number | readonly number[] | undefined, L: number, dflt: number, name: string): number[] {
  if (v === undefined) return new Array(L).fill(dflt);
  if (typeof v === "number") {
    if (!Number.isFinite(v) || v < 0) throw new InputError(`${name} must be a finite number ≥ 0, got ${v}`, "deep kernel");
    return new Array(L).fill(v);
  }
  if (!Array.isArray(v) || v.length !== L)
    throw new InputError(`${name} must be a number or an array of length ${L} (one per layer), got length ${(v as readonly number[]).length}`, "deep kernel");
  for (let i = 0; i < L; i++) {
    if (!Number.isFinite(v[i]) || v[i] < 0) throw new InputError(`${name}[${i}] must be a finite number ≥ 0, got ${v[i]}`, "deep kernel");
  }
  return [...v];
}

function checkLayers(L: number): void {
  if (!Number.isInteger(L) || L < 0) throw new InputError(`layers must be an integer ≥ 0, got ${L}`, "deep kernel");
}

function checkFiniteBlocks(K: KernelBlocks, what: string): void {
  for (const [name, arr] of [
    ["train", K.train],
    ["cross", K.cross],
    ["testDiag", K.testDiag],
  ] as const) {
    for (let i = 0; i < arr.length; i++) {
      if (!Number.isFinite(arr[i]))
        throw new NumericalError(`${what}: non-finite value ${arr[i]} in the ${name} block at index ${i} (overflow or a divergent kernel)`);
    }
  }
}

/**
 * The NNGP stack [K^(1), …, K^(L+1)] from an input covariance K^(1) (train, test×train and test
 * diagonal blocks): K^(l+1) = g_{l+1}·E[φφ](K^(l)) + g_b.
 */
export function nngpStack(activation: Activation | string, input: KernelBlocks, opts: DeepKernelOptions): KernelBlocks[] {
  const act = toActivation(activation);
  checkLayers(opts.layers);
  const L = opts.layers;
  const gw = perLayer(opts.gw, L, 1, "gw");
  const gb = perLayer(opts.gb, L, 0, "gb");
  validateBlocks(input, "input kernel");
  const out: KernelBlocks[] = [input];
  let K = input;
  for (let l = 0; l < L; l++) {
    K = applyKernel(act, "kernel", K, { ...opts, gw: gw[l], gb: gb[l], trusted: true });
    checkFiniteBlocks(K, `NNGP layer ${l + 2}`);
    out.push(K);
  }
  return out;
}

/** Result of {@link ntkStack}: per layer l = 1 … L+1 (index l − 1) the NNGP kernel, the derivative kernel and the NTK. */
export interface NTKStack {
  /** K^(1) … K^(L+1). */
  nngp: KernelBlocks[];
  /** K̇^(2) … K̇^(L+1) (length L): E[φ′(u)φ′(v)] under K^(l), without the gain. */
  dnngp: KernelBlocks[];
  /** Θ^(1) … Θ^(L+1). */
  ntk: KernelBlocks[];
}

/**
 * NNGP and NTK stacks (NTK parameterization, see the module doc):
 * Θ^(1) = K^(1), Θ^(l+1) = K^(l+1) + g_{l+1}·K̇^(l+1) ∘ Θ^(l), on all three blocks.
 */
export function ntkStack(activation: Activation | string, input: KernelBlocks, opts: DeepKernelOptions): NTKStack {
  const act = toActivation(activation);
  checkLayers(opts.layers);
  const L = opts.layers;
  const gw = perLayer(opts.gw, L, 1, "gw");
  const gb = perLayer(opts.gb, L, 0, "gb");
  validateBlocks(input, "input kernel");
  const nngp: KernelBlocks[] = [input];
  const dnngp: KernelBlocks[] = [];
  const ntk: KernelBlocks[] = [copyBlocks(input)];
  let K = input;
  let T = ntk[0];
  for (let l = 0; l < L; l++) {
    const Knext = applyKernel(act, "kernel", K, { ...opts, gw: gw[l], gb: gb[l], trusted: true });
    checkFiniteBlocks(Knext, `NNGP layer ${l + 2}`);
    const Kd = applyKernel(act, "dkernel", K, { ...opts, gw: 1, gb: 0, trusted: true });
    checkFiniteBlocks(Kd, `derivative kernel of layer ${l + 2} (E[φ′φ′] under K^(${l + 1}))`);
    const Tnext: KernelBlocks = {
      P: K.P,
      Pt: K.Pt,
      train: combine(Knext.train, Kd.train, T.train, gw[l]),
      cross: combine(Knext.cross, Kd.cross, T.cross, gw[l]),
      testDiag: combine(Knext.testDiag, Kd.testDiag, T.testDiag, gw[l]),
    };
    nngp.push(Knext);
    dnngp.push(Kd);
    ntk.push(Tnext);
    K = Knext;
    T = Tnext;
  }
  return { nngp, dnngp, ntk };
}

function combine(K: Float64Array, Kd: Float64Array, T: Float64Array, g: number): Float64Array {
  const out = new Float64Array(K.length);
  for (let i = 0; i < K.length; i++) out[i] = K[i] + g * Kd[i] * T[i];
  return out;
}

function copyBlocks(K: KernelBlocks): KernelBlocks {
  return { P: K.P, Pt: K.Pt, train: K.train.slice(), cross: K.cross.slice(), testDiag: K.testDiag.slice() };
}

/** Options of {@link deepKernels}: input options plus per-layer gains including the first layer. */
export interface DeepFromInputsOptions extends KernelEvalOptions, Omit<InputCovarianceOptions, "gw" | "gb"> {
  layers: number;
  /** Gains g_1 … g_{L+1}: a number for all layers or an array of length L + 1 (g_1 for the inputs). */
  gw?: number | readonly number[];
  /** Bias variance(s) g_b: a number or an array of length L + 1 (first entry for C^(1)). */
  gb?: number | readonly number[];
  /** Also compute the NTK stack (default false). */
  ntk?: boolean;
}

/**
 * NNGP (and optionally NTK) stacks straight from the data: C^(1) = (g_1/(dλ0))XXᵀ + g_b, then L
 * layer maps. X is P×d row-major; test inputs via `Xtest`.
 */
export function deepKernels(
  activation: Activation | string,
  X: Float64Array,
  P: number,
  d: number,
  opts: DeepFromInputsOptions,
): { nngp: KernelBlocks[]; ntk?: KernelBlocks[]; dnngp?: KernelBlocks[] } {
  checkLayers(opts.layers);
  const L = opts.layers;
  const gw = perLayer(opts.gw, L + 1, 1, "gw");
  const gb = perLayer(opts.gb, L + 1, 0, "gb");
  const input = inputCovariance(X, P, d, { gw: gw[0], gb: gb[0], lambda0: opts.lambda0, Xtest: opts.Xtest, Pt: opts.Pt });
  const rest = { ...opts, layers: L, gw: gw.slice(1), gb: gb.slice(1) };
  if (opts.ntk) return ntkStack(activation, input, rest);
  return { nngp: nngpStack(activation, input, rest) };
}
