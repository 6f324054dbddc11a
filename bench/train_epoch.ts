/**
 * Training-epoch benchmark: one epoch of the brief's network (paper C: width 100, 7 hidden layers,
 * BatchNorm, leaky ReLU, dropout; Adam) on 2560 MNIST images (10×10 inputs, 10 classes), featurelab
 * side by side with PyTorch (Debian's python3-torch) in the same invocation.
 *
 *   npx tsx bench/train_epoch.ts [--quick] [--rounds R] [--epochs E] [--write | --no-write]
 *
 * - Data: 256 images of each digit from the MNIST training set, resized to 10×10 by area averaging
 *   (`mnistBinary`), pixels in [0, 1]; the same float32 matrix is handed to the PyTorch side. When the
 *   MNIST files are missing, Gaussian inputs of the same shape are used (the report says which).
 * - Network: BN_in(100); 7 × [Linear(100→100), BN, LeakyReLU(0.1), Dropout(0.1)]; Linear(100→10);
 *   float32; softmax cross-entropy; Adam(1e-3, (0.9, 0.999), 1e-8).
 * - "Full-batch epoch" = one step on all 2560 images; "minibatch epoch" = 20 steps of 128 images in a
 *   fresh random order. Each step: forward, loss, backward, Adam update, training-accuracy count.
 * - Ours: `train(net, data, { epochs: 1, … })` (the library's training loop, nothing bench-specific);
 *   PyTorch: bench/torch_train_epoch.py with torch.set_num_threads(2). OpenBLAS's default threads
 *   (2 on the reference machine) on our side.
 * - Protocol: R rounds (default 3); per round and mode each side runs warm-up epochs then E timed
 *   epochs (default 6), the sides alternating and swapping who goes first; medians over all timed
 *   epochs; a 0.4 s pause before each side. PyTorch runs in two settings (as installed, and with
 *   OPENBLAS_NUM_THREADS=1 against its internal oversubscription); the ratio uses the faster one.
 * - Agreement: from identical initial weights (ours written to a file and loaded into PyTorch) and no
 *   dropout, the full-batch losses of 3 Adam steps on both sides.
 *
 * Target: ours/PyTorch (the faster PyTorch setting) ≤ 1 for the full-batch epoch. Writes bench/results/train.json and the section
 * of bench/RESULTS.md between `<!-- train:start -->` and `<!-- train:end -->`.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { mnistAvailable, mnistBinary } from "../src/data/mnist.js";
import { backend } from "../src/engine/linalg/backend.js";
import { foldIn, key, normal32, randint } from "../src/engine/random.js";
import { buildNetwork, fusedKernelsNative } from "../src/nn/layers.js";
import { Adam } from "../src/nn/optim.js";
import { initKey, type TrainData, train } from "../src/nn/train.js";
import { writeSection } from "./resultsFile.js";

const here = dirname(fileURLToPath(import.meta.url));

export interface TrainBenchOptions {
  quick?: boolean;
  rounds?: number;
  /** Timed epochs per side, round and mode. */
  epochs?: number;
  python?: string;
  write?: boolean;
  log?: (line: string) => void;
}

interface ModeResult {
  mode: string;
  batch: number;
  stepsPerEpoch: number;
  oursMs: number[];
  torchMs: number[];
  /**
   * PyTorch, still torch.set_num_threads(2), with OPENBLAS_NUM_THREADS=1 in its environment: Debian's
   * torch runs its own 2 OpenMP threads *and* OpenBLAS's 2 pthreads, which oversubscribe 2 cores;
   * this setting avoids that and is the faster PyTorch configuration on the reference machine.
   */
  torchOb1Ms: number[];
  oursMedianMs: number;
  torchMedianMs: number | null;
  torchOb1MedianMs: number | null;
  /** Ours ÷ the faster of the two PyTorch settings. */
  ratio: number | null;
}

export interface TrainBenchReport {
  date: string;
  command: string;
  machine: { cpu: string; cores: number; memoryGiB: number; node: string; loadBefore: number[]; loadAfter: number[] };
  ours: { blas: string; fusedNative: boolean };
  torch: { version: string; threads: number } | null;
  data: string;
  network: string;
  modes: ModeResult[];
  agreement: { ours: number[]; torch: number[] | null; maxRelDiff: number | null };
  target: string;
}

