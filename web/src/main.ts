/**
 * The explorer's page: wires the controls (all mirrored in the URL), fetches the spectrum once per
 * (dataset, activation, λ0), and evaluates the renormalization theory in the browser on every change
 * of T, N1 or λ1 (see theory.ts), redrawing the views in place.
 */
import "./style.css";
import * as api from "./api";
import {
  Chart,
  COLORS,
  colorTable,
  lossSpec,
  predictionSpec,
  qStarSpec,
  rasterSpec,
  rasterTooltip,
  rasterUrl,
  sbLoadSpec,
  sbTrajSpec,
  spectrumSpec,
} from "./charts";
import { exportButtons } from "./export";
import { fmt, isImages, isSynthetic, parseState, RANGES, SB_DEFAULTS, SB_KEYS, type State, serializeState, spectrumParams, springBlockParams } from "./state";
import { logspace, makeSpectrum, predict, type Spectrum, solveQ, testLoss, trainLoss } from "./theory";

type Rows = Record<string, unknown>[];

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing element #${id}`);
  return el as T;
};

const FASHION = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

// ------------------------------------------------------------------ state

const parsed = parseState(location.search);
const state: State = parsed.state;
let spectrum: Spectrum | null = null;
let meta: api.SpectrumAnswer | null = null;
let kernel: { P: number; K: Float32Array; labels: number[] | null; y: number[]; min: number; max: number } | null = null;
let phase: api.PhaseAnswer | null = null;
let meanField: api.MeanFieldAnswer | null = null;
let lastRedrawMs = Number.NaN;
let redraws = 0;

const busy = new Set<Promise<unknown>>();
function track<T>(p: Promise<T>): Promise<T> {
  busy.add(p);
  const done = () => busy.delete(p);
  p.then(done, done);
  return p;
}
async function idle(): Promise<void> {
  while (busy.size > 0) await Promise.allSettled([...busy]);
}

// ------------------------------------------------------------------ messages

function status(text: string, loading = false): void {
  const el = $("status");
  el.textContent = text;
  el.classList.toggle("loading", loading);
}
function showError(text: string | null): void {
  const el = $("error");
  el.hidden = text === null;
  el.textContent = text ?? "";
}
if (parsed.rejected.length > 0) showError(`Ignored invalid URL parameters (${parsed.rejected.join(", ")}); their defaults are used.`);

function sig(v: number, d = 4): string {
  if (!Number.isFinite(v)) return "–";
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(d - 1);
  return String(Number(v.toPrecision(d)));
}

function writeUrl(): void {
  const q = `?${serializeState(state)}`;
  if (q !== location.search) history.replaceState(null, "", q);
}

// ------------------------------------------------------------------ charts

const charts = {
  q: new Chart($("chart-q"), "featurelab-qstar-vs-T"),
  loss: new Chart($("chart-loss"), "featurelab-test-loss-vs-width"),
  pred: new Chart($("chart-pred"), "featurelab-test-predictions"),
  kernel: new Chart($("chart-kernel"), "featurelab-nngp-kernel"),
  spectrum: new Chart($("chart-spectrum"), "featurelab-kernel-spectrum"),
  phase: new Chart($("chart-phase"), "featurelab-phase-diagram"),
  sbload: new Chart($("chart-sbload"), "featurelab-springblock-load-curve"),
  sbtraj: new Chart($("chart-sbtraj"), "featurelab-springblock-trajectories"),
};

