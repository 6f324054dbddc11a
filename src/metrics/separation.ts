/**
 * Data separation across layers (paper c, brief §3.1–3.3 and §4.2): He & Su's separation fuzziness
 * D = Tr(Σ_W Σ_B⁺) of one layer's representations, the load curve log D_ℓ over layers, the layer
 * loads d_ℓ = log D_{ℓ−1} − log D_ℓ, their spread v, the curvature c = d_first − d_last, the
 * linearity (Pearson r of log D_ℓ against ℓ), and two neural-collapse measures (NC1, CDNV).
 *
 * Representations are row-major **P×d** `Float64Array`s (P points, d features) with one label per row.
 * Labels are any finite numbers; each distinct value is one class (K classes, K ≥ 2).
 *
 * ## The two conventions for Σ_W and Σ_B
 *
 * With class means x̄_k, class sizes n_k, n = Σ n_k:
 *
 * ```
 * "sample"   (DNN_Spring's smeasure_logD):  Σ_B = (1/n) Σ_k n_k (x̄_k − x̄)(x̄_k − x̄)ᵀ,   x̄ = global mean
 *                                           Σ_W = (1/n) Σ_k Σ_i (x_ki − x̄_k)(x_ki − x̄_k)ᵀ
 * "balanced" (He & Su, classes weighted equally):
 *                                           Σ_B = (1/K) Σ_k (x̄_k − x̃)(x̄_k − x̃)ᵀ,         x̃ = (1/K) Σ_k x̄_k
 *                                           Σ_W = (1/K) Σ_k (1/n_k) Σ_i (x_ki − x̄_k)(x_ki − x̄_k)ᵀ
 * ```
 *
 * With equal class sizes the two coincide (x̃ = x̄ and every weight is 1/K = n_k/n).
 * How He & Su weight *unbalanced* classes is UNCONFIRMED (their data are balanced); "balanced" is the
 * class-averaged form above.
 *
 * ## Pseudo-inverse tolerance
 *
 * Σ_B has rank ≤ K − 1. D is computed in the eigenbasis of Σ_B, D = Σ_j u_jᵀ Σ_W u_j / λ_j, keeping
 * the eigenpairs with λ_j > rtol·λ_max (default {@link DEFAULT_RTOL} = 1e-10) and **at most the K − 1
 * largest** (Σ_B cannot have more nonzero modes; this makes D immune to round-off or tiny jitter in
 * the null space). If no eigenvalue survives (all class means coincide, or every feature is
 * constant) D is undefined and an {@link InputError} is thrown. If Σ_W = 0 (perfect collapse) D = 0
 * and log D = −∞: the layer is flagged `collapsed` and the load-curve statistics refuse it.
 *
 * @module
 */
import { InputError } from "../engine/errors.js";
import { eigh, matmul } from "../engine/linalg.js";

/** Default relative eigenvalue cut-off of the pseudo-inverses: keep λ > rtol·λ_max. */
export const DEFAULT_RTOL = 1e-10;

/** Which normalisation of the scatter matrices (see the module comment). */
export type Convention = "balanced" | "sample";

/** Classes of a labelled point set. */
export interface Classes {
  /** Distinct label values, ascending. */
  values: number[];
  /** Class index (0..K−1) of every point. */
  index: Int32Array;
  /** Points per class. */
  counts: number[];
  K: number;
}

/** Groups P labels into classes; a single class, a non-finite label or a length mismatch is an InputError. */
export function classesOf(labels: ArrayLike<number>, P: number, where = "labels"): Classes {
  if (labels.length !== P) throw new InputError(`has ${labels.length} labels but the representations have ${P} rows`, where);
  for (let i = 0; i < P; i++) if (!Number.isFinite(labels[i])) throw new InputError(`label at row ${i} is not finite (${labels[i]})`, where);
  const values = Array.from(new Set(Array.from(labels))).sort((a, b) => a - b);
  if (values.length < 2) throw new InputError(`needs at least two classes, got ${values.length} (label ${values[0]})`, where);
  const pos = new Map(values.map((v, i) => [v, i]));
  const index = new Int32Array(P);
  const counts = new Array(values.length).fill(0);
  for (let i = 0; i < P; i++) {
    const k = pos.get(labels[i])!;
    index[i] = k;
    counts[k]++;
  }
  return { values, index, counts, K: values.length };
}

