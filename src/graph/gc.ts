import { shortKey } from './keys.js';
import type { Manifest } from './step.js';
import { directoryBytes, type Store } from './store.js';

/**
 * Garbage collection: removes store entries that no committed experiment reaches (the CLI
 * computes `reachable` by planning every committed experiment), the state of such keys,
 * and whatever dead processes left in tmp/. Keys being built right now are never touched.
 */

export interface RemovedEntry {
  /** `artifact`: steps/<key>; `state`: state/<key> (journals, remote job ids); `tmp`: a dead process's leftovers. */
  what: 'artifact' | 'state' | 'tmp';
  /** The key, or the tmp/ entry's name. */
  key: string;
  shortKey?: string;
  kind?: string;
  stepId?: string;
  bytes: number;
}

export interface GcResult {
  removed: RemovedEntry[];
  bytesFreed: number;
  /** Unreachable keys left alone because a live process holds their lock. */
  busy: string[];
  /** Reachable entries kept. */
  kept: number;
}

export interface GcOptions {
  dryRun?: boolean;
  /**
   * Keep every step's persistent state (journals, remote job ids) even when unreachable: a
   * key can look unreachable only because a setting it needs is unset right now, and its
   * state may name a job that is still running and being paid for.
   */
  keepState?: boolean;
  /** Keep an unreachable artifact anyway (e.g. the outputs of remote steps, which cost money to remake). */
  keep?: (manifest: Manifest | undefined) => boolean;
}

export async function collectGarbage(store: Store, reachableKeys: Set<string>, options: GcOptions = {}): Promise<GcResult> {
  const dryRun = options.dryRun ?? false;
  const removed: RemovedEntry[] = [];
  const busy: string[] = [];
  let kept = 0;

  for (const key of await store.listKeys()) {
    if (reachableKeys.has(key)) {
      kept += 1;
      continue;
    }
    if ((await store.lockHolder(key)) !== null) {
      busy.push(key);
      continue;
    }
    let manifest: Manifest | undefined;
    const check = await store.check(key);
    if (check.status === 'ok') manifest = check.artifact.manifest;
    if (options.keep?.(manifest)) {
      kept += 1;
      continue;
    }
    const bytes = dryRun ? await directoryBytes(store.entryDir(key)) : await store.remove(key);
    removed.push({ what: 'artifact', key, shortKey: shortKey(key), kind: manifest?.kind, stepId: manifest?.stepId, bytes });
  }

  for (const key of options.keepState ? [] : await store.listStateKeys()) {
    if (reachableKeys.has(key)) continue;
    if ((await store.lockHolder(key)) !== null) {
      if (!busy.includes(key)) busy.push(key);
      continue;
    }
    const bytes = dryRun ? await directoryBytes(store.stateDir(key)) : await store.removeState(key);
    removed.push({ what: 'state', key, shortKey: shortKey(key), bytes });
  }

  for (const entry of await store.cleanTmp({ dryRun })) {
    removed.push({ what: 'tmp', key: entry.name, bytes: entry.bytes });
  }

  return { removed, bytesFreed: removed.reduce((sum, entry) => sum + entry.bytes, 0), busy, kept };
}
