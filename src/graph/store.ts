import { createHash, randomBytes } from 'node:crypto';
import { lstat, mkdir, open, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { JsonObject } from '../json.js';
import { acquireLock, lockHolder, type AcquireOptions, type FileLock } from './lock.js';
import { isKey, shortKey } from './keys.js';
import { currentOwner, ownerState, parseOwner, type ProcessOwner } from './owner.js';
import type { Manifest } from './step.js';

/**
 * The artifact store: each step's output under its key, published atomically and verified
 * when read.
 *
 *   <root>/steps/<key>/manifest.json     what produced it, and sha256 + size of every output file
 *   <root>/steps/<key>/verified.json     (size, mtime, inode) of each output when its hash last matched
 *   <root>/steps/<key>/out/...           the artifact (what ctx.outDir held when run() resolved)
 *   <root>/state/<key>/                  per-key state that survives crashes (job ARNs, ...)
 *   <root>/shared/<kind>/                state shared by every key of a step kind (the infer step's response journals)
 *   <root>/runs/<experiment>/<step>.json the last run of a step id in an experiment (explains misses)
 *   <root>/locks/<key>.lock              held while a process runs that key
 *   <root>/tmp/                          work in progress; whatever a dead process left here is ignored and cleaned
 *
 * A step is built in tmp/<key>.<pid>.<random>/out, every file is fsynced, the manifest is
 * written last, and the directory is renamed to steps/<key>: a crash at any point leaves
 * either nothing or a complete artifact.
 */

export const DEFAULT_STORE_DIR = '.fc-distill';
export const STORE_ENV = 'FC_DISTILL_STORE';

/** How much `check`/`get` verify. `fast`: every output exists with its recorded size, and any file whose
 * (size, mtime, inode) differs from when its hash last matched is hashed again. `full`: hash everything. */
export type VerifyMode = 'fast' | 'full';

export interface Artifact {
  key: string;
  /** The artifact's files (read-only): `steps/<key>/out`. */
  dir: string;
  manifest: Manifest;
}

export type ArtifactCheck =
  | { status: 'ok'; artifact: Artifact }
  | { status: 'missing' }
  | { status: 'corrupt'; problem: string };

/** A step being built: write into `outDir`, then `commit` or `abandon`. */
export interface PendingArtifact {
  key: string;
  tmpDir: string;
  outDir: string;
  stateDir: string;
}

/** The last completed (ran or found cached) run of a step id in an experiment. */
export interface RunRecord {
  stepId: string;
  key: string;
  kind: string;
  version: number;
  params: JsonObject;
  /** role -> upstream step id and its key */
  inputs: Record<string, { stepId: string; key: string }>;
  files: Record<string, string>;
  at: string;
  status: 'ran' | 'cached';
}

export interface StoreOptions {
  /** Project root; the store defaults to `<projectDir>/.fc-distill`. */
  projectDir?: string;
  /** Explicit store directory (wins over FC_DISTILL_STORE). */
  root?: string;
  env?: NodeJS.ProcessEnv;
}

export function storeRoot(options: StoreOptions): string {
  if (options.root) return resolve(options.root);
  const fromEnv = (options.env ?? process.env)[STORE_ENV];
  if (fromEnv) return resolve(fromEnv);
  return resolve(options.projectDir ?? process.cwd(), DEFAULT_STORE_DIR);
}

interface Fingerprint {
  bytes: number;
  mtimeMs: number;
  ino: number;
}

function code(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

function random(): string {
  return randomBytes(6).toString('hex');
}

/** A file name for an arbitrary id (experiment names may contain `/`). */
function fileName(id: string): string {
  const encoded = encodeURIComponent(id);
  return encoded === '' || encoded === '.' || encoded === '..' ? `%${encoded.length}` : encoded;
}

async function fsyncPath(path: string): Promise<void> {
  let handle;
  try {
    handle = await open(path, 'r');
    await handle.sync();
  } catch {
    // Directories cannot be opened or synced on some platforms: best effort.
  } finally {
    await handle?.close();
  }
}

async function readJson<T>(path: string): Promise<T | undefined> {
  let text;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (code(error) === 'ENOENT' || code(error) === 'ENOTDIR') return undefined;
    throw error;
  }
  return JSON.parse(text) as T;
}

/** Hashes one file through an open descriptor, fsyncs it, and returns its digest and fingerprint. */
async function digestAndSync(path: string, sync: boolean): Promise<{ sha256: string; bytes: number; fingerprint: Fingerprint }> {
  const handle = await open(path, 'r');
  try {
    const hash = createHash('sha256');
    let bytes = 0;
    for await (const chunk of handle.createReadStream({ highWaterMark: 1 << 20, autoClose: false })) {
      hash.update(chunk as Buffer);
      bytes += (chunk as Buffer).length;
    }
    if (sync) await handle.sync();
    const info = await handle.stat();
    return { sha256: hash.digest('hex'), bytes, fingerprint: { bytes: info.size, mtimeMs: info.mtimeMs, ino: info.ino } };
  } finally {
    await handle.close();
  }
}

/** Runs `fn` over `items` with at most `limit` at a time. */
async function forEachLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  });
  await Promise.all(workers);
}

