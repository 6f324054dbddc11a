/** `featurelab renorm` (in-process through run(), capturing stdout/stderr). */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { run } from "../../src/cli/main.js";

const here = dirname(fileURLToPath(import.meta.url));
// biome-ignore lint/suspicious/noExplicitAny: JSON fixture
const FX: any = JSON.parse(readFileSync(join(here, "..", "fixtures", "renorm", "renorm.json"), "utf8"));
const tmp = mkdtempSync(join(tmpdir(), "featurelab-renorm-"));
const D = FX.data;
const file = join(tmp, "split.json");
writeFileSync(file, JSON.stringify({ Xtrain: D.X, ytrain: D.y, Xtest: D.Xtest, ytest: D.ytest }));
const file2 = join(tmp, "split2.json");
writeFileSync(file2, JSON.stringify({ Xtrain: D.X, ytrain: FX.multi.Y2, Xtest: D.Xtest, ytest: FX.multi.Y2test }));

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const w1 = process.stdout.write.bind(process.stdout);
  const w2 = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((s: string) => {
    stdout += s;
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => {
    stderr += s;
    return true;
  }) as typeof process.stderr.write;
  try {
    const code = await run(args);
    return { code, stdout, stderr };
  } finally {
    process.stdout.write = w1;
    process.stderr.write = w2;
  }
}

function close(a: number, b: number, rtol: number, what: string): void {
  assert.ok(Math.abs(a - b) <= rtol * Math.abs(b) + 1e-14, `${what}: ${a} vs ${b}`);
}

