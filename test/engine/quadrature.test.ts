import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { InputError } from "../../src/engine/errors.js";
import {
  type Cov2,
  coarseOrder,
  expect1d,
  expect1dWithError,
  expect2d,
  expect2dWithError,
  gaussHermite,
  gaussHermite2dGrid,
} from "../../src/engine/quadrature.js";
import { erf } from "../../src/engine/special.js";

const fx = JSON.parse(readFileSync(new URL("../fixtures/special/gauss_hermite.json", import.meta.url), "utf8"));

const relu = (x: number) => Math.max(x, 0);
/** (2k − 1)!! = E[z^{2k}] */
const dfact = (k: number) => {
  let p = 1;
  for (let j = 2 * k - 1; j > 1; j -= 2) p *= j;
  return p;
};
const fact = (n: number) => {
  let p = 1;
  for (let j = 2; j <= n; j++) p *= j;
  return p;
};

describe("gaussHermite nodes and weights", () => {
  it("match 50-digit mpmath references for n ≤ 200 (nodes 1e−15 rel, weights 5e−13 rel, 2e−14 where w > 1e−10)", () => {
    for (const [ns, ref] of Object.entries<{ nodes: number[]; weights: number[] }>(fx.mpmath)) {
      const n = Number(ns);
      const { nodes, weights } = gaussHermite(n);
      assert.equal(nodes.length, n);
      for (let i = 0; i < n; i++) {
        const x = ref.nodes[i];
        if (Math.abs(x) < 1e-300) assert.equal(nodes[i], 0, `n=${n} middle node`);
        else assert.ok(Math.abs(nodes[i] - x) <= 1e-15 * Math.abs(x), `n=${n} node ${i}: ${nodes[i]} vs ${x}`);
        const w = ref.weights[i];
        const rel = Math.abs(weights[i] - w) / w;
        assert.ok(rel <= (w > 1e-10 ? 2e-14 : 5e-13), `n=${n} weight ${i}: rel err ${rel}`);
        assert.ok(Math.abs(weights[i] - w) <= 1e-15, `n=${n} weight ${i} abs`);
      }
    }
  });
  it("match numpy.polynomial.hermite_e.hermegauss for n = 5, 10", () => {
    for (const [ns, ref] of Object.entries<{ nodes: number[]; weights: number[] }>(fx.numpy_hermegauss)) {
      const { nodes, weights } = gaussHermite(Number(ns));
      for (let i = 0; i < nodes.length; i++) {
        assert.ok(Math.abs(nodes[i] - ref.nodes[i]) <= 1e-14, "Math.abs(nodes[i] - ref.nodes[i]) <= 1e-14");
        assert.ok(
          Math.abs(weights[i] - ref.weights[i]) <= 1e-14 * ref.weights[i] + 1e-16,
          "Math.abs(weights[i] - ref.weights[i]) <= 1e-14 * ref.weights[i] + 1e-16",
        );
      }
    }
  });
  it("n = 5 closed form: He₅ = x⁵ − 10x³ + 15x, wᵢ = 4!/(5·He₄(xᵢ)²)", () => {
    const r10 = Math.sqrt(10);
    const xs = [-Math.sqrt(5 + r10), -Math.sqrt(5 - r10), 0, Math.sqrt(5 - r10), Math.sqrt(5 + r10)];
    // He₄(x) = x⁴ − 6x² + 3 equals 3 at 0 and 8 ∓ 4√10 at x² = 5 ∓ √10.
    const he4 = [8 + 4 * r10, 8 - 4 * r10, 3, 8 - 4 * r10, 8 + 4 * r10];
    const { nodes, weights } = gaussHermite(5);
    for (let i = 0; i < 5; i++) {
      assert.ok(Math.abs(nodes[i] - xs[i]) <= 4.5e-16 * Math.max(1, Math.abs(xs[i])), `node ${i}`);
      const w = 24 / (5 * he4[i] ** 2);
      assert.ok(Math.abs(weights[i] - w) <= 1e-15 * w, `weight ${i}: ${weights[i]} vs ${w}`);
    }
    assert.ok(Math.abs(weights[2] - 8 / 15) < 2e-16, "middle weight 8/15");
  });
  it("are ascending, exactly symmetric, and weights sum to 1 (n up to 1000)", () => {
    for (const n of [1, 2, 3, 4, 7, 16, 33, 64, 129, 256, 1000]) {
      const { nodes, weights } = gaussHermite(n);
      let s = 0;
      for (let i = 0; i < n; i++) {
        s += weights[i];
        assert.ok(nodes[i] === -nodes[n - 1 - i], `n=${n} symmetric node ${i}`); // === : the middle 0 is its own mirror
        assert.equal(weights[i], weights[n - 1 - i]);
        if (i > 0) assert.ok(nodes[i] > nodes[i - 1], "nodes[i] > nodes[i - 1]");
        assert.ok(weights[i] >= 0, "weights[i] >= 0");
      }
      assert.ok(Math.abs(s - 1) <= 4.5e-16 * Math.max(1, Math.log2(n)), `n=${n} sum ${s}`);
    }
  });
  it("returns copies of the cached rule", () => {
    const a = gaussHermite(6);
    a.nodes[0] = 42;
    assert.notEqual(gaussHermite(6).nodes[0], 42);
  });
  it("integrate polynomials of degree ≤ 2n − 1 exactly: E[z^{2k}] = (2k−1)!!, and miss z^{2n} by n!", () => {
    for (const n of [1, 2, 5, 10, 16]) {
      const { nodes, weights } = gaussHermite(n);
      const mom = (p: number) => {
        let s = 0;
        for (let i = 0; i < n; i++) s += weights[i] * nodes[i] ** p;
        return s;
      };
      for (let k = 0; 2 * k <= 2 * n - 1; k++) {
        assert.ok(Math.abs(mom(2 * k) / dfact(k) - 1) <= 1e-13, `n=${n} E z^${2 * k}`);
        assert.ok(Math.abs(mom(2 * k + 1)) <= 1e-15 * dfact(k + 1), `n=${n} E z^${2 * k + 1}`);
      }
      // Gauss–Hermite remainder for z^{2n} is n!·(2n)!/(2n)! = n!.
      const exact = dfact(n) - fact(n);
      assert.ok(Math.abs(mom(2 * n) - exact) <= 1e-13 * dfact(n), `n=${n} E z^${2 * n}`);
    }
  });
});

