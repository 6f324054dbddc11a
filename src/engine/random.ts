/**
 * Explicit, splittable random keys (JAX style): no hidden global state. Every random number in
 * featurelab is a pure function of a {@link Key}, and a key is derived from an integer seed.
 *
 * ## Stream specification (normative; a C implementation must reproduce it bit for bit)
 *
 * **Block function.** `TF(k, c)` is Threefry-2x32 with 20 rounds (Salmon, Moraes, Dror & Shaw,
 * "Parallel random numbers: as easy as 1, 2, 3", SC'11), key `k = (k0, k1)`, counter
 * `c = (c0, c1)`, all uint32, arithmetic mod 2^32:
 *
 * ```
 * ks = (k0, k1, 0x1BD11BDA ^ k0 ^ k1);  R = (13, 15, 26, 6, 17, 29, 16, 24)
 * x0 = c0 + ks0;  x1 = c1 + ks1
 * for r in 0..19:
 *   x0 += x1;  x1 = rotl32(x1, R[r % 8]);  x1 ^= x0
 *   if r % 4 == 3:  s = (r + 1) / 4;  x0 += ks[s % 3];  x1 += ks[(s + 1) % 3] + s
 * return (x0, x1)
 * ```
 *
 * (This is Random123's `threefry2x32_R(20, …)`; it passes the published known-answer vectors.)
 *
 * **Keys.** A key is the pair `(k0, k1)` stored as a `Uint32Array` of length 2.
 * `key(seed)` for a safe integer seed (two's complement for negatives, as a 64-bit integer) is
 * `(k0, k1) = (high 32 bits, low 32 bits)`; so `key(0) = (0, 0)` and `key(42) = (0, 42)`.
 *
 * **Domain tags** in the high counter word keep the raw stream and the key derivations disjoint:
 * `TAG_BITS = 0`, `TAG_SPLIT = 1`, `TAG_FOLD = 2`.
 *
 * - `bits(k, n)`: word `2j` is `TF(k, (j, TAG_BITS)).x0`, word `2j + 1` is `.x1`, j = 0, 1, …
 *   (at most 2^33 words per key).
 * - `split(k, n)[i] = TF(k, (i, TAG_SPLIT))` for i = 0 … n−1 (so `split(k, 3)[0] == split(k, 2)[0]`).
 * - `foldIn(k, d) = TF(k, (d, TAG_FOLD))` for an integer `0 ≤ d < 2^32`.
 *
 * **Derived variates** (all consume the word stream `w_0, w_1, …` of `bits(k, ·)` in order):
 *
 * - `uniform(k, n)[i] = ((w_{2i} >>> 5) · 2^26 + (w_{2i+1} >>> 6)) · 2^−53` ∈ [0, 1), 53 bits;
 *   with `lo, hi`: `lo + (hi − lo) · u`.
 * - `uniform32(k, n)[i] = (w_i >>> 8) · 2^−24` ∈ [0, 1), 24 bits (one word per draw).
 * - `normal(k, n)`: Box–Muller on consecutive uniform pairs `(u_{2m}, u_{2m+1})` (the 53-bit
 *   uniforms above): `r = sqrt(−2 ln(1 − u_{2m}))`, `θ = 2π u_{2m+1}`, outputs
 *   `z_{2m} = r cos θ`, `z_{2m+1} = r sin θ` (both used; an odd n drops the last sine).
 *   `normal32(k, n)` is `Math.fround` of `normal(k, n)`: the same draws at lower precision.
 *   Bits and uniforms are exactly reproducible in C; normals are reproducible to the accuracy of
 *   the C library's `log`/`cos`/`sin` (V8 uses fdlibm ports, correctly rounded in most cases).
 * - Integers (`randint`, `permutation`, `choice`) use *bounded draws*: for a range of size
 *   `m ≤ 2^32`, take the next word `w`; reject it if `w ≥ 2^32 − (2^32 mod m)`, else return
 *   `w mod m`. Each draw consumes words from the same sequential stream.
 *   `randint(k, n, lo, hi)[i] = lo + draw(hi − lo)`.
 *   `permutation(k, n)`: start from the identity `a = (0, …, n−1)`; for `i = n−1` down to `1`:
 *   `j = draw(i + 1)`, swap `a[i], a[j]`.
 *   `choice(k, n, m)`: start from the identity; for `i = 0 … m−1`: `j = i + draw(n − i)`, swap
 *   `a[i], a[j]`; return `a[0 … m−1]`.
 *
 * @module
 */
