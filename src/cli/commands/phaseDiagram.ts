/**
 * `featurelab phase-diagram`: paper c's DNN phase diagram — train the brief's network (width 100,
 * 7 hidden layers, BatchNorm, LeakyReLU slope α, full-batch Adam) on MNIST 10×10 over a grid of
 * slopes α × levels of one noise knob × seeds, and classify every cell's load curve log D_ℓ as
 * concave / linear / convex by its normalised curvature ĉ (src/experiments/recipes/phaseDiagram.ts).
 *
 *   featurelab phase-diagram --knob dropout --alphas 0,0.25,0.5,0.75,1 --levels 0,0.1,0.2,0.3 --seeds 2 --out runs/pd [--workers 2] [--json]
 *
 * It runs the `dnn-phase-diagram` recipe with the grid given on the command line through the
 * experiment runner: every finished network is stored at once in DIR/points.jsonl, so rerunning the
 * same command with the same --out computes only what is missing; DIR also gets the figures, CSV
 * tables and report.html of `featurelab reproduce`.
 */
import { availableParallelism } from "node:os";
import { join } from "node:path";
import type { Command } from "commander";
import { InputError } from "../../engine/errors.js";
import {
  checkPhaseConfig,
  NOISE_KNOBS,
  type NoiseKnob,
  type PhaseDiagramConfig,
  type PhasePointResult,
  phaseDiagramConfig,
  phasePoints,
  summarizePhase,
} from "../../experiments/recipes/phaseDiagram.js";
import { getRecipe } from "../../experiments/registry.js";
import { paramsHash, runRecipes } from "../../experiments/runner.js";
import { PointStore } from "../../experiments/store.js";
import "../../experiments/recipes/index.js";
import { choiceArg, emit, intAtLeast, note, numberListArg, positiveArg, progress, withCommon } from "../common.js";

interface PhaseCliOptions {
  full?: boolean;
  knob?: NoiseKnob;
  alphas?: number[];
  levels?: number[];
  seeds?: number;
  epochs?: number;
  width?: number;
  depth?: number;
  dataset?: "mnist" | "fashion";
  nTrain?: number;
  nTest?: number;
  lr?: number;
  batch?: number;
  linearTol?: number;
  earlyStop: boolean;
  spring: boolean;
  out?: string;
  workers?: number;
  json?: boolean;
  quiet?: boolean;
  seed: number;
}

const RECIPE = "dnn-phase-diagram";

/** The configuration of a command line: the recipe's defaults (reduced or --full), then the options. */
export function configFromOptions(o: PhaseCliOptions): PhaseDiagramConfig {
  const c = phaseDiagramConfig(!!o.full);
  if (o.knob !== undefined && o.knob !== c.knob && o.levels === undefined)
    throw new InputError(`--knob ${o.knob} needs --levels (the default levels are dropout rates)`, "option --levels");
  if (o.knob !== undefined) c.knob = o.knob;
  if (o.alphas !== undefined) c.alphas = o.alphas;
  if (o.levels !== undefined) c.levels = o.levels;
  if (o.seeds !== undefined) c.seeds = o.seeds;
  if (o.epochs !== undefined) c.epochs = o.epochs;
  if (o.width !== undefined) c.width = o.width;
  if (o.depth !== undefined) c.depth = o.depth;
  if (o.dataset !== undefined) c.dataset = o.dataset;
  if (o.nTrain !== undefined) c.nTrain = o.nTrain;
  if (o.nTest !== undefined) c.nTestPerClass = o.nTest;
  if (o.lr !== undefined) c.lr = o.lr;
  if (o.batch !== undefined) c.batch = o.batch;
  if (o.linearTol !== undefined) c.linearTol = o.linearTol;
  c.earlyStop = o.earlyStop;
  checkPhaseConfig(c, "phase-diagram options");
  return c;
}

