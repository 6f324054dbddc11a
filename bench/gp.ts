/**
 * GP-regression benchmark: featurelab's {@link GPEigen} side by side with NumPy (same OpenBLAS).
 *
 *   npx tsx bench/gp.ts [--quick] [--reps R] [--write | --no-write]
 *
 * Inputs: P = 4000 train and Pt = 1000 test images of MNIST digits 0 and 1 (targets ±1) when the IDX
 * files are available (src/data/mnist.ts), else uniform random inputs of the same shape (784 pixels
 * in [0, 1]) — the report says which. Kernel: the erf NNGP in closed form, computed here,
 *
 *   C = X·Xᵀ/D,   K(x, x') = (2/π)·arcsin( 2c / √((1 + 2a)(1 + 2b)) ),   a = C(x,x), b = C(x',x'), c = C(x,x').
 *
 * Timed work, the same on both sides (NumPy side: bench/numpy_gp.py, run with /usr/bin/python3 on the
 * kernel matrices this script writes as raw float64 to a temporary folder):
 *   (a) "first solve": eigendecomposition K = U diag(κ) Uᵀ (dsyevd) + spectrum clipping + ỹ = Uᵀy
 *       + test projection B = kTest·U and B∘B + one posterior (mean and variance) at T0;
 *   (b) each further temperature: posterior mean and variance at all Pt test points.
 * Ours uses `GPEigen.fromKernel(K, P, y, { cache: false })` (the per-matrix eigh cache is off, so every
 * repetition pays the full decomposition), `attachTest`, `posterior`. The two sides alternate repetition
 * by repetition, first one then the other going first, so machine noise hits both alike; medians are reported. Threads: OpenBLAS's default on
 * both sides (the environment is passed on unchanged).
 *
 * Targets: first solve ours/NumPy ≤ 1.3; ≤ 20 ms per further temperature.
 * Writes bench/results/gp.json and the section of bench/RESULTS.md between `<!-- gp:start -->` and
 * `<!-- gp:end -->` (a --quick run writes only with --write).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { median } from "../src/engine/benchOps.js";
import { backend } from "../src/engine/linalg/backend.js";
import { key, uniform } from "../src/engine/random.js";
import { GPEigen } from "../src/kernels/gp.js";
import { readBin, writeBin } from "./binio.js";
import { writeSection } from "./resultsFile.js";

const here = dirname(fileURLToPath(import.meta.url));

export interface GpBenchOptions {
  /** P = 1000, Pt = 250, 2 repetitions (a smoke run). */
  quick?: boolean;
  P?: number;
  Pt?: number;
  /** First-solve repetitions on each side (default 3). */
  reps?: number;
  /** Python interpreter for the NumPy side (default /usr/bin/python3). */
  python?: string;
  /** Write bench/results/gp.json and the RESULTS.md section (default: true for a full run, false for --quick). */
  write?: boolean;
  log?: (line: string) => void;
}

