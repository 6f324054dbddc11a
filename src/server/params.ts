/**
 * Request parameters of the explorer's API: one reader over the query string (GET) or a JSON body
 * (POST), with validators that turn every bad value into a one-line {@link InputError} naming the
 * parameter (the server answers it with HTTP 400).
 *
 * @module
 */
import { InputError } from "../engine/errors.js";

/** Raw parameter values: strings from a query string, or JSON scalars from a body. */
export type RawParams = Record<string, unknown>;

/** Bounds of a numeric parameter. */
export interface NumberRule {
  /** Inclusive lower bound. */
  min?: number;
  /** Exclusive lower bound (e.g. 0 for "must be > 0"). */
  above?: number;
  /** Inclusive upper bound. */
  max?: number;
  integer?: boolean;
}

function describe(raw: unknown): string {
  if (typeof raw === "string") return `'${raw.length > 40 ? `${raw.slice(0, 40)}…` : raw}'`;
  if (raw === null) return "null";
  if (typeof raw === "object") return Array.isArray(raw) ? "an array" : "an object";
  return String(raw);
}

/** Reads and validates request parameters (see the module comment). */
export class Params {
  constructor(readonly raw: RawParams) {}

  /** From a URL's query string (the last value wins for a repeated key). */
  static fromSearch(search: URLSearchParams): Params {
    const raw: RawParams = {};
    for (const [k, v] of search) raw[k] = v;
    return new Params(raw);
  }

  /** From a parsed JSON body, which must be an object of parameters. */
  static fromJson(body: unknown): Params {
    if (body === null || typeof body !== "object" || Array.isArray(body)) {
      throw new InputError(`the JSON body must be an object of parameters, got ${describe(body)}`, "request body");
    }
    return new Params(body as RawParams);
  }

  has(name: string): boolean {
    const v = this.raw[name];
    return v !== undefined && v !== "";
  }

  /** A finite number obeying `rule`, or `dflt` when absent. */
  number(name: string, dflt: number, rule: NumberRule = {}): number {
    if (!this.has(name)) return dflt;
    const raw = this.raw[name];
    let v: number;
    if (typeof raw === "number") v = raw;
    else if (typeof raw === "string" && raw.trim() !== "") v = Number(raw);
    else throw new InputError(`expected a number, got ${describe(raw)}`, `parameter ${name}`);
    if (!Number.isFinite(v)) throw new InputError(`expected a finite number, got ${describe(raw)}`, `parameter ${name}`);
    if (rule.integer && !Number.isInteger(v)) throw new InputError(`expected an integer, got ${describe(raw)}`, `parameter ${name}`);
    if (rule.above !== undefined && !(v > rule.above)) throw new InputError(`must be > ${rule.above}, got ${v}`, `parameter ${name}`);
    if (rule.min !== undefined && v < rule.min) throw new InputError(`must be ≥ ${rule.min}, got ${v}`, `parameter ${name}`);
    if (rule.max !== undefined && v > rule.max) throw new InputError(`must be ≤ ${rule.max}, got ${v}`, `parameter ${name}`);
    return v;
  }

  /** A string, or `dflt` when absent. */
  string(name: string, dflt: string, maxLength = 200): string {
    if (!this.has(name)) return dflt;
    const raw = this.raw[name];
    if (typeof raw !== "string") throw new InputError(`expected a string, got ${describe(raw)}`, `parameter ${name}`);
    if (raw.length > maxLength) throw new InputError(`is longer than ${maxLength} characters`, `parameter ${name}`);
    return raw;
  }

  /** One of `choices`, or `dflt` when absent. */
  choice<T extends string>(name: string, choices: readonly T[], dflt: T): T {
    const v = this.string(name, dflt);
    if (!(choices as readonly string[]).includes(v)) throw new InputError(`expected one of ${choices.join(", ")}, got ${describe(v)}`, `parameter ${name}`);
    return v as T;
  }

  /** A comma-separated list of integers (or a JSON array), each in [min, max]. */
  intList(name: string, dflt: number[], min: number, max: number): number[] {
    if (!this.has(name)) return dflt.slice();
    const raw = this.raw[name];
    const parts: unknown[] = Array.isArray(raw) ? raw : typeof raw === "string" ? raw.split(",") : [raw];
    return parts.map((p) => {
      const v = typeof p === "number" ? p : typeof p === "string" && p.trim() !== "" ? Number(p) : Number.NaN;
      if (!Number.isInteger(v) || v < min || v > max) {
        throw new InputError(`expected a comma-separated list of integers in ${min}..${max}, got ${describe(raw)}`, `parameter ${name}`);
      }
      return v;
    });
  }
}
