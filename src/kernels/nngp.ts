/**
 * Input covariances and the single-layer NNGP map, entry by entry, for train×train, test×train and
 * the test diagonal.
 *
 * ## Conventions (paper b's gain convention throughout)
 *
 * - **Input covariance** of P inputs x_μ ∈ ℝ^d (rows of X):
 *   C^(1)_μν = (g_w/(d·λ0))·x_μ·x_ν + g_b,
 *   with λ0 the prior precision of the first-layer weights (default 1). Paper a's convention
 *   (C = XXᵀ/(λ0 N0), no bias) is g_w = 1, g_b = 0; paper b's is λ0 = 1 with its g_1 and g_b.
 * - **Layer map**: a covariance C ↦ g_w·E[φ(h)φ(h′)] + g_b with (h, h′) ~ N(0, [[C_aa, C_ab], [C_ab, C_bb]]).
 *   Each entry needs only its 2×2 block, so the test×train entries need the test diagonal as well as
 *   the train diagonal; {@link KernelBlocks} carries all three blocks.
 * - **Kernel functions** 𝒦, 𝒦′, 𝒥 (`kernel`, `dkernel`, `d2kernel`) as in `activations.ts`.
 *
 * ## Quadrature for activations without closed forms
 *
 * {@link kernelQuadrature} evaluates E[f(u)g(v)] with an error estimate |I(n) − I(n′)|, n′ = round(2n/3),
 * by one of two schemes:
 * - "polar" (the default, for every activation): with (u, v) = L·(z₁, z₂) (L the Cholesky factor) and
 *   (z₁, z₂) = r(cos t, sin t), E = (1/2π)∫dt ∫₀^∞ r e^{−r²/2} f(r·α(t)) g(r·β(t)) dr. The sign
 *   pattern of (u, v) depends on t only, so the angle range is split at the (up to four) angles where
 *   u = 0 or v = 0; on each arc the integrand is analytic and an n-point Gauss–Legendre rule converges
 *   geometrically, as does the radial n-point Gauss–Legendre rule on [0, R], R = 12 (tail < 1e−29).
 *   This handles kinks and jumps at 0 (ReLU, abs, sign) exactly, and saturating activations at large
 *   variance (tanh, erf(s·x) with s²·a ≫ 1) far better than Gauss–Hermite.
 * - "gauss-hermite": the n×n tensor rule of `engine/quadrature.ts` on the Cholesky factor.
 *
 * Measured (|quadrature − reference|, worst over (a, b, c) ∈ {(0.7, 1.3, 0.5), (1, 1, 1 − 1e−6),
 * (2, 0.5, −0.9), (0.3, 2, 0), (1, 4, 2(1 − 1e−9)), (10, 10, 9.99)}): tanh 𝒦 — polar n = 32: 2e−8,
 * n = 64: 6e−16; Gauss–Hermite n = 48: 7e−3, n = 100: 5e−4 (all at (10, 10, 9.99)). ReLU — polar
 * n = 48: 3e−15; Gauss–Hermite converges only algebraically on the kink. (Reference: the closed form
 * where one exists, else the polar rule at n = 200.)
 *
 * ## Cost
 *
 * Closed forms run over the upper triangle (fused loops for erf, (leaky) ReLU and abs), then mirror:
 * P = 4000 takes about 0.16 s (erf), 0.21 s (ReLU) and 0.4 s (a generic closed form such as sin) per
 * layer on the 2-core development machine (median of 5). Quadrature costs 4n² evaluations of φ per
 * entry per call — about 0.4 ms at n = 48 (tanh at P = 100: 2 s per layer) — so deep stacks of
 * activations without closed forms are practical only for P in the hundreds.
 *
 * @module
 */
import { InputError } from "../engine/errors.js";
import { checkSymmetric, gram, matmul } from "../engine/linalg.js";
import { expect2dWithError, gaussHermite } from "../engine/quadrature.js";
import { type Activation, erfKernel } from "./activations.js";

