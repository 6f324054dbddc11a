/**
 * Activation functions φ, each knowing its derivatives, its symmetry and — where one exists — the
 * closed form of its Gaussian kernel functions.
 *
 * ## Kernel functions (the objects every infinite-width theory is built from)
 *
 * For (u, v) ~ N(0, [[a, c], [c, b]]) (a, b ≥ 0 variances, c the covariance, c² ≤ ab):
 *
 * - 𝒦(a, b, c)  = E[φ(u) φ(v)]        — `kernel`, the NNGP kernel function;
 * - 𝒦′(a, b, c) = E[φ′(u) φ′(v)]      — `dkernel`, the derivative kernel (= ∂𝒦/∂c by Price's theorem);
 * - 𝒥(a, b, c)  = E[φ″(u) φ(v)]       — `d2kernel`, the second derivative acting on the argument of
 *   variance a (= 2 ∂𝒦/∂a). Not symmetric in (a, b).
 *
 * For activations with a kink at 0 (ReLU, leaky ReLU, abs) φ″ is a multiple of the Dirac δ and 𝒥 is the
 * distributional expectation (still equal to 2∂𝒦/∂a; it is 0 on the diagonal c² = ab). For `sign`
 * both φ′ = 2δ and φ″ = 2δ′ are distributional: 𝒦′ and 𝒥 are then only available in closed form and
 * diverge as c² → ab.
 *
 * Numerical hygiene: arcsin/arccos arguments are clipped to [−1, 1] and sqrt arguments to ≥ 0, so a
 * covariance that violates c² ≤ ab by rounding gives the value at c² = ab instead of NaN. Validation of
 * the inputs (finite, a, b ≥ 0) is done by the matrix-level callers in `nngp.ts`; these scalar
 * functions are hot-loop primitives and do not check.
 *
 * ## Registry and names
 *
 * CLI names: `linear`, `erf` (`erf:s` for erf(s·x)), `relu`, `leaky-relu` (`leaky-relu:α`, default
 * α = 0.01), `abs`, `quadratic`, `sign`, `tanh`, `gelu`, `softplus`, `sin`, `cos`. Parse them with
 * {@link parseActivation}.
 *
 * @module
 */
import { InputError } from "../engine/errors.js";
import { erf, normCdf, normPdf } from "../engine/special.js";

/**
 * Where φ is not smooth: "smooth" (C^∞, φ″ is an ordinary function), "kink" (φ′ jumps at x = 0; φ″ is a
 * δ at 0), "jump" (φ itself jumps at x = 0; φ′ is a δ). All non-smooth points of the registered
 * activations are at x = 0, which the kink-aware quadrature of `nngp.ts` relies on.
 */
export type Smoothness = "smooth" | "kink" | "jump";

/** A scalar kernel function of (a, b, c) = (Var u, Var v, Cov(u, v)). */
export type KernelFn = (a: number, b: number, c: number) => number;

/** An activation function with its derivatives and (optional) closed-form kernel functions. */
export interface Activation {
  /** Family name as accepted on the CLI, e.g. "leaky-relu". */
  readonly name: string;
  /** Canonical parseable spec including parameters, e.g. "leaky-relu:0.2", "erf:2", "relu". */
  readonly spec: string;
  /** Parameters (e.g. `{ slope: 0.2 }`, `{ scale: 2 }`); empty for parameter-free activations. */
  readonly params: Readonly<Record<string, number>>;
  /** φ(−x) = −φ(x) (then features have zero mean and 𝒦(a, b, −c) = −𝒦(a, b, c)). */
  readonly odd: boolean;
  /** Regularity at x = 0, see {@link Smoothness}. */
  readonly smoothness: Smoothness;
  /** One-line formula, for reports and `--help`. */
  readonly formula: string;
  /** φ(x). */
  phi(x: number): number;
  /** φ′(x) (for kink/jump activations: the a.e. derivative; at exactly 0 the right derivative). */
  dphi(x: number): number;
  /** φ″(x), only for smooth activations. */
  d2phi?(x: number): number;
  /** Closed form of 𝒦(a, b, c) = E[φ(u)φ(v)], where one exists. */
  kernel?: KernelFn;
  /** Closed form of 𝒦′(a, b, c) = E[φ′(u)φ′(v)] (distributional for `sign`). */
  dkernel?: KernelFn;
  /** Closed form of 𝒥(a, b, c) = E[φ″(u)φ(v)] (distributional for kink/jump activations). */
  d2kernel?: KernelFn;
}

