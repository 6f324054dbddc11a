/**
 * Paper (c) recipe, model side: the spring–block model's phase diagram over (friction μ_R, noise ε̄).
 * Model A (static friction, μ_L = asymmetry·μ_R) is run on a (friction × noise × seeds) grid, one
 * sweep point per friction value; every cell gets the seed-mean normalised curvature ĉ = c/|x_L| of its
 * final chain and a concave / linear / convex label. Three characteristic points (low noise & high
 * friction, the boundary, high noise & lower friction) get their load curves y − x_ℓ against block
 * index, the model's analogue of log D_ℓ against layer. The noiseless column is checked against the
 * closed-form frictional state and the frictionless row against equal extensions.
 *
 * The DNN side of the phase diagram (LeakyReLU slope × training noise) is a later recipe.
 */
import { type Key, split } from "../../engine/random.js";
import { type FigureSpec, lineFigure, phaseFigure } from "../../report/figures.js";
import { type ComparisonRow, comparisonTable, type Table } from "../../report/tables.js";
import { frictionalStationaryState, frictionlessEquilibrium, phaseGrid, positionsToLoadCurve, simulateA } from "../../theory/springblock/index.js";
import { defineRecipe, registerRecipe } from "../registry.js";

interface CharacteristicPoint {
  /** "concave" | "linear" | "convex": the shape the claim predicts there. */
  expect: "concave" | "linear" | "convex";
  label: string;
  muR: number;
  noise: number;
}

interface SpringConfig {
  model: "A";
  /** Blocks L, stiffness k, step η and steps T of Model A (the notebook's values). */
  L: number;
  k: number;
  eta: number;
  steps: number;
  /** μ_L/μ_R (2, as in the brief's oracle 19; 1 = symmetric friction has no convex phase). */
  asymmetry: number;
  frictions: number[];
  noises: number[];
  seeds: number;
  /** |ĉ| < linearTol → linear (toolkit proposal, UNCONFIRMED as the paper's rule). */
  linearTol: number;
  curveSeeds: number;
  characteristic: CharacteristicPoint[];
  /** Regions of the claim, for the claim table: cells with noise and friction in the given ranges. */
  regions: { name: string; expect: "concave" | "linear" | "convex"; noise: [number, number]; friction: [number, number] }[];
}

type Params = { kind: "row"; muR: number } | { kind: "curve"; index: number };

interface RowResult {
  muR: number;
  muL: number;
  noise: number[];
  c: number[];
  cSe: number[];
  cHat: number[];
  v: number[];
  xL: number[];
  shape: string[];
  /** Mean final springs d_1..d_{L+1} of the noiseless cell (for the closed-form check). */
  springsNoiseless: number[] | null;
}

interface CurveResult {
  muR: number;
  muL: number;
  noise: number;
  /** Mean and s.e. over seeds of the normalised load curve (x_L − x_ℓ)/x_L, ℓ = 0..L. */
  curve: number[];
  curveSe: number[];
  /** Mean raw load curve y − x_ℓ, ℓ = 0..L (x_0 = 0). */
  raw: number[];
  cHat: number;
  cHatSe: number;
  shape: string;
}

const range = (a: number, b: number, step: number): number[] => {
  const out: number[] = [];
  for (let i = 0; a + i * step <= b + 1e-12; i++) out.push(Number((a + i * step).toFixed(6)));
  return out;
};

/** A safe-integer seed base for the model's integer-seeded stream, derived from a key. */
const seedOf = (k: Key): number => k[0] >>> 0;

function shapeOf(cHat: number, tol: number): "concave" | "linear" | "convex" {
  return Math.abs(cHat) < tol ? "linear" : cHat > 0 ? "convex" : "concave";
}

/** Noise values where ĉ(ε̄) crosses `level` (first crossing from below, linear interpolation), per friction. */
function crossing(noises: number[], cHat: number[], level: number): number | null {
  for (let j = 0; j + 1 < noises.length; j++) {
    const a = cHat[j] - level;
    const b = cHat[j + 1] - level;
    if (a < 0 && b >= 0) return noises[j] + (a / (a - b)) * (noises[j + 1] - noises[j]);
  }
  return null;
}

