import type { Artifact } from './store.js';

/**
 * What the executions of one invocation share when they run at once (a sweep's variants, one
 * execute() each): one limit on the steps running at once, so that N variants do not multiply
 * `--concurrency`; a step whose key is already being built by another execution is awaited
 * rather than built again (and takes no slot while it waits); and a failure anywhere stops
 * every execution from starting anything new, as it does within one.
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
}

export class SharedRun {
  private running = 0;
  private readonly queue: (() => void)[] = [];
  /** Keys being built or built in this invocation, by whichever execution got there first. */
  readonly builds = new Map<string, Promise<SharedOutcome>>();
  /** Set when a step fails in an execution that does not keep going. */
  stopped = false;

  constructor(
    /** Steps running at once across every execution. */
    readonly concurrency: number,
    /** Every key of every execution's plan: artifacts another execution still needs are not stale. */
    readonly keys: ReadonlySet<string> = new Set(),
  ) {}

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
