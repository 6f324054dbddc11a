/**
 * The MLP engine: architecture and parameterizations, analytic gradients against central finite
 * differences (f64, every activation × parameterization, both kernel sets), f32 against f64, the
 * native kernels against the TypeScript ones, and the noise stream against src/engine/random.ts.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InputError } from "../../src/engine/errors.js";
import { bits, foldIn, key, normal, normal32, split } from "../../src/engine/random.js";
import { ACTIVATION_NAMES } from "../../src/kernels/activations.js";
import { availableKernels, jsKernels, type NNKernels, nativeNNKernels, normalAt } from "../../src/nn/kernels.js";
import { createMLP, groupView, initParams, layerViews, MLPEvaluator, type Parameterization, priorEnergy, readoutMultiplier } from "../../src/nn/mlp.js";
import { loadNNAddon, type NNAddon } from "../../src/nn/native.js";

const kernelSets = availableKernels();
const native = nativeNNKernels();

function data(P: number, D: number, K: number, seed: number) {
  const [kx, ky] = split(key(seed), 2);
  return { X: normal(kx, P * D), y: normal(ky, P * K), P };
}

/** max_j |fd_j − g_j| / max_j |g_j| for the loss of `ev` at θ (central differences, step h). */
function fdRelError(ev: MLPEvaluator, theta: Float64Array, h = 1e-5): number {
  const g = new Float64Array(theta.length);
  ev.lossGrad(theta, g);
  let maxErr = 0;
  let maxG = 0;
  for (let j = 0; j < theta.length; j++) {
    const t = theta[j];
    theta[j] = t + h;
    const lp = ev.loss(theta);
    theta[j] = t - h;
    const lm = ev.loss(theta);
    theta[j] = t;
    maxErr = Math.max(maxErr, Math.abs((lp - lm) / (2 * h) - g[j]));
    maxG = Math.max(maxG, Math.abs(g[j]));
  }
  return maxErr / maxG;
}

describe("createMLP", () => {
  it("lays out W0, b0, W1, b1, … with the parameterization's multipliers", () => {
    const s = createMLP({ inputDim: 5, widths: [4, 3], outputDim: 2, activation: "erf", bias: true, lambdas: [1, 2, 3], biasLambdas: 0.5 });
    assert.deepEqual(
      s.groups.map((g) => [g.name, g.offset, g.size, g.lambda]),
      [
        ["W0", 0, 20, 1],
        ["b0", 20, 4, 0.5],
        ["W1", 24, 12, 2],
        ["b1", 36, 3, 0.5],
        ["W2", 39, 6, 3],
        ["b2", 45, 2, 0.5],
      ],
    );
    assert.equal(s.numParams, 47);
    assert.deepEqual(s.sizes, [5, 4, 3, 2]);
    assert.deepEqual(
      s.layers.map((l) => l.multiplier),
      [1 / Math.sqrt(5), 1 / 2, 1 / Math.sqrt(3)],
    );
    const v = layerViews(s, new Float64Array(47));
    assert.equal(v[1].W.length, 12);
    assert.equal(v[2].b?.length, 2);
  });

  it("readout multipliers: standard = ntk = chi(χ=1) = 1/√N, mf = chi(χ=N) = 1/N", () => {
    const N = 64;
    assert.equal(readoutMultiplier("standard", N), 1 / 8);
    assert.equal(readoutMultiplier("ntk", N), 1 / 8);
    assert.equal(readoutMultiplier("chi", N, 1), 1 / 8);
    assert.equal(readoutMultiplier("mf", N), 1 / 64);
    assert.equal(readoutMultiplier("chi", N, N), 1 / 64);
    assert.ok(Math.abs(readoutMultiplier("chi", N, 4) - 1 / 16) < 1e-16);
  });

  it("rejects bad architectures with an InputError", () => {
    const base = { inputDim: 3, widths: [4], activation: "erf" };
    assert.throws(() => createMLP({ ...base, widths: [0] }), InputError);
    assert.throws(() => createMLP({ ...base, widths: [] }), InputError);
    assert.throws(() => createMLP({ ...base, inputDim: 0 }), InputError);
    assert.throws(() => createMLP({ ...base, lambdas: [1, 0] }), InputError);
    assert.throws(() => createMLP({ ...base, lambdas: [1, 1, 1] }), InputError);
    assert.throws(() => createMLP({ ...base, activation: "nope" }), InputError);
    assert.throws(() => createMLP({ ...base, param: "xyz" as Parameterization }), InputError);
    assert.throws(() => createMLP({ ...base, param: "chi", chi: -1 }), InputError);
    assert.throws(() => createMLP({ ...base, chi: 2 }), InputError);
  });

  it('initParams draws the prior N(0, 1/λ) per group ("unit": N(0, 1))', () => {
    const s = createMLP({ inputDim: 50, widths: [200], activation: "erf", lambdas: [4, 0.25] });
    const th = initParams(s, key(3), { dtype: "f64" });
    const z = normal(key(3), s.numParams);
    const W = groupView(th, s.groups[0]);
    assert.equal(W[7], 0.5 * z[7]);
    assert.equal(groupView(th, s.groups[1])[3], 2 * z[s.groups[1].offset + 3]);
    // λ|θ|²/2 ≈ n/2 per group for a prior draw
    const e = priorEnergy(s, th);
    assert.ok(Math.abs(e - s.numParams / 2) < 4 * Math.sqrt(s.numParams / 2), `prior energy ${e}`);
    const u = initParams(s, key(3), { dtype: "f64", mode: "unit" });
    assert.equal(u[5], z[5]);
  });
});

