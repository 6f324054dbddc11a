/**
 * Test-only recipes, registered when FEATURELAB_TEST_RECIPES=1 (never visible to users otherwise).
 *
 * `test-sweep`: FEATURELAB_TEST_POINTS points (default 12), each sleeping FEATURELAB_TEST_SLEEP_MS
 * (default 150 ms) and then drawing 4 normals from its key; when FEATURELAB_TEST_LOG names a file, each
 * computed point appends its id there (so a test can count what was recomputed after a kill).
 * FEATURELAB_TEST_FAIL=<point id> makes that point throw.
 */
import { appendFileSync } from "node:fs";
import { normal } from "../../engine/random.js";
import { lineFigure } from "../../report/figures.js";
import { comparisonTable } from "../../report/tables.js";
import { defineRecipe, registerRecipe } from "../registry.js";

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

registerRecipe(
  defineRecipe({
    id: "test-sweep",
    paper: "engine",
    title: "Test sweep (test only)",
    claim: "A sweep of independent points whose values depend only on the run seed and the point id.",
    config: () => ({
      points: Number(process.env.FEATURELAB_TEST_POINTS ?? 12),
      sleepMs: Number(process.env.FEATURELAB_TEST_SLEEP_MS ?? 150),
    }),
    points: (c) => Array.from({ length: c.points }, (_, i) => ({ id: `p${i}`, params: { i } })),
    compute({ i }: { i: number }, ctx) {
      sleep(ctx.config.sleepMs);
      if (process.env.FEATURELAB_TEST_FAIL === `p${i}`) throw new Error(`point p${i} was told to fail`);
      const z = normal(ctx.key, 4);
      if (process.env.FEATURELAB_TEST_LOG) appendFileSync(process.env.FEATURELAB_TEST_LOG, `p${i}\n`);
      return { i, z, sum: z[0] + z[1] + z[2] + z[3], odd: [Number.NaN, Number.POSITIVE_INFINITY] };
    },
    summarize(results) {
      const x = results.map((r) => r.result.i);
      const y = results.map((r) => r.result.sum);
      const mean = y.reduce((a, b) => a + b, 0) / y.length;
      return {
        numbers: { points: results.length, meanOfSums: mean },
        tables: [
          comparisonTable("Mean of the sums", [{ quantity: "mean of z₁+…+z₄", theory: 0, measured: mean, stderr: 2 / Math.sqrt(y.length) }]),
          { title: "Sums", columns: ["point", "sum"], rows: results.map((r) => [r.id, r.result.sum]) },
        ],
        figures: [
          lineFigure({
            id: "sums",
            title: "Sums of four normals",
            caption: "One point per sweep point.",
            x: { label: "point" },
            y: { label: "sum" },
            series: [
              { name: "sum", x, y, mark: "points" },
              { name: "zero", x: [0, x.length - 1], y: [0, 0] },
            ],
          }),
        ],
      };
    },
  }),
);
