/**
 * Markov-chain diagnostics shared by every sampler: running moments, integrated autocorrelation
 * time, effective sample size, blocked (batch-means) error bars with an automatic blocking
 * analysis, split-R̂ across chains, an acceptance-rate accumulator and a streaming accumulator for
 * vector observables with memory O(dim × blocks).
 *
 * Conventions:
 * - A *series* (one chain of one scalar observable) is a `Float64Array` (any `ArrayLike<number>`
 *   is accepted) of draws x_1 … x_n in recording order.
 * - The autocorrelation estimator is the standard biased one,
 *   γ̂(t) = (1/n) Σ_{i=1}^{n−t} (x_i − x̄)(x_{i+t} − x̄), ρ̂(t) = γ̂(t)/γ̂(0), computed by FFT.
 * - The integrated autocorrelation time is τ_int = 1 + 2 Σ_{t≥1} ρ(t) (so i.i.d. draws have
 *   τ_int = 1 and an AR(1) process with coefficient ρ has τ_int = (1 + ρ)/(1 − ρ)); the effective
 *   sample size is ESS = n/τ_int and the error of the mean is σ·√(τ_int/n).
 * - A zero-variance series has τ_int = 1, ESS = n and error 0 (its mean is exact).
 * - Non-finite draws are an {@link InputError} naming the index.
 *
 * @module
 */
import { InputError } from "../engine/errors.js";
import { normPpf } from "../engine/special.js";

type Series = ArrayLike<number>;

function checkSeries(x: Series, minLength: number, where: string): void {
  if (x.length < minLength) throw new InputError(`needs at least ${minLength} draws, got ${x.length}`, where);
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i])) throw new InputError(`draw ${i} is not finite (${x[i]})`, where);
  }
}

function seriesMean(x: Series): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  return s / x.length;
}

/** Unbiased sample variance (divisor n − 1), two-pass. */
function seriesVar(x: Series, mean = seriesMean(x)): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    const d = x[i] - mean;
    s += d * d;
  }
  return x.length > 1 ? s / (x.length - 1) : 0;
}

// ---------------------------------------------------------------------------------------------
// Running moments
// ---------------------------------------------------------------------------------------------

/**
 * Welford's running mean and variance of a scalar stream (numerically stable, one pass, O(1)
 * memory). `variance` is the unbiased sample variance s² = Σ(x − x̄)²/(n − 1).
 */
export class RunningStats {
  private n = 0;
  private m = 0;
  private m2 = 0;
  private lo = Number.POSITIVE_INFINITY;
  private hi = Number.NEGATIVE_INFINITY;

  /** Adds one draw. */
  push(x: number): void {
    this.n++;
    const d = x - this.m;
    this.m += d / this.n;
    this.m2 += d * (x - this.m);
    if (x < this.lo) this.lo = x;
    if (x > this.hi) this.hi = x;
  }

  /** Adds every element of `xs`. */
  pushAll(xs: Series): void {
    for (let i = 0; i < xs.length; i++) this.push(xs[i]);
  }

  /** Combines another accumulator into this one (Chan, Golub & LeVeque's pairwise update). */
  merge(o: RunningStats): void {
    if (o.n === 0) return;
    if (this.n === 0) {
      this.n = o.n;
      this.m = o.m;
      this.m2 = o.m2;
      this.lo = o.lo;
      this.hi = o.hi;
      return;
    }
    const n = this.n + o.n;
    const d = o.m - this.m;
    this.m += (d * o.n) / n;
    this.m2 += o.m2 + (d * d * this.n * o.n) / n;
    this.n = n;
    this.lo = Math.min(this.lo, o.lo);
    this.hi = Math.max(this.hi, o.hi);
  }

  get count(): number {
    return this.n;
  }
  /** x̄ (NaN before the first draw). */
  get mean(): number {
    return this.n > 0 ? this.m : Number.NaN;
  }
  /** s² with divisor n − 1 (0 for a single draw, NaN for none). */
  get variance(): number {
    if (this.n === 0) return Number.NaN;
    return this.n > 1 ? this.m2 / (this.n - 1) : 0;
  }
  get std(): number {
    return Math.sqrt(this.variance);
  }
  /** Naive standard error s/√n (valid for independent draws only). */
  get sem(): number {
    return Math.sqrt(this.variance / this.n);
  }
  get min(): number {
    return this.lo;
  }
  get max(): number {
    return this.hi;
  }
}

