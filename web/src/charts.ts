/**
 * The explorer's figures: Vega-Lite specifications (compiled and drawn by vega-embed, whose action
 * menu exports SVG and PNG) and a small wrapper that swaps named data sets in place, so that a
 * parameter change re-runs the dataflow instead of rebuilding the view.
 *
 * Heatmaps (the kernel K and the χ1 phase diagram) are rasters: the values are painted into an
 * ImageData, one pixel per entry, and shown as a Vega-Lite `image` mark on data-space scales; a
 * transparent layer carries the colour scale so that the legend matches the raster's colour map.
 */
import * as vega from "vega";
import embed, { type Result, type VisualizationSpec } from "vega-embed";

const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';

/** Shared look: quiet grids, readable labels. */
export const CONFIG = {
  font: FONT,
  background: "#ffffff",
  padding: 6,
  view: { stroke: "#d0d4da" },
  axis: {
    labelFontSize: 11,
    titleFontSize: 12,
    titleFontWeight: 500,
    titleColor: "#222",
    labelColor: "#333",
    gridColor: "#eceff3",
    domainColor: "#8a9099",
    tickColor: "#8a9099",
  },
  legend: { labelFontSize: 11, titleFontSize: 11, titleFontWeight: 500, orient: "bottom", direction: "horizontal" },
  line: { strokeWidth: 2 },
} as const;

export const COLORS = { main: "#1f5f9f", accent: "#d62728", bias: "#e08214", variance: "#4d9a45", gp: "#7a7f87", light: "#9aa3ad" };

type Rows = Record<string, unknown>[];

/** Plot-area size of the line charts (px). */
const W = 285;
const H = 210;

/** A mounted Vega view with named data sets that can be replaced. */
export class Chart {
  result: Result | null = null;
  private readonly current: Record<string, Rows> = {};

  constructor(
    readonly el: HTMLElement,
    readonly fileName: string,
  ) {}

  /** Embeds a spec (replacing any previous view) and fills its named data sets. */
  async mount(spec: VisualizationSpec, data: Record<string, Rows> = {}): Promise<void> {
    this.result?.finalize();
    this.result = await embed(this.el, { ...(spec as object), config: CONFIG } as VisualizationSpec, {
      renderer: "canvas",
      actions: { export: true, source: false, compiled: false, editor: false },
      downloadFileName: this.fileName,
      tooltip: { theme: "light" },
      logLevel: vega.Error,
    });
    for (const [k, v] of Object.entries({ ...this.current, ...data })) this.current[k] = v;
    await this.set(this.current);
  }

  get view(): vega.View | null {
    return this.result ? this.result.view : null;
  }

  /** Replaces named data sets and re-runs the view. */
  async set(data: Record<string, Rows>): Promise<void> {
    const view = this.view;
    for (const [k, v] of Object.entries(data)) this.current[k] = v;
    if (!view) return;
    for (const [k, v] of Object.entries(data)) view.data(k, v);
    // New data can change the axes' extents: let autosize ("pad") lay the view out again.
    view.resize();
    await view.runAsync();
  }

  /** The rows of a named data set as last set. */
  rows(name: string): Rows {
    return this.current[name] ?? [];
  }
}

/**
 * Labels of a log axis: only ticks at 1, 2 and 5 × 10^k (the others stay unlabelled), as plain numbers
 * within [1e-3, 1e4) and as 1e-6 otherwise.
 */
const LOG_LABELS =
  "(abs(datum.value / pow(10, floor(log(datum.value) / LN10 + 1e-9)) - 1) < 1e-6 || abs(datum.value / pow(10, floor(log(datum.value) / LN10 + 1e-9)) - 2) < 1e-6 || abs(datum.value / pow(10, floor(log(datum.value) / LN10 + 1e-9)) - 5) < 1e-6) ? (datum.value >= 0.001 && datum.value < 10000 ? format(datum.value, '~g') : replace(format(datum.value, '.0e'), 'e+', 'e')) : ''";

/** Labels of a log axis spanning many decades: powers of ten only. */
const DECADE_LABELS =
  "abs(log(datum.value) / LN10 - round(log(datum.value) / LN10)) < 1e-6 ? (datum.value >= 0.001 && datum.value < 10000 ? format(datum.value, '~g') : replace(format(datum.value, '.0e'), 'e+', 'e')) : ''";

