/**
 * The model of paper b (brief §2): L hidden layers of width N, weights W^(l) ~ N(0, g_l/fan-in),
 * biases ~ N(0, g_b), a Gaussian likelihood of variance κ. Kernels are indexed by the layer they
 * feed: C^(1) = (g_1/d)XXᵀ + g_b is the (deterministic) input kernel, C^(2) … C^(L+1) are random,
 * C^(L+1) is the readout kernel. This module validates a model, builds C^(1), the NNGP stack, the
 * per-layer Jacobian J^(l) of the NNGP map (and its adjoint) and the likelihood gradient G(C).
 *
 * @module
 */
import { InputError } from "../../engine/errors.js";
import { type Activation, inputCovariance, kernelFunction, toActivation } from "../../kernels/index.js";
import { invPD, mm, symmetrize } from "./mat.js";

/** Hyper-parameters of a deep fully connected network in paper b's convention. */
export interface CriticalModel {
  /** Activation φ (an {@link Activation} or a CLI spec such as "erf", "linear", "tanh"). */
  activation: Activation | string;
  /** Number L ≥ 1 of hidden layers. */
  depth: number;
  /** Width N of every hidden layer (> 0; may be huge, e.g. 1e12, for the NNGP limit). */
  width: number;
  /** Weight gains g_1 … g_{L+1}: one number for all, or an array of length L + 1. */
  gw: number | readonly number[];
  /** Bias variance g_b of every layer (0: no biases). */
  gb: number;
  /** Likelihood (ridge) variance κ > 0. */
  kappa: number;
}

/** A validated model: activation resolved, gains expanded to g[0] = g_1 … g[L] = g_{L+1}. */
export interface ResolvedModel {
  act: Activation;
  L: number;
  N: number;
  g: number[];
  gb: number;
  kappa: number;
  /** True for φ(x) = x (closed-form tilted measure). */
  linear: boolean;
}

const W = "critical model";

/** Validates a {@link CriticalModel}; InputError naming the bad field. */
export function resolveModel(m: CriticalModel): ResolvedModel {
  const act = toActivation(m.activation);
  const L = m.depth;
  if (!Number.isInteger(L) || L < 1) throw new InputError(`depth must be an integer ≥ 1, got ${L}`, W);
  if (!(typeof m.width === "number" && Number.isFinite(m.width) && m.width > 0)) throw new InputError(`width N must be a finite number > 0, got ${m.width}`, W);
  if (!(Number.isFinite(m.kappa) && m.kappa > 0)) throw new InputError(`kappa must be a finite number > 0, got ${m.kappa}`, W);
  if (!(Number.isFinite(m.gb) && m.gb >= 0)) throw new InputError(`gb must be a finite number ≥ 0, got ${m.gb}`, W);
  let g: number[];
  if (typeof m.gw === "number") g = new Array(L + 1).fill(m.gw);
  else {
    if (m.gw.length !== L + 1) throw new InputError(`gw must be a number or an array of length L + 1 = ${L + 1} (g_1 … g_{L+1}), got length ${m.gw.length}`, W);
    g = [...m.gw];
  }
  g.forEach((v, i) => {
    if (!(Number.isFinite(v) && v > 0)) throw new InputError(`gw[${i}] (g_${i + 1}) must be a finite number > 0, got ${v}`, W);
  });
  return { act, L, N: m.width, g, gb: m.gb, kappa: m.kappa, linear: act.name === "linear" };
}

/** Validates X (P×d) and Y (P×D) shapes and finiteness. */
export function checkData(X: Float64Array, P: number, d: number, Y: Float64Array | undefined, D: number): void {
  if (!Number.isInteger(P) || P < 1) throw new InputError(`P must be an integer ≥ 1, got ${P}`, "critical data");
  if (X.length !== P * d) throw new InputError(`X has ${X.length} entries, expected P×d = ${P}×${d}`, "critical data");
  if (Y !== undefined) {
    if (!Number.isInteger(D) || D < 1) throw new InputError(`D (outputs) must be an integer ≥ 1, got ${D}`, "critical data");
    if (Y.length !== P * D) throw new InputError(`Y has ${Y.length} entries, expected P×D = ${P}×${D}`, "critical data");
    for (let i = 0; i < Y.length; i++)
      if (!Number.isFinite(Y[i])) throw new InputError(`Y has a non-finite value at row ${Math.floor(i / D)}`, "critical data");
  }
}

/** Input kernel C^(1) = (g_1/d)XXᵀ + g_b 11ᵀ (P×P). */
export function inputKernel(X: Float64Array, P: number, d: number, g1: number, gb: number): Float64Array {
  return inputCovariance(X, P, d, { gw: g1, gb }).train;
}

/** The three pairwise Gaussian moments of φ under N(0, C): M = ⟨φφᵀ⟩, K′ = ⟨φ′φ′ᵀ⟩, 𝒥_{αγ} = ⟨φ″_α φ_γ⟩ (not symmetric). */
export interface PairMoments {
  M: Float64Array;
  Kp: Float64Array;
  J2: Float64Array;
}

