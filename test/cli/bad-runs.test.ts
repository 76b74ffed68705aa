import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, runCli, tempProject } from './helpers.js';

/**
 * Bad input met while running (not just while reading the YAML): each case must end with
 * exit code 2, a message naming the file and line, and no partial artifact in the store.
 */

const shared = resolve(process.env.FC_DISTILL_SHARED ?? join(repoRoot, '../shared'));
const v4 = join(shared, 'conformance/bfcl-data-v4');

/** A local BFCL v4 folder holding the first `n` entries of the given categories, with an optional edit. */
function localData(project: string, categories: string[], n: number, edit?: (file: string, lines: string[]) => string[]): string {
  const dir = join(project, 'data');
  mkdirSync(join(dir, 'possible_answer'), { recursive: true });
  for (const category of categories) {
    for (const sub of ['', 'possible_answer']) {
      const source = join(v4, sub, `BFCL_v4_${category}.json`);
      if (!existsSync(source)) continue;
      const name = join(sub, `BFCL_v4_${category}.json`);
      let lines = readFileSync(source, 'utf8').split('\n').filter(Boolean).slice(0, n);
      if (edit) lines = edit(name, lines);
      writeFileSync(join(dir, name), lines.join('\n') + '\n');
    }
  }
  return 'data';
}

function experiment(project: string, body: string): string {
  const file = join(project, 'experiments/bad.yaml');
  writeFileSync(
    file,
    `name: bad\n${body}\nsplit: { train: 0.5, seed: 42 }\nmixin: { fraction: 0.1, seed: 7 }\nstudent: { provider: bedrock, base: amazon.nova-lite-v1:0:300k }\n`,
  );
  return 'experiments/bad.yaml';
}

interface Case {
  name: string;
  setup(project: string): string;
  /** What the message must say, besides a file:line. */
  says: RegExp;
  /** file:line the message must point at. */
  at: RegExp;
}

const localDataset = (path: string, categories = '[live_simple, live_multiple]') => `dataset: { source: local, version: v4, path: ${path}, categories: ${categories} }`;
const template = (project: string, text: string) => {
  writeFileSync(join(project, 'templates/bad.hbs'), text);
  return 'prompt: { template: templates/bad.hbs }';
};

const cases: Case[] = [
  {
    name: 'malformed question line',
    setup: (p) => experiment(p, localDataset(localData(p, ['live_simple', 'live_multiple'], 150, (f, l) => (f === 'BFCL_v4_live_simple.json' ? [...l.slice(0, 6), l[6]!.slice(0, 40), ...l.slice(7)] : l)))),
    says: /JSON|malformed|parse/i,
    at: /data\/BFCL_v4_live_simple\.json:7\b/,
  },
  {
    name: 'malformed possible-answer line',
    setup: (p) => experiment(p, localDataset(localData(p, ['live_simple', 'live_multiple'], 150, (f, l) => (f.startsWith('possible_answer') && f.includes('multiple') ? [...l.slice(0, 2), '{"id": "x", ', ...l.slice(3)] : l)))),
    says: /JSON|malformed|parse/i,
    at: /possible_answer\/BFCL_v4_live_multiple\.json:3\b/,
  },
  {
    name: 'question without a possible answer',
    setup: (p) => experiment(p, localDataset(localData(p, ['live_simple', 'live_multiple'], 150, (f, l) => (f.startsWith('possible_answer') && f.includes('simple') ? l.slice(0, 149) : l)))),
    says: /answer/i,
    at: /BFCL_v4_live_simple\.json:\d+/,
  },
  {
    name: 'template syntax error',
    setup: (p) => experiment(p, `dataset: { version: v3, categories: [live_simple] }\n${template(p, 'You are a helpful assistant.\n\n{{#each functions}}\n{{name}}\n{{/if}}\n')}`),
    says: /template|parse/i,
    at: /templates\/bad\.hbs:\d+/,
  },
  {
    name: 'template calls an unknown helper',
    setup: (p) => experiment(p, `dataset: { version: v3, categories: [live_simple] }\n${template(p, 'Tools:\n{{shout functionsJson}}\n')}`),
    says: /shout|helper/i,
    at: /templates\/bad\.hbs:\d+/,
  },
  {
    name: 'expected counts differ',
    setup: (p) => experiment(p, 'dataset: { version: v3, categories: [live_simple], expectedCounts: { live_simple: 257 } }'),
    says: /257/,
    at: /experiments\/bad\.yaml:\d+/,
  },
  {
    name: 'filter keeps nothing',
    setup: (p) => experiment(p, "dataset: { version: v3, categories: [live_simple] }\nfilter: { match: { pattern: 'zzzqqq-nothing-matches' } }"),
    says: /0 examples|no example|nothing/i,
    at: /experiments\/bad\.yaml:\d+/,
  },
  {
    name: 'too few records for Bedrock',
    setup: (p) => experiment(p, 'dataset: { version: v3, categories: [live_parallel, live_parallel_multiple] }'),
    says: /100/,
    at: /experiments\/bad\.yaml:\d+/,
  },
  {
    name: 'local dataset folder lacks a category file',
    setup: (p) => experiment(p, localDataset(localData(p, ['live_simple'], 150), '[live_simple, live_parallel]')),
    says: /BFCL_v4_live_parallel\.json/,
    at: /experiments\/bad\.yaml:\d+/,
  },
];

describe('bad input while running', () => {
  it.each(cases)('$name: exit 2, file:line, nothing partial', async (c) => {
    const project = tempProject();
    cpSync(join(repoRoot, 'templates'), join(project, 'templates'), { recursive: true });
    const file = c.setup(project);
    const result = await runCli(['run', file], { cwd: project });
    expect(result.stderr).toMatch(c.says);
    expect(result.stderr).toMatch(c.at);
    expect(result.code).toBe(2);
    const store = join(project, '.fc-distill');
    // Nothing half-written: tmp/ holds no leftovers, and every published artifact has its manifest.
    if (existsSync(join(store, 'tmp'))) expect(readdirSync(join(store, 'tmp'))).toEqual([]);
    if (existsSync(join(store, 'steps'))) {
      for (const key of readdirSync(join(store, 'steps'))) expect(existsSync(join(store, 'steps', key, 'manifest.json'))).toBe(true);
    }
  });

  it('a corpus of bad experiment files all end with exit 2 and a position', { timeout: 240_000 }, async () => {
    const dir = join(repoRoot, 'test/fixtures/bad-configs');
    const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
    expect(files.length + cases.length).toBeGreaterThanOrEqual(25);
    const project = tempProject();
    cpSync(dir, join(project, 'bad-configs'), { recursive: true });
    // Four at a time: each case is a separate CLI process.
    const queue = [...files];
    const runOne = async (f: string) => {
      // A fixture may declare the environment it is read in: `# env: NAME=value`.
      const env = Object.fromEntries(
        [...readFileSync(join(dir, f), 'utf8').matchAll(/^# env: (\w+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!]),
      );
      const result = await runCli(['run', `bad-configs/${f}`], { cwd: project, env });
      return { f, code: result.code, position: /\.ya?ml:\d+(:\d+)?: /.test(result.stderr) };
    };
    const outcomes: { f: string; code: number; position: boolean }[] = [];
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let f = queue.shift(); f !== undefined; f = queue.shift()) outcomes.push(await runOne(f));
      }),
    );
    expect(outcomes.filter((o) => o.code !== 2 || !o.position)).toEqual([]);
    expect(outcomes).toHaveLength(files.length);
    expect(existsSync(join(project, '.fc-distill/steps'))).toBe(false);
  });
});