const TWO_OVER_PI = 2 / Math.PI;
const INV_2PI = 1 / (2 * Math.PI);
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

function clip1(x: number): number {
  return x > 1 ? 1 : Math.max(x, -1);
}

// ------------------------------------------------------------------------------------------- erf

/**
 * Closed forms for φ(x) = erf(s·x) (Williams 1997), with A = 1 + 2s²a, B = 1 + 2s²b and
 * Δ = A·B − 4s⁴c² = 1 + 2s²(a + b) + 4s⁴(ab − c²) ≥ 1:
 * 𝒦 = (2/π) arcsin(2s²c/√(AB)), 𝒦′ = s²(4/π)/√Δ, 𝒥 = −s⁴(8c/π)/(A√Δ).
 */
export function erfKernel(a: number, b: number, c: number, s = 1): number {
  const s2 = s * s;
  return TWO_OVER_PI * Math.asin(clip1((2 * s2 * c) / Math.sqrt((1 + 2 * s2 * a) * (1 + 2 * s2 * b))));
}

/** 𝒦′ for erf(s·x): s²·(4/π)/√Δ, see {@link erfKernel}. */
export function erfDKernel(a: number, b: number, c: number, s = 1): number {
  const s2 = s * s;
  const det = Math.max(a * b - c * c, 0);
  const delta = 1 + 2 * s2 * (a + b) + 4 * s2 * s2 * det;
  return (s2 * (4 / Math.PI)) / Math.sqrt(delta);
}

/** 𝒥 = E[φ″(u)φ(v)] for erf(s·x): −s⁴(8c/π)/((1 + 2s²a)√Δ), see {@link erfKernel}. */
export function erfD2Kernel(a: number, b: number, c: number, s = 1): number {
  const s2 = s * s;
  const det = Math.max(a * b - c * c, 0);
  const delta = 1 + 2 * s2 * (a + b) + 4 * s2 * s2 * det;
  return (-(s2 * s2) * (8 / Math.PI) * c) / ((1 + 2 * s2 * a) * Math.sqrt(delta));
}

// ------------------------------------------------------------------------------------------ ReLU

/**
 * Arc-cosine kernel of degree 1 (Cho & Saul 2009) for φ = max(x, 0): with ρ = c/√(ab) and θ = arccos ρ,
 * 𝒦 = √(ab)/(2π)·(sin θ + (π − θ) cos θ); 0 when ab = 0.
 */
export function reluKernel(a: number, b: number, c: number): number {
  const ab = a * b;
  if (!(ab > 0)) return 0;
  const s = Math.sqrt(ab);
  const rho = clip1(c / s);
  const th = Math.acos(rho);
  return s * INV_2PI * (Math.sqrt(Math.max(1 - rho * rho, 0)) + (Math.PI - th) * rho);
}

/** 𝒦′ for ReLU: P(u > 0, v > 0) = (π − θ)/(2π), θ = arccos(c/√(ab)) (ρ = 0 when ab = 0). */
export function reluDKernel(a: number, b: number, c: number): number {
  const ab = a * b;
  const rho = ab > 0 ? clip1(c / Math.sqrt(ab)) : 0;
  return (Math.PI - Math.acos(rho)) * INV_2PI;
}

/**
 * 𝒥 for ReLU (φ″ = δ): E[δ(u) relu(v)] = √(ab − c²)/(2πa), 0 on the diagonal c² = ab. Requires a > 0.
 */
export function reluD2Kernel(a: number, b: number, c: number): number {
  return Math.sqrt(Math.max(a * b - c * c, 0)) / (2 * Math.PI * a);
}

// ----------------------------------------------------------------------------------- leaky ReLU

