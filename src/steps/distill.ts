import { setTimeout as sleep } from 'node:timers/promises';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BedrockClient } from '@aws-sdk/client-bedrock';
import type { StepContext, StepKind } from '../graph/step.js';
import type { Json, JsonObject } from '../json.js';
import { InputError, StepError } from '../errors.js';
import type { TrainingData } from '../config/experiment.types.js';
import { checkDistillationPair } from '../models/bedrock-pairs.js';
import { preflightCloudStep } from '../aws/preflight.js';
import { writeJsonAtomic } from '../files.js';

/**
 * distill: a Bedrock model customization job of type DISTILLATION, created once and followed
 * to its end.
 *
 * Input `upload` (upload.json; absent with invocation-log training data). Params: `region`,
 * `teacher`, `student`, `s3`, `maxResponseLength`, `trainingData`. Settings (not in the key):
 * `role`, the service role the job runs as.
 *
 * Before creating anything: region/role/bucket/credentials are checked, the teacher/student
 * pair must be supported in the region (dated table), and neither model may be Legacy or
 * end-of-life (GetFoundationModel lifecycle). The job's name and clientRequestToken derive
 * from the step key and an attempt; they are written to `<stateDir>/job.json` before the
 * create call, and a rerun (after a crash or Ctrl-C) follows that job, or finds the first
 * attempt's job by name, instead of creating a second one. A new attempt (new job name,
 * custom model name and token) is made only by a rebuild (`--force`) or after a job that
 * failed or was stopped. Polling backs off between FC_DISTILL_POLL_MS `min[,max]` (default
 * 30 s .. 5 min) and reports the status details (validation, data processing, training).
 *
 * On Completed, everything the job wrote under its output prefix is downloaded to
 * `job-output/` (account ids in ARNs replaced), and `job.json` {jobName, attempt,
 * outputModelName, status, metrics, times, outputS3Uri} and `outputs.json` (the recognised
 * files and a summary of each, unknown files
 * listed too) are written. Failed/Stopped end the step with the service's failure message.
 */

export interface DistillParams extends JsonObject {
  region: string;
  teacher: string | null;
  student: string;
  s3: string;
  maxResponseLength: number;
  trainingData: JsonObject;
}

/** The role from the step's settings (plans made before it moved there had it in params). */
function roleOf(ctx: StepContext<DistillParams>): string {
  const role = ctx.settings?.role ?? (ctx.params as JsonObject).role;
  if (typeof role !== 'string' || role === '') throw new InputError(`step '${ctx.stepId}': distillation.role is not set: set it (FC_DISTILL_ROLE_ARN) to the ARN of a role that trusts bedrock.amazonaws.com`);
  return role;
}

/**
 * `<stateDir>/job.json`, written before the create call: the job this key's run follows (a
 * crash after the create resends it with the same name and token, which the service takes
 * for a retry). Names only: the job's ARN carries the account id. Stores written before
 * attempts existed have `jobArn` too (read as the job name's alias, never written).
 */
interface RecordedJob {
  jobName: string;
  /** '' for the first attempt (see newAttempt). */
  attempt?: string;
  createdAt: string;
  outputS3Uri: string;
}

/** A job in one of these states will not produce a model: a rebuild makes a new attempt. */
const GIVEN_UP = new Set(['Failed', 'Stopped', 'Stopping']);

export function pollIntervals(env: NodeJS.ProcessEnv = process.env): { min: number; max: number } {
  const [a, b] = (env.FC_DISTILL_POLL_MS ?? '').split(',').map((s) => Number(s.trim()));
  const min = a && a > 0 ? a : 30_000;
  const max = b && b >= min ? b : Math.max(min, a && a > 0 ? min * 10 : 300_000);
  return { min, max };
}

async function readRecorded(stateDir: string): Promise<RecordedJob | undefined> {
  try {
    return JSON.parse(await readFile(join(stateDir, 'job.json'), 'utf8')) as RecordedJob;
  } catch {
    return undefined;
  }
}

const STAGES = [
  ['validationDetails', 'validation'],
  ['dataProcessingDetails', 'data processing'],
  ['trainingDetails', 'training'],
] as const;

type Job = Awaited<ReturnType<typeof import('../aws/customization.js').getJob>> & object;

