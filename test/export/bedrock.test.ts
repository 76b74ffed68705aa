import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { checkFile, checkRecord, defaultRules, toBedrockRecord } from '../../src/export/bedrock.js';
import { modelFamily } from '../../src/models/family.js';
import type { RenderedRecord } from '../../src/prompts/render.js';
import { exportStep } from '../../src/steps/export.js';
import { jsonl, StepFixture } from './step-fixture.js';

const llama = defaultRules('llama');
const nova = defaultRules('nova');
const good = {
  schemaVersion: 'bedrock-conversation-2024',
  system: [{ text: 'You call functions.' }],
  messages: [
    { role: 'user', content: [{ text: 'What is 2+2?' }] },
    { role: 'assistant', content: [{ text: '[]' }] },
  ],
};
const msg = (role: string, text: string) => ({ role, content: [{ text }] });

describe('checkRecord', () => {
  it('accepts a prompt with or without an answer, with or without a system block', () => {
    expect(checkRecord(good, llama)).toBeNull();
    expect(checkRecord({ ...good, messages: [good.messages[0]] }, llama)).toBeNull();
    const { system: _system, ...noSystem } = good;
    expect(checkRecord(noSystem, llama)).toBeNull();
  });

  it.each([
    ['not-object', [1, 2], /not a JSON object/],
    ['keys', { ...good, toolConfig: {} }, /unexpected key 'toolConfig': only schemaVersion, system and messages/],
    ['schema-version', { ...good, schemaVersion: 'bedrock-conversation-2023' }, /schemaVersion must be 'bedrock-conversation-2024'/],
    ['schema-version', { system: good.system, messages: good.messages }, /schemaVersion must be/],
    ['system', { ...good, system: [{ text: 'a' }, { text: 'b' }] }, /exactly one \{text\} block, got 2 blocks/],
    ['system', { ...good, system: 'text' }, /exactly one \{text\} block, got string/],
    ['system', { ...good, system: [{ text: '' }] }, /system block: text is empty/],
    ['system', { ...good, system: [{ text: 'a', image: {} }] }, /only a text block/],
    ['messages', { ...good, messages: [] }, /non-empty list/],
    ['single-turn', { ...good, messages: [msg('user', 'a'), msg('assistant', 'b'), msg('user', 'c')] }, /multi-turn record \(3 messages\): Llama students take single-turn records only/],
    ['alternation', { ...good, messages: [msg('assistant', 'a')] }, /message 1 is from assistant but roles must alternate starting with user/],
    ['alternation', { ...good, messages: [msg('user', 'a'), msg('user', 'b')] }, /message 2 is from user/],
    ['role', { ...good, messages: [msg('system', 'a')] }, /role "system": only user and assistant/],
    ['content', { ...good, messages: [{ role: 'user', content: [{ text: 'a' }, { text: 'b' }] }] }, /exactly one \{text\} content block, got 2/],
    ['content', { ...good, messages: [{ role: 'user', content: [] }] }, /exactly one \{text\} content block, got 0/],
    ['content', { ...good, messages: [msg('user', '  ')] }, /message 1 \(user\): text is empty/],
    ['content', { ...good, messages: [{ role: 'user', content: [{ image: {} }] }] }, /only a text block/],
    ['messages', { ...good, messages: [{ role: 'user', content: [{ text: 'a' }], extra: 1 }] }, /unexpected key 'extra'/],
  ])('%s: %j', (rule, record, reason) => {
    const rejection = checkRecord(record, llama);
    expect(rejection?.rule).toBe(rule);
    expect(rejection?.reason).toMatch(reason);
  });

  it('multi-turn: rejected for Llama and Anthropic, accepted for Nova unless turned off', () => {
    const multi = { ...good, messages: [msg('user', 'a'), msg('assistant', 'b'), msg('user', 'c'), msg('assistant', 'd')] };
    expect(checkRecord(multi, llama)?.reason).toMatch(/Llama students take single-turn records only/);
    expect(checkRecord(multi, defaultRules('anthropic'))?.reason).toMatch(/Anthropic \(Claude\) students take single-turn/);
    expect(checkRecord(multi, nova)).toBeNull();
    expect(checkRecord(multi, { family: 'nova', multiTurn: false })?.rule).toBe('single-turn');
    expect(checkRecord({ ...multi, messages: [...multi.messages.slice(0, 2), msg('assistant', 'x')] }, nova)?.rule).toBe('alternation');
  });

  it('file rules: 100 to 15,000 records, under 1 GB', () => {
    expect(checkFile(100, 1000)).toEqual([]);
    expect(checkFile(15_000, 1000)).toEqual([]);
    expect(checkFile(99, 1000)[0]).toMatch(/99 valid records, Bedrock needs at least 100/);
    expect(checkFile(15_001, 1000)[0]).toMatch(/at most 15,000/);
    expect(checkFile(500, 1_000_000_000)[0]).toMatch(/under 1 GB/);
  });
});

