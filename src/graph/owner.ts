import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/**
 * Who holds a lock or a temporary directory in the store, and whether that process is
 * still alive, so that what a killed process left behind can be recognised and reclaimed.
 */
export interface ProcessOwner {
  pid: number;
  host: string;
  /** Kernel start time of the process (Linux: /proc/<pid>/stat field 22), to tell a reused pid apart. */
  startTime?: string;
  /** ISO time the owner record was written. */
  since: string;
}

/** Linux only: state letter (field 3) and start time (field 22) from /proc/<pid>/stat. */
function procStat(pid: number): { state?: string; startTime?: string } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (comm) is parenthesised and may contain spaces: count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0], startTime: fields[19] };
  } catch {
    return {};
  }
}

function processStartTime(pid: number): string | undefined {
  return procStat(pid).startTime;
}

let self: Omit<ProcessOwner, 'since'> | undefined;

export function currentOwner(): ProcessOwner {
  self ??= { pid: process.pid, host: hostname(), startTime: processStartTime(process.pid) };
  return { ...self, since: new Date().toISOString() };
}

/**
 * 'alive' or 'dead' for a process on this host; 'unknown' for another host (a store on a
 * shared file system), which callers must treat as alive.
 */
export function ownerState(owner: ProcessOwner): 'alive' | 'dead' | 'unknown' {
  const me = currentOwner();
  if (owner.host !== me.host) return 'unknown';
  if (owner.pid === me.pid) return owner.startTime === undefined || owner.startTime === me.startTime ? 'alive' : 'dead';
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return 'dead';
    // EPERM: exists, owned by someone else.
  }
  const now = procStat(owner.pid);
  if (now.state === 'Z' || now.state === 'X') return 'dead'; // killed, not yet reaped by its parent
  if (owner.startTime !== undefined && now.startTime !== undefined && now.startTime !== owner.startTime) {
    return 'dead'; // pid reused by another process
  }
  return 'alive';
}

export function parseOwner(text: string): ProcessOwner | undefined {
  try {
    const value = JSON.parse(text) as Partial<ProcessOwner>;
    if (typeof value.pid === 'number' && typeof value.host === 'string') {
      return { pid: value.pid, host: value.host, startTime: value.startTime, since: value.since ?? '' };
    }
  } catch {
    // torn or empty: the caller decides
  }
  return undefined;
}

export function describeOwner(owner: ProcessOwner): string {
  return `pid ${owner.pid} on ${owner.host}${owner.since ? ` since ${owner.since}` : ''}`;
}
