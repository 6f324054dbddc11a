/**
 * Preprocessing: pure functions that return new datasets (inputs are never modified).
 *
 * - {@link selectClasses}: keep some classes and re-encode the targets (±1, one-hot or index).
 * - {@link perClass}: n random examples of every class.
 * - {@link center}, {@link standardize}: feature-wise, returning the statistics so that the train
 *   statistics can be applied to the test set.
 * - {@link downsample}: area averaging of images (exact block means for integer ratios).
 * - {@link randomProjection}: x ↦ Gᵀx/√D with G_{ij} ~ N(0, 1).
 * - {@link trainTestSplit}: a random split.
 */
import { InputError } from "../engine/errors.js";
import { backend } from "../engine/linalg/backend.js";
import { type Key, normal, permutation } from "../engine/random.js";
import { cloneMeta, type Dataset, datasetClasses, formatClasses, type SplitDataset, takeRows } from "./dataset.js";

/** How {@link selectClasses} encodes the targets of the kept classes c_0, c_1, …, c_{C−1}. */
export type LabelEncoding = "pm1" | "onehot" | "index";

function checkKey(key: unknown, fn: string): void {
  if (!(key instanceof Uint32Array) || key.length !== 2) throw new InputError(`${fn}: 'key' must be a random key from key(seed)`);
}

function dsWhere(ds: Dataset): string {
  return `dataset '${ds.meta.name}'`;
}

/**
 * Targets for labels ℓ^μ given the ordered classes c_0…c_{C−1}:
 * - `pm1` (C = 2 only): y = +1 for c_0, −1 for c_1 (K = 1);
 * - `onehot`: y_k = 1[ℓ = c_k] (K = C);
 * - `index`: y = k such that ℓ = c_k (K = 1).
 */
export function encodeLabels(labels: Int32Array, classes: number[], encoding: LabelEncoding): { y: Float64Array; K: number } {
  const pos = new Map<number, number>();
  for (let k = 0; k < classes.length; k++) pos.set(classes[k], k);
  const P = labels.length;
  if (encoding === "pm1") {
    if (classes.length !== 2) throw new InputError(`labels 'pm1' needs exactly 2 classes, got ${classes.length} (${classes.join(", ")})`);
    const y = new Float64Array(P);
    for (let i = 0; i < P; i++) y[i] = labels[i] === classes[0] ? 1 : -1;
    return { y, K: 1 };
  }
  if (encoding === "onehot") {
    const K = classes.length;
    const y = new Float64Array(P * K);
    for (let i = 0; i < P; i++) y[i * K + (pos.get(labels[i]) as number)] = 1;
    return { y, K };
  }
  if (encoding === "index") {
    const y = new Float64Array(P);
    for (let i = 0; i < P; i++) y[i] = pos.get(labels[i]) as number;
    return { y, K: 1 };
  }
  throw new InputError(`unknown label encoding '${encoding as string}' (expected pm1, onehot or index)`);
}

/**
 * Keeps the examples whose label is one of `classes` (in dataset order) and re-encodes the targets
 * with {@link encodeLabels}: default ±1 for two classes (first class ↦ +1), one-hot otherwise.
 * `labels` keeps the original class values; `meta.classes` becomes `classes` (their order defines
 * the encoding). InputError when the dataset has no labels, a class is repeated or absent:
 * "class 7 is not in dataset 'mnist-train' (classes: 0..6)".
 */
export function selectClasses(ds: Dataset, classes: number[], opts: { labels?: LabelEncoding } = {}): Dataset {
  if (!ds.labels) throw new InputError("has no class labels, so classes cannot be selected", dsWhere(ds));
  if (!Array.isArray(classes) || classes.length === 0) throw new InputError("selectClasses needs a non-empty list of classes", dsWhere(ds));
  const present = datasetClasses(ds);
  const presentSet = new Set(ds.labels);
  const seen = new Set<number>();
  for (const c of classes) {
    if (seen.has(c)) throw new InputError(`class ${c} is listed twice in selectClasses([${classes.join(", ")}])`, dsWhere(ds));
    seen.add(c);
    if (!presentSet.has(c)) throw new InputError(`class ${c} is not in dataset '${ds.meta.name}' (classes: ${formatClasses(present)})`);
  }
  const encoding = opts.labels ?? (classes.length === 2 ? "pm1" : "onehot");
  const labels = ds.labels;
  const idx: number[] = [];
  for (let i = 0; i < ds.P; i++) if (seen.has(labels[i])) idx.push(i);
  const sub = takeRows(ds, idx);
  const { y, K } = encodeLabels(sub.labels as Int32Array, classes, encoding);
  const meta = cloneMeta(ds.meta, `classes [${classes.join(", ")}] encoded as ${encoding}`);
  meta.classes = classes.slice();
  return { X: sub.X, P: sub.P, D: sub.D, y, K, labels: sub.labels, meta };
}

