/**
 * Separation metrics of paper c (brief §8.1–8.2): closed-form oracles for D, invariances, the two
 * conventions, the pseudo-inverse tolerance, collapse and bad inputs, the load-curve statistics, and
 * agreement with an independent NumPy reference (test/fixtures/separation/README.md).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { InputError } from "../../src/engine/errors.js";
import { gaussianMatrix, key, normal, split } from "../../src/engine/random.js";
import {
  DEFAULT_RTOL,
  layerSeparation,
  loadActivations,
  loadCurveStats,
  loadLabels,
  loadLayerFile,
  resolveActivationPaths,
  scatterMatrices,
  separationAcrossLayers,
  traceTimesPinv,
} from "../../src/metrics/separation.js";

const fx = join(import.meta.dirname, "..", "fixtures", "separation");
const close = (a: number, b: number, rel = 1e-10, msg = "") => assert.ok(Math.abs(a - b) <= rel * Math.max(1, Math.abs(b)), `${msg} ${a} vs ${b}`);

/** K Gaussian classes in d dims, n per class (or counts), class means of scale `sep`. */
function blobs(seed: number, K: number, d: number, counts: number[], sep = 2) {
  const [k1, k2] = split(key(seed));
  const centers = gaussianMatrix(k1, K, d, sep);
  const P = counts.reduce((a, b) => a + b, 0);
  const noise = gaussianMatrix(k2, P, d, 1);
  const X = new Float64Array(P * d);
  const y = new Float64Array(P);
  let i = 0;
  counts.forEach((n, k) => {
    for (let r = 0; r < n; r++, i++) {
      y[i] = k;
      for (let j = 0; j < d; j++) X[i * d + j] = centers[k * d + j] + noise[i * d + j];
    }
  });
  return { X, y, P, d };
}

function transform(X: Float64Array, P: number, d: number, M: Float64Array, b?: Float64Array) {
  const out = new Float64Array(P * d);
  for (let i = 0; i < P; i++)
    for (let a = 0; a < d; a++) {
      let s = b ? b[a] : 0;
      for (let c = 0; c < d; c++) s += M[a * d + c] * X[i * d + c];
      out[i * d + a] = s;
    }
  return out;
}

/** A random orthogonal matrix by Gram–Schmidt. */
function orthogonal(seed: number, d: number): Float64Array {
  const A = gaussianMatrix(key(seed), d, d);
  const Q = new Float64Array(d * d);
  for (let c = 0; c < d; c++) {
    const v = Array.from({ length: d }, (_, r) => A[r * d + c]);
    for (let p = 0; p < c; p++) {
      let dot = 0;
      for (let r = 0; r < d; r++) dot += v[r] * Q[r * d + p];
      for (let r = 0; r < d; r++) v[r] -= dot * Q[r * d + p];
    }
    const nrm = Math.hypot(...v);
    for (let r = 0; r < d; r++) Q[r * d + c] = v[r] / nrm;
  }
  return Q;
}

test("1-D two classes: D = s²/m² (both conventions), trace ratio = D", () => {
  const m = 1.7;
  const s = 0.4;
  const X = Float64Array.from([m - s, m + s, -m - s, -m + s]);
  const r = layerSeparation(X, 4, 1, [0, 0, 1, 1]);
  close(r.D_sample, (s * s) / (m * m), 1e-12);
  close(r.D_balanced, (s * s) / (m * m), 1e-12);
  close(r.logTraceRatio, Math.log((s * s) / (m * m)), 1e-12);
  close(r.nc1, (s * s) / (m * m) / 2, 1e-12);
  // CDNV: Var = s² per class, |m1 − m2|² = 4m²
  close(r.cdnv, (2 * s * s) / (2 * 4 * m * m), 1e-12);
});

