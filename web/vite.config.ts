// Vite build of the explorer's front end: `npx vite build web` (run by scripts/setup.sh) writes
// web/dist, which `featurelab serve` serves. Relative asset paths, one bundle (Vega included).
import { defineConfig } from "vite";

export default defineConfig({
  root: import.meta.dirname,
  base: "./",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    chunkSizeWarningLimit: 2500,
    sourcemap: false,
  },
  server: { host: "127.0.0.1" },
  logLevel: "warn",
});
