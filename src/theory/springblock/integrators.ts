/**
 * Integrators of the two spring–block models of paper c (brief §3.5–3.6, §4.3–4.4), taken from the
 * authors' notebooks (which of the two the paper presents is UNCONFIRMED).
 *
 * **Model A** (first-order, static friction, `first_order_iteration.ipynb`), synchronous (Jacobi)
 * update of all blocks, t = 0..T−1:
 * ```
 * G_ℓ = k (x_{ℓ+1} − 2x_ℓ + x_{ℓ−1}) + σ_t ξ_ℓ          noisy force, σ_t = ε̄ exp(−λ η t)
 * μ(G) = μ_R if G ≥ 0 (forward, towards the pull), μ_L if G < 0 (backward)
 * S(G) = 0 if |G| ≤ μ(G), else G − μ(G) sign(G)          dead zone: static friction
 * x_ℓ ← x_ℓ + η S(G_ℓ)
 * ```
 * (ε̄ = ε/√η in the notebook's comment; λ = 0, the notebook default, means no decay.)
 *
 * **Model B** (second-order Langevin, kinetic Coulomb friction, damping, `sdeint.ipynb`),
 * Euler–Maruyama with step dt:
 * ```
 * v_ℓ ← v_ℓ + [ (k/m)(x_{ℓ+1} − 2x_ℓ + x_{ℓ−1}) + f(v_ℓ) − (γ/m) v_ℓ ] dt + σ(t) S_ℓ
 * x_ℓ ← x_ℓ + v_ℓ^{old} dt
 * f(v) = −μ_R (v > 0), +μ_L (v < 0), 0 (v = 0);    σ(t) = ε exp(−λ t)
 * ```
 * Common-mode noise (the notebook's diffusion σ·11ᵀ): S_ℓ = Σ_{j=1}^{L} ΔW_j for every block (variance
 * L·dt); independent noise: S_ℓ = ΔW_ℓ.
 *
 * **Random stream** (normative, so the same seed gives the same trajectory): with K = key(seed), the
 * steps are taken in chunks of {@link CHUNK} steps; chunk c uses `normal(foldIn(K, c), CHUNK·L)`, and
 * step t reads the L standard normals at offset (t mod CHUNK)·L. Model A with independent noise uses
 * ξ_ℓ = z_ℓ; common-mode Model A uses one ξ = (Σ_j z_j)/√L for every block; Model B uses ΔW_j = √dt·z_j.
 * With zero noise no random numbers are drawn and the integrators are deterministic.
 *
 * @module
 */
import { InputError } from "../../engine/errors.js";
import { foldIn, key, normal } from "../../engine/random.js";
import { checkL, energy, type ShapeStats, shapeStats, springs } from "./model.js";

/** Steps per block of random numbers (see the module comment). */
export const CHUNK = 1024;

export type NoiseStructure = "independent" | "common";

/** Model A parameters (defaults: the authors' notebook). */
export interface ModelAParams {
  /** Blocks L (7). */
  L?: number;
  /** Spring stiffness k (1). */
  k?: number;
  /** Step size η (0.01). */
  eta?: number;
  /** Force-noise amplitude ε̄ (0.1); ε = ε̄√η. */
  noise?: number;
  /** Forward (towards the pull) static friction μ_R (0.1). */
  muR?: number;
  /** Backward static friction μ_L (defaults to μ_R: symmetric). */
  muL?: number;
  /** Noise decay rate λ per unit time t·η (0: no decay). */
  decay?: number;
  /** "independent" (notebook) or "common" (the same kick on every block). */
  noiseStructure?: NoiseStructure;
  /** Target position y (1). */
  y?: number;
  /** Steps T (10 000). */
  steps?: number;
  seed?: number;
  /** Record every n-th step (default: ≈ 500 frames). */
  recordEvery?: number;
}

