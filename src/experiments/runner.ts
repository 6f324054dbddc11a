/**
 * The sweep runner behind `featurelab reproduce`: plans the chosen recipes' sweeps, reads back the
 * points an earlier (interrupted) run of the same folder already finished, computes the rest in
 * parallel, stores each point the moment it is done, then summarises each recipe into numbers,
 * tables and figures and writes the report.
 *
 * Run folder:
 *
 * ```
 * run.json            manifest: seed, sizes, the plan (point ids + params hashes), recipe status, sessions
 * points.jsonl        the store: one checksummed line per finished point (src/experiments/store.ts)
 * results.json        index: every recipe with its status, tables and figures (file names)
 * results/<id>.json   a recipe's configuration, numbers, tables and figure list
 * results/<id>--<table>.csv
 * figures/<id>--<figure>.svg (+ .png for raster heatmaps)
 * report.html         the self-contained report
 * summary.md          numbers and comparison tables as Markdown
 * run.lock            present while a process works on the folder (its pid)
 * ```
 *
 * @module
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { InputError } from "../engine/errors.js";
import { writeFileAtomic } from "../engine/fsutil.js";
import { backend, packageRoot } from "../engine/linalg/backend.js";
import { foldIn, type Key, key, keyToString } from "../engine/random.js";
import type { FigureSpec } from "../report/figures.js";
import { type ReportRecipe, renderReport } from "../report/html.js";
import { renderFigure } from "../report/render.js";
import { type Cell, slug, type Table, tableToCsv, tableToMarkdown } from "../report/tables.js";
import type { PointOutcome } from "./compute.js";
import { type Executor, inlineExecutor, WorkerPool } from "./pool.js";
import { PAPERS, type PointResult, type Recipe } from "./registry.js";
import { acquireLock, encodeValue, hash32, PointStore, sha256 } from "./store.js";

// biome-ignore lint/suspicious/noExplicitAny: recipes of every type
type AnyRecipe = Recipe<any, any, any>;

/** Status of a recipe in a run folder. */
export type RecipeStatus = "pending" | "done" | "failed";

/** The manifest `run.json`. */
export interface Manifest {
  format: "featurelab-run/1";
  seed: number;
  full: boolean;
  created: string;
  /** When every recipe of the folder was done (null while any is pending or failed). */
  finished: string | null;
  /** Each invocation of `reproduce` on this folder. */
  sessions: { started: string; finished: string | null; command: string; workers: number; recipes: string[]; computed: number; reused: number }[];
  recipes: Record<
    string,
    {
      paper: string;
      title: string;
      claim?: string;
      points: [id: string, paramsHash: string][];
      status: RecipeStatus;
      error?: string;
      finished?: string;
      seconds?: number;
    }
  >;
}

/** Options of {@link runRecipes}. */
export interface RunOptions {
  recipes: readonly AnyRecipe[];
  /** The run folder (created; resumed when it holds a run). */
  out: string;
  seed: number;
  full: boolean;
  /** Worker threads (default: the number of cores). 1 computes in the main thread unless `inline` is false. */
  workers?: number;
  /**
   * Compute in the calling thread (default: when `workers` is 1). The CLI passes false: a point computed
   * in the main thread blocks it, so Ctrl-C / SIGTERM would wait for the point to finish (minutes for the
   * papers' sizes); in a worker thread the signal stops the run at once (finished points stay stored).
   */
  inline?: boolean;
  /** The command line, recorded in the manifest. */
  command?: string;
  /** Notes for the user. */
  log?: (msg: string) => void;
  /** A progress bar over the points to compute. */
  progress?: (total: number, label: string) => { tick(n?: number): void; stop(): void };
}

/** What happened to one recipe. */
export interface RecipeOutcome {
  id: string;
  status: RecipeStatus;
  error?: string;
  /** Points computed in this session. */
  computed: number;
  /** Points read back from the store. */
  reused: number;
  /** Compute seconds summed over all its points (this session's and stored ones). */
  seconds: number;
  figures: number;
}

/** What {@link runRecipes} returns. */
export interface RunOutcome {
  out: string;
  report: string;
  recipes: RecipeOutcome[];
  computed: number;
  reused: number;
  /** Wall-clock seconds of this session. */
  seconds: number;
  workers: number;
  /** Every recipe of the folder is done. */
  finished: boolean;
}