const theoryParams = () => ({ ...spectrumParams(state), l1: state.l1, N1: state.N1, T: state.T });
exportButtons($("exp-q"), "featurelab-qstar-vs-T", () => ({
  params: theoryParams(),
  sets: { qcurve: charts.q.rows("qcurve"), current: charts.q.rows("qcurrent") },
}));
exportButtons($("exp-loss"), "featurelab-test-loss-vs-width", () => ({
  params: theoryParams(),
  sets: { loss: charts.loss.rows("loss"), nngpLimit: charts.loss.rows("gplimit"), current: charts.loss.rows("losscurrent") },
}));
exportButtons($("exp-pred"), "featurelab-test-predictions", () => ({ params: theoryParams(), sets: { predictions: charts.pred.rows("pred") } }));
exportButtons($("exp-kernel"), "featurelab-nngp-kernel", () => {
  const rows: Rows = [];
  if (kernel) {
    const { P, K, labels, y } = kernel;
    for (let i = 0; i < P; i++) {
      const r: Record<string, unknown> = { mu: i + 1, label: labels ? labels[i] : null, y: y[i] };
      for (let j = 0; j < P; j++) r[`K_${j + 1}`] = K[i * P + j];
      rows.push(r);
    }
  }
  return { params: spectrumParams(state), sets: { kernel: rows } };
});
exportButtons($("exp-spectrum"), "featurelab-kernel-spectrum", () => ({ params: spectrumParams(state), sets: { spectrum: charts.spectrum.rows("spec") } }));
exportButtons($("exp-phase"), "featurelab-phase-diagram", () => {
  const grid: Rows = [];
  if (phase) {
    const n = phase.gw.length;
    phase.gb.forEach((gb, i) => {
      phase?.gw.forEach((gw, j) => {
        const k = i * n + j;
        grid.push({ gw, gb, chi1: phase?.chi1[k], qStar: phase?.qStar[k], xiC: phase?.xiC[k], phase: phase?.phases[phase.phase[k]] });
      });
    });
  }
  return {
    params: { act: state.act, gw: state.gw, gb: state.gb },
    sets: { grid, criticalLine: phase?.criticalLine ?? [], point: meanField ? [meanField as unknown as Record<string, unknown>] : [] },
  };
});

const kernelTable = colorTable("viridis");
const phaseTable = colorTable("blueorange");

// ------------------------------------------------------------------ theory (client side)

const T_GRID = logspace(1e-5, 1e2, 57);
/** Widths of the test-loss curve: 1 … 10⁵, six per decade. */
const N1_GRID = logspace(1, 1e5, 31);
let qCurveKey = "";
let lossWork: { d: Float64Array; w: Float64Array } | null = null;

function discreteTargets(y: Float64Array): number[] | null {
  const set = new Set<number>();
  for (const v of y) {
    set.add(v);
    if (set.size > 12) return null;
  }
  return [...set].sort((a, b) => a - b);
}

