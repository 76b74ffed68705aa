#!/usr/bin/env node
// Benchmarks: prints figures for this machine and compares them with the targets.
//   npm run bench            full run (more repetitions)
//   npm run bench -- --check fewer repetitions; exits 1 only when a figure misses its
//                            target by more than the slack (CI machines are noisy)
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, cpSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchScorer, RATIO_TARGET } from './scorer.mjs';

const root = resolve(fileURLToPath(import.meta.url), '../..');
const check = process.argv.includes('--check');
const reps = check ? 3 : 10;
const slack = check ? 2 : 1; // in check mode a figure fails only beyond 2x its target
const bin = join(root, 'dist/cli/bin.js');
const results = [];

function timeCommand(args, env = {}) {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`fc-distill ${args.join(' ')} exited ${r.status}:\n${r.stderr}`);
  return ms;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/**
 * `open`: a target not met yet and tracked in an open issue. It is printed as MISS like any
 * other, but in --check mode fails the run only below `open.floor` (a regression guard), so
 * CI keeps landing work while the figure stays visible.
 */
function record(name, value, unit, target, better = 'lower', open) {
  const meets = (bar) => (better === 'lower' ? value <= bar : value >= bar);
  // `within`: the target itself; `met`: within it or, in check mode, within the slack (printed
  // as SLACK, so that a figure over its target never reads "ok").
  const within = target === undefined || meets(target);
  const met = within || meets(better === 'lower' ? target * slack : target / slack);
  const ok = met || (check && open !== undefined && meets(open.floor));
  results.push({ name, value, unit, target, better, ok, met, within });
  const t = target === undefined ? '' : `  (target ${better === 'lower' ? '<=' : '>='} ${target} ${unit})`;
  const note = !met && open ? `  [open: ${open.issue}; check mode requires ${better === 'lower' ? '<=' : '>='} ${open.floor}]` : !within ? `  [over target, within check mode's ${slack}x slack]` : '';
  console.log(`${within ? 'ok   ' : met ? 'SLACK' : 'MISS '} ${name}: ${value.toFixed(unit === 'ms' ? 0 : 1)} ${unit}${t}${note}`);
}

// 1. start-up
record('fc-distill --help start-up (median)', median(Array.from({ length: reps }, () => timeCommand(['--help']))), 'ms', 300);

// 2. quickstart: cold (fresh store; the .venv install is one-time and excluded by warming it first) and cached
const store = mkdtempSync(join(tmpdir(), 'fc-distill-bench-'));
try {
  const env = { FC_DISTILL_STORE: store };
  timeCommand(['run', 'experiments/quickstart.yaml', '--until', 'load'], { FC_DISTILL_STORE: join(store, 'warm') });
  const cold = [];
  for (let i = 0; i < Math.min(reps, 3); i++) {
    rmSync(join(store, 'q'), { recursive: true, force: true });
    cold.push(timeCommand(['run', 'experiments/quickstart.yaml'], { FC_DISTILL_STORE: join(store, 'q') }));
  }
  record('quickstart cold run (median)', median(cold), 'ms', 5000);
  const cached = Array.from({ length: reps }, () => timeCommand(['run', 'experiments/quickstart.yaml'], { FC_DISTILL_STORE: join(store, 'q') }));
  record('quickstart fully cached rerun (median)', median(cached), 'ms', 500);
} finally {
  rmSync(store, { recursive: true, force: true });
}

// 3. scorer throughput: ours in-process vs BFCL's official checker on the same entries (bench/scorer.mjs)
for (const f of await benchScorer({ check })) {
  record(`scorer ${f.label}: fc-distill warm (best pass)`, f.ours, 'entries/s');
  record(`scorer ${f.label}: fc-distill cold (first pass)`, f.oursCold, 'entries/s');
  record(`scorer ${f.label}: official checker (best loop)`, f.official, 'entries/s');
  record(`scorer ${f.label}: ratio fc-distill warm / official`, f.ratio, 'x', RATIO_TARGET, 'higher', { issue: 'issue #3', floor: 1 });
  record(`scorer ${f.label}: ratio fc-distill cold / official`, f.oursCold / f.official, 'x');
  record(`scorer ${f.label}: decoding alone, fc-distill`, f.decoding.ours, 'entries/s');
  record(`scorer ${f.label}: decoding alone, V8 JSON.parse of the same calls (native reference)`, f.decoding.native, 'entries/s');
}