describe("expect1d", () => {
  it("reproduces moments and the normal MGF/characteristic function", () => {
    const mean = 0.7;
    const variance = 2.3;
    assert.ok(Math.abs(expect1d((h) => h, { mean, variance, n: 3 }) - mean) < 1e-15, "Math.abs(expect1d((h) => h, { mean, variance, n: 3 }) - mean) < 1e-15");
    assert.ok(
      Math.abs(expect1d((h) => h * h, { mean, variance, n: 2 }) - (mean * mean + variance)) < 1e-14,
      "Math.abs(expect1d((h) => h * h, { mean, variance, n: 2 }) - (mean * mean + variance)) < 1e-14",
    );
    const mgf = expect1d(Math.exp, { mean, variance, n: 40 });
    assert.ok(Math.abs(mgf / Math.exp(mean + variance / 2) - 1) < 1e-14, "Math.abs(mgf / Math.exp(mean + variance / 2) - 1) < 1e-14");
    const cf = expect1d(Math.cos, { mean, variance, n: 40 });
    assert.ok(Math.abs(cf - Math.exp(-variance / 2) * Math.cos(mean)) < 1e-14, "Math.abs(cf - Math.exp(-variance / 2) * Math.cos(mean)) < 1e-14");
  });
  it("zero variance evaluates f at the mean; defaults are N(0, 1)", () => {
    assert.equal(
      expect1d((h) => h ** 3, { mean: 2, variance: 0 }),
      8,
    );
    assert.ok(Math.abs(expect1d((h) => h ** 4) - 3) < 1e-13, "Math.abs(expect1d((h) => h ** 4) - 3) < 1e-13");
  });
  it("error estimate bounds the true error for smooth and ReLU integrands", () => {
    for (const n of [8, 15, 24, 40, 61, 100]) {
      const e = expect1dWithError((h) => erf(h), { mean: 0.5, variance: 2, n });
      const exact = erf(0.5 / Math.sqrt(1 + 4)); // E erf(h) = erf(μ/√(1 + 2σ²))
      assert.ok(Math.abs(e.value - exact) <= e.error + 1e-16, `erf n=${n}`);
      const r = expect1dWithError(relu, { n });
      const t = Math.abs(r.value - 1 / Math.sqrt(2 * Math.PI));
      assert.ok(t <= r.error, `relu n=${n}: true ${t} est ${r.error}`);
    }
  });
});

