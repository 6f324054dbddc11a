/**
 * Linear-algebra benchmark, featurelab's backends side by side with NumPy (same OpenBLAS).
 *
 *   npx tsx bench/linalg.ts [--quick] [--rounds N] [--write | --no-write]
 *
 * (a full run writes its results by default, a --quick run does not unless --write is given).
 *
 * Runs GEMM (f64, f32; n = 256…2048), Cholesky and eigh (n = 500…4000) on the active backend
 * (native OpenBLAS addon when built), the pure-TS backend's GEMM f64 n=1024 and eigh n=1000, and the
 * same points in NumPy through `bench/numpy_linalg.py` (run with /usr/bin/python3 in this same
 * invocation, interleaved point by point so machine noise hits both sides alike). The protocol is
 * the one in `src/engine/benchOps.ts`: warm-up, then the median of ≥ 3 calls aiming at ~1.5 s per point.
 *
 * Ratios: GEMM ours_GFLOP/s ÷ numpy_GFLOP/s (higher is better; target ≥ 0.85 at n=2048 f64);
 * Cholesky and eigh ours_seconds ÷ numpy_seconds (lower is better; target ≤ 1.2 at n=2000).
 *
 * Writes bench/results/linalg.json and rewrites the section of bench/RESULTS.md between
 * `<!-- linalg:start -->` and `<!-- linalg:end -->`.
 */
import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type BenchResult, benchCholesky, benchEigh, benchGemm, median } from "../src/engine/benchOps.js";
import { backend, backendStatus, loadAddon } from "../src/engine/linalg/backend.js";
import { jsBackend } from "../src/engine/linalg/js.js";
import type { LinalgBackend } from "../src/engine/linalg/types.js";
import { writeSection } from "./resultsFile.js";

const here = dirname(fileURLToPath(import.meta.url));

export interface LinalgBenchOptions {
  /** Small sizes and short points (a smoke run, ~1 min). */
  quick?: boolean;
  /** Python interpreter for the NumPy side (default /usr/bin/python3). */
  python?: string;
  /** Write bench/results/linalg.json and the RESULTS.md section (default: true for a full run, false for --quick). */
  write?: boolean;
  /** Alternating (ours, NumPy) rounds per point (default 3; 1 with --quick). */
  rounds?: number;
  /** Progress lines (default: stderr). */
  log?: (line: string) => void;
}

interface Point {
  op: "gemm" | "cholesky" | "eigh";
  n: number;
  dtype: "f64" | "f32";
  /** Which of our backends runs it. */
  side: "active" | "js";
}

export interface NumpyResult {
  op: string;
  n: number;
  dtype: string;
  seconds: number;
  gflops: number | null;
  reps: number;
  min: number;
  max: number;
  samples: number[];
}

export interface LinalgRow {
  op: Point["op"];
  n: number;
  dtype: Point["dtype"];
  backend: string;
  /** Alternating rounds (ours, NumPy) whose samples were pooled. */
  rounds: number;
  ours: BenchResult;
  numpy: NumpyResult | null;
  /** gemm: ours_gflops / numpy_gflops; cholesky, eigh: ours_seconds / numpy_seconds. */
  ratio: number | null;
  /** The target that applies to this row, if any, and whether it was met. */
  target: { text: string; met: boolean } | null;
}

export interface LinalgBenchReport {
  date: string;
  command: string;
  machine: { cpu: string; cores: number; memoryGiB: number; node: string; platform: string };
  /** 1-minute load average before and after the run (other work on the machine makes numbers noisy). */
  load: { before: number; after: number };
  env: Record<string, string | null>;
  ours: { active: string; description: string; config: string | null; corename: string | null; threads: number };
  numpy: Record<string, unknown> | null;
  protocol: string;
  rows: LinalgRow[];
}

