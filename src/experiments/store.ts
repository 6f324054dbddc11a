/**
 * The result store of a run: an append-only JSON-lines file (`points.jsonl`) with one line per
 * finished sweep point, each carrying the SHA-256 of its payload.
 *
 * Line format (one JSON object per line, readable with `jq`):
 *
 *   {"sha256":"<64 hex digits>","data":<payload>}\n
 *
 * where `<payload>` is the exact JSON text whose UTF-8 bytes hash to `sha256`. The payload is a
 * {@link StoredPoint}. Values JSON cannot hold are encoded so they round-trip exactly: NaN/±∞ as
 * `{"$num":"NaN"}` (and −0 as `{"$num":"-0"}`), typed arrays as `{"$f64":"<base64>"}` (also `$f32`, `$i32`, `$u8`, little-endian).
 *
 * Durability: each line is written with one `write` followed by `fsync` before the point counts as
 * done. A process killed mid-write leaves at most a torn last line (no newline, or a checksum that
 * does not match); {@link PointStore.open} discards it and truncates the file back to the last good
 * line before appending. A bad line in the middle (a disk error) is skipped and counted; its point is
 * recomputed.
 *
 * Only the runner's main thread writes (workers send results back), and a lock file keeps two
 * processes out of one run folder, so lines never interleave.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { closeSync, existsSync, fsyncSync, ftruncateSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { InputError } from "../engine/errors.js";

/** One finished sweep point. */
export interface StoredPoint {
  /** Recipe id. */
  recipe: string;
  /** Point id (unique within the recipe). */
  point: string;
  /** Hash of the point's params (a point whose params changed is recomputed). */
  paramsHash: string;
  /** The point's key as "k0:k1" (hex), for provenance. */
  key: string;
  /** Wall-clock seconds of `compute`. */
  seconds: number;
  /** ISO time the point finished. */
  finished: string;
  result: unknown;
}

const PREFIX = '{"sha256":"';
const MID = '","data":';
const SUFFIX = "}";

/** SHA-256 of a string's UTF-8 bytes, hex. */
export function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** A stable 32-bit hash of a string: the first 4 bytes of its SHA-256 (for key derivation). */
export function hash32(text: string): number {
  return createHash("sha256").update(text, "utf8").digest().readUInt32BE(0);
}

// ---------------------------------------------------------------- encoding

function typedToB64(a: ArrayBufferView): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("base64");
}

function b64ToTyped<T>(s: string, C: { new (b: ArrayBuffer): T; BYTES_PER_ELEMENT: number }): T {
  const b = Buffer.from(s, "base64");
  const ab = new ArrayBuffer(b.length);
  new Uint8Array(ab).set(b);
  return new C(ab);
}

function replacer(this: unknown, k: string, v: unknown): unknown {
  const raw = (this as Record<string, unknown>)[k];
  if (typeof raw === "number" && (!Number.isFinite(raw) || Object.is(raw, -0))) return { $num: Object.is(raw, -0) ? "-0" : String(raw) };
  if (raw instanceof Float64Array) return { $f64: typedToB64(raw) };
  if (raw instanceof Float32Array) return { $f32: typedToB64(raw) };
  if (raw instanceof Int32Array) return { $i32: typedToB64(raw) };
  if (raw instanceof Uint8Array) return { $u8: typedToB64(raw) };
  if (ArrayBuffer.isView(raw) && !(raw instanceof DataView)) return Array.from(raw as unknown as ArrayLike<number>);
  return v;
}

function reviver(_k: string, v: unknown): unknown {
  if (v && typeof v === "object" && !Array.isArray(v)) {
    const keys = Object.keys(v);
    if (keys.length === 1) {
      const o = v as Record<string, string>;
      switch (keys[0]) {
        case "$num":
          return Number(o.$num);
        case "$f64":
          return b64ToTyped(o.$f64, Float64Array);
        case "$f32":
          return b64ToTyped(o.$f32, Float32Array);
        case "$i32":
          return b64ToTyped(o.$i32, Int32Array);
        case "$u8":
          return new Uint8Array(Buffer.from(o.$u8, "base64"));
      }
    }
  }
  return v;
}

/** A value as JSON text that {@link decodeValue} turns back into an identical value (NaN, ±∞, typed arrays included). */
export function encodeValue(v: unknown): string {
  return JSON.stringify(v, replacer);
}

/** Inverse of {@link encodeValue}. */
export function decodeValue(text: string): unknown {
  return JSON.parse(text, reviver);
}

/** One store line (with its newline) for a payload. */
export function formatLine(p: StoredPoint): string {
  const payload = encodeValue(p);
  return `${PREFIX}${sha256(payload)}${MID}${payload}${SUFFIX}\n`;
}

/** The payload text of a line when its checksum holds, else null. */
export function verifyLine(line: string): string | null {
  if (!line.startsWith(PREFIX) || !line.endsWith(SUFFIX)) return null;
  const hash = line.slice(PREFIX.length, PREFIX.length + 64);
  if (line.slice(PREFIX.length + 64, PREFIX.length + 64 + MID.length) !== MID) return null;
  const payload = line.slice(PREFIX.length + 64 + MID.length, line.length - SUFFIX.length);
  return sha256(payload) === hash ? payload : null;
}