/** Recomputes every T/N1/λ1-dependent curve from the spectrum and swaps the charts' data. */
async function updateTheory(): Promise<void> {
  const sp = spectrum;
  if (!sp || !meta) return;
  const t0 = performance.now();
  const { T, N1, l1 } = state;
  const P = sp.P;
  const sets: Record<string, Record<string, Rows>> = { q: {}, loss: {}, pred: {} };

  const key = `${meta.key}|${N1}|${l1}`;
  if (key !== qCurveKey) {
    sets.q.qcurve = T_GRID.map((t) => ({ T: t, Q: solveQ(sp.kappa, sp.y2, t, N1, l1), N1 }));
    qCurveKey = key;
  }
  const Q = solveQ(sp.kappa, sp.y2, T, N1, l1);
  const s = Q / l1;
  sets.q.qcurrent = [{ T, Q, N1 }];

  if (!lossWork || lossWork.d.length !== P) lossWork = { d: new Float64Array(P), w: new Float64Array(P) };
  const lossRows: Rows = [];
  for (const n of N1_GRID) {
    const q = solveQ(sp.kappa, sp.y2, T, n, l1);
    const L = testLoss(sp, T, q / l1, lossWork);
    const base = { N1: n, alpha: P / n, Q: q };
    lossRows.push({ ...base, quantity: "ε_g = bias² + variance", value: L.loss, dash: 0 });
    lossRows.push({ ...base, quantity: "bias²", value: L.bias2, dash: 1 });
    lossRows.push({ ...base, quantity: "variance", value: L.variance, dash: 1 });
  }
  sets.loss.loss = lossRows.filter((r) => (r.value as number) > 0);
  const cur = testLoss(sp, T, s, lossWork);
  const gp = testLoss(sp, T, 1 / l1, lossWork);
  sets.loss.gplimit = [{ value: gp.loss, label: "NNGP (N₁ → ∞)" }];
  sets.loss.losscurrent = [{ N1, alpha: P / N1, Q, quantity: "ε_g = bias² + variance", value: cur.loss }];

  const fin = predict(sp, T, s);
  const inf = predict(sp, T, 1 / l1);
  const levels = discreteTargets(sp.yTest);
  let spread = 0;
  if (levels) {
    let gap = Number.POSITIVE_INFINITY;
    for (let i = 1; i < levels.length; i++) gap = Math.min(gap, levels[i] - levels[i - 1]);
    spread = 0.4 * (Number.isFinite(gap) ? gap : 1);
  }
  const pred: Rows = [];
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < sp.Pt; i++) {
    const t = sp.yTest[i];
    const xj = t + spread * (((i * 0.6180339887) % 1) - 0.5);
    lo = Math.min(lo, t);
    hi = Math.max(hi, t);
    const sdI = Math.sqrt(inf.variance[i]);
    const sdF = Math.sqrt(fin.variance[i]);
    pred.push({ i: i + 1, series: "NNGP (N₁ → ∞)", target: t, xj, mean: inf.mean[i], sd: sdI, lo: inf.mean[i] - sdI, hi: inf.mean[i] + sdI, order: 0 });
    pred.push({
      i: i + 1,
      series: "renormalised (finite N₁)",
      target: t,
      xj,
      mean: fin.mean[i],
      sd: sdF,
      lo: fin.mean[i] - sdF,
      hi: fin.mean[i] + sdF,
      order: 1,
    });
  }
  sets.pred.pred = pred;
  sets.pred.diag = [{ v: lo - spread / 2 }, { v: hi + spread / 2 }];

  const computeMs = performance.now() - t0;
  await Promise.all([charts.q.set(sets.q), charts.loss.set(sets.loss), charts.pred.set(sets.pred)]);
  const ms = performance.now() - t0;
  lastRedrawMs = ms;
  redraws++;

  const set = (id: string, v: number) => {
    const el = $(id);
    el.textContent = sig(v);
    el.dataset.value = String(v);
  };
  set("ro-Q", Q);
  set("ro-alpha", P / N1);
  set("ro-loss", cur.loss);
  set("ro-bias", cur.bias2);
  set("ro-var", cur.variance);
  set("ro-train", trainLoss(sp, T, s));
  set("ro-gp", gp.loss);
  $("ro-ms").textContent = `${ms.toFixed(1)} ms`;
  const panel = $("theory");
  panel.dataset.t = String(T);
  panel.dataset.q = String(Q);
  panel.dataset.redrawMs = ms.toFixed(2);
  panel.dataset.computeMs = computeMs.toFixed(2);
  panel.dataset.redraws = String(redraws);
  writeUrl();
}

let theoryQueued = false;
let theoryLoop: Promise<void> | null = null;
/** Coalesces bursts of slider events: at most one redraw in flight and one queued. */
function scheduleTheory(): Promise<void> {
  theoryQueued = true;
  if (!theoryLoop) {
    theoryLoop = track(
      (async () => {
        try {
          while (theoryQueued) {
            theoryQueued = false;
            await updateTheory();
          }
        } finally {
          theoryLoop = null;
        }
      })(),
    );
  }
  return theoryLoop;
}

// ------------------------------------------------------------------ spectrum, kernel, phase (server side)

let spectrumAbort: AbortController | null = null;

