/**
 * Figure specs → files: Vega-Lite is compiled by `vega-lite` and rendered to an SVG string by `vega`
 * in Node (headless, `renderer: "none"`); heatmaps additionally get a PNG raster (one pixel per
 * matrix entry, coloured with the very interpolator Vega uses for the legend), which their SVG
 * references by file name and the HTML report inlines as a data URI.
 *
 * @module
 */
import { PNG } from "pngjs";
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import { type ColorScale, type FigureSpec, finiteExtent, type HeatmapFigure, heatmapImageName, toVegaLite } from "./figures.js";

/** A figure rendered to files. */
export interface RenderedFigure {
  id: string;
  kind: FigureSpec["kind"];
  title: string;
  caption: string;
  claim?: string;
  /** A standalone SVG document (a heatmap's references `pngName`). */
  svg: string;
  /** The raster of a heatmap (PNG bytes). */
  png?: Buffer;
  /** The file name the SVG references for `png`. */
  pngName?: string;
  /** Warnings of the Vega-Lite compiler (e.g. a property it dropped). */
  warnings: string[];
}

/** Parses "rgb(r, g, b)" or "#rrggbb" into [r, g, b]. */
function parseColor(c: string): [number, number, number] {
  const m = /^rgb\(\s*(\d+),\s*(\d+),\s*(\d+)\s*\)$/.exec(c);
  if (m) return [Number(m[1]), Number(m[2]), Number(m[3])];
  const h = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(c);
  if (h) return [Number.parseInt(h[1], 16), Number.parseInt(h[2], 16), Number.parseInt(h[3], 16)];
  throw new Error(`render: cannot parse colour '${c}'`);
}

/**
 * value ↦ [r, g, b] for a colour scale: Vega's interpolator of the scheme over [lo, hi] (piecewise
 * [lo, mid] → [0, ½], [mid, hi] → [½, 1] for a diverging scale with `mid`), as a 1024-entry table.
 */
export function colorMap(c: ColorScale, lo: number, hi: number): (v: number) => [number, number, number] | null {
  const interp = vega.scheme(c.scheme ?? "viridis") as ((t: number) => string) | undefined;
  if (typeof interp !== "function") throw new Error(`render: unknown colour scheme '${c.scheme}'`);
  const N = 1024;
  const lut: [number, number, number][] = [];
  for (let i = 0; i < N; i++) {
    const t = i / (N - 1);
    lut.push(parseColor(interp(c.reverse ? 1 - t : t)));
  }
  const mid = c.mid;
  return (v: number) => {
    if (!Number.isFinite(v)) return null;
    let t: number;
    if (mid !== undefined && lo < mid && mid < hi) t = v <= mid ? (0.5 * (v - lo)) / (mid - lo) : 0.5 + (0.5 * (v - mid)) / (hi - mid);
    else t = hi > lo ? (v - lo) / (hi - lo) : 0.5;
    t = Math.min(1, Math.max(0, t));
    return lut[Math.round(t * (N - 1))];
  };
}

/** The raster of a heatmap: cols×rows pixels, pixel (j, i) = colour of matrix[i·cols + j]; non-finite → transparent. */
export function heatmapPng(f: HeatmapFigure): Buffer {
  const [lo, hi] = f.color.domain ?? finiteExtent(f.matrix);
  const map = colorMap(f.color, lo, hi);
  const png = new PNG({ width: f.cols, height: f.rows });
  const d = png.data;
  let opaque = true;
  for (let i = 0; i < f.rows * f.cols; i++) {
    const c = map(f.matrix[i]);
    const o = 4 * i;
    if (c) {
      d[o] = c[0];
      d[o + 1] = c[1];
      d[o + 2] = c[2];
      d[o + 3] = 255;
    } else {
      d[o + 3] = 0;
      opaque = false;
    }
  }
  // RGB when every entry is finite (a quarter smaller), RGBA otherwise
  return PNG.sync.write(png, { colorType: opaque ? 2 : 6, inputHasAlpha: true, deflateLevel: 9 });
}

/**
 * Makes the ids of an SVG unique within a page holding many SVGs, and deterministic: the k-th id with
 * stem `clip` (Vega numbers its clip paths and gradients with a process-wide counter: `clip7`,
 * `gradient_3`) becomes `<prefix>-clip<k>`, and the references `url(#…)` and `href="#…"` follow.
 */
export function prefixSvgIds(svg: string, prefix: string): string {
  const map = new Map<string, string>();
  const perStem = new Map<string, number>();
  for (const m of svg.matchAll(/\sid="([^"]+)"/g)) {
    if (map.has(m[1])) continue;
    const stem = m[1].replace(/\d+$/, "");
    const k = perStem.get(stem) ?? 0;
    perStem.set(stem, k + 1);
    map.set(m[1], `${prefix}-${stem}${k}`);
  }
  if (map.size === 0) return svg;
  return svg
    .replace(/(\sid=")([^"]+)"/g, (_, a, id) => `${a}${map.get(id)}"`)
    .replace(/url\(#([^)]+)\)/g, (all, id) => (map.has(id) ? `url(#${map.get(id)})` : all))
    .replace(/(href=")#([^"]+)"/g, (all, a, id) => (map.has(id) ? `${a}#${map.get(id)}"` : all));
}

/** Compiles a Vega-Lite spec and renders it to an SVG string (headless); compiler warnings are collected, not printed. */
export async function vegaLiteToSvg(spec: Record<string, unknown>, warnings: string[] = []): Promise<string> {
  let lvl = 0;
  const logger = {
    level(l?: number) {
      if (l === undefined) return lvl;
      lvl = l;
      return logger;
    },
    warn: (...a: unknown[]) => {
      warnings.push(a.map(String).join(" "));
      return logger;
    },
    info: () => logger,
    debug: () => logger,
    error: (...a: unknown[]) => {
      throw new Error(`vega-lite: ${a.map(String).join(" ")}`);
    },
  };
  // biome-ignore lint/suspicious/noExplicitAny: vega-lite's logger interface is loosely typed
  const vg = compile(spec as unknown as TopLevelSpec, { logger: logger as any }).spec;
  const view = new vega.View(vega.parse(vg), { renderer: "none", logLevel: vega.Error });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * Renders a figure spec: its SVG (ids prefixed with `idPrefix`, default the figure id) and, for a
 * heatmap, its PNG raster. A heatmap's `<image>` is drawn with `image-rendering: pixelated`, so each
 * matrix entry stays a crisp square when enlarged.
 */
export async function renderFigure(f: FigureSpec, opts: { idPrefix?: string } = {}): Promise<RenderedFigure> {
  const warnings: string[] = [];
  let svg = await vegaLiteToSvg(toVegaLite(f), warnings);
  svg = prefixSvgIds(svg, opts.idPrefix ?? f.id);
  const base = { id: f.id, kind: f.kind, title: f.title, caption: f.caption, claim: f.claim, warnings };
  if (f.kind !== "heatmap") return { ...base, svg };
  svg = svg.replace(/<image /g, '<image style="image-rendering:pixelated" ');
  return { ...base, svg, png: heatmapPng(f), pngName: heatmapImageName(f) };
}

/** An SVG with its raster reference replaced by the PNG's data URI (for inlining in the HTML report). */
export function inlineRaster(svg: string, pngName: string, png: Buffer): string {
  const uri = `data:image/png;base64,${png.toString("base64")}`;
  return svg.split(`href="${pngName}"`).join(`href="${uri}"`);
}
