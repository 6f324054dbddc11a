/** Export of a view's data as JSON or CSV (figures are exported by vega-embed's SVG/PNG actions). */

type Rows = Record<string, unknown>[];

/** RFC 4180 CSV of rows (the union of their keys as the header; numbers at full precision). */
export function toCsv(rows: Rows): string {
  const cols: string[] = [];
  for (const r of rows) for (const k of Object.keys(r)) if (!cols.includes(k)) cols.push(k);
  const cell = (v: unknown): string => {
    if (v === null || v === undefined) return "";
    const s = typeof v === "number" ? (Number.isFinite(v) ? String(v) : "") : String(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [cols.map(cell).join(","), ...rows.map((r) => cols.map((c) => cell(r[c])).join(","))].join("\n") + "\n";
}

/** Starts a download of `text` as `name`. */
export function download(name: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/**
 * Adds "data: JSON · CSV" buttons to `host`. `get` returns the view's data sets and the
 * parameters they were computed with (written into the JSON, and as comment lines atop the CSV).
 */
export function exportButtons(host: HTMLElement, base: string, get: () => { params: Record<string, unknown>; sets: Record<string, Rows> }): void {
  const mk = (label: string, title: string, fn: () => void) => {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "export";
    b.textContent = label;
    b.title = title;
    b.addEventListener("click", fn);
    host.appendChild(b);
  };
  const tag = document.createElement("span");
  tag.className = "export-label";
  tag.textContent = "data";
  host.appendChild(tag);
  mk("JSON", "download this view's data as JSON", () => {
    const { params, sets } = get();
    download(`${base}.json`, JSON.stringify({ params, ...sets }, null, 1), "application/json");
  });
  mk("CSV", "download this view's data as CSV (one table per data set)", () => {
    const { params, sets } = get();
    const head = `# featurelab explorer: ${base}\n# ${Object.entries(params)
      .map(([k, v]) => `${k}=${v}`)
      .join(" ")}\n`;
    const body = Object.entries(sets)
      .map(([name, rows]) => `# ${name}\n${toCsv(rows)}`)
      .join("\n");
    download(`${base}.csv`, head + body, "text/csv");
  });
}
