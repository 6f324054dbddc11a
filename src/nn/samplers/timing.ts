/**
 * Timing of one Langevin (ULA) step of a one-hidden-layer network on synthetic data — the kernel of
 * `featurelab bench langevin` and of `bench/langevin.ts` (which compares it with PyTorch).
 *
 * What one timed step does (the same work as PyTorch's side in `bench/torch_langevin.py`): forward
 * H = α₀·X·W₀ᵀ (GEMM), the fused head pass (φ, φ′, f = α₁·φ(H)·v, r = f − y, ½|r|², δ = α₁ r vᵀ ⊙ φ′(H),
 * ∇v = α₁ φ(H)ᵀ r), backward ∇W₀ = α₀·δᵀX (GEMM), and the noisy update of every parameter
 * θ ← θ − η(∇L + Tλθ) + √(2ηT)ξ with ξ drawn from the Threefry stream. No allocation per step.
 *
 * Inputs (seeded): X with N(0, 1) entries (P×D), y = ±1, θ a prior draw; T = 0.01, η = 1e-4,
 * λ = 1 (the step size does not change the cost).
 *
 * @module
 */
import { InputError } from "../../engine/errors.js";
import { foldIn, key, normal, split } from "../../engine/random.js";
import { type KernelChoice, selectKernels } from "../kernels.js";
import { createMLP, type DType, initParams } from "../mlp.js";
import { Posterior } from "./posterior.js";
import { ula } from "./ula.js";

export interface LangevinBenchOptions {
  P: number;
  D: number;
  N: number;
  act?: string;
  dtype?: DType;
  /** Timed steps (after `warmup` untimed ones). */
  steps?: number;
  warmup?: number;
  kernels?: KernelChoice;
  seed?: number;
}

export interface LangevinBenchResult {
  P: number;
  D: number;
  N: number;
  act: string;
  dtype: DType;
  /** Median wall-clock milliseconds of one step. */
  msPerStep: number;
  /** Every timed step (ms). */
  times: number[];
  /** "native" | "js", and a description of the kernels. */
  backend: string;
  description: string;
  /** Bytes of the working buffers (data, activations, parameters, gradients, two states). */
  workingBytes: number;
  /** Resident set size after the run (bytes). */
  rssBytes: number;
  /** Nominal GFLOP of the two large GEMMs (2·2·P·D·N) per step. */
  gemmGflop: number;
}

function median(a: number[]): number {
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : 0.5 * (s[m - 1] + s[m]);
}

/** Times ULA steps of a D→N→1 network on P synthetic points; returns the median ms per step. */
export function timeLangevin(o: LangevinBenchOptions): LangevinBenchResult {
  for (const [k, v] of Object.entries({ P: o.P, D: o.D, N: o.N })) {
    if (!Number.isInteger(v) || v < 1) throw new InputError(`${k} must be an integer ≥ 1, got ${v}`, "bench langevin");
  }
  const steps = o.steps ?? 10;
  const warmup = o.warmup ?? 2;
  if (!Number.isInteger(steps) || steps < 1) throw new InputError(`steps must be an integer ≥ 1, got ${steps}`, "bench langevin");
  const act = o.act ?? "erf";
  const dtype = o.dtype ?? "f32";
  const kernels = selectKernels(o.kernels ?? "auto");
  const [kx, ky, kt, kr] = split(key(o.seed ?? 20240601), 4);
  const X = normal(kx, o.P * o.D);
  const yr = normal(ky, o.P);
  const y = new Float64Array(o.P);
  for (let i = 0; i < o.P; i++) y[i] = yr[i] >= 0 ? 1 : -1;
  const spec = createMLP({ inputDim: o.D, widths: [o.N], activation: act });
  const post = new Posterior(spec, { X, y, P: o.P }, { T: 0.01, dtype, kernels });
  const s = ula(post, { eta: 1e-4 });
  let cur = s.init(initParams(spec, kt, { dtype }));
  let spare = post.newState();
  const times: number[] = [];
  for (let t = 0; t < warmup + steps; t++) {
    const t0 = performance.now();
    const r = s.step(cur, foldIn(kr, t), spare);
    const dt = performance.now() - t0;
    spare = cur;
    cur = r.state;
    if (t >= warmup) times.push(dt);
  }
  const stateBytes = 4 * cur.position.byteLength; // two states × (position + gradient)
  return {
    P: o.P,
    D: o.D,
    N: o.N,
    act,
    dtype,
    msPerStep: median(times),
    times,
    backend: kernels.name,
    description: kernels.describe(),
    workingBytes: post.evaluator.bytes() + stateBytes,
    rssBytes: process.memoryUsage().rss,
    gemmGflop: (4 * o.P * o.D * o.N) / 1e9,
  };
}
