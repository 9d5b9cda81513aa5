// Which outputs each surface is on: wl_surface.enter and leave, and the
// output presentation feedback names.
//
// Invariants:
//  - after every paint, a surface is on the outputs whose renderer placed
//    it on them (its box meets the output: a window straddling two outputs
//    is on both); a surface that came onto an output gets wl_surface.enter
//    for each of its client's wl_output objects of that output, one that
//    left it gets leave for each of them (a destroyed one gets nothing);
//    this holds for every surface of the scene: windows, popups, layer
//    surfaces, subsurfaces, the cursor and the drag icon when shown;
//  - a wl_output a client binds after its surface entered that output gets
//    no enter (as before several outputs: enter is sent when the surface
//    comes onto an output); clients bind their outputs at start;
//  - primaryOf(surface) is the first output (in layout order) it is on:
//    presentation feedback's sync_output.
//
// Cost: update() is O(outputs × surfaces placed) per paint (the renderers
// walked as much), plus one event per wl_output object of an output a
// surface came onto or left (at most MAX_BINDS_PER_GLOBAL, 64, per client
// and output). Surfaces on no output are not kept.
import type { Output } from './output.js';
import type { Surface } from '../core/surface.js';

/** The surfaces one output's renderer placed on it in the last paint. */
export interface OutputShown {
  readonly output: Output;
  readonly surfaces: ReadonlySet<Surface>;
}

export class OutputPresence {
  /** Surfaces on at least one output, with those outputs (in the order they came onto them). */
  readonly #on = new Map<Surface, Set<Output>>();

  /** The outputs `surface` is on (empty: none). */
  outputsOf(surface: Surface): ReadonlySet<Output> {
    return this.#on.get(surface) ?? NONE;
  }

  /** The first output (in `order`) `surface` is on, or null. */
  primaryOf(surface: Surface, order: readonly Output[]): Output | null {
    const set = this.#on.get(surface);
    if (!set) return null;
    for (const o of order) if (set.has(o)) return o;
    return null;
  }

  /** After a paint: enter and leave as the surfaces moved between outputs. */
  update(shown: readonly OutputShown[]): void {
    const byOutput = new Map(shown.map((x) => [x.output, x.surfaces]));
    for (const { output, surfaces } of shown) {
      for (const s of surfaces) {
        if (s.destroyed) continue;
        let set = this.#on.get(s);
        if (!set) this.#on.set(s, (set = new Set()));
        if (set.has(output)) continue;
        set.add(output);
        for (const r of output.outputsOf(s.client)) if (!r.destroyed) s.resource.send('enter', r);
      }
    }
    for (const [s, set] of this.#on) {
      if (s.destroyed) {
        this.#on.delete(s);
        continue;
      }
      for (const output of set) {
        if (byOutput.get(output)?.has(s)) continue;
        set.delete(output);
        for (const r of output.outputsOf(s.client)) if (!r.destroyed) s.resource.send('leave', r);
      }
      if (set.size === 0) this.#on.delete(s);
    }
  }

  /** A surface went away: forgotten at once. */
  forget(surface: Surface): void {
    this.#on.delete(surface);
  }
}

const NONE: ReadonlySet<Output> = new Set();
