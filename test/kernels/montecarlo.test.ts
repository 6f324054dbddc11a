import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InputError } from "../../src/engine/errors.js";
import { key } from "../../src/engine/random.js";
import { parseActivation } from "../../src/kernels/activations.js";
import { deepKernels } from "../../src/kernels/deep.js";
import { monteCarloLayerKernel, monteCarloNetworkKernels } from "../../src/kernels/montecarlo.js";
import { kernelFunction } from "../../src/kernels/nngp.js";

/** A 4-point pre-activation covariance with mixed, strong and negative correlations. */
const P = 4;
const C = Float64Array.from([
  0.9,
  0.5,
  -0.3,
  0.85, //
  0.5,
  1.4,
  0.2,
  0.6, //
  -0.3,
  0.2,
  0.6,
  -0.25, //
  0.85,
  0.6,
  -0.25,
  0.82,
]);
const GW = 1.3;
const GB = 0.05;
const WIDTH = 2048;
const NETS = 400;

const ACTIVATIONS = ["linear", "erf", "erf:2", "relu", "leaky-relu:0.2", "abs", "quadratic", "sign", "tanh", "gelu", "softplus", "sin", "cos"];

describe("Monte-Carlo layer kernel (width 2048, 400 networks)", () => {
  for (const [idx, name] of ACTIVATIONS.entries()) {
    const act = parseActivation(name);
    it(`${name}: ${act.kernel ? "closed form" : "quadrature"} within 4 standard errors of the sampled networks`, () => {
      const mc = monteCarloLayerKernel(act, C, P, { width: WIDTH, nets: NETS, key: key(1000 + idx), gw: GW, gb: GB });
      const k = kernelFunction(act, "kernel", { n: 64 });
      for (let i = 0; i < P; i++) {
        for (let j = 0; j < P; j++) {
          const exact = GW * k(C[i * P + i], C[j * P + j], C[i * P + j]) + GB;
          const e = i * P + j;
          const se = mc.stderr[e];
          assert.ok(se > 0 || name === "sign", `${name} SE(${i},${j}) = ${se}`);
          const z = Math.abs(mc.mean[e] - exact) / Math.max(se, 1e-14);
          assert.ok(z <= 4 || Math.abs(mc.mean[e] - exact) <= 1e-12, `${name} (${i},${j}): MC ${mc.mean[e]} ± ${se} vs ${exact} (${z.toFixed(2)} SE)`);
        }
      }
      assert.equal(mc.nets, NETS);
      assert.equal(mc.width, WIDTH);
    });
  }

  it("is a pure function of the key", () => {
    const a = monteCarloLayerKernel("erf", C, P, { width: 64, nets: 5, key: key(7) });
    const b = monteCarloLayerKernel("erf", C, P, { width: 64, nets: 5, key: key(7) });
    const c = monteCarloLayerKernel("erf", C, P, { width: 64, nets: 5, key: key(8) });
    assert.deepEqual(a.mean, b.mean);
    assert.deepEqual(a.stderr, b.stderr);
    assert.notDeepEqual(a.mean, c.mean);
  });

  it("standard errors shrink like 1/√(nets·width)", () => {
    const small = monteCarloLayerKernel("tanh", C, P, { width: 128, nets: 50, key: key(3) });
    const big = monteCarloLayerKernel("tanh", C, P, { width: 512, nets: 200, key: key(4) });
    const ratio = small.stderr[1] / big.stderr[1];
    // √((200·512)/(50·128)) = 4; the SE estimates themselves scatter by ~10%.
    assert.ok(ratio > 2.8 && ratio < 5.5, `ratio ${ratio} (expected ≈ 4)`);
  });

  it("bad inputs → InputError", () => {
    assert.throws(() => monteCarloLayerKernel("erf", C, P, { width: 0, nets: 10, key: key(1) }), InputError);
    assert.throws(() => monteCarloLayerKernel("erf", C, P, { width: 10, nets: 1.5, key: key(1) }), InputError);
    assert.throws(() => monteCarloLayerKernel("erf", C, 3, { width: 10, nets: 10, key: key(1) }), InputError);
    const neg = C.slice();
    neg[0] = -1;
    assert.throws(() => monteCarloLayerKernel("erf", neg, P, { width: 10, nets: 10, key: key(1) }), InputError);
    const nonPsd = Float64Array.from([1, 2, 2, 1]);
    assert.throws(() => monteCarloLayerKernel("erf", nonPsd, 2, { width: 10, nets: 10, key: key(1) }), InputError);
    assert.throws(() => monteCarloLayerKernel("erf", C, P, { width: 10, nets: 10, key: key(1), gw: -2 }), InputError);
  });
});

describe("Monte-Carlo deep networks from inputs", () => {
  it("the layer-2 kernel of sampled networks is unbiased for the NNGP; deeper layers are within O(1/N)", () => {
    const X = Float64Array.from([1, 0, 0.5, 0, 1, -0.5, 1, 1, 0.2]); // 3×3
    const opts = { layers: 3, gw: [1.2, 1.5, 1.5, 1.5], gb: 0.05 };
    const mc = monteCarloNetworkKernels("erf", X, 3, 3, { ...opts, width: 256, nets: 200, key: key(99) });
    const nngp = deepKernels("erf", X, 3, 3, opts).nngp;
    assert.equal(mc.length, 3);
    for (let e = 0; e < 9; e++) {
      const z = Math.abs(mc[0].mean[e] - nngp[1].train[e]) / mc[0].stderr[e];
      assert.ok(z <= 4, `C^(2)[${e}]: ${mc[0].mean[e]} ± ${mc[0].stderr[e]} vs ${nngp[1].train[e]}`);
      for (const l of [1, 2]) {
        const dev = Math.abs(mc[l].mean[e] - nngp[l + 1].train[e]);
        assert.ok(dev <= 4 * mc[l].stderr[e] + 5 / 256, `C^(${l + 2})[${e}] deviates by ${dev}`);
      }
    }
  });
});
