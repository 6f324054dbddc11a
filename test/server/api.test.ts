/**
 * The explorer's HTTP API, driven over real sockets on 127.0.0.1 (port 0): good requests answer JSON
 * whose numbers satisfy the theory's identities; every bad request answers HTTP 400 (404/405/403
 * where the path, method or host is wrong) with a one-line JSON message, and the server keeps serving.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type RunningServer, startServer } from "../../src/server/index.js";
import { makeSpectrum, predict, solveQ, testLoss } from "../../web/src/theory.js";

let srv: RunningServer;
before(async () => {
  srv = await startServer({ port: 0, log: () => {} });
});
after(async () => {
  await srv.close();
});

interface Answer {
  status: number;
  type: string;
  body: string;
  json: Record<string, unknown>;
}

/** One bounded request to 127.0.0.1 (10 s timeout). */
function call(path: string, opts: { method?: string; body?: string | Buffer; headers?: Record<string, string> } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: srv.port, path, method: opts.method ?? "GET", headers: opts.headers, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        let json: Record<string, unknown> = {};
        try {
          json = JSON.parse(body);
        } catch {
          // not JSON (static files)
        }
        resolve({ status: res.statusCode ?? 0, type: String(res.headers["content-type"] ?? ""), body, json });
      });
    });
    req.on("timeout", () => req.destroy(new Error(`request ${path} timed out`)));
    req.on("error", reject);
    if (opts.body !== undefined) req.end(opts.body);
    else req.end();
  });
}

const f64 = (b64: unknown) => {
  const buf = Buffer.from(b64 as string, "base64");
  return new Float64Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
};

/** A bad request: the expected status, JSON, one line mentioning `mention`; then the server still answers. */
async function assertBad(path: string, opts: Parameters<typeof call>[1], mention: RegExp | string, status = 400): Promise<void> {
  const r = await call(path, opts);
  assert.equal(r.status, status, `${path}: ${r.body}`);
  assert.match(r.type, /application\/json/);
  const msg = r.json.error;
  assert.equal(typeof msg, "string", `error message in ${r.body}`);
  assert.ok(!(msg as string).includes("\n"), "one line");
  if (typeof mention === "string") assert.ok((msg as string).includes(mention), `'${msg}' should mention '${mention}'`);
  else assert.match(msg as string, mention);
  const h = await call("/api/health");
  assert.equal(h.status, 200, "the server keeps serving");
}

const small = "data=teacher&P=60&Pt=20&D=10&seed=3";

