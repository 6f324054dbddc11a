/**
 * The finite-width prior of paper b (brief §3.4): given C^(l−1) the kernel C^(l) has mean
 * g_l⟨φφᵀ⟩ + g_b (the NNGP map) and covariance V^(l)/N, with the fluctuation tensor
 * V_{αβ,γδ} = g²[⟨φ_αφ_βφ_γφ_δ⟩ − ⟨φ_αφ_β⟩⟨φ_γφ_δ⟩]. To O(1/N) the covariance propagates as
 *
 *   Σ^(1) = 0,   Σ^(l) = J^(l) Σ^(l−1) J^(l)ᵀ + V^(l)/N,
 *
 * and Cov(C^(m), C^(l)) = R^(m←l) Σ^(l) for m ≥ l, with R^(m←k) = J^(m)⋯J^(k+1). Everything here is
 * dense (P²×P², on vec of the full symmetric matrix), meant for small P.
 *
 * V comes from: the Wick closed form (linear φ), a tensor Gauss–Hermite grid (P ≤ 3, deterministic),
 * or Monte Carlo with a seeded key (any P). Four-point moments of erf have no closed form.
 *
 * @module
 */
import { InputError } from "../../engine/errors.js";
import { foldIn, key as makeKey } from "../../engine/random.js";
import type { Activation } from "../../kernels/index.js";
import { mm } from "./mat.js";
import { type CriticalModel, checkData, inputKernel, jacobianDense, nngpKernels, pairMoments, resolveModel } from "./model.js";
import { contract, fluctuationDense, fluctuationWick, mapPoints, type PointSet, standardPoints } from "./tilted.js";

/** How V is evaluated. */
export type FluctuationMethod = "auto" | "wick" | "gauss-hermite" | "monte-carlo";

/** Options for the fluctuation operator V. */
export interface FluctuationOptions {
  /** "auto": Wick for linear φ, Gauss–Hermite for P ≤ 3, Monte Carlo otherwise. */
  method?: FluctuationMethod;
  /** Monte-Carlo samples (default 200 000). */
  samples?: number;
  /** Seed of the Monte-Carlo key (default 0); layer l uses foldIn(key(seed), l). */
  seed?: number;
  /** Gauss–Hermite nodes per dimension (default 80 / 30 for P = 2 / 3). */
  ghOrder?: number;
}

/** Resolves "auto". */
export function fluctuationMethod(act: Activation, P: number, m: FluctuationMethod = "auto"): Exclude<FluctuationMethod, "auto"> {
  if (m === "auto") return act.name === "linear" ? "wick" : P <= 3 ? "gauss-hermite" : "monte-carlo";
  if (m === "wick" && act.name !== "linear") throw new InputError(`the Wick form of V holds only for φ = linear, not ${act.spec}`, "fluctuation operator");
  if (!["wick", "gauss-hermite", "monte-carlo"].includes(m))
    throw new InputError(`unknown fluctuation method "${m}" (auto, wick, gauss-hermite, monte-carlo)`, "fluctuation operator");
  return m;
}

function points(C: Float64Array, P: number, method: "gauss-hermite" | "monte-carlo", opts: FluctuationOptions, layer: number): PointSet {
  const std =
    method === "gauss-hermite"
      ? standardPoints(P, { backend: "gauss-hermite", ghOrder: opts.ghOrder })
      : standardPoints(P, { backend: "importance", samples: opts.samples ?? 200_000, key: foldIn(makeKey(opts.seed ?? 0), layer) });
  return mapPoints(std, C, P, `C^(${layer - 1})`);
}

/** Dense V^(l) (P²×P²) at C = C^(l−1). */
export function fluctuationTensor(act: Activation, C: Float64Array, P: number, g: number, opts: FluctuationOptions = {}, layer = 2): Float64Array {
  const method = fluctuationMethod(act, P, opts.method);
  if (method === "wick") return fluctuationWick(C, P, g);
  return fluctuationDense(act, points(C, P, method, opts, layer), g);
}

/**
 * Matrix-free V : C̃ at C = C^(l−1): g²[E(φ_αφ_β·φᵀC̃φ) − M_αβ·tr(C̃M)], M = Eφφᵀ (O(S·P²));
 * Wick: 2g²·C C̃ C.
 */
