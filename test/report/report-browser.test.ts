/**
 * The report in a real browser: `featurelab reproduce` on the reduced recipes, then report.html opened
 * in Debian's Chromium (playwright-core, headless, offline). Every figure the run declared in
 * results.json is on the page as a <figure> holding a drawn <svg> or <img>; the page logs no error
 * and requests nothing but its own file and data URIs. The screenshot is kept in
 * test-artifacts/report.png.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import { CHROMIUM, launchChromium } from "../helpers/browser.js";

// the page functions below run in the browser; this file is type-checked without the DOM library
// biome-ignore lint/suspicious/noExplicitAny: browser global
declare const document: any;

const root = join(import.meta.dirname, "..", "..");
const skip = !existsSync(CHROMIUM) && !process.env.CI ? `${CHROMIUM} is missing (scripts/setup.sh installs Debian's chromium)` : false;

test("the report of a reduced run shows every declared figure in Chromium, with no console error and no network request", {
  skip,
  timeout: 300_000,
}, async () => {
  const out = join(mkdtempSync(join(tmpdir(), "featurelab-report-")), "run");
  const r = spawnSync(process.execPath, [join(root, "bin", "featurelab.js"), "reproduce", "engine", "--out", out, "--json"], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, FEATURELAB_FROM_SOURCE: "1", FEATURELAB_TEST_RECIPES: "" },
  });
  assert.equal(r.status, 0, r.stderr);
  const outcome = JSON.parse(r.stdout) as { report: string; recipes: { id: string; status: string }[] };
  assert.ok(outcome.recipes.length >= 3 && outcome.recipes.every((x) => x.status === "done"));
  const index = JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as {
    figures: number;
    recipes: { id: string; figures: { id: string; files: string[] }[] }[];
  };
  const declared = index.recipes.reduce((s, x) => s + x.figures.length, 0);
  assert.equal(index.figures, declared);
  assert.ok(declared >= 9, `the kernel recipes draw at least 9 figures, got ${declared}`);
  for (const x of index.recipes) for (const f of x.figures) for (const file of f.files) assert.ok(existsSync(join(out, file)), file);

  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    page.on("request", (q) => {
      const u = q.url();
      if (!u.startsWith("data:") && u !== pathToFileURL(outcome.report).href) problems.push(`request: ${u}`);
    });
    await page.goto(pathToFileURL(outcome.report).href, { waitUntil: "load" });
    const stats = await page.evaluate(() => {
      // biome-ignore lint/suspicious/noExplicitAny: DOM elements, untyped here
      const figs: any[] = [...document.querySelectorAll("figure")];
      return {
        figures: figs.length,
        drawn: figs.filter((f) => {
          const g = f.querySelector("svg, img");
          if (!g) return false;
          const b = g.getBoundingClientRect();
          return b.width > 150 && b.height > 150;
        }).length,
        captions: figs.filter((f) => (f.querySelector("figcaption")?.textContent ?? "").length > 40).length,
        // biome-ignore lint/suspicious/noExplicitAny: DOM elements, untyped here
        images: [...document.querySelectorAll("figure svg image")].map((i: any) => i.getBBox().width as number),
        recipes: document.querySelectorAll("section.recipe").length,
        comparisonTables: document.querySelectorAll("div.table h4").length,
      };
    });
    assert.equal(stats.figures, declared, "one <figure> per declared figure");
    assert.equal(stats.drawn, declared, "every figure holds an <svg> or <img> drawn at a readable size");
    assert.equal(stats.captions, declared, "every figure has a caption");
    assert.ok(stats.images.length >= 1 && stats.images.every((w) => w > 100), "the kernel raster is drawn");
    assert.equal(stats.recipes, index.recipes.length);
    assert.ok(stats.comparisonTables >= 3, "theory-vs-simulation tables are shown");
    mkdirSync(join(root, "test-artifacts"), { recursive: true });
    await page.screenshot({ path: join(root, "test-artifacts", "report.png"), fullPage: true });
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
});