function describeStages(job: Job): { done: number; note: string } {
  const details = job.statusDetails ?? {};
  let done = 0;
  const parts = STAGES.map(([field, label]) => {
    const status = (details as Record<string, { status?: string } | undefined>)[field]?.status ?? 'NotStarted';
    if (status === 'Completed') done++;
    return `${label} ${status}`;
  });
  return { done, note: `${job.status}: ${parts.join(', ')}` };
}

export const distillStep: StepKind<DistillParams> = {
  kind: 'distill',
  version: 1,
  description: 'Bedrock model customization job of type DISTILLATION, followed until it ends',
  remote: true,
  async run(ctx: StepContext<DistillParams>) {
    const p = ctx.params;
    await preflightCloudStep({ step: ctx.stepId, region: p.region, role: roleOf(ctx), s3: p.s3 });
    const { bedrockClient, s3Client } = await import('../aws/clients.js');
    const customization = await import('../aws/customization.js');
    const { joinKey, parseS3Uri } = await import('../aws/s3.js');
    const client = bedrockClient(p.region);
    try {
      const location = parseS3Uri(p.s3);
      const fresh = (attempt: string): RecordedJob => {
        const jobName = customization.jobName(ctx.key, attempt);
        return { jobName, attempt, createdAt: new Date().toISOString(), outputS3Uri: `s3://${location.bucket}/${joinKey(location.prefix, 'jobs', jobName)}/` };
      };
      const statePath = join(ctx.stateDir, 'job.json');
      const chosen = await chooseJob(ctx, client, customization.getJob, fresh);
      const recorded = chosen.recorded;
      if (chosen.create) {
        await checkModels(ctx, client);
        const trainingUri = ctx.inputs.upload
          ? (JSON.parse(await readFile(join(ctx.inputs.upload.dir, 'upload.json'), 'utf8')) as { s3Uri: string }).s3Uri
          : undefined;
        const spec = jobSpec(ctx, recorded, trainingUri, customization.buildRequestMetadataFilters);
        // Recorded before the create: a crash between the two resends the same name and token.
        await writeJsonAtomic(statePath, recorded);
        const { created } = await customization.createOrFindJob(client, spec, ctx.signal);
        ctx.log(created ? `created distillation job ${recorded.jobName}` : `job ${recorded.jobName} already existed: following it`);
      } else if (!chosen.fromState) {
        // Recorded before the first poll: a crash from here on resumes this job.
        await writeJsonAtomic(statePath, recorded);
      }
      const job = await follow(ctx, client, recorded, customization.getJob);
      const s3 = s3Client(p.region);
      try {
        const outUri = job.outputDataConfig?.s3Uri ?? recorded.outputS3Uri;
        const dir = join(ctx.outDir, 'job-output');
        await mkdir(dir, { recursive: true });
        const { downloadPrefix } = await import('../aws/s3.js');
        const files = await downloadPrefix(s3, parseS3Uri(outUri), dir, ctx.stepId, ctx.signal);
        const { redactArnAccounts } = await import('../aws/errors.js');
        await scrubAccountIds(dir, files, redactArnAccounts);
        const outputs = await summariseOutputs(dir, files);
        // Names, not ARNs: the job's and the custom model's ARNs carry the account id.
        const record = {
          jobName: recorded.jobName,
          attempt: recorded.attempt ?? '',
          status: job.status,
          // What deploy resolves the model's ARN from (GetCustomModel takes a name).
          outputModelName: job.outputModelName ?? customization.customModelName(ctx.key, recorded.attempt ?? ''),
          baseModelArn: job.baseModelArn ? redactArnAccounts(job.baseModelArn) : null,
          outputS3Uri: outUri,
          metrics: { training: job.trainingMetrics ?? null, validation: job.validationMetrics ?? null },
          times: {
            created: job.creationTime?.toISOString() ?? recorded.createdAt,
            lastModified: job.lastModifiedTime?.toISOString() ?? null,
            ended: job.endTime?.toISOString() ?? null,
          },
          statusDetails: job.statusDetails ? (JSON.parse(JSON.stringify(job.statusDetails)) as Json) : null,
        };
        await writeFile(join(ctx.outDir, 'job.json'), `${JSON.stringify(record, null, 2)}\n`);
        await writeFile(join(ctx.outDir, 'outputs.json'), `${JSON.stringify(outputs, null, 2)}\n`);
        const display = [`distillation job ${recorded.jobName}: ${job.status}; model ${record.outputModelName}`, ...outputs.lines];
        return {
          summary: { jobName: recorded.jobName, status: job.status ?? null, outputModelName: record.outputModelName, files: files.length, ...outputs.counts },
          display,
        };
      } finally {
        s3.destroy();
      }
    } finally {
      client.destroy();
    }
  },
};