// 3b. a whole `fc-distill score` of one model's live results (2,251 entries): process start-up,
// reading and parsing the data and result files, checking, writing score files and tables.
// The model's live/ folder is copied out so that RESULT_DIR holds that model's live results only.
{
  const shared = resolve(process.env.FC_DISTILL_SHARED ?? join(root, '..', 'shared'));
  const conformance = join(shared, 'conformance');
  const live = join(conformance, 'gpt-oss', '2025-11-12-main', 'result', 'openai_gpt-oss-120b', 'live');
  if (!existsSync(live)) {
    console.log(`skip fc-distill score timing: no ${live} (set FC_DISTILL_SHARED)`);
  } else {
    const tmp = mkdtempSync(join(tmpdir(), 'fc-distill-bench-score-'));
    try {
      const results = join(tmp, 'result');
      cpSync(live, join(results, 'openai_gpt-oss-120b', 'live'), { recursive: true });
      const args = ['score', results, '--data', join(conformance, 'bfcl-data-v4'), '--out', join(tmp, 'score')];
      // The figure is about 2,251 entries: check the copy scores that many (a warm-up run, untimed).
      const probe = spawnSync(process.execPath, [bin, ...args, '--json'], { cwd: root, encoding: 'utf8' });
      if (probe.status !== 0) throw new Error(`fc-distill ${args.join(' ')} --json exited ${probe.status}:\n${probe.stderr}`);
      const scored = JSON.parse(probe.stdout).models.flatMap((m) => m.categories).reduce((n, c) => n + c.total, 0);
      if (scored !== 2251) throw new Error(`fc-distill score of ${live} scored ${scored} entries, expected 2,251`);
      const times = Array.from({ length: reps }, () => {
        rmSync(join(tmp, 'score'), { recursive: true, force: true });
        return timeCommand(args);
      });
      record("fc-distill score of one model's 2,251 live results, with --out (median)", median(times), 'ms', 500, 'lower', { issue: 'issue #3', floor: 1500 });
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
}

// 4. inference under an injected quota (fake Bedrock runtime answers 429 above it): the
// adaptive limiter's achieved share of the quota, success rate, and nothing lost.
{
  const [quota, seconds] = check ? ['600', '10'] : ['600', '30'];
  const r = spawnSync(
    process.execPath,
    ['--import', join(root, 'test/graph/fixtures/register-ts.mjs'), join(root, 'test/models/quota.ts'), quota, seconds],
    { cwd: root, encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`inference quota measurement failed:\n${r.stderr}`);
  const f = JSON.parse(r.stdout.trim().split('\n').at(-1));
  record(`inference under a ${f.quotaPerMinute}/min quota: achieved share`, 100 * f.share, '%', 90, 'higher');
  record('inference under the quota: requests that succeeded', 100 * f.successRate, '%', 99, 'higher');
  record('inference under the quota: requests lost', f.lost, 'requests', 0);
}

const missed = results.filter((r) => !r.ok);
const open = results.filter((r) => r.ok && !r.met);
const slacked = results.filter((r) => r.met && !r.within);
const notes = [
  open.length ? `${open.length} open target(s) not met yet (printed as MISS, tracked in their issues)` : '',
  slacked.length ? `${slacked.length} figure(s) over target but within check mode's slack (printed as SLACK)` : '',
].filter(Boolean);
console.log(
  missed.length
    ? `\n${missed.length} figure(s) missed their target.`
    : notes.length
      ? `\n${notes.join('; ')}; every other figure within target.`
      : '\nall figures within target.',
);
process.exitCode = missed.length ? 1 : 0;