/**
 * n examples of every class (`meta.classes`, or the distinct labels), chosen uniformly without
 * replacement: the first n of each class met along a random permutation drawn from `key`. The kept
 * examples stay in dataset order. Deterministic for a given key. InputError when a class has fewer
 * than n examples.
 */
export function perClass(ds: Dataset, n: number, key: Key): Dataset {
  checkKey(key, "perClass");
  if (!ds.labels) throw new InputError("has no class labels, so perClass cannot be used", dsWhere(ds));
  if (!Number.isInteger(n) || n < 1) throw new InputError(`perClass: n must be a positive integer, got ${n}`, dsWhere(ds));
  const classes = datasetClasses(ds);
  const idx = pickPerClass(ds.labels, classes, n, key, ds.meta.name);
  return takeRows(ds, idx, { notes: [...(ds.meta.notes ?? []), `${n} random examples per class`] });
}

/**
 * Indices (ascending) of n examples of each of `classes`, the first n met along permutation(key, P).
 * Examples of other classes are ignored.
 */
export function pickPerClass(labels: ArrayLike<number>, classes: number[], n: number, key: Key, name: string): Int32Array {
  const P = labels.length;
  const slot = new Map<number, number>();
  for (let k = 0; k < classes.length; k++) slot.set(classes[k], k);
  const taken = new Int32Array(classes.length);
  const available = new Int32Array(classes.length);
  for (let i = 0; i < P; i++) {
    const k = slot.get(labels[i]);
    if (k !== undefined) available[k]++;
  }
  for (let k = 0; k < classes.length; k++) {
    if (available[k] < n) {
      throw new InputError(`class ${classes[k]} has only ${available[k]} examples in dataset '${name}', ${n} per class requested`);
    }
  }
  const perm = permutation(key, P);
  const out = new Int32Array(n * classes.length);
  let m = 0;
  for (let t = 0; t < P && m < out.length; t++) {
    const i = perm[t];
    const k = slot.get(labels[i]);
    if (k !== undefined && taken[k] < n) {
      taken[k]++;
      out[m++] = i;
    }
  }
  return out.sort();
}

/** Feature-wise statistics: mean μ_j and (population) standard deviation σ_j. */
export interface FeatureStats {
  mean: Float64Array;
  std: Float64Array;
}

/** μ_j = (1/P) Σ_μ X_{μj}. */
export function featureMean(ds: Dataset): Float64Array {
  const { X, P, D } = ds;
  const mean = new Float64Array(D);
  for (let i = 0; i < P; i++) {
    const o = i * D;
    for (let j = 0; j < D; j++) mean[j] += X[o + j];
  }
  for (let j = 0; j < D; j++) mean[j] /= P;
  return mean;
}

/** σ_j = √((1/P) Σ_μ (X_{μj} − μ_j)²), two-pass. */
export function featureStd(ds: Dataset, mean: Float64Array): Float64Array {
  const { X, P, D } = ds;
  const v = new Float64Array(D);
  for (let i = 0; i < P; i++) {
    const o = i * D;
    for (let j = 0; j < D; j++) {
      const d = X[o + j] - mean[j];
      v[j] += d * d;
    }
  }
  for (let j = 0; j < D; j++) v[j] = Math.sqrt(v[j] / P);
  return v;
}

function checkStats(ds: Dataset, arr: Float64Array, what: string): void {
  if (!(arr instanceof Float64Array) || arr.length !== ds.D) {
    throw new InputError(`${what} has ${arr?.length} entries but the dataset has D = ${ds.D} features`, dsWhere(ds));
  }
}

/**
 * X_{μj} ↦ X_{μj} − μ_j. Without `stats`, μ is this dataset's feature mean; pass the train stats to
 * center a test set with them. Returns the new dataset and the means used.
 */
export function center(ds: Dataset, stats?: { mean: Float64Array }): { dataset: Dataset; stats: { mean: Float64Array } } {
  const mean = stats ? stats.mean : featureMean(ds);
  checkStats(ds, mean, "stats.mean");
  const { X: X0, P, D } = ds;
  const X = new Float64Array(P * D);
  for (let i = 0; i < P; i++) {
    const o = i * D;
    for (let j = 0; j < D; j++) X[o + j] = X0[o + j] - mean[j];
  }
  const note = stats ? "centered with given feature means" : "centered (feature means subtracted)";
  return { dataset: { ...ds, X, y: ds.y.slice(), labels: ds.labels?.slice(), meta: cloneMeta(ds.meta, note) }, stats: { mean } };
}