const hoverParam = (fields: string[]) => ({
  name: "hover",
  select: { type: "point", on: "pointerover", nearest: true, fields, clear: "pointerout" },
});

/** Q* against T (log), with the N1 → ∞ value Q = 1 and the current T. */
export function qStarSpec(): VisualizationSpec {
  const x = {
    field: "T",
    type: "quantitative",
    scale: { type: "log" },
    axis: { title: "temperature T (log scale)", labelExpr: DECADE_LABELS, labelOverlap: true },
  };
  const y = { field: "Q", type: "quantitative", scale: { zero: false, nice: true }, axis: { title: "order parameter Q*" } };
  const tooltip = [
    { field: "T", type: "quantitative", title: "T", format: ".4~g" },
    { field: "Q", type: "quantitative", title: "Q*", format: ".5~g" },
    { field: "N1", type: "quantitative", title: "N₁", format: ".4~g" },
  ];
  return {
    width: W,
    height: H,
    layer: [
      {
        data: { values: [{ Q: 1, label: "N₁ → ∞" }] },
        mark: { type: "rule", strokeDash: [5, 4], color: COLORS.gp },
        encoding: { y: { field: "Q", type: "quantitative" } },
      },
      { data: { name: "qcurve" }, mark: { type: "line", color: COLORS.main }, encoding: { x, y } },
      {
        data: { name: "qcurve" },
        params: [hoverParam(["T"])],
        mark: { type: "point", filled: true, color: COLORS.main, size: 40 },
        encoding: { x, y, opacity: { condition: { param: "hover", empty: false, value: 1 }, value: 0 }, tooltip },
      },
      {
        data: { name: "qcurrent" },
        mark: { type: "point", filled: true, color: COLORS.accent, size: 90, stroke: "white", strokeWidth: 1 },
        encoding: { x, y, tooltip },
      },
    ],
  } as VisualizationSpec;
}

/** Test loss (and its bias² / variance split) against N1 or α = P/N1. */
export function lossSpec(xAxis: "N1" | "alpha"): VisualizationSpec {
  const x =
    xAxis === "N1"
      ? {
          field: "N1",
          type: "quantitative",
          scale: { type: "log" },
          axis: { title: "hidden-layer width N₁ (log scale)", labelExpr: DECADE_LABELS, labelOverlap: true },
        }
      : {
          field: "alpha",
          type: "quantitative",
          scale: { type: "log" },
          axis: { title: "load α = P / N₁ (log scale)", labelExpr: DECADE_LABELS, labelOverlap: true },
        };
  const y = { field: "value", type: "quantitative", scale: { type: "log" }, axis: { title: "test loss (mean squared error)", labelExpr: LOG_LABELS } };
  const color = {
    field: "quantity",
    type: "nominal",
    scale: { domain: ["ε_g = bias² + variance", "bias²", "variance"], range: [COLORS.main, COLORS.bias, COLORS.variance] },
    legend: { title: null },
  };
  const tooltip = [
    { field: "quantity", type: "nominal", title: "quantity" },
    { field: "value", type: "quantitative", title: "value", format: ".5~g" },
    { field: "N1", type: "quantitative", title: "N₁", format: ".4~g" },
    { field: "alpha", type: "quantitative", title: "α = P/N₁", format: ".4~g" },
    { field: "Q", type: "quantitative", title: "Q*", format: ".5~g" },
  ];
  return {
    width: W,
    height: H,
    layer: [
      {
        data: { name: "gplimit" },
        mark: { type: "rule", strokeDash: [5, 4], color: COLORS.gp },
        encoding: {
          y: { field: "value", type: "quantitative" },
          tooltip: [
            { field: "label", type: "nominal", title: "line" },
            { field: "value", type: "quantitative", title: "ε_g", format: ".5~g" },
          ],
        },
      },
      {
        data: { name: "loss" },
        mark: { type: "line" },
        encoding: {
          x,
          y,
          color,
          strokeDash: {
            field: "dash",
            type: "nominal",
            legend: null,
            scale: {
              domain: [0, 1],
              range: [
                [1, 0],
                [4, 2],
              ],
            },
          },
        },
      },
      {
        data: { name: "loss" },
        params: [hoverParam(["N1", "quantity"])],
        mark: { type: "point", filled: true, size: 36 },
        encoding: { x, y, color, opacity: { condition: { param: "hover", empty: false, value: 1 }, value: 0 }, tooltip },
      },
      {
        data: { name: "losscurrent" },
        mark: { type: "point", filled: true, color: COLORS.accent, size: 90, stroke: "white", strokeWidth: 1 },
        encoding: { x, y, tooltip },
      },
    ],
  } as VisualizationSpec;
}

