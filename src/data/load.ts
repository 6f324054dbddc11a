/**
 * One entry point for user data files, dispatching on the extension:
 * - `.csv`  → {@link loadCsv} (a Dataset);
 * - `.json` → {@link loadJson} (a Dataset, or a SplitDataset for the Xtrain/ytrain/Xtest/ytest layout);
 * - `.npy`  → X from this file (P×D, or P×H×W images) and y from `opts.y` (P or P×K).
 */
import { extname } from "node:path";
import { InputError } from "../engine/errors.js";
import { type CsvOptions, loadCsv } from "./csv.js";
import { type Dataset, integerLabels, oneHotLabels, type SplitDataset, uniqueLabels, validateDataset } from "./dataset.js";
import { baseName } from "./files.js";
import { loadJson } from "./json.js";
import { loadNpy } from "./npy.js";

export interface LoadOptions extends CsvOptions {
  /** For a `.npy` X file: the `.npy` file of the targets (required). */
  y?: string;
}

/** X from `xPath` (2-d P×D or 3-d P×H×W) and y from `yPath` (1-d P or 2-d P×K), both `.npy`. */
export function loadNpyDataset(xPath: string, yPath: string, opts: { name?: string } = {}): Dataset {
  const x = loadNpy(xPath);
  const y = loadNpy(yPath);
  let D: number;
  let imageShape: [number, number] | undefined;
  if (x.shape.length === 2) D = x.shape[1];
  else if (x.shape.length === 3) {
    D = x.shape[1] * x.shape[2];
    imageShape = [x.shape[1], x.shape[2]];
  } else {
    throw new InputError(`X must be 2-d (P×D) or 3-d (P×H×W images), got shape (${x.shape.join(", ")})`, xPath);
  }
  const P = x.shape[0];
  let K: number;
  if (y.shape.length === 1) K = 1;
  else if (y.shape.length === 2) K = y.shape[1];
  else throw new InputError(`y must be 1-d (P) or 2-d (P×K), got shape (${y.shape.join(", ")})`, yPath);
  if (y.shape[0] !== P) throw new InputError(`y has ${y.shape[0]} rows but X (${xPath}) has ${P} rows`, yPath);
  const ds: Dataset = {
    X: x.data,
    P,
    D,
    y: y.data,
    K,
    meta: { name: opts.name ?? baseName(xPath), source: `${xPath} + ${yPath}` },
  };
  if (imageShape) ds.meta.imageShape = imageShape;
  validateDataset(ds, xPath);
  const labels = K === 1 ? integerLabels(y.data) : oneHotLabels(y.data, P, K);
  if (labels) {
    ds.labels = labels;
    ds.meta.classes = K === 1 ? uniqueLabels(labels) : Array.from({ length: K }, (_, k) => k);
  }
  return ds;
}

/**
 * Loads a dataset file by extension (.csv, .json, .npy; see the module comment). Every problem is an
 * InputError naming the file (and the row/column/key where relevant).
 */
export function loadDataFile(path: string, opts: LoadOptions = {}): Dataset | SplitDataset {
  const ext = extname(path).toLowerCase();
  switch (ext) {
    case ".csv": {
      const ds = loadCsv(path, opts);
      validateDataset(ds, path);
      return ds;
    }
    case ".json":
      return loadJson(path, { name: opts.name });
    case ".npy":
      if (!opts.y) throw new InputError("a .npy X file needs its targets in a second .npy file (the y option)", path);
      return loadNpyDataset(path, opts.y, { name: opts.name });
    case ".npz":
      throw new InputError("unsupported file type '.npz': save X and y as two .npy files (numpy.save) and pass y separately", path);
    default:
      throw new InputError(`unsupported file type '${ext || "(none)"}' (supported: .csv, .json, .npy)`, path);
  }
}
