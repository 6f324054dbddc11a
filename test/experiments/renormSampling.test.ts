/**
 * The theory-vs-sampling point of paper (a) (recipe `renorm-vs-sampling`) on one small case:
 * two Gaussian clusters (separation 0.02, brief §6.3), erf, N0 = N1 = P = 50, λ0 = λ1 = 1, T = 0.3,
 * ULA with ηT = 10⁻³ for 20 relaxation times of the slowest prior mode, 2 chains. The sampled
 * λ1⟨|v|²⟩/N1 and test loss must agree with the saddle point and the renormalized GP predictor within
 * 3 standard errors (the brief's §8.4 check at N = 100 agrees within 0.8%); the virial identity
 * (exact for any finite network) holds within 4 s.e.; a seed fixes every number.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { key } from "../../src/engine/random.js";
import { clusterTask, type RenormSamplingConfig, samplePoint, schedule } from "../../src/experiments/recipes/renormSampling.js";
import { getRecipe } from "../../src/experiments/registry.js";

const base: RenormSamplingConfig = {
  Ps: [50],
  widthRatios: [1],
  temperatures: [0.3],
  theoryTemperatures: [0.1, 0.3, 1],
  separation: 0.02,
  testP: 200,
  lambda0: 1,
  lambda1: 1,
  act: "erf",
  sampler: "ula",
  etaMax: 0.01,
  etaT: 1e-3,
  relaxations: 20,
  burnin: 4,
  thin: 10,
  chains: 2,
  dtype: "f64",
  sigmas: 2,
};

const data = clusterTask(50, base.separation, base.testP, key(7));

test("schedule: η = min(ηmax, c/T), τ = 1/(ηTλ), steps a multiple of thin", () => {
  const s = schedule(base, 0.3);
  assert.ok(Math.abs(s.eta - 1e-3 / 0.3) < 1e-15);
  assert.ok(Math.abs(s.tau - 1000) < 1e-9);
  assert.equal(s.steps, 20000);
  assert.equal(s.burnin, 4000);
  const cold = schedule(base, 0.01);
  assert.equal(cold.eta, 0.01);
  assert.ok(Math.abs(cold.tau - 10000) < 1e-6);
});

test("sampled Q̄ and test loss agree with the theory within 3 s.e. (P = N0 = N1 = 50, T = 0.3)", (t) => {
  const r = samplePoint(base, data, { N1: 50, T: 0.3 }, 11);
  const z = (k: "Q" | "QRB" | "testLoss" | "trainLoss") => {
    const th = k === "QRB" ? r.theory.Q : r.theory[k];
    return Math.abs(r.sampled[k].mean - th) / r.sampled[k].error;
  };
  t.diagnostic(
    (["Q", "QRB", "testLoss", "trainLoss"] as const)
      .map(
        (k) =>
          `${k} ${r.sampled[k].mean.toFixed(4)} ± ${r.sampled[k].error.toFixed(4)} vs ${(k === "QRB" ? r.theory.Q : r.theory[k]).toFixed(4)} (${z(k).toFixed(2)} s.e.)`,
      )
      .join("; "),
  );
  for (const k of ["Q", "QRB", "testLoss"] as const) {
    assert.ok(Number.isFinite(r.sampled[k].error) && r.sampled[k].error > 0, `${k}: no error bar`);
    assert.ok(
      z(k) <= 3,
      `${k}: sampled ${r.sampled[k].mean} ± ${r.sampled[k].error}, theory ${k === "QRB" ? r.theory.Q : r.theory[k]} (${z(k).toFixed(2)} s.e.)`,
    );
  }
  // the error bars are informative: a few per cent at most
  assert.ok(r.sampled.Q.error < 0.05 * r.theory.Q);
  assert.ok(r.sampled.testLoss.error < 0.05 * r.theory.testLoss);
  // an exact identity of the finite network's posterior, independent of the theory
  assert.ok(r.sampled.virialWorstZ <= 4, `virial residual ${r.sampled.virialWorstZ} s.e.`);
  // the theory curve passes through the point's own theory value (T = 0.3 is on the grid)
  assert.ok(Math.abs(r.curve.Q[1] - r.theory.Q) < 1e-9);
  assert.ok(Math.abs(r.curve.shift[1] - r.theory.shift) < 1e-9);
});

test("a seed fixes every number of a point", () => {
  const short = { ...base, relaxations: 1, burnin: 0.2 };
  const a = samplePoint(short, data, { N1: 20, T: 1 }, 3);
  const b = samplePoint(short, data, { N1: 20, T: 1 }, 3);
  assert.deepEqual(a, b);
  const c = samplePoint(short, data, { N1: 20, T: 1 }, 4);
  assert.notEqual(c.sampled.Q.mean, a.sampled.Q.mean);
});

test("summary: a point whose chains disagree (split-R̂ of Q̄ > 1.05) is shown but left out of the agreement counts", () => {
  const short = { ...base, relaxations: 2, burnin: 0.5, temperatures: [0.3, 1] };
  const a = samplePoint(short, data, { N1: 50, T: 0.3 }, 3);
  const b = samplePoint(short, data, { N1: 50, T: 1 }, 4);
  // these 2-relaxation chains are themselves unconverged; declare them converged (R̂ = 1) to test the gate alone
  const conv = (r: typeof a) => ({ ...r, sampled: { ...r.sampled, Q: { ...r.sampled.Q, rhat: 1 }, QRB: { ...r.sampled.QRB, rhat: 1 } } });
  // make b unconverged and far from its theory: it must not count as a disagreement (nor as an agreement)
  const bad = structuredClone(conv(b));
  bad.sampled.Q = { ...bad.sampled.Q, mean: bad.theory.Q + 50 * bad.sampled.Q.error, rhat: 1.3 };
  const recipe = getRecipe("renorm-vs-sampling");
  assert.ok(recipe, "recipe registered");
  const res = (xs: (typeof a)[]) =>
    recipe.summarize(
      xs.map((r) => ({ id: `P=50,N1=50,T=${r.T}`, params: { P: 50, N1: 50, T: r.T }, result: r, seconds: 1 })),
      short,
    );
  const ok = res([conv(a), conv(b)]);
  const gated = res([conv(a), bad]);
  const count = (s: string) => Number(String(s).split(" of ")[1].split(" ")[0]);
  assert.equal(count(String(ok.numbers.rowsAgreeing)), 10, "two converged points: 5 quantities each are judged");
  assert.equal(count(String(gated.numbers.rowsAgreeing)), 5, "only the converged point is judged");
  assert.match(String(gated.numbers.QAgreeing), / of 1$/, "Q̄ is judged at one point only");
  assert.ok(Number(gated.numbers.worstDeviationInSE) < 50, "the unconverged point's 50-s.e. miss is not the worst judged deviation");
  assert.match(String(gated.numbers.unconvergedPoints), /T=1 \(R̂ = 1\.30\)/, "the unconverged point is named with its R̂");
  const rows = gated.tables[0].rows.map((r) => String(r[0]));
  assert.ok(
    rows.some((q) => q.includes("not converged: R̂ = 1.30")),
    "its rows are still shown, marked",
  );
});
