import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempProject } from '../cli/helpers.js';
import {
  NOVA_SMALL,
  cli,
  comparable,
  describeKill,
  journalledAnswers,
  readResults,
  receivedByStep,
  resetCloud,
  runAndKill,
  secretLeaks,
  statuses,
  writeNovaSmall,
  type KillPoint,
  type Results,
} from './harness.js';
import { startServers, type E2eServers } from './servers.js';

/**
 * Issue #4: SIGKILL the runner at step boundaries, inside the distillation poll and inside
 * inference, rerun, and get the same results with zero duplicate creations and zero re-sent
 * answered requests. On the Nova seed filtered to 316 entries (158 eval x 3 models x 2
 * approaches = 948 Converse calls per run), against moto and the fake Bedrock servers.
 *
 * Kill points: every step kind's boundary (each local data step, upload, distill, deploy, an
 * inference and a scoring step, results, teardown), inside the distillation poll, right after
 * the deployment's create (the attempt was recorded before it: the rerun follows it) and inside
 * inference. A boundary is the step's `done` line: the artifact is published, later steps may
 * have started.
 */

const EVAL = 158;
const CALLS = 3 * 2 * EVAL;

const POINTS: KillPoint[] = [
  { after: 'load' },
  { after: 'filter' },
  { after: 'split' },
  { after: 'mixin' },
  { after: 'render' },
  { after: 'render.eval' },
  { after: 'export' },
  { after: 'report' },
  { after: 'upload' },
  { distillPoll: true },
  { after: 'distill' },
  { deployCreated: true },
  { after: 'deploy' },
  { inference: 300 },
  { after: 'infer.teacher.prompt' },
  { after: 'score.teacher.prompt' },
  { after: 'results' },
  { after: 'teardown' },
];

let servers: E2eServers;
let reference: Results;

beforeAll(async () => {
  servers = await startServers({ answerFormat: 'json-list', region: 'us-east-1' });
  const project = tempProject();
  writeNovaSmall(project);
  const run = await cli(servers, project, ['run', NOVA_SMALL.file, '--json', '--yes']);
  if (run.code !== 0) throw new Error(`reference run failed:\n${run.stderr.slice(-3000)}`);
  reference = readResults(project, NOVA_SMALL.name);
  expect(servers.runtime.requests.length).toBe(CALLS);
  expect(servers.control.created).toEqual({ jobs: 1, deployments: 1, provisioned: 0 });
  const again = await cli(servers, project, ['run', NOVA_SMALL.file, '--json', '--yes']);
  expect(Object.values(statuses(again.stdout)).every((s) => s === 'cached')).toBe(true);
  expect(servers.runtime.requests.length).toBe(CALLS);
  expect(secretLeaks(project, [run.stdout, run.stderr, again.stdout, again.stderr])).toEqual([]);
}, 600_000);
afterAll(async () => {
  await servers?.stop();
});

describe('SIGKILL at each point, then a rerun: same results, nothing created or paid twice', () => {
  it.each(POINTS.map((p) => [describeKill(p), p] as const))('%s', async (_, point) => {
    await resetCloud(servers);
    const project = tempProject();
    writeNovaSmall(project);
    const killed = await runAndKill(servers, project, NOVA_SMALL.file, point);
    const journalled = journalledAnswers(project);
    // Requests the runner wrote just before it died are still being read by the in-process fake:
    // let them land before counting what was sent.
    await new Promise((r) => setTimeout(r, 300));
    const sentBeforeKill = servers.runtime.requests.length;
    if ('inference' in point) expect(journalled.size).toBe(point.inference);

    const rerun = await cli(servers, project, ['run', NOVA_SMALL.file, '--json', '--yes']);
    expect(rerun.stderr).not.toMatch(/^error/m);
    expect(rerun.code, rerun.stderr.slice(-2000)).toBe(0);
    const ran = statuses(rerun.stdout);
    if ('after' in point) expect(ran[point.after]).toBe('cached');

    // Same results as the uninterrupted run (latencies are measured, not computed).
    const results = readResults(project, NOVA_SMALL.name);
    expect(results.outcomes).toBe(reference.outcomes);
    expect(comparable(results.summary)).toEqual(comparable(reference.summary));

    // Nothing created twice; the deployment torn down.
    const { control, runtime } = servers;
    expect(control.counts.CreateModelCustomizationJob ?? 0).toBe(1);
    expect(control.counts.CreateCustomModelDeployment ?? 0).toBe(1);
    expect(control.created).toEqual({ jobs: 1, deployments: 1, provisioned: 0 });
    expect(control.deployments.size).toBe(0);

    // Every request answered; no answer journalled before the kill was asked for again.
    const received = receivedByStep(servers);
    const resent = [...journalled].filter((k) => received.get(k) !== 1);
    expect(resent).toEqual([]);
    expect(new Set([...runtime.completed.keys()]).size).toBe(CALLS);
    if ('inference' in point) {
      // Every answer the fake completed before the kill was journalled, so none completes twice.
      expect([...runtime.completed.values()].every((n) => n === 1)).toBe(true);
    }
    // At most the requests in flight at the kill (sent, not journalled) are sent again.
    expect(runtime.requests.length - CALLS).toBeLessThanOrEqual(sentBeforeKill - journalled.size);

    expect(secretLeaks(project, [killed.stdout, killed.stderr, rerun.stdout, rerun.stderr])).toEqual([]);
  }, 120_000);
});
