/**
 * Observables of sampled networks, streamed over the recorded draws of several chains, with error
 * bars and convergence diagnostics from `src/metrics/chain.ts`.
 *
 * Per recorded draw θ (paper (a) §5):
 *
 * | trace | definition |
 * |---|---|
 * | `trainLoss` | per-draw training MSE (1/(PK)) Σ (f − y)² = 2L/(PK) |
 * | `testLoss` | per-draw test MSE (1/(P_t K)) Σ (f(x_t) − y_t)² (with test data) |
 * | `Q` | λ_L |W^L|²/(n_L K): paper (a)'s order parameter Q̄ = λ1⟨|v|²⟩/N1 (§3.8) |
 * | `W0sq` | \|W⁰\|²/n_1 = Tr(W⁰ᵀW⁰)/n_1, the trace of the first-layer second moment M (§3.9) |
 * | `QRB` | the Rao–Blackwellised λ_L E[|v|² \| rest]/n_L (§4.4; K = 1, optional) |
 * | `potential` | U = L/T + Σ λ_g|θ_g|²/2 |
 * | `virial:<g>` | λ_g|θ_g|² + θ_g·∇_g L/T − |g|, whose posterior mean is exactly 0 (§8.1) |
 * | `alignment:<l>` | kernel–target alignment ⟨Φ_l, yyᵀ⟩_F/(‖Φ_l‖_F ‖yyᵀ‖_F) of the hidden kernel (optional) |
 *
 * The virial identity follows from integrating θ_g·∇_g p(θ) by parts: ⟨θ_g·∇_g U⟩ = |g| with
 * ∇_g U = ∇_g L/T + λ_g θ_g. For the readout (f linear in v, no bias) θ·∇L = Σ_μ f_μ(f_μ − y_μ) gives
 * paper (a)'s λ1⟨|v|²⟩ = N1 − (1/T)Σ⟨f(f − y)⟩; for the first layer it is §8.1 (b); for positively
 * homogeneous φ their difference is §8.1 (c).
 *
 * Vector observables are accumulated as block sums (blocks of consecutive records within a chain):
 * test outputs f(x_t) (posterior mean, variance, bias²/variance split of the test loss, each with a
 * delete-one-block jackknife error bar), the first-layer second moment M = ⟨W⁰ᵀW⁰⟩/n_1 (D×D,
 * optional) and the hidden representation kernels Φ_l = ⟨x^l x^lᵀ⟩/n_l on training or test points
 * (optional). Scalar error bars are batch means per chain combined over chains; τ_int, ESS and
 * split-R̂ come from chain.ts.
 *
 * @module
 */
import { InputError, NumericalError } from "../engine/errors.js";
import { backend } from "../engine/linalg/backend.js";
import type { FloatArray } from "../engine/linalg/types.js";
import { blockedError, essChains, integratedAutocorrTime, splitRhat } from "../metrics/chain.js";
import { groupView, MLPEvaluator } from "./mlp.js";
import type { Posterior, SamplerState } from "./samplers/posterior.js";

/** Which observables to record besides the always-on scalars. */
export interface ObservableOptions {
  /** Test set: enables `testLoss` and the posterior predictive on the test points. */
  test?: { X: Float64Array; y: Float64Array; P: number } | null;
  /** Accumulate M = W⁰ᵀW⁰/n_1 (D×D). */
  weightCov?: boolean;
  /** Hidden representation kernels Φ_l on the training or test points ("none" by default). */
  kernels?: "none" | "train" | "test";
  /** The Rao–Blackwellised Q estimator (K = 1; costs a P×P Cholesky per record). */
  raoBlackwell?: boolean;
  /** Blocks per chain for the vector observables' error bars (default 20, at most the records). */
  nBlocks?: number;
}

/** A value with its standard error. */
export interface Estimate {
  mean: number;
  error: number;
}

/** A scalar observable over all chains. */
export interface ScalarSummary extends Estimate {
  /** Records per chain. */
  n: number;
  /** Mean over chains of τ̂_int (Sokal), in records. */
  tau: number;
  /** Multi-chain ESS (chain.ts essChains; Σ n/τ for short chains). */
  ess: number;
  /** Split-R̂ across chains (NaN for fewer than 4 records). */
  rhat: number;
  /** Standard deviation of all records pooled over chains (for an ESS-based error sd/√ESS). */
  sd?: number;
}