/** Which Gaussian expectation: 𝒦 = E[φφ], 𝒦′ = E[φ′φ′], 𝒥 = E[φ″(u)φ(v)]. */
export type KernelKind = "kernel" | "dkernel" | "d2kernel";

/**
 * A kernel over P training and Pt test points, in three blocks:
 * - `train` (P×P, symmetric, row-major): K(x_μ, x_ν);
 * - `cross` (Pt×P, row-major): K(x*_s, x_μ), row s for test point s;
 * - `testDiag` (Pt): K(x*_s, x*_s).
 * With no test points Pt = 0 and `cross`, `testDiag` are empty arrays. For the non-symmetric 𝒥 the
 * `train` block is a full (non-symmetric) matrix with φ″ acting on the row point, and `cross` has φ″
 * on the test point.
 */
export interface KernelBlocks {
  P: number;
  Pt: number;
  train: Float64Array;
  cross: Float64Array;
  testDiag: Float64Array;
}

/** Options of {@link inputCovariance}. */
export interface InputCovarianceOptions {
  /** Weight gain g_w of the first layer (default 1). */
  gw?: number;
  /** Bias variance g_b (default 0: no bias). */
  gb?: number;
  /** Prior precision λ0 of the first-layer weights (default 1). */
  lambda0?: number;
  /** Test inputs, row-major Pt×d. */
  Xtest?: Float64Array;
  /** Number of test inputs (default Xtest.length/d). */
  Pt?: number;
}

function checkNonNeg(x: number, name: string, where: string): void {
  if (typeof x !== "number" || !Number.isFinite(x) || x < 0) throw new InputError(`${name} must be a finite number ≥ 0, got ${x}`, where);
}

function checkData(X: Float64Array, rows: number, d: number, name: string, where: string): void {
  if (!(X instanceof Float64Array)) throw new InputError(`${name} must be a Float64Array`, where);
  if (X.length !== rows * d) throw new InputError(`${name} has ${X.length} entries, expected ${rows}×${d} = ${rows * d}`, where);
  for (let i = 0; i < X.length; i++) {
    if (!Number.isFinite(X[i])) throw new InputError(`${name} has a non-finite value ${X[i]} at row ${Math.floor(i / d)}, column ${i % d}`, where);
  }
}

/**
 * Input covariance C^(1) = (g_w/(d·λ0))·XXᵀ + g_b for the train rows X (P×d), and, given `Xtest`
 * (Pt×d), the test×train block (g_w/(dλ0))·X*Xᵀ + g_b and the test diagonal (g_w/(dλ0))|x*|² + g_b.
 */
export function inputCovariance(X: Float64Array, P: number, d: number, opts: InputCovarianceOptions = {}): KernelBlocks {
  const where = "inputCovariance";
  if (!Number.isInteger(P) || P < 0) throw new InputError(`P must be an integer ≥ 0, got ${P}`, where);
  if (!Number.isInteger(d) || d < 1) throw new InputError(`d must be an integer ≥ 1, got ${d}`, where);
  const gw = opts.gw ?? 1;
  const gb = opts.gb ?? 0;
  const lambda0 = opts.lambda0 ?? 1;
  checkNonNeg(gw, "gw", where);
  checkNonNeg(gb, "gb", where);
  if (!(Number.isFinite(lambda0) && lambda0 > 0)) throw new InputError(`lambda0 must be a finite number > 0, got ${lambda0}`, where);
  checkData(X, P, d, "X", where);
  const scale = gw / (d * lambda0);
  const train = gram(X, P, d, scale);
  if (gb !== 0) for (let i = 0; i < train.length; i++) train[i] += gb;
  let Pt = 0;
  let cross: Float64Array = new Float64Array(0);
  let testDiag = new Float64Array(0);
  if (opts.Xtest !== undefined) {
    Pt = opts.Pt ?? opts.Xtest.length / d;
    if (!Number.isInteger(Pt) || Pt < 0) throw new InputError(`Xtest has ${opts.Xtest.length} entries, not a multiple of d = ${d}`, where);
    checkData(opts.Xtest, Pt, d, "Xtest", where);
    if (Pt > 0 && P > 0) {
      cross = matmul({ rows: Pt, cols: d, data: opts.Xtest }, { rows: P, cols: d, data: X }, { transB: true }).data;
      for (let i = 0; i < cross.length; i++) cross[i] = scale * cross[i] + gb;
    } else cross = new Float64Array(Pt * P);
    testDiag = new Float64Array(Pt);
    for (let s = 0; s < Pt; s++) {
      let acc = 0;
      for (let k = 0; k < d; k++) {
        const x = opts.Xtest[s * d + k];
        acc += x * x;
      }
      testDiag[s] = scale * acc + gb;
    }
  }
  return { P, Pt, train, cross, testDiag };
}