test("K classes, isotropic within-class s²I, means spanning K−1 dims: D = s² Σ 1/λ_j(Σ_B)", () => {
  // Class means at the vertices of a simplex-like set in d = 6; each class is mean ± s e_j for all j
  // (2d points), so Σ_W = (s²/d)·I per class… use exact design: Σ_W = s² I / d · (2 per axis)/(2d)·d.
  const K = 4;
  const d = 6;
  const s = 0.3;
  const mu = gaussianMatrix(key(3), K, d, 1);
  const rows: number[][] = [];
  const y: number[] = [];
  for (let k = 0; k < K; k++)
    for (let j = 0; j < d; j++)
      for (const sg of [1, -1]) {
        const r = Array.from({ length: d }, (_, a) => mu[k * d + a] + (a === j ? sg * s * Math.sqrt(d) : 0));
        rows.push(r);
        y.push(k);
      }
  const P = rows.length;
  const X = Float64Array.from(rows.flat());
  // Within-class covariance: each class has 2d points ±s√d e_j → Σ_W = s² I exactly.
  const sc = scatterMatrices(X, P, d, y, "sample");
  for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) close(sc.Sw[a * d + b], a === b ? s * s : 0, 1e-12);
  // λ_j of Σ_B by an independent route: Σ_B = BᵀB (B = K×d weighted centred means) shares its nonzero
  // spectrum with the K×K matrix BBᵀ; Tr(Σ_B⁺) = Σ 1/λ_j over the K−1 nonzero ones.
  const r = layerSeparation(X, P, d, y);
  const Sb = sc.Sb;
  // Tr(Σ_B⁺) through traceTimesPinv with A = I.
  const I = new Float64Array(d * d);
  for (let a = 0; a < d; a++) I[a * d + a] = 1;
  const tp = traceTimesPinv(I, Sb, d, { maxRank: K - 1 });
  assert.equal(tp.rank, K - 1);
  // independent: K×K Gram of weighted centred means, its eigenvalues via the power of trace identities
  const w = 1 / K;
  const cen = new Float64Array(d);
  for (let k = 0; k < K; k++) for (let a = 0; a < d; a++) cen[a] += w * mu[k * d + a];
  const G = Array.from({ length: K }, (_, i) =>
    Array.from({ length: K }, (_, j) => {
      let t = 0;
      for (let a = 0; a < d; a++) t += w * (mu[i * d + a] - cen[a]) * (mu[j * d + a] - cen[a]);
      return t;
    }),
  );
  // Tr(G⁺) with G = (centred Gram) of rank K−1: G⁺ = (G + J/K)⁻¹ − J/K where J = 11ᵀ/… (G·1 = 0).
  const Gj = G.map((row) => row.map((v) => v + 1 / K));
  const inv = invert(Gj);
  let trInv = 0;
  for (let i = 0; i < K; i++) trInv += inv[i][i];
  trInv -= 1; // Tr(J/K)⁻¹ part: (J/K) has eigenvalue 1 on 1/√K; its inverse contributes 1
  close(tp.value, trInv, 1e-9, "Tr Σ_B⁺");
  close(r.D_sample, s * s * trInv, 1e-9, "D");
  close(r.D_balanced, s * s * trInv, 1e-9, "D balanced");
});

function invert(A: number[][]): number[][] {
  const n = A.length;
  const M = A.map((r, i) => [...r, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r][c]) > Math.abs(M[p][c])) p = r;
    [M[c], M[p]] = [M[p], M[c]];
    const piv = M[c][c];
    for (let j = 0; j < 2 * n; j++) M[c][j] /= piv;
    for (let r = 0; r < n; r++)
      if (r !== c) {
        const f = M[r][c];
        for (let j = 0; j < 2 * n; j++) M[r][j] -= f * M[c][j];
      }
  }
  return M.map((r) => r.slice(n));
}

