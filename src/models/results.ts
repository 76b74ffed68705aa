import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { InfrastructureError, type Approach, type InferenceProvider, type InferenceRequest, type InferenceResponse, type ProviderOptions } from './provider.js';

/**
 * Recorded BFCL result files replayed as a model: `model` is a directory (project-relative or
 * absolute) holding `BFCL_v*_<category>_result.json` files (in subfolders too), one JSON line
 * per entry `{id, result, input_token_count?, output_token_count?, latency?}`. A request for id
 * X answers with X's recorded `result`, its RAW JSON text kept: a string result becomes the
 * text; a list of `{name: args}` becomes tool calls (args as their raw JSON text, or the string
 * as is when BFCL recorded the arguments as a JSON string). An id with no record is an
 * infrastructure error ('invalid-request'): not scored, reported as missing.
 */
export class ResultsProvider implements InferenceProvider {
  readonly name = 'results';
  readonly model: string;
  readonly approach: Approach;
  private records: Promise<Map<string, RecordedResult>> | undefined;

  constructor(
    private readonly options: ProviderOptions & { projectDir?: string },
  ) {
    this.model = options.model;
    this.approach = options.approach;
  }

  private load(): Promise<Map<string, RecordedResult>> {
    this.records ??= readRecordedResults(path.resolve(this.options.projectDir ?? process.cwd(), this.model));
    return this.records;
  }

  async infer(request: InferenceRequest): Promise<InferenceResponse> {
    const record = (await this.load()).get(request.id) ?? (await this.load()).get(request.id.replace(/#\d+$/, ''));
    if (!record) throw new InfrastructureError('invalid-request', `no recorded result for ${request.id} in ${this.model}`, false);
    return record.response;
  }
}

export interface RecordedResult {
  id: string;
  response: InferenceResponse;
}

/** Splits a JSON text into the raw texts of its top-level array elements / object members. */
function topLevel(text: string, open: '[' | '{'): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '[' || c === '{') {
      depth++;
      if (depth === 1 && c === open) start = i + 1;
    } else if (c === ']' || c === '}') {
      if (depth === 1) {
        const last = text.slice(start, i).trim();
        if (last !== '') parts.push(last);
      }
      depth--;
    } else if (c === ',' && depth === 1) {
      parts.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  return parts;
}

/** The raw text of the `result` member of a result line (first level). */
function rawMember(line: string, member: string): string | undefined {
  for (const part of topLevel(line, '{')) {
    const colon = part.indexOf(':', part.indexOf('"', 1) + 1);
    const key = JSON.parse(part.slice(0, colon));
    if (key === member) return part.slice(colon + 1).trim();
  }
  return undefined;
}

export function recordedResponse(line: string): RecordedResult {
  const parsed = JSON.parse(line) as { id: string; input_token_count?: number; output_token_count?: number; latency?: number; result: unknown };
  const raw = rawMember(line, 'result') ?? 'null';
  const response: InferenceResponse = {
    text: '',
    toolCalls: [],
    stopReason: 'recorded',
    usage: { inputTokens: Number(parsed.input_token_count ?? 0) || 0, outputTokens: Number(parsed.output_token_count ?? 0) || 0 },
    latencyMs: Math.round(Number(parsed.latency ?? 0) * 1000) || 0,
  };
  if (typeof parsed.result === 'string') response.text = parsed.result;
  else if (Array.isArray(parsed.result)) {
    for (const item of topLevel(raw, '[')) {
      const member = topLevel(item, '{')[0];
      if (!member) continue;
      const colon = member.indexOf(':', member.indexOf('"', 1) + 1);
      const name = JSON.parse(member.slice(0, colon)) as string;
      const value = member.slice(colon + 1).trim();
      response.toolCalls.push({ name, argumentsJson: value.startsWith('"') ? (JSON.parse(value) as string) : value });
    }
  } else response.text = raw;
  return { id: parsed.id, response };
}

export async function readRecordedResults(dir: string): Promise<Map<string, RecordedResult>> {
  const out = new Map<string, RecordedResult>();
  const files = (await readdir(dir, { recursive: true })).filter((f) => /_result\.json$/.test(f)).sort();
  for (const file of files) {
    const text = await readFile(path.join(dir, file), 'utf8');
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      try {
        const r = recordedResponse(line);
        out.set(r.id, r);
      } catch {
        // A damaged line: the id stays missing (reported as such), as BFCL's scorer would.
      }
    }
  }
  return out;
}
