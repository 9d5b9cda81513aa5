// Serials remembered for checking what a client sends back: input serials
// (popup grabs, selections, drags) and configure serials (ack_configure).
//
// Invariants:
//  - both keep at most a fixed number of serials (a client cannot grow
//    them), and every operation is O(1) amortized (insertion-ordered Sets:
//    the oldest is the first);
//  - serials are compared for equality only (they wrap at 2^32).

/** The last `kept` serials sent: has() answers for those only. */
export class RecentSerials {
  readonly #serials = new Set<number>();
  readonly #kept: number;

  constructor(kept: number) {
    this.#kept = kept;
  }

  add(serial: number): void {
    this.#serials.delete(serial);
    this.#serials.add(serial);
    if (this.#serials.size > this.#kept) this.#serials.delete(this.#serials.values().next().value!);
  }

  has(serial: number): boolean {
    return this.#serials.has(serial);
  }
}

/**
 * Configure serials sent and not acked yet, oldest first. An ack takes a
 * pending serial and supersedes the older ones. At most `kept` are
 * remembered: past that the oldest are forgotten, and an ack of a serial we
 * no longer know is let through (it may be a forgotten one: a client working
 * through a backlog of configures must not be killed for it) until a serial
 * we know is acked.
 */
export class PendingSerials {
  readonly #pending = new Set<number>();
  readonly #kept: number;
  #forgotten = false;

  constructor(kept: number) {
    this.#kept = kept;
  }

  push(serial: number): void {
    this.#pending.add(serial);
    if (this.#pending.size > this.#kept) {
      this.#pending.delete(this.#pending.values().next().value!);
      this.#forgotten = true;
    }
  }

  /** Takes `serial` and drops the older ones; false if it was never sent or was superseded. */
  ack(serial: number): boolean {
    if (!this.#pending.has(serial)) return this.#forgotten;
    // Each serial dropped here was pushed once: O(1) amortized.
    for (const s of this.#pending) {
      this.#pending.delete(s);
      if (s === serial) break;
    }
    this.#forgotten = false;
    return true;
  }

  clear(): void {
    this.#pending.clear();
    this.#forgotten = false;
  }
}
