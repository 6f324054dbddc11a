/**
 * The status of run folders, for `featurelab runs`: recipes and points done, when a run started and
 * finished, and whether a process is working on it now.
 *
 * @module
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Manifest } from "./runner.js";
import { PointStore, pointKey, processAlive } from "./store.js";

/** One run folder's status. */
export interface RunInfo {
  /** Folder path. */
  dir: string;
  name: string;
  seed: number;
  full: boolean;
  /** "finished": every recipe done; "running": a live process holds the lock; "failed": a recipe failed; else "incomplete". */
  status: "finished" | "running" | "failed" | "incomplete";
  recipes: { done: number; failed: number; total: number };
  points: { done: number; total: number };
  started: string;
  finished: string | null;
}

/** The status of one run folder (null when it holds no run.json). */
export function runInfo(dir: string): RunInfo | null {
  const mpath = join(dir, "run.json");
  if (!existsSync(mpath)) return null;
  let m: Manifest;
  try {
    m = JSON.parse(readFileSync(mpath, "utf8")) as Manifest;
  } catch {
    return null;
  }
  const stored = PointStore.read(join(dir, "points.jsonl"));
  const have = new Set(stored.points.map((p) => pointKey(p.recipe, p.point, p.paramsHash)));
  let pDone = 0;
  let pTotal = 0;
  let rDone = 0;
  let rFailed = 0;
  const recipes = Object.entries(m.recipes);
  for (const [id, r] of recipes) {
    pTotal += r.points.length;
    for (const [pid, hash] of r.points) if (have.has(pointKey(id, pid, hash))) pDone++;
    if (r.status === "done") rDone++;
    if (r.status === "failed") rFailed++;
  }
  const lock = join(dir, "run.lock");
  let running = false;
  if (existsSync(lock)) {
    const pid = Number(readFileSync(lock, "utf8").trim());
    running = Number.isInteger(pid) && pid > 0 && processAlive(pid);
  }
  const status = running ? "running" : m.finished ? "finished" : rFailed ? "failed" : "incomplete";
  return {
    dir,
    name: dir.split(/[\\/]/).filter(Boolean).pop() ?? dir,
    seed: m.seed,
    full: m.full,
    status,
    recipes: { done: rDone, failed: rFailed, total: recipes.length },
    points: { done: pDone, total: pTotal },
    started: m.created,
    finished: m.finished,
  };
}

/** Every run folder directly under `root`, oldest first. */
export function listRuns(root: string): RunInfo[] {
  if (!existsSync(root)) return [];
  const out: RunInfo[] = [];
  for (const name of readdirSync(root)) {
    const d = join(root, name);
    if (!statSync(d).isDirectory()) continue;
    const info = runInfo(d);
    if (info) out.push(info);
  }
  return out.sort((a, b) => a.started.localeCompare(b.started));
}
