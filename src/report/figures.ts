/**
 * Declarative figure specs for recipes. A recipe describes *what* to draw — series of numbers, axes,
 * a colour scale — with one of four constructors, and the report layer turns the spec into a
 * Vega-Lite chart (rendered to SVG by Vega in Node) or, for kernel matrices, a PNG raster framed by a
 * Vega-Lite SVG with axes and a colour legend. No chart code lives in recipes.
 *
 * | constructor          | draws                                                                           |
 * |----------------------|---------------------------------------------------------------------------------|
 * | {@link lineFigure}   | several series: theory as lines, simulation as points with error bars; log axes; panels |
 * | {@link scatterFigure}| measured against predicted, one point per pair, with the line y = x             |
 * | {@link heatmapFigure}| a matrix (e.g. a P×P kernel) as a raster, one pixel per entry, with group bands |
 * | {@link phaseFigure}  | a quantity over a 2-D parameter grid, with critical lines drawn over it         |
 *
 * Specs are plain data (numbers, strings, typed arrays): they can be built in a worker, stored and
 * rendered later. The constructors validate their input and throw an InputError naming the figure
 * and the option. {@link toVegaLite} turns a spec into the Vega-Lite JSON (exported for tests and for
 * anyone who wants the chart interactive in a browser).
 *
 * @module
 */
import { InputError } from "../engine/errors.js";

/** Colour schemes (Vega's names). Sequential: viridis, magma, inferno, plasma, blues, greys; diverging: redblue, blueorange, purplegreen. */
export type Scheme = "viridis" | "magma" | "inferno" | "plasma" | "blues" | "greys" | "redblue" | "blueorange" | "purplegreen";

/** Options common to every figure. */
export interface FigureBase {
  /** Identifier, unique within the recipe: lower-case letters, digits and dashes (it names the files). */
  id: string;
  /** Short title (the report's figure heading). */
  title: string;
  /** What the figure shows: axes, marks, which curve is which. One to three sentences. */
  caption: string;
  /** What the paper claims the figure should show (optional; the report prints it after the caption). */
  claim?: string;
  /** Plot width in pixels (per panel for faceted figures). */
  width?: number;
  /** Plot height in pixels (per panel). */
  height?: number;
}

/** A positional axis. */
export interface Axis {
  /** Axis title, e.g. "temperature T" (plain Unicode: g_w, χ₁, σ²). */
  label: string;
  /** Logarithmic scale. Points with a non-positive value on a log axis are dropped (counted in the spec's `dropped`). */
  log?: boolean;
  /** Fixed domain [min, max]; default: the extent of the data. */
  domain?: [number, number];
  /** Start a linear axis at zero (default false). */
  zero?: boolean;
}

/** One series of a {@link lineFigure}. */
export interface Series {
  /** Identifier of the series (tooltips; groups the line). */
  name: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** Symmetric error bar: y ± yErr (e.g. a standard error). */
  yErr?: ArrayLike<number>;
  /**
   * How it is drawn: `"line"` (default; theory curves), `"points"` (simulation), `"line+points"`.
   * Series with error bars draw them whatever the mark.
   */
  mark?: "line" | "points" | "line+points";
  /** Colour category (series sharing it share a colour and one legend entry). Default: `name`. */
  color?: string;
  /** Dash category: series sharing it share a dash pattern and one entry of a second legend. Default: solid, no legend. */
  dash?: string;
  /** Panel (small multiple, left to right) the series belongs to; every series needs one when any has one. */
  panel?: string;
}

/** A figure of several series against one x axis. */
export interface LineFigure extends FigureBase {
  kind: "line";
  x: Axis;
  y: Axis;
  series: Series[];
  /** Title of the colour legend (default: none). */
  colorTitle?: string;
  /** Title of the dash legend (default: none). */
  dashTitle?: string;
  /** Title above the panels (default: none). */
  panelTitle?: string;
  /** Number of points dropped because they were non-positive on a log axis or not finite. */
  dropped: number;
}

