/**
 * Checkpoints: the file format (bit-exact round trip, damage detection) and resuming — an
 * interrupted run (in process, and a CLI process killed with SIGKILL) continued from its checkpoint
 * produces exactly the numbers of an uninterrupted run with the same seed.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { InputError } from "../../src/engine/errors.js";
import { key, normal, split } from "../../src/engine/random.js";
import { nativeNNKernels } from "../../src/nn/kernels.js";
import { createMLP } from "../../src/nn/mlp.js";
import { ObservableRecorder } from "../../src/nn/observables.js";
import { checkSchedule, Posterior, type RunOptions, readCheckpoint, runChains, writeCheckpoint } from "../../src/nn/samplers/index.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

function tmp(): string {
  return mkdtempSync(join(tmpdir(), "fl-ckpt-"));
}

describe("checkpoint file", () => {
  it("round-trips header and buffers bit for bit", () => {
    const dir = tmp();
    try {
      const p = join(dir, "a.ckpt");
      const a = Float64Array.of(Math.PI, -0, 5e-324, Number.MAX_VALUE);
      const b = Float32Array.of(1.5, Math.fround(0.1), -3);
      writeCheckpoint(p, { header: { step: 42, name: "x" }, buffers: { a, b, empty: new Float64Array(0) } });
      const r = readCheckpoint(p);
      assert.deepEqual(r.header, { step: 42, name: "x" });
      assert.deepEqual(r.buffers.a, a);
      assert.ok(Object.is(r.buffers.a[1], -0));
      assert.deepEqual(r.buffers.b, b);
      assert.equal(r.buffers.empty.length, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("detects damage and foreign files with an InputError naming the file", () => {
    const dir = tmp();
    try {
      const p = join(dir, "a.ckpt");
      writeCheckpoint(p, { header: {}, buffers: { a: new Float64Array(16).fill(1) } });
      const raw = readFileSync(p);
      raw[raw.length - 3] ^= 0xff;
      writeFileSync(p, raw);
      assert.throws(() => readCheckpoint(p), /checksum mismatch/);
      writeFileSync(p, "hello world, not a checkpoint");
      assert.throws(
        () => readCheckpoint(p),
        (e: unknown) => e instanceof InputError && e.message.includes(p) && /bad magic/.test(e.message),
      );
      assert.throws(() => readCheckpoint(join(dir, "missing")), /not found/);
      assert.throws(() => writeCheckpoint(p, { header: { sha256: "x" }, buffers: {} }), /reserved/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function problem(sampler: RunOptions["sampler"]) {
  const spec = createMLP({ inputDim: 3, widths: [6], activation: "tanh", bias: true });
  const [kx, ky, tx, ty] = split(key(17), 4);
  const post = new Posterior(spec, { X: normal(kx, 30), y: normal(ky, 10), P: 10 }, { T: 0.2, dtype: "f32" });
  const opts: RunOptions = { sampler, eta: 0.01, leapfrog: 3, steps: 300, burnin: 100, thin: 4, chains: 2, seed: 5 };
  const test = { X: normal(tx, 15), y: normal(ty, 5), P: 5 };
  const recorder = () => new ObservableRecorder(post, { test, weightCov: true, kernels: "train" }, 2, checkSchedule(opts));
  return { post, opts, recorder };
}

describe("resume from a checkpoint", () => {
  for (const sampler of ["ula", "mala", "hmc"] as const) {
    it(`an interrupted ${sampler} run continues exactly (in process)`, () => {
      const dir = tmp();
      try {
        const { post, opts, recorder } = problem(sampler);
        const full = runChains(post, recorder(), opts);
        const ck = join(dir, "run.ckpt");
        const part = runChains(post, recorder(), { ...opts, checkpoint: ck, checkpointEvery: 50, stopAfter: 170 });
        assert.equal(part.stepsDone, 170);
        assert.equal(readCheckpoint(ck).header.step, 150);
        const resumed = runChains(post, recorder(), { ...opts, checkpoint: ck, checkpointEvery: 50 });
        assert.equal(resumed.resumedFrom, 150);
        for (let c = 0; c < 2; c++) assert.deepEqual(resumed.states[c].position, full.states[c].position);
        assert.deepEqual(resumed.summary, full.summary);
        assert.deepEqual(resumed.diagnostics, full.diagnostics);
        // a completed checkpoint: rerunning returns the same result without stepping
        const again = runChains(post, recorder(), { ...opts, checkpoint: ck });
        assert.equal(again.resumedFrom, 300);
        assert.deepEqual(again.summary, full.summary);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it("refuses a checkpoint of a different run", () => {
    const dir = tmp();
    try {
      const { post, opts, recorder } = problem("ula");
      const ck = join(dir, "run.ckpt");
      runChains(post, recorder(), { ...opts, checkpoint: ck, stopAfter: 120, checkpointEvery: 100 });
      assert.throws(() => runChains(post, recorder(), { ...opts, seed: 6, checkpoint: ck }), /belongs to a different run/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("featurelab sample killed with SIGKILL and resumed", () => {
  it("produces exactly the output of an uninterrupted run", async () => {
    const dir = tmp();
    try {
      const [kx, ky, kt, ku] = split(key(3), 4);
      const D = 8;
      const X = normal(kx, 40 * D);
      const Xt = normal(kt, 10 * D);
      const rows = (a: Float64Array, n: number) => Array.from({ length: n }, (_, i) => Array.from(a.subarray(i * D, (i + 1) * D)));
      const y = Array.from(normal(ky, 40), (v) => Math.sign(v));
      const yt = Array.from(normal(ku, 10), (v) => Math.sign(v));
      const data = join(dir, "data.json");
      writeFileSync(data, JSON.stringify({ Xtrain: rows(X, 40), ytrain: y, Xtest: rows(Xt, 10), ytest: yt }));
      const ck = join(dir, "run.ckpt");
      const args = ["--import", "tsx", join(root, "src/cli/main.ts"), "sample", "--data", data, "--width", "64", "--T", "0.05", "--dt", "0.005"];
      // the TypeScript fallback is ~10× slower per step: fewer steps keep the test short there
      const steps = nativeNNKernels() ? 8000 : 2400;
      args.push("--steps", String(steps), "--burnin", "800", "--thin", "5", "--chains", "2", "--seed", "7", "--json", "--weight-cov");
      const env = { ...process.env, FEATURELAB_FROM_SOURCE: "1" };
      // 1. start with checkpoints every 40 steps; kill -9 once one past step 400 exists
      const child: ChildProcess = spawn(process.execPath, [...args, "--checkpoint", ck, "--checkpoint-every", "40"], { cwd: root, env, stdio: "ignore" });
      const exited = new Promise<number | null>((res) => child.on("exit", (code) => res(code)));
      let killedAt = -1;
      for (let i = 0; i < 3000 && killedAt < 0; i++) {
        await new Promise((r) => setTimeout(r, 10));
        if (child.exitCode !== null) break;
        if (!existsSync(ck)) continue;
        let step = -1;
        try {
          step = readCheckpoint(ck).header.step as number;
        } catch {
          continue; // being replaced: the rename is atomic, a read can still race the unlink
        }
        if (step >= 400) {
          child.kill("SIGKILL");
          killedAt = step;
        }
      }
      await exited;
      assert.ok(killedAt >= 400 && killedAt < steps, `the run was killed mid-way (checkpoint step ${killedAt})`);
      // 2. resume to completion
      const resumed = spawnSync(process.execPath, [...args, "--checkpoint", ck, "--checkpoint-every", "40"], { cwd: root, env, encoding: "utf8" });
      assert.equal(resumed.status, 0, resumed.stderr);
      // 3. uninterrupted run (no checkpoint)
      const full = spawnSync(process.execPath, args, { cwd: root, env, encoding: "utf8" });
      assert.equal(full.status, 0, full.stderr);
      const a = JSON.parse(resumed.stdout);
      const b = JSON.parse(full.stdout);
      assert.ok(a.resumedFrom >= killedAt, `resumed from ${a.resumedFrom}`);
      for (const o of [a, b]) {
        delete o.resumedFrom;
        delete o.seconds;
        delete o.msPerStep;
      }
      assert.deepEqual(a, b);
      assert.equal(a.ypred.length, 10);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
