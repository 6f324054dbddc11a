/**
 * NumPy `.npy` reader (format versions 1.0, 2.0 and 3.0).
 *
 * Layout: magic `\x93NUMPY`, major and minor version bytes, the header length (uint16 LE for v1,
 * uint32 LE for v2/v3), then an ASCII (v3: UTF-8) Python dict literal
 * `{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }`, then the raw elements.
 * Supported dtypes: floats f4/f8, signed i1/i2/i4/i8, unsigned u1/u2/u4/u8 and bool b1, either
 * byte order. Fortran-ordered arrays are transposed to C order. Every value is returned as a
 * float64 (64-bit integers beyond 2⁵³ lose precision).
 */
import { InputError } from "../engine/errors.js";
import { readBytes } from "./files.js";

export interface NpyArray {
  /** The elements in C (row-major) order. */
  data: Float64Array;
  shape: number[];
  /** The dtype string of the file, e.g. `<f8`. */
  dtype: string;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

const SUPPORTED = "f4, f8, i1, i2, i4, i8, u1, u2, u4, u8, b1 (any byte order)";

function header(buf: Uint8Array, where: string): { descr: string; fortran: boolean; shape: number[]; dataOffset: number } {
  if (buf.length < 10 || MAGIC.some((b, i) => buf[i] !== b)) {
    const hex = Array.from(buf.subarray(0, 6), (b) => b.toString(16).padStart(2, "0")).join(" ");
    throw new InputError(`not a .npy file: magic bytes are '${hex}', expected '93 4e 55 4d 50 59' (\\x93NUMPY)`, where);
  }
  const major = buf[6];
  const minor = buf[7];
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let hlen: number;
  let hstart: number;
  if (major === 1) {
    hlen = view.getUint16(8, true);
    hstart = 10;
  } else if (major === 2 || major === 3) {
    if (buf.length < 12) throw new InputError(`truncated .npy header (version ${major}.${minor})`, where);
    hlen = view.getUint32(8, true);
    hstart = 12;
  } else {
    throw new InputError(`unsupported .npy format version ${major}.${minor} (supported: 1.0, 2.0, 3.0)`, where);
  }
  if (hstart + hlen > buf.length)
    throw new InputError(`truncated .npy header: it claims ${hlen} bytes but the file has ${buf.length - hstart} after the preamble`, where);
  const text = Buffer.from(buf.buffer, buf.byteOffset + hstart, hlen).toString(major === 3 ? "utf8" : "latin1");
  const h = text.trim();
  if (!h.startsWith("{") || !h.endsWith("}"))
    throw new InputError(`bad .npy header: expected a Python dict literal, got ${JSON.stringify(h.slice(0, 60))}`, where);
  const descrM = /['"]descr['"]\s*:\s*(['"])([^'"]*)\1/.exec(h);
  if (!descrM) {
    if (/['"]descr['"]\s*:\s*\[/.test(h))
      throw new InputError(`bad .npy header key 'descr': structured dtypes are not supported (supported: ${SUPPORTED})`, where);
    throw new InputError(`bad .npy header: missing or malformed key 'descr' in ${JSON.stringify(h.slice(0, 80))}`, where);
  }
  const fortM = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(h);
  if (!fortM) throw new InputError(`bad .npy header: missing or malformed key 'fortran_order' in ${JSON.stringify(h.slice(0, 80))}`, where);
  const shapeM = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(h);
  if (!shapeM) throw new InputError(`bad .npy header: missing or malformed key 'shape' in ${JSON.stringify(h.slice(0, 80))}`, where);
  const parts = shapeM[1]
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  const shape = parts.map((s) => {
    const n = /^\d+L?$/.test(s) ? Number.parseInt(s, 10) : Number.NaN;
    if (!Number.isSafeInteger(n)) throw new InputError(`bad .npy header key 'shape': '${s}' is not a non-negative integer`, where);
    return n;
  });
  return { descr: descrM[2], fortran: fortM[1] === "True", shape, dataOffset: hstart + hlen };
}

/** Parses the bytes of a .npy file; `where` (usually the path) prefixes every error. */
export function parseNpy(buf: Uint8Array, where: string): NpyArray {
  const { descr, fortran, shape, dataOffset } = header(buf, where);
  const m = /^([<>|=])([fiub])(\d+)$/.exec(descr);
  if (!m) throw new InputError(`bad .npy header key 'descr': unsupported dtype '${descr}' (supported: ${SUPPORTED})`, where);
  const order = m[1];
  const kind = m[2];
  const size = Number(m[3]);
  const ok = (kind === "f" && (size === 4 || size === 8)) || ((kind === "i" || kind === "u") && [1, 2, 4, 8].includes(size)) || (kind === "b" && size === 1);
  if (!ok) throw new InputError(`bad .npy header key 'descr': unsupported dtype '${descr}' (supported: ${SUPPORTED})`, where);
  const little = order !== ">";
  const count = shape.reduce((a, b) => a * b, 1);
  const need = count * size;
  const have = buf.length - dataOffset;
  if (have < need) {
    throw new InputError(`truncated .npy data: shape (${shape.join(", ")}) of '${descr}' needs ${need} bytes, only ${have} follow the header`, where);
  }
  if (have > need) throw new InputError(`.npy size mismatch: shape (${shape.join(", ")}) of '${descr}' needs ${need} bytes, ${have} follow the header`, where);
  // Copy into a fresh, aligned buffer, then read with a typed view (little-endian host) or a DataView.
  const bytes = new Uint8Array(need);
  bytes.set(buf.subarray(dataOffset, dataOffset + need));
  const out = new Float64Array(count);
  const hostLittle = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  if (little === hostLittle || size === 1) {
    const ab = bytes.buffer;
    let src: ArrayLike<number> | BigInt64Array | BigUint64Array;
    if (kind === "f") src = size === 8 ? new Float64Array(ab) : new Float32Array(ab);
    else if (kind === "i") src = size === 1 ? new Int8Array(ab) : size === 2 ? new Int16Array(ab) : size === 4 ? new Int32Array(ab) : new BigInt64Array(ab);
    else src = size === 1 ? new Uint8Array(ab) : size === 2 ? new Uint16Array(ab) : size === 4 ? new Uint32Array(ab) : new BigUint64Array(ab);
    if (src instanceof BigInt64Array || src instanceof BigUint64Array) for (let i = 0; i < count; i++) out[i] = Number(src[i]);
    else if (src instanceof Float64Array) out.set(src);
    else for (let i = 0; i < count; i++) out[i] = (src as ArrayLike<number>)[i];
    if (kind === "b") for (let i = 0; i < count; i++) out[i] = out[i] !== 0 ? 1 : 0;
  } else {
    const v = new DataView(bytes.buffer);
    for (let i = 0; i < count; i++) {
      const o = i * size;
      out[i] =
        kind === "f"
          ? size === 8
            ? v.getFloat64(o, little)
            : v.getFloat32(o, little)
          : kind === "i"
            ? size === 2
              ? v.getInt16(o, little)
              : size === 4
                ? v.getInt32(o, little)
                : Number(v.getBigInt64(o, little))
            : size === 2
              ? v.getUint16(o, little)
              : size === 4
                ? v.getUint32(o, little)
                : Number(v.getBigUint64(o, little));
    }
  }
  return { data: fortran && shape.length > 1 ? fortranToC(out, shape) : out, shape, dtype: descr };
}

/** Reorders a column-major (Fortran) array of the given shape into row-major (C) order. */
export function fortranToC(f: Float64Array, shape: number[]): Float64Array {
  const nd = shape.length;
  const count = f.length;
  const out = new Float64Array(count);
  // Fortran strides: stride[0] = 1, stride[k] = stride[k−1]·shape[k−1].
  const stride = new Array<number>(nd);
  stride[0] = 1;
  for (let k = 1; k < nd; k++) stride[k] = stride[k - 1] * shape[k - 1];
  const idx = new Array<number>(nd).fill(0);
  let off = 0;
  for (let c = 0; c < count; c++) {
    out[c] = f[off];
    // Increment the C-order multi-index (last axis fastest), updating the Fortran offset.
    for (let k = nd - 1; k >= 0; k--) {
      idx[k]++;
      off += stride[k];
      if (idx[k] < shape[k]) break;
      off -= stride[k] * shape[k];
      idx[k] = 0;
    }
  }
  return out;
}

/** Reads a .npy file as float64 in C order: `{data, shape}` (see the module comment). */
export function loadNpy(path: string): NpyArray {
  return parseNpy(readBytes(path), path);
}
