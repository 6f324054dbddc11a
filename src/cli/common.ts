/**
 * What every featurelab command shares: the common options (--json, --seed, --quiet), validated
 * option parsers that turn bad values into one-line InputErrors naming the option, output helpers,
 * and progress bars that stay silent when they should.
 */

import { SingleBar } from "cli-progress";
import { type Command, Option } from "commander";
import { InputError } from "../engine/errors.js";

export interface CommonOptions {
  json?: boolean;
  seed: number;
  quiet?: boolean;
}

/** Adds --json, --seed and --quiet to a command. */
export function withCommon(cmd: Command): Command {
  return cmd
    .option("--json", "print the result as JSON on stdout")
    .addOption(new Option("--seed <n>", "random seed (every random number derives from it)").default(0).argParser(intArg("--seed")))
    .option("-q, --quiet", "no progress bars or notes on stderr");
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function num(name: string, raw: string): number {
  const v = Number(raw);
  // decimal only: Number() would also read "0x1", "0b1" and "0o1"
  if (!DECIMAL.test(raw.trim()) || !Number.isFinite(v)) throw new InputError(`expected a number, got '${raw}'`, `option ${name}`);
  return v;
}

/** Parser for a finite number option. */
export const numberArg = (name: string) => (raw: string) => num(name, raw);
/** Parser for an integer option (any sign). */
export const intArg = (name: string) => (raw: string) => {
  const v = num(name, raw);
  if (!Number.isInteger(v)) throw new InputError(`expected an integer, got '${raw}'`, `option ${name}`);
  return v;
};
/** Parser for an integer ≥ min. */
export const intAtLeast = (name: string, min: number) => (raw: string) => {
  const v = intArg(name)(raw);
  if (v < min) throw new InputError(`must be an integer ≥ ${min}, got ${raw}`, `option ${name}`);
  return v;
};
/** Parser for a number > 0. */
export const positiveArg = (name: string) => (raw: string) => {
  const v = num(name, raw);
  if (!(v > 0)) throw new InputError(`must be > 0, got ${raw}`, `option ${name}`);
  return v;
};
/** Parser for a comma-separated list of numbers, e.g. "0,1". */
export const numberListArg = (name: string) => (raw: string) => raw.split(",").map((s) => num(name, s));
/** Parser for one of a fixed set of words. */
export const choiceArg =
  <T extends string>(name: string, choices: readonly T[]) =>
  (raw: string): T => {
    if (!(choices as readonly string[]).includes(raw)) throw new InputError(`expected one of ${choices.join(", ")}, got '${raw}'`, `option ${name}`);
    return raw as T;
  };

/** Prints a result: JSON when --json, otherwise the human text. */
export function emit(opts: { json?: boolean }, result: unknown, human: () => string): void {
  if (opts.json) process.stdout.write(`${JSON.stringify(result, jsonReplacer, 2)}\n`);
  else process.stdout.write(`${human()}\n`);
}

/** JSON replacer: typed arrays become plain arrays; non-finite numbers become null (never silently "NaN" text). */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return Array.from(value as unknown as ArrayLike<number>);
  if (typeof value === "number" && !Number.isFinite(value)) return null;
  return value;
}

/** A note on stderr, unless quiet or JSON mode. */
export function note(opts: { json?: boolean; quiet?: boolean }, msg: string): void {
  if (!opts.quiet && !opts.json) process.stderr.write(`${msg}\n`);
}

export interface Progress {
  tick(n?: number): void;
  stop(): void;
}

/**
 * A progress bar with ETA on stderr. Silent with --quiet, with --json, or when stderr is not a TTY,
 * so pipes and CI logs stay clean.
 */
export function progress(opts: { json?: boolean; quiet?: boolean }, total: number, label: string): Progress {
  if (opts.quiet || opts.json || !process.stderr.isTTY) return { tick() {}, stop() {} };
  const bar = new SingleBar({
    format: `${label} [{bar}] {percentage}% | {value}/{total} | ETA {eta_formatted}`,
    stream: process.stderr,
    hideCursor: true,
    clearOnComplete: true,
  });
  bar.start(total, 0);
  let v = 0;
  return {
    tick(n = 1) {
      v += n;
      bar.update(v);
    },
    stop() {
      bar.stop();
    },
  };
}