/**
 * Wraps a P×P covariance (and optionally test blocks) as {@link KernelBlocks}, validating shapes,
 * finiteness, symmetry, non-negative variances and |C_ab| ≤ √(C_aa C_bb) (up to 1e−8 relative;
 * smaller violations are rounding and get clipped by the kernel functions).
 */
export function kernelBlocks(train: Float64Array, P: number, test?: { cross: Float64Array; testDiag: Float64Array }, where = "kernel"): KernelBlocks {
  const b: KernelBlocks = {
    P,
    Pt: test ? test.testDiag.length : 0,
    train,
    cross: test ? test.cross : new Float64Array(0),
    testDiag: test ? test.testDiag : new Float64Array(0),
  };
  validateBlocks(b, where);
  return b;
}

/** Validates a {@link KernelBlocks} as a covariance (see {@link kernelBlocks}); throws InputError naming the entry. */
export function validateBlocks(K: KernelBlocks, where = "kernel"): void {
  const { P, Pt, train, cross, testDiag } = K;
  if (!Number.isInteger(P) || P < 0 || !Number.isInteger(Pt) || Pt < 0) throw new InputError(`bad sizes P=${P}, Pt=${Pt}`, where);
  if (!(train instanceof Float64Array) || train.length !== P * P) throw new InputError(`train block must be a Float64Array of ${P}×${P}`, where);
  if (!(cross instanceof Float64Array) || cross.length !== Pt * P) throw new InputError(`cross block must be a Float64Array of ${Pt}×${P}`, where);
  if (!(testDiag instanceof Float64Array) || testDiag.length !== Pt) throw new InputError(`testDiag must be a Float64Array of length ${Pt}`, where);
  checkSymmetric(train, P, `${where} (train block)`);
  for (let i = 0; i < P; i++) {
    const v = train[i * P + i];
    if (v < 0) throw new InputError(`negative variance ${v} at (${i}, ${i})`, `${where} (train block)`);
  }
  for (let s = 0; s < Pt; s++) {
    const v = testDiag[s];
    if (!Number.isFinite(v) || v < 0) throw new InputError(`test variance ${v} at ${s} is not a finite number ≥ 0`, `${where} (test diagonal)`);
  }
  for (let i = 0; i < P; i++) {
    const a = train[i * P + i];
    for (let j = 0; j < i; j++) checkCS(train[i * P + j], a, train[j * P + j], i, j, `${where} (train block)`);
  }
  for (let s = 0; s < Pt; s++) {
    for (let j = 0; j < P; j++) {
      const c = cross[s * P + j];
      if (!Number.isFinite(c)) throw new InputError(`non-finite value ${c} at (${s}, ${j})`, `${where} (cross block)`);
      checkCS(c, testDiag[s], train[j * P + j], s, j, `${where} (cross block)`);
    }
  }
}

function checkCS(c: number, a: number, b: number, i: number, j: number, where: string): void {
  if (c * c > a * b * (1 + 1e-8) + 1e-300) {
    throw new InputError(`not a covariance: |C(${i},${j})| = ${Math.abs(c)} exceeds √(C(${i},${i})·C(${j},${j})) = ${Math.sqrt(a * b)}`, where);
  }
}

// ------------------------------------------------------------------------------- quadrature

/** Options of the quadrature evaluators. */
export interface QuadratureOptions {
  /** Nodes per dimension (Gauss–Hermite) or per arc and per radius (polar rule). Default 64 in {@link kernelQuadrature}, 48 in {@link kernelFunction} and the matrix maps. */
  n?: number;
  /** Quadrature scheme (default "polar", see the module doc). */
  scheme?: "gauss-hermite" | "polar";
}

