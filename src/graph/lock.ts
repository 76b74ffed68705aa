import { randomBytes } from 'node:crypto';
import { link, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { currentOwner, ownerState, parseOwner, type ProcessOwner } from './owner.js';

/**
 * A lock file per key, created with O_EXCL and holding its owner's pid, so that two
 * processes (or two executions in one process) never run the same key at once. A lock
 * whose owner died (SIGKILL, power loss) is stale and is taken over.
 */
export interface FileLock {
  path: string;
  release(): Promise<void>;
}

interface LockRecord extends ProcessOwner {
  token: string;
}

export interface AcquireOptions {
  signal?: AbortSignal;
  /** Called once, when the lock is held by someone else and we start waiting. */
  onWait?: (owner: ProcessOwner | undefined) => void;
  pollMs?: number;
}

/** A lock file that is still empty or torn this long after its creation belongs to a dead writer. */
const TORN_LOCK_GRACE_MS = 10_000;

async function readRecord(path: string): Promise<LockRecord | undefined | null> {
  try {
    const text = await readFile(path, 'utf8');
    const owner = parseOwner(text);
    if (!owner) return undefined;
    return { ...owner, token: (JSON.parse(text) as { token?: string }).token ?? '' };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

async function create(path: string): Promise<FileLock | undefined> {
  const record: LockRecord = { ...currentOwner(), token: randomBytes(8).toString('hex') };
  let handle;
  try {
    handle = await open(path, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw error;
  }
  try {
    await handle.writeFile(`${JSON.stringify(record)}\n`);
  } finally {
    await handle.close();
  }
  let released = false;
  return {
    path,
    async release() {
      if (released) return;
      released = true;
      const current = await readRecord(path).catch(() => null);
      // Only remove our own lock (a stale-lock takeover may have replaced it).
      if (current && current.token === record.token) await unlink(path).catch(() => undefined);
    },
  };
}

/** Is the lock at `path` held by a live process? Returns its owner when it is, `null` when free or stale. */
export async function lockHolder(path: string): Promise<ProcessOwner | null> {
  const record = await readRecord(path);
  if (record === null) return null;
  if (record === undefined) {
    const info = await stat(path).catch(() => undefined);
    if (!info || Date.now() - info.mtimeMs > TORN_LOCK_GRACE_MS) return null;
    return { pid: 0, host: '?', since: '' };
  }
  return ownerState(record) === 'dead' ? null : record;
}

/** Removes the lock at `path` if its owner is dead. True when it removed (or found nothing). */
export async function breakStaleLock(path: string): Promise<boolean> {
  const before = await readRecord(path);
  if (before === null) return true;
  if ((await lockHolder(path)) !== null) return false;
  const aside = `${path}.stale.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    await rename(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw error;
  }
  const moved = await readRecord(aside);
  if (moved && (!before || moved.token !== before.token)) {
    // Someone took the stale lock over between our read and our rename: give it back.
    await link(aside, path).catch(() => undefined);
  }
  await unlink(aside).catch(() => undefined);
  return true;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Takes the lock, waiting (polling) while a live process holds it; stale locks are taken over. */
export async function acquireLock(path: string, options: AcquireOptions = {}): Promise<FileLock> {
  let waited = false;
  let delay = 25;
  for (;;) {
    options.signal?.throwIfAborted();
    const lock = await create(path);
    if (lock) return lock;
    const holder = await lockHolder(path);
    if (holder === null) {
      await breakStaleLock(path);
      continue;
    }
    if (!waited) {
      waited = true;
      options.onWait?.(holder.pid === 0 ? undefined : holder);
    }
    await sleep(delay, options.signal);
    delay = Math.min(delay * 2, options.pollMs ?? 1000);
  }
}
