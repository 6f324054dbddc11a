/**
 * Checkpoint files of sampling runs: a JSON header and raw typed-array buffers in one binary file,
 * written atomically (temporary file, fsync, rename: `writeFileAtomic`), so a crash at any moment
 * leaves either the previous checkpoint or the new one.
 *
 * Layout (little endian):
 *
 * ```
 * bytes 0–7     magic "FLCKPT01"
 * bytes 8–11    header length h (uint32)
 * bytes 12…     header: UTF-8 JSON {version, sha256, buffers: [{name, dtype, length, offset}], …user fields}
 * padding to a multiple of 8, then the buffers at their offsets (relative to the payload start)
 * ```
 *
 * `sha256` covers the payload (all buffers), so a damaged file is detected on reading. Buffers are
 * stored bit for bit (f64/f32), so a resumed run continues from exactly the saved numbers.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { InputError } from "../../engine/errors.js";
import { writeFileAtomic } from "../../engine/fsutil.js";

const MAGIC = "FLCKPT01";
const VERSION = 1;

export type CheckpointBuffer = Float64Array | Float32Array;

export interface Checkpoint {
  /** User header fields (JSON-serialisable). */
  header: Record<string, unknown>;
  buffers: Record<string, CheckpointBuffer>;
}

interface BufferEntry {
  name: string;
  dtype: "f64" | "f32";
  length: number;
  offset: number;
}

/** Writes a checkpoint atomically. Header field names `version`, `sha256`, `buffers` are reserved. */
export function writeCheckpoint(path: string, ck: Checkpoint): void {
  const entries: BufferEntry[] = [];
  let off = 0;
  for (const [name, a] of Object.entries(ck.buffers)) {
    const dtype = a instanceof Float64Array ? "f64" : a instanceof Float32Array ? "f32" : null;
    if (!dtype) throw new InputError(`buffer "${name}" must be a Float64Array or Float32Array`, "checkpoint");
    entries.push({ name, dtype, length: a.length, offset: off });
    off += Math.ceil(a.byteLength / 8) * 8;
  }
  const payload = new Uint8Array(off);
  for (const e of entries) {
    const a = ck.buffers[e.name];
    payload.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), e.offset);
  }
  const sha256 = createHash("sha256").update(payload).digest("hex");
  for (const k of ["version", "sha256", "buffers"]) if (k in ck.header) throw new InputError(`header field "${k}" is reserved`, "checkpoint");
  const header = Buffer.from(JSON.stringify({ ...ck.header, version: VERSION, sha256, buffers: entries }), "utf8");
  const start = Math.ceil((12 + header.length) / 8) * 8;
  const out = new Uint8Array(start + payload.length);
  out.set(Buffer.from(MAGIC, "ascii"), 0);
  new DataView(out.buffer).setUint32(8, header.length, true);
  out.set(header, 12);
  out.set(payload, start);
  writeFileAtomic(path, out);
}

/** Reads and verifies a checkpoint; InputError naming the file when it is damaged or foreign. */
export function readCheckpoint(path: string): Checkpoint {
  if (!existsSync(path)) throw new InputError("checkpoint file not found", path);
  const raw = readFileSync(path);
  if (raw.length < 12 || raw.subarray(0, 8).toString("ascii") !== MAGIC) throw new InputError("not a featurelab checkpoint (bad magic)", path);
  const h = raw.readUInt32LE(8);
  if (12 + h > raw.length) throw new InputError("truncated checkpoint header", path);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(raw.subarray(12, 12 + h).toString("utf8"));
  } catch {
    throw new InputError("damaged checkpoint header (invalid JSON)", path);
  }
  if (header.version !== VERSION) throw new InputError(`unsupported checkpoint version ${String(header.version)} (expected ${VERSION})`, path);
  const start = Math.ceil((12 + h) / 8) * 8;
  const payload = raw.subarray(start);
  const sha = createHash("sha256").update(payload).digest("hex");
  if (sha !== header.sha256) throw new InputError("damaged checkpoint (payload checksum mismatch)", path);
  const buffers: Record<string, CheckpointBuffer> = {};
  for (const e of header.buffers as BufferEntry[]) {
    const bytes = e.length * (e.dtype === "f64" ? 8 : 4);
    if (e.offset + bytes > payload.length) throw new InputError(`truncated checkpoint buffer "${e.name}"`, path);
    const copy = new Uint8Array(bytes);
    copy.set(payload.subarray(e.offset, e.offset + bytes));
    buffers[e.name] = e.dtype === "f64" ? new Float64Array(copy.buffer) : new Float32Array(copy.buffer);
  }
  const { version: _v, sha256: _s, buffers: _b, ...user } = header;
  return { header: user, buffers };
}
