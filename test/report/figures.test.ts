/**
 * Figure specs → Vega-Lite → SVG: the constructors reject bad input with an InputError naming the
 * figure; every kind renders to well-formed SVG; and snapshot-style structural checks (axis titles,
 * number of marks by Vega's stable mark classes, colours of the raster) that do not break on Vega's
 * version noise (coordinates, ids, attribute order).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { PNG } from "pngjs";
import * as vega from "vega";
import { InputError } from "../../src/engine/errors.js";
import { cellEdges, heatmapFigure, lineFigure, phaseFigure, scatterFigure, toVegaLite } from "../../src/report/figures.js";
import { colorMap, heatmapPng, inlineRaster, prefixSvgIds, renderFigure } from "../../src/report/render.js";

/** A small XML well-formedness check: every tag closes in order, attributes are quoted, one root <svg>. */
function assertWellFormed(svg: string): void {
  const body = svg.replace(/^<\?xml[^>]*\?>\s*/, "");
  assert.match(body, /^<svg[\s>]/);
  const stack: string[] = [];
  let roots = 0;
  for (const m of body.matchAll(/<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"]*")*)\s*(\/?)>/g)) {
    const [, close, name, , selfClose] = m;
    if (close) assert.equal(stack.pop(), name, `</${name}> closes the last open tag`);
    else if (!selfClose) {
      if (stack.length === 0) roots++;
      stack.push(name);
    } else if (stack.length === 0) roots++;
  }
  assert.deepEqual(stack, [], "every tag is closed");
  assert.equal(roots, 1, "one root element");
  // nothing that looks like a tag was left unmatched by the tokenizer (e.g. an unquoted attribute)
  const tags = body.match(/<[^>]*>/g) ?? [];
  const parsed = [...body.matchAll(/<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"]*")*)\s*(\/?)>/g)].length;
  assert.equal(parsed, tags.length, "every tag is well-formed");
}

/** Number of marks inside Vega's mark containers of a class (e.g. "mark-symbol role-mark"). */
function markCount(svg: string, cls: string): number {
  let n = 0;
  for (const m of svg.matchAll(new RegExp(`<g class="${cls}[^"]*"[^>]*>(.*?)</g>`, "g"))) n += (m[1].match(/<(path|line|rect|image)\b/g) ?? []).length;
  return n;
}

const texts = (svg: string) => [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);

const T = [0.001, 0.01, 0.1, 1, 10];
const small = lineFigure({
  id: "loss",
  title: "Test loss",
  caption: "Theory against simulation.",
  x: { label: "temperature T", log: true },
  y: { label: "test loss", log: true },
  series: [
    { name: "theory", x: T, y: [0.02, 0.03, 0.05, 0.1, 0.3] },
    { name: "simulation", x: T, y: [0.021, 0.029, 0.052, 0.098, 0.31], yErr: [0.001, 0.001, 0.002, 0.004, 0.01], mark: "points" },
  ],
});

test("constructors reject bad specs with an InputError naming the figure and the problem", () => {
  const base = { id: "f", title: "t", caption: "c", x: { label: "x" }, y: { label: "y" } };
  const bad: [() => unknown, RegExp][] = [
    [() => lineFigure({ ...base, series: [] }), /figure 'f'.*series is empty/],
    [() => lineFigure({ ...base, id: "Bad Id", series: [{ name: "a", x: [1], y: [1] }] }), /id must be/],
    [() => lineFigure({ ...base, series: [{ name: "a", x: [1, 2], y: [1] }] }), /series 'a'.*y has 1 values, x has 2/],
    [() => lineFigure({ ...base, caption: "", series: [{ name: "a", x: [1], y: [1] }] }), /caption is empty/],
    [
      () =>
        lineFigure({
          ...base,
          series: [
            { name: "a", x: [1], y: [1], panel: "p" },
            { name: "b", x: [1], y: [1] },
          ],
        }),
      /every series has a panel or none/,
    ],
    [() => scatterFigure({ ...base, groups: [{ name: "g", x: [1, 2], y: [1, 2], yErr: [1] }] }), /yErr has 1 values/],
    [() => heatmapFigure({ id: "h", title: "t", caption: "c", matrix: [1, 2, 3], rows: 2, cols: 2, color: { label: "K" } }), /3 entries, expected 2×2/],
    [
      () =>
        heatmapFigure({
          id: "h",
          title: "t",
          caption: "c",
          matrix: [1, 2, 3, 4],
          rows: 2,
          cols: 2,
          color: { label: "K" },
          groups: { labels: ["a", "b"], starts: [0, 5] },
        }),
      /ascend from 0 within/,
    ],
    [() => phaseFigure({ ...base, x: { label: "x", values: [1, 0] }, y: { label: "y", values: [0, 1] }, z: [1, 2, 3, 4], color: { label: "z" } }), /ascending/],
    [() => phaseFigure({ ...base, x: { label: "x", values: [0, 1] }, y: { label: "y", values: [0, 1] }, z: [1, 2, 3], color: { label: "z" } }), /expected 2×2/],
  ];
  for (const [f, re] of bad) assert.throws(f, (e: unknown) => e instanceof InputError && re.test((e as Error).message), String(re));
});

