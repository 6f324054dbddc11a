/**
 * The EXACT posterior of the two-layer linear network at any finite width N and scale χ, as a
 * one-dimensional integral over the scalar order parameter Q.
 *
 * Derivation (docs/paper-d.md, "Exact linear theory"). Integrating the readout w_i ~ N(0, g_w/(χN)) and the
 * readin row v_i ~ N(0, (g_v/D) I) of one neuron gives E exp(i f̃·f) = (1 + f̃ᵀKf̃/(χN))^{−N/2} for the outputs
 * on ANY set of points (the brief's N·W of §3.7, K = g_w g_v XXᵀ/D). The identity
 * (1 + s)^{−N/2} = E_Q exp(−N Q s/2), Q ~ Gamma(shape N/2, rate N/2) (mean 1, variance 2/N),
 * makes the prior over outputs an exact Gaussian scale mixture: f | Q ~ N(0, QK/χ). With the Gaussian
 * likelihood (noise κ/χ) the posterior is therefore
 *
 *   p(Q | y) ∝ Q^{N/2−1} e^{−NQ/2} det(QK + κ)^{−1/2} exp(−(χ/2) yᵀ(QK + κ)⁻¹y),
 *   f | Q, y ~ the GP posterior with kernel QK/χ and noise κ/χ,
 *
 * and every output statistic is a Q-average of the rescaled-kernel GP. The readin covariance follows from a
 * source term on v_i and the shape-(N/2 + 1) form of the same identity:
 *
 *   Σ_v = (g_v/D)[I + (g_v g_w/(DN)) Xᵀ E_Q[Q(χ t_Q t_Qᵀ − R_Q)] X],  R_Q = (QK + κ)⁻¹, t_Q = R_Q y.
 *
 * In u = ln Q the log density is ℓ(u) = (N/2)u − (N/2)e^u − ½Σ_j ln(Qk_j + κ) − (χ/2)Σ_j ŷ_j²/(Qk_j + κ), and
 * ℓ'(u) = 0 is exactly the Li–Sompolinsky equation (brief §3.8): L&S is the mode of this density in ln Q
 * (in Q itself the mode differs by O(1/N)). The one-loop correction of §3.7 is a different 1/N expansion,
 * about the tree-level saddle. The integral has no truncation at all, so it is the standard-scaling
 * correction summed to all orders. It reproduces the brief's independent two-dimensional quadrature
 * (§8.2, "r exact") to 1e-6.
 *
 * Quadrature: trapezoid rule in u (spectrally accurate for this smooth, rapidly decaying integrand) over the
 * region where ℓ > ℓ(u*) − 46 around the mode u* (a coarse scan of that window, so a second mode there would
 * not be missed; u* ± 14σ_u when the posterior is narrower than the scan step), with the node count doubled
 * until ⟨Q⟩, ⟨Q²⟩ and the per-direction moments E[Q^m/(Qk_j + κ)] (m = 0, 1, 2) move by less than `tol`
 * relative; otherwise a NumericalError.
 *
 * @module
 */
import { InputError, NumericalError } from "../../engine/errors.js";
import { matmul, matrix } from "../../engine/linalg.js";
import { type TrainSpectrum, trainSpectrum } from "./linear.js";
import { block, type MultiscaleKernels } from "./network.js";

/** Options of {@link exactLinear}. */
export interface ExactLinearOptions {
  /** Relative change of every output between two node doublings below which the quadrature is converged (default 1e-11). */
  tol?: number;
  /** Most quadrature nodes (default 16385). */
  maxNodes?: number;
  /** A precomputed spectrum of the train kernel (reused across χ). */
  spectrum?: TrainSpectrum;
}

/** The posterior of the order parameter Q on its quadrature nodes. */
export interface OrderParameterPosterior {
  /** Posterior mean ⟨Q⟩. */
  mean: number;
  /** Posterior standard deviation of Q. */
  sd: number;
  /** Q at the maximum of the density in ln Q (= the Li–Sompolinsky Q). */
  mode: number;
  /** Quadrature nodes (values of Q) and normalised weights (sum 1). */
  nodes: Float64Array;
  weights: Float64Array;
  /** Whether the last node doubling changed every output by less than `tol` (relative). */
  converged: boolean;
  /** That last relative change. */
  change: number;
}

