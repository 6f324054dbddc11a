/**
 * Exact Gibbs sampler with a scale move for the posterior of the χ-parameterised two-layer LINEAR
 * network of paper d (brief §2, §4.5(b)); the conventions are those of src/theory/multiscale:
 *
 * ```
 * f(x) = Σ_i w_i v_i·x = wᵀVx,   V_ij ~ N(0, g_v/D),   w_i ~ N(0, g_w/(χN)),
 * p(V, w | data) ∝ p(V) p(w) exp{−(χ/(2κ)) Σ_α (y_α − f(x_α))²}      (noise variance κ/χ)
 * ```
 *
 * with V ∈ ℝ^{N×D} (rows v_i), inputs X ∈ ℝ^{P×D} (one example per row). One sweep applies three
 * π-invariant kernels in turn:
 *
 * 1. **w | V** (Gaussian). With features H = VXᵀ (N×P), σ_w² = g_w/(χN), σ² = κ/χ: precision
 *    A_w = I/σ_w² + HHᵀ/σ², mean A_w⁻¹Hy/σ². Drawn from the N×N precision when N ≤ P (x = A_w⁻¹(b + Lξ)
 *    with A_w = LLᵀ, which is mean + L⁻ᵀξ), otherwise by Matheron's rule in the P×P data space:
 *    w = w₀ + σ_w²H(σ_w²HᵀH + σ²I)⁻¹(y − Hᵀw₀ − ε), w₀ ~ N(0, σ_w²I), ε ~ N(0, σ²I).
 * 2. **V | w** (Gaussian). f = X Vᵀw = |w| X z with z = Vᵀŵ, ŵ = w/|w|. Under the isotropic prior z and
 *    the part of V orthogonal to ŵ, (I − ŵŵᵀ)V, are independent, and only z enters the likelihood:
 *    z ~ N(Λ⁻¹b, Λ⁻¹), Λ = (D/g_v)I_D + (χ/κ)|w|² XᵀX, b = (χ/κ)|w| Xᵀy; the orthogonal part is drawn
 *    from the prior (V' ~ p(V), V = V' + ŵ(z − V'ᵀŵ)ᵀ).
 * 3. **Scale moves** (Metropolis): V → eˢV, w → e⁻ˢw leaves f unchanged; s ~ N(0, σ_s²) and
 *    log α = −a(e^{2s} − 1) − c(e^{−2s} − 1) + s(ND − N), a = |V|²D/(2g_v), c = |w|²χN/(2g_w)
 *    (the last term is the Jacobian of the map). The moves need only a and c, so `scaleMoves` of them
 *    are chained per sweep at O(1) cost each and applied at once. They fix the slow mixing of Gibbs
 *    along the scale symmetry (|w| small, |z| large and vice versa).
 *
 * Keys: `[kW, kZ, kPerp, kScale] = split(key, 4)`; `[kS, kU] = split(kScale, 2)` give the scale
 * proposals normal(kS, m) and their uniforms uniform(kU, m). Same key and state → same next state.
 *
 * @module
 */
import { InputError, NumericalError } from "../../engine/errors.js";
import { backend } from "../../engine/linalg.js";
import { type Key, normal, split, uniform } from "../../engine/random.js";

/** The network, data and scale of one posterior (the conventions of src/theory/multiscale). */
export interface GibbsLinearProblem {
  /** P×D training inputs (row-major, one example per row). */
  X: Float64Array;
  P: number;
  D: number;
  /** Training targets y ∈ ℝ^P. */
  y: Float64Array;
  /** Hidden width N. */
  N: number;
  /** Scale χ > 0: readout variance g_w/(χN), noise variance κ/χ. */
  chi: number;
  /** Ridge κ > 0. */
  kappa: number;
  /** Readin gain g_v (default 1): V_ij ~ N(0, g_v/D). */
  gv?: number;
  /** Readout gain g_w (default 1). */
  gw?: number;
}

/** Options of {@link gibbsLinear}. */
export interface GibbsLinearOptions {
  /** Chained scale moves per sweep (default 4; 0 disables the move). */
  scaleMoves?: number;
  /** Proposal standard deviation σ_s of log-scale s (default 2/√(2N(D + 1)), ≈ 2× the prior width of s). */
  scaleStep?: number;
  /** How w | V is drawn: "auto" (default: N×N precision when N ≤ P, else Matheron), or forced. */
  readout?: "auto" | "precision" | "matheron";
}

