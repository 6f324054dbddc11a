/**
 * One suite, run against every linear-algebra backend that loads here (the native OpenBLAS addon when
 * built, and always the pure-TypeScript one). Every check is a mathematical identity on seeded random
 * matrices (products against a naive triple loop, A = L·Lᵀ, A·V = V·Λ, VᵀV = I, residuals of solves)
 * or a closed-form spectrum. Sizes 1, 7, 64, 129, … cross the blocking edges of the JS kernels.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InputError } from "../../src/engine/errors.js";
import { availableBackends } from "../../src/engine/linalg/backend.js";
import { jsBackend } from "../../src/engine/linalg/js.js";
import type { FloatArray, LinalgBackend } from "../../src/engine/linalg/types.js";

const backends: LinalgBackend[] = availableBackends();
if (!backends.includes(jsBackend)) backends.push(jsBackend);

/** mulberry32: a small seeded generator; uniform in [−1, 1). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  };
}

function randArray(len: number, seed: number): Float64Array {
  const r = rng(seed);
  const a = new Float64Array(len);
  for (let i = 0; i < len; i++) a[i] = r();
  return a;
}

/** n×n (ld) symmetric matrix with uniform entries. */
function randSym(n: number, ld: number, seed: number): Float64Array {
  const r = rng(seed);
  const a = new Float64Array(Math.max(1, n * ld));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const v = r();
      a[i * ld + j] = v;
      a[j * ld + i] = v;
    }
  }
  return a;
}

/** A = X·Xᵀ/k + shift·I, n×n with leading dimension ld: symmetric positive definite. */
function randSpd(n: number, ld: number, seed: number, shift = 1): Float64Array {
  const k = n + 3;
  const X = randArray(n * k, seed);
  const A = new Float64Array(Math.max(1, n * ld));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += X[i * k + p] * X[j * k + p];
      const v = s / k + (i === j ? shift : 0);
      A[i * ld + j] = v;
      A[j * ld + i] = v;
    }
  }
  return A;
}

/** Random orthogonal n×n (columns orthonormalised by modified Gram–Schmidt, twice). */
function randOrthogonal(n: number, seed: number): Float64Array {
  const Q = randArray(n * n, seed);
  for (let pass = 0; pass < 2; pass++) {
    for (let j = 0; j < n; j++) {
      for (let p = 0; p < j; p++) {
        let d = 0;
        for (let i = 0; i < n; i++) d += Q[i * n + j] * Q[i * n + p];
        for (let i = 0; i < n; i++) Q[i * n + j] -= d * Q[i * n + p];
      }
      let s = 0;
      for (let i = 0; i < n; i++) s += Q[i * n + j] ** 2;
      s = Math.sqrt(s);
      for (let i = 0; i < n; i++) Q[i * n + j] /= s;
    }
  }
  return Q;
}

/** Naive reference C ← α·op(A)·op(B) + β·C in double; also returns the entrywise error scale |α|·|op(A)|·|op(B)| + |β|·|C|. */
function refGemm(
  tA: boolean,
  tB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  A: ArrayLike<number>,
  lda: number,
  B: ArrayLike<number>,
  ldb: number,
  beta: number,
  C: ArrayLike<number>,
  ldc: number,
): { value: Float64Array; scale: Float64Array } {
  const value = new Float64Array(m * n);
  const scale = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      let a = 0;
      for (let p = 0; p < k; p++) {
        const x = tA ? A[p * lda + i] : A[i * lda + p];
        const y = tB ? B[j * ldb + p] : B[p * ldb + j];
        s += x * y;
        a += Math.abs(x * y);
      }
      const c = beta === 0 ? 0 : C[i * ldc + j];
      value[i * n + j] = alpha * s + beta * c;
      scale[i * n + j] = Math.abs(alpha) * a + Math.abs(beta * c);
    }
  }
  return { value, scale };
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** ‖M·X − Y‖_max for M (n×n, ldm), X and Y (n×r, ldx / ldy), via a naive loop. */
function residual(n: number, r: number, M: Float64Array, ldm: number, X: Float64Array, ldx: number, Y: Float64Array, ldy: number): number {
  let worst = 0;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < r; c++) {
      let s = 0;
      for (let p = 0; p < n; p++) s += M[i * ldm + p] * X[p * ldx + c];
      worst = Math.max(worst, Math.abs(s - Y[i * ldy + c]));
    }
  }
  return worst;
}

