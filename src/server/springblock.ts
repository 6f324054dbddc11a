/**
 * The explorer's spring–block view (paper c): one simulated chain of L blocks pulled towards y = 1,
 * from the library's `src/theory/springblock` (Model A: first-order with static friction; Model B:
 * second-order Langevin with kinetic friction). The module is loaded lazily: when it is absent or
 * fails to load, the view is reported unavailable and the rest of the explorer is unaffected.
 *
 * @module
 */
import { InputError } from "../engine/errors.js";
import type { Params } from "./params.js";

/** Largest number of blocks and of steps·blocks of one request. */
export const MAX_BLOCKS = 200;
export const MAX_WORK = 20_000_000;

/** A validated spring–block request. */
export interface SpringBlockQuery {
  model: "A" | "B";
  L: number;
  muR: number;
  muL: number;
  noise: number;
  decay: number;
  noiseStructure: "independent" | "common";
  steps: number;
  seed: number;
}

/** The authors' notebook defaults of each model (the library's resolveA / resolveB). */
export const SPRINGBLOCK_DEFAULTS: Record<"A" | "B", Omit<SpringBlockQuery, "model">> = {
  A: { L: 7, muR: 0.1, muL: 0.1, noise: 0.1, decay: 0, noiseStructure: "independent", steps: 10000, seed: 0 },
  B: { L: 7, muR: 0.003, muL: 0.004, noise: 0.003, decay: 0.001, noiseStructure: "common", steps: 14000, seed: 0 },
};

/** Reads sb, sbL, sbmuR, sbmuL, sbnoise, sbdecay, sbcommon, sbsteps, sbseed (defaults: the model's). */
export function readSpringBlock(p: Params): SpringBlockQuery {
  const model = p.choice("sb", ["A", "B"] as const, "A");
  const d = SPRINGBLOCK_DEFAULTS[model];
  const L = p.number("sbL", d.L, { integer: true, min: 1, max: MAX_BLOCKS });
  const steps = p.number("sbsteps", d.steps, { integer: true, min: 0, max: MAX_WORK });
  if (steps * L > MAX_WORK) throw new InputError(`steps × blocks = ${steps * L} exceeds ${MAX_WORK}`, "parameters sbsteps, sbL");
  const common = p.choice("sbcommon", ["0", "1"] as const, d.noiseStructure === "common" ? "1" : "0");
  return {
    model,
    L,
    muR: p.number("sbmuR", d.muR, { min: 0, max: 100 }),
    muL: p.number("sbmuL", d.muL, { min: 0, max: 100 }),
    noise: p.number("sbnoise", d.noise, { min: 0, max: 100 }),
    decay: p.number("sbdecay", d.decay, { min: 0, max: 100 }),
    noiseStructure: common === "1" ? "common" : "independent",
    steps,
    seed: p.number("sbseed", d.seed, { integer: true, min: 0, max: 2 ** 31 - 1 }),
  };
}

type Lib = typeof import("../theory/springblock/integrators.js");
let lib: Promise<Lib | null> | null = null;

/** The library module, or null when it is absent or does not load. */
export function springBlockLibrary(): Promise<Lib | null> {
  if (!lib)
    lib = import("../theory/springblock/integrators.js")
      .then((m: Lib) => (typeof m.simulateA === "function" && typeof m.simulateB === "function" ? m : null))
      .catch(() => null);
  return lib;
}

/** Runs the chain and returns what the view draws (≤ 400 recorded frames). */
export async function runSpringBlock(q: SpringBlockQuery) {
  const m = await springBlockLibrary();
  if (!m) throw new InputError("the spring-block model (src/theory/springblock) is not available in this build", "parameter sb");
  const recordEvery = Math.max(1, Math.ceil(q.steps / 400));
  const common = {
    L: q.L,
    muR: q.muR,
    muL: q.muL,
    noise: q.noise,
    decay: q.decay,
    noiseStructure: q.noiseStructure,
    steps: q.steps,
    seed: q.seed,
    recordEvery,
  };
  const t0 = performance.now();
  const r = q.model === "A" ? m.simulateA(common) : m.simulateB(common);
  return {
    model: r.model,
    params: r.params,
    times: r.times,
    trajectory: Array.from(r.trajectory),
    x: Array.from(r.x),
    springs: Array.from(r.springs),
    loadCurve: Array.from(r.loadCurve),
    c: r.c,
    v: r.v,
    cHat: r.cHat,
    shape: r.shape,
    energy: r.energy,
    maxSpeed: r.maxSpeed,
    ms: performance.now() - t0,
  };
}
