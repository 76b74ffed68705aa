/**
 * Produces the committed example results/nova-mixin-sweep@mixin.fraction=*, its diff and
 * reports by running experiments/nova-mixin-sweep.yaml end to end against moto and the
 * local fake Bedrock servers of the test suite (no AWS account involved). Run from the repo:
 *   npm run build && node --import ./test/graph/fixtures/register-ts.mjs scripts/run-sweep-example.ts
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startServers } from '../test/e2e/servers.js';

const root = resolve(import.meta.dirname, '..');

const SYNTHETIC = `# Synthetic results: not a measurement of any model

Produced by scripts/run-sweep-example.ts against moto and the local fake Bedrock servers of
the test suite (test/e2e/servers.ts), not AWS. The fake runtime answers each eval example
correctly or not by a fixed script per model role (teacher ~90%, distilled student ~65%,
base student ~35%), independent of the training data, so the mix-in fraction cannot change
anything here. The files show the formats, the report and the diff; the accuracies,
latencies and costs are those of the script.
`;
const cli = join(root, 'dist/cli/bin.js');
const store = mkdtempSync(join(tmpdir(), 'fc-distill-sweep-store-'));
const servers = await startServers({ answerFormat: 'json-list', region: 'us-east-1' });
const env = { ...process.env, ...servers.env, FC_DISTILL_STORE: store, CI: '1' };
// Asynchronous: the fake servers live in this process and must keep answering.
const run = async (...args: string[]) => {
  const child = promisify(execFile)(process.execPath, [cli, ...args], { cwd: root, env, encoding: 'utf8', maxBuffer: 1 << 28 });
  child.child.stderr?.pipe(process.stderr);
  return (await child).stdout;
};
try {
  await run('run', 'experiments/nova-mixin-sweep.yaml', '--yes');
  const variant = (f: string) => `results/nova-mixin-sweep@mixin.fraction=${f}`;
  for (const f of ['0', '0.1', '0.2']) {
    await run('report', variant(f));
    writeFileSync(join(root, variant(f), 'SYNTHETIC.md'), SYNTHETIC);
  }
  writeFileSync(join(root, 'results/nova-mixin-sweep.diff.md'), await run('diff', variant('0'), variant('0.2')));
} finally {
  await servers.stop();
  rmSync(store, { recursive: true, force: true });
}
