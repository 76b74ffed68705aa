import { resolve as resolvePath } from 'node:path';
import { InputError } from '../errors.js';
import { stepKind } from '../steps/index.js';
import { explainMiss } from './explain.js';
import { hashFile, shortKey, stepKey } from './keys.js';
import type { PlannedStep, StepKind } from './step.js';
import type { Artifact, RunRecord, Store, VerifyMode } from './store.js';

/**
 * Plan -> keys: orders the steps, hashes the files they read, computes every key from its
 * inputs' keys, and asks the store which are cached and, for the rest, why not.
 */

export type ResolvedState =
  /** In the store and intact: will be skipped. */
  | 'cached'
  /** Key known, not in the store (or damaged): will run. */
  | 'missing'
  /** Needs values that are not set (`${env:NAME}`): cannot run. */
  | 'unresolved'
  /** Downstream of an unresolved step: its key cannot be computed yet. */
  | 'blocked';

export interface ResolvedStep extends PlannedStep {
  version: number;
  description: string;
  remote: boolean;
  /** Full key; undefined when unresolved or blocked. */
  key?: string;
  shortKey?: string;
  state: ResolvedState;
  cached: boolean;
  /** Can run once its inputs exist (its key is known). */
  runnable: boolean;
  /** Not cached: why (parameter diffs, changed inputs or files, ...). Unresolved/blocked: what is missing. Cached: empty. */
  reasons: string[];
  /** role -> key of the input artifact (complete only when `key` is defined). */
  inputKeys: Record<string, string>;
  /** project-relative path -> sha256 */
  fileHashes: Record<string, string>;
  /** Upstream step ids, in role order, without repeats. */
  dependsOn: string[];
  /** What the step reads: input artifacts and project files. */
  reads: {
    inputs: { role: string; stepId: string; key?: string; dir?: string }[];
    files: { path: string; sha256: string }[];
  };
  /** Where its artifact will be (or is), and its persistent state directory. */
  writes: { dir?: string; stateDir?: string };
  /** The present artifact, when cached. */
  artifact?: Artifact;
  /** The last run of this step id in this experiment. */
  lastRun?: RunRecord;
}

export interface ResolveOptions {
  store: Store;
  projectDir: string;
  /** Experiment name: run records (and so the explanations of misses) are per experiment. */
  experiment: string;
  /** How hard to check cached artifacts (default `fast`; `full` rehashes every output). */
  verify?: VerifyMode;
  /** Step kind lookup (default: the registry in src/steps/index.ts). */
  kinds?: (kind: string) => StepKind<any>;
}

/**
 * The steps in dependency order (inputs first), keeping the given order among independent
 * steps. Throws on duplicate ids, inputs naming unknown steps, and cycles.
 */
export function topologicalOrder<T extends PlannedStep>(steps: T[]): T[] {
  const byId = new Map<string, T>();
  for (const step of steps) {
    if (byId.has(step.id)) throw new Error(`the plan has two steps with id '${step.id}'`);
    byId.set(step.id, step);
  }
  const position = new Map(steps.map((s, i) => [s.id, i]));
  const pendingInputs = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const step of steps) {
    const upstream = new Set(Object.values(step.inputs));
    for (const [role, id] of Object.entries(step.inputs)) {
      if (!byId.has(id)) throw new Error(`step '${step.id}': input '${role}' refers to '${id}', which is not a step of this plan`);
    }
    pendingInputs.set(step.id, upstream.size);
    for (const id of upstream) dependents.set(id, [...(dependents.get(id) ?? []), step.id]);
  }
  const ready = steps.filter((s) => pendingInputs.get(s.id) === 0).map((s) => s.id);
  const ordered: T[] = [];
  while (ready.length) {
    ready.sort((a, b) => position.get(a)! - position.get(b)!);
    const id = ready.shift()!;
    ordered.push(byId.get(id)!);
    for (const next of dependents.get(id) ?? []) {
      const left = pendingInputs.get(next)! - 1;
      pendingInputs.set(next, left);
      if (left === 0) ready.push(next);
    }
  }
  if (ordered.length !== steps.length) throw new Error(`the plan's steps form a cycle: ${findCycle(steps).join(' -> ')}`);
  return ordered;
}

function findCycle(steps: PlannedStep[]): string[] {
  const byId = new Map(steps.map((s) => [s.id, s]));
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (id: string): string[] | undefined => {
    if (state.get(id) === 'done') return undefined;
    if (state.get(id) === 'open') return [...stack.slice(stack.indexOf(id)), id];
    state.set(id, 'open');
    stack.push(id);
    for (const next of Object.values(byId.get(id)?.inputs ?? {})) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const step of steps) {
    const cycle = visit(step.id);
    if (cycle) return cycle.reverse(); // as data flows: producer -> consumer
  }
  return [];
}

/** `id` and every step it (transitively) reads from. */
export function ancestorsOf(steps: PlannedStep[], id: string): Set<string> {
  const byId = new Map(steps.map((s) => [s.id, s]));
  const seen = new Set<string>();
  const stack = [id];
  while (stack.length) {
    const current = stack.pop()!;
    if (seen.has(current)) continue;
    seen.add(current);
    stack.push(...Object.values(byId.get(current)?.inputs ?? {}));
  }
  return seen;
}