// ---------------------------------------------------------------------------------------------
// Autocorrelation
// ---------------------------------------------------------------------------------------------

/** In-place iterative radix-2 complex FFT (length a power of two). `inverse` omits the 1/n. */
function fft(re: Float64Array, im: Float64Array, inverse: boolean): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      let t = re[i];
      re[i] = re[j];
      re[j] = t;
      t = im[i];
      im[i] = im[j];
      im[j] = t;
    }
  }
  const sign = inverse ? 1 : -1;
  for (let len = 2; len <= n; len <<= 1) {
    const ang = (sign * 2 * Math.PI) / len;
    const wr = Math.cos(ang);
    const wi = Math.sin(ang);
    const half = len >> 1;
    for (let i = 0; i < n; i += len) {
      let cr = 1;
      let ci = 0;
      for (let k = 0; k < half; k++) {
        const a = i + k;
        const b = a + half;
        const xr = re[b] * cr - im[b] * ci;
        const xi = re[b] * ci + im[b] * cr;
        re[b] = re[a] - xr;
        im[b] = im[a] - xi;
        re[a] += xr;
        im[a] += xi;
        const ncr = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = ncr;
      }
    }
  }
}

/**
 * Autocovariances γ̂(t) = (1/n) Σ_{i=1}^{n−t} (x_i − x̄)(x_{i+t} − x̄) for t = 0 … maxLag, by FFT
 * (zero-padded to ≥ 2n, so no circular wrap-around).
 */
export function autocovariance(x: Series, maxLag = x.length - 1): Float64Array {
  checkSeries(x, 1, "autocovariance");
  const n = x.length;
  const L = Math.min(Math.max(0, Math.floor(maxLag)), n - 1);
  let size = 1;
  while (size < 2 * n) size <<= 1;
  const re = new Float64Array(size);
  const im = new Float64Array(size);
  const m = seriesMean(x);
  for (let i = 0; i < n; i++) re[i] = x[i] - m;
  fft(re, im, false);
  for (let i = 0; i < size; i++) {
    re[i] = re[i] * re[i] + im[i] * im[i];
    im[i] = 0;
  }
  fft(re, im, true);
  const out = new Float64Array(L + 1);
  const scale = 1 / (size * n);
  for (let t = 0; t <= L; t++) out[t] = re[t] * scale;
  return out;
}

/** Normalised autocorrelation ρ̂(t) = γ̂(t)/γ̂(0), t = 0 … maxLag (all ones for a constant series). */
export function autocorrelation(x: Series, maxLag = x.length - 1): Float64Array {
  const g = autocovariance(x, maxLag);
  const g0 = g[0];
  if (!(g0 > 0)) return g.fill(1);
  for (let t = 0; t < g.length; t++) g[t] /= g0;
  return g;
}

/** Estimator of τ_int: Sokal's automatic window or Geyer's initial monotone sequence. */
export type TauMethod = "sokal" | "geyer";

export interface TauOptions {
  /** Default "sokal". */
  method?: TauMethod;
  /** Sokal's window constant c: the window M is the smallest M with M ≥ c·τ̂(M). Default 5. */
  c?: number;
}

export interface TauResult {
  /** τ̂_int = 1 + 2 Σ_{t=1}^{M} ρ̂(t) (Sokal) or −1 + 2 Σ_k (ρ̂(2k) + ρ̂(2k+1)) (Geyer). */
  tau: number;
  /** Last lag included in the sum. */
  window: number;
  method: TauMethod;
  /**
   * False when Sokal's criterion M ≥ c·τ̂(M) was never met before lag n/2 (the chain is too short
   * for its correlation time; τ̂ is then the value at n/2 and underestimates τ_int). Geyer's
   * estimator always terminates and reports true.
   */
  converged: boolean;
}

