import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type Dataset, validateDataset } from "../../src/data/dataset.js";
import { areaBins, center, downsample, perClass, randomProjection, selectClasses, standardize, trainTestSplit } from "../../src/data/preprocess.js";
import { InputError } from "../../src/engine/errors.js";
import { key, normal, randint } from "../../src/engine/random.js";

function throwsInput(fn: () => unknown, ...parts: string[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof InputError, `expected InputError, got ${e}`);
    for (const p of parts) assert.ok(e.message.includes(p), `message ${JSON.stringify(e.message)} lacks ${JSON.stringify(p)}`);
    return true;
  });
}

/** P examples of D Gaussian features (from seed), labels cycling 0..C−1, y = label. */
function toy(P: number, D: number, C: number, seed = 1): Dataset {
  const labels = Int32Array.from({ length: P }, (_, i) => i % C);
  return { X: normal(key(seed), P * D), P, D, y: Float64Array.from(labels), K: 1, labels, meta: { name: "toy", source: "test" } };
}

/** P images H×W with integer pixel values 0..255. */
function images(P: number, H: number, W: number, seed = 2): Dataset {
  const X = Float64Array.from(randint(key(seed), P * H * W, 0, 256));
  return { X, P, D: H * W, y: new Float64Array(P), K: 1, meta: { name: "imgs", source: "test", imageShape: [H, W] } };
}

function imageMean(X: Float64Array, off: number, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += X[off + i];
  return s / n;
}

/** Independent reference: output pixel = Σ over all input pixels of (overlap area) · x / (bin area). */
function bruteDownsample(x: Float64Array, H: number, W: number, h: number, w: number): Float64Array {
  const out = new Float64Array(h * w);
  const bh = H / h;
  const bw = W / w;
  const overlap = (a0: number, a1: number, b0: number, b1: number) => Math.max(0, Math.min(a1, b1) - Math.max(a0, b0));
  for (let i = 0; i < h; i++)
    for (let j = 0; j < w; j++) {
      let s = 0;
      for (let r = 0; r < H; r++)
        for (let c = 0; c < W; c++) s += overlap(i * bh, (i + 1) * bh, r, r + 1) * overlap(j * bw, (j + 1) * bw, c, c + 1) * x[r * W + c];
      out[i * w + j] = s / (bh * bw);
    }
  return out;
}

describe("validateDataset", () => {
  const ok = (): Dataset => toy(3, 2, 2);
  it("accepts a consistent dataset", () => validateDataset(ok(), "here"));
  it("names the problem and where", () => {
    const a = ok();
    a.X[1 * 2 + 1] = Number.NaN;
    throwsInput(() => validateDataset(a, "file.csv"), "file.csv: X row 2, column 2 is NaN");
    const b = ok();
    b.y[2] = Number.POSITIVE_INFINITY;
    throwsInput(() => validateDataset(b, "w"), "y row 3, column 1 is Inf");
    throwsInput(() => validateDataset({ ...ok(), P: 0, X: new Float64Array(0), y: new Float64Array(0), labels: undefined }, "w"), "P = 0");
    throwsInput(() => validateDataset({ ...ok(), D: 0, X: new Float64Array(0) }, "w"), "D = 0");
    throwsInput(() => validateDataset({ ...ok(), X: new Float64Array(5) }, "w"), "X has 5 entries, expected P×D = 3×2 = 6");
    throwsInput(() => validateDataset({ ...ok(), y: new Float64Array(2) }, "w"), "y has 2 entries");
    throwsInput(() => validateDataset({ ...ok(), labels: new Int32Array(2) }, "w"), "labels has 2 entries");
    throwsInput(() => validateDataset({ ...ok(), meta: { name: "t", source: "s", imageShape: [3, 3] } }, "w"), "does not match D = 2");
  });
});

