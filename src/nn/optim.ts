/**
 * First-order optimizers on flat parameter arrays (see `Sequential.values` / `Sequential.grads`) and
 * learning-rate schedules. Update rules follow PyTorch's `torch.optim.SGD` / `Adam` / `AdamW`
 * exactly (same order of operations), so a run can be compared step by step.
 *
 * @module
 */
import { InputError } from "../engine/errors.js";
import type { Arr } from "./layers.js";

/** An optimizer updating `values` in place from `grads`. */
export interface Optimizer {
  readonly name: string;
  /** Base learning rate η (a schedule multiplies or replaces it through {@link setLr}). */
  lr: number;
  /** One update with the current gradients. */
  step(values: Arr, grads: Arr): void;
  /** Number of steps taken. */
  readonly t: number;
  /** Clears the moment estimates and the step counter. */
  reset(): void;
}

function checkLr(lr: number, where: string): void {
  if (!(lr > 0) || !Number.isFinite(lr)) throw new InputError(`learning rate must be a finite number > 0, got ${lr}`, where);
}

function checkSizes(values: Arr, grads: Arr, state: Float64Array | null, where: string): void {
  if (values.length !== grads.length) throw new InputError(`values (${values.length}) and grads (${grads.length}) differ in length`, where);
  if (state && state.length !== values.length) throw new InputError(`optimizer was used with ${state.length} parameters, now ${values.length}`, where);
}

export interface SgdOptions {
  lr: number;
  /** Momentum μ (default 0). */
  momentum?: number;
  /** Dampening of the momentum buffer (default 0). */
  dampening?: number;
  /** Nesterov momentum (needs μ > 0 and dampening 0). */
  nesterov?: boolean;
  /** L2 weight decay λ: g ← g + λ·w (default 0). */
  weightDecay?: number;
}

/**
 * Stochastic gradient descent (PyTorch semantics): g ← ∇ + λ·w; with momentum μ,
 * b ← g at the first step, else b ← μ·b + (1 − dampening)·g; then g ← g + μ·b (Nesterov) or g ← b;
 * finally w ← w − η·g.
 */
export class SGD implements Optimizer {
  readonly name = "sgd";
  lr: number;
  readonly momentum: number;
  readonly dampening: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;
  private buf: Float64Array | null = null;
  private steps = 0;

  constructor(opts: SgdOptions) {
    checkLr(opts.lr, "SGD");
    this.lr = opts.lr;
    this.momentum = opts.momentum ?? 0;
    this.dampening = opts.dampening ?? 0;
    this.nesterov = opts.nesterov ?? false;
    this.weightDecay = opts.weightDecay ?? 0;
    if (!(this.momentum >= 0 && this.momentum < 1)) throw new InputError(`momentum must be in [0, 1), got ${this.momentum}`, "SGD");
    if (!(this.weightDecay >= 0)) throw new InputError(`weight decay must be ≥ 0, got ${this.weightDecay}`, "SGD");
    if (this.nesterov && (this.momentum <= 0 || this.dampening !== 0)) throw new InputError("Nesterov momentum needs momentum > 0 and dampening 0", "SGD");
  }

  get t(): number {
    return this.steps;
  }

  step(values: Arr, grads: Arr): void {
    checkSizes(values, grads, this.buf, "SGD.step");
    const n = values.length;
    const lr = this.lr;
    const wd = this.weightDecay;
    const mu = this.momentum;
    if (mu === 0) {
      for (let i = 0; i < n; i++) values[i] -= lr * (grads[i] + wd * values[i]);
      this.steps++;
      return;
    }
    const first = this.buf === null;
    if (!this.buf) this.buf = new Float64Array(n);
    const b = this.buf;
    const damp = 1 - this.dampening;
    for (let i = 0; i < n; i++) {
      const g = grads[i] + wd * values[i];
      const bi = first ? g : mu * b[i] + damp * g;
      b[i] = bi;
      values[i] -= lr * (this.nesterov ? g + mu * bi : bi);
    }
    this.steps++;
  }

  reset(): void {
    this.buf = null;
    this.steps = 0;
  }
}

