import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { loadCsv, parseCsv } from "../../src/data/csv.js";
import { type Dataset, isSplitDataset, type SplitDataset } from "../../src/data/dataset.js";
import { loadJson } from "../../src/data/json.js";
import { loadDataFile } from "../../src/data/load.js";
import { fortranToC, loadNpy } from "../../src/data/npy.js";
import { InputError } from "../../src/engine/errors.js";

const FIX = fileURLToPath(new URL("../fixtures/data/", import.meta.url));
const f = (name: string) => join(FIX, name);
/** Reference values written by NumPy (see test/fixtures/data/README.md). */
const expected = JSON.parse(readFileSync(f("expected.json"), "utf8")) as Record<string, number[][] | number[]>;
const flatX = (expected.X as number[][]).flat();

function throwsInput(fn: () => unknown, ...parts: (string | RegExp)[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof InputError, `expected InputError, got ${e}`);
    assert.ok(!e.message.includes("\n"), "message is one line");
    for (const p of parts) {
      if (typeof p === "string") assert.ok(e.message.includes(p), `message ${JSON.stringify(e.message)} lacks ${JSON.stringify(p)}`);
      else assert.match(e.message, p);
    }
    return true;
  });
}

function asDataset(d: Dataset | SplitDataset): Dataset {
  assert.ok(!isSplitDataset(d));
  return d as Dataset;
}

describe("npy reader", () => {
  it("reads every supported dtype, byte order and format version to NumPy's values", () => {
    for (const name of ["X_f8.npy", "X_f4.npy", "X_be.npy", "X_v2.npy", "X_v3.npy", "X_fortran.npy"]) {
      const a = loadNpy(f(name));
      assert.deepEqual(a.shape, [4, 3], name);
      assert.deepEqual([...a.data], flatX, name);
    }
    assert.deepEqual([...loadNpy(f("X_i4.npy")).data], (expected.X_i4 as number[][]).flat());
    assert.deepEqual([...loadNpy(f("X_i8.npy")).data], (expected.X_i8 as number[][]).flat());
    assert.deepEqual([...loadNpy(f("X_u1.npy")).data], (expected.X_u1 as number[][]).flat());
    assert.equal(loadNpy(f("X_u1.npy")).dtype, "|u1");
    const y = loadNpy(f("y_i8.npy"));
    assert.deepEqual(y.shape, [4]);
    assert.deepEqual([...y.data], expected.y);
  });

  it("transposes a 3-d Fortran-ordered array to C order", () => {
    const a = loadNpy(f("X3_fortran.npy"));
    assert.deepEqual(a.shape, [2, 3, 4]);
    assert.deepEqual([...a.data], expected.X3);
    // fortranToC of a 2×3 column-major [a00 a10 a01 a11 a02 a12]
    assert.deepEqual([...fortranToC(Float64Array.of(0, 3, 1, 4, 2, 5), [2, 3])], [0, 1, 2, 3, 4, 5]);
  });

  it("names the file and the header key for bad files", () => {
    throwsInput(() => loadNpy(f("bad_header.npy")), f("bad_header.npy"), "header key 'shape'", "'x'");
    throwsInput(() => loadNpy(f("X_c16.npy")), f("X_c16.npy"), "header key 'descr'", "'<c16'");
    throwsInput(() => loadNpy(f("truncated.npy")), f("truncated.npy"), "needs 96 bytes, only 88");
    throwsInput(() => loadNpy(f("not_npy.npy")), f("not_npy.npy"), "not a .npy file");
    throwsInput(() => loadNpy(f("absent.npy")), f("absent.npy"), "file not found");
  });
});

describe("CSV loader", () => {
  it("reads a header-less file with the last column as label", () => {
    const ds = loadCsv(f("small.csv"));
    assert.equal(ds.P, 4);
    assert.equal(ds.D, 3);
    assert.equal(ds.K, 1);
    assert.deepEqual([...ds.X], flatX);
    assert.deepEqual([...ds.y], expected.y);
    assert.deepEqual([...(ds.labels as Int32Array)], expected.y);
    assert.deepEqual(ds.meta.classes, [0, 1]);
    assert.equal(ds.meta.name, "small");
  });

  it("detects a header and selects the label column by name or index", () => {
    for (const labelColumn of ["target", 1, -3] as const) {
      const ds = loadCsv(f("header.csv"), { labelColumn });
      assert.equal(ds.P, 4);
      assert.deepEqual([...ds.X], flatX);
      assert.deepEqual([...ds.y], expected.y);
    }
    // default label column is the last one ('c')
    const last = loadCsv(f("header.csv"));
    assert.deepEqual(
      [...last.y],
      (expected.X as number[][]).map((r) => r[2]),
    );
    assert.equal(last.labels, undefined, "non-integer targets carry no labels");
  });

  it("handles whitespace and semicolon delimiters, comments, quotes and CRLF", () => {
    const ds = parseCsv('# comment\r\n"x";"y"\r\n1;2\r\n\r\n3;"4"\r\n', "mem.csv");
    assert.deepEqual([...ds.X], [1, 3]);
    assert.deepEqual([...ds.y], [2, 4]);
    const ws = parseCsv("1 2  3\n4\t5 6\n", "ws.txt");
    assert.deepEqual([...ws.X], [1, 2, 4, 5]);
  });

  it("names the file, row and column of every bad input", () => {
    throwsInput(() => loadCsv(f("ragged.csv")), `${f("ragged.csv")}: row 17 has 3 columns, expected 4`);
    throwsInput(() => loadCsv(f("nan.csv")), f("nan.csv"), "row 4, column 2", "NaN");
    throwsInput(() => loadCsv(f("text_cell.csv")), f("text_cell.csv"), "row 6, column 3 ('x3')", "'abc' is not a number");
    throwsInput(() => loadCsv(f("missing.csv")), f("missing.csv"), "file not found");
    throwsInput(() => loadCsv(f("header.csv"), { labelColumn: "label" }), "labelColumn 'label' is not in the header");
    throwsInput(() => loadCsv(f("small.csv"), { labelColumn: 4 }), "labelColumn 4 is out of range");
    throwsInput(() => parseCsv("1,,3\n", "e.csv"), "e.csv", "row 1, column 2 is empty");
    throwsInput(() => parseCsv("1,2\n3,Infinity\n", "i.csv"), "i.csv", "row 2, column 2");
    throwsInput(() => parseCsv("\n# only comments\n", "c.csv"), "c.csv", "no data rows");
  });
});

