/**
 * Kernel-layer commands: `featurelab kernel` (NNGP/NTK kernels of a dataset), `featurelab chaos`
 * (signal propagation and the edge of chaos) and `featurelab gp` (GP regression with an NNGP kernel).
 */
import type { Command } from "commander";
import { InputError } from "../../engine/errors.js";
import { criticalGain, deepKernels, GPEigen, meanField, parseActivation } from "../../kernels/index.js";
import { emit, intAtLeast, numberArg, withCommon } from "../common.js";
import { loadData, loadSplit, trainPart } from "../dataArg.js";

const nonNegative = (name: string) => (raw: string) => {
  const v = numberArg(name)(raw);
  if (v < 0) throw new InputError(`must be ≥ 0, got ${raw}`, `option ${name}`);
  return v;
};
const positiveList = (name: string) => (raw: string) =>
  raw.split(",").map((s) => {
    const v = numberArg(name)(s);
    if (!(v > 0)) throw new InputError(`every value must be > 0, got ${s}`, `option ${name}`);
    return v;
  });

/** Options shared by the commands that build a network kernel. */
function withKernelOptions(cmd: Command): Command {
  return cmd
    .option("--act <name>", "activation: linear, erf[:s], relu, leaky-relu[:slope], abs, quadratic, sign, tanh, gelu, softplus, sin, cos", "erf")
    .option("--depth <L>", "number of hidden layers L (the kernel is that of the readout, C^(L+1))", intAtLeast("--depth", 1), 1)
    .option("--gw <g>", "weight gain g_w of every layer", nonNegative("--gw"), 1)
    .option("--gb <g>", "bias variance g_b of every layer (0: no bias)", nonNegative("--gb"), 0)
    .option(
      "--l0 <lambda0>",
      "prior precision λ0 of the first-layer weights: C = g_w·XXᵀ/(D·λ0) + g_b",
      (r: string) => {
        const v = numberArg("--l0")(r);
        if (!(v > 0)) throw new InputError(`must be > 0, got ${r}`, "option --l0");
        return v;
      },
      1,
    );
}

function rows(A: Float64Array, n: number, m: number): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from(A.subarray(i * m, (i + 1) * m)));
}

