/**
 * Where each top-level member's value sits in the text of a JSON object, so that values can
 * be passed on as their original text (`5.0` stays `5.0`, key order and spacing are kept).
 * The text must already be known to be valid JSON (JSON.parse it first): this scanner does
 * not validate. Duplicate keys: the last one wins, as with JSON.parse.
 */
export function topLevelMembers(text: string): Map<string, { start: number; end: number }> {
  const members = new Map<string, { start: number; end: number }>();
  let i = skipSpace(text, 0);
  if (text.charCodeAt(i) !== 0x7b /* { */) return members;
  i = skipSpace(text, i + 1);
  while (i < text.length && text.charCodeAt(i) !== 0x7d /* } */) {
    const keyStart = i;
    i = skipString(text, i);
    const key = JSON.parse(text.slice(keyStart, i)) as string;
    i = skipSpace(text, i);
    i = skipSpace(text, i + 1); // ':'
    const start = i;
    i = skipValue(text, i);
    members.set(key, { start, end: i });
    i = skipSpace(text, i);
    if (text.charCodeAt(i) === 0x2c /* , */) i = skipSpace(text, i + 1);
  }
  return members;
}

/** The original text of a top-level member's value, or undefined when absent. */
export function memberText(text: string, members: Map<string, { start: number; end: number }>, key: string): string | undefined {
  const span = members.get(key);
  return span ? text.slice(span.start, span.end) : undefined;
}

function skipSpace(text: string, i: number): number {
  for (;;) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
    else return i;
  }
}

/** `i` at an opening quote; returns the index after the closing quote. */
function skipString(text: string, i: number): number {
  i++;
  for (;;) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) return i + 1;
    if (Number.isNaN(c)) return i;
    i += c === 0x5c /* \ */ ? 2 : 1;
  }
}

function skipValue(text: string, i: number): number {
  const first = text.charCodeAt(i);
  if (first === 0x22) return skipString(text, i);
  if (first === 0x7b || first === 0x5b) {
    let depth = 0;
    for (;;) {
      const c = text.charCodeAt(i);
      if (Number.isNaN(c)) return i;
      if (c === 0x22) {
        i = skipString(text, i);
        continue;
      }
      if (c === 0x7b || c === 0x5b) depth++;
      else if (c === 0x7d || c === 0x5d) {
        depth--;
        if (depth === 0) return i + 1;
      }
      i++;
    }
  }
  // number, true, false, null
  for (;;) {
    const c = text.charCodeAt(i);
    if (Number.isNaN(c) || c === 0x2c || c === 0x7d || c === 0x5d || c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
      return i;
    }
    i++;
  }
}