export interface TestSummary {
  /** Posterior mean ⟨f(x_t)⟩ (P_t×K). */
  ypred: Float64Array;
  /** Its jackknife standard error. */
  ypredError: Float64Array;
  /** Posterior variance Var f(x_t) = ⟨f²⟩ − ⟨f⟩². */
  ypredVariance: Float64Array;
  /** Posterior-averaged test loss (1/(P_t K)) Σ ⟨(f − y)²⟩ = bias² + variance. */
  testLoss: Estimate;
  /** (1/(P_t K)) Σ (y − ⟨f⟩)². */
  bias2: Estimate;
  /** (1/(P_t K)) Σ Var f. */
  variance: Estimate;
}

export interface WeightCovSummary {
  D: number;
  /** ⟨W⁰ᵀW⁰⟩/n_1, D×D row-major. */
  mean: Float64Array;
  /** Tr M with error, and Tr Δ = Tr M − D/λ_0 (paper (a) §3.9; uncorrected for the ULA bias). */
  trace: Estimate;
  traceDisplacement: Estimate;
}

export interface KernelSummary {
  /** Hidden layer l (1-based). */
  layer: number;
  /** Points the kernel is over. */
  P: number;
  /** ⟨Φ_l⟩ (P×P). */
  mean: Float64Array;
  /** Alignment of the posterior-mean kernel with the targets. */
  alignmentOfMean: number;
}

export interface ObservablesSummary {
  chains: number;
  recordsPerChain: number;
  scalars: Record<string, ScalarSummary>;
  test?: TestSummary;
  weightCov?: WeightCovSummary;
  kernels?: KernelSummary[];
}

/** Kernel–target alignment ⟨Φ, YYᵀ⟩_F/(‖Φ‖_F ‖YYᵀ‖_F) for a P×P kernel and P×K targets. */
export function kernelTargetAlignment(Phi: ArrayLike<number>, Y: ArrayLike<number>, P: number, K: number): number {
  let num = 0;
  let phi2 = 0;
  for (let i = 0; i < P; i++) {
    for (let j = 0; j < P; j++) {
      const v = Phi[i * P + j];
      phi2 += v * v;
      let yy = 0;
      for (let k = 0; k < K; k++) yy += Y[i * K + k] * Y[j * K + k];
      num += v * yy;
    }
  }
  let yty2 = 0;
  for (let a = 0; a < K; a++) {
    for (let b = 0; b < K; b++) {
      let s = 0;
      for (let i = 0; i < P; i++) s += Y[i * K + a] * Y[i * K + b];
      yty2 += s * s;
    }
  }
  const den = Math.sqrt(phi2) * Math.sqrt(yty2);
  return den > 0 ? num / den : Number.NaN;
}

/** Grand mean, batch-means error, τ_int, ESS and split-R̂ of equally long chains of one scalar. */
/**
 * The conservative standard error of a {@link summarizeScalar} summary: the larger of the batch-means error
 * and sd/√ESS. Batch means alone underestimate the error when the blocks are not much longer than τ_int.
 */
export function conservativeError(s: ScalarSummary): number {
  const essError = s.sd !== undefined && s.ess > 0 ? s.sd / Math.sqrt(s.ess) : Number.NaN;
  return Number.isFinite(essError) ? Math.max(s.error, essError) : s.error;
}

export function summarizeScalar(chains: readonly Float64Array[], nBlocks = 20): ScalarSummary {
  const C = chains.length;
  const n = chains[0]?.length ?? 0;
  if (C === 0 || n === 0) return { mean: Number.NaN, error: Number.NaN, n, tau: Number.NaN, ess: Number.NaN, rhat: Number.NaN };
  let s = 0;
  for (const ch of chains) for (let i = 0; i < n; i++) s += ch[i];
  const mean = s / (C * n);
  const nb = Math.min(nBlocks, n);
  let err2 = 0;
  let tauSum = 0;
  let essSimple = 0;
  for (const ch of chains) {
    const e = nb >= 2 ? blockedError(ch, nb).error : Number.NaN;
    err2 += e * e;
    const tau = n >= 2 ? integratedAutocorrTime(ch).tau : Number.NaN;
    tauSum += tau;
    essSimple += n / tau;
  }
  let ess = essSimple;
  let rhat = Number.NaN;
  if (n >= 4) {
    try {
      ess = essChains(chains);
      rhat = splitRhat(chains);
    } catch {
      // too short or degenerate: keep the simple estimates
    }
  }
  let v = 0;
  for (const ch of chains) for (let i = 0; i < n; i++) v += (ch[i] - mean) ** 2;
  const sd = C * n > 1 ? Math.sqrt(v / (C * n - 1)) : Number.NaN;
  return { mean, error: Math.sqrt(err2) / C, n, tau: tauSum / C, ess, rhat, sd };
}

