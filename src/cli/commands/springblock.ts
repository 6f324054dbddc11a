/**
 * `featurelab springblock` — paper c's spring–block chain (brief §3.5–3.7, §6.4).
 *
 *   featurelab springblock simulate [--model A|B] --blocks 7 --friction 0.1 [--friction-back 0.2] --noise 0.1 --seed 1 [--json]
 *   featurelab springblock phase --frictions 0,0.05,0.1,0.2 --noises 0,0.05,0.1,0.2,0.4 [--asymmetry 2] [--seeds 3] [--json]
 *
 * Model A (default): first-order dead-zone iteration with static friction; Model B: second-order
 * Langevin with kinetic friction, damping γ and decaying noise (the authors' two notebooks).
 * Defaults of the omitted parameters are the notebooks' (A: k 1, η 0.01, 10⁴ steps; B: k 0.1, dt 0.05,
 * 14 000 steps, γ 1, λ 0.001, common-mode noise).
 */
import type { Command } from "commander";
import { type ModelAParams, type ModelBParams, phaseGrid, type SpringBlockRun, simulateA, simulateB } from "../../theory/springblock/index.js";
import { choiceArg, emit, intAtLeast, numberArg, numberListArg, progress, withCommon } from "../common.js";

const f = (v: number, d = 4) => (Number.isFinite(v) ? v.toFixed(d) : String(v));

function modelOptions(cmd: Command): Command {
  return cmd
    .option("--model <A|B>", "A: first-order static friction; B: second-order Langevin, kinetic friction", choiceArg("--model", ["A", "B"] as const), "A")
    .option("--blocks <L>", "number of blocks (layers)", intAtLeast("--blocks", 1), 7)
    .option("--stiffness <k>", "spring stiffness k (A: 1, B: 0.1)", numberArg("--stiffness"))
    .option("--eta <η>", "Model A step size", numberArg("--eta"))
    .option("--dt <dt>", "Model B time step", numberArg("--dt"))
    .option("--steps <n>", "number of steps (A: 10000, B: 14000)", intAtLeast("--steps", 0))
    .option("--mass <m>", "Model B mass", numberArg("--mass"))
    .option("--damping <γ>", "Model B damping γ", numberArg("--damping"))
    .option("--decay <λ>", "noise decay rate λ (A: 0, B: 0.001)", numberArg("--decay"))
    .option("--noise-structure <s>", "independent or common (same kick on every block)", choiceArg("--noise-structure", ["independent", "common"] as const));
}

function baseParams(o: Record<string, unknown>): ModelAParams & ModelBParams {
  const p: ModelAParams & ModelBParams = { L: o.blocks as number };
  if (o.stiffness !== undefined) p.k = o.stiffness as number;
  if (o.eta !== undefined) p.eta = o.eta as number;
  if (o.dt !== undefined) p.dt = o.dt as number;
  if (o.steps !== undefined) p.steps = o.steps as number;
  if (o.mass !== undefined) p.mass = o.mass as number;
  if (o.damping !== undefined) p.gamma = o.damping as number;
  if (o.decay !== undefined) p.decay = o.decay as number;
  if (o.noiseStructure !== undefined) p.noiseStructure = o.noiseStructure as "independent" | "common";
  return p;
}

function summary(r: SpringBlockRun, frames: number) {
  const n = r.steps.length;
  const L = r.x.length;
  const stride = Math.max(1, Math.ceil(n / frames));
  const idx = Array.from({ length: n }, (_, i) => i).filter((i) => i % stride === 0 || i === n - 1);
  return {
    model: r.model,
    params: r.params,
    final: {
      x: r.x,
      springs: r.springs,
      loadCurve: r.loadCurve,
      c: r.c,
      v: r.v,
      cHat: r.cHat,
      shape: r.shape,
      energy: r.energy,
      maxSpeed: r.maxSpeed,
    },
    trajectory: idx.map((i) => ({
      step: r.steps[i],
      time: r.times[i],
      loadCurve: [r.params.y, ...Array.from(r.trajectory.subarray(i * L, i * L + L), (x) => r.params.y - x)],
    })),
  };
}