registerRecipe(
  defineRecipe<SpringConfig, Params, RowResult | CurveResult>({
    id: "springblock-phase",
    paper: "c",
    title: "Spring–block model: the phase diagram of the load-curve shape over friction and noise",
    claim:
      "In deep networks, strong nonlinearity and low noise make the load curve (log D against layer) concave — deep layers learn more — and weak nonlinearity and high noise make it convex — shallow layers learn more — with equi-separation (a linear curve) in between. The spring–block model, with friction ↔ nonlinearity and noise ↔ training noise, reproduces this phase diagram.",
    config: (full) => ({
      model: "A",
      L: 7,
      k: 1,
      eta: 0.01,
      steps: 10000,
      asymmetry: 2,
      frictions: full ? range(0, 0.2, 0.0125) : [0, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.125, 0.15, 0.175, 0.2],
      noises: full ? range(0, 0.4, 0.0125) : range(0, 0.4, 0.025),
      seeds: full ? 10 : 3,
      linearTol: 0.1,
      curveSeeds: full ? 50 : 20,
      characteristic: [
        { expect: "concave", label: "concave (0.2, 0.05)", muR: 0.2, noise: 0.05 },
        { expect: "linear", label: "linear (0.1, 0.07)", muR: 0.1, noise: 0.07 },
        { expect: "convex", label: "convex (0.05, 0.4)", muR: 0.05, noise: 0.4 },
      ],
      regions: [
        { name: "low noise, high friction", expect: "concave", noise: [0, 0.05], friction: [0.1, 0.2] },
        { name: "frictionless (μ_R = 0), any noise", expect: "linear", noise: [0, 0.4], friction: [0, 0] },
        { name: "high noise, low friction", expect: "convex", noise: [0.3, 0.4], friction: [0.01, 0.05] },
        { name: "high noise, high friction", expect: "convex", noise: [0.3, 0.4], friction: [0.1, 0.2] },
      ],
    }),
    points: (c) => [
      ...c.frictions.map((muR) => ({ id: `friction=${muR}`, params: { kind: "row", muR } as Params })),
      ...c.characteristic.map((p, index) => ({ id: `curve=${p.expect},mu=${p.muR},noise=${p.noise}`, params: { kind: "curve", index } as Params })),
    ],
    compute(p, ctx) {
      const c = ctx.config;
      const base = { L: c.L, k: c.k, eta: c.eta, steps: c.steps };
      if (p.kind === "row") {
        // every row uses the same seeds (a property of the model grid), derived from the recipe key
        const g = phaseGrid({
          frictions: [p.muR],
          noises: c.noises,
          asymmetry: c.asymmetry,
          seeds: c.seeds,
          seed: seedOf(split(ctx.recipeKey, 2)[0]),
          model: c.model,
          base,
          linearTol: c.linearTol,
        });
        const row = g.cells[0];
        const z = row.find((cell) => cell.noise === 0);
        return {
          muR: p.muR,
          muL: row[0].muL,
          noise: row.map((cell) => cell.noise),
          c: row.map((cell) => cell.c),
          cSe: row.map((cell) => cell.cSe),
          cHat: row.map((cell) => cell.cHat),
          v: row.map((cell) => cell.v),
          xL: row.map((cell) => cell.xL),
          shape: row.map((cell) => cell.shape),
          springsNoiseless: z ? z.springs : null,
        } satisfies RowResult;
      }
      const cp = c.characteristic[p.index];
      const seed0 = seedOf(ctx.key);
      const n = c.curveSeeds;
      const curves: Float64Array[] = [];
      const raws: Float64Array[] = [];
      const cHats: number[] = [];
      for (let s = 0; s < n; s++) {
        const r = simulateA({ ...base, muR: cp.muR, muL: c.asymmetry * cp.muR, noise: cp.noise, seed: seed0 + s, recordEvery: 1 << 30 });
        curves.push(positionsToLoadCurve(r.x));
        raws.push(Float64Array.from({ length: c.L + 1 }, (_, l) => (l === 0 ? 1 : 1 - r.x[l - 1])));
        cHats.push(r.cHat);
      }
      const mean = (rows: Float64Array[], l: number) => rows.reduce((a, r) => a + r[l], 0) / rows.length;
      const se = (rows: Float64Array[], l: number) => {
        const m = mean(rows, l);
        return Math.sqrt(rows.reduce((a, r) => a + (r[l] - m) ** 2, 0) / (rows.length * Math.max(1, rows.length - 1)));
      };
      const idx = Array.from({ length: c.L + 1 }, (_, l) => l);
      const hm = cHats.reduce((a, b) => a + b, 0) / n;
      const hse = Math.sqrt(cHats.reduce((a, b) => a + (b - hm) ** 2, 0) / (n * Math.max(1, n - 1)));
      return {
        muR: cp.muR,
        muL: c.asymmetry * cp.muR,
        noise: cp.noise,
        curve: idx.map((l) => mean(curves, l)),
        curveSe: idx.map((l) => se(curves, l)),
        raw: idx.map((l) => mean(raws, l)),
        cHat: hm,
        cHatSe: hse,
        shape: shapeOf(hm, c.linearTol),
      } satisfies CurveResult;
    },
    summarize(results, c) {
      const rows = results.filter((r) => r.params.kind === "row").map((r) => r.result as RowResult);
      const curves = results.filter((r) => r.params.kind === "curve").map((r) => r.result as CurveResult);
      const nx = c.frictions.length;
      const ny = c.noises.length;
      // z[i·nx + j]: noise i (y), friction j (x)
      const z = new Float64Array(nx * ny);
      for (let j = 0; j < nx; j++) for (let i = 0; i < ny; i++) z[i * nx + j] = rows[j].cHat[i];
      let amax = 0;
      for (const v of z) if (Number.isFinite(v)) amax = Math.max(amax, Math.abs(v));
      // ĉ = 0 contour: the noise where ĉ changes sign along each friction column (μ_R = 0 is linear throughout)
      const contour = (level: number) => {
        const xs: number[] = [];
        const ys: number[] = [];
        for (const r of rows) {
          if (r.muR === 0) continue;
          const e = crossing(r.noise, r.cHat, level);
          if (e !== null) {
            xs.push(r.muR);
            ys.push(e);
          }
        }
        return { x: xs, y: ys };
      };
      const zero = contour(0);
      const lower = contour(-c.linearTol);
      const upper = contour(c.linearTol);
      const numbers: Record<string, number | string | boolean | null> = {};
      const counts = { concave: 0, linear: 0, convex: 0 } as Record<string, number>;
      for (const r of rows) for (const s of r.shape) counts[s]++;
      numbers.cellsConcave = counts.concave;
      numbers.cellsLinear = counts.linear;
      numbers.cellsConvex = counts.convex;
      numbers.cHatMin = Math.min(...z);
      numbers.cHatMax = Math.max(...z);
      // slope of the boundary ε̄_c = s·μ_R (least squares through the origin)
      let sxy = 0;
      let sxx = 0;
      for (let i = 0; i < zero.x.length; i++) {
        sxy += zero.x[i] * zero.y[i];
        sxx += zero.x[i] ** 2;
      }
      numbers.boundarySlope = sxx > 0 ? sxy / sxx : null;
      for (let i = 0; i < zero.x.length; i++) numbers[`boundaryNoise_mu${zero.x[i]}`] = zero.y[i];
      for (const cv of curves) numbers[`cHat_${cv.shape}_mu${cv.muR}_noise${cv.noise}`] = cv.cHat;

      const figures: FigureSpec[] = [
        phaseFigure({
          id: "phase-chat",
          title: "Normalised curvature ĉ of the spring load curve over friction and noise",
          caption: `Model A (L = ${c.L}, k = ${c.k}, η = ${c.eta}, ${c.steps} steps, independent noise, μ_L = ${c.asymmetry}·μ_R): seed-mean ĉ = c̄/x̄_L with c = d_1 − d_L over ${c.seeds} seeds per cell; blue < 0 concave (springs near the pull — the deep layers — stretched most), red > 0 convex. Solid: the ĉ = 0 boundary (sign change along each friction column, linearly interpolated; μ_R = 0 is linear throughout and has none); dashed / dotted: ĉ = −${c.linearTol} / +${c.linearTol}, the edges of the "linear" band. Only the model side: the DNN phase diagram (LeakyReLU slope × training noise) is not in this recipe and comes later.`,
          claim:
            "Friction ↔ nonlinearity, noise ↔ training noise: concave at high friction and low noise, convex at high noise, equi-separation (linear) in between — the same phase diagram as deep networks.",
          x: { label: "friction μ_R (↔ nonlinearity)", values: c.frictions },
          y: { label: "noise ε̄ (↔ training noise)", values: c.noises },
          z,
          color: { label: "ĉ", scheme: "redblue", domain: [-amax, amax], mid: 0, reverse: true },
          lines: [
            { name: "ĉ = 0 (concave | convex)", x: zero.x, y: zero.y },
            { name: `ĉ = −${c.linearTol}`, x: lower.x, y: lower.y },
            { name: `ĉ = +${c.linearTol}`, x: upper.x, y: upper.y },
          ],
        }),
        lineFigure({
          id: "load-curves",
          title: "Load curves at three characteristic points of the phase diagram",
          caption: `The spring analogue of log D_ℓ against layer: the normalised load curve (x_L − x_ℓ)/x_L (1 at the wall ℓ = 0, 0 at block L), mean ± s.e. over ${c.curveSeeds} seeds of Model A at the three points (high friction & low noise; on the ĉ = 0 boundary; lower friction & high noise); dashed: the frictionless equilibrium (equal extensions, equi-separation). Concave: the curve stays high and drops at the last blocks (deep layers do the work); convex: it drops at the first blocks.`,
          claim: "Strong nonlinearity & low noise → concave; in between → linear; weak nonlinearity & high noise → convex.",
          x: { label: "block / layer index ℓ" },
          y: { label: "normalised load curve (↔ log D_ℓ)" },
          series: [
            ...curves.map((cv) => ({
              name: c.characteristic.find((p) => p.muR === cv.muR && p.noise === cv.noise)?.label ?? `μ_R = ${cv.muR}, ε̄ = ${cv.noise}`,
              x: cv.curve.map((_, l) => l),
              y: cv.curve,
              yErr: cv.curveSe,
              mark: "line+points" as const,
              dash: "Model A (mean ± s.e.)",
            })),
            {
              name: "frictionless (0, any)",
              x: Array.from({ length: c.L + 1 }, (_, l) => l),
              y: Array.from(positionsToLoadCurve(frictionlessEquilibrium(c.L))),
              color: "frictionless (0, any)",
              dash: "frictionless reference",
            },
          ],
          colorTitle: "point (μ_R, ε̄)",
          dashTitle: "curve",
        }),
      ];

      const tables: Table[] = [];
      // Analytic checks: the noiseless column against the closed-form frictional state (the chain only
      // moves forward from x = 0, so μ_R alone acts), the frictionless row against equal extensions.
      const checks: ComparisonRow[] = [];
      for (const r of rows) {
        if (!r.springsNoiseless) continue;
        const exact = frictionalStationaryState(c.L, r.muR, c.k).d;
        const i0 = r.noise.indexOf(0);
        checks.push({ quantity: `c at ε̄ = 0, μ_R = ${r.muR}`, theory: exact[0] - exact[c.L - 1], measured: r.c[i0], tolerance: 1e-3 });
      }
      const fr = rows.find((r) => r.muR === 0);
      if (fr) {
        const worst = fr.cHat.reduce((a, b) => (Math.abs(b) > Math.abs(a) ? b : a), 0);
        checks.push({ quantity: "ĉ of largest magnitude on the frictionless row (equal extensions)", theory: 0, measured: worst, tolerance: c.linearTol });
      }
      tables.push(
        comparisonTable("Model against its closed forms", checks, {
          caption:
            "Noiseless column: the simulated c = d_1 − d_L against the closed-form stationary state with static friction μ_R (§3.7(2)); tolerance 10⁻³. Frictionless row: ĉ against 0 (equal extensions), tolerance the linear band.",
          theoryLabel: "closed form",
          measuredLabel: "Model A",
        }),
      );
      // The claim, region by region.
      const claimRows = c.regions.map((reg) => {
        const hits: number[] = [];
        let n = 0;
        for (const r of rows) {
          if (r.muR < reg.friction[0] - 1e-12 || r.muR > reg.friction[1] + 1e-12) continue;
          r.noise.forEach((e, i) => {
            if (e < reg.noise[0] - 1e-12 || e > reg.noise[1] + 1e-12) return;
            n++;
            if (r.shape[i] === reg.expect) hits.push(r.cHat[i]);
          });
        }
        const all: number[] = [];
        for (const r of rows)
          if (r.muR >= reg.friction[0] - 1e-12 && r.muR <= reg.friction[1] + 1e-12)
            r.noise.forEach((e, i) => {
              if (e >= reg.noise[0] - 1e-12 && e <= reg.noise[1] + 1e-12) all.push(r.cHat[i]);
            });
        const frac = n ? hits.length / n : null;
        numbers[`claim_${reg.expect}_${reg.name.replace(/[^a-z]+/gi, "_")}`] = frac;
        return [
          reg.name,
          `μ_R ∈ [${reg.friction.join(", ")}], ε̄ ∈ [${reg.noise.join(", ")}]`,
          reg.expect,
          n,
          frac,
          all.length ? all.reduce((a, b) => a + b, 0) / all.length : null,
          frac === null ? null : frac >= 0.8 ? "holds" : frac >= 0.5 ? "partly" : "fails",
        ];
      });
      tables.push({
        title: "The claim, region by region of the model's phase diagram",
        caption: `Claim (DNN side, mapped through friction ↔ nonlinearity, noise ↔ training noise): concave at strong nonlinearity and low noise, convex at weak nonlinearity and high noise, linear in between. For each region: the number of grid cells, the fraction with the claimed shape (|ĉ| < ${c.linearTol} linear), the mean ĉ; "holds" ≥ 80 %, "partly" ≥ 50 %. The frictionless row stands for the weakest nonlinearity: there the model stays linear at every noise (a known mismatch with DNNs, whose α = 1 row is convex). The DNN side is a later recipe.`,
        columns: ["region", "cells", "claimed shape", "n cells", "fraction with claimed shape", "mean ĉ", "verdict"],
        rows: claimRows,
        kind: "data",
      });
      tables.push({
        title: "Load curves at the characteristic points",
        caption: `Seed-mean ĉ ± s.e. over ${c.curveSeeds} seeds and the resulting shape, against the shape the claim predicts there.`,
        columns: ["μ_R", "μ_L", "ε̄", "ĉ", "± s.e.", "shape", "claimed"],
        rows: curves.map((cv, i) => [cv.muR, cv.muL, cv.noise, cv.cHat, cv.cHatSe, cv.shape, c.characteristic[i].expect]),
        kind: "data",
      });
      tables.push({
        title: "Classification of every cell",
        caption: `Seed means over ${c.seeds} seeds: c = d_1 − d_L (± s.e.), ĉ = c/x_L, v = std of the inner springs, and the shape (|ĉ| < ${c.linearTol} → linear).`,
        columns: ["μ_R", "μ_L", "ε̄", "c", "± s.e.", "ĉ", "v", "x_L", "shape"],
        rows: rows.flatMap((r) => r.noise.map((e, i) => [r.muR, r.muL, e, r.c[i], r.cSe[i], r.cHat[i], r.v[i], r.xL[i], r.shape[i]])),
        kind: "data",
      });
      tables.push({
        title: "Shape map (rows: friction μ_R, columns: noise ε̄)",
        caption: "The classification of the phase figure as letters: ∩ concave, — linear, ∪ convex.",
        columns: ["μ_R \\ ε̄", ...c.noises.map(String)],
        rows: rows.map((r) => [r.muR, ...r.shape.map((s) => (s === "concave" ? "∩" : s === "convex" ? "∪" : "—"))]),
        kind: "data",
      });
      return { numbers, tables, figures };
    },
  }),
);
