import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { InputError } from "../../src/engine/errors.js";
import {
  brentRoot,
  correlationMap,
  criticalGain,
  criticalLine,
  gaussExpect1d,
  meanField,
  phaseDiagram,
  varianceFixedPoint,
  varianceMap,
  varianceTrajectory,
} from "../../src/kernels/chaos.js";

const fixture = JSON.parse(readFileSync(new URL("../fixtures/kernels/kernels.json", import.meta.url), "utf8"));

function close(actual: number, expected: number, tol: number, what: string): void {
  const err = Math.abs(actual - expected);
  assert.ok(err <= tol * Math.max(1, Math.abs(expected)), `${what}: ${actual} vs ${expected} (|Δ| = ${err.toExponential(2)} > ${tol})`);
}

/** Agreement to the number of decimals printed in the paper (half a unit in the last place). */
function decimals(actual: number, printed: number, places: number, what: string): void {
  assert.ok(Math.abs(actual - printed) <= 0.5 * 10 ** -places + 1e-12, `${what}: ${actual} vs printed ${printed}`);
}

describe("erf mean field (paper b §3.3, oracle 3)", () => {
  it("g_b = 0: q* = 0 with χ₁ = χ_q = 4g/π below g_c = π/4", () => {
    for (const g of [0.3, 0.6, 0.75]) {
      const mf = meanField("erf", g, 0);
      assert.equal(mf.qStar, 0);
      close(mf.chi1, (4 * g) / Math.PI, 1e-14, "χ₁");
      close(mf.chiQ, (4 * g) / Math.PI, 1e-14, "χ_q");
      assert.equal(mf.phase, "ordered");
      assert.equal(mf.cStar, null);
      close(mf.xiC, -1 / Math.log((4 * g) / Math.PI), 1e-13, "ξ_c");
    }
    const gc = criticalGain("erf", 0);
    close(gc.gw, Math.PI / 4, 1e-14, "g_c = π/4");
    assert.equal(meanField("erf", Math.PI / 4, 0).phase, "critical");
    assert.equal(meanField("erf", Math.PI / 4, 0).xiC, Number.POSITIVE_INFINITY);
  });

  it("g = 1.5: q* = 0.5 exactly, χ₁ = 1.10266, χ_q = 0.55133; c* = 0 with slope 4g/(π(1 + 2q*))", () => {
    const mf = meanField("erf", 1.5, 0);
    close(mf.qStar, 0.5, 1e-15, "q*");
    decimals(mf.chi1, 1.10266, 5, "χ₁");
    decimals(mf.chiQ, 0.55133, 5, "χ_q");
    close(mf.chi1, 6 / (Math.PI * Math.sqrt(3)), 1e-14, "χ₁ exact");
    close(mf.chiQ, 3 / (Math.PI * Math.sqrt(3)), 1e-14, "χ_q exact");
    assert.equal(mf.phase, "chaotic");
    assert.ok(mf.cStar !== null && Math.abs(mf.cStar) < 1e-14);
    close(mf.chiCStar, 6 / (Math.PI * 2), 1e-14, "slope at c* = 0");
    close(mf.xiQ, -1 / Math.log(mf.chiQ), 1e-15, "ξ_q");
    assert.ok(mf.fixedPoint.converged && mf.fixedPoint.residual < 1e-15);
  });

  it("the §3.3 table (g ∈ {0.6, π/4, 1, 1.5, 2, 3}) to the printed digits and to the mpmath values at 1e−12", () => {
    const printed: Record<string, [number, number, number, number]> = {
      "0.6": [0, 0.7639, 0.7639, 4],
      "pi/4": [0, 1.0, 1.0, 4],
      "1": [0.14192, 1.0169, 0.7921, 4],
      "1.5": [0.5, 1.1027, 0.5513, 4],
      "2": [0.88075, 1.1974, 0.4336, 4],
      "3": [1.68056, 1.3745, 0.3152, 4],
    };
    for (const row of fixture.erfMeanField) {
      const mf = meanField("erf", row.g, 0);
      const [q, c1, cq, p] = printed[row.label];
      decimals(mf.qStar, q, 5, `q*(${row.label})`);
      decimals(mf.chi1, c1, p, `χ₁(${row.label})`);
      decimals(mf.chiQ, cq, p, `χ_q(${row.label})`);
      assert.ok(Math.abs(mf.qStar - row.q) <= 1e-12, `q*(${row.label}) vs mpmath: ${mf.qStar} vs ${row.q}`);
      close(mf.chi1, row.chi1, 1e-12, `χ₁(${row.label}) vs mpmath`);
      close(mf.chiQ, row.chiq, 1e-12, `χ_q(${row.label}) vs mpmath`);
    }
  });

  it("critical line: q* ∈ {0.1, 0.5, 1, 2} → (g_c, g_b,c) as printed, and χ₁(g_c) = 1 by root finding", () => {
    const printed = [
      [0.1, 0.9293, 0.0009],
      [0.5, 1.3603, 0.0466],
      [1, 1.7562, 0.1841],
      [2, 2.3562, 0.6091],
    ];
    for (let k = 0; k < 4; k++) {
      const ref = fixture.erfCriticalLine[k];
      decimals(ref.gc, printed[k][1], 4, "g_c printed");
      decimals(ref.gb, printed[k][2], 4, "g_b printed");
      const cp = criticalGain("erf", ref.gb);
      close(cp.gw, ref.gc, 1e-12, `g_c(g_b = ${ref.gb})`);
      close(cp.qStar, ref.q, 1e-10, `q* on the line (${ref.q})`);
      close(cp.chi1, 1, 1e-13, "χ₁ = 1");
      close(cp.gw, (Math.PI / 4) * Math.sqrt(1 + 4 * cp.qStar), 1e-12, "g_c = (π/4)√(1 + 4q*)");
      assert.equal(meanField("erf", cp.gw, ref.gb).phase, "critical");
    }
    const line = criticalLine("erf", [0, 0.0466]);
    close(line[0].gw, Math.PI / 4, 1e-14, "line at g_b = 0");
    assert.ok(line[1].gw > line[0].gw);
  });

  it("with bias: q*, χ₁, χ_q match mpmath at 1e−12", () => {
    for (const row of fixture.erfWithBias) {
      const mf = meanField("erf", row.g, row.gb);
      close(mf.qStar, row.q, 1e-12, `q*(${row.g}, ${row.gb})`);
      close(mf.chi1, row.chi1, 1e-12, "χ₁");
      close(mf.chiQ, row.chiq, 1e-12, "χ_q");
    }
  });

  it("at g = π/4 the variance decays algebraically: 2l·q^(l) → 1 (1.0001 at l = 10⁴)", () => {
    const q = varianceTrajectory("erf", Math.PI / 4, 0, 1, 10000);
    for (const [l, ref] of Object.entries(fixture.erfCriticalTrajectory2lq)) {
      close(2 * Number(l) * q[Number(l)], ref as number, 1e-9, `2l·q at l = ${l}`);
    }
    decimals(2e4 * q[10000], 1.0001, 4, "paper's 1.0001");
  });

  it("the iterate solver agrees with the bracketed root", () => {
    const a = varianceFixedPoint("erf", 2, 0.1);
    const b = varianceFixedPoint("erf", 2, 0.1, { solver: "iterate" });
    assert.ok(b.converged);
    close(b.q, a.q, 1e-12, "q*");
    assert.equal(a.solver, "root");
    close(varianceMap("erf", 2, 0.1, a.q), a.q, 1e-15, "V(q*) = q*");
  });
});