export function register(program: Command): void {
  const sb = program.command("springblock").description("spring–block chain model of feature learning across layers (paper c)");

  modelOptions(withCommon(sb.command("simulate")))
    .description("simulate one chain; prints the final extensions, the load curve y − x_ℓ, its shape and a trajectory summary")
    .option("--friction <μ>", "forward friction μ_R (A: 0.1, B: 0.003)", numberArg("--friction"))
    .option("--friction-back <μ>", "backward friction μ_L (default: = --friction; B default 0.004)", numberArg("--friction-back"))
    .option("--noise <ε>", "noise amplitude ε̄ (A: 0.1) or ε (B: 0.003)", numberArg("--noise"))
    .option("--frames <n>", "trajectory frames in the output", intAtLeast("--frames", 2), 20)
    .action((o) => {
      const p = baseParams(o);
      if (o.friction !== undefined) p.muR = o.friction;
      if (o.frictionBack !== undefined) p.muL = o.frictionBack;
      if (o.noise !== undefined) p.noise = o.noise;
      p.seed = o.seed;
      const r = o.model === "A" ? simulateA(p) : simulateB(p);
      const s = summary(r, o.frames);
      emit(o, s, () =>
        [
          `model ${r.model}: L = ${r.x.length}, μ_R = ${r.params.muR}, μ_L = ${r.params.muL}, noise = ${r.params.noise}, steps = ${r.params.steps}, seed = ${r.params.seed}`,
          `final 1 − x_ℓ (ℓ = 0..L): ${Array.from(r.loadCurve, (v) => f(v)).join(", ")}`,
          `springs d_1..d_{L+1}:     ${Array.from(r.springs, (v) => f(v)).join(", ")}`,
          `c = ${f(r.c)}   v = ${f(r.v)}   ĉ = ${f(r.cHat)}   shape: ${r.shape}   energy = ${f(r.energy, 6)}`,
        ].join("\n"),
      );
    });

  modelOptions(withCommon(sb.command("phase")))
    .description("phase diagram of the model over (friction μ_R, noise): seed-mean curvature c and shape per cell")
    .requiredOption("--frictions <list>", "μ_R values, comma-separated", numberListArg("--frictions"))
    .requiredOption("--noises <list>", "noise values, comma-separated", numberListArg("--noises"))
    .option("--asymmetry <r>", "μ_L/μ_R (1 = symmetric: no convex phase)", numberArg("--asymmetry"), 2)
    .option("--seeds <n>", "seeds per cell (seed, seed+1, …)", intAtLeast("--seeds", 1), 3)
    .action((o) => {
      const total = o.frictions.length * o.noises.length * o.seeds;
      const bar = progress(o, total, "springblock phase");
      let g: ReturnType<typeof phaseGrid>;
      try {
        g = phaseGrid({
          frictions: o.frictions,
          noises: o.noises,
          asymmetry: o.asymmetry,
          seeds: o.seeds,
          seed: o.seed,
          model: o.model,
          base: baseParams(o),
          onRun: () => bar.tick(),
        });
      } finally {
        bar.stop();
      }
      emit(o, g, () => {
        const head = `μ_R \\ noise   ${g.noises.map((e) => String(e).padEnd(18)).join("")}`;
        const rows = g.cells.map(
          (row, i) => `${String(g.frictions[i]).padEnd(13)} ${row.map((c) => `${c.c >= 0 ? "+" : ""}${f(c.c, 3)} ${c.shape}`.padEnd(18)).join("")}`,
        );
        return [`model ${g.model}, μ_L = ${g.asymmetry}·μ_R, ${g.seeds} seeds per cell; entries: seed-mean c and shape`, head, ...rows].join("\n");
      });
    });
}