test("D is invariant under translation, isotropic scaling and orthogonal maps (both conventions)", () => {
  const { X, y, P, d } = blobs(11, 4, 7, [9, 13, 10, 8]);
  const base = layerSeparation(X, P, d, y);
  const Q = orthogonal(5, d);
  const b = normal(key(9), d, 0, 3);
  const QX = transform(X, P, d, Q, b);
  const r1 = layerSeparation(QX, P, d, y);
  close(r1.D_sample, base.D_sample, 1e-9);
  close(r1.D_balanced, base.D_balanced, 1e-9);
  close(r1.cdnv, base.cdnv, 1e-9);
  const aX = X.map((v) => -3.7 * v + 1.25);
  const r2 = layerSeparation(aX, P, d, y);
  close(r2.D_sample, base.D_sample, 1e-9);
  close(r2.D_balanced, base.D_balanced, 1e-9);
});

test("a BN-like diagonal scaling changes D when d > K − 1; any invertible map keeps it when d = K − 1", () => {
  const { X, y, P, d } = blobs(12, 3, 6, [10, 10, 10]);
  const base = layerSeparation(X, P, d, y).D_sample;
  const S = new Float64Array(d * d);
  for (let a = 0; a < d; a++) S[a * d + a] = 0.2 + a;
  const changed = layerSeparation(transform(X, P, d, S), P, d, y).D_sample;
  assert.ok(Math.abs(changed - base) > 1e-3 * base, `${changed} vs ${base}`);
  // d = K − 1 = 2: Σ_B full rank → D = Tr(Σ_W Σ_B⁻¹) invariant under any invertible A.
  const two = blobs(13, 3, 2, [7, 9, 8]);
  const b2 = layerSeparation(two.X, two.P, 2, two.y).D_sample;
  const A = Float64Array.from([2, 0.7, -0.3, 0.5]);
  close(layerSeparation(transform(two.X, two.P, 2, A), two.P, 2, two.y).D_sample, b2, 1e-9);
});

test("the two conventions coincide on class-balanced data and differ on unbalanced data", () => {
  const bal = blobs(14, 5, 8, [12, 12, 12, 12, 12]);
  const r = layerSeparation(bal.X, bal.P, bal.d, bal.y);
  close(r.D_balanced, r.D_sample, 1e-10);
  const unb = blobs(14, 5, 8, [4, 20, 7, 12, 30]);
  const u = layerSeparation(unb.X, unb.P, unb.d, unb.y);
  assert.ok(Math.abs(u.D_balanced - u.D_sample) > 1e-3 * u.D_sample);
});

test("pseudo-inverse: rank of Σ_B ≤ K − 1 kept; tiny isotropic jitter in Σ_B does not blow D up", () => {
  const { X, y, P, d } = blobs(15, 3, 10, [10, 12, 9]);
  const sc = scatterMatrices(X, P, d, y, "sample");
  const clean = traceTimesPinv(sc.Sw, sc.Sb, d, { maxRank: 2 });
  assert.equal(clean.rank, 2);
  const jit = Float64Array.from(sc.Sb);
  for (let a = 0; a < d; a++) jit[a * d + a] += 1e-9;
  const r = traceTimesPinv(sc.Sw, jit, d, { maxRank: 2 });
  close(r.value, clean.value, 1e-6);
  // without the rank cap the null-space jitter 1e-9 ≫ rtol·λ_max would be inverted: D explodes
  // (with the default rtol = 1e-10 the 1e-9 jitter sits below rtol·λ_max ≈ 1.7e-9 and is cut as well)
  assert.equal(traceTimesPinv(sc.Sw, jit, d, { rtol: DEFAULT_RTOL }).rank, 2);
  const noCap = traceTimesPinv(sc.Sw, jit, d, { rtol: 1e-12 });
  assert.ok(noCap.value > 1e6 * clean.value, `uncapped ${noCap.value} vs ${clean.value}`);
  assert.equal(layerSeparation(X, P, d, y).rankSb, 2, "rank of Σ_B");
});

