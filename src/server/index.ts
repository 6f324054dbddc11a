/**
 * The explorer's server (`featurelab serve`): a local JSON API over the kernel, theory and chaos
 * layers plus the Vite-built front end. See app.ts for the endpoints and docs/explorer.md.
 *
 * @module
 */
export * from "./app.js";
export * from "./datasets.js";
export * from "./params.js";
export * from "./phase.js";
export * from "./spectra.js";
export * from "./theory.js";
