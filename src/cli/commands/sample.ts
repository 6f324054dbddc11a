/**
 * `featurelab sample` — Bayesian posterior sampling of a finite fully connected network.
 *
 *   featurelab sample --data FILE --act erf --width 500 --depth 1 --T 0.01 --l0 1 --l1 1 --dt 0.001 \
 *     --steps 20000 --burnin 5000 --chains 2 --seed 1 [--sampler ula|mala|hmc] [--checkpoint FILE] --json
 *
 * Target: p(θ) ∝ exp(−L(θ)/T)·Π N(θ_l; 0, 1/λ_l), L = ½Σ(f − y)², in paper (a)'s conventions
 * (see src/nn/mlp.ts for the parameterizations and src/nn/samplers for the samplers). Prints the
 * posterior-mean test predictions (`ypred`), the posterior-averaged test loss (`testLoss` with its
 * `bias2` + `variance` split), the order parameter Q = λ_L⟨|v|²⟩/N_L (`Q`), the training loss and the
 * virial residuals, each with an error bar, and the chain diagnostics (τ_int, ESS, split-R̂,
 * acceptance, divergences). FILE is a {"Xtrain","ytrain","Xtest","ytest"} JSON file.
 *
 * With `--checkpoint FILE` the run state is saved atomically every `--checkpoint-every` steps and
 * at the end; rerunning the same command resumes from it (bit-identical to an uninterrupted run).
 *
 * Also registers `featurelab bench langevin` (src/cli/commands/benchLangevin.ts).
 */
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Command } from "commander";
import { InputError } from "../../engine/errors.js";
import { preferParkedBlasThreads, selectKernels } from "../../nn/kernels.js";
import { chiTemperature, createMLP, describeMLP, type MLPSpec, PARAMETERIZATIONS, type Parameterization } from "../../nn/mlp.js";
import { ObservableRecorder, type ScalarSummary } from "../../nn/observables.js";
import { checkSchedule, type RunResult, runChains, SAMPLERS, type SamplerName } from "../../nn/samplers/chains.js";
import { Posterior } from "../../nn/samplers/posterior.js";
import { choiceArg, emit, intAtLeast, note, numberArg, positiveArg, progress, withCommon } from "../common.js";
import { loadSplit } from "../dataArg.js";
import { registerBenchLangevin } from "./benchLangevin.js";

const widthsArg = (raw: string): number[] => {
  const parts = raw.split(",").map((s) => s.trim());
  return parts.map((s) => {
    const v = Number(s);
    if (s === "" || !Number.isInteger(v) || v < 1) throw new InputError(`every width must be an integer ≥ 1, got '${s}'`, "option --width");
    return v;
  });
};

const positiveListArg = (name: string) => (raw: string) =>
  raw.split(",").map((s) => {
    const v = Number(s);
    if (s.trim() === "" || !(Number.isFinite(v) && v > 0)) throw new InputError(`every value must be a finite number > 0, got '${s}'`, `option ${name}`);
    return v;
  });

function est(s: ScalarSummary | { mean: number; error: number }) {
  return { mean: s.mean, error: s.error };
}

function diag(s: ScalarSummary) {
  return { tau: s.tau, ess: s.ess, rhat: s.rhat };
}

function fmt(x: number, d = 5): string {
  return Number.isFinite(x) ? x.toPrecision(d) : String(x);
}

/** Resolves the widths of every hidden layer from --width (one or a list) and --depth. */
function resolveWidths(widths: number[], depth: number | undefined): number[] {
  if (widths.length === 1) return new Array(depth ?? 1).fill(widths[0]);
  if (depth !== undefined && depth !== widths.length) throw new InputError(`--width lists ${widths.length} widths but --depth is ${depth}`, "option --depth");
  return widths;
}

/** Per-layer λ from --lambdas or --l0/--l1 (the latter for the first and the readout layer of a one-hidden-layer net; deeper nets: l0 for all hidden layers). */
function resolveLambdas(depth: number, o: { lambdas?: number[]; l0: number; l1: number }): number[] {
  if (o.lambdas) {
    if (o.lambdas.length !== depth + 1)
      throw new InputError(`--lambdas needs ${depth + 1} values (one per weight layer), got ${o.lambdas.length}`, "option --lambdas");
    return o.lambdas;
  }
  return [...new Array(depth).fill(o.l0), o.l1];
}