async function loadSpectrum(): Promise<void> {
  spectrumAbort?.abort();
  const ctrl = new AbortController();
  spectrumAbort = ctrl;
  const params = spectrumParams(state);
  writeUrl();
  status(`Computing the NNGP kernel and its eigendecomposition (${state.data}, P = ${state.P}, φ = ${state.act}) …`, true);
  try {
    const a = await api.get<api.SpectrumAnswer>("spectrum", params, ctrl.signal);
    if (ctrl.signal.aborted) return;
    const P = a.dataset.P;
    const Pt = a.dataset.Pt;
    spectrum = makeSpectrum(P, Pt, api.f64(a.kappa), api.f64(a.yTilde), api.f64(a.B), api.f64(a.kDiag), api.f64(a.yTest));
    meta = a;
    qCurveKey = "";
    showError(null);
    const t = a.timings;
    status(
      `${a.dataset.description}: P = ${P} train, ${Pt} test, D = ${a.dataset.D}; φ = ${a.act}, λ₀ = ${sig(a.lambda0)}; kernel ${t.kernelMs.toFixed(0)} ms, eigendecomposition ${t.eighMs.toFixed(0)} ms (cached on the server)`,
    );
    $("dataset-caption").textContent =
      `${a.dataset.description} · P = ${P} training and ${Pt} test points · ${a.dataset.task} · kernel: ${a.method} · rank ${a.diagnostics.rank}/${P}`;
    $("kernel-caption").textContent = `φ = ${a.act}, λ₀ = ${sig(a.lambda0)}, P = ${P}; κ_max = ${sig(a.diagnostics.maxEigenvalue)}`;
    const discrete = discreteTargets(spectrum.yTest) !== null;
    if (charts.pred.result === null || (charts.pred.el.dataset.discrete === "1") !== discrete) {
      charts.pred.el.dataset.discrete = discrete ? "1" : "0";
      await charts.pred.mount(predictionSpec(discrete));
    }
    const spec: Rows = [];
    const order = Array.from(spectrum.kappa.keys()).sort((i, j) => spectrum!.kappa[j] - spectrum!.kappa[i]);
    let total = 0;
    for (const i of order) total += spectrum.y2[i];
    let cum = 0;
    order.forEach((i, r) => {
      cum += spectrum!.y2[i];
      spec.push({ i: r + 1, kappa: spectrum!.kappa[i], y2: spectrum!.y2[i], cum: total > 0 ? cum / total : 0 });
    });
    await Promise.all([scheduleTheory(), charts.spectrum.set({ spec }), track(loadKernel(params, ctrl.signal))]);
  } catch (e) {
    if (ctrl.signal.aborted) return;
    status("");
    showError(e instanceof Error ? e.message : String(e));
  }
}

async function loadKernel(params: Record<string, string>, signal: AbortSignal): Promise<void> {
  const a = await api.get<api.KernelAnswer>("kernel", params, signal);
  const K = api.f32(a.K);
  kernel = { P: a.P, K, labels: a.labels, y: a.y, min: a.min, max: a.max };
  const url = rasterUrl(K, a.P, a.P, a.min, a.max, kernelTable);
  const bounds: Rows = [];
  if (a.labels) for (let i = 1; i < a.P; i++) if (a.labels[i] !== a.labels[i - 1]) bounds.push({ pos: i });
  await charts.kernel.set({ img: [{ url, x0: 0, x1: a.P, y0: 0, y1: a.P }], legend: [{ v: a.min }, { v: a.max }], bounds });
  charts.kernel.el.dataset.p = String(a.P);
}

let phaseAct = "";
async function loadPhase(): Promise<void> {
  if (phaseAct === state.act && phase) return;
  phaseAct = state.act;
  $("chaos-caption").textContent =
    `φ = ${state.act}: mean-field signal propagation through a deep network with weight variance g_w/N and bias variance g_b per layer.`;
  try {
    const a = await api.get<api.PhaseAnswer>("phase", { act: state.act });
    phase = a;
    const n = a.gw.length;
    const m = a.gb.length;
    const vals: (number | null)[] = a.chi1.map((c, k) => (c === null || c <= 0 || a.phase[k] === 3 ? null : Math.log2(c)));
    const url = rasterUrl(vals, n, m, -2, 2, phaseTable, true);
    const dx = (a.gw[n - 1] - a.gw[0]) / (n - 1);
    const dy = (a.gb[m - 1] - a.gb[0]) / (m - 1);
    const crit = a.criticalLine.filter((c) => c.gw !== null && c.gw >= a.gw[0] && c.gw <= a.gw[n - 1]).map((c) => ({ gw: c.gw, gb: c.gb }));
    await charts.phase.set({
      img: [{ url, x0: a.gw[0] - dx / 2, x1: a.gw[n - 1] + dx / 2, y0: a.gb[0] - dy / 2, y1: a.gb[m - 1] + dy / 2 }],
      legend: [{ v: -2 }, { v: 2 }],
      crit,
    });
  } catch (e) {
    phaseAct = "";
    showError(e instanceof Error ? e.message : String(e));
  }
}