import { InputError } from "./errors.js";

/** An opaque random key: two uint32 words. Derive new keys with {@link split} / {@link foldIn}. */
export type Key = Uint32Array;

const TAG_BITS = 0;
const TAG_SPLIT = 1;
const TAG_FOLD = 2;
const PARITY = 0x1bd11bda;
const TWO32 = 4294967296;
const INV53 = 1 / 9007199254740992; // 2^-53
const INV24 = 1 / 16777216; // 2^-24
const TWO_PI = 2 * Math.PI;
/** Largest n accepted by the array-returning functions. */
const MAX_N = 2 ** 31 - 1;

// Output registers of the block function (module scratch, not state: overwritten on every call).
let OUT0 = 0;
let OUT1 = 0;

/**
 * Threefry-2x32-20 block function; writes the result to OUT0/OUT1 (as int32 bit patterns).
 * Inputs may be int32 or uint32 bit patterns.
 */
function tf(k0: number, k1: number, c0: number, c1: number): void {
  const k2 = PARITY ^ k0 ^ k1;
  let x0 = (c0 + k0) | 0;
  let x1 = (c1 + k1) | 0;
  // rounds 0-3
  x0 = (x0 + x1) | 0;
  x1 = (x1 << 13) | (x1 >>> 19);
  x1 ^= x0;
  x0 = (x0 + x1) | 0;
  x1 = (x1 << 15) | (x1 >>> 17);
  x1 ^= x0;
  x0 = (x0 + x1) | 0;
  x1 = (x1 << 26) | (x1 >>> 6);
  x1 ^= x0;
  x0 = (x0 + x1) | 0;
  x1 = (x1 << 6) | (x1 >>> 26);
  x1 ^= x0;
  x0 = (x0 + k1) | 0;
  x1 = (x1 + k2 + 1) | 0;
  // rounds 4-7
  x0 = (x0 + x1) | 0;
  x1 = (x1 << 17) | (x1 >>> 15);
  x1 ^= x0;
  x0 = (x0 + x1) | 0;
  x1 = (x1 << 29) | (x1 >>> 3);
  x1 ^= x0;
  x0 = (x0 + x1) | 0;
  x1 = (x1 << 16) | (x1 >>> 16);
  x1 ^= x0;
  x0 = (x0 + x1) | 0;
  x1 = (x1 << 24) | (x1 >>> 8);
  x1 ^= x0;
  x0 = (x0 + k2) | 0;
  x1 = (x1 + k0 + 2) | 0;
  // rounds 8-11
  x0 = (x0 + x1) | 0;
  x1 = (x1 << 13) | (x1 >>> 19);
  x1 ^= x0;
  x0 = (x0 + x1) | 0;
  x1 = (x1 << 15) | (x1 >>> 17);
  x1 ^= x0;
  x0 = (x0 + x1) | 0;
  x1 = (x1 << 26) | (x1 >>> 6);
  x1 ^= x0;
  x0 = (x0 + x1) | 0;
  x1 = (x1 << 6) | (x1 >>> 26);
  x1 ^= x0;
  x0 = (x0 + k0) | 0;
  x1 = (x1 + k1 + 3) | 0;
  // rounds 12-15
  x0 = (x0 + x1) | 0;
  x1 = (x1 << 17) | (x1 >>> 15);
  x1 ^= x0;
  x0 = (x0 + x1) | 0;
  x1 = (x1 << 29) | (x1 >>> 3);
  x1 ^= x0;
  x0 = (x0 + x1) | 0;
  x1 = (x1 << 16) | (x1 >>> 16);
  x1 ^= x0;
  x0 = (x0 + x1) | 0;
  x1 = (x1 << 24) | (x1 >>> 8);
  x1 ^= x0;
  x0 = (x0 + k1) | 0;
  x1 = (x1 + k2 + 4) | 0;
  // rounds 16-19
  x0 = (x0 + x1) | 0;
  x1 = (x1 << 13) | (x1 >>> 19);
  x1 ^= x0;
  x0 = (x0 + x1) | 0;
  x1 = (x1 << 15) | (x1 >>> 17);
  x1 ^= x0;
  x0 = (x0 + x1) | 0;
  x1 = (x1 << 26) | (x1 >>> 6);
  x1 ^= x0;
  x0 = (x0 + x1) | 0;
  x1 = (x1 << 6) | (x1 >>> 26);
  x1 ^= x0;
  x0 = (x0 + k2) | 0;
  x1 = (x1 + k0 + 5) | 0;
  OUT0 = x0;
  OUT1 = x1;
}