/** E[erf(h1) erf(h2)] = (2/π) arcsin(2q12 / √((1 + 2q11)(1 + 2q22))) */
const erfKernel = (c: Cov2) => (2 / Math.PI) * Math.asin((2 * c.q12) / Math.sqrt((1 + 2 * c.q11) * (1 + 2 * c.q22)));
/** E[relu(h1) relu(h2)] = √(q11q22)/(2π) · (sin θ + (π − θ) cos θ), cos θ = ρ (arc-cosine kernel) */
const reluKernel = (c: Cov2) => {
  const s = Math.sqrt(c.q11 * c.q22);
  const th = Math.acos(Math.max(-1, Math.min(1, c.q12 / s)));
  return (s / (2 * Math.PI)) * (Math.sin(th) + (Math.PI - th) * Math.cos(th));
};

describe("expect2d", () => {
  const covs: Cov2[] = [
    { q11: 1, q12: 0.5, q22: 1 },
    { q11: 0.3, q12: -0.2, q22: 1.5 },
    { q11: 2, q12: 1.9, q22: 2 },
    { q11: 1, q12: 0, q22: 1 },
    { q11: 0.01, q12: 0.005, q22: 0.04 },
    { q11: 1.5, q12: -1.2, q22: 1.1 },
  ];
  it("is exact on Gaussian moments (Isserlis)", () => {
    for (const c of covs) {
      const { q11, q12, q22 } = c;
      const n = 3;
      assert.ok(Math.abs(expect2d((a, b) => a * b, { ...c, n }) - q12) < 1e-15, "Math.abs(expect2d((a, b) => a * b, { ...c, n }) - q12) < 1e-15");
      assert.ok(
        Math.abs(expect2d((a, b) => a * a * b * b, { ...c, n }) - (q11 * q22 + 2 * q12 * q12)) < 1e-14,
        "Math.abs(expect2d((a, b) => a * a * b * b, { ...c, n }) - (q11 * q22 + 2 * q12 * q12)) < 1e-14",
      );
      assert.ok(
        Math.abs(expect2d((a) => a ** 4, { ...c, n }) - 3 * q11 * q11) < 1e-14,
        "Math.abs(expect2d((a) => a ** 4, { ...c, n }) - 3 * q11 * q11) < 1e-14",
      );
      assert.ok(
        Math.abs(expect2d((_, b) => b ** 4, { ...c, n }) - 3 * q22 * q22) < 1e-14,
        "Math.abs(expect2d((_, b) => b ** 4, { ...c, n }) - 3 * q22 * q22) < 1e-14",
      );
      assert.ok(
        Math.abs(expect2d((a, b) => a ** 3 * b, { ...c, n }) - 3 * q11 * q12) < 1e-14,
        "Math.abs(expect2d((a, b) => a ** 3 * b, { ...c, n }) - 3 * q11 * q12) < 1e-14",
      );
    }
  });
  it("E[erf(h1) erf(h2)] matches (2/π) arcsin(…) to 1e−10 at n = 80 for entries ≤ 2 (measured ≤ 1.5e−11)", () => {
    for (const c of covs) {
      const v = expect2d((a, b) => erf(a) * erf(b), { ...c, n: 80 });
      assert.ok(Math.abs(v - erfKernel(c)) < 1e-10, `${JSON.stringify(c)}: ${v - erfKernel(c)}`);
    }
    // Larger variances make erf(√q·z) steeper: n = 150 for q = (4, 3, 9).
    const big = { q11: 4, q12: 3, q22: 9 };
    assert.ok(
      Math.abs(expect2d((a, b) => erf(a) * erf(b), { ...big, n: 150 }) - erfKernel(big)) < 1e-13,
      "Math.abs(expect2d((a, b) => erf(a) * erf(b), { ...big, n: 150 }) - erfKernel(big)) < 1e-13",
    );
  });
  it("the error estimate bounds the true error for the smooth erf kernel", () => {
    for (const c of [...covs, { q11: 4, q12: 3, q22: 9 }]) {
      for (const n of [10, 20, 40, 60]) {
        const r = expect2dWithError((a, b) => erf(a) * erf(b), c, { n });
        const t = Math.abs(r.value - erfKernel(c));
        assert.ok(t <= r.error + 1e-15, `${JSON.stringify(c)} n=${n}: true ${t}, est ${r.error}`);
        assert.equal(r.nCoarse, coarseOrder(n));
      }
    }
  });
  it("E[relu·relu] converges algebraically to the arc-cosine kernel, and the estimate is honest", () => {
    const reluCovs = [...covs, { q11: 4, q12: 3, q22: 9 }, { q11: 1, q12: -0.9, q22: 1 }, { q11: 1, q12: 0.95, q22: 1 }];
    for (const c of reluCovs) {
      const exact = reluKernel(c);
      const errs: number[] = [];
      for (const n of [20, 32, 48, 64, 80, 101, 128]) {
        const r = expect2dWithError((a, b) => relu(a) * relu(b), c, { n });
        const t = Math.abs(r.value - exact);
        errs.push(t);
        assert.ok(t <= r.error, `${JSON.stringify(c)} n=${n}: true ${t} > estimate ${r.error}`);
      }
      const scale = Math.sqrt(c.q11 * c.q22);
      // relative-to-scale error at n = 64 (index 3) and n = 128; O(1/n) decay.
      assert.ok(errs[3] < 5e-3 * scale, `${JSON.stringify(c)} n=64 err ${errs[3]}`);
      assert.ok(errs[6] < 3e-3 * scale, `${JSON.stringify(c)} n=128 err ${errs[6]}`);
    }
  });
  it("handles exactly degenerate covariances (q12² = q11·q22) with the 1-D rule", () => {
    for (const c of [
      { q11: 0.25, q12: 0.5, q22: 1 },
      { q11: 1, q12: -0.6, q22: 0.36 },
      { q11: 0.5, q12: 0.5, q22: 0.5 },
    ]) {
      assert.equal(gaussHermite2dGrid(c, 30).size, 30);
      const v = expect2d((a, b) => erf(a) * erf(b), { ...c, n: 80 });
      assert.ok(Math.abs(v - erfKernel(c)) < 1e-12, JSON.stringify(c));
      const s = expect2d((a, b) => a * b, { ...c, n: 2 });
      assert.ok(Math.abs(s - c.q12) < 1e-15, "Math.abs(s - c.q12) < 1e-15");
      assert.ok(
        Math.abs(expect2d((a, b) => relu(a) * relu(b), { ...c, n: 41 }) - reluKernel(c)) < 1e-15 + 0.02 * reluKernel(c),
        "Math.abs(expect2d((a, b) => relu(a) * relu(b), { ...c, n: 41 }) - reluKernel(c)) < 1e-15 + 0.02 * reluKernel(c)",
      );
    }
    // Rounding-level violation of PSD (q12 = √(q11 q22) rounded up) is accepted as degenerate.
    const q12 = Math.sqrt(0.1 * 0.3) * (1 + 2e-16);
    assert.ok(
      Number.isFinite(expect2d((a, b) => a * b, { q11: 0.1, q12, q22: 0.3, n: 4 })),
      "Number.isFinite(expect2d((a, b) => a * b, { q11: 0.1, q12, q22: 0.3, n: 4 }))",
    );
  });
  it("handles zero variances", () => {
    const f = (a: number, b: number) => Math.cos(a) + b * b + 10 * a;
    assert.ok(
      Math.abs(expect2d(f, { q11: 0, q12: 0, q22: 2, n: 10 }) - (1 + 2)) < 1e-14,
      "Math.abs(expect2d(f, { q11: 0, q12: 0, q22: 2, n: 10 }) - (1 + 2)) < 1e-14",
    );
    assert.ok(
      Math.abs(expect2d(f, { q11: 2, q12: 0, q22: 0, n: 40 }) - Math.exp(-1)) < 1e-14,
      "Math.abs(expect2d(f, { q11: 2, q12: 0, q22: 0, n: 40 }) - Math.exp(-1)) < 1e-14",
    );
    assert.equal(expect2d(f, { q11: 0, q12: 0, q22: 0 }), 1);
    assert.equal(gaussHermite2dGrid({ q11: 0, q12: 0, q22: 0 }, 10).size, 1);
    assert.equal(gaussHermite2dGrid({ q11: 0, q12: 0, q22: 3 }, 10).size, 10);
  });
  it("gaussHermite2dGrid reproduces expect2d and has unit total weight", () => {
    const c = { q11: 1.3, q12: 0.4, q22: 0.8 };
    const g = gaussHermite2dGrid(c, 24);
    assert.equal(g.size, 24 * 24);
    let s = 0;
    let v = 0;
    let m = 0;
    for (let k = 0; k < g.size; k++) {
      s += g.w[k];
      v += g.w[k] * Math.tanh(g.h1[k]) * Math.tanh(g.h2[k]);
      m += g.w[k] * g.h1[k] * g.h2[k];
    }
    assert.ok(Math.abs(s - 1) < 1e-15, "Math.abs(s - 1) < 1e-15");
    assert.ok(Math.abs(m - c.q12) < 1e-15, "Math.abs(m - c.q12) < 1e-15");
    const direct = expect2d((a, b) => Math.tanh(a) * Math.tanh(b), { ...c, n: 24 });
    assert.ok(Math.abs(v - direct) < 1e-15, "Math.abs(v - direct) < 1e-15");
  });
});

describe("bad arguments raise InputError", () => {
  const cases: [string, () => unknown][] = [
    ["n = 0", () => gaussHermite(0)],
    ["fractional n", () => gaussHermite(2.5)],
    ["NaN n", () => expect1d(Math.sin, { n: Number.NaN })],
    ["negative variance", () => expect1d(Math.sin, { variance: -1 })],
    ["non-finite mean", () => expect1d(Math.sin, { mean: Number.POSITIVE_INFINITY })],
    ["not PSD", () => expect2d((a, b) => a * b, { q11: 1, q12: 1.5, q22: 1 })],
    ["q12 with zero variance", () => expect2d((a, b) => a * b, { q11: 0, q12: 0.1, q22: 1 })],
    ["negative q22", () => gaussHermite2dGrid({ q11: 1, q12: 0, q22: -1 }, 4)],
    ["NaN q12", () => expect2dWithError((a, b) => a * b, { q11: 1, q12: Number.NaN, q22: 1 })],
  ];
  for (const [name, f] of cases) it(name, () => assert.throws(f, InputError));
});
