/** The data layer: the Dataset type, loaders, preprocessing and synthetic tasks. */
export * from "./csv.js";
export * from "./dataset.js";
export * from "./files.js";
export * from "./idx.js";
export * from "./json.js";
export * from "./load.js";
export * from "./mnist.js";
export * from "./npy.js";
export * from "./preprocess.js";
export * from "./synthetic.js";