export function register(program: Command): void {
  withKernelOptions(withCommon(program.command("kernel")))
    .description("the NNGP (and with --ntk the NTK) kernel of a dataset's training inputs, train×train")
    .option("--data <file>", "data file (.json, .csv, .npy)")
    .option("--y <file>", "targets .npy when --data is a .npy of inputs")
    .option("--ntk", "also the neural tangent kernel (NTK parameterization)")
    .action((o) => {
      const ds = trainPart(loadData(o.data, { y: o.y }));
      const act = parseActivation(o.act);
      const r = deepKernels(act, ds.X, ds.P, ds.D, { layers: o.depth, gw: o.gw, gb: o.gb, lambda0: o.l0, ntk: !!o.ntk });
      const K = r.nngp[r.nngp.length - 1];
      const ntk = r.ntk ? r.ntk[r.ntk.length - 1] : undefined;
      const result = {
        act: act.spec,
        depth: o.depth,
        gw: o.gw,
        gb: o.gb,
        lambda0: o.l0,
        P: ds.P,
        K: rows(K.train, ds.P, ds.P),
        ...(ntk ? { ntk: rows(ntk.train, ds.P, ds.P) } : {}),
      };
      emit(o, result, () => {
        const show = Math.min(ds.P, 6);
        const lines = [`${act.spec} NNGP kernel, depth ${o.depth}, P = ${ds.P}${ds.P > show ? ` (top-left ${show}×${show})` : ""}:`];
        for (let i = 0; i < show; i++) lines.push(Array.from(K.train.subarray(i * ds.P, i * ds.P + show), (v) => v.toFixed(6).padStart(11)).join(" "));
        return lines.join("\n");
      });
    });

  withCommon(program.command("chaos"))
    .description("signal propagation: fixed point q*, correlation fixed point c*, χ1, χ_q, depth scales, phase, and g_c at this g_b")
    .option("--act <name>", "activation", "erf")
    .requiredOption("--gw <g>", "weight gain g_w (σ_w²)", nonNegative("--gw"))
    .option("--gb <g>", "bias variance g_b (σ_b²)", nonNegative("--gb"), 0)
    .action((o) => {
      const act = parseActivation(o.act);
      const mf = meanField(act, o.gw, o.gb);
      let critical: { gw: number; qStar: number } | { error: string };
      try {
        const c = criticalGain(act, o.gb);
        critical = { gw: c.gw, qStar: c.qStar };
      } catch (e) {
        critical = { error: (e as Error).message };
      }
      const result = {
        act: act.spec,
        gw: o.gw,
        gb: o.gb,
        qStar: mf.qStar,
        cStar: mf.cStar,
        chi1: mf.chi1,
        chiQ: mf.chiQ,
        chiCStar: mf.chiCStar,
        xiQ: mf.xiQ,
        xiC: mf.xiC,
        phase: mf.phase,
        fixedPoint: { converged: mf.fixedPoint.converged, iterations: mf.fixedPoint.iterations, residual: mf.fixedPoint.residual },
        critical,
      };
      emit(o, result, () =>
        [
          `${act.spec}, g_w = ${o.gw}, g_b = ${o.gb}: ${mf.phase}`,
          `q* = ${mf.qStar.toPrecision(8)}   c* = ${mf.cStar === null ? "—" : mf.cStar.toPrecision(8)}`,
          `χ1 = ${mf.chi1.toPrecision(8)}   χ_q = ${mf.chiQ.toPrecision(8)}`,
          `ξ_c = ${mf.xiC.toPrecision(6)}   ξ_q = ${mf.xiQ.toPrecision(6)}`,
          "gw" in critical ? `edge of chaos at this g_b: g_c = ${critical.gw.toPrecision(8)}` : `edge of chaos: ${critical.error}`,
        ].join("\n"),
      );
    });

  withKernelOptions(withCommon(program.command("gp")))
    .description("GP regression with the network's NNGP kernel: test predictions, variances and errors (bias² + variance)")
    .option("--data <file>", "a {Xtrain,ytrain,Xtest,ytest} JSON file")
    .requiredOption("--T <list>", "noise variance / temperature T > 0; a comma-separated list reuses one eigendecomposition", positiveList("--T"))
    .option("--scale <s>", "kernel scale s: the prior is GP(0, s·K)", (r: string) => positiveList("--scale")(r)[0], 1)
    .action((o) => {
      const { train, test } = loadSplit(o.data);
      const act = parseActivation(o.act);
      const Xtest = test.X;
      const r = deepKernels(act, train.X, train.P, train.D, { layers: o.depth, gw: o.gw, gb: o.gb, lambda0: o.l0, Xtest, Pt: test.P });
      const K = r.nngp[r.nngp.length - 1];
      const gp = GPEigen.fromKernel(K.train, train.P, train.y, { where: "train kernel" });
      const ts = gp.attachTest(K.cross, K.testDiag);
      const perT = (o.T as number[]).map((T) => {
        const tl = gp.testLoss({ T, s: o.scale, test: ts, yTest: test.y });
        const tr = gp.trainLoss({ T, s: o.scale });
        return {
          T,
          ypred: tl.mean,
          variance: tl.pointVariance,
          testLoss: tl.total,
          bias2: tl.bias2,
          testVariance: tl.variance,
          trainLoss: tr.total,
          trainBias2: tr.bias2,
          logMarginalLikelihood: gp.logMarginalLikelihood({ T, s: o.scale }),
        };
      });
      const result = {
        act: act.spec,
        depth: o.depth,
        P: train.P,
        Pt: test.P,
        K: train.K,
        scale: o.scale,
        diagnostics: gp.diagnostics,
        results: perT.length === 1 ? perT[0] : perT,
      };
      emit(o, result, () =>
        [
          `${act.spec} NNGP GP regression, depth ${o.depth}, P = ${train.P}, test P = ${test.P}`,
          "        T     test loss      bias²   variance   train loss   log evidence",
          ...perT.map(
            (p) =>
              `${p.T.toExponential(2).padStart(9)} ${p.testLoss.toPrecision(5).padStart(13)} ${p.bias2.toPrecision(5).padStart(10)} ${p.testVariance.toPrecision(5).padStart(10)} ${p.trainLoss.toPrecision(5).padStart(12)} ${p.logMarginalLikelihood.toPrecision(7).padStart(14)}`,
          ),
        ].join("\n"),
      );
    });
}