export interface GpBenchReport {
  date: string;
  command: string;
  machine: { cpu: string; cores: number; memoryGiB: number; node: string; loadAverage: number[] };
  ours: { backend: string; description: string; threads: number };
  numpy: Record<string, unknown> | null;
  data: string;
  P: number;
  Pt: number;
  D: number;
  s: number;
  T0: number;
  temperatures: number[];
  firstSolve: {
    oursMs: number[];
    numpyMs: number[];
    oursMedianMs: number;
    numpyMedianMs: number | null;
    ratio: number | null;
    oursPhasesMs: { spectral: number; attach: number; posterior: number };
    numpyPhasesMs: Record<string, number> | null;
    target: string;
  };
  perTemperature: { oursMedianMs: number; oursMaxMs: number; numpyMedianMs: number | null; target: string };
  /** max |ours − numpy| over the posterior mean and variance at T0, relative to max |value|. */
  agreement: { mean: number | null; variance: number | null };
  rank: number;
  clipped: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Inputs: MNIST 0/1 when the loader and files are there, else uniform random pixels. */
export async function gpBenchInputs(P: number, Pt: number): Promise<{ X: Float64Array; Xt: Float64Array; y: Float64Array; D: number; data: string }> {
  const D = 784;
  try {
    const m = await import("../src/data/mnist.js");
    if (m.mnistAvailable("mnist", "train") && m.mnistAvailable("mnist", "test") && P % 2 === 0 && Pt % 2 === 0) {
      const tr = m.mnistBinary({ classes: [0, 1], perClass: P / 2, key: key(1), split: "train" });
      const te = m.mnistBinary({ classes: [0, 1], perClass: Pt / 2, key: key(2), split: "test" });
      return {
        X: tr.X,
        Xt: te.X,
        y: tr.y,
        D: tr.D,
        data: `MNIST digits 0 vs 1 (targets ±1), ${P / 2}+${P / 2} train, ${Pt / 2}+${Pt / 2} test, 28×28 pixels in [0, 1]`,
      };
    }
  } catch {
    // fall through to random inputs
  }
  const X = uniform(key(1), P * D);
  const Xt = uniform(key(2), Pt * D);
  const y = new Float64Array(P);
  const u = uniform(key(3), P);
  for (let i = 0; i < P; i++) y[i] = u[i] < 0.5 ? 1 : -1;
  return { X, Xt, y, D, data: `random inputs (MNIST not available): uniform [0, 1] pixels, ${P}×${D} train, ${Pt}×${D} test, random ±1 targets` };
}

/** erf NNGP kernels from inputs: K (P×P, exactly symmetric), kTest (Pt×P), kDiag (Pt). */
export function erfKernels(X: Float64Array, Xt: Float64Array, P: number, Pt: number, D: number) {
  const b = backend();
  const C = new Float64Array(P * P);
  b.gemm(false, true, P, P, D, 1 / D, X, D, X, D, 0, C, P);
  const Ct = new Float64Array(Pt * P);
  b.gemm(false, true, Pt, P, D, 1 / D, Xt, D, X, D, 0, Ct, P);
  const a = new Float64Array(P);
  for (let i = 0; i < P; i++) a[i] = 1 + 2 * C[i * P + i];
  const at = new Float64Array(Pt);
  for (let r = 0; r < Pt; r++) {
    let s = 0;
    for (let j = 0; j < D; j++) s += Xt[r * D + j] * Xt[r * D + j];
    at[r] = s / D;
  }
  const asin = (z: number) => (2 / Math.PI) * Math.asin(Math.max(-1, Math.min(1, z)));
  const K = new Float64Array(P * P);
  for (let i = 0; i < P; i++) {
    for (let j = 0; j <= i; j++) {
      const v = asin((2 * C[i * P + j]) / Math.sqrt(a[i] * a[j]));
      K[i * P + j] = v;
      K[j * P + i] = v;
    }
  }
  const kTest = new Float64Array(Pt * P);
  for (let r = 0; r < Pt; r++) {
    const ar = 1 + 2 * at[r];
    for (let j = 0; j < P; j++) kTest[r * P + j] = asin((2 * Ct[r * P + j]) / Math.sqrt(ar * a[j]));
  }
  const kDiag = new Float64Array(Pt);
  for (let r = 0; r < Pt; r++) kDiag[r] = asin((2 * at[r]) / (1 + 2 * at[r]));
  return { K, kTest, kDiag };
}

function relDiff(a: Float64Array, b: Float64Array): number {
  let d = 0;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    m = Math.max(m, Math.abs(b[i]));
  }
  return d / (m || 1);
}

