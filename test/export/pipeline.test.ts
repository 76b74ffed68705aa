import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { formatExampleLine, withLabelled } from '../../src/bfcl/example-files.js';
import type { Category } from '../../src/bfcl/records.js';
import { InputError } from '../../src/errors.js';
import type { RenderedRecord } from '../../src/prompts/render.js';
import { exportStep } from '../../src/steps/export.js';
import { renderStep } from '../../src/steps/render.js';
import { jsonl, StepFixture } from './step-fixture.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const shared = process.env.FC_DISTILL_SHARED ?? path.resolve(repo, '../shared');
const v4 = path.join(shared, 'conformance', 'bfcl-data-v4');

/** Data-artifact lines as the load step writes them (original JSON text of question/function). */
function loadLines(category: Category): string[] {
  const answers = new Map<string, string>();
  const answerFile = path.join(v4, 'possible_answer', `BFCL_v4_${category}.json`);
  if (existsSync(answerFile)) {
    for (const line of readFileSync(answerFile, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const id = JSON.parse(line).id as string;
      const start = line.indexOf('"ground_truth": ') + '"ground_truth": '.length;
      answers.set(id, line.slice(start, line.lastIndexOf('}')).trim());
    }
  }
  return readFileSync(path.join(v4, `BFCL_v4_${category}.json`), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((line) => {
      const e = JSON.parse(line) as { id: string; question: unknown; function: unknown };
      return formatExampleLine(e.id, category, JSON.stringify(e.question), JSON.stringify(e.function), answers.get(e.id) ?? null);
    });
}

describe('render step', () => {
  const fixture = new StepFixture();
  afterAll(() => fixture.cleanup());
  const line = (id: string, category: Category, answer: string | null, labelled: boolean) =>
    withLabelled(formatExampleLine(id, category, '[[{"role":"user","content":"q"}]]', '[]', answer), labelled);

  it('renders train (with labels) and eval, and lists mix-in examples that cannot carry a label', async () => {
    const train = fixture.input('mixin', 'mixin', {
      'train.jsonl': [
        line('a', 'live_simple', '[{"f": {"x": [5.0]}}]', true),
        line('b', 'live_relevance', null, true),
        line('c', 'live_irrelevance', null, true),
        line('d', 'live_simple', '[{"f": {"x": [1]}}]', false),
      ].join('\n'),
    });
    const evalInput = fixture.input('split', 'split', { 'eval.jsonl': formatExampleLine('e', 'live_simple', '[[{"role":"user","content":"q"}]]', '[]', null) + '\n' });
    const ctx = fixture.context('render', { template: 'templates/nova-json.hbs', answerFormat: 'json-list', family: 'nova' }, { train, eval: evalInput }, repo);
    const result = await renderStep.run(ctx);
    const records = readFileSync(path.join(ctx.outDir, 'train.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as RenderedRecord);
    expect(records.map((r) => [r.id, r.labelled, r.messages.at(-1)!.content])).toEqual([
      ['a', true, '[{"name": "f", "arguments": {"x": 5.0}}]'],
      ['b', false, 'q'],
      ['c', true, '[]'],
      ['d', false, 'q'],
    ]);
    const evalRecords = readFileSync(path.join(ctx.outDir, 'eval.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as RenderedRecord);
    expect(evalRecords).toHaveLength(1);
    expect(evalRecords[0]!.labelled).toBe(false);
    const info = JSON.parse(readFileSync(path.join(ctx.outDir, 'render.json'), 'utf8'));
    expect(info.train).toMatchObject({ records: 4, labelled: 2, labelRequested: 3, labelSkipped: [{ id: 'b', reason: expect.stringMatching(/no ground truth/) }] });
    expect((result as { display: string[] }).display).toEqual([
      '4 training prompts (2 labelled), 1 eval prompts from templates/nova-json.hbs (json-list)',
      expect.stringMatching(/^warning: 1 of 3 mix-in examples stay unlabelled/),
    ]);
  });

  it('a bad answerFormat or template is an input error', async () => {
    const train = fixture.input('mixin2', 'mixin', { 'train.jsonl': line('a', 'live_simple', null, false) });
    const evalInput = fixture.input('split2', 'split', { 'eval.jsonl': '' });
    const bad = fixture.context('render-bad', { template: 'templates/nova-json.hbs', answerFormat: 'yaml', family: 'nova' }, { train, eval: evalInput }, repo);
    await expect(renderStep.run(bad)).rejects.toThrow(/unknown answerFormat "yaml"/);
    const mismatch = fixture.context('render-mm', { template: 'templates/nova-json.hbs', answerFormat: 'python', family: 'nova' }, { train, eval: evalInput }, repo);
    await expect(renderStep.run(mismatch)).rejects.toThrow(InputError);
  });
});

describe.skipIf(!existsSync(v4))('real data: BFCL v4 live, every training prompt labelled', () => {
  const fixture = new StepFixture();
  afterAll(() => fixture.cleanup());
  const categories: Category[] = ['live_simple', 'live_multiple', 'live_parallel', 'live_parallel_multiple', 'live_irrelevance', 'live_relevance'];
  const lines = categories.flatMap(loadLines);
  const train = fixture.input('mixin', 'mixin', { 'train.jsonl': lines.map((l) => withLabelled(l, true)).join('\n') });
  const evalInput = fixture.input('split', 'split', { 'eval.jsonl': lines.slice(0, 10).join('\n') });

  it.each([
    ['templates/nova-json.hbs', 'json-list', 'amazon.nova-lite-v1:0:300k'],
    ['templates/llama3-json.hbs', 'llama-json', 'meta.llama3-2-3b-instruct-v1:0:128k'],
    ['templates/python-calls.hbs', 'python', 'meta.llama3-2-3b-instruct-v1:0:128k'],
  ])('%s renders and exports all 2,251 (%s, %s)', async (template, answerFormat, student) => {
    const id = path.basename(template, '.hbs');
    const render = fixture.context(`render-${id}`, { template, answerFormat, family: 'x' }, { train, eval: evalInput }, repo);
    await renderStep.run(render);
    const info = JSON.parse(readFileSync(path.join(render.outDir, 'render.json'), 'utf8'));
    expect(info.train.records).toBe(2251);
    // 16 live_relevance (no ground truth) + live_simple_106-63-0 and 112-68-0 (empty acceptable lists)
    expect(info.train.labelSkipped).toHaveLength(18);
    expect(info.train.labelled).toBe(2251 - 18);

    const rendered = fixture.input(`rendered-${id}`, 'render', { 'train.jsonl': readFileSync(path.join(render.outDir, 'train.jsonl'), 'utf8') });
    const exp = fixture.context(`export-${id}`, { student } as never, { rendered });
    // 100 to 15,000 valid records: the file passes.
    await exportStep.run(exp);
    const v = JSON.parse(readFileSync(path.join(exp.outDir, 'validation.json'), 'utf8'));
    if (student.startsWith('amazon.nova')) {
      expect(v.rejected).toEqual([]);
      expect(v.multiTurn).toBe(8);
    } else {
      // the live_irrelevance entries with earlier assistant turns
      expect(v.rejected).toHaveLength(8);
      expect(v.rejected.every((r: { rule: string }) => r.rule === 'single-turn')).toBe(true);
    }
    expect(v.accepted + v.rejected.length).toBe(2251);
  });
});