/** Every step that (transitively) reads from `id`, without `id` itself. */
export function descendantsOf(steps: PlannedStep[], id: string): Set<string> {
  const seen = new Set<string>();
  let frontier = [id];
  while (frontier.length) {
    const next: string[] = [];
    for (const step of steps) {
      if (seen.has(step.id)) continue;
      if (Object.values(step.inputs).some((input) => frontier.includes(input))) {
        seen.add(step.id);
        next.push(step.id);
      }
    }
    frontier = next;
  }
  return seen;
}

function describeUnresolved(u: NonNullable<PlannedStep['unresolved']>[number]): string {
  const where = u.file ? ` (${u.file}${u.line !== undefined ? `:${u.line}${u.col !== undefined ? `:${u.col}` : ''}` : ''})` : '';
  return `needs \${env:${u.variable}} for ${u.path}${where}`;
}

export async function resolvePlan(steps: PlannedStep[], options: ResolveOptions): Promise<ResolvedStep[]> {
  const { store, projectDir, experiment } = options;
  const kinds = options.kinds ?? stepKind;
  const ordered = topologicalOrder(steps);

  // Every file any step reads, hashed once (in parallel, cached in-process by stat).
  const paths = [...new Set(ordered.flatMap((s) => s.files))];
  const missing: InputError[] = [];
  const hashes = new Map<string, string>();
  await Promise.all(
    paths.map(async (path) => {
      try {
        hashes.set(path, await hashFile(resolvePath(projectDir, path)));
      } catch (error) {
        const readers = ordered.filter((s) => s.files.includes(path)).map((s) => s.id);
        const why = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `cannot be read (${(error as Error).message})`;
        missing.push(new InputError(`${path} ${why} (read by step ${readers.join(', ')})`));
      }
    }),
  );
  if (missing.length) {
    missing.sort((a, b) => a.message.localeCompare(b.message));
    throw new InputError(missing[0]!.message, missing[0]!.position, missing.slice(1));
  }

  const resolved = new Map<string, ResolvedStep>();
  for (const step of ordered) {
    const kind = kinds(step.kind);
    const fileHashes = Object.fromEntries([...step.files].sort().map((path) => [path, hashes.get(path)!]));
    const dependsOn = [...new Set(Object.values(step.inputs))];
    const inputKeys: Record<string, string> = {};
    const reasons: string[] = [];
    let state: ResolvedState = 'missing';
    if (step.unresolved?.length) {
      state = 'unresolved';
      reasons.push(...step.unresolved.map(describeUnresolved));
    }
    for (const [role, id] of Object.entries(step.inputs)) {
      const upstream = resolved.get(id)!;
      if (upstream.key === undefined) {
        if (state !== 'unresolved') state = 'blocked';
        const root = upstream.state === 'unresolved' ? upstream.reasons.join('; ') : upstream.reasons[0]?.replace(/^waits for [^,]+, which /, '');
        const reason = `waits for ${id}, which ${root ?? 'cannot run'}`;
        if (!reasons.includes(reason)) reasons.push(reason);
      } else {
        inputKeys[role] = upstream.key;
      }
    }
    const key =
      state === 'missing'
        ? stepKey({ kind: step.kind, version: kind.version, params: step.params, inputs: inputKeys, files: fileHashes })
        : undefined;
    resolved.set(step.id, {
      ...step,
      version: kind.version,
      description: kind.description,
      remote: kind.remote ?? false,
      key,
      shortKey: key && shortKey(key),
      state,
      cached: false,
      runnable: key !== undefined,
      reasons,
      inputKeys,
      fileHashes,
      dependsOn,
      reads: {
        inputs: Object.entries(step.inputs).map(([role, stepId]) => ({ role, stepId, key: inputKeys[role] })),
        files: Object.entries(fileHashes).map(([path, sha256]) => ({ path, sha256 })),
      },
      writes: key ? { dir: store.artifactDir(key), stateDir: store.stateDir(key) } : {},
    });
  }

  // The store, for every key at once: small reads and stats only (unless verify: 'full').
  const list = [...resolved.values()];
  await Promise.all(
    list.map(async (step) => {
      const [check, lastRun] = await Promise.all([
        step.key ? store.check(step.key, { verify: options.verify ?? 'fast' }) : undefined,
        store.lastRun(experiment, step.id),
      ]);
      if (lastRun) step.lastRun = lastRun;
      if (!step.key || !check) return;
      if (check.status === 'ok') {
        step.cached = true;
        step.state = 'cached';
        step.artifact = check.artifact;
        return;
      }
      step.reasons = explainMiss(
        { id: step.id, kind: step.kind, version: step.version, key: step.key, params: step.params, inputs: step.inputs, inputKeys: step.inputKeys, files: step.fileHashes },
        { lastRun, artifact: check.status, problem: check.status === 'corrupt' ? check.problem : undefined },
      );
    }),
  );
  for (const step of list) {
    for (const input of step.reads.inputs) {
      const upstream = resolved.get(input.stepId)!;
      if (upstream.key) input.dir = store.artifactDir(upstream.key);
    }
  }
  return list;
}
