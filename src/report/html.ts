/**
 * The run report: one self-contained HTML file (inline CSS, SVG figures inline, rasters as PNG data
 * URIs, no script, no external request) with, per paper and recipe, the claim, the figures with
 * captions, the theory-vs-simulation tables and the raw tables folded away.
 *
 * @module
 */
import type { RenderedFigure } from "./render.js";
import { inlineRaster } from "./render.js";
import { type Cell, formatCell, type Table } from "./tables.js";

/** One recipe's section of the report. */
export interface ReportRecipe {
  id: string;
  /** Paper key ("a", "b", … or "engine"); sections are grouped by it in the order of `ReportInput.papers`. */
  paper: string;
  title: string;
  /** What the paper claims (shown under the title). */
  claim: string;
  status: "done" | "failed" | "pending";
  /** The failure, one line (status "failed"). */
  error?: string;
  config: Record<string, unknown>;
  numbers: Record<string, Cell>;
  tables: (Table & { file?: string })[];
  figures: (RenderedFigure & { files?: string[] })[];
  /** Compute time summed over the recipe's points (seconds). */
  seconds?: number;
  points: { done: number; total: number };
}

/** The whole report. */
export interface ReportInput {
  title: string;
  /** Run facts shown in the header as label → value. */
  meta: [string, string][];
  /** Paper headings, in order: key, title, and a citation line. */
  papers: { key: string; title: string; cite?: string }[];
  recipes: ReportRecipe[];
}

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

const CSS = `
:root { --fg: #1d232b; --muted: #5b6572; --line: #dde2e8; --accent: #1f5fa8; --ok: #1b7a3a; --bad: #b42318; --bg2: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--fg); background: #fff; font: 15px/1.55 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; }
main { max-width: 1120px; margin: 0 auto; padding: 28px 32px 64px; }
header.run h1 { font-size: 28px; margin: 0 0 4px; letter-spacing: -0.01em; }
header.run p.sub { margin: 0 0 16px; color: var(--muted); }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 18px; margin: 0 0 20px; font-size: 13.5px; }
dl.meta dt { color: var(--muted); } dl.meta dd { margin: 0; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12.5px; }
nav.toc { background: var(--bg2); border: 1px solid var(--line); border-radius: 8px; padding: 12px 18px; margin: 8px 0 28px; font-size: 14px; }
nav.toc ul { margin: 4px 0 6px; padding-left: 20px; } nav.toc a { color: var(--accent); text-decoration: none; } nav.toc a:hover { text-decoration: underline; }
h2.paper { font-size: 22px; margin: 44px 0 2px; padding-top: 12px; border-top: 3px solid var(--fg); }
p.cite { margin: 0 0 10px; color: var(--muted); font-size: 13.5px; }
section.recipe { margin: 26px 0 10px; padding-top: 10px; border-top: 1px solid var(--line); }
section.recipe h3 { font-size: 19px; margin: 0 0 6px; }
section.recipe h3 code { font-size: 13px; color: var(--muted); font-weight: normal; margin-left: 6px; }
.badge { display: inline-block; font-size: 11.5px; font-weight: 600; padding: 1px 8px; border-radius: 10px; margin-left: 8px; vertical-align: 2px; }
.badge.done { background: #e3f4e8; color: var(--ok); } .badge.failed { background: #fde8e6; color: var(--bad); } .badge.pending { background: #eef0f3; color: var(--muted); }
p.claim { margin: 6px 0 14px; max-width: 860px; }
p.claim strong { color: var(--muted); font-weight: 600; }
div.error { background: #fde8e6; border-left: 4px solid var(--bad); padding: 8px 12px; font-family: ui-monospace, Menlo, monospace; font-size: 13px; white-space: pre-wrap; }
div.figures { display: flex; flex-wrap: wrap; gap: 22px 28px; align-items: flex-start; }
figure { margin: 8px 0; flex: 1 1 460px; max-width: 100%; }
figure.wide { flex-basis: 100%; }
figure > .plot { overflow-x: auto; }
figure svg { display: block; max-width: 100%; height: auto; }
figcaption { font-size: 13.5px; color: #333; margin-top: 6px; max-width: 760px; }
figcaption b { color: var(--fg); }
figcaption .paper-claim { display: block; margin-top: 4px; color: var(--muted); }
table { border-collapse: collapse; font-size: 13px; margin: 6px 0 4px; }
th, td { padding: 3px 10px; border-bottom: 1px solid var(--line); text-align: right; font-variant-numeric: tabular-nums; }
th { background: var(--bg2); font-weight: 600; border-bottom: 1px solid #c9d0d8; }
td:first-child, th:first-child { text-align: left; }
td.yes { color: var(--ok); font-weight: 600; } td.no { color: var(--bad); font-weight: 600; }
div.table { margin: 16px 0 6px; overflow-x: auto; }
div.table h4 { font-size: 14.5px; margin: 0 0 2px; }
div.table p.tcap { margin: 0 0 4px; color: var(--muted); font-size: 13px; max-width: 820px; }
table.numbers td:first-child { font-family: ui-monospace, Menlo, monospace; font-size: 12.5px; color: #333; }
details { margin: 10px 0; } details > summary { cursor: pointer; color: var(--accent); font-size: 14px; }
details pre { background: var(--bg2); padding: 10px; border-radius: 6px; font-size: 12px; overflow-x: auto; }
p.timing { color: var(--muted); font-size: 12.5px; margin: 8px 0 0; }
footer { margin-top: 48px; color: var(--muted); font-size: 12.5px; border-top: 1px solid var(--line); padding-top: 10px; }
`;

