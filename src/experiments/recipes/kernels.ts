/**
 * Kernel-layer recipes: what exists before the paper modules — GP regression with the NNGP kernel on
 * MNIST across temperature and depth (checked against posterior sampling), the NNGP kernel as the
 * infinite-width limit of sampled finite networks, and the edge of chaos.
 */
import { type Dataset, mnistBinary } from "../../data/index.js";
import { type Key, split } from "../../engine/random.js";
import { criticalLine, deepKernels, GPEigen, meanField, monteCarloNetworkKernels, polarExpect, toActivation } from "../../kernels/index.js";
import { type FigureSpec, heatmapFigure, lineFigure, phaseFigure, scatterFigure } from "../../report/figures.js";
import { type Cell, comparisonTable, type Table } from "../../report/tables.js";
import { defineRecipe, registerRecipe } from "../registry.js";

function logGrid(lo: number, hi: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => lo * (hi / lo) ** (i / (n - 1)));
}

function linGrid(lo: number, hi: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => Number((lo + ((hi - lo) * i) / (n - 1)).toPrecision(12)));
}

/** Mean and standard error of the mean. */
function meanSe(v: ArrayLike<number>): [number, number] {
  let m = 0;
  for (let i = 0; i < v.length; i++) m += v[i];
  m /= v.length;
  let s = 0;
  for (let i = 0; i < v.length; i++) s += (v[i] - m) ** 2;
  return [m, Math.sqrt(s / (v.length - 1) / v.length)];
}

/** Examples sorted by label (stable), returning the permutation and the first index of each class. */
function sortByClass(d: Dataset, classes: number[]): { order: number[]; starts: number[] } {
  const order: number[] = [];
  const starts: number[] = [];
  for (const c of classes) {
    starts.push(order.length);
    for (let i = 0; i < d.P; i++) if (d.labels?.[i] === c) order.push(i);
  }
  return { order, starts };
}

function rowsOf(d: Dataset, order: number[]): Float64Array {
  const X = new Float64Array(order.length * d.D);
  for (let r = 0; r < order.length; r++) X.set(d.X.subarray(order[r] * d.D, (order[r] + 1) * d.D), r * d.D);
  return X;
}

// ---------------------------------------------------------------- GP regression on MNIST

interface GpConfig {
  classes: number[];
  perClass: number;
  testPerClass: number;
  size: [number, number];
  temperatures: number[];
  activations: string[];
  depths: number[];
  /** Temperatures at which posterior samples check bias² + variance. */
  sampleTemperatures: number[];
  samples: number;
  /** Examples per class in the kernel heatmap (sorted by class). */
  heatmapPerClass: number;
}

type GpParams = { kind: "scan"; act: string; depth: number } | { kind: "sampling"; act: string; depth: number } | { kind: "heatmap"; act: string };

interface GpResult {
  /** scan: rows [T, testLoss, bias2, variance, trainLoss, testClassError, logEvidence]. */
  rows?: number[][];
  /** sampling: rows [T, closed-form loss, sampled mean, sampled s.e., jitter]. */
  sampling?: number[][];
  /** heatmap: the kernel, sorted by class. */
  K?: Float32Array;
  P?: number;
  starts?: number[];
}

function gpData(c: GpConfig, rk: Key): { train: Dataset; test: Dataset } {
  const [k1, k2] = split(rk, 2);
  return {
    train: mnistBinary({ classes: c.classes, perClass: c.perClass, size: c.size, key: k1, split: "train" }),
    test: mnistBinary({ classes: c.classes, perClass: c.testPerClass, size: c.size, key: k2, split: "test" }),
  };
}