let mfTimer: ReturnType<typeof setTimeout> | undefined;
function scheduleMeanField(): void {
  clearTimeout(mfTimer);
  mfTimer = setTimeout(() => track(loadMeanField()), 60);
}
async function loadMeanField(): Promise<void> {
  try {
    const a = await api.get<api.MeanFieldAnswer>("meanfield", { act: state.act, gw: String(state.gw), gb: String(state.gb) });
    meanField = a;
    const put = (id: string, v: number | null | string) => {
      $(id).textContent = typeof v === "string" ? v : v === null ? "∞" : sig(v);
    };
    put("mf-chi1", a.chi1);
    put("mf-q", a.qStar);
    put("mf-c", a.cStar === null ? "–" : a.cStar);
    put("mf-xi", a.xiC);
    put("mf-phase", a.phase);
    put("mf-gc", a.criticalGw === null ? "none in range" : a.criticalGw);
    await charts.phase.set({ cur: [{ gw: state.gw, gb: state.gb }] });
    writeUrl();
  } catch (e) {
    showError(e instanceof Error ? e.message : String(e));
  }
}

// ------------------------------------------------------------------ spring–block (paper c)

let sbTimer: ReturnType<typeof setTimeout> | undefined;
let sbAbort: AbortController | null = null;
function scheduleSpringBlock(): void {
  clearTimeout(sbTimer);
  sbTimer = setTimeout(() => track(loadSpringBlock()), 120);
}

async function loadSpringBlock(): Promise<void> {
  sbAbort?.abort();
  const ctrl = new AbortController();
  sbAbort = ctrl;
  writeUrl();
  try {
    const a = await api.get<api.SpringBlockAnswer>("springblock", springBlockParams(state), ctrl.signal);
    if (ctrl.signal.aborted) return;
    const L = a.x.length;
    const load = a.loadCurve.map((v, l) => ({ l, load: v, d: l === 0 ? null : a.springs[l - 1] }));
    const linear = Array.from({ length: L + 2 }, (_, l) => ({ l, load: 1 - l / (L + 1) })).filter((r) => r.l <= L);
    // at most 12 blocks drawn (evenly spaced, first and last included)
    const shown = L <= 12 ? Array.from({ length: L }, (_, i) => i) : [...new Set(Array.from({ length: 12 }, (_, i) => Math.round((i * (L - 1)) / 11)))];
    const traj: Rows = [];
    a.times.forEach((t, f) => {
      for (const b of shown) traj.push({ t, block: b + 1, x: a.trajectory[f * L + b] });
    });
    $("sb-shape").textContent = a.shape;
    $("sb-c").textContent = sig(a.c);
    $("sb-chat").textContent = sig(a.cHat);
    $("sb-v").textContent = sig(a.v);
    $("sb-e").textContent = sig(a.energy);
    $("sb-ms").textContent = `${a.ms.toFixed(0)} ms`;
    await Promise.all([charts.sbload.set({ load, linear }), charts.sbtraj.set({ traj })]);
    showError(null);
  } catch (e) {
    if (ctrl.signal.aborted) return;
    showError(e instanceof Error ? e.message : String(e));
  }
}

function writeSpringBlockControls(): void {
  $<HTMLSelectElement>("sb").value = state.sb;
  for (const k of SB_KEYS) {
    const el = $<HTMLInputElement | HTMLSelectElement>(k);
    el.value = String(state[k]);
  }
}

async function initSpringBlock(): Promise<void> {
  $("springblock").hidden = false;
  writeSpringBlockControls();
  $<HTMLSelectElement>("sb").addEventListener("change", () => {
    state.sb = $<HTMLSelectElement>("sb").value === "B" ? "B" : "A";
    Object.assign(state, SB_DEFAULTS[state.sb]);
    writeSpringBlockControls();
    scheduleSpringBlock();
  });
  for (const k of SB_KEYS) {
    const el = $<HTMLInputElement | HTMLSelectElement>(k);
    el.addEventListener("change", () => {
      const v = Number(el.value);
      const [lo, hi] = RANGES[k];
      const integer = ["sbL", "sbsteps", "sbseed", "sbcommon"].includes(k);
      if (el.value.trim() === "" || !Number.isFinite(v) || v < lo || v > hi || (integer && !Number.isInteger(v))) {
        el.classList.add("invalid");
        el.title = `${k} must be ${integer ? "an integer" : "a number"} in [${lo}, ${hi}]`;
        return;
      }
      el.classList.remove("invalid");
      state[k] = v;
      scheduleSpringBlock();
    });
  }
  exportButtons($("exp-sbload"), "featurelab-springblock-load-curve", () => ({
    params: springBlockParams(state),
    sets: { loadCurve: charts.sbload.rows("load"), frictionless: charts.sbload.rows("linear") },
  }));
  exportButtons($("exp-sbtraj"), "featurelab-springblock-trajectories", () => ({
    params: springBlockParams(state),
    sets: { trajectories: charts.sbtraj.rows("traj") },
  }));
  await Promise.all([charts.sbload.mount(sbLoadSpec()), charts.sbtraj.mount(sbTrajSpec())]);
  await loadSpringBlock();
}

