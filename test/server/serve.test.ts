/**
 * `featurelab serve`: prints its URL (127.0.0.1), answers, and exits 0 on SIGINT; bad ports are one-line
 * errors with exit code 2.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { startServer } from "../../src/server/index.js";

const root = join(import.meta.dirname, "..", "..");
const bin = join(root, "bin", "featurelab.js");
const env = { ...process.env, FEATURELAB_FROM_SOURCE: "1" };

test("serve --port 0 prints a 127.0.0.1 URL, serves the API, and stops cleanly on SIGINT", { timeout: 60_000 }, async () => {
  const child = spawn(process.execPath, [bin, "serve", "--port", "0", "--open", "no"], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stderr.on("data", (c) => {
    err += c;
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL printed; stderr: ${err}`)), 45_000);
    child.stdout.on("data", (c) => {
      out += c;
      const m = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[0]);
      }
    });
    child.on("exit", (code) => reject(new Error(`exited early with ${code}: ${err}`)));
  });
  const r = await fetch(`${url}api/health`, { signal: AbortSignal.timeout(10_000) });
  assert.equal(r.status, 200);
  assert.deepEqual(await r.json(), { ok: true, version: "0.1.0" });
  const code = await new Promise<number | null>((resolve) => {
    child.on("exit", (c) => resolve(c));
    child.kill("SIGINT");
  });
  assert.equal(code, 0, `exit code after SIGINT; stderr: ${err}`);
  assert.match(out, /^featurelab explorer: http:\/\/127\.0\.0\.1:\d+\/ {2}\(Ctrl-C to stop\)\n$/);
});

test("serve with a bad --port or --open value: exit 2, one line", () => {
  for (const args of [
    ["--port", "70000"],
    ["--port", "abc"],
    ["--open", "maybe"],
  ]) {
    const r = spawnSync(process.execPath, [bin, "serve", ...args], { cwd: root, env, encoding: "utf8", timeout: 30_000 });
    assert.equal(r.status, 2, `${args.join(" ")}: ${r.stderr}`);
    const lines = r.stderr.trim().split("\n");
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], /^featurelab: /);
  }
});

test("serve on a port that is taken: exit 2, one line naming the port", async () => {
  const busy = await startServer({ port: 0, log: () => {} });
  try {
    const r = spawnSync(process.execPath, [bin, "serve", "--port", String(busy.port), "--open", "no"], { cwd: root, env, encoding: "utf8", timeout: 30_000 });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr.trim(), new RegExp(`^featurelab: option --port: port ${busy.port} is already in use on 127\\.0\\.0\\.1$`));
  } finally {
    await busy.close();
  }
});