/**
 * X_{μj} ↦ (X_{μj} − μ_j)/σ_j with σ the population standard deviation, so that each feature of the
 * result has mean 0 and (1/P)Σ_μ X_{μj}² = 1. Constant features (σ_j = 0) are only centered (σ_j is
 * reported as 0 and treated as 1). Without `stats` they are computed from this dataset; pass the
 * train stats to transform a test set consistently.
 */
export function standardize(ds: Dataset, stats?: FeatureStats): { dataset: Dataset; stats: FeatureStats } {
  const mean = stats ? stats.mean : featureMean(ds);
  const std = stats ? stats.std : featureStd(ds, mean);
  checkStats(ds, mean, "stats.mean");
  checkStats(ds, std, "stats.std");
  const { X: X0, P, D } = ds;
  const inv = new Float64Array(D);
  let constant = 0;
  for (let j = 0; j < D; j++) {
    if (std[j] > 0) inv[j] = 1 / std[j];
    else {
      inv[j] = 1;
      constant++;
    }
  }
  const X = new Float64Array(P * D);
  for (let i = 0; i < P; i++) {
    const o = i * D;
    for (let j = 0; j < D; j++) X[o + j] = (X0[o + j] - mean[j]) * inv[j];
  }
  let note = stats ? "standardized with given feature statistics" : "standardized (feature-wise zero mean, unit variance)";
  if (constant > 0) note += `; ${constant} constant feature(s) only centered`;
  return { dataset: { ...ds, X, y: ds.y.slice(), labels: ds.labels?.slice(), meta: cloneMeta(ds.meta, note) }, stats: { mean, std } };
}

/**
 * Area-averaging weights for resampling a length-n axis to length m: output bin o covers
 * [o·n/m, (o+1)·n/m) in input pixel coordinates, and input pixel r gets weight
 * |[r, r+1) ∩ bin| / (n/m). Overlaps are computed in exact integer units (coordinates × m), so each
 * weight is one correctly rounded division; for integer ratios n/m every weight is exactly m/n.
 * The weights of each output sum to 1. CSR layout: output o uses entries start[o] … start[o+1]−1.
 */
export interface AxisBins {
  start: Int32Array;
  idx: Int32Array;
  w: Float64Array;
}

export function areaBins(n: number, m: number): AxisBins {
  const start = new Int32Array(m + 1);
  const idx: number[] = [];
  const w: number[] = [];
  for (let o = 0; o < m; o++) {
    start[o] = idx.length;
    const a = o * n; // bin [a, b) in units of 1/m input pixels
    const b = (o + 1) * n;
    const r0 = Math.floor(a / m);
    const r1 = Math.ceil(b / m);
    for (let r = r0; r < r1; r++) {
      const lo = Math.max(a, r * m);
      const hi = Math.min(b, (r + 1) * m);
      if (hi > lo) {
        idx.push(r);
        w.push((hi - lo) / n);
      }
    }
  }
  start[m] = idx.length;
  return { start, idx: Int32Array.from(idx), w: Float64Array.from(w) };
}

/**
 * Resamples `count` H×W images stored contiguously in `src` (starting at element `srcOff`, one every
 * H·W elements; the images to read may also be listed explicitly with `rows`) into h×w images in
 * `dst` (starting at 0), multiplying by `scale`. Separable: columns first into an H×w buffer, then
 * rows. `src` may be a Uint8Array (raw pixels) or a Float64Array.
 */
export function resampleImages(
  src: Uint8Array | Float64Array,
  rows: ArrayLike<number>,
  H: number,
  W: number,
  h: number,
  w: number,
  dst: Float64Array,
  scale = 1,
  srcOff = 0,
): void {
  const cb = areaBins(W, w);
  const rb = areaBins(H, h);
  const tmp = new Float64Array(H * w);
  const HW = H * W;
  const hw = h * w;
  const cStart = cb.start;
  const cIdx = cb.idx;
  const cW = cb.w;
  const rStart = rb.start;
  const rIdx = rb.idx;
  const rW = rb.w;
  for (let t = 0; t < rows.length; t++) {
    const base = srcOff + rows[t] * HW;
    for (let r = 0; r < H; r++) {
      const ro = base + r * W;
      const to = r * w;
      for (let j = 0; j < w; j++) {
        let s = 0;
        const e = cStart[j + 1];
        for (let q = cStart[j]; q < e; q++) s += cW[q] * src[ro + cIdx[q]];
        tmp[to + j] = s;
      }
    }
    const out = t * hw;
    for (let i = 0; i < h; i++) {
      const oo = out + i * w;
      const e = rStart[i + 1];
      for (let j = 0; j < w; j++) {
        let s = 0;
        for (let q = rStart[i]; q < e; q++) s += rW[q] * tmp[rIdx[q] * w + j];
        dst[oo + j] = s * scale;
      }
    }
  }
}

