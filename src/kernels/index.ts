/**
 * Infinite-width kernels: activations and their Gaussian kernel functions, input covariances and the
 * NNGP layer map, deep NNGP/NTK stacks, mean-field criticality, and Monte-Carlo estimators.
 *
 * @module
 */
export * from "./activations.js";
export * from "./chaos.js";
export * from "./deep.js";
export * from "./gp.js";
export * from "./montecarlo.js";
export * from "./nngp.js";
