import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { datasetPlanInfo, loadBfclDataset } from '../../src/bfcl/datasets.js';
import { PINNED_BFCL_DATA } from '../../src/bfcl/data-sums.js';
import { InputError } from '../../src/errors.js';
import { ensureRequirements } from '../../src/python/venv.js';
import { LIVE, repoDir, sharedDir, tempDir } from './helpers.js';

const localV4 = join(sharedDir, 'conformance', 'bfcl-data-v4');

async function inputError(promise: Promise<unknown>): Promise<InputError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InputError);
  return error as InputError;
}

describe('loadBfclDataset', () => {
  it('loads v3 live from bfcl-eval with exactly 258/1053/16/24/882/18 entries, fast', async () => {
    const cacheDir = await tempDir();
    await ensureRequirements('bfcl-eval-v3');
    const started = performance.now();
    const data = await loadBfclDataset({ source: 'bfcl-eval', version: 'v3', categories: LIVE }, { cacheDir });
    const ms = performance.now() - started;
    console.log(`v3 live load: ${ms.toFixed(0)} ms`);
    expect(data.counts).toEqual({
      live_simple: 258,
      live_multiple: 1053,
      live_parallel: 16,
      live_parallel_multiple: 24,
      live_irrelevance: 882,
      live_relevance: 18,
    });
    expect(data.examples).toHaveLength(2251);
    expect(data.jsonl).toHaveLength(2251);
    expect(data.pinned?.commit).toBe(PINNED_BFCL_DATA.v3.commit);
    expect(data.files.map((f) => f.name)).toEqual([...data.files.map((f) => f.name)].sort());
    // file order, categories in the requested order
    expect(data.examples[0]?.id).toBe('live_simple_0-0-0');
    expect(data.examples[258]?.id).toBe('live_multiple_0-0-0');
    expect(data.examples.at(-1)?.category).toBe('live_relevance');
    // the duplicate id is kept on both lines and made unique
    expect(data.renamedIds).toEqual([
      { id: 'live_relevance_3-3-0#2', originalId: 'live_relevance_3-3-0', file: 'BFCL_v3_live_relevance.json', line: 5 },
    ]);
    const ids = data.examples.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toContain('live_relevance_3-3-0');
    // ground truth: original text, joined by id; none for relevance and irrelevance
    expect(data.examples[0]?.answerJson).toBe('[{"get_user_info": {"user_id": [7890], "special": ["black"]}}]');
    expect(data.examples.filter((e) => e.answerJson === null)).toHaveLength(900);
    // function docs keep their number text too (JSON.parse would turn 10.0 into 10)
    expect(data.jsonl.filter((l) => /"default": \d+\.0\}/.test(l)).length).toBeGreaterThan(50);
    // every JSONL line parses to the example
    expect(JSON.parse(data.jsonl[5] as string)).toEqual(data.examples[5]);
  });

  it('keeps ground truth as its original text (5.0 stays 5.0)', async () => {
    const data = await loadBfclDataset({ version: 'v3', categories: ['simple', 'multiple'] }, { cacheDir: await tempDir() });
    expect(data.counts).toEqual({ simple: 400, multiple: 200 });
    const folder = await ensureRequirements('bfcl-eval-v3');
    const raw = (await readFile(join(folder, 'bfcl_eval/data/possible_answer/BFCL_v3_simple.json'), 'utf8')).split('\n');
    data.examples.slice(0, 400).forEach((e, i) => {
      const line = raw[i] as string;
      expect(line.slice(line.indexOf('"ground_truth": ') + '"ground_truth": '.length, -1)).toBe(e.answerJson);
    });
    const withFloat = data.examples.filter((e) => /\d\.0\b/.test(e.answerJson ?? ''));
    expect(withFloat.length).toBeGreaterThan(10);
  });

  it('loads v4 from bfcl-eval and from a local folder with the same content hash', async () => {
    const categories = [...LIVE, 'simple_python', 'multiple', 'parallel', 'parallel_multiple', 'irrelevance'];
    const fromPackage = await loadBfclDataset({ source: 'bfcl-eval', version: 'v4', categories }, { cacheDir: await tempDir() });
    const fromLocal = await loadBfclDataset({ source: 'local', version: 'v4', categories, path: localV4 }, { cacheDir: await tempDir() });
    const expected = {
      live_simple: 258,
      live_multiple: 1053,
      live_parallel: 16,
      live_parallel_multiple: 24,
      live_irrelevance: 884,
      live_relevance: 16,
      simple: 400,
      multiple: 200,
      parallel: 200,
      parallel_multiple: 200,
      irrelevance: 240,
    };
    expect(fromPackage.counts).toEqual(expected);
    expect(fromLocal.counts).toEqual(expected);
    expect(fromLocal.contentHash).toBe(fromPackage.contentHash);
    expect(fromLocal.files).toEqual(fromPackage.files);
    expect(fromLocal.pinned?.commit).toBe(PINNED_BFCL_DATA.v4.commit);
    expect(fromLocal.renamedIds).toEqual([]);
    expect(fromLocal.examples.find((e) => e.category === 'simple')?.id).toBe('simple_python_0');
  });

  it('fails clearly when expected counts differ', async () => {
    const error = await inputError(
      loadBfclDataset(
        { source: 'local', version: 'v4', categories: ['live_irrelevance', 'live_relevance'], path: localV4, expectedCounts: { live_irrelevance: 882, live_relevance: 16 } },
        { cacheDir: await tempDir() },
      ),
    );
    expect(error.message).toContain('live_irrelevance has 884 examples, expected 882');
    expect(error.message).not.toContain('live_relevance has');
    await expect(
      loadBfclDataset({ source: 'local', version: 'v4', categories: ['live_simple'], path: localV4, expectedCounts: { live_simple: 258 } }, { cacheDir: await tempDir() }),
    ).resolves.toMatchObject({ total: 258 });
    const notListed = await inputError(
      loadBfclDataset({ source: 'local', version: 'v4', categories: ['live_simple'], path: localV4, expectedCounts: { live_multiple: 1053 } }, { cacheDir: await tempDir() }),
    );
    expect(notListed.message).toContain("names 'live_multiple', which is not in dataset.categories");
  });

  it('names the file and line of a malformed line, and every further problem', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'possible_answer'));
    await cp(join(localV4, 'possible_answer/BFCL_v4_live_simple.json'), join(dir, 'possible_answer/BFCL_v4_live_simple.json'));
    const lines = (await readFile(join(localV4, 'BFCL_v4_live_simple.json'), 'utf8')).split('\n');
    lines[2] = (lines[2] as string).slice(0, 50); // truncated JSON on line 3
    lines[9] = '{"id": "live_simple_9-3-5", "question": "not a list", "function": []}';
    await writeFile(join(dir, 'BFCL_v4_live_simple.json'), lines.join('\n'));
    const error = await inputError(loadBfclDataset({ source: 'local', version: 'v4', categories: ['live_simple'], path: dir }, { cacheDir: dir }));
    const text = error.describe();
    const file = join(dir, 'BFCL_v4_live_simple.json');
    expect(text).toMatch(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3(:\\d+)?: not valid JSON`));
    expect(text).toContain(`${file}:10: "question" of 'live_simple_9-3-5' is not a non-empty list of turns`);
    // the answers of the two broken questions no longer have a question
    expect(text).toMatch(/possible_answer\/BFCL_v4_live_simple\.json:3: possible answer for id 'live_simple_2-2-0' has no question/);
  });

  it('refuses unknown categories with a suggestion, and a missing local file by name', async () => {
    const unknown = await inputError(loadBfclDataset({ categories: ['live_simpel'] }, { cacheDir: await tempDir() }));
    expect(unknown.message).toContain("unknown category 'live_simpel' in dataset.categories (did you mean 'live_simple'?)");
    const dir = await tempDir();
    const missing = await inputError(loadBfclDataset({ source: 'local', version: 'v4', categories: ['live_simple'], path: dir }, { cacheDir: dir }));
    expect(missing.message).toContain('the local dataset has no BFCL_v4_live_simple.json');
  });

  it('joins answers by id and reports an answer without a question', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'possible_answer'));
    const questions = (await readFile(join(localV4, 'BFCL_v4_live_parallel.json'), 'utf8')).split('\n');
    const answers = (await readFile(join(localV4, 'possible_answer/BFCL_v4_live_parallel.json'), 'utf8')).split('\n');
    await writeFile(join(dir, 'BFCL_v4_live_parallel.json'), [...questions].reverse().join('\n') + '\n');
    await writeFile(join(dir, 'possible_answer/BFCL_v4_live_parallel.json'), answers.join('\n'));
    const data = await loadBfclDataset({ source: 'local', version: 'v4', categories: ['live_parallel'], path: dir }, { cacheDir: dir });
    expect(data.examples[0]?.id).toBe(JSON.parse(questions.at(-1) as string).id);
    const last = JSON.parse(answers.at(-1) as string) as { ground_truth: unknown };
    expect(JSON.parse(data.examples[0]?.answerJson as string)).toEqual(last.ground_truth);
    await writeFile(join(dir, 'BFCL_v4_live_parallel.json'), questions.slice(1).join('\n'));
    const error = await inputError(loadBfclDataset({ source: 'local', version: 'v4', categories: ['live_parallel'], path: dir }, { cacheDir: dir }));
    expect(error.describe()).toContain(`possible_answer/BFCL_v4_live_parallel.json:1: possible answer for id '${JSON.parse(questions[0] as string).id}' has no question`);
  });
});

describe('datasetPlanInfo', () => {
  it('gives the pinned sums for bfcl-eval and gorilla, and the data files for local', () => {
    const pinned = datasetPlanInfo({ categories: ['live_simple', 'live_relevance'] }, repoDir);
    expect(pinned.files).toEqual([]);
    expect(pinned.params).toEqual({
      source: 'bfcl-eval',
      version: 'v3',
      categories: ['live_simple', 'live_relevance'],
      sums: {
        'BFCL_v3_live_relevance.json': PINNED_BFCL_DATA.v3.files['BFCL_v3_live_relevance.json'],
        'BFCL_v3_live_simple.json': PINNED_BFCL_DATA.v3.files['BFCL_v3_live_simple.json'],
        'possible_answer/BFCL_v3_live_simple.json': PINNED_BFCL_DATA.v3.files['possible_answer/BFCL_v3_live_simple.json'],
      },
    });
    const local = datasetPlanInfo({ source: 'local', version: 'v4', categories: ['simple_python'], path: localV4, expectedCounts: { simple: 400 } }, repoDir);
    const rel = relative(repoDir, localV4);
    expect(local.params).toEqual({ source: 'local', version: 'v4', categories: ['simple'], path: rel, expectedCounts: { simple: 400 } });
    expect(local.files).toEqual([`${rel}/BFCL_v4_simple_python.json`, `${rel}/possible_answer/BFCL_v4_simple_python.json`]);
    expect(() => datasetPlanInfo({ source: 'local', version: 'v3', categories: ['live_simple'], path: localV4 }, repoDir)).toThrow(InputError);
  });
});