/** Σ_W and Σ_B (d×d, row-major) of one layer, plus the class means (K×d). */
export interface Scatter {
  d: number;
  K: number;
  Sw: Float64Array;
  Sb: Float64Array;
  means: Float64Array;
  counts: number[];
  convention: Convention;
}

function checkX(X: ArrayLike<number>, P: number, d: number, where: string): void {
  if (!(Number.isInteger(P) && P >= 1 && Number.isInteger(d) && d >= 1)) throw new InputError(`shape ${P}×${d} is not a valid P×d`, where);
  if (X.length !== P * d) throw new InputError(`has ${X.length} entries, expected ${P}×${d} = ${P * d}`, where);
  for (let i = 0; i < X.length; i++) {
    if (!Number.isFinite(X[i])) throw new InputError(`entry (row ${Math.floor(i / d)}, column ${i % d}) is not finite (${X[i]})`, where);
  }
}

/**
 * The scatter matrices Σ_W, Σ_B of a P×d representation in the chosen convention (module comment).
 * Cost O(P d²).
 */
export function scatterMatrices(
  X: ArrayLike<number>,
  P: number,
  d: number,
  labels: ArrayLike<number> | Classes,
  convention: Convention = "sample",
  where = "representation",
): Scatter {
  checkX(X, P, d, where);
  const cl = isClasses(labels) ? labels : classesOf(labels, P, where);
  if (cl.index.length !== P) throw new InputError(`has ${cl.index.length} labels but ${P} rows`, where);
  const { K, counts, index } = cl;
  const means = new Float64Array(K * d);
  for (let i = 0; i < P; i++) {
    const k = index[i];
    for (let j = 0; j < d; j++) means[k * d + j] += X[i * d + j];
  }
  for (let k = 0; k < K; k++) for (let j = 0; j < d; j++) means[k * d + j] /= counts[k];
  // Centre: weighted between-class rows B (K×d) and weighted within-class rows W (P×d) so that
  // Σ_B = BᵀB and Σ_W = WᵀW.
  const center = new Float64Array(d);
  const wClass = new Float64Array(K); // weight of class k in Σ_B
  const wPoint = new Float64Array(K); // weight of one point of class k in Σ_W
  for (let k = 0; k < K; k++) {
    if (convention === "sample") {
      wClass[k] = counts[k] / P;
      wPoint[k] = 1 / P;
    } else {
      wClass[k] = 1 / K;
      wPoint[k] = 1 / (K * counts[k]);
    }
    for (let j = 0; j < d; j++) center[j] += (convention === "sample" ? counts[k] / P : 1 / K) * means[k * d + j];
  }
  const B = new Float64Array(K * d);
  for (let k = 0; k < K; k++) {
    const s = Math.sqrt(wClass[k]);
    for (let j = 0; j < d; j++) B[k * d + j] = s * (means[k * d + j] - center[j]);
  }
  const W = new Float64Array(P * d);
  for (let i = 0; i < P; i++) {
    const k = index[i];
    const s = Math.sqrt(wPoint[k]);
    for (let j = 0; j < d; j++) W[i * d + j] = s * (X[i * d + j] - means[k * d + j]);
  }
  const Sb = symmetrize(matmul({ rows: K, cols: d, data: B }, { rows: K, cols: d, data: B }, { transA: true }).data, d);
  const Sw = symmetrize(matmul({ rows: P, cols: d, data: W }, { rows: P, cols: d, data: W }, { transA: true }).data, d);
  return { d, K, Sw, Sb, means, counts: counts.slice(), convention };
}