test("collapse: Σ_W = 0 gives D = 0, log D = −∞, flagged; the load curve refuses it", () => {
  const X = Float64Array.from([1, 0, 1, 0, 0, 1, 0, 1, -1, -1, -1, -1]);
  const y = [0, 0, 1, 1, 2, 2];
  const r = layerSeparation(X, 6, 2, y);
  assert.equal(r.D_sample, 0);
  assert.equal(r.collapsed, true);
  assert.equal(r.logD, Number.NEGATIVE_INFINITY);
  assert.ok(!Number.isNaN(r.nc1) && !Number.isNaN(r.cdnv));
  const rep = separationAcrossLayers(
    [
      { name: "a", data: X, P: 6, d: 2 },
      { name: "b", data: X, P: 6, d: 2 },
      { name: "c", data: X, P: 6, d: 2 },
    ],
    y,
  );
  assert.equal(rep.curve, null);
  assert.throws(() => loadCurveStats([0, -1, Number.NEGATIVE_INFINITY]), /layer 2/);
});

test("bad inputs: mismatched rows, a single class, constant features, coinciding means, NaN → InputError naming the layer", () => {
  const { X, y, P, d } = blobs(16, 3, 4, [5, 5, 5]);
  const e = (f: () => unknown, re: RegExp) => assert.throws(f, (err: unknown) => err instanceof InputError && re.test(err.message));
  e(() => layerSeparation(X, P, d, Array.from(y).slice(1), { where: "layer 2 (h2.npy)" }), /layer 2 \(h2\.npy\).*14 labels.*15 rows/);
  e(() => layerSeparation(X, P, d, new Float64Array(P).fill(3), { where: "layer 0 (x.npy)" }), /layer 0 \(x\.npy\).*at least two classes/);
  e(() => layerSeparation(new Float64Array(P * d).fill(0.5), P, d, y, { where: "layer 4 (dead.npy)" }), /layer 4 \(dead\.npy\).*constant/);
  // non-constant features but identical class means
  const same = Float64Array.from([1, -1, -1, 1, 2, -2, -2, 2]);
  e(() => layerSeparation(same, 4, 2, [0, 0, 1, 1]), /class means coincide/);
  const nan = Float64Array.from(X);
  nan[7] = Number.NaN;
  e(() => layerSeparation(nan, P, d, y, { where: "layer 1 (h1.npy)" }), /layer 1 \(h1\.npy\).*row 1, column 3/);
  e(
    () =>
      separationAcrossLayers(
        [
          { name: "ok.npy", data: X, P, d },
          { name: "short.npy", data: X.subarray(0, (P - 1) * d), P: P - 1, d },
        ],
        y,
      ),
    /layer 1 \(short\.npy\)/,
  );
});

test("load curve: linear → v = c = 0, r = −1; the brief's convex example c = 2.8; concave c < 0; telescoping", () => {
  const lin = loadCurveStats([2, 1.5, 1, 0.5, 0, -0.5, -1, -1.5]);
  close(lin.v, 0, 1e-12);
  close(lin.c, 0, 1e-12);
  close(lin.pearsonR, -1, 1e-12);
  close(lin.rho, Math.exp(-0.5), 1e-12);
  assert.equal(lin.phase, "linear");
  const convex = loadCurveStats([0, -3, -5, -6.5, -7.5, -8.2, -8.6, -8.8]);
  assert.deepEqual(
    convex.loads.map((v) => Math.round(v * 1e9) / 1e9),
    [3, 2, 1.5, 1, 0.7, 0.4, 0.2],
  );
  close(convex.c, 2.8, 1e-12);
  assert.equal(convex.phase, "convex");
  const revLoads = [...convex.loads].reverse();
  const concaveCurve = [0];
  for (const l of revLoads) concaveCurve.push(concaveCurve[concaveCurve.length - 1] - l);
  const concave = loadCurveStats(concaveCurve);
  close(concave.c, -2.8, 1e-12);
  assert.equal(concave.phase, "concave");
  // telescoping: Σ second differences = d_first − d_last, on an arbitrary curve
  const y = Array.from(normal(key(21), 9));
  const st = loadCurveStats(y);
  let dd = 0;
  for (let i = 0; i + 1 < st.loads.length; i++) dd += st.loads[i] - st.loads[i + 1];
  close(st.c, dd, 1e-12);
  // dropLast removes the logits layer before the statistics
  const withLogits = loadCurveStats([...convex.logD, 100], { dropLast: true });
  close(withLogits.c, 2.8, 1e-12);
});

