import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { parseCsv } from '../../../src/bfcl/scoring/csv.js';
import { CONFORMANCE, DATA_V4, HAVE_CONFORMANCE } from './paths.js';

const GARBAGE = new URL('./garbage/', import.meta.url).pathname;
const temps: string[] = [];
afterAll(async () => {
  for (const t of temps) await rm(t, { recursive: true, force: true });
});
async function temp(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'fc-distill-score-'));
  temps.push(d);
  return d;
}

/** Runs the CLI in-process, capturing stdout and stderr. */
async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  const saved = process.exitCode;
  try {
    const code = await main(args);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
    process.exitCode = saved;
  }
}

function lines(text: string): string[] {
  return text.split('\n').filter((l) => l !== '');
}

async function failing(path: string): Promise<Map<string, string>> {
  const ls = lines(await readFile(path, 'utf8')).slice(1);
  return new Map(ls.map((l) => {
    const o = JSON.parse(l) as { id: string; error_type: string };
    return [o.id, o.error_type];
  }));
}

describe.runIf(HAVE_CONFORMANCE)('fc-distill score RESULT_DIR --data DATA_DIR --out SCORE_DIR on a conformance run', () => {
  const runDir = join(CONFORMANCE, 'gpt-oss', '2025-11-12-main');
  let out: string;
  let result: { code: number; stdout: string; stderr: string };

  beforeAll(async () => {
    out = await temp();
    result = await run(['score', join(runDir, 'result'), '--data', DATA_V4, '--out', out]);
  });

  it('exits 0 and prints the table', () => {
    expect(result.stderr).not.toMatch(/error/);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Model openai_gpt-oss-20b {2}\(BFCL v4, decoder fc, names underscored\)/);
    expect(result.stdout).toMatch(/live_simple\s+209\s+258\s+81\.01%/);
    expect(result.stdout).toMatch(/Live Overall Acc\s+73\.80%/);
    // Java and JavaScript have results but no data in bfcl-data-v4: named, not scored.
    expect(result.stdout).toMatch(/not scored: .*BFCL_v4_simple_java_result\.json: no data for simple_java/);
  });

  it('writes score files that agree with the official ones', async () => {
    let compared = 0;
    for (const model of ['openai_gpt-oss-120b', 'openai_gpt-oss-20b']) {
      for (const group of ['live', 'non_live']) {
        const names = await readdir(join(out, model, group));
        for (const name of names) {
          const ours = join(out, model, group, name);
          const theirs = join(runDir, 'score', model, group, name);
          const [a, b] = [await readFile(ours, 'utf8'), await readFile(theirs, 'utf8')];
          expect(lines(a)[0], name).toBe(lines(b)[0]);
          expect([...(await failing(ours))].sort(), `${model} ${name}`).toEqual([...(await failing(theirs))].sort());
          compared++;
        }
      }
    }
    expect(compared).toBe(22); // 11 categories with data x 2 models
  });

  it('writes data_live.csv exactly as the official one, and the comparable cells of the others', async () => {
    expect(await readFile(join(out, 'data_live.csv'), 'utf8')).toBe(await readFile(join(runDir, 'score', 'data_live.csv'), 'utf8'));
    const ours = parseCsv(await readFile(join(out, 'data_non_live.csv'), 'utf8'));
    const theirs = parseCsv(await readFile(join(runDir, 'score', 'data_non_live.csv'), 'utf8'));
    expect(ours.header).toEqual(theirs.header);
    for (const row of ours.rows) {
      const o = theirs.rows.find((r) => r[1] === row[1])!;
      for (const col of ['Python Simple AST', 'Multiple AST', 'Parallel AST', 'Parallel Multiple AST', 'Irrelevance Detection']) {
        const i = ours.header.indexOf(col);
        expect(`${row[1]} ${col} ${row[i]}`).toBe(`${row[1]} ${col} ${o[i]}`);
      }
      expect(row[ours.header.indexOf('Java Simple AST')]).toBe('N/A');
    }
  });

  it('writes per-example outcomes', async () => {
    const ls = lines(await readFile(join(out, 'openai_gpt-oss-20b', 'outcomes.jsonl'), 'utf8')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(ls).toHaveLength(2251 + 400 + 200 * 3 + 240);
    expect(ls[0]).toEqual(expect.objectContaining({ category: expect.any(String), model: 'openai_gpt-oss-20b', valid: expect.any(Boolean) }));
    expect(Object.keys(ls[0]!)).toEqual(['id', 'category', 'model', 'valid', 'errorType']);
    const live = ls.filter((o) => o.category === 'live_simple');
    expect(live.filter((o) => o.valid)).toHaveLength(209);
  });

  it('--json and --model', async () => {
    const r = await run(['score', join(runDir, 'result'), '--data', DATA_V4, '--model', 'openai_gpt-oss-20b', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { models: { model: string; summary: { liveOverall: { display: string } } }[] };
    expect(j.models.map((m) => m.model)).toEqual(['openai_gpt-oss-20b']);
    expect(j.models[0]!.summary.liveOverall.display).toBe('73.80%');
  });

  it('scores one model\'s 2,251 live results quickly', async () => {
    const t0 = performance.now();
    const r = await run(['score', join(runDir, 'result'), '--data', DATA_V4, '--model', 'openai_gpt-oss-20b', '--json']);
    const ms = performance.now() - t0;
    expect(r.code).toBe(0);
    // Whole model: 2,251 live + 1,440 non-live entries. The target (0.5 s for 2,251) is checked by the bench; keep slack for CI.
    expect(ms).toBeLessThan(3000);
  });
});

describe('fc-distill score on garbage', () => {
  it('reports each damaged entry, counts missing ones as failures, and does not crash', async () => {
    const out = await temp();
    const r = await run(['score', join(GARBAGE, 'result'), '--data', join(GARBAGE, 'data'), '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/live_simple\s+2\s+6\s+33\.33%/);
    expect(r.stdout).toMatch(/live_irrelevance\s+0\s+3\s+0\.00%/);
    expect(r.stdout).toMatch(/not scored: .*BFCL_v4_multiple_result\.json: no data for multiple/);
    expect(r.stdout).toMatch(/skipped .*BFCL_v4_multi_turn_base_result\.json: not a single-turn category/);
    const w = r.stderr;
    expect(w).toMatch(/live_simple_1-1-0: line 3 is truncated .*\(counted as a failure\)/);
    expect(w).toMatch(/live_simple_2-2-0: missing from result file \(counted as a failure\)/);
    expect(w).toMatch(/live_simple_3-3-0: result line 8 has no "result" field/);
    expect(w).toMatch(/live_simple_4-4-0: missing from result file/);
    expect(w).toMatch(/line 4 is not valid JSON \(Expecting value: line 1 column 1 \(char 0\)\); ignored/);
    expect(w).toMatch(/line 6: id live_simple_99-99-0 is not in live_simple of the dataset; ignored/);
    expect(w).toMatch(/line 7: duplicate id live_simple_0-0-0 \(already answered on line 2\); ignored/);
    expect(w).toMatch(/line 9 is not a JSON object/);
    expect(w).toMatch(/line 10 has an "id" that is not a string/);
    expect(w).toMatch(/live_irrelevance_0-0-0: missing from result file/);

    const score = lines(await readFile(join(out, 'garbage-model/live/BFCL_v4_live_simple_score.json'), 'utf8'));
    expect(score[0]).toBe('{"accuracy": 0.3333333333333333, "correct_count": 2, "total_count": 6}');
    const failures = score.slice(1).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(failures.map((f) => `${String(f.id)} ${String(f.error_type)}`)).toEqual([
      'live_simple_1-1-0 result_file:truncated_line',
      'live_simple_2-2-0 result_file:missing_entry',
      'live_simple_3-3-0 result_file:no_result_field',
      'live_simple_4-4-0 result_file:missing_entry',
    ]);
    expect(failures[1]).toEqual(
      expect.objectContaining({ valid: false, error: ['missing from result file'], model_result_raw: null, possible_answer: expect.any(Array) }),
    );
    const irr = lines(await readFile(join(out, 'garbage-model/live/BFCL_v4_live_irrelevance_score.json'), 'utf8'));
    expect(irr[0]).toBe('{"accuracy": 0.0, "correct_count": 0, "total_count": 3}');
    expect(Object.keys(JSON.parse(irr[1]!) as object)).toEqual(['id', 'model_name', 'test_category', 'valid', 'prompt', 'model_result', 'decoded_result', 'error', 'error_type']);
    const outcomes = lines(await readFile(join(out, 'garbage-model/outcomes.jsonl'), 'utf8')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(outcomes.find((o) => o.id === 'live_simple_2-2-0')).toEqual({
      id: 'live_simple_2-2-0',
      category: 'live_simple',
      model: 'garbage-model',
      valid: false,
      errorType: 'result_file:missing_entry',
      reason: 'missing from result file',
    });
  });

  it('v3: flat layout, v3 file names, v3 field order and v3 tables', async () => {
    const root = await temp();
    const data = join(root, 'data');
    const results = join(root, 'result', 'm3');
    await mkdir(join(data, 'possible_answer'), { recursive: true });
    await mkdir(results, { recursive: true });
    for (const name of ['BFCL_v4_live_simple.json', 'BFCL_v4_live_irrelevance.json', 'possible_answer/BFCL_v4_live_simple.json']) {
      await writeFile(join(data, name.replace('v4', 'v3')), await readFile(join(GARBAGE, 'data', name)));
    }
    const simple = await readFile(join(GARBAGE, 'data', 'BFCL_v4_live_simple.json'), 'utf8');
    const ids = lines(simple).map((l) => (JSON.parse(l) as { id: string }).id);
    await writeFile(join(results, 'BFCL_v3_live_simple_result.json'), ids.map((id) => JSON.stringify({ id, result: [] })).join('\n') + '\n');
    await writeFile(join(results, 'BFCL_v3_live_irrelevance_result.json'), JSON.stringify({ id: 'live_irrelevance_0-0-0', result: [{ f: '{}' }] }) + '\n');
    const out = join(root, 'score');
    const r = await run(['score', join(root, 'result'), '--data', data, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/BFCL v3/);
    const irr = lines(await readFile(join(out, 'm3', 'BFCL_v3_live_irrelevance_score.json'), 'utf8'));
    expect(irr[0]).toBe('{"accuracy": 0.0, "correct_count": 0, "total_count": 3}');
    expect(Object.keys(JSON.parse(irr[1]!) as object)).toEqual(['id', 'model_name', 'test_category', 'valid', 'error', 'error_type', 'prompt', 'model_result', 'decoded_result']);
    const simpleScore = lines(await readFile(join(out, 'm3', 'BFCL_v3_live_simple_score.json'), 'utf8'));
    expect(simpleScore).toHaveLength(7);
    expect((JSON.parse(simpleScore[1]!) as { error_type: string }).error_type).toBe('simple_function_checker:wrong_count');
    const overall = parseCsv(await readFile(join(out, 'data_overall.csv'), 'utf8'));
    expect(overall.header).toContain('Cost ($ Per 1k Function Calls)');
    expect(parseCsv(await readFile(join(out, 'data_non_live.csv'), 'utf8')).header[2]).toBe('Non_Live Overall Acc');
    // v3 Live Overall counts irrelevance and relevance too: 0 of 6 + 0 of 3, relevance not run (18 entries).
    expect(parseCsv(await readFile(join(out, 'data_live.csv'), 'utf8')).rows[0]![2]).toBe('0.00%');
  });

  it('--names dotted on underscored function-calling results fails the dotted names', async () => {
    if (!HAVE_CONFORMANCE) return;
    const dir = join(CONFORMANCE, 'gpt-oss', '2025-11-12-main', 'result');
    const r = await run(['score', dir, '--data', DATA_V4, '--model', 'openai_gpt-oss-20b', '--names', 'dotted']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/names dotted/);
    const m = /live_simple\s+(\d+)\s+258/.exec(r.stdout);
    expect(Number(m![1])).toBeLessThan(209);
  });

  it('a damaged data line fails its entry with the file and line, and the rest is scored', async () => {
    const root = await temp();
    const data = join(root, 'data');
    await mkdir(join(data, 'possible_answer'), { recursive: true });
    const q = lines(await readFile(join(GARBAGE, 'data', 'BFCL_v4_live_simple.json'), 'utf8'));
    const a = lines(await readFile(join(GARBAGE, 'data', 'possible_answer', 'BFCL_v4_live_simple.json'), 'utf8'));
    q[5] = q[5]!.slice(0, 80); // live_simple_5-5-0: truncated question
    a[0] = a[0]!.replace('"ground_truth"', '"ground_trth"'); // live_simple_0-0-0: no ground truth
    await writeFile(join(data, 'BFCL_v4_live_simple.json'), q.join('\n') + '\n');
    await writeFile(join(data, 'possible_answer', 'BFCL_v4_live_simple.json'), a.join('\n') + '\n');
    const out = join(root, 'score');
    const r = await run(['score', join(GARBAGE, 'result'), '--data', data, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/live_simple_5-5-0: the checker could not judge this entry \(data_file:invalid_line: the dataset entry cannot be read: .*BFCL_v4_live_simple\.json:6: not a JSON line/);
    expect(r.stderr).toMatch(/live_simple_0-0-0: .*possible answer for live_simple_0-0-0 has no "ground_truth"/);
    const score = lines(await readFile(join(out, 'garbage-model/live/BFCL_v4_live_simple_score.json'), 'utf8'));
    expect(score[0]).toBe('{"accuracy": 0.0, "correct_count": 0, "total_count": 6}');
    expect(score).toHaveLength(7);
  });

  it('bad input exits 2 with a clear message', async () => {
    const r = await run(['score', '/nonexistent/results', '--data', join(GARBAGE, 'data')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/result folder \/nonexistent\/results does not exist/);
    const r2 = await run(['score', join(GARBAGE, 'result'), '--data', join(GARBAGE, 'result')]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/nothing could be scored: no data for/);
    const r3 = await run(['score', join(GARBAGE, 'result'), '--names', 'weird']);
    expect(r3.code).toBe(2);
  });
});
