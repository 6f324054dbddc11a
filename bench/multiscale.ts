/**
 * Benchmark: paper d's Algorithm 1 (annealed tree level, linear network, exact tilted average) for
 * P = 500, D = 100, N = 500 over χ = 1 … N (8 log-spaced targets), plus the scalar-Q / L&S solves.
 * Writes the "multiscale" section of bench/RESULTS.md. Run: node --import tsx bench/multiscale.ts
 */
import { median } from "../src/engine/benchOps.js";
import { key, normal } from "../src/engine/random.js";
import { annealTreeLevel, linearTilt, msaKernels, nngpBaseline, solveScalarQ, trainSpectrum } from "../src/theory/multiscale/index.js";
import { writeSection } from "./resultsFile.js";

export function main(argv: string[] = process.argv.slice(2)): void {
  const ri = argv.indexOf("--reps");
  const reps = ri >= 0 ? Number.parseInt(argv[ri + 1], 10) : argv.includes("--quick") ? 1 : 3;
  if (!(reps >= 1)) throw new Error(`bench/multiscale.ts: --reps must be a positive integer, got ${argv[ri + 1]}`);
  const write = !argv.includes("--no-write") && !argv.includes("--quick");
  const P = 500;
  const D = 100;
  const N = 500;
  const kappa = 0.1;
  const X = normal(key(1), P * D);
  const beta = normal(key(2), D);
  const y = new Float64Array(P);
  for (let a = 0; a < P; a++) {
    let s = 0;
    for (let k = 0; k < D; k++) s += X[a * D + k] * beta[k];
    y[a] = Math.sign(s);
  }
  const chis = Array.from({ length: 8 }, (_, i) => N ** (i / 7));
  const tAnneal: number[] = [];
  const tScalar: number[] = [];
  let steps = 0;
  let maxDiff = 0;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    const ker = msaKernels({ X, P, D, y, act: "linear", N, kappa });
    const base = nngpBaseline(ker, y, kappa, 1);
    const an = annealTreeLevel(linearTilt(ker, N, kappa), y, kappa, base.t, chis);
    tAnneal.push((performance.now() - t0) / 1000);
    steps = an.path.length;
    const t1 = performance.now();
    const sp = trainSpectrum(ker.Ktr, P, y);
    for (const chi of chis) {
      const q = solveScalarQ("tree", sp, { chi, N, kappa });
      solveScalarQ("ls", sp, { chi, N, kappa });
      const pt = an.points.find((p) => p.chi === chi);
      if (pt) {
        // compare t against the scalar solution through R = (QK + κ)t − y
        let m = 0;
        for (let a = 0; a < P; a++) {
          let s = kappa * pt.t[a] - y[a];
          for (let b = 0; b < P; b++) s += q.Q * ker.Ktr[a * P + b] * pt.t[b];
          m = Math.max(m, Math.abs(s));
        }
        maxDiff = Math.max(maxDiff, m);
      }
    }
    tScalar.push((performance.now() - t1) / 1000);
  }
  const md = [
    `Annealed tree level (Algorithm 1, linear, exact tilt), P = ${P}, D = ${D}, N = ${N}, κ = ${kappa}, 8 targets χ = 1 … ${N}; median of ${reps} (${new Date().toISOString().slice(0, 10)}):`,
    "",
    "| step | time (s) |",
    "|---|---|",
    `| kernels + NNGP + annealing (${steps} accepted χ steps) | ${median(tAnneal).toFixed(3)} |`,
    `| scalar Q (tree + L&S) at the 8 targets, incl. P×P eigh | ${median(tScalar).toFixed(3)} |`,
    "",
    `Matrix solution vs scalar-Q: max |(QK + κ)t − y| = ${maxDiff.toExponential(2)}. Target: annealing under 10 s. NumPy comparison: not yet written.`,
  ].join("\n");
  if (write) writeSection("multiscale", md);
  console.log(md);
}

if (import.meta.url === `file://${process.argv[1]}`) main(process.argv.slice(2));