function points(quick: boolean): Point[] {
  const gemmN = quick ? [256, 512] : [256, 512, 1024, 2048];
  const factN = quick ? [500, 1000] : [500, 1000, 2000, 4000];
  const pts: Point[] = [];
  for (const dtype of ["f64", "f32"] as const) for (const n of gemmN) pts.push({ op: "gemm", n, dtype, side: "active" });
  for (const n of factN) pts.push({ op: "cholesky", n, dtype: "f64", side: "active" });
  for (const n of factN) pts.push({ op: "eigh", n, dtype: "f64", side: "active" });
  pts.push({ op: "gemm", n: quick ? 512 : 1024, dtype: "f64", side: "js" });
  pts.push({ op: "eigh", n: quick ? 500 : 1000, dtype: "f64", side: "js" });
  return pts;
}

function runOurs(p: Point, b: LinalgBackend, target: number): BenchResult {
  const o = { n: p.n, backend: b, targetSeconds: target, minReps: 3 };
  if (p.op === "gemm") return benchGemm({ ...o, dtype: p.dtype });
  if (p.op === "cholesky") return benchCholesky(o);
  return benchEigh(o);
}

/** A line-protocol client for `numpy_linalg.py --serve`. */
class NumpyServer {
  private proc: ChildProcessWithoutNullStreams;
  private lines: AsyncIterator<string>;
  private stderr = "";
  constructor(python: string) {
    this.proc = spawn(python, [join(here, "numpy_linalg.py"), "--serve"], { stdio: ["pipe", "pipe", "pipe"], env: process.env });
    this.proc.stderr.on("data", (d) => {
      this.stderr += d.toString();
    });
    this.lines = createInterface({ input: this.proc.stdout })[Symbol.asyncIterator]();
  }
  private async next(): Promise<Record<string, unknown>> {
    const r = await this.lines.next();
    if (r.done) throw new Error(`numpy_linalg.py exited: ${this.stderr.trim().split("\n").slice(-3).join(" | ")}`);
    return JSON.parse(r.value) as Record<string, unknown>;
  }
  async hello(): Promise<Record<string, unknown>> {
    return (await this.next()).blas as Record<string, unknown>;
  }
  async run(p: Point, target: number): Promise<NumpyResult> {
    this.proc.stdin.write(`${JSON.stringify({ op: p.op, n: p.n, dtype: p.dtype, target, min_reps: 3 })}\n`);
    const r = await this.next();
    if (r.error) throw new Error(`numpy_linalg.py: ${r.error}`);
    return r as unknown as NumpyResult;
  }
  close(): void {
    this.proc.stdin.end();
  }
}

function cpuModel(): string {
  try {
    const out = execFileSync("lscpu", { encoding: "utf8" });
    const m = /^Model name:\s*(.+)$/m.exec(out);
    if (m) return m[1].trim();
  } catch {
    // fall through
  }
  return os.cpus()[0]?.model ?? "unknown";
}

function targetFor(p: Point, ours: BenchResult, ratio: number | null): LinalgRow["target"] {
  if (p.side === "js") {
    if (p.op === "gemm") return { text: "≥ 2 GFLOP/s", met: (ours.gflops ?? 0) >= 2 };
    if (p.op === "eigh") return { text: "< 5 s", met: ours.seconds < 5 };
    return null;
  }
  if (ours.backend !== "native" || ratio === null) return null;
  if (p.op === "gemm" && p.dtype === "f64" && p.n === 2048) return { text: "ratio ≥ 0.85", met: ratio >= 0.85 };
  if ((p.op === "cholesky" || p.op === "eigh") && p.n === 2000) return { text: "ratio ≤ 1.2", met: ratio <= 1.2 };
  return null;
}

function fmtTime(s: number): string {
  return s >= 1 ? `${s.toFixed(2)} s` : `${(s * 1e3).toFixed(s < 0.01 ? 3 : 1)} ms`;
}

function fmtCell(op: string, r: { seconds: number; gflops: number | null } | null): string {
  if (!r) return "—";
  return op === "gemm" ? `${(r.gflops as number).toFixed(1)} GFLOP/s` : fmtTime(r.seconds);
}

