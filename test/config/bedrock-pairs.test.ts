import { describe, expect, it } from 'vitest';
import { BEDROCK_DISTILLATION_PAIRS, checkDistillationPair, supportedPairs } from '../../src/models/bedrock-pairs.js';

describe('supported Bedrock distillation pairs', () => {
  it('is a dated table with its source', () => {
    expect(BEDROCK_DISTILLATION_PAIRS.asOf).toBe('2026-11-22');
    expect(BEDROCK_DISTILLATION_PAIRS.source).toContain('bedrock.md');
  });

  it.each([
    ['us.amazon.nova-premier-v1:0', 'amazon.nova-lite-v1:0:300k', 'us-east-1'],
    ['us.amazon.nova-premier-v1:0', 'amazon.nova-micro-v1:0:128k', 'us-east-1'],
    ['us.amazon.nova-premier-v1:0', 'amazon.nova-pro-v1:0:300k', 'us-east-1'],
    ['amazon.nova-pro-v1:0', 'amazon.nova-lite-v1:0:300k', 'us-east-1'],
    ['us.amazon.nova-pro-v1:0', 'amazon.nova-micro-v1:0:128k', 'us-east-1'],
    ['meta.llama3-1-405b-instruct-v1:0', 'meta.llama3-3-70b-instruct-v1:0:128k', 'us-west-2'],
    ['meta.llama3-1-70b-instruct-v1:0', 'meta.llama3-2-3b-instruct-v1:0:128k', 'us-west-2'],
    ['us.meta.llama3-1-70b-instruct-v1:0', 'meta.llama3-1-8b-instruct-v1:0:128k', 'us-west-2'],
    ['us.meta.llama3-3-70b-instruct-v1:0', 'meta.llama3-2-1b-instruct-v1:0:128k', 'us-west-2'],
    ['anthropic.claude-3-5-sonnet-20241022-v2:0', 'anthropic.claude-3-haiku-20240307-v1:0:200k', 'us-west-2'],
  ])('%s -> %s in %s is supported', (teacher, student, region) => {
    expect(checkDistillationPair(teacher, student, region).ok).toBe(true);
  });

  it('warns about Legacy teachers and Anthropic availability', () => {
    const legacy = checkDistillationPair('meta.llama3-1-405b-instruct-v1:0', 'meta.llama3-1-8b-instruct-v1:0:128k', 'us-west-2');
    expect(legacy.ok).toBe(true);
    expect(legacy.warnings.join('\n')).toContain('Legacy since 2026-07-07');
    const claude = checkDistillationPair('us.anthropic.claude-3-5-sonnet-20240620-v1:0', 'anthropic.claude-3-haiku-20240307-v1:0:200k', 'us-west-2');
    expect(claude.warnings.join('\n')).toContain('not currently available');
    expect(checkDistillationPair('us.amazon.nova-premier-v1:0', 'amazon.nova-lite-v1:0:300k', 'us-east-1').warnings).toEqual([]);
  });

  it('says which students a teacher supports', () => {
    const r = checkDistillationPair('amazon.nova-pro-v1:0', 'amazon.nova-pro-v1:0:300k', 'us-east-1');
    expect(r).toMatchObject({ ok: false, field: 'student' });
    expect(!r.ok && r.message).toContain('supported students of Nova Pro: amazon.nova-lite-v1:0:300k (Nova Lite), amazon.nova-micro-v1:0:128k (Nova Micro)');
    expect(!r.ok && r.message).toContain('amazon.nova-pro-v1:0:300k can be distilled from: Nova Premier (us.amazon.nova-premier-v1:0; us-east-1)');
  });

  it('Llama 3.1 405B does not teach Llama 3.2 3B', () => {
    const r = checkDistillationPair('meta.llama3-1-405b-instruct-v1:0', 'meta.llama3-2-3b-instruct-v1:0:128k', 'us-west-2');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toContain('can be distilled from: Llama 3.1 70B');
  });

  it('says how a teacher must be named: profile only, on demand only', () => {
    const profileOnly = checkDistillationPair('meta.llama3-3-70b-instruct-v1:0', 'meta.llama3-2-3b-instruct-v1:0:128k', 'us-west-2');
    expect(!profileOnly.ok && profileOnly.message).toContain('use us.meta.llama3-3-70b-instruct-v1:0');
    const onDemandOnly = checkDistillationPair('us.meta.llama3-1-405b-instruct-v1:0', 'meta.llama3-1-8b-instruct-v1:0:128k', 'us-west-2');
    expect(!onDemandOnly.ok && onDemandOnly.message).toContain('only supported as a teacher on demand');
    const wrongGeography = checkDistillationPair('eu.amazon.nova-pro-v1:0', 'amazon.nova-lite-v1:0:300k', 'us-east-1');
    expect(!wrongGeography.ok && wrongGeography.message).toContain('eu. profiles do not serve us-east-1');
  });

  it('says where a pair is supported when the region is wrong', () => {
    const r = checkDistillationPair('us.amazon.nova-premier-v1:0', 'amazon.nova-lite-v1:0:300k', 'us-west-2');
    expect(r).toMatchObject({ ok: false, field: 'region' });
    expect(!r.ok && r.message).toContain('supported in us-east-1 only, not in us-west-2');
  });

  it('lists unknown teachers with what is supported', () => {
    const r = checkDistillationPair('openai.gpt-oss-120b-1:0', 'amazon.nova-lite-v1:0:300k', 'us-east-1');
    expect(r).toMatchObject({ ok: false, field: 'teacher' });
    expect(!r.ok && r.message).toContain('Teachers for student amazon.nova-lite-v1:0:300k: Nova Premier');
  });

  it('flattens to one row per teacher, student and region', () => {
    const rows = supportedPairs();
    expect(rows).toContainEqual({ teacher: 'Nova Premier', teacherIds: ['us.amazon.nova-premier-v1:0'], student: 'amazon.nova-lite-v1:0:300k', region: 'us-east-1' });
    expect(rows.length).toBe(3 + 2 + 4 + 3 + 3 + 1 + 1);
  });
});
