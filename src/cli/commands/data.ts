/**
 * `featurelab data`: validate and summarise data files, and prepare train/test files from MNIST,
 * Fashion-MNIST, a user file or a synthetic task, in the {"Xtrain","ytrain","Xtest","ytest"} JSON
 * form every other command reads.
 */
import type { Command } from "commander";
import {
  type Dataset,
  gaussianMixture,
  isSplitDataset,
  linearTeacher,
  loadDataFile,
  mnistBinary,
  oneHiddenLayerTeacher,
  perClass,
  randomLabels,
  randomProjection,
  type SplitDataset,
  selectClasses,
  signTeacher,
  standardize,
  tanhTeacher,
  trainTestSplit,
  xor,
} from "../../data/index.js";
import { InputError } from "../../engine/errors.js";
import { writeFileAtomic } from "../../engine/fsutil.js";
import { key, split } from "../../engine/random.js";
import { choiceArg, emit, intAtLeast, numberArg, numberListArg, withCommon } from "../common.js";

/** Summary statistics of one dataset, for `data inspect`. */
export function summarize(ds: Dataset) {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let sum = 0;
  for (let i = 0; i < ds.X.length; i++) {
    const v = ds.X[i];
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  const counts: Record<string, number> = {};
  if (ds.labels) for (const l of ds.labels) counts[l] = (counts[l] ?? 0) + 1;
  let ymin = Number.POSITIVE_INFINITY;
  let ymax = Number.NEGATIVE_INFINITY;
  for (const v of ds.y) {
    ymin = Math.min(ymin, v);
    ymax = Math.max(ymax, v);
  }
  return {
    name: ds.meta.name,
    P: ds.P,
    D: ds.D,
    K: ds.K,
    imageShape: ds.meta.imageShape ?? null,
    classCounts: ds.labels ? counts : null,
    X: { min, max, mean: ds.X.length ? sum / ds.X.length : 0 },
    y: { min: ymin, max: ymax },
  };
}

const SOURCES = ["mnist", "fashion", "linear-teacher", "1hl-teacher", "sign-teacher", "tanh-teacher", "mixture", "xor", "random-labels"] as const;

function parseSize(raw: string): [number, number] {
  const m = /^(\d+)x(\d+)$/.exec(raw);
  if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) throw new InputError(`expected HxW such as 10x10, got '${raw}'`, "option --size");
  return [Number(m[1]), Number(m[2])];
}

/** Writes a split dataset as {"Xtrain","ytrain","Xtest","ytest","meta"} (rows as arrays; y as a vector when K = 1). */
export function splitToJson(s: SplitDataset): string {
  const rows = (X: Float64Array, P: number, D: number) => Array.from({ length: P }, (_, i) => Array.from(X.subarray(i * D, (i + 1) * D)));
  const ys = (d: Dataset) => (d.K === 1 ? Array.from(d.y) : rows(d.y, d.P, d.K));
  return JSON.stringify({
    Xtrain: rows(s.train.X, s.train.P, s.train.D),
    ytrain: ys(s.train),
    Xtest: rows(s.test.X, s.test.P, s.test.D),
    ytest: ys(s.test),
    meta: { train: s.train.meta, test: s.test.meta },
  });
}

