/** Paper a's kernel-renormalization theory; see {@link ./renormalization/index.ts}. */
export * from "./renormalization/index.js";
