/**
 * The explorer's HTTP server: a JSON API over the kernel, theory and chaos layers plus the static
 * front end (web/dist, built by Vite). It binds 127.0.0.1 only and rejects requests whose Host
 * header is not a loopback name (DNS-rebinding guard).
 *
 * Every error is a JSON object `{"error": "<one line>"}`: 400 for bad input (InputError, bad JSON,
 * an oversized or malformed upload), 404 unknown path, 405 wrong method, 422 a numerical failure,
 * 500 anything else (logged). No request can take the server down.
 *
 * Endpoints (parameters in the query string, or a JSON object body with POST):
 * - `GET /api/health` — `{ok, version}`.
 * - `GET /api/options` — datasets (with availability), activations, limits, the theory source.
 * - `/api/spectrum` — data, P, Pt, seed, cls, D, noise, sep, act, l0: the cached spectrum: κ (P),
 *   ỹ = Uᵀy (P), B = K_test·U (Pt×P), k00 (Pt), test targets, as base64 little-endian float64.
 * - `/api/kernel` — same parameters: the P×P train kernel as base64 float32, with labels.
 * - `/api/theory` — same plus T, N1, l1: Q*, the renormalised GP's test predictions and losses,
 *   computed on the server (the reference for the browser's own evaluation).
 * - `/api/phase` — act: χ1 over the (g_w, g_b) grid and the critical line.
 * - `/api/meanfield` — act, gw, gb: q*, χ1, c*, depth scales and the phase at one point.
 * - `/api/springblock` — sb (A|B), sbL, sbmuR, sbmuL, sbnoise, sbdecay, sbcommon, sbsteps, sbseed: one
 *   simulated spring–block chain (paper c): trajectory, final load curve, shape statistics.
 * - `POST /api/upload?name=FILE.csv|FILE.npy` — the raw file as the body (≤ 20 MB): `{id, …}`; use
 *   `data=upload:<id>` afterwards.
 *
 * @module
 */
import { createReadStream, existsSync, statSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { mnistAvailable } from "../data/index.js";
import { InputError, NumericalError } from "../engine/errors.js";
import { ACTIVATION_NAMES } from "../kernels/index.js";
import { DATA_KINDS, MAX_D, MAX_P, MAX_PT, MAX_UPLOAD_BYTES, readDataSpec, UploadStore } from "./datasets.js";
import { Params } from "./params.js";
import { GB_MAX, GW_MAX, GW_MIN, meanFieldPoint, PhaseCache } from "./phase.js";
import { MAX_P_QUADRATURE, readActivation, SpectrumCache, type SpectrumEntry } from "./spectra.js";
import { readSpringBlock, runSpringBlock, SPRINGBLOCK_DEFAULTS, springBlockLibrary } from "./springblock.js";
import { renormalizedPrediction, theorySource } from "./theory.js";

const VERSION = "0.1.0";
/** Largest JSON request body. */
export const MAX_JSON_BYTES = 1024 * 1024;

/** Options of {@link createApp}. */
export interface AppOptions {
  /** Folder of the built front end (default: web/dist of the package). */
  webRoot?: string;
  /** Log internal errors (default: to stderr). */
  log?: (line: string) => void;
}

/** An HTTP error with its status; its message is the one-line JSON `error`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The package's web/dist, from this file (src/server or dist/server). */
export function defaultWebRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "web", "dist");
}

const MIME: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".map": "application/json",
  ".woff2": "font/woff2",
};

function b64(a: Float64Array | Float32Array | Int32Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("base64");
}

function sendJson(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  const text = JSON.stringify(body, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v));
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "cache-control": "no-store",
    "content-length": Buffer.byteLength(text),
    ...extra,
  });
  res.end(text);
}