describe("MLPEvaluator gradients (f64, central differences)", () => {
  const params: Parameterization[] = ["standard", "ntk", "mf", "chi"];
  for (const kern of kernelSets) {
    it(`every activation × parameterization, depth 1 and 2, with biases (${kern.name})`, () => {
      const d = data(6, 4, 2, 11);
      let worst = 0;
      let worstWhat = "";
      for (const act of ACTIVATION_NAMES) {
        const spec0 = act === "leaky-relu" ? "leaky-relu:0.2" : act === "erf" ? "erf:1.5" : act;
        for (const param of params) {
          for (const widths of [[5], [5, 3]]) {
            const spec = createMLP({
              inputDim: 4,
              widths,
              outputDim: 2,
              activation: spec0,
              bias: true,
              param,
              chi: param === "chi" ? 3 : undefined,
              lambdas: 1,
            });
            const ev = new MLPEvaluator(spec, d, { dtype: "f64", kernels: kern });
            const th = initParams(spec, foldIn(key(5), widths.length), { dtype: "f64" }) as Float64Array;
            const e = fdRelError(ev, th);
            if (e > worst) {
              worst = e;
              worstWhat = `${spec0} ${param} ${widths}`;
            }
          }
        }
      }
      assert.ok(worst < 1e-6, `worst relative gradient error ${worst} (${worstWhat})`);
    });
  }

  it("depth 3, no biases, mean-field readout, K = 1", () => {
    const d = data(7, 3, 1, 2);
    const spec = createMLP({ inputDim: 3, widths: [4, 4, 4], activation: "tanh", param: "mf", lambdas: [1, 2, 3, 4] });
    for (const kern of kernelSets) {
      const ev = new MLPEvaluator(spec, d, { dtype: "f64", kernels: kern });
      const e = fdRelError(ev, initParams(spec, key(1), { dtype: "f64" }) as Float64Array);
      assert.ok(e < 1e-6, `${kern.name}: ${e}`);
    }
  });

  it("frozen groups get a zero gradient and leave the others unchanged", () => {
    const d = data(5, 3, 1, 4);
    const spec = createMLP({ inputDim: 3, widths: [4, 3], activation: "erf", bias: true });
    const th = initParams(spec, key(2), { dtype: "f64" });
    for (const kern of kernelSets) {
      const full = new Float64Array(spec.numParams);
      new MLPEvaluator(spec, d, { dtype: "f64", kernels: kern }).lossGrad(th, full);
      const part = new Float64Array(spec.numParams).fill(7);
      new MLPEvaluator(spec, d, { dtype: "f64", kernels: kern, frozen: ["W0", "b1"] }).lossGrad(th, part);
      for (const g of spec.groups) {
        const a = groupView(full, g);
        const b = groupView(part, g);
        for (let i = 0; i < g.size; i++) assert.equal(b[i], g.name === "W0" || g.name === "b1" ? 0 : a[i], `${kern.name} ${g.name}[${i}]`);
      }
    }
  });

  it("the forward pass equals a direct evaluation of f = α₁ v·φ(α₀ W x + b) + c", () => {
    const d = data(3, 2, 1, 9);
    const spec = createMLP({ inputDim: 2, widths: [3], activation: "relu", bias: true, biasScale: 0.5 });
    const th = initParams(spec, key(8), { dtype: "f64" });
    const [{ W, b }, { W: v, b: c }] = layerViews(spec, th);
    for (const kern of kernelSets) {
      const f = new MLPEvaluator(spec, d, { dtype: "f64", kernels: kern }).predict(th);
      for (let m = 0; m < 3; m++) {
        let s = 0;
        for (let i = 0; i < 3; i++) {
          const h = (W[2 * i] * d.X[2 * m] + W[2 * i + 1] * d.X[2 * m + 1]) / Math.SQRT2 + 0.5 * (b as Float64Array)[i];
          s += v[i] * Math.max(h, 0);
        }
        const want = s / Math.sqrt(3) + 0.5 * (c as Float64Array)[0];
        assert.ok(Math.abs(f[m] - want) < 1e-14, `${kern.name} f[${m}] = ${f[m]} vs ${want}`);
      }
    }
  });
});