test("agreement with the NumPy reference (both conventions, NC1, CDNV, trace ratio, curve statistics)", async () => {
  const ref = JSON.parse(readFileSync(join(fx, "reference.json"), "utf8"));
  const labels = await loadLabels(join(fx, "labels.npy"));
  const paths = await resolveActivationPaths(fx, [
    join(fx, "labels.npy"),
    join(fx, "balanced.npy"),
    join(fx, "balanced_labels.npy"),
    join(fx, "reference.json"),
  ]);
  assert.deepEqual(
    paths.map((p) => p.split("/").pop()),
    ["layer0.npy", "layer1.npy", "layer2.npy", "layer3.npy"],
  );
  const layers = await loadActivations(paths);
  assert.equal(layers[3].d, 12);
  const rep = separationAcrossLayers(layers, labels);
  rep.layers.forEach((l) => {
    const r = ref.layers[l.name];
    for (const k of ["D_sample", "D_balanced", "nc1", "cdnv", "logTraceRatio"] as const) close(l[k], r[k], 1e-9, `${l.name} ${k}`);
  });
  const c = rep.curve!;
  ref.curve.logD.forEach((v: number, i: number) => {
    close(c.logD[i], v, 1e-9);
  });
  close(c.v, ref.curve.v, 1e-9);
  close(c.c, ref.curve.c, 1e-9);
  close(c.pearsonR, ref.curve.pearsonR, 1e-9);
  close(c.slope, ref.curve.slope, 1e-9);
  const b = await loadLayerFile(join(fx, "balanced.npy"));
  const bl = await loadLabels(join(fx, "balanced_labels.npy"));
  const rb = layerSeparation(b.data, b.P, b.d, bl);
  close(rb.D_sample, ref.balanced.D_sample, 1e-9);
  close(rb.D_balanced, ref.balanced.D_balanced, 1e-9);
});

test("CLI: featurelab separation prints both conventions and the curve; bad input → exit 2, one line naming the file", async () => {
  const { spawnSync } = await import("node:child_process");
  const root = join(import.meta.dirname, "..", "..");
  const cli = (args: string[]) =>
    spawnSync(process.execPath, [join(root, "bin", "featurelab.js"), ...args], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, FEATURELAB_FROM_SOURCE: "1" },
    });
  const files = [0, 1, 2, 3].map((i) => join(fx, `layer${i}.npy`)).join(",");
  const r = cli(["separation", "--activations", files, "--labels", join(fx, "labels.npy"), "--json"]);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  const ref = JSON.parse(readFileSync(join(fx, "reference.json"), "utf8"));
  close(out.layers[2].D_balanced, ref.layers["layer2.npy"].D_balanced, 1e-9);
  close(out.curve.c, ref.curve.c, 1e-9);
  assert.equal(out.layers.length, 4);
  const bad = cli(["separation", "--activations", `${join(fx, "layer0.npy")},${join(fx, "balanced.npy")}`, "--labels", join(fx, "labels.npy")]);
  assert.equal(bad.status, 2);
  const lines = bad.stderr.trim().split("\n");
  assert.equal(lines.length, 1);
  assert.match(lines[0], /^featurelab: layer 1 \(balanced\.npy\): .*46 labels.*40 rows/);
  assert.equal(bad.stdout, "");
});
