/**
 * The columns of the brief's deterministic regression oracle (paper a, §8.3) computed by featurelab,
 * shared by the test against the brief's printed table and the test against the NumPy reference:
 * Q̄, S(Q̄), ε_t, ⟨f(x0)⟩, Var f(x0), d²_prior, N1(⟨d²⟩ − d²_prior), Tr Δ (full), Tr Δ (code), Δ₀₁ (full).
 */
import { collectiveSignature, microscopicSignature, type RenormProblem } from "../../src/theory/renormalization.js";

export function oracleColumns(pr: RenormProblem, p: { T: number; N1: number; lambda1: number }): { converged: boolean; values: number[] } {
  const sp = pr.solve(p);
  const pred = pr.predict(sp.Q, { T: p.T, lambda1: p.lambda1 });
  const col = collectiveSignature(pr, sp);
  const mic = microscopicSignature(pr, sp);
  return {
    converged: sp.converged,
    values: [
      sp.Q,
      sp.action,
      pred.trainLoss,
      pred.ypred[0],
      pred.pointVariance[0],
      col.prior.centroid,
      col.shift.centroid,
      mic.traceFull,
      mic.traceCode,
      (mic.deltaFull as Float64Array)[1],
    ],
  };
}