/**
 * Which job this run follows, and whether it must be created first. A job recorded in the
 * state is followed (or created, when the run stopped before the service took it); without
 * a record, the first attempt's job found by name is followed (a store lost after a crash
 * still pays once). A new attempt (new name and token) only when the job is genuinely
 * wanted again: a rebuild (--force) whose earlier job is gone from the state, or an earlier
 * job that failed or was stopped.
 */
async function chooseJob(
  ctx: StepContext<DistillParams>,
  client: BedrockClient,
  getJob: typeof import('../aws/customization.js').getJob,
  fresh: (attempt: string) => RecordedJob,
): Promise<{ recorded: RecordedJob; create: boolean; fromState: boolean }> {
  const { newAttempt } = await import('../aws/customization.js');
  const recorded = await readRecorded(ctx.stateDir);
  if (recorded) {
    const job = await getJob(client, recorded.jobName, ctx.stepId, ctx.signal);
    if (!job) {
      ctx.log(`job ${recorded.jobName} recorded by an earlier run was never created (that run stopped first): creating it with the recorded name and token`);
      return { recorded, create: true, fromState: true };
    }
    if (!(ctx.rebuild && GIVEN_UP.has(job.status ?? ''))) {
      ctx.log(`following job ${recorded.jobName} recorded by an earlier run (not creating another)`);
      return { recorded, create: false, fromState: true };
    }
    ctx.log(`job ${recorded.jobName} is ${job.status}: creating a new one under a new name`);
  } else if (!ctx.rebuild) {
    const first = fresh('');
    const job = await getJob(client, first.jobName, ctx.stepId, ctx.signal);
    if (!job) return { recorded: first, create: true, fromState: false };
    if (!GIVEN_UP.has(job.status ?? '')) {
      ctx.log(`found job ${first.jobName} created by an earlier run: following it`);
      return { recorded: { ...first, createdAt: job.creationTime?.toISOString() ?? first.createdAt }, create: false, fromState: false };
    }
    ctx.log(`job ${first.jobName} from an earlier run is ${job.status}: creating a new one under a new name`);
  } else {
    ctx.log('rebuilding: a new distillation job under a new name (the earlier one is left as it is)');
  }
  return { recorded: fresh(newAttempt()), create: true, fromState: false };
}

function jobSpec(
  ctx: StepContext<DistillParams>,
  recorded: RecordedJob,
  trainingUri: string | undefined,
  buildFilters: typeof import('../aws/customization.js').buildRequestMetadataFilters,
): import('../aws/customization.js').JobSpec {
  const p = ctx.params;
  if (!p.teacher) throw new InputError('distillation needs a teacher: set teacher: { provider: bedrock, model: ... }');
  const training = p.trainingData as unknown as TrainingData;
  let source: import('../aws/customization.js').JobSpec['training'];
  if (training.source === 'invocation-logs') {
    const logs = training.invocationLogs;
    if (!logs) throw new InputError('distillation.trainingData.invocationLogs is required with source invocation-logs');
    source = { invocationLogs: { s3Uri: logs.s3, usePromptResponse: logs.usePromptResponse, ...(logs.filter ? { filters: buildFilters(logs.filter) } : {}) } };
  } else {
    if (!trainingUri) throw new Error(`step '${ctx.stepId}' needs input 'upload'`);
    source = { s3Uri: trainingUri };
  }
  return {
    key: ctx.key,
    attempt: recorded.attempt ?? '',
    stepId: ctx.stepId,
    roleArn: roleOf(ctx),
    teacher: p.teacher,
    student: p.student,
    maxResponseLength: p.maxResponseLength,
    outputS3Uri: recorded.outputS3Uri,
    training: source,
  };
}