/**
 * Threefry-2x32-20 block function on explicit words (exposed for known-answer tests and for
 * cross-checking a native implementation).
 * @returns `[x0, x1]` as uint32 numbers.
 */
export function threefry2x32(k0: number, k1: number, c0: number, c1: number): [number, number] {
  tf(k0 | 0, k1 | 0, c0 | 0, c1 | 0);
  return [OUT0 >>> 0, OUT1 >>> 0];
}

// ---------------------------------------------------------------- validation

function checkKey(k: Key, where: string): void {
  if (!(k instanceof Uint32Array) || k.length !== 2) {
    throw new InputError("expected a random Key (Uint32Array of length 2) from key()/split()", where);
  }
}

function checkCount(n: number, where: string, name = "n"): void {
  if (!Number.isInteger(n) || n < 0 || n > MAX_N) {
    throw new InputError(`${name} must be an integer in [0, ${MAX_N}], got ${n}`, where);
  }
}

function checkFinite(x: number, name: string, where: string): void {
  if (!Number.isFinite(x)) throw new InputError(`${name} must be finite, got ${x}`, where);
}

// ---------------------------------------------------------------- keys

/**
 * Make a key from an integer seed (any safe integer; negatives as 64-bit two's complement):
 * `(k0, k1) = (seed >> 32, seed & 0xffffffff)`.
 */
export function key(seed: number): Key {
  if (!Number.isSafeInteger(seed)) {
    throw new InputError(`seed must be a safe integer, got ${seed}`, "random.key");
  }
  const lo = ((seed % TWO32) + TWO32) % TWO32;
  const hi = (seed - lo) / TWO32; // exact integer in [-2^21, 2^21)
  const k = new Uint32Array(2);
  k[0] = hi >>> 0;
  k[1] = lo >>> 0;
  return k;
}

/** Make a key directly from its two words (e.g. read back from a run manifest). */
export function keyFromWords(k0: number, k1: number): Key {
  for (const [name, v] of [
    ["k0", k0],
    ["k1", k1],
  ] as const) {
    if (!Number.isInteger(v) || v < 0 || v >= TWO32) {
      throw new InputError(`${name} must be an integer in [0, 2^32), got ${v}`, "random.keyFromWords");
    }
  }
  return Uint32Array.of(k0, k1);
}

/** A key as a short hex string `"k0:k1"` (for logs and manifests). */
export function keyToString(k: Key): string {
  checkKey(k, "random.keyToString");
  return `${k[0].toString(16).padStart(8, "0")}:${k[1].toString(16).padStart(8, "0")}`;
}

/** Split a key into `n` independent keys: `split(k, n)[i] = TF(k, (i, 1))`. */
export function split(k: Key, n = 2): Key[] {
  checkKey(k, "random.split");
  checkCount(n, "random.split");
  const k0 = k[0] | 0;
  const k1 = k[1] | 0;
  const out: Key[] = new Array(n);
  for (let i = 0; i < n; i++) {
    tf(k0, k1, i, TAG_SPLIT);
    const c = new Uint32Array(2);
    c[0] = OUT0;
    c[1] = OUT1;
    out[i] = c;
  }
  return out;
}