export interface AdamOptions {
  lr: number;
  /** (β₁, β₂), default (0.9, 0.999). */
  betas?: [number, number];
  /** ε in the denominator, default 1e-8. */
  eps?: number;
  /** Weight decay λ (default 0): L2 (g ← g + λ·w) for Adam, decoupled (w ← w − η·λ·w) for AdamW. */
  weightDecay?: number;
  /** Decoupled weight decay (AdamW, Loshchilov & Hutter). Default false. */
  decoupled?: boolean;
}

/**
 * Adam (Kingma & Ba) with bias correction, in PyTorch's form: m ← β₁m + (1 − β₁)g,
 * v ← β₂v + (1 − β₂)g², w ← w − (η/(1 − β₁ᵗ))·m/(√v/√(1 − β₂ᵗ) + ε). Weight decay: L2 added to g
 * (Adam) or w ← (1 − ηλ)·w before the update (AdamW). Moments are kept in f64.
 */
export class Adam implements Optimizer {
  readonly name: string;
  lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly decoupled: boolean;
  private m: Float64Array | null = null;
  private v: Float64Array | null = null;
  private steps = 0;

  constructor(opts: AdamOptions) {
    checkLr(opts.lr, "Adam");
    this.lr = opts.lr;
    [this.beta1, this.beta2] = opts.betas ?? [0.9, 0.999];
    this.eps = opts.eps ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? 0;
    this.decoupled = opts.decoupled ?? false;
    this.name = this.decoupled ? "adamw" : "adam";
    for (const [b, nm] of [
      [this.beta1, "β₁"],
      [this.beta2, "β₂"],
    ] as const) {
      if (!(b >= 0 && b < 1)) throw new InputError(`${nm} must be in [0, 1), got ${b}`, "Adam");
    }
    if (!(this.eps > 0)) throw new InputError(`eps must be > 0, got ${this.eps}`, "Adam");
    if (!(this.weightDecay >= 0)) throw new InputError(`weight decay must be ≥ 0, got ${this.weightDecay}`, "Adam");
  }

  get t(): number {
    return this.steps;
  }

  step(values: Arr, grads: Arr): void {
    checkSizes(values, grads, this.m, "Adam.step");
    const n = values.length;
    if (!this.m || !this.v) {
      this.m = new Float64Array(n);
      this.v = new Float64Array(n);
    }
    const m = this.m;
    const v = this.v;
    this.steps++;
    const t = this.steps;
    const b1 = this.beta1;
    const b2 = this.beta2;
    const c1 = 1 - b1;
    const c2 = 1 - b2;
    const stepSize = this.lr / (1 - b1 ** t);
    const bc2sqrt = Math.sqrt(1 - b2 ** t);
    const eps = this.eps;
    const wd = this.weightDecay;
    const l2 = this.decoupled ? 0 : wd;
    const shrink = this.decoupled ? 1 - this.lr * wd : 1;
    for (let i = 0; i < n; i++) {
      let w = values[i];
      const g = grads[i] + l2 * w;
      if (shrink !== 1) w *= shrink;
      const mi = b1 * m[i] + c1 * g;
      const vi = b2 * v[i] + c2 * g * g;
      m[i] = mi;
      v[i] = vi;
      values[i] = w - (stepSize * mi) / (Math.sqrt(vi) / bc2sqrt + eps);
    }
  }

  reset(): void {
    this.m = null;
    this.v = null;
    this.steps = 0;
  }
}

/** Optimizer choice by name, with the shared options. */
export type OptimizerName = "sgd" | "adam" | "adamw";

export interface OptimizerConfig {
  name: OptimizerName;
  lr: number;
  momentum?: number;
  nesterov?: boolean;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
}

/** Builds an optimizer from a config ("adamw" = Adam with decoupled weight decay). */
export function makeOptimizer(c: OptimizerConfig): Optimizer {
  switch (c.name) {
    case "sgd":
      return new SGD({ lr: c.lr, momentum: c.momentum, nesterov: c.nesterov, weightDecay: c.weightDecay });
    case "adam":
      return new Adam({ lr: c.lr, betas: c.betas, eps: c.eps, weightDecay: c.weightDecay });
    case "adamw":
      return new Adam({ lr: c.lr, betas: c.betas, eps: c.eps, weightDecay: c.weightDecay, decoupled: true });
    default:
      throw new InputError(`unknown optimizer "${String((c as { name: unknown }).name)}" (sgd | adam | adamw)`, "optimizer");
  }
}

// ---------------------------------------------------------------------------------------------
// Learning-rate schedules
// ---------------------------------------------------------------------------------------------

