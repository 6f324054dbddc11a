/**
 * `featurelab sample` and `featurelab bench langevin` at the edges: good input gives the documented
 * JSON; bad input (T ≤ 0, η ≤ 0, width 0, a burn-in longer than the run, a training set without test
 * points) gives one error line naming the option and exit code 2; a diverging chain exits 1 naming
 * the step and where its last finite state went.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { run } from "../../src/cli/main.js";
import { key, normal, split } from "../../src/engine/random.js";

const root = join(import.meta.dirname, "..", "..");
const tmp = mkdtempSync(join(tmpdir(), "fl-sample-cli-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [join(root, "bin", "featurelab.js"), ...args], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, FEATURELAB_FROM_SOURCE: "1" },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const D = 5;
const [kx, ky, kt, ku] = split(key(4), 4);
const rows = (a: Float64Array, n: number) => Array.from({ length: n }, (_, i) => Array.from(a.subarray(i * D, (i + 1) * D)));
const data = join(tmp, "data.json");
writeFileSync(
  data,
  JSON.stringify({
    Xtrain: rows(normal(kx, 20 * D), 20),
    ytrain: Array.from(normal(ky, 20), Math.sign),
    Xtest: rows(normal(kt, 6 * D), 6),
    ytest: Array.from(normal(ku, 6), Math.sign),
  }),
);
const noTest = join(tmp, "train-only.json");
writeFileSync(noTest, JSON.stringify({ X: rows(normal(kx, 20 * D), 20), y: Array.from(normal(ky, 20), Math.sign) }));

/** Runs the CLI in this process (no start-up cost), capturing stdout and stderr. */
async function cliInProcess(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const ow = process.stdout.write;
  const ew = process.stderr.write;
  process.stdout.write = ((s: string) => out.push(String(s)) > 0) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => err.push(String(s)) > 0) as typeof process.stderr.write;
  try {
    const code = await run(args);
    return { code, stdout: out.join(""), stderr: err.join("") };
  } finally {
    process.stdout.write = ow;
    process.stderr.write = ew;
  }
}

async function badInput(args: string[], ...mention: string[]) {
  const r = await cliInProcess(args);
  assert.equal(r.code, 2, `exit code for ${args.join(" ")}: ${r.stderr}`);
  const lines = r.stderr.trim().split("\n");
  assert.equal(lines.length, 1, r.stderr);
  for (const m of mention) assert.ok(lines[0].includes(m), `'${lines[0]}' should mention '${m}'`);
  assert.equal(r.stdout, "");
}

describe("featurelab sample", () => {
  it("prints ypred, testLoss (bias² + variance), Q, each with an error bar, and the diagnostics", () => {
    const r = cli([
      "sample",
      "--data",
      data,
      "--width",
      "16",
      "--T",
      "0.1",
      "--dt",
      "0.01",
      "--steps",
      "600",
      "--chains",
      "2",
      "--seed",
      "1",
      "--sampler",
      "hmc",
      "--leapfrog",
      "4",
      "--overdisperse",
      "1.5",
      "--json",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const o = JSON.parse(r.stdout);
    assert.equal(o.ypred.length, 6);
    assert.equal(o.ypredError.length, 6);
    assert.ok(Math.abs(o.testLoss.mean - (o.testLoss.bias2.mean + o.testLoss.variance.mean)) < 1e-12);
    for (const e of [o.testLoss, o.testLoss.bias2, o.testLoss.variance, o.Q, o.trainLoss]) assert.ok(Number.isFinite(e.mean) && e.error > 0);
    assert.deepEqual(Object.keys(o.virial), ["W0", "W1"]);
    assert.equal(o.diagnostics.recordsPerChain, 45); // (600 − 150)/10
    assert.equal(o.diagnostics.acceptanceRate.length, 2);
    assert.ok(Number.isFinite(o.diagnostics.Q.rhat) && o.diagnostics.Q.ess > 0);
    assert.deepEqual(o.model.sizes, [5, 16, 1]);
    assert.equal(o.sampler.name, "hmc");
    assert.equal(o.sampler.overdisperse, 1.5, "the over-dispersion factor is reported");
  });

  it("deep nets, the χ parameterization with κ, and biases", () => {
    const r = cli([
      "sample",
      "--data",
      data,
      "--width",
      "8,6",
      "--act",
      "tanh",
      "--chi",
      "4",
      "--kappa",
      "0.4",
      "--bias",
      "--steps",
      "200",
      "--thin",
      "5",
      "--chains",
      "1",
      "--json",
      "--kernels",
      "test",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const o = JSON.parse(r.stdout);
    assert.equal(o.model.T, 0.1);
    assert.equal(o.model.param, "chi");
    assert.deepEqual(o.model.sizes, [5, 8, 6, 1]);
    assert.deepEqual(Object.keys(o.virial), ["W0", "b0", "W1", "b1", "W2", "b2"]);
    assert.equal(o.kernels.length, 2);
    assert.equal(o.kernels[0].P, 6);
  });

  it("bad inputs: one line naming the option, exit 2", async () => {
    await badInput(["sample", "--data", data, "--T", "0"], "--T");
    await badInput(["sample", "--data", data, "--T", "-1"], "--T");
    await badInput(["sample", "--data", data, "--dt", "0"], "--dt");
    await badInput(["sample", "--data", data, "--width", "0"], "--width");
    await badInput(["sample", "--data", data, "--overdisperse", "0"], "--overdisperse");
    await badInput(["sample", "--data", data, "--steps", "100", "--burnin", "100"], "burnin");
    await badInput(["sample", "--data", data, "--T", "0.1", "--kappa", "1"], "--kappa");
    await badInput(["sample", "--data", data, "--lambdas", "1,1,1"], "--lambdas");
    await badInput(["sample", "--data", noTest], "test points");
    await badInput(["sample"], "--data");
  });

  it("a diverging ULA chain: exit 1, the step number and the saved last finite state", () => {
    const ck = join(tmp, "div.ckpt");
    const r = cli(["sample", "--data", data, "--width", "16", "--T", "1", "--dt", "100", "--steps", "500", "--chains", "1", "--checkpoint", ck, "--json"]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /chain 0 diverged at step \d+/);
    assert.ok(r.stderr.includes(`${ck}.diverged`));
    assert.ok(existsSync(`${ck}.diverged`));
  });
});

describe("featurelab bench langevin", () => {
  it("prints {msPerStep, backend} on synthetic data", () => {
    const r = cli(["bench", "langevin", "--P", "50", "--D", "20", "--N", "30", "--steps", "3", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const o = JSON.parse(r.stdout);
    assert.ok(o.msPerStep > 0);
    assert.ok(["native", "js"].includes(o.backend));
    assert.equal(o.times.length, 3);
  });
});