/** τ̂ from a normalised autocorrelation function (ρ[0] = 1), see {@link integratedAutocorrTime}. */
export function tauFromAcf(rho: ArrayLike<number>, opts: TauOptions = {}): TauResult {
  const method = opts.method ?? "sokal";
  const L = rho.length - 1;
  if (method === "geyer") {
    // Geyer (1992), initial monotone sequence estimator: P_k = ρ(2k) + ρ(2k+1) summed while
    // positive, each P_k capped by its predecessor.
    let sum = 0;
    let prev = Number.POSITIVE_INFINITY;
    let k = 0;
    let window = 0;
    for (; 2 * k + 1 <= L; k++) {
      let p = rho[2 * k] + rho[2 * k + 1];
      if (!(p > 0)) break;
      if (p > prev) p = prev;
      prev = p;
      sum += p;
      window = 2 * k + 1;
    }
    return { tau: Math.max(-1 + 2 * sum, 0), window, method, converged: true };
  }
  if (method !== "sokal") throw new InputError(`unknown τ_int method "${String(method)}" (sokal | geyer)`, "integratedAutocorrTime");
  const c = opts.c ?? 5;
  if (!(c > 0)) throw new InputError(`window constant c must be > 0, got ${c}`, "integratedAutocorrTime");
  let tau = 1;
  const maxM = Math.max(1, Math.floor(L / 2));
  for (let M = 1; M <= Math.min(maxM, L); M++) {
    tau += 2 * rho[M];
    if (M >= c * tau) return { tau, window: M, method, converged: true };
  }
  return { tau, window: Math.min(maxM, L), method, converged: L === 0 };
}

/**
 * Integrated autocorrelation time τ_int = 1 + 2 Σ_{t≥1} ρ(t) of one series.
 *
 * Default estimator: **Sokal's automatic windowing** (A. Sokal, "Monte Carlo methods in
 * statistical mechanics", 1996): τ̂(M) = 1 + 2 Σ_{t=1}^{M} ρ̂(t) with the smallest window
 * M ≥ c·τ̂(M), c = 5 (bias ~ e^{−c}, variance ≈ 2(2M + 1)τ²/n). `method: "geyer"` selects
 * Geyer's initial monotone sequence estimator (as in Stan), which needs no tuning constant.
 */
export function integratedAutocorrTime(x: Series, opts: TauOptions = {}): TauResult {
  checkSeries(x, 2, "integratedAutocorrTime");
  const rho = autocorrelation(x);
  if (rho.length > 1 && rho.every((v) => v === 1) && seriesVar(x) === 0) {
    return { tau: 1, window: 0, method: opts.method ?? "sokal", converged: true };
  }
  return tauFromAcf(rho, opts);
}

/** Effective sample size ESS = n/τ̂_int of one series (n for a zero-variance series). */
export function effectiveSampleSize(x: Series, opts: TauOptions = {}): number {
  return x.length / integratedAutocorrTime(x, opts).tau;
}

// ---------------------------------------------------------------------------------------------
// Blocking
// ---------------------------------------------------------------------------------------------

export interface BlockedError {
  /** Mean of all n draws. */
  mean: number;
  /** Standard error of the mean, √(Var(block means)/B). */
  error: number;
  /** Number of blocks B used. */
  nBlocks: number;
  /** Draws per block. */
  blockSize: number;
  /** Draws discarded (the oldest n − B·blockSize draws). */
  discarded: number;
}

/**
 * Batch-means error bar: the series is cut into `nBlocks` (default 20) contiguous blocks of
 * ⌊n/B⌋ draws (the oldest n mod B draws are dropped from the blocks, not from the mean), and
 * error = √(s²_blocks / B) with s²_blocks the unbiased variance of the block means. For blocks
 * much longer than τ_int this is σ·√(τ_int/n); for i.i.d. draws it is ≈ σ/√n.
 */
export function blockedError(x: Series, nBlocks = 20): BlockedError {
  if (!Number.isInteger(nBlocks) || nBlocks < 2) throw new InputError(`number of blocks must be an integer ≥ 2, got ${nBlocks}`, "blockedError");
  checkSeries(x, nBlocks, "blockedError");
  const n = x.length;
  const bs = Math.floor(n / nBlocks);
  const off = n - bs * nBlocks;
  const means = new Float64Array(nBlocks);
  for (let b = 0; b < nBlocks; b++) {
    let s = 0;
    const start = off + b * bs;
    for (let i = 0; i < bs; i++) s += x[start + i];
    means[b] = s / bs;
  }
  return { mean: seriesMean(x), error: Math.sqrt(seriesVar(means) / nBlocks), nBlocks, blockSize: bs, discarded: off };
}

