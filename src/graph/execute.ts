import { setMaxListeners } from 'node:events';
import { createRequire } from 'node:module';
import type { Json, JsonObject } from '../json.js';
import { redactArnAccounts } from '../arn.js';
import { InputError, StepError } from '../errors.js';
import { stepKind } from '../steps/index.js';
import { canonicalJson, shortKey } from './keys.js';
import { describeOwner } from './owner.js';
import { createReporter, type Reporter, type StepView } from './progress.js';
import { ancestorsOf, descendantsOf } from './resolve.js';
import type { SharedOutcome, SharedRun } from './shared-run.js';
import type { ResolvedStep } from './resolve.js';
import type { StepContext, StepInput, StepKind, StepResult } from './step.js';
import type { Artifact, RunRecord, Store, VerifyMode } from './store.js';

/**
 * Runs a resolved plan: in dependency order, independent steps concurrently, skipping
 * what is cached. Every step runs under its key's lock, writes into a fresh temporary
 * directory, and is published only when it succeeds; a failure or an interrupt publishes
 * nothing (the key's stateDir is kept, so a rerun resumes).
 */

export type StepStatus = 'cached' | 'ran' | 'failed' | 'skipped' | 'blocked';

export interface StepOutcome {
  id: string;
  kind: string;
  key?: string;
  shortKey?: string;
  status: StepStatus;
  /** ran/failed: why it ran (parameter diffs, forced, ...). blocked/skipped: why it did not. */
  reasons: string[];
  /** Wall time of run() plus publishing (ran, failed). */
  durationMs?: number;
  /** When run() started and when the artifact was published (ran), or the step failed (failed); ISO 8601. */
  startedAt?: string;
  finishedAt?: string;
  error?: InputError | StepError;
  /** Failed because the run was interrupted. */
  interrupted?: boolean;
  result?: StepResult;
  /** The artifact, for cached and ran steps. */
  artifact?: Artifact;
}

export interface ExecutionReport {
  /** Every step of the plan, in dependency order. */
  steps: StepOutcome[];
  counts: Record<StepStatus, number>;
  durationMs: number;
  interrupted: boolean;
  /**
   * The error the command should end with: the first failure (an InputError from a step stays
   * an InputError, exit 2; anything else is a StepError naming the step, exit 1), or, when
   * nothing failed but steps could not run for unset `${env:...}` values, an InputError
   * listing them. Undefined when everything selected is cached or ran.
   */
  error?: InputError | StepError;
}

export interface ExecuteOptions {
  store: Store;
  projectDir: string;
  experiment: string;
  /** Run just these steps (`--only`); their inputs must be cached. */
  only?: string | string[];
  /** Run these steps and their ancestors (`--until`). */
  until?: string | string[];
  /** Run these even when cached (`--force`). Dependents re-run too when the forced output differs. */
  force?: string[];
  /** Steps running at once (default 4). Ignored with `shared`, whose limit is the invocation's. */
  concurrency?: number;
  /**
   * Shared with the other executions running at the same time (a sweep's variants): their
   * common limit on running steps, the keys any of them is building, a failure anywhere.
   */
  shared?: SharedRun;
  reporter?: Reporter;
  /** Abort = interrupt: nothing new starts, running steps get the abort through ctx.signal. */
  signal?: AbortSignal;
  /** After a failure, keep starting steps that do not depend on it (default: start nothing new, let running steps finish). */
  keepGoing?: boolean;
  /** Step kind lookup (default: the registry in src/steps/index.ts). */
  kinds?: (kind: string) => StepKind<any>;
  /** How artifacts are checked when re-read here (after taking a key's lock, inputs); use what resolvePlan used. Default `fast`. */
  verify?: VerifyMode;
}