describe('modelFamily', () => {
  it.each([
    ['amazon.nova-lite-v1:0:300k', 'nova'],
    ['us.amazon.nova-premier-v1:0', 'nova'],
    ['arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-micro-v1:0:128k', 'nova'],
    ['meta.llama3-2-3b-instruct-v1:0:128k', 'llama'],
    ['us.meta.llama3-3-70b-instruct-v1:0', 'llama'],
    ['anthropic.claude-3-haiku-20240307-v1:0:200k', 'anthropic'],
    ['arn:aws:bedrock:us-east-1:123456789012:custom-model/abc', 'other'],
    ['gpt-oss-20b', 'other'],
  ])('%s -> %s', (id, family) => expect(modelFamily(id)).toBe(family));
});

describe('export step', () => {
  let fixture: StepFixture;
  afterEach(() => fixture?.cleanup());

  const rendered = (n: number, extra: RenderedRecord[] = []): string =>
    jsonl([
      ...Array.from({ length: n }, (_, i): RenderedRecord => ({
        id: `live_simple_${i}-0-0`,
        category: 'live_simple',
        system: 'SYS',
        messages: [{ role: 'user', content: `question ${i}` }, ...(i % 10 === 0 ? [{ role: 'assistant' as const, content: '[]' }] : [])],
        labelled: i % 10 === 0,
      })),
      ...extra,
    ]);
  const multiTurn: RenderedRecord = {
    id: 'live_irrelevance_9-0-0',
    category: 'live_irrelevance',
    system: 'SYS',
    messages: [
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'hello' },
      { role: 'user', content: 'weather?' },
    ],
    labelled: false,
  };
  const empty: RenderedRecord = { id: 'live_simple_x', category: 'live_simple', system: 'SYS', messages: [{ role: 'user', content: '' }], labelled: false };

  it('writes accepted records and lists each rejected one with its id and reason', async () => {
    fixture = new StepFixture();
    const input = fixture.input('render', 'render', { 'train.jsonl': rendered(120, [multiTurn, empty]) });
    const ctx = fixture.context('export', { family: 'llama', student: 'meta.llama3-2-3b-instruct-v1:0:128k' }, { rendered: input });
    const result = await exportStep.run(ctx);
    const lines = readFileSync(path.join(ctx.outDir, 'train.bedrock.jsonl'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(120);
    const first = JSON.parse(lines[0]!);
    expect(first).toEqual({
      schemaVersion: 'bedrock-conversation-2024',
      system: [{ text: 'SYS' }],
      messages: [
        { role: 'user', content: [{ text: 'question 0' }] },
        { role: 'assistant', content: [{ text: '[]' }] },
      ],
    });
    const validation = JSON.parse(readFileSync(path.join(ctx.outDir, 'validation.json'), 'utf8'));
    expect(validation).toMatchObject({ records: 122, accepted: 120, labelled: 12, family: 'llama', rejectedByRule: { 'single-turn': 1, content: 1 } });
    expect(validation.rejected).toEqual([
      { id: 'live_irrelevance_9-0-0', rule: 'single-turn', reason: expect.stringMatching(/multi-turn record \(3 messages\): Llama students/) },
      { id: 'live_simple_x', rule: 'content', reason: 'message 1 (user): text is empty' },
    ]);
    expect(validation.bytes).toBe(Buffer.byteLength(readFileSync(path.join(ctx.outDir, 'train.bedrock.jsonl'))));
    expect((result as { display: string[] }).display.join('\n')).toMatch(/warning: 2 of 122 records rejected/);
    expect(result).toMatchObject({ summary: { accepted: 120, rejected: 2 } });
  });

  it('accepts the multi-turn record for a Nova student (family from the student id)', async () => {
    fixture = new StepFixture();
    const input = fixture.input('render', 'render', { 'train.jsonl': rendered(100, [multiTurn]) });
    const ctx = fixture.context('export', { student: 'amazon.nova-lite-v1:0:300k' } as never, { rendered: input });
    await exportStep.run(ctx);
    const validation = JSON.parse(readFileSync(path.join(ctx.outDir, 'validation.json'), 'utf8'));
    expect(validation).toMatchObject({ accepted: 101, multiTurn: 1, family: 'nova', rejected: [] });
  });

  it('fails when fewer than 100 records are valid, naming the step, the count and the first reasons', async () => {
    fixture = new StepFixture();
    const input = fixture.input('render', 'render', { 'train.jsonl': rendered(99, [multiTurn]) });
    const ctx = fixture.context('export', { family: 'llama', student: 'meta.llama3-2-3b-instruct-v1:0:128k' }, { rendered: input });
    const error = await exportStep.run(ctx).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InputError);
    const message = (error as InputError).message;
    expect(message).toMatch(/^step 'export': Bedrock would reject the training file: 99 valid records, Bedrock needs at least 100/);
    expect(message).toMatch(/first: live_irrelevance_9-0-0: multi-turn record/);
    expect(existsSync(path.join(ctx.outDir, 'train.bedrock.jsonl'))).toBe(false);
    expect(JSON.parse(readFileSync(path.join(ctx.stateDir, 'validation.json'), 'utf8')).accepted).toBe(99);
  });

  it('toBedrockRecord keeps one text block per message', () => {
    expect(toBedrockRecord({ system: 's', messages: [{ role: 'user', content: 'u' }] })).toEqual({
      schemaVersion: 'bedrock-conversation-2024',
      system: [{ text: 's' }],
      messages: [{ role: 'user', content: [{ text: 'u' }] }],
    });
  });
});