/** Pair table and lifecycle checks: before anything is created; says what it checked. */
async function checkModels(ctx: StepContext<DistillParams>, client: BedrockClient): Promise<void> {
  const p = ctx.params;
  if (!p.teacher) throw new InputError('distillation needs a teacher: set teacher: { provider: bedrock, model: ... }');
  const pair = checkDistillationPair(p.teacher, p.student, p.region);
  for (const warning of pair.warnings) ctx.log(`warning: ${warning}`);
  if (!pair.ok) throw new InputError(`${pair.message} (checked before creating any job)`);
  const { modelLifecycle } = await import('../aws/customization.js');
  const states: string[] = [];
  for (const [role, id] of [
    ['teacher', p.teacher],
    ['student', p.student],
  ] as const) {
    const life = await modelLifecycle(client, id, ctx.stepId, ctx.signal);
    const status = life.status.toUpperCase();
    const ended = life.endOfLife && life.endOfLife.getTime() <= Date.now();
    if (status !== 'ACTIVE' || ended) {
      const when = life.legacy ? ` (legacy since ${life.legacy.toISOString().slice(0, 10)})` : '';
      const eol = life.endOfLife ? `; end of life ${life.endOfLife.toISOString().slice(0, 10)}` : '';
      throw new InputError(
        `${role} ${id} is ${ended ? 'past its end of life' : status}${when}${eol} in ${p.region} (GetFoundationModel ${life.modelId}): ` +
          `Bedrock does not take Legacy or end-of-life models for new distillation jobs; choose another ${role} (fc-distill validate lists the supported pairs). No job was created.`,
      );
    }
    states.push(`${role} ${life.modelId} ${status}`);
  }
  ctx.log(`checked before creating the job: ${pair.teacher.name} -> ${p.student} is supported in ${p.region}; ${states.join(', ')}`);
}

async function follow(
  ctx: StepContext<DistillParams>,
  client: BedrockClient,
  recorded: RecordedJob,
  getJob: typeof import('../aws/customization.js').getJob,
): Promise<Job> {
  const { min, max } = pollIntervals();
  let interval = min;
  let last = '';
  for (;;) {
    const job = await getJob(client, recorded.jobName, ctx.stepId, ctx.signal);
    if (!job) {
      throw new StepError(
        ctx.stepId,
        `job ${recorded.jobName} recorded in ${join(ctx.stateDir, 'job.json')} no longer exists in ${ctx.params.region}; rerun with \`--force ${ctx.stepId}\` to create a new job under a new name`,
      );
    }
    const { done, note } = describeStages(job);
    if (note !== last) {
      ctx.log(`job ${recorded.jobName}: ${note}`);
      last = note;
      interval = min;
    } else {
      interval = Math.min(max, Math.round(interval * 1.5));
    }
    ctx.progress(job.status === 'Completed' ? 3 : done, 3, note);
    if (job.status === 'Completed') return job;
    if (job.status === 'Failed' || job.status === 'Stopped') {
      const { redact } = await import('../aws/errors.js');
      throw new StepError(
        ctx.stepId,
        redact(`distillation job ${recorded.jobName} ${job.status}: ${job.failureMessage ?? '(no failure message)'} [${note}]`) +
          `. Fix the cause, then rerun with \`--force ${ctx.stepId}\` to create a new job under a new name`,
      );
    }
    try {
      await sleep(interval, undefined, { signal: ctx.signal });
    } catch (error) {
      ctx.log(`stopped following job ${recorded.jobName}; it keeps running in Bedrock: rerun to follow it, or \`fc-distill cleanup --stop-jobs\` to stop it`);
      throw error;
    }
  }
}

/**
 * The job's own files may name its ARNs (a manifest, say), which carry the account id: those
 * account ids are replaced in the copies kept in the store. Large files are left alone.
 */
async function scrubAccountIds(dir: string, files: { path: string; bytes: number }[], redactArnAccounts: (text: string) => string): Promise<void> {
  for (const file of files) {
    if (file.bytes >= 64 << 20) continue;
    const path = join(dir, ...file.path.split('/'));
    const text = await readFile(path, 'utf8').catch(() => undefined);
    // Not text (a replacement character means invalid UTF-8): rewriting it would corrupt it.
    if (text === undefined || text.includes('\uFFFD')) continue;
    const clean = redactArnAccounts(text);
    if (clean === text) continue;
    await writeFile(path, clean);
    file.bytes = Buffer.byteLength(clean);
  }
}

interface OutputSummary {
  files: { path: string; bytes: number; kind: string; summary?: Json }[];
  unknown: string[];
  counts: { syntheticSamples: number; promptsAccepted: number; promptsRejected: number };
  rejectedReasons: Record<string, number>;
  lines: string[];
}

