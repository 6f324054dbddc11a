import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { gaussianMixture } from "../../src/data/synthetic.js";
import { InputError, NumericalError } from "../../src/engine/errors.js";
import { foldIn, key, normal } from "../../src/engine/random.js";
import { buildNetwork } from "../../src/nn/layers.js";
import { addInputNoise, addLabelNoise, evaluate, initKey, outputDim, type TrainConfig, train, trainDataFromDataset } from "../../src/nn/train.js";

const mixture = (seed: number, P: number, C = 3, D = 10, sep = 3) =>
  gaussianMixture({ P, D, classes: C, separation: sep, key: key(seed), teacherKey: key(1000) });

function paperNet(D: number, K: number, seed: number, dtype: "f32" | "f64" = "f32") {
  // The brief's network at reduced width/depth: BN_in, [Linear → BN → leaky ReLU → Dropout] × L, Linear.
  return buildNetwork({ inDim: D, hidden: [16, 16, 16], outDim: K, act: "leaky-relu:0.1", batchNorm: true, dropout: 0.1, dtype, key: initKey(seed) });
}

describe("training loop", () => {
  const ds = mixture(1, 120);
  const test = mixture(2, 90);
  const data = trainDataFromDataset(ds);
  const testData = trainDataFromDataset(test);

  it("trainDataFromDataset maps labels to class indices; CE needs C outputs", () => {
    assert.equal(data.classes, 3);
    assert.equal(outputDim(data, "ce"), 3);
    const bin = trainDataFromDataset(mixture(3, 20, 2));
    assert.equal(bin.classes, 2);
    assert.equal(outputDim(bin, "ce"), 2);
    assert.equal(outputDim(bin, "mse"), 1);
    for (let i = 0; i < 20; i++) assert.equal(bin.labels?.[i], bin.targets?.[i] === 1 ? 0 : 1);
  });

  it("training the brief's network (full batch, Adam) lowers the loss and fits the training set", () => {
    const net = paperNet(10, 3, 1);
    const r = train(net, data, { epochs: 40, loss: "ce", optimizer: { name: "adam", lr: 1e-2 }, seed: 1, test: testData, evalEvery: 10 });
    assert.equal(r.records.length, 40);
    assert.equal(r.steps, 40);
    assert.ok(r.records[39].loss < 0.5 * r.records[0].loss, `${r.records[0].loss} → ${r.records[39].loss}`);
    assert.ok((r.test?.acc ?? 0) > 0.8, `test acc ${r.test?.acc}`);
    assert.ok(r.records[9].testAcc !== undefined && r.records[8].testAcc === undefined);
  });

  it("minibatch SGD with MSE on one-hot targets also learns; steps = ⌈P/B⌉ per epoch", () => {
    const net = buildNetwork({ inDim: 10, hidden: [16], outDim: 3, act: "tanh", key: initKey(2) });
    const r = train(net, data, { epochs: 15, batchSize: 32, loss: "mse", optimizer: { name: "sgd", lr: 0.1, momentum: 0.9 }, seed: 2 });
    assert.equal(r.steps, 15 * 4);
    assert.ok(r.records[14].loss < 0.6 * r.records[0].loss);
  });

  it("is deterministic for a seed (dropout, shuffling, noise), and seeds matter", () => {
    const cfg: TrainConfig = { epochs: 3, batchSize: 40, seed: 7, inputNoise: 0.3, labelNoise: 0.2, optimizer: { name: "adam", lr: 1e-3 } };
    const a = paperNet(10, 3, 5);
    const b = paperNet(10, 3, 5);
    const ra = train(a, data, cfg);
    const rb = train(b, data, cfg);
    assert.deepEqual(Array.from(a.values), Array.from(b.values));
    assert.deepEqual(
      ra.records.map((r) => r.loss),
      rb.records.map((r) => r.loss),
    );
    const c = paperNet(10, 3, 5);
    train(c, data, { ...cfg, seed: 8 });
    assert.notDeepEqual(Array.from(a.values), Array.from(c.values));
  });

  it("stops with a NumericalError naming the epoch when the loss diverges", () => {
    const net = buildNetwork({ inDim: 10, hidden: [8], outDim: 3, act: "linear", key: initKey(3) });
    assert.throws(
      () => train(net, data, { epochs: 50, loss: "mse", optimizer: { name: "sgd", lr: 1e4 }, seed: 1 }),
      (e: unknown) => e instanceof NumericalError && /epoch \d+/.test(e.message),
    );
  });

  it("early stopping on the epoch loss", () => {
    const net = paperNet(10, 3, 4);
    const r = train(net, data, { epochs: 30, seed: 1, optimizer: { name: "adam", lr: 1e-2 }, earlyStop: { lossBelow: 10 } });
    assert.equal(r.epochs, 1);
    assert.equal(r.stopped?.epoch, 1);
  });

  it("records per-layer representations on a probe set at chosen epochs (eval mode)", () => {
    const net = paperNet(10, 3, 6);
    const r = train(net, data, { epochs: 2, seed: 1, probe: { X: ds.X, n: 50, epochs: [0, 2] } });
    assert.deepEqual(
      r.representations.map((x) => x.epoch),
      [0, 2],
    );
    const names = r.representations[1].reps.map((x) => x.name);
    assert.deepEqual(names, ["input", "hidden1", "hidden2", "hidden3", "logits"]);
    const again = net.representations(Float32Array.from(ds.X.subarray(0, 500)), 50, { eval: true });
    assert.deepEqual(Array.from(again[2].data), Array.from(r.representations[1].reps[2].data));
    assert.equal(r.representations[0].reps[1].dim, 16);
  });

  it("rejects bad configurations and data with InputErrors", () => {
    const net = paperNet(10, 3, 7);
    assert.throws(() => train(net, data, { epochs: 0 }), InputError);
    assert.throws(() => train(net, data, { epochs: 1, optimizer: { name: "adam", lr: 0 } }), InputError);
    assert.throws(() => train(net, data, { epochs: 1, labelNoise: 1.5 }), InputError);
    assert.throws(() => train(net, data, { epochs: 1, labelNoise: 0.1, labelNoiseMode: "gaussian" }), InputError);
    assert.throws(() => train(paperNet(9, 3, 7), data, { epochs: 1 }), InputError);
    assert.throws(() => train(net, data, { epochs: 1, batchSize: 1 }), /BatchNorm/, "BatchNorm cannot train on single rows");
    const bad = mixture(9, 12);
    bad.X[5] = Number.NaN;
    assert.throws(() => trainDataFromDataset(bad), InputError);
  });

  it("evaluate restores the training mode and reports the authors' accuracy convention on request", () => {
    const net = paperNet(10, 3, 8);
    const a = evaluate(net, testData);
    const b = evaluate(net, testData, { authorsAccuracy: true });
    assert.ok(net.training);
    assert.ok(Math.abs(b.acc - (a.acc * 90) / 91) < 1e-12);
  });
});

