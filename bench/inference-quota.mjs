#!/usr/bin/env node
// Inference under an injected quota: the fake Bedrock runtime answers 429 above
// `quota` requests/minute; the adaptive limiter must sustain >= 90% of it with >= 99% of
// requests succeeding and none lost. Usage: node bench/inference-quota.mjs [quota=600] [seconds=20]
// (runs the TypeScript measurement directly: the fake server lives in test/support).
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(import.meta.url), '../..');
const [quota = '600', seconds = '20'] = process.argv.slice(2);
const r = spawnSync(process.execPath, ['--import', join(root, 'test/graph/fixtures/register-ts.mjs'), join(root, 'test/models/quota.ts'), quota, seconds], {
  cwd: root,
  encoding: 'utf8',
});
if (r.status !== 0) {
  process.stderr.write(r.stderr);
  process.exit(1);
}
const f = JSON.parse(r.stdout.trim().split('\n').at(-1));
const ok = f.share >= 0.9 && f.successRate >= 0.99 && f.lost === 0;
console.log(
  `${ok ? 'ok  ' : 'MISS'} inference under a ${f.quotaPerMinute}/min quota: ${(100 * f.share).toFixed(1)}% of the quota ` +
    `(${f.achievedPerMinute.toFixed(0)}/min over ${f.seconds.toFixed(1)} s), ${f.succeeded}/${f.requests} succeeded, ${f.lost} lost, ` +
    `${f.throttled} throttled attempts  (target >= 90%, >= 99%, 0 lost)`,
);
process.exitCode = ok ? 0 : 1;