export interface BlockingLevel {
  /** Draws averaged into one block at this level (2^level). */
  blockSize: number;
  /** Number of blocks at this level. */
  nBlocks: number;
  /** Error of the mean estimated from this level's blocks, √(s²/(n_k − 1)) with s² biased. */
  error: number;
  /** Its own statistical uncertainty, error/√(2(n_k − 1)). */
  errorOfError: number;
}

export interface BlockingAnalysis {
  mean: number;
  /** Error of the mean at the selected level. */
  error: number;
  /** Selected level (block size 2^level). */
  level: number;
  blockSize: number;
  /** τ̂_int implied by the blocked error: (error / naive error)². */
  tau: number;
  /**
   * False when no level passed the test before fewer than `minBlocks` blocks remained (the series
   * is too short for its correlation time); the deepest usable level is then reported.
   */
  converged: boolean;
  levels: BlockingLevel[];
}

/** χ²_k quantile by the Wilson–Hilferty cube approximation (accurate to < 1% for k ≥ 1 at p = 0.99). */
function chi2Quantile(p: number, k: number): number {
  const z = normPpf(p);
  const a = 2 / (9 * k);
  const c = 1 - a + z * Math.sqrt(a);
  return k * c * c * c;
}

/**
 * Automatic blocking analysis (Flyvbjerg & Petersen 1989; level selection by Jonsson's M-test,
 * Phys. Rev. E 98, 043304, 2018). Level k averages neighbouring pairs of level k − 1 (when a level
 * has an odd count its oldest element is dropped). With n_k blocks, biased variance s_k² and
 * lag-1 autocovariance γ_k at level k, M_j = Σ_{k≥j} n_k (γ_k/s_k²)² is χ²-distributed with
 * (number of levels − j) degrees of freedom once the blocks are uncorrelated; the first level j
 * with M_j below the 99% quantile is selected and the error is √(s_j²/n_j).
 */
export function blockingAnalysis(x: Series, opts: { minBlocks?: number; p?: number } = {}): BlockingAnalysis {
  const minBlocks = opts.minBlocks ?? 8;
  const p = opts.p ?? 0.99;
  if (!Number.isInteger(minBlocks) || minBlocks < 2) throw new InputError(`minBlocks must be an integer ≥ 2, got ${minBlocks}`, "blockingAnalysis");
  checkSeries(x, minBlocks, "blockingAnalysis");
  const mean = seriesMean(x);
  let cur = Float64Array.from(x as ArrayLike<number>);
  const s2: number[] = [];
  const gam: number[] = [];
  const nk: number[] = [];
  const levels: BlockingLevel[] = [];
  let bs = 1;
  while (cur.length >= minBlocks) {
    const n = cur.length;
    const m = seriesMean(cur);
    let v = 0;
    let g = 0;
    for (let i = 0; i < n; i++) {
      const d = cur[i] - m;
      v += d * d;
      if (i + 1 < n) g += d * (cur[i + 1] - m);
    }
    v /= n;
    g /= n;
    s2.push(v);
    gam.push(g);
    nk.push(n);
    const err = Math.sqrt(v / (n - 1));
    levels.push({ blockSize: bs, nBlocks: n, error: err, errorOfError: err / Math.sqrt(2 * (n - 1)) });
    const h = n >> 1;
    const off = n & 1;
    const next = new Float64Array(h);
    for (let i = 0; i < h; i++) next[i] = 0.5 * (cur[off + 2 * i] + cur[off + 2 * i + 1]);
    cur = next;
    bs *= 2;
  }
  const d = levels.length;
  const naive = levels[0].error;
  if (!(s2[0] > 0)) return { mean, error: 0, level: 0, blockSize: 1, tau: 1, converged: true, levels };
  // M_j from the deepest level upward.
  const M = new Float64Array(d);
  let acc = 0;
  for (let k = d - 1; k >= 0; k--) {
    const r = s2[k] > 0 ? gam[k] / s2[k] : 0;
    acc += nk[k] * r * r;
    M[k] = acc;
  }
  let sel = d - 1;
  let converged = false;
  for (let j = 0; j < d; j++) {
    if (M[j] < chi2Quantile(p, d - j)) {
      sel = j;
      converged = true;
      break;
    }
  }
  const error = levels[sel].error;
  return { mean, error, level: sel, blockSize: levels[sel].blockSize, tau: (error / naive) ** 2, converged, levels };
}