// ------------------------------------------------------------------ controls

function option(sel: HTMLSelectElement, value: string, label: string): void {
  const o = document.createElement("option");
  o.value = value;
  o.textContent = label;
  sel.appendChild(o);
}

function fillClasses(): void {
  const names = state.data === "fashion" ? FASHION : null;
  const [a, b] = state.cls.split(",");
  for (const [id, v] of [
    ["clsA", a],
    ["clsB", b],
  ] as const) {
    const sel = $<HTMLSelectElement>(id);
    sel.replaceChildren();
    for (let c = 0; c < 10; c++) option(sel, String(c), names ? `${c} ${names[c]}` : String(c));
    sel.value = v;
  }
}

function showRelevant(): void {
  document.querySelectorAll<HTMLElement>(".images-only").forEach((e) => {
    e.hidden = !isImages(state.data);
  });
  document.querySelectorAll<HTMLElement>(".synthetic-only").forEach((e) => {
    e.hidden = !isSynthetic(state.data);
  });
  document.querySelectorAll<HTMLElement>(".clusters-only").forEach((e) => {
    e.hidden = state.data !== "clusters";
  });
  $("noise-label").textContent = state.data === "clusters" ? "cluster std s" : "noise σ";
}

const numberKeys = ["P", "Pt", "D", "noise", "sep", "seed"] as const;
function writeControls(): void {
  const dataSel = $<HTMLSelectElement>("data");
  if (![...dataSel.options].some((o) => o.value === state.data)) option(dataSel, state.data, `upload ${state.data.slice(7)}`);
  dataSel.value = state.data;
  for (const k of numberKeys) $<HTMLInputElement>(k).value = String(state[k]);
  const actSel = $<HTMLSelectElement>("act");
  if (![...actSel.options].some((o) => o.value === state.act)) option(actSel, state.act, state.act);
  actSel.value = state.act;
  for (const k of ["l0", "N1", "l1", "T", "gw", "gb"] as const) writeSlider(k);
  for (const r of document.querySelectorAll<HTMLInputElement>('input[name="xaxis"]')) r.checked = r.value === state.x;
  fillClasses();
  showRelevant();
}

function isLinear(k: string): boolean {
  return document.querySelector<HTMLElement>(`.slider[data-key="${k}"]`)?.dataset.linear === "1";
}
function writeSlider(k: "l0" | "N1" | "l1" | "T" | "gw" | "gb"): void {
  const v = state[k];
  $<HTMLInputElement>(`${k}-range`).value = String(isLinear(k) ? v : Math.log10(v));
  $<HTMLInputElement>(k).value = fmt(v);
}

/** A slider + number pair. `live` keys redraw on every input event; the others on release. */
function bindSlider(k: "l0" | "N1" | "l1" | "T" | "gw" | "gb", live: boolean, onChange: () => void): void {
  const range = $<HTMLInputElement>(`${k}-range`);
  const num = $<HTMLInputElement>(k);
  const [lo, hi] = RANGES[k];
  const fromRange = () => {
    const r = Number(range.value);
    state[k] = Number((isLinear(k) ? r : 10 ** r).toPrecision(4));
    num.value = fmt(state[k]);
  };
  range.addEventListener("input", () => {
    fromRange();
    if (live) onChange();
  });
  range.addEventListener("change", () => {
    fromRange();
    if (!live) onChange();
  });
  num.addEventListener("change", () => {
    const v = Number(num.value);
    if (!Number.isFinite(v) || v < lo || v > hi || (!isLinear(k) && v <= 0)) {
      num.classList.add("invalid");
      num.title = `${k} must be a number in [${lo}, ${hi}]${isLinear(k) ? "" : " and > 0"}`;
      return;
    }
    num.classList.remove("invalid");
    num.title = "";
    state[k] = v;
    range.value = String(isLinear(k) ? v : Math.log10(v));
    onChange();
  });
}