/** Regular files under `dir`, as `/`-separated relative paths; anything else (symlinks, sockets) is refused. */
async function listFiles(dir: string): Promise<{ files: string[]; dirs: string[] }> {
  const files: string[] = [];
  const dirs: string[] = [dir];
  const walk = async (absolute: string, relative: string): Promise<void> => {
    const entries = await readdir(absolute, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const rel = relative ? `${relative}/${entry.name}` : entry.name;
      const abs = join(absolute, entry.name);
      if (entry.isDirectory()) {
        dirs.push(abs);
        await walk(abs, rel);
      } else if (entry.isFile()) {
        files.push(rel);
      } else {
        throw new Error(`the step's output contains ${rel}, which is not a regular file or directory (symlinks are not allowed in artifacts)`);
      }
    }
  };
  await walk(dir, '');
  return { files, dirs };
}

export async function directoryBytes(path: string): Promise<number> {
  let info;
  try {
    info = await lstat(path);
  } catch {
    return 0;
  }
  if (!info.isDirectory()) return info.size;
  let total = 0;
  const entries = await readdir(path).catch(() => [] as string[]);
  for (const entry of entries) total += await directoryBytes(join(path, entry));
  return total;
}

export class Store {
  readonly root: string;
  readonly stepsDir: string;
  readonly tmpDir: string;
  readonly statesDir: string;
  readonly runsDir: string;
  readonly locksDir: string;

  constructor(options: StoreOptions = {}) {
    this.root = storeRoot(options);
    this.stepsDir = join(this.root, 'steps');
    this.tmpDir = join(this.root, 'tmp');
    this.statesDir = join(this.root, 'state');
    this.runsDir = join(this.root, 'runs');
    this.locksDir = join(this.root, 'locks');
  }

  private assertKey(key: string): void {
    if (!isKey(key)) throw new Error(`not a step key: '${key}'`);
  }

  /** `steps/<key>`: manifest.json, verified.json and out/. */
  entryDir(key: string): string {
    this.assertKey(key);
    return join(this.stepsDir, key);
  }

  /** Where the artifact's files are (or will be) once published. */
  artifactDir(key: string): string {
    return join(this.entryDir(key), 'out');
  }

  stateDir(key: string): string {
    this.assertKey(key);
    return join(this.statesDir, key);
  }

  /** `shared/<kind>`: kept across keys and commits (see StepContext.sharedDir). */
  sharedDir(kind: string): string {
    return join(this.root, 'shared', fileName(kind));
  }

  lockPath(key: string): string {
    this.assertKey(key);
    return join(this.locksDir, `${key}.lock`);
  }

