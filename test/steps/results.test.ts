import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bfclFileCategory, type Category } from '../../src/bfcl/records.js';
import { parseCsv } from '../../src/bfcl/scoring/csv.js';
import { readDataDir } from '../../src/bfcl/scoring/data-files.js';
import { readScoreHeaders, writeScoreFiles } from '../../src/bfcl/scoring/score-files.js';
import { scoreResultDir } from '../../src/bfcl/scoring/score-run.js';
import { mkdir } from 'node:fs/promises';
import { EXAMPLES } from '../models/fixtures.js';
import { resultsStep } from '../../src/steps/results.js';
import { scoreStep } from '../../src/steps/score.js';
import { runStep } from '../data/helpers.js';
import { artifacts, runKind } from './helpers.js';

const line = (id: string, category: string, text: string, toolCalls: { name: string; argumentsJson: string }[] = []) =>
  JSON.stringify({ id, category, text, toolCalls, stopReason: 'end_turn', usage: { inputTokens: 10, outputTokens: 5 }, latencyMs: 100, costUsd: 0.001 });

async function files(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      if (e.isDirectory()) await walk(join(d, e.name));
      else out.push(relative(dir, join(d, e.name)));
    }
  };
  await walk(dir);
  return out.sort();
}

async function scored(version: 'v3' | 'v4') {
  const toolConfig = await artifacts(
    [
      line('simple_0', 'simple', '', [{ name: 'geometry.triangle_area', argumentsJson: '{"base": 10, "height": 5.0}' }]),
      line('simple_1', 'simple', '', [{ name: 'finance.interest', argumentsJson: '{"principal": 1000.0, "annual_rate": 5, "rates": [1.0, 2.5]}' }]),
      line('parallel_0', 'parallel', '', [{ name: 'get_weather', argumentsJson: '{"city": "Paris", "unit": "celsius"}' }]),
      line('irrelevance_0', 'irrelevance', 'No tool fits.'),
    ],
    version,
  );
  const prompt = await artifacts(
    [
      line('simple_0', 'simple', '[{"name": "geometry.triangle_area", "arguments": {"base": 10, "height": 5.0}}]'),
      line('simple_1', 'simple', 'I cannot tell'),
      line('parallel_0', 'parallel', '[{"name": "get_weather", "arguments": {"city": "Paris", "unit": "celsius"}}, {"name": "get_weather", "arguments": {"city": "Rome", "unit": "celsius"}}]'),
      line('irrelevance_0', 'irrelevance', '[{"name": "get_weather", "arguments": {"city": "Paris"}}]'),
    ],
    version,
  );
  const teacher = await runStep(scoreStep, { model: 'teacher', approach: 'tool-config', answerFormat: 'native' }, toolConfig);
  const student = await runStep(scoreStep, { model: 'student', approach: 'prompt', answerFormat: 'json-list' }, prompt);
  const dataset = await mkdtemp(join(tmpdir(), 'fc-dataset-'));
  await writeFile(join(dataset, 'dataset.json'), JSON.stringify({ source: 'local', version, categories: ['irrelevance', 'parallel', 'simple'], contentHash: 'c'.repeat(64) }));
  return { teacher: teacher.outDir, student: student.outDir, dataset };
}