/** Delete-one-block jackknife: estimates θ_b (leave block b out) → standard error. */
function jackknifeError(values: Float64Array): number {
  const B = values.length;
  if (B < 2) return Number.NaN;
  let m = 0;
  for (let b = 0; b < B; b++) m += values[b];
  m /= B;
  let s = 0;
  for (let b = 0; b < B; b++) s += (values[b] - m) ** 2;
  return Math.sqrt(((B - 1) / B) * s);
}

/**
 * Streams observables of the draws of `chains` chains, each recording exactly `recordsPerChain`
 * draws. All state is in Float64Arrays ({@link buffers}) so a checkpoint restores it bit for bit.
 */
export class ObservableRecorder {
  readonly posterior: Posterior;
  readonly chains: number;
  readonly recordsPerChain: number;
  readonly nBlocks: number;
  readonly traceNames: readonly string[];
  private readonly opts: ObservableOptions;
  private readonly traces: Record<string, Float64Array> = {};
  private readonly counts: Float64Array;
  private readonly testEval: MLPEvaluator | null;
  private readonly testY: Float64Array | null;
  private readonly kernEval: MLPEvaluator | null;
  private readonly kernY: Float64Array | null;
  private readonly sums: Record<string, Float64Array> = {};
  private wTmp: FloatArray | null = null;
  private kTmp: FloatArray | null = null;

  constructor(posterior: Posterior, opts: ObservableOptions, chains: number, recordsPerChain: number) {
    if (!Number.isInteger(chains) || chains < 1) throw new InputError(`chains must be an integer ≥ 1, got ${chains}`, "observables");
    if (!Number.isInteger(recordsPerChain) || recordsPerChain < 1)
      throw new InputError(`need at least one recorded draw per chain, got ${recordsPerChain}`, "observables");
    this.posterior = posterior;
    this.opts = opts;
    this.chains = chains;
    this.recordsPerChain = recordsPerChain;
    this.nBlocks = Math.max(1, Math.min(opts.nBlocks ?? 20, recordsPerChain));
    const spec = posterior.spec;
    const K = spec.outputDim;
    const ev = posterior.evaluator;
    const names = ["trainLoss", "potential", "Q", "W0sq"];
    if (opts.raoBlackwell) {
      if (K !== 1) throw new InputError("the Rao–Blackwell estimator of Q needs a single output (K = 1)", "observables");
      names.push("QRB");
    }
    for (const g of posterior.active) names.push(`virial:${g.name}`);
    const test = opts.test ?? null;
    if (test) {
      this.testEval = new MLPEvaluator(spec, { X: test.X, y: test.y, P: test.P }, { dtype: ev.dtype, kernels: ev.kernels });
      this.testY = Float64Array.from(test.y);
      names.push("testLoss");
      const d = test.P * K;
      this.sums.fSum = new Float64Array(chains * this.nBlocks * d);
      this.sums.f2Sum = new Float64Array(chains * this.nBlocks * d);
      this.sums.blockCount = new Float64Array(chains * this.nBlocks);
    } else {
      this.testEval = null;
      this.testY = null;
    }
    const kern = opts.kernels ?? "none";
    if (kern === "test" && !test) throw new InputError("kernels on test points need test data", "observables");
    if (kern !== "none") {
      const src = kern === "train" ? { X: ev.X, y: ev.y as FloatArray, P: ev.P } : (test as { X: Float64Array; y: Float64Array; P: number });
      this.kernEval = kern === "train" ? ev : (this.testEval as MLPEvaluator);
      this.kernY = Float64Array.from(src.y);
      for (let l = 1; l <= spec.depth; l++) {
        names.push(`alignment:${l}`);
        this.sums[`kernel${l}`] = new Float64Array(chains * src.P * src.P);
      }
    } else {
      this.kernEval = null;
      this.kernY = null;
    }
    if (opts.weightCov) this.sums.weightCov = new Float64Array(chains * spec.inputDim * spec.inputDim);
    this.traceNames = names;
    for (const name of names) this.traces[name] = new Float64Array(chains * recordsPerChain);
    this.counts = new Float64Array(chains);
  }

