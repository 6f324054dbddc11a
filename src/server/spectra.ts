/**
 * The expensive step of every explorer view, done once and cached: for a (dataset, activation, λ0)
 * the one-hidden-layer NNGP kernel of the training inputs and its eigendecomposition (a
 * {@link GPEigen}), with the test points attached (B = K_test·U). Every T-, N1- or λ1-dependent
 * quantity is then a diagonal filter of this spectrum: O(P) for Q*, O(Pt·P) for test predictions.
 *
 * The kernel is K_μν = E[φ(h_μ)φ(h_ν)] with h ~ N(0, C), C = XXᵀ/(D·λ0) (deepKernels with one layer
 * map, g_w = 1, g_b = 0). Activations without a closed-form kernel are integrated by an n = 24
 * Gauss–Hermite product rule (absolute error ~1e-4 on O(1) kernels), limited to P ≤ 600.
 *
 * @module
 */

import type { Dataset } from "../data/index.js";
import { InputError } from "../engine/errors.js";
import { type Activation, deepKernels, GPEigen, type GPTestSet, parseActivation } from "../kernels/index.js";
import { buildSplit, type DataSpec, describeSpec, specKey, type UploadStore } from "./datasets.js";

/** Largest P for activations whose kernel needs quadrature. */
export const MAX_P_QUADRATURE = 600;

/** One cached spectrum. */
export interface SpectrumEntry {
  key: string;
  spec: DataSpec;
  description: string;
  act: Activation;
  lambda0: number;
  train: Dataset;
  test: Dataset;
  /** P×P train kernel. */
  K: Float64Array;
  gp: GPEigen;
  testSet: GPTestSet;
  /** How the kernel was evaluated. */
  method: "closed form" | "Gauss–Hermite quadrature (n = 24)";
  timings: { dataMs: number; kernelMs: number; eighMs: number; projectMs: number };
}

/** Parses an activation name for the explorer (InputError naming the parameter). */
export function readActivation(spec: string): Activation {
  try {
    return parseActivation(spec);
  } catch (e) {
    if (e instanceof InputError) throw new InputError(e.message.replace(/^activation: /, ""), "parameter act");
    throw e;
  }
}

/** Small LRU caches of datasets and spectra. */
export class SpectrumCache {
  private readonly data = new Map<string, { train: Dataset; test: Dataset; ms: number }>();
  private readonly spectra = new Map<string, SpectrumEntry>();
  constructor(
    readonly uploads: UploadStore,
    readonly capacity = 4,
  ) {}

  private touch<V>(m: Map<string, V>, k: string, v: V): V {
    m.delete(k);
    m.set(k, v);
    while (m.size > this.capacity) m.delete(m.keys().next().value as string);
    return v;
  }

  /** The train/test split of a spec (cached). */
  split(spec: DataSpec): { train: Dataset; test: Dataset; ms: number } {
    const k = specKey(spec);
    const hit = this.data.get(k);
    if (hit) return this.touch(this.data, k, hit);
    const t0 = performance.now();
    const s = buildSplit(spec, this.uploads);
    if (s.train.K !== 1) throw new InputError(`the explorer needs one target column, the dataset has ${s.train.K}`, "parameter data");
    return this.touch(this.data, k, { train: s.train, test: s.test, ms: performance.now() - t0 });
  }

  /** The spectrum of (spec, activation, λ0), computing it on a miss. */
  get(spec: DataSpec, act: Activation, lambda0: number): SpectrumEntry {
    const key = JSON.stringify([specKey(spec), act.spec, lambda0]);
    const hit = this.spectra.get(key);
    if (hit) return this.touch(this.spectra, key, hit);
    const closed = act.kernel !== undefined;
    if (!closed && spec.P > MAX_P_QUADRATURE) {
      throw new InputError(
        `activation ${act.spec} has no closed-form kernel; its quadrature is limited to P ≤ ${MAX_P_QUADRATURE} in the explorer (got P = ${spec.P})`,
        "parameter act",
      );
    }
    const { train, test, ms: dataMs } = this.split(spec);
    let t = performance.now();
    const r = deepKernels(act, train.X, train.P, train.D, {
      layers: 1,
      lambda0,
      Xtest: test.X,
      Pt: test.P,
      ...(closed ? {} : { method: "quadrature" as const, scheme: "gauss-hermite" as const, n: 24 }),
    });
    const Kb = r.nngp[1];
    const kernelMs = performance.now() - t;
    t = performance.now();
    const gp = GPEigen.fromKernel(Kb.train, train.P, train.y, { where: "NNGP kernel", cache: false });
    const eighMs = performance.now() - t;
    t = performance.now();
    const testSet = gp.attachTest(Kb.cross, Kb.testDiag);
    const projectMs = performance.now() - t;
    const entry: SpectrumEntry = {
      key,
      spec,
      description: describeSpec(spec, this.uploads),
      act,
      lambda0,
      train,
      test,
      K: Kb.train,
      gp,
      testSet,
      method: closed ? "closed form" : "Gauss–Hermite quadrature (n = 24)",
      timings: { dataMs, kernelMs, eighMs, projectMs },
    };
    return this.touch(this.spectra, key, entry);
  }
}
