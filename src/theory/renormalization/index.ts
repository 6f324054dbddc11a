/**
 * Kernel renormalization of one-hidden-layer Bayesian networks in the proportional limit, and the
 * microscopic and collective signatures of feature learning (paper a: Corti, Pacelli, Rotondo,
 * Gherardi 2025; the equations are those of the technical brief, see docs/paper-a.md).
 *
 * - `action.ts`: the effective action S(Q̄), dS/dQ̄, the fixed-point map and the bracketed saddle-point solver;
 * - `problem.ts`: {@link RenormProblem} — kernels, cached spectrum and the GP-form predictor;
 * - `signatures.ts`: ⟨Φ⟩, class-manifold summaries, Δ (full and code variants), trace identity, projections;
 * - `scan.ts`: temperature / width / λ1 / λ0 scans reusing the eigendecomposition, argmax location;
 * - `matrix.ts`: multi-output networks with a matrix order parameter;
 * - `nonodd.ts`: non-odd activations (ReLU) with two order parameters;
 * - `deepLinear.ts`: deep linear networks, one order parameter per layer.
 *
 * @module
 */
export * from "./action.js";
export * from "./deepLinear.js";
export * from "./matrix.js";
export * from "./nonodd.js";
export * from "./problem.js";
export * from "./scan.js";
export * from "./signatures.js";
