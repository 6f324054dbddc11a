import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { validateDataset } from "../../src/data/dataset.js";
import { gaussianMixture, linearTeacher, oneHiddenLayerTeacher, randomLabels, signTeacher, tanhTeacher, xor } from "../../src/data/synthetic.js";
import { InputError } from "../../src/engine/errors.js";
import { key } from "../../src/engine/random.js";
import { erf } from "../../src/engine/special.js";

function throwsInput(fn: () => unknown, ...parts: string[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof InputError, `expected InputError, got ${e}`);
    for (const p of parts) assert.ok(e.message.includes(p), `message ${JSON.stringify(e.message)} lacks ${JSON.stringify(p)}`);
    return true;
  });
}

const mean = (a: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s / a.length;
};
const variance = (a: ArrayLike<number>) => {
  const m = mean(a);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - m) ** 2;
  return s / a.length;
};
function dotRow(X: Float64Array, i: number, D: number, w: Float64Array): number {
  let s = 0;
  for (let j = 0; j < D; j++) s += X[i * D + j] * w[j];
  return s;
}

describe("synthetic tasks are deterministic for a key", () => {
  const makers = {
    linear: (k: Uint32Array) => linearTeacher({ P: 20, D: 5, noise: 0.1, key: k }),
    hidden: (k: Uint32Array) => oneHiddenLayerTeacher({ P: 20, D: 5, hidden: 3, act: "relu", noise: 0.1, key: k }),
    sign: (k: Uint32Array) => signTeacher({ P: 20, D: 5, noise: 0.1, key: k }),
    tanh: (k: Uint32Array) => tanhTeacher({ P: 20, D: 5, noise: 0.1, key: k }),
    mixture: (k: Uint32Array) => gaussianMixture({ P: 20, D: 5, classes: 3, separation: 2, key: k }),
    xor: (k: Uint32Array) => xor({ P: 20, D: 5, key: k }),
    random: (k: Uint32Array) => randomLabels({ P: 20, D: 5, key: k }),
  };
  for (const [name, make] of Object.entries(makers)) {
    it(name, () => {
      const a = make(key(5));
      const b = make(key(5));
      const c = make(key(6));
      validateDataset(a);
      assert.deepEqual([...a.X], [...b.X]);
      assert.deepEqual([...a.y], [...b.y]);
      assert.notDeepEqual([...a.X], [...c.X]);
    });
  }
});

describe("linearTeacher", () => {
  it("y = w·x/√D exactly without noise; a shared teacherKey shares w", () => {
    const tk = key(100);
    const a = linearTeacher({ P: 50, D: 30, key: key(1), teacherKey: tk });
    const b = linearTeacher({ P: 10, D: 30, key: key(2), teacherKey: tk });
    assert.deepEqual([...a.teacher.w], [...b.teacher.w]);
    for (let i = 0; i < a.P; i++) assert.ok(Math.abs(a.y[i] - dotRow(a.X, i, 30, a.teacher.w) / Math.sqrt(30)) < 1e-12);
  });
  it("has Var y = |w|²/D + σ² and residual std σ", () => {
    const P = 20000;
    const D = 20;
    const noise = 0.5;
    const ds = linearTeacher({ P, D, noise, key: key(3) });
    const q = ds.teacher.w.reduce((s, v) => s + v * v, 0) / D;
    const res = Float64Array.from({ length: P }, (_, i) => ds.y[i] - dotRow(ds.X, i, D, ds.teacher.w) / Math.sqrt(D));
    // standard errors: Var of a sample variance ≈ 2σ⁴/P
    assert.ok(Math.abs(variance(res) - noise ** 2) < 5 * Math.sqrt(2 / P) * noise ** 2, `${variance(res)}`);
    assert.ok(Math.abs(variance(ds.y) - (q + noise ** 2)) < 5 * Math.sqrt(2 / P) * (q + noise ** 2));
    assert.ok(Math.abs(mean(ds.y)) < 5 * Math.sqrt((q + noise ** 2) / P));
  });
});

