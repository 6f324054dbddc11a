/**
 * The registry of experiment recipes that `featurelab reproduce` runs.
 *
 * A recipe is declarative: its configuration (reduced and full sizes), the sweep of independent
 * points it computes, how one point is computed, and how the points' results become numbers, tables
 * and figures. The runner (src/experiments/runner.ts) does everything else: it derives each point's
 * key from the run seed and the point's identity, runs points in parallel worker threads, stores each
 * finished point at once (so an interrupted run resumes), and renders the figures and the report.
 *
 * ```ts
 * registerRecipe(defineRecipe({
 *   id: "my-recipe", paper: "b", title: "…", claim: "…",
 *   config: (full) => ({ widths: full ? [64, 256, 1024, 4096] : [64, 256] }),
 *   points: (c) => c.widths.map((N) => ({ id: `N=${N}`, params: { N } })),
 *   compute: ({ N }, ctx) => ({ loss: simulate(N, ctx.key) }),        // runs in a worker
 *   summarize: (results, c) => ({ numbers: {…}, tables: […], figures: [lineFigure({…})] }),
 * }));
 * ```
 *
 * See docs/experiments.md for the rules (purity of `compute`, what may be in a result, keys).
 */
import type { Key } from "../engine/random.js";
import type { FigureSpec } from "../report/figures.js";
import type { Cell, Table } from "../report/tables.js";

export type { Cell, Table } from "../report/tables.js";

/** The papers the recipes reproduce ("engine": the kernel layer the papers build on). */
export type PaperKey = "engine" | "a" | "b" | "c" | "d";

/** Report headings of the papers, in report order. */
export const PAPERS: readonly { key: PaperKey; title: string; cite: string }[] = [
  { key: "engine", title: "Foundations: infinite-width kernels", cite: "The NNGP kernels, GP regression and the edge of chaos that all four papers build on." },
  {
    key: "a",
    title: "(a) Microscopic and collective signatures of feature learning",
    cite: "A. Corti, R. Pacelli, P. Rotondo, M. Gherardi, arXiv:2508.20989 (2025).",
  },
  {
    key: "b",
    title: "(b) Critical feature learning in deep neural networks",
    cite: "K. Fischer, J. Lindner, D. Dahmen, Z. Ringel, M. Krämer, M. Helias, ICML 2024, arXiv:2405.10761.",
  },
  {
    key: "c",
    title: "(c) Spring–block theory of feature learning in deep neural networks",
    cite: "C. Shi, L. Pan, I. Dokmanić, Phys. Rev. Lett. (2025), arXiv:2407.19353.",
  },
  {
    key: "d",
    title: "(d) From kernels to features: a multi-scale adaptive theory of feature learning",
    cite: "N. Rubin, K. Fischer, J. Lindner, I. Seroussi, Z. Ringel, M. Krämer, M. Helias, ICML 2025, arXiv:2502.03210.",
  },
];

/** One independent unit of work of a recipe's sweep. */
export interface SweepPoint<P> {
  /**
   * The point's identity, unique within the recipe and stable across runs (e.g. `"act=erf,depth=3"`):
   * it names the point in the store and seeds its key. Never an index that shifts when the grid grows.
   */
  id: string;
  /** Plain JSON parameters handed to `compute` (stored with a hash: changed params ⇒ recomputed). */
  params: P;
}

/** What `compute` gets besides its parameters. */
export interface PointContext<C> {
  /** The point's own key: foldIn(recipeKey, hash(point id)). Independent of worker count and order. */
  key: Key;
  /** The recipe's key: foldIn(key(seed), hash(recipe id)) — for draws shared by every point (a data subset). */
  recipeKey: Key;
  /** The recipe's configuration (`config(full)`). */
  config: C;
  full: boolean;
  /** A note for the user (stderr). */
  log(msg: string): void;
  /**
   * Per-thread cache for work shared by several points computed in the same worker (a dataset, a
   * kernel): `memo("train", () => load(...))`. The value must depend only on the name (and the
   * recipe's config/key), never on which points came before.
   */
  memo<T>(name: string, make: () => T): T;
}

/** A finished point as `summarize` sees it (in `points()` order). */
export interface PointResult<P, R> {
  id: string;
  params: P;
  result: R;
  /** Wall-clock seconds `compute` took. */
  seconds: number;
}

/** What a recipe reports: headline numbers, tables (theory-vs-simulation and raw data) and figures. */
export interface RecipeSummary {
  /** Headline numbers, each a plain value. */
  numbers: Record<string, Cell>;
  tables: Table[];
  figures: FigureSpec[];
}

/**
 * A recipe. `C` its configuration, `P` a point's parameters, `R` a point's result.
 *
 * A point's result must be structured-clonable plain data: numbers (NaN and ±∞ survive), strings,
 * booleans, null, arrays, plain objects, Float64Array/Float32Array/Int32Array (stored compactly).
 */
export interface Recipe<C = unknown, P = unknown, R = unknown> {
  /** Stable identifier (lower-case, digits, dashes): names the results files and seeds the keys. */
  id: string;
  paper: PaperKey;
  title: string;
  /** What the recipe shows and what the paper claims about it. */
  claim: string;
  /** The configuration: reduced sizes by default (`full = false`), the papers' sizes with `--full`. Plain JSON. */
  config(full: boolean): C;
  /** The sweep. Each point is computed once, in any order, possibly in another thread. */
  points(config: C): SweepPoint<P>[];
  /** Computes one point. Runs in a worker thread: must not rely on module state set by the main thread. */
  compute(params: P, ctx: PointContext<C>): R | Promise<R>;
  /** Turns all points' results (in `points()` order) into numbers, tables and figures. Runs in the main thread; keep it cheap. */
  summarize(results: PointResult<P, R>[], config: C): RecipeSummary;
}

/** Identity function that lets TypeScript infer C, P and R from the recipe's functions. */
export function defineRecipe<C, P, R>(r: Recipe<C, P, R>): Recipe<C, P, R> {
  return r;
}

// biome-ignore lint/suspicious/noExplicitAny: the registry holds recipes of every type
type AnyRecipe = Recipe<any, any, any>;

const recipes: AnyRecipe[] = [];

/** Adds a recipe (once: a second recipe with the same id is a programming error). */
export function registerRecipe(r: AnyRecipe): void {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(r.id)) throw new Error(`recipe id '${r.id}' must be lower-case letters, digits and dashes`);
  if (recipes.some((x) => x.id === r.id)) throw new Error(`recipe '${r.id}' registered twice`);
  recipes.push(r);
}

/** Every registered recipe, in registration order. */
export function allRecipes(): readonly AnyRecipe[] {
  return recipes;
}

/** The recipe with this id, or undefined. */
export function getRecipe(id: string): AnyRecipe | undefined {
  return recipes.find((r) => r.id === id);
}
