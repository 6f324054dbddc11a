/**
 * Training loops for {@link Sequential} networks: full-batch or minibatch, seeded shuffling, dynamic
 * (re-drawn every step) input and label noise, cross-entropy or MSE loss, per-epoch records and
 * per-layer representations on a probe set at chosen epochs.
 *
 * ## Randomness
 * `key(seed)` is split once: `foldIn(root, 0)` is the initialisation key ({@link initKey}, used by
 * the caller to build the network) and `foldIn(root, 1)` the training key. For epoch e (1-based) the
 * epoch key is `foldIn(trainKey, e)`; the shuffle is `permutation(foldIn(epochKey, 0), P)`; step s
 * (0-based within the epoch) has the step key `foldIn(foldIn(epochKey, 1), s)`, from which dropout
 * (`foldIn(stepKey, 0)`, then per layer as in Sequential.forward), input noise (`foldIn(stepKey, 1)`)
 * and label noise (`foldIn(stepKey, 2)`, `foldIn(stepKey, 3)`) derive.
 *
 * ## Noise (paper C, brief §2.4 — drawn afresh every step, never a fixed corrupted copy)
 * - Input noise s, mode "relative" (default, as in the authors' code): X_b ← X_b + s·std(X_b)·Z with
 *   std(X_b) the scalar (unbiased) standard deviation over all entries of the clean batch and
 *   Z ~ N(0, I); mode "absolute": X_b ← X_b + s·Z.
 * - Label noise s, mode "resample" (default, authors' code): ⌊s·B⌋ distinct positions of the batch
 *   get a label drawn uniformly from all C classes (so a fraction s·(C−1)/C actually changes);
 *   "flip": every label independently with probability s is replaced by a uniformly drawn *different*
 *   class; "gaussian" (MSE only): targets ← targets + s·Z.
 * Training accuracy is counted against the clean labels.
 *
 * @module
 */

import type { Dataset } from "../data/dataset.js";
import { InputError, NumericalError } from "../engine/errors.js";
import { choice, foldIn, type Key, key as makeKey, normal, permutation, randint, uniform } from "../engine/random.js";
import { type Arr, alloc, countCorrect, crossEntropy, mseLoss, type Representation, type Sequential } from "./layers.js";
import { makeOptimizer, makeSchedule, type Optimizer, type OptimizerConfig, type ScheduleSpec } from "./optim.js";

/** Training or evaluation data in the form the loops use. */
export interface TrainData {
  /** P×D row-major inputs. */
  X: Float64Array | Float32Array;
  P: number;
  D: number;
  /** Class indices 0…C−1 (classification), or undefined for pure regression. */
  labels?: Int32Array;
  /** Number of classes C (0 for regression). */
  classes: number;
  /** P×T regression targets (MSE); for classification derived as one-hot when needed. */
  targets?: Float64Array;
  /** Width T of `targets`. */
  targetDim: number;
}

export type LossName = "ce" | "mse";

/**
 * A {@link Dataset} as {@link TrainData}: labels become indices into `meta.classes` (or the sorted
 * distinct labels); without labels a one-hot y gives them by arg-max and a ±1 y (K = 1) maps +1 ↦ 0,
 * −1 ↦ 1 (the pm1 encoding's class order). Non-finite inputs are an InputError naming row and column.
 */
export function trainDataFromDataset(ds: Dataset, where = `dataset '${ds.meta?.name ?? "?"}'`): TrainData {
  const { P, D, K } = ds;
  if (!(P >= 1) || !(D >= 1)) throw new InputError(`needs P ≥ 1 examples and D ≥ 1 features, got P=${P}, D=${D}`, where);
  for (let i = 0; i < P * D; i++) {
    if (!Number.isFinite(ds.X[i])) throw new InputError(`input row ${Math.floor(i / D) + 1}, column ${(i % D) + 1} is not finite (${ds.X[i]})`, where);
  }
  let labels: Int32Array | undefined;
  let classes = 0;
  if (ds.labels) {
    const cls = ds.meta.classes ?? [...new Set(Array.from(ds.labels))].sort((a, b) => a - b);
    const pos = new Map<number, number>();
    for (let k = 0; k < cls.length; k++) pos.set(cls[k], k);
    labels = new Int32Array(P);
    for (let i = 0; i < P; i++) {
      const k = pos.get(ds.labels[i]);
      if (k === undefined) throw new InputError(`label ${ds.labels[i]} of row ${i + 1} is not one of the classes [${cls.join(", ")}]`, where);
      labels[i] = k;
    }
    classes = cls.length;
  } else if (K > 1) {
    let onehot = true;
    labels = new Int32Array(P);
    for (let i = 0; i < P && onehot; i++) {
      let hot = -1;
      for (let k = 0; k < K; k++) {
        const v = ds.y[i * K + k];
        if (v === 1 && hot < 0) hot = k;
        else if (v !== 0) onehot = false;
      }
      if (hot < 0) onehot = false;
      labels[i] = hot;
    }
    if (onehot) classes = K;
    else labels = undefined;
  } else if (K === 1 && Array.prototype.every.call(ds.y, (v: number) => v === 1 || v === -1)) {
    labels = Int32Array.from(ds.y, (v) => (v === 1 ? 0 : 1));
    classes = 2;
  }
  return { X: ds.X, P, D, labels, classes, targets: ds.y, targetDim: K };
}

