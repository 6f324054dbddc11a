/**
 * JSON datasets:
 * - `{"X": [[…], …], "y": […]}` → a {@link Dataset};
 * - `{"Xtrain": …, "ytrain": …, "Xtest": …, "ytest": …}` → a {@link SplitDataset}.
 *
 * X is a P×D array of rows. y is a vector of P targets (K = 1) or a P×K matrix. Optional keys:
 * `name` (string) and `imageShape` ([h, w], with h·w = D). Integer targets (K = 1) and one-hot
 * matrices also give class labels (one-hot: the column index). Rows and columns in messages are
 * 1-based.
 */
import { InputError } from "../engine/errors.js";
import { type Dataset, integerLabels, oneHotLabels, type SplitDataset, uniqueLabels, validateDataset } from "./dataset.js";
import { baseName, readText } from "./files.js";

export interface JsonOptions {
  /** Dataset name (default: the `name` key, else the file name without extension). */
  name?: string;
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (typeof v === "string") return `the string ${JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}…` : v)}`;
  if (Array.isArray(v)) return "an array";
  return typeof v === "object" ? "an object" : String(v);
}

/** A numeric matrix from an array of equal-length arrays of finite numbers. */
function matrix(v: unknown, key: string, where: string): { data: Float64Array; rows: number; cols: number } {
  if (!Array.isArray(v)) throw new InputError(`'${key}' must be an array of rows, got ${describe(v)}`, where);
  const rows = v.length;
  if (rows === 0) throw new InputError(`'${key}' is empty (P = 0)`, where);
  if (!Array.isArray(v[0])) throw new InputError(`'${key}' row 1 must be an array of numbers, got ${describe(v[0])}`, where);
  const cols = (v[0] as unknown[]).length;
  if (cols === 0) throw new InputError(`'${key}' row 1 is empty (D = 0)`, where);
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const r = v[i];
    if (!Array.isArray(r)) throw new InputError(`'${key}' row ${i + 1} must be an array of numbers, got ${describe(r)}`, where);
    if (r.length !== cols) throw new InputError(`'${key}' row ${i + 1} has ${r.length} entries, expected ${cols}`, where);
    for (let j = 0; j < cols; j++) {
      const x = r[j];
      if (typeof x !== "number" || !Number.isFinite(x)) {
        throw new InputError(`'${key}' row ${i + 1}, column ${j + 1} is ${describe(x)}, not a finite number`, where);
      }
      data[i * cols + j] = x;
    }
  }
  return { data, rows, cols };
}

/** Targets: a vector of P numbers (K = 1) or a P×K matrix. */
function targets(v: unknown, key: string, where: string): { data: Float64Array; rows: number; cols: number; matrix: boolean } {
  if (!Array.isArray(v)) throw new InputError(`'${key}' must be an array (a vector or a matrix), got ${describe(v)}`, where);
  if (v.length > 0 && Array.isArray(v[0])) return { ...matrix(v, key, where), matrix: true };
  const data = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (typeof x !== "number" || !Number.isFinite(x)) throw new InputError(`'${key}' row ${i + 1} is ${describe(x)}, not a finite number`, where);
    data[i] = x;
  }
  return { data, rows: v.length, cols: 1, matrix: false };
}

function build(obj: Record<string, unknown>, xKey: string, yKey: string, name: string, where: string): Dataset {
  if (!(xKey in obj)) throw new InputError(`missing key '${xKey}'`, where);
  if (!(yKey in obj)) throw new InputError(`missing key '${yKey}'`, where);
  const X = matrix(obj[xKey], xKey, where);
  const y = targets(obj[yKey], yKey, where);
  if (y.rows !== X.rows) throw new InputError(`'${yKey}' has ${y.rows} rows but '${xKey}' has ${X.rows} rows`, where);
  let labels: Int32Array | undefined;
  let classes: number[] | undefined;
  if (y.cols === 1) {
    labels = integerLabels(y.data);
    if (labels) classes = uniqueLabels(labels);
  } else if (y.matrix) {
    labels = oneHotLabels(y.data, y.rows, y.cols);
    if (labels) classes = Array.from({ length: y.cols }, (_, k) => k);
  }
  const ds: Dataset = { X: X.data, P: X.rows, D: X.cols, y: y.data, K: y.cols, labels, meta: { name, source: where } };
  if (classes) ds.meta.classes = classes;
  if (obj.imageShape !== undefined) {
    const s = obj.imageShape;
    if (!Array.isArray(s) || s.length !== 2 || !s.every((t) => Number.isInteger(t) && t >= 1)) {
      throw new InputError(`'imageShape' must be [height, width] with positive integers, got ${JSON.stringify(s)}`, where);
    }
    if (s[0] * s[1] !== X.cols) throw new InputError(`'imageShape' ${s[0]}×${s[1]} does not match the ${X.cols} columns of '${xKey}'`, where);
    ds.meta.imageShape = [s[0], s[1]];
  }
  validateDataset(ds, where);
  return ds;
}

/** Parses JSON text (see the module comment); `where` (usually the path) prefixes every error. */
export function parseJsonDataset(text: string, where: string, opts: JsonOptions = {}): Dataset | SplitDataset {
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (e) {
    throw new InputError(`invalid JSON (${(e as Error).message.replace(/\s+/g, " ")})`, where);
  }
  if (obj === null || typeof obj !== "object" || Array.isArray(obj)) {
    throw new InputError(`expected an object with keys X and y (or Xtrain, ytrain, Xtest, ytest), got ${describe(obj)}`, where);
  }
  const o = obj as Record<string, unknown>;
  const name = opts.name ?? (typeof o.name === "string" ? o.name : baseName(where));
  const split = ["Xtrain", "ytrain", "Xtest", "ytest"].some((k) => k in o);
  if (split) {
    if ("X" in o || "y" in o) throw new InputError("has both X/y and Xtrain/ytrain/Xtest/ytest keys; use one layout", where);
    const train = build(o, "Xtrain", "ytrain", `${name}-train`, where);
    const test = build(o, "Xtest", "ytest", `${name}-test`, where);
    if (train.D !== test.D) throw new InputError(`'Xtrain' has ${train.D} columns but 'Xtest' has ${test.D}`, where);
    if (train.K !== test.K) throw new InputError(`'ytrain' has ${train.K} columns but 'ytest' has ${test.K}`, where);
    if (train.labels && test.labels && train.meta.classes && test.meta.classes && train.K === 1) {
      const all = uniqueLabels([...train.meta.classes, ...test.meta.classes]);
      train.meta.classes = all;
      test.meta.classes = all.slice();
    }
    return { train, test };
  }
  if (!("X" in o) && !("y" in o)) throw new InputError("has neither X/y nor Xtrain/ytrain/Xtest/ytest keys", where);
  return build(o, "X", "y", name, where);
}

/** Reads a JSON dataset file (see the module comment). */
export function loadJson(path: string, opts: JsonOptions = {}): Dataset | SplitDataset {
  return parseJsonDataset(readText(path), path, opts);
}
