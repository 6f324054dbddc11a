/**
 * Benchmark: paper b's forward–backward MAP solver at P = 500 with the matrix-free Monte-Carlo
 * tilted backend (src/theory/critical/monteCarlo.ts: blocks of samples, GEMMs, online weights,
 * exact-pair-moment control variate), beside the same iteration in NumPy (bench/numpy_critical.py)
 * on the same inputs and the same common random numbers (the S×P standard normals of each layer are
 * written to a temporary folder), so the two final kernels must agree to rounding.
 *
 * Problem: a two-class Gaussian mixture (x = ±m + z, z ~ N(0, I_d), d = 1000, |m₊ − m₋| = ½√d),
 * y = ±1; erf network with L = 2 hidden layers, g = 1.5, g_b = 0.05, κ = 0.1, N = 1000 (α = P/N = ½);
 * S = 10 000 samples per layer, damping ½, tol 10⁻⁸. Timed: the whole solveMap call (NNGP start, all
 * iterations, the final backward sweep and the action). Both sides use OpenBLAS's default threads.
 * Writes the "critical" section of bench/RESULTS.md and bench/results/critical.json.
 *
 * Run: node --import tsx bench/critical.ts [--reps R] [--quick] [--no-write]
 *      (--quick: P = 200, S = 4000, nothing written)
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gaussianMixture } from "../src/data/index.js";
import { median } from "../src/engine/benchOps.js";
import { backend } from "../src/engine/linalg/backend.js";
import { foldIn, key } from "../src/engine/random.js";
import { type MapSolution, solveMap, standardSamples } from "../src/theory/critical/index.js";
import { readBin, writeBin } from "./binio.js";
import { writeResultsJson, writeSection } from "./resultsFile.js";

const here = dirname(fileURLToPath(import.meta.url));

export function main(argv: string[] = process.argv.slice(2)): void {
  const quick = argv.includes("--quick");
  const ri = argv.indexOf("--reps");
  const reps = ri >= 0 ? Number.parseInt(argv[ri + 1], 10) : 1;
  if (!(reps >= 1)) throw new Error(`bench/critical.ts: --reps must be a positive integer, got ${argv[ri + 1]}`);
  const write = !argv.includes("--no-write") && !quick;
  const python = "/usr/bin/python3";
  const log = (l: string) => process.stderr.write(`${l}\n`);
  const P = quick ? 200 : 500;
  const d = 1000;
  const N = 2 * P;
  const S = quick ? 4000 : 10_000;
  const L = 2;
  const g = 1.5;
  const gb = 0.05;
  const kappa = 0.1;
  const eta = 0.5;
  const tol = 1e-8;
  const seed = 3;
  const block = 1024;
  const ds = gaussianMixture({ P, D: d, key: key(1), separation: 0.5 * Math.sqrt(d), noise: 1 });
  const X = Float64Array.from(ds.X);
  const y = Float64Array.from(ds.y);
  const model = { activation: "erf", depth: L, width: N, gw: g, gb, kappa };
  const opts = { backend: "monte-carlo" as const, samples: S, seed, tol, damping: eta, maxIter: 500, block };

  const dir = mkdtempSync(join(os.tmpdir(), "featurelab-critical-"));
  writeBin(join(dir, "X.bin"), X);
  writeBin(join(dir, "y.bin"), y);
  // The solver's common random numbers: layer l uses foldIn(key(seed), l).
  for (let l = 2; l <= L + 1; l++) writeBin(join(dir, `Z${l}.bin`), standardSamples(P, { samples: S, key: foldIn(key(seed), l) }).Z);
  writeFileSync(join(dir, "meta.json"), JSON.stringify({ P, d, N, L, g, gb, kappa, S, eta, tol, maxIter: 500, cv: true, block }));

  const tOurs: number[] = [];
  const tNumpy: number[] = [];
  let sol: MapSolution | null = null;
  type NumpyOut = { ms: number[]; iterations: number; converged: boolean; residual: number; ess: number[]; info: Record<string, unknown> };
  const npBox: { out: NumpyOut | null } = { out: null };
  let numpyOk = existsSync(python);
  if (!numpyOk) log(`warning: ${python} not found; NumPy side skipped`);
  const runOurs = (r: number) => {
    const t0 = performance.now();
    sol = solveMap(model, X, P, d, y, 1, opts);
    tOurs.push((performance.now() - t0) / 1000);
    log(`  rep ${r + 1}/${reps}: ours  ${tOurs[tOurs.length - 1].toFixed(1)} s (${sol.iterations} iterations, converged ${sol.converged})`);
  };
  const runNumpy = (r: number) => {
    if (!numpyOk) return;
    const res = spawnSync(python, [join(here, "numpy_critical.py"), dir, "--reps", "1"], { encoding: "utf8", maxBuffer: 1 << 24 });
    if (res.status !== 0) {
      log(`warning: numpy_critical.py failed (${res.status}): ${(res.stderr || res.error?.message || "").trim().split("\n").pop()}`);
      numpyOk = false;
      return;
    }
    const out = JSON.parse(res.stdout) as NumpyOut;
    npBox.out = out;
    tNumpy.push(out.ms[0] / 1000);
    log(`  rep ${r + 1}/${reps}: numpy ${tNumpy[tNumpy.length - 1].toFixed(1)} s (${out.iterations} iterations, converged ${out.converged})`);
  };
  for (let r = 0; r < reps; r++) {
    if (r % 2 === 0) {
      runOurs(r);
      runNumpy(r);
    } else {
      runNumpy(r);
      runOurs(r);
    }
  }
  const s = sol as MapSolution | null;
  if (!s) throw new Error("bench/critical.ts: no solution");
  // Agreement of the final kernels, relative to the size of the adaptation.
  let agree: number | null = null;
  if (numpyOk) {
    let m = 0;
    let scale = 0;
    for (let l = 2; l <= L + 1; l++) {
      const c = readBin(join(dir, `C${l}.bin`));
      for (let i = 0; i < P * P; i++) {
        m = Math.max(m, Math.abs(s.C[l - 1][i] - c[i]));
        scale = Math.max(scale, Math.abs(s.C[l - 1][i] - s.Cgp[l - 1][i]));
      }
    }
    agree = m / scale;
  }
  rmSync(dir, { recursive: true, force: true });
  const rel = (l: number) => {
    let a = 0;
    let b = 0;
    for (let i = 0; i < P * P; i++) {
      a += (s.C[l - 1][i] - s.Cgp[l - 1][i]) ** 2;
      b += s.Cgp[l - 1][i] ** 2;
    }
    return Math.sqrt(a / b);
  };
  const oursMed = median(tOurs);
  const npMed = tNumpy.length ? median(tNumpy) : null;
  const ratio = npMed ? oursMed / npMed : null;
  const npr = npBox.out;
  const date = new Date().toISOString().slice(0, 10);
  const load = os
    .loadavg()
    .map((v) => v.toFixed(2))
    .join(" ");
  const md = [
    "## Critical feature learning (paper b): MAP solver at P = 500 vs NumPy",
    "",
    `Command: \`npm run bench -- critical\` — ${date}. Machine: ${os.cpus().length} cores, Node ${process.version}; load average at the end ${load} (shared machine: expect noise). featurelab: ${backend().name} backend — ${backend().describe()}.${npr ? ` NumPy ${npr.info.numpy} (${python}; erf of arrays through torch.erf).` : " NumPy side not run."}`,
    "",
    `Forward–backward MAP iteration (\`solveMap\`, backend "monte-carlo": matrix-free importance sampling in GEMM blocks of ${block} rows, exact-pair-moment control variate), erf, L = ${L}, P = ${P}, N = ${N} (α = ${P / N}), g = ${g}, g_b = ${gb}, κ = ${kappa}, S = ${S} samples per layer, η = ${eta}, tol ${tol}; two-class Gaussian mixture in d = ${d} (class-mean distance ½√d, unit noise), y = ±1. NumPy: \`bench/numpy_critical.py\`, the same iteration on the same inputs and common random numbers. Median of ${reps}.`,
    "",
    "| step | featurelab (s) | NumPy (s) | ours/NumPy |",
    "|---|---|---|---|",
    `| solveMap (NNGP start, ${s.iterations} iterations, final sweep, action) | ${oursMed.toFixed(1)} | ${npMed === null ? "—" : npMed.toFixed(1)} | ${ratio === null ? "—" : ratio.toFixed(2)} |`,
    "",
    `Converged: ${s.converged} (final residual ${(s.residuals[s.residuals.length - 1] ?? Number.NaN).toExponential(2)}); NumPy ${npr ? `${npr.converged}, ${npr.iterations} iterations` : "—"}. ESS/S at the last iteration: ${(s.ess ?? []).map((e) => (e / S).toFixed(4)).join(", ")}. Relative adaptation ‖C_MAP − C_GP‖/‖C_GP‖: ${[2, 3].map((l) => `C^(${l}) ${rel(l).toExponential(2)}`).join(", ")}. Agreement: max |C_ours − C_NumPy| / max |C_MAP − C_GP| = ${agree === null ? "—" : agree.toExponential(2)}. Target: P = 500 in under 5 minutes — ${P === 500 ? (oursMed < 300 ? "met" : "NOT met") : "not measured (--quick)"}.`,
  ].join("\n");
  const json = {
    date,
    P,
    d,
    N,
    L,
    g,
    gb,
    kappa,
    S,
    eta,
    tol,
    reps,
    oursSeconds: tOurs,
    numpySeconds: tNumpy,
    ratio,
    iterations: s.iterations,
    converged: s.converged,
    residuals: s.residuals,
    ess: s.ess,
    relativeAdaptation: [rel(2), rel(3)],
    maxRelDiffNumpy: agree,
    numpy: npr,
    loadavg: os.loadavg(),
  };
  if (write) {
    writeSection("critical", md);
    writeResultsJson("critical", json);
  }
  console.log(md);
}

if (import.meta.url === `file://${process.argv[1]}`) main(process.argv.slice(2));
