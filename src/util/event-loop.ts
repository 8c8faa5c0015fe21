/** One turn of the event loop: lets pending I/O callbacks, worker replies and signal handlers run. */
export const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * The longest stretch of synchronous work between two turns of the event loop (the walk, hashing,
 * a long parse on this thread): Ctrl-C is handled within about this long.
 */
export const TURN_EVERY_MS = 50;

/**
 * Turns of the event loop during long synchronous work, at most one per `everyMs`: signal handlers
 * (Ctrl-C, SIGTERM: src/cli/interrupt.ts) and progress timers run only in a turn, so work that never
 * leaves the microtask queue would keep them waiting until it ends.
 */
export class EventLoopTurns {
  private last = 0;
  private calls = 0;

  /** `callsPerLook`: calls between two looks at the clock (a loop over small records asks for every record). */
  constructor(
    private readonly everyMs: number,
    private readonly callsPerLook = 1,
  ) {}

  /** Whether a turn is due (`everyMs` since the last; this call's own interval when given); counted as made. */
  due(everyMs = this.everyMs): boolean {
    if (++this.calls < this.callsPerLook) return false;
    this.calls = 0;
    const now = Date.now();
    if (now - this.last < everyMs) return false;
    this.last = now;
    return true;
  }

  /** A turn, when one is due. */
  async whenDue(): Promise<void> {
    if (this.due()) await yieldToEventLoop();
  }
}