/** The network output width a loss needs for this data (C classes for CE, T targets for MSE). */
export function outputDim(data: TrainData, loss: LossName): number {
  if (loss === "ce") {
    if (!data.labels || data.classes < 2)
      throw new InputError("cross-entropy needs class labels with at least 2 classes (use --loss mse for regression targets)", "loss");
    return data.classes;
  }
  return data.targetDim;
}

/** Initialisation key for a seed (see the module's randomness section). */
export function initKey(seed: number): Key {
  return foldIn(makeKey(seed), 0);
}

/** Probe representations recorded at chosen epochs. */
export interface ProbeConfig {
  /** P_probe×D inputs (e.g. the clean training set). */
  X: Float64Array | Float32Array;
  n: number;
  /** Epochs after which to record (0 = at initialisation, before any step). */
  epochs: number[];
  /** "eval" (default: running BN statistics, no dropout) or "train" mode (BN batch statistics; dropout stays off). */
  mode?: "eval" | "train";
  /** Also record the raw input (layer −1). */
  includeInput?: boolean;
  /** Called with each record; when given, records are not kept in the result (saves memory). */
  onRecord?: (epoch: number, reps: Representation[]) => void;
}

export interface TrainConfig {
  epochs: number;
  /** Minibatch size; undefined, 0 or ≥ P: full batch (one step per epoch). */
  batchSize?: number;
  /** Default "ce". */
  loss?: LossName;
  /** Default Adam, lr 1e-3. */
  optimizer?: OptimizerConfig | Optimizer;
  /** Learning-rate schedule (t in epochs), default constant. */
  schedule?: ScheduleSpec;
  /** Seed of the training key (default 0), or an explicit training key. */
  seed?: number;
  key?: Key;
  /** Shuffle minibatches each epoch (default true; irrelevant for full batch). */
  shuffle?: boolean;
  inputNoise?: number;
  inputNoiseMode?: "relative" | "absolute";
  labelNoise?: number;
  labelNoiseMode?: "resample" | "flip" | "gaussian";
  /** Early stopping on the epoch-mean training loss (off unless given; the authors use lossBelow 1e-4, deltaBelow 1e-10). */
  earlyStop?: { lossBelow?: number; deltaBelow?: number };
  /** Test data evaluated (eval mode) every `evalEvery` epochs (default 1) and at the end. */
  test?: TrainData;
  evalEvery?: number;
  /** Also evaluate the clean training set in eval mode after each evaluated epoch. */
  evalTrain?: boolean;
  /** Test accuracy as the authors compute it: correct/(total + 1). */
  authorsAccuracy?: boolean;
  probe?: ProbeConfig;
  /** Called after every epoch (progress bars, logging). */
  onEpoch?: (r: EpochRecord) => void;
  /** Rows per evaluation chunk (default 4096). */
  evalChunk?: number;
}

export interface EpochRecord {
  /** 1-based epoch. */
  epoch: number;
  /** Mean training loss over the epoch's examples (train mode, noisy inputs/labels as used). */
  loss: number;
  /** Training accuracy during the epoch (train-mode outputs vs clean labels; NaN for regression). */
  trainAcc: number;
  testLoss?: number;
  testAcc?: number;
  /** Clean training set in eval mode (with `evalTrain`). */
  evalTrainLoss?: number;
  evalTrainAcc?: number;
  /** Learning rate at the epoch's last step. */
  lr: number;
  steps: number;
  seconds: number;
}