function hashData(...arrays: Float64Array[]): string {
  const h = createHash("sha256");
  for (const a of arrays) h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return h.digest("hex");
}

function nested(a: Float64Array, K: number): number[] | number[][] {
  if (K === 1) return Array.from(a);
  const out: number[][] = [];
  for (let i = 0; i < a.length; i += K) out.push(Array.from(a.subarray(i, i + K)));
  return out;
}

export function register(program: Command): void {
  withCommon(program.command("sample"))
    .description("sample the Bayesian posterior of a finite network (ULA, MALA or HMC); prints test predictions, test loss, Q, diagnostics")
    .option("--data <file>", 'a {"Xtrain","ytrain","Xtest","ytest"} JSON file')
    .option("--act <spec>", "activation (erf, relu, leaky-relu:0.1, tanh, linear, …)", "erf")
    .option("--width <n>", "hidden width, or a comma list of widths (one per hidden layer)", widthsArg, [500])
    .option("--depth <L>", "number of hidden layers", intAtLeast("--depth", 1))
    .option("--bias", "biases on every layer (default: none, as in paper (a))")
    .option("--param <p>", `parameterization: ${PARAMETERIZATIONS.join(", ")}`, choiceArg("--param", PARAMETERIZATIONS), undefined)
    .option("--chi <x>", "paper (d)'s scale χ (implies --param chi)", positiveArg("--chi"))
    .option("--kappa <k>", "paper (d)'s ridge κ: sets T = κ/χ (instead of --T)", positiveArg("--kappa"))
    .option("--T <t>", "likelihood temperature T > 0 (default 0.01)", positiveArg("--T"))
    .option("--l0 <x>", "prior precision λ of the hidden weight layers", positiveArg("--l0"), 1)
    .option("--l1 <x>", "prior precision λ of the readout layer", positiveArg("--l1"), 1)
    .option("--lambdas <list>", "prior precisions of every weight layer, e.g. 1,1,1 (overrides --l0/--l1)", positiveListArg("--lambdas"))
    .option("--lb <x>", "prior precision of the biases", positiveArg("--lb"), 1)
    .option("--bias-scale <x>", "bias multiplier β", numberArg("--bias-scale"), 1)
    .option("--dt <eta>", "Langevin step η (HMC: leapfrog step √(2ηT))", positiveArg("--dt"), 0.001)
    .option("--sampler <s>", `sampler: ${SAMPLERS.join(", ")}`, choiceArg("--sampler", SAMPLERS), "ula")
    .option("--leapfrog <n>", "HMC leapfrog steps per transition", intAtLeast("--leapfrog", 1), 10)
    .option("--steps <n>", "transitions per chain, burn-in included", intAtLeast("--steps", 1), 20000)
    .option("--burnin <n>", "transitions discarded at the start (default steps/4)", intAtLeast("--burnin", 0))
    .option("--thin <k>", "record every k-th transition after burn-in", intAtLeast("--thin", 1), 10)
    .option("--chains <n>", "independent chains", intAtLeast("--chains", 1), 2)
    .option("--dtype <d>", "f32 (default) or f64", choiceArg("--dtype", ["f32", "f64"] as const), "f32")
    .option("--init <mode>", "initial parameters: prior (a prior draw) or unit (N(0, 1), deepbays)", choiceArg("--init", ["prior", "unit"] as const), "prior")
    .option(
      "--overdisperse <s>",
      "start odd-numbered chains from the initial draw × s (over-dispersed starts make R̂ see slow modes)",
      positiveArg("--overdisperse"),
    )
    .option("--checkpoint <file>", "checkpoint file: saved every --checkpoint-every steps, resumed from when it exists")
    .option("--checkpoint-every <k>", "steps between checkpoints", intAtLeast("--checkpoint-every", 1), 1000)
    .option("--weight-cov", "accumulate the first-layer second moment W⁰ᵀW⁰/N1 (D×D, in the JSON output)")
    .option(
      "--kernels <where>",
      "hidden representation kernels per layer: none, train or test",
      choiceArg("--kernels", ["none", "train", "test"] as const),
      "none",
    )
    .option("--rao-blackwell", "also the Rao–Blackwellised Q estimator (one P×P Cholesky per record)")
    .option("--backend <b>", "auto, native or js", choiceArg("--backend", ["auto", "native", "js"] as const), "auto")
    .action((o) => {
      preferParkedBlasThreads();
      const split = loadSplit(o.data);
      const { train, test } = split;
      let param: Parameterization = o.param ?? (o.chi !== undefined ? "chi" : "standard");
      if (o.chi !== undefined && param !== "chi") throw new InputError(`--chi needs --param chi (got --param ${param})`, "option --chi");
      if (param === "chi" && o.chi === undefined) param = "chi";
      const chi = o.chi ?? 1;
      if (o.kappa !== undefined && o.T !== undefined) throw new InputError("give either --T or --kappa (T = κ/χ), not both", "option --kappa");
      const T = o.kappa !== undefined ? chiTemperature(o.kappa, chi) : (o.T ?? 0.01);
      const widths = resolveWidths(o.width, o.depth);
      const depth = widths.length;
      const spec: MLPSpec = createMLP({
        inputDim: train.D,
        widths,
        outputDim: train.K,
        activation: o.act,
        bias: !!o.bias,
        param,
        chi: param === "chi" ? chi : undefined,
        lambdas: resolveLambdas(depth, o),
        biasLambdas: o.lb,
        biasScale: o.biasScale,
      });
      const steps: number = o.steps;
      const burnin: number = o.burnin ?? Math.floor(steps / 4);
      const thin: number = o.thin;
      const R = checkSchedule({ steps, burnin, thin, chains: o.chains });
      const kernels = selectKernels(o.backend);
      const post = new Posterior(spec, { X: train.X, y: train.y, P: train.P }, { T, dtype: o.dtype, kernels });
      const obsOpts = { test: { X: test.X, y: test.y, P: test.P }, weightCov: !!o.weightCov, kernels: o.kernels, raoBlackwell: !!o.raoBlackwell };
      const recorder = new ObservableRecorder(post, obsOpts, o.chains, R);
      note(
        o,
        `featurelab sample: ${describeMLP(spec)}, T = ${T}, ${o.sampler} η = ${o.dt}, ${o.chains} chains × ${steps} steps (${burnin} burn-in, ${R} records each) — ${kernels.describe()}`,
      );
      const bar = progress(o, steps, "sampling");
      let last = 0;
      const sampler = o.sampler as SamplerName;
      let res: RunResult;
      try {
        res = runChains(post, recorder, {
          sampler,
          eta: o.dt,
          leapfrog: o.leapfrog,
          steps,
          burnin,
          thin,
          chains: o.chains,
          seed: o.seed,
          init: o.init,
          overdisperse: o.overdisperse,
          checkpoint: o.checkpoint,
          checkpointEvery: o.checkpointEvery,
          divergedPath: join(tmpdir(), `featurelab-sample-${process.pid}.diverged`),
          fingerprint: hashData(train.X, train.y, test.X, test.y) + JSON.stringify(obsOpts, (k, v) => (k === "test" ? undefined : v)),
          onProgress: (done) => {
            bar.tick(done - last);
            last = done;
          },
        });
      } finally {
        bar.stop();
      }
      if (res.resumedFrom !== null) note(o, `resumed from the checkpoint at step ${res.resumedFrom}`);
      const sm = res.summary;
      const sc = sm.scalars;
      const t = sm.test;
      if (!t) throw new InputError("no test data", o.data);
      const K = spec.outputDim;
      const virial: Record<string, { mean: number; error: number }> = {};
      for (const [name, s] of Object.entries(sc)) if (name.startsWith("virial:")) virial[name.slice(7)] = est(s);
      const result: Record<string, unknown> = {
        model: {
          sizes: spec.sizes,
          activation: spec.activation.spec,
          param: spec.param,
          chi: spec.chi,
          bias: spec.bias,
          lambdas: spec.layers.map((l) => l.weight.lambda),
          T,
          ...(o.kappa !== undefined ? { kappa: o.kappa } : {}),
        },
        sampler: {
          name: sampler,
          eta: o.dt,
          ...(sampler === "hmc" ? { leapfrog: o.leapfrog, stepSize: Math.sqrt(2 * o.dt * T) } : {}),
          steps,
          burnin,
          thin,
          chains: o.chains,
          seed: o.seed,
          dtype: o.dtype,
          init: o.init,
          ...(o.overdisperse !== undefined ? { overdisperse: o.overdisperse } : {}),
        },
        backend: kernels.describe(),
        ypred: nested(t.ypred, K),
        ypredError: nested(t.ypredError, K),
        ypredVariance: nested(t.ypredVariance, K),
        testLoss: { ...est(t.testLoss), bias2: est(t.bias2), variance: est(t.variance) },
        trainLoss: est(sc.trainLoss),
        Q: est(sc.Q),
        ...(sc.QRB ? { QRB: est(sc.QRB) } : {}),
        virial,
        diagnostics: {
          recordsPerChain: sm.recordsPerChain,
          Q: diag(sc.Q),
          trainLoss: diag(sc.trainLoss),
          testLoss: diag(sc.testLoss),
          potential: diag(sc.potential),
          acceptanceRate: res.diagnostics.acceptanceRate,
          accepted: res.diagnostics.accepted,
          divergences: res.diagnostics.divergences,
        },
        ...(sm.weightCov
          ? { weightCov: { D: sm.weightCov.D, trace: sm.weightCov.trace, traceDisplacement: sm.weightCov.traceDisplacement, mean: sm.weightCov.mean } }
          : {}),
        ...(sm.kernels
          ? {
              kernels: sm.kernels.map((k) => ({
                layer: k.layer,
                P: k.P,
                alignmentOfMean: k.alignmentOfMean,
                alignment: est(sc[`alignment:${k.layer}`]),
                mean: k.mean,
              })),
            }
          : {}),
        resumedFrom: res.resumedFrom,
        seconds: res.seconds,
        msPerStep: res.msPerStep,
      };
      emit(o, result, () => {
        const lines = [
          `${describeMLP(spec)}, T = ${T}; ${sampler} η = ${o.dt}; ${o.chains} chains × ${sm.recordsPerChain} records`,
          `test loss  ${fmt(t.testLoss.mean)} ± ${fmt(t.testLoss.error, 2)}  (bias² ${fmt(t.bias2.mean)} ± ${fmt(t.bias2.error, 2)}, variance ${fmt(t.variance.mean)} ± ${fmt(t.variance.error, 2)})`,
          `train loss ${fmt(sc.trainLoss.mean)} ± ${fmt(sc.trainLoss.error, 2)}`,
          `Q = λ⟨|v|²⟩/N  ${fmt(sc.Q.mean)} ± ${fmt(sc.Q.error, 2)}  (τ ${fmt(sc.Q.tau, 3)}, ESS ${fmt(sc.Q.ess, 3)}, R̂ ${fmt(sc.Q.rhat, 4)})`,
          ...(sc.QRB ? [`Q (Rao–Blackwell) ${fmt(sc.QRB.mean)} ± ${fmt(sc.QRB.error, 2)}`] : []),
          `virial residuals (expect 0): ${Object.entries(virial)
            .map(([g, v]) => `${g} ${fmt(v.mean, 3)} ± ${fmt(v.error, 2)}`)
            .join(", ")}`,
          `acceptance ${res.diagnostics.acceptanceRate.map((a) => fmt(a, 3)).join(", ")}; divergences ${res.diagnostics.divergences.join(", ")}; ${fmt(res.msPerStep, 3)} ms/step`,
        ];
        return lines.join("\n");
      });
    });
  registerBenchLangevin(program);
}