/** Model B parameters (defaults: the authors' notebook). */
export interface ModelBParams {
  L?: number;
  /** k (0.1). */
  k?: number;
  /** Mass m (1). */
  mass?: number;
  /** Damping γ (1). */
  gamma?: number;
  /** Kinetic friction forward μ_R (0.003) and backward μ_L (0.004). */
  muR?: number;
  muL?: number;
  /** Noise amplitude ε (0.003) and its decay rate λ (0.001): σ(t) = ε e^{−λt}. */
  noise?: number;
  decay?: number;
  noiseStructure?: NoiseStructure;
  /** Time step dt (0.05). */
  dt?: number;
  /** Steps (14 000 = t_max 700 / dt). */
  steps?: number;
  y?: number;
  seed?: number;
  recordEvery?: number;
}

/** A simulated chain. */
export interface SpringBlockRun extends ShapeStats {
  model: "A" | "B";
  /** Resolved parameters. */
  params: Required<ModelAParams> | Required<ModelBParams>;
  /** Recorded steps (0 and the last step included). */
  steps: number[];
  /** Recorded times: step·η (A) or step·dt (B). */
  times: number[];
  /** Positions x_1..x_L at the recorded steps, frames × L row-major. */
  trajectory: Float64Array;
  /** Final positions, springs d_1..d_{L+1} and the load curve y − x_ℓ, ℓ = 0..L. */
  x: Float64Array;
  springs: Float64Array;
  loadCurve: Float64Array;
  /** Final velocities (Model B; zeros for A) and the largest final |v|. */
  v_final: Float64Array;
  maxSpeed: number;
  /** Elastic energy E = (k/2) Σ d² at the end. */
  energy: number;
}

function pos(name: string, v: number, where: string, strict = true): void {
  if (!Number.isFinite(v) || (strict ? !(v > 0) : !(v >= 0))) throw new InputError(`${name} must be ${strict ? "> 0" : "≥ 0"} and finite, got ${v}`, where);
}

/** Resolves Model A parameters with the notebook defaults and validates them. */
export function resolveA(p: ModelAParams = {}): Required<ModelAParams> {
  const muR = p.muR ?? 0.1;
  const steps = p.steps ?? 10000;
  const r: Required<ModelAParams> = {
    L: p.L ?? 7,
    k: p.k ?? 1,
    eta: p.eta ?? 0.01,
    noise: p.noise ?? 0.1,
    muR,
    muL: p.muL ?? muR,
    decay: p.decay ?? 0,
    noiseStructure: p.noiseStructure ?? "independent",
    y: p.y ?? 1,
    steps,
    seed: p.seed ?? 0,
    recordEvery: p.recordEvery ?? Math.max(1, Math.ceil(steps / 500)),
  };
  const w = "spring-block model A";
  checkL(r.L, w);
  pos("k", r.k, w);
  pos("η", r.eta, w);
  pos("noise ε̄", r.noise, w, false);
  pos("μ_R", r.muR, w, false);
  pos("μ_L", r.muL, w, false);
  pos("decay λ", r.decay, w, false);
  if (!Number.isFinite(r.y)) throw new InputError(`target y must be finite, got ${r.y}`, w);
  if (!(Number.isInteger(r.steps) && r.steps >= 0)) throw new InputError(`steps must be an integer ≥ 0, got ${r.steps}`, w);
  if (!(Number.isInteger(r.recordEvery) && r.recordEvery >= 1)) throw new InputError(`recordEvery must be an integer ≥ 1, got ${r.recordEvery}`, w);
  if (!Number.isSafeInteger(r.seed)) throw new InputError(`seed must be an integer, got ${r.seed}`, w);
  if (r.noiseStructure !== "independent" && r.noiseStructure !== "common")
    throw new InputError(`noise structure must be independent or common, got ${r.noiseStructure}`, w);
  if (!(r.eta * r.k * 4 < 2)) throw new InputError(`η·k = ${r.eta * r.k} ≥ 0.5: the explicit iteration is unstable (needs η k λ_max < 2, λ_max < 4)`, w);
  return r;
}

