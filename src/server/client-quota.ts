// Per-client quotas: how many of one kind of thing a client may hold at once
// (selection devices, pending screen captures, presentation feedbacks,
// virtual keymaps, ...). The object limit of the server core bounds all
// objects together; a quota bounds the kinds whose number multiplies what
// other requests cost (a broadcast walks every device, a refresh every
// pending capture), so that cost stays a small constant per client.
//
// Invariants:
//  - only live things count: a thing counted for a resource is uncounted
//    when the resource is destroyed, one counted by tryAcquire() when its
//    release function is called (idempotent), an amount added by tryAdd()
//    when its owner subtracts it;
//  - a client's entry exists only while its count is above 0: a client that
//    holds nothing (or left: its resources are destroyed) costs no memory;
//  - every operation is O(1).
import type { Client, Resource } from './index.js';
import { DisplayError } from '../wire/codec.js';

export class ClientQuota {
  /** What is counted, for error messages ("selection devices"). */
  readonly what: string;
  readonly limit: number;
  readonly #counts = new Map<Client, number>();

  constructor(what: string, limit: number) {
    this.what = what;
    this.limit = limit;
  }

  /** What `client` holds now. */
  countOf(client: Client): number {
    return this.#counts.get(client) ?? 0;
  }

  /** Clients holding at least one (tests: back to 0 once they left). */
  get clients(): number {
    return this.#counts.size;
  }

  /**
   * Counts one for `resource`'s client until the resource is destroyed.
   * Past the limit: wl_display.error(no_memory) to that client, and false.
   */
  acquire(resource: Resource): boolean {
    const release = this.tryAcquire(resource.client);
    if (!release) {
      const c = resource.client;
      c.postError(c.displayResource, DisplayError.no_memory, `${resource}: too many ${this.what} (limit ${this.limit})`);
      return false;
    }
    resource.onDestroy(release);
    return true;
  }

  /** Counts one for `client`; the returned function uncounts it (once). Null, without any error, past the limit. */
  tryAcquire(client: Client): (() => void) | null {
    if (!this.tryAdd(client, 1)) return null;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.subtract(client, 1);
    };
  }

  /** Adds `amount` (bytes, say) to what `client` holds; false, changing nothing, if that would pass the limit. */
  tryAdd(client: Client, amount: number): boolean {
    const n = this.countOf(client);
    if (n + amount > this.limit) return false;
    if (amount > 0) this.#counts.set(client, n + amount);
    return true;
  }

  /** Gives back `amount` of what `client` holds. */
  subtract(client: Client, amount: number): void {
    const left = this.countOf(client) - amount;
    if (left > 0) this.#counts.set(client, left);
    else this.#counts.delete(client);
  }
}
