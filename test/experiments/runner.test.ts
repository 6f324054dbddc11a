/**
 * The sweep runner, in-process on the test-only recipe: results do not depend on the number of
 * workers, a point's numbers come from foldIn(foldIn(key(seed), h(recipe)), h(point)), a resumed run
 * computes only the missing points, a failing point fails its recipe without losing the others, a
 * changed configuration invalidates stored points, and a folder cannot be resumed with another seed.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, test } from "node:test";
import { InputError } from "../../src/engine/errors.js";
import { foldIn, key, normal } from "../../src/engine/random.js";

process.env.FEATURELAB_TEST_RECIPES = "1";
process.env.FEATURELAB_TEST_SLEEP_MS = "5";
process.env.FEATURELAB_TEST_POINTS = "12";
const { getRecipe, allRecipes } = await import("../../src/experiments/registry.js");
await import("../../src/experiments/recipes/index.js");
const { runRecipes } = await import("../../src/experiments/runner.js");
const { runInfo, listRuns } = await import("../../src/experiments/runs.js");
const { encodeValue, hash32, parseStore } = await import("../../src/experiments/store.js");

const root = mkdtempSync(join(tmpdir(), "featurelab-runner-"));
const recipe = getRecipe("test-sweep")!;
let n = 0;
const fresh = () => join(root, `run${n++}`);

afterEach(() => {
  delete process.env.FEATURELAB_TEST_FAIL;
  delete process.env.FEATURELAB_TEST_LOG;
  process.env.FEATURELAB_TEST_SLEEP_MS = "5";
});

/** point id → encoded result, from a run folder's store. */
function results(dir: string): Map<string, string> {
  return new Map(parseStore(readFileSync(join(dir, "points.jsonl"))).points.map((p) => [`${p.recipe}/${p.point}`, encodeValue(p.result)]));
}

test("the test recipe is registered only under FEATURELAB_TEST_RECIPES=1, after the real ones", () => {
  assert.ok(recipe);
  assert.equal(allRecipes()[allRecipes().length - 1].id, "test-sweep");
});

test("results are identical on 1 and 2 workers, and each point's draws come from its own key", async () => {
  const a = fresh();
  const b = fresh();
  const ra = await runRecipes({ recipes: [recipe], out: a, seed: 7, full: false, workers: 1 });
  const rb = await runRecipes({ recipes: [recipe], out: b, seed: 7, full: false, workers: 2 });
  assert.equal(ra.workers, 1);
  assert.equal(rb.workers, 2);
  assert.equal(ra.computed, 12);
  assert.equal(rb.computed, 12);
  assert.deepEqual(results(a), results(b));
  // the derivation: foldIn(foldIn(key(seed), hash32(recipe id)), hash32(point id))
  const z5 = normal(foldIn(foldIn(key(7), hash32("test-sweep")), hash32("p5")), 4);
  const stored = parseStore(readFileSync(join(a, "points.jsonl"))).points.find((p) => p.point === "p5")!;
  assert.deepEqual([...(stored.result as { z: Float64Array }).z], [...z5]);
  // NaN and ∞ survive the store
  assert.ok(Number.isNaN((stored.result as { odd: number[] }).odd[0]));
  // the summaries (numbers and tables) match byte for byte
  const strip = (d: string) => {
    const j = JSON.parse(readFileSync(join(d, "results", "test-sweep.json"), "utf8"));
    return JSON.stringify({ numbers: j.numbers, tables: j.tables, figures: j.figures });
  };
  assert.equal(strip(a), strip(b));
  const svg = (d: string) => readFileSync(join(d, "figures", "test-sweep--sums.svg"), "utf8");
  assert.ok(svg(a) === svg(b), "the figure files are identical");
  // another seed gives other numbers
  const c = fresh();
  await runRecipes({ recipes: [recipe], out: c, seed: 8, full: false, workers: 1 });
  assert.notDeepEqual(results(a), results(c));
});

