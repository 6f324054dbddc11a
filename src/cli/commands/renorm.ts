/**
 * `featurelab renorm` — paper a's kernel renormalization in the proportional limit.
 *
 *   featurelab renorm --data FILE --act erf --width 60 --T 0.01 --l0 1 --l1 1 [--json]
 *   featurelab renorm --data FILE … --scan T=0.001:1:50          (log grid; also width=…, l1=…, l0=…)
 *   featurelab renorm signatures --data FILE … [--scan T=…]      (class-manifold distances, weight statistics)
 *
 * FILE is a {"Xtrain","ytrain","Xtest","ytest"} JSON file. The form of the theory follows the data and
 * the activation unless --form says otherwise: one scalar order parameter for an odd σ and one output,
 * the two-parameter form of brief §3.14 for a non-odd σ (ReLU, …), the matrix order parameter for
 * several outputs. Signatures are implemented for the scalar form (odd σ, one output).
 */
import type { Command } from "commander";
import { InputError } from "../../engine/errors.js";
import { parseActivation } from "../../kernels/index.js";
import {
  collectiveSignature,
  logGrid,
  microscopicSignature,
  NonOddRenorm,
  predictMatrix,
  type RenormParams,
  RenormProblem,
  type RenormScan,
  scanLambda0,
  scanRenorm,
  solveMatrixSaddle,
} from "../../theory/renormalization.js";
import { choiceArg, emit, intAtLeast, numberArg, positiveArg, withCommon } from "../common.js";
import { loadSplit } from "../dataArg.js";

type Form = "auto" | "odd" | "nonodd" | "matrix";
type ScanName = "T" | "width" | "l1" | "l0";

const widthArg = (raw: string): number => {
  const s = raw.trim().toLowerCase();
  if (s === "inf" || s === "infinity") return Number.POSITIVE_INFINITY;
  const v = numberArg("--width")(raw);
  if (!(v >= 1)) throw new InputError(`the width N1 must be ≥ 1 (or inf), got ${raw}`, "option --width");
  return v;
};

interface ScanSpec {
  name: ScanName;
  values: number[];
}

/** Parses `name=lo:hi:n` (n log-spaced values) or `name=v1,v2,…`. */
export function parseScan(raw: string): ScanSpec {
  const where = "option --scan";
  const eq = raw.indexOf("=");
  if (eq < 0) throw new InputError(`expected name=lo:hi:n or name=v1,v2,… (name: T, width, l1, l0), got '${raw}'`, where);
  const name = raw.slice(0, eq).trim();
  const names: ScanName[] = ["T", "width", "l1", "l0"];
  if (!names.includes(name as ScanName)) throw new InputError(`cannot scan '${name}': use one of ${names.join(", ")}`, where);
  const spec = raw.slice(eq + 1).trim();
  let values: number[];
  if (spec.includes(":")) {
    const parts = spec.split(":");
    if (parts.length !== 3) throw new InputError(`expected lo:hi:n, got '${spec}'`, where);
    const lo = Number(parts[0]);
    const hi = Number(parts[1]);
    const n = Number(parts[2]);
    if (!(lo > 0 && hi > 0 && Number.isFinite(lo) && Number.isFinite(hi)))
      throw new InputError(`log-grid bounds must be finite numbers > 0, got '${spec}'`, where);
    if (!Number.isInteger(n) || n < 1 || n > 100000) throw new InputError(`number of grid points must be an integer in [1, 100000], got '${parts[2]}'`, where);
    values = logGrid(lo, hi, n);
  } else {
    values = spec.split(",").map((s) => {
      const v = Number(s);
      if (s.trim() === "" || !Number.isFinite(v)) throw new InputError(`expected a number, got '${s}'`, where);
      return v;
    });
  }
  for (const v of values) {
    if (name === "width" ? !(v >= 1) : !(v > 0)) throw new InputError(`every ${name} value must be ${name === "width" ? "≥ 1" : "> 0"}, got ${v}`, where);
  }
  return { name: name as ScanName, values };
}

function rows(A: ArrayLike<number>, n: number, m: number): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from({ length: m }, (_, j) => A[i * m + j]));
}

const fmt = (v: number | null | undefined, d = 6) => (v === null || v === undefined ? "—" : Number.isFinite(v) ? v.toPrecision(d) : String(v));

interface Opts {
  data?: string;
  act: string;
  width: number;
  T: number;
  l0: number;
  l1: number;
  scan?: ScanSpec;
  form: Form;
  labelThreshold: number;
  top: number;
  delta?: boolean;
  json?: boolean;
  quiet?: boolean;
}

