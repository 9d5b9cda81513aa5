// The stack of mapped windows (xdg toplevels and popups), bottom to top.
//
// Invariants:
//  - windows stack in groups: a toplevel with the popups of its popup
//    chains (the toplevel at the bottom, its popups above it in the order
//    they were mapped), or a popup chain with no toplevel (a layer
//    surface's, or one without a parent); a group is drawn as one, and
//    raising a toplevel raises its popups with it (as weston does);
//  - groups stack in the order they were raised: a toplevel that maps puts
//    its group on top; a popup that maps goes on top of its group, which
//    stays where it is;
//  - the popup chains of layer surfaces (`aboveLayers`) are kept apart: the
//    scene draws them above the top and overlay layers;
//  - cost: add, remove, raise and the topmost toplevel are O(1), whatever
//    the number of windows (StackSets indexed by Maps); iteration is one
//    step per window; at(i) walks from the nearer end (for tests and
//    reports, not for requests).
import { StackSet } from '../core/stack-set.js';
import type { XdgSurface } from '../shell/xdg-shell.js';

/** Windows that stack as one: a toplevel and its popups, or a popup chain with no toplevel. */
interface WindowGroup {
  /** The xdg_surface at the root of the group's popup chains. */
  readonly root: XdgSurface;
  readonly aboveLayers: boolean;
  /** Bottom to top. */
  readonly windows: StackSet<XdgSurface>;
}

export class WindowStack implements Iterable<XdgSurface> {
  /** Groups of the window layer, bottom to top. */
  readonly #groups = new StackSet<WindowGroup>();
  /** Groups drawn above the top and overlay layers (layer surfaces' popups), bottom to top. */
  readonly #layerGroups = new StackSet<WindowGroup>();
  /** Mapped toplevels, bottom to top (who gets focus next). */
  readonly #toplevels = new StackSet<XdgSurface>();
  readonly #groupByRoot = new Map<XdgSurface, WindowGroup>();
  readonly #groupOf = new Map<XdgSurface, WindowGroup>();

  /** Windows in the stack. */
  get length(): number {
    return this.#groupOf.size;
  }

  has(window: XdgSurface): boolean {
    return this.#groupOf.has(window);
  }

  /**
   * Puts a window that maps into the stack, in the group of `root` (itself
   * for a toplevel, the root of its popup chain for a popup). A toplevel
   * goes to the bottom of its group and the group on top; a popup on top of
   * its group.
   */
  add(window: XdgSurface, root: XdgSurface, aboveLayers: boolean): void {
    if (this.#groupOf.has(window)) return;
    let group = this.#groupByRoot.get(root);
    const stack = aboveLayers ? this.#layerGroups : this.#groups;
    if (!group) {
      group = { root, aboveLayers, windows: new StackSet() };
      this.#groupByRoot.set(root, group);
      stack.push(group);
    }
    this.#groupOf.set(window, group);
    if (window.toplevel && window === root) {
      group.windows.unshift(window);
      (group.aboveLayers ? this.#layerGroups : this.#groups).push(group);
      this.#toplevels.push(window);
    } else {
      group.windows.push(window);
    }
  }

  /** Takes a window out of the stack (it unmapped). */
  remove(window: XdgSurface): void {
    const group = this.#groupOf.get(window);
    if (!group) return;
    this.#groupOf.delete(window);
    group.windows.delete(window);
    this.#toplevels.delete(window);
    if (group.windows.size === 0) {
      this.#groupByRoot.delete(group.root);
      (group.aboveLayers ? this.#layerGroups : this.#groups).delete(group);
    }
  }

  /** Puts a toplevel's group on top. False if it already was (or the toplevel is not in the stack). */
  raise(toplevel: XdgSurface): boolean {
    const group = this.#groupByRoot.get(toplevel);
    if (!group || !this.#toplevels.has(toplevel)) return false;
    const stack = group.aboveLayers ? this.#layerGroups : this.#groups;
    if (stack.top === group && this.#toplevels.top === toplevel) return false;
    stack.push(group);
    this.#toplevels.push(toplevel);
    return true;
  }

  /** The topmost mapped toplevel whose surface is alive (null: none). */
  topToplevel(): XdgSurface | null {
    for (const w of this.#toplevels.topDown()) if (w.mapped && !w.surface.destroyed) return w;
    return null;
  }

  /** The windows of the window layer, bottom to top. */
  *belowLayers(): Generator<XdgSurface> {
    for (const g of this.#groups) yield* g.windows;
  }

  /** The popup chains of layer surfaces, bottom to top (drawn above the top and overlay layers). */
  *aboveLayers(): Generator<XdgSurface> {
    for (const g of this.#layerGroups) yield* g.windows;
  }

  /** Every window in scene order, bottom to top. */
  *[Symbol.iterator](): Generator<XdgSurface> {
    yield* this.belowLayers();
    yield* this.aboveLayers();
  }

  /** Every window in scene order, top to bottom. */
  *topDown(): Generator<XdgSurface> {
    for (const g of this.#layerGroups.topDown()) yield* g.windows.topDown();
    for (const g of this.#groups.topDown()) yield* g.windows.topDown();
  }

  /** The window at `index` in scene order (negative: from the top), as Array.prototype.at. O(distance from the nearer end). */
  at(index: number): XdgSurface | undefined {
    const n = this.length;
    const i = Math.trunc(index) < 0 ? n + Math.trunc(index) : Math.trunc(index);
    if (i < 0 || i >= n) return undefined;
    let k = 0;
    if (i < n / 2) {
      for (const w of this) if (k++ === i) return w;
    } else {
      for (const w of this.topDown()) if (k++ === n - 1 - i) return w;
    }
    return undefined;
  }

  /** The first window in scene order (bottom first) for which `predicate` holds. */
  find(predicate: (window: XdgSurface) => boolean): XdgSurface | undefined {
    for (const w of this) if (predicate(w)) return w;
    return undefined;
  }

  /** A copy of the stack, bottom to top. */
  toArray(): XdgSurface[] {
    return [...this];
  }
}
