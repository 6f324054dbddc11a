import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { InputError } from "../../src/engine/errors.js";
import { ACTIVATION_NAMES, type Activation, listActivations, parseActivation, reluKernel } from "../../src/kernels/activations.js";

const fixture = JSON.parse(readFileSync(new URL("../fixtures/kernels/kernels.json", import.meta.url), "utf8"));

function close(actual: number, expected: number, tol: number, what: string): void {
  const err = Math.abs(actual - expected);
  assert.ok(err <= tol * Math.max(1, Math.abs(expected)), `${what}: ${actual} vs ${expected} (|Δ| = ${err.toExponential(2)} > ${tol})`);
}

describe("parseActivation", () => {
  it("accepts every CLI name and round-trips the canonical spec", () => {
    for (const name of ["linear", "erf", "relu", "leaky-relu", "abs", "quadratic", "sign", "tanh", "gelu", "softplus", "sin", "cos"]) {
      assert.ok(ACTIVATION_NAMES.includes(name), name);
      const a = parseActivation(name);
      assert.equal(a.name, name);
      assert.equal(parseActivation(a.spec).spec, a.spec);
    }
  });

  it("reads parameters: erf:s scale and leaky-relu:α slope", () => {
    const e = parseActivation("erf:2");
    assert.equal(e.params.scale, 2);
    assert.equal(e.spec, "erf:2");
    assert.equal(e.phi(0.3), parseActivation("erf").phi(0.6));
    const l = parseActivation("leaky-relu:0.2");
    assert.equal(l.params.slope, 0.2);
    assert.equal(l.phi(-1), -0.2);
    assert.equal(l.phi(3), 3);
    assert.equal(parseActivation("leaky-relu").params.slope, 0.01);
    assert.equal(parseActivation("  ReLU ").name, "relu");
    assert.equal(parseActivation("identity").name, "linear");
  });

  it("rejects unknown names (listing the known ones) and bad parameters with InputError", () => {
    assert.throws(
      () => parseActivation("swish"),
      (e: unknown) => e instanceof InputError && /unknown activation "swish"/.test(e.message) && /leaky-relu/.test(e.message) && /tanh/.test(e.message),
    );
    assert.throws(() => parseActivation("erf:abc"), InputError);
    assert.throws(() => parseActivation("erf:-1"), InputError);
    assert.throws(() => parseActivation("erf:"), InputError);
    assert.throws(() => parseActivation("relu:2"), InputError);
    assert.throws(() => parseActivation(""), InputError);
  });
});