  /** The recorded draws of a scalar trace, one array per chain (views, length = records so far). */
  series(name: string): Float64Array[] {
    const tr = this.traces[name];
    if (!tr) throw new InputError(`no trace "${name}" (recorded: ${this.traceNames.join(", ")})`, "observables");
    return Array.from({ length: this.chains }, (_, c) => tr.subarray(c * this.recordsPerChain, c * this.recordsPerChain + this.counts[c]));
  }

  /** Records written so far by chain c. */
  recorded(c: number): number {
    return this.counts[c];
  }

  /** Records one draw of chain `c` (a finite state). */
  record(c: number, s: SamplerState): void {
    const r = this.counts[c];
    if (r >= this.recordsPerChain) throw new InputError(`chain ${c} already has its ${this.recordsPerChain} records`, "observables");
    const post = this.posterior;
    const spec = post.spec;
    const K = spec.outputDim;
    const k = post.kernels;
    const at = c * this.recordsPerChain + r;
    const P = post.evaluator.P;
    this.traces.trainLoss[at] = (2 * s.loss) / (P * K);
    this.traces.potential[at] = s.potential;
    const readout = spec.layers[spec.depth].weight;
    this.traces.Q[at] = (readout.lambda * s.normSq[readout.index]) / (spec.sizes[spec.depth] * K);
    this.traces.W0sq[at] = s.normSq[spec.layers[0].weight.index] / spec.sizes[1];
    for (const g of post.active) {
      const dot = k.dot(g.size, groupView(s.position, g), groupView(s.grad, g));
      this.traces[`virial:${g.name}`][at] = g.lambda * s.normSq[g.index] + dot / post.T - g.size;
    }
    if (this.opts.raoBlackwell) this.traces.QRB[at] = this.raoBlackwellQ(s.position);
    const block = Math.min(this.nBlocks - 1, Math.floor((r * this.nBlocks) / this.recordsPerChain));
    if (this.testEval && this.testY) {
      const f = this.testEval.predict(s.position);
      const y = this.testY;
      const d = y.length;
      const off = (c * this.nBlocks + block) * d;
      const fs = this.sums.fSum;
      const f2 = this.sums.f2Sum;
      let mse = 0;
      for (let i = 0; i < d; i++) {
        const v = f[i];
        fs[off + i] += v;
        f2[off + i] += v * v;
        mse += (v - y[i]) * (v - y[i]);
      }
      this.sums.blockCount[c * this.nBlocks + block] += 1;
      this.traces.testLoss[at] = mse / d;
    }
    if (this.kernEval && this.kernY) this.recordKernels(c, at, s.position);
    if (this.opts.weightCov) this.recordWeightCov(c, s.position);
    this.counts[c] = r + 1;
  }

  private recordKernels(c: number, at: number, theta: FloatArray): void {
    const ev = this.kernEval as MLPEvaluator;
    const spec = this.posterior.spec;
    const P = ev.P;
    const acts = ev.activations(theta);
    if (!this.kTmp) this.kTmp = ev.dtype === "f32" ? new Float32Array(P * P) : new Float64Array(P * P);
    const tmp = this.kTmp;
    for (let l = 1; l <= spec.depth; l++) {
      const n = spec.sizes[l];
      ev.kernels.gemm(false, true, P, P, n, 1 / n, acts[l - 1], n, acts[l - 1], n, 0, tmp, P);
      const sum = this.sums[`kernel${l}`];
      const off = c * P * P;
      for (let i = 0; i < P * P; i++) sum[off + i] += tmp[i];
      this.traces[`alignment:${l}`][at] = kernelTargetAlignment(tmp, this.kernY as Float64Array, P, spec.outputDim);
    }
  }

