import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../../errors.js';
import { gorillaDataUrl, PINNED_BFCL_DATA } from '../data-sums.js';
import type { BfclVersion } from '../records.js';
import { dataFile, mapLimit, pinnedMismatch, type DataFile } from './source.js';

/**
 * Source `gorilla`: the raw data files of the public gorilla repository at the pinned commit,
 * downloaded over HTTPS (plain HTTP only to a loopback address, for tests and local mirrors),
 * checked against the committed SHA-256 sums and line counts, and cached by sum under
 * `<cacheDir>/bfcl-data/`, so each file is downloaded once per machine.
 * Transient failures (network errors, timeouts, HTTP 429 and 5xx) are retried with
 * exponential backoff; a sum mismatch or a 404 is not: it means the URL does not serve the
 * pinned files.
 */
export interface GorillaOptions {
  /** Folder for downloaded files (content-addressed by their pinned sum). */
  cacheDir: string;
  /** Base URL of the data folder; default: raw.githubusercontent.com at the pinned commit. */
  url?: string;
  /** Retries after the first attempt (default 4). */
  retries?: number;
  /** First backoff delay, doubled after each retry (default 1000 ms). */
  retryDelayMs?: number;
  /** Per-request timeout (default 60 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
  log?: (message: string) => void;
}

export async function readGorillaFiles(
  version: BfclVersion,
  names: readonly string[],
  options: GorillaOptions,
): Promise<DataFile[]> {
  const pin = PINNED_BFCL_DATA[version];
  const base = checkedBaseUrl(options.url ?? gorillaDataUrl(pin.commit));
  const cache = join(options.cacheDir, 'bfcl-data');
  await mkdir(cache, { recursive: true });
  return mapLimit(names, 4, async (name) => {
    const expected = pin.files[name];
    if (!expected) throw new Error(`internal: ${name} is not in the pinned ${version} sums table`);
    const cached = join(cache, `${expected.sha256}-${name.replaceAll('/', '__')}`);
    const url = `${base}/${name}`;
    const hit = await readFile(cached).catch(() => undefined);
    if (hit) {
      const file = dataFile(name, hit, url);
      if (!pinnedMismatch(file, expected, '', '')) return file;
      await rm(cached, { force: true }); // a damaged cache entry: download again
    }
    const file = dataFile(name, await download(url, options), url);
    const mismatch = pinnedMismatch(
      file,
      expected,
      `BFCL ${version} data of gorilla commit ${pin.commit.slice(0, 8)}`,
      `The URL does not serve the pinned files: check dataset.url (the bfcl_eval/data folder at commit ${pin.commit}) or use source bfcl-eval.`,
    );
    if (mismatch) throw mismatch;
    const temporary = `${cached}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(temporary, file.bytes);
    await rename(temporary, cached);
    return file;
  });
}

function checkedBaseUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InputError(`dataset.url '${url}' is not a URL: give the base URL of the bfcl_eval/data folder.`);
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(parsed.hostname);
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && loopback)) {
    throw new InputError(
      `dataset.url '${url}' must use https (plain http is accepted only for a loopback mirror such as http://127.0.0.1:8000).`,
    );
  }
  return url.replace(/\/+$/, '');
}

async function download(url: string, options: GorillaOptions): Promise<Buffer> {
  const retries = options.retries ?? 4;
  let delay = options.retryDelayMs ?? 1000;
  let lastProblem = '';
  for (let attempt = 0; ; attempt++) {
    options.signal?.throwIfAborted();
    const timeout = AbortSignal.timeout(options.timeoutMs ?? 60_000);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    let retryAfterMs: number | undefined;
    try {
      const response = await fetch(url, { signal });
      if (response.ok) return Buffer.from(await response.arrayBuffer());
      await response.body?.cancel().catch(() => undefined);
      if (response.status === 404) {
        throw new InputError(
          `${url} does not exist (HTTP 404): check dataset.url; it must be the base URL of the bfcl_eval/data folder at the pinned commit.`,
        );
      }
      if (response.status !== 429 && response.status < 500) {
        throw new Error(`downloading ${url} failed: HTTP ${response.status} ${response.statusText}`);
      }
      lastProblem = `HTTP ${response.status} ${response.statusText}`.trim();
      const header = Number(response.headers.get('retry-after'));
      if (Number.isFinite(header) && header > 0) retryAfterMs = Math.min(header * 1000, 60_000);
    } catch (error) {
      if (error instanceof InputError || options.signal?.aborted) throw error;
      if (error instanceof Error && error.message.startsWith('downloading ')) throw error;
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      lastProblem = timeout.aborted ? `timed out after ${options.timeoutMs ?? 60_000} ms` : (cause?.code ?? cause?.message ?? (error as Error).message);
    }
    if (attempt >= retries) {
      throw new Error(`downloading ${url} failed after ${attempt + 1} attempts (last: ${lastProblem}). Check the network and rerun; finished files are cached.`);
    }
    const wait = retryAfterMs ?? delay;
    options.log?.(`download of ${url} failed (${lastProblem}); retrying in ${wait} ms`);
    await sleep(wait, options.signal);
    delay *= 2;
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}
