import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ExecutionReport } from '../../src/graph/execute.js';
import { createReporter, formatDuration, PlainReporter, TtyReporter, wantsLiveDisplay } from '../../src/graph/progress.js';

const report = (over: Partial<ExecutionReport> = {}): ExecutionReport => ({
  steps: [],
  counts: { cached: 4, ran: 3, failed: 0, skipped: 0, blocked: 0 },
  durationMs: 1234,
  interrupted: false,
  ...over,
});

const view = (id: string, reasons: string[] = []) => ({ id, kind: id, key: '3f2a9c1b7d4e'.padEnd(64, '0'), shortKey: '3f2a9c1b7d4e', reasons });

function fakeTty(): { stream: NodeJS.WriteStream; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += chunk.toString();
      done();
    },
  }) as unknown as NodeJS.WriteStream;
  Object.assign(stream, { isTTY: true, columns: 100, rows: 30, cursorTo: () => true, moveCursor: () => true, clearLine: () => true, clearScreenDown: () => true });
  return { stream, text: () => text };
}

describe('PlainReporter', () => {
  it('prints one line per event, numbered in start order', () => {
    const lines: string[] = [];
    const r = new PlainReporter({ write: (l) => lines.push(l), progressIntervalMs: 0 });
    r.start({ total: 7, toRun: 2 });
    r.stepCached(view('load'));
    r.stepStarted(view('split', ['fraction 0.1 -> 0.2']));
    r.stepProgress(view('split'), 5, 10, 'examples');
    r.stepLog(view('split'), 'stratified by category');
    r.stepFinished(view('split'), { durationMs: 412, result: { display: ['train 1125, eval 1126'] } });
    r.stepFailed(view('upload'), { durationMs: 1500, error: new Error('AccessDenied'), interrupted: false });
    r.stepBlocked(view('distill'), 'input upload failed');
    r.finish(report({ counts: { cached: 1, ran: 1, failed: 1, skipped: 0, blocked: 1 }, error: new Error('x') as never }));
    expect(lines).toEqual([
      '[1/7] load 3f2a9c1b7d4e cached',
      '[2/7] split 3f2a9c1b7d4e ... (fraction 0.1 -> 0.2)',
      '[2/7] split 3f2a9c1b7d4e 5/10 (50.0%) examples',
      '[2/7] split: stratified by category',
      '[2/7] split 3f2a9c1b7d4e done in 0.4s',
      '  train 1125, eval 1126',
      '[3/7] upload 3f2a9c1b7d4e FAILED after 1.5s: AccessDenied',
      '[4/7] distill 3f2a9c1b7d4e not run: input upload failed',
      'failed: 1 ran, 1 cached, 1 failed, 1 blocked in 1.2s',
    ]);
  });

  it('throttles progress lines', () => {
    const lines: string[] = [];
    const r = new PlainReporter({ write: (l) => lines.push(l), progressIntervalMs: 60_000 });
    r.start({ total: 1, toRun: 1 });
    r.stepStarted(view('infer'));
    for (let i = 1; i < 100; i++) r.stepProgress(view('infer'), i, 100);
    r.stepProgress(view('infer'), 100, 100);
    expect(lines).toEqual(['[1/1] infer 3f2a9c1b7d4e ...', '[1/1] infer 3f2a9c1b7d4e 100/100 (100.0%)']);
  });
});

describe('TtyReporter', () => {
  it('draws bars for running steps and lines above them', async () => {
    const tty = fakeTty();
    const r = new TtyReporter({ stream: tty.stream });
    r.start({ total: 2, toRun: 2 });
    r.stepStarted(view('infer'));
    r.stepProgress(view('infer'), 30, 100, 'teacher');
    await new Promise((resolve) => setTimeout(resolve, 350));
    r.stepLog(view('infer'), 'throttled, retrying');
    r.stepFinished(view('infer'), { durationMs: 2500, result: {} });
    r.finish(report());
    const text = tty.text();
    expect(text).toContain('[1/2] infer 3f2a9c1b7d4e ...');
    expect(text).toMatch(/\[1\/2\] infer \[█+░+\]\s+30% 30\/100 .* teacher/);
    expect(text).toContain('[1/2] infer: throttled, retrying');
    expect(text).toContain('[1/2] infer 3f2a9c1b7d4e done in 2.5s');
    expect(text).toContain('done: 3 ran, 4 cached in 1.2s');
  });
});

describe('choosing a reporter', () => {
  it('uses the live display only on a terminal, outside CI and without --json', () => {
    const tty = fakeTty().stream;
    expect(wantsLiveDisplay({ stream: tty, env: {} })).toBe(true);
    expect(wantsLiveDisplay({ stream: tty, env: { CI: 'true' } })).toBe(false);
    expect(wantsLiveDisplay({ stream: tty, env: { CI: 'false' } })).toBe(true);
    expect(wantsLiveDisplay({ stream: tty, env: { TERM: 'dumb' } })).toBe(false);
    expect(wantsLiveDisplay({ stream: tty, env: {}, json: true })).toBe(false);
    expect(wantsLiveDisplay({ stream: { isTTY: false } as NodeJS.WriteStream, env: {} })).toBe(false);
    expect(createReporter({ stream: tty, env: { CI: '1' } })).toBeInstanceOf(PlainReporter);
    const live = createReporter({ stream: tty, env: {} });
    expect(live).toBeInstanceOf(TtyReporter);
    (live as TtyReporter).close();
  });

  it('formats durations', () => {
    expect([42, 412, 5_300, 83_000, 7_500_000].map(formatDuration)).toEqual(['0.04s', '0.4s', '5.3s', '1m 23s', '2h 05m']);
  });
});
