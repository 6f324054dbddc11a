/**
 * `featurelab train`: train a finite MLP (paper C's BatchNorm network and variants) on a data file and
 * print per-epoch losses and accuracies and the final test metrics.
 */
import type { Command } from "commander";
import { type Dataset, isSplitDataset, loadDataFile } from "../../data/index.js";
import { InputError } from "../../engine/errors.js";
import { parseActivation } from "../../kernels/activations.js";
import { buildNetwork, type DType, type InitScheme, type Parameterization, parseArch } from "../../nn/layers.js";
import { type OptimizerName, parseSchedule } from "../../nn/optim.js";
import { type EpochRecord, initKey, type LossName, outputDim, type TrainData, train, trainDataFromDataset } from "../../nn/train.js";
import { choiceArg, emit, intAtLeast, note, numberArg, positiveArg, progress, withCommon } from "../common.js";

const nonNegative = (name: string) => (raw: string) => {
  const v = numberArg(name)(raw);
  if (v < 0) throw new InputError(`must be ≥ 0, got ${raw}`, `option ${name}`);
  return v;
};
const probability = (name: string) => (raw: string) => {
  const v = numberArg(name)(raw);
  if (!(v >= 0 && v < 1)) throw new InputError(`must be in [0, 1), got ${raw}`, `option ${name}`);
  return v;
};

interface TrainCliOptions {
  data?: string;
  y?: string;
  test?: string;
  arch: string;
  act: string;
  batchnorm?: boolean;
  dropout: number;
  optimizer: OptimizerName;
  lr: number;
  momentum: number;
  nesterov?: boolean;
  weightDecay: number;
  schedule: string;
  epochs: number;
  batch: number;
  loss: LossName;
  inputNoise: number;
  inputNoiseMode: "relative" | "absolute";
  labelNoise: number;
  labelNoiseMode: "resample" | "flip" | "gaussian";
  init: InitScheme;
  param: Parameterization;
  dtype: DType;
  earlyStop?: boolean;
  evalEvery: number;
  json?: boolean;
  quiet?: boolean;
  seed: number;
}

const pct = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? "     —" : `${(100 * v).toFixed(2).padStart(6)}`);
const num = (v: number | undefined) => (v === undefined ? "      —" : v.toPrecision(5).padStart(8));