function symmetrize(A: Float64Array, n: number): Float64Array {
  for (let i = 0; i < n; i++)
    for (let j = 0; j < i; j++) {
      const m = 0.5 * (A[i * n + j] + A[j * n + i]);
      A[i * n + j] = m;
      A[j * n + i] = m;
    }
  return A;
}

function isClasses(x: unknown): x is Classes {
  return typeof x === "object" && x !== null && "index" in x && "counts" in x && "K" in x;
}

function trace(A: Float64Array, n: number): number {
  let t = 0;
  for (let i = 0; i < n; i++) t += A[i * n + i];
  return t;
}

/**
 * Tr(A·B⁺) for symmetric PSD A, B (n×n) through the eigenpairs of B: Σ_j u_jᵀ A u_j / λ_j over the kept
 * modes λ_j > rtol·λ_max, at most `maxRank` of them (largest first). Returns the value and the kept rank;
 * rank 0 when B has no eigenvalue above the cut-off (B ≈ 0).
 */
export function traceTimesPinv(
  A: Float64Array,
  B: Float64Array,
  n: number,
  opts: { rtol?: number; maxRank?: number; where?: string } = {},
): { value: number; rank: number } {
  const rtol = opts.rtol ?? DEFAULT_RTOL;
  const maxRank = opts.maxRank ?? n;
  const { values, vectors } = eigh(B, n, { where: opts.where, cache: false });
  const lmax = values[n - 1];
  if (!(lmax > 0)) return { value: Number.NaN, rank: 0 };
  let value = 0;
  let rank = 0;
  const u = new Float64Array(n);
  for (let j = n - 1; j >= 0 && rank < maxRank; j--) {
    const lam = values[j];
    if (!(lam > rtol * lmax)) break;
    for (let i = 0; i < n; i++) u[i] = vectors[i * n + j];
    let q = 0;
    for (let a = 0; a < n; a++) {
      let s = 0;
      const row = a * n;
      for (let b = 0; b < n; b++) s += A[row + b] * u[b];
      q += u[a] * s;
    }
    value += q / lam;
    rank++;
  }
  return { value, rank };
}

/** The separation of one layer. */
export interface LayerSeparation {
  /** D = Tr(Σ_W Σ_B⁺), class-balanced convention (He & Su). */
  D_balanced: number;
  /** D = Tr(Σ_W Σ_B⁺), sample-weighted convention (DNN_Spring). */
  D_sample: number;
  /** log D (sample convention, the authors'); −∞ when collapsed. */
  logD: number;
  /** log D, balanced convention. */
  logD_balanced: number;
  /** log Tr(Σ_W) − log Tr(Σ_B), sample convention (the authors' "trace ratio"). */
  logTraceRatio: number;
  /** NC1 = Tr(Σ_W Σ_B⁺)/K in the balanced convention (Papyan, Han & Donoho 2020). */
  nc1: number;
  /** Mean over class pairs of the CDNV (Var_i + Var_j)/(2‖x̄_i − x̄_j‖²), Var_k = mean ‖x − x̄_k‖² (Galanti et al. 2022). */
  cdnv: number;
  /** Number of Σ_B modes kept by the pseudo-inverse (≤ K − 1), sample / balanced. */
  rankSb: number;
  K: number;
  P: number;
  d: number;
  /** Σ_W = 0: every point sits on its class mean, D = 0, log D = −∞. */
  collapsed: boolean;
}

/**
 * Separation statistics of one layer's P×d representation: D in both conventions, log D, the trace
 * ratio, NC1 and CDNV. Throws an InputError (naming `where`) for mismatched labels, a single class,
 * non-finite entries, and representations whose class means all coincide (e.g. constant features),
 * for which Σ_B = 0 and D is undefined.
 */