/** A figure of measured values against predicted ones, with the diagonal y = x. */
export interface ScatterFigure extends FigureBase {
  kind: "scatter";
  /** Usually the theory's prediction. */
  x: Axis;
  /** Usually the measurement. */
  y: Axis;
  /** Point groups (one colour each). */
  groups: { name: string; x: ArrayLike<number>; y: ArrayLike<number>; yErr?: ArrayLike<number> }[];
  /** Draw the line y = x across the data (default true). */
  identity: boolean;
  colorTitle?: string;
  dropped: number;
}

/** A colour scale. */
export interface ColorScale {
  /** Legend title, e.g. "K(x, x′)" or "χ₁". */
  label: string;
  /** Default "viridis". */
  scheme?: Scheme;
  /** Fixed domain [min, max]; default: the extent of the finite data. */
  domain?: [number, number];
  /** Diverging scales: the value at the scheme's centre (e.g. 1 for χ₁). */
  mid?: number;
  /** Logarithmic colour scale (phase figures only; heatmaps are linear). */
  log?: boolean;
  /** Reverse the scheme. */
  reverse?: boolean;
}

/** Bands along the rows/columns of a heatmap, e.g. the classes of a kernel sorted by class. */
export interface Groups {
  /** Band labels, e.g. ["0", "1"]. */
  labels: string[];
  /** First row/column index of each band (ascending, starting at 0). */
  starts: number[];
  /** Title of the band axis, e.g. "class". */
  title?: string;
}

/** A matrix drawn as a raster: one pixel per entry, row 0 at the top. */
export interface HeatmapFigure extends FigureBase {
  kind: "heatmap";
  /** rows×cols row-major values (non-finite entries are drawn transparent). */
  matrix: ArrayLike<number>;
  rows: number;
  cols: number;
  color: ColorScale;
  /** Axis titles (default "column" and "row"). */
  xLabel?: string;
  yLabel?: string;
  /** Bands along both axes (square matrices) — drawn as separator lines, labelled at their centres. */
  groups?: Groups;
}

/** A quantity over a 2-D grid, with lines drawn over it (e.g. a phase diagram with its critical line). */
export interface PhaseFigure extends FigureBase {
  kind: "phase";
  /** The x axis and the grid's x values (ascending). */
  x: Axis & { values: number[] };
  /** The y axis and the grid's y values (ascending). */
  y: Axis & { values: number[] };
  /** ny×nx row-major: z[i·nx + j] at (x[j], y[i]). Non-finite cells are drawn grey. */
  z: ArrayLike<number>;
  color: ColorScale;
  /** Lines over the grid (drawn black, one dash pattern each, with a legend). */
  lines: { name: string; x: ArrayLike<number>; y: ArrayLike<number> }[];
  /** Legend text for the grey (non-finite) cells (default "undefined"). */
  invalidLabel?: string;
}

/** Any figure spec. */
export type FigureSpec = LineFigure | ScatterFigure | HeatmapFigure | PhaseFigure;

// ---------------------------------------------------------------- validation

function fail(fig: string, msg: string): never {
  throw new InputError(msg, `figure '${fig}'`);
}

function checkBase(b: FigureBase): void {
  if (typeof b.id !== "string" || !/^[a-z0-9][a-z0-9-]*$/.test(b.id)) fail(String(b.id), "id must be lower-case letters, digits and dashes");
  if (!b.title) fail(b.id, "title is empty");
  if (!b.caption) fail(b.id, "caption is empty (say what the figure shows)");
  for (const k of ["width", "height"] as const) {
    const v = b[k];
    if (v !== undefined && !(Number.isInteger(v) && v >= 50 && v <= 4000)) fail(b.id, `${k} must be an integer in [50, 4000], got ${v}`);
  }
}

function checkSameLength(fig: string, what: string, a: ArrayLike<number>, b: ArrayLike<number> | undefined, bName: string): void {
  if (b !== undefined && b.length !== a.length) fail(fig, `${what}: ${bName} has ${b.length} values, x has ${a.length}`);
}

