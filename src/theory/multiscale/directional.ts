/**
 * Directional feature-learning observables (brief §3.10, §5): kernel–target alignment, the kernel
 * change K̂ − K and its projection on the target direction, relative Frobenius distances.
 *
 * @module
 */
import { dot } from "./network.js";

/** Kernel–target alignment A(K, y) = yᵀKy/(‖K‖_F ‖y‖²) (invariant under K ↦ QK). */
export function alignment(K: Float64Array, n: number, y: ArrayLike<number>): number {
  let f = 0;
  let q = 0;
  for (let a = 0; a < n; a++)
    for (let b = 0; b < n; b++) {
      f += K[a * n + b] ** 2;
      q += y[a] * K[a * n + b] * y[b];
    }
  return q / (Math.sqrt(f) * dot(y, y));
}

/** ‖A − B‖_F/‖A‖_F. */
export function relativeFrobenius(A: Float64Array, B: Float64Array): number {
  let d = 0;
  let a = 0;
  for (let i = 0; i < A.length; i++) {
    d += (A[i] - B[i]) ** 2;
    a += A[i] ** 2;
  }
  return Math.sqrt(d / a);
}

/** The kernel change ΔK = K̂ − K and how much of it lies along the target. */
export interface KernelChange {
  /** ‖ΔK‖_F. */
  frobenius: number;
  /** ŷᵀΔKŷ, ŷ = y/|y|. */
  targetProjection: number;
  /** (ŷᵀΔKŷ)²/‖ΔK‖_F² ∈ [0, 1]: 1 for a rank-one change along the target. */
  targetFraction: number;
}

/** Summary of ΔK = K̂ − K on n points with target y. */
export function kernelChange(Khat: Float64Array, K: Float64Array, n: number, y: ArrayLike<number>): KernelChange {
  let f = 0;
  let q = 0;
  for (let a = 0; a < n; a++)
    for (let b = 0; b < n; b++) {
      const d = Khat[a * n + b] - K[a * n + b];
      f += d * d;
      q += y[a] * d * y[b];
    }
  const yy = dot(y, y);
  const proj = q / yy;
  return { frobenius: Math.sqrt(f), targetProjection: proj, targetFraction: f > 0 ? (proj * proj) / f : 0 };
}