const median = (a: number[]): number => {
  const b = [...a].sort((x, y) => x - y);
  const m = b.length >> 1;
  return b.length % 2 ? b[m] : 0.5 * (b[m - 1] + b[m]);
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const N = 2560;
const D = 100;
const K = 10;
const WIDTH = 100;
const DEPTH = 7;
const ALPHA = 0.1;
const P_DROP = 0.1;
const LR = 1e-3;

function benchData(): { data: TrainData; X32: Float32Array; labels: Int32Array; source: string } {
  if (mnistAvailable("mnist", "train")) {
    const ds = mnistBinary({ classes: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], perClass: N / 10, size: [10, 10], key: key(1), labels: "onehot" });
    const X32 = Float32Array.from(ds.X);
    const labels = ds.labels as Int32Array;
    return {
      data: { X: X32, P: N, D, labels, classes: K, targets: ds.y, targetDim: K },
      X32,
      labels,
      source: "MNIST training images, 256 per digit, resized 28×28 → 10×10 by area averaging, pixels in [0, 1]",
    };
  }
  const X32 = normal32(key(1), N * D);
  const labels = randint(key(2), N, 0, K);
  return {
    data: { X: X32, P: N, D, labels, classes: K, targetDim: K },
    X32,
    labels,
    source: "Gaussian inputs N(0, 1), uniform labels (MNIST files not found)",
  };
}

function makeNet(dropout: number, seed = 1) {
  return buildNetwork({
    inDim: D,
    hidden: Array(DEPTH).fill(WIDTH),
    outDim: K,
    act: `leaky-relu:${ALPHA}`,
    batchNorm: true,
    dropout,
    dtype: "f32",
    key: initKey(seed),
  });
}

function runTorch(python: string, dir: string, args: Record<string, number>, env: Record<string, string> = {}): Record<string, unknown> | null {
  const argv = [join(here, "torch_train_epoch.py"), "--dir", dir];
  for (const [k, v] of Object.entries(args)) argv.push(`--${k}`, String(v));
  const r = spawnSync(python, argv, { encoding: "utf8", maxBuffer: 1 << 24, env: { ...process.env, ...env } });
  if (r.status !== 0) {
    process.stderr.write(`torch side failed: ${r.stderr?.split("\n").slice(-4).join(" ")}\n`);
    return null;
  }
  return JSON.parse(r.stdout.trim().split("\n").pop() as string);
}