function keep(v: number, axis: Axis): boolean {
  return Number.isFinite(v) && (!axis.log || v > 0);
}

// ---------------------------------------------------------------- constructors

/**
 * Several series against one x axis: theory curves as lines, simulations as points with error bars.
 *
 * ```ts
 * lineFigure({
 *   id: "test-loss", title: "Test loss against temperature", caption: "…",
 *   x: { label: "temperature T", log: true }, y: { label: "test loss", log: true },
 *   series: [
 *     { name: "theory", x: Ts, y: loss },
 *     { name: "sampled", x: Ts, y: mean, yErr: se, mark: "points" },
 *   ],
 * })
 * ```
 */
export function lineFigure(o: Omit<LineFigure, "kind" | "dropped">): LineFigure {
  checkBase(o);
  if (!Array.isArray(o.series) || o.series.length === 0) fail(o.id, "series is empty");
  const panels = o.series.filter((s) => s.panel !== undefined).length;
  if (panels !== 0 && panels !== o.series.length) fail(o.id, "either every series has a panel or none has");
  const lineSeries = o.series.filter((s) => (s.mark ?? "line") !== "points");
  const dashed = lineSeries.filter((s) => s.dash !== undefined).length;
  if (dashed !== 0 && dashed !== lineSeries.length) fail(o.id, "either every series drawn with a line has a dash category or none has");
  let dropped = 0;
  for (const s of o.series) {
    if (!s.name) fail(o.id, "a series has no name");
    checkSameLength(o.id, `series '${s.name}'`, s.x, s.y, "y");
    checkSameLength(o.id, `series '${s.name}'`, s.x, s.yErr, "yErr");
    for (let i = 0; i < s.x.length; i++) if (!keep(s.x[i], o.x) || !keep(s.y[i], o.y)) dropped++;
  }
  return { ...o, kind: "line", dropped };
}

/**
 * Measured against predicted, one point per pair, with the diagonal y = x (`identity: false` to omit
 * it). Each group gets a colour; `yErr` draws vertical error bars.
 */
export function scatterFigure(o: Omit<ScatterFigure, "kind" | "dropped" | "identity"> & { identity?: boolean }): ScatterFigure {
  checkBase(o);
  if (!Array.isArray(o.groups) || o.groups.length === 0) fail(o.id, "groups is empty");
  let dropped = 0;
  for (const g of o.groups) {
    checkSameLength(o.id, `group '${g.name}'`, g.x, g.y, "y");
    checkSameLength(o.id, `group '${g.name}'`, g.x, g.yErr, "yErr");
    for (let i = 0; i < g.x.length; i++) if (!keep(g.x[i], o.x) || !keep(g.y[i], o.y)) dropped++;
  }
  return { ...o, kind: "scatter", identity: o.identity ?? true, dropped };
}

/**
 * A matrix as a raster image, one pixel per entry (row 0 at the top), with a colour legend and
 * optional group bands (e.g. examples sorted by class: separator lines and class labels).
 */
export function heatmapFigure(o: Omit<HeatmapFigure, "kind">): HeatmapFigure {
  checkBase(o);
  if (!(Number.isInteger(o.rows) && o.rows >= 1 && Number.isInteger(o.cols) && o.cols >= 1))
    fail(o.id, `rows and cols must be positive integers, got ${o.rows}×${o.cols}`);
  if (o.matrix.length !== o.rows * o.cols) fail(o.id, `matrix has ${o.matrix.length} entries, expected ${o.rows}×${o.cols}`);
  if (o.rows * o.cols > 16e6) fail(o.id, `matrix has ${o.rows * o.cols} entries; a raster of more than 16M pixels is not useful on a page`);
  if (o.color.log) fail(o.id, "heatmaps use a linear colour scale (transform the values instead)");
  if (o.groups) {
    const { labels, starts } = o.groups;
    if (labels.length !== starts.length || labels.length === 0) fail(o.id, "groups.labels and groups.starts must have the same, non-zero length");
    if (starts[0] !== 0 || starts.some((s, i) => i > 0 && !(s > starts[i - 1])) || starts[starts.length - 1] >= Math.min(o.rows, o.cols))
      fail(o.id, "groups.starts must ascend from 0 within the matrix");
  }
  return { ...o, kind: "heatmap" };
}

