/**
 * Raw little-endian float64 files, the exchange format between a TypeScript benchmark and its
 * NumPy reference script (np.fromfile(..., dtype="<f8") / ndarray.tofile).
 */
import { readFileSync, writeFileSync } from "node:fs";

/** Writes a's bytes (row-major, float64) to path. */
export function writeBin(path: string, a: Float64Array): void {
  writeFileSync(path, new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
}

/** Reads a float64 file written by writeBin or NumPy's tofile. */
export function readBin(path: string): Float64Array {
  const b = readFileSync(path);
  return new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}