  private recordWeightCov(c: number, theta: FloatArray): void {
    const spec = this.posterior.spec;
    const D = spec.inputDim;
    const n1 = spec.sizes[1];
    const W = groupView(theta, spec.layers[0].weight);
    if (!this.wTmp) this.wTmp = this.posterior.dtype === "f32" ? new Float32Array(D * D) : new Float64Array(D * D);
    this.posterior.kernels.gemm(true, false, D, D, n1, 1 / n1, W, D, W, D, 0, this.wTmp, D);
    const sum = this.sums.weightCov;
    const off = c * D * D;
    for (let i = 0; i < D * D; i++) sum[off + i] += this.wTmp[i];
  }

  /**
   * λ E[|v|² | rest]/n for the readout v (K = 1): with F the top activations (P×n), α the readout
   * multiplier, G = α²FFᵀ and M = λT·I + G, E[|v|² | rest] = zᵀGz + n/λ − (P − λT·tr M⁻¹)/λ,
   * z = M⁻¹(y − βc) (paper (a) §4.4 by the push-through identity).
   */
  private raoBlackwellQ(theta: FloatArray): number {
    const post = this.posterior;
    const spec = post.spec;
    const ev = post.evaluator;
    const P = ev.P;
    const L = spec.depth;
    const n = spec.sizes[L];
    const out = spec.layers[L];
    const lam = out.weight.lambda;
    const alpha = out.multiplier;
    const acts = ev.activations(theta);
    const F = Float64Array.from(acts[L - 1]);
    const be = backend();
    const G = new Float64Array(P * P);
    be.gemm(false, true, P, P, n, alpha * alpha, F, n, F, n, 0, G, P);
    const M = Float64Array.from(G);
    for (let i = 0; i < P; i++) M[i * P + i] += lam * post.T;
    const info = be.potrf(P, M, P);
    if (info !== 0) throw new NumericalError(`Rao–Blackwell Q: λT·I + α²FFᵀ is not positive definite (potrf info ${info})`);
    const y = Float64Array.from(ev.y as FloatArray);
    if (out.bias) {
      const c0 = groupView(theta, out.bias)[0];
      for (let i = 0; i < P; i++) y[i] -= spec.biasScale * c0;
    }
    const z = Float64Array.from(y);
    be.potrs(P, 1, M, P, z, 1);
    const Minv = new Float64Array(P * P);
    for (let i = 0; i < P; i++) Minv[i * P + i] = 1;
    be.potrs(P, P, M, P, Minv, P);
    let tr = 0;
    for (let i = 0; i < P; i++) tr += Minv[i * P + i];
    const Gz = new Float64Array(P);
    be.gemv(false, P, P, 1, G, P, z, 0, Gz);
    let zGz = 0;
    for (let i = 0; i < P; i++) zGz += z[i] * Gz[i];
    const ev2 = zGz + n / lam - (P - lam * post.T * tr) / lam;
    return (lam * ev2) / n;
  }

  /** The recorder's state (traces, counts, block sums) for a checkpoint. */
  buffers(): Record<string, Float64Array> {
    const out: Record<string, Float64Array> = { counts: this.counts };
    for (const name of this.traceNames) out[`trace:${name}`] = this.traces[name];
    for (const [name, a] of Object.entries(this.sums)) out[`sum:${name}`] = a;
    return out;
  }

  /** Restores {@link buffers} from a checkpoint (same options and sizes). */
  restore(buffers: Record<string, Float64Array>): void {
    for (const [name, a] of Object.entries(this.buffers())) {
      const b = buffers[name];
      if (!b || b.length !== a.length) throw new InputError(`checkpoint lacks observable buffer "${name}" of length ${a.length}`, "checkpoint");
      a.set(b);
    }
  }

