// Resources of one kind (wl_keyboard, wl_pointer) grouped by client: a
// client may bind several, and each leaves when it is destroyed.
import type { InterfaceDesc } from '../protocol/types.js';
import type { Client, Resource } from './index.js';

export class ResourcesByClient<I extends InterfaceDesc> {
  readonly #map = new Map<Client, Set<Resource<I>>>();

  add(resource: Resource<I>): void {
    const client = resource.client;
    let set = this.#map.get(client);
    if (!set) this.#map.set(client, (set = new Set()));
    set.add(resource);
    resource.onDestroy(() => {
      set.delete(resource);
      if (set.size === 0 && this.#map.get(client) === set) this.#map.delete(client);
    });
  }

  /** Takes `resource` out before it is destroyed (it stays out). */
  remove(resource: Resource<I>): void {
    const set = this.#map.get(resource.client);
    if (!set?.delete(resource)) return;
    if (set.size === 0) this.#map.delete(resource.client);
  }

  of(client: Client): Resource<I>[] {
    return [...(this.#map.get(client) ?? [])];
  }

  *all(): Generator<Resource<I>> {
    for (const set of this.#map.values()) yield* set;
  }
}
