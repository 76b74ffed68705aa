import { mkdir, open, readFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { canonicalJson, sha256Hex } from '../graph/keys.js';
import type { InferenceResponse, InfrastructureErrorKind } from './provider.js';

/**
 * The inference journal: one JSON line per finished request attempt, appended the moment a
 * response (or a final infrastructure error) arrives, so that a crash loses nothing that was
 * paid for. Each line is written with one write() (it survives a
 * SIGKILL as soon as that returns); fsync runs per batch (every `syncMs`, and on close).
 *
 * A request's key is the SHA-256 of the canonical JSON of everything that decides its answer
 * (provider, model, approach, system, messages, tools, inference settings): a rerun looks the
 * key up and never sends a request whose response is journalled. A later line for a key
 * replaces an earlier one (an error followed by a response on the next run), except that an
 * error never replaces a response: an answer, once paid for, is final (two processes sharing a
 * journal may both have tried the same request).
 *
 * Where it lives: not in one step key's stateDir (removed when the step publishes) but in the
 * store's shared directory for infer steps, one file per provider x model x approach
 * (`journalFile`). Every key of that model x approach reads the same file, so a step that is
 * re-keyed by something that does not change a request (a price table, a sweep variant's tags)
 * finds its answers there and sends nothing. Several processes may append to one file: each
 * line is one O_APPEND write.
 *
 * On open, a torn last line (the process died inside a write) is cut off; damaged lines in the
 * middle are skipped and counted.
 */

export interface JournalError {
  kind: InfrastructureErrorKind;
  message: string;
  attempts: number;
}

export interface JournalEntry {
  key: string;
  id: string;
  /** Short key of the step that made the attempt (provenance; the lookup is by `key` alone). */
  step?: string;
  at: string;
  response?: InferenceResponse;
  error?: JournalError;
}

export function requestKey(material: unknown): string {
  return sha256Hex(canonicalJson(material));
}

/** The journal of one provider x model x approach inside the infer steps' shared directory. */
export function journalFile(dir: string, partition: { provider: string; baseUrl?: string; region?: string; modelId: string; approach: string }): string {
  return path.join(dir, 'journals', `${sha256Hex(canonicalJson(partition)).slice(0, 32)}.jsonl`);
}

/** A later entry wins, except that an error never replaces a response. */
function merge(entries: Map<string, JournalEntry>, entry: JournalEntry): void {
  if (!entry.response && entries.get(entry.key)?.response) return;
  entries.set(entry.key, entry);
}

export class Journal {
  private constructor(
    readonly file: string,
    private readonly handle: FileHandle,
    readonly entries: Map<string, JournalEntry>,
    readonly damagedLines: number,
    private readonly syncMs: number,
    /** The file ends in a torn line (a process killed mid-write): the next append starts a new line. */
    private torn: boolean,
  ) {}
  private chain: Promise<void> = Promise.resolve();
  private dirty = false;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  static async open(file: string, options: { syncMs?: number } = {}): Promise<Journal> {
    const entries = new Map<string, JournalEntry>();
    let damaged = 0;
    let bytes = Buffer.alloc(0);
    try {
      bytes = await readFile(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    // A torn last line (killed mid-write) is left in place, never truncated: another process may
    // be appending to the same journal, and a cut made from a stale size would take its line.
    // It is not read (it is no answer), and the next append starts on a line of its own. Bytes,
    // not text: a line cut inside a multi-byte character must still be seen as cut.
    const torn = bytes.length > 0 && bytes[bytes.length - 1] !== 0x0a;
    const text = bytes.subarray(0, bytes.lastIndexOf(0x0a) + 1).toString('utf8');
    for (const line of text.split('\n')) {
      if (line === '') continue;
      try {
        const entry = JSON.parse(line) as JournalEntry;
        if (typeof entry.key !== 'string') throw new Error('no key');
        merge(entries, entry);
      } catch {
        damaged++;
      }
    }
    await mkdir(path.dirname(file), { recursive: true });
    const handle = await open(file, 'a');
    return new Journal(file, handle, entries, damaged, options.syncMs ?? 200, torn);
  }

  /** The journalled response for a key, if the request was answered. */
  response(key: string): InferenceResponse | undefined {
    return this.entries.get(key)?.response;
  }

  append(entry: JournalEntry): Promise<void> {
    if (this.closed) return Promise.reject(new Error('journal closed'));
    merge(this.entries, entry);
    const line = `${JSON.stringify(entry)}\n`;
    const write = this.chain.then(async () => {
      await this.handle.write(this.torn ? `\n${line}` : line);
      this.torn = false;
      this.dirty = true;
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        void this.sync();
      }, this.syncMs);
    });
    this.chain = write.catch(() => undefined);
    return write;
  }

  async sync(): Promise<void> {
    const run = this.chain.then(async () => {
      if (!this.dirty) return;
      this.dirty = false;
      await this.handle.sync();
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.sync();
    this.closed = true;
    await this.handle.close();
  }
}
