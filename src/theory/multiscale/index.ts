/**
 * Paper d: the multi-scale adaptive (MSA) theory of feature learning (Rubin et al., ICML 2025) as
 * reconstructed in /work/shared/papers/d-multiscale-adaptive.md — see docs/paper-d.md.
 *
 * @module
 */
export * from "./analyze.js";
export * from "./annealing.js";
export * from "./directional.js";
export * from "./exactLinear.js";
export * from "./linear.js";
export * from "./network.js";
export * from "./treeLevel.js";
