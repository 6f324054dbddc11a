/** Calls to the explorer's JSON API (same origin) and decoding of its base64 arrays. */

/** An API error: the server's one-line message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function answer<T>(r: Response): Promise<T> {
  const text = await r.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ApiError(r.status, `the server answered ${r.status} with non-JSON content`);
  }
  if (!r.ok) throw new ApiError(r.status, (body as { error?: string }).error ?? `HTTP ${r.status}`);
  return body as T;
}

/** GET /api/<path>?params. */
export async function get<T>(path: string, params: Record<string, string> = {}, signal?: AbortSignal): Promise<T> {
  const q = new URLSearchParams(params).toString();
  return answer<T>(await fetch(`api/${path}${q ? `?${q}` : ""}`, { signal }));
}

/** POST a file's bytes to /api/upload. */
export async function upload(file: File): Promise<UploadAnswer> {
  return answer<UploadAnswer>(await fetch(`api/upload?name=${encodeURIComponent(file.name)}`, { method: "POST", body: file }));
}

/** Base64 of little-endian float64 → Float64Array. */
export function f64(b64: string): Float64Array {
  const bytes = bytesOf(b64);
  return new Float64Array(bytes.buffer, 0, bytes.length / 8);
}
/** Base64 of little-endian float32 → Float32Array. */
export function f32(b64: string): Float32Array {
  const bytes = bytesOf(b64);
  return new Float32Array(bytes.buffer, 0, bytes.length / 4);
}
function bytesOf(b64: string): Uint8Array {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

export interface UploadAnswer {
  id: string;
  data: string;
  name: string;
  bytes: number;
  rows: number;
  D: number;
  classes: number[] | null;
  notes: string[];
}

export interface Options {
  datasets: { kind: string; available: boolean }[];
  activations: string[];
  limits: { maxP: number; maxPt: number; maxD: number; maxUploadBytes: number; maxPQuadrature: number };
  phaseGrid: { gwMin: number; gwMax: number; gbMin: number; gbMax: number };
  theory: string;
  springblock: boolean;
}

export interface SpectrumAnswer {
  key: string;
  dataset: { kind: string; description: string; name: string; P: number; Pt: number; D: number; classes: number[] | null; task: string; notes: string[] };
  act: string;
  lambda0: number;
  method: string;
  diagnostics: { rank: number; clipped: number; maxEigenvalue: number; minEigenvalue: number };
  timings: { dataMs: number; kernelMs: number; eighMs: number; projectMs: number };
  kappa: string;
  yTilde: string;
  B: string;
  kDiag: string;
  yTest: string;
}

export interface KernelAnswer {
  key: string;
  P: number;
  min: number;
  max: number;
  labels: number[] | null;
  y: number[];
  K: string;
}

export interface PhaseAnswer {
  act: string;
  gw: number[];
  gb: number[];
  chi1: (number | null)[];
  qStar: (number | null)[];
  xiC: (number | null)[];
  phase: number[];
  phases: string[];
  criticalLine: { gb: number; gw: number | null }[];
}

export interface MeanFieldAnswer {
  act: string;
  gw: number;
  gb: number;
  qStar: number | null;
  chi1: number | null;
  cStar: number | null;
  xiC: number | null;
  phase: string;
  criticalGw: number | null;
}

export interface SpringBlockAnswer {
  model: "A" | "B";
  times: number[];
  /** frames × L row-major positions. */
  trajectory: number[];
  x: number[];
  springs: number[];
  loadCurve: number[];
  c: number;
  v: number;
  cHat: number;
  shape: string;
  energy: number;
  maxSpeed: number;
  ms: number;
}