/** Runs the benchmark (see the module comment) and returns the report; writes it unless `write` is false. */
export async function runTrainBench(opts: TrainBenchOptions = {}): Promise<TrainBenchReport> {
  const log = opts.log ?? ((s: string) => process.stderr.write(`${s}\n`));
  const quick = opts.quick ?? false;
  const rounds = opts.rounds ?? (quick ? 1 : 3);
  const E = opts.epochs ?? (quick ? 3 : 6);
  const python = opts.python ?? "/usr/bin/python3";
  const write = opts.write ?? !quick;
  const loadBefore = os.loadavg();
  const { data, X32, labels, source } = benchData();
  const dir = mkdtempSync(join(os.tmpdir(), "fl-train-bench-"));
  writeFileSync(join(dir, "X.f32"), Buffer.from(X32.buffer, X32.byteOffset, X32.byteLength));
  writeFileSync(join(dir, "y.i32"), Buffer.from(labels.buffer, labels.byteOffset, labels.byteLength));
  const common = { n: N, d: D, k: K, width: WIDTH, depth: DEPTH, alpha: ALPHA, lr: LR, threads: 2 };

  // Agreement: identical initial weights, no dropout, 3 full-batch Adam steps.
  const pnet = makeNet(0, 3);
  const w0 = Float32Array.from(pnet.values);
  writeFileSync(join(dir, "w0.f32"), Buffer.from(w0.buffer));
  const pr = train(pnet, data, { epochs: 3, optimizer: { name: "adam", lr: LR }, seed: 3 });
  const oursLosses = pr.records.map((r) => r.loss);
  const tp = existsSync(python) ? runTorch(python, dir, { ...common, dropout: 0, batch: 0, epochs: 0, warmup: 0, parity: 3 }) : null;
  const torchLosses = (tp?.parityLosses as number[] | undefined) ?? null;
  const maxRelDiff = torchLosses ? Math.max(...oursLosses.map((l, i) => Math.abs(l - torchLosses[i]) / Math.abs(torchLosses[i]))) : null;
  log(`agreement: ours ${oursLosses.map((v) => v.toFixed(6)).join(", ")}; torch ${torchLosses?.map((v) => v.toFixed(6)).join(", ") ?? "n/a"}`);

  const modes: ModeResult[] = [];
  let torchInfo: TrainBenchReport["torch"] = null;
  for (const [mode, batch] of [
    ["full batch (1 step of 2560)", 0],
    ["minibatch 128 (20 steps)", 128],
  ] as const) {
    const net = makeNet(P_DROP, 1);
    const adam = new Adam({ lr: LR });
    let ep = 0;
    const oursEpoch = () => {
      const t = performance.now();
      train(net, data, { epochs: 1, batchSize: batch, optimizer: adam, key: foldIn(key(11), ep++) });
      return performance.now() - t;
    };
    const oursMs: number[] = [];
    const torchMs: number[] = [];
    const torchOb1Ms: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const sides = r % 2 === 0 ? ["ours", "torch"] : ["torch", "ours"];
      for (const side of sides) {
        await sleep(400);
        if (side === "ours") {
          for (let w = 0; w < 2; w++) oursEpoch();
          for (let e = 0; e < E; e++) oursMs.push(oursEpoch());
        } else if (existsSync(python)) {
          const t = runTorch(python, dir, { ...common, dropout: P_DROP, batch, epochs: E, warmup: 2 });
          if (t) {
            torchMs.push(...(t.timesMs as number[]));
            torchInfo = { version: String(t.torch), threads: Number(t.threads) };
          }
          await sleep(400);
          const t1 = runTorch(python, dir, { ...common, dropout: P_DROP, batch, epochs: E, warmup: 2 }, { OPENBLAS_NUM_THREADS: "1" });
          if (t1) torchOb1Ms.push(...(t1.timesMs as number[]));
        }
      }
    }
    const om = median(oursMs);
    const tm = torchMs.length ? median(torchMs) : null;
    const tm1 = torchOb1Ms.length ? median(torchOb1Ms) : null;
    const best = tm !== null && tm1 !== null ? Math.min(tm, tm1) : (tm ?? tm1);
    modes.push({
      mode,
      batch: batch || N,
      stepsPerEpoch: batch ? Math.ceil(N / batch) : 1,
      oursMs,
      torchMs,
      torchOb1Ms,
      oursMedianMs: om,
      torchMedianMs: tm,
      torchOb1MedianMs: tm1,
      ratio: best ? om / best : null,
    });
    log(
      `${mode}: ours ${om.toFixed(2)} ms, torch ${tm?.toFixed(2) ?? "n/a"} ms, torch with OPENBLAS_NUM_THREADS=1 ${tm1?.toFixed(2) ?? "n/a"} ms${best ? `, ratio ${(om / best).toFixed(2)}` : ""}`,
    );
  }
  rmSync(dir, { recursive: true, force: true });
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  const rep: TrainBenchReport = {
    date: new Date().toISOString().slice(0, 10),
    command: `npx tsx bench/train_epoch.ts${quick ? " --quick" : ""}`,
    machine: { cpu, cores: os.cpus().length, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, loadBefore, loadAfter: os.loadavg() },
    ours: { blas: backend().describe(), fusedNative: fusedKernelsNative() },
    torch: torchInfo,
    data: source,
    network: `BN_in(${D}); ${DEPTH} × [Linear(${WIDTH}), BN, LeakyReLU(${ALPHA}), Dropout(${P_DROP})]; Linear(${K}); f32; cross-entropy; Adam(${LR})`,
    modes,
    agreement: { ours: oursLosses, torch: torchLosses, maxRelDiff },
    target: "full-batch epoch ours/PyTorch (faster PyTorch setting) ≤ 1",
  };
  if (write) writeReport(rep);
  return rep;
}

const fmtMs = (v: number | null) => (v === null ? "n/a" : v < 10 ? v.toFixed(2) : v.toFixed(1));
const load = (a: number[]) => a.map((v) => v.toFixed(2)).join(" ");