/** Output statistics of the exact linear theory at one χ. */
export interface ExactLinearResult {
  posterior: OrderParameterPosterior;
  /** Posterior mean discrepancy ⟨t⟩ = E_Q[(QK + κ)⁻¹y] (training outputs ⟨f⟩ = y − κ⟨t⟩). */
  t: Float64Array;
  fTrain: Float64Array;
  fTest: Float64Array;
  /** Posterior output variance on the test points: E_Q[GP variance] + Var_Q[GP mean]. */
  varTest: Float64Array;
  /** The P×P matrix M of Σ_v = (g_v/D)[I + XᵀMX] (see {@link sigmaVSpectrum}). */
  sigmaVCoupling: Float64Array;
}

const DROP = 46; // e^−46 ≈ 1e−20 relative weight at the edge of the integration region

/**
 * ℓ(u) of the order-parameter posterior (module doc), up to a constant. Directions with k_j = 0 add a
 * Q-independent constant and are skipped (so ℓ keeps its absolute precision when κ is small).
 */
export function orderParameterLogDensity(u: number, sp: TrainSpectrum, p: { chi: number; N: number; kappa: number }): number {
  const Q = Math.exp(u);
  let s = 0.5 * p.N * (u - Q);
  for (let j = 0; j < sp.k.length; j++) {
    if (sp.k[j] === 0) continue;
    const den = Q * sp.k[j] + p.kappa;
    s -= 0.5 * Math.log(den) + (0.5 * p.chi * sp.yhat[j] * sp.yhat[j]) / den;
  }
  return s;
}

/** The mode u* of ℓ: the root of ℓ' (= ln Q_L&S), by bisection — ℓ' → N/2 > 0 as u → −∞ and → −∞ as u → ∞. */
function modeOf(sp: TrainSpectrum, p: { chi: number; N: number; kappa: number }): number {
  let lo = -1;
  let hi = 1;
  for (let i = 0; i < 200 && orderParameterScore(lo, sp, p) <= 0; i++) lo -= 2 ** Math.min(i, 8);
  for (let i = 0; i < 200 && orderParameterScore(hi, sp, p) >= 0; i++) hi += 2 ** Math.min(i, 5);
  if (!(orderParameterScore(lo, sp, p) > 0 && orderParameterScore(hi, sp, p) < 0))
    throw new NumericalError(`exact linear theory: could not bracket the mode of the order-parameter posterior (χ = ${p.chi}, N = ${p.N})`);
  for (let i = 0; i < 200 && hi - lo > 1e-13 * Math.max(1, Math.abs(lo)); i++) {
    const m = 0.5 * (lo + hi);
    if (orderParameterScore(m, sp, p) > 0) lo = m;
    else hi = m;
  }
  return 0.5 * (lo + hi);
}

/**
 * The integration region [a, b] in u = ln Q. A coarse scan around the mode u* (wide enough for ℓ to fall by
 * DROP on both sides: the left tail falls only like (N/2)·u) finds the set where ℓ > ℓ(u*) − DROP, so a second
 * mode there is not missed; when that set is narrower than a few scan steps (large N), the region is
 * u* ± 14σ_u instead, σ_u = 1/√(−ℓ''(u*)).
 */
function region(sp: TrainSpectrum, p: { chi: number; N: number; kappa: number }, uStar: number): { a: number; b: number } {
  const lo = uStar - (2 * DROP) / p.N - 12;
  const hi = uStar + 12;
  const m = 6001;
  const h = (hi - lo) / (m - 1);
  const l = new Float64Array(m);
  let best = orderParameterLogDensity(uStar, sp, p);
  for (let i = 0; i < m; i++) {
    l[i] = orderParameterLogDensity(lo + i * h, sp, p);
    if (l[i] > best) best = l[i];
  }
  if (!Number.isFinite(best))
    throw new NumericalError(`exact linear theory: the order-parameter density is not finite near its mode (χ = ${p.chi}, N = ${p.N})`);
  let first = -1;
  let last = -1;
  for (let i = 0; i < m; i++)
    if (l[i] > best - DROP) {
      if (first < 0) first = i;
      last = i;
    }
  if (first === 0 || last === m - 1)
    throw new NumericalError(
      `exact linear theory: the order-parameter posterior is wider than ln Q ∈ [${lo.toFixed(1)}, ${hi.toFixed(1)}] (χ = ${p.chi}, N = ${p.N})`,
    );
  if (last - first < 16) {
    const d = 1e-4;
    const c = (orderParameterScore(uStar + d, sp, p) - orderParameterScore(uStar - d, sp, p)) / (2 * d);
    const sigma = 1 / Math.sqrt(Math.max(-c, 1e-300));
    return { a: uStar - 14 * sigma, b: uStar + 14 * sigma };
  }
  return { a: lo + (first - 1) * h, b: lo + (last + 1) * h };
}

