import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { InputError } from '../errors.js';
import { mcnemarExact } from './mcnemar.js';
import { OUTCOMES_FILE, SUMMARY_FILE, parseOutcomes, summaryProblems, type Outcome, type ResultsSummary } from './summary.js';

/**
 * Comparing two results (`fc-distill diff A B`).
 *
 * A source is one of:
 *   - a results folder holding summary.json and outcomes.jsonl (`results/my-exp`);
 *   - an experiment file (`experiments/my-exp.yaml`): its folder results/<name>/ under the
 *     project (a sweep has one folder per variant: name the folder instead);
 *   - an experiment or variant name whose folder is results/<name>/ under the project;
 *   - `<rev>:<path>`, a git revision and one of the above as committed there (`HEAD~1:results/my-exp`,
 *     `main:experiments/my-exp.yaml`), read with `git show`; the path is relative to the current
 *     directory (or the project with --project), as `git show <rev>:./<path>` reads it.
 *
 * What is compared:
 *   - the resolved configs, as dotted YAML paths (arrays of scalars compared whole, arrays of
 *     objects by index), old -> new;
 *   - the step keys recorded in the summaries (`steps`): ids whose key differs or exists on one side;
 *   - per model x approach, overall and per category: nA, nB (examples on each side), the
 *     shared examples (same id and category on both sides), accuracy A and B (each over its own
 *     examples), the delta in percentage points over the SHARED examples (B - A), the flips
 *     (A right -> B wrong: `worse`; A wrong -> B right: `better`) and the exact McNemar p-value
 *     of those flips. Significant: p < alpha (0.05). No correction for the many rows is made:
 *     with a dozen categories, one false alarm in ~20 comparisons is expected.
 */

export interface ResultSource {
  /** How the user named it. */
  label: string;
  summary: ResultsSummary;
  outcomes: Outcome[];
}

export interface ConfigChange {
  path: string;
  /** undefined: not set on that side. */
  a?: unknown;
  b?: unknown;
}

export interface StepChange {
  id: string;
  a: string | null;
  b: string | null;
}

export interface DiffRow {
  model: string;
  approach: string;
  /** A BFCL category, or `overall`. */
  category: string;
  nA: number;
  nB: number;
  shared: number;
  accuracyA: number | null;
  accuracyB: number | null;
  /** (B - A) in percentage points over the shared examples; null without shared examples. */
  deltaPp: number | null;
  /** Shared examples right in A and wrong in B. */
  worse: number;
  /** Shared examples wrong in A and right in B. */
  better: number;
  /** Exact two-sided McNemar p-value of worse vs better (1 with no flips). */
  p: number;
  significant: boolean;
  flips: { worse: string[]; better: string[] };
}

export interface DiffResult {
  a: SideInfo;
  b: SideInfo;
  alpha: number;
  configChanges: ConfigChange[];
  stepChanges: StepChange[];
  rows: DiffRow[];
}

export interface SideInfo {
  label: string;
  variant: string;
  key: string;
  gitCommit: string | null;
  datasetHash: string | null;
}

// ---------------------------------------------------------------------------------------------
// Loading

function git(args: string[], cwd: string): Promise<string> {
  return new Promise((done, fail) => {
    execFile('git', args, { cwd, maxBuffer: 512 << 20, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error) fail(new InputError(`git ${args.join(' ')}: ${String(stderr).trim() || error.message}`));
      else done(stdout);
    });
  });
}

const isYaml = (p: string) => /\.ya?ml$/i.test(p);

/** Reads `file` of the results folder `dir` (or the folder named by an experiment file). */
interface Reader {
  exists(p: string): Promise<'file' | 'dir' | null>;
  read(p: string): Promise<string>;
}

function fsReader(base: string): Reader {
  return {
    async exists(p) {
      const abs = path.resolve(base, p);
      if (!existsSync(abs)) return null;
      return statSync(abs).isDirectory() ? 'dir' : 'file';
    },
    read: (p) => readFile(path.resolve(base, p), 'utf8'),
  };
}

function gitReader(rev: string, base: string): Reader {
  const spec = (p: string) => `${rev}:./${path.posix.normalize(p.split(path.sep).join('/')).replace(/^\.\//, '')}`;
  return {
    async exists(p) {
      try {
        const type = (await git(['cat-file', '-t', spec(p)], base)).trim();
        return type === 'tree' ? 'dir' : type === 'blob' ? 'file' : null;
      } catch {
        return null;
      }
    },
    read: (p) => git(['show', spec(p)], base),
  };
}