export function layerSeparation(
  X: ArrayLike<number>,
  P: number,
  d: number,
  labels: ArrayLike<number> | Classes,
  opts: { rtol?: number; where?: string } = {},
): LayerSeparation {
  const where = opts.where ?? "representation";
  const cl = isClasses(labels) ? labels : classesOf(labels, P, where);
  const rtol = opts.rtol ?? DEFAULT_RTOL;
  const res: Partial<Record<Convention, { D: number; rank: number; trW: number; trB: number }>> = {};
  for (const conv of ["sample", "balanced"] as const) {
    const s = scatterMatrices(X, P, d, cl, conv, where);
    const trW = trace(s.Sw, d);
    const trB = trace(s.Sb, d);
    const r = traceTimesPinv(s.Sw, s.Sb, d, { rtol, maxRank: cl.K - 1, where });
    if (r.rank === 0 || !(trB > 0)) {
      const constant = !(trW > 0);
      throw new InputError(
        constant
          ? "every feature is constant across all rows: the between-class scatter Σ_B is zero and D is undefined"
          : "all class means coincide: the between-class scatter Σ_B is zero and D is undefined",
        where,
      );
    }
    // Clamp round-off: D ≥ 0 exactly (Σ_W ⪰ 0); a value below rtol·Tr(Σ_W)/λ-scale is zero.
    const D = trW > 0 ? Math.max(r.value, 0) : 0;
    res[conv] = { D, rank: r.rank, trW, trB };
  }
  const sm = res.sample!;
  const bal = res.balanced!;
  const collapsed = !(sm.trW > 0) || sm.D === 0;
  return {
    D_balanced: bal.D,
    D_sample: sm.D,
    logD: collapsed ? Number.NEGATIVE_INFINITY : Math.log(sm.D),
    logD_balanced: collapsed || bal.D === 0 ? Number.NEGATIVE_INFINITY : Math.log(bal.D),
    logTraceRatio: collapsed ? Number.NEGATIVE_INFINITY : Math.log(sm.trW) - Math.log(sm.trB),
    nc1: bal.D / cl.K,
    cdnv: cdnv(X, P, d, cl),
    rankSb: sm.rank,
    K: cl.K,
    P,
    d,
    collapsed,
  };
}

/**
 * Mean class-distance normalised variance over class pairs i < j:
 * CDNV_ij = (Var_i + Var_j) / (2‖x̄_i − x̄_j‖²), Var_k = (1/n_k) Σ ‖x − x̄_k‖². Pairs with coinciding
 * means are an InputError (the ratio is infinite).
 */
export function cdnv(X: ArrayLike<number>, P: number, d: number, labels: ArrayLike<number> | Classes, where = "representation"): number {
  const cl = isClasses(labels) ? labels : classesOf(labels, P, where);
  const { K, counts, index } = cl;
  const means = new Float64Array(K * d);
  for (let i = 0; i < P; i++) for (let j = 0; j < d; j++) means[index[i] * d + j] += X[i * d + j];
  for (let k = 0; k < K; k++) for (let j = 0; j < d; j++) means[k * d + j] /= counts[k];
  const vars = new Float64Array(K);
  for (let i = 0; i < P; i++) {
    const k = index[i];
    for (let j = 0; j < d; j++) {
      const e = X[i * d + j] - means[k * d + j];
      vars[k] += e * e;
    }
  }
  for (let k = 0; k < K; k++) vars[k] /= counts[k];
  let s = 0;
  let n = 0;
  for (let a = 0; a < K; a++)
    for (let b = a + 1; b < K; b++) {
      let dist = 0;
      for (let j = 0; j < d; j++) {
        const e = means[a * d + j] - means[b * d + j];
        dist += e * e;
      }
      if (!(dist > 0)) throw new InputError(`classes ${cl.values[a]} and ${cl.values[b]} have the same mean: CDNV is infinite`, where);
      s += (vars[a] + vars[b]) / (2 * dist);
      n++;
    }
  return s / n;
}

/** Load-curve shape classes (proposal, UNCONFIRMED thresholds: see {@link loadCurveStats}). */
export type Phase = "concave" | "linear" | "convex";

