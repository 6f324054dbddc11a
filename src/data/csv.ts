/**
 * Numeric CSV files: one example per line, one target column (the label column, default the last),
 * the other columns are the features. A header line is detected (first non-blank line with a
 * majority of non-numeric cells; force it with `header`). Blank lines and lines starting with `#` are skipped. Cells may be quoted.
 *
 * Rows in messages are 1-based line numbers of the file, columns 1-based field positions.
 */
import { InputError } from "../engine/errors.js";
import { type Dataset, integerLabels, uniqueLabels } from "./dataset.js";
import { baseName, readText } from "./files.js";

export interface CsvOptions {
  /**
   * The target column: a 0-based index (negative counts from the end: −1 = last, the default) or a
   * header name.
   */
  labelColumn?: number | string;
  /** Field separator; default: `,` if the first line has one, else `;`, tab, or runs of whitespace. */
  delimiter?: string;
  /** Force (true) or forbid (false) a header line; default: detected. */
  header?: boolean;
  /** Dataset name (default: the file name without extension). */
  name?: string;
}

function unquote(s: string): string {
  const t = s.trim();
  if (t.length >= 2 && ((t[0] === '"' && t[t.length - 1] === '"') || (t[0] === "'" && t[t.length - 1] === "'"))) return t.slice(1, -1).trim();
  return t;
}

function isNumeric(cell: string): boolean {
  if (cell === "") return false;
  const v = Number(cell);
  return !Number.isNaN(v) || /^nan$/i.test(cell);
}

/** Parses CSV text (see the module comment); `where` (usually the path) prefixes every error. */
export function parseCsv(text: string, where: string, opts: CsvOptions = {}): Dataset {
  const lines = text.split(/\r?\n/);
  const rows: { line: number; cells: string[] }[] = [];
  let delim = opts.delimiter;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i];
    const s = raw.trim();
    if (s === "" || s.startsWith("#")) continue;
    if (delim === undefined) delim = s.includes(",") ? "," : s.includes(";") ? ";" : s.includes("\t") ? "\t" : " ";
    const cells = (delim === " " ? s.split(/\s+/) : raw.split(delim)).map(unquote);
    rows.push({ line: i + 1, cells });
  }
  if (rows.length === 0) throw new InputError("the file has no data rows", where);
  const first = rows[0];
  // A header: more than half of the first row's cells are non-empty and not numbers.
  const hasHeader = opts.header ?? 2 * first.cells.filter((c) => c !== "" && !isNumeric(c)).length > first.cells.length;
  const header = hasHeader ? first.cells : null;
  const data = hasHeader ? rows.slice(1) : rows;
  if (data.length === 0) throw new InputError(`the file has a header (row ${first.line}) but no data rows`, where);
  const ncol = first.cells.length;
  if (ncol < 2) throw new InputError(`row ${first.line} has ${ncol} column, expected at least 2 (features and a label)`, where);

  let lc: number;
  const sel = opts.labelColumn ?? -1;
  if (typeof sel === "string") {
    if (!header) throw new InputError(`labelColumn '${sel}' is a name but the file has no header`, where);
    lc = header.indexOf(sel);
    if (lc < 0) throw new InputError(`labelColumn '${sel}' is not in the header (columns: ${header.join(", ")})`, where);
  } else {
    if (!Number.isInteger(sel) || sel >= ncol || sel < -ncol) {
      throw new InputError(`labelColumn ${sel} is out of range for ${ncol} columns (use 0..${ncol - 1} or -1..-${ncol})`, where);
    }
    lc = sel < 0 ? ncol + sel : sel;
  }

  const P = data.length;
  const D = ncol - 1;
  const X = new Float64Array(P * D);
  const y = new Float64Array(P);
  const colName = (c: number): string => (header ? ` ('${header[c]}')` : "");
  for (let i = 0; i < P; i++) {
    const { line, cells } = data[i];
    if (cells.length !== ncol) throw new InputError(`row ${line} has ${cells.length} columns, expected ${ncol}`, where);
    let j = 0;
    for (let c = 0; c < ncol; c++) {
      const cell = cells[c];
      const v = cell === "" ? Number.NaN : Number(cell);
      if (!Number.isFinite(v)) {
        const what = cell === "" ? "is empty" : Number.isNaN(v) && !/^nan$/i.test(cell) ? `'${cell}' is not a number` : `is ${cell}, not a finite number`;
        throw new InputError(`row ${line}, column ${c + 1}${colName(c)} ${what}`, where);
      }
      if (c === lc) y[i] = v;
      else X[i * D + j++] = v;
    }
  }
  const labels = integerLabels(y);
  const notes = [`label column ${lc + 1}${colName(lc)}${header ? "; header row skipped" : ""}`];
  const ds: Dataset = { X, P, D, y, K: 1, meta: { name: opts.name ?? baseName(where), source: where, notes } };
  if (labels) {
    ds.labels = labels;
    ds.meta.classes = uniqueLabels(labels);
  }
  return ds;
}

/** Reads a numeric CSV file into a {@link Dataset} (K = 1; `labels` set when every target is an integer). */
export function loadCsv(path: string, opts: CsvOptions = {}): Dataset {
  return parseCsv(readText(path), path, { name: baseName(path), ...opts });
}