/** Runs the benchmark and returns (and by default writes) the report. */
export async function runGpBench(opts: GpBenchOptions = {}): Promise<GpBenchReport> {
  const quick = opts.quick ?? false;
  const P = opts.P ?? (quick ? 1000 : 4000);
  const Pt = opts.Pt ?? (quick ? 250 : 1000);
  const reps = opts.reps ?? (quick ? 2 : 3);
  const python = opts.python ?? "/usr/bin/python3";
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const s = 1;
  const T0 = 0.01;
  const temps = Array.from({ length: 20 }, (_, i) => 10 ** (-4 + (4 * i) / 19));

  const inp = await gpBenchInputs(P, Pt);
  log(`gp bench: ${inp.data}`);
  const { K, kTest, kDiag } = erfKernels(inp.X, inp.Xt, P, Pt, inp.D);
  const dir = mkdtempSync(join(os.tmpdir(), "featurelab-gp-"));
  writeBin(join(dir, "K.bin"), K);
  writeBin(join(dir, "Kt.bin"), kTest);
  writeBin(join(dir, "kd.bin"), kDiag);
  writeBin(join(dir, "y.bin"), inp.y);
  writeFileSync(join(dir, "meta.json"), JSON.stringify({ P, Pt, s, T0, temps }));

  const oursMs: number[] = [];
  const phases = { spectral: [] as number[], attach: [] as number[], posterior: [] as number[] };
  const numpyMs: number[] = [];
  const numpyPhases: Record<string, number[]> = {};
  const numpyPerT: number[] = [];
  let numpyInfo: Record<string, unknown> | null = null;
  let gp: GPEigen | null = null;
  let test = null as ReturnType<GPEigen["attachTest"]> | null;
  let meanT0: Float64Array = new Float64Array(0);
  let varT0: Float64Array = new Float64Array(0);
  let numpyOk = existsSync(python);
  if (!numpyOk) log(`warning: ${python} not found; NumPy side skipped`);
  const runOurs = (r: number) => {
    gp = null;
    test = null;
    const t0 = performance.now();
    gp = GPEigen.fromKernel(K, P, inp.y, { cache: false });
    const t1 = performance.now();
    test = gp.attachTest(kTest, kDiag);
    const t2 = performance.now();
    const post = gp.posterior({ T: T0, s, test });
    const t3 = performance.now();
    oursMs.push(t3 - t0);
    phases.spectral.push(t1 - t0);
    phases.attach.push(t2 - t1);
    phases.posterior.push(t3 - t2);
    meanT0 = post.mean;
    varT0 = post.variance;
    log(
      `  rep ${r + 1}/${reps}: ours  first solve ${(t3 - t0).toFixed(0)} ms (eigh+ỹ ${(t1 - t0).toFixed(0)}, attach ${(t2 - t1).toFixed(0)}, posterior ${(t3 - t2).toFixed(1)})`,
    );
  };
  const runNumpy = (r: number) => {
    if (!numpyOk) return;
    const res = spawnSync(python, [join(here, "numpy_gp.py"), dir, "--reps", "1"], { encoding: "utf8", maxBuffer: 1 << 24 });
    if (res.status !== 0) {
      log(`warning: numpy_gp.py failed (${res.status}): ${(res.stderr || res.error?.message || "").trim().split("\n").pop()}`);
      numpyOk = false;
      return;
    }
    const out = JSON.parse(res.stdout) as {
      first_ms: number[];
      phases_ms: Record<string, number>;
      per_temperature_ms: number[];
      info: Record<string, unknown>;
    };
    numpyMs.push(...out.first_ms);
    for (const [k, v] of Object.entries(out.phases_ms)) {
      if (!numpyPhases[k]) numpyPhases[k] = [];
      numpyPhases[k].push(v);
    }
    numpyPerT.push(...out.per_temperature_ms);
    numpyInfo = out.info;
    const ph = out.phases_ms;
    log(
      `  rep ${r + 1}/${reps}: numpy first solve ${out.first_ms[0].toFixed(0)} ms (eigh+ỹ ${(ph.eigh + ph.project).toFixed(0)}, attach ${ph.attach.toFixed(0)}, posterior ${ph.posterior.toFixed(1)})`,
    );
  };
  // Alternate which side goes first, so slow drifts in the machine's load do not favour one side;
  // pause before each side so the other's OpenBLAS threads have gone idle.
  for (let r = 0; r < reps; r++) {
    for (const side of r % 2 === 0 ? [runOurs, runNumpy] : [runNumpy, runOurs]) {
      await sleep(300);
      side(r);
    }
  }
  // further temperatures (ours): posterior mean + variance at all Pt test points
  const perT: number[] = [];
  for (let pass = 0; pass < 3; pass++) {
    for (const T of temps) {
      const t0 = performance.now();
      gp!.posterior({ T, s, test: test! });
      perT.push(performance.now() - t0);
    }
  }
  let agreement = { mean: null as number | null, variance: null as number | null };
  if (numpyOk && existsSync(join(dir, "mean.bin"))) {
    agreement = { mean: relDiff(meanT0, readBin(join(dir, "mean.bin"))), variance: relDiff(varT0, readBin(join(dir, "var.bin"))) };
  }
  rmSync(dir, { recursive: true, force: true });

  const oursMedian = median(oursMs);
  const numpyMedian = numpyMs.length ? median(numpyMs) : null;
  const b = backend();
  const rep: GpBenchReport = {
    date: new Date().toISOString(),
    command: `npx tsx bench/gp.ts${quick ? " --quick" : ""}`,
    machine: {
      cpu: os.cpus()[0]?.model ?? "unknown",
      cores: os.cpus().length,
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100),
    },
    ours: { backend: b.name, description: b.describe(), threads: b.getThreads() },
    numpy: numpyInfo,
    data: inp.data,
    P,
    Pt,
    D: inp.D,
    s,
    T0,
    temperatures: temps,
    firstSolve: {
      oursMs,
      numpyMs,
      oursMedianMs: oursMedian,
      numpyMedianMs: numpyMedian,
      ratio: numpyMedian ? oursMedian / numpyMedian : null,
      oursPhasesMs: { spectral: median(phases.spectral), attach: median(phases.attach), posterior: median(phases.posterior) },
      numpyPhasesMs: numpyMs.length ? Object.fromEntries(Object.entries(numpyPhases).map(([k, v]) => [k, median(v)])) : null,
      target: "ours/NumPy ≤ 1.3",
    },
    perTemperature: {
      oursMedianMs: median(perT),
      oursMaxMs: Math.max(...perT),
      numpyMedianMs: numpyPerT.length ? median(numpyPerT) : null,
      target: "≤ 20 ms",
    },
    agreement,
    rank: gp!.diagnostics.rank,
    clipped: gp!.diagnostics.clipped,
  };
  if (opts.write ?? !quick) {
    writeReport(rep);
    log("wrote bench/results/gp.json and the gp section of bench/RESULTS.md");
  }
  return rep;
}