describe("featurelab renorm", () => {
  it("--json prints Q̄*, action, diagnostics, predictions, losses and the infinite-width baseline (= the NumPy reference)", async () => {
    const c = FX.scalar[0]; // erf, T = 0.05, N1 = 30, λ0 = λ1 = 1
    const r = await cli(["renorm", "--data", file, "--act", "erf", "--width", "30", "--T", "0.05", "--l0", "1", "--l1", "1", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const o = JSON.parse(r.stdout);
    for (const k of ["Qstar", "action", "converged", "iterations", "gradient", "ypred", "testLoss", "bias2", "variance", "trainLoss", "infiniteWidth"])
      assert.ok(k in o, k);
    close(o.Qstar, c.Q, 1e-10, "Q̄*");
    close(o.action, c.action, 1e-10, "S");
    close(o.testLoss, c.testLoss, 1e-9, "test loss");
    close(o.trainLoss, c.trainLoss, 1e-9, "train loss");
    close(o.infiniteWidth.testLoss, c.infiniteWidth.testLoss, 1e-9, "NNGP test loss");
    o.ypred.forEach((v: number, i: number) => {
      close(v, c.ypred[i], 1e-9, `ypred[${i}]`);
    });
    assert.equal(o.converged, true);
  });

  it("--scan T=lo:hi:n prints curves on a log grid; the other forms (ReLU, several outputs) run too", async () => {
    const r = await cli(["renorm", "--data", file, "--width", "40", "--scan", "T=10:0.001:13", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const o = JSON.parse(r.stdout);
    assert.equal(o.Qstar.length, 13);
    o.Qstar.forEach((q: number, j: number) => {
      close(q, FX.scan.Q[j], 1e-10, `Q̄*[${j}]`);
    });
    assert.equal(o.infiniteWidth.testLoss.length, 13);
    const w = JSON.parse((await cli(["renorm", "--data", file, "--scan", "width=10,100", "--json"])).stdout);
    assert.deepEqual(w.scan.values, [10, 100]);
    const relu = FX.nonodd[0];
    const rr = JSON.parse((await cli(["renorm", "--data", file, "--act", "relu", "--width", "30", "--T", "0.05", "--json"])).stdout);
    assert.equal(rr.form, "nonodd");
    close(rr.Qstar, relu.x, 1e-8, "ReLU x");
    close(rr.B, relu.B, 1e-7, "ReLU B");
    const mx = FX.matrix[0];
    const rm = JSON.parse((await cli(["renorm", "--data", file2, "--width", "20", "--T", "0.05", "--json"])).stdout);
    assert.equal(rm.form, "matrix");
    close(rm.Qstar[0][1], mx.Q[0][1], 1e-7, "Q*_01");
    const rl0 = JSON.parse((await cli(["renorm", "--data", file, "--act", "relu", "--scan", "l0=0.5,2", "--json"])).stdout);
    assert.equal(rl0.Qstar.length, 2);
  });

  it("signatures: manifold distances and weight statistics; with a T scan, the location of the maximum", async () => {
    const c = FX.scalar[0];
    const r = await cli(["renorm", "signatures", "--data", file, "--width", "30", "--T", "0.05", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const o = JSON.parse(r.stdout);
    close(o.manifold.shiftTimesN1.centroid, c.shift.centroid, 1e-8, "N1Δd²");
    close(o.weights.traceDeltaFull, c.traceFull, 1e-8, "Tr Δ full");
    close(o.weights.traceDeltaCode, c.traceCode, 1e-8, "Tr Δ code");
    close(o.weights.traceIdentity, c.traceIdentity, 1e-8, "identity");
    close(o.weights.readoutDisplacement, c.Q - 1, 1e-9, "readout displacement");
    assert.equal(o.weights.topDeltaEigenvalues.length, 5);
    close(o.weights.projections.Xm.full, c.projXm.full, 1e-8, "eᵀΔe");
    const s = JSON.parse((await cli(["renorm", "signatures", "--data", file, "--width", "40", "--scan", "T=10:0.001:13", "--json"])).stdout);
    s.manifold.centroidShift.forEach((v: number, j: number) => {
      close(v, FX.scan.centroidShift[j], 1e-8, `N1Δd²[${j}]`);
    });
    assert.ok(s.manifold.maximum.T > 0.03 && s.manifold.maximum.T < 0.3, `maximum at ${s.manifold.maximum.T}`);
    assert.equal(s.manifold.maximum.interior, true);
    assert.equal(s.weights.traceDeltaFull.length, 13);
    const d = JSON.parse((await cli(["renorm", "signatures", "--data", file, "--width", "30", "--T", "0.05", "--delta", "--top", "2", "--json"])).stdout);
    assert.equal(d.delta.full.length, 12);
    assert.equal(d.delta.topEigenvectors[0].length, 2);
    const txt = await cli(["renorm", "signatures", "--data", file, "--width", "40", "--scan", "T=10:0.001:5"]);
    assert.match(txt.stdout, /maximum of N1Δd²/);
  });

  it("bad inputs: one line on stderr, exit 2, nothing on stdout", async () => {
    const bad: [string[], RegExp][] = [
      [["renorm", "--data", file, "--T", "0"], /--T/],
      [["renorm", "--data", file, "--T", "-1"], /--T/],
      [["renorm", "--data", file, "--T", "nan"], /--T/],
      [["renorm", "--data", file, "--width", "0.5"], /--width/],
      [["renorm", "--data", file, "--l1", "0"], /--l1/],
      [["renorm", "--data", file, "--scan", "T=0:1:5"], /--scan/],
      [["renorm", "--data", file, "--scan", "gamma=1:2:3"], /cannot scan/],
      [["renorm", "--data", file, "--act", "nope"], /unknown activation/],
      [["renorm"], /--data/],
      [["renorm", "--data", join(tmp, "missing.json")], /missing/],
      [["renorm", "signatures", "--data", file, "--act", "relu"], /scalar theory/],
      [["renorm", "signatures", "--data", file, "--label-threshold", "5"], /both classes/],
    ];
    for (const [args, re] of bad) {
      const r = await cli(args);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      const lines = r.stderr.trim().split("\n");
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0], re);
      assert.equal(r.stdout, "");
    }
    const nanFile = join(tmp, "nan.json");
    writeFileSync(
      nanFile,
      JSON.stringify({
        Xtrain: [
          [1, 2],
          [3, null],
        ],
        ytrain: [1, -1],
        Xtest: [[1, 1]],
        ytest: [1],
      }),
    );
    const r = await cli(["renorm", "--data", nanFile]);
    assert.equal(r.code, 2, r.stderr);
    const empty = join(tmp, "empty.json");
    writeFileSync(empty, JSON.stringify({ Xtrain: [], ytrain: [], Xtest: [[1]], ytest: [1] }));
    assert.equal((await cli(["renorm", "--data", empty])).code, 2);
  });
});
