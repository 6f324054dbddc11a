import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { InputError } from "../../src/engine/errors.js";
import {
  bits,
  choice,
  foldIn,
  gaussianMatrix,
  type Key,
  key,
  keyFromWords,
  keyToString,
  normal,
  normal32,
  normalInto,
  permutation,
  randint,
  split,
  threefry2x32,
  uniform,
  uniform32,
} from "../../src/engine/random.js";
import { normCdf } from "../../src/engine/special.js";

const fx = JSON.parse(readFileSync(new URL("../fixtures/special/threefry.json", import.meta.url), "utf8"));
const s42 = fx.seed42;
const words = (k: Key) => [k[0], k[1]];

describe("Threefry-2x32-20", () => {
  it("matches the Random123 known-answer vectors", () => {
    for (const t of fx.kat) {
      assert.deepEqual(threefry2x32(t.key[0], t.key[1], t.ctr[0], t.ctr[1]), t.out);
    }
    assert.deepEqual(threefry2x32(0, 0, 0, 0), [0x6b200159, 0x99ba4efe]);
    assert.deepEqual(threefry2x32(0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff), [0x1cb996fc, 0xbb002be7]);
    assert.deepEqual(threefry2x32(0x13198a2e, 0x03707344, 0x243f6a88, 0x85a308d3), [0xc4923a9c, 0x483df7a0]);
  });
});

describe("stream spec (vectors from an independent Python implementation)", () => {
  it("seed → key words", () => {
    for (const [seed, w] of Object.entries<number[]>(fx.keys)) assert.deepEqual(words(key(Number(seed))), w, seed);
    assert.equal(keyToString(key(42)), "00000000:0000002a");
    assert.deepEqual(words(keyFromWords(7, 0xffffffff)), [7, 0xffffffff]);
  });
  it("bits, split, foldIn", () => {
    const k = key(42);
    assert.deepEqual(Array.from(bits(k, 9)), s42.bits9);
    assert.deepEqual(split(k, 3).map(words), s42.split3);
    for (const [d, w] of Object.entries<number[]>(s42.foldIn)) assert.deepEqual(words(foldIn(k, Number(d))), w);
  });
  it("uniform, uniform32 exactly; normal to rounding of log/cos/sin", () => {
    const k = key(42);
    assert.deepEqual(Array.from(uniform(k, 5)), s42.uniform5);
    assert.deepEqual(Array.from(uniform32(k, 5)), s42.uniform32_5);
    const z = normal(k, 5);
    for (let i = 0; i < 5; i++) assert.ok(Math.abs(z[i] - s42.normal5[i]) <= 1e-15 * Math.max(1, Math.abs(z[i])), `z[${i}]`);
  });
  it("randint, permutation, choice (bounded draws with rejection)", () => {
    const k = key(42);
    assert.deepEqual(Array.from(randint(k, 12, -3, 4)), s42.randint12_m3_4);
    assert.deepEqual(Array.from(randint(k, 4, -(2 ** 31), 2 ** 31)), s42.randint4_full);
    assert.deepEqual(Array.from(randint(k, 6, -(2 ** 31), 2 ** 30 + 1)), s42.randint6_big);
    assert.deepEqual(Array.from(permutation(k, 10)), s42.permutation10);
    assert.deepEqual(Array.from(choice(k, 100, 7)), s42.choice_100_7);
  });
});

describe("keys", () => {
  it("are deterministic and pure", () => {
    const a = key(123);
    const b = key(123);
    assert.deepEqual(Array.from(normal(a, 100)), Array.from(normal(b, 100)));
    assert.deepEqual(Array.from(normal(a, 100)), Array.from(normal(a, 100)));
    assert.deepEqual(words(a), [0, 123]);
  });
  it("split gives distinct keys and distinct streams; prefix-stable in n", () => {
    const k = key(7);
    const ks = split(k, 100);
    const seen = new Set(ks.map(keyToString));
    seen.add(keyToString(k));
    assert.equal(seen.size, 101);
    const [a, b] = split(k);
    assert.deepEqual(words(split(k, 5)[1]), words(b));
    const ua = uniform(a, 1000);
    const ub = uniform(b, 1000);
    let same = 0;
    for (let i = 0; i < 1000; i++) if (ua[i] === ub[i]) same++;
    assert.equal(same, 0);
    // Split children do not reproduce the parent's raw stream.
    const raw = bits(k, 4);
    for (const c of ks) assert.notDeepEqual(words(c), [raw[0], raw[1]]);
  });
  it("foldIn separates data values and differs from split", () => {
    const k = key(99);
    const f = new Set<string>();
    for (let d = 0; d < 200; d++) f.add(keyToString(foldIn(k, d)));
    for (const c of split(k, 200)) f.add(keyToString(c));
    assert.equal(f.size, 400);
  });
  it("negative and large seeds map to distinct keys", () => {
    const seeds = [0, 1, -1, 2 ** 32, -(2 ** 32), 2 ** 53 - 1, -(2 ** 53) + 1];
    assert.equal(new Set(seeds.map((s) => keyToString(key(s)))).size, seeds.length);
  });
});