// ---------------------------------------------------------------------------------------------
// Multi-chain diagnostics
// ---------------------------------------------------------------------------------------------

function checkChains(chains: readonly Series[], where: string, minLength = 4): void {
  if (chains.length < 1) throw new InputError("needs at least one chain", where);
  const n = chains[0].length;
  for (let c = 0; c < chains.length; c++) {
    if (chains[c].length !== n) throw new InputError(`chain ${c} has ${chains[c].length} draws, chain 0 has ${n}`, where);
    checkSeries(chains[c], minLength, `${where} (chain ${c})`);
  }
}

/** Splits each chain into its first and second halves (the middle draw of an odd chain is dropped). */
function splitHalves(chains: readonly Series[]): Float64Array[] {
  const out: Float64Array[] = [];
  for (const ch of chains) {
    const h = Math.floor(ch.length / 2);
    const a = new Float64Array(h);
    const b = new Float64Array(h);
    for (let i = 0; i < h; i++) {
      a[i] = ch[i];
      b[i] = ch[ch.length - h + i];
    }
    out.push(a, b);
  }
  return out;
}

/** Gelman–Rubin R̂ = √(var⁺/W) of already-split chains of equal length. */
function rhatOf(chains: Float64Array[]): { rhat: number; W: number; varPlus: number } {
  const m = chains.length;
  const n = chains[0].length;
  const means = chains.map((c) => seriesMean(c));
  const vars = chains.map((c, i) => seriesVar(c, means[i]));
  const W = vars.reduce((a, b) => a + b, 0) / m;
  const B = m > 1 ? n * seriesVar(means) : 0;
  const varPlus = ((n - 1) / n) * W + B / n;
  if (W === 0) return { rhat: B === 0 ? 1 : Number.POSITIVE_INFINITY, W, varPlus };
  return { rhat: Math.sqrt(varPlus / W), W, varPlus };
}

/** Rank-normalisation (Vehtari et al. 2021): z = Φ⁻¹((r − 3/8)/(S + 1/4)) with average ranks r over all S pooled draws. */
function rankNormalize(chains: readonly Float64Array[]): Float64Array[] {
  const S = chains.reduce((a, c) => a + c.length, 0);
  const vals = new Float64Array(S);
  let k = 0;
  for (const c of chains) for (let i = 0; i < c.length; i++) vals[k++] = c[i];
  const idx = Array.from({ length: S }, (_, i) => i).sort((a, b) => vals[a] - vals[b]);
  const z = new Float64Array(S);
  for (let i = 0; i < S; ) {
    let j = i;
    while (j + 1 < S && vals[idx[j + 1]] === vals[idx[i]]) j++;
    const r = (i + j) / 2 + 1; // average 1-based rank of the tie group
    const v = normPpf((r - 0.375) / (S + 0.25));
    for (let t = i; t <= j; t++) z[idx[t]] = v;
    i = j + 1;
  }
  const out: Float64Array[] = [];
  k = 0;
  for (const c of chains) {
    out.push(z.slice(k, k + c.length));
    k += c.length;
  }
  return out;
}

export interface RhatOptions {
  /**
   * Rank-normalised, folded split-R̂ of Vehtari, Gelman, Simpson, Carpenter & Bürkner (Bayesian
   * Analysis 16, 2021): max(R̂ of rank-normalised draws, R̂ of rank-normalised |x − median|).
   * Default false (classic split-R̂ on the raw draws).
   */
  rankNormalize?: boolean;
}

/**
 * Split-R̂ (Gelman–Rubin potential scale reduction) across chains of equal length: every chain is
 * split in halves (m = 2 × chains), W = mean within-half variance, B = n·Var(half means),
 * var⁺ = (n − 1)/n · W + B/n, R̂ = √(var⁺/W). R̂ ≈ 1 for well-mixed chains; > 1.01–1.1 flags
 * non-convergence. A single chain is allowed (its two halves are compared). Zero within-chain
 * variance gives 1 if all halves agree, else +∞.
 */