describe("tanh (Poole et al. 2016; Schoenholz et al. 2017: σ_w² = g_w, σ_b² = g_b)", () => {
  it("σ_b² = 0: critical at σ_w² = 1/φ′(0)² = 1 exactly", () => {
    const cp = criticalGain("tanh", 0);
    close(cp.gw, 1, 1e-13, "g_c");
    assert.equal(cp.qStar, 0);
    assert.equal(meanField("tanh", 0.9, 0).phase, "ordered");
    assert.equal(meanField("tanh", 1.1, 0).phase, "chaotic");
  });

  it("critical line against the independent mpmath quadrature (fixture)", () => {
    for (const row of fixture.tanhCriticalFromGb) {
      const cp = criticalGain("tanh", row.gb);
      close(cp.gw, row.gc, 1e-10, `g_c(σ_b² = ${row.gb})`);
      close(cp.qStar, row.q, 1e-9, "q*");
      assert.equal(cp.method, "parametric");
    }
    for (const row of fixture.tanhCriticalFromQ) {
      const cp = criticalGain("tanh", row.gb);
      close(cp.gw, row.gc, 1e-10, `g_c on the q* = ${row.q} point`);
      close(cp.qStar, row.q, 1e-9, "q*");
    }
  });

  it("q*, χ₁, χ_q at (g_w, g_b) points match mpmath; quadrature vs closed-form-free path", () => {
    for (const row of fixture.tanhMeanField) {
      const mf = meanField("tanh", row.g, row.gb);
      close(mf.qStar, row.q, 1e-11, `q*(${row.g}, ${row.gb})`);
      close(mf.chi1, row.chi1, 1e-11, "χ₁");
      close(mf.chiQ, row.chiq, 1e-11, "χ_q");
    }
  });
});

