import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConverseProvider } from '../../src/models/bedrock.js';
import { Journal, requestKey } from '../../src/models/journal.js';
import { RateLimiter } from '../../src/models/rate-limiter.js';
import { runInference } from '../../src/models/runner.js';
import { startFakeRuntime } from '../support/fake-bedrock/runtime.js';
import { EXAMPLES, setFakeAwsEnv } from './fixtures.js';

export interface QuotaFigures {
  quotaPerMinute: number;
  requests: number;
  succeeded: number;
  errors: number;
  lost: number;
  throttled: number;
  seconds: number;
  achievedPerMinute: number;
  /** achieved / quota */
  share: number;
  successRate: number;
}

/**
 * Runs `seconds x quota/60` requests through the real inference path (ConverseProvider over the
 * SDK, the adaptive limiter with no configured cap, the journalled runner) against the fake
 * runtime enforcing `quotaPerMinute` with 429s, and reports the achieved throughput.
 */
export async function measureQuota(options: { quotaPerMinute?: number; seconds?: number; concurrency?: number } = {}): Promise<QuotaFigures> {
  setFakeAwsEnv();
  const quota = options.quotaPerMinute ?? 600;
  const n = Math.round(((options.seconds ?? 10) * quota) / 60);
  const fake = await startFakeRuntime({ examples: EXAMPLES, quotaPerMinute: quota, burstSeconds: 1, delayMs: 20 });
  const dir = await mkdtemp(join(tmpdir(), 'fc-quota-'));
  const limiter = new RateLimiter({});
  const provider = new ConverseProvider({ model: 'amazon.nova-lite-v1:0', approach: 'tool-config', endpoint: fake.endpoint, region: 'us-east-1', onThrottle: () => limiter.onThrottle() });
  const journal = await Journal.open(join(dir, 'journal.jsonl'));
  const items = Array.from({ length: n }, (_, i) => {
    const e = EXAMPLES[i % EXAMPLES.length]!;
    const request = { id: `${e.id}#${i}`, system: '', messages: [{ role: 'user' as const, content: `${e.question[0]!.at(-1)!.content} ${i}` }], tools: e.functions, inference: { temperature: 0, maxTokens: 64 }, metadata: { example: e.id, n: String(i) } };
    return { key: requestKey(request), request };
  });
  const started = performance.now();
  let lastSuccess = started;
  try {
    const outcome = await runInference({ provider, items, journal, limiter, concurrency: options.concurrency ?? 16, onResponse: () => (lastSuccess = performance.now()) });
    const seconds = (lastSuccess - started) / 1000;
    const succeeded = items.filter((i) => journal.response(i.key)).length;
    const achievedPerMinute = (succeeded / seconds) * 60;
    return {
      quotaPerMinute: quota,
      requests: n,
      succeeded,
      errors: outcome.errors.size,
      lost: n - succeeded - outcome.errors.size,
      throttled: fake.throttled,
      seconds,
      achievedPerMinute,
      share: achievedPerMinute / quota,
      successRate: succeeded / n,
    };
  } finally {
    await journal.close();
    provider.close();
    await fake.close();
    await rm(dir, { recursive: true, force: true });
  }
}

// As a script: `node --import ./test/graph/fixtures/register-ts.mjs test/models/quota.ts [quota] [seconds]`
if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'))) {
  const [quota, seconds] = process.argv.slice(2).map(Number);
  const figures = await measureQuota({ ...(quota ? { quotaPerMinute: quota } : {}), ...(seconds ? { seconds } : {}) });
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}