registerRecipe(
  defineRecipe({
    id: "nngp-gp-mnist",
    paper: "engine",
    title: "GP regression with the NNGP kernel on MNIST 0 vs 1",
    claim:
      "The infinite-width (NNGP) limit of a Bayesian network is GP regression with the network's kernel. The expected test error of a posterior sample splits into bias² + variance; as the temperature T → 0 the posterior interpolates the training data and the variance vanishes. One eigendecomposition of the train kernel serves the whole temperature scan.",
    config: (full): GpConfig => ({
      classes: [0, 1],
      perClass: full ? 2000 : 500,
      testPerClass: full ? 900 : 250, // MNIST's test split has 980 zeros
      size: [10, 10],
      temperatures: logGrid(1e-3, 10, 17),
      activations: ["erf", "relu"],
      depths: [1, 3],
      sampleTemperatures: [1e-3, 1e-2, 1e-1, 1],
      samples: full ? 400 : 100,
      heatmapPerClass: 250,
    }),
    points: (c) => [
      ...c.activations.flatMap((act) => c.depths.map((depth) => ({ id: `scan,act=${act},depth=${depth}`, params: { kind: "scan" as const, act, depth } }))),
      ...c.activations.map((act) => ({ id: `sampling,act=${act},depth=1`, params: { kind: "sampling" as const, act, depth: 1 } })),
      { id: "heatmap,act=erf", params: { kind: "heatmap" as const, act: "erf" } },
    ],
    compute(p: GpParams, ctx): GpResult {
      const c = ctx.config;
      const { train, test } = ctx.memo("data", () => gpData(c, ctx.recipeKey));
      if (p.kind === "heatmap") {
        const sub = mnistBinary({
          classes: c.classes,
          perClass: Math.min(c.heatmapPerClass, c.perClass),
          size: c.size,
          key: split(ctx.recipeKey, 2)[0],
          split: "train",
        });
        const { order, starts } = sortByClass(sub, c.classes);
        const X = rowsOf(sub, order);
        const r = deepKernels(p.act, X, order.length, sub.D, { layers: 1 });
        return { K: Float32Array.from(r.nngp[1].train), P: order.length, starts };
      }
      const t0 = performance.now();
      const r = deepKernels(p.act, train.X, train.P, train.D, { layers: p.depth, Xtest: test.X, Pt: test.P });
      const K = r.nngp[r.nngp.length - 1];
      const gp = GPEigen.fromKernel(K.train, train.P, train.y);
      if (p.kind === "sampling") {
        const tt = deepKernels(p.act, test.X, test.P, test.D, { layers: p.depth }).nngp[p.depth].train;
        const ts = gp.attachTest(K.cross, K.testDiag, { kTestTest: tt });
        const keys = split(ctx.key, c.sampleTemperatures.length);
        const rows = c.sampleTemperatures.map((T, i) => {
          const theory = gp.testLoss({ T, test: ts, yTest: test.y }).total;
          const s = gp.sample({ T, test: ts, key: keys[i], n: c.samples });
          const per = new Float64Array(c.samples);
          for (let r = 0; r < c.samples; r++) {
            let e = 0;
            for (let mu = 0; mu < test.P; mu++) e += (s.samples[r * test.P + mu] - test.y[mu]) ** 2;
            per[r] = e / test.P;
          }
          const [m, se] = meanSe(per);
          return [T, theory, m, se, s.jitter];
        });
        return { sampling: rows };
      }
      const ts = gp.attachTest(K.cross, K.testDiag);
      const msKernel = performance.now() - t0;
      const t1 = performance.now();
      const rows = c.temperatures.map((T) => {
        const l = gp.testLoss({ T, test: ts, yTest: test.y });
        let err = 0;
        for (let i = 0; i < test.P; i++) if (Math.sign(l.mean[i]) !== Math.sign(test.y[i])) err++;
        return [T, l.total, l.bias2, l.variance, gp.trainLoss({ T }).total, err / test.P, gp.logMarginalLikelihood({ T })];
      });
      const msPerT = (performance.now() - t1) / c.temperatures.length;
      ctx.log(`kernel + eigendecomposition ${msKernel.toFixed(0)} ms, ${msPerT.toFixed(2)} ms per temperature`);
      return { rows };
    },
    summarize(results, c) {
      const numbers: Record<string, Cell> = { P: 2 * c.perClass, Ptest: 2 * c.testPerClass, D: c.size[0] * c.size[1] };
      const tables: Table[] = [];
      const series: Parameters<typeof lineFigure>[0]["series"] = [];
      const comparisons: Parameters<typeof comparisonTable>[1] = [];
      const scatter: Parameters<typeof scatterFigure>[0]["groups"] = [];
      let heat: GpResult | undefined;
      for (const act of c.activations) {
        const rows: Cell[][] = [];
        for (const depth of c.depths) {
          const r = results.find((x) => x.params.kind === "scan" && x.params.act === act && x.params.depth === depth)!.result;
          for (const row of r.rows!) rows.push([act, depth, ...row]);
          const best = r.rows!.reduce((a, b) => (b[1] < a[1] ? b : a));
          numbers[`${act}_depth${depth}_bestTestLoss`] = best[1];
          numbers[`${act}_depth${depth}_bestT`] = best[0];
          numbers[`${act}_depth${depth}_classErrorAtBestT`] = best[5];
          const col = (j: number) => r.rows!.map((x) => x[j]);
          const T = col(0);
          const common = { x: T, color: `depth ${depth}`, panel: act };
          series.push(
            { ...common, name: `${act} depth ${depth} test loss`, y: col(1), dash: "test loss" },
            { ...common, name: `${act} depth ${depth} bias²`, y: col(2), dash: "bias²" },
            { ...common, name: `${act} depth ${depth} variance`, y: col(3), dash: "variance" },
          );
        }
        tables.push({
          title: `${act} NNGP: test loss against temperature T`,
          columns: ["act", "depth", "T", "testLoss", "bias2", "variance", "trainLoss", "testClassError", "logEvidence"],
          rows,
          caption: "Closed-form GP posterior on the test set (mean squared error without ½; classification error of the posterior mean's sign).",
        });
        const s = results.find((x) => x.params.kind === "sampling" && x.params.act === act)!.result.sampling!;
        series.push({
          name: `${act} sampled`,
          x: s.map((r) => r[0]),
          y: s.map((r) => r[2]),
          yErr: s.map((r) => r[3]),
          mark: "points",
          color: "depth 1",
          panel: act,
        });
        scatter.push({ name: act, x: s.map((r) => r[1]), y: s.map((r) => r[2]), yErr: s.map((r) => r[3]) });
        for (const r of s) comparisons.push({ quantity: `${act}, depth 1, T = ${r[0]}`, theory: r[1], measured: r[2], stderr: r[3] });
      }
      heat = results.find((x) => x.params.kind === "heatmap")?.result;
      tables.unshift(
        comparisonTable("Test loss: closed form (bias² + variance) against posterior samples", comparisons, {
          caption: `Closed form: bias² + mean posterior variance at the test points. Measured: the squared error of ${c.samples} functions drawn from the GP posterior, averaged, ± its standard error. Agreement: within 3 s.e.`,
          theoryLabel: "closed form",
          measuredLabel: "sampled",
        }),
      );
      const figures: FigureSpec[] = [
        lineFigure({
          id: "test-loss",
          title: "Test loss, bias² and variance against temperature",
          caption: `GP regression with the NNGP kernel of erf and ReLU networks (depth 1 and 3) on MNIST 0 vs 1 (${2 * c.perClass} training, ${2 * c.testPerClass} test images, ${c.size[0]}×${c.size[1]} pixels). Lines: closed form; solid = test loss of a posterior sample, dashed = bias² of the posterior mean, dotted = posterior variance. Points: the test loss of ${c.samples} sampled posterior functions (depth 1, ± s.e.).`,
          claim:
            "The variance vanishes as T → 0 (the posterior interpolates the data) and the test loss tends to the bias² of the minimum-norm interpolant; at large T the prior dominates and the loss grows.",
          x: { label: "temperature T", log: true },
          y: { label: "mean squared error", log: true },
          series,
          colorTitle: "depth",
          dashTitle: "component",
        }),
        scatterFigure({
          id: "sampling-check",
          title: "Closed-form test loss against posterior sampling",
          caption: `Each point is one temperature T ∈ {${c.sampleTemperatures.join(", ")}}: x the closed-form bias² + variance, y the mean squared error of ${c.samples} posterior samples ± s.e. Dashed: y = x.`,
          x: { label: "closed form (bias² + variance)", log: true },
          y: { label: "sampled test loss", log: true },
          groups: scatter,
          colorTitle: "activation",
        }),
      ];
      if (heat?.K && heat.P && heat.starts) {
        figures.push(
          heatmapFigure({
            id: "kernel-heatmap",
            title: "The erf NNGP kernel of the MNIST subset, sorted by class",
            caption: `K(x, x′) of a one-hidden-layer erf network (g_w = 1, no bias) on ${heat.P} training images, ordered by class (0 then 1); one pixel per pair. White lines separate the classes.`,
            claim:
              "Images of the same class are more similar under the kernel than images of different classes: the kernel shows a block structure, which is what makes kernel regression separate the classes.",
            matrix: heat.K,
            rows: heat.P,
            cols: heat.P,
            color: { label: "K(x, x′)", scheme: "viridis" },
            xLabel: "image x′",
            yLabel: "image x",
            groups: { labels: c.classes.map(String), starts: heat.starts, title: "class" },
          }),
        );
      }
      return { numbers, tables, figures };
    },
  }),
);

