import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { erf, erfc, erfcinv, erfinv, normCdf, normLogCdf, normLogPdf, normPdf, normPpf, normSf } from "../../src/engine/special.js";

const load = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/special/${name}.json`, import.meta.url), "utf8"));

const MIN_NORMAL = 2.2250738585072014e-308;

/** Max relative error of got(x) against reference values (exact matches count as 0). */
function maxRel<T>(rows: T[], got: (r: T) => number, ref: (r: T) => number | null): { err: number; at: T | null } {
  let err = 0;
  let at: T | null = null;
  for (const r of rows) {
    const want = ref(r);
    if (want === null) continue;
    const g = got(r);
    const e = g === want ? 0 : Math.abs(g - want) / Math.abs(want);
    if (!(e <= err)) {
      err = e;
      at = r;
    }
  }
  return { err, at };
}

describe("erf family vs 50-digit mpmath (test/fixtures/special)", () => {
  const rows: { x: number; erf: number; erfc: number }[] = load("erf").rows;
  it("has the expected fixture coverage", () => {
    assert.ok(rows.length >= 200, "rows.length >= 200");
    assert.ok(
      rows.some((r) => r.x === 26) && rows.some((r) => r.x > 0 && r.x < 1e-100),
      "rows.some((r) => r.x === 26) && rows.some((r) => r.x > 0 && r.x < 1e-100)",
    );
  });
  it("erf: max relative error ≤ 1e−15 (measured ≈ 1.3e−16)", () => {
    const { err, at } = maxRel(
      rows,
      (r) => erf(r.x),
      (r) => (r.erf === 0 ? null : r.erf),
    );
    assert.ok(err <= 1e-15, `erf rel err ${err} at ${JSON.stringify(at)}`);
  });
  it("erfc: max relative error ≤ 1e−15 for x ≤ 26 (measured ≈ 2.2e−16)", () => {
    const { err, at } = maxRel(
      rows,
      (r) => erfc(r.x),
      (r) => (r.erfc >= MIN_NORMAL ? r.erfc : null),
    );
    assert.ok(err <= 1e-15, `erfc rel err ${err} at ${JSON.stringify(at)}`);
  });
  it("erfinv: max relative error ≤ 1e−15 on (−1, 1) incl. 1 − 2^−53 (measured ≈ 2.8e−16)", () => {
    const inv: { y: number; erfinv: number }[] = load("erfinv").rows;
    const { err, at } = maxRel(
      inv,
      (r) => erfinv(r.y),
      (r) => (r.erfinv === 0 ? null : r.erfinv),
    );
    assert.ok(err <= 1e-15, `erfinv rel err ${err} at ${JSON.stringify(at)}`);
  });
});

describe("normal distribution vs 50-digit mpmath", () => {
  const fx = load("norm");
  const rows: { x: number; cdf: number; sf: number; logcdf: number | null; pdf: number }[] = fx.rows;
  const tol = 1e-15; // measured max ≈ 3.6e−16 for every function below
  it("Φ relative error ≤ 1e−15 down to Φ(−37) ≈ 6e−300", () => {
    const { err, at } = maxRel(
      rows,
      (r) => normCdf(r.x),
      (r) => (r.cdf >= MIN_NORMAL ? r.cdf : null),
    );
    assert.ok(err <= tol, `cdf ${err} at ${JSON.stringify(at)}`);
  });
  it("1 − Φ relative error ≤ 1e−15", () => {
    const { err, at } = maxRel(
      rows,
      (r) => normSf(r.x),
      (r) => (r.sf >= MIN_NORMAL ? r.sf : null),
    );
    assert.ok(err <= tol, `sf ${err} at ${JSON.stringify(at)}`);
  });
  it("log Φ relative error ≤ 1e−15 for all x (incl. x = −10⁴ and x > 0 where log Φ ≈ −(1 − Φ))", () => {
    const { err, at } = maxRel(
      rows,
      (r) => normLogCdf(r.x),
      (r) => (r.logcdf === 0 ? null : r.logcdf),
    );
    assert.ok(err <= tol, `logcdf ${err} at ${JSON.stringify(at)}`);
    assert.ok(
      rows.some((r) => r.x <= -1000),
      "rows.some((r) => r.x <= -1000)",
    );
  });
  it("φ relative error ≤ 1e−15", () => {
    const { err, at } = maxRel(
      rows,
      (r) => normPdf(r.x),
      (r) => (r.pdf >= MIN_NORMAL ? r.pdf : null),
    );
    assert.ok(err <= tol, `pdf ${err} at ${JSON.stringify(at)}`);
  });
  it("Φ⁻¹ relative error ≤ 1e−15 for p ∈ [1e−300, 1 − 1e−10]", () => {
    const pp: { p: number; ppf: number }[] = fx.ppf;
    const { err, at } = maxRel(
      pp,
      (r) => normPpf(r.p),
      (r) => (r.ppf === 0 ? null : r.ppf),
    );
    assert.ok(err <= tol, `ppf ${err} at ${JSON.stringify(at)}`);
  });
});

describe("identities and special values", () => {
  const xs = [-7, -3.3, -1, -0.6, -1e-9, 0, 1e-9, 0.3, 0.84375, 1.7, 2.5, 4, 6];
  it("erf is odd; erf + erfc = 1; erfc(−x) = 2 − erfc(x)", () => {
    for (const x of xs) {
      assert.equal(erf(-x), -erf(x));
      assert.ok(Math.abs(erf(x) + erfc(x) - 1) <= 2.3e-16, "Math.abs(erf(x) + erfc(x) - 1) <= 2.3e-16");
      assert.ok(Math.abs(erfc(-x) - (2 - erfc(x))) <= 4.5e-16, "Math.abs(erfc(-x) - (2 - erfc(x))) <= 4.5e-16");
    }
  });
  it("erfinv(erf(x)) ≈ x and erfcinv(erfc(x)) ≈ x, including the far tail", () => {
    // Conditioning: rounding erf(x) by ε moves erfinv by ε·(√π/2)·e^{x²}.
    for (const x of [-3, -1, -0.2, 0.1, 0.5, 1, 2, 3]) {
      const tol = 2.3e-16 * Math.abs(erf(x)) * 0.886226925452758 * Math.exp(x * x) + 2.3e-16 * Math.abs(x);
      assert.ok(Math.abs(erfinv(erf(x)) - x) <= tol, `erfinv ${x}`);
    }
    for (const x of [0.1, 1, 3, 6, 10, 15, 20, 25]) {
      // Same conditioning; erfc(x)·e^{x²} stays O(1/x), so the tail is recovered to ~ε relative.
      const tol = 2.3e-16 * erfc(x) * 0.886226925452758 * Math.exp(x * x) + 4.5e-16 * x;
      assert.ok(Math.abs(erfcinv(erfc(x)) - x) <= tol, `erfcinv ${x}`);
    }
    assert.equal(erfcinv(0), Number.POSITIVE_INFINITY);
    assert.equal(erfcinv(2), Number.NEGATIVE_INFINITY);
    assert.ok(Number.isNaN(erfcinv(-0.1)) && Number.isNaN(erfcinv(2.1)), "Number.isNaN(erfcinv(-0.1)) && Number.isNaN(erfcinv(2.1))");
  });
  it("Φ + (1 − Φ) = 1, Φ(−x) = 1 − Φ(x), Φ⁻¹(Φ(x)) = x", () => {
    for (const x of xs) {
      assert.ok(Math.abs(normCdf(x) + normSf(x) - 1) <= 2.3e-16, "Math.abs(normCdf(x) + normSf(x) - 1) <= 2.3e-16");
      assert.equal(normCdf(-x), normSf(x));
      // Conditioning: rounding Φ(x) by ε·Φ moves Φ⁻¹ by ε·Φ(x)/φ(x).
      const tol = 4.5e-16 * (normCdf(x) / normPdf(x) + Math.abs(x));
      assert.ok(Math.abs(normPpf(normCdf(x)) - x) <= tol, `ppf ${x}`);
    }
    for (const x of [-37, -30, -20, -10]) {
      assert.ok(Math.abs(normPpf(normCdf(x)) / x - 1) <= 1e-15, `tail ppf ${x}`);
    }
  });
  it("log Φ is continuous across the branch points 0 and −30", () => {
    for (const b of [0, -30]) {
      const lo = normLogCdf(b - 1e-9);
      const hi = normLogCdf(b + 1e-9);
      const slope = normPdf(b) > 0 ? Math.exp(normLogPdf(b) - normLogCdf(b)) : 30;
      assert.ok(Math.abs(hi - lo - 2e-9 * slope) < 1e-13 * Math.max(1, Math.abs(lo)), `at ${b}`);
    }
  });
  it("log φ agrees with φ; φ integrates Φ' (finite difference)", () => {
    for (const x of xs)
      assert.ok(
        Math.abs(Math.exp(normLogPdf(x)) / normPdf(x) - 1) <= 4e-16 * (1 + x * x),
        "Math.abs(Math.exp(normLogPdf(x)) / normPdf(x) - 1) <= 4e-16 * (1 + x * x)",
      );
    for (const x of [-2, 0.5, 1.5]) {
      const h = 1e-5;
      const d = (normCdf(x + h) - normCdf(x - h)) / (2 * h);
      assert.ok(Math.abs(d - normPdf(x)) < 1e-10, "Math.abs(d - normPdf(x)) < 1e-10");
    }
  });
  it("limits: ±∞, NaN, huge arguments", () => {
    assert.equal(normCdf(Number.NEGATIVE_INFINITY), 0);
    assert.equal(normCdf(Number.POSITIVE_INFINITY), 1);
    assert.equal(normLogCdf(Number.NEGATIVE_INFINITY), Number.NEGATIVE_INFINITY);
    assert.equal(normLogCdf(Number.POSITIVE_INFINITY), 0);
    assert.equal(normPdf(Number.POSITIVE_INFINITY), 0);
    assert.equal(normPdf(1e300), 0);
    assert.equal(normLogCdf(-1e200), Number.NEGATIVE_INFINITY);
    assert.equal(normPpf(0), Number.NEGATIVE_INFINITY);
    assert.equal(normPpf(1), Number.POSITIVE_INFINITY);
    assert.equal(normPpf(0.5), 0);
    assert.equal(erfinv(1), Number.POSITIVE_INFINITY);
    for (const f of [erf, erfc, erfinv, erfcinv, normCdf, normSf, normLogCdf, normPdf, normPpf]) {
      assert.ok(Number.isNaN(f(Number.NaN)), f.name);
    }
    assert.ok(Number.isNaN(normPpf(1.5)) && Number.isNaN(erfinv(1.5)), "Number.isNaN(normPpf(1.5)) && Number.isNaN(erfinv(1.5))");
  });
});