/** Derive a key from `k` and an integer `0 ≤ data < 2^32` (a step, layer or sample index). */
export function foldIn(k: Key, data: number): Key {
  checkKey(k, "random.foldIn");
  if (!Number.isInteger(data) || data < 0 || data >= TWO32) {
    throw new InputError(`data must be an integer in [0, 2^32), got ${data}`, "random.foldIn");
  }
  tf(k[0] | 0, k[1] | 0, data | 0, TAG_FOLD);
  const c = new Uint32Array(2);
  c[0] = OUT0;
  c[1] = OUT1;
  return c;
}

// ---------------------------------------------------------------- raw bits

/** Fill `out[offset + t]`, t = 0 … m−1, with stream words `firstWord + t` of key (k0, k1). */
function fillWords(k0: number, k1: number, firstWord: number, out: Uint32Array, offset: number, m: number): void {
  let t = 0;
  let w = firstWord;
  if (m > 0 && (w & 1) === 1) {
    tf(k0, k1, (w - 1) / 2, TAG_BITS);
    out[offset] = OUT1;
    t = 1;
    w++;
  }
  for (; t + 1 < m; t += 2, w += 2) {
    tf(k0, k1, w / 2, TAG_BITS);
    out[offset + t] = OUT0;
    out[offset + t + 1] = OUT1;
  }
  if (t < m) {
    tf(k0, k1, w / 2, TAG_BITS);
    out[offset + t] = OUT0;
  }
}

/** The first `n` 32-bit words of the key's stream. */
export function bits(k: Key, n: number): Uint32Array {
  checkKey(k, "random.bits");
  checkCount(n, "random.bits");
  const out = new Uint32Array(n);
  fillWords(k[0] | 0, k[1] | 0, 0, out, 0, n);
  return out;
}

/**
 * Sequential reader of a key's word stream (used by the bounded integer draws). Internal.
 */
class WordStream {
  private readonly k0: number;
  private readonly k1: number;
  private block = 0;
  private buf1 = 0;
  private has1 = false;
  constructor(k: Key) {
    this.k0 = k[0] | 0;
    this.k1 = k[1] | 0;
  }
  next(): number {
    if (this.has1) {
      this.has1 = false;
      return this.buf1;
    }
    if (this.block >= TWO32) throw new InputError("random stream exhausted (2^33 words per key)", "random");
    tf(this.k0, this.k1, this.block | 0, TAG_BITS);
    this.block++;
    this.buf1 = OUT1 >>> 0;
    this.has1 = true;
    return OUT0 >>> 0;
  }
  /** Unbiased draw in [0, m) for an integer 1 ≤ m ≤ 2^32. */
  below(m: number): number {
    if (m === TWO32) return this.next();
    const limit = TWO32 - (TWO32 % m);
    for (;;) {
      const w = this.next();
      if (w < limit) return w % m;
    }
  }
}

// ---------------------------------------------------------------- uniforms

/**
 * `n` uniform draws u ∈ [lo, hi) with 53-bit resolution (two words per draw): u = lo + (hi − lo)·U,
 * U = ((w₀ >>> 5)·2²⁶ + (w₁ >>> 6))·2⁻⁵³.
 */
export function uniform(k: Key, n: number, lo = 0, hi = 1): Float64Array {
  checkKey(k, "random.uniform");
  checkCount(n, "random.uniform");
  checkFinite(lo, "lo", "random.uniform");
  checkFinite(hi, "hi", "random.uniform");
  if (!(hi >= lo)) throw new InputError(`need lo ≤ hi, got lo=${lo}, hi=${hi}`, "random.uniform");
  const k0 = k[0] | 0;
  const k1 = k[1] | 0;
  const out = new Float64Array(n);
  const scale = hi - lo;
  if (lo === 0 && hi === 1) {
    for (let i = 0; i < n; i++) {
      tf(k0, k1, i, TAG_BITS);
      out[i] = ((OUT0 >>> 5) * 67108864 + (OUT1 >>> 6)) * INV53;
    }
    return out;
  }
  const below = hi > lo ? prevDouble(hi) : lo; // lo + scale·u can round up to hi; keep [lo, hi)
  for (let i = 0; i < n; i++) {
    tf(k0, k1, i, TAG_BITS);
    const v = lo + scale * ((OUT0 >>> 5) * 67108864 + (OUT1 >>> 6)) * INV53;
    out[i] = v < hi ? v : below;
  }
  return out;
}