/** Statistics of a load curve log D_0..log D_{L}. */
export interface LoadCurveStats {
  /** The curve used (after dropping the last layer when asked). */
  logD: number[];
  /** Loads d_ℓ = log D_{ℓ−1} − log D_ℓ, ℓ = 1..L. */
  loads: number[];
  /** Spread v = population std (ddof 0) of the loads. */
  v: number;
  /** Curvature c = Σ second differences = d_first − d_last (> 0 convex, < 0 concave). */
  c: number;
  /** Normalised curvature ĉ = c / |log D_0 − log D_L| (the absolute value keeps the sign of c). */
  cHat: number;
  /** Pearson r of log D_ℓ against ℓ (He & Su's linearity; ≈ −1 for equi-separation). */
  pearsonR: number;
  /** Slope of the least-squares line log D_ℓ ≈ a + slope·ℓ, and He & Su's decay ratio ρ = exp(slope). */
  slope: number;
  rho: number;
  /** Min–max normalised curve (1 at the max, 0 at the min; all 0 for a flat curve). */
  normalized: number[];
  /** |ĉ| < linearTol → linear, else the sign of ĉ. */
  phase: Phase;
}

/**
 * Shape statistics of a load curve (brief §3.2, DNN_Spring `v_and_c`): loads, their spread v, the
 * curvature c = d_first − d_last, ĉ, Pearson r, ρ and a phase label. `dropLast` removes the last entry
 * first (the authors drop the logits layer). The phase rule |ĉ| < linearTol (default 0.1) → "linear" is
 * a toolkit proposal, UNCONFIRMED as the paper's. Needs ≥ 3 finite values.
 */
export function loadCurveStats(logD: ArrayLike<number>, opts: { dropLast?: boolean; linearTol?: number; where?: string } = {}): LoadCurveStats {
  const where = opts.where ?? "load curve";
  const y = Array.from(logD);
  if (opts.dropLast) y.pop();
  if (y.length < 3) throw new InputError(`needs at least 3 layers for loads and curvature, got ${y.length}`, where);
  y.forEach((v, i) => {
    if (!Number.isFinite(v)) throw new InputError(`log D of layer ${i} is ${v} (perfect collapse or invalid); the load curve is undefined`, where);
  });
  const L = y.length - 1;
  const loads = Array.from({ length: L }, (_, i) => y[i] - y[i + 1]);
  const mean = loads.reduce((a, b) => a + b, 0) / L;
  const v = Math.sqrt(loads.reduce((a, b) => a + (b - mean) ** 2, 0) / L);
  const c = loads[0] - loads[L - 1];
  const total = y[0] - y[L];
  // |total| keeps sign(ĉ) = sign(c) on a curve that rises overall (non-monotone representations).
  const cHat = total !== 0 ? c / Math.abs(total) : c === 0 ? 0 : Math.sign(c) * Number.POSITIVE_INFINITY;
  const n = y.length;
  const lx = (n - 1) / 2;
  const ly = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (i - lx) * (y[i] - ly);
    sxx += (i - lx) ** 2;
    syy += (y[i] - ly) ** 2;
  }
  const slope = sxy / sxx;
  const pearsonR = syy > 0 ? sxy / Math.sqrt(sxx * syy) : 0;
  const lo = Math.min(...y);
  const hi = Math.max(...y);
  const normalized = y.map((t) => (hi > lo ? (t - lo) / (hi - lo) : 0));
  const tol = opts.linearTol ?? 0.1;
  const phase: Phase = Math.abs(cHat) < tol ? "linear" : cHat > 0 ? "convex" : "concave";
  return { logD: y, loads, v, c, cHat, pearsonR, slope, rho: Math.exp(slope), normalized, phase };
}

/** Per-layer separation and the load-curve statistics of a stack of layers. */
export interface SeparationReport {
  layers: (LayerSeparation & { name: string })[];
  /** Statistics of the log D (sample convention) curve; null when a layer collapsed. */
  curve: LoadCurveStats | null;
  /** Statistics of the balanced-convention curve; null when a layer collapsed. */
  curveBalanced: LoadCurveStats | null;
  rtol: number;
}

/** One layer's representation: row-major P×d data and a name for messages. */
export interface LayerInput {
  name: string;
  data: ArrayLike<number>;
  P: number;
  d: number;
}

