/**
 * `featurelab reproduce [paper…] [--full] [--out DIR] [--workers N]`: runs the registered experiment
 * recipes into a run folder — config and plan (run.json), every finished sweep point (points.jsonl,
 * resumable), results as JSON and CSV, figures as SVG/PNG and one self-contained report.html.
 * Re-running with the same --out resumes: finished points are read back, only the others computed.
 */
import { availableParallelism } from "node:os";
import { join } from "node:path";
import type { Command } from "commander";
import { InputError } from "../../engine/errors.js";
import { allRecipes } from "../../experiments/registry.js";
import { runRecipes } from "../../experiments/runner.js";
import "../../experiments/recipes/index.js";
import { emit, intAtLeast, note, progress, withCommon } from "../common.js";

export function register(program: Command): void {
  withCommon(program.command("reproduce"))
    .description("run the experiment recipes (reduced sizes by default) into a resumable run folder with an HTML report")
    .argument("[papers...]", "papers (engine, a, b, c, d) or recipe ids to run; default all")
    .option("--full", "the papers' sizes instead of the reduced defaults")
    .option("--out <dir>", "the run folder; an existing one is resumed (default runs/<date>-seed<seed>)")
    .option("--workers <n>", `worker threads computing sweep points (default: the number of cores, ${availableParallelism()} here)`, intAtLeast("--workers", 1))
    .option("--list", "list the recipes and exit")
    .action(async (papers: string[], o) => {
      const all = allRecipes();
      if (o.list) {
        emit(
          o,
          all.map((r) => ({ id: r.id, paper: r.paper, title: r.title, points: r.points(r.config(!!o.full)).length })),
          () => all.map((r) => `${r.id.padEnd(24)} (${r.paper}) ${r.title} — ${r.points(r.config(!!o.full)).length} points`).join("\n"),
        );
        return;
      }
      const unknown = papers.filter((p) => !all.some((r) => r.paper === p || r.id === p));
      if (unknown.length)
        throw new InputError(`unknown paper or recipe '${unknown[0]}' (known: ${[...new Set(all.flatMap((r) => [r.paper, r.id]))].join(", ")})`, "reproduce");
      const chosen = papers.length ? all.filter((r) => papers.includes(r.paper) || papers.includes(r.id)) : [...all];
      const stamp = new Date().toISOString().replace(/[:.]/g, "-").slice(0, 19);
      const out: string = o.out ?? join("runs", `${stamp}-seed${o.seed}${o.full ? "-full" : ""}`);
      const tty = process.stderr.isTTY && !o.quiet && !o.json;
      // a note printed while a progress bar is drawn first clears the bar's line; the bar redraws below it
      const log = (msg: string) => note(o, tty ? `\r\x1b[K${msg}` : msg);
      const cmd = ["featurelab reproduce", ...papers, o.full ? "--full" : "", `--seed ${o.seed}`, `--out ${out}`].filter(Boolean).join(" ");
      log(`run folder ${out} (if interrupted, resume with: ${cmd})`);
      const res = await runRecipes({
        recipes: chosen,
        out,
        seed: o.seed,
        full: !!o.full,
        workers: o.workers,
        // worker threads even for --workers 1, so that Ctrl-C stops a long point at once
        inline: false,
        command: cmd,
        log,
        progress: (total, label) => progress(o, total, label),
      });
      const failed = res.recipes.filter((r) => r.status === "failed");
      if (failed.length) process.exitCode = 1;
      emit(o, res, () =>
        [
          `${res.recipes.length - failed.length}/${res.recipes.length} recipes done (${res.computed} points computed, ${res.reused} read back) in ${res.seconds.toFixed(1)} s`,
          ...failed.map((r) => `failed: ${r.id}: ${r.error}`),
          `report: ${res.report}`,
        ].join("\n"),
      );
    });
}