/** A point (V, w) of the chain with the training outputs it implies. */
export interface GibbsLinearState {
  /** Readin weights V (N×D, row-major; row i is v_i). */
  V: Float64Array;
  /** Readout weights w (N). */
  w: Float64Array;
  /** Training outputs f_α = wᵀVx_α (P). */
  f: Float64Array;
}

/** What one sweep reports. */
export interface GibbsLinearInfo {
  /** Accepted scale moves / proposed scale moves in this sweep (NaN when none were proposed). */
  scaleAcceptance: number;
  /** Total log-scale applied, Σ accepted s (V scaled by eˢ, w by e⁻ˢ). */
  logScale: number;
  /** L = ½ Σ_α (y_α − f_α)² at the returned state. */
  loss: number;
  /** Readout branch used for w | V ("precision": N×N; "matheron": P×P). */
  readout: "precision" | "matheron";
}

/** A Gibbs kernel: `init(key)` draws from the prior, `step(state, key)` is one sweep. */
export interface GibbsLinearSampler {
  readonly name: "gibbs-linear";
  readonly problem: Required<GibbsLinearProblem>;
  /** A state drawn from the prior p(V)p(w). */
  init(key: Key): GibbsLinearState;
  /** A state at given weights (copied). */
  initAt(V: Float64Array, w: Float64Array): GibbsLinearState;
  /** One sweep (w | V, V | w, scale moves). Pure: `state` is never modified. */
  step(state: GibbsLinearState, key: Key): { state: GibbsLinearState; info: GibbsLinearInfo };
  /** Outputs at other inputs: f(x) = xᵀ(Vᵀw) for each row of `Xs` (n×D). */
  outputs(state: GibbsLinearState, Xs: Float64Array, n: number): Float64Array;
}

function positive(v: number, what: string): void {
  if (!(v > 0) || !Number.isFinite(v)) throw new InputError(`${what} must be a finite number > 0, got ${v}`, "gibbs-linear");
}

/** Validates a problem and fills in the gains. */
export function checkGibbsLinearProblem(p: GibbsLinearProblem): Required<GibbsLinearProblem> {
  const { P, D, N } = p;
  for (const [name, v] of [
    ["P", P],
    ["D", D],
    ["N", N],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) throw new InputError(`${name} must be an integer ≥ 1, got ${v}`, "gibbs-linear");
  }
  if (p.X.length !== P * D) throw new InputError(`X has ${p.X.length} entries, expected P×D = ${P * D}`, "gibbs-linear");
  if (p.y.length !== P) throw new InputError(`y has ${p.y.length} entries, expected P = ${P}`, "gibbs-linear");
  for (let i = 0; i < p.X.length; i++) if (!Number.isFinite(p.X[i])) throw new InputError(`X[${i}] is not finite`, "gibbs-linear");
  for (let i = 0; i < P; i++) if (!Number.isFinite(p.y[i])) throw new InputError(`y[${i}] is not finite`, "gibbs-linear");
  positive(p.chi, "χ");
  positive(p.kappa, "κ");
  const gv = p.gv ?? 1;
  const gw = p.gw ?? 1;
  positive(gv, "g_v");
  positive(gw, "g_w");
  return { ...p, gv, gw };
}

/** In-place Cholesky of the lower triangle; throws NumericalError naming `what` on failure. */
function chol(A: Float64Array, n: number, what: string): void {
  const info = backend().potrf(n, A, n);
  if (info !== 0) throw new NumericalError(`gibbs-linear: ${what} is not positive definite (pivot ${info})`);
}

/** x ← A⁻¹(b + Lξ) = mean + L⁻ᵀξ for A = LLᵀ (L in the lower triangle of `L`); b is overwritten. */
function drawFromPrecision(L: Float64Array, n: number, b: Float64Array, xi: Float64Array): Float64Array {
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j <= i; j++) s += L[i * n + j] * xi[j];
    b[i] += s;
  }
  backend().potrs(n, 1, L, n, b, 1);
  return b;
}