function buildProblem(o: Opts): RenormProblem {
  const { train, test } = loadSplit(o.data);
  const act = parseActivation(o.act);
  return RenormProblem.fromData({
    X: train.X,
    P: train.P,
    N0: train.D,
    y: train.y,
    Xtest: test.X,
    Pt: test.P,
    yTest: test.y,
    act,
    lambda0: o.l0,
    where: o.data,
  });
}

function resolveForm(o: Opts, pr: RenormProblem): Exclude<Form, "auto"> {
  if (o.form !== "auto") {
    if (o.form !== "matrix" && pr.nOut > 1)
      throw new InputError(`form '${o.form}' needs one output; the targets have ${pr.nOut} columns (use --form matrix)`, "option --form");
    return o.form;
  }
  if (pr.nOut > 1) return "matrix";
  return pr.act.odd ? "odd" : "nonodd";
}

function scanPoints(o: Opts): { parameter: "T" | "N1" | "lambda1" | "lambda0"; points: RenormParams[]; lambda0s?: number[] } {
  const base = { T: o.T, N1: o.width, lambda1: o.l1 };
  const s = o.scan!;
  switch (s.name) {
    case "T":
      return { parameter: "T", points: s.values.map((T) => ({ ...base, T })) };
    case "width":
      return { parameter: "N1", points: s.values.map((N1) => ({ ...base, N1 })) };
    case "l1":
      return { parameter: "lambda1", points: s.values.map((lambda1) => ({ ...base, lambda1 })) };
    default:
      return { parameter: "lambda0", points: s.values.map(() => base), lambda0s: s.values };
  }
}

function labelsOf(pr: RenormProblem, o: Opts): Float64Array {
  if (pr.nOut !== 1) throw new InputError("class-manifold signatures need one output (±1 labels)", "option --data");
  return Float64Array.from(pr.y, (v) => v - o.labelThreshold);
}

// ------------------------------------------------------------------------------ predict

/** One eigendecomposition of K − k̄k̄ᵀ per problem, shared by the points of a scan. */
const nonOddCache = new WeakMap<RenormProblem, NonOddRenorm>();

function predictOne(o: Opts, pr: RenormProblem, form: Exclude<Form, "auto">) {
  const p = { T: o.T, N1: o.width, lambda1: o.l1 };
  const head = { act: pr.act.spec, form, P: pr.P, Pt: pr.Pt, N0: pr.N0, outputs: pr.nOut, T: o.T, width: o.width, lambda0: o.l0, lambda1: o.l1 };
  const losses = (q: { ypred: Float64Array; testLoss: number | null; bias2: number | null; variance: number | null; trainLoss: number }) => ({
    ypred: pr.nOut > 1 ? rows(q.ypred, pr.Pt, pr.nOut) : Array.from(q.ypred),
    testLoss: q.testLoss,
    bias2: q.bias2,
    variance: q.variance,
    trainLoss: q.trainLoss,
  });
  if (form === "odd") {
    const sp = pr.solve(p);
    return {
      ...head,
      Qstar: sp.Q,
      action: sp.action,
      converged: sp.converged,
      iterations: sp.iterations,
      gradient: sp.gradient,
      ...losses(pr.predict(sp.Q, p)),
      infiniteWidth: losses(pr.predict(1, p)),
    };
  }
  if (form === "nonodd") {
    let th = nonOddCache.get(pr);
    if (!th) {
      th = NonOddRenorm.fromProblem(pr);
      nonOddCache.set(pr, th);
    }
    const sp = th.solve(p);
    return {
      ...head,
      Qstar: sp.x,
      B: sp.B,
      r: sp.r,
      action: sp.action,
      converged: sp.converged,
      iterations: sp.iterations,
      gradient: sp.gradient,
      ...losses(th.predict(sp.x, sp.r, p)),
      infiniteWidth: losses(th.predict(1, 1, p)),
    };
  }
  const m = pr.nOut;
  const sp = solveMatrixSaddle(pr.kappa, pr.yTilde, m, p, { where: pr.where });
  const I = new Float64Array(m * m);
  for (let a = 0; a < m; a++) I[a * m + a] = 1;
  return {
    ...head,
    Qstar: rows(sp.Q, m, m),
    QstarEigenvalues: Array.from(sp.eigenvalues),
    action: sp.action,
    converged: sp.converged,
    iterations: sp.iterations,
    gradient: sp.gradientNorm,
    ...losses(predictMatrix(pr, sp.Q, p)),
    infiniteWidth: losses(predictMatrix(pr, I, p)),
  };
}