function asList(value: string | string[] | undefined): string[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

function unknownStep(option: string, id: string, ids: string[]): InputError {
  // Loaded only for this message: keeps the common path's imports small.
  const { closest, distance } = createRequire(import.meta.url)('fastest-levenshtein') as typeof import('fastest-levenshtein');
  const guess = ids.length ? closest(id, ids) : undefined;
  const hint = guess && distance(id, guess) <= Math.max(2, Math.floor(id.length / 3)) ? ` (did you mean '${guess}'?)` : '';
  return new InputError(`${option} ${id}: no step with that id${hint}; steps: ${ids.join(', ')}`);
}

function view(step: ResolvedStep, reasons: string[] = step.reasons): StepView {
  return { id: step.id, kind: step.kind, key: step.key, shortKey: step.shortKey, reasons };
}

function jsonCopy(value: unknown, what: string): Json {
  try {
    return JSON.parse(JSON.stringify(value ?? null)) as Json;
  } catch (error) {
    throw new Error(`${what} is not JSON-serialisable (${(error as Error).message})`);
  }
}

function isAbort(error: unknown, signal: AbortSignal): boolean {
  return signal.aborted || (error as Error | undefined)?.name === 'AbortError';
}

/** Which steps this run is about (`--only`, `--until`), validated. */
export function selectSteps(resolved: ResolvedStep[], options: Pick<ExecuteOptions, 'only' | 'until' | 'force'>): Set<string> {
  const ids = resolved.map((s) => s.id);
  const known = new Set(ids);
  const only = asList(options.only);
  const until = asList(options.until);
  for (const id of only) if (!known.has(id)) throw unknownStep('--only', id, ids);
  for (const id of until) if (!known.has(id)) throw unknownStep('--until', id, ids);
  for (const id of options.force ?? []) if (!known.has(id)) throw unknownStep('--force', id, ids);
  if (only.length && until.length) throw new InputError('--only and --until cannot be combined: --only runs just the named steps, --until a step and everything it needs');
  let selected: Set<string>;
  if (only.length) selected = new Set(only);
  else if (until.length) selected = new Set(until.flatMap((id) => [...ancestorsOf(resolved, id)]));
  else selected = known;
  for (const id of options.force ?? []) {
    if (!selected.has(id)) {
      throw new InputError(`--force ${id}: that step is not part of this run (${only.length ? `--only ${only.join(' ')}` : `--until ${until.join(' ')}`})`);
    }
  }
  if (only.length) {
    const byId = new Map(resolved.map((s) => [s.id, s]));
    for (const id of only) {
      const step = byId.get(id)!;
      for (const [role, stepId] of Object.entries(step.inputs)) {
        if (selected.has(stepId)) continue;
        const upstream = byId.get(stepId)!;
        if (!upstream.cached) {
          const state = upstream.key ? `${stepId} ${upstream.shortKey} is not in the store` : `${stepId} cannot run yet (${upstream.reasons[0] ?? upstream.state})`;
          throw new InputError(`--only ${id} needs its inputs in the store, but input ${role} (${state}); run with --until ${stepId} first, or use --until ${id}`);
        }
      }
    }
  }
  return selected;
}

const STATUSES: StepStatus[] = ['cached', 'ran', 'failed', 'skipped', 'blocked'];

export async function execute(resolved: ResolvedStep[], options: ExecuteOptions): Promise<ExecutionReport> {
  try {
    return await executePlan(resolved, options);
  } finally {
    // However it ended (even before it joined): nothing of it holds up a deleter any more.
    options.shared?.leave(options.experiment);
  }
}

/**
 * What the steps of `order` take as inputs (`input key -> step ids`), for a shared run's
 * deleters: leaving out the deleters themselves and whatever runs after one (which cannot
 * need what it deleted, and waiting for it would wait for the deleter itself).
 */
function inputUses(order: ResolvedStep[], releases: (step: ResolvedStep) => string | undefined): Map<string, string[]> {
  const after = new Set(order.filter((s) => releases(s)).flatMap((s) => [s.id, ...descendantsOf(order, s.id)]));
  const uses = new Map<string, string[]>();
  for (const step of order) {
    if (after.has(step.id)) continue;
    for (const key of Object.values(step.inputKeys)) uses.set(key, [...(uses.get(key) ?? []), step.id]);
  }
  return uses;
}

async function executePlan(resolved: ResolvedStep[], options: ExecuteOptions): Promise<ExecutionReport> {
  const began = performance.now();
  const { store, projectDir, experiment } = options;
  const kinds = options.kinds ?? stepKind;
  const reporter = options.reporter ?? createReporter();
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const shared = options.shared;
  const verify = options.verify ?? 'fast';
  const selected = selectSteps(resolved, options);
  const forced = new Set(options.force ?? []);
  const byId = new Map(resolved.map((s) => [s.id, s]));
  const order = resolved.filter((s) => selected.has(s.id));

  const controller = new AbortController();
  // Every step gets this signal, and every in-flight request of a step listens on it (an
  // inference step alone has `concurrency` of them, each SDK call adding its own listener):
  // many listeners are the design here, not a leak, so Node's warning at 11 is only noise.
  setMaxListeners(0, controller.signal);
  const onAbort = () => {
    if (!controller.signal.aborted) {
      reporter.log('interrupted: starting nothing new; stopping running steps');
      controller.abort(options.signal?.reason);
    }
  };
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener('abort', onAbort, { once: true });

  /** The input key a step deletes the resource of (a teardown's deployment), if any. */
  const released = (step: ResolvedStep): string | undefined => {
    const role = step.runnable ? kinds(step.kind).releases : undefined;
    return role ? step.inputKeys[role] : undefined;
  };
  const settle = shared?.join(experiment, inputUses(order, released));
  /** Every outcome is recorded here, so that a shared run learns of each settled step. */
  const outcomes = new (class extends Map<string, StepOutcome> {
    override set(id: string, outcome: StepOutcome): this {
      super.set(id, outcome);
      settle?.(id);
      return this;
    }
  })();
  const running = new Map<string, Promise<void>>();
  /** Steps whose cached artifact can no longer be trusted: an upstream was rebuilt with a different result. */
  const invalidated = new Map<string, string>();
  /** Steps rebuilt here with a different output than their previous artifact. */
  const changedOutputs = new Set<string>();
  const writes: Promise<unknown>[] = [];
  let stopped = controller.signal.aborted;
  let firstError: InputError | StepError | undefined;

  const toRun = order.filter((s) => s.runnable && (!s.cached || forced.has(s.id))).length;
  reporter.start({ total: order.length, toRun });
  if (toRun > 0) {
    // What killed processes left behind; cheap (one readdir) when there is nothing.
    await store.cleanTmp().catch(() => undefined);
  }

  const record = (step: ResolvedStep, status: 'ran' | 'cached'): Promise<void> => {
    const entry: RunRecord = {
      stepId: step.id,
      key: step.key!,
      kind: step.kind,
      version: step.version,
      params: step.params,
      inputs: Object.fromEntries(Object.entries(step.inputs).map(([role, stepId]) => [role, { stepId, key: step.inputKeys[role]! }])),
      files: step.fileHashes,
      at: new Date().toISOString(),
      status,
    };
    return store.recordRun(experiment, entry);
  };

  const markCached = (step: ResolvedStep, artifact: Artifact | undefined, reasons: string[] = []) => {
    outcomes.set(step.id, { id: step.id, kind: step.kind, key: step.key, shortKey: step.shortKey, status: 'cached', reasons, artifact });
    reporter.stepCached(view(step, []));
    // Keep "the last run of this step" current, so the next miss is explained against it.
    if (step.lastRun?.key !== step.key) writes.push(record(step, 'cached').catch(() => undefined));
  };

  const fail = (step: ResolvedStep, error: unknown, started: number, reasons: string[]) => {
    const interrupted = isAbort(error, controller.signal);
    const wrapped =
      error instanceof InputError || error instanceof StepError
        ? error
        : new StepError(step.id, interrupted ? 'interrupted' : (error as Error)?.message ?? String(error), { cause: error });
    const finished = Date.now();
    const durationMs = finished - started;
    outcomes.set(step.id, {
      id: step.id,
      kind: step.kind,
      key: step.key,
      shortKey: step.shortKey,
      status: 'failed',
      reasons,
      durationMs,
      startedAt: new Date(started).toISOString(),
      finishedAt: new Date(finished).toISOString(),
      error: wrapped,
      interrupted,
    });
    reporter.stepFailed(view(step, reasons), { durationMs, error: wrapped, interrupted });
    firstError ??= wrapped;
    if (!options.keepGoing) {
      stopped = true;
      shared?.stop();
    }
  };

  const runStep = async (step: ResolvedStep, reasons: string[]): Promise<void> => {
    const key = step.key!;
    let started = Date.now();
    let lock;
    try {
      lock = await store.lock(key, {
        signal: controller.signal,
        onWait: (owner) =>
          reporter.log(`${step.id} ${step.shortKey}: another process is building it (${owner ? describeOwner(owner) : 'unknown owner'}); waiting`),
      });
    } catch (error) {
      fail(step, error, started, reasons);
      return;
    }
    try {
      const rebuild = forced.has(step.id) || invalidated.has(step.id);
      if (!rebuild) {
        // Another process may have published it while we waited for the lock.
        const existing = await store.get(key, { verify });
        if (existing) return markCached(step, existing);
      }
      const inputs: Record<string, StepInput> = {};
      for (const [role, stepId] of Object.entries(step.inputs)) {
        const inputKey = step.inputKeys[role]!;
        const artifact = await store.get(inputKey, { verify });
        if (!artifact) {
          throw new StepError(step.id, `input ${role} (${stepId} ${shortKey(inputKey)}) is missing or damaged in the store; rerun without --only, or with --force ${stepId}`);
        }
        inputs[role] = { stepId, kind: byId.get(stepId)!.kind, key: inputKey, dir: artifact.dir, manifest: artifact.manifest };
      }
      const kind = kinds(step.kind);
      const pending = await store.open(key);
      started = Date.now();
      const startedAt = new Date(started).toISOString();
      const stepView = view(step, reasons);
      reporter.stepStarted(stepView);
      const ctx: StepContext = {
        stepId: step.id,
        key,
        params: step.params,
        settings: step.settings ?? {},
        inputs,
        outDir: pending.outDir,
        stateDir: pending.stateDir,
        sharedDir: store.sharedDir(step.kind),
        projectDir,
        log: (message) => reporter.stepLog(stepView, message),
        progress: (done, total, note) => reporter.stepProgress(stepView, done, total, note),
        signal: controller.signal,
        ...(rebuild ? { rebuild: true } : {}),
      };
      let artifact: Artifact;
      let result: StepResult;
      let finished: number;
      try {
        result = ((await kind.run(ctx)) ?? {}) as StepResult;
        const { display: _display, ...stored } = result;
        finished = Date.now();
        artifact = await store.commit(pending, {
          kind: step.kind,
          version: step.version,
          stepId: step.id,
          params: jsonCopy(step.params, 'params') as JsonObject,
          // Settings can carry ARNs from the environment (a role): the store keeps no account id.
          ...(step.settings ? { settings: JSON.parse(redactArnAccounts(JSON.stringify(jsonCopy(step.settings, 'settings')))) as JsonObject } : {}),
          inputs: step.inputKeys,
          files: step.fileHashes,
          started: startedAt,
          finished: new Date(finished).toISOString(),
          durationMs: finished - started,
          result: jsonCopy(stored, `the result of step ${step.id}`) as StepResult,
        });
      } catch (error) {
        await store.abandon(pending).catch(() => undefined);
        throw error;
      }
      // The artifact is published; a record that cannot be written only weakens the next explanation.
      await record(step, 'ran').catch((error: unknown) => reporter.log(`${step.id}: could not record the run (${(error as Error).message})`));
      const durationMs = Date.now() - started;
      outcomes.set(step.id, {
        id: step.id,
        kind: step.kind,
        key,
        shortKey: step.shortKey,
        status: 'ran',
        reasons,
        durationMs,
        startedAt,
        finishedAt: new Date(finished).toISOString(),
        result,
        artifact,
      });
      reporter.stepFinished(stepView, { durationMs, result });
      if (rebuild) {
        // Same key, but a forced step may give a different result: then what was built from it is stale.
        const before = step.artifact?.manifest.outputs;
        const changed = !before || canonicalJson(before) !== canonicalJson(artifact.manifest.outputs);
        if (changed) {
          changedOutputs.add(step.id);
          invalidateDependents(step, `input from ${step.id} was rebuilt${forced.has(step.id) ? ' (forced)' : ''} with a different result`);
          if (forced.has(step.id)) {
            // Artifacts built from the old output outside this run (other steps, other experiments)
            // are stale under unchanged keys: remove them so they are rebuilt when next needed.
            const inRun = new Set([...order.map((s) => s.key), ...(shared?.keys ?? [])]);
            const stale = [...(await store.dependentsOf([key]))].filter((k) => !inRun.has(k));
            for (const staleKey of stale) await store.remove(staleKey);
            if (stale.length) {
              reporter.log(`${step.id}: its output changed, so ${stale.length} artifact(s) built from the old one were removed from the store; they will be rebuilt when next needed`);
            }
          }
        }
      }
    } catch (error) {
      fail(step, error, started, reasons);
    } finally {
      await lock.release().catch(() => undefined);
    }
  };

  const invalidateDependents = (step: ResolvedStep, reason: string) => {
    for (const other of order) {
      if (other.dependsOn.includes(step.id) && !invalidated.has(other.id)) invalidated.set(other.id, reason);
    }
  };

  /**
   * runStep under the invocation's shared limit, unless another execution is building (or has
   * built) the same key: then its outcome is this step's, without taking a slot.
   */
  const runShared = async (run: SharedRun, step: ResolvedStep, reasons: string[]): Promise<void> => {
    const key = step.key!;
    const other = run.builds.get(key);
    if (other) {
      const built = await other;
      if (built.artifact) {
        if (built.changed) invalidateDependents(step, `input from ${step.id} was rebuilt (in ${built.by}) with a different result`);
        markCached(step, built.artifact, [`built by ${built.by}`]);
      } else {
        const skipped = built.interrupted || built.skipped !== undefined;
        const reason = built.interrupted ? `interrupted in ${built.by}` : built.skipped !== undefined ? `${built.skipped} (in ${built.by})` : `failed in ${built.by}`;
        outcomes.set(step.id, { id: step.id, kind: step.kind, key, shortKey: step.shortKey, status: skipped ? 'skipped' : 'blocked', reasons: [reason] });
        if (!skipped) reporter.stepBlocked(view(step), reason);
      }
      return;
    }
    let publish!: (outcome: SharedOutcome) => void;
    run.builds.set(key, new Promise<SharedOutcome>((resolve) => (publish = resolve)));
    const resource = released(step);
    let deleted = () => {};
    if (resource) {
      const users = run.usersOf(resource);
      if (users.length) reporter.log(`${step.id}: waiting until no variant still needs its ${kinds(step.kind).releases} (${shortKey(resource)}): ${users.join(', ')}`);
      deleted = await run.whenUnused(resource, controller.signal);
    }
    const release = await run.acquire();
    try {
      if (stopped || run.stopped || controller.signal.aborted) {
        const reason = controller.signal.aborted ? 'interrupted before it started' : 'not started after an earlier failure';
        outcomes.set(step.id, { id: step.id, kind: step.kind, key, shortKey: step.shortKey, status: 'skipped', reasons: [reason] });
      } else {
        await runStep(step, reasons);
      }
    } finally {
      release();
      deleted();
      const done = outcomes.get(step.id);
      publish({
        ...(done?.artifact && (done.status === 'ran' || done.status === 'cached') ? { artifact: done.artifact } : {}),
        changed: changedOutputs.has(step.id),
        by: experiment,
        // Skipped after a failure elsewhere is not an interrupt: the waiting variants report it skipped, with that reason.
        interrupted: controller.signal.aborted || done?.interrupted === true,
        ...(done?.status === 'skipped' && !controller.signal.aborted ? { skipped: done.reasons[0] ?? 'not started' } : {}),
      });
    }
  };

  const settled = (id: string) => outcomes.has(id);

  for (;;) {
    stopped ||= controller.signal.aborted || (shared?.stopped ?? false);
    let changed = true;
    while (changed) {
      changed = false;
      for (const step of order) {
        if (outcomes.has(step.id) || running.has(step.id)) continue;
        const deps = step.dependsOn.filter((id) => selected.has(id));
        if (deps.some((id) => !settled(id))) continue;
        if (!step.runnable) {
          outcomes.set(step.id, { id: step.id, kind: step.kind, status: 'blocked', reasons: step.reasons });
          reporter.stepBlocked(view(step), step.reasons.join('; '));
          changed = true;
          continue;
        }
        const bad = deps.find((id) => ['failed', 'blocked', 'skipped'].includes(outcomes.get(id)!.status));
        if (bad) {
          const upstream = outcomes.get(bad)!;
          // Downstream of an interrupted (or not started) step: not run, rather than blocked by a failure.
          const skipped = upstream.status === 'skipped' || upstream.interrupted === true;
          const reason = skipped
            ? `input ${bad} did not run`
            : upstream.status === 'failed'
              ? `input ${bad} failed`
              : `input ${bad} could not run`;
          outcomes.set(step.id, { id: step.id, kind: step.kind, key: step.key, shortKey: step.shortKey, status: skipped ? 'skipped' : 'blocked', reasons: [reason] });
          if (!skipped) reporter.stepBlocked(view(step), reason);
          changed = true;
          continue;
        }
        const reasons = forced.has(step.id)
          ? ['forced', ...step.reasons.filter((r) => r !== 'forced')]
          : invalidated.has(step.id)
            ? [invalidated.get(step.id)!]
            : step.reasons;
        if (step.cached && !forced.has(step.id) && !invalidated.has(step.id)) {
          markCached(step, step.artifact);
          changed = true;
          continue;
        }
        if (stopped) {
          const reason = controller.signal.aborted ? 'interrupted before it started' : 'not started after an earlier failure';
          outcomes.set(step.id, { id: step.id, kind: step.kind, key: step.key, shortKey: step.shortKey, status: 'skipped', reasons: [reason] });
          changed = true;
          continue;
        }
        if (!shared && running.size >= concurrency) continue;
        const task = (shared ? runShared(shared, step, reasons) : runStep(step, reasons)).finally(() => running.delete(step.id));
        running.set(step.id, task);
        changed = true;
      }
    }
    if (running.size === 0) break;
    await Promise.race(running.values());
  }
  options.signal?.removeEventListener('abort', onAbort);
  await Promise.all(writes);

  const steps: StepOutcome[] = resolved.map(
    (step) =>
      outcomes.get(step.id) ?? {
        id: step.id,
        kind: step.kind,
        key: step.key,
        shortKey: step.shortKey,
        status: 'skipped',
        reasons: [selected.has(step.id) ? 'not started' : 'not selected for this run'],
      },
  );
  const counts = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<StepStatus, number>;
  for (const step of steps) if (selected.has(step.id)) counts[step.status] += 1;

  let error: InputError | StepError | undefined = firstError;
  if (!error) {
    const unresolved = resolved.filter((s) => selected.has(s.id) && s.state === 'unresolved');
    if (unresolved.length) {
      const problems = unresolved.flatMap((s) =>
        (s.unresolved ?? []).map(
          (u) =>
            new InputError(
              `step ${s.id} needs \${env:${u.variable}} (for ${u.path}); set ${u.variable} and rerun`,
              u.file ? { file: u.file, line: u.line, col: u.col } : undefined,
            ),
        ),
      );
      if (problems.length) error = new InputError(problems[0]!.message, problems[0]!.position, problems.slice(1));
    }
  }
  const report: ExecutionReport = {
    steps,
    counts,
    durationMs: performance.now() - began,
    interrupted: controller.signal.aborted,
    error,
  };
  reporter.finish(report);
  return report;
}