function tableHtml(t: Table & { file?: string }, open: boolean): string {
  const head = `<tr>${t.columns.map((c) => `<th>${esc(c)}</th>`).join("")}</tr>`;
  const agreeCol = t.columns.indexOf("agrees");
  const body = t.rows
    .map((r) => `<tr>${r.map((c, j) => `<td${j === agreeCol && (c === "yes" || c === "no") ? ` class="${c}"` : ""}>${esc(formatCell(c))}</td>`).join("")}</tr>`)
    .join("\n");
  const cap = [t.caption ? esc(t.caption) : "", t.file ? `Full precision: <code>${esc(t.file)}</code>.` : ""].filter(Boolean).join(" ");
  const tbl = `<table>\n<thead>${head}</thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
  if (open) return `<div class="table"><h4>${esc(t.title)}</h4>${cap ? `<p class="tcap">${cap}</p>` : ""}\n${tbl}</div>`;
  return `<details><summary>${esc(t.title)} — ${t.rows.length} rows</summary>${cap ? `<p class="tcap">${cap}</p>` : ""}\n<div class="table">${tbl}</div></details>`;
}

function numbersHtml(n: Record<string, Cell>): string {
  const e = Object.entries(n);
  if (!e.length) return "";
  return `<details><summary>Headline numbers (${e.length})</summary><div class="table"><table class="numbers"><tbody>${e
    .map(([k, v]) => `<tr><td>${esc(k)}</td><td>${esc(formatCell(v))}</td></tr>`)
    .join("")}</tbody></table></div></details>`;
}

function figureHtml(f: RenderedFigure & { files?: string[] }, n: number): string {
  let svg = f.svg.replace(/^<\?xml[^>]*>\s*/, "");
  if (f.png && f.pngName) svg = inlineRaster(svg, f.pngName, f.png);
  const m = /<svg[^>]*\swidth="(\d+(?:\.\d+)?)"/.exec(svg);
  const wide = m && Number(m[1]) > 620;
  const label = `Figure ${n}. ${f.title}`;
  svg = svg.replace(/^<svg /, `<svg role="img" aria-label="${esc(label)}" `);
  return `<figure id="fig-${esc(f.id)}" class="${wide ? "wide" : ""}" data-kind="${f.kind}">
<div class="plot">${svg}</div>
<figcaption><b>${esc(label)}.</b> ${esc(f.caption)}${f.claim ? `<span class="paper-claim"><b>Paper:</b> ${esc(f.claim)}</span>` : ""}</figcaption>
</figure>`;
}

/** The report as one HTML document. Figures are numbered in order of appearance. */
export function renderReport(input: ReportInput): string {
  let figNo = 0;
  const known = new Set(input.papers.map((p) => p.key));
  const papers = [
    ...input.papers,
    ...[...new Set(input.recipes.map((r) => r.paper))].filter((k) => !known.has(k)).map((k) => ({ key: k, title: `Paper ${k}`, cite: undefined })),
  ];
  const groups = papers.map((p) => ({ ...p, recipes: input.recipes.filter((r) => r.paper === p.key) })).filter((g) => g.recipes.length);
  const toc = groups
    .map(
      (g) =>
        `<div><b>${esc(g.title)}</b><ul>${g.recipes
          .map((r) => `<li><a href="#${esc(r.id)}">${esc(r.title)}</a> <span class="badge ${r.status}">${r.status}</span></li>`)
          .join("")}</ul></div>`,
    )
    .join("\n");
  const sections = groups
    .map((g) => {
      const recipes = g.recipes
        .map((r) => {
          const figs = r.figures.map((f) => figureHtml(f, ++figNo)).join("\n");
          const comparisons = r.tables.filter((t) => t.kind === "comparison").map((t) => tableHtml(t, true));
          const data = r.tables.filter((t) => t.kind !== "comparison").map((t) => tableHtml(t, false));
          const timing =
            r.seconds !== undefined ? `<p class="timing">${r.points.done}/${r.points.total} sweep points · ${r.seconds.toFixed(1)} s of compute</p>` : "";
          return `<section class="recipe" id="${esc(r.id)}">
<h3>${esc(r.title)}<code>${esc(r.id)}</code><span class="badge ${r.status}">${r.status}</span></h3>
<p class="claim"><strong>Claim.</strong> ${esc(r.claim)}</p>
${r.error ? `<div class="error">${esc(r.error)}</div>` : ""}
${figs ? `<div class="figures">\n${figs}\n</div>` : ""}
${comparisons.join("\n")}
${numbersHtml(r.numbers)}
${data.join("\n")}
<details><summary>Configuration</summary><pre>${esc(JSON.stringify(r.config, null, 2))}</pre></details>
${timing}
</section>`;
        })
        .join("\n");
      return `<h2 class="paper">${esc(g.title)}</h2>\n${g.cite ? `<p class="cite">${esc(g.cite)}</p>` : ""}\n${recipes}`;
    })
    .join("\n");
  const meta = input.meta.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join("");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${esc(input.title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
<header class="run">
<h1>${esc(input.title)}</h1>
<p class="sub">${input.recipes.length} recipes · ${figNo} figures · every number below was computed in this run from an explicit seed.</p>
<dl class="meta">${meta}</dl>
</header>
<nav class="toc">${toc}</nav>
${sections}
<footer>Generated by featurelab. Figures: Vega-Lite specs rendered to SVG by Vega; kernel matrices as PNG rasters, one pixel per entry. Raw results: <code>results/</code> (JSON, CSV) and <code>points.jsonl</code> in this folder.</footer>
</main>
</body>
</html>
`;
}
