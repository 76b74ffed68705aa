import { createRequire } from 'node:module';
import type { GenericFormatter, MultiBar, Options as BarOptions, Params as BarParams, SingleBar } from 'cli-progress';
import type { StepResult } from './step.js';
import type { ExecutionReport } from './execute.js';

/**
 * How a run shows what it does. The executor calls a Reporter; on a terminal that is a
 * live display (one progress bar per running step, event lines above it), anywhere else
 * (CI, pipes, --json) one plain line per event.
 */

/** The step as the reporter sees it. */
export interface StepView {
  id: string;
  kind: string;
  key?: string;
  /** 12 hex digits. */
  shortKey?: string;
  /** Why it runs (or cannot). */
  reasons: string[];
}

export interface Reporter {
  /** `total` = steps selected for this run, `toRun` = of which not cached. */
  start(info: { total: number; toRun: number }): void;
  stepCached(step: StepView): void;
  stepStarted(step: StepView): void;
  stepProgress(step: StepView, done: number, total?: number, note?: string): void;
  stepLog(step: StepView, message: string): void;
  stepFinished(step: StepView, info: { durationMs: number; result: StepResult }): void;
  stepFailed(step: StepView, info: { durationMs: number; error: Error; interrupted: boolean }): void;
  /** Could not run: an input failed or is unresolved, or the run stopped before it. */
  stepBlocked(step: StepView, reason: string): void;
  /** A message not tied to one step (waiting for another process's lock, cleanup). */
  log(message: string): void;
  finish(report: ExecutionReport): void;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${(ms / 1000).toFixed(ms < 100 ? 2 : 1)}s`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

function label(step: StepView): string {
  return step.shortKey ? `${step.id} ${step.shortKey}` : step.id;
}

function why(step: StepView): string {
  if (!step.reasons.length) return '';
  const shown = step.reasons.slice(0, 3).join('; ');
  return ` (${shown}${step.reasons.length > 3 ? `; +${step.reasons.length - 3} more` : ''})`;
}

export function summaryLine(report: ExecutionReport): string {
  const c = report.counts;
  const parts = [
    c.ran ? `${c.ran} ran` : '',
    c.cached ? `${c.cached} cached` : '',
    c.failed ? `${c.failed} failed` : '',
    c.blocked ? `${c.blocked} blocked` : '',
    c.skipped ? `${c.skipped} not run` : '',
  ].filter(Boolean);
  const head = report.interrupted ? 'interrupted' : report.error ? 'failed' : 'done';
  return `${head}: ${parts.join(', ') || 'nothing to do'} in ${formatDuration(report.durationMs)}`;
}

/** Counter shared by both displays: `[3/7]` numbers steps in the order they start or are found cached. */
class Numbering {
  private next = 0;
  private readonly numbers = new Map<string, number>();
  total = 0;
  of(id: string): string {
    let n = this.numbers.get(id);
    if (n === undefined) {
      n = ++this.next;
      this.numbers.set(id, n);
    }
    return `[${n}/${this.total}]`;
  }
}

export interface PlainReporterOptions {
  write?: (line: string) => void;
  /** Minimum time between two progress lines of one step (default 10 s). */
  progressIntervalMs?: number;
  /** Also print `cached` lines (default true). */
  showCached?: boolean;
}

/** One line per event, for logs and CI: `[3/7] split 3f2a9c1b7d4e done in 0.4s`. */
export class PlainReporter implements Reporter {
  private readonly write: (line: string) => void;
  private readonly interval: number;
  private readonly numbering = new Numbering();
  private readonly lastProgress = new Map<string, number>();

  constructor(private readonly options: PlainReporterOptions = {}) {
    this.write = options.write ?? ((line) => process.stderr.write(`${line}\n`));
    this.interval = options.progressIntervalMs ?? 10_000;
  }

  start(info: { total: number; toRun: number }): void {
    this.numbering.total = info.total;
  }
  stepCached(step: StepView): void {
    if (this.options.showCached !== false) this.write(`${this.numbering.of(step.id)} ${label(step)} cached`);
  }
  stepStarted(step: StepView): void {
    this.lastProgress.set(step.id, Date.now());
    this.write(`${this.numbering.of(step.id)} ${label(step)} ...${why(step)}`);
  }
  stepProgress(step: StepView, done: number, total?: number, note?: string): void {
    const now = Date.now();
    if (now - (this.lastProgress.get(step.id) ?? 0) < this.interval && !(total !== undefined && done >= total)) return;
    this.lastProgress.set(step.id, now);
    const amount = total ? `${done}/${total} (${((100 * done) / total).toFixed(1)}%)` : `${done}`;
    this.write(`${this.numbering.of(step.id)} ${label(step)} ${amount}${note ? ` ${note}` : ''}`);
  }
  stepLog(step: StepView, message: string): void {
    this.write(`${this.numbering.of(step.id)} ${step.id}: ${message}`);
  }
  stepFinished(step: StepView, info: { durationMs: number; result: StepResult }): void {
    this.write(`${this.numbering.of(step.id)} ${label(step)} done in ${formatDuration(info.durationMs)}`);
    for (const line of info.result.display ?? []) this.write(`  ${line}`);
  }
  stepFailed(step: StepView, info: { durationMs: number; error: Error; interrupted: boolean }): void {
    const what = info.interrupted ? 'interrupted' : 'FAILED';
    this.write(`${this.numbering.of(step.id)} ${label(step)} ${what} after ${formatDuration(info.durationMs)}: ${info.error.message}`);
  }
  stepBlocked(step: StepView, reason: string): void {
    this.write(`${this.numbering.of(step.id)} ${label(step)} not run: ${reason}`);
  }
  log(message: string): void {
    this.write(message);
  }
  finish(report: ExecutionReport): void {
    this.write(summaryLine(report));
  }
}

interface BarPayload {
  label: string;
  note: string;
  known: boolean;
  started: number;
}

function barFormat(options: BarOptions, params: BarParams, payload: BarPayload): string {
  const elapsed = formatDuration(Date.now() - payload.started);
  const size = options.barsize ?? 24;
  if (!payload.known) {
    const count = params.value ? ` ${params.value}` : '';
    return `  ${payload.label} [${'·'.repeat(size)}]${count} ${elapsed}${payload.note ? ` ${payload.note}` : ''}`;
  }
  const filled = Math.max(0, Math.min(size, Math.round(params.progress * size)));
  const bar = '█'.repeat(filled) + '░'.repeat(size - filled);
  const pct = `${Math.floor(params.progress * 100)}%`.padStart(4);
  return `  ${payload.label} [${bar}] ${pct} ${params.value}/${params.total} ${elapsed}${payload.note ? ` ${payload.note}` : ''}`;
}

export interface TtyReporterOptions {
  stream?: NodeJS.WriteStream;
}

/** Live display for a terminal: a bar per running step (fed by ctx.progress), event lines scrolling above. */
export class TtyReporter implements Reporter {
  private readonly stream: NodeJS.WriteStream;
  /** Created when the first step starts: a fully cached run never loads cli-progress. */
  private multibar?: MultiBar;
  private readonly bars = new Map<string, { bar: SingleBar; payload: BarPayload }>();
  private readonly numbering = new Numbering();

  constructor(options: TtyReporterOptions = {}) {
    this.stream = options.stream ?? process.stderr;
  }

  private display(): MultiBar {
    if (!this.multibar) {
      const { MultiBar } = createRequire(import.meta.url)('cli-progress') as typeof import('cli-progress');
      this.multibar = new MultiBar({
        stream: this.stream,
        format: barFormat as GenericFormatter,
        barsize: 24,
        fps: 5,
        forceRedraw: true, // keep the elapsed time ticking for steps that report no progress
        hideCursor: true,
        clearOnComplete: true,
        gracefulExit: false, // the CLI owns SIGINT
        autopadding: false,
      });
    }
    return this.multibar;
  }

  private line(text: string): void {
    if (this.multibar?.isActive) this.multibar.log(`${text}\n`);
    else this.stream.write(`${text}\n`);
  }

  start(info: { total: number; toRun: number }): void {
    this.numbering.total = info.total;
  }
  stepCached(step: StepView): void {
    this.line(`${this.numbering.of(step.id)} ${label(step)} cached`);
  }
  stepStarted(step: StepView): void {
    this.line(`${this.numbering.of(step.id)} ${label(step)} ...${why(step)}`);
    const payload: BarPayload = { label: `${this.numbering.of(step.id)} ${step.id}`, note: '', known: false, started: Date.now() };
    const bar = this.display().create(1, 0, payload);
    this.bars.set(step.id, { bar, payload });
  }
  stepProgress(step: StepView, done: number, total?: number, note?: string): void {
    const entry = this.bars.get(step.id);
    if (!entry) return;
    entry.payload.note = note ?? entry.payload.note;
    if (total !== undefined && total > 0) {
      entry.payload.known = true;
      entry.bar.setTotal(total);
    }
    entry.bar.update(done, entry.payload);
  }
  stepLog(step: StepView, message: string): void {
    this.line(`${this.numbering.of(step.id)} ${step.id}: ${message}`);
  }
  private drop(id: string): void {
    const entry = this.bars.get(id);
    if (!entry) return;
    this.bars.delete(id);
    this.multibar?.remove(entry.bar);
  }
  stepFinished(step: StepView, info: { durationMs: number; result: StepResult }): void {
    this.drop(step.id);
    this.line(`${this.numbering.of(step.id)} ${label(step)} done in ${formatDuration(info.durationMs)}`);
    for (const text of info.result.display ?? []) this.line(`  ${text}`);
  }
  stepFailed(step: StepView, info: { durationMs: number; error: Error; interrupted: boolean }): void {
    this.drop(step.id);
    const what = info.interrupted ? 'interrupted' : 'FAILED';
    this.line(`${this.numbering.of(step.id)} ${label(step)} ${what} after ${formatDuration(info.durationMs)}: ${info.error.message}`);
  }
  stepBlocked(step: StepView, reason: string): void {
    this.line(`${this.numbering.of(step.id)} ${label(step)} not run: ${reason}`);
  }
  log(message: string): void {
    this.line(message);
  }
  /** Stops the live display (also safe to call on SIGINT before exiting). */
  close(): void {
    for (const id of [...this.bars.keys()]) this.drop(id);
    if (this.multibar?.isActive) {
      this.multibar.update(); // flush buffered lines
      this.multibar.stop();
    }
  }
  finish(report: ExecutionReport): void {
    this.close();
    this.stream.write(`${summaryLine(report)}\n`);
  }
}

/**
 * One display for executions running at once (a sweep's variants): each gets a Reporter that
 * names its steps `<label>/<step id>` on the shared display and ends with its own summary line;
 * `finish` closes the display with the line for the whole invocation.
 */
export class SharedReporter {
  /** `total`: the steps selected across every execution (numbered `[n/total]` on the display). */
  constructor(
    private readonly base: Reporter,
    total: number,
  ) {
    base.start({ total, toRun: total });
  }

  for(label: string): Reporter {
    const named = (step: StepView): StepView => ({ ...step, id: `${label}/${step.id}` });
    const base = this.base;
    return {
      start: () => undefined,
      stepCached: (step) => base.stepCached(named(step)),
      stepStarted: (step) => base.stepStarted(named(step)),
      stepProgress: (step, done, total, note) => base.stepProgress(named(step), done, total, note),
      stepLog: (step, message) => base.stepLog(named(step), message),
      stepFinished: (step, info) => base.stepFinished(named(step), info),
      stepFailed: (step, info) => base.stepFailed(named(step), info),
      stepBlocked: (step, reason) => base.stepBlocked(named(step), reason),
      log: (message) => base.log(`${label}: ${message}`),
      finish: (report) => base.log(`${label}: ${summaryLine(report)}`),
    };
  }

  finish(report: ExecutionReport): void {
    this.base.finish(report);
  }
}

/** Records events; for tests and for callers that render their own output. */
export class SilentReporter implements Reporter {
  readonly events: { event: string; id?: string; detail?: unknown }[] = [];
  start(info: { total: number; toRun: number }): void {
    this.events.push({ event: 'start', detail: info });
  }
  stepCached(step: StepView): void {
    this.events.push({ event: 'cached', id: step.id });
  }
  stepStarted(step: StepView): void {
    this.events.push({ event: 'started', id: step.id, detail: step.reasons });
  }
  stepProgress(step: StepView, done: number, total?: number, note?: string): void {
    this.events.push({ event: 'progress', id: step.id, detail: { done, total, note } });
  }
  stepLog(step: StepView, message: string): void {
    this.events.push({ event: 'log', id: step.id, detail: message });
  }
  stepFinished(step: StepView, info: { durationMs: number; result: StepResult }): void {
    this.events.push({ event: 'finished', id: step.id, detail: info });
  }
  stepFailed(step: StepView, info: { durationMs: number; error: Error; interrupted: boolean }): void {
    this.events.push({ event: 'failed', id: step.id, detail: info });
  }
  stepBlocked(step: StepView, reason: string): void {
    this.events.push({ event: 'blocked', id: step.id, detail: reason });
  }
  log(message: string): void {
    this.events.push({ event: 'message', detail: message });
  }
  finish(report: ExecutionReport): void {
    this.events.push({ event: 'finish', detail: report.counts });
  }
}

export interface ReporterChoice {
  /** `--json`: stdout carries JSON, so progress stays plain (on stderr). */
  json?: boolean;
  stream?: NodeJS.WriteStream;
  env?: NodeJS.ProcessEnv;
}

/** True when a live display makes sense: stderr is a terminal, not CI, not --json, not TERM=dumb. */
export function wantsLiveDisplay(choice: ReporterChoice = {}): boolean {
  const stream = choice.stream ?? process.stderr;
  const env = choice.env ?? process.env;
  const ci = env.CI !== undefined && env.CI !== '' && env.CI !== '0' && env.CI.toLowerCase() !== 'false';
  return Boolean(stream.isTTY) && !choice.json && !ci && env.TERM !== 'dumb';
}

export function createReporter(choice: ReporterChoice = {}): Reporter {
  const stream = choice.stream ?? process.stderr;
  if (wantsLiveDisplay(choice)) return new TtyReporter({ stream });
  return new PlainReporter({ write: (line) => stream.write(`${line}\n`) });
}