/** Test predictions against targets: finite-N1 (renormalised) and N1 → ∞ (NNGP). */
export function predictionSpec(discrete: boolean): VisualizationSpec {
  const x = {
    field: "xj",
    type: "quantitative",
    scale: { zero: false, nice: true },
    axis: { title: discrete ? "target y₀ (points spread horizontally)" : "target y₀" },
  };
  const y = { field: "mean", type: "quantitative", scale: { zero: false, nice: true }, axis: { title: "prediction ⟨f(x₀)⟩" } };
  const color = {
    field: "series",
    type: "nominal",
    scale: { domain: ["renormalised (finite N₁)", "NNGP (N₁ → ∞)"], range: [COLORS.main, "#8c939c"] },
    legend: { title: null },
  };
  const tooltip = [
    { field: "i", type: "quantitative", title: "test point" },
    { field: "series", type: "nominal", title: "theory" },
    { field: "target", type: "quantitative", title: "target y₀", format: ".4~g" },
    { field: "mean", type: "quantitative", title: "⟨f(x₀)⟩", format: ".4~g" },
    { field: "sd", type: "quantitative", title: "posterior s.d.", format: ".3~g" },
  ];
  return {
    width: W,
    height: H,
    layer: [
      {
        data: { name: "diag" },
        mark: { type: "line", color: "#b8bec6", strokeDash: [3, 3], strokeWidth: 1 },
        encoding: { x: { field: "v", type: "quantitative" }, y: { field: "v", type: "quantitative" } },
      },
      {
        data: { name: "pred" },
        transform: [{ filter: "datum.series !== 'NNGP (N₁ → ∞)'" }],
        mark: { type: "rule", color: COLORS.main, opacity: 0.25 },
        encoding: { x, y: { field: "lo", type: "quantitative" }, y2: { field: "hi" } },
      },
      {
        data: { name: "pred" },
        transform: [{ filter: "datum.series === 'NNGP (N₁ → ∞)'" }],
        mark: { type: "point", filled: false, size: 26, strokeWidth: 1, opacity: 0.9 },
        encoding: { x, y, color, tooltip },
      },
      {
        data: { name: "pred" },
        transform: [{ filter: "datum.series !== 'NNGP (N₁ → ∞)'" }],
        mark: { type: "point", filled: true, size: 20, opacity: 0.8 },
        encoding: { x, y, color, tooltip },
      },
    ],
  } as VisualizationSpec;
}

/** A raster heatmap: the image spans [x0, x1] × [y0, y1] in data units; `legend` holds the colour domain. */
export function rasterSpec(o: {
  xTitle: string;
  yTitle: string;
  colorTitle: string;
  scheme: string;
  domainMid?: number;
  reverseY: boolean;
  size: number;
  /** d3 format of the axis labels (default: Vega's). */
  format?: string;
  overlays?: object[];
}): VisualizationSpec {
  const fmt = o.format ? { format: o.format } : {};
  const xs = { zero: false, nice: false };
  const ys = { zero: false, nice: false, reverse: o.reverseY };
  return {
    width: o.size,
    height: o.size,
    layer: [
      {
        data: { name: "img" },
        mark: { type: "image", aspect: false, smooth: false },
        encoding: {
          x: { field: "x0", type: "quantitative", scale: xs, axis: { title: o.xTitle, grid: false, labelOverlap: true, ...fmt } },
          x2: { field: "x1" },
          y: { field: "y0", type: "quantitative", scale: ys, axis: { title: o.yTitle, grid: false, ...fmt } },
          y2: { field: "y1" },
          url: { field: "url", type: "nominal" },
        },
      },
      ...(o.overlays ?? []),
      {
        data: { name: "legend" },
        mark: { type: "square", opacity: 0, size: 0 },
        encoding: {
          color: {
            field: "v",
            type: "quantitative",
            scale: { scheme: o.scheme, ...(o.domainMid !== undefined ? { domainMid: o.domainMid } : {}), zero: false, nice: false },
            legend: { title: o.colorTitle, gradientLength: Math.round(o.size * 0.7), format: "~g" },
          },
        },
      },
    ],
  } as VisualizationSpec;
}