const SETTLE_MS = 400;
/** A point whose single call takes longer than this (s) is measured in one round only. */
const LONG_CALL_S = 4;

/** Pools the samples of several rounds of one side: median, min, max and GFLOP/s over all of them. */
function pooled<T extends { seconds: number; gflops: number | null; reps: number; min: number; max: number; samples: number[] }>(parts: T[]): T {
  const samples = parts.flatMap((p) => p.samples);
  const seconds = median(samples);
  const gflops = parts[0].gflops === null ? null : (parts[0].gflops * parts[0].seconds) / seconds;
  return { ...parts[0], seconds, gflops, reps: samples.length, min: Math.min(...samples), max: Math.max(...samples), samples };
}
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
}

/** Runs every point (ours, then NumPy, point by point) and returns the report. */
export async function runLinalgBench(opts: LinalgBenchOptions = {}): Promise<LinalgBenchReport> {
  const quick = opts.quick ?? false;
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const target = quick ? 0.3 : 1.5;
  const rounds = Math.max(1, opts.rounds ?? (quick ? 1 : 3));
  const loadBefore = os.loadavg()[0];
  const active = backend();
  const st = backendStatus();
  if (active.name !== "native") log(`warning: native backend unavailable (${st.reason}); "ours" is the JS backend`);
  const addon = loadAddon();
  const cfg = addon ? addon.config() : null;

  const python = opts.python ?? "/usr/bin/python3";
  let np: NumpyServer | null = null;
  let numpyInfo: Record<string, unknown> | null = null;
  try {
    np = new NumpyServer(python);
    numpyInfo = await np.hello();
    if (!numpyInfo.openblas) log(`warning: ${String(numpyInfo.warning ?? "NumPy is not on OpenBLAS")}`);
  } catch (e) {
    log(`warning: NumPy side unavailable (${(e as Error).message}); reporting our numbers only`);
    np?.close();
    np = null;
  }

  const rows: LinalgRow[] = [];
  const numpyCache = new Map<string, NumpyResult>();
  for (const p of points(quick)) {
    const b = p.side === "js" ? jsBackend : active;
    const k = `${p.op}/${p.n}/${p.dtype}`;
    const cached = numpyCache.get(k) ?? null;
    const oursParts: BenchResult[] = [];
    const npParts: NumpyResult[] = [];
    // Rounds alternate the two sides so a burst of outside load hits both alike; the samples of all
    // rounds are pooled. A point whose single call exceeds LONG_CALL_S gets one round only.
    for (let r = 0; r < rounds; r++) {
      // OpenBLAS worker threads busy-wait for a while after each call; let the other process's
      // threads go idle before timing so neither side runs against the other's spinning pool.
      await settle();
      oursParts.push(runOurs(p, b, target));
      if (!cached && np) {
        await settle();
        try {
          npParts.push(await np.run(p, target));
        } catch (e) {
          log(`warning: ${(e as Error).message}`);
          break;
        }
      }
      if (p.side === "js" || oursParts[0].seconds > LONG_CALL_S) break;
    }
    const ours = pooled(oursParts);
    let numpy = cached;
    if (!numpy && npParts.length) {
      numpy = pooled(npParts);
      numpyCache.set(k, numpy);
    }
    const ratio = numpy ? (p.op === "gemm" ? (ours.gflops as number) / (numpy.gflops as number) : ours.seconds / numpy.seconds) : null;
    const row: LinalgRow = {
      op: p.op,
      n: p.n,
      dtype: p.dtype,
      backend: ours.backend,
      rounds: oursParts.length,
      ours,
      numpy,
      ratio,
      target: targetFor(p, ours, ratio),
    };
    rows.push(row);
    log(
      `${p.op.padEnd(8)} n=${String(p.n).padEnd(5)} ${p.dtype} ${ours.backend.padEnd(6)} ours ${fmtCell(p.op, ours).padStart(15)}  numpy ${fmtCell(p.op, numpy).padStart(15)}  ratio ${ratio === null ? "—" : ratio.toFixed(2)}`,
    );
  }
  np?.close();
  const rep = report(quick, target, active, cfg, numpyInfo, rows, { before: loadBefore, after: os.loadavg()[0] }, rounds);
  if (opts.write ?? !quick) {
    writeReport(rep);
    log("wrote bench/results/linalg.json and the linalg section of bench/RESULTS.md");
  }
  return rep;
}

