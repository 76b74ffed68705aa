import { describe, expect, it } from 'vitest';
import type { BfclExample } from '../../src/bfcl/records.js';
import { conversationOf } from '../../src/prompts/context.js';
import { labelFor, parseExampleLine, renderExample } from '../../src/prompts/render.js';
import { compileTemplate } from '../../src/prompts/template.js';

const base: BfclExample = {
  id: 'x_0',
  category: 'live_multiple',
  question: [[{ role: 'user', content: 'q' }]],
  functions: [],
  answerJson: '[{"f": {"a": [1]}}]',
};
const template = compileTemplate('SYS{{#if system}}\n\n{{system}}{{/if}}', 'test.hbs');

describe('conversationOf', () => {
  it('moves system messages out and joins consecutive user messages with a blank line', () => {
    expect(
      conversationOf({
        question: [
          [
            { role: 'system', content: 'S' },
            { role: 'user', content: 'u1' },
            { role: 'user', content: 'u2' },
            { role: 'assistant', content: 'a1' },
            { role: 'user', content: 'u3' },
          ],
        ],
      }),
    ).toEqual({
      system: 'S',
      messages: [
        { role: 'user', content: 'u1\n\nu2' },
        { role: 'assistant', content: 'a1' },
        { role: 'user', content: 'u3' },
      ],
    });
  });
});

describe('labels', () => {
  it('irrelevance gets the no-call answer, relevance none, unpassable none', () => {
    expect(labelFor({ ...base, category: 'live_irrelevance', answerJson: null }, 'json-list')).toEqual({ answer: '[]' });
    expect(labelFor({ ...base, category: 'irrelevance', answerJson: null }, 'python')).toEqual({ answer: '[]' });
    expect(labelFor({ ...base, category: 'live_relevance', answerJson: null }, 'json-list')).toMatchObject({
      skipped: expect.stringMatching(/no ground truth/),
    });
    expect(labelFor({ ...base, answerJson: '[{"f": {"a": []}}]' }, 'json-list')).toMatchObject({
      skipped: expect.stringMatching(/no acceptable value/),
    });
  });

  it('a labelled record ends with the answer; an unlabelled one with the question', () => {
    const labelled = renderExample(base, template, { answerFormat: 'json-list', label: true });
    expect(labelled.record).toEqual({
      id: 'x_0',
      category: 'live_multiple',
      system: 'SYS',
      messages: [
        { role: 'user', content: 'q' },
        { role: 'assistant', content: '[{"name": "f", "arguments": {"a": 1}}]' },
      ],
      labelled: true,
    });
    const plain = renderExample(base, template, { answerFormat: 'json-list', label: false });
    expect(plain.record.labelled).toBe(false);
    expect(plain.record.messages).toEqual([{ role: 'user', content: 'q' }]);
    const skipped = renderExample({ ...base, category: 'live_relevance', answerJson: null }, template, { answerFormat: 'json-list', label: true });
    expect(skipped.record.labelled).toBe(false);
    expect(skipped.labelSkipped).toMatch(/no ground truth/);
  });

  it('keeps earlier assistant turns (multi-turn) and appends the system text', () => {
    const example: BfclExample = {
      ...base,
      category: 'live_irrelevance',
      answerJson: null,
      question: [[{ role: 'system', content: 'Be kind.' }, { role: 'user', content: 'hi' }, { role: 'assistant', content: 'hello' }, { role: 'user', content: 'weather?' }]],
    };
    const { record } = renderExample(example, template, { answerFormat: 'json-list', label: true });
    expect(record.system).toBe('SYS\n\nBe kind.');
    expect(record.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(record.messages[3]!.content).toBe('[]');
  });
});

describe('parseExampleLine', () => {
  it('keeps numbers in function docs as written', () => {
    const line = '{"id":"a","category":"simple","question":[[{"role":"user","content":"q"}]],"functions":[{"name":"f","description":"d","parameters":{"type":"dict","properties":{"x":{"type":"float","default":0.0}},"required":[]}}],"answerJson":null,"labelled":true}';
    const example = parseExampleLine(line);
    expect(example.labelled).toBe(true);
    const t = compileTemplate('{{functionsJson}}', 'x.hbs');
    expect(renderExample(example, t, { answerFormat: 'json-list', label: false }).record.system).toContain('"default": 0.0');
  });
});
