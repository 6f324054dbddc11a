/**
 * The one in-memory dataset type of featurelab, and its validation.
 *
 * A dataset is P examples x^μ ∈ ℝ^D (rows of the P×D row-major matrix X) with targets y^μ ∈ ℝ^K
 * (rows of the P×K row-major matrix y). Classification tasks also carry the integer class label of
 * every example (`labels`) and the list of classes (`meta.classes`, in the order that defines the
 * target encoding, e.g. the first class ↦ +1 for a binary ±1 task).
 */
import { InputError } from "../engine/errors.js";

export interface DatasetMeta {
  /** Short name used in messages, e.g. `mnist-train`. */
  name: string;
  /** Where the data came from: a file path, `synthetic:linearTeacher`, … */
  source: string;
  /** Image height × width when every row of X is a flattened (row-major) single-channel image. */
  imageShape?: [number, number];
  /** The classes, in the order that defines the target encoding. */
  classes?: number[];
  /** Free-form provenance notes, appended by each preprocessing step. */
  notes?: string[];
}

export interface Dataset {
  /** P×D row-major inputs. */
  X: Float64Array;
  P: number;
  D: number;
  /** P×K row-major targets. */
  y: Float64Array;
  K: number;
  /** Class label of every example, when the task is a classification. */
  labels?: Int32Array;
  meta: DatasetMeta;
}

export interface SplitDataset {
  train: Dataset;
  test: Dataset;
}

/** True when `d` is a {@link SplitDataset} (has `train` and `test`) rather than a {@link Dataset}. */
export function isSplitDataset(d: Dataset | SplitDataset): d is SplitDataset {
  return (d as SplitDataset).train !== undefined && (d as SplitDataset).test !== undefined;
}

function describeValue(v: number): string {
  return Number.isNaN(v) ? "NaN" : v > 0 ? "Inf" : "-Inf";
}

/**
 * Checks every invariant of a {@link Dataset} and throws an {@link InputError} (prefixed by `where`,
 * e.g. a file path or the dataset name) naming the first violation: P = 0, D = 0, K = 0, wrong array
 * lengths, a non-finite entry of X or y (by 1-based row and column), a label count ≠ P, an image
 * shape whose area ≠ D.
 */
export function validateDataset(ds: Dataset, where: string = `dataset '${ds?.meta?.name ?? "?"}'`): void {
  const isCount = (n: unknown): n is number => typeof n === "number" && Number.isInteger(n) && n >= 0;
  if (!isCount(ds.P) || !isCount(ds.D) || !isCount(ds.K)) {
    throw new InputError(`P, D and K must be non-negative integers (got P=${ds.P}, D=${ds.D}, K=${ds.K})`, where);
  }
  if (ds.P === 0) throw new InputError("the dataset has no examples (P = 0)", where);
  if (ds.D === 0) throw new InputError("the examples have no features (D = 0)", where);
  if (ds.K === 0) throw new InputError("the targets have no columns (K = 0)", where);
  if (!(ds.X instanceof Float64Array)) throw new InputError("X must be a Float64Array", where);
  if (!(ds.y instanceof Float64Array)) throw new InputError("y must be a Float64Array", where);
  if (ds.X.length !== ds.P * ds.D) {
    throw new InputError(`X has ${ds.X.length} entries, expected P×D = ${ds.P}×${ds.D} = ${ds.P * ds.D}`, where);
  }
  if (ds.y.length !== ds.P * ds.K) {
    throw new InputError(`y has ${ds.y.length} entries, expected P×K = ${ds.P}×${ds.K} = ${ds.P * ds.K}`, where);
  }
  const { X, y, D, K } = ds;
  for (let i = 0; i < X.length; i++) {
    const v = X[i];
    if (v - v !== 0) {
      throw new InputError(`X row ${Math.floor(i / D) + 1}, column ${(i % D) + 1} is ${describeValue(v)}`, where);
    }
  }
  for (let i = 0; i < y.length; i++) {
    const v = y[i];
    if (v - v !== 0) {
      throw new InputError(`y row ${Math.floor(i / K) + 1}, column ${(i % K) + 1} is ${describeValue(v)}`, where);
    }
  }
  if (ds.labels !== undefined) {
    if (!(ds.labels instanceof Int32Array)) throw new InputError("labels must be an Int32Array", where);
    if (ds.labels.length !== ds.P) throw new InputError(`labels has ${ds.labels.length} entries, expected P = ${ds.P}`, where);
  }
  const shape = ds.meta?.imageShape;
  if (shape !== undefined) {
    if (shape.length !== 2 || !(shape[0] >= 1) || !(shape[1] >= 1) || !Number.isInteger(shape[0]) || !Number.isInteger(shape[1])) {
      throw new InputError(`meta.imageShape must be two positive integers (got [${shape.join(", ")}])`, where);
    }
    if (shape[0] * shape[1] !== ds.D) {
      throw new InputError(`meta.imageShape ${shape[0]}×${shape[1]} = ${shape[0] * shape[1]} pixels does not match D = ${ds.D}`, where);
    }
  }
}

