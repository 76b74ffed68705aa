import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadExperiment } from '../../src/config/load.js';
import { InputError } from '../../src/errors.js';

/**
 * The corpus of bad experiment files. Each file says what it expects in comments:
 *   # expect: [file relative to this directory:]LINE:COL message text
 *   # env: NAME=value          (variables set while loading; none otherwise)
 * and must fail with an InputError (exit code 2) whose describe() has that line.
 */

const dir = fileURLToPath(new URL('../fixtures/bad-configs/', import.meta.url));
const projectDir = fileURLToPath(new URL('../fixtures/config-project/', import.meta.url));
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

interface Expectation {
  file: string;
  line: number;
  col: number;
  text: string;
}

function expectations(name: string): { expects: Expectation[]; env: Record<string, string> } {
  const text = readFileSync(join(dir, name), 'utf8');
  const expects: Expectation[] = [];
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const e = /^# expect: (?:(\S+\.yaml):)?(\d+):(\d+) (.+)$/.exec(line);
    if (e) expects.push({ file: e[1] ?? name, line: Number(e[2]), col: Number(e[3]), text: e[4]! });
    const v = /^# env: ([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (v) env[v[1]!] = v[2]!;
  }
  return { expects, env };
}

describe('bad experiment files', () => {
  it('the corpus has at least 20 files, each with an expectation', () => {
    expect(files.length).toBeGreaterThanOrEqual(20);
    for (const f of files) expect(expectations(f).expects.length, f).toBeGreaterThan(0);
  });

  it.each(files)('%s fails with file:line:col and names the problem', async (name) => {
    const { expects, env } = expectations(name);
    const error = await loadExperiment(join(dir, name), { projectDir, env }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error, `${name} should not load`).toBeInstanceOf(InputError);
    const input = error as InputError;
    expect(input.exitCode).toBe(2);
    const described = input.describe();
    for (const x of expects) {
      const where = `${relative(process.cwd(), join(dir, x.file))}:${x.line}:${x.col}: `;
      const lines = described.split('\n').filter((l) => l.startsWith(where));
      expect(lines.length, `${name}: no error at ${where}\n${described}`).toBeGreaterThan(0);
      expect(lines.some((l) => l.includes(x.text)), `${name}: expected "${x.text}" at ${where}\n${described}`).toBe(true);
    }
    // Every error of every file has a position with a line.
    for (const e of [input, ...input.more]) {
      expect(e.position?.line, `${name}: ${e.message}`).toBeGreaterThan(0);
    }
  });
});
