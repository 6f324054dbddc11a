/**
 * The edge-of-chaos view: χ1 = g_w·E[φ′(√q* z)²] over a (g_w, g_b) grid, the critical line
 * g_c(g_b) where χ1 = 1, and the mean-field summary of one point. Grids are cached per activation.
 *
 * @module
 */
import { type Activation, criticalGain, meanField, phaseDiagram } from "../kernels/index.js";

/** Grid ranges: g_w ∈ [GW_MIN, GW_MAX], g_b ∈ [0, GB_MAX]. */
export const GW_MIN = 0.05;
export const GW_MAX = 4;
export const GB_MAX = 1;

const PHASES = ["ordered", "critical", "chaotic", "divergent"] as const;

/** The phase-diagram payload (row-major over (g_b index, g_w index)). */
export interface PhasePayload {
  act: string;
  gw: number[];
  gb: number[];
  /** χ1 at (gb[i], gw[j]) → index i·ngw + j (null where not finite). */
  chi1: (number | null)[];
  /** q* (null where not finite). */
  qStar: (number | null)[];
  /** Correlation depth ξ_c (null where infinite). */
  xiC: (number | null)[];
  /** Phase code: 0 ordered, 1 critical, 2 chaotic, 3 divergent. */
  phase: number[];
  phases: readonly string[];
  /** g_c at each g_b of the grid (null where none lies in the search range). */
  criticalLine: { gb: number; gw: number | null }[];
  ms: number;
}

const fin = (v: number): number | null => (Number.isFinite(v) ? v : null);

function grid(lo: number, hi: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / (n - 1));
}

/** Cache of phase diagrams by activation spec. */
export class PhaseCache {
  private readonly items = new Map<string, PhasePayload>();

  get(act: Activation): PhasePayload {
    const hit = this.items.get(act.spec);
    if (hit) return hit;
    const t0 = performance.now();
    // Activations without closed-form kernels integrate numerically: a coarser grid keeps it to seconds.
    const closed = act.kernel !== undefined;
    const gw = grid(GW_MIN, GW_MAX, closed ? 80 : 32);
    const gb = grid(0, GB_MAX, closed ? 51 : 21);
    const pd = phaseDiagram(act, gw, gb);
    const chi1: (number | null)[] = [];
    const qStar: (number | null)[] = [];
    const xiC: (number | null)[] = [];
    const phase: number[] = [];
    for (const row of pd.points) {
      for (const m of row) {
        chi1.push(fin(m.chi1));
        qStar.push(fin(m.qStar));
        xiC.push(fin(m.xiC));
        phase.push(PHASES.indexOf(m.phase));
      }
    }
    const payload: PhasePayload = {
      act: act.spec,
      gw,
      gb,
      chi1,
      qStar,
      xiC,
      phase,
      phases: PHASES,
      criticalLine: pd.criticalLine.map((c, i) => ({ gb: gb[i], gw: c && Number.isFinite(c.gw) ? c.gw : null })),
      ms: performance.now() - t0,
    };
    if (this.items.size >= 16) this.items.delete(this.items.keys().next().value as string);
    this.items.set(act.spec, payload);
    return payload;
  }
}

/** Mean-field summary at one (g_w, g_b), plus g_c at this g_b (null when there is none). */
export function meanFieldPoint(act: Activation, gw: number, gb: number) {
  const m = meanField(act, gw, gb);
  let gc: number | null = null;
  try {
    gc = fin(criticalGain(act, gb).gw);
  } catch {
    gc = null;
  }
  return {
    act: act.spec,
    gw,
    gb,
    qStar: fin(m.qStar),
    chi1: fin(m.chi1),
    chiQ: fin(m.chiQ),
    cStar: m.cStar === null ? null : fin(m.cStar),
    xiC: fin(m.xiC),
    xiQ: fin(m.xiQ),
    phase: m.phase,
    criticalGw: gc,
  };
}
