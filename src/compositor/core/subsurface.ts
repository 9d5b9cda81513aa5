// wl_subcompositor, wl_subsurface.
//
// Invariants:
//  - get_subsurface refuses (bad_surface) a surface that has another role,
//    is its own parent, or is an ancestor of the parent (no cycles); a
//    subsurface that would end deeper than MAX_SUBSURFACE_DEPTH is no_memory
//    (its parent's depth, plus, for a graft of a surface with subsurfaces of
//    its own, that tree's height): no tree is deeper, so every walk up a
//    tree is bounded by that depth;
//  - cost: place_above/below, set_position and a commit cost O(1); a
//    parent's commit visits only the children with something to apply (a
//    position, cached state), iteratively, never the whole tree;
//  - position and stacking (place_above/below) are pending until the
//    parent's state is applied, as the protocol says;
//  - a subsurface is synchronized when it, or any ancestor subsurface, is in
//    sync mode; a synchronized subsurface caches its commits and applies
//    them when its parent's state is applied; set_desync applies the cache;
//  - destroying the wl_subsurface unmaps the surface from its parent at
//    once; the wl_surface keeps its role name (it can get a new
//    wl_subsurface, never another role).
import { wl_display, wl_subcompositor, wl_subsurface, type wl_surface } from '../../protocol/wayland.js';
import type { Client, Display, Resource } from '../../server/index.js';
import { surfaceOf, type Surface, type SurfaceRole } from './surface.js';
import { MAX_SUBSURFACE_DEPTH } from './tree.js';
import { implement } from '../../server/typed.js';

const SUBCOMPOSITOR_ERROR = wl_subcompositor.enums.error.entries;
const SUBSURFACE_ERROR = wl_subsurface.enums.error.entries;
const DISPLAY_ERROR = wl_display.enums.error.entries;

export class Subsurface implements SurfaceRole {
  readonly name = 'wl_subsurface';
  readonly surface: Surface;
  readonly parent: Surface;
  x = 0;
  y = 0;
  #pendingPosition: [number, number] | null = null;
  sync = true;

  constructor(surface: Surface, parent: Surface) {
    this.surface = surface;
    this.parent = parent;
  }

  /** Depth and effective sync mode, valid while `epoch` is its client's tree epoch. */
  #memo: TreeFacts & { epoch: number } = { epoch: -1, depth: 0, sync: false };

  /**
   * This subsurface's depth (its parent's + 1) and whether it is synchronized
   * (in sync mode itself or through an ancestor), or null when deeper than
   * MAX_SUBSURFACE_DEPTH. Memoized along the path until the client's tree
   * changes (treeChanged), so a chain built top-down or committed bottom-up
   * costs O(1) per request; after a change one walk of at most
   * MAX_SUBSURFACE_DEPTH steps, on the heap.
   */
  facts(): TreeFacts | null {
    const epoch = epochOf(this.surface.client);
    const path: Subsurface[] = [];
    let base: TreeFacts = ROOT_FACTS;
    for (let r: Subsurface = this; ; ) {
      if (r.#memo.epoch === epoch) {
        base = r.#memo;
        break;
      }
      path.push(r);
      if (path.length > MAX_SUBSURFACE_DEPTH) return null;
      const up = r.parent.role;
      if (!(up instanceof Subsurface)) break; // r's parent is a root: depth 0, not synchronized
      r = up;
    }
    for (let i = path.length - 1; i >= 0; i--) {
      const n = path[i]!;
      n.#memo = { epoch, depth: base.depth + 1, sync: n.sync || base.sync };
      base = n.#memo;
    }
    return base;
  }

  /** In sync mode itself or through an ancestor (past the depth limit: assumed so). */
  get synchronized(): boolean {
    return this.sync || (this.facts()?.sync ?? true);
  }

  cachesCommit(): boolean {
    return this.synchronized;
  }

  /** The parent's state was applied: the pending position, then (synchronized)
   * the cached state. True when cached state was applied (the children follow). */
  parentCommitted(): boolean {
    if (this.#pendingPosition) {
      [this.x, this.y] = this.#pendingPosition;
      this.#pendingPosition = null;
      this.surface.host.scheduleRepaint();
    }
    return this.synchronized && this.surface.applyCached();
  }

  setPosition(x: number, y: number): void {
    this.#pendingPosition = [x, y];
    this.parent.markChildDirty(this.surface);
  }
}

/** What a walk up a tree tells of a surface. */
interface TreeFacts {
  readonly depth: number;
  readonly sync: boolean;
}

const ROOT_FACTS: TreeFacts = { depth: 0, sync: false };

/** Per client, bumped by every change that can change an existing
 * subsurface's depth or sync mode (Subsurface.facts memoizes under it). */
const treeEpochs = new WeakMap<Client, number>();

function epochOf(client: Client): number {
  return treeEpochs.get(client) ?? 0;
}

function treeChanged(client: Client): void {
  treeEpochs.set(client, epochOf(client) + 1);
}