/** Resolves Model B parameters with the notebook defaults and validates them. */
export function resolveB(p: ModelBParams = {}): Required<ModelBParams> {
  const r: Required<ModelBParams> = {
    L: p.L ?? 7,
    k: p.k ?? 0.1,
    mass: p.mass ?? 1,
    gamma: p.gamma ?? 1,
    muR: p.muR ?? 0.003,
    muL: p.muL ?? p.muR ?? 0.004,
    noise: p.noise ?? 0.003,
    decay: p.decay ?? 0.001,
    noiseStructure: p.noiseStructure ?? "common",
    dt: p.dt ?? 0.05,
    steps: p.steps ?? 14000,
    y: p.y ?? 1,
    seed: p.seed ?? 0,
    recordEvery: p.recordEvery ?? Math.max(1, Math.ceil((p.steps ?? 14000) / 500)),
  };
  const w = "spring-block model B";
  checkL(r.L, w);
  pos("k", r.k, w);
  pos("mass", r.mass, w);
  pos("γ", r.gamma, w, false);
  pos("dt", r.dt, w);
  pos("noise ε", r.noise, w, false);
  pos("μ_R", r.muR, w, false);
  pos("μ_L", r.muL, w, false);
  pos("decay λ", r.decay, w, false);
  if (!Number.isFinite(r.y)) throw new InputError(`target y must be finite, got ${r.y}`, w);
  if (!(Number.isInteger(r.steps) && r.steps >= 0)) throw new InputError(`steps must be an integer ≥ 0, got ${r.steps}`, w);
  if (!(Number.isInteger(r.recordEvery) && r.recordEvery >= 1)) throw new InputError(`recordEvery must be an integer ≥ 1, got ${r.recordEvery}`, w);
  if (!Number.isSafeInteger(r.seed)) throw new InputError(`seed must be an integer, got ${r.seed}`, w);
  if (r.noiseStructure !== "independent" && r.noiseStructure !== "common")
    throw new InputError(`noise structure must be independent or common, got ${r.noiseStructure}`, w);
  return r;
}

/** Supplies the L standard normals of each step (module comment: chunked foldIn stream). */
class NoiseStream {
  private readonly base;
  private buf: Float64Array = new Float64Array(0);
  private chunk = -1;
  constructor(
    seed: number,
    private readonly L: number,
  ) {
    this.base = key(seed);
  }
  /** The offset into {@link buf} of step t's normals (refilling the chunk when needed). */
  at(t: number): number {
    const c = Math.floor(t / CHUNK);
    if (c !== this.chunk) {
      this.buf = normal(foldIn(this.base, c), CHUNK * this.L);
      this.chunk = c;
    }
    return (t - c * CHUNK) * this.L;
  }
  get data(): Float64Array {
    return this.buf;
  }
}

function finish(
  model: "A" | "B",
  params: Required<ModelAParams> | Required<ModelBParams>,
  rec: { steps: number[]; frames: number[] },
  x: Float64Array,
  vel: Float64Array,
  scale: number,
): SpringBlockRun {
  const L = x.length;
  const y = params.y;
  for (let i = 0; i < L; i++) {
    if (!Number.isFinite(x[i]) || !Number.isFinite(vel[i]))
      throw new InputError(`the integration diverged (block ${i + 1} is ${x[i]}); reduce the step size`, `spring-block model ${model}`);
  }
  const loadCurve = new Float64Array(L + 1);
  loadCurve[0] = y;
  for (let i = 0; i < L; i++) loadCurve[i + 1] = y - x[i];
  let maxSpeed = 0;
  for (let i = 0; i < L; i++) maxSpeed = Math.max(maxSpeed, Math.abs(vel[i]));
  return {
    model,
    params,
    steps: rec.steps,
    times: rec.steps.map((s) => s * scale),
    trajectory: Float64Array.from(rec.frames),
    x,
    springs: springs(x, y),
    loadCurve,
    v_final: vel,
    maxSpeed,
    energy: energy(x, params.k, y),
    ...shapeStats(x, y),
  };
}