  /** Is the artifact there and intact? Never throws for a damaged entry: that is `corrupt`. */
  async check(key: string, options: { verify?: VerifyMode } = {}): Promise<ArtifactCheck> {
    const entry = this.entryDir(key);
    let manifest: Manifest | undefined;
    try {
      manifest = await readJson<Manifest>(join(entry, 'manifest.json'));
    } catch (error) {
      return { status: 'corrupt', problem: `manifest.json is unreadable (${(error as Error).message})` };
    }
    if (manifest === undefined) {
      const exists = await stat(entry).then(
        () => true,
        () => false,
      );
      return exists ? { status: 'corrupt', problem: 'manifest.json is missing' } : { status: 'missing' };
    }
    if (manifest.key !== key || typeof manifest.outputs !== 'object' || manifest.outputs === null) {
      return { status: 'corrupt', problem: 'manifest.json does not describe this key' };
    }
    const out = join(entry, 'out');
    let fingerprints: Record<string, Fingerprint> = {};
    try {
      fingerprints = (await readJson<Record<string, Fingerprint>>(join(entry, 'verified.json'))) ?? {};
    } catch {
      fingerprints = {};
    }
    const full = options.verify === 'full';
    let problem: string | undefined;
    let refreshed = false;
    await forEachLimit(Object.entries(manifest.outputs), 8, async ([rel, expected]) => {
      if (problem) return;
      const path = join(out, ...rel.split('/'));
      let info;
      try {
        info = await stat(path);
      } catch {
        problem ??= `out/${rel} is missing`;
        return;
      }
      if (!info.isFile()) {
        problem ??= `out/${rel} is not a file`;
        return;
      }
      if (info.size !== expected.bytes) {
        problem ??= `out/${rel} has ${info.size} bytes, the manifest says ${expected.bytes}`;
        return;
      }
      const known = fingerprints[rel];
      if (!full && known && known.bytes === info.size && known.mtimeMs === info.mtimeMs && known.ino === info.ino) return;
      const digest = await digestAndSync(path, false);
      if (digest.sha256 !== expected.sha256) {
        problem ??= `out/${rel} has changed (sha256 ${shortKey(digest.sha256)}, the manifest says ${shortKey(expected.sha256)})`;
        return;
      }
      fingerprints[rel] = digest.fingerprint;
      refreshed = true;
    });
    if (problem) return { status: 'corrupt', problem };
    if (refreshed) {
      // Best effort: a read-only store still verifies, it just hashes again next time.
      await this.writeFileAtomic(join(entry, 'verified.json'), JSON.stringify(fingerprints)).catch(() => undefined);
    }
    return { status: 'ok', artifact: { key, dir: out, manifest } };
  }

  async get(key: string, options: { verify?: VerifyMode } = {}): Promise<Artifact | undefined> {
    const result = await this.check(key, options);
    return result.status === 'ok' ? result.artifact : undefined;
  }

  async has(key: string, options: { verify?: VerifyMode } = {}): Promise<boolean> {
    return (await this.check(key, options)).status === 'ok';
  }

  /** Starts building `key`: a fresh empty outDir in tmp/, and the key's persistent stateDir. */
  async open(key: string): Promise<PendingArtifact> {
    this.assertKey(key);
    const tmpDir = join(this.tmpDir, `${key}.${process.pid}.${random()}`);
    const outDir = join(tmpDir, 'out');
    await mkdir(outDir, { recursive: true });
    await this.writeOwner(tmpDir);
    const stateDir = this.stateDir(key);
    await mkdir(stateDir, { recursive: true });
    return { key, tmpDir, outDir, stateDir };
  }

  private async writeOwner(dir: string): Promise<void> {
    const handle = await open(join(dir, 'owner.json'), 'w');
    try {
      await handle.writeFile(JSON.stringify(currentOwner()));
    } finally {
      await handle.close();
    }
  }