// ---------------------------------------------------------------- NNGP as the limit of finite networks

interface McConfig {
  act: string;
  classes: number[];
  perClass: number;
  size: [number, number];
  widths: number[];
  nets: number;
}

interface McResult {
  /** Mean over networks of the mean squared deviation from the NNGP, and its s.e. */
  msd: number;
  msdSe: number;
  /** Theory (1/N)·mean_{a≤b} Var[φ_aφ_b]. */
  msdTheory: number;
  /** Upper-triangle entries (a ≤ b): closed form, network average and its s.e. */
  theory: Float64Array;
  mean: Float64Array;
  se: Float64Array;
}

registerRecipe(
  defineRecipe({
    id: "nngp-finite-width",
    paper: "engine",
    title: "The NNGP kernel is the infinite-width limit of random networks",
    claim:
      "For a random one-hidden-layer network of width N, the empirical kernel K̂ = (1/N) Σ_i φ(h_i(x)) φ(h_i(x′)) is an unbiased estimate of the NNGP kernel, and its fluctuations shrink as 1/N: E(K̂ − K)² = Var[φ(u)φ(v)]/N with (u, v) Gaussian with the input covariance.",
    config: (full): McConfig => ({
      act: "erf",
      classes: [0, 1],
      perClass: 20,
      size: [10, 10],
      widths: full ? [16, 32, 64, 128, 256, 512, 1024, 2048, 4096] : [16, 32, 64, 128, 256, 512, 1024],
      nets: full ? 200 : 40,
    }),
    points: (c) => c.widths.map((N) => ({ id: `N=${N}`, params: { N } })),
    compute({ N }: { N: number }, ctx): McResult {
      const c = ctx.config;
      const base = ctx.memo("base", () => {
        const d = mnistBinary({ classes: c.classes, perClass: c.perClass, size: c.size, key: ctx.recipeKey, split: "train" });
        const r = deepKernels(c.act, d.X, d.P, d.D, { layers: 1 });
        const C1 = r.nngp[0].train;
        const K = r.nngp[1].train;
        const P = d.P;
        const phi = toActivation(c.act).phi;
        // Var[φ(u)φ(v)] = E[φ(u)²φ(v)²] − K², (u, v) ~ N(0, C¹) restricted to (a, b)
        const theory: number[] = [];
        const v: number[] = [];
        for (let a = 0; a < P; a++) {
          for (let b = a; b < P; b++) {
            const k = K[a * P + b];
            theory.push(k);
            v.push(polarExpect((x, y) => phi(x) ** 2 * phi(y) ** 2, C1[a * P + a], C1[b * P + b], C1[a * P + b], 32) - k * k);
          }
        }
        return { d, theory: Float64Array.from(theory), varPhi: Float64Array.from(v) };
      });
      const { d, theory, varPhi } = base;
      const P = d.P;
      const M = theory.length;
      const keys = split(ctx.key, c.nets);
      const sum = new Float64Array(M);
      const sum2 = new Float64Array(M);
      const msd = new Float64Array(c.nets);
      for (let k = 0; k < c.nets; k++) {
        const Kh = monteCarloNetworkKernels(c.act, d.X, P, d.D, { layers: 1, width: N, nets: 1, key: keys[k] })[0].mean;
        let e = 0;
        for (let a = 0, m = 0; a < P; a++) {
          for (let b = a; b < P; b++, m++) {
            const x = Kh[a * P + b];
            sum[m] += x;
            sum2[m] += x * x;
            e += (x - theory[m]) ** 2;
          }
        }
        msd[k] = e / M;
      }
      const mean = sum.map((s) => s / c.nets);
      const se = sum2.map((s2, m) => Math.sqrt(Math.max(0, s2 / c.nets - mean[m] ** 2) / (c.nets - 1)));
      const [m, s] = meanSe(msd);
      let vt = 0;
      for (let i = 0; i < M; i++) vt += varPhi[i];
      return { msd: m, msdSe: s, msdTheory: vt / M / N, theory, mean, se };
    },
    summarize(results, c) {
      const Ns = results.map((r) => r.params.N);
      const last = results[results.length - 1].result;
      const rows = results.map((r) => ({ quantity: `N = ${r.params.N}`, theory: r.result.msdTheory, measured: r.result.msd, stderr: r.result.msdSe }));
      // the slope of log msd against log N (least squares): theory −1
      const lx = Ns.map(Math.log);
      const ly = results.map((r) => Math.log(r.result.msd));
      const mx = lx.reduce((a, b) => a + b) / lx.length;
      const my = ly.reduce((a, b) => a + b) / ly.length;
      const slope = lx.reduce((s, x, i) => s + (x - mx) * (ly[i] - my), 0) / lx.reduce((s, x) => s + (x - mx) ** 2, 0);
      return {
        numbers: { P: 2 * c.perClass, nets: c.nets, slope_logMsd_logN: slope },
        tables: [
          comparisonTable("Mean squared deviation of the empirical kernel from the NNGP", rows, {
            caption: `Theory: (1/N)·mean over pairs a ≤ b of Var[φ(u)φ(v)] (polar quadrature). Measured: mean over ${c.nets} random networks of (1/#pairs)·Σ (K̂_ab − K_ab)², ± s.e.`,
          }),
          comparisonTable("Fluctuation exponent", [{ quantity: "slope of log E(K̂ − K)² against log N", theory: -1, measured: slope, tolerance: 0.1 }]),
          {
            title: `Kernel entries at N = ${Ns[Ns.length - 1]}`,
            columns: ["entry", "closed form", "network average", "s.e."],
            rows: Array.from(last.theory, (t, i) => [i, t, last.mean[i], last.se[i]]),
          },
        ],
        figures: [
          lineFigure({
            id: "fluctuations",
            title: "Finite-width fluctuations of the kernel shrink as 1/N",
            caption: `Mean squared deviation of the empirical ${c.act} kernel of a random one-hidden-layer network from the NNGP closed form, over ${2 * c.perClass} MNIST images. Points: ${c.nets} networks per width (± s.e.); line: the prediction Var[φφ]/N.`,
            claim: "K̂ is unbiased with variance Var[φ(u)φ(v)]/N, so the deviation decays with slope −1 on log–log axes.",
            x: { label: "width N", log: true },
            y: { label: "E (K̂ − K)²", log: true },
            series: [
              { name: "theory Var[φφ]/N", x: Ns, y: results.map((r) => r.result.msdTheory), color: "theory" },
              {
                name: "random networks",
                x: Ns,
                y: results.map((r) => r.result.msd),
                yErr: results.map((r) => r.result.msdSe),
                mark: "points",
                color: "random networks",
              },
            ],
          }),
          scatterFigure({
            id: "kernel-entries",
            title: `Network-averaged kernel against the closed form (N = ${Ns[Ns.length - 1]})`,
            caption: `Each point is one pair of images (a ≤ b): x the closed-form NNGP kernel, y the average of the empirical kernel over ${c.nets} networks of width ${Ns[Ns.length - 1]}, ± s.e. Dashed: y = x.`,
            x: { label: "NNGP kernel K (closed form)" },
            y: { label: "network average of K̂" },
            groups: [{ name: "pairs of images", x: last.theory, y: last.mean, yErr: last.se }],
          }),
        ],
      };
    },
  }),
);

