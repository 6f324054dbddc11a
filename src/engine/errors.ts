/**
 * Error types shared by every layer.
 *
 * - {@link InputError}: the caller gave something invalid (a file, an option, a shape). The CLI maps it
 *   to exit code 2 and prints its one-line message.
 * - {@link NumericalError}: a computation could not produce a finite, trustworthy answer (non-PSD
 *   matrix beyond the jitter budget, NaN in a solver). The CLI maps it to exit code 1.
 *
 * Messages are one line and name *what* is wrong and *where* (file, option, row/column).
 */
export class InputError extends Error {
  override readonly name = "InputError";
  /** Where the problem is: a file path, an option name, `row 3 of data.csv`, … */
  readonly where?: string;
  constructor(message: string, where?: string) {
    super(where ? `${where}: ${message}` : message);
    this.where = where;
  }
}

export class NumericalError extends Error {
  override readonly name = "NumericalError";
  constructor(message: string) {
    super(message);
  }
}

/** Throw an InputError unless `cond` holds. */
export function require_(cond: unknown, message: string, where?: string): asserts cond {
  if (!cond) throw new InputError(message, where);
}

/** Index of the first non-finite entry, or -1. */
export function firstNonFinite(a: ArrayLike<number>): number {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return i;
  return -1;
}