/** Splits `<rev>:<path>` when `spec` is not an existing path (a Windows drive letter is a path). */
export function parseRevSpec(spec: string, base: string): { rev: string; path: string } | null {
  const m = /^([^:]+):(.*)$/.exec(spec);
  if (!m || existsSync(path.resolve(base, spec)) || /^[A-Za-z]$/.test(m[1]!)) return null;
  return { rev: m[1]!, path: m[2] === '' ? '.' : m[2]! };
}

/** The results folder (relative to base) a source names. */
async function resultsFolder(reader: Reader, p: string, label: string): Promise<string> {
  const kind = await reader.exists(p);
  if (kind === 'dir') {
    if (await reader.exists(path.join(p, SUMMARY_FILE))) return p;
    const named = path.join('results', p);
    if ((await reader.exists(path.join(named, SUMMARY_FILE))) === 'file') return named;
    throw new InputError(`${label}: ${p} has no ${SUMMARY_FILE}: expected a results folder (results/<experiment>/), an experiment file or <rev>:<path>`);
  }
  if (kind === 'file' && isYaml(p)) {
    const doc = parseYaml(await reader.read(p)) as { name?: unknown; matrix?: unknown } | null;
    if (!doc || typeof doc.name !== 'string') throw new InputError(`${label}: ${p} has no experiment name`);
    const folder = path.join('results', doc.name);
    if ((await reader.exists(path.join(folder, SUMMARY_FILE))) !== 'file') {
      const sweep = doc.matrix ? ` (a sweep writes one folder per variant, results/${doc.name}@...: name that folder)` : '';
      throw new InputError(`${label}: no ${folder}/${SUMMARY_FILE}: run the experiment first${sweep}`);
    }
    return folder;
  }
  if (kind === 'file') throw new InputError(`${label}: ${p} is a file, not a results folder or an experiment file`);
  const named = path.join('results', p);
  if ((await reader.exists(path.join(named, SUMMARY_FILE))) === 'file') return named;
  throw new InputError(`${label}: ${p} not found (looked for it as a path and as results/${p}/)`);
}

/** Loads one side of a diff; `base` is the directory paths are relative to (the project). */
export async function loadResultSource(spec: string, base: string): Promise<ResultSource> {
  const rev = parseRevSpec(spec, base);
  const reader = rev ? gitReader(rev.rev, base) : fsReader(base);
  if (rev) await git(['rev-parse', '--verify', '--quiet', `${rev.rev}^{commit}`], base).catch(() => {
    throw new InputError(`${spec}: '${rev.rev}' is not a git revision here`);
  });
  const folder = await resultsFolder(reader, rev ? rev.path : spec, spec);
  const summaryText = await reader.read(path.join(folder, SUMMARY_FILE));
  let summary: unknown;
  try {
    summary = JSON.parse(summaryText);
  } catch (error) {
    throw new InputError(`${spec}: ${folder}/${SUMMARY_FILE} is not JSON: ${(error as Error).message}`);
  }
  const problems = summaryProblems(summary);
  if (problems.length) throw new InputError(`${spec}: ${folder}/${SUMMARY_FILE} does not match schemas/results.schema.json (written by an older fc-distill? rerun the experiment): ${problems.slice(0, 5).join('; ')}`);
  let outcomes: Outcome[];
  try {
    outcomes = parseOutcomes(await reader.read(path.join(folder, OUTCOMES_FILE)), `${folder}/${OUTCOMES_FILE}`);
  } catch (error) {
    throw error instanceof InputError ? error : new InputError(`${spec}: ${(error as Error).message}`);
  }
  return { label: spec, summary: summary as ResultsSummary, outcomes };
}

// ---------------------------------------------------------------------------------------------
// Comparing

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isScalarArray = (v: unknown): boolean => Array.isArray(v) && v.every((x) => !isObject(x) && !Array.isArray(x));

/** Leaf values by dotted path (arrays of scalars are leaves; arrays of objects by index). */
export function flattenConfig(value: unknown, prefix = '', out = new Map<string, unknown>()): Map<string, unknown> {
  if (isObject(value)) {
    const keys = Object.keys(value);
    if (keys.length === 0 && prefix) out.set(prefix, value);
    for (const k of keys) if (value[k] !== undefined) flattenConfig(value[k], prefix ? `${prefix}.${k}` : k, out);
  } else if (Array.isArray(value) && !isScalarArray(value)) {
    value.forEach((v, i) => flattenConfig(v, `${prefix}.${i}`, out));
  } else if (prefix) out.set(prefix, value);
  return out;
}

