import type { Json, JsonObject } from '../json.js';

/**
 * The contract between the core (plan, keys, store, executor) and the step kinds in
 * src/steps/. A step kind is a pure function of its params, its input artifacts and the
 * files it declares it reads; bump `version` whenever a code change alters its output.
 */

/** One node of a plan: what to run and on what. Data only, so it can be hashed and diffed. */
export interface PlannedStep {
  /** Unique within a plan and stable across runs, e.g. `load`, `split`, `infer.teacher.prompt`. Used by --until/--only/--force. */
  id: string;
  /** The registered step kind, e.g. `split`. */
  kind: string;
  /** Everything that decides the output besides inputs and files. Canonical JSON of this goes into the key. */
  params: JsonObject;
  /**
   * Execution settings: how the step runs, not what it produces (concurrency, rate limits,
   * timeouts, request tags). Passed to the step as ctx.settings and shown by `plan`, but NOT
   * part of the key, so changing one never re-runs (or re-pays for) a cached step. Anything that
   * can change the artifact belongs in params instead.
   */
  settings?: JsonObject;
  /** Lines `plan` shows under the step (e.g. where each resolved inference setting came from). Not hashed. */
  details?: string[];
  /** Upstream steps by role name: `{ dataset: 'filter' }` means ctx.inputs.dataset is step `filter`'s artifact. */
  inputs: Record<string, string>;
  /** Project-relative paths of files the step reads (templates, local datasets): their SHA-256 goes into the key. */
  files: string[];
  /**
   * The experiment-file path that configures this step (`dataset`, `filter`, `split`, ...):
   * a bad-input error from the step that names no line of its own points there.
   */
  configPath?: string;
  /** For a sweep: the variant this step was planned for (steps shared by variants are planned once). */
  variants?: string[];
  /**
   * Values the step needs that are not known yet (an unset `${env:NAME}`): the step cannot run,
   * and its key cannot be computed, until they are provided.
   */
  unresolved?: { path: string; variable: string; file?: string; line?: number; col?: number }[];
  /**
   * Unset ${env:NAME} values that only feed `settings`: the key is known without them (a cached
   * step stays usable), but the step cannot RUN until they are set (checked before it runs).
   */
  unresolvedSettings?: { path: string; variable: string; file?: string; line?: number; col?: number }[];
}

/** What the store records next to each artifact. */
export interface Manifest {
  key: string;
  kind: string;
  version: number;
  stepId: string;
  params: JsonObject;
  /** The execution settings of the run that built it (not part of the key; for the record). */
  settings?: JsonObject;
  /** role -> key of the input artifact */
  inputs: Record<string, string>;
  /** project-relative path -> sha256 */
  files: Record<string, string>;
  /** artifact-relative path -> { sha256, bytes }, verified on read */
  outputs: Record<string, { sha256: string; bytes: number }>;
  started: string;
  finished: string;
  durationMs: number;
  result: StepResult;
}

/** An input artifact as a step sees it. */
export interface StepInput {
  stepId: string;
  kind: string;
  key: string;
  /** Directory holding the artifact's files (read-only). */
  dir: string;
  manifest: Manifest;
}

export interface StepContext<P extends JsonObject = JsonObject> {
  stepId: string;
  key: string;
  params: P;
  /** The planned step's execution settings: not part of the key. (Optional only so that hand-built contexts in tests need not give it.) */
  settings?: JsonObject;
  inputs: Record<string, StepInput>;
  /** Fresh temporary directory: everything written here becomes the artifact when run() resolves. */
  outDir: string;
  /**
   * Persistent per-key directory that survives crashes (journals, remote job ARNs recorded
   * before polling). Kept until the step completes; a rerun of the same key sees it again.
   */
  stateDir: string;
  /**
   * Persistent directory shared by every key of this step kind (`<store>/shared/<kind>/`), never
   * removed on commit: for content-addressed caches that must outlive one key, such as the
   * infer step's response journals (a re-keyed step reuses answers already paid for). The
   * executor always sets it; a hand-built context without it gets stateDir's behaviour.
   */
  sharedDir?: string;
  /** Absolute project root: relative paths in params and `files` are relative to it. */
  projectDir: string;
  log(message: string): void;
  /** Report progress; `total` may be unknown. */
  progress(done: number, total?: number, note?: string): void;
  signal: AbortSignal;
  /**
   * True when the key's artifact is rebuilt on purpose (`--force`, or an input was rebuilt
   * with a different result): a remote step then wants a new resource, not the one an earlier
   * run created under the same key (Bedrock would take a repeated request token for a retry).
   */
  rebuild?: boolean;
}

/** What a step returns; stored in the manifest and shown by `run`. */
export interface StepResult {
  /** Small JSON summary shown after the run (counts, paths, ids). */
  summary?: Json;
  /** Lines to print after the step finishes (e.g. a table); not stored. */
  display?: string[];
  tokens?: { input: number; output: number };
  costUsd?: number;
}

export interface StepKind<P extends JsonObject = JsonObject> {
  kind: string;
  version: number;
  /** One line for `plan` and `--help`. */
  description: string;
  /** True when running it calls a paid or remote API (needs credentials; cost estimated by plan). */
  remote?: boolean;
  /**
   * The input role whose resource running this step deletes (teardown: `deployment`). When
   * several executions run at once, the step waits until none of them has a step left that
   * takes that input (src/graph/shared-run.ts).
   */
  releases?: string;
  run(ctx: StepContext<P>): Promise<StepResult | void>;
}
