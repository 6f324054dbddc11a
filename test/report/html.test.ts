/**
 * The HTML report as text: self-contained (no external URL, a CSP that forbids any fetch, rasters
 * inlined as data URIs), one <figure> per figure numbered in order, text escaped, comparison tables
 * open and data tables folded, failed recipes shown with their error.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { heatmapFigure, lineFigure } from "../../src/report/figures.js";
import { renderReport } from "../../src/report/html.js";
import { renderFigure } from "../../src/report/render.js";
import { comparisonTable } from "../../src/report/tables.js";

test("renderReport: self-contained, one numbered <figure> per figure, escaped text, tables by kind", async () => {
  const line = await renderFigure(
    lineFigure({
      id: "a",
      title: "Loss <vs> T",
      caption: "x & y",
      claim: "It falls.",
      x: { label: "T" },
      y: { label: "loss" },
      series: [{ name: "s", x: [1, 2], y: [3, 4] }],
    }),
    { idPrefix: "r1--a" },
  );
  const heat = await renderFigure(heatmapFigure({ id: "k", title: "Kernel", caption: "K", matrix: [1, 0, 0, 1], rows: 2, cols: 2, color: { label: "K" } }), {
    idPrefix: "r1--k",
  });
  const html = renderReport({
    title: "Report",
    meta: [["seed", "0"]],
    papers: [
      { key: "engine", title: "Foundations", cite: "kernels" },
      { key: "b", title: "(b) Critical", cite: "ICML" },
    ],
    recipes: [
      {
        id: "r1",
        paper: "engine",
        title: "Recipe <one>",
        claim: "Claims & more",
        status: "done",
        config: { n: 1 },
        numbers: { x: 0.123456 },
        tables: [
          comparisonTable("Theory vs simulation", [{ quantity: "q", theory: 1, measured: 1.01, stderr: 0.01 }]),
          { title: "Raw", columns: ["a"], rows: [[1], [2]], file: "results/r1--raw.csv" },
        ],
        figures: [line, heat],
        seconds: 1.5,
        points: { done: 3, total: 3 },
      },
      {
        id: "r2",
        paper: "b",
        title: "Recipe two",
        claim: "c",
        status: "failed",
        error: "point 'p1': boom <b>",
        config: {},
        numbers: {},
        tables: [],
        figures: [],
        points: { done: 0, total: 2 },
      },
    ],
  });
  assert.match(html, /^<!doctype html>/);
  assert.match(html, /Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"/);
  // no URL other than XML namespaces and data URIs
  const urls = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]).filter((u) => !u.startsWith("data:") && !u.startsWith("#"));
  assert.deepEqual(urls, []);
  assert.equal((html.match(/<figure /g) ?? []).length, 2);
  assert.match(html, /<b>Figure 1\. Loss &lt;vs&gt; T\.<\/b> x &amp; y<span class="paper-claim"><b>Paper:<\/b> It falls\.<\/span>/);
  assert.match(html, /Figure 2\. Kernel/);
  assert.match(html, /href="data:image\/png;base64,/, "the raster is inlined");
  assert.ok(!html.includes('href="k.png"'));
  assert.match(html, /Recipe &lt;one&gt;/);
  assert.match(html, /<h4>Theory vs simulation<\/h4>/, "comparison tables are open");
  assert.match(html, /<details><summary>Raw — 2 rows<\/summary>/, "data tables are folded");
  assert.match(html, /<td class="yes">yes<\/td>/);
  assert.match(html, /<div class="error">point &#39;p1&#39;: boom &lt;b&gt;<\/div>|<div class="error">point 'p1': boom &lt;b&gt;<\/div>/);
  assert.ok(html.indexOf("Foundations") < html.indexOf("(b) Critical"), "papers in order");
  assert.match(html, /3\/3 sweep points · 1\.5 s of compute/);
});