describe("activation functions", () => {
  const all: Activation[] = [...listActivations(), parseActivation("erf:2"), parseActivation("leaky-relu:0.2"), parseActivation("leaky-relu:-0.5")];
  const xs = [-2.3, -1, -0.4, -0.05, 0.07, 0.5, 1.1, 2.7];

  it("dphi and d2phi are the derivatives of phi (central differences, away from kinks)", () => {
    const h = 1e-5;
    for (const a of all) {
      for (const x of xs) {
        if (a.smoothness !== "jump") close(a.dphi(x), (a.phi(x + h) - a.phi(x - h)) / (2 * h), 1e-8, `${a.spec} φ′(${x})`);
        else assert.equal(a.dphi(x), 0);
        if (a.d2phi) close(a.d2phi(x), (a.dphi(x + h) - a.dphi(x - h)) / (2 * h), 1e-7, `${a.spec} φ″(${x})`);
      }
    }
  });

  it("the odd flag is right", () => {
    for (const a of all) {
      const odd = xs.every((x) => Math.abs(a.phi(-x) + a.phi(x)) <= 1e-15 * Math.max(1, Math.abs(a.phi(x))));
      assert.equal(a.odd, odd, a.spec);
    }
  });

  it("kernel functions are symmetric in (a, b) and odd activations give odd kernels in c", () => {
    for (const a of all) {
      if (!a.kernel) continue;
      for (const [p, q, c] of [
        [0.7, 1.3, 0.5],
        [2, 0.4, -0.6],
      ]) {
        close(a.kernel(p, q, c), a.kernel(q, p, c), 1e-15, `${a.spec} symmetry`);
        if (a.dkernel) close(a.dkernel(p, q, c), a.dkernel(q, p, c), 1e-15, `${a.spec} 𝒦′ symmetry`);
        if (a.odd) close(a.kernel(p, q, -c), -a.kernel(p, q, c), 1e-15, `${a.spec} oddness`);
      }
    }
  });

  it("Price's theorem: ∂𝒦/∂c = 𝒦′ and 2∂𝒦/∂a = 𝒥 for every closed form", () => {
    const h = 1e-6;
    for (const a of all) {
      if (!a.kernel) continue;
      for (const [p, q, c] of [
        [0.7, 1.3, 0.5],
        [2, 0.5, -0.9],
        [0.3, 2, 0.1],
      ]) {
        if (a.dkernel) close(a.dkernel(p, q, c), (a.kernel(p, q, c + h) - a.kernel(p, q, c - h)) / (2 * h), 1e-7, `${a.spec} ∂𝒦/∂c`);
        if (a.d2kernel) close(a.d2kernel(p, q, c), (a.kernel(p + h, q, c) - a.kernel(p - h, q, c)) / h, 1e-7, `${a.spec} 2∂𝒦/∂a`);
      }
    }
  });

  it("leaky ReLU interpolates: α = 0 is ReLU, α = 1 is linear, α = −1 is |x|", () => {
    const l0 = parseActivation("leaky-relu:0");
    const l1 = parseActivation("leaky-relu:1");
    const lm = parseActivation("leaky-relu:-1");
    const abs = parseActivation("abs");
    for (const [p, q, c] of [
      [0.7, 1.3, 0.5],
      [2, 0.5, -0.9],
    ]) {
      close(l0.kernel!(p, q, c), reluKernel(p, q, c), 1e-15, "α=0");
      close(l1.kernel!(p, q, c), c, 1e-15, "α=1");
      close(l1.dkernel!(p, q, c), 1, 1e-15, "α=1 𝒦′");
      close(lm.kernel!(p, q, c), abs.kernel!(p, q, c), 1e-15, "α=−1");
      // |x|: E[|u||v|] at c = 0 is E|u|·E|v| = (2/π)√(ab).
      close(abs.kernel!(p, q, 0), (2 / Math.PI) * Math.sqrt(p * q), 1e-15, "abs at c=0");
    }
    assert.equal(l1.odd, true);
    assert.equal(l1.smoothness, "smooth");
  });

  it("clips arcsin/arccos/sqrt arguments: c a hair above √(ab) gives the c² = ab value, not NaN", () => {
    for (const name of ["erf", "relu", "sign", "abs", "leaky-relu:0.3"]) {
      const a = parseActivation(name);
      const v = a.kernel!(1, 1, 1 + 1e-15);
      assert.ok(Number.isFinite(v), name);
      close(v, a.kernel!(1, 1, 1), 1e-14, name);
      assert.ok(Number.isFinite(a.dkernel!(2, 0.5, 1 + 1e-15)) || name === "sign", name);
    }
  });

  it("matches the independent mpmath closed forms to 1e−12 (test/fixtures/kernels)", () => {
    const erf = parseActivation("erf");
    const erf2 = parseActivation("erf:2");
    const relu = parseActivation("relu");
    const leaky = parseActivation("leaky-relu:0.2");
    const abs = parseActivation("abs");
    const sign = parseActivation("sign");
    let n = 0;
    for (const row of fixture.kernelFunctions) {
      const { a, b, c } = row;
      const w = `(${a}, ${b}, ${c})`;
      for (const [act, ref] of [
        [erf, row.erf],
        [erf2, row.erf2],
        [relu, row.relu],
      ] as const) {
        close(act.kernel!(a, b, c), ref[0], 1e-12, `${act.spec} 𝒦${w}`);
        close(act.dkernel!(a, b, c), ref[1], 1e-12, `${act.spec} 𝒦′${w}`);
        close(act.d2kernel!(a, b, c), ref[2], 1e-12, `${act.spec} 𝒥${w}`);
        n += 3;
      }
      close(leaky.kernel!(a, b, c), row["leaky0.2"][0], 1e-12, `leaky 𝒦${w}`);
      close(leaky.dkernel!(a, b, c), row["leaky0.2"][1], 1e-12, `leaky 𝒦′${w}`);
      close(abs.kernel!(a, b, c), row.abs[0], 1e-12, `abs 𝒦${w}`);
      close(abs.dkernel!(a, b, c), row.abs[1], 1e-12, `abs 𝒦′${w}`);
      close(sign.kernel!(a, b, c), row.sign, 1e-12, `sign 𝒦${w}`);
      n += 5;
    }
    assert.ok(n >= 100);
    // The generator also checked the formulas themselves against numerical integration.
    for (const v of Object.values(fixture.meta.formula_check)) assert.ok((v as number) < 1e-18);
  });

  it("paper b §3.2 Monte-Carlo table values (a, b, c) = (0.7, 1.3, 0.5)", () => {
    const erf = parseActivation("erf");
    close(erf.kernel!(0.7, 1.3, 0.5), 0.220994, 5e-7, "⟨erf erf⟩");
    close(erf.dkernel!(0.7, 1.3, 0.5), 0.460642, 5e-7, "⟨φ′φ′⟩");
    close(erf.d2kernel!(0.7, 1.3, 0.5), -0.191934, 5e-7, "⟨φ″φ⟩");
  });
});
