/**
 * The CLI's number parsers accept decimal notation only (Number() alone would also read hex, binary and
 * octal literals such as "0x1"), and name the option in the one-line error.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { intArg, numberArg } from "../../src/cli/common.js";
import { InputError } from "../../src/engine/errors.js";

test("numberArg/intArg: decimal numbers in any usual notation are read exactly", () => {
  const n = numberArg("--x");
  for (const [raw, v] of [
    ["1", 1],
    ["-2.5", -2.5],
    ["+3", 3],
    [".5", 0.5],
    ["5.", 5],
    ["1e-3", 0.001],
    ["2E+2", 200],
    [" 7 ", 7],
  ] as const)
    assert.equal(n(raw), v, `'${raw}' reads as ${v}`);
  assert.equal(intArg("--n")("42"), 42, "an integer");
});

test("numberArg/intArg: hex, binary, octal, empty, NaN, Infinity and junk are InputErrors naming the option", () => {
  const n = numberArg("--alphas");
  for (const raw of ["0x1", "0b1", "0o7", "", " ", "NaN", "Infinity", "1,5", "1e", "abc"])
    assert.throws(
      () => n(raw),
      (e: unknown) => e instanceof InputError && /--alphas/.test(`${(e as Error).message} ${(e as InputError).where ?? ""}`),
      `'${raw}' is refused`,
    );
  assert.throws(() => intArg("--n")("1.5"), InputError, "1.5 is not an integer");
});