export interface TrainResult {
  records: EpochRecord[];
  /** Epochs actually run. */
  epochs: number;
  /** Why training ended early, or null. */
  stopped: { epoch: number; reason: string } | null;
  /** Final test metrics (eval mode), when test data was given. */
  test?: { loss: number; acc: number };
  /** Probe records (unless `probe.onRecord` consumed them). */
  representations: { epoch: number; reps: Representation[] }[];
  steps: number;
  seconds: number;
}

function checkData(d: TrainData, net: Sequential, loss: LossName, where: string): void {
  if (d.D !== net.inDim) throw new InputError(`inputs have D = ${d.D} features, the network expects ${net.inDim}`, where);
  if (d.X.length < d.P * d.D) throw new InputError(`X has ${d.X.length} values, needs P·D = ${d.P * d.D}`, where);
  const need = outputDim(d, loss);
  if (need !== net.outDim) throw new InputError(`the ${loss} loss needs ${need} outputs for this data, the network has ${net.outDim}`, where);
}

/** Copies rows `idx[from..from+n)` (or rows from..from+n when idx is null) of X into `out` (n×D, network dtype). */
function gather(X: Float64Array | Float32Array, D: number, idx: Int32Array | null, from: number, n: number, out: Arr): void {
  if (!idx) {
    out.set(X.subarray(from * D, (from + n) * D));
    return;
  }
  for (let i = 0; i < n; i++) {
    const r = idx[from + i];
    out.set(X.subarray(r * D, (r + 1) * D), i * D);
  }
}

/** Loss, gradient and correct count of one batch. */
function batchLoss(loss: LossName, out: Arr, n: number, K: number, labels: Int32Array | null, targets: Float64Array | null, grad: Arr): number {
  if (loss === "ce") return crossEntropy(out, n, K, labels as Int32Array, grad).loss;
  return mseLoss(out, n, K, targets as Float64Array, grad).loss;
}

function oneHotInto(labels: Int32Array, n: number, K: number, out: Float64Array): void {
  out.fill(0, 0, n * K);
  for (let i = 0; i < n; i++) out[i * K + labels[i]] = 1;
}

/**
 * Eval-mode loss and accuracy of a network on data (in chunks; the network's mode is restored).
 * Accuracy is NaN for regression data.
 */
export function evaluate(
  net: Sequential,
  data: TrainData,
  opts: { loss?: LossName; chunk?: number; authorsAccuracy?: boolean } = {},
): { loss: number; acc: number } {
  const loss = opts.loss ?? "ce";
  checkData(data, net, loss, "evaluate");
  const chunk = Math.max(1, Math.min(opts.chunk ?? 4096, data.P));
  const K = net.outDim;
  const was = net.training;
  net.eval();
  const xb = alloc(net.dtype, chunk * data.D);
  const grad = alloc(net.dtype, chunk * K);
  const tb = loss === "mse" ? new Float64Array(chunk * K) : null;
  let total = 0;
  let correct = 0;
  try {
    for (let from = 0; from < data.P; from += chunk) {
      const n = Math.min(chunk, data.P - from);
      const x = xb.subarray(0, n * data.D) as Arr;
      gather(data.X, data.D, null, from, n, x);
      const out = net.forward(x, n);
      const labels = data.labels ? data.labels.subarray(from, from + n) : null;
      if (tb) {
        if (data.targets) tb.set(data.targets.subarray(from * K, (from + n) * K));
        else oneHotInto(labels as Int32Array, n, K, tb);
      }
      total += n * batchLoss(loss, out, n, K, labels, tb, grad);
      if (labels) correct += countCorrect(out, n, K, labels);
    }
  } finally {
    net.train(was);
  }
  const acc = data.labels ? correct / (data.P + (opts.authorsAccuracy ? 1 : 0)) : Number.NaN;
  return { loss: total / data.P, acc };
}