/** The key of a recipe: foldIn(key(seed), hash32(recipe id)). */
export function recipeKey(seed: number, recipeId: string): Key {
  return foldIn(key(seed), hash32(recipeId));
}

/** The key of a point: foldIn(recipeKey, hash32(point id)) — independent of workers and order. */
export function pointKeyOf(rk: Key, pointId: string): Key {
  return foldIn(rk, hash32(pointId));
}

/** The hash that decides whether a stored point is still valid: the recipe's config and the point's params. */
export function paramsHash(config: unknown, params: unknown): string {
  return sha256(encodeValue({ config, params })).slice(0, 16);
}

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, "utf8")) as T;
}

function jsonOut(v: unknown): string {
  return JSON.stringify(
    v,
    (_k, x) =>
      ArrayBuffer.isView(x) && !(x instanceof DataView)
        ? Array.from(x as unknown as ArrayLike<number>)
        : typeof x === "number" && !Number.isFinite(x)
          ? null
          : x,
    2,
  );
}

function version(): string {
  try {
    return readJson<{ version: string }>(join(packageRoot(), "package.json")).version;
  } catch {
    return "unknown";
  }
}

interface Plan {
  recipe: AnyRecipe;
  config: unknown;
  points: { id: string; params: unknown; hash: string; key: Key }[];
  rkey: Key;
}

function planRecipe(r: AnyRecipe, full: boolean, seed: number): Plan {
  const config = r.config(full);
  const pts = r.points(config);
  if (!Array.isArray(pts) || pts.length === 0) throw new Error(`recipe '${r.id}': points() returned no point`);
  const seen = new Set<string>();
  const rk = recipeKey(seed, r.id);
  return {
    recipe: r,
    config,
    rkey: rk,
    points: pts.map((p) => {
      if (typeof p.id !== "string" || !p.id) throw new Error(`recipe '${r.id}': a point has no id`);
      if (seen.has(p.id)) throw new Error(`recipe '${r.id}': point id '${p.id}' appears twice`);
      seen.add(p.id);
      return { id: p.id, params: p.params, hash: paramsHash(config, p.params), key: pointKeyOf(rk, p.id) };
    }),
  };
}

function loadManifest(path: string, seed: number, full: boolean, out: string): Manifest {
  if (!existsSync(path)) return { format: "featurelab-run/1", seed, full, created: new Date().toISOString(), finished: null, sessions: [], recipes: {} };
  let m: Manifest;
  try {
    m = readJson<Manifest>(path);
  } catch (e) {
    throw new InputError(`cannot read the run manifest: ${(e as Error).message}`, path);
  }
  if (m.format !== "featurelab-run/1") throw new InputError(`not a featurelab run manifest (format '${m.format}')`, path);
  if (m.seed !== seed || m.full !== full) {
    throw new InputError(
      `this folder holds a run with --seed ${m.seed}${m.full ? " --full" : ""}; resume it with the same options or choose another --out`,
      `reproduce --out ${out}`,
    );
  }
  return m;
}

/**
 * Runs (or resumes) recipes into a run folder and writes its report. Points already in the folder's
 * store (same config and params) are read back, the others computed; a failing point fails its
 * recipe (recorded in the manifest and the report) without stopping the others.
 */
