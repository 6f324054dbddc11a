/**
 * Monte-Carlo estimates of infinite-width kernels from sampled finite networks, with a standard error
 * per entry (for validating closed forms and quadrature, and for finite-width checks).
 *
 * Estimator (one layer, paper b §2.4): given the covariance C of the pre-activations, a network of
 * width N has i.i.d. rows h_i ~ N(0, C) (i = 1 … N); its empirical kernel is
 *
 *   K̂_ab = g_w·(1/N)·Σ_i φ(h_i(x_a)) φ(h_i(x_b)) + g_b,
 *
 * an unbiased estimate of g_w·E[φφ] + g_b. Over `nets` independent networks we report the mean and the
 * standard error s/√nets (s the sample standard deviation across networks). Every draw comes from an
 * explicit key: network k uses `split(key, nets)[k]`.
 *
 * {@link monteCarloNetworkKernels} samples whole deep networks from the inputs instead (weights
 * W^(1) ~ N(0, g_1/(dλ0)), W^(l) ~ N(0, g_l/N), biases ~ N(0, g_b)); its layer-2 kernel is unbiased
 * for the NNGP, deeper layers carry the O(1/N) finite-width corrections.
 *
 * @module
 */
import { InputError } from "../engine/errors.js";
import { eigh, gram, matmul } from "../engine/linalg.js";
import { type Key, normalInto, split } from "../engine/random.js";
import { type Activation, toActivation } from "./activations.js";

/** Options of {@link monteCarloLayerKernel}. */
export interface MonteCarloOptions {
  /** Width N of each sampled layer. */
  width: number;
  /** Number of independent networks. */
  nets: number;
  /** Random key (from `key(seed)`). */
  key: Key;
  /** Weight gain g_w (default 1). */
  gw?: number;
  /** Bias variance g_b (default 0). */
  gb?: number;
}

/** Mean and standard error of a Monte-Carlo kernel estimate (P×P row-major). */
export interface MonteCarloKernel {
  P: number;
  mean: Float64Array;
  stderr: Float64Array;
  width: number;
  nets: number;
}

function checkInt(v: number, name: string, min: number, where: string): void {
  if (!Number.isInteger(v) || v < min) throw new InputError(`${name} must be an integer ≥ ${min}, got ${v}`, where);
}

function checkGain(v: number, name: string, where: string): void {
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0) throw new InputError(`${name} must be a finite number ≥ 0, got ${v}`, where);
}

/** Accumulates per-entry mean and M2 (Welford) across networks. */
class Welford {
  n = 0;
  readonly mean: Float64Array;
  readonly m2: Float64Array;
  constructor(size: number) {
    this.mean = new Float64Array(size);
    this.m2 = new Float64Array(size);
  }
  push(x: Float64Array): void {
    this.n++;
    const { mean, m2, n } = this;
    for (let i = 0; i < x.length; i++) {
      const d = x[i] - mean[i];
      mean[i] += d / n;
      m2[i] += d * (x[i] - mean[i]);
    }
  }
  stderr(): Float64Array {
    const out = new Float64Array(this.mean.length);
    if (this.n < 2) return out.fill(Number.NaN);
    for (let i = 0; i < out.length; i++) out[i] = Math.sqrt(this.m2[i] / (this.n - 1) / this.n);
    return out;
  }
}

/**
 * A factor F (P×P, row-major) with F·Fᵀ = C for a symmetric PSD C, from its eigendecomposition
 * (negative eigenvalues above −1e−10·max|λ| are rounding and clipped to 0; larger ones → InputError).
 */
function psdFactor(C: Float64Array, P: number, where: string): Float64Array {
  const { values, vectors } = eigh(C, P, { where, cache: false });
  let maxAbs = 0;
  for (let i = 0; i < P; i++) maxAbs = Math.max(maxAbs, Math.abs(values[i]));
  const F = new Float64Array(P * P);
  for (let k = 0; k < P; k++) {
    const lam = values[k];
    if (lam < -1e-10 * maxAbs) throw new InputError(`covariance is not positive semidefinite (eigenvalue ${lam})`, where);
    const s = Math.sqrt(Math.max(lam, 0));
    for (let i = 0; i < P; i++) F[i * P + k] = vectors[i * P + k] * s;
  }
  return F;
}

/**
 * Monte-Carlo estimate of the layer kernel g_w·E[φ(h)φ(h′)] + g_b for pre-activation covariance C
 * (P×P): `nets` networks of width N, rows h_i = F z_i with F Fᵀ = C and z_i ~ N(0, I_P).
 */
export function monteCarloLayerKernel(activation: Activation | string, C: Float64Array, P: number, opts: MonteCarloOptions): MonteCarloKernel {
  const where = "monteCarloLayerKernel";
  const act = toActivation(activation);
  checkInt(P, "P", 1, where);
  checkInt(opts.width, "width", 1, where);
  checkInt(opts.nets, "nets", 1, where);
  const gw = opts.gw ?? 1;
  const gb = opts.gb ?? 0;
  checkGain(gw, "gw", where);
  checkGain(gb, "gb", where);
  if (!(C instanceof Float64Array) || C.length !== P * P) throw new InputError(`C must be a Float64Array of ${P}×${P}`, where);
  for (let i = 0; i < P; i++) {
    if (!(C[i * P + i] >= 0)) throw new InputError(`variance C(${i},${i}) = ${C[i * P + i]} must be a finite number ≥ 0`, where);
  }
  const F = psdFactor(C, P, where);
  const N = opts.width;
  const keys = split(opts.key, opts.nets);
  const Z = new Float64Array(N * P);
  const phiT = new Float64Array(P * N); // Φᵀ: row a = φ(h_·(x_a))
  const acc = new Welford(P * P);
  const phi = act.phi;
  for (let k = 0; k < opts.nets; k++) {
    normalInto(keys[k], Z);
    // H = Z·Fᵀ (N×P): h_i = F z_i.
    const H = matmul({ rows: N, cols: P, data: Z }, { rows: P, cols: P, data: F }, { transB: true }).data;
    for (let i = 0; i < N; i++) for (let a = 0; a < P; a++) phiT[a * N + i] = phi(H[i * P + a]);
    const K = gram(phiT, P, N, gw / N);
    if (gb !== 0) for (let i = 0; i < K.length; i++) K[i] += gb;
    acc.push(K);
  }
  return { P, mean: acc.mean, stderr: acc.stderr(), width: N, nets: opts.nets };
}