describe("f32 and backend agreement", () => {
  it("f32 loss and gradients match f64 (fast f32 erf included)", () => {
    const d = data(64, 20, 1, 3);
    for (const act of ["erf", "tanh", "relu"]) {
      const spec = createMLP({ inputDim: 20, widths: [48, 16], activation: act, bias: true });
      const th64 = initParams(spec, key(4), { dtype: "f64" });
      const th32 = Float32Array.from(th64);
      for (const kern of kernelSets) {
        const g64 = new Float64Array(spec.numParams);
        const g32 = new Float32Array(spec.numParams);
        const l64 = new MLPEvaluator(spec, d, { dtype: "f64", kernels: kern }).lossGrad(th64, g64);
        const l32 = new MLPEvaluator(spec, d, { dtype: "f32", kernels: kern }).lossGrad(th32, g32);
        assert.ok(Math.abs(l32 - l64) < 2e-5 * l64, `${act} ${kern.name} loss ${l32} vs ${l64}`);
        let err = 0;
        let mx = 0;
        for (let j = 0; j < g64.length; j++) {
          err = Math.max(err, Math.abs(g32[j] - g64[j]));
          mx = Math.max(mx, Math.abs(g64[j]));
        }
        assert.ok(err < 1e-4 * mx, `${act} ${kern.name} grad error ${err / mx}`);
      }
    }
  });

  it("native and TypeScript kernels agree in f64 to rounding", { skip: !native }, () => {
    const d = data(9, 6, 3, 5);
    const spec = createMLP({ inputDim: 6, widths: [7, 5], outputDim: 3, activation: "gelu", bias: true, param: "chi", chi: 2 });
    const th = initParams(spec, key(6), { dtype: "f64" });
    const ga = new Float64Array(spec.numParams);
    const gb = new Float64Array(spec.numParams);
    const la = new MLPEvaluator(spec, d, { dtype: "f64", kernels: native as NNKernels }).lossGrad(th, ga);
    const lb = new MLPEvaluator(spec, d, { dtype: "f64", kernels: jsKernels }).lossGrad(th, gb);
    assert.ok(Math.abs(la - lb) < 1e-12 * la);
    for (let j = 0; j < ga.length; j++) assert.ok(Math.abs(ga[j] - gb[j]) < 1e-11 * (1 + Math.abs(gb[j])), `grad[${j}]`);
  });

  it("native results do not depend on the kernels' thread count", { skip: !native }, () => {
    const addon = loadNNAddon() as NNAddon;
    const d = data(300, 10, 2, 8);
    const spec = createMLP({ inputDim: 10, widths: [400], outputDim: 2, activation: "erf", bias: true });
    const th = initParams(spec, key(3));
    const run = (threads: number) => {
      addon.nnThreads(threads);
      const ev = new MLPEvaluator(spec, d, { dtype: "f32", kernels: native as NNKernels });
      const g = new Float32Array(spec.numParams);
      const loss = ev.lossGrad(th, g);
      const out = new Float32Array(spec.numParams);
      const ss = (native as NNKernels).update(spec.numParams, out, 0.9, th, -0.1, g, 0, null, 0.01, key(5), 0);
      return { loss, g, out, ss };
    };
    try {
      const a = run(1);
      const b = run(2);
      assert.equal(a.loss, b.loss);
      assert.equal(a.ss, b.ss);
      // the readout and bias gradients and the update come from our kernels alone (the W0 gradient
      // is an OpenBLAS GEMM, deterministic for a fixed BLAS thread count)
      const W0 = spec.groups[0];
      assert.deepEqual(a.g.subarray(W0.size), b.g.subarray(W0.size));
    } finally {
      addon.nnThreads(0);
    }
  });

  it("rejects non-finite data with the row and column", () => {
    const spec = createMLP({ inputDim: 2, widths: [3], activation: "erf" });
    const X = Float64Array.of(1, 2, 3, Number.NaN);
    assert.throws(() => new MLPEvaluator(spec, { X, y: Float64Array.of(1, 2), P: 2 }), /X row 2, column 2 is NaN/);
    assert.throws(() => new MLPEvaluator(spec, { X: Float64Array.of(1, 2), y: Float64Array.of(Number.POSITIVE_INFINITY), P: 1 }), /y row 1, column 1/);
    assert.throws(() => new MLPEvaluator(spec, { X: Float64Array.of(1, 2, 3), y: null, P: 2 }), InputError);
  });
});

