/**
 * Interruption, end to end through the CLI: `featurelab reproduce` killed with SIGKILL mid-sweep and
 * started again with the same --out finishes with results identical to an uninterrupted run, and
 * recomputes exactly the points that were not in the store when it was killed. `featurelab runs`
 * shows both folders finished.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { encodeValue, parseStore } from "../../src/experiments/store.js";

const root = join(import.meta.dirname, "..", "..");
const tmp = mkdtempSync(join(tmpdir(), "featurelab-kill-"));
const POINTS = 16;

function env(log: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    FEATURELAB_FROM_SOURCE: "1",
    FEATURELAB_TEST_RECIPES: "1",
    FEATURELAB_TEST_POINTS: String(POINTS),
    FEATURELAB_TEST_SLEEP_MS: "200",
    FEATURELAB_TEST_LOG: log,
  };
}

function start(out: string, log: string): ChildProcess {
  return spawn(process.execPath, [join(root, "bin", "featurelab.js"), "reproduce", "test-sweep", "--seed", "11", "--workers", "2", "--out", out, "--quiet"], {
    cwd: root,
    env: env(log),
    stdio: ["ignore", "pipe", "pipe"],
  });
}

function finish(child: ChildProcess): Promise<{ code: number | null; stderr: string }> {
  let stderr = "";
  child.stderr?.on("data", (d) => {
    stderr += d;
  });
  return new Promise((resolve) => child.once("exit", (code) => resolve({ code, stderr })));
}

function storedLines(out: string): number {
  const p = join(out, "points.jsonl");
  return existsSync(p) ? parseStore(readFileSync(p)).points.length : 0;
}

function results(out: string): Map<string, string> {
  return new Map(parseStore(readFileSync(join(out, "points.jsonl"))).points.map((p) => [p.point, encodeValue(p.result)]));
}

const lines = (file: string) => (existsSync(file) ? readFileSync(file, "utf8").trim().split("\n").filter(Boolean) : []);

test("SIGKILL mid-sweep, then the same command: only unfinished points are recomputed, results identical to an uninterrupted run", {
  timeout: 180_000,
}, async () => {
  const out = join(tmp, "killed");
  const log1 = join(tmp, "first.log");
  const child = start(out, log1);
  const first = finish(child);
  // wait until a few points are stored, then kill without warning
  const t0 = Date.now();
  while (storedLines(out) < 4) {
    if (child.exitCode !== null) assert.fail(`reproduce exited early: ${(await first).stderr}`);
    if (Date.now() - t0 > 120_000) assert.fail("no point was stored within 120 s");
    await new Promise((r) => setTimeout(r, 25));
  }
  child.kill("SIGKILL");
  const killed = await first;
  assert.equal(killed.code, null, "killed by a signal");
  const storedAtKill = new Set(parseStore(readFileSync(join(out, "points.jsonl"))).points.map((p) => p.point));
  assert.ok(storedAtKill.size >= 4 && storedAtKill.size < POINTS, `killed mid-sweep (${storedAtKill.size} of ${POINTS} stored)`);
  assert.ok(existsSync(join(out, "run.lock")), "the dead process left its lock behind");

  const log2 = join(tmp, "second.log");
  const second = await finish(start(out, log2));
  assert.equal(second.code, 0, second.stderr);
  const recomputed = lines(log2).sort();
  const missing = Array.from({ length: POINTS }, (_, i) => `p${i}`)
    .filter((p) => !storedAtKill.has(p))
    .sort();
  assert.deepEqual(recomputed, missing, "the resumed run computes exactly the points missing from the store");
  // at most the points in flight were lost: everything the first run computed is stored or was in progress
  assert.ok(lines(log1).length - storedAtKill.size <= 2, "a killed run loses at most the points in progress (one per worker)");

  const ref = join(tmp, "uninterrupted");
  const third = await finish(start(ref, join(tmp, "third.log")));
  assert.equal(third.code, 0, third.stderr);
  assert.equal(lines(join(tmp, "third.log")).length, POINTS);
  assert.deepEqual(results(out), results(ref));
  const summary = (d: string) => {
    const j = JSON.parse(readFileSync(join(d, "results", "test-sweep.json"), "utf8"));
    return JSON.stringify([j.numbers, j.tables]);
  };
  assert.equal(summary(out), summary(ref));
  assert.ok(!existsSync(join(out, "run.lock")), "the lock is released at the end");

  // `featurelab runs` lists both, finished, with every point done
  const runs = spawn(process.execPath, [join(root, "bin", "featurelab.js"), "runs", "--dir", tmp, "--json"], { cwd: root, env: env(join(tmp, "x.log")) });
  let stdout = "";
  runs.stdout.on("data", (d) => {
    stdout += d;
  });
  const r = await finish(runs);
  assert.equal(r.code, 0, r.stderr);
  const listed = JSON.parse(stdout) as { name: string; status: string; points: { done: number; total: number }; recipes: { done: number; total: number } }[];
  assert.deepEqual(listed.map((x) => x.name).sort(), ["killed", "uninterrupted"]);
  for (const x of listed) {
    assert.equal(x.status, "finished");
    assert.deepEqual(x.points, { done: POINTS, total: POINTS });
    assert.deepEqual(x.recipes, { done: 1, failed: 0, total: 1 });
  }
});

test("SIGINT during a long point with --workers 1: the run stops at once (exit 130), keeps what was stored and frees its lock", {
  timeout: 120_000,
}, async () => {
  const out = join(tmp, "sigint");
  const child = spawn(
    process.execPath,
    [join(root, "bin", "featurelab.js"), "reproduce", "test-sweep", "--seed", "5", "--workers", "1", "--out", out],
    // each point sleeps 20 s in its thread: a point computed in the main thread would hold the signal that long
    { cwd: root, env: { ...env(join(tmp, "sigint.log")), FEATURELAB_TEST_POINTS: "3", FEATURELAB_TEST_SLEEP_MS: "20000" }, stdio: ["ignore", "pipe", "pipe"] },
  );
  const done = finish(child);
  const t0 = Date.now();
  while (!existsSync(join(out, "run.lock"))) {
    if (child.exitCode !== null) assert.fail(`reproduce exited early: ${(await done).stderr}`);
    if (Date.now() - t0 > 60_000) assert.fail("the run did not start within 60 s");
    await new Promise((r) => setTimeout(r, 25));
  }
  await new Promise((r) => setTimeout(r, 3000)); // the worker is inside the first point's 20 s
  const tSignal = Date.now();
  child.kill("SIGINT");
  const r = await done;
  const waited = Date.now() - tSignal;
  assert.equal(r.code, 130, `exit code after SIGINT (stderr: ${r.stderr})`);
  assert.ok(waited < 8000, `stopped ${waited} ms after the signal (a point blocking the main thread would take ~17 s more)`);
  assert.ok(!existsSync(join(out, "run.lock")), "the lock is released");
  assert.match(r.stderr, /interrupted \(SIGINT\).*resume/, "tells how to resume");
});