const f1 = (x: number | null) => (x === null ? "—" : x.toFixed(1));

/** The plain-text table printed to stdout. */
export function formatTable(rep: GpBenchReport): string {
  const fs = rep.firstSolve;
  const pt = rep.perTemperature;
  const rows = [
    ["quantity", "ours", "NumPy", "ours/NumPy", "target"],
    [
      `first solve (P=${rep.P}, Pt=${rep.Pt}), ms`,
      f1(fs.oursMedianMs),
      f1(fs.numpyMedianMs),
      fs.ratio === null ? "—" : fs.ratio.toFixed(2),
      `≤ 1.3 ${fs.ratio !== null && fs.ratio <= 1.3 ? "✓" : "✗"}`,
    ],
    ["  eigh + ỹ, ms", f1(fs.oursPhasesMs.spectral), f1(fs.numpyPhasesMs ? fs.numpyPhasesMs.eigh + fs.numpyPhasesMs.project : null), "", ""],
    ["  attach test (B = kTest·U), ms", f1(fs.oursPhasesMs.attach), f1(fs.numpyPhasesMs?.attach ?? null), "", ""],
    ["  one posterior, ms", f1(fs.oursPhasesMs.posterior), f1(fs.numpyPhasesMs?.posterior ?? null), "", ""],
    [
      "each further T (mean + variance), ms",
      pt.oursMedianMs.toFixed(2),
      pt.numpyMedianMs === null ? "—" : pt.numpyMedianMs.toFixed(2),
      pt.numpyMedianMs ? (pt.oursMedianMs / pt.numpyMedianMs).toFixed(2) : "—",
      `≤ 20 ms ${pt.oursMedianMs <= 20 ? "✓" : "✗"}`,
    ],
  ];
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join("  ");
  return [
    `data: ${rep.data}`,
    `kernel: erf NNGP; rank ${rep.rank}/${rep.P} (${rep.clipped} eigenvalues clipped to 0)`,
    `ours: ${rep.ours.backend} — ${rep.ours.description}; NumPy ${String(rep.numpy?.numpy ?? "n/a")}, ${String(rep.numpy?.threads ?? "?")} threads`,
    line(rows[0]),
    w.map((x) => "-".repeat(x)).join("  "),
    ...rows.slice(1).map(line),
    `agreement at T0 (max rel. diff): mean ${rep.agreement.mean?.toExponential(1) ?? "—"}, variance ${rep.agreement.variance?.toExponential(1) ?? "—"}`,
    `raw first-solve ms: ours [${rep.firstSolve.oursMs.map((x) => x.toFixed(0)).join(", ")}], NumPy [${rep.firstSolve.numpyMs.map((x) => x.toFixed(0)).join(", ")}]; load average ${rep.machine.loadAverage.join(" ")}`,
  ].join("\n");
}