export function fluctuationApply(
  act: Activation,
  C: Float64Array,
  P: number,
  g: number,
  Ct: Float64Array,
  opts: FluctuationOptions = {},
  layer = 2,
): Float64Array {
  const method = fluctuationMethod(act, P, opts.method);
  if (method === "wick") {
    const out = mm(mm(C, Ct, P), C, P);
    for (let i = 0; i < out.length; i++) out[i] *= 2 * g * g;
    return out;
  }
  const ps = points(C, P, method, opts, layer);
  const M = new Float64Array(P * P);
  const A = new Float64Array(P * P);
  const f = new Float64Array(P);
  for (let i = 0; i < ps.n; i++) {
    const w = Math.exp(ps.logw0[i]);
    for (let a = 0; a < P; a++) f[a] = act.phi(ps.H[i * P + a]);
    let E = 0;
    for (let a = 0; a < P; a++) for (let b = 0; b < P; b++) E += f[a] * Ct[a * P + b] * f[b];
    for (let a = 0; a < P; a++)
      for (let b = 0; b < P; b++) {
        const x = w * f[a] * f[b];
        M[a * P + b] += x;
        A[a * P + b] += x * E;
      }
  }
  let tr = 0;
  for (let i = 0; i < M.length; i++) tr += Ct[i] * M[i];
  const out = new Float64Array(P * P);
  for (let i = 0; i < out.length; i++) out[i] = g * g * (A[i] - M[i] * tr);
  return out;
}

/** The dense finite-width prior: NNGP kernels, Jacobians, fluctuation tensors and kernel covariances. */
export interface PriorCovariance {
  P: number;
  L: number;
  N: number;
  /** C_GP^(l) at index l − 1, l = 1 … L+1. */
  Cgp: Float64Array[];
  /** Dense J^(l) (P²×P²) at index l − 2, l = 2 … L+1, evaluated at C_GP^(l−1). */
  J: Float64Array[];
  /** Dense V^(l) at index l − 2. */
  V: Float64Array[];
  /** Σ^(l) = Cov(C^(l)) at index l − 1 (Σ^(1) = 0). */
  Sigma: Float64Array[];
  /** How V was evaluated. */
  method: Exclude<FluctuationMethod, "auto">;
}

/** Σ^(l) = J^(l)Σ^(l−1)J^(l)ᵀ + V^(l)/N for l = 2 … L+1 (brief §3.4), dense. */
export function priorCovariance(model: CriticalModel, X: Float64Array, P: number, d: number, opts: FluctuationOptions = {}): PriorCovariance {
  const m = resolveModel(model);
  checkData(X, P, d, undefined, 1);
  const Cgp = nngpKernels(m, inputKernel(X, P, d, m.g[0], m.gb), P);
  const n = P * P;
  const J: Float64Array[] = [];
  const V: Float64Array[] = [];
  const Sigma: Float64Array[] = [new Float64Array(n * n)];
  const method = fluctuationMethod(m.act, P, opts.method);
  for (let l = 2; l <= m.L + 1; l++) {
    const g = m.g[l - 1];
    const Jl = jacobianDense(pairMoments(m.act, Cgp[l - 2], P), g, P);
    const Vl = fluctuationTensor(m.act, Cgp[l - 2], P, g, { ...opts, method }, l);
    const S = mm(mm(Jl, Sigma[l - 2], n), transpose(Jl, n), n);
    for (let i = 0; i < S.length; i++) S[i] += Vl[i] / m.N;
    J.push(Jl);
    V.push(Vl);
    Sigma.push(S);
  }
  return { P, L: m.L, N: m.N, Cgp, J, V, Sigma, method };
}

/** Transpose of an n×n matrix. */
export function transpose(A: Float64Array, n: number): Float64Array {
  const T = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) T[j * n + i] = A[i * n + j];
  return T;
}

/** Response operator R^(m←k) = J^(m)⋯J^(k+1) (P²×P²; identity when m = k). */
export function responseOperator(pc: PriorCovariance, m: number, k: number): Float64Array {
  if (!(Number.isInteger(m) && Number.isInteger(k) && 1 <= k && k <= m && m <= pc.L + 1))
    throw new InputError(`need 1 ≤ k ≤ m ≤ L+1 = ${pc.L + 1}, got m = ${m}, k = ${k}`, "responseOperator");
  const n = pc.P * pc.P;
  let R: Float64Array = new Float64Array(n * n);
  for (let i = 0; i < n; i++) R[i * n + i] = 1;
  for (let l = k + 1; l <= m; l++) R = mm(pc.J[l - 2], R, n);
  return R;
}

/** Cov(C^(l), C^(L+1)) = Σ^(l) R^(L+1←l)ᵀ as a P²×P² matrix (row: entry of C^(l), column: entry of C^(L+1)). */
export function covarianceWithReadout(pc: PriorCovariance, l: number): Float64Array {
  const n = pc.P * pc.P;
  return mm(pc.Sigma[l - 1], transpose(responseOperator(pc, pc.L + 1, l), n), n);
}

/** Cov_prior(C^(l), C^(L+1)) : G (brief §3.8), a P×P matrix. */
export function covarianceContract(pc: PriorCovariance, l: number, G: Float64Array): Float64Array {
  return contract(covarianceWithReadout(pc, l), G, pc.P);
}