test("line figure: Vega-Lite spec has log scales, axis titles and one layer per mark kind present", () => {
  const vl = toVegaLite(small) as { layer: { mark: { type: string }; encoding: { x: { title: string; scale: { type: string } }; y: { title: string } } }[] };
  assert.deepEqual(
    vl.layer.map((l) => l.mark.type),
    ["line", "rule", "point"],
  );
  for (const l of vl.layer) {
    assert.equal(l.encoding.x.scale.type, "log");
    assert.equal(l.encoding.x.title, "temperature T");
  }
  // only theory lines: no error-bar or point layer
  const linesOnly = toVegaLite(lineFigure({ ...small, series: [small.series[0]] })) as { layer: unknown[] };
  assert.equal(linesOnly.layer.length, 1);
});

test("line figure renders to well-formed SVG with its axis titles, one line, 5 points and 5 error bars", async () => {
  const r = await renderFigure(small);
  assertWellFormed(r.svg);
  assert.deepEqual(r.warnings, []);
  const t = texts(r.svg);
  assert.ok(t.includes("temperature T") && t.includes("test loss"), "axis titles");
  assert.ok(t.includes("theory") && t.includes("simulation"), "legend entries");
  assert.equal(markCount(r.svg, "mark-line role-mark"), 1);
  assert.equal(markCount(r.svg, "mark-symbol role-mark"), 5);
  assert.equal(markCount(r.svg, "mark-rule role-mark"), 5);
  // a point on a log axis must be positive: the non-positive ones are dropped and counted
  const withZero = lineFigure({ ...small, series: [{ name: "s", x: [0, 1, 2], y: [1, 2, 3], mark: "points" }] });
  assert.equal(withZero.dropped, 1);
  assert.equal(markCount((await renderFigure(withZero)).svg, "mark-symbol role-mark"), 2);
});

test("panels: one facet per panel, in the order given", async () => {
  const f = lineFigure({
    ...small,
    id: "panels",
    series: [
      { name: "a", x: T, y: T, panel: "relu" },
      { name: "b", x: T, y: T, panel: "erf" },
    ],
  });
  const r = await renderFigure(f);
  assertWellFormed(r.svg);
  const t = texts(r.svg);
  assert.ok(t.indexOf("relu") >= 0 && t.indexOf("relu") < t.indexOf("erf"), "headers in series order");
  assert.equal(markCount(r.svg, "mark-line role-mark"), 2);
});

test("scatter figure: one point per pair, the diagonal y = x, error bars", async () => {
  const f = scatterFigure({
    id: "sc",
    title: "t",
    caption: "c",
    x: { label: "theory" },
    y: { label: "measured" },
    groups: [{ name: "g", x: [1, 2, 3], y: [1.1, 1.9, 3.05], yErr: [0.1, 0.1, 0.1] }],
  });
  const r = await renderFigure(f);
  assertWellFormed(r.svg);
  assert.equal(markCount(r.svg, "mark-symbol role-mark"), 3);
  assert.equal(markCount(r.svg, "mark-line role-mark"), 1, "the diagonal");
  assert.equal(markCount(r.svg, "mark-rule role-mark"), 3);
  assert.ok(texts(r.svg).includes("theory"));
});