/** Reads a request body up to `limit` bytes; past it, drains (bounded) and throws a 400. */
function readBody(req: IncomingMessage, limit: number, what: string): Promise<Buffer> {
  return new Promise((resolvePromise, reject) => {
    const declared = Number(req.headers["content-length"]);
    const chunks: Buffer[] = [];
    let size = 0;
    let over = Number.isFinite(declared) && declared > limit;
    const tooLarge = () => new HttpError(400, `${what} is larger than the limit of ${limit} bytes`);
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > limit) over = true;
      if (over) {
        // Drain what the client sends (so that it reads our answer), but not without end.
        if (size > 4 * limit + 1024 * 1024) req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => (over ? reject(tooLarge()) : resolvePromise(Buffer.concat(chunks))));
    req.on("error", (e) => reject(over ? tooLarge() : e));
    req.on("close", () => {
      if (over) reject(tooLarge());
    });
  });
}

/** Parameters of a request: the query string, or (POST with a body) a JSON object. */
async function readParams(req: IncomingMessage, url: URL): Promise<Params> {
  if (req.method !== "POST") return Params.fromSearch(url.searchParams);
  const body = await readBody(req, MAX_JSON_BYTES, "the JSON body");
  if (body.length === 0) return Params.fromSearch(url.searchParams);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch (e) {
    throw new InputError(`the body is not valid JSON (${(e as Error).message.split("\n")[0]})`, "request body");
  }
  return Params.fromJson(parsed);
}

function spectrumPayload(e: SpectrumEntry) {
  const { gp, testSet, train, test } = e;
  return {
    key: e.key,
    dataset: {
      kind: e.spec.kind,
      description: e.description,
      name: train.meta.name,
      source: train.meta.source,
      P: train.P,
      Pt: test.P,
      D: train.D,
      classes: train.meta.classes ?? null,
      task: train.labels ? "classification" : "regression",
      notes: train.meta.notes ?? [],
    },
    act: e.act.spec,
    lambda0: e.lambda0,
    method: e.method,
    diagnostics: gp.diagnostics,
    timings: e.timings,
    kappa: b64(gp.kappa),
    yTilde: b64(gp.yTilde),
    B: b64(testSet.B),
    kDiag: b64(testSet.kDiag),
    yTest: b64(test.y),
    yTrainNorm2: train.y.reduce((a, v) => a + v * v, 0),
  };
}