/**
 * A learning-rate schedule, evaluated at training progress t measured in epochs (fractional within
 * an epoch: t = epoch + step/stepsPerEpoch, epochs counted from 0):
 * - `constant`: η(t) = η₀;
 * - `step`: η(t) = η₀·γ^⌊t/stepSize⌋;
 * - `cosine`: η(t) = η_min + (η₀ − η_min)·(1 + cos(π·min(t, total)/total))/2;
 * - any of them with `warmup` W > 0: multiplied by min(1, (t + 1/stepsPerEpoch)/W) — a linear ramp
 *   over the first W epochs reaching η₀ at the end of the ramp (so the very first step is not 0).
 */
export type ScheduleSpec =
  | { type: "constant"; warmup?: number }
  | { type: "step"; stepSize: number; gamma?: number; warmup?: number }
  | { type: "cosine"; total: number; minLr?: number; warmup?: number };

/** η as a function of (t in epochs, stepsPerEpoch). */
export type Schedule = (t: number, stepsPerEpoch: number) => number;

/** Builds a {@link Schedule} for base rate `lr`. */
export function makeSchedule(lr: number, spec: ScheduleSpec = { type: "constant" }): Schedule {
  checkLr(lr, "schedule");
  const W = spec.warmup ?? 0;
  if (!(W >= 0)) throw new InputError(`warmup must be ≥ 0 epochs, got ${W}`, "schedule");
  const warm = (t: number, spe: number) => (W > 0 ? Math.min(1, (t + 1 / spe) / W) : 1);
  switch (spec.type) {
    case "constant":
      return (t, spe) => lr * warm(t, spe);
    case "step": {
      const g = spec.gamma ?? 0.1;
      if (!(spec.stepSize > 0)) throw new InputError(`step schedule needs stepSize > 0, got ${spec.stepSize}`, "schedule");
      if (!(g > 0)) throw new InputError(`step schedule needs gamma > 0, got ${g}`, "schedule");
      return (t, spe) => lr * g ** Math.floor(t / spec.stepSize + 1e-12) * warm(t, spe);
    }
    case "cosine": {
      const T = spec.total;
      const lo = spec.minLr ?? 0;
      if (!(T > 0)) throw new InputError(`cosine schedule needs total > 0 epochs, got ${T}`, "schedule");
      if (!(lo >= 0 && lo <= lr)) throw new InputError(`cosine minLr must be in [0, lr], got ${lo}`, "schedule");
      return (t, spe) => (lo + ((lr - lo) * (1 + Math.cos((Math.PI * Math.min(t, T)) / T))) / 2) * warm(t, spe);
    }
    default:
      throw new InputError(`unknown schedule "${String((spec as { type: unknown }).type)}" (constant | step | cosine)`, "schedule");
  }
}

/** Parses "constant", "step:EVERY[:GAMMA]", "cosine[:MINLR]" (total = the run's epochs), each optionally "+warmup:W". */
export function parseSchedule(s: string, epochs: number): ScheduleSpec {
  const [main, ...rest] = s.split("+");
  let warmup: number | undefined;
  for (const r of rest) {
    const m = /^warmup:([0-9.eE+-]+)$/.exec(r.trim());
    if (!m) throw new InputError(`bad schedule modifier "${r}" (expected warmup:EPOCHS)`, "option --schedule");
    warmup = Number(m[1]);
  }
  const parts = main.trim().split(":");
  const num = (v: string | undefined, name: string) => {
    const x = Number(v);
    if (v === undefined || v.trim() === "" || !Number.isFinite(x)) throw new InputError(`bad ${name} "${v}" in schedule "${s}"`, "option --schedule");
    return x;
  };
  switch (parts[0]) {
    case "constant":
      return { type: "constant", warmup };
    case "step":
      return { type: "step", stepSize: num(parts[1], "step size"), gamma: parts[2] !== undefined ? num(parts[2], "gamma") : undefined, warmup };
    case "cosine":
      return { type: "cosine", total: epochs, minLr: parts[1] !== undefined ? num(parts[1], "minimum lr") : undefined, warmup };
    default:
      throw new InputError(`unknown schedule "${s}" (constant | step:EVERY[:GAMMA] | cosine[:MINLR], optionally +warmup:EPOCHS)`, "option --schedule");
  }
}
