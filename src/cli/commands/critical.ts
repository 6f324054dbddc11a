/**
 * `featurelab critical`: paper b's forward–backward theory on a dataset — the MAP kernels of every
 * layer, the first-order (linear-response) kernels, kernel–target alignment per layer, predictions
 * from the MAP and NNGP readout kernels, and the solver's diagnostics.
 */
import type { Command } from "commander";
import { isSplitDataset } from "../../data/index.js";
import { InputError } from "../../engine/errors.js";
import { parseActivation } from "../../kernels/index.js";
import {
  centredKernelTargetAlignment,
  firstOrder,
  kernelTargetAlignment,
  type MapBackend,
  predict,
  relativeAdaptation,
  solveMap,
  targetProjection,
  toRows,
} from "../../theory/critical/index.js";
import { choiceArg, emit, intAtLeast, note, numberArg, positiveArg, withCommon } from "../common.js";
import { loadData } from "../dataArg.js";

const gainList = (raw: string) =>
  raw.split(",").map((s) => {
    const v = numberArg("--gw")(s);
    if (!(v > 0)) throw new InputError(`every gain must be > 0, got ${s}`, "option --gw");
    return v;
  });

const nonNegative = (name: string) => (raw: string) => {
  const v = numberArg(name)(raw);
  if (v < 0) throw new InputError(`must be ≥ 0, got ${raw}`, `option ${name}`);
  return v;
};

/** Summary statistics of a matrix (for large P). */
function summary(A: Float64Array, P: number) {
  let dmean = 0;
  let omean = 0;
  let fro = 0;
  for (let a = 0; a < P; a++)
    for (let b = 0; b < P; b++) {
      const v = A[a * P + b];
      fro += v * v;
      if (a === b) dmean += v / P;
      else if (P > 1) omean += v / (P * (P - 1));
    }
  return { diagMean: dmean, offDiagMean: omean, frobenius: Math.sqrt(fro) };
}

