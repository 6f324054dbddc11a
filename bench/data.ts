/**
 * Data-loading benchmark: MNIST 0 vs 1, 1000 images per class, downsampled to 10×10 (the engine
 * issue's target: under 2 s), side by side with the same work in NumPy (bench/numpy_data.py).
 * Each side is timed in a fresh process, file reading included, so cold-start costs count.
 *
 * Run: `node --import tsx bench/data.ts` (or through bench/run.ts).
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { mnistFiles } from "../src/data/index.js";

export interface DataBenchReport {
  ours: { medianSeconds: number; samples: number[]; inProcessMedianSeconds: number };
  numpy: { medianSeconds: number; samples: number[] };
  ratio: number;
}

const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

export async function runDataBench(opts: { reps?: number } = {}): Promise<DataBenchReport> {
  const reps = opts.reps ?? 5;
  const root = join(import.meta.dirname, "..");
  const files = mnistFiles("mnist", "train");
  // ours: one fresh process per repetition, timing the whole load inside it (module start-up excluded)
  const script = `
    const t0 = performance.now();
    const { mnistBinary } = await import(${JSON.stringify(pathToFileURL(join(root, "src", "data", "index.ts")).href)});
    const { key } = await import(${JSON.stringify(pathToFileURL(join(root, "src", "engine", "random.ts")).href)});
    const t1 = performance.now();
    const ds = mnistBinary({ classes: [0, 1], perClass: 1000, size: [10, 10], key: key(Number(process.argv[1])) });
    const t2 = performance.now();
    const again = [];
    for (let r = 0; r < 3; r++) { const a = performance.now(); mnistBinary({ classes: [0, 1], perClass: 1000, size: [10, 10], key: key(r) }); again.push(performance.now() - a); }
    if (ds.P !== 2000 || ds.D !== 100) throw new Error("wrong shape");
    console.log(JSON.stringify({ load: (t2 - t1) / 1e3, imports: (t1 - t0) / 1e3, warm: again.map((x) => x / 1e3) }));`;
  const ours: number[] = [];
  const warm: number[] = [];
  for (let r = 0; r < reps; r++) {
    const out = execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script, String(r)], { cwd: root, encoding: "utf8" });
    const j = JSON.parse(out.trim().split("\n").pop() as string);
    ours.push(j.load);
    warm.push(...j.warm);
  }
  const py = JSON.parse(
    execFileSync("/usr/bin/python3", [join(root, "bench", "numpy_data.py"), files.images, files.labels, "--reps", String(reps)], { encoding: "utf8" }),
  );
  const report = {
    ours: { medianSeconds: median(ours), samples: ours, inProcessMedianSeconds: median(warm) },
    numpy: { medianSeconds: py.median, samples: py.seconds },
    ratio: median(ours) / py.median,
  };
  return report;
}

export function formatDataMarkdown(r: DataBenchReport): string {
  return [
    "## Data loading (MNIST 0 vs 1, 1000 per class, 10×10)",
    "",
    "Command: `node --import tsx bench/data.ts`. Ours: `mnistBinary` (first call in a fresh process, file reading included; warm = later calls in the same process). NumPy: `bench/numpy_data.py` — the same IDX reading, class selection, random choice and area-averaging downsample.",
    "",
    "| quantity | ours | NumPy | ours/NumPy | target |",
    "|---|---:|---:|---:|---|",
    `| load, first call (s) | ${r.ours.medianSeconds.toFixed(3)} | ${r.numpy.medianSeconds.toFixed(3)} | ${r.ratio.toFixed(2)} | < 2 s ${r.ours.medianSeconds < 2 ? "✓" : "✗"} |`,
    `| load, warm (s) | ${r.ours.inProcessMedianSeconds.toFixed(3)} | | | |`,
  ].join("\n");
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = await runDataBench();
  console.log(formatDataMarkdown(r));
}