export async function runRecipes(o: RunOptions): Promise<RunOutcome> {
  const log = o.log ?? (() => {});
  const t0 = performance.now();
  mkdirSync(o.out, { recursive: true });
  const release = acquireLock(join(o.out, "run.lock"));
  let executor: Executor | null = null;
  const onSignal = (sig: NodeJS.Signals) => {
    log(`\ninterrupted (${sig}): finished points are stored; run the same command with --out ${o.out} to resume`);
    release();
    process.exit(sig === "SIGINT" ? 130 : 143);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    const manifestPath = join(o.out, "run.json");
    const manifest = loadManifest(manifestPath, o.seed, o.full, o.out);
    const plans = o.recipes.map((r) => planRecipe(r, o.full, o.seed));
    const session = {
      started: new Date().toISOString(),
      finished: null as string | null,
      command: o.command ?? "",
      workers: 0,
      recipes: plans.map((p) => p.recipe.id),
      computed: 0,
      reused: 0,
    };
    manifest.sessions.push(session);
    for (const p of plans) {
      const prev = manifest.recipes[p.recipe.id];
      const pts: [string, string][] = p.points.map((x) => [x.id, x.hash]);
      const samePlan = prev && JSON.stringify(prev.points) === JSON.stringify(pts);
      manifest.recipes[p.recipe.id] = {
        paper: p.recipe.paper,
        title: p.recipe.title,
        claim: p.recipe.claim,
        points: pts,
        status: samePlan && prev.status === "done" ? "done" : "pending",
      };
    }
    manifest.finished = null;
    const saveManifest = () => writeFileAtomic(manifestPath, jsonOut(manifest));
    saveManifest();

    const store = PointStore.open(join(o.out, "points.jsonl"));
    if (store.torn) log("store: discarded a torn last line (the point in progress when the run was killed)");
    if (store.corrupt) log(`store: skipped ${store.corrupt} corrupt line(s); their points are recomputed`);
    const outcomes = new Map<string, RecipeOutcome>();
    const pending: { plan: Plan; point: Plan["points"][number] }[] = [];
    for (const p of plans) {
      let reused = 0;
      for (const pt of p.points) {
        if (store.get(p.recipe.id, pt.id, pt.hash)) reused++;
        else pending.push({ plan: p, point: pt });
      }
      outcomes.set(p.recipe.id, { id: p.recipe.id, status: "pending", computed: 0, reused, seconds: 0, figures: 0 });
    }
    const totalReused = [...outcomes.values()].reduce((s, x) => s + x.reused, 0);
    if (totalReused) log(`resuming ${o.out}: ${totalReused} point(s) read back, ${pending.length} to compute`);

    // Summaries run one at a time in the main thread while the workers go on.
    let chain: Promise<void> = Promise.resolve();
    const left = new Map(plans.map((p) => [p.recipe.id, p.points.filter((x) => !store.get(p.recipe.id, x.id, x.hash)).length]));
    const errors = new Map<string, string>();
    const finalize = (p: Plan) => {
      chain = chain.then(async () => {
        const oc = outcomes.get(p.recipe.id)!;
        const entry = manifest.recipes[p.recipe.id];
        const err = errors.get(p.recipe.id);
        if (err) {
          oc.status = entry.status = "failed";
          oc.error = entry.error = err;
        } else {
          try {
            const res = await summarizeRecipe(o.out, p, store, o.full, log);
            oc.status = entry.status = "done";
            oc.figures = res.figures;
            oc.seconds = entry.seconds = res.seconds;
            delete entry.error;
            entry.finished = new Date().toISOString();
          } catch (e) {
            oc.status = entry.status = "failed";
            oc.error = entry.error = `summary failed: ${String((e as Error)?.message ?? e).split("\n")[0]}`;
          }
        }
        saveManifest();
        log(oc.status === "done" ? `✓ ${p.recipe.id}: ${oc.computed} computed, ${oc.reused} reused, ${oc.figures} figure(s)` : `✗ ${p.recipe.id}: ${oc.error}`);
      });
    };
    for (const p of plans) if (left.get(p.recipe.id) === 0) finalize(p);

    const nWorkers = Math.max(1, Math.min(o.workers ?? availableParallelism(), pending.length || 1));
    session.workers = pending.length ? nWorkers : 0;
    if (pending.length) {
      executor = (o.inline ?? nWorkers === 1) ? inlineExecutor(log) : new WorkerPool(nWorkers, log);
      log(
        `computing ${pending.length} point(s) of ${new Set(pending.map((x) => x.plan.recipe.id)).size} recipe(s) on ${nWorkers} ${nWorkers === 1 ? "thread" : "worker threads"}`,
      );
      const bar = o.progress?.(pending.length, "points") ?? { tick() {}, stop() {} };
      const ex = executor;
      await Promise.all(
        pending.map(async ({ plan, point }) => {
          const out: PointOutcome = await ex.run({
            recipe: plan.recipe.id,
            point: point.id,
            params: point.params,
            config: plan.config,
            full: o.full,
            key: [point.key[0], point.key[1]],
            recipeKey: [plan.rkey[0], plan.rkey[1]],
          });
          const oc = outcomes.get(plan.recipe.id)!;
          if (out.ok) {
            store.append({
              recipe: plan.recipe.id,
              point: point.id,
              paramsHash: point.hash,
              key: keyToString(point.key),
              seconds: out.seconds,
              finished: new Date().toISOString(),
              result: out.result,
            });
            oc.computed++;
          } else if (!errors.has(plan.recipe.id))
            errors.set(plan.recipe.id, `point '${point.id}': ${out.errorName === "Error" ? "" : `${out.errorName}: `}${out.error}`);
          bar.tick();
          const n = left.get(plan.recipe.id)! - 1;
          left.set(plan.recipe.id, n);
          if (n === 0) finalize(plan);
        }),
      );
      bar.stop();
      await executor.close();
      executor = null;
    }
    await chain;
    store.close();

    session.computed = [...outcomes.values()].reduce((s, x) => s + x.computed, 0);
    session.reused = totalReused;
    session.finished = new Date().toISOString();
    const allDone = Object.values(manifest.recipes).every((r) => r.status === "done");
    manifest.finished = allDone ? session.finished : null;
    saveManifest();
    const seconds = (performance.now() - t0) / 1e3;
    const report = writeReport(o.out, manifest, { seconds, workers: session.workers });
    return {
      out: o.out,
      report,
      recipes: [...outcomes.values()],
      computed: session.computed,
      reused: totalReused,
      seconds,
      workers: session.workers,
      finished: allDone,
    };
  } finally {
    if (executor) await executor.close();
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
    release();
  }
}