/** Options of {@link monteCarloNetworkKernels}. */
export interface MonteCarloNetworkOptions {
  /** Number L ≥ 1 of hidden layers. */
  layers: number;
  width: number;
  nets: number;
  key: Key;
  /** Gains g_1 … g_{L+1} (a number or an array of length L + 1; default 1). */
  gw?: number | readonly number[];
  /** Bias variance g_b, a number or an array of length L + 1 (default 0). */
  gb?: number | readonly number[];
  /** Prior precision λ0 of the first-layer weights (default 1). */
  lambda0?: number;
}

function perLayer(v: number | readonly number[] | undefined, n: number, name: string, where: string): number[] {
  if (v === undefined) return new Array(n).fill(name === "gw" ? 1 : 0);
  if (typeof v === "number") {
    checkGain(v, name, where);
    return new Array(n).fill(v);
  }
  if (!Array.isArray(v) || v.length !== n) throw new InputError(`${name} must be a number or an array of length ${n}`, where);
  for (let i = 0; i < n; i++) checkGain(v[i], `${name}[${i}]`, where);
  return [...v];
}

/**
 * Samples `nets` deep networks of width N on inputs X (P×d) and returns, for l = 2 … L+1, the mean and
 * standard error of the empirical kernels C^(l) = (g_l/N)·Φ^(l−1)ᵀΦ^(l−1) + g_b (paper b §2.4).
 * Pre-activations: h^(1) = W^(1)x + b^(1), W^(1)_ij ~ N(0, g_1/(dλ0)); h^(l) = W^(l)φ(h^(l−1)) + b^(l),
 * W^(l)_ij ~ N(0, g_l/N); b ~ N(0, g_b). Result index 0 is C^(2).
 */
export function monteCarloNetworkKernels(
  activation: Activation | string,
  X: Float64Array,
  P: number,
  d: number,
  opts: MonteCarloNetworkOptions,
): MonteCarloKernel[] {
  const where = "monteCarloNetworkKernels";
  const act = toActivation(activation);
  checkInt(P, "P", 1, where);
  checkInt(d, "d", 1, where);
  checkInt(opts.layers, "layers", 1, where);
  checkInt(opts.width, "width", 1, where);
  checkInt(opts.nets, "nets", 1, where);
  if (!(X instanceof Float64Array) || X.length !== P * d) throw new InputError(`X must be a Float64Array of ${P}×${d}`, where);
  for (let i = 0; i < X.length; i++)
    if (!Number.isFinite(X[i])) throw new InputError(`X has a non-finite value at row ${Math.floor(i / d)}, column ${i % d}`, where);
  const L = opts.layers;
  const N = opts.width;
  const gw = perLayer(opts.gw, L + 1, "gw", where);
  const gb = perLayer(opts.gb, L + 1, "gb", where);
  const lambda0 = opts.lambda0 ?? 1;
  if (!(Number.isFinite(lambda0) && lambda0 > 0)) throw new InputError(`lambda0 must be a finite number > 0, got ${lambda0}`, where);
  const accs = Array.from({ length: L }, () => new Welford(P * P));
  const keys = split(opts.key, opts.nets);
  const phi = act.phi;
  const W1 = new Float64Array(N * d);
  const W = new Float64Array(N * N);
  const b = new Float64Array(N);
  const Phi = new Float64Array(P * N);
  for (let k = 0; k < opts.nets; k++) {
    const lk = split(keys[k], 2 * L);
    // Layer 1.
    normalInto(lk[0], W1);
    normalInto(lk[1], b);
    const s1 = Math.sqrt(gw[0] / (d * lambda0));
    const sb1 = Math.sqrt(gb[0]);
    let H = matmul({ rows: P, cols: d, data: X }, { rows: N, cols: d, data: W1 }, { transB: true }).data; // P×N
    for (let a = 0; a < P; a++) for (let i = 0; i < N; i++) H[a * N + i] = s1 * H[a * N + i] + sb1 * b[i];
    for (let l = 1; l <= L; l++) {
      for (let t = 0; t < P * N; t++) Phi[t] = phi(H[t]);
      const K = gram(Phi, P, N, gw[l] / N);
      if (gb[l] !== 0) for (let t = 0; t < K.length; t++) K[t] += gb[l];
      accs[l - 1].push(K);
      if (l === L) break;
      normalInto(lk[2 * l], W);
      normalInto(lk[2 * l + 1], b);
      const s = Math.sqrt(gw[l] / N);
      const sb = Math.sqrt(gb[l]);
      H = matmul({ rows: P, cols: N, data: Phi }, { rows: N, cols: N, data: W }, { transB: true }).data;
      for (let a = 0; a < P; a++) for (let i = 0; i < N; i++) H[a * N + i] = s * H[a * N + i] + sb * b[i];
    }
  }
  return accs.map((acc) => ({ P, mean: acc.mean, stderr: acc.stderr(), width: N, nets: opts.nets }));
}
