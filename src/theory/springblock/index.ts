/**
 * Spring–block theory of feature learning (paper c): the chain model and its analytic states
 * ({@link ./model.js}), the Model A / Model B integrators, the model phase diagram and the DNN mapping.
 *
 * @module
 */
export * from "./integrators.js";
export * from "./mapping.js";
export * from "./model.js";
export * from "./phase.js";
