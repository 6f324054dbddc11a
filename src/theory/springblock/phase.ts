/**
 * The spring–block model's own phase diagram over (friction, noise) (brief §6.4, oracle 19): for each
 * cell, several seeded runs; the seed means of c = d_1 − d_L and v = std(d_1..d_L) on the inner
 * springs; and a concave / linear / convex label from the mean normalised curvature
 * ĉ̄ = c̄ / x̄_L (|ĉ̄| < linearTol → linear; a toolkit proposal, thresholds UNCONFIRMED).
 *
 * Friction axis: μ_R (forward), with μ_L = asymmetry·μ_R (default 2, as in oracle 19; 1 = symmetric,
 * which has no convex phase). Noise axis: ε̄ (Model A) or ε (Model B).
 * Seeds of a cell are seed0, seed0 + 1, …; every cell uses the same seeds.
 *
 * @module
 */
import { InputError } from "../../engine/errors.js";
import { type ModelAParams, type ModelBParams, simulateA, simulateB } from "./integrators.js";
import type { Shape } from "./model.js";

export interface PhaseGridOptions {
  /** μ_R values (rows). */
  frictions: number[];
  /** Noise values (columns). */
  noises: number[];
  /** μ_L/μ_R (2). */
  asymmetry?: number;
  /** Seeds per cell (3) starting at seed (0). */
  seeds?: number;
  seed?: number;
  model?: "A" | "B";
  /** Other model parameters (L, k, η or dt, steps, decay, noise structure, …). */
  base?: ModelAParams & ModelBParams;
  linearTol?: number;
  /** Called after every run (for progress bars). */
  onRun?: () => void;
}

export interface PhaseCell {
  muR: number;
  muL: number;
  noise: number;
  /** Seed means of c, v, x_L and the per-seed standard deviation of c (ddof 0). */
  c: number;
  v: number;
  xL: number;
  cSd: number;
  /** Standard error of the mean of c. */
  cSe: number;
  cHat: number;
  shape: Shape;
  /** Mean final springs d_1..d_{L+1}. */
  springs: number[];
}

export interface PhaseGrid {
  model: "A" | "B";
  frictions: number[];
  noises: number[];
  asymmetry: number;
  seeds: number;
  seed: number;
  /** cells[i][j]: friction i, noise j. */
  cells: PhaseCell[][];
}

/** Runs the (friction × noise × seeds) grid of the chosen model and classifies every cell. */
export function phaseGrid(o: PhaseGridOptions): PhaseGrid {
  const where = "spring-block phase grid";
  const asym = o.asymmetry ?? 2;
  const nSeeds = o.seeds ?? 3;
  const seed0 = o.seed ?? 0;
  const model = o.model ?? "A";
  const tol = o.linearTol ?? 0.1;
  if (o.frictions.length === 0 || o.noises.length === 0) throw new InputError("needs at least one friction and one noise value", where);
  for (const f of o.frictions) if (!(f >= 0 && Number.isFinite(f))) throw new InputError(`friction values must be ≥ 0, got ${f}`, where);
  for (const e of o.noises) if (!(e >= 0 && Number.isFinite(e))) throw new InputError(`noise values must be ≥ 0, got ${e}`, where);
  if (!(asym >= 0 && Number.isFinite(asym))) throw new InputError(`asymmetry μ_L/μ_R must be ≥ 0, got ${asym}`, where);
  if (!(Number.isInteger(nSeeds) && nSeeds >= 1)) throw new InputError(`seeds must be an integer ≥ 1, got ${nSeeds}`, where);
  const cells = o.frictions.map((muR) =>
    o.noises.map((noise): PhaseCell => {
      const muL = asym * muR;
      const cs: number[] = [];
      let v = 0;
      let xL = 0;
      let sp: number[] | null = null;
      for (let s = 0; s < nSeeds; s++) {
        const p = { ...o.base, muR, muL, noise, seed: seed0 + s, recordEvery: 1 << 30 };
        const r = model === "A" ? simulateA(p) : simulateB(p);
        cs.push(r.c);
        v += r.v / nSeeds;
        xL += r.x[r.x.length - 1] / nSeeds;
        if (!sp) sp = new Array(r.springs.length).fill(0);
        for (let i = 0; i < r.springs.length; i++) sp[i] += r.springs[i] / nSeeds;
        o.onRun?.();
        if (noise === 0) {
          // Deterministic: every seed gives the same run.
          for (let t = s + 1; t < nSeeds; t++) {
            cs.push(r.c);
            v += r.v / nSeeds;
            xL += r.x[r.x.length - 1] / nSeeds;
            for (let i = 0; i < r.springs.length; i++) sp[i] += r.springs[i] / nSeeds;
            o.onRun?.();
          }
          break;
        }
      }
      const c = cs.reduce((a, b) => a + b, 0) / nSeeds;
      const cSd = Math.sqrt(cs.reduce((a, b) => a + (b - c) ** 2, 0) / nSeeds);
      const cHat = xL !== 0 ? c / xL : 0;
      return {
        muR,
        muL,
        noise,
        c,
        v,
        xL,
        cSd,
        cSe: cSd / Math.sqrt(nSeeds),
        cHat,
        shape: Math.abs(cHat) < tol ? "linear" : cHat > 0 ? "convex" : "concave",
        springs: sp!,
      };
    }),
  );
  return { model, frictions: o.frictions.slice(), noises: o.noises.slice(), asymmetry: asym, seeds: nSeeds, seed: seed0, cells };
}