export function register(program: Command): void {
  withCommon(program.command("phase-diagram"))
    .description("paper c's DNN phase diagram: load-curve shape (concave/linear/convex) and test accuracy over LeakyReLU slope × training noise")
    .option("--full", "start from the paper-scale defaults (6 slopes × 8 dropout rates × 4 seeds, 2560 images) instead of the reduced 4 × 4 × 2 grid")
    .option("--knob <name>", `the noise knob: ${NOISE_KNOBS.join(" | ")} (data = label + input noise s)`, choiceArg("--knob", NOISE_KNOBS))
    .option("--alphas <list>", "LeakyReLU negative slopes α, comma-separated (0 = ReLU, 1 = linear)", numberListArg("--alphas"))
    .option("--levels <list>", "noise levels of the knob, comma-separated (dropout p, data noise s, lr, or batch sizes)", numberListArg("--levels"))
    .option("--seeds <n>", "seeds per cell", intAtLeast("--seeds", 1))
    .option("--epochs <n>", "training epochs (full batch: one Adam step each)", intAtLeast("--epochs", 1))
    .option("--width <n>", "hidden width", intAtLeast("--width", 10))
    .option("--depth <n>", "hidden layers L", intAtLeast("--depth", 2))
    .option("--dataset <name>", "mnist | fashion", choiceArg("--dataset", ["mnist", "fashion"] as const))
    .option("--n-train <n>", "training images (a multiple of 10: class-balanced)", intAtLeast("--n-train", 20))
    .option("--n-test <n>", "test images per class (≤ 892)", intAtLeast("--n-test", 1))
    .option("--lr <eta>", "Adam learning rate (unless --knob lr)", positiveArg("--lr"))
    .option("--batch <B>", "minibatch size, 0 = full batch (unless --knob batch)", intAtLeast("--batch", 0))
    .option("--linear-tol <t>", "|ĉ| below this is a linear load curve", positiveArg("--linear-tol"))
    .option("--no-early-stop", "train every epoch (default: the authors' stop at loss < 1e-4 or |Δloss| < 1e-10)")
    .option("--no-spring", "skip the spring–block model diagram drawn on the same axes")
    .option("--out <dir>", "run folder (resumable: the same command with the same --out computes only the missing networks)")
    .option("--workers <n>", `worker threads (default: the number of cores, ${availableParallelism()} here; 1 = in this thread)`, intAtLeast("--workers", 1))
    .action(async (o: PhaseCliOptions) => {
      const cfg = configFromOptions(o);
      const base = getRecipe(RECIPE);
      if (!base) throw new Error(`recipe '${RECIPE}' is not registered`);
      const recipe = { ...base, config: () => cfg, points: (c: PhaseDiagramConfig) => phasePoints(c, o.spring) };
      const stamp = new Date().toISOString().replace(/[:.]/g, "-").slice(0, 19);
      const out = o.out ?? join("runs", `${stamp}-phase-diagram-seed${o.seed}`);
      const tty = process.stderr.isTTY && !o.quiet && !o.json;
      const log = (msg: string) => note(o, tty ? `\r\x1b[K${msg}` : msg);
      const cmd = ["featurelab phase-diagram", ...process.argv.slice(3)].join(" ");
      log(`run folder ${out}: ${cfg.alphas.length} slopes × ${cfg.levels.length} ${cfg.knob} levels × ${cfg.seeds} seed(s)`);
      const res = await runRecipes({
        recipes: [recipe],
        out,
        seed: o.seed,
        full: !!o.full,
        workers: o.workers,
        command: cmd,
        log,
        progress: (total, label) => progress(o, total, label),
      });
      const outcome = res.recipes[0];
      if (outcome.status !== "done") {
        process.exitCode = 1;
        process.stderr.write(`featurelab: phase diagram failed: ${outcome.error}\n`);
        return;
      }
      // Read the finished networks back from the store (same plan hash as the runner).
      const stored = PointStore.read(join(out, "points.jsonl")).points;
      const results: PhasePointResult[] = [];
      let spring: unknown = null;
      for (const p of phasePoints(cfg, o.spring)) {
        const h = paramsHash(cfg, p.params);
        const s = stored.find((x) => x.recipe === RECIPE && x.point === p.id && x.paramsHash === h);
        if (!s) throw new Error(`point '${p.id}' is missing from ${out}/points.jsonl`);
        if (p.params.kind === "spring") spring = s.result;
        else results.push(s.result as PhasePointResult);
      }
      const sum = summarizePhase(cfg, results, spring as Parameters<typeof summarizePhase>[2]);
      const result = {
        out,
        report: res.report,
        computed: res.computed,
        reused: res.reused,
        seconds: res.seconds,
        workers: res.workers,
        config: cfg,
        numbers: sum.numbers,
        points: results.map((r) => ({
          alpha: r.alpha,
          knob: cfg.knob,
          level: r.level,
          seed: r.seed,
          logD: r.logD,
          logDBalanced: r.logDBalanced,
          loads: r.loads,
          c: r.c,
          cHat: r.cHat,
          area: r.area,
          v: r.v,
          pearsonR: r.pearsonR,
          phase: r.phase,
          testAcc: r.testAcc,
          trainAcc: r.trainAcc,
          trainLoss: r.trainLoss,
          epochs: r.epochs,
          seconds: r.seconds,
        })),
        cells: sum.cells.map((x) => ({
          alpha: x.alpha,
          level: x.level,
          seeds: x.n,
          logD: x.logD,
          c: x.c,
          cHat: x.cHat,
          area: x.area,
          cHatSeedMean: x.cHatSeedMean,
          cHatSe: x.cHatSe,
          phase: x.phase,
          testAcc: x.testAcc,
          testAccSe: x.testAccSe,
        })),
      };
      emit(o, result, () => {
        const map = sum.tables.find((t) => t.title.startsWith("Shape map"));
        const lines = [
          `${res.computed} network(s) trained, ${res.reused} read back, in ${res.seconds.toFixed(1)} s on ${res.workers || "no"} worker(s)`,
          "",
          "load-curve shape (∩ concave, — linear, ∪ convex), ĉ and test accuracy %:",
        ];
        if (map) {
          const cols = map.columns.map(String);
          const rows = map.rows.map((r) => r.map((v) => String(v ?? "")));
          const w = cols.map((c, j) => Math.max(c.length, ...rows.map((r) => r[j].length)));
          lines.push(cols.map((c, j) => c.padEnd(w[j])).join("  "));
          for (const r of rows) lines.push(r.map((v, j) => v.padEnd(w[j])).join("  "));
        }
        const n = sum.numbers;
        lines.push(
          "",
          `cells: ${n.cellsConcave} concave, ${n.cellsLinear} linear, ${n.cellsConvex} convex${n.cellsUndefined ? `, ${n.cellsUndefined} undefined` : ""}`,
          `best test accuracy ${(n.bestTestAcc as number).toFixed(2)} % at α = ${n.bestAlpha}, ${cfg.knob} = ${n.bestLevel} (ĉ = ${typeof n.bestCellCHat === "number" ? n.bestCellCHat.toFixed(3) : "—"}, ${n.bestCellPhase})`,
          `report: ${res.report}`,
        );
        return lines.join("\n");
      });
    });
}
