import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InputError } from "../../src/engine/errors.js";
import { foldIn, key, normal, randint } from "../../src/engine/random.js";
import { ACTIVATION_NAMES, parseActivation } from "../../src/kernels/activations.js";
import {
  ActivationLayer,
  type Arr,
  BatchNorm1d,
  buildNetwork,
  countCorrect,
  crossEntropy,
  Dropout,
  fusedKernelsNative,
  type Layer,
  Linear,
  mseLoss,
  parseArch,
  Sequential,
  useJsKernels,
} from "../../src/nn/layers.js";

const f64 = (n: number, seed: number, std = 1) => normal(key(seed), n, 0, std);

/** max |a − b| / max(max |b|, tiny). */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / Math.max(den, 1e-300);
}

/**
 * Central finite differences of L = Σ c ⊙ f(x) with respect to every entry of `target`, where `f`
 * re-runs the forward pass (h = 1e-6).
 */
function fdGrad(target: Float64Array, L: () => number, h = 1e-6): Float64Array {
  const g = new Float64Array(target.length);
  for (let i = 0; i < target.length; i++) {
    const v = target[i];
    target[i] = v + h;
    const lp = L();
    target[i] = v - h;
    const lm = L();
    target[i] = v;
    g[i] = (lp - lm) / (2 * h);
  }
  return g;
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Checks dL/dx and dL/dθ of a layer (or a Sequential) against finite differences. */
function checkLayerGradients(
  fwd: (x: Arr) => Arr,
  bwd: (c: Arr) => Arr | null,
  x: Float64Array,
  params: Float64Array[],
  grads: Arr[],
  outLen: number,
  tol = 1e-6,
  label = "",
) {
  const c = f64(outLen, 99);
  const L = () => dot(fwd(x), c);
  fwd(x);
  const dx = bwd(c) as Float64Array;
  const gx = Float64Array.from(dx);
  const gp = grads.map((g) => Float64Array.from(g));
  const fdx = fdGrad(x, L);
  assert.ok(relErr(gx, fdx) < tol, `${label} dx rel err ${relErr(gx, fdx)}`);
  params.forEach((p, i) => {
    const fdp = fdGrad(p, L);
    assert.ok(relErr(gp[i], fdp) < tol, `${label} param ${i} rel err ${relErr(gp[i], fdp)}`);
  });
}

function layerCheck(layer: Layer, n: number, seed: number, tol = 1e-6, xScale = 1) {
  const x = f64(n * layer.inDim, seed, xScale);
  checkLayerGradients(
    (xx) => layer.forward(xx, n, { key: key(5) }),
    (c) => layer.backward(c, n, true),
    x,
    layer.params as Float64Array[],
    layer.grads,
    n * layer.outDim,
    tol,
    layer.kind,
  );
}

for (const mode of ["js", "native"] as const) {
  describe(`layer gradients vs finite differences (f64, ${mode} element-wise kernels)`, () => {
    const skip = mode === "native" && !fusedKernelsNative();
    const before = () => useJsKernels(mode === "js");
    it("Linear (standard, NTK, no bias)", { skip }, () => {
      before();
      layerCheck(new Linear(5, 4, { dtype: "f64", key: key(1) }), 6, 10);
      layerCheck(new Linear(5, 3, { dtype: "f64", key: key(2), parameterization: "ntk", gw: 2, gb: 0.5 }), 4, 11);
      layerCheck(new Linear(3, 4, { dtype: "f64", key: key(3), bias: false, init: "gaussian" }), 5, 12);
    });
    it("every activation of the registry", { skip }, () => {
      before();
      for (const name of ACTIVATION_NAMES) {
        const spec = name === "leaky-relu" ? "leaky-relu:0.2" : name === "erf" ? "erf:1.5" : name;
        layerCheck(new ActivationLayer(7, spec, "f64"), 5, 20);
      }
    });
    it("BatchNorm1d in training mode (affine and not)", { skip }, () => {
      before();
      const bn = new BatchNorm1d(4, { dtype: "f64" });
      // non-trivial γ, β
      bn.params[0].set([1.5, -0.7, 0.3, 2]);
      bn.params[1].set([0.1, 0.2, -0.3, 0.4]);
      layerCheck(bn, 7, 30, 1e-6, 3);
      layerCheck(new BatchNorm1d(3, { dtype: "f64", affine: false }), 6, 31);
    });
    it("BatchNorm1d in eval mode", { skip }, () => {
      before();
      const bn = new BatchNorm1d(4, { dtype: "f64" });
      bn.forward(f64(40, 32, 2), 10);
      bn.params[0].set([1.5, -0.7, 0.3, 2]);
      bn.training = false;
      layerCheck(bn, 5, 33);
    });
    it("Dropout (fixed key) and the whole Sequential chain", { skip }, () => {
      before();
      layerCheck(new Dropout(6, 0.4, "f64"), 5, 40);
      const net = buildNetwork({ inDim: 5, hidden: [6, 6, 6], outDim: 3, act: "leaky-relu:0.1", batchNorm: true, dropout: 0.2, dtype: "f64", key: key(41) });
      const n = 8;
      const x = f64(n * 5, 42);
      const k = key(43);
      const values = net.values as Float64Array;
      const c = f64(n * 3, 44);
      const L = () => dot(net.forward(x, n, { key: k }), c);
      net.forward(x, n, { key: k });
      const gx = Float64Array.from(net.backward(c, n, true) as Float64Array);
      const gp = Float64Array.from(net.grads);
      assert.ok(relErr(gx, fdGrad(x, L)) < 1e-6);
      assert.ok(relErr(gp, fdGrad(values, L)) < 1e-6, `${relErr(gp, fdGrad(values, L))}`);
    });
    it("losses: cross-entropy and MSE", { skip }, () => {
      before();
      const n = 5;
      const K = 4;
      const z = f64(n * K, 50, 2);
      const labels = randint(key(51), n, 0, K);
      const ce = crossEntropy(z, n, K, labels);
      assert.ok(
        relErr(
          ce.grad,
          fdGrad(z, () => crossEntropy(z, n, K, labels).loss),
        ) < 1e-6,
      );
      const y = f64(n * K, 52);
      const ms = mseLoss(z, n, K, y);
      assert.ok(
        relErr(
          ms.grad,
          fdGrad(z, () => mseLoss(z, n, K, y).loss),
        ) < 1e-6,
      );
    });
  });
}

describe("layer semantics", () => {
  it("Linear computes x·Wᵀ + b and uses PyTorch's default init range", () => {
    useJsKernels(false);
    const l = new Linear(3, 2, { dtype: "f64", key: key(1) });
    const bound = 1 / Math.sqrt(3);
    for (const v of l.params[0]) assert.ok(Math.abs(v) <= bound);
    const W = l.params[0];
    const b = l.params[1];
    const x = Float64Array.from([1, 2, 3, -1, 0, 2]);
    const y = l.forward(x, 2);
    for (let i = 0; i < 2; i++) {
      for (let o = 0; o < 2; o++) {
        let s = b[o];
        for (let j = 0; j < 3; j++) s += x[i * 3 + j] * W[o * 3 + j];
        assert.ok(Math.abs(y[i * 2 + o] - s) < 1e-12);
      }
    }
  });
  it("leaky-relu:1 is the identity and the activation matches φ of the registry", () => {
    const x = f64(50, 3);
    const id = new ActivationLayer(50, "leaky-relu:1", "f64").forward(x, 1);
    assert.deepEqual(Array.from(id), Array.from(x));
    for (const name of ["tanh", "gelu", "relu", "leaky-relu:0.3"]) {
      const act = parseActivation(name);
      const y = new ActivationLayer(50, name, "f64").forward(x, 1);
      for (let i = 0; i < 50; i++) assert.ok(Math.abs(y[i] - act.phi(x[i])) < 1e-15);
    }
  });
  it("BatchNorm: batch statistics in training, running statistics (unbiased var, momentum 0.1) in eval", () => {
    const bn = new BatchNorm1d(2, { dtype: "f64" });
    const x = Float64Array.from([1, 10, 2, 20, 3, 30, 6, 40]); // column 0: 1,2,3,6; column 1: 10..40
    const y = bn.forward(x, 4);
    let m = 0;
    let v = 0;
    for (let i = 0; i < 4; i++) m += y[2 * i];
    for (let i = 0; i < 4; i++) v += y[2 * i] ** 2;
    assert.ok(Math.abs(m) < 1e-12 && Math.abs(v / 4 - 3.5 / (3.5 + 1e-5)) < 1e-9);
    // mean 3, unbiased var 14/3 for column 0
    assert.ok(Math.abs(bn.runningMean[0] - 0.3) < 1e-12);
    assert.ok(Math.abs(bn.runningVar[0] - (0.9 + (0.1 * 14) / 3)) < 1e-12);
    bn.training = false;
    const z = bn.forward(Float64Array.from([3, 25]), 1);
    assert.ok(Math.abs(z[0] - (3 - 0.3) / Math.sqrt(bn.runningVar[0] + 1e-5)) < 1e-12);
  });
  it("inverted dropout preserves the expectation and drops a fraction p", () => {
    const p = 0.3;
    const n = 200000;
    const d = new Dropout(n, p, "f64");
    const x = new Float64Array(n).fill(2);
    const y = d.forward(x, 1, { key: key(7) });
    let s = 0;
    let zeros = 0;
    for (const v of y) {
      s += v;
      if (v === 0) zeros++;
    }
    // sd of the mean of y: 2·√(p/(1−p))/√n ≈ 0.003
    assert.ok(Math.abs(s / n - 2) < 0.015, `${s / n}`);
    assert.ok(Math.abs(zeros / n - p) < 0.005);
    d.training = false;
    assert.equal(d.forward(x, 1), x);
  });
  it("dropout masks are identical with native and JS kernels", { skip: !fusedKernelsNative() }, () => {
    const x = f64(1001, 8);
    const d = new Dropout(1001, 0.37, "f64");
    useJsKernels(true);
    const a = Float64Array.from(d.forward(x, 1, { key: key(9) }));
    useJsKernels(false);
    const b = Float64Array.from(d.forward(x, 1, { key: key(9) }));
    assert.deepEqual(Array.from(a), Array.from(b));
  });
  it("Sequential: flat parameter views, shape checks, taps", () => {
    const net = buildNetwork({ inDim: 4, hidden: [5, 5], outDim: 3, act: "relu", batchNorm: true, dropout: 0.1, key: key(1) });
    // BN_in (8) + L1 (25) + BN (10) + L2 (30) + BN (10) + out (18)
    assert.equal(net.size, 8 + 25 + 10 + 30 + 10 + 18);
    const lin = net.layers.find((l) => l.label === "linear1") as Linear;
    const off = net.paramLayout().find((p) => p.label === "linear1" && p.name === "weight")?.offset as number;
    net.values[off] = 0.125;
    assert.equal(lin.weight[0], 0.125);
    const reps = net.representations(Float32Array.from(f64(12, 3)), 3, { eval: true, includeInput: true });
    assert.deepEqual(
      reps.map((r) => r.name),
      ["raw", "input", "hidden1", "hidden2", "logits"],
    );
    assert.ok(net.training, "representations({eval}) restores training mode");
    assert.throws(() => new Sequential([new Linear(3, 4, { key: key(1) }), new Linear(5, 2, { key: key(2) })]), InputError);
    assert.throws(() => net.forward(new Float32Array(3), 2), InputError);
    assert.throws(() => net.forward(new Float32Array(8), 2), InputError, "dropout in training mode needs a key");
  });
  it("state/loadState round-trips parameters and running statistics", () => {
    const a = buildNetwork({ inDim: 3, hidden: [4], outDim: 2, batchNorm: true, key: key(1) });
    a.forward(Float32Array.from(f64(15, 2)), 5);
    const b = buildNetwork({ inDim: 3, hidden: [4], outDim: 2, batchNorm: true, key: key(2) });
    b.loadState(a.state());
    a.eval();
    b.eval();
    const x = Float32Array.from(f64(6, 3));
    assert.deepEqual(Array.from(a.forward(x, 2)), Array.from(b.forward(x, 2)));
  });
  it("f32 forward agrees with f64 to single precision", () => {
    const mk = (dtype: "f32" | "f64") => buildNetwork({ inDim: 6, hidden: [8, 8], outDim: 3, act: "tanh", batchNorm: true, dtype, key: key(4) });
    const x = f64(60, 5);
    const y64 = mk("f64").forward(x, 10);
    const y32 = mk("f32").forward(Float32Array.from(x), 10);
    assert.ok(relErr(y32, y64) < 1e-5);
  });
  it("parseArch and countCorrect", () => {
    assert.deepEqual(parseArch("100x7"), Array(7).fill(100));
    assert.deepEqual(parseArch("64, 32"), [64, 32]);
    assert.throws(() => parseArch("0x3"), InputError);
    assert.throws(() => parseArch("100x0"), InputError);
    assert.throws(() => parseArch("abc"), InputError);
    assert.equal(countCorrect(Float64Array.from([0.1, 2, 5, -1]), 2, 2, [1, 0]), 2);
    assert.equal(countCorrect(Float64Array.from([0.5, -0.5]), 2, 1, [0, 0]), 1);
  });
  it("different layer keys give different initialisations; the same key the same", () => {
    const a = new Linear(4, 4, { key: foldIn(key(1), 1) });
    const b = new Linear(4, 4, { key: foldIn(key(1), 1) });
    const c = new Linear(4, 4, { key: foldIn(key(1), 2) });
    assert.deepEqual(Array.from(a.weight), Array.from(b.weight));
    assert.notDeepEqual(Array.from(a.weight), Array.from(c.weight));
  });
});