function moments(x: ArrayLike<number>) {
  const n = x.length;
  let m = 0;
  for (let i = 0; i < n; i++) m += x[i];
  m /= n;
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (let i = 0; i < n; i++) {
    const d = x[i] - m;
    const d2 = d * d;
    m2 += d2;
    m3 += d2 * d;
    m4 += d2 * d2;
  }
  return { mean: m, var: m2 / n, skew: m3 / n / (m2 / n) ** 1.5, kurt: m4 / n / (m2 / n) ** 2 };
}

describe("uniform", () => {
  it("lies in [lo, hi) and has mean 1/2, variance 1/12 (5σ, n = 1e6)", () => {
    const n = 1_000_000;
    const u = uniform(key(2024), n);
    let lo = 1;
    let hi = 0;
    for (let i = 0; i < n; i++) {
      if (u[i] < lo) lo = u[i];
      if (u[i] > hi) hi = u[i];
    }
    assert.ok(lo >= 0 && hi < 1, "lo >= 0 && hi < 1");
    const m = moments(u);
    assert.ok(Math.abs(m.mean - 0.5) < 5 * Math.sqrt(1 / 12 / n), `mean ${m.mean}`);
    // sd of the sample variance: sqrt((μ4 − σ⁴)/n), μ4 = 1/80.
    assert.ok(Math.abs(m.var - 1 / 12) < 5 * Math.sqrt((1 / 80 - 1 / 144) / n), `var ${m.var}`);
  });
  it("uses 53 bits (odd multiples of 2^-53 occur)", () => {
    const u = uniform(key(5), 1000);
    let odd = 0;
    for (const v of u) if ((v * 2 ** 53) % 2 === 1) odd++;
    assert.ok(odd > 400 && odd < 600, `odd=${odd}`);
  });
  it("scales to [lo, hi)", () => {
    const u = uniform(key(3), 10000, -2, 5);
    for (const v of u) assert.ok(v >= -2 && v < 5, "v >= -2 && v < 5");
    const m = moments(u);
    assert.ok(Math.abs(m.mean - 1.5) < 5 * 7 * Math.sqrt(1 / 12 / 10000), "Math.abs(m.mean - 1.5) < 5 * 7 * Math.sqrt(1 / 12 / 10000)");
  });
  it("never returns hi even where lo + (hi − lo)·u rounds up", () => {
    // [1, 1 + 2^−52) holds a single double; 1 + 2^−52·u rounds up to hi for about half of the u.
    const u = uniform(key(9), 1000, 1, 1 + 2 ** -52);
    for (const v of u) assert.equal(v, 1);
    const z = uniform(key(9), 10, 2, 2);
    for (const v of z) assert.equal(v, 2);
  });
  it("uniform32 lies in [0, 1) with mean 1/2", () => {
    const n = 200_000;
    const u = uniform32(key(11), n);
    for (const v of u) assert.ok(v >= 0 && v < 1, "v >= 0 && v < 1");
    assert.ok(Math.abs(moments(u).mean - 0.5) < 5 * Math.sqrt(1 / 12 / n), "Math.abs(moments(u).mean - 0.5) < 5 * Math.sqrt(1 / 12 / n)");
    // odd n uses the first word of the last block
    assert.deepEqual(Array.from(uniform32(key(11), 3)), Array.from(u.subarray(0, 3)));
  });
});

describe("normal", () => {
  it("has mean 0, variance 1, skewness 0, kurtosis 3 (5σ, n = 1e6)", () => {
    const n = 1_000_000;
    const m = moments(normal(key(31337), n));
    assert.ok(Math.abs(m.mean) < 5 / Math.sqrt(n), `mean ${m.mean}`);
    assert.ok(Math.abs(m.var - 1) < 5 * Math.sqrt(2 / n), `var ${m.var}`);
    assert.ok(Math.abs(m.skew) < 5 * Math.sqrt(6 / n), `skew ${m.skew}`);
    assert.ok(Math.abs(m.kurt - 3) < 5 * Math.sqrt(24 / n), `kurt ${m.kurt}`);
  });
  it("passes a Kolmogorov–Smirnov test against Φ (n = 1e5, α = 0.001)", () => {
    const n = 100_000;
    const z = normal(key(8), n).sort();
    let d = 0;
    for (let i = 0; i < n; i++) {
      const F = normCdf(z[i]);
      d = Math.max(d, (i + 1) / n - F, F - i / n);
    }
    assert.ok(d < 1.949 / Math.sqrt(n), `D=${d}`);
  });
  it("mean/std arguments, normal32, normalInto and gaussianMatrix are views of one stream", () => {
    const k = key(17);
    const z = normal(k, 101);
    const y = normal(k, 101, 3, 0.5);
    for (let i = 0; i < 101; i++) assert.equal(y[i], 3 + 0.5 * z[i]);
    assert.deepEqual(Array.from(normal(k, 7)), Array.from(z.subarray(0, 7)));
    const z32 = normal32(k, 101);
    for (let i = 0; i < 101; i++) assert.equal(z32[i], Math.fround(z[i]));
    const buf = new Float64Array(104).fill(-9);
    normalInto(k, buf, 3);
    assert.deepEqual(Array.from(buf.subarray(0, 3)), [-9, -9, -9]);
    assert.deepEqual(Array.from(buf.subarray(3)), Array.from(z));
    const b32 = new Float32Array(101);
    normalInto(k, b32);
    assert.deepEqual(Array.from(b32), Array.from(z32));
    const W = gaussianMatrix(k, 10, 10, 0.1);
    const z100 = normal(k, 100);
    for (let i = 0; i < 100; i++) assert.equal(W[i], 0.1 * z100[i]);
  });
  it("is finite (u = 0 maps to log(1) = 0, never log 0)", () => {
    for (const v of normal(key(1), 100_000)) assert.ok(Number.isFinite(v), "Number.isFinite(v)");
  });
});

