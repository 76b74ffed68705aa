/**
 * The per-category count table the data steps print, e.g.
 *
 *   category                  train   eval
 *   live_simple                 129    129
 *   total                      1126   1125
 */
export function categoryTable(columns: Record<string, Record<string, number>>, categories?: readonly string[]): string[] {
  const names = Object.keys(columns);
  const rows = categories ?? [...new Set(names.flatMap((n) => Object.keys(columns[n] ?? {})))];
  const width = Math.max('category'.length, 'total'.length, ...rows.map((r) => r.length));
  const cell = names.map((n) => Math.max(n.length, 6));
  const line = (label: string, values: (string | number)[]): string =>
    `  ${label.padEnd(width)}  ${values.map((v, i) => String(v).padStart(cell[i] as number)).join('  ')}`.trimEnd();
  const out = [line('category', names)];
  for (const r of rows) out.push(line(r, names.map((n) => columns[n]?.[r] ?? 0)));
  out.push(line('total', names.map((n) => Object.values(columns[n] ?? {}).reduce((a, b) => a + b, 0))));
  return out;
}
