/**
 * Detection and reporting of parameter combinations without a physical tree-level solution (the per-neuron
 * precision condition (χ/N)tᵀKt < 1 violated), on a real problem rather than a mock: the brief's
 * orthogonal-inputs toy (D = P = 10, X = √D·I, y = 1, κ = 0.5, N = 50) solved at χ ∈ {1, 10, 50, 500}
 * WITHOUT Algorithm 1's annealing (brief §4.1: a direct solve from the NNGP start jumps into the
 * non-normalisable region). The failure must be reported with the χ at which it happened (50) and the
 * last solved χ (10), by the library and by `featurelab multiscale --direct`; the annealed path solves
 * every χ with a positive margin and the scalar-Q value.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { analyzeMultiscale } from "../../src/theory/multiscale/index.js";

const D = 10;
const P = 10;
const X = new Float64Array(P * D);
for (let i = 0; i < P; i++) X[i * D + i] = Math.sqrt(D);
const input = { X, P, D, y: new Float64Array(P).fill(1), act: "linear" as const, N: 50, kappa: 0.5 };
const chis = [1, 10, 50, 500];

describe("multiscale: no physical solution is detected and reported with its χ", () => {
  it("library: the direct solve fails at χ = 50 (margin < 0), the annealed one succeeds", () => {
    const direct = analyzeMultiscale(input, chis, { theories: ["tree"], anneal: { direct: true } });
    assert.ok(direct.treeFailure, "the direct solve must report a failure");
    assert.equal(direct.treeFailure.chi, 50, "failing χ");
    assert.equal(direct.treeFailure.lastChi, 10, "last solved χ");
    assert.match(direct.treeFailure.reason, /not normalisable.*margin -/, "the reason names the violated precision condition");
    const solved = direct.results.filter((r) => r.theories.some((t) => t.theory === "tree")).map((r) => r.chi);
    assert.deepEqual(solved, [1, 10], "tree level only where it was solved");
    const annealed = analyzeMultiscale(input, chis, { theories: ["tree"] });
    assert.equal(annealed.treeFailure, undefined, "Algorithm 1 solves every χ");
    for (const r of annealed.results) {
      const t = r.theories[0];
      assert.ok((t.diagnostics?.margin as number) > 0, `χ = ${r.chi}: margin ${t.diagnostics?.margin}`);
      assert.ok(Math.abs((t.diagnostics?.margin as number) - 1 / (t.Q as number)) < 1e-10, `χ = ${r.chi}: margin = 1/Q at tree level`);
    }
  });

  it("CLI: `multiscale --direct` prints the failing χ and the last solved χ, exit 0", () => {
    const dir = mkdtempSync(join(tmpdir(), "fl-msfail-"));
    const file = join(dir, "ortho.json");
    const rows = Array.from({ length: P }, (_, i) => Array.from(X.subarray(i * D, (i + 1) * D)));
    writeFileSync(file, JSON.stringify({ X: rows, y: Array.from(input.y) }));
    const root = join(import.meta.dirname, "..", "..");
    const run = (extra: string[]) =>
      spawnSync(
        process.execPath,
        [
          join(root, "bin", "featurelab.js"),
          "multiscale",
          "--data",
          file,
          "--width",
          "50",
          "--kappa",
          "0.5",
          "--chi",
          "1,10,50,500",
          "--theories",
          "tree",
          ...extra,
        ],
        { cwd: root, encoding: "utf8", env: { ...process.env, FEATURELAB_FROM_SOURCE: "1" } },
      );
    const text = run(["--direct"]);
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /no physical solution at χ = 50 \(last solved χ = 10\)/, text.stdout);
    const json = run(["--direct", "--json"]);
    assert.equal(json.status, 0, json.stderr);
    const out = JSON.parse(json.stdout);
    assert.equal(out.treeFailure.chi, 50, "JSON treeFailure.chi");
    assert.equal(out.treeFailure.lastChi, 10, "JSON treeFailure.lastChi");
    const ok = run(["--json"]);
    assert.equal(JSON.parse(ok.stdout).treeFailure, undefined, "annealed: no failure");
  });
});