describe('BFCL score files: score step -> results/<experiment>/bfcl/', () => {
  it('v4: the score step writes BFCL score files with the full failure records (raw result, decoded, prompt, possible answer as written)', async () => {
    const { teacher } = await scored('v4');
    expect(await files(join(teacher, 'bfcl'))).toEqual([
      'teacher.tool-config/non_live/BFCL_v4_irrelevance_score.json',
      'teacher.tool-config/non_live/BFCL_v4_parallel_score.json',
      'teacher.tool-config/non_live/BFCL_v4_simple_python_score.json',
    ]);
    const lines = (await readFile(join(teacher, 'bfcl/teacher.tool-config/non_live/BFCL_v4_simple_python_score.json'), 'utf8')).split('\n');
    expect(lines[0]).toBe('{"accuracy": 0.5, "correct_count": 1, "total_count": 2}');
    expect(lines).toHaveLength(3); // one failure, then the final newline
    const failure = JSON.parse(lines[1]!) as Record<string, unknown>;
    expect(Object.keys(failure)).toEqual(['id', 'model_name', 'test_category', 'valid', 'error', 'error_type', 'prompt', 'model_result_raw', 'model_result_decoded', 'possible_answer']);
    expect(failure).toMatchObject({ id: 'simple_1', model_name: 'teacher.tool-config', test_category: 'simple_python', valid: false, error_type: 'type_error:simple' });
    // The raw arguments and the ground truth keep their numbers as written (1000.0, 5.0).
    expect(lines[1]).toContain('"model_result_raw": [{"finance.interest": "{\\"principal\\": 1000.0, \\"annual_rate\\": 5, \\"rates\\": [1.0, 2.5]}"}]');
    expect(lines[1]).toContain('"annual_rate": [5.0]');
    expect((failure.prompt as { id: string; function: { name: string }[] }).function[0]!.name).toBe('finance.interest');
    const score = JSON.parse(await readFile(join(teacher, 'score.json'), 'utf8')) as { bfclVersion: string };
    expect(score.bfclVersion).toBe('v4');
  });

  it('v4: the files are those `fc-distill score` writes for the same answers as BFCL result files', async () => {
    const { teacher } = await scored('v4');
    // The same examples as BFCL data files, and the teacher's tool calls as a BFCL result file.
    const data = await mkdtemp(join(tmpdir(), 'fc-bfcl-data-'));
    await mkdir(join(data, 'possible_answer'));
    const results = await mkdtemp(join(tmpdir(), 'fc-bfcl-result-'));
    const calls: Record<string, string> = {
      simple_0: '[{"geometry.triangle_area": "{\\"base\\": 10, \\"height\\": 5.0}"}]',
      simple_1: '[{"finance.interest": "{\\"principal\\": 1000.0, \\"annual_rate\\": 5, \\"rates\\": [1.0, 2.5]}"}]',
      parallel_0: '[{"get_weather": "{\\"city\\": \\"Paris\\", \\"unit\\": \\"celsius\\"}"}]',
      irrelevance_0: '"No tool fits."',
    };
    const folder = join(results, 'teacher.tool-config/non_live');
    await mkdir(folder, { recursive: true });
    for (const category of ['simple', 'parallel', 'irrelevance'] as const) {
      const file = `BFCL_v4_${bfclFileCategory(category, 'v4')}`;
      const mine = EXAMPLES.filter((e) => e.category === category);
      await writeFile(join(data, `${file}.json`), mine.map((e) => `${JSON.stringify({ id: e.id, question: e.question, function: e.functions })}\n`).join(''));
      if (category !== 'irrelevance') {
        await writeFile(join(data, 'possible_answer', `${file}.json`), mine.map((e) => `{"id": ${JSON.stringify(e.id)}, "ground_truth": ${e.answerJson}}\n`).join(''));
      }
      await writeFile(join(folder, `${file}_result.json`), mine.map((e) => `{"id": ${JSON.stringify(e.id)}, "result": ${calls[e.id]}}\n`).join(''));
    }
    const run = await scoreResultDir({ resultDir: results, loadData: (v, c) => readDataDir(data, v, c), names: 'dotted', decoder: 'fc' });
    const out = await mkdtemp(join(tmpdir(), 'fc-bfcl-score-'));
    await writeScoreFiles(run, out);
    const ours = await files(join(teacher, 'bfcl'));
    expect(ours).toHaveLength(3);
    for (const f of ours) expect(await readFile(join(teacher, 'bfcl', f), 'utf8'), f).toBe(await readFile(join(out, f), 'utf8'));
  });

  for (const version of ['v3', 'v4'] as const) {
    it(`${version}: the results step copies every model x approach's score files and BFCL's tables into results/<experiment>/bfcl/, agreeing with summary.json`, async () => {
      const { teacher, student, dataset } = await scored(version);
      const project = await mkdtemp(join(tmpdir(), 'fc-project-'));
      const inputs = { 'score.student.prompt': student, 'score.teacher.tool-config': teacher, dataset };
      const { outDir } = await runKind(resultsStep, { experiment: 'exp', name: 'exp' }, inputs, project);
      const target = join(project, 'results/exp');
      const layout = (folder: string, category: string) => (version === 'v3' ? `${folder}/BFCL_v3_${category}_score.json` : `${folder}/non_live/BFCL_v4_${category}_score.json`);
      const expected = ['student.prompt', 'teacher.tool-config'].flatMap((f) => ['irrelevance', 'parallel', version === 'v3' ? 'simple' : 'simple_python'].map((c) => layout(f, c)));
      expect(await files(join(target, 'bfcl'))).toEqual(['data_live.csv', 'data_non_live.csv', ...expected].sort());
      // The committed folder is the artifact.
      for (const f of await files(join(outDir, 'bfcl'))) expect(await readFile(join(target, 'bfcl', f), 'utf8')).toBe(await readFile(join(outDir, 'bfcl', f), 'utf8'));

      // BFCL's reader (ours) reads every header back, and they agree with summary.json.
      const summary = JSON.parse(await readFile(join(target, 'summary.json'), 'utf8')) as {
        models: { model: string; approach: string; perCategory: Record<string, { n: number; correct: number; accuracy: number }> }[];
      };
      const { headers, unreadable } = await readScoreHeaders(join(target, 'bfcl'), version);
      expect(unreadable).toEqual([]);
      expect(headers).toHaveLength(6);
      for (const m of summary.models) {
        for (const [category, c] of Object.entries(m.perCategory)) {
          const h = headers.find((x) => x.model === `${m.model}.${m.approach}` && x.category === bfclFileCategory(category as Category, version));
          expect(h?.score, `${m.model}.${m.approach} ${category}`).toEqual({ accuracy: c.accuracy, totalCount: c.n, correctCount: c.correct });
        }
      }
      expect(summary.models.find((m) => m.model === 'student')!.perCategory).toMatchObject({ simple: { n: 2, correct: 1 }, parallel: { n: 1, correct: 1 }, irrelevance: { n: 1, correct: 0 } });

      // The failures listed are exactly the invalid outcomes.
      const outcomes = (await readFile(join(target, 'outcomes.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { id: string; model: string; approach: string; valid: boolean });
      const listed: string[] = [];
      for (const h of headers) listed.push(...(await readFile(h.path, 'utf8')).trim().split('\n').slice(1).map((l) => `${h.model} ${(JSON.parse(l) as { id: string }).id}`));
      expect(listed.sort()).toEqual(outcomes.filter((o) => !o.valid).map((o) => `${o.model}.${o.approach} ${o.id}`).sort());

      const nonLive = parseCsv(await readFile(join(target, 'bfcl/data_non_live.csv'), 'utf8'));
      expect(nonLive.header.slice(0, 3)).toEqual(['Rank', 'Model', version === 'v3' ? 'Non_Live Overall Acc' : 'Non-Live Overall Acc']);
      expect(nonLive.rows.map((r) => r[1]).sort()).toEqual(['student.prompt', 'teacher.tool-config']);
      // Student: simple 50% (1 of 2), parallel 100%, irrelevance 0%.
      const row = nonLive.rows.find((r) => r[1] === 'student.prompt')!;
      expect(row[nonLive.header.indexOf('Python Simple AST')]).toBe('50.00%');
      expect(row[nonLive.header.indexOf('Irrelevance Detection')]).toBe('0.00%');

      // A rerun without a model leaves none of its files behind.
      await runKind(resultsStep, { experiment: 'exp', name: 'exp' }, { 'score.teacher.tool-config': teacher, dataset }, project);
      expect(existsSync(join(target, 'bfcl/student.prompt'))).toBe(false);
      expect((await files(join(target, 'bfcl'))).filter((f) => f.endsWith('_score.json'))).toHaveLength(3);
      expect((await readdir(target)).filter((f) => f.startsWith('.'))).toEqual([]);
    });
  }
});
