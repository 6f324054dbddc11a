/** `featurelab springblock simulate|phase`: JSON output matches the library; bad options → exit 2, one line. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { simulateA } from "../../src/theory/springblock/index.js";

const root = join(import.meta.dirname, "..", "..");
const cli = (args: string[]) =>
  spawnSync(process.execPath, [join(root, "bin", "featurelab.js"), ...args], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, FEATURELAB_FROM_SOURCE: "1" },
  });

test("springblock simulate --json: final state equals the library run with the same seed", () => {
  const r = cli(["springblock", "simulate", "--blocks", "7", "--friction", "0.1", "--friction-back", "0.2", "--noise", "0.3", "--seed", "1", "--json"]);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  const lib = simulateA({ L: 7, muR: 0.1, muL: 0.2, noise: 0.3, seed: 1 });
  assert.deepEqual(out.final.x, Array.from(lib.x));
  assert.equal(out.final.shape, "convex");
  assert.equal(out.trajectory[0].step, 0);
  assert.equal(out.trajectory.at(-1).step, 10000);
});

test("springblock phase --json: grid classification", () => {
  const r = cli(["springblock", "phase", "--frictions", "0.1,0.2", "--noises", "0,0.4", "--seeds", "2", "--json"]);
  assert.equal(r.status, 0, r.stderr);
  const g = JSON.parse(r.stdout);
  assert.deepEqual(
    g.cells.map((row: { shape: string }[]) => row.map((c) => c.shape)),
    [
      ["concave", "convex"],
      ["concave", "convex"],
    ],
  );
});

test("bad options → exit 2 with one line naming the option or parameter", () => {
  for (const [args, re] of [
    [["springblock", "simulate", "--blocks", "0"], /--blocks/],
    [["springblock", "simulate", "--friction", "abc"], /--friction/],
    [["springblock", "phase", "--frictions", "0,-1", "--noises", "0"], /friction values/],
    [["springblock", "simulate", "--model", "C"], /--model/],
  ] as [string[], RegExp][]) {
    const r = cli(args);
    assert.equal(r.status, 2, `${args.join(" ")}: ${r.stderr}`);
    const lines = r.stderr.trim().split("\n");
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], re);
    assert.equal(r.stdout, "");
  }
});