export function splitRhat(chains: readonly Series[], opts: RhatOptions = {}): number {
  checkChains(chains, "splitRhat");
  const halves = splitHalves(chains);
  if (!opts.rankNormalize) return rhatOf(halves).rhat;
  const bulk = rhatOf(rankNormalize(halves)).rhat;
  const pooled = Float64Array.from(halves.flatMap((h) => Array.from(h))).sort();
  const S = pooled.length;
  const med = S % 2 ? pooled[(S - 1) / 2] : 0.5 * (pooled[S / 2 - 1] + pooled[S / 2]);
  const folded = halves.map((h) => h.map((v) => Math.abs(v - med)));
  const tail = rhatOf(rankNormalize(folded)).rhat;
  return Math.max(bulk, tail);
}

/**
 * Multi-chain effective sample size (Stan's estimator, Vehtari et al. 2021 without the rank
 * step unless `rankNormalize`): chains are split in halves, ρ̂_t = 1 − (W − mean_m(s_m² ρ̂_{t,m}))/var⁺,
 * τ̂ from Geyer's initial monotone sequence, ESS = m·n/τ̂. Equals ≈ total draws for i.i.d. chains.
 */
export function essChains(chains: readonly Series[], opts: RhatOptions = {}): number {
  checkChains(chains, "essChains");
  let halves = splitHalves(chains);
  if (opts.rankNormalize) halves = rankNormalize(halves);
  const m = halves.length;
  const n = halves[0].length;
  const { W, varPlus } = rhatOf(halves);
  if (!(varPlus > 0)) return m * n;
  const acov = halves.map((h) => autocovariance(h));
  const rho = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    let s = 0;
    // autocovariance() uses divisor n; Stan's s_m² ρ̂_{t,m} = γ̂_t · n/(n − 1).
    for (let c = 0; c < m; c++) s += (acov[c][t] * n) / (n - 1);
    rho[t] = 1 - (W - s / m) / varPlus;
  }
  rho[0] = 1;
  const tau = tauFromAcf(rho, { method: "geyer" }).tau;
  return (m * n) / Math.max(tau, 1 / Math.log10(Math.max(m * n, 10)));
}

// ---------------------------------------------------------------------------------------------
// Acceptance rate
// ---------------------------------------------------------------------------------------------

/**
 * Acceptance-rate accumulator for Metropolis-type samplers: overall rate and the rate over the
 * most recent `window` proposals (for step-size adaptation). Also accepts fractional acceptance
 * (e.g. the Metropolis probability min(1, e^{−ΔH}) for a Rao–Blackwellised rate).
 */
export class AcceptanceRate {
  private acc = 0;
  private tot = 0;
  private readonly ring: Float64Array;
  private head = 0;
  private filled = 0;
  private ringSum = 0;

  /** `window`: length of the recent-rate window (default 100). */
  constructor(readonly window = 100) {
    if (!Number.isInteger(window) || window < 1) throw new InputError(`window must be an integer ≥ 1, got ${window}`, "AcceptanceRate");
    this.ring = new Float64Array(window);
  }

  /** Records one proposal: `true`/`false` or an acceptance probability in [0, 1]. */
  record(accepted: boolean | number): void {
    const a = typeof accepted === "number" ? accepted : accepted ? 1 : 0;
    if (!(a >= 0 && a <= 1)) throw new InputError(`acceptance must be in [0, 1], got ${a}`, "AcceptanceRate.record");
    this.acc += a;
    this.tot += 1;
    this.ringSum += a - this.ring[this.head];
    this.ring[this.head] = a;
    this.head = (this.head + 1) % this.window;
    if (this.filled < this.window) this.filled++;
  }

  /** Records `accepted` acceptances out of `proposed` proposals (not entered into the recent window). */
  recordMany(accepted: number, proposed: number): void {
    if (!(proposed >= 0 && accepted >= 0 && accepted <= proposed))
      throw new InputError(`need 0 ≤ accepted ≤ proposed, got ${accepted}/${proposed}`, "AcceptanceRate.recordMany");
    this.acc += accepted;
    this.tot += proposed;
  }