/**
 * A quantity over a 2-D parameter grid (cells coloured by value; grey where it is not finite) with
 * lines over it — a phase diagram with its critical line.
 */
export function phaseFigure(o: Omit<PhaseFigure, "kind" | "lines"> & { lines?: PhaseFigure["lines"] }): PhaseFigure {
  checkBase(o);
  const nx = o.x.values.length;
  const ny = o.y.values.length;
  if (nx < 2 || ny < 2) fail(o.id, `the grid needs at least 2×2 values, got ${nx}×${ny}`);
  for (const [name, v, ax] of [
    ["x", o.x.values, o.x],
    ["y", o.y.values, o.y],
  ] as const) {
    for (let i = 0; i < v.length; i++) {
      if (!Number.isFinite(v[i]) || (i > 0 && !(v[i] > v[i - 1]))) fail(o.id, `${name}.values must be finite and ascending`);
      if (ax.log && !(v[i] > 0)) fail(o.id, `${name}.values must be > 0 on a log axis`);
    }
  }
  if (o.z.length !== nx * ny) fail(o.id, `z has ${o.z.length} values, expected ${ny}×${nx} (y × x)`);
  const lines = o.lines ?? [];
  for (const l of lines) checkSameLength(o.id, `line '${l.name}'`, l.x, l.y, "y");
  return { ...o, kind: "phase", lines };
}

// ---------------------------------------------------------------- Vega-Lite

/** Shared look: sans-serif, light grid, white background. */
export const VEGA_CONFIG = {
  background: "white",
  aria: false,
  font: "Helvetica, Arial, sans-serif",
  padding: 8,
  axis: {
    labelFontSize: 11,
    titleFontSize: 12,
    titleFontWeight: "normal",
    gridColor: "#e8e8e8",
    domainColor: "#888",
    tickColor: "#888",
    labelColor: "#333",
    titleColor: "#222",
  },
  legend: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: "normal", labelLimit: 220 },
  header: { labelFontSize: 12, titleFontSize: 12, titleFontWeight: "normal" },
  view: { stroke: "#bbb" },
  range: { category: ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"] },
} as const;

type VL = Record<string, unknown>;

function scaleOf(a: Axis): VL {
  // log axes hug the data (a "nice" log domain can add a decade of empty space on each side)
  const s: VL = a.log ? { type: "log", nice: false, padding: a.domain ? 0 : 14 } : { type: "linear", zero: !!a.zero, nice: !a.domain };
  if (a.domain) s.domain = a.domain;
  return s;
}

function xy(field: string, a: Axis, extra: VL = {}): VL {
  return { field, type: "quantitative", title: a.label, scale: scaleOf(a), axis: { format: a.log ? "~g" : undefined, grid: true }, ...extra };
}

function dims(f: FigureBase, w: number, h: number): { width: number; height: number } {
  return { width: f.width ?? w, height: f.height ?? h };
}

