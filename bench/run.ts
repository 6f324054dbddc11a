/**
 * `npm run bench`: every benchmark, each side by side with the Python stack a user would otherwise
 * pick (NumPy / PyTorch from Debian) in the same invocation; each rewrites its own section of
 * bench/RESULTS.md and its JSON under bench/results/.
 *
 * `node --import tsx bench/run.ts [name …] [--quick]` runs a subset (names: linalg, gp, data, and
 * whatever further benchmark modules exist: langevin, train, renorm, …).
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { writeSection } from "./resultsFile.js";

interface Entry {
  name: string;
  file: string;
  /** Runs the benchmark, writing its RESULTS.md section; returns a one-line summary. */
  run(mod: Record<string, unknown>, quick: boolean): Promise<string>;
}

type Main = (argv: string[]) => Promise<unknown>;

/** Benchmarks whose module exposes `main(argv)` writing its own section. */
const viaMain = (name: string, file: string): Entry => ({
  name,
  file,
  async run(mod, quick) {
    await (mod.main as Main)(quick ? ["--quick", "--no-write"] : ["--write"]);
    return `${name}: done`;
  },
});

const entries: Entry[] = [
  viaMain("linalg", "linalg.ts"),
  viaMain("gp", "gp.ts"),
  {
    name: "data",
    file: "data.ts",
    async run(mod, quick) {
      const r = await (mod.runDataBench as (o: { reps: number }) => Promise<{ ratio: number }>)({ reps: quick ? 2 : 5 });
      const md = (mod.formatDataMarkdown as (r: unknown) => string)(r);
      mkdirSync(join(import.meta.dirname, "results"), { recursive: true });
      writeFileSync(join(import.meta.dirname, "results", "data.json"), `${JSON.stringify(r, null, 2)}\n`);
      if (!quick) writeSection("data", md);
      console.log(md);
      return `data: ours/NumPy ${r.ratio.toFixed(2)}`;
    },
  },
  viaMain("langevin", "langevin.ts"),
  viaMain("train", "train_epoch.ts"),
  viaMain("renorm", "renorm.ts"),
  viaMain("critical", "critical.ts"),
  viaMain("multiscale", "multiscale.ts"),
];

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const names = args.filter((a) => !a.startsWith("--"));
const unknown = names.filter((n) => !entries.some((e) => e.name === n));
if (unknown.length) {
  console.error(`bench: unknown benchmark '${unknown[0]}' (known: ${entries.map((e) => e.name).join(", ")})`);
  process.exit(2);
}
const summary: string[] = [];
for (const e of entries) {
  if (names.length && !names.includes(e.name)) continue;
  const path = join(import.meta.dirname, e.file);
  if (!existsSync(path)) continue;
  console.log(`\n=== ${e.name} (${e.file}) ===`);
  const mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  if (e.name !== "data" && typeof mod.main !== "function") {
    summary.push(`${e.name}: skipped (bench/${e.file} exports no main(argv))`);
    continue;
  }
  summary.push(await e.run(mod, quick));
}
console.log(`\n${summary.join("\n")}`);