/**
 * Leaky ReLU φ(x) = x (x ≥ 0), αx (x < 0), i.e. φ = αx + (1 − α)·relu(x) (= max(x, αx) for α ≤ 1).
 * Using E[u·relu(v)] = c/2: 𝒦 = αc + (1 − α)²𝒦_relu, 𝒦′ = α + (1 − α)²𝒦′_relu, 𝒥 = (1 − α)²𝒥_relu.
 * α = 0 is ReLU, α = 1 linear, α = −1 is |x|.
 */
export function leakyReluKernel(a: number, b: number, c: number, alpha: number): number {
  const beta = 1 - alpha;
  return alpha * c + beta * beta * reluKernel(a, b, c);
}

/** 𝒦′ for leaky ReLU: α + (1 − α)²(π − θ)/(2π). */
export function leakyReluDKernel(a: number, b: number, c: number, alpha: number): number {
  const beta = 1 - alpha;
  return alpha + beta * beta * reluDKernel(a, b, c);
}

/** 𝒥 for leaky ReLU: (1 − α)²√(ab − c²)/(2πa). */
export function leakyReluD2Kernel(a: number, b: number, c: number, alpha: number): number {
  const beta = 1 - alpha;
  return beta * beta * reluD2Kernel(a, b, c);
}

// ------------------------------------------------------------------------------------- the rest

/** φ = sign(x): 𝒦 = (2/π) arcsin(c/√(ab)) (0 when ab = 0). */
export function signKernel(a: number, b: number, c: number): number {
  const ab = a * b;
  if (!(ab > 0)) return 0;
  return TWO_OVER_PI * Math.asin(clip1(c / Math.sqrt(ab)));
}