export function diffConfigs(a: unknown, b: unknown): ConfigChange[] {
  const fa = flattenConfig(a);
  const fb = flattenConfig(b);
  const paths = [...new Set([...fa.keys(), ...fb.keys()])].sort();
  const changes: ConfigChange[] = [];
  for (const p of paths) {
    const va = fa.get(p);
    const vb = fb.get(p);
    if (JSON.stringify(va) === JSON.stringify(vb)) continue;
    const c: ConfigChange = { path: p };
    if (fa.has(p)) c.a = va;
    if (fb.has(p)) c.b = vb;
    changes.push(c);
  }
  return changes;
}

export function diffSteps(a: Record<string, string | undefined>, b: Record<string, string | undefined>): StepChange[] {
  const ids = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return ids.filter((id) => a[id] !== b[id]).map((id) => ({ id, a: a[id] ?? null, b: b[id] ?? null }));
}

const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);

function compareGroup(model: string, approach: string, category: string, a: Outcome[], b: Outcome[], alpha: number): DiffRow {
  const byIdB = new Map(b.map((o) => [o.id, o]));
  let shared = 0;
  let rightA = 0;
  let rightB = 0;
  const worse: string[] = [];
  const better: string[] = [];
  for (const oa of a) {
    const ob = byIdB.get(oa.id);
    if (!ob || ob.category !== oa.category) continue;
    shared++;
    if (oa.valid) rightA++;
    if (ob.valid) rightB++;
    if (oa.valid && !ob.valid) worse.push(oa.id);
    else if (!oa.valid && ob.valid) better.push(oa.id);
  }
  worse.sort(cmp);
  better.sort(cmp);
  const acc = (xs: Outcome[]) => (xs.length ? xs.filter((o) => o.valid).length / xs.length : null);
  const p = mcnemarExact(worse.length, better.length);
  return {
    model,
    approach,
    category,
    nA: a.length,
    nB: b.length,
    shared,
    accuracyA: acc(a),
    accuracyB: acc(b),
    deltaPp: shared ? (100 * (rightB - rightA)) / shared : null,
    worse: worse.length,
    better: better.length,
    p,
    significant: p < alpha,
    flips: { worse, better },
  };
}

/** Per model x approach: an `overall` row, then one row per category (sorted). */
export function compareOutcomes(a: readonly Outcome[], b: readonly Outcome[], alpha = 0.05): DiffRow[] {
  const group = (xs: readonly Outcome[]) => {
    const m = new Map<string, Outcome[]>();
    for (const o of xs) {
      const k = `${o.model}\u0000${o.approach}`;
      let list = m.get(k);
      if (!list) m.set(k, (list = []));
      list.push(o);
    }
    return m;
  };
  const ga = group(a);
  const gb = group(b);
  const rows: DiffRow[] = [];
  const keys = [...new Set([...ga.keys(), ...gb.keys()])].sort(cmp);
  for (const k of keys) {
    const [model, approach] = k.split('\u0000') as [string, string];
    const la = ga.get(k) ?? [];
    const lb = gb.get(k) ?? [];
    rows.push(compareGroup(model, approach, 'overall', la, lb, alpha));
    const categories = [...new Set([...la, ...lb].map((o) => o.category))].sort(cmp);
    for (const c of categories) rows.push(compareGroup(model, approach, c, la.filter((o) => o.category === c), lb.filter((o) => o.category === c), alpha));
  }
  return rows;
}

function side(s: ResultSource): SideInfo {
  return {
    label: s.label,
    variant: s.summary.experiment.variant,
    key: s.summary.experiment.key,
    gitCommit: s.summary.gitCommit,
    datasetHash: s.summary.dataset.contentHash,
  };
}

export function diffResults(a: ResultSource, b: ResultSource, options: { alpha?: number } = {}): DiffResult {
  const alpha = options.alpha ?? 0.05;
  return {
    a: side(a),
    b: side(b),
    alpha,
    configChanges: diffConfigs(a.summary.config, b.summary.config),
    stepChanges: diffSteps(a.summary.steps, b.summary.steps),
    rows: compareOutcomes(a.outcomes, b.outcomes, alpha),
  };
}

/**
 * Rows where a model got significantly worse by more than `pp` points: delta < -pp and
 * p < alpha, overall or in any category. `models`: model labels (`student`) or
 * `model.approach` (`student.prompt`); empty = every model.
 */
export function regressions(diff: DiffResult, pp: number, models: readonly string[] = []): DiffRow[] {
  const named = (r: DiffRow) => models.length === 0 || models.includes(r.model) || models.includes(`${r.model}.${r.approach}`);
  return diff.rows.filter((r) => named(r) && r.deltaPp !== null && r.deltaPp < -pp && r.p < diff.alpha);
}

// ---------------------------------------------------------------------------------------------
// Rendering