/** Simulates Model A (module comment). Same parameters and seed → the same trajectory, bit for bit. */
export function simulateA(params: ModelAParams = {}): SpringBlockRun {
  const p = resolveA(params);
  const { L, k, eta, muR, muL, y, steps, recordEvery, decay } = p;
  const x = new Float64Array(L);
  const G = new Float64Array(L);
  const rec = { steps: [0] as number[], frames: Array.from(x) };
  const noisy = p.noise > 0;
  const stream = noisy ? new NoiseStream(p.seed, L) : null;
  const common = p.noiseStructure === "common";
  const invSqrtL = 1 / Math.sqrt(L);
  for (let t = 0; t < steps; t++) {
    const sigma = noisy ? p.noise * (decay > 0 ? Math.exp(-decay * eta * t) : 1) : 0;
    let off = 0;
    let z: Float64Array | null = null;
    let xiCommon = 0;
    if (stream) {
      off = stream.at(t);
      z = stream.data;
      if (common) {
        let s = 0;
        for (let j = 0; j < L; j++) s += z[off + j];
        xiCommon = s * invSqrtL;
      }
    }
    for (let l = 0; l < L; l++) {
      const left = l === 0 ? 0 : x[l - 1];
      const right = l === L - 1 ? y : x[l + 1];
      let g = k * (right - 2 * x[l] + left);
      if (z) g += sigma * (common ? xiCommon : z[off + l]);
      G[l] = g;
    }
    for (let l = 0; l < L; l++) {
      const g = G[l];
      if (g >= 0) {
        if (g > muR) x[l] += eta * (g - muR);
      } else if (-g > muL) x[l] += eta * (g + muL);
    }
    if ((t + 1) % recordEvery === 0 || t + 1 === steps) {
      rec.steps.push(t + 1);
      for (let l = 0; l < L; l++) rec.frames.push(x[l]);
    }
  }
  return finish("A", p, rec, x, new Float64Array(L), eta);
}

/** Simulates Model B by Euler–Maruyama (module comment). Same parameters and seed → the same trajectory. */
export function simulateB(params: ModelBParams = {}): SpringBlockRun {
  const p = resolveB(params);
  const { L, k, mass, gamma, muR, muL, y, steps, recordEvery, decay, dt } = p;
  const x = new Float64Array(L);
  const v = new Float64Array(L);
  const xo = new Float64Array(L);
  const rec = { steps: [0] as number[], frames: Array.from(x) };
  const noisy = p.noise > 0;
  const stream = noisy ? new NoiseStream(p.seed, L) : null;
  const common = p.noiseStructure === "common";
  const sqdt = Math.sqrt(dt);
  const km = k / mass;
  const gm = gamma / mass;
  for (let t = 0; t < steps; t++) {
    const sigma = noisy ? p.noise * Math.exp(-decay * t * dt) : 0;
    let off = 0;
    let z: Float64Array | null = null;
    let S = 0;
    if (stream) {
      off = stream.at(t);
      z = stream.data;
      if (common) {
        for (let j = 0; j < L; j++) S += z[off + j];
        S *= sqdt;
      }
    }
    xo.set(x);
    for (let l = 0; l < L; l++) {
      const left = l === 0 ? 0 : xo[l - 1];
      const right = l === L - 1 ? y : xo[l + 1];
      const vl = v[l];
      const f = vl > 0 ? -muR : vl < 0 ? muL : 0;
      let nv = vl + (km * (right - 2 * xo[l] + left) + f - gm * vl) * dt;
      if (z) nv += sigma * (common ? S : sqdt * z[off + l]);
      x[l] = xo[l] + vl * dt;
      v[l] = nv;
    }
    if ((t + 1) % recordEvery === 0 || t + 1 === steps) {
      rec.steps.push(t + 1);
      for (let l = 0; l < L; l++) rec.frames.push(x[l]);
    }
  }
  return finish("B", p, rec, x, v, dt);
}
