import { isLosslessNumber } from 'lossless-json';

/**
 * JSON text for prompts and answers, in the layout Python's `json.dumps` uses (what BFCL and
 * most published prompts show): compact output separates with `", "` and `": "`; indented
 * output puts one item per line. Numbers parsed with lossless-json (`LosslessNumber`) are
 * written exactly as they were in the source, so a ground-truth `5.0` stays `5.0`. Non-ASCII
 * text is kept as is (no `\uXXXX` escapes): it is read by a model, not by a parser that
 * needs ASCII.
 */
export function formatJson(value: unknown, indent = 0): string {
  return write(value, indent > 0 ? ' '.repeat(indent) : '', '');
}

function write(value: unknown, unit: string, current: string): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return Number.isFinite(value) ? JSON.stringify(value) : 'null';
  if (isLosslessNumber(value)) return value.value;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const items = value.map((item) => write(item, unit, current + unit));
    return unit === '' ? `[${items.join(', ')}]` : `[\n${current + unit}${items.join(`,\n${current + unit}`)}\n${current}]`;
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return '{}';
    const items = entries.map(([k, v]) => `${JSON.stringify(k)}: ${write(v, unit, current + unit)}`);
    return unit === '' ? `{${items.join(', ')}}` : `{\n${current + unit}${items.join(`,\n${current + unit}`)}\n${current}}`;
  }
  throw new TypeError(`cannot write a ${typeof value} as JSON`);
}