  /** Error bars and diagnostics of everything recorded so far (all chains must be equally long). */
  summary(): ObservablesSummary {
    const C = this.chains;
    const n = Math.min(...Array.from(this.counts));
    const scalars: Record<string, ScalarSummary> = {};
    for (const name of this.traceNames) {
      const tr = this.traces[name];
      const chains = Array.from({ length: C }, (_, c) => tr.subarray(c * this.recordsPerChain, c * this.recordsPerChain + n));
      scalars[name] = summarizeScalar(chains);
    }
    const out: ObservablesSummary = { chains: C, recordsPerChain: n, scalars };
    if (this.testEval && this.testY) out.test = this.testSummary();
    if (this.opts.weightCov) out.weightCov = this.weightCovSummary(n);
    if (this.kernEval && this.kernY) {
      const spec = this.posterior.spec;
      const P = this.kernEval.P;
      out.kernels = [];
      for (let l = 1; l <= spec.depth; l++) {
        const sum = this.sums[`kernel${l}`];
        const mean = new Float64Array(P * P);
        for (let c = 0; c < C; c++) for (let i = 0; i < P * P; i++) mean[i] += sum[c * P * P + i];
        for (let i = 0; i < P * P; i++) mean[i] /= C * n;
        out.kernels.push({ layer: l, P, mean, alignmentOfMean: kernelTargetAlignment(mean, this.kernY, P, spec.outputDim) });
      }
    }
    return out;
  }

  private testSummary(): TestSummary {
    const y = this.testY as Float64Array;
    const d = y.length;
    const nb = this.chains * this.nBlocks;
    const fs = this.sums.fSum;
    const f2 = this.sums.f2Sum;
    const cnt = this.sums.blockCount;
    const S1 = new Float64Array(d);
    const S2 = new Float64Array(d);
    let N = 0;
    const blocks: number[] = [];
    for (let b = 0; b < nb; b++) {
      if (cnt[b] === 0) continue;
      blocks.push(b);
      N += cnt[b];
      for (let i = 0; i < d; i++) {
        S1[i] += fs[b * d + i];
        S2[i] += f2[b * d + i];
      }
    }
    const stats = (s1: Float64Array, s2: Float64Array, m: number, mean: Float64Array | null) => {
      let bias2 = 0;
      let variance = 0;
      for (let i = 0; i < d; i++) {
        const fm = s1[i] / m;
        if (mean) mean[i] = fm;
        bias2 += (y[i] - fm) ** 2;
        variance += s2[i] / m - fm * fm;
      }
      return { bias2: bias2 / d, variance: variance / d };
    };
    const ypred = new Float64Array(d);
    const full = stats(S1, S2, N, ypred);
    const ypredVariance = new Float64Array(d);
    for (let i = 0; i < d; i++) ypredVariance[i] = S2[i] / N - ypred[i] * ypred[i];
    // jackknife over blocks
    const B = blocks.length;
    const jb = new Float64Array(B);
    const jv = new Float64Array(B);
    const jt = new Float64Array(B);
    const jmean = new Float64Array(B * d);
    const t1 = new Float64Array(d);
    const t2 = new Float64Array(d);
    const tm = new Float64Array(d);
    blocks.forEach((b, j) => {
      for (let i = 0; i < d; i++) {
        t1[i] = S1[i] - fs[b * d + i];
        t2[i] = S2[i] - f2[b * d + i];
      }
      const st = stats(t1, t2, N - cnt[b], tm);
      jb[j] = st.bias2;
      jv[j] = st.variance;
      jt[j] = st.bias2 + st.variance;
      jmean.set(tm, j * d);
    });
    const ypredError = new Float64Array(d);
    const col = new Float64Array(B);
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < B; j++) col[j] = jmean[j * d + i];
      ypredError[i] = jackknifeError(col);
    }
    return {
      ypred,
      ypredError,
      ypredVariance,
      testLoss: { mean: full.bias2 + full.variance, error: jackknifeError(jt) },
      bias2: { mean: full.bias2, error: jackknifeError(jb) },
      variance: { mean: full.variance, error: jackknifeError(jv) },
    };
  }

  private weightCovSummary(n: number): WeightCovSummary {
    const spec = this.posterior.spec;
    const D = spec.inputDim;
    const C = this.chains;
    const sum = this.sums.weightCov;
    const mean = new Float64Array(D * D);
    for (let c = 0; c < C; c++) for (let i = 0; i < D * D; i++) mean[i] += sum[c * D * D + i];
    for (let i = 0; i < D * D; i++) mean[i] /= C * n;
    const t = summarizeScalar(
      Array.from({ length: C }, (_, c) => this.traces.W0sq.subarray(c * this.recordsPerChain, c * this.recordsPerChain + n)),
      this.nBlocks,
    );
    const lam0 = spec.layers[0].weight.lambda;
    return { D, mean, trace: { mean: t.mean, error: t.error }, traceDisplacement: { mean: t.mean - D / lam0, error: t.error } };
  }
}
