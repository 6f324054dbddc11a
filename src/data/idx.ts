/**
 * Reader (and a small writer, for tests and tooling) of the IDX format used by MNIST and
 * Fashion-MNIST: a 4-byte magic `00 00 TT NN` (TT = element type, NN = number of dimensions), NN
 * big-endian uint32 dimension sizes, then the elements in C order, big-endian. Files may be gzipped
 * (detected by the gzip magic `1f 8b`, whatever the name).
 */
import { gunzipSync } from "node:zlib";
import { InputError } from "../engine/errors.js";
import { readBytes } from "./files.js";

export type IdxType = "ubyte" | "byte" | "short" | "int" | "float" | "double";

export type IdxArray = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface IdxTensor {
  type: IdxType;
  shape: number[];
  /** Elements in C order. For `ubyte` this is a view on the (possibly decompressed) file buffer. */
  data: IdxArray;
}

const TYPE_CODES: Record<number, { type: IdxType; size: number }> = {
  8: { type: "ubyte", size: 1 },
  9: { type: "byte", size: 1 },
  11: { type: "short", size: 2 },
  12: { type: "int", size: 4 },
  13: { type: "float", size: 4 },
  14: { type: "double", size: 8 },
};

/** Reads a file into memory, gunzipping it when it starts with the gzip magic. InputError when unreadable. */
export function readMaybeGzip(path: string): Buffer {
  let buf = readBytes(path);
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      buf = gunzipSync(buf);
    } catch (e) {
      throw new InputError(`corrupt gzip data (${(e as Error).message})`, path);
    }
  }
  return buf;
}

/**
 * Parses IDX bytes (already decompressed). `where` names the source in error messages.
 * Throws InputError on a bad magic, an unknown type code, or a size mismatch.
 */
export function parseIdx(buf: Uint8Array, where: string): IdxTensor {
  if (buf.length < 4) throw new InputError(`not an IDX file: only ${buf.length} bytes`, where);
  if (buf[0] !== 0 || buf[1] !== 0) {
    const hex = Array.from(buf.subarray(0, 4), (b) => b.toString(16).padStart(2, "0")).join(" ");
    throw new InputError(`not an IDX file: magic bytes are ${hex}, expected 00 00 <type> <ndim>`, where);
  }
  const t = TYPE_CODES[buf[2]];
  if (!t) throw new InputError(`bad IDX magic: unknown element type code 0x${buf[2].toString(16).padStart(2, "0")}`, where);
  const ndim = buf[3];
  if (ndim === 0) throw new InputError("bad IDX magic: zero dimensions", where);
  const headerLen = 4 + 4 * ndim;
  if (buf.length < headerLen) throw new InputError(`truncated IDX header: ${ndim} dimensions need ${headerLen} bytes, file has ${buf.length}`, where);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const shape: number[] = [];
  let count = 1;
  for (let i = 0; i < ndim; i++) {
    const n = view.getUint32(4 + 4 * i, false);
    shape.push(n);
    count *= n;
  }
  const need = headerLen + count * t.size;
  if (buf.length < need) {
    throw new InputError(`truncated IDX data: shape [${shape.join(", ")}] of ${t.type} needs ${need} bytes, file has ${buf.length}`, where);
  }
  if (buf.length > need) {
    throw new InputError(`IDX size mismatch: shape [${shape.join(", ")}] of ${t.type} needs ${need} bytes, file has ${buf.length}`, where);
  }
  const off = buf.byteOffset + headerLen;
  let data: IdxArray;
  switch (t.type) {
    case "ubyte":
      data = new Uint8Array(buf.buffer, off, count);
      break;
    case "byte":
      data = new Int8Array(buf.buffer, off, count);
      break;
    case "short": {
      const a = new Int16Array(count);
      for (let i = 0; i < count; i++) a[i] = view.getInt16(headerLen + 2 * i, false);
      data = a;
      break;
    }
    case "int": {
      const a = new Int32Array(count);
      for (let i = 0; i < count; i++) a[i] = view.getInt32(headerLen + 4 * i, false);
      data = a;
      break;
    }
    case "float": {
      const a = new Float32Array(count);
      for (let i = 0; i < count; i++) a[i] = view.getFloat32(headerLen + 4 * i, false);
      data = a;
      break;
    }
    default: {
      const a = new Float64Array(count);
      for (let i = 0; i < count; i++) a[i] = view.getFloat64(headerLen + 8 * i, false);
      data = a;
    }
  }
  return { type: t.type, shape, data };
}

/** Reads an IDX file (plain or gzipped). Throws InputError naming the file on any problem. */
export function readIdx(path: string): IdxTensor {
  return parseIdx(readMaybeGzip(path), path);
}

/** Encodes a tensor as IDX bytes (big-endian), the inverse of {@link parseIdx}. */
export function encodeIdx(t: IdxTensor): Uint8Array {
  const code = Number(Object.entries(TYPE_CODES).find(([, v]) => v.type === t.type)?.[0]);
  const size = TYPE_CODES[code].size;
  const count = t.shape.reduce((a, b) => a * b, 1);
  if (t.data.length !== count) throw new InputError(`IDX encode: data has ${t.data.length} elements, shape [${t.shape.join(", ")}] needs ${count}`);
  const headerLen = 4 + 4 * t.shape.length;
  const out = new Uint8Array(headerLen + count * size);
  const view = new DataView(out.buffer);
  out[2] = code;
  out[3] = t.shape.length;
  for (let i = 0; i < t.shape.length; i++) view.setUint32(4 + 4 * i, t.shape[i], false);
  for (let i = 0; i < count; i++) {
    const v = t.data[i];
    const o = headerLen + i * size;
    switch (t.type) {
      case "ubyte":
        view.setUint8(o, v);
        break;
      case "byte":
        view.setInt8(o, v);
        break;
      case "short":
        view.setInt16(o, v, false);
        break;
      case "int":
        view.setInt32(o, v, false);
        break;
      case "float":
        view.setFloat32(o, v, false);
        break;
      default:
        view.setFloat64(o, v, false);
    }
  }
  return out;
}