function scanOdd(o: Opts, pr: RenormProblem, labels: ArrayLike<number> | false, micro: boolean): RenormScan {
  const { parameter, points, lambda0s } = scanPoints(o);
  const values = o.scan!.values;
  if (lambda0s) return scanLambda0(pr, lambda0s, points[0], { labels, micro });
  return scanRenorm(pr, points, { parameter, values, labels, micro });
}

function predictScan(o: Opts, pr: RenormProblem, form: Exclude<Form, "auto">) {
  const head = { act: pr.act.spec, form, P: pr.P, Pt: pr.Pt, N0: pr.N0, outputs: pr.nOut, T: o.T, width: o.width, lambda0: o.l0, lambda1: o.l1 };
  if (form === "odd") {
    const s = scanOdd(o, pr, false, false);
    return {
      ...head,
      scan: { parameter: o.scan!.name, values: s.values },
      Qstar: s.Q,
      action: s.action,
      converged: s.converged,
      iterations: s.iterations,
      gradient: s.gradient,
      testLoss: s.losses.testLoss,
      bias2: s.losses.bias2,
      variance: s.losses.variance,
      trainLoss: s.losses.trainLoss,
      infiniteWidth: s.infiniteWidth,
    };
  }
  // non-odd and matrix forms: one solve per point
  const { points, lambda0s } = scanPoints(o);
  const cols = {
    Qstar: [] as unknown[],
    action: [] as number[],
    converged: [] as boolean[],
    iterations: [] as number[],
    gradient: [] as unknown[],
    testLoss: [] as (number | null)[],
    bias2: [] as (number | null)[],
    variance: [] as (number | null)[],
    trainLoss: [] as number[],
  };
  const iw = { testLoss: [] as (number | null)[], bias2: [] as (number | null)[], variance: [] as (number | null)[], trainLoss: [] as number[] };
  points.forEach((p, j) => {
    const prj = lambda0s ? pr.withLambda0(lambda0s[j]) : pr;
    const r = predictOne({ ...o, T: p.T, width: p.N1, l1: p.lambda1 }, prj, form);
    cols.Qstar.push(r.Qstar);
    cols.action.push(r.action);
    cols.converged.push(r.converged);
    cols.iterations.push(r.iterations);
    cols.gradient.push(r.gradient);
    cols.testLoss.push(r.testLoss);
    cols.bias2.push(r.bias2);
    cols.variance.push(r.variance);
    cols.trainLoss.push(r.trainLoss);
    iw.testLoss.push(r.infiniteWidth.testLoss);
    iw.bias2.push(r.infiniteWidth.bias2);
    iw.variance.push(r.infiniteWidth.variance);
    iw.trainLoss.push(r.infiniteWidth.trainLoss);
  });
  return { ...head, scan: { parameter: o.scan!.name, values: o.scan!.values }, ...cols, infiniteWidth: iw };
}

// ------------------------------------------------------------------------------ signatures

function signaturesOne(o: Opts, pr: RenormProblem) {
  const p = { T: o.T, N1: o.width, lambda1: o.l1 };
  const sp = pr.solve(p);
  const col = collectiveSignature(pr, sp, labelsOf(pr, o));
  const mic = microscopicSignature(pr, sp, { top: o.top, matrices: !!o.delta });
  const out = {
    act: pr.act.spec,
    P: pr.P,
    N0: pr.N0,
    T: o.T,
    width: o.width,
    lambda0: o.l0,
    lambda1: o.l1,
    Qstar: sp.Q,
    converged: sp.converged,
    manifold: { prior: col.prior, posterior: col.posterior, shiftTimesN1: col.shift },
    weights: {
      Q: sp.Q,
      readoutNorm: mic.readoutNorm,
      readoutDisplacement: mic.readoutDisplacement,
      traceDeltaFull: mic.traceFull,
      traceDeltaCode: mic.traceCode,
      traceIdentity: mic.traceIdentity,
      traceIdentityResidual: mic.traceFull - mic.traceIdentity,
      topDeltaEigenvalues: Array.from(mic.spectrum.top.values),
      projections: { Xm: mic.projections.Xm, Xy: mic.projections.Xy },
    },
  };
  if (o.delta) {
    return {
      ...out,
      delta: {
        full: rows(mic.deltaFull!, pr.N0, pr.N0),
        code: rows(mic.deltaCode!, pr.N0, pr.N0),
        topEigenvectors: rows(mic.spectrum.top.vectors, pr.N0, mic.spectrum.top.values.length),
      },
    };
  }
  return out;
}