function validateConfig(cfg: TrainConfig, data: TrainData, loss: LossName): void {
  const w = "train";
  if (!Number.isInteger(cfg.epochs) || cfg.epochs < 1) throw new InputError(`epochs must be an integer ≥ 1, got ${cfg.epochs}`, w);
  if (cfg.batchSize !== undefined && !(Number.isInteger(cfg.batchSize) && cfg.batchSize >= 0))
    throw new InputError(`batch size must be an integer ≥ 1 (0 = full batch), got ${cfg.batchSize}`, w);
  const s = cfg.inputNoise ?? 0;
  if (!(s >= 0) || !Number.isFinite(s)) throw new InputError(`input noise must be a finite number ≥ 0, got ${s}`, w);
  const l = cfg.labelNoise ?? 0;
  const lm = cfg.labelNoiseMode ?? "resample";
  if (!["resample", "flip", "gaussian"].includes(lm)) throw new InputError(`unknown label-noise mode "${lm}" (resample | flip | gaussian)`, w);
  if (!["relative", "absolute"].includes(cfg.inputNoiseMode ?? "relative"))
    throw new InputError(`unknown input-noise mode "${cfg.inputNoiseMode}" (relative | absolute)`, w);
  if (lm === "gaussian") {
    if (!(l >= 0) || !Number.isFinite(l)) throw new InputError(`Gaussian label noise must be a finite std ≥ 0, got ${l}`, w);
    if (l > 0 && loss !== "mse") throw new InputError("Gaussian label noise needs the mse loss", w);
  } else {
    if (!(l >= 0 && l <= 1)) throw new InputError(`label noise must be a fraction in [0, 1], got ${l}`, w);
    if (l > 0 && !data.labels) throw new InputError("label noise needs class labels", w);
  }
  if (cfg.evalEvery !== undefined && !(Number.isInteger(cfg.evalEvery) && cfg.evalEvery >= 1))
    throw new InputError(`evalEvery must be an integer ≥ 1, got ${cfg.evalEvery}`, w);
  if (cfg.probe) {
    for (const e of cfg.probe.epochs) {
      if (!Number.isInteger(e) || e < 0 || e > cfg.epochs) throw new InputError(`probe epoch ${e} is not in 0..${cfg.epochs}`, w);
    }
    if (cfg.probe.X.length < cfg.probe.n * data.D) throw new InputError(`probe X has ${cfg.probe.X.length} values, needs ${cfg.probe.n}×${data.D}`, w);
  }
}

/**
 * Trains `net` in place on `data`. Throws {@link NumericalError} naming the epoch and step when the
 * loss (or a parameter) becomes non-finite, and {@link InputError} for bad configuration or data.
 */