/** Eigenvalues κ_i of K and target power ỹ_i² (log–log, independent y axes). */
export function spectrumSpec(): VisualizationSpec {
  const x = {
    field: "i",
    type: "quantitative",
    scale: { type: "log" },
    axis: { title: "eigenvalue rank i (log scale)", labelExpr: DECADE_LABELS, labelOverlap: true },
  };
  const tooltip = [
    { field: "i", type: "quantitative", title: "rank i" },
    { field: "kappa", type: "quantitative", title: "κ_i", format: ".4~g" },
    { field: "y2", type: "quantitative", title: "ỹ_i²", format: ".4~g" },
    { field: "cum", type: "quantitative", title: "cumulative target power", format: ".1%" },
  ];
  return {
    width: W,
    height: H,
    layer: [
      {
        data: { name: "spec" },
        transform: [{ filter: "datum.kappa > 0" }],
        mark: { type: "line", color: COLORS.main },
        encoding: {
          x,
          y: {
            field: "kappa",
            type: "quantitative",
            scale: { type: "log" },
            axis: { title: "eigenvalue κ_i", titleColor: COLORS.main, labelExpr: DECADE_LABELS },
          },
        },
      },
      {
        data: { name: "spec" },
        transform: [{ filter: "datum.y2 > 0" }],
        mark: { type: "point", filled: true, size: 10, color: COLORS.bias, opacity: 0.55 },
        encoding: {
          x,
          y: {
            field: "y2",
            type: "quantitative",
            scale: { type: "log" },
            axis: { title: "target power ỹ_i²", titleColor: COLORS.bias, orient: "right", labelExpr: DECADE_LABELS, grid: false },
          },
          tooltip,
        },
      },
    ],
    resolve: { scale: { y: "independent" } },
  } as VisualizationSpec;
}

/** 256 RGB colours of a Vega colour scheme, sampled on [0, 1]. */
export function colorTable(scheme: string): Uint8ClampedArray {
  const interp = vega.scheme(scheme) as ((t: number) => string) | undefined;
  if (typeof interp !== "function") throw new Error(`unknown continuous colour scheme ${scheme}`);
  const c = document.createElement("canvas");
  c.width = 256;
  c.height = 1;
  const ctx = c.getContext("2d") as CanvasRenderingContext2D;
  for (let i = 0; i < 256; i++) {
    ctx.fillStyle = interp(i / 255);
    ctx.fillRect(i, 0, 1, 1);
  }
  return ctx.getImageData(0, 0, 256, 1).data;
}

/**
 * Paints a w×h row-major array into a PNG data URL, one pixel per entry: t = (v − lo)/(hi − lo)
 * clamped to [0, 1] indexes the colour table; null/NaN entries are light grey.
 */
export function rasterUrl(values: ArrayLike<number | null>, w: number, h: number, lo: number, hi: number, table: Uint8ClampedArray, flipY = false): string {
  const c = document.createElement("canvas");
  c.width = w;
  c.height = h;
  const ctx = c.getContext("2d") as CanvasRenderingContext2D;
  const img = ctx.createImageData(w, h);
  const px = img.data;
  const span = hi > lo ? hi - lo : 1;
  for (let r = 0; r < h; r++) {
    const src = (flipY ? h - 1 - r : r) * w;
    for (let col = 0; col < w; col++) {
      const v = values[src + col];
      const o = (r * w + col) * 4;
      if (v === null || v === undefined || Number.isNaN(v)) {
        px[o] = 215;
        px[o + 1] = 218;
        px[o + 2] = 222;
      } else {
        const t = Math.min(255, Math.max(0, Math.round(((v - lo) / span) * 255))) * 4;
        px[o] = table[t];
        px[o + 1] = table[t + 1];
        px[o + 2] = table[t + 2];
      }
      px[o + 3] = 255;
    }
  }
  ctx.putImageData(img, 0, 0);
  return c.toDataURL("image/png");
}