function report(
  quick: boolean,
  target: number,
  active: LinalgBackend,
  cfg: { config: string; corename: string } | null,
  numpyInfo: Record<string, unknown> | null,
  rows: LinalgRow[],
  load: { before: number; after: number },
  rounds: number,
): LinalgBenchReport {
  const envKeys = ["OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"];
  return {
    date: new Date().toISOString(),
    command: `npx tsx bench/linalg.ts${quick ? " --quick" : ""}${rounds !== (quick ? 1 : 3) ? ` --rounds ${rounds}` : ""}`,
    machine: {
      cpu: cpuModel(),
      cores: os.cpus().length,
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      platform: `${os.type()} ${os.release()}`,
    },
    load,
    env: Object.fromEntries(envKeys.map((k) => [k, process.env[k] ?? null])),
    ours: { active: active.name, description: active.describe(), config: cfg?.config ?? null, corename: cfg?.corename ?? null, threads: active.getThreads() },
    numpy: numpyInfo,
    protocol: `per side and round: a warm-up call, then max(3, round(${target} s / t_warmup)) timed calls; ${rounds} alternating rounds (ours, NumPy) per point (1 when a call exceeds ${LONG_CALL_S} s), median of all timed calls; inputs seeded; SPD K = X·Xᵀ/n + I`,
    rows,
  };
}

/** The plain-text table printed to stdout. */
export function formatTable(rep: LinalgBenchReport): string {
  const head = ["op", "n", "dtype", "backend", "ours", "numpy", "ratio", "target"];
  const body = rep.rows.map((r) => [
    r.op,
    String(r.n),
    r.dtype,
    r.backend,
    fmtCell(r.op, r.ours),
    fmtCell(r.op, r.numpy),
    r.ratio === null ? "—" : r.ratio.toFixed(2),
    r.target ? `${r.target.text} ${r.target.met ? "✓" : "✗"}` : "",
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 4 ? c.padEnd(w[i]) : c.padStart(w[i]))).join("  ");
  return [line(head), w.map((x) => "-".repeat(x)).join("  "), ...body.map(line)].join("\n");
}