const pct = (x: number | null) => (x === null ? '–' : `${(100 * x).toFixed(1)}%`);
const pp = (x: number | null) => (x === null ? '–' : `${x > 0 ? '+' : ''}${x.toFixed(1)}`);
const pval = (p: number) => (p < 0.001 ? '<0.001' : p >= 0.9995 ? '1' : p.toFixed(3));
const cell = (v: unknown) => (v === undefined ? '_(unset)_' : `\`${JSON.stringify(v).replace(/\|/g, '\\|').replace(/`/g, "'")}\``);

/** Markdown for a pull-request comment. */
export function renderDiffMarkdown(diff: DiffResult, options: { flips?: boolean } = {}): string {
  const out: string[] = [];
  const who = (s: SideInfo) => `\`${s.label}\` (${s.variant}${s.gitCommit ? `, commit ${s.gitCommit.slice(0, 12)}` : ''})`;
  out.push(`### fc-distill diff`, '', `**A:** ${who(diff.a)}  `, `**B:** ${who(diff.b)}`, '');
  if (diff.a.datasetHash !== diff.b.datasetHash) {
    out.push(`> Dataset content differs: A ${diff.a.datasetHash?.slice(0, 12) ?? 'unknown'}, B ${diff.b.datasetHash?.slice(0, 12) ?? 'unknown'}; only examples in both (same id and category) are compared pairwise.`, '');
  }

  out.push(`#### Config (${diff.configChanges.length === 0 ? 'no changes' : `${diff.configChanges.length} change${diff.configChanges.length === 1 ? '' : 's'}`})`, '');
  if (diff.configChanges.length) {
    out.push('| path | A | B |', '|---|---|---|');
    for (const c of diff.configChanges) out.push(`| \`${c.path}\` | ${cell(c.a)} | ${cell(c.b)} |`);
    out.push('');
  }

  out.push(`#### Step keys (${diff.stepChanges.length === 0 ? 'all equal' : `${diff.stepChanges.length} differ`})`, '');
  if (diff.stepChanges.length) {
    out.push('| step | A | B |', '|---|---|---|');
    for (const s of diff.stepChanges) out.push(`| \`${s.id}\` | ${s.a ? `\`${s.a.slice(0, 12)}\`` : '–'} | ${s.b ? `\`${s.b.slice(0, 12)}\`` : '–'} |`);
    out.push('');
  }

  const significant = diff.rows.filter((r) => r.significant);
  out.push(
    `#### Accuracy`,
    '',
    `Δ is B − A in points over the examples both contain; p is an exact McNemar test of the flips (A✓→B✗ vs A✗→B✓). ` +
      `${significant.length ? `**${significant.length} significant change${significant.length === 1 ? '' : 's'}** (p < ${diff.alpha}, marked ▼ worse / ▲ better).` : `No significant change (p < ${diff.alpha}).`}`,
    '',
    '| model | approach | category | n A | n B | shared | acc A | acc B | Δ pp | A✓→B✗ | A✗→B✓ | p | |',
    '|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|',
  );
  for (const r of diff.rows) {
    const mark = r.significant ? ((r.deltaPp ?? 0) < 0 ? '▼' : '▲') : '';
    const name = r.category === 'overall' ? '**overall**' : r.category;
    out.push(`| ${r.model} | ${r.approach} | ${name} | ${r.nA} | ${r.nB} | ${r.shared} | ${pct(r.accuracyA)} | ${pct(r.accuracyB)} | ${r.significant ? `**${pp(r.deltaPp)}**` : pp(r.deltaPp)} | ${r.worse} | ${r.better} | ${pval(r.p)} | ${mark} |`);
  }
  out.push('');

  if (options.flips) {
    const flipped = diff.rows.filter((r) => r.category !== 'overall' && (r.worse || r.better));
    if (flipped.length) {
      out.push('#### Flips', '');
      for (const r of flipped) {
        out.push(`<details><summary>${r.model} ${r.approach} ${r.category}: ${r.worse} A✓→B✗, ${r.better} A✗→B✓</summary>`, '');
        if (r.worse) out.push(`A✓→B✗: ${r.flips.worse.map((id) => `\`${id}\``).join(', ')}`, '');
        if (r.better) out.push(`A✗→B✓: ${r.flips.better.map((id) => `\`${id}\``).join(', ')}`, '');
        out.push('</details>', '');
      }
    }
  }
  return out.join('\n');
}

/** The JSON view: everything, flips included only when asked. */
export function diffJson(diff: DiffResult, options: { flips?: boolean } = {}) {
  return {
    ...diff,
    rows: diff.rows.map(({ flips, ...r }) => (options.flips ? { ...r, flips } : r)),
  };
}
