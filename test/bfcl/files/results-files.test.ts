import { mkdtemp, mkdir, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../../src/errors.js';
import { parseCategoryData, readDataDir } from '../../../src/bfcl/scoring/data-files.js';
import { pairResults } from '../../../src/bfcl/scoring/pairing.js';
import { discoverResultFiles, parseResultText, readResultFile } from '../../../src/bfcl/scoring/results-files.js';
import { PyTuple } from '../../../src/bfcl/scoring/types.js';
import { CONFORMANCE, DATA_V4, HAVE_CONFORMANCE } from './paths.js';

const GARBAGE = new URL('./garbage/', import.meta.url).pathname;
const temps: string[] = [];
afterAll(async () => {
  for (const t of temps) await rm(t, { recursive: true, force: true });
});
async function temp(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'fc-distill-results-'));
  temps.push(d);
  return d;
}

describe('result file discovery', () => {
  it('finds v4 files grouped by live/non_live and skips what it cannot score', async () => {
    const found = await discoverResultFiles(join(GARBAGE, 'result'));
    expect(found.models).toEqual(['garbage-model']);
    expect(found.files.map((f) => `${f.version} ${f.category}`).sort()).toEqual([
      'v4 live_irrelevance',
      'v4 live_simple',
      'v4 multiple',
    ]);
    expect(found.skipped).toHaveLength(1);
    expect(found.skipped[0]!.reason).toMatch(/single-turn/);
  });

  it('finds v3 flat files, and a model folder given directly', async () => {
    const root = await temp();
    await mkdir(join(root, 'm1'));
    await writeFile(join(root, 'm1', 'BFCL_v3_live_simple_result.json'), '');
    await writeFile(join(root, 'm1', 'BFCL_v3_simple_result.json'), '');
    await writeFile(join(root, 'm1', 'notes.txt'), '');
    const found = await discoverResultFiles(root);
    expect(found.files.map((f) => `${f.model} ${f.version} ${f.category}`).sort()).toEqual(['m1 v3 live_simple', 'm1 v3 simple']);
    const direct = await discoverResultFiles(join(root, 'm1'));
    expect(direct.models).toEqual(['m1']);
  });

  it('filters by model (either spelling) and names unknown models', async () => {
    if (!HAVE_CONFORMANCE) return;
    const dir = join(CONFORMANCE, 'gpt-oss', '2025-11-12-main', 'result');
    const found = await discoverResultFiles(dir, { models: ['openai/gpt-oss-20b'] });
    expect(found.models).toEqual(['openai_gpt-oss-20b']);
    expect(found.files).toHaveLength(13);
    await expect(discoverResultFiles(dir, { models: ['nope'] })).rejects.toThrow(/no results for model nope/);
  });

  it('a missing folder or one without result files is an InputError', async () => {
    await expect(discoverResultFiles('/nonexistent/results')).rejects.toBeInstanceOf(InputError);
    await expect(discoverResultFiles(await temp())).rejects.toThrow(/no single-turn BFCL result files/);
  });
});