/** The Markdown section written between the linalg markers of bench/RESULTS.md. */
export function formatMarkdown(rep: LinalgBenchReport): string {
  const np = rep.numpy ?? {};
  const envLine = Object.entries(rep.env)
    .map(([k, v]) => `\`${k}\`=${v ?? "unset"}`)
    .join(", ");
  const rows = rep.rows.map(
    (r) =>
      `| ${r.op} | ${r.n} | ${r.dtype} | ${r.backend} | ${fmtCell(r.op, r.ours)} | ${fmtCell(r.op, r.numpy)} | ${r.ratio === null ? "—" : r.ratio.toFixed(2)} | ${r.target ? `${r.target.text} ${r.target.met ? "✓" : "✗"}` : ""} |`,
  );
  return [
    "## Dense linear algebra (featurelab vs NumPy)",
    "",
    `Command: \`${rep.command}\` — ${rep.date.slice(0, 10)}.`,
    "",
    `Machine: ${rep.machine.cpu}, ${rep.machine.cores} cores, ${rep.machine.memoryGiB} GiB, ${rep.machine.platform}, Node ${rep.machine.node}; 1-min load average ${rep.load.before.toFixed(2)} before, ${rep.load.after.toFixed(2)} after the run.`,
    "",
    `- featurelab: ${rep.ours.active} backend — ${rep.ours.description}; \`openblas_get_config()\`: \`${rep.ours.config ?? "n/a"}\`.`,
    `- NumPy ${String(np.numpy ?? "n/a")} (Python ${String(np.python ?? "n/a")}, /usr/bin/python3): ${np.openblas ? "OpenBLAS" : "**not OpenBLAS**"}, \`${String(np.config ?? "n/a")}\`, core ${String(np.corename ?? "n/a")}, ${String(np.threads ?? "?")} threads; mapped: ${((np.mapped_blas_libraries as string[] | undefined) ?? []).map((p) => `\`${p}\``).join(", ")}.`,
    `- Environment (same for both sides): ${envLine}.`,
    `- Protocol: ${rep.protocol}. Both sides run in the same invocation (NumPy as a child process), alternating point by point and round by round, with a 0.4 s pause before each side so the other process's OpenBLAS threads stop spinning.`,
    "- Timed call: GEMM `C ← A·B` into a preallocated C (NumPy `np.matmul(A, B, out=C)`); Cholesky = copy + `dpotrf` (NumPy `np.linalg.cholesky`); eigh = copy + `dsyevd`, values and vectors (NumPy `np.linalg.eigh`).",
    "- Ratio: GEMM ours GFLOP/s ÷ NumPy GFLOP/s (higher is better); Cholesky and eigh ours seconds ÷ NumPy seconds (lower is better). GEMM GFLOP counts 2n³; eigh is reported in seconds only.",
    "- Rows with backend `js` are the pure-TypeScript fallback (single thread) against the same NumPy point.",
    "- This is one run on a small shared machine: individual ratios move by tens of percent between runs when other work is running (see the load average); `bench/results/linalg.json` has each point's min, quartiles and max.",
    "",
    "| op | n | dtype | backend | ours | NumPy | ratio | target |",
    "|---|---:|---|---|---:|---:|---:|---|",
    ...rows,
  ].join("\n");
}

function quantile(sorted: number[], q: number): number {
  const x = q * (sorted.length - 1);
  const i = Math.floor(x);
  return i + 1 < sorted.length ? sorted[i] + (x - i) * (sorted[i + 1] - sorted[i]) : sorted[i];
}

/** A timing summary for the JSON file: quartiles instead of every sample once there are many. */
function compact<T extends { samples?: number[] }>(r: T | null): (Omit<T, "samples"> & { q1?: number; q3?: number; samples?: number[] }) | null {
  if (!r?.samples) return r;
  const { samples, ...rest } = r;
  const sorted = [...samples].sort((a, b) => a - b);
  const out = { ...rest, q1: quantile(sorted, 0.25), q3: quantile(sorted, 0.75) };
  return samples.length <= 24 ? { ...out, samples } : out;
}

/** Writes bench/results/linalg.json (samples summarised by quartiles when there are many) and the RESULTS.md section. */
export function writeReport(rep: LinalgBenchReport): void {
  mkdirSync(join(here, "results"), { recursive: true });
  const slim = { ...rep, rows: rep.rows.map((r) => ({ ...r, ours: compact(r.ours), numpy: compact(r.numpy) })) };
  writeFileSync(join(here, "results", "linalg.json"), `${JSON.stringify(slim, null, 2)}\n`);
  writeSection("linalg", formatMarkdown(rep));
}

export async function main(argv: string[] = process.argv.slice(2)): Promise<LinalgBenchReport> {
  const quick = argv.includes("--quick");
  const write = argv.includes("--no-write") ? false : argv.includes("--write") ? true : undefined;
  const ri = argv.indexOf("--rounds");
  const rounds = ri >= 0 ? Number(argv[ri + 1]) : undefined;
  if (rounds !== undefined && !(Number.isInteger(rounds) && rounds >= 1)) throw new Error(`--rounds must be a positive integer, got ${argv[ri + 1]}`);
  const rep = await runLinalgBench({ quick, write, rounds });
  process.stdout.write(`${formatTable(rep)}\n`);
  return rep;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e) => {
    process.stderr.write(`${(e as Error).stack ?? e}\n`);
    process.exit(1);
  });
}
