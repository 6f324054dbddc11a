/**
 * Running several independent chains of one sampler: initialisation, burn-in, thinning, streaming
 * observables, acceptance statistics, divergence handling, and checkpoint/resume.
 *
 * ## Random keys (every number derives from the seed)
 *
 * chain c: `kc = split(key(seed), C)[c]` (independent of the number of chains C, since
 * `split(k, n)[i]` does not depend on n); `[kInit, kRun] = split(kc, 2)`; the initial parameters are
 * `initParams(spec, kInit)`; step t (0-based) uses `foldIn(kRun, t)`. The chains advance in
 * lockstep (step t of every chain, then step t + 1), so a checkpoint after step s holds every
 * chain's state after exactly s steps and the RNG position is just s.
 *
 * ## Schedule
 *
 * `steps` transitions per chain in total, of which the first `burnin` are discarded; afterwards the
 * state after step s is recorded when (s − burnin) is a multiple of `thin`. Records per chain:
 * R = ⌊(steps − burnin)/thin⌋ ≥ 1.
 *
 * ## Checkpoints and divergence
 *
 * With a checkpoint path, the run state (every chain's position, gradient, loss, norms; acceptance
 * counters; the observables' traces and block sums; the step count) is written atomically every
 * `checkpointEvery` steps and at the end. A run started with an existing checkpoint whose
 * fingerprint (model, data, sampler, schedule, seed) matches resumes from it and produces exactly
 * the numbers of an uninterrupted run. A ULA chain that becomes non-finite stops the run with a
 * {@link NumericalError} naming the chain and step; its last finite state is saved (to
 * `<checkpoint>.diverged`, or `divergedPath`). MALA/HMC reject non-finite proposals and count them
 * as divergences.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { InputError, NumericalError } from "../../engine/errors.js";
import { foldIn, type Key, key, split } from "../../engine/random.js";
import { type InitMode, initParams } from "../mlp.js";
import type { ObservableRecorder, ObservablesSummary } from "../observables.js";
import { readCheckpoint, writeCheckpoint } from "./checkpoint.js";
import { hmc } from "./hmc.js";
import { mala } from "./mala.js";
import type { Posterior, Sampler, SamplerState } from "./posterior.js";
import { ula } from "./ula.js";

export type SamplerName = "ula" | "mala" | "hmc";
export const SAMPLERS: readonly SamplerName[] = ["ula", "mala", "hmc"];

export interface SamplerOptions {
  sampler: SamplerName;
  /** Langevin step η (HMC: leapfrog step √(2ηT) unless `stepSize` is given). */
  eta: number;
  /** HMC leapfrog steps per transition (default 10). */
  leapfrog?: number;
  /** HMC leapfrog step size h (overrides η). */
  stepSize?: number;
}

/** Builds the named sampler. */
export function makeSampler(post: Posterior, o: SamplerOptions): Sampler {
  switch (o.sampler) {
    case "ula":
      return ula(post, { eta: o.eta });
    case "mala":
      return mala(post, { eta: o.eta });
    case "hmc":
      return hmc(post, { eta: o.eta, stepSize: o.stepSize, numSteps: o.leapfrog ?? 10 });
    default:
      throw new InputError(`unknown sampler "${String(o.sampler)}" (${SAMPLERS.join(", ")})`, "sampler");
  }
}

export interface RunOptions extends SamplerOptions {
  /** Total transitions per chain (burn-in included). */
  steps: number;
  burnin: number;
  /** Record every `thin` steps after burn-in (default 1). */
  thin?: number;
  chains: number;
  seed: number;
  /** Initial parameters: a prior draw ("prior", default) or N(0, 1) ("unit"). */
  init?: InitMode;
  /**
   * Over-dispersed starts: the initial parameters of every odd-numbered chain (1, 3, …) are multiplied by this
   * factor (default 1: all chains start alike). Chains started on both sides of the typical set make split-R̂
   * sensitive to a slow mode that chains started alike would all traverse in the same direction.
   */
  overdisperse?: number;
  /** Checkpoint file (resumed from when it exists). */
  checkpoint?: string;
  /** Steps between checkpoints (default 1000). */
  checkpointEvery?: number;
  /** Where a diverging ULA chain's last finite state goes when there is no checkpoint path. */
  divergedPath?: string;
  /** Extra identity of the run (e.g. a hash of the data and options) stored in and checked against checkpoints. */
  fingerprint?: string;
  /** Called after every step (all chains) with the steps done and the total. */
  onProgress?: (done: number, total: number) => void;
  /** Stop (without error) after this many steps in total — for tests of interrupted runs. */
  stopAfter?: number;
}

export interface ChainDiagnostics {
  /** Mean Metropolis acceptance probability per chain over all steps (1 for ULA). */
  acceptanceRate: number[];
  /** Fraction of accepted proposals per chain. */
  accepted: number[];
  /** Divergent (rejected non-finite or exploding) proposals per chain. */
  divergences: number[];
}