/** Value and error estimate of a quadrature. */
export interface QuadratureResult {
  value: number;
  /** |I(n) − I(n′)|, n′ = round(2n/3): a conservative error estimate for geometrically converging rules. */
  error: number;
  scheme: "gauss-hermite" | "polar";
  n: number;
}

/** A quadrature rule on an interval: nodes x and weights w. */
export interface Rule {
  x: Float64Array;
  w: Float64Array;
}

const glCache = new Map<number, Rule>();

/** n-point Gauss–Legendre rule on [−1, 1] (Newton iteration on the three-term recurrence). */
export function gaussLegendre(n: number): Rule {
  if (!Number.isInteger(n) || n < 1 || n > 4096) throw new InputError(`Gauss–Legendre order must be an integer in [1, 4096], got ${n}`, "gaussLegendre");
  const hit = glCache.get(n);
  if (hit) return hit;
  const x = new Float64Array(n);
  const w = new Float64Array(n);
  const m = Math.floor((n + 1) / 2);
  for (let i = 0; i < m; i++) {
    let z = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    let dp = 0;
    for (let it = 0; it < 100; it++) {
      let p0 = 1;
      let p1 = z;
      for (let k = 2; k <= n; k++) {
        const p2 = ((2 * k - 1) * z * p1 - (k - 1) * p0) / k;
        p0 = p1;
        p1 = p2;
      }
      if (n === 1) {
        p1 = z;
        p0 = 1;
      }
      // p1 = P_n(z), p0 = P_{n−1}(z); P_n' = n (z P_n − P_{n−1})/(z² − 1)
      dp = (n * (z * p1 - p0)) / (z * z - 1);
      const dz = p1 / dp;
      z -= dz;
      if (Math.abs(dz) < 1e-16) break;
    }
    // Recompute the derivative at the converged node for the weight.
    let p0 = 1;
    let p1 = z;
    for (let k = 2; k <= n; k++) {
      const p2 = ((2 * k - 1) * z * p1 - (k - 1) * p0) / k;
      p0 = p1;
      p1 = p2;
    }
    dp = n === 1 ? 1 : (n * (z * p1 - p0)) / (z * z - 1);
    x[i] = -z;
    x[n - 1 - i] = z;
    const wi = 2 / ((1 - z * z) * dp * dp);
    w[i] = wi;
    w[n - 1 - i] = wi;
  }
  if (n % 2 === 1) x[(n - 1) / 2] = 0;
  const r = { x, w };
  glCache.set(n, r);
  return r;
}

const POLAR_R = 12;
const radialCache = new Map<number, Rule>();

/** Radial rule: Σ_k W_k g(r_k) ≈ ∫₀^R r e^{−r²/2} g(r) dr (Gauss–Legendre on [0, R], weight folded in). */
function radialRule(n: number): Rule {
  const hit = radialCache.get(n);
  if (hit) return hit;
  const gl = gaussLegendre(n);
  const x = new Float64Array(n);
  const w = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const r = 0.5 * POLAR_R * (gl.x[k] + 1);
    x[k] = r;
    w[k] = 0.5 * POLAR_R * gl.w[k] * r * Math.exp(-0.5 * r * r);
  }
  const rule = { x, w };
  radialCache.set(n, rule);
  return rule;
}

/**
 * Lower Cholesky-type factor u = l11 z₁, v = l21 z₁ + l22 z₂ of [[a, c], [c, b]]. l22 = √((ab − c²)/a)
 * is formed from the determinant (exactly 0 when c² = ab in floating point, e.g. on a kernel's
 * diagonal), not from b − l21², whose rounding would leave a spurious l22 ~ √(ε·b); a rounding-level
 * violation ab − c² < 0 is clipped to the degenerate case v = sign(c)·√(b/a)·u.
 */