describe("oneHiddenLayerTeacher", () => {
  for (const act of ["erf", "relu", "tanh"] as const) {
    it(`y = (1/√M) Σ a_k ${act}(w_k·x/√D)`, () => {
      const M = 4;
      const D = 7;
      const ds = oneHiddenLayerTeacher({ P: 30, D, hidden: M, act, key: key(9) });
      const sigma = act === "erf" ? erf : act === "relu" ? (h: number) => Math.max(h, 0) : Math.tanh;
      const { W, a } = ds.teacher;
      for (let i = 0; i < ds.P; i++) {
        let s = 0;
        for (let k = 0; k < M; k++) s += a[k] * sigma(dotRow(ds.X, i, D, W.subarray(k * D, (k + 1) * D)) / Math.sqrt(D));
        assert.ok(Math.abs(ds.y[i] - s / Math.sqrt(M)) < 1e-12);
      }
    });
  }
  it("rejects an unknown activation", () => {
    throwsInput(() => oneHiddenLayerTeacher({ P: 3, D: 2, hidden: 1, act: "gelu" as "erf", key: key(1) }), "act must be erf, relu or tanh");
  });
});

describe("signTeacher", () => {
  it("noiseless labels are sign(w·x), balanced", () => {
    const ds = signTeacher({ P: 4000, D: 10, key: key(4) });
    let pos = 0;
    for (let i = 0; i < ds.P; i++) {
      assert.equal(ds.y[i], dotRow(ds.X, i, 10, ds.teacher.w) >= 0 ? 1 : -1);
      assert.equal((ds.labels as Int32Array)[i], ds.y[i]);
      pos += ds.y[i] > 0 ? 1 : 0;
    }
    assert.ok(Math.abs(pos / ds.P - 0.5) < 5 * Math.sqrt(0.25 / ds.P));
    assert.deepEqual(ds.meta.classes, [1, -1]);
  });
  it("with output noise σ, labels flip with probability arccos(√(q/(q+σ²)))/π", () => {
    const P = 20000;
    const D = 10;
    const noise = 0.6;
    const ds = signTeacher({ P, D, noise, key: key(5) });
    const q = ds.teacher.w.reduce((s, v) => s + v * v, 0) / D;
    let flips = 0;
    for (let i = 0; i < P; i++) if ((dotRow(ds.X, i, D, ds.teacher.w) >= 0 ? 1 : -1) !== ds.y[i]) flips++;
    const p = Math.acos(Math.sqrt(q / (q + noise ** 2))) / Math.PI;
    assert.ok(Math.abs(flips / P - p) < 5 * Math.sqrt((p * (1 - p)) / P), `${flips / P} vs ${p}`);
  });
});

describe("tanhTeacher", () => {
  it("y = tanh(β w·x/√D) in (−1, 1)", () => {
    const ds = tanhTeacher({ P: 100, D: 8, gain: 2, key: key(6) });
    for (let i = 0; i < ds.P; i++) {
      const h = dotRow(ds.X, i, 8, ds.teacher.w) / Math.sqrt(8);
      assert.ok(Math.abs(ds.y[i] - Math.tanh(2 * h)) < 1e-12);
      assert.ok(Math.abs(ds.y[i]) < 1);
    }
  });
});

