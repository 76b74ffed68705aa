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

function record(name, value, unit, target, better = 'lower') {
  const ok = target === undefined || (better === 'lower' ? value <= target * slack : value * slack >= target);
  results.push({ name, value, unit, target, better, ok });
  const t = target === undefined ? '' : `  (target ${better === 'lower' ? '<' : '>='} ${target} ${unit})`;
  console.log(`${ok ? 'ok  ' : 'MISS'} ${name}: ${value.toFixed(unit === 'ms' ? 0 : 1)} ${unit}${t}`);
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

const missed = results.filter((r) => !r.ok);
console.log(missed.length ? `\n${missed.length} figure(s) missed their target.` : '\nall figures within target.');
process.exitCode = missed.length ? 1 : 0;