function factor(a: number, b: number, c: number): [number, number, number] {
  if (a > 0) {
    const l11 = Math.sqrt(a);
    const det = a * b - c * c;
    if (det <= 0) return [l11, c >= 0 ? Math.sqrt(b) : -Math.sqrt(b), 0];
    return [l11, c / l11, Math.sqrt(det / a)];
  }
  return [0, 0, Math.sqrt(Math.max(b, 0))];
}

/**
 * E[F(u, v)] for (u, v) ~ N(0, [[a, c], [c, b]]) by the polar rule (see the module doc): exact
 * handling of non-smooth points of F on the lines u = 0 and v = 0.
 */
export function polarExpect(F: (u: number, v: number) => number, a: number, b: number, c: number, n = 48): number {
  const [l11, l21, l22] = factor(a, b, c);
  const TWO_PI = 2 * Math.PI;
  const cuts: number[] = [0, TWO_PI];
  const add = (t: number) => {
    let s = t % TWO_PI;
    if (s < 0) s += TWO_PI;
    cuts.push(s);
  };
  if (l11 > 0) {
    add(Math.PI / 2);
    add((3 * Math.PI) / 2);
  }
  if (l21 !== 0 || l22 !== 0) {
    const psi = Math.atan2(l22, l21); // v = R cos(t − ψ)
    add(psi + Math.PI / 2);
    add(psi - Math.PI / 2);
  }
  cuts.sort((x, y) => x - y);
  const gl = gaussLegendre(n);
  const rad = radialRule(n);
  let total = 0;
  for (let k = 0; k + 1 < cuts.length; k++) {
    const t0 = cuts[k];
    const t1 = cuts[k + 1];
    const half = 0.5 * (t1 - t0);
    if (!(half > 0)) continue;
    const mid = 0.5 * (t0 + t1);
    let arc = 0;
    for (let i = 0; i < n; i++) {
      const t = mid + half * gl.x[i];
      const ct = Math.cos(t);
      const st = Math.sin(t);
      const al = l11 * ct;
      const be = l21 * ct + l22 * st;
      let s = 0;
      for (let j = 0; j < n; j++) {
        const r = rad.x[j];
        s += rad.w[j] * F(r * al, r * be);
      }
      arc += gl.w[i] * s;
    }
    total += half * arc;
  }
  return total / TWO_PI;
}

function integrand(act: Activation, kind: KernelKind): (u: number, v: number) => number {
  const { phi, dphi } = act;
  switch (kind) {
    case "kernel":
      return (u, v) => phi(u) * phi(v);
    case "dkernel":
      if (act.smoothness === "jump") {
        throw new InputError(`the derivative kernel of "${act.spec}" is distributional (φ′ contains a δ); only its closed form exists`, "kernelQuadrature");
      }
      return (u, v) => dphi(u) * dphi(v);
    case "d2kernel": {
      const d2 = act.d2phi;
      if (d2 === undefined) {
        throw new InputError(`E[φ″φ] of "${act.spec}" needs φ″, which is distributional here; only its closed form exists`, "kernelQuadrature");
      }
      return (u, v) => d2(u) * phi(v);
    }
    default:
      throw new InputError(`unknown kernel kind "${kind as string}" (kernel, dkernel, d2kernel)`, "kernelQuadrature");
  }
}

function checkAbc(a: number, b: number, c: number, where: string): void {
  if (!Number.isFinite(a) || !Number.isFinite(b) || !Number.isFinite(c))
    throw new InputError(`kernel arguments must be finite, got a=${a}, b=${b}, c=${c}`, where);
  if (a < 0 || b < 0) throw new InputError(`variances must be ≥ 0, got a=${a}, b=${b}`, where);
  if (c * c > a * b * (1 + 1e-8) + 1e-300) throw new InputError(`not a covariance: c²=${c * c} > ab=${a * b}`, where);
}

/**
 * E[f(u)g(v)] for (u, v) ~ N(0, [[a, c], [c, b]]) by quadrature, with (f, g) = (φ, φ), (φ′, φ′) or
 * (φ″, φ) for kind = kernel, dkernel, d2kernel. Returns the value with |I(n) − I(2n/3)| as error.
 * Default: the polar rule with n = 64 (see the module doc); `scheme: "gauss-hermite"` uses
 * `expect2dWithError` of `engine/quadrature.ts` (default n = 64).
 */
