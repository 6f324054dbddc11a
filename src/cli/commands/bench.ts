/**
 * `featurelab bench <op>`: time one operation of the project's side, so anyone can reproduce a
 * benchmark number; `npm run bench` runs the full side-by-side comparison with NumPy/PyTorch.
 */
import type { Command } from "commander";
import { benchCholesky, benchEigh, benchGemm } from "../../engine/benchOps.js";
import { jsBackend } from "../../engine/linalg/js.js";
import { choiceArg, emit, intAtLeast, withCommon } from "../common.js";

function fmt(r: { op: string; n: number; seconds: number; gflops: number | null; backend: string }): string {
  return `${r.op} n=${r.n}: ${(r.seconds * 1e3).toFixed(2)} ms${r.gflops != null ? `, ${r.gflops.toFixed(1)} GFLOP/s` : ""} (${r.backend})`;
}

export function register(program: Command): void {
  const bench = program.command("bench").description("time one operation of featurelab's engine (npm run bench compares with NumPy/PyTorch)");
  const backendOpt = (name: string) => choiceArg(name, ["active", "js"] as const);

  withCommon(bench.command("gemm"))
    .description("C = A·B for random n×n matrices; prints {seconds, gflops, backend}")
    .option("--n <n>", "matrix size", intAtLeast("--n", 1), 1024)
    .option("--dtype <dtype>", "f64 or f32", choiceArg("--dtype", ["f64", "f32"] as const), "f64")
    .option("--backend <b>", "active (default) or js (the pure-TypeScript fallback)", backendOpt("--backend"), "active")
    .action((o) => {
      const r = benchGemm({ n: o.n, dtype: o.dtype, backend: o.backend === "js" ? jsBackend : undefined });
      emit(o, r, () => fmt(r));
    });

  withCommon(bench.command("cholesky"))
    .description("Cholesky factorisation of a random SPD n×n matrix")
    .option("--n <n>", "matrix size", intAtLeast("--n", 1), 1000)
    .option("--backend <b>", "active (default) or js", backendOpt("--backend"), "active")
    .action((o) => {
      const r = benchCholesky({ n: o.n, backend: o.backend === "js" ? jsBackend : undefined });
      emit(o, r, () => fmt(r));
    });

  withCommon(bench.command("eigh"))
    .description("full symmetric eigendecomposition (values and vectors) of a random SPD n×n matrix")
    .option("--n <n>", "matrix size", intAtLeast("--n", 1), 1000)
    .option("--backend <b>", "active (default) or js", backendOpt("--backend"), "active")
    .action((o) => {
      const r = benchEigh({ n: o.n, backend: o.backend === "js" ? jsBackend : undefined });
      emit(o, r, () => fmt(r));
    });
}