export function train(net: Sequential, data: TrainData, cfg: TrainConfig): TrainResult {
  const loss = cfg.loss ?? "ce";
  if (loss !== "ce" && loss !== "mse") throw new InputError(`unknown loss "${String(loss)}" (ce | mse)`, "train");
  checkData(data, net, loss, "training data");
  if (cfg.test) checkData(cfg.test, net, loss, "test data");
  validateConfig(cfg, data, loss);
  const { P, D } = data;
  const K = net.outDim;
  const B = cfg.batchSize && cfg.batchSize < P ? cfg.batchSize : P;
  const stepsPerEpoch = Math.ceil(P / B);
  const opt: Optimizer =
    cfg.optimizer && "step" in cfg.optimizer ? cfg.optimizer : makeOptimizer((cfg.optimizer as OptimizerConfig | undefined) ?? { name: "adam", lr: 1e-3 });
  const schedule = makeSchedule(opt.lr, cfg.schedule);
  const trainKey = cfg.key ?? foldIn(makeKey(cfg.seed ?? 0), 1);
  const inNoise = cfg.inputNoise ?? 0;
  const inMode = cfg.inputNoiseMode ?? "relative";
  const lNoise = cfg.labelNoise ?? 0;
  const lMode = cfg.labelNoiseMode ?? "resample";
  const hasBN = net.layers.some((l) => l.kind === "batchnorm");
  if (hasBN && B < 2)
    throw new InputError(`batch size ${B} cannot train a network with BatchNorm (it normalises over the batch; use ≥ 2 or 0 = full batch)`, "train");
  const evalEvery = cfg.evalEvery ?? 1;
  const probeEpochs = new Set(cfg.probe?.epochs ?? []);
  const needMseTargets = loss === "mse";
  // ±1 targets of a two-class task (K = 1): label noise flips their sign.
  const pm1 =
    K === 1 &&
    data.classes === 2 &&
    !!data.labels &&
    !!data.targets &&
    Array.prototype.every.call(data.targets.subarray(0, P), (v: number) => v === 1 || v === -1);

  const xb = alloc(net.dtype, B * D);
  const grad = alloc(net.dtype, B * K);
  const lb = new Int32Array(B);
  const cleanLb = new Int32Array(B);
  const tb = needMseTargets ? new Float64Array(B * K) : null;
  const records: EpochRecord[] = [];
  const representations: { epoch: number; reps: Representation[] }[] = [];
  let stopped: TrainResult["stopped"] = null;
  let prevLoss = Number.NaN;
  let steps = 0;
  const t0 = performance.now();

  const probeX = cfg.probe ? toNet(cfg.probe.X, cfg.probe.n * D, net.dtype) : null;
  const probeFn = (epoch: number) => {
    const p = cfg.probe;
    if (!p || !probeX || !probeEpochs.has(epoch)) return;
    let reps: Representation[];
    if ((p.mode ?? "eval") === "eval") reps = net.representations(probeX, p.n, { eval: true, includeInput: p.includeInput });
    else {
      // Train mode (BatchNorm batch statistics) with dropout switched off.
      net.train();
      const dropouts = net.layers.filter((l) => l.kind === "dropout");
      for (const l of dropouts) l.training = false;
      try {
        reps = net.representations(probeX, p.n, { includeInput: p.includeInput });
      } finally {
        net.train();
      }
    }
    if (p.onRecord) p.onRecord(epoch, reps);
    else representations.push({ epoch, reps });
  };
  net.train();
  probeFn(0);
  return trainLoop();

  function trainLoop(): TrainResult {
    let epochsRun = 0;
    for (let epoch = 1; epoch <= cfg.epochs; epoch++) {
      const te = performance.now();
      const ek = foldIn(trainKey, epoch);
      const perm = B < P && (cfg.shuffle ?? true) ? permutation(foldIn(ek, 0), P) : null;
      const skRoot = foldIn(ek, 1);
      let lossSum = 0;
      let correct = 0;
      let counted = 0;
      let lr = opt.lr;
      net.train();
      for (let s = 0; s < stepsPerEpoch; s++) {
        const from = s * B;
        const n = Math.min(B, P - from);
        if (n < 2 && hasBN) continue; // BatchNorm cannot normalise a single row (PyTorch raises); skip it.
        const sk = foldIn(skRoot, s);
        const x = xb.subarray(0, n * D) as Arr;
        gather(data.X, D, perm, from, n, x);
        if (inNoise > 0) addInputNoise(x, n * D, inNoise, inMode, foldIn(sk, 1));
        // labels (clean and noisy) and targets
        if (data.labels) {
          for (let i = 0; i < n; i++) cleanLb[i] = data.labels[perm ? perm[from + i] : from + i];
          lb.set(cleanLb.subarray(0, n));
          if (lNoise > 0 && lMode !== "gaussian") addLabelNoise(lb, n, data.classes, lNoise, lMode, sk);
        }
        if (tb) {
          if (data.labels && data.classes === K) oneHotInto(lb, n, K, tb);
          else if (pm1) for (let i = 0; i < n; i++) tb[i] = lb[i] === 0 ? 1 : -1;
          else fillTargets(data.targets as Float64Array, perm, from, n, K, tb);
          if (lNoise > 0 && lMode === "gaussian") {
            const z = normal(foldIn(sk, 2), n * K);
            for (let i = 0; i < n * K; i++) tb[i] += lNoise * z[i];
          }
        }
        lr = schedule(epoch - 1 + s / stepsPerEpoch, stepsPerEpoch);
        opt.lr = lr;
        const out = net.forward(x, n, { key: foldIn(sk, 0) });
        const g = grad.subarray(0, n * K) as Arr;
        const l = batchLoss(loss, out, n, K, lb, tb, g);
        if (!Number.isFinite(l)) {
          throw new NumericalError(
            `training diverged at epoch ${epoch} (step ${s + 1} of ${stepsPerEpoch}): loss is ${l}; try a smaller learning rate than ${lr}`,
          );
        }
        if (data.labels) correct += countCorrect(out, n, K, cleanLb);
        lossSum += l * n;
        counted += n;
        net.backward(g, n);
        opt.step(net.values, net.grads);
        steps++;
      }
      if (!checkFinite(net.values)) throw new NumericalError(`training diverged at epoch ${epoch}: a parameter became non-finite (lr ${lr})`);
      epochsRun = epoch;
      const rec: EpochRecord = {
        epoch,
        loss: lossSum / Math.max(counted, 1),
        trainAcc: data.labels ? correct / Math.max(counted, 1) : Number.NaN,
        lr,
        steps: stepsPerEpoch,
        seconds: (performance.now() - te) / 1000,
      };
      const last = epoch === cfg.epochs;
      if (cfg.test && (epoch % evalEvery === 0 || last)) {
        const r = evaluate(net, cfg.test, { loss, chunk: cfg.evalChunk, authorsAccuracy: cfg.authorsAccuracy });
        rec.testLoss = r.loss;
        rec.testAcc = r.acc;
      }
      if (cfg.evalTrain && (epoch % evalEvery === 0 || last)) {
        const r = evaluate(net, data, { loss, chunk: cfg.evalChunk });
        rec.evalTrainLoss = r.loss;
        rec.evalTrainAcc = r.acc;
      }
      records.push(rec);
      probeFn(epoch);
      cfg.onEpoch?.(rec);
      const es = cfg.earlyStop;
      if (es) {
        if (es.lossBelow !== undefined && rec.loss < es.lossBelow) stopped = { epoch, reason: `training loss ${rec.loss} < ${es.lossBelow}` };
        else if (es.deltaBelow !== undefined && Math.abs(rec.loss - prevLoss) < es.deltaBelow)
          stopped = { epoch, reason: `training loss changed by < ${es.deltaBelow}` };
      }
      prevLoss = rec.loss;
      if (stopped) break;
    }
    let test: TrainResult["test"];
    if (cfg.test) {
      const lastRec = records[records.length - 1];
      test =
        lastRec.testLoss !== undefined
          ? { loss: lastRec.testLoss, acc: lastRec.testAcc as number }
          : evaluate(net, cfg.test, { loss, chunk: cfg.evalChunk, authorsAccuracy: cfg.authorsAccuracy });
    }
    return { records, epochs: epochsRun, stopped, test, representations, steps, seconds: (performance.now() - t0) / 1000 };
  }
}