interface Moments {
  nodes: Float64Array;
  weights: Float64Array;
  /** E[1/(Qk_j + κ)], E[Q/(Qk_j + κ)], E[Q²/(Qk_j + κ)] per eigen-direction j. */
  A: Float64Array;
  B: Float64Array;
  C: Float64Array;
  mean: number;
  second: number;
}

function moments(sp: TrainSpectrum, p: { chi: number; N: number; kappa: number }, a: number, b: number, M: number): Moments {
  const P = sp.k.length;
  const h = (b - a) / (M - 1);
  const logw = new Float64Array(M);
  let best = Number.NEGATIVE_INFINITY;
  for (let m = 0; m < M; m++) {
    logw[m] = orderParameterLogDensity(a + m * h, sp, p);
    if (logw[m] > best) best = logw[m];
  }
  const nodes = new Float64Array(M);
  const weights = new Float64Array(M);
  let z = 0;
  for (let m = 0; m < M; m++) {
    nodes[m] = Math.exp(a + m * h);
    weights[m] = Math.exp(logw[m] - best) * (m === 0 || m === M - 1 ? 0.5 : 1);
    z += weights[m];
  }
  const A = new Float64Array(P);
  const B = new Float64Array(P);
  const C = new Float64Array(P);
  let mean = 0;
  let second = 0;
  for (let m = 0; m < M; m++) {
    weights[m] /= z;
    const w = weights[m];
    const Q = nodes[m];
    mean += w * Q;
    second += w * Q * Q;
    for (let j = 0; j < P; j++) {
      const r = w / (Q * sp.k[j] + p.kappa);
      A[j] += r;
      B[j] += r * Q;
      C[j] += r * Q * Q;
    }
  }
  return { nodes, weights, A, B, C, mean, second };
}

function relChange(x: Moments, y: Moments): number {
  let d = Math.max(Math.abs(x.mean - y.mean) / Math.abs(y.mean), Math.abs(x.second - y.second) / Math.abs(y.second));
  for (const key of ["A", "B", "C"] as const)
    for (let j = 0; j < x[key].length; j++) {
      const s = Math.abs(y[key][j]);
      if (s > 0) d = Math.max(d, Math.abs(x[key][j] - y[key][j]) / s);
    }
  return d;
}

/** ℓ'(u) = N/2 − (N/2)Q − ½Σ_j Qk_j/(Qk_j + κ) + (χ/2)Σ_j Qk_jŷ_j²/(Qk_j + κ)²; its root is the L&S Q. */
export function orderParameterScore(u: number, sp: TrainSpectrum, p: { chi: number; N: number; kappa: number }): number {
  const Q = Math.exp(u);
  let s = 0.5 * p.N * (1 - Q);
  for (let j = 0; j < sp.k.length; j++) {
    const qk = Q * sp.k[j];
    const den = qk + p.kappa;
    s += (-0.5 * qk) / den + (0.5 * p.chi * qk * sp.yhat[j] * sp.yhat[j]) / (den * den);
  }
  return s;
}

/**
 * The exact posterior of the linear two-layer network (module doc) at scale χ: order-parameter posterior,
 * mean outputs on train and test, test output variance and the Σ_v coupling. Requires finite N
 * (N = ∞ is the NNGP). Throws NumericalError when the quadrature cannot be placed or does not converge
 * within `maxNodes` nodes.
 */