/**
 * Separation across layers: {@link layerSeparation} of every layer (same labels) and
 * {@link loadCurveStats} of the resulting log D curves. Errors name the layer.
 */
export function separationAcrossLayers(
  layers: LayerInput[],
  labels: ArrayLike<number>,
  opts: { rtol?: number; dropLast?: boolean; linearTol?: number } = {},
): SeparationReport {
  if (layers.length === 0) throw new InputError("no layers given", "activations");
  const out = layers.map((l, i) => {
    const where = `layer ${i} (${l.name})`;
    const cl = classesOf(labels, l.P, where);
    return { name: l.name, ...layerSeparation(l.data, l.P, l.d, cl, { rtol: opts.rtol, where }) };
  });
  const anyCollapsed = out.some((l) => l.collapsed);
  const enough = out.length - (opts.dropLast ? 1 : 0) >= 3;
  const curve =
    anyCollapsed || !enough
      ? null
      : loadCurveStats(
          out.map((l) => l.logD),
          { dropLast: opts.dropLast, linearTol: opts.linearTol },
        );
  const curveBalanced =
    anyCollapsed || !enough
      ? null
      : loadCurveStats(
          out.map((l) => l.logD_balanced),
          { dropLast: opts.dropLast, linearTol: opts.linearTol },
        );
  return { layers: out, curve, curveBalanced, rtol: opts.rtol ?? DEFAULT_RTOL };
}

// ---------------------------------------------------------------------------------------------
// Files: one representation per layer (.npy or JSON), and a labels file.

/**
 * Reads one layer's representation from a `.npy` file (shape [P, …]; trailing axes are flattened,
 * so CNN feature maps [P, C, H, W] become P×(C·H·W)) or a JSON file (a P×d nested array, or an
 * object whose `X`, `features`, `activations` or `data` field is one; `{data, shape}` also works).
 */
export async function loadLayerFile(path: string): Promise<LayerInput> {
  const { loadNpy } = await import("../data/npy.js");
  const { readText } = await import("../data/files.js");
  const { basename } = await import("node:path");
  const name = basename(path);
  if (path.toLowerCase().endsWith(".npy")) {
    const a = loadNpy(path);
    if (a.shape.length < 1) throw new InputError("a scalar is not a representation: expected shape [P, d]", path);
    const P = a.shape[0];
    const d = a.shape.length === 1 ? 1 : a.shape.slice(1).reduce((x, y) => x * y, 1);
    if (P < 1 || d < 1) throw new InputError(`empty array of shape [${a.shape.join(", ")}]`, path);
    return { name, data: a.data, P, d };
  }
  if (path.toLowerCase().endsWith(".json")) {
    let obj: unknown;
    try {
      obj = JSON.parse(readText(path));
    } catch (e) {
      throw new InputError(`invalid JSON: ${(e as Error).message}`, path);
    }
    return { name, ...matrixFromJson(obj, path) };
  }
  throw new InputError("unsupported file type: expected .npy or .json", path);
}

function matrixFromJson(obj: unknown, where: string): { data: Float64Array; P: number; d: number } {
  if (obj && typeof obj === "object" && !Array.isArray(obj)) {
    const o = obj as Record<string, unknown>;
    if (Array.isArray(o.data) && Array.isArray(o.shape)) {
      const shape = o.shape as number[];
      const flat = (o.data as unknown[]).flat(Number.POSITIVE_INFINITY) as number[];
      const P = shape[0];
      const d = shape.slice(1).reduce((x, y) => x * y, 1);
      if (flat.length !== P * d) throw new InputError(`'data' has ${flat.length} numbers but 'shape' [${shape.join(", ")}] needs ${P * d}`, where);
      return { data: toF64(flat, where), P, d };
    }
    for (const key of ["X", "features", "activations", "data"]) if (Array.isArray(o[key])) return matrixFromJson(o[key], `${where} (field ${key})`);
    throw new InputError("expected a P×d array, or an object with an X / features / activations / data array", where);
  }
  if (!Array.isArray(obj) || obj.length === 0) throw new InputError("expected a non-empty P×d array of numbers", where);
  if (!Array.isArray(obj[0])) return { data: toF64(obj, where), P: obj.length, d: 1 };
  const P = obj.length;
  const rows = obj.map((r) => (Array.isArray(r) ? (r.flat(Number.POSITIVE_INFINITY) as unknown[]) : null));
  const d = rows[0]!.length;
  rows.forEach((r, i) => {
    if (!r || r.length !== d) throw new InputError(`row ${i} has ${r ? r.length : 0} entries, expected ${d} (ragged array)`, where);
  });
  return { data: toF64(rows.flat() as unknown[], where), P, d };
}

