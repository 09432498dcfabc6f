/** Numbers and cells as the command line prints them. */

/** The shortest decimal that reads back as the same float32 (at most 9 significant digits). */
export function float32Text(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  for (let digits = 6; digits < 9; digits++) {
    const text = value.toPrecision(digits);
    if (Math.fround(Number(text)) === value) return String(Number(text));
  }
  return String(Number(value.toPrecision(9)));
}

/** A CSV cell: quoted when it holds a delimiter, a quote or a line break. */
export function csvCell(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function percent(fraction: number): string {
  return `${(fraction * 100).toFixed(2)}%`;
}

/** Rows as columns padded to their widest cell: the first column left-aligned, the others right-aligned. */
export function table(rows: readonly (readonly string[])[]): string[] {
  // A loop, not Math.max(...): a table may have tens of thousands of rows (one per class).
  const widths = rows[0].map((_, j) => rows.reduce((widest, row) => Math.max(widest, row[j].length), 0));
  return rows.map((row) => row.map((cell, j) => (j === 0 ? cell.padEnd(widths[j]) : cell.padStart(widths[j]))).join('  ').trimEnd());
}