describe("JSON loader", () => {
  it("reads {X, y} with a vector y (labels inferred)", () => {
    const ds = asDataset(loadJson(f("data.json")));
    assert.deepEqual([ds.P, ds.D, ds.K], [4, 3, 1]);
    assert.deepEqual([...ds.X], flatX);
    assert.deepEqual([...(ds.labels as Int32Array)], expected.y);
  });

  it("reads a matrix y (K > 1) and one-hot y (labels = column)", () => {
    const m = asDataset(loadJson(f("data_matrix_y.json")));
    assert.equal(m.K, 2);
    assert.equal(m.labels, undefined);
    assert.equal(m.y[2], 2 * flatX[3]);
    const oh = asDataset(loadJson(f("onehot.json")));
    assert.equal(oh.K, 3);
    assert.deepEqual([...(oh.labels as Int32Array)], [2, 0, 1, 2]);
    assert.deepEqual(oh.meta.classes, [0, 1, 2]);
  });

  it("reads the Xtrain/ytrain/Xtest/ytest layout as a SplitDataset", () => {
    const s = loadJson(f("split.json"));
    assert.ok(isSplitDataset(s));
    assert.equal(s.train.P, 3);
    assert.equal(s.test.P, 1);
    assert.deepEqual([...s.test.X], flatX.slice(9));
    assert.equal(s.train.meta.name, "split-train");
  });

  it("keeps imageShape and name", () => {
    const ds = asDataset(loadJson(f("images.json")));
    assert.deepEqual(ds.meta.imageShape, [2, 3]);
    assert.equal(ds.meta.name, "tiny-images");
  });

  it("names the file, key, row and column of every bad input", () => {
    throwsInput(() => loadJson(f("bad_rows.json")), f("bad_rows.json"), "'y' has 3 rows but 'X' has 4 rows");
    throwsInput(() => loadJson(f("ragged.json")), f("ragged.json"), "'X' row 3 has 2 entries, expected 3");
    throwsInput(() => loadJson(f("null_cell.json")), f("null_cell.json"), "'X' row 2, column 3 is null");
    throwsInput(() => loadJson(f("split_mismatch.json")), f("split_mismatch.json"), "'Xtrain' has 3 columns but 'Xtest' has 2");
    throwsInput(() => loadJson(f("missing_y.json")), f("missing_y.json"), "missing key 'y'");
    throwsInput(() => loadJson(f("invalid.json")), f("invalid.json"), "invalid JSON");
    throwsInput(() => loadJson(f("nope.json")), f("nope.json"), "file not found");
  });
});

describe("loadDataFile", () => {
  it("dispatches on the extension", () => {
    assert.equal(asDataset(loadDataFile(f("small.csv"))).P, 4);
    assert.ok(isSplitDataset(loadDataFile(f("split.json"))));
    const npy = asDataset(loadDataFile(f("X_f8.npy"), { y: f("y_i8.npy") }));
    assert.deepEqual([npy.P, npy.D, npy.K], [4, 3, 1]);
    assert.deepEqual([...npy.X], flatX);
    assert.deepEqual([...(npy.labels as Int32Array)], expected.y);
    const oh = asDataset(loadDataFile(f("X_f8.npy"), { y: f("y_onehot.npy") }));
    assert.equal(oh.K, 2);
    assert.deepEqual([...(oh.labels as Int32Array)], expected.y);
  });

  it("treats a 3-d .npy X as images", () => {
    const ds = asDataset(loadDataFile(f("images_u1.npy"), { y: f("y5_i8.npy") }));
    assert.deepEqual([ds.P, ds.D], [5, 6]);
    assert.deepEqual(ds.meta.imageShape, [2, 3]);
    assert.deepEqual([...ds.X], (expected.images_u1 as number[][]).flat());
  });

  it("rejects wrong shapes, non-finite values, missing y files and unknown types", () => {
    throwsInput(() => loadDataFile(f("X_f8.npy"), { y: f("y_short.npy") }), f("y_short.npy"), "y has 3 rows but X", "has 4 rows");
    throwsInput(() => loadDataFile(f("X_nan.npy"), { y: f("y_i8.npy") }), f("X_nan.npy"), "X row 3, column 2 is NaN");
    throwsInput(() => loadDataFile(f("y_i8.npy"), { y: f("y_i8.npy") }), f("y_i8.npy"), "X must be 2-d");
    throwsInput(() => loadDataFile(f("X_f8.npy")), f("X_f8.npy"), "needs its targets");
    throwsInput(() => loadDataFile(f("X_f8.npy"), { y: f("gone.npy") }), f("gone.npy"), "file not found");
    throwsInput(() => loadDataFile(f("README.md")), f("README.md"), "unsupported file type '.md'");
    throwsInput(() => loadDataFile(f("x.npz")), "x.npz", ".npy files");
  });
});
