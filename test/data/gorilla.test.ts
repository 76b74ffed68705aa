import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBfclDataset } from '../../src/bfcl/datasets.js';
import { InputError } from '../../src/errors.js';
import { ensureRequirements } from '../../src/python/venv.js';
import { loadStep } from '../../src/steps/load.js';
import { datasetPlanInfo } from '../../src/bfcl/datasets.js';
import { repoDir, runStep, tempDir } from './helpers.js';

/**
 * The gorilla source against a local HTTP server on 127.0.0.1 that serves the files of the
 * installed bfcl-eval v3 package (identical to gorilla c15b2a15), never the internet.
 */
let server: Server;
let base: string;
let dataDir: string;
const requests: string[] = [];
/** path -> behaviour: 'corrupt' serves altered bytes; a number n fails the first n requests with HTTP 500. */
const behaviour = new Map<string, 'corrupt' | number>();

beforeAll(async () => {
  dataDir = join(await ensureRequirements('bfcl-eval-v3'), 'bfcl_eval', 'data');
  server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(path);
    const rule = behaviour.get(path);
    if (typeof rule === 'number' && rule > 0) {
      behaviour.set(path, rule - 1);
      res.writeHead(500).end('try again');
      return;
    }
    const match = /^\/(mirror-[a-z]+)\/(.+)$/.exec(path);
    if (!match) return void res.writeHead(404).end();
    readFile(join(dataDir, match[2] as string)).then(
      (bytes) => {
        if (rule === 'corrupt') bytes = Buffer.concat([bytes.subarray(0, 100), Buffer.from('X'), bytes.subarray(101)]);
        res.writeHead(200, { 'content-type': 'application/json' }).end(bytes);
      },
      () => res.writeHead(404).end('not found'),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const LIVE_SMALL = ['live_simple', 'live_parallel', 'live_relevance'];

describe('gorilla source', () => {
  it('downloads, verifies and caches the pinned files; same content as bfcl-eval', async () => {
    const cacheDir = await tempDir();
    const url = `${base}/mirror-ok`;
    const data = await loadBfclDataset({ source: 'gorilla', version: 'v3', categories: LIVE_SMALL, url }, { cacheDir });
    expect(data.counts).toEqual({ live_simple: 258, live_parallel: 16, live_relevance: 18 });
    const fromPackage = await loadBfclDataset({ source: 'bfcl-eval', version: 'v3', categories: LIVE_SMALL }, { cacheDir });
    expect(data.contentHash).toBe(fromPackage.contentHash);
    expect(data.jsonl).toEqual(fromPackage.jsonl);
    const before = requests.length;
    await loadBfclDataset({ source: 'gorilla', version: 'v3', categories: LIVE_SMALL, url }, { cacheDir });
    expect(requests.length).toBe(before); // served from the cache
  });

  it('refuses a file whose sum differs, naming the file, the expected and the actual sum', async () => {
    behaviour.set('/mirror-bad/BFCL_v3_live_parallel.json', 'corrupt');
    const error = await loadBfclDataset(
      { source: 'gorilla', version: 'v3', categories: LIVE_SMALL, url: `${base}/mirror-bad` },
      { cacheDir: await tempDir() },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    const message = (error as Error).message;
    expect(message).toContain(`BFCL_v3_live_parallel.json (${base}/mirror-bad/BFCL_v3_live_parallel.json) is not the pinned BFCL v3 data of gorilla commit c15b2a15`);
    expect(message).toContain('expected 6c26e9fdc3350cf596e6d1ea9c179cbff834761bccf562f4141ed29a839ca421');
    expect(message).toMatch(/got sha256 [0-9a-f]{64}/);
  });

  it('retries HTTP 500 and then succeeds', async () => {
    behaviour.set('/mirror-flaky/BFCL_v3_live_parallel.json', 2);
    const logs: string[] = [];
    const data = await loadBfclDataset(
      { source: 'gorilla', version: 'v3', categories: ['live_parallel'], url: `${base}/mirror-flaky` },
      { cacheDir: await tempDir(), download: { retryDelayMs: 10 }, log: (m) => logs.push(m) },
    );
    expect(data.total).toBe(16);
    expect(requests.filter((r) => r === '/mirror-flaky/BFCL_v3_live_parallel.json')).toHaveLength(3);
    expect(logs.filter((l) => l.includes('HTTP 500'))).toHaveLength(2);
  });

  it('gives up after the retries with the last problem', async () => {
    behaviour.set('/mirror-down/BFCL_v3_live_parallel.json', 100);
    const error = await loadBfclDataset(
      { source: 'gorilla', version: 'v3', categories: ['live_parallel'], url: `${base}/mirror-down` },
      { cacheDir: await tempDir(), download: { retries: 2, retryDelayMs: 1 } },
    ).catch((e: unknown) => e as Error);
    expect((error as Error).message).toMatch(/failed after 3 attempts \(last: HTTP 500/);
  });

  it('refuses plain http to a non-loopback host', async () => {
    await expect(
      loadBfclDataset({ source: 'gorilla', version: 'v3', categories: ['live_parallel'], url: 'http://example.com/data' }, { cacheDir: await tempDir() }),
    ).rejects.toThrow(/must use https/);
  });

  it('runs as the load step with the planner params', async () => {
    const { params } = datasetPlanInfo(
      { source: 'gorilla', version: 'v3', categories: ['live_parallel', 'live_relevance'], url: `${base}/mirror-step` },
      repoDir,
    );
    const { outDir, result } = await runStep(loadStep, params, {}, { cacheDir: await tempDir() });
    const info = JSON.parse(await readFile(join(outDir, 'dataset.json'), 'utf8'));
    expect(info.counts).toEqual({ live_parallel: 16, live_relevance: 18 });
    expect(info.source).toBe('gorilla');
    expect((await readFile(join(outDir, 'examples.jsonl'), 'utf8')).trimEnd().split('\n')).toHaveLength(34);
    expect(result && result.display?.join('\n')).toMatch(/live_relevance\s+18/);
  });
});