export function kernelQuadrature(act: Activation, kind: KernelKind, a: number, b: number, c: number, opts: QuadratureOptions = {}): QuadratureResult {
  checkAbc(a, b, c, "kernelQuadrature");
  const F = integrand(act, kind);
  const scheme = opts.scheme ?? "polar";
  if (scheme === "gauss-hermite") {
    const n = opts.n ?? 64;
    // Clip rounding-level Cauchy–Schwarz violations before handing over.
    const cc = clipCov(a, b, c);
    const r = expect2dWithError(F, { q11: a, q12: cc, q22: b }, { n });
    return { value: r.value, error: r.error, scheme, n };
  }
  if (scheme !== "polar") throw new InputError(`unknown quadrature scheme "${scheme as string}" (gauss-hermite, polar)`, "kernelQuadrature");
  const n = opts.n ?? 64;
  const value = polarExpect(F, a, b, c, n);
  const coarse = polarExpect(F, a, b, c, Math.max(2, Math.round((2 * n) / 3)));
  return { value, error: Math.abs(value - coarse), scheme, n };
}

function clipCov(a: number, b: number, c: number): number {
  const m = Math.sqrt(a * b);
  return c > m ? m : Math.max(c, -m);
}

/** Options of {@link kernelValue} and the matrix maps. */
export interface KernelEvalOptions extends QuadratureOptions {
  /** "auto" (default): closed form when the activation has one, else quadrature. */
  method?: "auto" | "closed" | "quadrature";
}

/**
 * The scalar kernel function (a, b, c) ↦ E_kind of the given kind: the closed form, or a quadrature
 * closure (default: polar rule with n = 48, cost 4n² evaluations of φ per call).
 */
export function kernelFunction(act: Activation, kind: KernelKind, opts: KernelEvalOptions = {}): (a: number, b: number, c: number) => number {
  const method = opts.method ?? "auto";
  const closed = act[kind];
  if (method === "closed" || (method === "auto" && closed !== undefined)) {
    if (closed === undefined) throw new InputError(`activation "${act.spec}" has no closed form for ${kind}; use method "quadrature"`, "kernel");
    return closed;
  }
  if (method !== "quadrature" && method !== "auto") throw new InputError(`unknown method "${method as string}" (auto, closed, quadrature)`, "kernel");
  const F = integrand(act, kind);
  const scheme = opts.scheme ?? "polar";
  if (scheme !== "polar" && scheme !== "gauss-hermite")
    throw new InputError(`unknown quadrature scheme "${scheme as string}" (gauss-hermite, polar)`, "kernel");
  if (scheme === "polar") {
    const n = opts.n ?? 48;
    gaussLegendre(n);
    return (a, b, c) => polarExpect(F, a, b, c, n);
  }
  const n = opts.n ?? 64;
  return ghProduct(act, kind, n);
}

/**
 * A fast n×n Gauss–Hermite evaluator of E[f(u)g(v)] (no closures per node, no allocation):
 * u = √a·x_i, v = (c/√a)·x_i + √(b − c²/a)·x_j.
 */
function ghProduct(act: Activation, kind: KernelKind, n: number): (a: number, b: number, c: number) => number {
  const { nodes, weights } = gaussHermite(n);
  const phi = act.phi;
  const f = kind === "kernel" ? phi : kind === "dkernel" ? act.dphi : act.d2phi!;
  const g = kind === "dkernel" ? act.dphi : phi;
  if (kind === "d2kernel" && act.d2phi === undefined) integrand(act, kind); // throws
  return (a, b, c) => {
    const [l11, l21, l22] = factor(a, b, c);
    let acc = 0;
    if (l22 === 0) {
      for (let i = 0; i < n; i++) acc += weights[i] * f(l11 * nodes[i]) * g(l21 * nodes[i]);
      return acc;
    }
    for (let i = 0; i < n; i++) {
      const xi = nodes[i];
      const fu = f(l11 * xi);
      if (fu === 0) continue;
      const base = l21 * xi;
      let inner = 0;
      for (let j = 0; j < n; j++) inner += weights[j] * g(base + l22 * nodes[j]);
      acc += weights[i] * fu * inner;
    }
    return acc;
  };
}