describe("selectClasses", () => {
  const ds = toy(14, 3, 7);
  it("keeps the requested classes in dataset order with first class ↦ +1", () => {
    const s = selectClasses(ds, [3, 1]);
    assert.equal(s.P, 4);
    assert.equal(s.K, 1);
    assert.deepEqual([...(s.labels as Int32Array)], [1, 3, 1, 3]);
    assert.deepEqual([...s.y], [-1, 1, -1, 1]);
    assert.deepEqual(s.meta.classes, [3, 1]);
    assert.deepEqual([...s.X.subarray(0, 3)], [...ds.X.subarray(3, 6)]);
    validateDataset(s);
  });
  it("one-hot and index encodings", () => {
    const oh = selectClasses(ds, [5, 0, 2]);
    assert.equal(oh.K, 3);
    assert.deepEqual([...oh.y.subarray(0, 9)], [0, 1, 0, 0, 0, 1, 1, 0, 0]); // labels 0, 2, 5
    const ix = selectClasses(ds, [5, 0, 2], { labels: "index" });
    assert.deepEqual([...ix.y.subarray(0, 3)], [1, 2, 0]);
  });
  it("rejects a class that is not present", () => {
    throwsInput(() => selectClasses(ds, [1, 7]), "class 7 is not in dataset 'toy' (classes: 0..6)");
    throwsInput(() => selectClasses(ds, [1, 1]), "listed twice");
    throwsInput(() => selectClasses(ds, [1, 2, 3], { labels: "pm1" }), "exactly 2 classes");
    throwsInput(() => selectClasses({ ...ds, labels: undefined }, [1]), "no class labels");
  });
});

describe("perClass", () => {
  const ds = toy(60, 2, 3);
  it("takes n of each class, deterministically for a key", () => {
    const a = perClass(ds, 5, key(7));
    assert.equal(a.P, 15);
    const counts = [0, 0, 0];
    for (const l of a.labels as Int32Array) counts[l]++;
    assert.deepEqual(counts, [5, 5, 5]);
    const b = perClass(ds, 5, key(7));
    assert.deepEqual([...b.X], [...a.X]);
    const c = perClass(ds, 5, key(8));
    assert.notDeepEqual([...c.X], [...a.X]);
    // the chosen rows are rows of ds (no duplicates) in dataset order
    const rowOf = (i: number) => ds.X.findIndex((v, t) => t % 2 === 0 && v === a.X[i * 2]) / 2;
    const rows = Array.from({ length: a.P }, (_, i) => rowOf(i));
    assert.deepEqual(
      rows,
      [...rows].sort((u, v) => u - v),
    );
    assert.equal(new Set(rows).size, a.P);
  });
  it("errors when a class has too few examples", () => {
    throwsInput(() => perClass(ds, 21, key(1)), "class 0 has only 20 examples in dataset 'toy', 21 per class requested");
  });
});

describe("center and standardize", () => {
  const ds = toy(50, 4, 2, 3);
  for (let i = 0; i < ds.P; i++) {
    ds.X[i * 4 + 1] = 3 * ds.X[i * 4 + 1] + 10; // shift and scale one feature
    ds.X[i * 4 + 3] = 2.5; // a constant feature
  }
  it("standardize gives zero mean and unit (population) variance", () => {
    const { dataset: s, stats } = standardize(ds);
    for (let j = 0; j < 4; j++) {
      let m = 0;
      let v = 0;
      for (let i = 0; i < s.P; i++) m += s.X[i * 4 + j];
      m /= s.P;
      for (let i = 0; i < s.P; i++) v += (s.X[i * 4 + j] - m) ** 2;
      v /= s.P;
      assert.ok(Math.abs(m) < 1e-14, `mean ${m}`);
      if (j === 3) {
        assert.equal(v, 0);
        assert.equal(stats.std[3], 0);
      } else assert.ok(Math.abs(v - 1) < 1e-13, `var ${v}`);
    }
    assert.ok(Math.abs(stats.mean[3] - 2.5) < 1e-15);
  });
  it("applies given (train) statistics to another set", () => {
    const { stats } = standardize(ds);
    const test = toy(5, 4, 2, 9);
    const { dataset: t } = standardize(test, stats);
    assert.ok(Math.abs(t.X[2 * 4 + 1] - (test.X[2 * 4 + 1] - stats.mean[1]) / stats.std[1]) < 1e-15);
    const { dataset: c } = center(test, { mean: stats.mean });
    assert.equal(c.X[7], test.X[7] - stats.mean[3]);
    throwsInput(() => standardize(toy(3, 2, 2), stats), "stats.mean has 4 entries", "D = 2");
  });
  it("does not modify its input", () => {
    const before = ds.X.slice();
    center(ds);
    standardize(ds);
    assert.deepEqual([...ds.X], [...before]);
  });
});