export interface RunResult {
  summary: ObservablesSummary;
  diagnostics: ChainDiagnostics;
  /** Steps per chain completed (= steps unless stopAfter). */
  stepsDone: number;
  /** The step a checkpoint resumed from, or null. */
  resumedFrom: number | null;
  /** Wall-clock seconds of this invocation, and per step (per chain). */
  seconds: number;
  msPerStep: number;
  /** The final state of every chain. */
  states: SamplerState[];
  /** Sampler name and step sizes used. */
  sampler: string;
}

function checkInt(v: number, name: string, min: number): void {
  if (!Number.isInteger(v) || v < min) throw new InputError(`${name} must be an integer ≥ ${min}, got ${v}`, "sampling schedule");
}

/** Records per chain for a schedule: ⌊(steps − burnin)/thin⌋. */
export function recordsPerChain(steps: number, burnin: number, thin: number): number {
  return Math.floor((steps - burnin) / thin);
}

/** Validates the schedule; returns the records per chain. */
export function checkSchedule(o: { steps: number; burnin: number; thin?: number; chains: number }): number {
  checkInt(o.steps, "steps", 1);
  checkInt(o.burnin, "burnin", 0);
  checkInt(o.thin ?? 1, "thin", 1);
  checkInt(o.chains, "chains", 1);
  if (o.burnin >= o.steps) throw new InputError(`burnin (${o.burnin}) must be smaller than steps (${o.steps})`, "sampling schedule");
  const R = recordsPerChain(o.steps, o.burnin, o.thin ?? 1);
  if (R < 1) throw new InputError(`no draw would be recorded: (steps − burnin)/thin = ${(o.steps - o.burnin) / (o.thin ?? 1)} < 1`, "sampling schedule");
  return R;
}

/** The identity of a run as stored in its checkpoints. */
function runFingerprint(post: Posterior, o: RunOptions): string {
  const s = post.spec;
  const ident = {
    sizes: s.sizes,
    act: s.activation.spec,
    bias: s.bias,
    param: s.param,
    chi: s.chi,
    biasScale: s.biasScale,
    lambdas: s.groups.map((g) => g.lambda),
    frozen: post.fixed.map((g) => g.name),
    T: post.T,
    dtype: post.dtype,
    sampler: o.sampler,
    eta: o.eta,
    leapfrog: o.leapfrog ?? null,
    stepSize: o.stepSize ?? null,
    steps: o.steps,
    burnin: o.burnin,
    thin: o.thin ?? 1,
    chains: o.chains,
    seed: o.seed,
    init: o.init ?? "prior",
    overdisperse: o.overdisperse ?? 1,
    extra: o.fingerprint ?? null,
  };
  return createHash("sha256").update(JSON.stringify(ident)).digest("hex");
}

/**
 * Runs `opts.chains` chains of the sampler on the posterior, feeding `recorder` (which must have
 * been built for the same number of chains and records per chain).
 */