/** What a recipe's results file holds. */
export interface RecipeResultsFile {
  id: string;
  paper: string;
  title: string;
  claim: string;
  status: RecipeStatus;
  config: unknown;
  numbers: Record<string, Cell>;
  tables: (Table & { file: string })[];
  figures: { id: string; kind: string; title: string; caption: string; claim?: string; files: string[] }[];
  points: { id: string; params: unknown; seconds: number; key: string }[];
  seconds: number;
}

async function summarizeRecipe(
  out: string,
  p: Plan,
  store: PointStore,
  full: boolean,
  log: (m: string) => void,
): Promise<{ figures: number; seconds: number }> {
  const r = p.recipe;
  const results: PointResult<unknown, unknown>[] = p.points.map((pt) => {
    const s = store.get(r.id, pt.id, pt.hash)!;
    return { id: pt.id, params: pt.params, result: s.result, seconds: s.seconds };
  });
  const sum = r.summarize(results, p.config);
  const figIds = new Set<string>();
  const figures: RecipeResultsFile["figures"] = [];
  mkdirSync(join(out, "figures"), { recursive: true });
  for (const f of sum.figures) {
    if (figIds.has(f.id)) throw new Error(`figure id '${f.id}' appears twice`);
    figIds.add(f.id);
    const base = `${r.id}--${f.id}`;
    const rf = await renderFigure(f, { idPrefix: base });
    for (const w of new Set(rf.warnings)) log(`  figure ${base}: ${w}`);
    const files = [`figures/${base}.svg`];
    let svg = rf.svg;
    if (rf.png && rf.pngName) {
      svg = svg.split(`href="${rf.pngName}"`).join(`href="${base}.png"`);
      writeFileAtomic(join(out, "figures", `${base}.png`), rf.png);
      files.push(`figures/${base}.png`);
    }
    writeFileAtomic(join(out, "figures", `${base}.svg`), `<?xml version="1.0" encoding="UTF-8"?>\n${svg}`);
    figures.push({ id: f.id, kind: f.kind, title: f.title, caption: f.caption, claim: f.claim, files });
  }
  const used = new Set<string>();
  const tables = sum.tables.map((t) => {
    let name = `${r.id}--${slug(t.title)}`;
    for (let i = 2; used.has(name); i++) name = `${r.id}--${slug(t.title)}-${i}`;
    used.add(name);
    const file = `results/${name}.csv`;
    writeFileAtomic(join(out, file), tableToCsv(t));
    return { ...t, file };
  });
  const seconds = results.reduce((s, x) => s + x.seconds, 0);
  const file: RecipeResultsFile = {
    id: r.id,
    paper: r.paper,
    title: r.title,
    claim: r.claim,
    status: "done",
    config: { ...(p.config as object), full },
    numbers: sum.numbers,
    tables,
    figures,
    points: p.points.map((pt, i) => ({ id: pt.id, params: pt.params, seconds: results[i].seconds, key: keyToString(pt.key) })),
    seconds,
  };
  writeFileAtomic(join(out, "results", `${r.id}.json`), jsonOut(file));
  return { figures: figures.length, seconds };
}