  /**
   * Publishes what the step wrote: hashes and fsyncs every file, writes the manifest, and
   * renames the whole directory to steps/<key> (replacing a corrupt or forced-over entry).
   * The key's stateDir is removed once the artifact is in place.
   */
  async commit(pending: PendingArtifact, fields: Omit<Manifest, 'key' | 'outputs'>): Promise<Artifact> {
    const { key, tmpDir, outDir } = pending;
    const { files, dirs } = await listFiles(outDir);
    const outputs: Manifest['outputs'] = {};
    const fingerprints: Record<string, Fingerprint> = {};
    await forEachLimit(files, 8, async (rel) => {
      const digest = await digestAndSync(join(outDir, ...rel.split('/')), true);
      outputs[rel] = { sha256: digest.sha256, bytes: digest.bytes };
      fingerprints[rel] = digest.fingerprint;
    });
    const sorted = Object.fromEntries(Object.keys(outputs).sort().map((rel) => [rel, outputs[rel]!]));
    const manifest: Manifest = { key, ...fields, outputs: sorted };
    for (const dir of dirs.reverse()) await fsyncPath(dir);
    await unlink(join(tmpDir, 'owner.json')).catch(() => undefined);
    await this.writeDurable(join(tmpDir, 'verified.json'), JSON.stringify(fingerprints));
    await this.writeDurable(join(tmpDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    await fsyncPath(tmpDir);

    await mkdir(this.stepsDir, { recursive: true });
    const target = this.entryDir(key);
    try {
      await rename(tmpDir, target);
    } catch (error) {
      if (code(error) !== 'ENOTEMPTY' && code(error) !== 'EEXIST') throw error;
      // An entry is already there (forced re-run, or a corrupt one): move it aside, then swap.
      const aside = join(this.tmpDir, `replaced.${process.pid}.${random()}`);
      await rename(target, aside).catch((e: unknown) => {
        if (code(e) !== 'ENOENT') throw e;
      });
      await rename(tmpDir, target);
      await rm(aside, { recursive: true, force: true });
    }
    await fsyncPath(this.stepsDir);
    await rm(pending.stateDir, { recursive: true, force: true });
    return { key, dir: join(target, 'out'), manifest };
  }

  /** Throws away what a failed or interrupted step wrote. Its stateDir is kept for the rerun. */
  async abandon(pending: PendingArtifact): Promise<void> {
    await rm(pending.tmpDir, { recursive: true, force: true });
  }

  /** Exclusive right to build `key`, across processes; waits while a live process holds it. */
  async lock(key: string, options: AcquireOptions = {}): Promise<FileLock> {
    await mkdir(this.locksDir, { recursive: true });
    return acquireLock(this.lockPath(key), options);
  }

  /** The live process building `key`, if any. */
  async lockHolder(key: string): Promise<ProcessOwner | null> {
    return lockHolder(this.lockPath(key));
  }

  private runPath(experiment: string, stepId: string): string {
    return join(this.runsDir, fileName(experiment), `${fileName(stepId)}.json`);
  }

  async recordRun(experiment: string, record: RunRecord): Promise<void> {
    const path = this.runPath(experiment, record.stepId);
    await mkdir(join(this.runsDir, fileName(experiment)), { recursive: true });
    await this.writeFileAtomic(path, `${JSON.stringify(record, null, 2)}\n`);
  }

  async lastRun(experiment: string, stepId: string): Promise<RunRecord | undefined> {
    try {
      return await readJson<RunRecord>(this.runPath(experiment, stepId));
    } catch {
      return undefined; // unreadable record: as if never run
    }
  }

  /** Keys of all published (or damaged) entries. */
  async listKeys(): Promise<string[]> {
    const names = await readdir(this.stepsDir).catch(() => [] as string[]);
    return names.filter(isKey).sort();
  }

  /**
   * Every published key whose artifact was (transitively) built from one of `keys`, found by
   * reading all manifests. Used when a forced step's output changed under the same key.
   */
  async dependentsOf(keys: string[]): Promise<Set<string>> {
    const consumers = new Map<string, string[]>();
    for (const key of await this.listKeys()) {
      const manifest = await readJson<Manifest>(join(this.entryDir(key), 'manifest.json')).catch(() => undefined);
      for (const input of Object.values(manifest?.inputs ?? {})) consumers.set(input, [...(consumers.get(input) ?? []), key]);
    }
    const found = new Set<string>();
    const queue = [...keys];
    while (queue.length) {
      for (const consumer of consumers.get(queue.shift()!) ?? []) {
        if (found.has(consumer)) continue;
        found.add(consumer);
        queue.push(consumer);
      }
    }
    return found;
  }

  /** Keys that have a stateDir. */
  async listStateKeys(): Promise<string[]> {
    const names = await readdir(this.statesDir).catch(() => [] as string[]);
    return names.filter(isKey).sort();
  }

  /** Removes a published entry (atomically: it is moved out of steps/ first). Returns the bytes freed. */
  async remove(key: string): Promise<number> {
    const target = this.entryDir(key);
    const bytes = await directoryBytes(target);
    const aside = join(this.tmpDir, `removed.${process.pid}.${random()}`);
    await mkdir(this.tmpDir, { recursive: true });
    try {
      await rename(target, aside);
    } catch (error) {
      if (code(error) === 'ENOENT') return 0;
      throw error;
    }
    await rm(aside, { recursive: true, force: true });
    return bytes;
  }

  async removeState(key: string): Promise<number> {
    const dir = this.stateDir(key);
    const bytes = await directoryBytes(dir);
    await rm(dir, { recursive: true, force: true });
    return bytes;
  }

  /**
   * Deletes what dead processes left in tmp/ (half-built steps, half-written records).
   * Entries of live processes, including this one, are kept. Returns the removed names.
   */
  async cleanTmp(options: { dryRun?: boolean } = {}): Promise<{ name: string; bytes: number }[]> {
    const names = await readdir(this.tmpDir).catch(() => [] as string[]);
    const removed: { name: string; bytes: number }[] = [];
    for (const name of names) {
      const path = join(this.tmpDir, name);
      if (!(await this.isAbandoned(path, name))) continue;
      const bytes = await directoryBytes(path);
      if (!options.dryRun) await rm(path, { recursive: true, force: true });
      removed.push({ name, bytes });
    }
    return removed;
  }

  private async isAbandoned(path: string, name: string): Promise<boolean> {
    let owner: ProcessOwner | undefined;
    const text = await readFile(join(path, 'owner.json'), 'utf8').catch(() => undefined);
    if (text !== undefined) owner = parseOwner(text);
    if (!owner) {
      // Entries are named <what>.<pid>.<random>; no owner file means a short-lived entry of this host.
      const pid = Number(name.split('.').at(-2));
      if (!Number.isInteger(pid) || pid <= 0) {
        const info = await lstat(path).catch(() => undefined);
        return !info || Date.now() - info.mtimeMs > 24 * 3600_000;
      }
      owner = { pid, host: currentOwner().host, since: '' };
    }
    const state = ownerState(owner);
    if (state === 'unknown') {
      // Another host (shared store): only reclaim what has been sitting there for a week.
      const info = await lstat(path).catch(() => undefined);
      return !info || Date.now() - info.mtimeMs > 7 * 24 * 3600_000;
    }
    return state === 'dead';
  }

  /** Writes a file and fsyncs it (no rename: for files inside a directory that is itself renamed into place). */
  private async writeDurable(path: string, data: string): Promise<void> {
    const handle = await open(path, 'w');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  /** Replaces a file atomically: write a temporary in tmp/, fsync, rename over the target. */
  async writeFileAtomic(path: string, data: string): Promise<void> {
    await mkdir(this.tmpDir, { recursive: true });
    const temp = join(this.tmpDir, `write.${process.pid}.${random()}`);
    try {
      await this.writeDurable(temp, data);
      await rename(temp, path);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    await fsyncPath(dirname(path));
  }
}