async function init(): Promise<void> {
  const opts = await api.get<api.Options>("options");
  const actSel = $<HTMLSelectElement>("act");
  for (const a of opts.activations) option(actSel, a, a);
  const dataSel = $<HTMLSelectElement>("data");
  for (const d of opts.datasets) {
    const o = [...dataSel.options].find((x) => x.value === d.kind);
    if (o && !d.available) {
      o.disabled = true;
      o.textContent += " (not installed)";
    }
  }
  writeControls();

  dataSel.addEventListener("change", () => {
    state.data = dataSel.value;
    if (isImages(state.data)) state.cls = state.data === "fashion" ? "0,6" : "0,1";
    writeControls();
    track(loadSpectrum());
  });
  for (const id of ["clsA", "clsB"]) {
    $<HTMLSelectElement>(id).addEventListener("change", () => {
      const a = $<HTMLSelectElement>("clsA").value;
      const b = $<HTMLSelectElement>("clsB").value;
      if (a === b) {
        showError("Choose two different classes.");
        return;
      }
      state.cls = `${a},${b}`;
      track(loadSpectrum());
    });
  }
  for (const k of numberKeys) {
    const el = $<HTMLInputElement>(k);
    el.addEventListener("change", () => {
      const v = Number(el.value);
      const [lo, hi] = RANGES[k];
      const integer = k !== "noise" && k !== "sep";
      if (el.value.trim() === "" || !Number.isFinite(v) || v < lo || v > hi || (integer && !Number.isInteger(v))) {
        el.classList.add("invalid");
        el.title = `${k} must be ${integer ? "an integer" : "a number"} in [${lo}, ${hi}]`;
        return;
      }
      el.classList.remove("invalid");
      el.title = "";
      state[k] = v;
      track(loadSpectrum());
    });
  }
  actSel.addEventListener("change", () => {
    state.act = actSel.value;
    track(loadSpectrum());
    track(loadPhase());
    scheduleMeanField();
  });
  bindSlider("l0", false, () => track(loadSpectrum()));
  bindSlider("N1", true, () => scheduleTheory());
  bindSlider("l1", true, () => scheduleTheory());
  bindSlider("T", true, () => scheduleTheory());
  bindSlider("gw", true, scheduleMeanField);
  bindSlider("gb", true, scheduleMeanField);
  for (const r of document.querySelectorAll<HTMLInputElement>('input[name="xaxis"]')) {
    r.addEventListener("change", async () => {
      state.x = r.value === "alpha" ? "alpha" : "N1";
      await track(charts.loss.mount(lossSpec(state.x)));
      writeUrl();
    });
  }
  $<HTMLInputElement>("upload").addEventListener("change", async (ev) => {
    const file = (ev.target as HTMLInputElement).files?.[0];
    if (!file) return;
    if (file.size > opts.limits.maxUploadBytes) {
      showError(`${file.name} is larger than the upload limit of ${opts.limits.maxUploadBytes / 2 ** 20} MB.`);
      return;
    }
    status(`Uploading ${file.name} …`, true);
    try {
      const a = await api.upload(file);
      state.data = a.data;
      state.Pt = Math.min(200, Math.max(1, Math.floor(a.rows / 5)));
      state.P = Math.min(a.rows - state.Pt, 1000);
      const sel = $<HTMLSelectElement>("data");
      option(sel, a.data, `upload: ${a.name} (${a.rows} × ${a.D})`);
      writeControls();
      await track(loadSpectrum());
    } catch (e) {
      status("");
      showError(e instanceof Error ? e.message : String(e));
    }
  });
  $("copy-link").addEventListener("click", async () => {
    writeUrl();
    try {
      await navigator.clipboard.writeText(location.href);
      $("copy-link").textContent = "Link copied";
    } catch {
      $("copy-link").textContent = "Copy the address bar";
    }
    setTimeout(() => {
      $("copy-link").textContent = "Copy link to this view";
    }, 1500);
  });

  const kernelOverlays = [
    { data: { name: "bounds" }, mark: { type: "rule", color: "white", strokeWidth: 1, opacity: 0.9 }, encoding: { x: { field: "pos", type: "quantitative" } } },
    { data: { name: "bounds" }, mark: { type: "rule", color: "white", strokeWidth: 1, opacity: 0.9 }, encoding: { y: { field: "pos", type: "quantitative" } } },
  ];
  const phaseOverlays = [
    {
      data: { name: "crit" },
      mark: { type: "line", color: "#111", strokeWidth: 2 },
      encoding: { x: { field: "gw", type: "quantitative" }, y: { field: "gb", type: "quantitative" }, order: { field: "gb" } },
    },
    {
      data: { name: "cur" },
      mark: { type: "point", filled: true, color: COLORS.accent, size: 110, stroke: "white", strokeWidth: 1.5 },
      encoding: { x: { field: "gw", type: "quantitative" }, y: { field: "gb", type: "quantitative" } },
    },
  ];
  await Promise.all([
    charts.q.mount(qStarSpec()),
    charts.loss.mount(lossSpec(state.x)),
    charts.spectrum.mount(spectrumSpec()),
    charts.kernel.mount(
      rasterSpec({
        xTitle: "training point ν",
        yTitle: "training point μ",
        colorTitle: "K_μν",
        scheme: "viridis",
        reverseY: true,
        size: 330,
        format: "d",
        overlays: kernelOverlays,
      }),
      { bounds: [] },
    ),
    charts.phase.mount(
      rasterSpec({
        xTitle: "weight gain g_w = σ_w²",
        yTitle: "bias variance g_b = σ_b²",
        colorTitle: "log₂ χ₁",
        scheme: "blueorange",
        domainMid: 0,
        reverseY: false,
        size: 330,
        overlays: phaseOverlays,
      }),
      { crit: [], cur: [] },
    ),
  ]);
  rasterTooltip(charts.kernel, (x, y) => {
    if (!kernel) return null;
    const j = Math.floor(x);
    const i = Math.floor(y);
    if (i < 0 || j < 0 || i >= kernel.P || j >= kernel.P) return null;
    const out: [string, string][] = [
      ["μ (row)", String(i + 1)],
      ["ν (column)", String(j + 1)],
      ["K_μν", sig(kernel.K[i * kernel.P + j], 5)],
    ];
    if (kernel.labels) out.push(["classes", `${kernel.labels[i]} · ${kernel.labels[j]}`]);
    else out.push(["targets y_μ · y_ν", `${sig(kernel.y[i], 3)} · ${sig(kernel.y[j], 3)}`]);
    return out;
  });
  rasterTooltip(charts.phase, (x, y) => {
    if (!phase) return null;
    const n = phase.gw.length;
    const m = phase.gb.length;
    const j = Math.round(((x - phase.gw[0]) / (phase.gw[n - 1] - phase.gw[0])) * (n - 1));
    const i = Math.round(((y - phase.gb[0]) / (phase.gb[m - 1] - phase.gb[0])) * (m - 1));
    if (i < 0 || j < 0 || i >= m || j >= n) return null;
    const k = i * n + j;
    const num = (v: number | null) => (v === null ? "∞" : sig(v));
    const gc = phase.criticalLine[i]?.gw;
    return [
      ["g_w", sig(phase.gw[j])],
      ["g_b", sig(phase.gb[i])],
      ["χ₁", num(phase.chi1[k])],
      ["q*", num(phase.qStar[k])],
      ["ξ_c", num(phase.xiC[k])],
      ["phase", phase.phases[phase.phase[k]]],
      ["g_c at this g_b", gc === null || gc === undefined ? "none in range" : sig(gc)],
    ];
  });

  await Promise.all([track(loadSpectrum()), track(loadPhase()), track(loadMeanField()), ...(opts.springblock ? [track(initSpringBlock())] : [])]);
  await idle();
}

declare global {
  interface Window {
    __explorer: { ready: Promise<void>; idle: () => Promise<void>; state: () => State; lastRedrawMs: () => number };
  }
}

const ready = init().catch((e) => {
  status("");
  showError(e instanceof Error ? e.message : String(e));
});
window.__explorer = { ready, idle, state: () => ({ ...state }), lastRedrawMs: () => lastRedrawMs };
