/**
 * Results kept in walk order while some are still being worked out elsewhere (the isolated worker,
 * src/pipeline/isolate.ts): the walk goes on with the next files instead of waiting for the worker,
 * and what each file gives is kept once everything before it is kept. The scan's state then changes
 * in the same order as in a walk that waited for each file, so its output is the same.
 */

interface Slot {
  /** Settles when the slot's result is in; null once it is (the slot is ready to keep). */
  waiting: Promise<void> | null;
  keep: () => void;
}

const NOTHING = (): void => undefined;

export class InOrder {
  private slots: Slot[] = [];
  private head = 0;
  /** Results asked for and not in yet. */
  private outstanding = 0;
  private failure: { error: unknown } | null = null;

  constructor(
    /** At most this many results not in yet (each holds an open file): the walk waits beyond. */
    private readonly maxOutstanding: number,
    /** At most this many results waiting to be kept (in or not): the walk waits beyond. */
    private readonly maxHeld: number,
  ) {}

  /** Nothing waiting: a result given now is kept at once. */
  get idle(): boolean {
    return this.head === this.slots.length;
  }

  /** A result that is in: kept at once when nothing before it waits, else after it. A promise when the walk must wait first. */
  now(keep: () => void): Promise<void> | undefined {
    this.rethrow();
    if (this.idle) {
      keep();
      return undefined;
    }
    this.slots.push({ waiting: null, keep });
    return this.held() >= this.maxHeld ? this.keepOldest() : undefined;
  }

  /** A result still being worked out: `keep` gets it once it is in and everything before it is kept. */
  later<T>(result: Promise<T>, keep: (value: T) => void): Promise<void> | undefined {
    this.rethrow();
    const slot: Slot = { waiting: null, keep: NOTHING };
    this.outstanding++;
    slot.waiting = result.then(
      (value) => {
        this.outstanding--;
        slot.keep = () => keep(value);
        slot.waiting = null;
        this.keepReady();
      },
      (error: unknown) => {
        this.outstanding--;
        this.failure ??= { error };
        slot.waiting = null;
      },
    );
    this.slots.push(slot);
    return this.outstanding >= this.maxOutstanding || this.held() >= this.maxHeld ? this.keepOldest() : undefined;
  }

  /** Waits for every result and keeps them all, in order. */
  async drain(): Promise<void> {
    while (!this.idle) await this.keepOldest();
    this.rethrow();
  }

  private held(): number {
    return this.slots.length - this.head;
  }

  /** Waits for the oldest result not in yet (keeping it and what follows it that is in). */
  private async keepOldest(): Promise<void> {
    const oldest = this.slots[this.head];
    if (oldest?.waiting) await oldest.waiting;
    this.keepReady();
    this.rethrow();
  }

  /** Keeps the results at the head that are in. A keep that throws stops the walk at its next step. */
  private keepReady(): void {
    while (!this.failure && this.head < this.slots.length && this.slots[this.head]!.waiting === null) {
      const slot = this.slots[this.head++]!;
      try {
        slot.keep();
      } catch (error) {
        this.failure = { error };
      }
    }
    if (this.head === this.slots.length) {
      this.slots = [];
      this.head = 0;
    } else if (this.head >= 1024) {
      // Kept slots are let go in blocks, not one shift per slot.
      this.slots = this.slots.slice(this.head);
      this.head = 0;
    }
  }

  private rethrow(): void {
    if (this.failure) throw this.failure.error;
  }
}