/**
 * One Gaussian expectation E[f(u)g(v)] of the given kind at (a, b, c): the closed form when there
 * is one (method "auto"), else quadrature. Validates the arguments.
 */
export function kernelValue(act: Activation, kind: KernelKind, a: number, b: number, c: number, opts: KernelEvalOptions = {}): number {
  checkAbc(a, b, c, "kernelValue");
  return kernelFunction(act, kind, opts)(a, b, c);
}

// ------------------------------------------------------------------------------- matrix maps

/** Options of {@link applyKernel} / {@link layerMap}. */
export interface LayerMapOptions extends KernelEvalOptions {
  /** Weight gain g_w multiplying the expectation (default 1). */
  gw?: number;
  /** Bias variance g_b added to every entry (default 0). */
  gb?: number;
  /** Skip validation of the input blocks (callers that produced them, e.g. the deep recursion). */
  trusted?: boolean;
}

/**
 * Entry-wise Gaussian expectation of the given kind over all blocks of a covariance C:
 * out_ab = g_w·E_kind(C_aa, C_bb, C_ab) + g_b. For kind = "kernel" this is the NNGP layer map
 * C ↦ g_w·E[φφ] + g_b; for "dkernel" (with g_b = 0) the derivative kernel K̇ = g_w·E[φ′φ′];
 * "d2kernel" gives the (non-symmetric) 𝒥 with φ″ on the row point.
 * Closed forms for erf and (leaky) ReLU run as fused loops (P = 4000: ~0.1–0.2 s per layer).
 */
export function applyKernel(act: Activation, kind: KernelKind, C: KernelBlocks, opts: LayerMapOptions = {}): KernelBlocks {
  const gw = opts.gw ?? 1;
  const gb = opts.gb ?? 0;
  checkNonNeg(gw, "gw", "layer map");
  checkNonNeg(gb, "gb", "layer map");
  if (!opts.trusted) validateBlocks(C, "layer map input");
  const { P, Pt } = C;
  const diag = new Float64Array(P);
  for (let i = 0; i < P; i++) diag[i] = C.train[i * P + i];
  const train = new Float64Array(P * P);
  const cross = new Float64Array(Pt * P);
  const testDiag = new Float64Array(Pt);
  const fused = kind === "kernel" && (opts.method ?? "auto") !== "quadrature" ? fusedKernel(act) : undefined;
  if (fused) {
    fused(diag, diag, C.train, train, P, P, true, gw, gb);
    if (Pt > 0) {
      fused(C.testDiag, diag, C.cross, cross, Pt, P, false, gw, gb);
      for (let s = 0; s < Pt; s++) {
        const a = C.testDiag[s];
        testDiag[s] = gw * act.kernel!(a, a, a) + gb;
      }
    }
  } else {
    const k = kernelFunction(act, kind, opts);
    const symmetric = kind !== "d2kernel";
    for (let i = 0; i < P; i++) {
      const a = diag[i];
      const row = i * P;
      for (let j = symmetric ? i : 0; j < P; j++) train[row + j] = gw * k(a, diag[j], C.train[row + j]) + gb;
    }
    if (symmetric) mirrorUpper(train, P);
    for (let s = 0; s < Pt; s++) {
      const a = C.testDiag[s];
      for (let j = 0; j < P; j++) cross[s * P + j] = gw * k(a, diag[j], C.cross[s * P + j]) + gb;
      testDiag[s] = gw * k(a, a, a) + gb;
    }
  }
  return { P, Pt, train, cross, testDiag };
}

/** The NNGP layer map C ↦ g_w·E[φ(h)φ(h′)] + g_b on all blocks (see {@link applyKernel}). */
export function layerMap(act: Activation, C: KernelBlocks, opts: LayerMapOptions = {}): KernelBlocks {
  return applyKernel(act, "kernel", C, opts);
}

