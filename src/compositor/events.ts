// Listeners for what happens in the compositor (a window mapped, a title
// changed, a surface committed), for code that drives or watches a session
// (src/session) and must wait on events rather than poll.
//
// Invariants:
//  - a listener runs synchronously, where the event happens, after the
//    compositor's own work for it; it must not throw into that path: an
//    exception is reported (logged by the owner) and the other listeners
//    still run;
//  - removing a listener (the function add() returns) is O(1), and so is
//    removing it while the listeners run (later ones still run once);
//  - cost: an event costs one call per listener; with none, a Set's size check.

export class Listeners<T> {
  readonly #set = new Set<(event: T) => void>();
  readonly #onError: (error: unknown) => void;

  constructor(onError: (error: unknown) => void) {
    this.#onError = onError;
  }

  /** Adds `listener`; returns the function that removes it (idempotent). */
  add(listener: (event: T) => void): () => void {
    // A wrapper per add: the same function added twice is two listeners, removed one by one.
    const entry = (event: T): void => listener(event);
    this.#set.add(entry);
    return () => void this.#set.delete(entry);
  }

  get size(): number {
    return this.#set.size;
  }

  emit(event: T): void {
    if (this.#set.size === 0) return;
    for (const l of this.#set) {
      try {
        l(event);
      } catch (e) {
        this.#onError(e);
      }
    }
  }
}
