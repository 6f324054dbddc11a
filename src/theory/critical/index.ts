/**
 * Paper b (Fischer et al. 2024, "Critical feature learning in deep neural networks"): the
 * finite-width kernel prior, the forward–backward equations for the MAP kernels of every layer,
 * their first-order (linear-response) solution, the deep-linear closed forms and the posterior
 * predictive. See docs/paper-b.md for the equation → function map.
 *
 * @module
 */
export * from "./deepLinear.js";
export * from "./linearResponse.js";
export * from "./mapSolver.js";
export * from "./mat.js";
export * from "./model.js";
export * from "./monteCarlo.js";
export * from "./predictive.js";
export * from "./prior.js";
export * from "./tilted.js";
