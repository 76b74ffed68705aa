import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Journal, journalFile, requestKey } from '../../src/models/journal.js';

const response = (text: string) => ({ text, toolCalls: [{ name: 'f', argumentsJson: '{"x":5.0}' }], stopReason: 'end_turn', usage: { inputTokens: 1, outputTokens: 2 }, latencyMs: 3 });
let dir: string;
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('inference journal', () => {
  it('resumes: responses survive, errors are retried, a torn last line is skipped and the next append starts a line of its own', async () => {
    dir = await mkdtemp(join(tmpdir(), 'fc-journal-'));
    const file = join(dir, 'journal.jsonl');
    const a = requestKey({ system: 's', messages: [{ role: 'user', content: 'a' }] });
    const b = requestKey({ messages: [{ content: 'b', role: 'user' }], system: 's' });
    expect(a).not.toBe(b);
    expect(requestKey({ y: 1, x: 2 })).toBe(requestKey({ x: 2, y: 1 }));
    const j = await Journal.open(file);
    await j.append({ key: a, id: 'a', at: 'now', response: response('A') });
    await j.append({ key: b, id: 'b', at: 'now', error: { kind: 'throttled', message: 'slow down', attempts: 3 } });
    await j.close();
    // Torn by a crash inside a multi-byte character (BFCL live questions are not all ASCII).
    await appendFile(file, Buffer.from('{"key":"c","id":"c","text":"¿Qué tiempo hará en Zürich?"}').subarray(0, 46));

    const k = await Journal.open(file);
    expect(k.response(a)).toEqual(response('A'));
    expect(k.response(b)).toBeUndefined();
    expect(k.entries.get(b)?.error?.kind).toBe('throttled');
    expect(k.entries.has('c')).toBe(false);
    await k.append({ key: b, id: 'b', at: 'later', response: response('B') });
    await k.close();
    const lines = (await readFile(file, 'utf8')).split('\n').filter(Boolean);
    expect(lines).toHaveLength(4);
    expect(lines[2]).toMatch(/^\{"key":"c","id":"c","text":"¿Qu/); // left as it was, never truncated
    expect([0, 1, 3].map((i) => JSON.parse(lines[i]!).id)).toEqual(['a', 'b', 'b']);
    const m = await Journal.open(file);
    expect(m.response(b)?.text).toBe('B');
    expect(m.damagedLines).toBe(1);
    expect(m.entries.has('c')).toBe(false);
    await m.close();
  });

  it('shared by two writers: an error never replaces a response, both see each other on reopen; one file per model x approach', async () => {
    dir = await mkdtemp(join(tmpdir(), 'fc-journal-'));
    const file = journalFile(dir, { provider: 'bedrock', modelId: 'm', approach: 'prompt' });
    expect(file).toBe(journalFile(dir, { approach: 'prompt', modelId: 'm', provider: 'bedrock' }));
    expect(file).not.toBe(journalFile(dir, { provider: 'bedrock', modelId: 'm', approach: 'tool-config' }));
    const a = requestKey({ q: 'a' });
    const one = await Journal.open(file);
    const two = await Journal.open(file);
    await one.append({ key: a, id: 'a', step: 'aaaaaaaaaaaa', at: 't1', response: response('A') });
    // The second writer did not see it and gave up on the same request later.
    await two.append({ key: a, id: 'a', step: 'bbbbbbbbbbbb', at: 't2', error: { kind: 'timeout', message: 'slow', attempts: 3 } });
    await two.append({ key: requestKey({ q: 'b' }), id: 'b', at: 't2', response: response('B') });
    await Promise.all([one.close(), two.close()]);
    const again = await Journal.open(file);
    expect(again.response(a)?.text).toBe('A');
    expect(again.response(requestKey({ q: 'b' }))?.text).toBe('B');
    expect(again.damagedLines).toBe(0);
    await again.append({ key: a, id: 'a', at: 't3', error: { kind: 'server', message: 'x', attempts: 1 } });
    expect(again.response(a)?.text).toBe('A');
    await again.close();
  });
});