/** The Markdown section written between the gp markers of bench/RESULTS.md. */
export function formatMarkdown(rep: GpBenchReport): string {
  const fs = rep.firstSolve;
  const pt = rep.perTemperature;
  const np = rep.numpy ?? {};
  return [
    "## GP regression (GPEigen vs NumPy)",
    "",
    `Command: \`${rep.command}\` — ${rep.date.slice(0, 10)}. Machine: ${rep.machine.cpu}, ${rep.machine.cores} cores, ${rep.machine.memoryGiB} GiB, Node ${rep.machine.node}; load average at the end ${rep.machine.loadAverage.join(" ")} (the machine was shared with other work: expect noise).`,
    "",
    `- Data: ${rep.data}. Kernel: erf NNGP K = (2/π)·arcsin(2c/√((1+2a)(1+2b))), C = X·Xᵀ/D; numerical rank ${rep.rank}/${rep.P}.`,
    `- featurelab: ${rep.ours.backend} backend — ${rep.ours.description}. NumPy ${String(np.numpy ?? "n/a")} (/usr/bin/python3), ${String(np.openblas ?? "BLAS n/a")}, ${String(np.threads ?? "?")} threads. OpenBLAS default threads on both sides.`,
    "- First solve = eigh (dsyevd) + spectrum clipping + ỹ = Uᵀy + test projection B = kTest·U, B∘B + one posterior (mean, variance) at T0 = 0.01, s = 1. Ours: `GPEigen.fromKernel(…, { cache: false })`, `attachTest`, `posterior`; NumPy: `bench/numpy_gp.py`, the same operations on the same matrices. Repetitions alternate between the sides, and which side goes first alternates too; medians.",
    `- Further temperature = posterior mean and variance at all ${rep.Pt} test points for a new T (20 temperatures in [1e-4, 1], ours 3 passes); no new factorisation.`,
    `- Agreement at T0 (max relative difference ours vs NumPy): mean ${rep.agreement.mean?.toExponential(1) ?? "—"}, variance ${rep.agreement.variance?.toExponential(1) ?? "—"}.`,
    "",
    "| quantity | ours | NumPy | ours/NumPy | target |",
    "|---|---:|---:|---:|---|",
    `| first solve (P=${rep.P}, Pt=${rep.Pt}), ms | ${f1(fs.oursMedianMs)} | ${f1(fs.numpyMedianMs)} | ${fs.ratio === null ? "—" : fs.ratio.toFixed(2)} | ≤ 1.3 ${fs.ratio !== null && fs.ratio <= 1.3 ? "✓" : "✗"} |`,
    `| — eigh + ỹ, ms | ${f1(fs.oursPhasesMs.spectral)} | ${f1(fs.numpyPhasesMs ? fs.numpyPhasesMs.eigh + fs.numpyPhasesMs.project : null)} | | |`,
    `| — attach test, ms | ${f1(fs.oursPhasesMs.attach)} | ${f1(fs.numpyPhasesMs?.attach ?? null)} | | |`,
    `| — one posterior, ms | ${f1(fs.oursPhasesMs.posterior)} | ${f1(fs.numpyPhasesMs?.posterior ?? null)} | | |`,
    `| each further T, ms | ${pt.oursMedianMs.toFixed(2)} | ${pt.numpyMedianMs === null ? "—" : pt.numpyMedianMs.toFixed(2)} | ${pt.numpyMedianMs ? (pt.oursMedianMs / pt.numpyMedianMs).toFixed(2) : "—"} | ≤ 20 ms ${pt.oursMedianMs <= 20 ? "✓" : "✗"} |`,
    "",
    `Raw first-solve times (ms): ours ${fs.oursMs.map((x) => x.toFixed(0)).join(", ")}; NumPy ${fs.numpyMs.map((x) => x.toFixed(0)).join(", ")}.`,
  ].join("\n");
}

/** Writes bench/results/gp.json and the RESULTS.md section. */
export function writeReport(rep: GpBenchReport): void {
  mkdirSync(join(here, "results"), { recursive: true });
  writeFileSync(join(here, "results", "gp.json"), `${JSON.stringify(rep, null, 2)}\n`);
  writeSection("gp", formatMarkdown(rep));
}

export async function main(argv: string[] = process.argv.slice(2)): Promise<GpBenchReport> {
  const quick = argv.includes("--quick");
  const write = argv.includes("--no-write") ? false : argv.includes("--write") ? true : undefined;
  const ri = argv.indexOf("--reps");
  const reps = ri >= 0 ? Number.parseInt(argv[ri + 1], 10) : undefined;
  const rep = await runGpBench({ quick, write, reps });
  process.stdout.write(`${formatTable(rep)}\n`);
  return rep;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e) => {
    process.stderr.write(`${(e as Error).stack ?? e}\n`);
    process.exit(1);
  });
}