describe("good requests", () => {
  test("health and options", async () => {
    const h = await call("/api/health");
    assert.equal(h.status, 200);
    assert.equal(h.json.ok, true);
    const o = await call("/api/options");
    assert.equal(o.status, 200);
    assert.ok((o.json.activations as string[]).includes("erf"));
    assert.equal(o.json.springblock, existsSync(join(import.meta.dirname, "..", "..", "src", "theory", "springblock")));
  });

  test("spectrum: eigenvalues ≥ 0, Σỹ² = |y|², tr K = Σκ, and the browser's theory equals the server's", async () => {
    const r = await call(`/api/spectrum?${small}&act=erf&l0=1`);
    assert.equal(r.status, 200, r.body);
    const ds = r.json.dataset as { P: number; Pt: number };
    assert.equal(ds.P, 60);
    assert.equal(ds.Pt, 20);
    const kappa = f64(r.json.kappa);
    const yTilde = f64(r.json.yTilde);
    const B = f64(r.json.B);
    assert.equal(kappa.length, 60);
    assert.equal(B.length, 60 * 20);
    for (const k of kappa) assert.ok(k >= 0);
    // Parseval: ỹ = Uᵀy with U orthogonal
    const norm2 = yTilde.reduce((a, v) => a + v * v, 0);
    assert.ok(Math.abs(norm2 - (r.json.yTrainNorm2 as number)) < 1e-10 * norm2);

    // Independent check of the spectral predictor: Cholesky GP regression on the same kernel blocks.
    const kr = await call(`/api/kernel?${small}&act=erf&l0=1`);
    assert.equal(kr.status, 200);
    const theory = await call(`/api/theory?${small}&act=erf&l0=1&T=0.05&N1=30&l1=2`);
    assert.equal(theory.status, 200, theory.body);
    const sp = makeSpectrum(60, 20, kappa, yTilde, B, f64(r.json.kDiag), f64(r.json.yTest));
    const Q = solveQ(sp.kappa, sp.y2, 0.05, 30, 2);
    assert.ok(Math.abs(Q - (theory.json.Q as number)) < 1e-10 * Q, `browser Q* ${Q} vs server ${theory.json.Q}`);
    const s = Q / 2;
    const L = testLoss(sp, 0.05, s);
    assert.ok(Math.abs(L.loss - (theory.json.testLoss as number)) < 1e-9 * L.loss);
    const pr = predict(sp, 0.05, s);
    const preds = theory.json.predictions as { mean: number; target: number }[];
    preds.forEach((p, i) => {
      assert.ok(Math.abs(p.mean - pr.mean[i]) < 1e-9, `prediction ${i}`);
    });
    // The heatmap payload: the same P×P kernel (float32), symmetric, with a non-negative diagonal.
    const K32 = Buffer.from(kr.json.K as string, "base64");
    const K = new Float32Array(K32.buffer.slice(K32.byteOffset, K32.byteOffset + K32.byteLength));
    assert.equal(K.length, 60 * 60);
    for (let i = 0; i < 60; i++) {
      assert.ok(K[i * 60 + i] >= 0);
      for (let j = 0; j < i; j++) assert.equal(K[i * 60 + j], K[j * 60 + i]);
    }
    // trace K = Σκ (to float32 rounding)
    let tr = 0;
    for (let i = 0; i < 60; i++) tr += K[i * 60 + i];
    const sum = kappa.reduce((a, v) => a + v, 0);
    assert.ok(Math.abs(tr - sum) < 1e-5 * sum);
  });

  test("theory: Q* → 1 and the test loss → the NNGP loss as N1 → ∞; dS/dQ(Q*) ≈ 0", async () => {
    const r = await call(`/api/theory?${small}&T=0.1&N1=1e9&l1=1`);
    assert.equal(r.status, 200, r.body);
    assert.ok(Math.abs((r.json.Q as number) - 1) < 1e-6);
    assert.ok(Math.abs((r.json.testLoss as number) - (r.json.gpLimitTestLoss as number)) < 1e-6);
    const f = await call(`/api/theory?${small}&T=0.1&N1=20&l1=1`);
    assert.ok(Math.abs(f.json.gradient as number) < 1e-9);
    assert.equal(f.json.alpha, 3);
    assert.ok(Math.abs((f.json.testLoss as number) - (f.json.bias2 as number) - (f.json.variance as number)) < 1e-12);
  });

  test("POST with a JSON body gives the same answer as GET", async () => {
    const g = await call(`/api/theory?${small}&T=0.2&N1=40`);
    const p = await call("/api/theory", { method: "POST", body: JSON.stringify({ data: "teacher", P: 60, Pt: 20, D: 10, seed: 3, T: 0.2, N1: 40 }) });
    assert.equal(p.status, 200, p.body);
    assert.equal(p.json.Q, g.json.Q);
    assert.equal(p.json.testLoss, g.json.testLoss);
  });

  test("phase diagram and mean field: χ1 = 1 on the critical line", async () => {
    const r = await call("/api/phase?act=erf");
    assert.equal(r.status, 200);
    const line = r.json.criticalLine as { gb: number; gw: number | null }[];
    const pt = line.find((c) => c.gw !== null && c.gb > 0.2);
    assert.ok(pt);
    const m = await call(`/api/meanfield?act=erf&gw=${pt.gw}&gb=${pt.gb}`);
    assert.equal(m.status, 200);
    assert.ok(Math.abs((m.json.chi1 as number) - 1) < 1e-6, `χ1 = ${m.json.chi1}`);
    // erf at g_b = 0: g_c = π/4 (χ1 = 4g_w/π at q* = 0)
    assert.ok(Math.abs((line[0].gw as number) - Math.PI / 4) < 1e-6);
  });

  test("spring-block: the noiseless frictionless chain relaxes to equal extensions x_ℓ = ℓ/(L+1)", async (t) => {
    const o = await call("/api/options");
    if (!o.json.springblock) return t.skip("src/theory/springblock is not part of this build");
    const r = await call("/api/springblock?sb=A&sbL=5&sbmuR=0&sbmuL=0&sbnoise=0&sbsteps=20000");
    assert.equal(r.status, 200, r.body);
    (r.json.x as number[]).forEach((x, l) => {
      assert.ok(Math.abs(x - (l + 1) / 6) < 1e-9, `x_${l + 1} = ${x}`);
    });
    assert.equal(r.json.shape, "linear");
    assert.ok((r.json.times as number[]).length <= 401);
    const b = await call("/api/springblock?sb=B");
    assert.equal(b.status, 200, b.body);
    assert.equal(b.json.model, "B");
  });

  test("a CSV upload becomes a dataset (two-valued targets → ±1)", async () => {
    const rows = Array.from({ length: 40 }, (_, i) => `${Math.sin(i)},${Math.cos(3 * i)},${i % 2}`).join("\n");
    const u = await call("/api/upload?name=tiny.csv", { method: "POST", body: rows });
    assert.equal(u.status, 200, u.body);
    assert.equal(u.json.rows, 40);
    assert.equal(u.json.D, 2);
    const r = await call(`/api/theory?data=${u.json.data}&P=30&Pt=10&T=0.1&N1=10`);
    assert.equal(r.status, 200, r.body);
    for (const p of r.json.predictions as { target: number }[]) assert.ok(p.target === 1 || p.target === -1);
  });
});