test("resume: only the points missing from the store are computed, and the outcome is unchanged", async () => {
  const dir = fresh();
  const ref = fresh();
  await runRecipes({ recipes: [recipe], out: ref, seed: 3, full: false, workers: 2 });
  await runRecipes({ recipes: [recipe], out: dir, seed: 3, full: false, workers: 2 });
  // keep 5 points, and leave half a line behind as a killed writer would
  const lines = readFileSync(join(dir, "points.jsonl"), "utf8").split("\n");
  const kept = lines.slice(0, 5);
  writeFileSync(join(dir, "points.jsonl"), `${kept.join("\n")}\n${lines[5].slice(0, 30)}`);
  const keptIds = kept.map((l) => JSON.parse(l).data.point);
  const log = join(dir, "computed.log");
  process.env.FEATURELAB_TEST_LOG = log;
  const notes: string[] = [];
  const r = await runRecipes({ recipes: [recipe], out: dir, seed: 3, full: false, workers: 2, log: (m) => notes.push(m) });
  assert.equal(r.reused, 5);
  assert.equal(r.computed, 7);
  const computed = readFileSync(log, "utf8").trim().split("\n").sort();
  const expected = Array.from({ length: 12 }, (_, i) => `p${i}`)
    .filter((p) => !keptIds.includes(p))
    .sort();
  assert.deepEqual(computed, expected);
  assert.ok(notes.some((m) => /torn last line/.test(m)));
  assert.deepEqual(results(dir), results(ref));
  // a second resume computes nothing
  const again = await runRecipes({ recipes: [recipe], out: dir, seed: 3, full: false, workers: 2 });
  assert.equal(again.computed, 0);
  assert.equal(again.reused, 12);
  const m = JSON.parse(readFileSync(join(dir, "run.json"), "utf8"));
  assert.equal(m.sessions.length, 3);
  assert.ok(m.finished);
});

test("a failing point fails its recipe (exit status in the outcome, error in the report) and keeps the other points", async () => {
  const dir = fresh();
  process.env.FEATURELAB_TEST_FAIL = "p4";
  const r = await runRecipes({ recipes: [recipe], out: dir, seed: 1, full: false, workers: 2 });
  assert.equal(r.recipes[0].status, "failed");
  assert.match(r.recipes[0].error!, /point 'p4'.*told to fail/);
  assert.equal(r.computed, 11);
  assert.equal(r.finished, false);
  const info = runInfo(dir)!;
  assert.equal(info.status, "failed");
  assert.deepEqual(info.points, { done: 11, total: 12 });
  assert.match(readFileSync(join(dir, "report.html"), "utf8"), /told to fail/);
  delete process.env.FEATURELAB_TEST_FAIL;
  const again = await runRecipes({ recipes: [recipe], out: dir, seed: 1, full: false, workers: 1 });
  assert.equal(again.computed, 1);
  assert.equal(again.recipes[0].status, "done");
  assert.equal(runInfo(dir)!.status, "finished");
});

test("a changed configuration invalidates the stored points (their params hash no longer matches)", async () => {
  const dir = fresh();
  await runRecipes({ recipes: [recipe], out: dir, seed: 2, full: false, workers: 1 });
  process.env.FEATURELAB_TEST_SLEEP_MS = "6";
  const r = await runRecipes({ recipes: [recipe], out: dir, seed: 2, full: false, workers: 1 });
  assert.equal(r.computed, 12);
  assert.equal(r.reused, 0);
});

test("resuming a folder with another seed or sizes is an InputError naming the folder", async () => {
  const dir = fresh();
  await runRecipes({ recipes: [recipe], out: dir, seed: 5, full: false, workers: 1 });
  await assert.rejects(
    runRecipes({ recipes: [recipe], out: dir, seed: 6, full: false, workers: 1 }),
    (e: unknown) => e instanceof InputError && /--seed 5/.test((e as Error).message),
  );
  await assert.rejects(runRecipes({ recipes: [recipe], out: dir, seed: 5, full: true, workers: 1 }), InputError);
  assert.ok(!existsSync(join(dir, "run.lock")), "the lock is released after a refusal");
});

test("listRuns reports recipes and points done for every run folder", () => {
  const runs = listRuns(root);
  assert.ok(runs.length >= 5);
  for (const r of runs) {
    assert.equal(r.recipes.total, 1);
    assert.equal(r.points.total, 12);
    assert.ok(["finished", "failed", "incomplete"].includes(r.status));
  }
  assert.deepEqual(listRuns(join(root, "missing")), []);
});