describe("noise stream", () => {
  it("normalAt reads random.ts's normal stream at any position", () => {
    const k = foldIn(key(42), 3);
    const ref = normal(k, 101);
    for (const start of [0, 1, 2, 37, 99]) {
      const out = new Float64Array(101 - start);
      normalAt(k, start, out.length, out);
      assert.deepEqual(out, ref.subarray(start));
    }
  });

  it("native normals equal random.ts: f32 bit for bit, f64 to an ulp (C library log/cos/sin)", { skip: !native }, () => {
    const k = foldIn(key(7), 11);
    const n = 200_001;
    const ref32 = normal32(k, n);
    const ref64 = normal(k, n);
    const n32 = new Float32Array(n);
    const n64 = new Float64Array(n);
    // through the update kernel: out = 0·x + 1·ξ (start 0 and an odd start)
    (native as NNKernels).update(n, n32, 0, n32, 0, null, 0, null, 1, k, 0);
    (native as NNKernels).update(n, n64, 0, n64, 0, null, 0, null, 1, k, 0);
    assert.deepEqual(n32, ref32);
    let worst = 0;
    for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(n64[i] - ref64[i]) / Math.max(1, Math.abs(ref64[i])));
    assert.ok(worst < 2e-15, `f64 normals differ by ${worst}`);
    const odd = new Float32Array(1001);
    (native as NNKernels).update(1001, odd, 0, odd, 0, null, 0, null, 1, k, 12345);
    assert.deepEqual(odd, ref32.subarray(12345, 13346));
    // the raw export, at an odd position, and the 32-bit words
    const addon = loadNNAddon() as NNAddon;
    const raw = new Float32Array(500);
    addon.nnNormal(k[0], k[1], 777, raw);
    assert.deepEqual(raw, ref32.subarray(777, 1277));
    const words = new Int32Array(64);
    addon.nnBits(k[0], k[1], 5, words);
    assert.deepEqual(Uint32Array.from(words), bits(k, 69).subarray(5));
  });

  it("the update kernel computes a·x + b·g + d·z + c·ξ and returns Σ out² (both kernel sets)", () => {
    const n = 5000;
    const [k1, k2, k3, kn] = split(key(1), 4);
    const x = normal(k1, n);
    const g = normal(k2, n);
    const z = normal(k3, n);
    const xi = normal(kn, n + 3).subarray(3);
    for (const kern of kernelSets) {
      const out = new Float64Array(n);
      const ss = kern.update(n, out, 0.9, x, -0.1, g, 0.3, z, 0.05, kn, 3);
      let want = 0;
      for (let i = 0; i < n; i++) {
        const v = 0.9 * x[i] - 0.1 * g[i] + 0.3 * z[i] + 0.05 * xi[i];
        assert.ok(Math.abs(out[i] - v) < 1e-14, `${kern.name} out[${i}]`);
        want += out[i] * out[i];
      }
      assert.ok(Math.abs(ss - want) < 1e-10 * want);
      assert.ok(
        Math.abs(
          kern.normSq(n, 2, x, -1, g, 0.5, z) -
            kern.normSq(
              n,
              1,
              Float64Array.from(x, (v, i) => 2 * v - g[i] + 0.5 * z[i]),
              0,
              null,
              0,
              null,
            ),
        ) <
          1e-9 * n,
      );
      assert.ok(Math.abs(kern.dot(n, x, g) - x.reduce((s, v, i) => s + v * g[i], 0)) < 1e-10 * n);
    }
  });
});