/** The largest double below a finite x. */
function prevDouble(x: number): number {
  if (x === 0) return -Number.MIN_VALUE;
  const f = new Float64Array([x]);
  const b = new BigInt64Array(f.buffer);
  b[0] += x > 0 ? -1n : 1n;
  return f[0];
}

/** `n` single-precision uniform draws in [0, 1) with 24-bit resolution (one word per draw). */
export function uniform32(k: Key, n: number): Float32Array {
  checkKey(k, "random.uniform32");
  checkCount(n, "random.uniform32");
  const k0 = k[0] | 0;
  const k1 = k[1] | 0;
  const out = new Float32Array(n);
  let i = 0;
  for (let j = 0; i + 1 < n; j++, i += 2) {
    tf(k0, k1, j, TAG_BITS);
    out[i] = (OUT0 >>> 8) * INV24;
    out[i + 1] = (OUT1 >>> 8) * INV24;
  }
  if (i < n) {
    tf(k0, k1, i / 2, TAG_BITS);
    out[i] = (OUT0 >>> 8) * INV24;
  }
  return out;
}

// ---------------------------------------------------------------- normals

/**
 * Fill `out[offset …]` with standard normal draws z ~ N(0, 1) (Box–Muller, see the module spec):
 * `out[offset + i] = normal(k, out.length − offset)[i]`. Float32 targets receive the rounded draws.
 */
export function normalInto(k: Key, out: Float64Array | Float32Array, offset = 0): void {
  checkKey(k, "random.normalInto");
  if (!(out instanceof Float64Array || out instanceof Float32Array)) {
    throw new InputError("out must be a Float64Array or Float32Array", "random.normalInto");
  }
  if (!Number.isInteger(offset) || offset < 0 || offset > out.length) {
    throw new InputError(`offset must be an integer in [0, ${out.length}], got ${offset}`, "random.normalInto");
  }
  fillNormal(k[0] | 0, k[1] | 0, out, offset, out.length - offset, 0, 1);
}

function fillNormal(k0: number, k1: number, out: Float64Array | Float32Array, offset: number, n: number, mean: number, std: number): void {
  const plain = mean === 0 && std === 1;
  let i = 0;
  let j = 0; // block counter: uniform u_m uses block m
  for (; i + 1 < n; i += 2, j += 2) {
    tf(k0, k1, j, TAG_BITS);
    const u1 = ((OUT0 >>> 5) * 67108864 + (OUT1 >>> 6)) * INV53;
    tf(k0, k1, j + 1, TAG_BITS);
    const u2 = ((OUT0 >>> 5) * 67108864 + (OUT1 >>> 6)) * INV53;
    const r = Math.sqrt(-2 * Math.log(1 - u1));
    const th = TWO_PI * u2;
    const z0 = r * Math.cos(th);
    const z1 = r * Math.sin(th);
    if (plain) {
      out[offset + i] = z0;
      out[offset + i + 1] = z1;
    } else {
      out[offset + i] = mean + std * z0;
      out[offset + i + 1] = mean + std * z1;
    }
  }
  if (i < n) {
    tf(k0, k1, j, TAG_BITS);
    const u1 = ((OUT0 >>> 5) * 67108864 + (OUT1 >>> 6)) * INV53;
    tf(k0, k1, j + 1, TAG_BITS);
    const u2 = ((OUT0 >>> 5) * 67108864 + (OUT1 >>> 6)) * INV53;
    const z0 = Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(TWO_PI * u2);
    out[offset + i] = plain ? z0 : mean + std * z0;
  }
}

