import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resultFor, scoreStep } from '../../src/steps/score.js';
import { runStep } from '../data/helpers.js';
import { artifacts } from './helpers.js';

const line = (id: string, category: string, text: string, toolCalls: { name: string; argumentsJson: string }[] = []) =>
  JSON.stringify({ id, category, text, toolCalls, stopReason: 'end_turn', usage: { inputTokens: 10, outputTokens: 5 }, latencyMs: id.length * 10, costUsd: 0.001 });

describe('score step', () => {
  it('tool-config: fc decoder over raw arguments; 1000.0 for an integer parameter is wrong (raw text kept)', async () => {
    const inputs = await artifacts([
      line('simple_0', 'simple', '<thinking>x</thinking>', [{ name: 'geometry.triangle_area', argumentsJson: '{"base": 10, "height": 5.0}' }]),
      line('simple_1', 'simple', '', [{ name: 'finance.interest', argumentsJson: '{"principal": 1000.0, "annual_rate": 5, "rates": [1.0, 2.5]}' }]),
      line('parallel_0', 'parallel', '', [
        { name: 'get_weather', argumentsJson: '{"city": "Paris", "unit": "celsius"}' },
        { name: 'get_weather', argumentsJson: '{"city": "Rome", "unit": "celsius"}' },
      ]),
      line('irrelevance_0', 'irrelevance', 'No tool fits.'),
    ]);
    const { outDir } = await runStep(scoreStep, { model: 'teacher', approach: 'tool-config', answerFormat: 'native' }, inputs);
    const outcomes = (await readFile(join(outDir, 'outcomes.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(outcomes.map((o) => [o.id, o.valid])).toEqual([['simple_0', true], ['simple_1', false], ['parallel_0', true], ['irrelevance_0', true]]);
    expect(outcomes[1].errorType).toBe('type_error:simple');
    const score = JSON.parse(await readFile(join(outDir, 'score.json'), 'utf8'));
    expect(score.perCategory).toEqual({ irrelevance: { n: 1, correct: 1, accuracy: 1 }, parallel: { n: 1, correct: 1, accuracy: 1 }, simple: { n: 2, correct: 1, accuracy: 0.5 } });
    expect(score.overall).toEqual({ n: 4, correct: 3, accuracy: 0.75 });
    expect(score.costUsd).toBe(0.004);
    expect(score.latencyMs.p50).toBeGreaterThan(0);
  });

  it('prompt json-list: Nova <thinking> before the JSON answer is tolerated; prose is no call', async () => {
    const inputs = await artifacts([
      line('simple_0', 'simple', '<thinking>The user wants the area.</thinking>\n[{"name": "geometry.triangle_area", "arguments": {"base": 10, "height": 5.0}}]'),
      line('simple_1', 'simple', '```json\n[{"name": "finance.interest", "arguments": {"principal": 1000, "annual_rate": 5.0, "rates": [1.0, 2.5]}}]\n```'),
      line('parallel_0', 'parallel', '<thinking>two calls</thinking> [{"name": "get_weather", "arguments": {"city": "Paris", "unit": "celsius"}}]'),
      line('irrelevance_0', 'irrelevance', '<thinking>nothing fits</thinking>\n[]'),
    ]);
    const { outDir } = await runStep(scoreStep, { model: 'student', approach: 'prompt', answerFormat: 'json-list' }, inputs);
    const outcomes = (await readFile(join(outDir, 'outcomes.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(outcomes.map((o) => [o.id, o.valid, o.approach, o.model])).toEqual([
      ['simple_0', true, 'prompt', 'student'],
      ['simple_1', true, 'prompt', 'student'],
      ['parallel_0', false, 'prompt', 'student'],
      ['irrelevance_0', true, 'prompt', 'student'],
    ]);
  });

  it('llama-json and python answers are decoded with their formats', () => {
    expect(resultFor({ text: '{"name": "f", "parameters": {}}; {"name": "g", "parameters": {}}', toolCalls: [] }, 'prompt', 'llama-json')).toEqual({
      result: '[{"name": "f", "parameters": {}}, {"name": "g", "parameters": {}}]',
      decoder: 'json-text',
    });
    expect(resultFor({ text: '<thinking>x</thinking>[f(a=1)]', toolCalls: [] }, 'prompt', 'python')).toEqual({ result: '[f(a=1)]', decoder: 'python' });
  });
});