function signaturesScan(o: Opts, pr: RenormProblem) {
  const s = scanOdd(o, pr, labelsOf(pr, o), true);
  const c = s.collective!;
  return {
    act: pr.act.spec,
    P: pr.P,
    N0: pr.N0,
    T: o.T,
    width: o.width,
    lambda0: o.l0,
    lambda1: o.l1,
    scan: { parameter: o.scan!.name, values: s.values },
    Qstar: s.Q,
    converged: s.converged,
    manifold: {
      prior: c.prior,
      centroidShift: c.centroidShift,
      pairwiseShift: c.pairwiseShift,
      radiusAShift: c.radiusAShift,
      radiusBShift: c.radiusBShift,
      separation: c.separation,
      maximum: {
        [o.scan!.name]: c.maximum.refined.x,
        value: c.maximum.refined.value,
        gridIndex: c.maximum.index,
        gridValue: c.maximum.x,
        interior: c.maximum.interior,
      },
    },
    weights: { readoutDisplacement: s.readoutDisplacement, traceDeltaFull: s.micro!.traceFull, traceDeltaCode: s.micro!.traceCode },
  };
}

// ------------------------------------------------------------------------------ text output

// biome-ignore lint/suspicious/noExplicitAny: formatting of the JSON-shaped results
function humanPredict(r: any): string {
  const lines = [`${r.act} (${r.form} form), P = ${r.P}, test P = ${r.Pt}, N0 = ${r.N0}, λ0 = ${r.lambda0}, λ1 = ${r.lambda1}`];
  if (r.scan) {
    lines.push(`scan of ${r.scan.parameter}:`);
    lines.push(
      `${r.scan.parameter.padStart(12)} ${"Q̄*".padStart(12)} ${"test loss".padStart(12)} ${"bias²".padStart(12)} ${"train loss".padStart(12)} ${"NNGP test".padStart(12)}`,
    );
    r.scan.values.forEach((v: number, j: number) => {
      const q = Array.isArray(r.Qstar[j]) ? `[${(r.Qstar[j] as number[][]).map((row) => row.map((x) => x.toFixed(3)).join(" ")).join("; ")}]` : fmt(r.Qstar[j]);
      lines.push(
        `${fmt(v, 5).padStart(12)} ${q.padStart(12)} ${fmt(r.testLoss[j]).padStart(12)} ${fmt(r.bias2[j]).padStart(12)} ${fmt(r.trainLoss[j]).padStart(12)} ${fmt(r.infiniteWidth.testLoss[j]).padStart(12)}`,
      );
    });
    return lines.join("\n");
  }
  lines.push(`T = ${r.T}, N1 = ${r.width}`);
  lines.push(
    `Q̄* = ${Array.isArray(r.Qstar) ? JSON.stringify(r.Qstar) : fmt(r.Qstar, 10)}   S = ${fmt(r.action, 10)}   converged: ${r.converged} (${r.iterations} iterations, dS = ${JSON.stringify(r.gradient)})`,
  );
  lines.push("                 renormalized        NNGP (Q̄ = 1)");
  lines.push(`test loss    ${fmt(r.testLoss).padStart(16)} ${fmt(r.infiniteWidth.testLoss).padStart(16)}`);
  lines.push(`  bias²      ${fmt(r.bias2).padStart(16)} ${fmt(r.infiniteWidth.bias2).padStart(16)}`);
  lines.push(`  variance   ${fmt(r.variance).padStart(16)} ${fmt(r.infiniteWidth.variance).padStart(16)}`);
  lines.push(`train loss   ${fmt(r.trainLoss).padStart(16)} ${fmt(r.infiniteWidth.trainLoss).padStart(16)}`);
  return lines.join("\n");
}