describe("bad requests → 400 with one line, and the server keeps serving", () => {
  test("bad JSON and a non-object body", async () => {
    await assertBad("/api/theory", { method: "POST", body: "{not json" }, "not valid JSON");
    await assertBad("/api/theory", { method: "POST", body: "[1,2]" }, "must be an object");
  });
  test("unknown activation", async () => {
    await assertBad(`/api/spectrum?${small}&act=frobnicate`, {}, /parameter act: unknown activation "frobnicate"/);
  });
  test("T ≤ 0, NaN, infinite and non-numeric values", async () => {
    await assertBad(`/api/theory?${small}&T=0`, {}, "parameter T: must be > 0");
    await assertBad(`/api/theory?${small}&T=-1`, {}, "parameter T: must be > 0");
    await assertBad(`/api/theory?${small}&T=NaN`, {}, "parameter T");
    await assertBad(`/api/theory?${small}&N1=Infinity`, {}, "parameter N1");
    await assertBad(`/api/theory?${small}&l1=abc`, {}, "parameter l1");
    await assertBad("/api/theory", { method: "POST", body: JSON.stringify({ data: "teacher", P: 60, T: "NaN" }) }, "parameter T");
    await assertBad("/api/theory", { method: "POST", body: JSON.stringify({ data: "teacher", P: 60, T: null }) }, "parameter T");
  });
  test("sizes and kinds out of range", async () => {
    await assertBad("/api/spectrum?data=teacher&P=100000", {}, "parameter P");
    await assertBad("/api/spectrum?data=teacher&P=12.5", {}, "parameter P");
    await assertBad("/api/spectrum?data=nonsense", {}, "parameter data");
    await assertBad("/api/spectrum?data=mnist&cls=3,3", {}, "parameter cls");
    await assertBad("/api/spectrum?data=upload:0123456789ab", {}, "no upload");
    await assertBad("/api/meanfield?act=erf&gw=-1", {}, "parameter gw");
    await assertBad("/api/springblock?sb=C", {}, "parameter sb");
    await assertBad("/api/springblock?sbL=0", {}, "parameter sbL");
    await assertBad("/api/springblock?sbL=200&sbsteps=1000000", {}, "exceeds");
  });
  test("uploads: too large, ragged CSV, NaN cell, wrong type, empty, bad .npy", async () => {
    await assertBad("/api/upload?name=big.csv", { method: "POST", body: Buffer.alloc(20 * 1024 * 1024 + 10, 0x31) }, "larger than the limit");
    await assertBad("/api/upload?name=ragged.csv", { method: "POST", body: "1,2,3\n4,5\n6,7,8\n" }, "row 2 has 2 columns, expected 3");
    await assertBad("/api/upload?name=nan.csv", { method: "POST", body: "1,2,3\n4,NaN,1\n6,7,8\n" }, /row 2, column 2/);
    await assertBad("/api/upload?name=data.xlsx", { method: "POST", body: "x" }, "parameter name");
    await assertBad("/api/upload?name=empty.csv", { method: "POST", body: "" }, "empty");
    await assertBad("/api/upload?name=bad.npy", { method: "POST", body: Buffer.from("\x93NUMPY garbage") }, "upload 'bad.npy'");
  });
  test("unknown endpoint → 404, wrong method → 405, foreign Host → 403", async () => {
    await assertBad("/api/nothing", {}, "unknown API endpoint", 404);
    await assertBad("/api/upload", { method: "GET" }, "not allowed", 405);
    await assertBad("/api/health", { headers: { host: "evil.example:80" } }, "not a loopback name", 403);
  });
});
