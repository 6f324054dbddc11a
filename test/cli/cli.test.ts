/**
 * The CLI contract at the edges: every bad input gives exactly one error line on stderr naming what
 * is wrong and where, exit code 2, and nothing half-written; good input gives parseable JSON.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

const root = join(import.meta.dirname, "..", "..");
function cli(args: string[]) {
  const r = spawnSync(process.execPath, [join(root, "bin", "featurelab.js"), ...args], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, FEATURELAB_FROM_SOURCE: "1" },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const fixtures = join(root, "test", "fixtures", "data");
const tmp = mkdtempSync(join(tmpdir(), "featurelab-cli-"));

function assertBadInput(args: string[], ...mustMention: (string | RegExp)[]) {
  const r = cli(args);
  assert.equal(r.code, 2, `exit code for ${args.join(" ")}: ${r.stderr}`);
  const lines = r.stderr.trim().split("\n");
  assert.equal(lines.length, 1, `one error line, got: ${r.stderr}`);
  assert.match(lines[0], /^featurelab: /);
  for (const m of mustMention) {
    if (typeof m === "string") assert.ok(lines[0].includes(m), `'${lines[0]}' should mention '${m}'`);
    else assert.match(lines[0], m);
  }
  assert.equal(r.stdout, "", "nothing on stdout");
}

test("unknown subcommand and unknown option → exit 2, one line", () => {
  assertBadInput(["frobnicate"], "frobnicate");
  assertBadInput(["doctor", "--frobnicate"], "--frobnicate");
  assertBadInput(["data", "inspect"], "file");
});

test("bad option values name the option", () => {
  assertBadInput(["bench", "gemm", "--n", "abc"], "--n", "abc");
  assertBadInput(["bench", "gemm", "--n", "0"], "--n");
  assertBadInput(["bench", "gemm", "--dtype", "f16"], "--dtype", "f16");
  assertBadInput(["data", "prepare", "--out", join(tmp, "x.json"), "--size", "ten"], "--size");
});

test("bad data files: missing, ragged, NaN, wrong shapes — each named with its position", () => {
  assertBadInput(["data", "inspect", join(tmp, "missing.csv")], "missing.csv", "not found");
  assertBadInput(["data", "inspect", join(fixtures, "ragged.csv")], "ragged.csv", /row \d+/);
  assertBadInput(["data", "inspect", join(fixtures, "nan.csv")], "nan.csv", /row \d+/);
  assertBadInput(["data", "inspect", join(fixtures, "split_mismatch.json")], "split_mismatch.json");
  assertBadInput(["data", "inspect", join(fixtures, "bad_header.npy"), "--y", join(fixtures, "y_i8.npy")], "bad_header.npy");
});

test("a class that is not in the dataset → exit 2 and no output file", () => {
  const out = join(tmp, "never.json");
  assertBadInput(["data", "prepare", "--source", "mnist", "--classes", "0,11", "--per-class", "5", "--out", out], "11");
  assert.equal(existsSync(out), false, "nothing half-written");
});

test("data prepare writes a split JSON that data inspect reads back", () => {
  const prepare = (out: string) => [
    "data",
    "prepare",
    "--source",
    "mnist",
    "--classes",
    "0,1",
    "--per-class",
    "20",
    "--test-per-class",
    "10",
    "--size",
    "10x10",
    "--out",
    out,
    "--seed",
    "3",
  ];
  const out = join(tmp, "mnist01.json");
  const r = cli([...prepare(out), "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.train.P, 40);
  assert.equal(j.train.D, 100);
  assert.equal(j.test.P, 20);
  const back = cli(["data", "inspect", out, "--json"]);
  assert.equal(back.code, 0, back.stderr);
  const b = JSON.parse(back.stdout);
  assert.equal(b.train.P, 40);
  assert.deepEqual(b.train.classCounts, { "-1": 20, "1": 20 });
  // same seed → same file contents
  const out2 = join(tmp, "mnist01b.json");
  cli(prepare(out2));
  assert.equal(readFileSync(out, "utf8"), readFileSync(out2, "utf8"));
});

test("synthetic sources and file sources", () => {
  const out = join(tmp, "teacher.json");
  const r = cli(["data", "prepare", "--source", "linear-teacher", "--P", "30", "--P-test", "10", "--D", "5", "--out", out, "--json"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).train.D, 5);
  const csv = join(tmp, "u.csv");
  writeFileSync(csv, "a,b,label\n1,2,0\n3,4,1\n5,6,0\n7,8,1\n");
  const r2 = cli(["data", "prepare", "--source", csv, "--P-test", "1", "--out", join(tmp, "u.json"), "--json"]);
  assert.equal(r2.code, 0, r2.stderr);
  assert.equal(JSON.parse(r2.stdout).train.P, 3);
});

test("doctor reports a backend in JSON", () => {
  const r = cli(["doctor", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.ok(["native", "js"].includes(j.backend));
  assert.equal(typeof j.reason, "string");
});