test("heatmap: a PNG with one pixel per entry in the legend's colours, framed by an SVG with axes and class bands", async () => {
  const P = 6;
  const m = new Float64Array(P * P);
  for (let i = 0; i < P; i++) for (let j = 0; j < P; j++) m[i * P + j] = i === j ? 1 : i < 3 === j < 3 ? 0.5 : 0;
  m[1] = Number.NaN;
  const f = heatmapFigure({
    id: "kern",
    title: "t",
    caption: "c",
    matrix: m,
    rows: P,
    cols: P,
    color: { label: "K", scheme: "viridis" },
    groups: { labels: ["zero", "one"], starts: [0, 3], title: "class" },
  });
  const r = await renderFigure(f);
  assertWellFormed(r.svg);
  assert.equal(r.pngName, "kern.png");
  const png = PNG.sync.read(r.png!);
  assert.equal(png.width, P);
  assert.equal(png.height, P);
  const px = (i: number, j: number) => [...png.data.subarray(4 * (i * P + j), 4 * (i * P + j) + 4)];
  const rgb = (c: string) => [...c.matchAll(/\d+/g)].map((x) => Number(x[0]));
  const viridis = vega.scheme("viridis") as (t: number) => string;
  assert.deepEqual(px(0, 0), [...rgb(viridis(1)), 255], "max → top of the scheme");
  assert.deepEqual(px(0, 5), [...rgb(viridis(0)), 255], "min → bottom of the scheme");
  assert.equal(px(0, 1)[3], 0, "NaN → transparent");
  // the SVG frames the raster: one <image> with crisp pixels, class labels, two separator rules, a gradient legend
  assert.equal((r.svg.match(/<image /g) ?? []).length, 1);
  assert.match(r.svg, /<image style="image-rendering:pixelated"[^>]*href="kern\.png"/);
  const t = texts(r.svg);
  assert.ok(t.includes("zero") && t.includes("one") && t.includes("K"));
  assert.equal(markCount(r.svg, "mark-rule role-mark"), 2);
  assert.match(r.svg, /<linearGradient id="kern-gradient_0"/);
  const inl = inlineRaster(r.svg, "kern.png", r.png!);
  assert.match(inl, /href="data:image\/png;base64,iVBORw0KGgo/);
});

test("phase figure: one cell per grid point, grey cells for non-finite values, the critical line over it", async () => {
  const xs = [0.5, 1, 1.5, 2];
  const ys = [0, 0.5, 1];
  const z = Float64Array.from({ length: 12 }, (_, i) => (i === 11 ? Number.NaN : 0.2 * (i % 4) + 0.5));
  const f = phaseFigure({
    id: "phase",
    title: "t",
    caption: "c",
    x: { label: "g_w", values: xs },
    y: { label: "g_b", values: ys },
    z,
    color: { label: "χ₁", scheme: "blueorange", mid: 1, domain: [0, 2] },
    lines: [{ name: "critical line", x: [1, 1.2, 1.5], y: [0, 0.5, 1] }],
    invalidLabel: "diverges",
  });
  const r = await renderFigure(f);
  assertWellFormed(r.svg);
  assert.equal(markCount(r.svg, "mark-rect role-mark"), 12);
  assert.equal(markCount(r.svg, "mark-line role-mark"), 1);
  const t = texts(r.svg);
  for (const s of ["g_w", "g_b", "χ₁", "diverges", "critical line"]) assert.ok(t.includes(s), s);
});

test("cell edges are midpoints (geometric on a log axis), half a step beyond the ends", () => {
  assert.deepEqual(cellEdges([0, 1, 2]), [-0.5, 0.5, 1.5, 2.5]);
  const e = cellEdges([1, 10, 100], true);
  assert.ok(Math.abs(e[1] - Math.sqrt(10)) < 1e-12 && Math.abs(e[0] - 1 / Math.sqrt(10)) < 1e-12);
});

test("colorMap: a diverging scale maps the midpoint to the centre of the scheme and clamps outside the domain", () => {
  const interp = vega.scheme("blueorange") as (t: number) => string;
  const rgb = (c: string) => [...c.matchAll(/\d+/g)].map((x) => Number(x[0]));
  const map = colorMap({ label: "z", scheme: "blueorange", mid: 1 }, 0, 4);
  assert.deepEqual(map(1), rgb(interp(0.5)));
  assert.deepEqual(map(-5), rgb(interp(0)));
  assert.deepEqual(map(99), rgb(interp(1)));
  assert.equal(map(Number.NaN), null);
});

test("prefixSvgIds renames ids deterministically and rewrites their references", () => {
  const svg =
    '<svg><defs><clipPath id="clip7"/><linearGradient id="gradient_3"/></defs><g clip-path="url(#clip7)" fill="url(#gradient_3)"/><use href="#clip7"/></svg>';
  const out = prefixSvgIds(svg, "fig");
  assert.equal(
    out,
    '<svg><defs><clipPath id="fig-clip0"/><linearGradient id="fig-gradient_0"/></defs><g clip-path="url(#fig-clip0)" fill="url(#fig-gradient_0)"/><use href="#fig-clip0"/></svg>',
  );
});

test("the raster is RGB when every entry is finite (smaller), RGBA otherwise", () => {
  const f = heatmapFigure({ id: "h", title: "t", caption: "c", matrix: [0, 1, 2, 3], rows: 2, cols: 2, color: { label: "K" } });
  const png = heatmapPng(f);
  assert.equal(png[25], 2, "colour type 2 (RGB) in the IHDR chunk");
  const g = heatmapFigure({ ...f, matrix: [0, Number.NaN, 2, 3] });
  assert.equal(heatmapPng(g)[25], 6, "colour type 6 (RGBA)");
});
