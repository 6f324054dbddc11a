/** `featurelab train`: JSON output for good input, exit code 2 and one error line for bad input. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { gaussianMixture } from "../../src/data/synthetic.js";
import { key } from "../../src/engine/random.js";

const root = join(import.meta.dirname, "..", "..");
const cli = (args: string[]) => {
  const r = spawnSync(process.execPath, [join(root, "bin", "featurelab.js"), ...args], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, FEATURELAB_FROM_SOURCE: "1" },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};
const tmp = mkdtempSync(join(tmpdir(), "featurelab-train-"));
const file = join(tmp, "mix.json");
const rows = (X: Float64Array, P: number, D: number) => Array.from({ length: P }, (_, i) => Array.from(X.subarray(i * D, (i + 1) * D)));
const tr = gaussianMixture({ P: 60, D: 6, classes: 3, separation: 4, key: key(1), teacherKey: key(9) });
const te = gaussianMixture({ P: 30, D: 6, classes: 3, separation: 4, key: key(2), teacherKey: key(9) });
const ys = (y: Float64Array, P: number) => Array.from({ length: P }, (_, i) => Array.from(y.subarray(i * 3, i * 3 + 3)));
writeFileSync(file, JSON.stringify({ Xtrain: rows(tr.X, 60, 6), ytrain: ys(tr.y, 60), Xtest: rows(te.X, 30, 6), ytest: ys(te.y, 30) }));

test("featurelab train --json prints per-epoch records and final test metrics", () => {
  const r = cli([
    "train",
    "--data",
    file,
    "--arch",
    "8x2",
    "--act",
    "leaky-relu:0.1",
    "--batchnorm",
    "--dropout",
    "0.1",
    "--epochs",
    "5",
    "--batch",
    "16",
    "--lr",
    "1e-2",
    "--seed",
    "1",
    "--json",
  ]);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.epochs.length, 5);
  assert.equal(out.config.parameters, 6 * 2 + (6 * 8 + 8) + 16 + (8 * 8 + 8) + 16 + (8 * 3 + 3));
  assert.ok(out.final.testAcc >= 0 && out.final.testAcc <= 1);
  assert.ok(out.epochs[4].loss < out.epochs[0].loss);
});

test("bad inputs → exit 2 with one line naming the option", () => {
  for (const [args, what] of [
    [["--lr", "0"], "--lr"],
    [["--arch", "0x3"], "--arch"],
    [["--epochs", "0"], "--epochs"],
  ] as const) {
    const r = cli(["train", "--data", file, ...args]);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr.trim().split("\n").length, 1);
    assert.ok(r.stderr.includes(what), r.stderr);
  }
  const nan = join(tmp, "nan.csv");
  writeFileSync(nan, "a,b,y\n1,2,0\n1,nan,1\n");
  const r = cli(["train", "--data", nan]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /row 3/);
});