/** How a new subsurface of `parent` would nest: 'cycle' if `surface` is
 * `parent` or one of its ancestors, 'too-deep' past MAX_SUBSURFACE_DEPTH.
 * A surface without subsurfaces of its own (the usual case) can be no
 * ancestor: the parent's memoized depth answers in O(1). */
function nesting(surface: Surface, parent: Surface): 'ok' | 'cycle' | 'too-deep' {
  if (surface.stack.size === 1) {
    const depth = parent.role instanceof Subsurface ? parent.role.facts()?.depth ?? Infinity : 0;
    return depth + 1 > MAX_SUBSURFACE_DEPTH ? 'too-deep' : 'ok';
  }
  let depth = 0; // ends as the new subsurface's depth: its ancestors
  for (let s: Surface | null = parent; s; s = s.parent) {
    if (s === surface) return 'cycle';
    if (++depth > MAX_SUBSURFACE_DEPTH) return 'too-deep';
  }
  // Grafting a tree: its deepest surface must stay within the limit too.
  return heightWithin(surface, MAX_SUBSURFACE_DEPTH - depth) ? 'ok' : 'too-deep';
}

/** The tree under `root` is at most `levels` subsurfaces deep. Iterative; it
 * looks no deeper than `levels + 1`, at the cost of the surfaces it passes
 * (a graft is rare: clients build trees top-down, where this is not asked). */
function heightWithin(root: Surface, levels: number): boolean {
  const todo: [Surface, number][] = [[root, 0]];
  while (todo.length > 0) {
    const [s, level] = todo.pop()!;
    for (const child of s.stack) {
      if (child === s || child.destroyed) continue;
      if (level + 1 > levels) return false;
      todo.push([child, level + 1]);
    }
  }
  return true;
}

export function createSubcompositorGlobal(display: Display): void {
  display.createGlobal(wl_subcompositor, 1, (resource) => {
    implement(resource, wl_subcompositor, {
      get_subsurface: (r, subsurfaceResource, surfaceResource, parentResource) => {
        const surface = surfaceOf(surfaceResource);
        const parent = surfaceOf(parentResource);
        if (!surface || !parent) return;
        if (surface === parent) {
          r.postError(SUBCOMPOSITOR_ERROR.bad_surface, `${surfaceResource} cannot be its own parent`);
          return;
        }
        const nest = nesting(surface, parent);
        if (nest === 'cycle') {
          r.postError(SUBCOMPOSITOR_ERROR.bad_surface, `${surfaceResource} is an ancestor of parent ${parentResource}`);
          return;
        }
        if (nest === 'too-deep') {
          r.client.postError(r.client.displayResource, DISPLAY_ERROR.no_memory, `subsurfaces nested deeper than ${MAX_SUBSURFACE_DEPTH}`);
          return;
        }
        const role = new Subsurface(surface, parent);
        if (!surface.setRole(role, r, SUBCOMPOSITOR_ERROR.bad_surface)) return;
        if (surface.stack.size > 1) treeChanged(r.client); // its subtree moved deeper
        serveSubsurface(subsurfaceResource, role);
      },
    });
  });
}

function serveSubsurface(resource: Resource<typeof wl_subsurface>, role: Subsurface): void {
  const { surface, parent } = role;
  surface.parent = parent;
  surface.onParentCommit = () => role.parentCommitted();
  // A new subsurface goes on top of its parent's stack, at once and pending.
  parent.addChild(surface);
  let detached = false;
  const detach = (): void => {
    if (detached) return;
    detached = true;
    treeChanged(surface.client);
    surface.role = null;
    surface.parent = null;
    surface.onParentCommit = null;
    parent.removeChild(surface);
    surface.host.scheduleRepaint();
  };
  resource.onDestroy(detach);
  const removeParentListener = parent.resource.onDestroy(detach);
  const removeSurfaceListener = surface.resource.onDestroy(detach);
  resource.onDestroy(removeParentListener);
  resource.onDestroy(removeSurfaceListener);
  const place = (r: Resource<typeof wl_subsurface>, siblingResource: Resource<typeof wl_surface>, above: boolean): void => {
    const sibling = surfaceOf(siblingResource);
    if (!sibling || !parent.restack(surface, sibling, above)) {
      r.postError(SUBSURFACE_ERROR.bad_surface, `${siblingResource} is not a sibling or the parent of ${surface.resource}`);
    }
  };
  implement(
    resource,
    wl_subsurface,
    {
      set_position: (_r, x, y) => role.setPosition(x, y),
      place_above: (r, sibling) => place(r, sibling, true),
      place_below: (r, sibling) => place(r, sibling, false),
      set_sync: () => {
        if (!role.sync) treeChanged(surface.client);
        role.sync = true;
      },
      set_desync: () => {
        const was = role.synchronized;
        if (role.sync) treeChanged(surface.client);
        role.sync = false;
        if (was && !role.synchronized) surface.applyCachedTree();
      },
    },
    role,
  );
}