/** Checks A·V = V·diag(w), VᵀV = I, w ascending; A is n×n (lda), V is n×m (ldv). */
function checkEigenpairs(n: number, m: number, A: Float64Array, lda: number, V: Float64Array, ldv: number, w: Float64Array, label: string): void {
  const normA = Math.max(1e-300, maxAbs(A.subarray(0, (n - 1) * lda + n)));
  const tol = 1e-12 * Math.max(1, n);
  for (let j = 1; j < m; j++) assert.ok(w[j] >= w[j - 1], `${label}: eigenvalues ascending at ${j}`);
  let res = 0;
  let orth = 0;
  for (let j = 0; j < m; j++) {
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let p = 0; p < n; p++) s += A[i * lda + p] * V[p * ldv + j];
      res = Math.max(res, Math.abs(s - w[j] * V[i * ldv + j]));
    }
    for (let l = 0; l <= j; l++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += V[i * ldv + j] * V[i * ldv + l];
      orth = Math.max(orth, Math.abs(s - (l === j ? 1 : 0)));
    }
  }
  assert.ok(res <= tol * normA, `${label}: ‖AV − VΛ‖ = ${res} > ${tol * normA}`);
  assert.ok(orth <= tol, `${label}: ‖VᵀV − I‖ = ${orth}`);
}

const SIZES = [1, 7, 64, 129];

