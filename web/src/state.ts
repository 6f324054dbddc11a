/**
 * The explorer's state, entirely in the URL's query string so that any view can be shared: parsing
 * (bad values fall back to the default and are reported), serialisation, and the groups of keys
 * whose change needs a new spectrum from the server.
 */

export type XAxis = "N1" | "alpha";

export interface State {
  /** mnist | fashion | linear | teacher | clusters | upload:<id> */
  data: string;
  /** Two classes for mnist/fashion, "a,b". */
  cls: string;
  P: number;
  Pt: number;
  seed: number;
  D: number;
  noise: number;
  sep: number;
  act: string;
  l0: number;
  l1: number;
  N1: number;
  T: number;
  x: XAxis;
  gw: number;
  gb: number;
  /** Spring–block view: model A or B and its parameters. */
  sb: "A" | "B";
  sbL: number;
  sbmuR: number;
  sbmuL: number;
  sbnoise: number;
  sbdecay: number;
  sbcommon: number;
  sbsteps: number;
  sbseed: number;
}

/** Spring–block parameters of each model's defaults (the authors' notebooks; see src/server/springblock.ts). */
export const SB_DEFAULTS = {
  A: { sbL: 7, sbmuR: 0.1, sbmuL: 0.1, sbnoise: 0.1, sbdecay: 0, sbcommon: 0, sbsteps: 10000, sbseed: 0 },
  B: { sbL: 7, sbmuR: 0.003, sbmuL: 0.004, sbnoise: 0.003, sbdecay: 0.001, sbcommon: 1, sbsteps: 14000, sbseed: 0 },
} as const;
export type SbKey = keyof (typeof SB_DEFAULTS)["A"];
export const SB_KEYS = Object.keys(SB_DEFAULTS.A) as SbKey[];

export const DEFAULTS: State = {
  data: "mnist",
  cls: "0,1",
  P: 500,
  Pt: 200,
  seed: 0,
  D: 100,
  noise: 0.1,
  sep: 2,
  act: "erf",
  l0: 1,
  l1: 1,
  N1: 200,
  T: 0.01,
  x: "N1",
  gw: 1.5,
  gb: 0.05,
  sb: "A",
  ...SB_DEFAULTS.A,
};

/** Allowed range of every numeric key [min, max] (positive keys use log sliders). */
export const RANGES: Record<string, [number, number]> = {
  P: [4, 2000],
  Pt: [2, 500],
  seed: [0, 2 ** 31 - 1],
  D: [1, 2000],
  noise: [0, 100],
  sep: [0, 100],
  l0: [1e-3, 1e3],
  l1: [1e-3, 1e3],
  N1: [1, 1e6],
  T: [1e-5, 1e3],
  gw: [0, 4],
  gb: [0, 1],
  sbL: [1, 200],
  sbmuR: [0, 100],
  sbmuL: [0, 100],
  sbnoise: [0, 100],
  sbdecay: [0, 100],
  sbcommon: [0, 1],
  sbsteps: [0, 2e7],
  sbseed: [0, 2 ** 31 - 1],
};

const INTEGER = new Set(["P", "Pt", "seed", "D", "sbL", "sbcommon", "sbsteps", "sbseed"]);
const SYNTHETIC = new Set(["linear", "teacher", "clusters"]);

export function isSynthetic(data: string): boolean {
  return SYNTHETIC.has(data);
}
export function isImages(data: string): boolean {
  return data === "mnist" || data === "fashion";
}

/** Parses a query string; returns the state and the keys whose values were rejected. */
export function parseState(search: string): { state: State; rejected: string[] } {
  const q = new URLSearchParams(search);
  const state: State = { ...DEFAULTS };
  const rejected: string[] = [];
  if (!q.has("cls") && q.get("data") === "fashion") state.cls = "0,6";
  if (q.get("sb") === "B") Object.assign(state, { sb: "B" }, SB_DEFAULTS.B);
  for (const [k, raw] of q) {
    if (!(k in DEFAULTS)) continue;
    const key = k as keyof State;
    if (typeof DEFAULTS[key] === "number") {
      const v = Number(raw);
      const [lo, hi] = RANGES[k];
      if (raw.trim() === "" || !Number.isFinite(v) || v < lo || v > hi || (INTEGER.has(k) && !Number.isInteger(v))) {
        rejected.push(k);
        continue;
      }
      (state as unknown as Record<string, number>)[k] = v;
    } else if (key === "sb") {
      if (raw !== "A" && raw !== "B") rejected.push(k);
    } else if (key === "x") {
      if (raw === "N1" || raw === "alpha") state.x = raw;
      else rejected.push(k);
    } else if (key === "cls") {
      if (/^\d,\d$/.test(raw) && raw[0] !== raw[2]) state.cls = raw;
      else rejected.push(k);
    } else if (key === "data") {
      if (/^(mnist|fashion|linear|teacher|clusters|upload:[0-9a-f]{12})$/.test(raw)) state.data = raw;
      else rejected.push(k);
    } else if (key === "act") {
      if (/^[a-z-]+(:[-+0-9.e]+)?$/i.test(raw) && raw.length <= 40) state.act = raw;
      else rejected.push(k);
    }
  }
  return { state, rejected };
}

/** The query string of a state (keys that do not apply to the dataset kind are left out). */
export function serializeState(s: State): string {
  const q = new URLSearchParams();
  q.set("data", s.data);
  if (isImages(s.data)) q.set("cls", s.cls);
  q.set("P", String(s.P));
  q.set("Pt", String(s.Pt));
  q.set("seed", String(s.seed));
  if (isSynthetic(s.data)) {
    q.set("D", String(s.D));
    q.set("noise", String(s.noise));
    if (s.data === "clusters") q.set("sep", String(s.sep));
  }
  q.set("act", s.act);
  q.set("l0", fmt(s.l0));
  q.set("l1", fmt(s.l1));
  q.set("N1", fmt(s.N1));
  q.set("T", fmt(s.T));
  q.set("x", s.x);
  q.set("gw", fmt(s.gw));
  q.set("gb", fmt(s.gb));
  // spring–block keys only where they differ from the model's defaults
  const d = SB_DEFAULTS[s.sb];
  if (s.sb !== "A") q.set("sb", s.sb);
  for (const k of SB_KEYS) if (s[k] !== d[k]) q.set(k, String(s[k]));
  return q.toString();
}

/** Compact number formatting for the URL (4 significant digits). */
export function fmt(v: number): string {
  return String(Number(v.toPrecision(4)));
}

/** The server parameters of the spring–block run. */
export function springBlockParams(s: State): Record<string, string> {
  const p: Record<string, string> = { sb: s.sb };
  for (const k of SB_KEYS) p[k] = String(s[k]);
  return p;
}

/** The server parameters of the spectrum (what needs a recomputation when it changes). */
export function spectrumParams(s: State): Record<string, string> {
  const p: Record<string, string> = { data: s.data, P: String(s.P), Pt: String(s.Pt), seed: String(s.seed), act: s.act, l0: String(s.l0) };
  if (isImages(s.data)) p.cls = s.cls;
  if (isSynthetic(s.data)) {
    p.D = String(s.D);
    p.noise = String(s.noise);
    if (s.data === "clusters") p.sep = String(s.sep);
  }
  return p;
}