describe("noise injectors", () => {
  it("label noise 'resample' redraws ⌊s·B⌋ labels uniformly: a fraction s(C−1)/C changes", () => {
    const n = 1000;
    const C = 10;
    let changed = 0;
    const reps = 40;
    for (let r = 0; r < reps; r++) {
      const lb = new Int32Array(n).map((_, i) => i % C);
      addLabelNoise(lb, n, C, 0.5, "resample", foldIn(key(1), r));
      for (let i = 0; i < n; i++) if (lb[i] !== i % C) changed++;
    }
    const frac = changed / (n * reps);
    assert.ok(Math.abs(frac - 0.45) < 0.01, `${frac}`);
  });
  it("label noise 'flip' changes each label with probability s to a different class", () => {
    const n = 20000;
    const lb = new Int32Array(n).map((_, i) => i % 3);
    addLabelNoise(lb, n, 3, 0.2, "flip", key(2));
    let changed = 0;
    for (let i = 0; i < n; i++) {
      assert.ok(lb[i] >= 0 && lb[i] < 3);
      if (lb[i] !== i % 3) changed++;
    }
    assert.ok(Math.abs(changed / n - 0.2) < 0.01);
  });
  it("relative input noise has std s·std(X_batch)", () => {
    const n = 50000;
    const x = normal(key(3), n, 1, 3);
    const orig = Float64Array.from(x);
    addInputNoise(x, n, 0.5, "relative", key(4));
    let v = 0;
    for (let i = 0; i < n; i++) v += (x[i] - orig[i]) ** 2;
    assert.ok(Math.abs(Math.sqrt(v / n) - 1.5) < 0.03);
  });
});