/** The request handler (exported for tests that mount it on their own server). */
export function createApp(opts: AppOptions = {}) {
  const webRoot = resolve(opts.webRoot ?? defaultWebRoot());
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const uploads = new UploadStore();
  const spectra = new SpectrumCache(uploads);
  const phases = new PhaseCache();

  const spectrumOf = (p: Params): SpectrumEntry => {
    const spec = readDataSpec(p, uploads);
    const act = readActivation(p.string("act", "erf", 40));
    const lambda0 = p.number("l0", 1, { above: 0, max: 1e6 });
    return spectra.get(spec, act, lambda0);
  };

  const routes: Record<string, { methods: string[]; run: (req: IncomingMessage, url: URL) => Promise<unknown> }> = {
    "/api/health": { methods: ["GET"], run: async () => ({ ok: true, version: VERSION }) },
    "/api/options": {
      methods: ["GET"],
      run: async () => ({
        datasets: DATA_KINDS.map((kind) => ({
          kind,
          available: kind === "mnist" || kind === "fashion" ? mnistAvailable(kind, "train") && mnistAvailable(kind, "test") : true,
        })),
        activations: ACTIVATION_NAMES,
        limits: { maxP: MAX_P, maxPt: MAX_PT, maxD: MAX_D, maxUploadBytes: MAX_UPLOAD_BYTES, maxPQuadrature: MAX_P_QUADRATURE },
        phaseGrid: { gwMin: GW_MIN, gwMax: GW_MAX, gbMin: 0, gbMax: GB_MAX },
        theory: theorySource,
        springblock: (await springBlockLibrary()) !== null,
        springblockDefaults: SPRINGBLOCK_DEFAULTS,
      }),
    },
    "/api/spectrum": { methods: ["GET", "POST"], run: async (req, url) => spectrumPayload(spectrumOf(await readParams(req, url))) },
    "/api/kernel": {
      methods: ["GET", "POST"],
      run: async (req, url) => {
        const e = spectrumOf(await readParams(req, url));
        const K = Float32Array.from(e.K);
        let min = Number.POSITIVE_INFINITY;
        let max = Number.NEGATIVE_INFINITY;
        for (let i = 0; i < K.length; i++) {
          if (K[i] < min) min = K[i];
          if (K[i] > max) max = K[i];
        }
        return {
          key: e.key,
          P: e.train.P,
          act: e.act.spec,
          lambda0: e.lambda0,
          min,
          max,
          labels: e.train.labels ? Array.from(e.train.labels) : null,
          y: Array.from(e.train.y),
          K: b64(K),
        };
      },
    },
    "/api/theory": {
      methods: ["GET", "POST"],
      run: async (req, url) => {
        const p = await readParams(req, url);
        const T = p.number("T", 0.01, { above: 0, max: 1e6 });
        const N1 = p.number("N1", 500, { min: 1, max: 1e9 });
        const lambda1 = p.number("l1", 1, { above: 0, max: 1e6 });
        const e = spectrumOf(p);
        const r = renormalizedPrediction(e.gp, e.testSet, e.test.y, { T, N1, lambda1 });
        return {
          key: e.key,
          source: theorySource,
          T,
          N1,
          lambda1,
          alpha: e.train.P / N1,
          Q: r.order.Q,
          S: r.order.S,
          gradient: r.order.gradient,
          converged: r.order.converged,
          scale: r.scale,
          testLoss: r.testLoss,
          bias2: r.bias2,
          variance: r.testVariance,
          trainLoss: r.trainLoss,
          gpLimitTestLoss: r.gpLimitTestLoss,
          predictions: Array.from(r.mean, (m, i) => ({ target: e.test.y[i], mean: m, sd: Math.sqrt(Math.max(r.variance[i], 0)) })),
        };
      },
    },
    "/api/phase": {
      methods: ["GET", "POST"],
      run: async (req, url) => phases.get(readActivation((await readParams(req, url)).string("act", "erf", 40))),
    },
    "/api/meanfield": {
      methods: ["GET", "POST"],
      run: async (req, url) => {
        const p = await readParams(req, url);
        const act = readActivation(p.string("act", "erf", 40));
        return meanFieldPoint(act, p.number("gw", 1, { min: 0, max: 100 }), p.number("gb", 0, { min: 0, max: 100 }));
      },
    },
    "/api/springblock": {
      methods: ["GET", "POST"],
      run: async (req, url) => runSpringBlock(readSpringBlock(await readParams(req, url))),
    },
    "/api/upload": {
      methods: ["POST"],
      run: async (req, url) => {
        const name = url.searchParams.get("name") ?? "";
        if (!/\.(csv|txt|npy)$/i.test(name)) throw new InputError(`expected a file name ending in .csv or .npy, got '${name.slice(0, 60)}'`, "parameter name");
        const body = await readBody(req, MAX_UPLOAD_BYTES, "the upload");
        const up = uploads.add(name, body);
        const ds = up.dataset;
        return {
          id: up.id,
          data: `upload:${up.id}`,
          name: up.name,
          bytes: up.bytes,
          rows: ds.P,
          D: ds.D,
          classes: ds.meta.classes ?? null,
          notes: ds.meta.notes ?? [],
        };
      },
    },
  };

  const serveStatic = (req: IncomingMessage, res: ServerResponse, url: URL) => {
    if (req.method !== "GET" && req.method !== "HEAD") throw new HttpError(405, `method ${req.method} not allowed on ${url.pathname}`);
    let rel: string;
    try {
      rel = decodeURIComponent(url.pathname);
    } catch {
      throw new HttpError(400, "malformed path");
    }
    if (rel.includes("\0")) throw new HttpError(400, "malformed path");
    if (rel === "/" || rel === "") rel = "/index.html";
    const file = resolve(webRoot, `.${rel}`);
    if (file !== webRoot && !file.startsWith(webRoot + sep)) throw new HttpError(404, `not found: ${url.pathname}`);
    if (!existsSync(join(webRoot, "index.html"))) {
      const html = `<!doctype html><meta charset="utf-8"><title>featurelab explorer</title><p>The explorer's front end is not built: run <code>npx vite build web</code> (or <code>bash scripts/setup.sh</code>) and reload. The JSON API is at <code>/api/</code>.</p>`;
      res.writeHead(503, { "content-type": "text/html; charset=utf-8" });
      res.end(html);
      return;
    }
    if (!existsSync(file) || !statSync(file).isFile()) throw new HttpError(404, `not found: ${url.pathname}`);
    const immutable = rel.startsWith("/assets/");
    res.writeHead(200, {
      "content-type": MIME[extname(file).toLowerCase()] ?? "application/octet-stream",
      "content-length": statSync(file).size,
      "cache-control": immutable ? "public, max-age=31536000, immutable" : "no-cache",
    });
    if (req.method === "HEAD") res.end();
    else createReadStream(file).pipe(res);
  };

  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const t0 = performance.now();
    try {
      const host = (req.headers.host ?? "").replace(/:\d+$/, "");
      if (!["127.0.0.1", "localhost", "[::1]"].includes(host)) throw new HttpError(403, `host '${host}' is not a loopback name`);
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const route = routes[url.pathname];
      if (route) {
        if (!route.methods.includes(req.method ?? ""))
          throw new HttpError(405, `method ${req.method} not allowed on ${url.pathname} (use ${route.methods.join(" or ")})`);
        const body = await route.run(req, url);
        sendJson(res, 200, body, { "server-timing": `total;dur=${(performance.now() - t0).toFixed(1)}` });
      } else if (url.pathname.startsWith("/api/")) {
        throw new HttpError(404, `unknown API endpoint ${url.pathname}`);
      } else {
        serveStatic(req, res, url);
      }
    } catch (e) {
      let status = 500;
      let message: string;
      if (e instanceof HttpError) {
        status = e.status;
        message = e.message;
      } else if (e instanceof InputError) {
        status = 400;
        message = e.message;
      } else if (e instanceof NumericalError) {
        status = 422;
        message = `numerical failure: ${e.message}`;
      } else {
        message = `internal error: ${(e as Error)?.message ?? String(e)}`;
        log(`featurelab serve: ${(e as Error)?.stack ?? String(e)}`);
      }
      message = message.replace(/\s*\n\s*/g, " ");
      if (!res.headersSent) sendJson(res, status, { error: message });
      else res.destroy();
    }
  };
}