describe('reading result lines', () => {
  it('keeps ints, floats and key order exactly', () => {
    const f = parseResultText('{"id": "x_1", "result": [{"f": {"a": 1, "b": 1.0, "c": 1e3}}], "latency": 0.25}\n', 'mem');
    expect(f.problems).toEqual([]);
    const r = f.lines[0]!.result as Map<string, Map<string, unknown>>[];
    const args = r[0]!.get('f')!;
    expect([...args.entries()]).toEqual([
      ['a', 1n],
      ['b', 1],
      ['c', 1000],
    ]);
    expect(PyTuple).toBeDefined();
  });

  it('reports every damaged line with its number and reason', async () => {
    const f = await readResultFile(join(GARBAGE, 'result/garbage-model/live/BFCL_v4_live_simple_result.json'));
    expect(f.lines.map((l) => `${l.line}:${l.id}`)).toEqual([
      '1:live_simple_5-5-0',
      '2:live_simple_0-0-0',
      '6:live_simple_99-99-0',
      '7:live_simple_0-0-0',
      '8:live_simple_3-3-0',
    ]);
    expect(f.problems.map((p) => `${p.line} ${p.kind} ${p.id ?? '-'}`)).toEqual([
      '3 truncated live_simple_1-1-0',
      '4 invalid-json -',
      '9 not-object -',
      '10 no-id -',
    ]);
    expect(f.problems[0]!.message).toMatch(/^line 3 is truncated \(Unterminated string/);
    expect(f.problems[1]!.message).toMatch(/^line 4 is not valid JSON \(Expecting value: line 1 column 1 \(char 0\)\)/);
  });

  it('an empty file has no lines and no problems', () => {
    expect(parseResultText('', 'mem')).toEqual({ path: 'mem', lines: [], problems: [] });
    expect(parseResultText('\n\n', 'mem').lines).toEqual([]);
  });
});

describe('pairing', () => {
  it('names every missing, duplicate, unknown and unreadable entry', async () => {
    const data = await readDataDir(join(GARBAGE, 'data'), 'v4', ['live_simple', 'live_irrelevance', 'multiple']);
    expect(data.missing.map((m) => m.category)).toEqual(['multiple']);
    const cat = data.categories.get('live_simple')!;
    const file = await readResultFile(join(GARBAGE, 'result/garbage-model/live/BFCL_v4_live_simple_result.json'));
    const p = pairResults(cat, file);
    expect(p.entries.map((e) => `${e.id} ${e.problem?.kind ?? `line ${e.line!.line}`}`)).toEqual([
      'live_simple_0-0-0 line 2',
      'live_simple_1-1-0 truncated',
      'live_simple_2-2-0 missing',
      'live_simple_3-3-0 no-result',
      'live_simple_4-4-0 missing',
      'live_simple_5-5-0 line 1',
    ]);
    expect(p.entries[2]!.problem!.message).toBe('missing from result file');
    expect(p.ignored.map((x) => `${x.line} ${x.kind}`)).toEqual(['4 invalid-json', '6 unknown-id', '7 duplicate-id', '9 not-object', '10 no-id']);
    expect(p.ignored.find((x) => x.kind === 'duplicate-id')!.message).toBe(
      'line 7: duplicate id live_simple_0-0-0 (already answered on line 2); ignored',
    );
    expect(p.ignored.find((x) => x.kind === 'unknown-id')!.message).toMatch(/id live_simple_99-99-0 is not in live_simple of the dataset/);
    expect(p.bfclNote).toMatch(/BFCL cannot load this file/);
  });

  it('partial evaluation leaves missing entries out', async () => {
    const data = await readDataDir(join(GARBAGE, 'data'), 'v4', ['live_simple']);
    const file = await readResultFile(join(GARBAGE, 'result/garbage-model/live/BFCL_v4_live_simple_result.json'));
    const p = pairResults(data.categories.get('live_simple')!, file, { partial: true });
    expect(p.entries.map((e) => e.id)).toEqual(['live_simple_0-0-0', 'live_simple_1-1-0', 'live_simple_3-3-0', 'live_simple_5-5-0']);
  });

  it('an empty file: every entry is missing', async () => {
    const data = await readDataDir(join(GARBAGE, 'data'), 'v4', ['live_irrelevance']);
    const p = pairResults(data.categories.get('live_irrelevance')!, parseResultText('', 'empty'));
    expect(p.entries.map((e) => e.problem?.kind)).toEqual(['missing', 'missing', 'missing']);
    expect(p.bfclNote).toMatch(/0 results for 3 questions/);
  });

  it('a repeated dataset id (v3 live_relevance) takes one line per occurrence, in order', () => {
    const q = ['a_0', 'a_1', 'a_1', 'a_2'].map((id) => JSON.stringify({ id, question: [], function: [] })).join('\n');
    const data = parseCategoryData('v3', 'live_relevance', { text: q, origin: 'q' }, null);
    const r = ['a_2', 'a_1', 'a_0', 'a_1'].map((id, i) => JSON.stringify({ id, result: `r${i}` })).join('\n');
    const p = pairResults(data, parseResultText(r, 'r'));
    expect(p.entries.map((e) => `${e.id}=${String(e.line!.result)}`)).toEqual(['a_0=r2', 'a_1=r1', 'a_1=r3', 'a_2=r0']);
    expect(p.ignored).toEqual([]);
    expect(p.bfclNote).toBeUndefined();
  });

  it('says when BFCL would mis-pair (data not in id order) or stop (unknown id), and pairs by id', () => {
    const q = ['a_1', 'a_0'].map((id) => JSON.stringify({ id, question: [], function: [] })).join('\n');
    const data = parseCategoryData('v4', 'live_relevance', { text: q, origin: 'q' }, null);
    const p = pairResults(data, parseResultText(['a_0', 'a_1'].map((id) => JSON.stringify({ id, result: id })).join('\n'), 'r'));
    expect(p.entries.map((e) => `${e.id}=${String(e.line!.result)}`)).toEqual(['a_1=a_1', 'a_0=a_0']);
    expect(p.bfclNote).toMatch(/would mis-pair 2 entries, e\.g\. line 1 \(a_0\) would be checked against a_1/);
    const p2 = pairResults(data, parseResultText(['a_0', 'a_9'].map((id) => JSON.stringify({ id, result: id })).join('\n'), 'r'));
    expect(p2.bfclNote).toMatch(/BFCL stops on this file: id a_9 \(line 2\) is not in the dataset/);
    expect(p2.entries.map((e) => e.problem?.kind ?? 'ok')).toEqual(['missing', 'ok']);
  });

  it('a clean real file pairs exactly as BFCL does', async () => {
    if (!HAVE_CONFORMANCE) return;
    const data = await readDataDir(DATA_V4, 'v4', ['live_multiple']);
    const file = await readResultFile(join(CONFORMANCE, 'gpt-oss/2025-11-12-main/result/openai_gpt-oss-20b/live/BFCL_v4_live_multiple_result.json'));
    const p = pairResults(data.categories.get('live_multiple')!, file);
    expect(p.entries).toHaveLength(1053);
    expect(p.entries.every((e) => !e.problem && e.line!.id === e.id)).toBe(true);
    expect(p.ignored).toEqual([]);
    expect(p.bfclNote).toBeUndefined();
  });
});

describe('data files', () => {
  it('reads questions and answers losslessly, once, and pairs them by position', async () => {
    if (!HAVE_CONFORMANCE) return;
    const data = await readDataDir(DATA_V4, 'v4', ['live_simple', 'live_relevance', 'simple_java']);
    expect(data.missing.map((m) => m.category)).toEqual(['simple_java']);
    const ls = data.categories.get('live_simple')!;
    expect(ls.size).toBe(258);
    const gt = ls.groundTruth(0) as Map<string, Map<string, unknown[]>>[];
    expect(gt[0]!.get('get_user_info')!.get('user_id')).toEqual([7890n]);
    expect(ls.groundTruth(0)).toBe(gt); // cached
    expect(data.categories.get('live_relevance')!.groundTruth(0)).toBeNull();
  });

  it('answers that do not pair with the questions are an InputError', () => {
    expect(() =>
      parseCategoryData('v4', 'live_simple', { text: '{"id": "a_0"}\n{"id": "a_1"}\n', origin: 'q.json' }, { text: '{"id": "a_0", "ground_truth": []}\n', origin: 'a.json' }),
    ).toThrow(/1 possible answers for 2 questions/);
  });

  it('a bad data line is an InputError with file and line', () => {
    const bad = () => parseCategoryData('v4', 'live_simple', { text: '{"id": "a_0", "function": []}\n{oops\n', origin: 'q.json' }, { text: '{"id": "a_0", "ground_truth": []}\n', origin: 'a.json' });
    expect(bad).toThrow(InputError);
    try {
      bad();
    } catch (e) {
      expect((e as InputError).describe()).toMatch(/^q\.json:2: not a JSON line/m);
    }
  });
});