describe("gaussianMixture", () => {
  it("means are pairwise `separation` apart, centered, classes balanced", () => {
    const C = 4;
    const D = 6;
    const sep = 2.5;
    const ds = gaussianMixture({ P: 403, D, classes: C, separation: sep, key: key(7) });
    const m = ds.teacher.means;
    for (let a = 0; a < C; a++)
      for (let b = a + 1; b < C; b++) {
        let d2 = 0;
        for (let j = 0; j < D; j++) d2 += (m[a * D + j] - m[b * D + j]) ** 2;
        assert.ok(Math.abs(Math.sqrt(d2) - sep) < 1e-12);
      }
    for (let j = 0; j < D; j++) assert.ok(Math.abs(m[j] + m[D + j] + m[2 * D + j] + m[3 * D + j]) < 1e-12);
    const counts = new Array(C).fill(0);
    for (const l of ds.labels as Int32Array) counts[l]++;
    assert.ok(Math.max(...counts) - Math.min(...counts) <= 1);
    assert.equal(ds.K, C);
    for (let i = 0; i < ds.P; i++) assert.equal(ds.y[i * C + (ds.labels as Int32Array)[i]], 1);
  });
  it("empirical class means and within-class spread match the model", () => {
    const D = 10;
    const P = 6000;
    const sep = 3;
    const noise = 0.5;
    const ds = gaussianMixture({ P, D, classes: 2, separation: sep, noise, key: key(8) });
    assert.equal(ds.K, 1);
    const mu = [new Float64Array(D), new Float64Array(D)];
    const n = [0, 0];
    for (let i = 0; i < P; i++) {
      const c = (ds.labels as Int32Array)[i];
      assert.equal(ds.y[i], c === 0 ? 1 : -1);
      n[c]++;
      for (let j = 0; j < D; j++) mu[c][j] += ds.X[i * D + j];
    }
    let d2 = 0;
    for (let j = 0; j < D; j++) d2 += (mu[0][j] / n[0] - mu[1][j] / n[1]) ** 2;
    // |m̂0 − m̂1|² has mean sep² + D·noise²·(1/n0 + 1/n1); allow a few standard errors.
    assert.ok(Math.abs(Math.sqrt(d2) - sep) < 0.05, `${Math.sqrt(d2)}`);
    let v = 0;
    for (let i = 0; i < P; i++) {
      const c = (ds.labels as Int32Array)[i];
      for (let j = 0; j < D; j++) v += (ds.X[i * D + j] - ds.teacher.means[c * D + j]) ** 2;
    }
    v /= P * D;
    assert.ok(Math.abs(v - noise ** 2) < 5 * Math.sqrt(2 / (P * D)) * noise ** 2, `${v}`);
  });
  it("needs classes ≤ D", () => {
    throwsInput(() => gaussianMixture({ P: 10, D: 2, classes: 3, separation: 1, key: key(1) }), "synthetic.gaussianMixture", "classes = 3 needs D ≥ 3");
  });
});

describe("xor and randomLabels", () => {
  it("xor: y = sign(x1·x2), balanced, uncorrelated with every coordinate", () => {
    const P = 20000;
    const D = 4;
    const ds = xor({ P, D, key: key(10) });
    for (let i = 0; i < P; i++) assert.equal(ds.y[i], ds.X[i * D] * ds.X[i * D + 1] >= 0 ? 1 : -1);
    assert.ok(Math.abs(mean(ds.y)) < 5 / Math.sqrt(P));
    for (let j = 0; j < D; j++) {
      let c = 0;
      for (let i = 0; i < P; i++) c += ds.y[i] * ds.X[i * D + j];
      assert.ok(Math.abs(c / P) < 5 / Math.sqrt(P), `coordinate ${j}`);
    }
    throwsInput(() => xor({ P: 3, D: 1, key: key(1) }), "xor needs D ≥ 2");
  });
  it("randomLabels: ±1 with probability ½, independent of x", () => {
    const P = 20000;
    const ds = randomLabels({ P, D: 3, key: key(11) });
    assert.ok(ds.y.every((v) => v === 1 || v === -1));
    assert.ok(Math.abs(mean(ds.y)) < 5 / Math.sqrt(P));
    let c = 0;
    for (let i = 0; i < P; i++) c += ds.y[i] * ds.X[i * 3];
    assert.ok(Math.abs(c / P) < 5 / Math.sqrt(P));
  });
  it("rejects bad sizes and keys", () => {
    throwsInput(() => randomLabels({ P: 0, D: 3, key: key(1) }), "P must be a positive integer");
    throwsInput(() => linearTeacher({ P: 3, D: 3, key: new Uint32Array(3) }), "key must be a random key");
    throwsInput(() => linearTeacher({ P: 3, D: 3, noise: -1, key: key(1) }), "noise must be");
  });
});
