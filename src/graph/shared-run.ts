import type { Artifact } from './store.js';

/**
 * What the executions of one invocation share when they run at once (a sweep's variants, one
 * execute() each): one limit on the steps running at once, so that N variants do not multiply
 * `--concurrency`; a step whose key is already being built by another execution is awaited
 * rather than built again (and takes no slot while it waits); a failure anywhere stops
 * every execution from starting anything new, as it does within one; and a step that deletes
 * what another step made (a teardown deleting the deployment) waits until no execution has a
 * step left that uses it: variants share a deployment when only their evaluation differs, but
 * each has its own teardown, which knows only its own variant's users.
 */

/** How a key built by one execution ended, for the others that need the same key. */
export interface SharedOutcome {
  /** The published artifact (ran or found cached under the lock); absent when it failed or did not run. */
  artifact?: Artifact;
  /** Rebuilt (forced) with a different output than the artifact the plan saw: dependents are stale. */
  changed: boolean;
  /** The execution (experiment variant) that built it. */
  by: string;
  /** Failed, or not started, because the run was interrupted. */
  interrupted: boolean;
  /** Not started, and why (after a failure elsewhere): the same holds for every variant's copy. */
  skipped?: string;
}

export class SharedRun {
  private running = 0;
  private readonly queue: (() => void)[] = [];
  /** Keys being built or built in this invocation, by whichever execution got there first. */
  readonly builds = new Map<string, Promise<SharedOutcome>>();
  private halted = false;
  /** Per joined execution: input key -> its steps that take it and have not settled. */
  private readonly users = new Map<string, Map<string, Set<string>>>();
  private readonly left = new Set<string>();
  /** Keys whose resource a step is deleting now: a second deleter waits for the first. */
  private readonly releasing = new Set<string>();
  /** Called whenever a step settles, an execution joins or leaves, or the run stops. */
  private readonly waiters = new Set<() => void>();

  constructor(
    /** Steps running at once across every execution. */
    readonly concurrency: number,
    /** Every key of every execution's plan: artifacts another execution still needs are not stale. */
    readonly keys: ReadonlySet<string> = new Set(),
    /**
     * The executions that will join: a deleter waits until each has joined (said what it uses)
     * or left, so that one that has not started yet is not taken for one that needs nothing.
     */
    readonly members: readonly string[] = [],
  ) {}

  /** Set when a step fails in an execution that does not keep going. */
  get stopped(): boolean {
    return this.halted;
  }

  /** No execution starts anything new; deleters waiting for users give up (and are not started). */
  stop(): void {
    this.halted = true;
    this.wake();
  }

  /**
   * An execution says which of its steps use which input keys (`key -> step ids`; its own
   * deleters left out); returns what it calls as each of its steps settles (any outcome).
   */
  join(member: string, uses: ReadonlyMap<string, Iterable<string>>): (stepId: string) => void {
    const pending = new Map([...uses].map(([key, ids]) => [key, new Set(ids)] as const));
    this.users.set(member, pending);
    this.wake();
    return (stepId) => {
      let changed = false;
      for (const ids of pending.values()) changed = ids.delete(stepId) || changed;
      if (changed) this.wake();
    };
  }

  /** The execution has ended (or failed to start): none of its steps uses anything any more. */
  leave(member: string): void {
    this.left.add(member);
    this.users.delete(member);
    this.wake();
  }

  /** `member/stepId` of the steps, in every execution, that use `key` and have not settled. */
  usersOf(key: string): string[] {
    return [...this.users].flatMap(([member, pending]) => [...(pending.get(key) ?? [])].map((id) => `${member}/${id}`));
  }

  /**
   * Waits until no execution has an unsettled step using `key` (every expected execution has
   * joined or left) and no other deleter of `key` is running, or until the run stops or
   * `signal` aborts. Takes no slot while it waits. Resolves with the function to call once
   * the deleting step has ended.
   */
  whenUnused(key: string, signal: AbortSignal): Promise<() => void> {
    return new Promise((resolve) => {
      const done = () => {
        this.waiters.delete(check);
        signal.removeEventListener('abort', check);
      };
      const check = () => {
        if (this.halted || signal.aborted) {
          done();
          resolve(() => undefined);
          return;
        }
        const waitingFor = this.members.some((m) => !this.users.has(m) && !this.left.has(m)) || this.usersOf(key).length > 0;
        if (waitingFor || this.releasing.has(key)) return;
        done();
        this.releasing.add(key);
        resolve(() => {
          this.releasing.delete(key);
          this.wake();
        });
      };
      this.waiters.add(check);
      signal.addEventListener('abort', check, { once: true });
      check();
    });
  }

  private wake(): void {
    for (const check of [...this.waiters]) check();
  }

  /** Waits for a free slot (first come, first served); call the returned function to give it back. */
  acquire(): Promise<() => void> {
    return new Promise((granted) => {
      const grant = () => {
        this.running++;
        let released = false;
        granted(() => {
          if (released) return;
          released = true;
          this.running--;
          this.queue.shift()?.();
        });
      };
      if (this.running < this.concurrency) grant();
      else this.queue.push(grant);
    });
  }
}