/** Copies the upper triangle of a row-major n×n matrix onto the lower one, in cache-friendly tiles. */
export function mirrorUpper(A: Float64Array, n: number): void {
  const B = 64;
  for (let i0 = 0; i0 < n; i0 += B) {
    const i1 = Math.min(i0 + B, n);
    for (let j0 = 0; j0 <= i0; j0 += B) {
      const j1 = Math.min(j0 + B, n);
      // lower tile (i in [i0,i1), j in [j0,j1), j < i) ← upper entries (j, i)
      for (let i = i0; i < i1; i++) {
        const row = i * n;
        const jEnd = Math.min(j1, i);
        for (let j = j0; j < jEnd; j++) A[row + j] = A[j * n + i];
      }
    }
  }
}

type Fused = (
  rowDiag: Float64Array,
  colDiag: Float64Array,
  Cin: Float64Array,
  out: Float64Array,
  rows: number,
  cols: number,
  symmetric: boolean,
  gw: number,
  gb: number,
) => void;

/** Fused closed-form loops for the hot activations (same formulas as activations.ts). */
function fusedKernel(act: Activation): Fused | undefined {
  if (act.kernel === undefined) return undefined;
  if (act.name === "erf") {
    const s = act.params.scale ?? 1;
    const s2 = s * s;
    return (rd, cd, Cin, out, rows, cols, sym, gw, gb) => {
      const ir = new Float64Array(rows);
      const ic = new Float64Array(cols);
      for (let i = 0; i < rows; i++) ir[i] = 1 / Math.sqrt(1 + 2 * s2 * rd[i]);
      for (let j = 0; j < cols; j++) ic[j] = 1 / Math.sqrt(1 + 2 * s2 * cd[j]);
      const g = (2 / Math.PI) * gw;
      for (let i = 0; i < rows; i++) {
        const row = i * cols;
        const fi = 2 * s2 * ir[i];
        for (let j = sym ? i : 0; j < cols; j++) {
          let r = fi * Cin[row + j] * ic[j];
          r = r > 1 ? 1 : Math.max(r, -1);
          out[row + j] = g * Math.asin(r) + gb;
        }
      }
      if (sym) mirrorUpper(out, rows);
      // Keep the diagonal bit-identical to the scalar closed form (√x·√x ≠ x in floating point).
      if (sym) for (let i = 0; i < rows; i++) out[i * cols + i] = gw * erfKernel(rd[i], rd[i], Cin[i * cols + i], s) + gb;
    };
  }
  if (act.name === "relu" || act.name === "leaky-relu" || act.name === "abs") {
    const alpha = act.name === "relu" ? 0 : act.name === "abs" ? -1 : act.params.slope;
    const beta2 = (1 - alpha) * (1 - alpha);
    return (rd, cd, Cin, out, rows, cols, sym, gw, gb) => {
      const sr = new Float64Array(rows);
      const sc = new Float64Array(cols);
      for (let i = 0; i < rows; i++) sr[i] = Math.sqrt(rd[i]);
      for (let j = 0; j < cols; j++) sc[j] = Math.sqrt(cd[j]);
      const inv2pi = 1 / (2 * Math.PI);
      for (let i = 0; i < rows; i++) {
        const row = i * cols;
        for (let j = sym ? i : 0; j < cols; j++) {
          const c = Cin[row + j];
          const s = sr[i] * sc[j];
          let k = 0;
          if (s > 0) {
            let rho = c / s;
            rho = rho > 1 ? 1 : Math.max(rho, -1);
            k = s * inv2pi * (Math.sqrt(Math.max(1 - rho * rho, 0)) + (Math.PI - Math.acos(rho)) * rho);
          }
          out[row + j] = gw * (alpha * c + beta2 * k) + gb;
        }
      }
      if (sym) mirrorUpper(out, rows);
      if (sym) for (let i = 0; i < rows; i++) out[i * cols + i] = gw * act.kernel!(rd[i], rd[i], Cin[i * cols + i]) + gb;
    };
  }
  return undefined;
}