/** Pairwise moments ⟨φφ⟩, ⟨φ′φ′⟩, ⟨φ″φ⟩ for every pair of a P×P covariance (closed forms or quadrature, §3.2). */
export function pairMoments(act: Activation, C: Float64Array, P: number, need: { d?: boolean } = { d: true }): PairMoments {
  const k = kernelFunction(act, "kernel");
  const M = new Float64Array(P * P);
  const Kp = new Float64Array(P * P);
  const J2 = new Float64Array(P * P);
  const dk = need.d ? kernelFunction(act, "dkernel") : undefined;
  const d2 = need.d ? kernelFunction(act, "d2kernel") : undefined;
  for (let a = 0; a < P; a++)
    for (let b = a; b < P; b++) {
      const caa = C[a * P + a];
      const cbb = C[b * P + b];
      const cab = C[a * P + b];
      const v = k(caa, cbb, cab);
      M[a * P + b] = v;
      M[b * P + a] = v;
      if (dk && d2) {
        const w = dk(caa, cbb, cab);
        Kp[a * P + b] = w;
        Kp[b * P + a] = w;
        J2[a * P + b] = d2(caa, cbb, cab);
        J2[b * P + a] = d2(cbb, caa, cab);
      }
    }
  return { M, Kp, J2 };
}

/** One NNGP layer C ↦ g⟨φφᵀ⟩_C + g_b (§3.1). */
export function nngpMap(act: Activation, C: Float64Array, P: number, g: number, gb: number): Float64Array {
  const { M } = pairMoments(act, C, P, { d: false });
  for (let i = 0; i < M.length; i++) M[i] = g * M[i] + gb;
  return M;
}

/** The NNGP kernels [C^(1), …, C^(L+1)] (index l − 1 holds C^(l)). */
export function nngpKernels(m: ResolvedModel, C1: Float64Array, P: number): Float64Array[] {
  const out = [C1];
  for (let l = 2; l <= m.L + 1; l++) out.push(nngpMap(m.act, out[l - 2], P, m.g[l - 1], m.gb));
  return out;
}

/**
 * Forward Jacobian of the NNGP map at C (§3.8), acting on a symmetric δC:
 * (J δC)_{γδ} = g⟨φ′_γφ′_δ⟩δC_{γδ} + (g/2)[⟨φ″_γφ_δ⟩δC_{γγ} + ⟨φ_γφ″_δ⟩δC_{δδ}].
 */
export function jacobianApply(pm: PairMoments, g: number, dC: Float64Array, P: number): Float64Array {
  const out = new Float64Array(P * P);
  for (let a = 0; a < P; a++)
    for (let b = 0; b < P; b++)
      out[a * P + b] = g * pm.Kp[a * P + b] * dC[a * P + b] + 0.5 * g * (pm.J2[a * P + b] * dC[a * P + a] + pm.J2[b * P + a] * dC[b * P + b]);
  return out;
}

/** Adjoint Jacobian (§3.8): (Jᵀ C̃)_{αβ} = g⟨φ′_αφ′_β⟩C̃_{αβ} + g δ_{αβ} Σ_γ ⟨φ″_α φ_γ⟩ C̃_{αγ}. */
export function jacobianAdjointApply(pm: PairMoments, g: number, Ct: Float64Array, P: number): Float64Array {
  const out = new Float64Array(P * P);
  for (let a = 0; a < P; a++) {
    for (let b = 0; b < P; b++) out[a * P + b] = g * pm.Kp[a * P + b] * Ct[a * P + b];
    let s = 0;
    for (let c = 0; c < P; c++) s += pm.J2[a * P + c] * Ct[a * P + c];
    out[a * P + a] += g * s;
  }
  return out;
}

/** Dense P²×P² Jacobian (row (γδ), column (αβ)) acting on vec(δC) of a symmetric δC. */
export function jacobianDense(pm: PairMoments, g: number, P: number): Float64Array {
  const n = P * P;
  const J = new Float64Array(n * n);
  for (let a = 0; a < P; a++)
    for (let b = 0; b < P; b++) {
      const r = a * P + b;
      J[r * n + r] += g * pm.Kp[r];
      J[r * n + (a * P + a)] += 0.5 * g * pm.J2[a * P + b];
      J[r * n + (b * P + b)] += 0.5 * g * pm.J2[b * P + a];
    }
  return J;
}

/** Likelihood gradient G(C) = ½[K⁻¹YYᵀK⁻¹ − D·K⁻¹], K = C + κI (§3.6), for Y ∈ ℝ^{P×D}. */
export function likelihoodGradient(C: Float64Array, P: number, Y: Float64Array, D: number, kappa: number): Float64Array {
  const K = Float64Array.from(C);
  for (let i = 0; i < P; i++) K[i * P + i] += kappa;
  const Ki = invPD(K, P, "K = C^(L+1) + κI");
  const YY = new Float64Array(P * P);
  for (let a = 0; a < P; a++) for (let b = 0; b < P; b++) for (let k = 0; k < D; k++) YY[a * P + b] += Y[a * D + k] * Y[b * D + k];
  const A = mm(mm(Ki, YY, P), Ki, P);
  for (let i = 0; i < A.length; i++) A[i] = 0.5 * (A[i] - D * Ki[i]);
  return symmetrize(A, P);
}

/** ln N(Y; 0, K) without the −(PD/2)ln 2π constant: −½ tr(YᵀK⁻¹Y) − (D/2) ln det K. */
export function logLikelihood(
  C: Float64Array,
  P: number,
  Y: Float64Array,
  D: number,
  kappa: number,
  logdet: (A: Float64Array) => number,
  inv: (A: Float64Array) => Float64Array,
): number {
  const K = Float64Array.from(C);
  for (let i = 0; i < P; i++) K[i * P + i] += kappa;
  const Ki = inv(K);
  let q = 0;
  for (let k = 0; k < D; k++) for (let a = 0; a < P; a++) for (let b = 0; b < P; b++) q += Y[a * D + k] * Ki[a * P + b] * Y[b * D + k];
  return -0.5 * q - 0.5 * D * logdet(K);
}