describe("integers", () => {
  it("randint stays in [lo, hi) and is roughly uniform (χ², 6 dof, α = 0.001)", () => {
    const n = 70_000;
    const r = randint(key(4), n, -3, 4);
    const counts = new Array(7).fill(0);
    for (const v of r) {
      assert.ok(v >= -3 && v < 4, "v >= -3 && v < 4");
      counts[v + 3]++;
    }
    const e = n / 7;
    const chi2 = counts.reduce((s, c) => s + (c - e) ** 2 / e, 0);
    assert.ok(chi2 < 22.46, `chi2=${chi2}`);
  });
  it("randint with a range just above 2^31 is unbiased between halves", () => {
    // m = 3·2^30 + 1: naive (w mod m) would make [0, 2^30) twice as likely as the rest.
    const n = 40_000;
    const m = 3 * 2 ** 30 + 1;
    const lo = -(2 ** 31);
    const r = randint(key(6), n, lo, lo + m);
    let low = 0;
    for (const v of r) {
      assert.ok(v >= lo && v < lo + m, "v >= lo && v < lo + m");
      if (v - lo < 2 ** 30) low++;
    }
    const p = 2 ** 30 / m;
    assert.ok(Math.abs(low / n - p) < 5 * Math.sqrt((p * (1 - p)) / n), `low frac ${low / n}`);
  });
  it("permutation is a permutation, and all 6 of n = 3 are equally likely", () => {
    const p = permutation(key(12), 1000);
    const s = new Set(p);
    assert.equal(s.size, 1000);
    for (const v of p) assert.ok(v >= 0 && v < 1000, "v >= 0 && v < 1000");
    assert.deepEqual(Array.from(permutation(key(1), 0)), []);
    assert.deepEqual(Array.from(permutation(key(1), 1)), [0]);
    const counts = new Map<string, number>();
    const N = 6000;
    for (const k of split(key(77), N)) {
      const q = permutation(k, 3).join("");
      counts.set(q, (counts.get(q) ?? 0) + 1);
    }
    assert.equal(counts.size, 6);
    const chi2 = [...counts.values()].reduce((acc, c) => acc + (c - N / 6) ** 2 / (N / 6), 0);
    assert.ok(chi2 < 20.52, `chi2=${chi2}`);
  });
  it("choice draws distinct indices; sparse and dense paths give the same sequence", () => {
    const k = key(21);
    const dense = choice(k, 100, 20); // 20·8 ≥ 100: dense array
    const sparse = choice(k, 100, 12); // 12·8 < 100: sparse map
    assert.deepEqual(Array.from(sparse), Array.from(dense.subarray(0, 12)));
    assert.equal(new Set(dense).size, 20);
    const big = choice(k, 1e9, 50);
    assert.equal(new Set(big).size, 50);
    for (const v of big) assert.ok(v >= 0 && v < 1e9, "v >= 0 && v < 1e9");
    const all = choice(k, 30, 30);
    assert.deepEqual(
      Array.from(all).sort((a, b) => a - b),
      Array.from({ length: 30 }, (_, i) => i),
    );
  });
});

describe("bad arguments raise InputError", () => {
  const k = key(0);
  const cases: [string, () => unknown][] = [
    ["n < 0", () => normal(k, -1)],
    ["non-integer n", () => uniform(k, 2.5)],
    ["NaN n", () => bits(k, Number.NaN)],
    ["non-safe seed", () => key(2 ** 53)],
    ["fractional seed", () => key(1.5)],
    ["bad key", () => normal(new Uint32Array(3) as Key, 3)],
    ["array key", () => split([1, 2] as unknown as Key)],
    ["foldIn negative", () => foldIn(k, -1)],
    ["foldIn ≥ 2^32", () => foldIn(k, 2 ** 32)],
    ["randint lo ≥ hi", () => randint(k, 3, 5, 5)],
    ["randint non-integer bound", () => randint(k, 3, 0, 2.5)],
    ["choice k > n", () => choice(k, 3, 4)],
    ["normal std < 0", () => normal(k, 3, 0, -1)],
    ["uniform hi < lo", () => uniform(k, 3, 1, 0)],
    ["normalInto offset", () => normalInto(k, new Float64Array(3), 4)],
    ["keyFromWords", () => keyFromWords(-1, 0)],
  ];
  for (const [name, f] of cases) {
    it(name, () => assert.throws(f, InputError));
  }
});