for (const be of backends) {
  describe(`linalg backend "${be.name}" (${be.describe()})`, () => {
    it("reports its identity and threads", () => {
      assert.ok(be.name === "native" || be.name === "js");
      assert.ok(Number.isInteger(be.getThreads()) && be.getThreads() >= 1);
      if (be.name === "js") assert.equal(be.getThreads(), 1);
    });

    for (const dtype of ["f64", "f32"] as const) {
      it(`gemm (${dtype}) matches a naive triple loop: all transposes, α/β, ld > cols, padding untouched`, () => {
        const make = (len: number, seed: number): FloatArray => (dtype === "f64" ? randArray(len, seed) : Float32Array.from(randArray(len, seed)));
        const eps = dtype === "f64" ? 2.3e-16 : 1.2e-7;
        const shapes: [number, number, number][] = [
          [1, 1, 1],
          [7, 5, 3],
          [64, 64, 64],
          [129, 67, 130],
          [3, 129, 300],
          [5, 2051, 3],
          [9, 4, 0],
        ];
        let seed = dtype === "f64" ? 100 : 200;
        for (const [m, n, k] of shapes) {
          for (const tA of [false, true]) {
            for (const tB of [false, true]) {
              for (const [alpha, beta] of [
                [1, 0],
                [-0.75, 1.5],
              ]) {
                const [ar, ac] = tA ? [k, m] : [m, k];
                const [br, bc] = tB ? [n, k] : [k, n];
                const lda = ac + 2;
                const ldb = bc + 1;
                const ldc = n + 3;
                const A = make(Math.max(1, ar * lda), seed++);
                const B = make(Math.max(1, br * ldb), seed++);
                const C = make(m * ldc, seed++);
                if (beta === 0) for (let i = 0; i < m; i++) C[i * ldc] = Number.NaN; // β = 0 must overwrite NaN
                const C0 = C.slice();
                const ref = refGemm(tA, tB, m, n, k, alpha, A, lda, B, ldb, beta, C0, ldc);
                be.gemm(tA, tB, m, n, k, alpha, A as never, lda, B as never, ldb, beta, C as never, ldc);
                for (let i = 0; i < m; i++) {
                  for (let j = 0; j < ldc; j++) {
                    const got = C[i * ldc + j];
                    if (j >= n) {
                      assert.equal(got, C0[i * ldc + j], `padding C[${i},${j}] changed`);
                      continue;
                    }
                    const want = ref.value[i * n + j];
                    const tol = eps * (k + 4) * ref.scale[i * n + j] + 1e-300;
                    assert.ok(
                      Math.abs(got - want) <= tol,
                      `${dtype} m=${m} n=${n} k=${k} tA=${tA} tB=${tB} α=${alpha} β=${beta}: C[${i},${j}] = ${got}, want ${want}`,
                    );
                  }
                }
              }
            }
          }
        }
      });

      it(`gemv (${dtype}) matches the naive product both ways`, () => {
        const cast = (a: Float64Array): FloatArray => (dtype === "f64" ? a : Float32Array.from(a));
        const eps = dtype === "f64" ? 2.3e-16 : 1.2e-7;
        let seed = dtype === "f64" ? 300 : 400;
        for (const [m, n] of [
          [1, 1],
          [7, 3],
          [64, 129],
          [130, 5],
        ]) {
          for (const tA of [false, true]) {
            for (const [alpha, beta] of [
              [1, 0],
              [2.5, -0.5],
            ]) {
              const lda = n + 5;
              const A = cast(randArray(m * lda, seed++));
              const x = cast(randArray(tA ? m : n, seed++));
              const ly = tA ? n : m;
              const y = cast(randArray(ly, seed++));
              if (beta === 0) y[0] = Number.NaN;
              const y0 = Float64Array.from(y);
              const xm = Float64Array.from(x);
              // op(A)·x as a gemm with n = 1 in the reference.
              const ref = refGemm(tA, false, ly, 1, tA ? m : n, alpha, A, lda, xm, 1, beta, y0, 1);
              be.gemv(tA, m, n, alpha, A as never, lda, x as never, beta, y as never);
              for (let i = 0; i < ly; i++) {
                const tol = eps * ((tA ? m : n) + 4) * ref.scale[i] + 1e-300;
                assert.ok(Math.abs(y[i] - ref.value[i]) <= tol, `${dtype} gemv m=${m} n=${n} tA=${tA}: y[${i}] = ${y[i]}, want ${ref.value[i]}`);
              }
            }
          }
        }
      });
    }

    it("syrk equals the lower triangle of the gemm product and leaves the strict upper triangle untouched", () => {
      let seed = 500;
      for (const n of SIZES) {
        for (const k of [1, 5, 130]) {
          for (const trans of [false, true]) {
            for (const [alpha, beta] of [
              [1, 0],
              [-0.5, 2],
            ]) {
              const [ar, ac] = trans ? [k, n] : [n, k];
              const lda = ac + 1;
              const ldc = n + 2;
              const A = randArray(ar * lda, seed++);
              const C = randArray(n * ldc, seed++);
              if (beta === 0) C[0] = Number.NaN;
              const C0 = C.slice();
              const ref = refGemm(trans, !trans, n, n, k, alpha, A, lda, A, lda, beta, C0, ldc);
              be.syrk(trans, n, k, alpha, A, lda, beta, C, ldc);
              for (let i = 0; i < n; i++) {
                for (let j = 0; j < ldc; j++) {
                  const got = C[i * ldc + j];
                  if (j > i) {
                    assert.ok(Object.is(got, C0[i * ldc + j]), `syrk n=${n} k=${k}: upper/padding C[${i},${j}] changed`);
                    continue;
                  }
                  const want = ref.value[i * n + j];
                  const tol = 2.3e-16 * (k + 4) * ref.scale[i * n + j];
                  assert.ok(Math.abs(got - want) <= tol, `syrk n=${n} k=${k} trans=${trans}: C[${i},${j}] = ${got}, want ${want}`);
                }
              }
            }
          }
        }
      }
    });

    it("potrf: A = L·Lᵀ to 1e-12 relative, strict upper triangle untouched", () => {
      for (const n of [...SIZES, 200]) {
        const lda = n + 3;
        const A = randSpd(n, lda, 600 + n);
        const L = A.slice();
        assert.equal(be.potrf(n, L, lda), 0, `potrf n=${n} info`);
        let err = 0;
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < n; j++) {
            if (j > i) {
              assert.equal(L[i * lda + j], A[i * lda + j], `potrf n=${n}: upper entry (${i},${j}) changed`);
              continue;
            }
            let s = 0;
            for (let p = 0; p <= j; p++) s += L[i * lda + p] * L[j * lda + p];
            err = Math.max(err, Math.abs(s - A[i * lda + j]));
          }
        }
        for (let i = 0; i < n; i++) assert.ok(L[i * lda + i] > 0, "positive diagonal");
        assert.ok(err <= 1e-12 * maxAbs(A), `potrf n=${n}: ‖LLᵀ − A‖ = ${err}`);
      }
    });

    it("potrf returns info = k+1 at the first non-positive pivot", () => {
      // diag(1, 2, −1, 3): the third pivot is negative.
      const D = new Float64Array([1, 0, 0, 0, 0, 2, 0, 0, 0, 0, -1, 0, 0, 0, 0, 3]);
      assert.equal(be.potrf(4, D, 4), 3);
      // [[1, 2], [2, 1]] has eigenvalues 3 and −1: second pivot 1 − 4 = −3.
      assert.equal(be.potrf(2, new Float64Array([1, 2, 2, 1]), 2), 2);
      // A larger indefinite matrix: SPD with one eigenvalue pushed below zero must fail somewhere.
      const n = 150;
      const Q = randOrthogonal(n, 650);
      const A = new Float64Array(n * n);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let p = 0; p < n; p++) s += Q[i * n + p] * (p === 0 ? -1 : 1 + p / n) * Q[j * n + p];
          A[i * n + j] = s;
        }
      }
      const info = be.potrf(n, A, n);
      assert.ok(info > 0 && info <= n, `indefinite n=${n}: info = ${info}`);
      // Zero order: nothing to do.
      assert.equal(be.potrf(0, new Float64Array(1), 1), 0);
    });

    it("potrs: ‖A·X − B‖ small for several right-hand sides", () => {
      for (const n of SIZES) {
        for (const nrhs of [1, 3, 70]) {
          const lda = n + 1;
          const ldb = nrhs + 2;
          const A = randSpd(n, lda, 700 + n, 0.5);
          const L = A.slice();
          assert.equal(be.potrf(n, L, lda), 0);
          const B = randArray(n * ldb, 710 + nrhs);
          const X = B.slice();
          be.potrs(n, nrhs, L, lda, X, ldb);
          for (let i = 0; i < n; i++) for (let c = nrhs; c < ldb; c++) assert.equal(X[i * ldb + c], B[i * ldb + c], "padding of B untouched");
          const res = residual(n, nrhs, A, lda, X, ldb, B, ldb);
          assert.ok(res <= 1e-12 * n * maxAbs(A) * Math.max(1, maxAbs(X)), `potrs n=${n} nrhs=${nrhs}: residual ${res}`);
        }
      }
    });

    it("syevd: A·V = V·Λ, VᵀV = I, ascending, reading only the lower triangle", () => {
      for (const n of [...SIZES, 150]) {
        const lda = n + 2;
        const A = randSym(n, lda, 800 + n);
        const V = A.slice();
        // Garbage in the strict upper triangle must not matter.
        for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) V[i * lda + j] = 777 + i - j;
        const w = new Float64Array(n);
        assert.equal(be.syevd(n, V, lda, w), 0);
        checkEigenpairs(n, n, A, lda, V, lda, w, `syevd n=${n}`);
        // trace = Σλ
        let tr = 0;
        let sw = 0;
        for (let i = 0; i < n; i++) {
          tr += A[i * lda + i];
          sw += w[i];
        }
        assert.ok(Math.abs(tr - sw) <= 1e-12 * n * Math.max(1, maxAbs(w)), "trace = Σλ");
      }
    });

    it("syevd: known spectra (diagonal, 2×2 closed form, repeated eigenvalues, zero matrix)", () => {
      // Diagonal: eigenvalues are the sorted diagonal, eigenvectors ± unit vectors.
      const diag = [3, -1, 2, 0.5, -7];
      const n = diag.length;
      const D = new Float64Array(n * n);
      diag.forEach((v, i) => {
        D[i * n + i] = v;
      });
      const w = new Float64Array(n);
      const V = D.slice();
      assert.equal(be.syevd(n, V, n, w), 0);
      assert.deepEqual(
        Array.from(w),
        [...diag].sort((a, b) => a - b),
      );
      for (let j = 0; j < n; j++) {
        const src = diag.indexOf(w[j]);
        for (let i = 0; i < n; i++) assert.ok(Math.abs(Math.abs(V[i * n + j]) - (i === src ? 1 : 0)) < 1e-15, `diagonal eigenvector ${j}`);
      }
      // 2×2 [[a, b], [b, c]]: λ = (a+c)/2 ∓ √(((a−c)/2)² + b²).
      const [a, b, c] = [1.3, -0.4, 2.9];
      const w2 = new Float64Array(2);
      const M = new Float64Array([a, b, b, c]);
      assert.equal(be.syevd(2, M, 2, w2), 0);
      const mid = (a + c) / 2;
      const rad = Math.hypot((a - c) / 2, b);
      assert.ok(Math.abs(w2[0] - (mid - rad)) < 1e-15 && Math.abs(w2[1] - (mid + rad)) < 1e-15, `2×2: ${w2}`);
      checkEigenpairs(2, 2, new Float64Array([a, b, b, c]), 2, M, 2, w2, "2×2");
      // Repeated eigenvalues: Q·diag(1,1,1,2,2,5,…)·Qᵀ.
      const m = 40;
      const lam = Array.from({ length: m }, (_, i) => (i < 15 ? 1 : i < 30 ? 2 : 5 + i));
      const Q = randOrthogonal(m, 850);
      const R = new Float64Array(m * m);
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < m; j++) {
          let s = 0;
          for (let p = 0; p < m; p++) s += Q[i * m + p] * lam[p] * Q[j * m + p];
          R[i * m + j] = s;
        }
      }
      const VR = R.slice();
      const wr = new Float64Array(m);
      assert.equal(be.syevd(m, VR, m, wr), 0);
      for (let i = 0; i < m; i++) assert.ok(Math.abs(wr[i] - lam[i]) < 1e-12 * 50, `repeated: λ${i} = ${wr[i]}, want ${lam[i]}`);
      checkEigenpairs(m, m, R, m, VR, m, wr, "repeated");
      // Zero matrix: all eigenvalues 0, V orthogonal.
      const Z = new Float64Array(9);
      const wz = new Float64Array(3);
      assert.equal(be.syevd(3, Z, 3, wz), 0);
      assert.deepEqual(Array.from(wz, Math.abs), [0, 0, 0]);
      checkEigenpairs(3, 3, new Float64Array(9), 3, Z, 3, wz, "zero");
    });

    it("syevr: an index range agrees with syevd", () => {
      const n = 70;
      const A = randSym(n, n, 900);
      const Vfull = A.slice();
      const wfull = new Float64Array(n);
      assert.equal(be.syevd(n, Vfull, n, wfull), 0);
      for (const [il, iu] of [
        [0, 0],
        [10, 25],
        [n - 1, n - 1],
        [0, n - 1],
      ]) {
        const m = iu - il + 1;
        const ldz = m + 3;
        const Z = new Float64Array(n * ldz).fill(42);
        const w = new Float64Array(m);
        const Ac = A.slice();
        assert.equal(be.syevr(n, Ac, n, il, iu, w, Z, ldz), 0);
        for (let j = 0; j < m; j++) assert.ok(Math.abs(w[j] - wfull[il + j]) < 1e-12 * n, `syevr [${il},${iu}]: w[${j}]`);
        checkEigenpairs(n, m, A, n, Z, ldz, w, `syevr [${il},${iu}]`);
        for (let i = 0; i < n; i++) for (let c = m; c < ldz; c++) assert.equal(Z[i * ldz + c], 42, "padding of Z untouched");
        // Same vectors as syevd up to sign (this random spectrum is simple).
        for (let j = 0; j < m; j++) {
          let dot = 0;
          for (let i = 0; i < n; i++) dot += Z[i * ldz + j] * Vfull[i * n + il + j];
          assert.ok(Math.abs(Math.abs(dot) - 1) < 1e-9, `syevr [${il},${iu}] vector ${j}: |⟨z, v⟩| = ${Math.abs(dot)}`);
        }
      }
    });

    it("gesv: ‖A·X − B‖ small; info > 0 on a singular matrix", () => {
      for (const n of [...SIZES, 150]) {
        for (const nrhs of [1, 5]) {
          const lda = n + 1;
          const ldb = nrhs + 1;
          const A = randArray(n * lda, 1000 + n);
          for (let i = 0; i < n; i++) A[i * lda + i] += 0.1; // keep it away from singular
          const B = randArray(n * ldb, 1100 + nrhs);
          const LU = A.slice();
          const X = B.slice();
          assert.equal(be.gesv(n, nrhs, LU, lda, X, ldb), 0);
          const res = residual(n, nrhs, A, lda, X, ldb, B, ldb);
          assert.ok(res <= 1e-11 * n * Math.max(1, maxAbs(X)), `gesv n=${n} nrhs=${nrhs}: residual ${res}`);
        }
      }
      // [[1, 2], [2, 4]]: exactly singular, second pivot 4 − 2·2 = 0.
      assert.equal(be.gesv(2, 1, new Float64Array([1, 2, 2, 4]), 2, new Float64Array([1, 1]), 1), 2);
      // A zero column makes the matrix exactly singular: some pivot is exactly zero. (Which one depends
      // on whether the backend factorises A or, row-major through column-major LAPACK, Aᵀ.)
      const n = 90;
      const S = randArray(n * n, 1200);
      for (let i = 0; i < n; i++) S[i * n + 70] = 0;
      const info = be.gesv(n, 2, S, n, randArray(n * 2, 1201), 2);
      assert.ok(info > 0 && info <= n, `zero column: info = ${info}`);
    });

    it("bad dimensions throw InputError", () => {
      const a = new Float64Array(16);
      const f = new Float32Array(16);
      const w = new Float64Array(4);
      const bad: [string, () => unknown][] = [
        ["gemm lda < cols", () => be.gemm(false, false, 4, 4, 4, 1, a, 3, a, 4, 0, a, 4)],
        ["gemm negative m", () => be.gemm(false, false, -1, 4, 4, 1, a, 4, a, 4, 0, a, 4)],
        ["gemm fractional k", () => be.gemm(false, false, 2, 2, 1.5, 1, a, 4, a, 4, 0, a, 4)],
        ["gemm C too short", () => be.gemm(false, false, 4, 5, 4, 1, a, 4, a, 5, 0, a, 5)],
        ["gemm mixed dtypes", () => be.gemm(false, false, 2, 2, 2, 1, a, 2, f as never, 2, 0, a, 2)],
        ["gemv x too short", () => be.gemv(false, 4, 4, 1, a, 4, new Float64Array(3), 0, w)],
        ["gemv y too short (trans)", () => be.gemv(true, 2, 4, 1, a, 4, w, 0, new Float64Array(3))],
        ["syrk ldc < n", () => be.syrk(false, 4, 2, 1, a, 2, 0, a, 3)],
        ["potrf lda < n", () => be.potrf(4, a, 3)],
        ["potrf A too short", () => be.potrf(5, a, 5)],
        ["potrs B too short", () => be.potrs(4, 5, a, 4, a, 5)],
        ["syevd w too short", () => be.syevd(4, a, 4, new Float64Array(3))],
        ["syevr il > iu", () => be.syevr(4, a, 4, 2, 1, w, a, 4)],
        ["syevr iu ≥ n", () => be.syevr(4, a, 4, 0, 4, w, a, 4)],
        ["syevr ldz < m", () => be.syevr(4, a, 4, 0, 3, w, a, 3)],
        ["gesv B too short", () => be.gesv(4, 5, a, 4, a, 5)],
        ["gesv negative nrhs", () => be.gesv(4, -1, a, 4, a, 4)],
      ];
      for (const [label, fn] of bad) assert.throws(fn, InputError, label);
    });

    it("zero dimensions are no-ops", () => {
      const C = new Float64Array([5, 6]);
      be.gemm(false, false, 0, 2, 3, 1, new Float64Array(1), 3, new Float64Array(6), 2, 0, C, 2);
      assert.deepEqual(Array.from(C), [5, 6]);
      // k = 0: C ← β·C.
      be.gemm(false, false, 1, 2, 0, 1, new Float64Array(1), 1, new Float64Array(1), 2, 3, C, 2);
      assert.deepEqual(Array.from(C), [15, 18]);
      assert.equal(be.gesv(0, 1, new Float64Array(1), 1, new Float64Array(1), 1), 0);
      assert.equal(be.syevd(0, new Float64Array(1), 1, new Float64Array(1)), 0);
    });
  });
}