export function register(program: Command): void {
  withCommon(program.command("train"))
    .description("train a finite MLP (Linear → [BatchNorm] → activation → [dropout]) and report per-epoch losses and accuracies")
    .option("--data <file>", "training data (.json {X,y} or {Xtrain,ytrain,Xtest,ytest}, .csv, .npy); `featurelab data prepare` writes one")
    .option("--y <file>", "targets .npy when --data is a .npy of inputs")
    .option("--test <file>", "test data file (default: the test part of --data, if it has one)")
    .option("--arch <spec>", "hidden widths: WIDTHxDEPTH (e.g. 100x7) or a comma list (e.g. 256,128)", "100x7")
    .option("--act <name>", "hidden activation (any of the registry, e.g. relu, leaky-relu:0.1, tanh, erf)", "relu")
    .option("--batchnorm", "BatchNorm1d on the input and after every hidden Linear (before the activation)")
    .option("--dropout <p>", "inverted dropout after every hidden activation", probability("--dropout"), 0)
    .option("--optimizer <name>", "sgd | adam | adamw", choiceArg("--optimizer", ["sgd", "adam", "adamw"] as const), "adam")
    .option("--lr <eta>", "learning rate", positiveArg("--lr"), 1e-3)
    .option("--momentum <mu>", "SGD momentum", nonNegative("--momentum"), 0)
    .option("--nesterov", "Nesterov momentum (SGD)")
    .option("--weight-decay <lambda>", "weight decay (L2 for sgd/adam, decoupled for adamw)", nonNegative("--weight-decay"), 0)
    .option("--schedule <spec>", "learning-rate schedule: constant | step:EVERY[:GAMMA] | cosine[:MINLR], optionally +warmup:EPOCHS", "constant")
    .option("--epochs <n>", "training epochs", intAtLeast("--epochs", 1), 20)
    .option("--batch <B>", "minibatch size (0 = full batch)", intAtLeast("--batch", 0), 0)
    .option("--loss <name>", "ce (softmax cross-entropy) | mse", choiceArg("--loss", ["ce", "mse"] as const), "ce")
    .option("--input-noise <s>", "input noise, re-drawn every step: X + s·std(X_batch)·N(0, I) (relative) or X + s·N(0, I)", nonNegative("--input-noise"), 0)
    .option("--input-noise-mode <mode>", "relative | absolute", choiceArg("--input-noise-mode", ["relative", "absolute"] as const), "relative")
    .option("--label-noise <s>", "label noise, re-drawn every step (resample/flip: a fraction; gaussian: a std)", nonNegative("--label-noise"), 0)
    .option(
      "--label-noise-mode <mode>",
      "resample (⌊s·B⌋ labels redrawn uniformly) | flip (each label w.p. s to another class) | gaussian (targets + s·N(0,1), mse)",
      choiceArg("--label-noise-mode", ["resample", "flip", "gaussian"] as const),
      "resample",
    )
    .option("--init <scheme>", "torch (U(±1/√fan_in), PyTorch's default) | gaussian", choiceArg("--init", ["torch", "gaussian"] as const), "torch")
    .option("--param <p>", "standard | ntk parameterization", choiceArg("--param", ["standard", "ntk"] as const), "standard")
    .option("--dtype <t>", "f32 | f64", choiceArg("--dtype", ["f32", "f64"] as const), "f32")
    .option("--early-stop", "stop when the epoch training loss < 1e-4 or changes by < 1e-10 (the paper authors' rule)")
    .option("--eval-every <n>", "evaluate the test set every n epochs", intAtLeast("--eval-every", 1), 1)
    .action((o: TrainCliOptions) => {
      if (!o.data) throw new InputError("missing --data FILE (a .json {X,y} or {Xtrain,ytrain,Xtest,ytest}, .csv or .npy file)", "option --data");
      const hidden = parseArch(o.arch);
      const act = parseActivation(o.act);
      const loaded = loadDataFile(o.data, { y: o.y });
      let trainDs: Dataset;
      let testDs: Dataset | undefined;
      if (isSplitDataset(loaded)) {
        trainDs = loaded.train;
        testDs = loaded.test;
      } else trainDs = loaded;
      if (o.test) {
        const t = loadDataFile(o.test);
        testDs = isSplitDataset(t) ? t.test : t;
      }
      const data: TrainData = trainDataFromDataset(trainDs, o.data);
      const test = testDs ? trainDataFromDataset(testDs, o.test ?? `${o.data} (test)`) : undefined;
      if (test && test.D !== data.D) throw new InputError(`test inputs have D = ${test.D}, training inputs D = ${data.D}`, o.test ?? o.data);
      if (test && o.loss === "ce" && test.labels && test.classes > data.classes) {
        throw new InputError(`test data has ${test.classes} classes, training data ${data.classes}`, o.test ?? o.data);
      }
      const K = outputDim(data, o.loss);
      const net = buildNetwork({
        inDim: data.D,
        hidden,
        outDim: K,
        act,
        batchNorm: !!o.batchnorm,
        dropout: o.dropout,
        init: o.init,
        parameterization: o.param,
        dtype: o.dtype,
        key: initKey(o.seed),
      });
      const bar = progress(o, o.epochs, "train");
      note(
        o,
        `training ${net.size} parameters: ${data.D} → ${hidden.join("-")} → ${K}, ${act.spec}${o.batchnorm ? ", batchnorm" : ""}${o.dropout ? `, dropout ${o.dropout}` : ""}; ${o.optimizer} lr ${o.lr}; P = ${data.P}${o.batch ? `, batch ${o.batch}` : ", full batch"}`,
      );
      let r: ReturnType<typeof train>;
      try {
        r = train(net, data, {
          epochs: o.epochs,
          batchSize: o.batch,
          loss: o.loss,
          optimizer: { name: o.optimizer, lr: o.lr, momentum: o.momentum, nesterov: !!o.nesterov, weightDecay: o.weightDecay },
          schedule: parseSchedule(o.schedule, o.epochs),
          seed: o.seed,
          inputNoise: o.inputNoise,
          inputNoiseMode: o.inputNoiseMode,
          labelNoise: o.labelNoise,
          labelNoiseMode: o.labelNoiseMode,
          earlyStop: o.earlyStop ? { lossBelow: 1e-4, deltaBelow: 1e-10 } : undefined,
          test,
          evalEvery: o.evalEvery,
          onEpoch: () => bar.tick(),
        });
      } finally {
        bar.stop();
      }
      const last = r.records[r.records.length - 1];
      const result = {
        config: {
          data: o.data,
          test: o.test ?? (test ? `${o.data} (test part)` : null),
          arch: hidden,
          act: act.spec,
          batchnorm: !!o.batchnorm,
          dropout: o.dropout,
          optimizer: o.optimizer,
          lr: o.lr,
          momentum: o.momentum,
          weightDecay: o.weightDecay,
          schedule: o.schedule,
          epochs: o.epochs,
          batch: o.batch || data.P,
          loss: o.loss,
          inputNoise: o.inputNoise,
          inputNoiseMode: o.inputNoiseMode,
          labelNoise: o.labelNoise,
          labelNoiseMode: o.labelNoiseMode,
          init: o.init,
          param: o.param,
          dtype: o.dtype,
          seed: o.seed,
          parameters: net.size,
        },
        epochs: r.records,
        final: { trainLoss: last.loss, trainAcc: last.trainAcc, testLoss: r.test?.loss ?? null, testAcc: r.test?.acc ?? null },
        stopped: r.stopped,
        seconds: r.seconds,
      };
      emit(o, result, () => {
        const lines = ["epoch     loss  train%  test loss  test%   time"];
        for (const e of r.records as EpochRecord[]) {
          lines.push(
            `${String(e.epoch).padStart(5)} ${num(e.loss)} ${pct(e.trainAcc)} ${num(e.testLoss)}  ${pct(e.testAcc)} ${e.seconds.toFixed(2).padStart(6)}s`,
          );
        }
        if (r.stopped) lines.push(`stopped early at epoch ${r.stopped.epoch}: ${r.stopped.reason}`);
        lines.push(
          r.test
            ? `final: train loss ${last.loss.toPrecision(5)}, test loss ${r.test.loss.toPrecision(5)}, test accuracy ${(100 * r.test.acc).toFixed(2)}%`
            : `final: train loss ${last.loss.toPrecision(5)}${Number.isNaN(last.trainAcc) ? "" : `, train accuracy ${(100 * last.trainAcc).toFixed(2)}%`} (no test data)`,
        );
        return lines.join("\n");
      });
    });
}
