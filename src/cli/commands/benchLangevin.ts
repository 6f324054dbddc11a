/**
 * `featurelab bench langevin`: time one Langevin (ULA) step of a one-hidden-layer network on
 * synthetic data (see `src/nn/samplers/timing.ts`; `bench/langevin.ts` compares with PyTorch).
 *
 *   featurelab bench langevin --P 5000 --D 784 --N 2000 --act erf --dtype f32 --steps 10 --json
 *
 * Added to the `bench` command group (created when absent) by {@link registerBenchLangevin}.
 */
import type { Command } from "commander";
import { preferParkedBlasThreads } from "../../nn/kernels.js";
import { timeLangevin } from "../../nn/samplers/timing.js";
import { choiceArg, emit, intAtLeast, withCommon } from "../common.js";

/** Adds `langevin` under `featurelab bench`. */
export function registerBenchLangevin(program: Command): void {
  let bench = program.commands.find((c) => c.name() === "bench");
  if (!bench) bench = program.command("bench").description("time one operation of featurelab's engine");
  withCommon(bench.command("langevin"))
    .description("one ULA step of a D→N→1 network on P synthetic points; prints {msPerStep, backend}")
    .option("--P <n>", "training points", intAtLeast("--P", 1), 5000)
    .option("--D <n>", "input dimension", intAtLeast("--D", 1), 784)
    .option("--N <n>", "hidden width", intAtLeast("--N", 1), 2000)
    .option("--act <spec>", "activation", "erf")
    .option("--dtype <dtype>", "f32 or f64", choiceArg("--dtype", ["f32", "f64"] as const), "f32")
    .option("--steps <n>", "timed steps (median reported)", intAtLeast("--steps", 1), 10)
    .option("--warmup <n>", "untimed steps first", intAtLeast("--warmup", 0), 2)
    .option("--backend <b>", "auto, native or js", choiceArg("--backend", ["auto", "native", "js"] as const), "auto")
    .action((o) => {
      preferParkedBlasThreads();
      const r = timeLangevin({
        P: o.P,
        D: o.D,
        N: o.N,
        act: o.act,
        dtype: o.dtype,
        steps: o.steps,
        warmup: o.warmup,
        kernels: o.backend,
        seed: o.seed || undefined,
      });
      emit(
        o,
        r,
        () =>
          `ULA step P=${r.P} D=${r.D} N=${r.N} ${r.act} ${r.dtype}: ${r.msPerStep.toFixed(1)} ms/step (median of ${r.times.length}), ${(r.workingBytes / 2 ** 20).toFixed(0)} MiB working buffers — ${r.description}`,
      );
    });
}