function classify(path: string): string {
  const name = path.toLowerCase();
  if (name.endsWith('step_wise_training_metrics.csv')) return 'training-metrics';
  if (name.endsWith('validation_metrics.csv')) return 'validation-metrics';
  if (/insight|rejected|prompt[_-]?report/.test(name)) return 'prompt-insights';
  if (/synthetic|sample/.test(name)) return 'synthetic-samples';
  return 'unknown';
}

function parseLines(text: string): unknown[] {
  const trimmed = text.trim();
  if (!trimmed) return [];
  try {
    const whole = JSON.parse(trimmed) as unknown;
    if (Array.isArray(whole)) return whole;
    const nested = (whole as Record<string, unknown>)?.records ?? (whole as Record<string, unknown>)?.prompts;
    return Array.isArray(nested) ? nested : [whole];
  } catch {
    return trimmed.split('\n').flatMap((line) => {
      try {
        return [JSON.parse(line) as unknown];
      } catch {
        return [];
      }
    });
  }
}

/** What the job wrote, recognised by name; unknown files are listed too. */
export async function summariseOutputs(dir: string, files: { path: string; bytes: number }[]): Promise<OutputSummary> {
  const out: OutputSummary = { files: [], unknown: [], counts: { syntheticSamples: 0, promptsAccepted: 0, promptsRejected: 0 }, rejectedReasons: {}, lines: [] };
  for (const file of files) {
    const kind = classify(file.path);
    const entry: OutputSummary['files'][number] = { path: `job-output/${file.path}`, bytes: file.bytes, kind };
    const text = file.bytes < 64 << 20 ? await readFile(join(dir, ...file.path.split('/')), 'utf8').catch(() => '') : '';
    if (kind === 'training-metrics' || kind === 'validation-metrics') {
      const rows = text.trim().split('\n');
      const header = rows[0]?.split(',').map((s) => s.trim()) ?? [];
      const lastRow = rows.length > 1 ? rows[rows.length - 1]!.split(',').map((s) => s.trim()) : [];
      entry.summary = { rows: Math.max(0, rows.length - 1), last: Object.fromEntries(header.map((h, i) => [h, lastRow[i] ?? null])) };
    } else if (kind === 'synthetic-samples') {
      const n = parseLines(text).length;
      out.counts.syntheticSamples += n;
      entry.summary = { records: n };
    } else if (kind === 'prompt-insights') {
      let accepted = 0;
      let rejected = 0;
      for (const record of parseLines(text) as Record<string, unknown>[]) {
        const status = String(record?.status ?? record?.result ?? record?.decision ?? '').toLowerCase();
        const reason = record?.reason ?? record?.rejectionReason ?? record?.rejection_reason;
        if (status.startsWith('reject') || (status === '' && reason)) {
          rejected++;
          const key = typeof reason === 'string' && reason ? reason : 'unspecified';
          out.rejectedReasons[key] = (out.rejectedReasons[key] ?? 0) + 1;
        } else if (status) {
          accepted++;
        }
      }
      out.counts.promptsAccepted += accepted;
      out.counts.promptsRejected += rejected;
      entry.summary = { accepted, rejected };
    } else {
      out.unknown.push(entry.path);
    }
    out.files.push(entry);
  }
  const known = out.files.filter((f) => f.kind !== 'unknown');
  out.lines.push(`job output: ${files.length} file(s) in job-output/ (${known.length} recognised${out.unknown.length ? `, ${out.unknown.length} not: ${out.unknown.join(', ')}` : ''})`);
  for (const f of known) {
    if (f.kind.endsWith('metrics')) {
      const s = f.summary as { rows: number; last: Record<string, string> };
      out.lines.push(`  ${f.kind}: ${s.rows} rows; last ${Object.entries(s.last).map(([k, v]) => `${k}=${v}`).join(' ')}`);
    }
  }
  if (out.counts.syntheticSamples) out.lines.push(`  synthetic-data samples: ${out.counts.syntheticSamples}`);
  if (out.counts.promptsAccepted || out.counts.promptsRejected) {
    const reasons = Object.entries(out.rejectedReasons)
      .sort((a, b) => b[1] - a[1])
      .map(([r, n]) => `${n}x ${r}`)
      .join('; ');
    out.lines.push(`  prompt insights: ${out.counts.promptsAccepted} accepted, ${out.counts.promptsRejected} rejected${reasons ? ` (${reasons})` : ''}`);
  }
  return out;
}