function lineSpec(f: LineFigure): VL {
  const rows: VL[] = [];
  for (const s of f.series) {
    const mark = s.mark ?? "line";
    for (let i = 0; i < s.x.length; i++) {
      const x = s.x[i];
      const y = s.y[i];
      if (!keep(x, f.x) || !keep(y, f.y)) continue;
      const r: VL = { x, y, series: s.name, color: s.color ?? s.name, dash: s.dash ?? "", mark, panel: s.panel ?? "" };
      if (s.yErr && Number.isFinite(s.yErr[i])) {
        let lo = y - s.yErr[i];
        if (f.y.log && !(lo > 0)) lo = y / 10;
        r.lo = lo;
        r.hi = y + s.yErr[i];
      }
      rows.push(r);
    }
  }
  const hasDash = f.series.some((s) => s.dash !== undefined);
  const color = { field: "color", type: "nominal", title: f.colorTitle ?? null, sort: null };
  const layers: VL[] = [
    {
      transform: [{ filter: "datum.mark !== 'points'" }],
      mark: { type: "line", strokeWidth: 2, clip: true },
      encoding: {
        x: xy("x", f.x),
        y: xy("y", f.y),
        color,
        detail: { field: "series" },
        ...(hasDash ? { strokeDash: { field: "dash", type: "nominal", title: f.dashTitle ?? null, sort: null } } : {}),
        order: { field: "x", type: "quantitative" },
      },
    },
    {
      transform: [{ filter: "isValid(datum.lo)" }],
      mark: { type: "rule", strokeWidth: 1.2, clip: true },
      encoding: { x: xy("x", f.x), y: xy("lo", f.y), y2: { field: "hi" }, color },
    },
    {
      transform: [{ filter: "datum.mark !== 'line'" }],
      mark: { type: "point", filled: true, size: 36, opacity: 1, clip: true },
      encoding: { x: xy("x", f.x), y: xy("y", f.y), color },
    },
  ];
  const present = [rows.some((r) => r.mark !== "points"), rows.some((r) => r.lo !== undefined), rows.some((r) => r.mark !== "line")];
  const used = layers.filter((_, i) => present[i]);
  const { width, height } = dims(f, f.series.some((s) => s.panel) ? 320 : 480, f.series.some((s) => s.panel) ? 260 : 300);
  if (f.series.some((s) => s.panel !== undefined)) {
    const order = [...new Set(f.series.map((s) => s.panel as string))];
    return {
      data: { values: rows },
      facet: { column: { field: "panel", type: "nominal", title: f.panelTitle ?? null, sort: order, header: { labelFontSize: 13 } } },
      spec: { width, height, layer: used },
      resolve: { scale: { x: "shared", y: "shared" } },
    };
  }
  return { data: { values: rows }, width, height, layer: used };
}

function scatterSpec(f: ScatterFigure): VL {
  const rows: VL[] = [];
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const g of f.groups) {
    for (let i = 0; i < g.x.length; i++) {
      const x = g.x[i];
      const y = g.y[i];
      if (!keep(x, f.x) || !keep(y, f.y)) continue;
      lo = Math.min(lo, x, y);
      hi = Math.max(hi, x, y);
      const r: VL = { x, y, group: g.name };
      if (g.yErr && Number.isFinite(g.yErr[i])) {
        r.lo = f.y.log && !(y - g.yErr[i] > 0) ? y / 10 : y - g.yErr[i];
        r.hi = y + g.yErr[i];
      }
      rows.push(r);
    }
  }
  const color = { field: "group", type: "nominal", title: f.colorTitle ?? null, sort: null, legend: f.groups.length > 1 ? {} : null };
  const layers: VL[] = [];
  if (f.identity && Number.isFinite(lo)) {
    layers.push({
      data: {
        values: [
          { x: lo, y: lo },
          { x: hi, y: hi },
        ],
      },
      mark: { type: "line", color: "#555", strokeDash: [5, 4], strokeWidth: 1.2, clip: true },
      encoding: { x: xy("x", f.x), y: xy("y", f.y) },
    });
  }
  if (rows.some((r) => r.lo !== undefined))
    layers.push({
      transform: [{ filter: "isValid(datum.lo)" }],
      mark: { type: "rule", opacity: 0.5, clip: true },
      encoding: { x: xy("x", f.x), y: xy("lo", f.y), y2: { field: "hi" }, color },
    });
  const size = rows.length <= 60 ? 56 : rows.length <= 400 ? 30 : 16;
  layers.push({ mark: { type: "point", filled: true, size, opacity: 0.8, clip: true }, encoding: { x: xy("x", f.x), y: xy("y", f.y), color } });
  const { width, height } = dims(f, 380, 380);
  return { data: { values: rows }, width, height, layer: layers };
}