  get accepted(): number {
    return this.acc;
  }
  get proposed(): number {
    return this.tot;
  }
  /** Overall acceptance rate (NaN before the first proposal). */
  get rate(): number {
    return this.tot > 0 ? this.acc / this.tot : Number.NaN;
  }
  /** Rate over the last min(window, recorded) single proposals (NaN if none). */
  get recentRate(): number {
    return this.filled > 0 ? this.ringSum / this.filled : Number.NaN;
  }
  reset(): void {
    this.acc = 0;
    this.tot = 0;
    this.ring.fill(0);
    this.head = 0;
    this.filled = 0;
    this.ringSum = 0;
  }
}

// ---------------------------------------------------------------------------------------------
// Streaming vector observable
// ---------------------------------------------------------------------------------------------

export interface StreamSummary {
  count: number;
  mean: Float64Array;
  /** Blocked standard error of the mean, per component (NaN until ≥ 2 full blocks exist). */
  error: Float64Array;
  /** Unbiased per-component variance of the draws. */
  variance: Float64Array;
  /** Per-component τ̂_int ≈ (blocked error / naive error)². */
  tau: Float64Array;
  /** Number of complete blocks used for the error, and their size. */
  nBlocks: number;
  blockSize: number;
}

/**
 * Streaming accumulator for a vector observable (dimension `dim`): exact running mean and
 * (Welford) variance of every component, plus a blocked error bar computed from at most
 * 2·`blocks` block sums kept in memory — O(dim × blocks) memory for any chain length.
 *
 * Blocks start with one draw each; when 2·blocks complete blocks exist, neighbouring pairs are
 * merged and the block size doubles. So after n draws there are between `blocks` and 2·blocks
 * complete blocks of equal size b (plus one partial block, which counts in the mean but not in
 * the error), and error_i = √(s²_i/B) with s²_i the unbiased variance of the B block means of
 * component i. Once b ≫ τ_int this is the batch-means error σ_i √(τ_int/n).
 */
export class Stream {
  private n = 0;
  private readonly m: Float64Array;
  private readonly m2: Float64Array;
  private readonly sums: Float64Array; // (2·blocks) × dim block sums
  private readonly partial: Float64Array;
  private nFull = 0;
  private inPartial = 0;
  private bsize = 1;
  private readonly cap: number;

  /** `dim`: components per draw; `blocks` (default 20): minimum number of blocks once warmed up. */
  constructor(
    readonly dim: number,
    readonly blocks = 20,
  ) {
    if (!Number.isInteger(dim) || dim < 1) throw new InputError(`dim must be an integer ≥ 1, got ${dim}`, "Stream");
    if (!Number.isInteger(blocks) || blocks < 2) throw new InputError(`blocks must be an integer ≥ 2, got ${blocks}`, "Stream");
    this.cap = 2 * blocks;
    this.m = new Float64Array(dim);
    this.m2 = new Float64Array(dim);
    this.sums = new Float64Array(this.cap * dim);
    this.partial = new Float64Array(dim);
  }

  /** Adds one draw of length `dim` (`offset` into a larger buffer allowed). Non-finite values are an InputError. */
  push(x: ArrayLike<number>, offset = 0): void {
    const d = this.dim;
    if (x.length - offset < d) throw new InputError(`draw has ${x.length - offset} components, expected ${d}`, "Stream.push");
    for (let i = 0; i < d; i++) {
      if (!Number.isFinite(x[offset + i])) throw new InputError(`component ${i} of draw ${this.n} is not finite (${x[offset + i]})`, "Stream.push");
    }
    if (this.inPartial === 0 && this.nFull === this.cap) this.coarsen();
    this.n++;
    const inv = 1 / this.n;
    const m = this.m;
    const m2 = this.m2;
    const p = this.partial;
    for (let i = 0; i < d; i++) {
      const v = x[offset + i];
      const del = v - m[i];
      m[i] += del * inv;
      m2[i] += del * (v - m[i]);
      p[i] += v;
    }
    if (++this.inPartial === this.bsize) {
      this.sums.set(p, this.nFull * d);
      p.fill(0);
      this.inPartial = 0;
      this.nFull++;
    }
  }