describe("downsample", () => {
  it("area weights sum to 1 and are exact block means for integer ratios", () => {
    for (const [n, m] of [
      [28, 10],
      [28, 14],
      [7, 3],
      [3, 7],
    ]) {
      const b = areaBins(n, m);
      for (let o = 0; o < m; o++) {
        let s = 0;
        for (let q = b.start[o]; q < b.start[o + 1]; q++) s += b.w[q];
        assert.ok(Math.abs(s - 1) < 1e-15, `${n}→${m} bin ${o}: ${s}`);
      }
    }
    const b = areaBins(28, 7);
    assert.ok([...b.w].every((w) => w === 0.25));
  });

  it("a constant image stays constant", () => {
    const ds = images(2, 28, 28);
    ds.X.fill(0.7);
    for (const size of [
      [10, 10],
      [14, 7],
      [5, 9],
    ] as [number, number][]) {
      const d = downsample(ds, size);
      assert.deepEqual(d.meta.imageShape, size);
      for (const v of d.X) assert.ok(Math.abs(v - 0.7) < 1e-15, `${v}`);
    }
  });

  it("preserves the image mean exactly for integer ratios, to rounding otherwise", () => {
    const ds = images(3, 28, 28);
    const d = downsample(ds, [7, 14]);
    for (let i = 0; i < 3; i++) assert.equal(imageMean(d.X, i * 98, 98), imageMean(ds.X, i * 784, 784));
    const e = downsample(ds, [10, 10]);
    for (let i = 0; i < 3; i++) assert.ok(Math.abs(imageMean(e.X, i * 100, 100) - imageMean(ds.X, i * 784, 784)) < 1e-12);
  });

  it("matches a brute-force area integral for non-integer ratios (down and up)", () => {
    const ds = images(2, 9, 7);
    for (const [h, w] of [
      [4, 3],
      [5, 5],
      [12, 10],
    ]) {
      const d = downsample(ds, [h, w]);
      for (let i = 0; i < 2; i++) {
        const ref = bruteDownsample(ds.X.subarray(i * 63, (i + 1) * 63), 9, 7, h, w);
        for (let t = 0; t < h * w; t++) assert.ok(Math.abs(d.X[i * h * w + t] - ref[t]) < 1e-11, `${h}×${w} pixel ${t}`);
      }
    }
  });

  it("needs an image shape", () => {
    throwsInput(() => downsample(toy(2, 4, 2), [1, 1]), "dataset 'toy'", "imageShape");
    throwsInput(() => downsample(images(1, 4, 4), [0, 2]), "downsample size");
  });
});

describe("randomProjection", () => {
  it("equals Gᵀx/√D with G = normal(key, D·D2) (row-major D×D2) and is deterministic", () => {
    const ds = toy(6, 5, 2);
    const k = key(11);
    const p = randomProjection(ds, 3, k);
    assert.deepEqual([p.P, p.D], [6, 3]);
    const G = normal(k, 15);
    for (let i = 0; i < 6; i++)
      for (let a = 0; a < 3; a++) {
        let s = 0;
        for (let j = 0; j < 5; j++) s += ds.X[i * 5 + j] * G[j * 3 + a];
        assert.ok(Math.abs(p.X[i * 3 + a] - s / Math.sqrt(5)) < 1e-12);
      }
    assert.deepEqual([...randomProjection(ds, 3, key(11)).X], [...p.X]);
    assert.equal(randomProjection(images(1, 2, 2), 2, k).meta.imageShape, undefined);
  });
});

describe("trainTestSplit", () => {
  it("partitions the rows, deterministically for a key", () => {
    const ds = toy(20, 1, 2);
    const s = trainTestSplit(ds, 6, key(4));
    assert.equal(s.test.P, 6);
    assert.equal(s.train.P, 14);
    const all = [...s.train.X, ...s.test.X].sort((a, b) => a - b);
    assert.deepEqual(
      all,
      [...ds.X].sort((a, b) => a - b),
    );
    assert.deepEqual([...trainTestSplit(ds, 6, key(4)).test.X], [...s.test.X]);
    throwsInput(() => trainTestSplit(ds, 20, key(4)), "nTest must be an integer in 1..19");
  });
});