/**
 * Hover values for a raster chart: maps the pointer to data coordinates through the view's x and y
 * scales and shows `lookup(x, y)` (label → value) in a tooltip box; null hides it.
 */
export function rasterTooltip(chart: Chart, lookup: (x: number, y: number) => [string, string][] | null): void {
  const tip = document.createElement("div");
  tip.className = "raster-tip";
  tip.id = `${chart.el.id}-tip`;
  tip.setAttribute("role", "tooltip");
  document.body.appendChild(tip);
  const hide = () => {
    tip.style.display = "none";
  };
  chart.el.addEventListener("pointerleave", hide);
  chart.el.addEventListener("pointermove", (ev) => {
    const view = chart.view;
    const canvas = chart.el.querySelector("canvas");
    if (!view || !canvas) return hide();
    const rect = canvas.getBoundingClientRect();
    const [ox, oy] = view.origin();
    const lx = ev.clientX - rect.left - ox;
    const ly = ev.clientY - rect.top - oy;
    if (lx < 0 || ly < 0 || lx > view.width() || ly > view.height()) return hide();
    const rows = lookup(view.scale("x").invert(lx), view.scale("y").invert(ly));
    if (!rows) return hide();
    tip.replaceChildren(
      ...rows.map(([k, v]) => {
        const tr = document.createElement("div");
        const a = document.createElement("span");
        a.className = "k";
        a.textContent = k;
        const b = document.createElement("span");
        b.textContent = v;
        tr.append(a, b);
        return tr;
      }),
    );
    tip.style.display = "block";
    tip.style.left = `${ev.clientX + window.scrollX + 14}px`;
    tip.style.top = `${ev.clientY + window.scrollY + 12}px`;
  });
}

/** Spring–block load curve 1 − x_ℓ against ℓ, with the frictionless reference. */
export function sbLoadSpec(): VisualizationSpec {
  const x = { field: "l", type: "quantitative", axis: { title: "block index ℓ (layer)", tickMinStep: 1, format: "d" } };
  const y = { field: "load", type: "quantitative", scale: { domain: [0, 1] }, axis: { title: "load 1 − x_ℓ" } };
  const tooltip = [
    { field: "l", type: "quantitative", title: "ℓ" },
    { field: "load", type: "quantitative", title: "1 − x_ℓ", format: ".4~g" },
    { field: "d", type: "quantitative", title: "extension d_ℓ = x_ℓ − x_ℓ₋₁", format: ".4~g" },
  ];
  return {
    width: W,
    height: H,
    layer: [
      { data: { name: "linear" }, mark: { type: "line", color: COLORS.gp, strokeDash: [5, 4], strokeWidth: 1.5 }, encoding: { x, y } },
      { data: { name: "load" }, mark: { type: "line", color: COLORS.main, point: { filled: true, size: 40 } }, encoding: { x, y, tooltip } },
    ],
  } as VisualizationSpec;
}

/** Spring–block trajectories x_ℓ(t), one line per block. */
export function sbTrajSpec(): VisualizationSpec {
  const x = { field: "t", type: "quantitative", axis: { title: "time t", labelOverlap: true, labelFlush: true } };
  const y = { field: "x", type: "quantitative", axis: { title: "position x_ℓ" } };
  const color = { field: "block", type: "ordinal", scale: { scheme: "viridis" }, legend: { title: "block ℓ", orient: "right", direction: "vertical" } };
  return {
    width: W,
    height: H,
    layer: [
      { data: { name: "traj" }, mark: { type: "line", strokeWidth: 1.5 }, encoding: { x, y, color, detail: { field: "block" } } },
      {
        data: { name: "traj" },
        params: [hoverParam(["t", "block"])],
        mark: { type: "point", filled: true, size: 30 },
        encoding: {
          x,
          y,
          color,
          opacity: { condition: { param: "hover", empty: false, value: 1 }, value: 0 },
          tooltip: [
            { field: "block", type: "ordinal", title: "block ℓ" },
            { field: "t", type: "quantitative", title: "t", format: ".4~g" },
            { field: "x", type: "quantitative", title: "x_ℓ", format: ".4~g" },
          ],
        },
      },
    ],
  } as VisualizationSpec;
}