// ---------------------------------------------------------------- edge of chaos

interface ChaosConfig {
  activations: string[];
  /** g_b values of the critical-line figure. */
  lineGb: number[];
  /** The phase-diagram grid. */
  phaseGw: number[];
  phaseGb: number[];
}

type ChaosParams = { kind: "line"; act: string } | { kind: "phase"; act: string; gb: number };

registerRecipe(
  defineRecipe({
    id: "edge-of-chaos",
    paper: "engine",
    title: "The edge of chaos of erf, tanh and ReLU networks",
    claim:
      "Signal propagation in deep networks at initialization has an ordered phase (χ₁ < 1) and a chaotic one (χ₁ > 1). For erf without bias the transition is at g_w = π/4 in the convention C ↦ g_w·E[φφ] + g_b; for tanh at g_w = 1; for ReLU at g_w = 2 for every g_b.",
    config: (full): ChaosConfig => ({
      activations: ["erf", "tanh", "relu"],
      // denser near g_b = 0, where tanh's and erf's lines rise steeply
      lineGb: linGrid(0, 1, full ? 41 : 21).map((t) => Number((t * t).toPrecision(12))),
      phaseGw: linGrid(0.1, 3, full ? 59 : 30),
      phaseGb: linGrid(0, 1, full ? 41 : 21),
    }),
    points: (c) => [
      ...c.activations.map((act) => ({ id: `line,act=${act}`, params: { kind: "line", act } as ChaosParams })),
      ...c.activations.flatMap((act) => c.phaseGb.map((gb) => ({ id: `phase,act=${act},gb=${gb}`, params: { kind: "phase", act, gb } as ChaosParams }))),
    ],
    compute(p: ChaosParams, ctx) {
      if (p.kind === "line") return { line: criticalLine(p.act, ctx.config.lineGb).map((x) => [x.gb, x.gw, x.qStar, x.chi1]) };
      return { chi1: ctx.config.phaseGw.map((gw) => meanField(p.act, gw, p.gb).chi1) };
    },
    summarize(results, c) {
      const line = (act: string) => results.find((r) => r.params.kind === "line" && r.params.act === act)!.result.line as number[][];
      const rows: Cell[][] = [];
      for (const act of c.activations) for (const r of line(act)) rows.push([act, ...r]);
      const at0 = (act: string) => line(act).find((r) => r[0] === 0)!;
      const relu = line("relu");
      const maxDev = Math.max(...relu.map((r) => Math.abs(r[1] - 2)));
      const mf = meanField("erf", 1.5, 0);
      const figures = [
        lineFigure({
          id: "critical-lines",
          title: "Critical lines g_c(g_b)",
          caption:
            "The weight gain g_c at which χ₁ = g_w·E[φ′(√q* z)²] = 1, against the bias variance g_b, for erf, tanh and ReLU (solid: numerical root of the mean-field equations). Dashed: the closed forms at g_b = 0 (erf π/4, tanh 1) and ReLU's g_c = 2.",
          claim: "Networks below the line are ordered (inputs' correlations converge to 1 with depth), above it chaotic; ReLU's line is flat at g_w = 2.",
          x: { label: "bias variance g_b" },
          y: { label: "critical weight gain g_c", zero: true },
          series: [
            ...c.activations.map((act) => ({ name: act, x: line(act).map((r) => r[0]), y: line(act).map((r) => r[1]), color: act, dash: "mean-field root" })),
            { name: "erf closed form", x: [0, 0.15], y: [Math.PI / 4, Math.PI / 4], color: "erf", dash: "closed form" },
            { name: "tanh closed form", x: [0, 0.15], y: [1, 1], color: "tanh", dash: "closed form" },
            { name: "relu closed form", x: [0, Math.max(...c.lineGb)], y: [2, 2], color: "relu", dash: "closed form" },
          ],
          colorTitle: "activation",
        }),
        ...c.activations.map((act) => {
          const phase = results.filter((r) => r.params.kind === "phase" && r.params.act === act);
          const z = new Float64Array(c.phaseGb.length * c.phaseGw.length);
          phase.forEach((r, i) => {
            z.set(r.result.chi1 as number[], i * c.phaseGw.length);
          });
          const l = line(act).filter((r) => r[0] <= Math.max(...c.phaseGb));
          return phaseFigure({
            id: `phase-${act}`,
            title: `Phase diagram of ${act} networks`,
            caption: `χ₁ over the (g_w, g_b) plane for ${act} (blue: ordered, χ₁ < 1; orange: chaotic, χ₁ > 1; white at χ₁ = 1; values beyond 2 shown as 2). Black line: the critical line g_c(g_b)${act === "relu" ? "; grey: q* diverges (g_w ≥ 2)" : ""}.`,
            claim:
              act === "relu"
                ? "For ReLU χ₁ = g_w/2, so the transition sits at g_w = 2 whatever g_b."
                : "The critical line separates the ordered from the chaotic phase; bias noise moves it to larger g_w.",
            x: { label: "weight gain g_w", values: c.phaseGw },
            y: { label: "bias variance g_b", values: c.phaseGb },
            z,
            color: { label: "χ₁", scheme: "blueorange", mid: 1, domain: [0, 2] },
            lines: [{ name: "critical line g_c(g_b)", x: l.map((r) => r[1]), y: l.map((r) => r[0]) }],
            invalidLabel: "q* diverges",
          });
        }),
      ];
      return {
        numbers: {
          erf_gc_at_gb0: at0("erf")[1],
          tanh_gc_at_gb0: at0("tanh")[1],
          relu_max_dev_from_2: maxDev,
          erf_qStar_gw1p5: mf.qStar,
          erf_chi1_gw1p5: mf.chi1,
        },
        tables: [
          comparisonTable(
            "Critical gains: closed form against the mean-field root",
            [
              { quantity: "erf: g_c(g_b = 0)", theory: Math.PI / 4, measured: at0("erf")[1], tolerance: 1e-6 },
              { quantity: "tanh: g_c(g_b = 0)", theory: 1, measured: at0("tanh")[1], tolerance: 1e-6 },
              ...relu.filter((_, i) => i % 5 === 0).map((r) => ({ quantity: `relu: g_c(g_b = ${r[0]})`, theory: 2, measured: r[1], tolerance: 1e-6 })),
              ...c.activations.map((act) => ({
                quantity: `${act}: χ₁ on the critical line (max |χ₁ − 1|)`,
                theory: 1,
                measured: 1 + Math.max(...line(act).map((r) => Math.abs(r[3] - 1))),
                tolerance: 1e-6,
              })),
            ],
            {
              caption:
                "Closed forms (paper b §3.3): erf without bias at π/4, tanh at 1/φ′(0)² = 1, ReLU at 2 for every g_b. Measured: the root of χ₁ = 1 found numerically (parametric solve or scan + Brent).",
              measuredLabel: "numerical",
            },
          ),
          { title: "Critical line g_c(g_b)", columns: ["act", "gb", "gc", "qStar", "chi1"], rows },
        ],
        figures,
      };
    },
  }),
);