  /** Merges neighbouring blocks pairwise (called lazily, when a new block would start with all 2·blocks slots full). */
  private coarsen(): void {
    const d = this.dim;
    const s = this.sums;
    const half = this.cap / 2;
    for (let b = 0; b < half; b++) {
      for (let i = 0; i < d; i++) s[b * d + i] = s[2 * b * d + i] + s[(2 * b + 1) * d + i];
    }
    s.fill(0, half * d);
    this.nFull = half;
    this.bsize *= 2;
  }

  get count(): number {
    return this.n;
  }

  /** Per-component running mean (a copy). */
  mean(): Float64Array {
    return this.m.slice();
  }

  /** Per-component unbiased variance of the draws. */
  variance(): Float64Array {
    const out = new Float64Array(this.dim);
    if (this.n < 2) return out.fill(this.n === 1 ? 0 : Number.NaN);
    for (let i = 0; i < this.dim; i++) out[i] = this.m2[i] / (this.n - 1);
    return out;
  }

  /** Per-component blocked standard error of the mean (NaN until two complete blocks exist). */
  error(): Float64Array {
    const d = this.dim;
    const B = this.nFull;
    const out = new Float64Array(d);
    if (B < 2) return out.fill(Number.NaN);
    const inv = 1 / this.bsize;
    for (let i = 0; i < d; i++) {
      let mu = 0;
      for (let b = 0; b < B; b++) mu += this.sums[b * d + i] * inv;
      mu /= B;
      let v = 0;
      for (let b = 0; b < B; b++) {
        const e = this.sums[b * d + i] * inv - mu;
        v += e * e;
      }
      out[i] = Math.sqrt(v / (B - 1) / B);
    }
    return out;
  }

  /** Everything at once. */
  summary(): StreamSummary {
    const variance = this.variance();
    const error = this.error();
    const tau = new Float64Array(this.dim);
    for (let i = 0; i < this.dim; i++) {
      const naive2 = variance[i] / this.n;
      tau[i] = naive2 > 0 ? (error[i] * error[i]) / naive2 : 1;
    }
    return { count: this.n, mean: this.mean(), error, variance, tau, nBlocks: this.nFull, blockSize: this.bsize };
  }

  reset(): void {
    this.n = 0;
    this.m.fill(0);
    this.m2.fill(0);
    this.sums.fill(0);
    this.partial.fill(0);
    this.nFull = 0;
    this.inPartial = 0;
    this.bsize = 1;
  }
}

// ---------------------------------------------------------------------------------------------
// One-call summaries
// ---------------------------------------------------------------------------------------------

export interface SeriesSummary {
  n: number;
  mean: number;
  std: number;
  tau: number;
  ess: number;
  /** σ·√(τ̂/n). */
  error: number;
  /** Batch-means error with 20 blocks (NaN for n < 20). */
  blockedError: number;
}

/** Mean, std, τ̂_int (Sokal), ESS and two error bars of one series. */
export function summarizeSeries(x: Series, opts: TauOptions = {}): SeriesSummary {
  checkSeries(x, 2, "summarizeSeries");
  const n = x.length;
  const mean = seriesMean(x);
  const std = Math.sqrt(seriesVar(x, mean));
  const tau = integratedAutocorrTime(x, opts).tau;
  const be = n >= 20 ? blockedError(x, 20).error : Number.NaN;
  return { n, mean, std, tau, ess: n / tau, error: std * Math.sqrt(tau / n), blockedError: be };
}

export interface ChainsSummary {
  /** Mean over all chains' draws. */
  mean: number;
  /** Split-R̂ (classic) and its rank-normalised folded version. */
  rhat: number;
  rhatRank: number;
  /** Multi-chain ESS (Geyer, split chains). */
  ess: number;
  /** √(var⁺/ESS). */
  error: number;
}

/** Convergence summary of several chains of one scalar observable. */
export function summarizeChains(chains: readonly Series[]): ChainsSummary {
  checkChains(chains, "summarizeChains");
  const all = chains.reduce((a, c) => a + c.length, 0);
  let s = 0;
  for (const c of chains) for (let i = 0; i < c.length; i++) s += c[i];
  const mean = s / all;
  const rhat = splitRhat(chains);
  const rhatRank = splitRhat(chains, { rankNormalize: true });
  const ess = essChains(chains);
  const { varPlus } = rhatOf(splitHalves(chains));
  return { mean, rhat, rhatRank, ess, error: Math.sqrt(varPlus / ess) };
}