export function register(program: Command): void {
  withCommon(program.command("critical"))
    .description("paper b: MAP kernels of every layer (forward–backward equations), first-order kernels, KTA and predictions")
    .option("--data <file>", "data file (.json {X,y} or {Xtrain,ytrain,Xtest,ytest}, .csv, .npy)")
    .option("--y <file>", "targets .npy when --data is a .npy of inputs")
    .option("--act <name>", "activation with φ″ (erf[:s], tanh, linear, …)", "erf")
    .option("--depth <L>", "number of hidden layers L", intAtLeast("--depth", 1), 1)
    .option("--width <N>", "width N of every hidden layer", positiveArg("--width"), 100)
    .option("--gw <g>", "weight gain(s): one number, or L+1 comma-separated gains g_1,…,g_{L+1}", gainList, [1])
    .option("--gb <g>", "bias variance g_b (0: no bias)", nonNegative("--gb"), 0)
    .option("--kappa <k>", "likelihood (ridge) variance κ", positiveArg("--kappa"), 0.1)
    .option("--damping <eta>", "damping η of the fixed-point iteration, in (0, 1]", positiveArg("--damping"), 0.5)
    .option("--tol <t>", "stopping tolerance on max|C_new − C|", positiveArg("--tol"), 1e-10)
    .option("--max-iter <n>", "iteration cap", intAtLeast("--max-iter", 1), 2000)
    .option(
      "--backend <b>",
      "tilted expectations: auto, gauss-hermite, importance, monte-carlo (large P; no test points), linear",
      choiceArg("--backend", ["auto", "gauss-hermite", "importance", "monte-carlo", "linear"] as const),
      "auto",
    )
    .option("--gh-order <n>", "Gauss–Hermite nodes per dimension", intAtLeast("--gh-order", 2))
    .option("--samples <S>", "importance / Monte-Carlo samples", intAtLeast("--samples", 10), 100_000)
    .option("--init <how>", "starting point: gp or first-order", choiceArg("--init", ["gp", "first-order"] as const), "gp")
    .option("--full", "print full matrices even for P > 16")
    .action((o) => {
      const data = loadData(o.data, { y: o.y });
      const train = isSplitDataset(data) ? data.train : data;
      const test = isSplitDataset(data) ? data.test : undefined;
      const act = parseActivation(o.act);
      const L: number = o.depth;
      const gw: number[] = o.gw;
      if (gw.length !== 1 && gw.length !== L + 1) throw new InputError(`give one gain or L+1 = ${L + 1} gains, got ${gw.length}`, "option --gw");
      const model = { activation: act, depth: L, width: o.width, gw: gw.length === 1 ? gw[0] : gw, gb: o.gb, kappa: o.kappa };
      const { X, P, D, y: Y, K: Dout } = train;
      const fl = { samples: o.samples, seed: o.seed };
      note(o, `solving the forward–backward equations: P = ${P}, L = ${L}, N = ${o.width}, ${act.spec}`);
      const sol = solveMap(model, X, P, D, Y, Dout, {
        backend: o.backend as MapBackend,
        ghOrder: o.ghOrder,
        samples: o.samples,
        seed: o.seed,
        damping: o.damping,
        tol: o.tol,
        maxIter: o.maxIter,
        init: o.init,
        fluctuation: fl,
        Xtest: test?.X,
      });
      const fo = firstOrder(model, X, P, D, Y, Dout, fl);
      const full = P <= 16 || !!o.full;
      const mat = (A: Float64Array) => (full ? toRows(A, P) : summary(A, P));
      const layers = Array.from({ length: L }, (_, i) => {
        const l = i + 2;
        const Cmap = sol.C[l - 1];
        const Cgp = sol.Cgp[l - 1];
        const Cfo = Cgp.map((v, i) => v + fo.dC[l - 1][i]);
        const dC = Cmap.map((v, i) => v - Cgp[i]);
        return {
          layer: l,
          role: l === L + 1 ? "readout" : "hidden",
          C_map: mat(Cmap),
          C_gp: mat(Cgp),
          C_firstOrder: mat(Cfo),
          Ct_map: mat(sol.Ct[l - 1]),
          kta: { gp: kernelTargetAlignment(Cgp, P, Y, Dout), map: kernelTargetAlignment(Cmap, P, Y, Dout), firstOrder: kernelTargetAlignment(Cfo, P, Y, Dout) },
          ktaCentred: {
            gp: centredKernelTargetAlignment(Cgp, P, Y, Dout),
            map: centredKernelTargetAlignment(Cmap, P, Y, Dout),
            firstOrder: centredKernelTargetAlignment(Cfo, P, Y, Dout),
          },
          targetProjection: { map: targetProjection(dC, P, Y, Dout), firstOrder: targetProjection(fo.dC[l - 1], P, Y, Dout) },
          relativeAdaptation: { map: relativeAdaptation(Cmap, Cgp), firstOrder: relativeAdaptation(Cfo, Cgp) },
        };
      });
      const tb = (which: "map" | "gp") =>
        sol.test && test
          ? {
              cross: which === "map" ? sol.test.cross[L] : sol.test.gpCross[L],
              diag: which === "map" ? sol.test.diag[L] : sol.test.gpDiag[L],
              Pt: sol.test.Pt,
              Y: test.y,
            }
          : undefined;
      const pm = predict(sol.C[L], P, Y, Dout, o.kappa, tb("map"));
      const pg = predict(sol.Cgp[L], P, Y, Dout, o.kappa, tb("gp"));
      const pred = (p: typeof pm) => ({
        trainMSE: p.trainMSE,
        trainError: p.trainError,
        ...(p.testMSE !== undefined ? { testMSE: p.testMSE, testError: p.testError } : {}),
        ...(test && test.P <= 64 ? { testMean: p.testMean, testVar: p.testVar } : {}),
      });
      const result = {
        act: act.spec,
        depth: L,
        width: o.width,
        gw: model.gw,
        gb: o.gb,
        kappa: o.kappa,
        P,
        Ptest: test?.P ?? 0,
        alpha: P / o.width,
        layers,
        predictions: { map: pred(pm), gp: pred(pg) },
        diagnostics: {
          converged: sol.converged,
          iterations: sol.iterations,
          residualHistory: sol.residuals,
          backend: sol.backend,
          init: sol.init,
          ess: sol.ess,
          action: sol.action,
          firstOrderV: fo.method,
        },
      };
      emit(o, result, () => {
        const f = (v: number) => v.toFixed(4);
        const lines = [
          `critical (paper b): ${act.spec}, L = ${L}, N = ${o.width}, P = ${P} (α = ${(P / o.width).toFixed(3)}), κ = ${o.kappa}`,
          `solver: ${sol.converged ? "converged" : "NOT converged"} after ${sol.iterations} iterations (last residual ${sol.residuals[sol.residuals.length - 1]?.toExponential(2)}), backend ${sol.backend}, init ${sol.init}`,
          "layer  role     KTA gp   KTA map  KTA 1st  δC:YYᵀ/‖YYᵀ‖²  ‖δC‖/‖C_GP‖",
        ];
        for (const r of layers)
          lines.push(
            `${String(r.layer).padStart(5)}  ${r.role.padEnd(7)} ${f(r.kta.gp).padStart(7)}  ${f(r.kta.map).padStart(7)}  ${f(r.kta.firstOrder).padStart(7)}  ${r.targetProjection.map.toExponential(3).padStart(13)}  ${r.relativeAdaptation.map.toExponential(3).padStart(11)}`,
          );
        lines.push(`train MSE: MAP ${pm.trainMSE.toExponential(3)}, GP ${pg.trainMSE.toExponential(3)}`);
        if (pm.testMSE !== undefined)
          lines.push(`test MSE:  MAP ${pm.testMSE.toExponential(3)}, GP ${pg.testMSE?.toExponential(3)}; test error MAP ${pm.testError}, GP ${pg.testError}`);
        return lines.join("\n");
      });
    });
}
