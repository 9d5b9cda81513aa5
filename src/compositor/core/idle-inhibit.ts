// zwp_idle_inhibit_manager_v1 v1: a surface asks that the output not idle
// (blank, lock, run a screensaver) while it is visible — video players and
// browsers playing video.
//
// Why it is advertised, and what it does here: nosigbus blanks nothing,
// locks nothing, runs no screensaver and offers no idle notification
// (ext_idle_notifier_v1 and the like): its output never idles, so what the
// protocol asks of a compositor — no idling while an inhibiting surface is
// visible — holds at all times, and no client is told otherwise. Clients
// look for it (mpv, Firefox and Chromium bind it while they play video and
// log a warning when it is missing), and what we keep is real: every
// inhibitor with its surface, whether that surface is shown (after each
// paint), `inhibited` (some shown surface inhibits: Compositor.idleInhibited,
// logged when it changes) and each client's live inhibitors (its stats).
// An idle feature added later (an idle notifier, output blanking) honours
// inhibitors by reading `inhibited` and listening to its changes.
//
// Owns: the live inhibitors, by surface.
//
// Invariants:
//  - an inhibitor inhibits while its wl_surface is shown: painted at the
//    last render, mapped, in the scene, some of it inside the output
//    (host.shown, the renderer's answer; occluded still counts, as in sway);
//    a surface destroyed makes its inhibitors inert for good (they stay
//    objects until the client destroys them); destroying the
//    zwp_idle_inhibitor_v1 ends it at once;
//  - `inhibited` is re-evaluated after every paint that drew something (a
//    surface cannot appear or vanish without damage) and when an inhibitor
//    comes or goes; the change listeners run once per change;
//  - cost: a client holds at most MAX_IDLE_INHIBITORS (no_memory past it);
//    creating or destroying one is O(1); a paint re-evaluates the surfaces
//    that have inhibitors, O(1) each (at most 64 per client).
import { zwp_idle_inhibit_manager_v1, zwp_idle_inhibitor_v1 } from '../../protocol/idle-inhibit.js';
import type { Client, Display, Resource } from '../../server/index.js';
import { ClientQuota } from '../../server/client-quota.js';
import { implement } from '../../server/typed.js';
import { surfaceOf, type Surface } from './surface.js';

/** Inhibitors one client may hold (a player makes one per video surface). */
export const MAX_IDLE_INHIBITORS = 64;

/** What idle inhibition needs from the compositor. */
export interface IdleInhibitHost {
  /** Whether `surface` was shown at the last paint (mapped, in the scene, some of it on the output). O(1). */
  shown(surface: Surface): boolean;
  /** Runs `listener` after every paint that drew something. */
  onPainted(listener: () => void): void;
  /** A client's live inhibitors changed (its stats). */
  countInhibitors(client: Client, live: number): void;
}

export class IdleInhibitors {
  readonly #host: IdleInhibitHost;
  readonly #quota = new ClientQuota('idle inhibitors', MAX_IDLE_INHIBITORS);
  /** Live inhibitors per surface, and the remover of the watch on its destruction (a surface with none has no entry). */
  readonly #bySurface = new Map<Surface, { readonly inhibitors: Set<Resource<typeof zwp_idle_inhibitor_v1>>; readonly unwatch: () => void }>();
  /** Surfaces with inhibitors that were shown at the last evaluation. */
  readonly #shown = new Set<Surface>();
  readonly #listeners: ((inhibited: boolean) => void)[] = [];
  #inhibited = false;

  constructor(host: IdleInhibitHost) {
    this.#host = host;
    host.onPainted(() => this.#update());
  }

  /** Some shown surface has a live inhibitor: the output must not idle. */
  get inhibited(): boolean {
    return this.#inhibited;
  }

  /** Live inhibitors, of every client (inert ones, of destroyed surfaces, are not counted). */
  get count(): number {
    let n = 0;
    for (const e of this.#bySurface.values()) n += e.inhibitors.size;
    return n;
  }

  /** Runs `listener` after every change of `inhibited`. */
  onChange(listener: (inhibited: boolean) => void): void {
    this.#listeners.push(listener);
  }

  bind(manager: Resource<typeof zwp_idle_inhibit_manager_v1>): void {
    implement(manager, zwp_idle_inhibit_manager_v1, {
      create_inhibitor: (_r, inhibitor, surfaceResource) => {
        implement(inhibitor, zwp_idle_inhibitor_v1, {});
        if (!this.#quota.acquire(inhibitor)) return;
        const client = inhibitor.client;
        this.#host.countInhibitors(client, this.#quota.countOf(client));
        inhibitor.onDestroy(() => this.#host.countInhibitors(client, this.#quota.countOf(client)));
        const surface = surfaceOf(surfaceResource);
        if (!surface || surface.destroyed) return; // inert from the start
        this.#add(surface, inhibitor);
      },
    });
  }

  #add(surface: Surface, inhibitor: Resource<typeof zwp_idle_inhibitor_v1>): void {
    let entry = this.#bySurface.get(surface);
    if (!entry) {
      // The surface going makes its inhibitors inert: it leaves the map with them.
      entry = { inhibitors: new Set(), unwatch: surface.resource.onDestroy(() => this.#forget(surface)) };
      this.#bySurface.set(surface, entry);
    }
    const e = entry;
    e.inhibitors.add(inhibitor);
    inhibitor.onDestroy(() => {
      e.inhibitors.delete(inhibitor);
      if (e.inhibitors.size > 0 || this.#bySurface.get(surface) !== e) return;
      e.unwatch();
      this.#forget(surface);
    });
    if (this.#host.shown(surface)) this.#shown.add(surface);
    this.#changed();
  }

  #forget(surface: Surface): void {
    this.#bySurface.delete(surface);
    this.#shown.delete(surface);
    this.#changed();
  }

  /** After a paint: which surfaces with inhibitors are shown now. O(surfaces with inhibitors). */
  #update(): void {
    if (this.#bySurface.size === 0) return;
    for (const surface of this.#bySurface.keys()) {
      if (this.#host.shown(surface)) this.#shown.add(surface);
      else this.#shown.delete(surface);
    }
    this.#changed();
  }

  #changed(): void {
    const inhibited = this.#shown.size > 0;
    if (inhibited === this.#inhibited) return;
    this.#inhibited = inhibited;
    for (const l of this.#listeners) l(inhibited);
  }
}

/** Advertises zwp_idle_inhibit_manager_v1 v1; returns the inhibitors it serves. */
export function createIdleInhibitGlobal(display: Display, host: IdleInhibitHost): IdleInhibitors {
  const inhibitors = new IdleInhibitors(host);
  display.createGlobal(zwp_idle_inhibit_manager_v1, 1, (manager) => inhibitors.bind(manager));
  return inhibitors;
}
