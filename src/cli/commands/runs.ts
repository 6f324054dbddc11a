/**
 * `featurelab runs [--dir runs]`: the run folders under a directory with their status — recipes and
 * sweep points done, when each started and finished, and whether a process is working on it now.
 */
import type { Command } from "commander";
import { listRuns } from "../../experiments/runs.js";
import { emit, withCommon } from "../common.js";

export function register(program: Command): void {
  withCommon(program.command("runs"))
    .description("list the run folders of `featurelab reproduce` and their status")
    .option("--dir <dir>", "the folder holding run folders", "runs")
    .action((o) => {
      const runs = listRuns(o.dir);
      emit(o, runs, () => {
        if (!runs.length) return `no runs under ${o.dir}/`;
        const head = ["run", "status", "recipes", "points", "sizes", "started", "finished"];
        const rows = runs.map((r) => [
          r.name,
          r.status,
          `${r.recipes.done}/${r.recipes.total}${r.recipes.failed ? ` (${r.recipes.failed} failed)` : ""}`,
          `${r.points.done}/${r.points.total}`,
          `${r.full ? "full" : "reduced"}, seed ${r.seed}`,
          r.started.replace("T", " ").slice(0, 19),
          r.finished ? r.finished.replace("T", " ").slice(0, 19) : "—",
        ]);
        const w = head.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)));
        return [head, ...rows]
          .map((r) =>
            r
              .map((c, j) => c.padEnd(w[j]))
              .join("  ")
              .trimEnd(),
          )
          .join("\n");
      });
    });
}