/** Result of {@link parseStore}. */
export interface ParsedStore {
  points: StoredPoint[];
  /** Bytes up to and including the last newline-terminated line (good or bad). */
  completeBytes: number;
  /** A last line without its newline, or whose checksum failed, was discarded. */
  torn: boolean;
  /** Newline-terminated lines before the last whose checksum failed (skipped). */
  corrupt: number;
}

/** Parses a store file's bytes (see the module doc). */
export function parseStore(buf: Buffer): ParsedStore {
  const points: StoredPoint[] = [];
  let corrupt = 0;
  let torn = false;
  let start = 0;
  let completeBytes = 0;
  let lastBadStart = -1; // start of the last complete line when it was bad
  while (start < buf.length) {
    const nl = buf.indexOf(0x0a, start);
    if (nl < 0) {
      torn = true; // a last line without its newline: the write was cut
      break;
    }
    const payload = verifyLine(buf.toString("utf8", start, nl));
    if (payload === null) {
      corrupt++;
      lastBadStart = start;
    } else {
      points.push(decodeValue(payload) as StoredPoint);
      lastBadStart = -1;
    }
    completeBytes = nl + 1;
    start = nl + 1;
  }
  // A complete but bad *last* line is a torn write too (e.g. zero-filled after a crash): discard it.
  if (!torn && lastBadStart >= 0) {
    corrupt--;
    torn = true;
    completeBytes = lastBadStart;
  }
  return { points, completeBytes, torn, corrupt };
}

/**
 * Key of a point in the store's map: recipe, point id and the hash of its parameters, so a line written
 * under other parameters (an older configuration in the same run folder) never shadows the current one.
 */
export function pointKey(recipe: string, point: string, paramsHash: string): string {
  return `${recipe}\u0000${point}\u0000${paramsHash}`;
}

/** The open store of a run folder. */
export class PointStore {
  /** Finished points by {@link pointKey} (the first line wins when a point appears twice with the same hash). */
  readonly points = new Map<string, StoredPoint>();
  private fd: number;

  private constructor(
    readonly path: string,
    fd: number,
    parsed: ParsedStore,
  ) {
    this.fd = fd;
    this.torn = parsed.torn;
    this.corrupt = parsed.corrupt;
    for (const p of parsed.points) {
      const k = pointKey(p.recipe, p.point, p.paramsHash);
      if (!this.points.has(k)) this.points.set(k, p);
    }
  }

  /** A torn last line was discarded when the store was opened. */
  readonly torn: boolean;
  /** Corrupt lines (not the last) that were skipped. */
  readonly corrupt: number;

  /** Reads the store (creating it when missing), discards a torn tail, and opens it for appending. */
  static open(path: string): PointStore {
    const buf = existsSync(path) ? readFileSync(path) : Buffer.alloc(0);
    const parsed = parseStore(buf);
    if (parsed.completeBytes < buf.length) {
      const t = openSync(path, "r+");
      try {
        ftruncateSync(t, parsed.completeBytes);
        fsyncSync(t);
      } finally {
        closeSync(t);
      }
    }
    return new PointStore(path, openSync(path, "a"), parsed);
  }

  /** Reads a store without opening it for writing (for `featurelab runs`). */
  static read(path: string): ParsedStore {
    return parseStore(existsSync(path) ? readFileSync(path) : Buffer.alloc(0));
  }

  /** The stored point, when its params hash matches. */
  get(recipe: string, point: string, paramsHash: string): StoredPoint | undefined {
    return this.points.get(pointKey(recipe, point, paramsHash));
  }

  /**
   * Appends a finished point durably (one write, then fsync) and returns it as it will read back
   * (encoded and decoded), so a resumed run sees exactly the same values as an uninterrupted one.
   */
  append(p: StoredPoint): StoredPoint {
    if (this.fd < 0) throw new Error("PointStore: append after close");
    const line = formatLine(p);
    const bytes = Buffer.from(line, "utf8");
    let off = 0;
    while (off < bytes.length) off += writeSync(this.fd, bytes, off, bytes.length - off);
    fsyncSync(this.fd);
    const back = decodeValue(verifyLine(line.slice(0, -1)) as string) as StoredPoint;
    this.points.set(pointKey(p.recipe, p.point, p.paramsHash), back);
    return back;
  }

  /** Closes the file. */
  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

// ---------------------------------------------------------------- lock

/** Takes the run folder's lock file (pid inside); a stale lock (its process is gone) is taken over. */
export function acquireLock(path: string): () => void {
  const mine = String(process.pid);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, mine, { flag: "wx" });
      return () => {
        try {
          if (readFileSync(path, "utf8") === mine) rmSync(path, { force: true });
        } catch {
          /* already gone */
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const pid = Number(readFileSync(path, "utf8").trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid)) {
        throw new InputError(`run folder is in use by process ${pid} (remove ${path} if that is wrong)`, "reproduce --out");
      }
      rmSync(path, { force: true });
    }
  }
  throw new InputError(`cannot take the lock ${path}`, "reproduce --out");
}

/** True when a process with this pid exists. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
