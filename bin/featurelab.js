#!/usr/bin/env node
// featurelab's command-line entry. Runs the compiled CLI (dist/, built by scripts/setup.sh); in a
// source checkout without a build it runs the TypeScript sources through tsx.
import { existsSync } from "node:fs";

const dist = new URL("../dist/cli/main.js", import.meta.url);
if (existsSync(dist) && !process.env.FEATURELAB_FROM_SOURCE) {
  await import(dist.href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import(new URL("../src/cli/main.ts", import.meta.url).href);
}
