/**
 * Adapter for the `llama-json` answer format: Llama 3.x writes one `{"name", "parameters"}`
 * object per call, several joined with `;`. The scorer's `json-text` decoder reads a JSON list
 * (or a single object, ignoring text after it), so a `;`-joined answer would lose every call
 * after the first. This turns `A; B; C` (top-level `;` outside strings, each part an object)
 * into `[A, B, C]`; any other text is returned unchanged (json-text then decides).
 */
export function llamaJsonToList(text: string): string {
  let body = text;
  let prefix = '';
  const thinkEnd = body.lastIndexOf('</thinking>');
  if (thinkEnd !== -1) {
    prefix = body.slice(0, thinkEnd + '</thinking>'.length);
    body = body.slice(thinkEnd + '</thinking>'.length);
  }
  const parts: string[] = [];
  let depth = 0;
  let inString = false;
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
    else if (c === ';' && depth === 0) {
      parts.push(body.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(body.slice(start).trim());
  const objects = parts.filter((p) => p !== '');
  if (objects.length < 2 || !objects.every((p) => p.startsWith('{') && p.endsWith('}'))) return text;
  return `${prefix}[${objects.join(', ')}]`;
}