/** `n` normal draws N(mean, std²) in double precision. */
export function normal(k: Key, n: number, mean = 0, std = 1): Float64Array {
  checkKey(k, "random.normal");
  checkCount(n, "random.normal");
  checkFinite(mean, "mean", "random.normal");
  checkFinite(std, "std", "random.normal");
  if (std < 0) throw new InputError(`std must be ≥ 0, got ${std}`, "random.normal");
  const out = new Float64Array(n);
  fillNormal(k[0] | 0, k[1] | 0, out, 0, n, mean, std);
  return out;
}

/** `n` standard normal draws in single precision (`Math.fround` of {@link normal}). */
export function normal32(k: Key, n: number): Float32Array {
  checkKey(k, "random.normal32");
  checkCount(n, "random.normal32");
  const out = new Float32Array(n);
  fillNormal(k[0] | 0, k[1] | 0, out, 0, n, 0, 1);
  return out;
}

/**
 * A `rows × cols` row-major matrix of i.i.d. N(0, std²) entries (e.g. weights W_ij ~ N(0, σ²/fan_in)
 * with `std = σ/√fan_in`). Equals `normal(k, rows·cols, 0, std)`.
 */
export function gaussianMatrix(k: Key, rows: number, cols: number, std = 1): Float64Array {
  checkKey(k, "random.gaussianMatrix");
  checkCount(rows, "random.gaussianMatrix", "rows");
  checkCount(cols, "random.gaussianMatrix", "cols");
  if (rows * cols > MAX_N) throw new InputError(`rows·cols too large (${rows}×${cols})`, "random.gaussianMatrix");
  return normal(k, rows * cols, 0, std);
}

// ---------------------------------------------------------------- integers

/** `n` uniform integers in [lo, hi) (lo inclusive, hi exclusive), unbiased by rejection. */
export function randint(k: Key, n: number, lo: number, hi: number): Int32Array {
  checkKey(k, "random.randint");
  checkCount(n, "random.randint");
  for (const [name, v] of [
    ["lo", lo],
    ["hi", hi],
  ] as const) {
    if (!Number.isInteger(v) || v < -(2 ** 31) || v > 2 ** 31) {
      throw new InputError(`${name} must be an integer in [-2^31, 2^31], got ${v}`, "random.randint");
    }
  }
  if (!(hi > lo)) throw new InputError(`need lo < hi, got lo=${lo}, hi=${hi}`, "random.randint");
  const m = hi - lo;
  const s = new WordStream(k);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + s.below(m);
  return out;
}

/** A uniformly random permutation of 0 … n−1 (Fisher–Yates driven by the key). */
export function permutation(k: Key, n: number): Int32Array {
  checkKey(k, "random.permutation");
  checkCount(n, "random.permutation");
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  const s = new WordStream(k);
  for (let i = n - 1; i >= 1; i--) {
    const j = s.below(i + 1);
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a;
}

/**
 * `m` distinct indices drawn uniformly from 0 … n−1 without replacement (in draw order):
 * the first m steps of a forward Fisher–Yates shuffle. Memory O(m) when m ≪ n.
 */
export function choice(k: Key, n: number, m: number): Int32Array {
  checkKey(k, "random.choice");
  checkCount(n, "random.choice");
  checkCount(m, "random.choice", "k");
  if (m > n) throw new InputError(`cannot choose k=${m} of n=${n} without replacement`, "random.choice");
  const s = new WordStream(k);
  const out = new Int32Array(m);
  if (m * 8 >= n) {
    const a = new Int32Array(n);
    for (let i = 0; i < n; i++) a[i] = i;
    for (let i = 0; i < m; i++) {
      const j = i + s.below(n - i);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
      out[i] = a[i];
    }
  } else {
    // Sparse Fisher–Yates: identical sequence, only displaced entries stored.
    const moved = new Map<number, number>();
    for (let i = 0; i < m; i++) {
      const j = i + s.below(n - i);
      const aj = moved.get(j) ?? j;
      const ai = moved.get(i) ?? i;
      moved.set(j, ai);
      out[i] = aj;
    }
  }
  return out;
}