/** The exact Gibbs sampler (with scale moves) of the linear χ-network posterior; see the module doc. */
export function gibbsLinear(problem: GibbsLinearProblem, opts: GibbsLinearOptions = {}): GibbsLinearSampler {
  const pb = checkGibbsLinearProblem(problem);
  const { X, P, D, N, y, chi, kappa, gv, gw } = pb;
  const moves = opts.scaleMoves ?? 4;
  if (!Number.isInteger(moves) || moves < 0) throw new InputError(`scaleMoves must be an integer ≥ 0, got ${moves}`, "gibbs-linear");
  const sigS = opts.scaleStep ?? 2 / Math.sqrt(2 * N * (D + 1));
  positive(sigS, "scaleStep");
  const be = backend();
  const sw2 = gw / (chi * N); // readout prior variance
  const s2 = kappa / chi; // noise variance
  const sv = Math.sqrt(gv / D);
  // XᵀX (D×D, lower triangle) and Xᵀy (D), fixed for the chain.
  const G = new Float64Array(D * D);
  be.syrk(true, D, P, 1, X, D, 0, G, D);
  const Xty = new Float64Array(D);
  be.gemv(true, P, D, 1, X, D, y, 0, Xty);
  const readout = opts.readout ?? "auto";
  if (readout !== "auto" && readout !== "precision" && readout !== "matheron")
    throw new InputError(`readout must be auto, precision or matheron, got ${readout}`, "gibbs-linear");
  const useMatheron = readout === "auto" ? N > P : readout === "matheron";
  const H = new Float64Array(N * P);
  const M = new Float64Array(useMatheron ? P * P : N * N);

  const outputsTrain = (V: Float64Array, w: Float64Array): Float64Array => {
    const u = new Float64Array(D);
    be.gemv(true, N, D, 1, V, D, w, 0, u); // u = Vᵀw
    const f = new Float64Array(P);
    be.gemv(false, P, D, 1, X, D, u, 0, f);
    return f;
  };
  const lossOf = (f: Float64Array): number => {
    let s = 0;
    for (let a = 0; a < P; a++) s += (y[a] - f[a]) ** 2;
    return 0.5 * s;
  };

  /** w | V. */
  const drawReadout = (V: Float64Array, k: Key): Float64Array => {
    be.gemm(false, true, N, P, D, 1, V, D, X, D, 0, H, P); // H = V Xᵀ
    if (!useMatheron) {
      // A_w = I/σ_w² + HHᵀ/σ² (N×N), b = Hy/σ²
      M.fill(0);
      be.syrk(false, N, P, 1 / s2, H, P, 0, M, N);
      for (let i = 0; i < N; i++) M[i * N + i] += 1 / sw2;
      chol(M, N, "the readout precision I/σ_w² + HHᵀ/σ²");
      const b = new Float64Array(N);
      be.gemv(false, N, P, 1 / s2, H, P, y, 0, b);
      return drawFromPrecision(M, N, b, normal(k, N));
    }
    // Matheron: w = w₀ + σ_w² H S⁻¹ (y − Hᵀw₀ − ε), S = σ_w² HᵀH + σ² I (P×P)
    const [k0, ke] = split(k, 2);
    const w0 = normal(k0, N, 0, Math.sqrt(sw2));
    const eps = normal(ke, P, 0, Math.sqrt(s2));
    M.fill(0);
    be.syrk(true, P, N, sw2, H, P, 0, M, P);
    for (let a = 0; a < P; a++) M[a * P + a] += s2;
    chol(M, P, "the readout data-space matrix σ_w²HᵀH + σ²I");
    const r = Float64Array.from(y);
    be.gemv(true, N, P, -1, H, P, w0, 1, r);
    for (let a = 0; a < P; a++) r[a] -= eps[a];
    be.potrs(P, 1, M, P, r, 1);
    be.gemv(false, N, P, sw2, H, P, r, 1, w0);
    return w0;
  };

  /** V | w. */
  const drawReadin = (w: Float64Array, kz: Key, kp: Key): Float64Array => {
    let wn = 0;
    for (let i = 0; i < N; i++) wn += w[i] * w[i];
    wn = Math.sqrt(wn);
    const V = normal(kp, N * D, 0, sv); // V' ~ p(V)
    if (!(wn > 0)) return V; // f ≡ 0: the likelihood does not involve V
    // z | w: Λ = (D/g_v)I + (χ/κ)|w|²XᵀX, b = (χ/κ)|w|Xᵀy
    const L = new Float64Array(D * D);
    const c2 = (chi / kappa) * wn * wn;
    for (let i = 0; i < D; i++) for (let j = 0; j <= i; j++) L[i * D + j] = c2 * G[i * D + j];
    for (let i = 0; i < D; i++) L[i * D + i] += D / gv;
    chol(L, D, "the readin precision (D/g_v)I + (χ/κ)|w|²XᵀX");
    const b = Float64Array.from(Xty, (v) => (chi / kappa) * wn * v);
    const z = drawFromPrecision(L, D, b, normal(kz, D));
    // V = V' + ŵ (z − V'ᵀŵ)ᵀ
    const wh = Float64Array.from(w, (v) => v / wn);
    const c = new Float64Array(D);
    be.gemv(true, N, D, 1, V, D, wh, 0, c);
    for (let k = 0; k < D; k++) c[k] = z[k] - c[k];
    for (let i = 0; i < N; i++) {
      const wi = wh[i];
      if (wi === 0) continue;
      const row = i * D;
      for (let k = 0; k < D; k++) V[row + k] += wi * c[k];
    }
    return V;
  };

  return {
    name: "gibbs-linear",
    problem: pb,
    init(k) {
      const [kv, kw] = split(k, 2);
      const V = normal(kv, N * D, 0, sv);
      const w = normal(kw, N, 0, Math.sqrt(sw2));
      return { V, w, f: outputsTrain(V, w) };
    },
    initAt(V, w) {
      if (V.length !== N * D) throw new InputError(`V has ${V.length} entries, expected N×D = ${N * D}`, "gibbs-linear");
      if (w.length !== N) throw new InputError(`w has ${w.length} entries, expected N = ${N}`, "gibbs-linear");
      return { V: Float64Array.from(V), w: Float64Array.from(w), f: outputsTrain(V, w) };
    },
    step(state, k) {
      const [kW, kZ, kPerp, kScale] = split(k, 4);
      const w = drawReadout(state.V, kW);
      const V = drawReadin(w, kZ, kPerp);
      let accepted = 0;
      let logScale = 0;
      if (moves > 0) {
        const [kS, kU] = split(kScale, 2);
        const prop = normal(kS, moves, 0, sigS);
        const us = uniform(kU, moves);
        let vn = 0;
        for (let i = 0; i < N * D; i++) vn += V[i] * V[i];
        let wn = 0;
        for (let i = 0; i < N; i++) wn += w[i] * w[i];
        let a = (vn * D) / (2 * gv);
        let c = (wn * chi * N) / (2 * gw);
        const jac = N * D - N;
        for (let m = 0; m < moves; m++) {
          const s = prop[m];
          const e2 = Math.exp(2 * s);
          const logAlpha = -a * (e2 - 1) - c * (1 / e2 - 1) + s * jac;
          if (Math.log(us[m]) < logAlpha) {
            accepted++;
            logScale += s;
            a *= e2;
            c /= e2;
          }
        }
        if (logScale !== 0) {
          const ev = Math.exp(logScale);
          for (let i = 0; i < N * D; i++) V[i] *= ev;
          for (let i = 0; i < N; i++) w[i] /= ev;
        }
      }
      const f = outputsTrain(V, w);
      for (let a = 0; a < P; a++) if (!Number.isFinite(f[a])) throw new NumericalError(`gibbs-linear: non-finite output f[${a}] after a sweep (χ = ${chi})`);
      return {
        state: { V, w, f },
        info: { scaleAcceptance: moves > 0 ? accepted / moves : Number.NaN, logScale, loss: lossOf(f), readout: useMatheron ? "matheron" : "precision" },
      };
    },
    outputs(state, Xs, n) {
      if (Xs.length !== n * D) throw new InputError(`inputs have ${Xs.length} entries, expected ${n}×D = ${n * D}`, "gibbs-linear");
      const u = new Float64Array(D);
      be.gemv(true, N, D, 1, state.V, D, state.w, 0, u);
      const f = new Float64Array(n);
      if (n > 0) be.gemv(false, n, D, 1, Xs, D, u, 0, f);
      return f;
    },
  };
}