export function register(program: Command): void {
  const data = program.command("data").description("inspect data files and prepare train/test sets");

  withCommon(data.command("inspect"))
    .description("validate a data file (.csv, .json, .npy) and print its shape, classes and ranges")
    .argument("<file>", "the data file (for .npy, give the targets with --y)")
    .option("--y <file>", "the .npy file of the targets, when FILE is a .npy of inputs")
    .option("--label-column <col>", "CSV: the target column (index, negative index or header name; default last)")
    .action((file: string, o) => {
      const ds = loadDataFile(file, { y: o.y, labelColumn: o.labelColumn });
      const result = isSplitDataset(ds) ? { file, train: summarize(ds.train), test: summarize(ds.test) } : { file, ...summarize(ds) };
      emit(o, result, () => {
        const line = (s: ReturnType<typeof summarize>, tag: string) =>
          `${tag}P=${s.P} D=${s.D} K=${s.K}${s.classCounts ? ` classes ${JSON.stringify(s.classCounts)}` : ""} X∈[${s.X.min.toPrecision(4)}, ${s.X.max.toPrecision(4)}] y∈[${s.y.min.toPrecision(4)}, ${s.y.max.toPrecision(4)}]`;
        return isSplitDataset(ds)
          ? `${file}\n${line(summarize(ds.train), "train: ")}\n${line(summarize(ds.test), "test:  ")}`
          : `${file}\n${line(summarize(ds), "")}`;
      });
    });

  withCommon(data.command("prepare"))
    .description("build a {Xtrain,ytrain,Xtest,ytest} JSON file from MNIST, Fashion-MNIST, a data file or a synthetic task")
    .requiredOption("--out <file>", "the JSON file to write (written atomically)")
    .option("--source <src>", `${SOURCES.join(" | ")} | a data file (.csv/.json/.npy)`, "mnist")
    .option("--classes <list>", "MNIST/Fashion or labelled files: the classes to keep, e.g. 0,1 (two classes → y = ±1, first = +1)", numberListArg("--classes"))
    .option("--per-class <n>", "MNIST/Fashion: training examples per class", intAtLeast("--per-class", 1), 100)
    .option("--test-per-class <n>", "MNIST/Fashion: test examples per class (from the test split)", intAtLeast("--test-per-class", 1), 100)
    .option("--size <HxW>", "MNIST/Fashion: downsample images to HxW by area averaging, e.g. 10x10", parseSize)
    .option("--P <n>", "synthetic: training examples", intAtLeast("--P", 1), 200)
    .option("--P-test <n>", "synthetic or file: test examples", intAtLeast("--P-test", 1), 200)
    .option("--D <n>", "synthetic: input dimension", intAtLeast("--D", 1), 50)
    .option("--noise <s>", "synthetic: noise level", numberArg("--noise"), 0)
    .option("--separation <d>", "mixture: distance between class means", numberArg("--separation"), 3)
    .option("--hidden <n>", "1hl-teacher: teacher width", intAtLeast("--hidden", 1), 10)
    .option("--teacher-act <a>", "1hl-teacher activation", choiceArg("--teacher-act", ["erf", "relu", "tanh"] as const), "erf")
    .option("--standardize", "standardise features with the training statistics")
    .option("--project <d>", "random Gaussian projection of the inputs to d dimensions", intAtLeast("--project", 1))
    .option("--y <file>", "for a .npy source: the targets file")
    .action((o, cmd: Command) => {
      const [kData, kTest, kProj] = split(key(o.seed), 3);
      let s = prepare({ ...o, perClassGiven: cmd.getOptionValueSource("perClass") === "cli" }, kData, kTest);
      if (o.standardize) {
        const tr = standardize(s.train);
        s = { train: tr.dataset, test: standardize(s.test, tr.stats).dataset };
      }
      if (o.project) {
        s = { train: randomProjection(s.train, o.project, kProj), test: randomProjection(s.test, o.project, kProj) };
      }
      writeFileAtomic(o.out, splitToJson(s));
      const result = { out: o.out, train: summarize(s.train), test: summarize(s.test) };
      emit(o, result, () => `wrote ${o.out}: train P=${s.train.P}, test P=${s.test.P}, D=${s.train.D}, K=${s.train.K}`);
    });
}

// biome-ignore lint/suspicious/noExplicitAny: commander's parsed options are untyped
function prepare(o: Record<string, any>, kData: Uint32Array, kTest: Uint32Array): SplitDataset {
  const src: string = o.source;
  if (src === "mnist" || src === "fashion") {
    const common = { classes: o.classes ?? [0, 1], size: o.size, dataset: src as "mnist" | "fashion" };
    return {
      train: mnistBinary({ ...common, perClass: o.perClass, key: kData, split: "train" }),
      test: mnistBinary({ ...common, perClass: o.testPerClass, key: kTest, split: "test" }),
    };
  }
  const synth: Record<string, (P: number, k: Uint32Array) => Dataset> = {
    "linear-teacher": (P, k) => linearTeacher({ P, D: o.D, key: k, teacherKey: kData, noise: o.noise }),
    "1hl-teacher": (P, k) => oneHiddenLayerTeacher({ P, D: o.D, hidden: o.hidden, act: o.teacherAct, key: k, teacherKey: kData, noise: o.noise }),
    "sign-teacher": (P, k) => signTeacher({ P, D: o.D, key: k, teacherKey: kData, noise: o.noise }),
    "tanh-teacher": (P, k) => tanhTeacher({ P, D: o.D, key: k, teacherKey: kData, noise: o.noise }),
    mixture: (P, k) => gaussianMixture({ P, D: o.D, key: k, teacherKey: kData, separation: o.separation, noise: o.noise }),
    xor: (P, k) => xor({ P, D: o.D, key: k }),
    "random-labels": (P, k) => randomLabels({ P, D: o.D, key: k }),
  };
  if (src in synth) {
    const [k1, k2] = split(kTest, 2);
    return { train: synth[src](o.P, k1), test: synth[src](o.PTest, k2) };
  }
  if (!/\.(csv|json|npy)$/i.test(src)) {
    throw new InputError(`unknown source '${src}': expected ${SOURCES.join(", ")} or a .csv/.json/.npy file`, "option --source");
  }
  const loaded = loadDataFile(src, { y: o.y });
  if (isSplitDataset(loaded)) {
    if (!o.classes) return loaded;
    return { train: selectClasses(loaded.train, o.classes), test: selectClasses(loaded.test, o.classes) };
  }
  let ds = o.classes ? selectClasses(loaded, o.classes) : loaded;
  if (o.perClassGiven && ds.labels) ds = perClass(ds, o.perClass, kData);
  if (o.PTest >= ds.P) throw new InputError(`--P-test ${o.PTest} leaves no training data (the file has ${ds.P} rows)`, "option --P-test");
  return trainTestSplit(ds, o.PTest, kTest);
}