function checkSize(size: unknown, what: string): asserts size is [number, number] {
  if (!Array.isArray(size) || size.length !== 2 || !size.every((v) => Number.isInteger(v) && v >= 1)) {
    throw new InputError(`${what} must be [height, width] with positive integers, got ${JSON.stringify(size)}`);
  }
}

/**
 * Resizes every image (rows of X, shape `meta.imageShape` = H×W) to h×w by area averaging: output
 * pixel (i, j) is the mean of the input over the rectangle [i·H/h, (i+1)·H/h) × [j·W/w, (j+1)·W/w),
 * partial pixels weighted by their overlapping area (non-integer ratios such as 28 → 10 included).
 * For integer ratios this is the plain block mean. The image mean is preserved (every input pixel has
 * total weight (h·w)/(H·W)), and a constant image stays constant.
 */
export function downsample(ds: Dataset, size: [number, number]): Dataset {
  checkSize(size, "downsample size");
  const shape = ds.meta.imageShape;
  if (!shape) throw new InputError("has no meta.imageShape, so its rows cannot be treated as images", dsWhere(ds));
  const [H, W] = shape;
  if (H * W !== ds.D) throw new InputError(`meta.imageShape ${H}×${W} does not match D = ${ds.D}`, dsWhere(ds));
  const [h, w] = size;
  const X = new Float64Array(ds.P * h * w);
  const rows = new Int32Array(ds.P);
  for (let i = 0; i < ds.P; i++) rows[i] = i;
  resampleImages(ds.X, rows, H, W, h, w, X);
  const meta = cloneMeta(ds.meta, `resized ${H}×${W} → ${h}×${w} (area averaging)`);
  meta.imageShape = [h, w];
  return { X, P: ds.P, D: h * w, y: ds.y.slice(), K: ds.K, labels: ds.labels?.slice(), meta };
}

/**
 * Gaussian random projection x ↦ Gᵀx/√D to D2 features, with G ∈ ℝ^{D×D2}, G_{ij} ~ N(0, 1) drawn
 * from `key` (so ⟨x'·x'⟩ ≈ (D2/D)·|x|² and inner products are preserved on average up to D2/D).
 * The result is no longer an image (meta.imageShape is dropped).
 */
export function randomProjection(ds: Dataset, D2: number, key: Key): Dataset {
  checkKey(key, "randomProjection");
  if (!Number.isInteger(D2) || D2 < 1) throw new InputError(`randomProjection: D2 must be a positive integer, got ${D2}`, dsWhere(ds));
  const { P, D } = ds;
  const G = normal(key, D * D2);
  const X = new Float64Array(P * D2);
  backend().gemm(false, false, P, D2, D, 1 / Math.sqrt(D), ds.X, D, G, D2, 0, X, D2);
  const meta = cloneMeta(ds.meta, `Gaussian random projection D = ${D} → ${D2}`);
  delete meta.imageShape;
  return { X, P, D: D2, y: ds.y.slice(), K: ds.K, labels: ds.labels?.slice(), meta };
}

/**
 * Random split into nTest test examples and P − nTest train examples (each half keeps dataset
 * order), from permutation(key, P): its first nTest entries form the test set.
 */
export function trainTestSplit(ds: Dataset, nTest: number, key: Key): SplitDataset {
  checkKey(key, "trainTestSplit");
  if (!Number.isInteger(nTest) || nTest < 1 || nTest >= ds.P) {
    throw new InputError(`trainTestSplit: nTest must be an integer in 1..${ds.P - 1}, got ${nTest}`, dsWhere(ds));
  }
  const perm = permutation(key, ds.P);
  const test = perm.slice(0, nTest).sort();
  const train = perm.slice(nTest).sort();
  const note = `random split: ${ds.P - nTest} train / ${nTest} test`;
  return {
    train: takeRows(ds, train, { name: `${ds.meta.name}-train`, notes: [...(ds.meta.notes ?? []), note] }),
    test: takeRows(ds, test, { name: `${ds.meta.name}-test`, notes: [...(ds.meta.notes ?? []), note] }),
  };
}