function colorScale(c: ColorScale, lo: number, hi: number): VL {
  const s: VL = { scheme: c.scheme ?? "viridis", domain: c.domain ?? [lo, hi], reverse: !!c.reverse, nice: false, clamp: true };
  if (c.log) s.type = "log";
  else s.zero = false;
  if (c.mid !== undefined) s.domainMid = c.mid;
  return s;
}

/** The extent of the finite values of `a` (positive ones only when `positive`); [0, 1] when there are none. */
export function finiteExtent(a: ArrayLike<number>, positive = false): [number, number] {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (!Number.isFinite(v) || (positive && !(v > 0))) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!Number.isFinite(lo)) return [0, 1];
  if (lo === hi) return positive ? [lo / 2, hi * 2] : [lo - 0.5, hi + 0.5];
  return [lo, hi];
}

/** The URL a heatmap's SVG uses for its raster (the PNG beside it); the report swaps in a data URI. */
export function heatmapImageName(f: HeatmapFigure): string {
  return `${f.id}.png`;
}

function heatmapSpec(f: HeatmapFigure): VL {
  const [lo, hi] = f.color.domain ?? finiteExtent(f.matrix);
  const side = 440;
  const aspect = f.cols / f.rows;
  const width = f.width ?? Math.round(aspect >= 1 ? side : side * aspect);
  const height = f.height ?? Math.round(aspect >= 1 ? side / aspect : side);
  const axis = (n: number, title: string): VL => {
    if (!f.groups) return { title, grid: false };
    const centres = f.groups.starts.map((s, i) => (s + (f.groups!.starts[i + 1] ?? n)) / 2);
    const expr = centres.map((c, i) => `datum.value === ${c} ? ${JSON.stringify(f.groups!.labels[i])} : `).join("") + "''";
    return { title: f.groups.title ? `${title} (${f.groups.title})` : title, grid: false, values: centres, labelExpr: expr, ticks: false, labelFontSize: 12 };
  };
  const layers: VL[] = [
    {
      data: { values: [{ x: 0, y: 0, url: heatmapImageName(f) }] },
      mark: { type: "image", width, height, aspect: false, align: "left", baseline: "top", aria: false },
      encoding: {
        x: { field: "x", type: "quantitative", scale: { domain: [0, f.cols], nice: false, zero: false }, axis: axis(f.cols, f.xLabel ?? "column") },
        y: { field: "y", type: "quantitative", scale: { domain: [0, f.rows], nice: false, zero: false, reverse: true }, axis: axis(f.rows, f.yLabel ?? "row") },
        url: { field: "url", type: "nominal" },
      },
    },
    {
      data: { values: [{ v: lo }, { v: hi }] },
      mark: { type: "square", opacity: 0, aria: false },
      encoding: {
        color: {
          field: "v",
          type: "quantitative",
          title: f.color.label,
          scale: colorScale(f.color, lo, hi),
          legend: { gradientLength: Math.max(120, Math.round(height * 0.7)), format: "~g" },
        },
      },
    },
  ];
  if (f.groups && f.groups.starts.length > 1) {
    const b = f.groups.starts.slice(1).map((s) => ({ b: s }));
    const rule = { type: "rule", color: "white", strokeWidth: 1.5, opacity: 0.9 };
    layers.push(
      { data: { values: b }, mark: rule, encoding: { x: { field: "b", type: "quantitative" } } },
      { data: { values: b }, mark: rule, encoding: { y: { field: "b", type: "quantitative" } } },
    );
  }
  return { width, height, layer: layers, resolve: { scale: { color: "independent" } } };
}

/** Cell edges of a grid: midpoints between values (geometric on a log axis), half a step beyond the ends. */
export function cellEdges(v: readonly number[], log = false): number[] {
  const t = log ? v.map(Math.log) : [...v];
  const e: number[] = [t[0] - (t[1] - t[0]) / 2];
  for (let i = 1; i < t.length; i++) e.push((t[i - 1] + t[i]) / 2);
  e.push(t[t.length - 1] + (t[t.length - 1] - t[t.length - 2]) / 2);
  return log ? e.map(Math.exp) : e;
}