/** Validates both halves of a {@link SplitDataset} and checks that they share D and K. */
export function validateSplitDataset(ds: SplitDataset, where: string): void {
  validateDataset(ds.train, `${where} (train)`);
  validateDataset(ds.test, `${where} (test)`);
  if (ds.train.D !== ds.test.D) throw new InputError(`train has D = ${ds.train.D} features but test has D = ${ds.test.D}`, where);
  if (ds.train.K !== ds.test.K) throw new InputError(`train has K = ${ds.train.K} target columns but test has K = ${ds.test.K}`, where);
}

/** Sorted distinct values of a label array. */
export function uniqueLabels(labels: ArrayLike<number>): number[] {
  const set = new Set<number>();
  for (let i = 0; i < labels.length; i++) set.add(labels[i]);
  return [...set].sort((a, b) => a - b);
}

/** The classes of a classification dataset: `meta.classes` when set, else the distinct labels; `[]` without labels. */
export function datasetClasses(ds: Dataset): number[] {
  if (ds.meta.classes !== undefined) return ds.meta.classes.slice();
  return ds.labels ? uniqueLabels(ds.labels) : [];
}

/** Human-readable list of classes: `0..6` for a contiguous integer range, else `1, 3, 8`. */
export function formatClasses(classes: number[]): string {
  if (classes.length === 0) return "none";
  const s = classes.slice().sort((a, b) => a - b);
  const contiguous = s.length > 2 && s.every((c, i) => c === s[0] + i);
  return contiguous ? `${s[0]}..${s[s.length - 1]}` : s.join(", ");
}

/**
 * Labels inferred from a K = 1 target vector when every value is an integer (then the task may be a
 * classification), else undefined.
 */
export function integerLabels(y: Float64Array): Int32Array | undefined {
  for (let i = 0; i < y.length; i++) {
    const v = y[i];
    if (!Number.isInteger(v) || Math.abs(v) > 2 ** 31 - 1) return undefined;
  }
  return Int32Array.from(y);
}

/**
 * Labels inferred from a P×K one-hot target matrix (every row has one 1 and K−1 zeros): the column of
 * the 1. Undefined when y is not one-hot.
 */
export function oneHotLabels(y: Float64Array, P: number, K: number): Int32Array | undefined {
  if (K < 2) return undefined;
  const out = new Int32Array(P);
  for (let i = 0; i < P; i++) {
    let hot = -1;
    for (let k = 0; k < K; k++) {
      const v = y[i * K + k];
      if (v === 1) {
        if (hot >= 0) return undefined;
        hot = k;
      } else if (v !== 0) return undefined;
    }
    if (hot < 0) return undefined;
    out[i] = hot;
  }
  return out;
}

/** The rows `idx` of a dataset (in that order) as a new dataset with copied arrays. */
export function takeRows(ds: Dataset, idx: ArrayLike<number>, meta: Partial<DatasetMeta> = {}): Dataset {
  const { D, K } = ds;
  const n = idx.length;
  const X = new Float64Array(n * D);
  const y = new Float64Array(n * K);
  const labels = ds.labels ? new Int32Array(n) : undefined;
  for (let i = 0; i < n; i++) {
    const r = idx[i];
    X.set(ds.X.subarray(r * D, (r + 1) * D), i * D);
    if (K === 1) y[i] = ds.y[r];
    else y.set(ds.y.subarray(r * K, (r + 1) * K), i * K);
    if (labels) labels[i] = (ds.labels as Int32Array)[r];
  }
  return { X, P: n, D, y, K, labels, meta: { ...cloneMeta(ds.meta), ...meta } };
}

/** A copy of the meta with its own arrays, optionally with one more note. */
export function cloneMeta(meta: DatasetMeta, note?: string): DatasetMeta {
  const out: DatasetMeta = { name: meta.name, source: meta.source };
  if (meta.imageShape) out.imageShape = [meta.imageShape[0], meta.imageShape[1]];
  if (meta.classes) out.classes = meta.classes.slice();
  const notes = meta.notes ? meta.notes.slice() : [];
  if (note) notes.push(note);
  if (notes.length > 0) out.notes = notes;
  return out;
}