export function runChains(post: Posterior, recorder: ObservableRecorder, opts: RunOptions): RunResult {
  const R = checkSchedule(opts);
  const thin = opts.thin ?? 1;
  const C = opts.chains;
  if (recorder.chains !== C || recorder.recordsPerChain !== R) {
    throw new InputError(`observable recorder built for ${recorder.chains} chains × ${recorder.recordsPerChain} records, run has ${C} × ${R}`, "runChains");
  }
  if (!Number.isSafeInteger(opts.seed)) throw new InputError(`seed must be a safe integer, got ${opts.seed}`, "runChains");
  if (opts.overdisperse !== undefined && !(opts.overdisperse > 0 && Number.isFinite(opts.overdisperse)))
    throw new InputError(`overdisperse must be a finite number > 0, got ${opts.overdisperse}`, "runChains");
  if (opts.steps >= 2 ** 32) throw new InputError("steps must be < 2^32", "runChains");
  const every = opts.checkpointEvery ?? 1000;
  checkInt(every, "checkpointEvery", 1);
  const sampler = makeSampler(post, opts);
  const fingerprint = runFingerprint(post, opts);
  const chainKeys = split(key(opts.seed), C);
  const runKeys: Key[] = [];
  const states: SamplerState[] = [];
  const spares: SamplerState[] = [];
  const accSum = new Float64Array(C);
  const accCount = new Float64Array(C);
  const divergences = new Float64Array(C);
  let start = 0;
  let resumedFrom: number | null = null;

  const ckPath = opts.checkpoint;
  if (ckPath && existsSync(ckPath)) {
    const ck = readCheckpoint(ckPath);
    if (ck.header.fingerprint !== fingerprint) {
      throw new InputError(
        "the checkpoint belongs to a different run (model, data, sampler, schedule or seed differ); delete it or choose another --checkpoint file",
        ckPath,
      );
    }
    start = ck.header.step as number;
    resumedFrom = start;
    const b = ck.buffers;
    const scal = b.scalars as Float64Array;
    for (let c = 0; c < C; c++) {
      const [, kRun] = split(chainKeys[c], 2);
      runKeys.push(kRun);
      const s = post.newState();
      s.position.set(b[`position${c}`]);
      s.grad.set(b[`grad${c}`]);
      s.normSq.set(b[`normSq${c}`]);
      s.loss = scal[2 * c];
      s.potential = scal[2 * c + 1];
      states.push(s);
      spares.push(post.newState());
    }
    accSum.set(b.accSum);
    accCount.set(b.accCount);
    divergences.set(b.divergences);
    const rec: Record<string, Float64Array> = {};
    for (const [name, a] of Object.entries(b)) if (name.startsWith("obs:")) rec[name.slice(4)] = a as Float64Array;
    recorder.restore(rec);
  } else {
    for (let c = 0; c < C; c++) {
      const [kInit, kRun] = split(chainKeys[c], 2);
      runKeys.push(kRun);
      const theta = initParams(post.spec, kInit, { dtype: post.dtype, mode: opts.init ?? "prior" });
      const od = opts.overdisperse ?? 1;
      if (c % 2 === 1 && od !== 1) for (let j = 0; j < theta.length; j++) theta[j] *= od;
      const s = sampler.init(theta);
      if (!Number.isFinite(s.potential)) throw new NumericalError(`chain ${c}: the initial state has a non-finite potential (check the data scale and λ)`);
      states.push(s);
      spares.push(post.newState());
    }
  }

  const save = (step: number) => {
    if (!ckPath) return;
    const buffers: Record<string, Float64Array | Float32Array> = {};
    const scal = new Float64Array(2 * C);
    for (let c = 0; c < C; c++) {
      buffers[`position${c}`] = states[c].position;
      buffers[`grad${c}`] = states[c].grad;
      buffers[`normSq${c}`] = states[c].normSq;
      scal[2 * c] = states[c].loss;
      scal[2 * c + 1] = states[c].potential;
    }
    buffers.scalars = scal;
    buffers.accSum = accSum;
    buffers.accCount = accCount;
    buffers.divergences = divergences;
    for (const [name, a] of Object.entries(recorder.buffers())) buffers[`obs:${name}`] = a;
    writeCheckpoint(ckPath, {
      header: { kind: "featurelab-sample", fingerprint, step, chains: C, steps: opts.steps, sampler: opts.sampler, backend: post.kernels.name },
      buffers,
    });
  };

  const t0 = performance.now();
  const stopAt = Math.min(opts.steps, opts.stopAfter ?? opts.steps);
  let s = start;
  for (; s < stopAt; s++) {
    for (let c = 0; c < C; c++) {
      const cur = states[c];
      const res = sampler.step(cur, foldIn(runKeys[c], s), spares[c]);
      if (res.info.isDivergent && sampler.name === "ula") {
        const path = ckPath ? `${ckPath}.diverged` : opts.divergedPath;
        let where = "";
        if (path) {
          writeCheckpoint(path, {
            header: { kind: "featurelab-diverged-state", chain: c, step: s, fingerprint },
            buffers: { position: cur.position, grad: cur.grad, normSq: cur.normSq, scalars: Float64Array.of(cur.loss, cur.potential) },
          });
          where = `; its last finite state (after step ${s}) was saved to ${path}`;
        }
        throw new NumericalError(`chain ${c} diverged at step ${s + 1} (non-finite loss or parameters; try a smaller step size, now η = ${opts.eta})${where}`);
      }
      if (res.info.isDivergent) divergences[c] += 1;
      accSum[c] += res.info.acceptanceRate;
      if (res.info.isAccepted) accCount[c] += 1;
      if (res.state !== cur) {
        spares[c] = cur;
        states[c] = res.state;
      }
      const done = s + 1;
      if (done > opts.burnin && (done - opts.burnin) % thin === 0 && recorder.recorded(c) < R) recorder.record(c, states[c]);
    }
    const done = s + 1;
    if (ckPath && (done % every === 0 || done === opts.steps)) save(done);
    opts.onProgress?.(done, opts.steps);
  }
  const seconds = (performance.now() - t0) / 1000;
  const ran = s - start;
  const diagnostics: ChainDiagnostics = {
    acceptanceRate: Array.from(accSum, (a) => (s > 0 ? a / s : Number.NaN)),
    accepted: Array.from(accCount, (a) => (s > 0 ? a / s : Number.NaN)),
    divergences: Array.from(divergences),
  };
  return {
    summary: recorder.summary(),
    diagnostics,
    stepsDone: s,
    resumedFrom,
    seconds,
    msPerStep: ran > 0 ? (1000 * seconds) / (ran * C) : Number.NaN,
    states,
    sampler: sampler.name,
  };
}