function stableSoftplus(x: number): number {
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

// ------------------------------------------------------------------------------------- registry

type Factory = (param: number | undefined, raw: string) => Activation;

function noParam(name: string, param: number | undefined): void {
  if (param !== undefined) throw new InputError(`activation "${name}" takes no parameter`, "activation");
}

function fmt(x: number): string {
  return String(x);
}

const linear: Activation = {
  name: "linear",
  spec: "linear",
  params: {},
  odd: true,
  smoothness: "smooth",
  formula: "φ(x) = x",
  phi: (x) => x,
  dphi: () => 1,
  d2phi: () => 0,
  kernel: (_a, _b, c) => c,
  dkernel: () => 1,
  d2kernel: () => 0,
};

function makeErf(s: number): Activation {
  if (!Number.isFinite(s) || s <= 0) throw new InputError(`erf scale must be a finite number > 0, got ${s}`, "activation");
  const s2 = s * s;
  const c1 = s * TWO_OVER_SQRT_PI;
  return {
    name: "erf",
    spec: s === 1 ? "erf" : `erf:${fmt(s)}`,
    params: { scale: s },
    odd: true,
    smoothness: "smooth",
    formula: s === 1 ? "φ(x) = erf(x)" : `φ(x) = erf(${fmt(s)}·x)`,
    phi: (x) => erf(s * x),
    dphi: (x) => c1 * Math.exp(-s2 * x * x),
    d2phi: (x) => -2 * s2 * x * c1 * Math.exp(-s2 * x * x),
    kernel: (a, b, c) => erfKernel(a, b, c, s),
    dkernel: (a, b, c) => erfDKernel(a, b, c, s),
    d2kernel: (a, b, c) => erfD2Kernel(a, b, c, s),
  };
}

const relu: Activation = {
  name: "relu",
  spec: "relu",
  params: {},
  odd: false,
  smoothness: "kink",
  formula: "φ(x) = max(x, 0)",
  phi: (x) => Math.max(x, 0),
  dphi: (x) => (x >= 0 ? 1 : 0),
  kernel: reluKernel,
  dkernel: reluDKernel,
  d2kernel: reluD2Kernel,
};

function makeLeaky(alpha: number): Activation {
  if (!Number.isFinite(alpha)) throw new InputError(`leaky-relu slope must be finite, got ${alpha}`, "activation");
  return {
    name: "leaky-relu",
    spec: `leaky-relu:${fmt(alpha)}`,
    params: { slope: alpha },
    odd: alpha === 1,
    smoothness: alpha === 1 ? "smooth" : "kink",
    formula: `φ(x) = x (x ≥ 0), ${fmt(alpha)}·x (x < 0)`,
    phi: (x) => (x >= 0 ? x : alpha * x),
    dphi: (x) => (x >= 0 ? 1 : alpha),
    ...(alpha === 1 ? { d2phi: () => 0 } : {}),
    kernel: (a, b, c) => leakyReluKernel(a, b, c, alpha),
    dkernel: (a, b, c) => leakyReluDKernel(a, b, c, alpha),
    d2kernel: (a, b, c) => leakyReluD2Kernel(a, b, c, alpha),
  };
}

const abs: Activation = {
  name: "abs",
  spec: "abs",
  params: {},
  odd: false,
  smoothness: "kink",
  formula: "φ(x) = |x| = 2·relu(x) − x",
  phi: (x) => Math.abs(x),
  dphi: (x) => (x >= 0 ? 1 : -1),
  kernel: (a, b, c) => leakyReluKernel(a, b, c, -1),
  dkernel: (a, b, c) => leakyReluDKernel(a, b, c, -1),
  d2kernel: (a, b, c) => leakyReluD2Kernel(a, b, c, -1),
};

const quadratic: Activation = {
  name: "quadratic",
  spec: "quadratic",
  params: {},
  odd: false,
  smoothness: "smooth",
  formula: "φ(x) = x²",
  phi: (x) => x * x,
  dphi: (x) => 2 * x,
  d2phi: () => 2,
  kernel: (a, b, c) => a * b + 2 * c * c,
  dkernel: (_a, _b, c) => 4 * c,
  d2kernel: (_a, b) => 2 * b,
};

const sign: Activation = {
  name: "sign",
  spec: "sign",
  params: {},
  odd: true,
  smoothness: "jump",
  formula: "φ(x) = sign(x)",
  phi: (x) => (x > 0 ? 1 : x < 0 ? -1 : 0),
  dphi: () => 0,
  kernel: signKernel,
  // φ′ = 2δ: E[φ′φ′] = 4·p(0, 0) = (2/π)/√(ab − c²) (= ∂𝒦/∂c).
  dkernel: (a, b, c) => TWO_OVER_PI / Math.sqrt(Math.max(a * b - c * c, 0)),
  // φ″ = 2δ′: 𝒥 = 2∂𝒦/∂a = −(2c/π)/(a√(ab − c²)).
  d2kernel: (a, b, c) => (-TWO_OVER_PI * c) / (a * Math.sqrt(Math.max(a * b - c * c, 0))),
};

const tanh: Activation = {
  name: "tanh",
  spec: "tanh",
  params: {},
  odd: true,
  smoothness: "smooth",
  formula: "φ(x) = tanh(x)",
  phi: Math.tanh,
  dphi: (x) => {
    const t = Math.tanh(x);
    return 1 - t * t;
  },
  d2phi: (x) => {
    const t = Math.tanh(x);
    return -2 * t * (1 - t * t);
  },
};

const gelu: Activation = {
  name: "gelu",
  spec: "gelu",
  params: {},
  odd: false,
  smoothness: "smooth",
  formula: "φ(x) = x·Φ(x) (exact GELU, Φ the standard normal CDF)",
  phi: (x) => x * normCdf(x),
  dphi: (x) => normCdf(x) + x * normPdf(x),
  d2phi: (x) => (2 - x * x) * normPdf(x),
};

const softplus: Activation = {
  name: "softplus",
  spec: "softplus",
  params: {},
  odd: false,
  smoothness: "smooth",
  formula: "φ(x) = log(1 + eˣ)",
  phi: stableSoftplus,
  dphi: sigmoid,
  d2phi: (x) => {
    const s = sigmoid(x);
    return s * (1 - s);
  },
};

// sin/cos: E[sin u sin v] = e^{−(a+b)/2} sinh c, E[cos u cos v] = e^{−(a+b)/2} cosh c.
const sin: Activation = {
  name: "sin",
  spec: "sin",
  params: {},
  odd: true,
  smoothness: "smooth",
  formula: "φ(x) = sin(x)",
  phi: Math.sin,
  dphi: Math.cos,
  d2phi: (x) => -Math.sin(x),
  kernel: (a, b, c) => Math.exp(-0.5 * (a + b)) * Math.sinh(c),
  dkernel: (a, b, c) => Math.exp(-0.5 * (a + b)) * Math.cosh(c),
  d2kernel: (a, b, c) => -Math.exp(-0.5 * (a + b)) * Math.sinh(c),
};

const cos: Activation = {
  name: "cos",
  spec: "cos",
  params: {},
  odd: false,
  smoothness: "smooth",
  formula: "φ(x) = cos(x)",
  phi: Math.cos,
  dphi: (x) => -Math.sin(x),
  d2phi: (x) => -Math.cos(x),
  kernel: (a, b, c) => Math.exp(-0.5 * (a + b)) * Math.cosh(c),
  dkernel: (a, b, c) => Math.exp(-0.5 * (a + b)) * Math.sinh(c),
  d2kernel: (a, b, c) => -Math.exp(-0.5 * (a + b)) * Math.cosh(c),
};

const ERF1 = makeErf(1);

/** A factory for a parameter-free activation (rejects a parameter). */
function fixed(a: Activation): Factory {
  return (p) => {
    noParam(a.name, p);
    return a;
  };
}

const FACTORIES: Record<string, Factory> = {
  linear: fixed(linear),
  erf: (p) => (p === undefined || p === 1 ? ERF1 : makeErf(p)),
  relu: fixed(relu),
  "leaky-relu": (p) => makeLeaky(p ?? 0.01),
  abs: fixed(abs),
  quadratic: fixed(quadratic),
  sign: fixed(sign),
  tanh: fixed(tanh),
  gelu: fixed(gelu),
  softplus: fixed(softplus),
  sin: fixed(sin),
  cos: fixed(cos),
};

/** Names accepted by {@link parseActivation} (parameters after a colon: `erf:2`, `leaky-relu:0.2`). */
export const ACTIVATION_NAMES: readonly string[] = Object.keys(FACTORIES);

/**
 * Parse an activation spec `name` or `name:param`:
 * `erf:s` is erf(s·x), `leaky-relu:α` has negative-side slope α (default 0.01). Case-insensitive;
 * `identity` is an alias of `linear`, `leaky_relu`/`leakyrelu` of `leaky-relu`.
 * Throws InputError on an unknown name (listing the known ones) or a bad parameter.
 */
export function parseActivation(spec: string): Activation {
  if (typeof spec !== "string" || spec.trim() === "") {
    throw new InputError(`activation must be a non-empty string; known: ${ACTIVATION_NAMES.join(", ")}`, "activation");
  }
  const s = spec.trim().toLowerCase();
  const colon = s.indexOf(":");
  let name = colon >= 0 ? s.slice(0, colon) : s;
  const rawParam = colon >= 0 ? s.slice(colon + 1) : undefined;
  if (name === "identity") name = "linear";
  if (name === "leaky_relu" || name === "leakyrelu") name = "leaky-relu";
  const f = FACTORIES[name];
  if (f === undefined) throw new InputError(`unknown activation "${spec}"; known: ${ACTIVATION_NAMES.join(", ")}`, "activation");
  let param: number | undefined;
  if (rawParam !== undefined) {
    param = rawParam.trim() === "" ? Number.NaN : Number(rawParam);
    if (!Number.isFinite(param)) throw new InputError(`bad parameter "${rawParam}" in activation "${spec}" (expected a number)`, "activation");
  }
  return f(param, spec);
}

/** Accepts an {@link Activation} or a spec string (parsed with {@link parseActivation}). */
export function toActivation(act: Activation | string): Activation {
  return typeof act === "string" ? parseActivation(act) : act;
}

/** The registered activations with default parameters (erf with s = 1, leaky ReLU with α = 0.01). */
export function listActivations(): Activation[] {
  return ACTIVATION_NAMES.map((n) => parseActivation(n));
}

/** Whether 𝒦, 𝒦′ (and 𝒥) have closed forms for this activation. */
export function hasClosedForm(act: Activation): { kernel: boolean; dkernel: boolean; d2kernel: boolean } {
  return { kernel: act.kernel !== undefined, dkernel: act.dkernel !== undefined, d2kernel: act.d2kernel !== undefined };
}
