/**
 * Deep linear networks (φ(x) = x): the tilted single-neuron measure is Gaussian with precision
 * C⁻¹ − 2gC̃, so the forward–backward equations are closed-form matrix equations (brief §3.7):
 *
 *   forward   C^(l)   = g_l [ (C^(l−1))⁻¹ − 2g_l C̃^(l) ]⁻¹ + g_b 11ᵀ
 *   backward  C̃^(l−1) = g_l C̃^(l) [ I − 2g_l C^(l−1) C̃^(l) ]⁻¹
 *             (≡ ½[(C^(l−1))⁻¹ Ĉ^(l) (C^(l−1))⁻¹ − (C^(l−1))⁻¹],  Ĉ^(l) = (C^(l) − g_b11ᵀ)/g_l)
 *
 * and the MAP objective is the KL/Wishart form
 *   S = ln N(Y; 0, C^(L+1) + κI) − (N/2) Σ_l [ tr((C^(l−1))⁻¹Ĉ^(l)) − ln det((C^(l−1))⁻¹Ĉ^(l)) − P ]
 * (without the −(PD/2) ln 2π constant). The guard C⁻¹ − 2gC̃ ≻ 0 raises a NumericalError.
 *
 * @module
 */
import { invPD, logdetPD, mm, sqrtPSD, symmetrize } from "./mat.js";
import { logLikelihood } from "./model.js";

/**
 * The tilted second moment M = [C⁻¹ − 2gC̃]⁻¹ = C^{1/2} B⁻¹ C^{1/2} with B = I − 2g C^{1/2}C̃C^{1/2},
 * which needs no C⁻¹ (C may be singular, e.g. an input kernel with P > d). B ≻ 0 is the guard
 * "C⁻¹ − 2gC̃ ≻ 0"; NumericalError otherwise. Also returns ln det B.
 */
export function linearTilted(C: Float64Array, Ct: Float64Array, P: number, g: number, layer = 0): { M: Float64Array; logdetB: number } {
  const S = sqrtPSD(C, P, `C^(${layer - 1})`);
  const B = mm(mm(S, Ct, P), S, P);
  for (let i = 0; i < B.length; i++) B[i] = (i % (P + 1) === 0 ? 1 : 0) - 2 * g * B[i];
  const what = `I − 2g C^(${layer - 1})^½ C̃^(${layer}) C^(${layer - 1})^½ (linear tilted precision C⁻¹ − 2gC̃)`;
  const Bi = invPD(symmetrize(B, P), P, what);
  const M = symmetrize(mm(mm(S, Bi, P), S, P), P);
  return { M, logdetB: logdetPD(B, P, what) };
}

/** Linear forward map: g[C⁻¹ − 2gC̃]⁻¹ + g_b (NumericalError if C⁻¹ − 2gC̃ is not positive definite). */
export function linearForward(C: Float64Array, Ct: Float64Array, P: number, g: number, gb: number, layer = 0): Float64Array {
  const { M } = linearTilted(C, Ct, P, g, layer);
  for (let i = 0; i < M.length; i++) M[i] = g * M[i] + gb;
  return M;
}

/** The tilted second moment ⟨hhᵀ⟩_l = [C⁻¹ − 2gC̃]⁻¹ of a linear layer. */
export function linearTiltedMoment(C: Float64Array, Ct: Float64Array, P: number, g: number, layer = 0): Float64Array {
  return linearTilted(C, Ct, P, g, layer).M;
}

/** Linear backward map: C̃^(l−1) = g C̃ [I − 2gCC̃]⁻¹ = g(C̃ + 2g C̃MC̃), M = [C⁻¹ − 2gC̃]⁻¹ (symmetric). */
export function linearBackward(C: Float64Array, Ct: Float64Array, P: number, g: number, layer = 0): Float64Array {
  const { M } = linearTilted(C, Ct, P, g, layer);
  const B = mm(mm(Ct, M, P), Ct, P);
  for (let i = 0; i < B.length; i++) B[i] = g * (Ct[i] + 2 * g * B[i]);
  return symmetrize(B, P);
}

/** The equivalent form ½[C⁻¹ĈC⁻¹ − C⁻¹] with Ĉ = (C_next − g_b)/g (brief §3.7), for checks. */
export function linearBackwardFromKernels(Cprev: Float64Array, Cnext: Float64Array, P: number, g: number, gb: number): Float64Array {
  const Ci = invPD(Cprev, P, "C^(l−1)");
  const Ch = new Float64Array(P * P);
  for (let i = 0; i < Ch.length; i++) Ch[i] = (Cnext[i] - gb) / g;
  const B = mm(mm(Ci, Ch, P), Ci, P);
  for (let i = 0; i < B.length; i++) B[i] = 0.5 * (B[i] - Ci[i]);
  return symmetrize(B, P);
}

/** KL(N(0, Ĉ) ‖ N(0, C′)) = ½[tr(C′⁻¹Ĉ) − ln det(C′⁻¹Ĉ) − P]: the linear rate function Γ(C | C′), Ĉ = (C − g_b)/g. */
export function linearRate(Cprev: Float64Array, C: Float64Array, P: number, g: number, gb: number): number {
  const Ci = invPD(Cprev, P, "C^(l−1)");
  const Ch = new Float64Array(P * P);
  for (let i = 0; i < Ch.length; i++) Ch[i] = (C[i] - gb) / g;
  let tr = 0;
  for (let a = 0; a < P; a++) for (let b = 0; b < P; b++) tr += Ci[a * P + b] * Ch[b * P + a];
  const ld = logdetPD(symmetrize(Ch, P), P, "Ĉ = (C − g_b)/g") - logdetPD(Cprev, P, "C^(l−1)");
  return 0.5 * (tr - ld - P);
}

/**
 * The deep-linear MAP objective (brief §3.7) of kernels Cs = [C^(1), …, C^(L+1)]:
 * ln N(Y; 0, C^(L+1) + κI) − N Σ_l Γ(C^(l) | C^(l−1)), without the −(PD/2) ln 2π constant.
 */
export function deepLinearObjective(Cs: Float64Array[], P: number, Y: Float64Array, D: number, g: number[], gb: number, N: number, kappa: number): number {
  const L1 = Cs.length - 1;
  let s = logLikelihood(
    Cs[L1],
    P,
    Y,
    D,
    kappa,
    (A) => logdetPD(A, P, "K"),
    (A) => invPD(A, P, "K"),
  );
  for (let l = 2; l <= L1 + 1; l++) s -= N * linearRate(Cs[l - 2], Cs[l - 1], P, g[l - 1], gb);
  return s;
}
