/**
 * Number formatting and the plain-text table printed to the terminal. The markdown report
 * (`report.ts`) uses the same cell texts, so the terminal and the docs show the same figures.
 */
import type { ContenderResult, WorkloadResult } from "./measure.js";

/** A value in the workload's unit: ms with three significant digits, bytes as an integer. */
export function formatValue(value: number, unit: "ms" | "B/task"): string {
  if (!Number.isFinite(value)) return "—";
  if (unit === "B/task") return `${Math.round(value).toLocaleString("en-US")} B`;
  if (value >= 100) return `${Math.round(value).toLocaleString("en-US")} ms`;
  if (value >= 10) return `${value.toFixed(1)} ms`;
  return `${value.toFixed(2)} ms`;
}

/** `0.42×`, or `—` when there is no ratio. */
export function formatRatio(ratio: number | null): string {
  if (ratio === null || !Number.isFinite(ratio)) return "—";
  return ratio >= 10 ? `${ratio.toFixed(1)}×` : `${ratio.toFixed(2)}×`;
}

/** The cells of one table row: contender, median, min, max, ratio to native, samples. */
export function rowCells(r: ContenderResult, unit: "ms" | "B/task"): string[] {
  if (r.failed !== null) return [r.contender, `failed: ${r.failed}`, "", "", "", String(r.samples.length)];
  return [
    r.contender,
    formatValue(r.median, unit),
    formatValue(r.min, unit),
    formatValue(r.max, unit),
    formatRatio(r.ratio),
    r.warmupCounted ? `${r.samples.length}†` : String(r.samples.length),
  ];
}

export const HEADER = ["contender", "median", "min", "max", "× native", "n"];

/** A workload's result as an aligned plain-text table, with its description and target. */
export function textTable(w: WorkloadResult): string {
  const rows = [HEADER, ...w.contenders.map((r) => rowCells(r, w.unit))];
  const widths = HEADER.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? "").length)));
  const line = (row: string[]): string =>
    row
      .map((cell, i) =>
        i === 0 || (i === 1 && cell.startsWith("failed"))
          ? cell.padEnd(widths[i]!)
          : cell.padStart(widths[i]!),
      )
      .join("  ")
      .trimEnd();
  const out = [`${w.name}: ${w.description}`];
  if (w.target !== null) out.push(`target: ${w.target}`);
  out.push(line(rows[0]!), widths.map((n) => "-".repeat(n)).join("  "));
  for (const row of rows.slice(1)) out.push(line(row));
  return out.join("\n");
}