/** The Markdown section written between the train markers of bench/RESULTS.md. */
export function formatMarkdown(rep: TrainBenchReport): string {
  const lines = [
    "## Training epoch (featurelab vs PyTorch)",
    "",
    `Command: \`${rep.command}\` — ${rep.date}. Machine: ${rep.machine.cpu}, ${rep.machine.cores} cores, ${rep.machine.memoryGiB} GiB, Node ${rep.machine.node}; load average ${load(rep.machine.loadBefore)} before, ${load(rep.machine.loadAfter)} after (shared machine: expect noise).`,
    "",
    `- Network (paper C, brief §2.1): ${rep.network}.`,
    `- Data: ${rep.data}; 2560 images, 10 classes; the same float32 matrix on both sides.`,
    `- featurelab: ${rep.ours.blas}; fused element-wise kernels ${rep.ours.fusedNative ? "native (native/train.cc)" : "in JS"}; the library's \`train()\` loop, one call per epoch. PyTorch ${rep.torch?.version ?? "(not available)"} (Debian python3-torch), torch.set_num_threads(${rep.torch?.threads ?? 2}), bench/torch_train_epoch.py.`,
    "- Epoch = every step's forward, cross-entropy, backward, Adam update and training-accuracy count; minibatch epochs reshuffle (ours: seeded permutation + gather; PyTorch: randperm + indexing).",
    "- Protocol: rounds alternate the sides and who goes first; 2 warm-up epochs per side and round; medians of all timed epochs.",
    "- PyTorch runs twice per round, both with torch.set_num_threads(2): as installed, and with OPENBLAS_NUM_THREADS=1 in its environment. Debian's torch keeps 2 OpenMP threads of its own *and* 2 OpenBLAS threads, which oversubscribe the 2 cores (erratic epochs up to seconds); limiting OpenBLAS is the faster PyTorch setting here. The ratio is ours ÷ the faster PyTorch setting.",
    `- Agreement (identical initial weights, no dropout, full-batch Adam): losses of 3 steps ours ${rep.agreement.ours.map((v) => v.toFixed(6)).join(", ")}, PyTorch ${rep.agreement.torch?.map((v) => v.toFixed(6)).join(", ") ?? "n/a"}; max relative difference ${rep.agreement.maxRelDiff?.toExponential(1) ?? "n/a"}.`,
    "",
    "| epoch | steps | ours (median) | PyTorch as installed (median) | PyTorch, OPENBLAS_NUM_THREADS=1 (median) | ours/PyTorch (faster) | target |",
    "| ----- | ----: | ------------: | ----------------------------: | ---------------------------------------: | --------------------: | ------ |",
  ];
  for (const m of rep.modes) {
    const tgt = m.stepsPerEpoch === 1 ? (m.ratio === null ? "≤ 1" : m.ratio <= 1 ? "≤ 1 ✓" : "≤ 1 ✗") : "";
    lines.push(
      `| ${m.mode} | ${m.stepsPerEpoch} | ${fmtMs(m.oursMedianMs)} ms | ${fmtMs(m.torchMedianMs)} ms | ${fmtMs(m.torchOb1MedianMs)} ms | ${m.ratio?.toFixed(2) ?? "n/a"} | ${tgt} |`,
    );
  }
  lines.push("");
  for (const m of rep.modes) {
    lines.push(
      `Raw ${m.mode} times (ms): ours ${m.oursMs.map((v) => v.toFixed(1)).join(", ")}; PyTorch as installed ${m.torchMs.map((v) => v.toFixed(1)).join(", ")}; PyTorch with OPENBLAS_NUM_THREADS=1 ${m.torchOb1Ms.map((v) => v.toFixed(1)).join(", ")}.`,
      "",
    );
  }
  return lines.join("\n").trimEnd();
}

export function writeReport(rep: TrainBenchReport): void {
  mkdirSync(join(here, "results"), { recursive: true });
  writeFileSync(join(here, "results", "train.json"), `${JSON.stringify(rep, null, 2)}\n`);
  writeSection("train", formatMarkdown(rep));
}

export async function main(argv: string[] = process.argv.slice(2)): Promise<TrainBenchReport> {
  const quick = argv.includes("--quick");
  const write = argv.includes("--no-write") ? false : argv.includes("--write") ? true : undefined;
  const num = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? Number.parseInt(argv[i + 1], 10) : undefined;
  };
  const rep = await runTrainBench({ quick, write, rounds: num("--rounds"), epochs: num("--epochs") });
  for (const m of rep.modes)
    process.stdout.write(`${m.mode}: ours ${fmtMs(m.oursMedianMs)} ms, PyTorch ${fmtMs(m.torchMedianMs)} ms, ratio ${m.ratio?.toFixed(2) ?? "n/a"}\n`);
  return rep;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e) => {
    process.stderr.write(`${(e as Error).stack ?? e}\n`);
    process.exit(1);
  });
}