function toNet(X: Float64Array | Float32Array, len: number, dtype: "f32" | "f64"): Arr {
  if ((dtype === "f32" && X instanceof Float32Array) || (dtype === "f64" && X instanceof Float64Array)) return X;
  const out = alloc(dtype, len);
  out.set(X.subarray(0, len));
  return out;
}

function checkFinite(a: Arr): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return false;
  return true;
}

function fillTargets(T: Float64Array, perm: Int32Array | null, from: number, n: number, K: number, out: Float64Array): void {
  for (let i = 0; i < n; i++) {
    const r = perm ? perm[from + i] : from + i;
    for (let k = 0; k < K; k++) out[i * K + k] = T[r * K + k];
  }
}

/** X ← X + s·c·Z, c = std(X) (unbiased, over all entries) for "relative", 1 for "absolute". */
export function addInputNoise(x: Arr, len: number, s: number, mode: "relative" | "absolute", k: Key): void {
  let c = 1;
  if (mode === "relative") {
    let m = 0;
    for (let i = 0; i < len; i++) m += x[i];
    m /= len;
    let v = 0;
    for (let i = 0; i < len; i++) v += (x[i] - m) ** 2;
    c = len > 1 ? Math.sqrt(v / (len - 1)) : 0;
  }
  const z = normal(k, len);
  const a = s * c;
  for (let i = 0; i < len; i++) x[i] += a * z[i];
}

/**
 * Label noise in place on lb[0..n): "resample" — ⌊s·n⌋ distinct positions (choice) get uniform labels
 * in 0..C−1; "flip" — each label with probability s becomes a uniformly drawn different class.
 */
export function addLabelNoise(lb: Int32Array, n: number, C: number, s: number, mode: "resample" | "flip", sk: Key): void {
  if (mode === "resample") {
    const m = Math.floor(s * n);
    if (m === 0) return;
    const pos = choice(foldIn(sk, 2), n, m);
    const nl = randint(foldIn(sk, 3), m, 0, C);
    for (let i = 0; i < m; i++) lb[pos[i]] = nl[i];
    return;
  }
  const u = uniform(foldIn(sk, 2), n);
  const r = randint(foldIn(sk, 3), n, 0, C - 1);
  for (let i = 0; i < n; i++) {
    if (u[i] < s) lb[i] = r[i] >= lb[i] ? r[i] + 1 : r[i];
  }
}
