/**
 * Tables: the plain records recipes return for their numbers, and their text forms (CSV for the run
 * folder, Markdown for summary.md, HTML for the report). Numbers in, numbers out: a table holds raw
 * values; only these formatters round them.
 *
 * @module
 */

/** A cell: a number, a word, or null (missing / not applicable; non-finite numbers become null in JSON). */
export type Cell = number | string | boolean | null;

/**
 * A table of results.
 *
 * - `kind: "comparison"` — theory beside simulation (or beside a closed form); the report shows it open,
 *   under the figures. Build one with {@link comparisonTable}.
 * - `kind: "data"` (default) — the raw numbers behind a figure; the report folds it away (it is also
 *   written as CSV).
 */
export interface Table {
  title: string;
  columns: string[];
  rows: Cell[][];
  /** One or two sentences under the table: what the columns mean. */
  caption?: string;
  kind?: "comparison" | "data";
}

/** One row of a {@link comparisonTable}. */
export interface ComparisonRow {
  /** What is compared, e.g. "g_c(g_b = 0), erf". */
  quantity: string;
  /** The theory's value (closed form, mean-field prediction, …). */
  theory: number;
  /** The measured value (simulation, numerical solution, Monte Carlo estimate). */
  measured: number;
  /** Standard error of `measured`, when it is a statistical estimate. */
  stderr?: number;
  /**
   * The agreement criterion: |measured − theory| ≤ `tolerance` (absolute). With a `stderr` and no
   * tolerance, the criterion is |measured − theory| ≤ 3·stderr. Without either, no verdict.
   */
  tolerance?: number;
}

/**
 * A theory-vs-measurement table with columns quantity · theory · measured · ± s.e. (only when some row
 * has one) · |Δ| · relative Δ · agrees. `relative Δ` = |measured − theory| / |theory| (null when
 * theory = 0); `agrees` is "yes"/"no" by the row's criterion, null without one.
 */
export function comparisonTable(title: string, rows: ComparisonRow[], opts: { caption?: string; theoryLabel?: string; measuredLabel?: string } = {}): Table {
  const se = rows.some((r) => r.stderr !== undefined);
  return {
    title,
    caption: opts.caption,
    kind: "comparison",
    columns: ["quantity", opts.theoryLabel ?? "theory", opts.measuredLabel ?? "measured", ...(se ? ["± s.e."] : []), "|Δ|", "relative Δ", "agrees"],
    rows: rows.map((r) => {
      const d = Math.abs(r.measured - r.theory);
      const tol = r.tolerance ?? (r.stderr !== undefined ? 3 * r.stderr : undefined);
      const verdict = tol === undefined ? null : d <= tol ? "yes" : "no";
      return [r.quantity, r.theory, r.measured, ...(se ? [r.stderr ?? null] : []), d, r.theory !== 0 ? d / Math.abs(r.theory) : null, verdict];
    }),
  };
}

/**
 * A number as a reader wants it: integers as they are; otherwise 4 significant digits, in exponent
 * form below 10⁻³ or above 10⁶. null/NaN → "—".
 */
export function formatNumber(v: number, digits = 4): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? "—" : v > 0 ? "∞" : "−∞";
  if (Number.isInteger(v) && Math.abs(v) < 1e9) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(digits - 1);
  return Number(v.toPrecision(digits)).toString();
}

/** A cell as text (see {@link formatNumber}). */
export function formatCell(v: Cell): string {
  if (v === null) return "—";
  if (typeof v === "number") return formatNumber(v);
  return String(v);
}

/** The table as CSV (RFC 4180 quoting; numbers at full precision; null → empty). */
export function tableToCsv(t: Table): string {
  const cell = (v: Cell) => {
    if (v === null || (typeof v === "number" && !Number.isFinite(v))) return "";
    const s = String(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [t.columns.map(cell).join(","), ...t.rows.map((r) => r.map(cell).join(","))].join("\n") + "\n";
}

/** The table as GitHub Markdown (numbers rounded by {@link formatCell}). */
export function tableToMarkdown(t: Table): string {
  const esc = (s: string) => s.replace(/\|/g, "\\|");
  return [
    `**${t.title}**`,
    "",
    `| ${t.columns.map(esc).join(" | ")} |`,
    `|${t.columns.map(() => "---").join("|")}|`,
    ...t.rows.map((r) => `| ${r.map((c) => esc(formatCell(c))).join(" | ")} |`),
    "",
  ].join("\n");
}

/** A file-name-safe slug of a title ("Critical line g_c(g_b)" → "critical-line-g-c-g-b"). */
export function slug(s: string, max = 48): string {
  const out = s
    .normalize("NFKD")
    .replace(/[^\w\s-]/g, " ")
    .replace(/[_\s-]+/g, "-")
    .replace(/^-|-$/g, "")
    .toLowerCase()
    .slice(0, max)
    .replace(/-$/, "");
  return out || "table";
}
