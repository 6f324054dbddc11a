/**
 * `featurelab separation` — paper c's per-layer data separation of user-supplied representations.
 *
 *   featurelab separation --activations DIR|FILE[,FILE…] --labels FILE [--drop-last] [--rtol 1e-10] [--json]
 *
 * One file per layer (.npy [P, …] or JSON P×d), in the given order or, for a directory, in natural
 * file-name order (the labels file is skipped if it lies in the directory). Prints per layer D in both
 * conventions (sample-weighted as DNN_Spring, class-balanced as He & Su), log D, NC1, CDNV, and the
 * load-curve statistics: loads d_ℓ, spread v, curvature c, ĉ, Pearson r, ρ and a shape label.
 */
import type { Command } from "commander";
import { loadActivations, loadLabels, resolveActivationPaths, separationAcrossLayers } from "../../metrics/separation.js";
import { emit, numberArg, positiveArg, withCommon } from "../common.js";

const f = (v: number, d = 5) => (Number.isFinite(v) ? v.toPrecision(d) : String(v));

export function register(program: Command): void {
  withCommon(program.command("separation"))
    .description("per-layer data separation D = Tr(Σ_W Σ_B⁺), the load curve log D_ℓ, loads, curvature and linearity (paper c)")
    .requiredOption("--activations <dir|files>", "a directory of per-layer .npy/.json files, or a comma-separated list (layer order)")
    .requiredOption("--labels <file>", "labels (.npy or JSON; one-hot rows are argmax-ed)")
    .option("--drop-last", "leave the last layer (logits) out of the load-curve statistics, as the authors do")
    .option("--rtol <x>", "relative eigenvalue cut-off of the pseudo-inverse of Σ_B", positiveArg("--rtol"), 1e-10)
    .option("--linear-tol <x>", "|ĉ| below this is called linear (toolkit proposal)", numberArg("--linear-tol"), 0.1)
    .action(async (o) => {
      const paths = await resolveActivationPaths(o.activations, [o.labels]);
      const labels = await loadLabels(o.labels);
      const layers = await loadActivations(paths);
      const rep = separationAcrossLayers(layers, labels, { rtol: o.rtol, dropLast: o.dropLast, linearTol: o.linearTol });
      const result = { files: paths, ...rep };
      emit(o, result, () => {
        const lines = ["layer  file                      P      d    K   D_sample     D_balanced   log D      NC1        CDNV"];
        rep.layers.forEach((l, i) => {
          lines.push(
            `${String(i).padEnd(6)} ${l.name.padEnd(25)} ${String(l.P).padEnd(6)} ${String(l.d).padEnd(4)} ${String(l.K).padEnd(3)} ${f(l.D_sample).padEnd(12)} ${f(l.D_balanced).padEnd(12)} ${f(l.logD).padEnd(10)} ${f(l.nc1).padEnd(10)} ${f(l.cdnv)}${l.collapsed ? "  (collapsed)" : ""}`,
          );
        });
        const c = rep.curve;
        if (c) {
          lines.push(`loads d_ℓ = ${c.loads.map((v) => f(v, 4)).join(", ")}${o.dropLast ? "  (last layer dropped)" : ""}`);
          lines.push(`spread v = ${f(c.v)}   curvature c = ${f(c.c)}   ĉ = ${f(c.cHat)}   Pearson r = ${f(c.pearsonR)}   ρ = ${f(c.rho)}   shape: ${c.phase}`);
        } else lines.push("load-curve statistics: not available (a collapsed layer, or fewer than 3 layers)");
        return lines.join("\n");
      });
    });
}