export function exactLinear(
  ker: MultiscaleKernels,
  y: Float64Array,
  p: { chi: number; N: number; kappa: number },
  opts: ExactLinearOptions = {},
): ExactLinearResult {
  if (ker.act !== "linear") throw new InputError(`the exact theory is only available for linear networks (act = linear), got ${ker.act}`, "multiscale");
  if (!Number.isFinite(p.N)) throw new InputError("the exact linear theory needs a finite width N (N = ∞ is the NNGP)", "multiscale");
  const { P, Pt, n, K } = ker;
  const sp = opts.spectrum ?? trainSpectrum(ker.Ktr, P, y); // eigenvalues below P·ε·k_max are exact zeros
  const tol = opts.tol ?? 1e-11;
  const maxNodes = opts.maxNodes ?? 16385;
  const uStar = modeOf(sp, p);
  const { a, b } = region(sp, p, uStar);
  let M = 129;
  let cur = moments(sp, p, a, b, M);
  let change = Number.POSITIVE_INFINITY;
  while (M < maxNodes) {
    M = 2 * M - 1;
    const next = moments(sp, p, a, b, M);
    change = relChange(cur, next);
    cur = next;
    if (change < tol) break;
  }
  const converged = change < tol;
  if (!converged)
    throw new NumericalError(
      `exact linear theory: the quadrature did not converge with ${M} nodes (relative change ${change.toExponential(2)} > ${tol}; χ = ${p.chi}, N = ${p.N})`,
    );
  const mode = Math.exp(uStar);
  const { A, B, C, nodes, weights } = cur;
  const U = sp.eig.vectors; // column j: U[i·P + j]
  // ⟨t⟩ = U(ŷ ⊙ A), ⟨f_train⟩ = y − κ⟨t⟩
  const t = new Float64Array(P);
  for (let i = 0; i < P; i++) {
    let s = 0;
    for (let j = 0; j < P; j++) s += U[i * P + j] * sp.yhat[j] * A[j];
    t[i] = s;
  }
  const fTrain = new Float64Array(P);
  for (let i = 0; i < P; i++) fTrain[i] = y[i] - p.kappa * t[i];
  // test: c = K_te,tr U (Pt×P); ⟨f*⟩ = Σ_j c_*j ŷ_j B_j
  const Uq = matrix(P, P, U);
  const c = matmul(matrix(Pt, P, block(K, n, P, n, 0, P)), Uq).data;
  const Mn = nodes.length;
  // per node m: r_mj = ŷ_j Q_m/(Q_m k_j + κ), so that the GP mean at test point s is g_sm = Σ_j c_sj r_mj
  const r = new Float64Array(Mn * P);
  for (let m = 0; m < Mn; m++) {
    const Q = nodes[m];
    for (let j = 0; j < P; j++) r[m * P + j] = (sp.yhat[j] * Q) / (Q * sp.k[j] + p.kappa);
  }
  const g = matmul(matrix(Pt, P, c), matrix(Mn, P, r), { transB: true }).data; // Pt×Mn
  const fTest = new Float64Array(Pt);
  const varTest = new Float64Array(Pt);
  for (let s = 0; s < Pt; s++) {
    let f = 0;
    let gpVar = cur.mean * K[(P + s) * n + P + s];
    for (let j = 0; j < P; j++) {
      const cj = c[s * P + j];
      f += cj * sp.yhat[j] * B[j];
      gpVar -= cj * cj * C[j];
    }
    fTest[s] = f;
    // Var_Q of the GP mean: Σ_m w_m g_sm² − f²
    let second = 0;
    for (let m = 0; m < Mn; m++) second += weights[m] * g[s * Mn + m] ** 2;
    varTest[s] = gpVar / p.chi + Math.max(0, second - f * f);
  }
  // Σ_v coupling: (g_v g_w/(DN)) U [χ ŷ_i ŷ_j E(Q/((Qk_i+κ)(Qk_j+κ))) − δ_ij B_i] Uᵀ
  const S = new Float64Array(P * P);
  const inv = new Float64Array(P);
  for (let m = 0; m < Mn; m++) {
    const Q = nodes[m];
    const w = weights[m] * Q * p.chi;
    if (w === 0) continue;
    for (let j = 0; j < P; j++) inv[j] = sp.yhat[j] / (Q * sp.k[j] + p.kappa);
    for (let i = 0; i < P; i++) {
      const wi = w * inv[i];
      for (let j = 0; j <= i; j++) S[i * P + j] += wi * inv[j];
    }
  }
  for (let i = 0; i < P; i++) {
    for (let j = 0; j < i; j++) S[j * P + i] = S[i * P + j];
    S[i * P + i] -= B[i];
  }
  const scale = (ker.gv * ker.gw) / (ker.D * p.N);
  const USU = matmul(matmul(Uq, matrix(P, P, S)), Uq, { transB: true }).data;
  const sigmaVCoupling = new Float64Array(P * P);
  for (let i = 0; i < P; i++)
    for (let j = 0; j <= i; j++) sigmaVCoupling[i * P + j] = sigmaVCoupling[j * P + i] = 0.5 * scale * (USU[i * P + j] + USU[j * P + i]);
  for (const [name, arr] of [
    ["mean training output", fTrain],
    ["mean test output", fTest],
    ["test variance", varTest],
  ] as const)
    for (let i = 0; i < arr.length; i++)
      if (!Number.isFinite(arr[i])) throw new NumericalError(`exact linear theory: ${name} ${i} is not finite (χ = ${p.chi}, N = ${p.N})`);
  return {
    posterior: { mean: cur.mean, sd: Math.sqrt(Math.max(0, cur.second - cur.mean * cur.mean)), mode, nodes, weights, converged, change },
    t,
    fTrain,
    fTest,
    varTest,
    sigmaVCoupling,
  };
}
