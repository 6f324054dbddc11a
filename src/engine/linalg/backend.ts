/**
 * Backend selection: the native OpenBLAS addon when it loads, the pure-TypeScript fallback otherwise.
 *
 * The choice is made once, lazily, and recorded with the reason so `featurelab doctor` can explain it.
 * `FEATURELAB_BACKEND=js` forces the fallback (useful to compare); `FEATURELAB_BACKEND=native` makes a
 * failure to load the addon an error instead of a silent fallback.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { jsBackend } from "./js.js";
import { createNativeBackend, type NativeAddon } from "./native.js";
import type { BackendName, LinalgBackend } from "./types.js";

export interface BackendStatus {
  active: BackendName;
  /** Why this backend is active (and, for the fallback, why the native one is not). */
  reason: string;
  /** Absolute path of the addon file that was tried, if any. */
  addonPath: string | null;
  description: string;
}

let current: LinalgBackend | null = null;
let status: BackendStatus | null = null;
let nativeCache: { backend: LinalgBackend | null; error: string | null; path: string | null } | null = null;

/** Walks up from this file to the package root (the folder holding package.json). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "src"))) return dir;
    dir = dirname(dir);
  }
  return process.cwd();
}

/** The raw addon module (for layers that use its fused kernels), or null when it cannot load. */
export function loadAddon(): NativeAddon | null {
  tryNative();
  return nativeAddon;
}

let nativeAddon: NativeAddon | null = null;

function tryNative(): { backend: LinalgBackend | null; error: string | null; path: string | null } {
  if (nativeCache) return nativeCache;
  const root = packageRoot();
  const path = join(root, "build", "Release", "featurelab_native.node");
  if (!existsSync(path)) {
    nativeCache = { backend: null, error: `addon not built (${path} missing; run 'npm ci' with libopenblas-dev installed)`, path };
    return nativeCache;
  }
  try {
    const req = createRequire(import.meta.url);
    nativeAddon = req(path) as NativeAddon;
    nativeCache = { backend: createNativeBackend(nativeAddon), error: null, path };
  } catch (e) {
    nativeCache = { backend: null, error: `addon failed to load: ${(e as Error).message.split("\n")[0]}`, path };
  }
  return nativeCache;
}

/** The active backend. */
export function backend(): LinalgBackend {
  if (current) return current;
  const want = process.env.FEATURELAB_BACKEND;
  const nat = tryNative();
  if (want === "js") {
    current = jsBackend;
    status = { active: "js", reason: "forced by FEATURELAB_BACKEND=js", addonPath: nat.path, description: jsBackend.describe() };
  } else if (nat.backend) {
    current = nat.backend;
    status = { active: "native", reason: "native addon loaded", addonPath: nat.path, description: nat.backend.describe() };
  } else {
    if (want === "native") throw new Error(`FEATURELAB_BACKEND=native but ${nat.error}`);
    current = jsBackend;
    status = { active: "js", reason: `fallback: ${nat.error}`, addonPath: nat.path, description: jsBackend.describe() };
  }
  return current;
}

export function backendStatus(): BackendStatus {
  backend();
  return status as BackendStatus;
}

/** Every backend that can run here (the JS one always; the native one when the addon loads). */
export function availableBackends(): LinalgBackend[] {
  const nat = tryNative();
  return nat.backend ? [nat.backend, jsBackend] : [jsBackend];
}

/** Replace the active backend (tests and benchmarks). Returns the previous one. */
export function useBackend(b: LinalgBackend): LinalgBackend {
  const prev = backend();
  current = b;
  status = { active: b.name, reason: "set by useBackend()", addonPath: status?.addonPath ?? null, description: b.describe() };
  return prev;
}