// biome-ignore lint/suspicious/noExplicitAny: formatting of the JSON-shaped results
function humanSignatures(r: any): string {
  const lines = [`${r.act}, P = ${r.P}, N0 = ${r.N0}, λ0 = ${r.lambda0}, λ1 = ${r.lambda1}, N1 = ${r.width}`];
  if (r.scan) {
    const m = r.manifold.maximum;
    lines.push(`class-manifold distance along ${r.scan.parameter} (prior d² = uᵀKu = ${fmt(r.manifold.prior.centroid)}):`);
    lines.push(
      `${r.scan.parameter.padStart(12)} ${"Q̄*".padStart(10)} ${"N1Δd²".padStart(10)} ${"N1Δpair".padStart(10)} ${"sep".padStart(10)} ${"Tr Δ full".padStart(11)} ${"Tr Δ code".padStart(11)}`,
    );
    r.scan.values.forEach((v: number, j: number) => {
      lines.push(
        `${fmt(v, 5).padStart(12)} ${fmt(r.Qstar[j], 6).padStart(10)} ${fmt(r.manifold.centroidShift[j], 5).padStart(10)} ${fmt(r.manifold.pairwiseShift[j], 5).padStart(10)} ${fmt(r.manifold.separation[j], 5).padStart(10)} ${fmt(r.weights.traceDeltaFull[j], 5).padStart(11)} ${fmt(r.weights.traceDeltaCode[j], 5).padStart(11)}`,
      );
    });
    lines.push(
      `maximum of N1Δd²: ${fmt(m.value)} at ${r.scan.parameter} = ${fmt(m[r.scan.parameter])}${m.interior ? " (refined by a parabola in log)" : " (at the edge of the grid)"}`,
    );
    return lines.join("\n");
  }
  const w = r.weights;
  const s = r.manifold;
  lines.push(`T = ${r.T}: Q̄* = ${fmt(r.Qstar, 10)}`);
  lines.push("class manifolds        prior     posterior   N1 × shift");
  for (const k of ["centroid", "pairwise", "radiusA", "radiusB", "separation"])
    lines.push(`  ${k.padEnd(12)} ${fmt(s.prior[k]).padStart(11)} ${fmt(s.posterior[k]).padStart(11)} ${fmt(s.shiftTimesN1[k]).padStart(11)}`);
  lines.push(`readout: ⟨|v|²⟩/N1 = ${fmt(w.readoutNorm)}, displacement (Q̄ − 1)/λ1 = ${fmt(w.readoutDisplacement)}`);
  lines.push(`first layer: Tr Δ full = ${fmt(w.traceDeltaFull)}, code = ${fmt(w.traceDeltaCode)}, trace identity = ${fmt(w.traceIdentity)}`);
  lines.push(
    `  eᵀΔe, e ∝ Xᵀm: full ${fmt(w.projections.Xm.full)}, code ${fmt(w.projections.Xm.code)};  e ∝ Xᵀy: full ${fmt(w.projections.Xy.full)}, code ${fmt(w.projections.Xy.code)}`,
  );
  lines.push(`  top Δ eigenvalues: ${w.topDeltaEigenvalues.map((v: number) => fmt(v, 4)).join(", ")}`);
  return lines.join("\n");
}

export function register(program: Command): void {
  withCommon(program.command("renorm"))
    .description(
      "paper a: kernel renormalization in the proportional limit (Q̄*, predictor, losses); 'signatures': class-manifold distances and weight statistics",
    )
    .argument("[what]", "predict (default) or signatures", choiceArg("what", ["predict", "signatures"] as const), "predict")
    .option("--data <file>", 'a {"Xtrain","ytrain","Xtest","ytest"} JSON file')
    .option("--act <name>", "activation σ (erf, linear, relu, tanh, …)", "erf")
    .option("--width <N1>", "hidden width N1 ≥ 1 (inf: infinite width)", widthArg, 100)
    .option("--T <t>", "likelihood temperature T > 0", positiveArg("--T"), 0.01)
    .option("--l0 <lambda0>", "first-layer prior precision λ0 > 0", positiveArg("--l0"), 1)
    .option("--l1 <lambda1>", "readout prior precision λ1 > 0", positiveArg("--l1"), 1)
    .option("--scan <spec>", "scan one parameter: T=lo:hi:n, width=lo:hi:n, l1=…, l0=… (n log-spaced values) or name=v1,v2,…", parseScan)
    .option(
      "--form <form>",
      "auto (odd σ: scalar Q̄; non-odd σ: two order parameters; several outputs: matrix Q), odd, nonodd, matrix",
      choiceArg("--form", ["auto", "odd", "nonodd", "matrix"] as const),
      "auto",
    )
    .option("--label-threshold <t>", "signatures: class A is y > t, class B is y < t (0 for ±1 labels, 0.5 for 0/1)", numberArg("--label-threshold"), 0)
    .option("--top <k>", "signatures: number of leading Δ eigenvalues", intAtLeast("--top", 0), 5)
    .option("--delta", "signatures: include the N0×N0 matrices Δ_full, Δ_code and the top eigenvectors in the JSON")
    .action((what: "predict" | "signatures", o: Opts) => {
      const pr = buildProblem(o);
      const form = resolveForm(o, pr);
      if (what === "signatures") {
        if (form !== "odd")
          throw new InputError(`signatures are implemented for the scalar theory (odd σ, one output); this is the '${form}' form`, "renorm signatures");
        const r = o.scan ? signaturesScan(o, pr) : signaturesOne(o, pr);
        emit(o, r, () => humanSignatures(r));
        return;
      }
      const r = o.scan ? predictScan(o, pr, form) : predictOne(o, pr, form);
      emit(o, r, () => humanPredict(r));
    });
}
