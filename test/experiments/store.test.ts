/**
 * The result store: exact round trips of every value a point may return, per-line SHA-256 checksums,
 * torn last lines discarded (and truncated away before the next append), corrupt middle lines
 * skipped, and the run-folder lock.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { InputError } from "../../src/engine/errors.js";
import {
  acquireLock,
  decodeValue,
  encodeValue,
  formatLine,
  hash32,
  PointStore,
  parseStore,
  type StoredPoint,
  sha256,
  verifyLine,
} from "../../src/experiments/store.js";

const tmp = mkdtempSync(join(tmpdir(), "featurelab-store-"));

function point(i: number, result: unknown = { i }): StoredPoint {
  return { recipe: "r", point: `p${i}`, paramsHash: "h", key: "00000000:00000001", seconds: 0.1, finished: "2025-01-01T00:00:00.000Z", result };
}

test("encodeValue/decodeValue round-trip NaN, ±∞, −0 … and typed arrays exactly", () => {
  const v = {
    a: [1, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0.1 + 0.2, 5e-324],
    f64: Float64Array.of(Math.PI, Number.NaN, -1e300, 2 ** -1074),
    f32: Float32Array.of(1.5, -2.25, Number.POSITIVE_INFINITY),
    i32: Int32Array.of(-7, 0, 2 ** 31 - 1),
    u8: Uint8Array.of(0, 255),
    nested: { s: 'x\ny"', b: true, n: null },
  };
  const back = decodeValue(encodeValue(v)) as typeof v;
  assert.deepEqual(back.a, v.a);
  assert.ok(Object.is(back.a[4], -0));
  assert.ok(back.f64 instanceof Float64Array && back.f32 instanceof Float32Array && back.i32 instanceof Int32Array && back.u8 instanceof Uint8Array);
  assert.deepEqual([...back.f64], [...v.f64]);
  assert.deepEqual([...back.f32], [...v.f32]);
  assert.deepEqual([...back.i32], [...v.i32]);
  assert.deepEqual([...back.u8], [...v.u8]);
  assert.deepEqual(back.nested, v.nested);
  // a subarray view encodes only its own bytes
  const big = Float64Array.of(1, 2, 3, 4);
  assert.deepEqual([...(decodeValue(encodeValue(big.subarray(1, 3))) as Float64Array)], [2, 3]);
  // idempotent: encode(decode(encode(v))) = encode(v) — the property resume relies on
  assert.equal(encodeValue(back), encodeValue(v));
});

test("a line is valid JSON whose sha256 is the SHA-256 of its data text; any flipped byte is caught", () => {
  const line = formatLine(point(1, { x: 1.25 }));
  assert.ok(line.endsWith("\n"));
  const obj = JSON.parse(line);
  assert.equal(obj.data.point, "p1");
  const body = line.slice(0, -1);
  const payload = verifyLine(body);
  assert.ok(payload);
  assert.equal(sha256(payload), obj.sha256);
  // flip one digit inside the payload
  const i = body.indexOf("1.25");
  assert.equal(verifyLine(`${body.slice(0, i)}1.26${body.slice(i + 4)}`), null);
  assert.equal(verifyLine(body.slice(0, -5)), null);
});

test("hash32 is a stable 32-bit integer (first 4 bytes of SHA-256)", () => {
  const h = hash32("nngp-gp-mnist");
  assert.ok(Number.isInteger(h) && h >= 0 && h < 2 ** 32);
  assert.equal(h, Number.parseInt(sha256("nngp-gp-mnist").slice(0, 8), 16));
  assert.notEqual(hash32("p1"), hash32("p2"));
});

test("parseStore: a torn last line (no newline) is discarded; a corrupt middle line is skipped and counted", () => {
  const l1 = formatLine(point(1));
  const l2 = formatLine(point(2));
  const l3 = formatLine(point(3));
  const torn = Buffer.from(l1 + l2 + l3.slice(0, 40));
  let p = parseStore(torn);
  assert.deepEqual(
    p.points.map((x) => x.point),
    ["p1", "p2"],
  );
  assert.equal(p.torn, true);
  assert.equal(p.corrupt, 0);
  assert.equal(p.completeBytes, Buffer.byteLength(l1 + l2));

  // a complete last line with a wrong checksum is a torn write too (e.g. zero-filled blocks)
  const bad = l3.replace('"p3"', '"p4"');
  p = parseStore(Buffer.from(l1 + l2 + bad));
  assert.equal(p.torn, true);
  assert.equal(p.corrupt, 0);
  assert.equal(p.completeBytes, Buffer.byteLength(l1 + l2));

  // a bad line in the middle: skipped, counted, the rest kept
  p = parseStore(Buffer.from(l1 + bad + l3));
  assert.deepEqual(
    p.points.map((x) => x.point),
    ["p1", "p3"],
  );
  assert.equal(p.corrupt, 1);
  assert.equal(p.torn, false);
  assert.deepEqual(parseStore(Buffer.alloc(0)), { points: [], completeBytes: 0, torn: false, corrupt: 0 });
});

test("PointStore.open truncates a torn tail, so the next append starts on a fresh line", () => {
  const path = join(tmp, "torn.jsonl");
  writeFileSync(path, formatLine(point(1)) + formatLine(point(2)));
  appendFileSync(path, formatLine(point(3)).slice(0, 57)); // the process died mid-write
  const s = PointStore.open(path);
  assert.equal(s.torn, true);
  assert.equal(s.points.size, 2);
  const back = s.append(point(3, { z: Float64Array.of(Number.NaN, 1) }));
  s.close();
  assert.ok(back.result && (back.result as { z: Float64Array }).z instanceof Float64Array);
  const text = readFileSync(path, "utf8");
  assert.equal(text.split("\n").length, 4); // three lines and the final newline
  const p = parseStore(Buffer.from(text));
  assert.equal(p.torn, false);
  assert.equal(p.corrupt, 0);
  assert.deepEqual(
    p.points.map((x) => x.point),
    ["p1", "p2", "p3"],
  );
  assert.ok(Number.isNaN((p.points[2].result as { z: Float64Array }).z[0]));
});

test("PointStore.get honours the params hash; the first line of a duplicated point wins", () => {
  const path = join(tmp, "dup.jsonl");
  writeFileSync(path, formatLine(point(1, "first")) + formatLine(point(1, "second")));
  const s = PointStore.open(path);
  assert.equal(s.get("r", "p1", "h")?.result, "first");
  assert.equal(s.get("r", "p1", "other-hash"), undefined);
  assert.equal(s.get("r", "p9", "h"), undefined);
  s.close();
  assert.throws(() => s.append(point(2)), /after close/);
});

test("PointStore: a point recomputed under new parameters is found after reopening, not shadowed by its older line", () => {
  const path = join(tmp, "rehash.jsonl");
  writeFileSync(path, formatLine({ ...point(1, "old config"), paramsHash: "h-old" }));
  const s1 = PointStore.open(path);
  assert.equal(s1.get("r", "p1", "h-new"), undefined, "the old line must not answer for the new parameters");
  s1.append({ ...point(1, "new config"), paramsHash: "h-new" });
  s1.close();
  const s2 = PointStore.open(path);
  assert.equal(s2.get("r", "p1", "h-new")?.result, "new config", "after reopening, the new-parameter line is found");
  assert.equal(s2.get("r", "p1", "h-old")?.result, "old config", "the old line still answers for the old parameters");
  s2.close();
});

test("the run lock: a live process's lock is refused with an InputError, a dead one's is taken over", async () => {
  const lock = join(tmp, "run.lock");
  const child = spawn("sleep", ["30"]);
  try {
    writeFileSync(lock, String(child.pid));
    assert.throws(
      () => acquireLock(lock),
      (e: unknown) => e instanceof InputError && new RegExp(`process ${child.pid}`).test((e as Error).message),
    );
  } finally {
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
  }
  // the holder is gone: the lock is stale
  const release = acquireLock(lock);
  assert.equal(readFileSync(lock, "utf8"), String(process.pid));
  release();
  assert.throws(() => readFileSync(lock), /ENOENT/);
});
