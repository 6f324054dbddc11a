/**
 * `featurelab multiscale` — paper d: the multi-scale adaptive theory across scaling regimes.
 *
 *   featurelab multiscale --data FILE --act linear|erf --width 50 --chi 1:50:8 --kappa 0.1 [--direct] [--json]
 *
 * Prints, per χ, every theory variant (NNGP, MSA tree level = kernel adaptation annealed by
 * Algorithm 1, Li–Sompolinsky kernel rescaling, paper a's renormalization solver, linear one-loop, and
 * for linear networks at finite N the exact theory — the order-parameter integral, all orders in 1/N):
 * order parameter Q, train/test MSE, mean test variance, kernel–target alignment, the kernel change
 * along the target, and the Σ_v outlier (linear). FILE is a {"Xtrain","ytrain","Xtest","ytest"} JSON
 * (or any data file without a split: then only training quantities are reported). When the tree level
 * has no physical solution beyond some χ (the per-neuron precision condition violated), the χ at which
 * it failed is reported (`treeFailure` in the JSON, a final line otherwise) and the run still succeeds.
 */
import type { Command } from "commander";
import { isSplitDataset } from "../../data/index.js";
import { InputError } from "../../engine/errors.js";
import { analyzeMultiscale, type TheoryName } from "../../theory/multiscale/index.js";
import { choiceArg, emit, intAtLeast, numberArg, positiveArg, withCommon } from "../common.js";
import { loadData } from "../dataArg.js";

/** Parses `lo:hi:n` (n log-spaced values, both ends included) or `v1,v2,…` (each > 0). */
export function parseChi(raw: string): number[] {
  const where = "option --chi";
  const s = raw.trim();
  let v: number[];
  if (s.includes(":")) {
    const p = s.split(":").map(Number);
    if (p.length !== 3 || !(p[0] > 0 && p[1] >= p[0] && Number.isFinite(p[1])) || !Number.isInteger(p[2]) || p[2] < 1 || p[2] > 10000)
      throw new InputError(`expected lo:hi:n with 0 < lo ≤ hi and an integer n in [1, 10000], got '${raw}'`, where);
    v = p[2] === 1 ? [p[0]] : Array.from({ length: p[2] }, (_, i) => p[0] * (p[1] / p[0]) ** (i / (p[2] - 1)));
  } else {
    v = s.split(",").map((x) => Number(x));
  }
  for (const c of v) if (!(c > 0) || !Number.isFinite(c)) throw new InputError(`every χ must be a finite number > 0, got '${raw}'`, where);
  return v;
}

interface Opts {
  data?: string;
  y?: string;
  act: "linear" | "erf";
  width: number;
  chi: number[];
  kappa: number;
  gv: number;
  gw: number;
  theories?: string;
  samples: number;
  json?: boolean;
  seed: number;
  direct?: boolean;
}

const ALL: TheoryName[] = ["nngp", "tree", "ls", "paper-a", "one-loop", "exact"];

export function register(program: Command): void {
  withCommon(program.command("multiscale"))
    .description("paper d: multi-scale adaptive theory — kernel adaptation (tree level) vs kernel rescaling across χ = 1 … N")
    .option("--data <file>", 'a {"Xtrain","ytrain","Xtest","ytest"} JSON file (or {X,y}, .csv, .npy)')
    .option("--y <col>", "target column for .csv/.npy files")
    .option("--act <name>", "activation: linear or erf", choiceArg("--act", ["linear", "erf"] as const), "linear")
    .option("--width <N>", "hidden width N ≥ 1", numberArg("--width"), 50)
    .option("--chi <spec>", "scales χ: lo:hi:n (log grid) or v1,v2,…", parseChi, [1])
    .option("--kappa <k>", "ridge κ > 0 (noise variance κ/χ)", positiveArg("--kappa"), 0.1)
    .option("--gv <g>", "readin gain g_v", positiveArg("--gv"), 1)
    .option("--gw <g>", "readout gain g_w", positiveArg("--gw"), 1)
    .option("--theories <list>", `comma-separated subset of ${ALL.join(",")}`)
    .option("--samples <S>", "erf: importance samples of the tilted average (P + Ptest > 1)", intAtLeast("--samples", 100), 20000)
    .option("--direct", "tree level: solve each χ directly from the NNGP start, without Algorithm 1's annealing (shows why it is needed)")
    .action((o: Opts) => {
      if (!(o.width >= 1)) throw new InputError(`the width N must be ≥ 1, got ${o.width}`, "option --width");
      let theories: TheoryName[] | undefined;
      if (o.theories) {
        theories = o.theories.split(",").map((s) => s.trim()) as TheoryName[];
        for (const t of theories) if (!ALL.includes(t)) throw new InputError(`unknown theory '${t}' (use ${ALL.join(", ")})`, "option --theories");
      }
      const d = loadData(o.data, { y: o.y });
      const train = isSplitDataset(d) ? d.train : d;
      const test = isSplitDataset(d) ? d.test : undefined;
      if (train.K !== 1) throw new InputError(`the multiscale theory needs one output, the data has ${train.K}`, o.data);
      const res = analyzeMultiscale(
        {
          X: train.X,
          P: train.P,
          D: train.D,
          y: train.y,
          Xtest: test?.X,
          Ptest: test?.P,
          ytest: test?.y,
          act: o.act,
          N: o.width,
          kappa: o.kappa,
          gv: o.gv,
          gw: o.gw,
        },
        o.chi,
        { theories, erf: { samples: o.samples, seed: o.seed }, anneal: { direct: o.direct === true } },
      );
      const json = {
        ...res,
        results: res.results.map((r) => ({
          chi: r.chi,
          theories: r.theories.map((t) => ({ ...t, fTrain: Array.from(t.fTrain), fTest: Array.from(t.fTest) })),
        })),
      };
      emit(o, json, () => {
        const f = (v: number | undefined, d = 4) => (v === undefined || Number.isNaN(v) ? "–" : v.toFixed(d));
        const lines = [`multiscale: act=${res.act} N=${res.N} κ=${res.kappa} P=${res.P} Ptest=${res.Ptest} D=${res.D}`];
        lines.push("     χ  theory      Q        trainMSE  testMSE   align   Σv top×D/gv  ΔK·ŷŷ");
        for (const r of res.results)
          for (const t of r.theories)
            lines.push(
              `${r.chi.toPrecision(4).padStart(6)}  ${t.theory.padEnd(9)} ${f(t.Q, 5).padStart(8)}  ${f(t.trainMSE, 5).padStart(8)}  ${f(t.testMSE, 5).padStart(8)}  ${f(t.alignmentTest ?? t.alignmentTrain, 4).padStart(6)}  ${f(t.sigmaV?.top).padStart(11)}  ${f(t.kernelChange?.targetProjection).padStart(7)}`,
            );
        if (res.treeFailure)
          lines.push(`tree level: no physical solution at χ = ${res.treeFailure.chi} (last solved χ = ${res.treeFailure.lastChi}): ${res.treeFailure.reason}`);
        for (const fail of res.exactFailures) lines.push(`exact theory: not reported at χ = ${fail.chi}: ${fail.reason}`);
        return lines.join("\n");
      });
    });
}
