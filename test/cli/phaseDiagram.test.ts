/**
 * `featurelab phase-diagram` at the edges: bad grid options are one-line InputErrors (exit 2); a tiny
 * grid (2 slopes × 2 dropout rates × 1 seed, 200 MNIST images, 4 epochs, width 20, depth 3) prints
 * per-point JSON whose curvature and phase follow from its own log D values (ĉ = (d_1 − d_L)/|log D_0 −
 * log D_L|, the telescoped sum of second differences); rerunning with the same --out trains nothing
 * and reads back identical numbers.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { mnistAvailable } from "../../src/data/mnist.js";

const root = join(import.meta.dirname, "..", "..");
function cli(args: string[]) {
  const r = spawnSync(process.execPath, [join(root, "bin", "featurelab.js"), ...args], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, FEATURELAB_FROM_SOURCE: "1", OPENBLAS_NUM_THREADS: "1" },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const tmp = mkdtempSync(join(tmpdir(), "featurelab-phase-"));

function assertBadInput(args: string[], ...mustMention: string[]) {
  const r = cli(["phase-diagram", ...args, "--out", join(tmp, "never")]);
  assert.equal(r.code, 2, `exit code for ${args.join(" ")}: ${r.stderr}`);
  const lines = r.stderr.trim().split("\n");
  assert.equal(lines.length, 1, `one error line, got: ${r.stderr}`);
  assert.match(lines[0], /^featurelab: /, "error prefix");
  for (const m of mustMention) assert.ok(lines[0].includes(m), `'${lines[0]}' should mention '${m}'`);
  assert.equal(r.stdout, "", "nothing on stdout");
}

test("bad grid options → InputError naming the problem; on the command line exit 2, one line, no run folder", async () => {
  const { configFromOptions } = await import("../../src/cli/commands/phaseDiagram.js");
  const { InputError } = await import("../../src/engine/errors.js");
  const base = { earlyStop: true, spring: true, seed: 0 };
  const bad = (o: Record<string, unknown>, mention: string) =>
    assert.throws(
      () => configFromOptions({ ...base, ...o }),
      (e: Error) => e instanceof InputError && e.message.includes(mention),
      `${JSON.stringify(o)} → InputError mentioning '${mention}'`,
    );
  bad({ alphas: [0, 2] }, "slope α must be in [−1, 1], got 2");
  bad({ alphas: [0, 0] }, "listed twice");
  bad({ levels: [0, 1.5] }, "dropout level 1.5");
  bad({ knob: "batch", levels: [1, 64] }, "batch level 1");
  bad({ knob: "lr" }, "--levels");
  bad({ nTrain: 205 }, "multiple of 10");
  bad({ nTest: 900 }, "≤ 892");
  assert.equal(configFromOptions({ ...base, alphas: [0, 0.5], levels: [0, 0.2] }).knob, "dropout", "good options pass");
  assertBadInput(["--alphas", "0,2"], "slope", "2");
  assert.equal(existsSync(join(tmp, "never")), false, "no folder for rejected options");
});

const tiny = [
  "--alphas",
  "0,1",
  "--levels",
  "0,0.3",
  "--seeds",
  "1",
  "--epochs",
  "4",
  "--width",
  "20",
  "--depth",
  "3",
  "--n-train",
  "200",
  "--n-test",
  "20",
  "--no-spring",
  "--json",
  "--quiet",
];

interface PointOut {
  alpha: number;
  level: number;
  seed: number;
  logD: number[];
  c: number;
  cHat: number;
  area: number;
  phase: string;
  testAcc: number;
}

test("tiny grid: per-point JSON consistent with its own log D, resumable", { skip: !mnistAvailable("mnist", "train") && "MNIST files not installed" }, () => {
  const dir = join(tmp, "run");
  const r1 = cli(["phase-diagram", ...tiny, "--workers", "2", "--out", dir]);
  assert.equal(r1.code, 0, `first run: ${r1.stderr}`);
  const j1 = JSON.parse(r1.stdout);
  assert.equal(j1.computed, 4, "4 networks trained");
  assert.equal(j1.reused, 0, "nothing to reuse in a fresh folder");
  assert.equal(j1.points.length, 4, "2 × 2 × 1 points");
  assert.equal(j1.cells.length, 4, "2 × 2 cells");
  const tol = j1.config.linearTol as number;
  for (const p of j1.points as PointOut[]) {
    const where = `α=${p.alpha}, p=${p.level}`;
    assert.equal(p.logD.length, 3 + 2, `${where}: log D for input, 3 hidden layers and logits`);
    assert.ok(p.logD.every(Number.isFinite), `${where}: finite log D`);
    const y = p.logD.slice(0, -1); // logits dropped
    const L = y.length - 1;
    const d = y.slice(1).map((v, i) => y[i] - v);
    let secondDiffs = 0;
    for (let i = 0; i + 1 < d.length; i++) secondDiffs += d[i] - d[i + 1];
    assert.ok(Math.abs(p.c - secondDiffs) < 1e-12, `${where}: c = Σ second differences (${p.c} vs ${secondDiffs})`);
    assert.ok(Math.abs(p.cHat - (d[0] - d[L - 1]) / Math.abs(y[0] - y[L])) < 1e-12, `${where}: ĉ = (d_1 − d_L)/|log D_0 − log D_L|`);
    const expect = Math.abs(p.cHat) < tol ? "linear" : p.cHat > 0 ? "convex" : "concave";
    assert.equal(p.phase, expect, `${where}: phase from ĉ`);
    assert.ok(p.testAcc >= 0 && p.testAcc <= 1, `${where}: accuracy is a fraction`);
  }

  const r2 = cli(["phase-diagram", ...tiny, "--workers", "2", "--out", dir]);
  assert.equal(r2.code, 0, `resumed run: ${r2.stderr}`);
  const j2 = JSON.parse(r2.stdout);
  assert.equal(j2.computed, 0, "a rerun with the same --out trains nothing");
  assert.equal(j2.reused, 4, "every network read back");
  assert.deepEqual(j2.points, j1.points, "identical numbers read back");

  assert.ok(existsSync(join(dir, "report.html")), "the run folder has a report");
});