function toF64(a: unknown[], where: string): Float64Array {
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (typeof v !== "number" || !Number.isFinite(v)) throw new InputError(`entry ${i} is not a finite number (${JSON.stringify(v)})`, where);
    out[i] = v;
  }
  return out;
}

/**
 * Reads labels: `.npy` (shape [P], or [P, K] one-hot / scores → argmax per row) or JSON (an array,
 * or an object with a `labels` / `y` array; nested rows → argmax).
 */
export async function loadLabels(path: string): Promise<Float64Array> {
  const { loadNpy } = await import("../data/npy.js");
  const { readText } = await import("../data/files.js");
  let data: Float64Array;
  let P: number;
  let K: number;
  if (path.toLowerCase().endsWith(".npy")) {
    const a = loadNpy(path);
    P = a.shape[0] ?? 0;
    K = a.shape.length <= 1 ? 1 : a.shape.slice(1).reduce((x, y) => x * y, 1);
    data = a.data;
  } else if (path.toLowerCase().endsWith(".json")) {
    let obj: unknown;
    try {
      obj = JSON.parse(readText(path));
    } catch (e) {
      throw new InputError(`invalid JSON: ${(e as Error).message}`, path);
    }
    if (obj && typeof obj === "object" && !Array.isArray(obj)) {
      const o = obj as Record<string, unknown>;
      obj = o.labels ?? o.y;
    }
    const m = matrixFromJson(obj, path);
    ({ data, P, d: K } = m);
  } else throw new InputError("unsupported labels file type: expected .npy or .json", path);
  if (P < 1) throw new InputError("no labels", path);
  if (K === 1) return data;
  const out = new Float64Array(P);
  for (let i = 0; i < P; i++) {
    let best = 0;
    for (let k = 1; k < K; k++) if (data[i * K + k] > data[i * K + best]) best = k;
    out[i] = best;
  }
  return out;
}

/**
 * Resolves `--activations`: a directory (every .npy/.json in it except `exclude`, in natural name
 * order, so layer2 < layer10) or a comma-separated list of files (in the given order).
 */
export async function resolveActivationPaths(spec: string, exclude: string[] = []): Promise<string[]> {
  const { existsSync, readdirSync, statSync } = await import("node:fs");
  const { join, resolve } = await import("node:path");
  const items = spec
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (items.length === 0) throw new InputError("no activation files given", "option --activations");
  if (items.length === 1 && existsSync(items[0]) && statSync(items[0]).isDirectory()) {
    const ex = new Set(exclude.map((p) => resolve(p)));
    const coll = new Intl.Collator("en", { numeric: true });
    const files = readdirSync(items[0])
      .filter((f) => /\.(npy|json)$/i.test(f))
      .map((f) => join(items[0], f))
      .filter((f) => !ex.has(resolve(f)))
      .sort((a, b) => coll.compare(a, b));
    if (files.length === 0) throw new InputError("directory has no .npy or .json files", items[0]);
    return files;
  }
  for (const f of items) if (!existsSync(f)) throw new InputError("file not found", f);
  return items;
}

/** Loads every layer file in order (see {@link loadLayerFile}). */
export async function loadActivations(paths: string[]): Promise<LayerInput[]> {
  const out: LayerInput[] = [];
  for (const p of paths) out.push(await loadLayerFile(p));
  return out;
}