/**
 * Writes results.json, summary.md and report.html from the folder's manifest and results files
 * (every recipe of the folder, including those finished by earlier sessions). Returns the report path.
 */
export function writeReport(out: string, manifest: Manifest, session: { seconds: number; workers: number }): string {
  const recipes: ReportRecipe[] = [];
  const index: unknown[] = [];
  const md: string[] = [
    `# featurelab reproduce — ${out}`,
    "",
    `seed ${manifest.seed}, ${manifest.full ? "full" : "reduced"} sizes, created ${manifest.created}`,
    "",
  ];
  for (const [id, m] of Object.entries(manifest.recipes)) {
    const path = join(out, "results", `${id}.json`);
    const res = m.status === "done" && existsSync(path) ? readJson<RecipeResultsFile>(path) : null;
    const figs = res
      ? res.figures.map((f) => {
          const svg = readFileSync(join(out, f.files[0]), "utf8");
          const png = f.files[1] ? readFileSync(join(out, f.files[1])) : undefined;
          return {
            id: `${id}--${f.id}`,
            kind: f.kind as FigureSpec["kind"],
            title: f.title,
            caption: f.caption,
            claim: f.claim,
            svg,
            png,
            pngName: f.files[1]?.replace(/^figures\//, ""),
            files: f.files,
            warnings: [],
          };
        })
      : [];
    const claim = res?.claim ?? m.claim ?? "";
    recipes.push({
      id,
      paper: m.paper,
      title: m.title,
      claim,
      status: m.status,
      error: m.error,
      config: (res?.config as Record<string, unknown>) ?? {},
      numbers: res?.numbers ?? {},
      tables: res?.tables ?? [],
      figures: figs,
      seconds: res?.seconds,
      points: { done: res ? m.points.length : 0, total: m.points.length },
    });
    index.push({
      id,
      paper: m.paper,
      title: m.title,
      status: m.status,
      error: m.error,
      results: res ? `results/${id}.json` : null,
      tables: res?.tables.map((t) => t.file) ?? [],
      figures: res?.figures ?? [],
    });
    md.push(`## ${m.title} (\`${id}\`, paper ${m.paper}) — ${m.status}`, "");
    if (res) {
      md.push(
        `Claim (what the paper says; the numbers below are what this run measured): ${res.claim}`,
        "",
        ...Object.entries(res.numbers).map(([k, v]) => `- ${k}: ${typeof v === "number" ? v.toPrecision(6) : v}`),
        "",
      );
      for (const t of res.tables.filter((t) => t.kind === "comparison")) md.push(tableToMarkdown(t));
      md.push(...res.figures.map((f) => `- figure: ${f.title} (${f.files.join(", ")})`), "");
    } else if (m.error) md.push(`error: ${m.error}`, "");
  }
  const nFig = recipes.reduce((s, r) => s + r.figures.length, 0);
  writeFileAtomic(
    join(out, "results.json"),
    jsonOut({ seed: manifest.seed, full: manifest.full, created: manifest.created, finished: manifest.finished, figures: nFig, recipes: index }),
  );
  writeFileAtomic(join(out, "summary.md"), md.join("\n"));
  const b = backend();
  const html = renderReport({
    title: "featurelab — reproduction report",
    meta: [
      ["run folder", out],
      ["seed", String(manifest.seed)],
      ["sizes", manifest.full ? "full (the papers' sizes)" : "reduced (featurelab reproduce --full for the papers' sizes)"],
      ["created", manifest.created],
      ["finished", manifest.finished ?? "not yet (resume with the same command and --out)"],
      ["last session", `${session.seconds.toFixed(1)} s on ${session.workers || "no"} worker(s)`],
      ["linear algebra", `${b.name}: ${b.describe()}`],
      ["software", `featurelab ${version()}, Node ${process.versions.node}`],
    ],
    papers: PAPERS.map((p) => ({ key: p.key, title: p.title, cite: p.cite })),
    recipes,
  });
  const path = join(out, "report.html");
  writeFileAtomic(path, html);
  return path;
}
