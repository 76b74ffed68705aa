import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readFileSync as read } from 'node:fs';
import { generateSummaryTypes, summaryTypesPath } from '../../scripts/gen-types.mjs';
import { diffResults, loadResultSource, regressions, renderDiffMarkdown } from '../../src/results/diff.js';
import { summaryProblems } from '../../src/results/summary.js';
import { runCli } from '../cli/helpers.js';
import { CONFIG, degrade, outcomes, writeResults } from './helpers.js';

const CATS = { live_simple: 120, live_multiple: 200 };
const run = () => [...outcomes('teacher', 'prompt', CATS), ...outcomes('student-base', 'prompt', CATS)];
const project = () => mkdtempSync(join(tmpdir(), 'fc-diff-'));

describe('results summary', () => {
  it('is written in the schema, sorted, with Wilson intervals and the step keys', async () => {
    const dir = project();
    const folder = await writeResults(dir, 'exp', run());
    const summary = JSON.parse(readFileSync(join(folder, 'summary.json'), 'utf8'));
    expect(summaryProblems(summary)).toEqual([]);
    expect(summary.models.map((m: { model: string }) => m.model)).toEqual(['student-base', 'teacher']);
    expect(Object.keys(summary.models[0].perCategory)).toEqual(['live_multiple', 'live_simple']);
    const simple = summary.models[0].perCategory.live_simple;
    expect(simple).toMatchObject({ n: 120, correct: 84, accuracy: 0.7 });
    expect(simple.ci95.low).toBeLessThan(0.7);
    expect(simple.ci95.high).toBeGreaterThan(0.7);
    expect(Object.keys(summary.steps)).toEqual(['dataset', 'infer.student-base.prompt', 'infer.teacher.prompt', 'results', 'score.student-base.prompt', 'score.teacher.prompt', 'split']);
    expect(summary.dataset).toMatchObject({ source: 'local', version: 'v4', categories: ['live_multiple', 'live_simple'] });
    expect(summary.gitCommit).toBeNull();
    const lines = readFileSync(join(folder, 'outcomes.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(640);
    expect(lines[0]).toEqual({ id: 'live_multiple_0-0-0', category: 'live_multiple', model: 'student-base', approach: 'prompt', valid: true, errorType: null });
    // An invalid summary is caught.
    expect(summaryProblems({ ...summary, extra: 1 })).not.toEqual([]);
  });

  it('src/results/summary.types.ts is what scripts/gen-types.mjs generates (run npm run gen:types)', async () => {
    expect(read(summaryTypesPath, 'utf8')).toBe(await generateSummaryTypes());
  });
});

describe('diff', () => {
  it('two runs of the same experiment: no significant change, nothing flips', async () => {
    const dir = project();
    const a = await writeResults(dir, 'a', run());
    const b = await writeResults(dir, 'b', run());
    const diff = diffResults(await loadResultSource(a, dir), await loadResultSource(b, dir));
    expect(diff.configChanges).toEqual([]);
    expect(diff.stepChanges).toEqual([]);
    expect(diff.rows.every((r) => !r.significant && r.p === 1 && r.deltaPp === 0)).toBe(true);
    expect(regressions(diff, 0)).toEqual([]);
    expect(renderDiffMarkdown(diff)).toContain('No significant change');
  });

  it('a planted degradation of one category is found (p < 0.05), only there', async () => {
    const dir = project();
    const a = await writeResults(dir, 'a', run());
    const planted = degrade(run(), 'live_multiple', 30, 'student-base');
    const b = await writeResults(dir, 'b', planted, { ...CONFIG, split: { ...CONFIG.split, seed: 43 } }, 'b');
    const diff = diffResults(await loadResultSource(a, dir), await loadResultSource(b, dir));
    const row = diff.rows.find((r) => r.model === 'student-base' && r.category === 'live_multiple')!;
    expect(row).toMatchObject({ shared: 200, worse: 30, better: 0, significant: true });
    expect(row.deltaPp).toBeCloseTo(-15, 10);
    expect(row.p).toBeLessThan(0.05);
    expect(diff.rows.filter((r) => r.significant).map((r) => `${r.model} ${r.category}`).sort()).toEqual(['student-base live_multiple', 'student-base overall']);
    expect(diff.configChanges).toEqual([{ path: 'split.seed', a: 42, b: 43 }]);
    expect(diff.stepChanges.map((s) => s.id)).toContain('infer.student-base.prompt');
    // overall: -30 of 320 = -9.4 points; live_multiple: -15.
    expect(regressions(diff, 10, ['student-base']).map((r) => r.category)).toEqual(['live_multiple']);
    expect(regressions(diff, 5, ['student-base.prompt']).map((r) => r.category)).toEqual(['overall', 'live_multiple']);
    expect(regressions(diff, 10, ['teacher'])).toEqual([]);
    expect(regressions(diff, 20)).toEqual([]);
    const md = renderDiffMarkdown(diff, { flips: true });
    expect(md).toMatch(/\| student-base \| prompt \| live_multiple \|.*\*\*-15\.0\*\*.*▼/);
    expect(md).toContain('`split.seed` | `42` | `43`');
    expect(md).toContain('live_multiple_0-0-0');
  });

  it('reads results at git revisions', async () => {
    const dir = project();
    const g = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: dir, encoding: 'utf8' });
    g('init', '-q');
    await writeResults(dir, 'exp', run());
    g('add', '-A');
    g('commit', '-qm', 'first');
    await writeResults(dir, 'exp', degrade(run(), 'live_simple', 30));
    const summary = JSON.parse(readFileSync(join(dir, 'results/exp/summary.json'), 'utf8'));
    expect(summary.gitCommit).toMatch(/^[0-9a-f]{40}$/);
    g('commit', '-qam', 'second');
    const diff = diffResults(await loadResultSource('HEAD~1:results/exp', dir), await loadResultSource('HEAD:results/exp', dir));
    expect(diff.rows.filter((r) => r.significant).map((r) => `${r.model} ${r.category}`)).toEqual(['teacher overall', 'teacher live_simple']);
    // An experiment file at a revision names its results folder.
    writeFileSync(join(dir, 'exp.yaml'), 'name: exp\n');
    g('add', 'exp.yaml');
    g('commit', '-qm', 'third');
    const viaYaml = await loadResultSource('HEAD~1:exp.yaml', dir).catch((e: Error) => e);
    expect(viaYaml).toBeInstanceOf(Error); // exp.yaml did not exist at HEAD~1
    const now = await loadResultSource('HEAD:exp.yaml', dir);
    expect(now.summary.experiment.variant).toBe('exp');
    await expect(loadResultSource('nosuchrev:results/exp', dir)).rejects.toThrow(/not a git revision/);
  });

  it('CLI: markdown, --json, and --fail-if-worse exits 1 on the planted degradation', async () => {
    const dir = project();
    await writeResults(dir, 'a', run());
    await writeResults(dir, 'b', degrade(run(), 'live_multiple', 30), CONFIG, 'b');
    const same = await runCli(['diff', 'results/a', 'results/a', '--fail-if-worse', '1'], { cwd: dir });
    expect(same.stderr).toBe('');
    expect(same.code).toBe(0);
    expect(same.stdout).toContain('No significant change');
    const worse = await runCli(['diff', 'a', 'b', '--fail-if-worse', '5', '--model', 'teacher'], { cwd: dir });
    expect(worse.code).toBe(1);
    expect(worse.stderr).toMatch(/worse: teacher prompt live_multiple: -15\.0 points/);
    const json = await runCli(['diff', 'results/a', 'results/b', '--json', '--flips'], { cwd: dir });
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout);
    const row = parsed.rows.find((r: { model: string; category: string }) => r.model === 'teacher' && r.category === 'live_multiple');
    expect(row.flips.worse).toHaveLength(30);
    const lenient = await runCli(['diff', 'a', 'b', '--fail-if-worse', '20'], { cwd: dir });
    expect(lenient.code).toBe(0);
    const bad = await runCli(['diff', 'a', 'nope'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/nope/);
    cpSync(join(dir, 'results/a'), join(dir, 'copy'), { recursive: true });
    expect((await runCli(['diff', 'copy', 'a', '--fail-if-worse', '0'], { cwd: dir })).code).toBe(0);
  });
});
