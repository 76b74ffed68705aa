import { describe, expect, it } from 'vitest';
import { diffParams, explainMiss, formatValue, type ExplainSubject } from '../../src/graph/explain.js';
import type { RunRecord } from '../../src/graph/store.js';

const k = (c: string) => c.repeat(64);

const subject: ExplainSubject = {
  id: 'render',
  kind: 'render',
  version: 2,
  key: k('e'),
  params: { template: 'templates/nova-json.hbs', fraction: 0.2, categories: ['live_simple', 'live_multiple'] },
  inputs: { train: 'mixin', eval: 'split' },
  inputKeys: { train: k('9'), eval: k('3') },
  files: { 'templates/nova-json.hbs': k('b') },
};

const last: RunRecord = {
  stepId: 'render',
  key: k('d'),
  kind: 'render',
  version: 2,
  params: { ...subject.params },
  inputs: { train: { stepId: 'mixin', key: k('9') }, eval: { stepId: 'split', key: k('3') } },
  files: { 'templates/nova-json.hbs': k('b') },
  at: '2026-01-01T00:00:00Z',
  status: 'ran',
};

describe('explainMiss', () => {
  it('names a changed parameter with its old and new value', () => {
    expect(explainMiss(subject, { lastRun: { ...last, params: { ...last.params, fraction: 0.1 } }, artifact: 'missing' })).toEqual(['fraction 0.1 -> 0.2']);
  });

  it('names a bumped step version', () => {
    expect(explainMiss(subject, { lastRun: { ...last, version: 1 }, artifact: 'missing' })).toEqual(['step version 1 -> 2']);
  });

  it('names a changed input by role and upstream step, with short keys', () => {
    const reasons = explainMiss(subject, { lastRun: { ...last, inputs: { ...last.inputs, eval: { stepId: 'split', key: k('f') } } }, artifact: 'missing' });
    expect(reasons).toEqual(['input eval changed (split ffffffffffff -> 333333333333)']);
    expect(explainMiss(subject, { lastRun: { ...last, inputs: { ...last.inputs, eval: { stepId: 'filter', key: k('f') } } }, artifact: 'missing' })).toEqual([
      'input eval now from split (was filter)',
    ]);
    expect(explainMiss(subject, { lastRun: { ...last, inputs: { train: last.inputs.train! } }, artifact: 'missing' })).toEqual(['new input eval (split)']);
  });

  it('names a changed, added or dropped file', () => {
    expect(explainMiss(subject, { lastRun: { ...last, files: { 'templates/nova-json.hbs': k('c') } }, artifact: 'missing' })).toEqual([
      'file templates/nova-json.hbs changed',
    ]);
    expect(explainMiss(subject, { lastRun: { ...last, files: { 'templates/old.hbs': k('c') } }, artifact: 'missing' })).toEqual([
      'now reads file templates/nova-json.hbs',
      'no longer reads file templates/old.hbs',
    ]);
  });

  it('says when the step never ran, was deleted, is damaged, or is forced', () => {
    expect(explainMiss(subject, { artifact: 'missing' })).toEqual(['never run in this experiment']);
    expect(explainMiss(subject, { lastRun: { ...last, key: subject.key }, artifact: 'missing' })).toEqual([`artifact missing from store (deleted or gc'd)`]);
    expect(explainMiss(subject, { lastRun: last, artifact: 'corrupt', problem: 'out/a.jsonl is missing' })).toEqual([
      'artifact in the store is damaged (out/a.jsonl is missing): it will be rebuilt',
    ]);
    expect(explainMiss(subject, { lastRun: { ...last, key: subject.key }, artifact: 'ok', forced: true })).toEqual(['forced']);
  });

  it('lists several differences at once', () => {
    const reasons = explainMiss(subject, {
      lastRun: { ...last, version: 1, params: { ...last.params, fraction: 0.1, seed: 3 }, files: { 'templates/nova-json.hbs': k('c') } },
      artifact: 'missing',
    });
    expect(reasons).toEqual(['step version 1 -> 2', 'fraction 0.1 -> 0.2', 'seed 3 -> (unset)', 'file templates/nova-json.hbs changed']);
  });

  it('falls back to the keys when nothing recorded differs', () => {
    expect(explainMiss(subject, { lastRun: last, artifact: 'missing' })).toEqual([
      'key dddddddddddd -> eeeeeeeeeeee (no recorded difference; fc-distill\'s key format may have changed)',
    ]);
  });
});

describe('diffParams', () => {
  it('uses dotted paths into nested objects', () => {
    expect(diffParams({ split: { train: 0.5, seed: 42 }, name: 'a' }, { split: { train: 0.6, seed: 42 }, name: 'b' })).toEqual([
      'name "a" -> "b"',
      'split.train 0.5 -> 0.6',
    ]);
    expect(diffParams({ 'mixin.fraction': 0.1 }, { 'mixin.fraction': 0.2 })).toEqual(['"mixin.fraction" 0.1 -> 0.2']);
    expect(diffParams({ a: { 'x y': 1 } }, { a: { 'x y': 2 } })).toEqual(['a["x y"] 1 -> 2']);
  });

  it('shows short arrays whole and summarises long ones', () => {
    expect(diffParams({ c: ['a', 'b'] }, { c: ['a', 'b', 'c'] })).toEqual(['c ["a","b"] -> ["a","b","c"]']);
    const before = ['live_simple', 'live_multiple', 'live_parallel', 'live_parallel_multiple', 'live_irrelevance'];
    const after = ['live_simple', 'live_multiple', 'live_parallel', 'live_parallel_multiple', 'live_relevance', 'simple'];
    expect(diffParams({ categories: before }, { categories: after })).toEqual([
      'categories 5 items -> 6 items: +"live_relevance" +"simple", -"live_irrelevance"',
    ]);
    const models = (t: number) => [{ name: 'teacher', temperature: t }, { name: 'student', temperature: 0 }];
    expect(diffParams({ models: models(0) }, { models: models(0.7) })).toEqual(['models[0].temperature 0 -> 0.7']);
    expect(diffParams({ models: models(0) }, { models: [...models(0), { name: 'base' }] })).toEqual(['models 2 items -> 3 items']);
  });

  it('summarises big objects and long strings', () => {
    const big = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`key${i}`, i]));
    expect(formatValue(big)).toBe('{20 keys}');
    expect(diffParams({ x: 1 }, { x: big })).toEqual(['x 1 -> {20 keys}']);
    expect(formatValue('x'.repeat(100))).toBe(`"${'x'.repeat(45)}…"`);
    expect(formatValue(null)).toBe('null');
  });
});
