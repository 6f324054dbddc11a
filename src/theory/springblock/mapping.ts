/**
 * The DNN ↔ spring–block correspondence of paper c (brief §2.6). Only the *qualitative* dictionary is
 * sourced (schematic, README, press; see the labels): layer ℓ ↔ block ℓ, wall ↔ input layer, layer
 * load d_ℓ = log D_{ℓ−1} − log D_ℓ ↔ spring elongation d_ℓ = x_ℓ − x_{ℓ−1}, normalised load curve ↔
 * 1 − x_ℓ, nonlinearity (smaller LeakyReLU slope α) ↔ larger friction μ, training noise ↔ shaking ε̄,
 * training time ↔ simulation time. No numeric α → μ or noise → ε̄ formula appears in any available
 * source: {@link dnnToSpring} is an explicitly parametrised, monotone *illustration* (UNCONFIRMED).
 *
 * @module
 */
import { InputError } from "../../engine/errors.js";

/** One row of the correspondence table with its source label (brief §0 labels). */
export interface MappingEntry {
  dnn: string;
  spring: string;
  /** [C] code/figures, [S] secondary source, [D] derived, [U] unconfirmed. */
  source: string;
}

/** The correspondence table (brief §2.6). */
export const MAPPING: readonly MappingEntry[] = [
  { dnn: "layer ℓ (representation x_ℓ)", spring: "block ℓ at position x_ℓ", source: "[C] schematic, [S]" },
  { dnn: "input layer ℓ = 0", spring: "wall x_0 = 0", source: "[C]" },
  { dnn: "layer load d_ℓ = log D_{ℓ−1} − log D_ℓ", spring: "spring elongation d_ℓ = x_ℓ − x_{ℓ−1}", source: "[C] schematic, [S]" },
  { dnn: "load curve log D_ℓ (normalised)", spring: "1 − x_ℓ (chain pulled to y = 1)", source: "[C] axis labels; normalisation [U]" },
  { dnn: "nonlinearity (smaller α)", spring: "larger friction μ", source: "[S]; [C] schematic" },
  { dnn: "training noise (label/input noise, dropout, large lr, small batch)", spring: "shaking amplitude ε̄", source: "[S], [C] README" },
  { dnn: "loss gradient pulling the output", spring: "pull on the last block (spring to target y = 1)", source: "[C] notebooks; reading [U]" },
  { dnn: "training steps", spring: "simulation time", source: "[C]" },
  { dnn: "spring stiffness k", spring: "no DNN counterpart", source: "[U]" },
];

/**
 * Spring positions from a DNN load curve (the normalised reading, UNCONFIRMED):
 * x_ℓ = (log D_0 − log D_ℓ)/(log D_0 − log D_L) · y, ℓ = 0..L, so x_0 = 0 and x_L = y; the loads
 * become the elongations d_ℓ = y · (log D_{ℓ−1} − log D_ℓ)/(log D_0 − log D_L).
 */
export function loadCurveToPositions(logD: ArrayLike<number>, y = 1): Float64Array {
  const n = logD.length;
  if (n < 2) throw new InputError(`needs at least 2 layers, got ${n}`, "load curve");
  const total = logD[0] - logD[n - 1];
  if (!(Number.isFinite(total) && total !== 0)) throw new InputError(`log D_0 − log D_L = ${total}: the curve cannot be normalised`, "load curve");
  return Float64Array.from({ length: n }, (_, i) => ((logD[0] - logD[i]) / total) * y);
}

/**
 * The spring analogue of the normalised load curve, y − x_ℓ for ℓ = 0..L (x_0 = 0), rescaled to
 * [0, 1] by its first and last entries (1 at the wall, 0 at block L) so it overlays a min–max
 * normalised DNN curve of a monotone run.
 */
export function positionsToLoadCurve(x: ArrayLike<number>, y = 1): Float64Array {
  const L = x.length;
  const xl = x[L - 1];
  if (!(Number.isFinite(xl) && xl !== 0)) throw new InputError(`x_L = ${xl}: the curve cannot be normalised`, "spring positions");
  const out = new Float64Array(L + 1);
  out[0] = 1;
  for (let i = 0; i < L; i++) out[i + 1] = (xl - x[i]) / xl;
  void y;
  return out;
}

/**
 * An illustrative monotone map from DNN knobs to model parameters (UNCONFIRMED; no source gives one):
 * μ_R = muMax·(1 − α) (ReLU α = 0 → muMax, identity α = 1 → 0) and ε̄ = noiseScale·noise.
 * Caveat [D]: μ = 0 gives a linear spring curve at every noise level, whereas the DNN α = 1 row is
 * convex almost everywhere (brief §7), so the α = 1 end is not reproduced by this map.
 */
export function dnnToSpring(alpha: number, noise: number, scale: { muMax: number; noiseScale: number }): { muR: number; noise: number } {
  if (!(alpha >= 0 && alpha <= 1)) throw new InputError(`LeakyReLU slope α must be in [0, 1], got ${alpha}`, "dnnToSpring");
  if (!(noise >= 0 && Number.isFinite(noise))) throw new InputError(`noise must be ≥ 0, got ${noise}`, "dnnToSpring");
  if (!(scale.muMax >= 0 && scale.noiseScale >= 0)) throw new InputError("muMax and noiseScale must be ≥ 0", "dnnToSpring");
  return { muR: scale.muMax * (1 - alpha), noise: scale.noiseScale * noise };
}