function grow(a: number, b: number, log?: boolean): number {
  return log ? b * (b / a) ** 0.03 : b + 0.03 * (b - a);
}

function phaseSpec(f: PhaseFigure): VL {
  const xs = f.x.values;
  const ys = f.y.values;
  const xe = cellEdges(xs, f.x.log);
  const ye = cellEdges(ys, f.y.log);
  const cells: VL[] = [];
  const bad: VL[] = [];
  for (let i = 0; i < ys.length; i++) {
    for (let j = 0; j < xs.length; j++) {
      const z = f.z[i * xs.length + j];
      // each cell overlaps its right/upper neighbour by 3% so that no anti-aliasing seam shows between cells
      const c = { x0: xe[j], x1: grow(xe[j], xe[j + 1], f.x.log), y0: ye[i], y1: grow(ye[i], ye[i + 1], f.y.log) };
      if (Number.isFinite(z) && (!f.color.log || z > 0)) cells.push({ ...c, z });
      else bad.push({ ...c, what: f.invalidLabel ?? "undefined" });
    }
  }
  const [lo, hi] = f.color.domain ?? finiteExtent(f.z, !!f.color.log);
  const xAxis: Axis = { ...f.x, domain: f.x.domain ?? [xe[0], xe[xe.length - 1]] };
  const yAxis: Axis = { ...f.y, domain: f.y.domain ?? [ye[0], ye[ye.length - 1]] };
  const pos = {
    x: xy("x0", xAxis, { axis: { grid: false, format: f.x.log ? "~g" : undefined } }),
    x2: { field: "x1" },
    y: xy("y0", yAxis, { axis: { grid: false, format: f.y.log ? "~g" : undefined } }),
    y2: { field: "y1" },
  };
  const layers: VL[] = [
    {
      data: { values: cells },
      mark: { type: "rect", strokeWidth: 0, clip: true },
      encoding: { ...pos, color: { field: "z", type: "quantitative", title: f.color.label, scale: colorScale(f.color, lo, hi), legend: { format: "~g" } } },
    },
  ];
  if (bad.length) {
    layers.push({
      data: { values: bad },
      mark: { type: "rect", strokeWidth: 0, clip: true },
      encoding: { ...pos, fill: { field: "what", type: "nominal", title: null, scale: { range: ["#c8c8c8"] } } },
    });
  }
  const lineRows: VL[] = [];
  for (const l of f.lines) {
    for (let i = 0; i < l.x.length; i++) if (keep(l.x[i], f.x) && keep(l.y[i], f.y)) lineRows.push({ lx: l.x[i], ly: l.y[i], name: l.name, i });
  }
  if (lineRows.length) {
    layers.push({
      data: { values: lineRows },
      mark: { type: "line", color: "black", strokeWidth: 2.2, clip: true },
      encoding: {
        x: xy("lx", xAxis, { axis: { grid: false, format: f.x.log ? "~g" : undefined } }),
        y: xy("ly", yAxis, { axis: { grid: false, format: f.y.log ? "~g" : undefined } }),
        strokeDash: { field: "name", type: "nominal", title: null, sort: null },
        order: { field: "i", type: "quantitative" },
      },
    });
  }
  const { width, height } = dims(f, 420, 340);
  return { width, height, layer: layers, resolve: { scale: { color: "independent", fill: "independent" } } };
}

/**
 * The Vega-Lite spec of a figure (without data URIs; a heatmap's image is referenced by
 * {@link heatmapImageName}). Axis titles come from the spec's axes; the figure title is left to the
 * report's caption.
 */
export function toVegaLite(f: FigureSpec): VL {
  const body = f.kind === "line" ? lineSpec(f) : f.kind === "scatter" ? scatterSpec(f) : f.kind === "heatmap" ? heatmapSpec(f) : phaseSpec(f);
  return { $schema: "https://vega.github.io/schema/vega-lite/v6.json", config: VEGA_CONFIG, ...body };
}