/** A running explorer server. */
export interface RunningServer {
  server: Server;
  port: number;
  url: string;
  /** Stops accepting connections, closes open ones, resolves when closed. */
  close(): Promise<void>;
}

/** Starts the explorer on 127.0.0.1:`port` (0 = any free port). InputError when the port is taken. */
export function startServer(opts: AppOptions & { port?: number } = {}): Promise<RunningServer> {
  const handle = createApp(opts);
  const server = createServer((req, res) => {
    handle(req, res).catch((e) => {
      // handle() answers every error itself; this is the last guard against a crash.
      if (!res.headersSent) res.writeHead(500).end();
      process.stderr.write(`featurelab serve: ${(e as Error)?.stack ?? String(e)}\n`);
    });
  });
  server.requestTimeout = 10 * 60 * 1000;
  server.on("clientError", (_err, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n");
    else socket.destroy();
  });
  const port = opts.port ?? 0;
  return new Promise((resolvePromise, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) => {
      if (e.code === "EADDRINUSE") reject(new InputError(`port ${port} is already in use on 127.0.0.1`, "option --port"));
      else if (e.code === "EACCES") reject(new InputError(`not allowed to listen on port ${port}`, "option --port"));
      else reject(e);
    });
    server.listen(port, "127.0.0.1", () => {
      const addr = server.address() as AddressInfo;
      resolvePromise({
        server,
        port: addr.port,
        url: `http://127.0.0.1:${addr.port}/`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