describe("ReLU, linear and the rest", () => {
  it("ReLU: χ₁ = χ_q = g_w/2, q* = g_b/(1 − g_w/2), critical at g_w = 2 for g_b = 0 and g_b > 0", () => {
    for (const [g, gb] of [
      [1, 0.1],
      [1.5, 0.2],
      [1.9, 0.05],
    ]) {
      const mf = meanField("relu", g, gb);
      close(mf.qStar, gb / (1 - g / 2), 1e-13, "q*");
      close(mf.chi1, g / 2, 1e-15, "χ₁");
      close(mf.chiQ, g / 2, 1e-15, "χ_q");
      assert.equal(mf.cStar, 1);
      assert.equal(mf.phase, "ordered");
    }
    close(criticalGain("relu", 0).gw, 2, 1e-13, "g_c at g_b = 0");
    close(criticalGain("relu", 0.1).gw, 2, 1e-9, "g_c at g_b = 0.1 (the variance diverges there)");
    assert.equal(meanField("relu", 2.5, 0.1).phase, "divergent");
    assert.equal(meanField("relu", 2.5, 0.1).qStar, Number.POSITIVE_INFINITY);
    // χ_q for a kink via the Stein form (quadrature path) agrees with the closed form.
    close(meanField("relu", 1.5, 0.2, { method: "quadrature" }).chiQ, 0.75, 1e-12, "Stein χ_q");
  });

  it("linear: χ₁ = g_w, critical at g_w = 1", () => {
    close(meanField("linear", 0.8, 0.1).chi1, 0.8, 1e-15, "χ₁");
    close(meanField("linear", 0.8, 0.1).qStar, 0.5, 1e-14, "q* = g_b/(1 − g)");
    close(criticalGain("linear", 0).gw, 1, 1e-13, "g_c");
  });

  it("closed forms and quadrature give the same mean field (erf)", () => {
    for (const [g, gb] of [
      [1.5, 0.05],
      [0.9, 0.2],
    ]) {
      const a = meanField("erf", g, gb);
      const b = meanField("erf", g, gb, { method: "quadrature" });
      close(b.qStar, a.qStar, 1e-12, "q*");
      close(b.chi1, a.chi1, 1e-12, "χ₁");
      close(b.chiQ, a.chiQ, 1e-12, "χ_q");
    }
  });

  it("correlation map: f(1) = 1 at q*, odd φ with g_b = 0 maps 0 ↦ 0, slope at 1 is χ₁", () => {
    const g = 2;
    const mf = meanField("erf", g, 0.1);
    close(correlationMap("erf", g, 0.1, 1), 1, 1e-14, "f(1)");
    close(correlationMap("erf", 1.5, 0, 0), 0, 1e-15, "f(0)");
    const h = 1e-6;
    close((correlationMap("erf", g, 0.1, 1) - correlationMap("erf", g, 0.1, 1 - h)) / h, mf.chi1, 1e-5, "f′(1) = χ₁");
    assert.ok(mf.cStar !== null && mf.cStar > 0 && mf.cStar < 1);
    close(correlationMap("erf", g, 0.1, mf.cStar), mf.cStar, 1e-13, "c* is a fixed point");
    assert.ok(mf.chiCStar < 1, "c* is stable");
    close(mf.xiC, -1 / Math.log(mf.chiCStar), 1e-15, "ξ_c");
    assert.throws(() => correlationMap("erf", 0.5, 0, 0.3), InputError); // q* = 0
  });

  it("phase diagram over a (g_w, g_b) grid with its critical line", () => {
    const gws = [0.5, 1, 1.5, 2, 3];
    const gbs = [0, 0.05, 0.2];
    const pd = phaseDiagram("erf", gws, gbs);
    assert.equal(pd.points.length, 3);
    assert.equal(pd.points[0].length, 5);
    for (let i = 0; i < gbs.length; i++) {
      const gc = pd.criticalLine[i]!.gw;
      for (let j = 0; j < gws.length; j++) {
        const p = pd.points[i][j];
        assert.equal(p.gw, gws[j]);
        assert.equal(p.gb, gbs[i]);
        assert.equal(p.phase, gws[j] < gc ? "ordered" : "chaotic", `(${gws[j]}, ${gbs[i]}) vs g_c = ${gc}`);
      }
    }
    close(pd.criticalLine[0]!.gw, Math.PI / 4, 1e-14, "g_c(0)");
  });

  it("Gauss–Legendre half-line expectations are exact for Gaussian moments", () => {
    close(
      gaussExpect1d((h) => h * h, 2.5),
      2.5,
      1e-14,
      "E[h²]",
    );
    close(
      gaussExpect1d((h) => h ** 4, 0.7),
      3 * 0.49,
      1e-14,
      "E[h⁴]",
    );
    close(
      gaussExpect1d(() => 1, 3),
      1,
      1e-14,
      "E[1]",
    );
  });

  it("Brent finds bracketed roots and refuses unbracketed ones", () => {
    close(brentRoot((x) => x * x - 2, 0, 2).x, Math.SQRT2, 1e-15, "√2");
    close(brentRoot((x) => Math.cos(x) - x, 0, 1).x, 0.7390851332151607, 1e-15, "Dottie number");
    assert.throws(() => brentRoot((x) => x * x + 1, -1, 1), InputError);
  });

  it("bad inputs → InputError", () => {
    assert.throws(() => meanField("erf", -1, 0), InputError);
    assert.throws(() => meanField("erf", 1, Number.NaN), InputError);
    assert.throws(() => varianceMap("erf", 1, 0, -0.5), InputError);
    assert.throws(() => varianceFixedPoint("erf", 1, 0, { q0: Number.POSITIVE_INFINITY }), InputError);
    assert.throws(() => correlationMap("erf", 1.5, 0, 1.5), InputError);
    assert.throws(() => varianceTrajectory("erf", 1, 0, 1, -2), InputError);
    assert.throws(() => meanField("nope", 1, 0), InputError);
  });
});

it("ReLU with a bias: g_c = 2 and q* → ∞ there (no finite fixed point at the critical gain)", () => {
  const c = criticalGain("relu", 0.1);
  assert.ok(Math.abs(c.gw - 2) < 1e-9, `g_c = ${c.gw}`);
  assert.equal(c.qStar, Number.POSITIVE_INFINITY);
});
