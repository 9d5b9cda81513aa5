// wl_subcompositor, wl_subsurface.
//
// Invariants:
//  - get_subsurface refuses (bad_surface) a surface that has another role,
//    is its own parent, or is an ancestor of the parent (no cycles); a
//    parent nested MAX_SUBSURFACE_DEPTH deep already is no_memory: every
//    walk up a tree is bounded by that depth;
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
import { wl_display, wl_subcompositor, wl_subsurface } from '../protocol/wayland.js';
import type { Display, Resource } from '../server/index.js';
import { surfaceOf, type Surface, type SurfaceRole } from './surface.js';
import { MAX_SUBSURFACE_DEPTH } from './tree.js';
import { implement } from './typed.js';

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

  /** In sync mode itself or through an ancestor: a walk up the tree, at most
   * MAX_SUBSURFACE_DEPTH steps (no recursion: chains are the client's). */
  get synchronized(): boolean {
    let role: Subsurface = this;
    for (let n = 0; n < MAX_SUBSURFACE_DEPTH; n++) {
      if (role.sync) return true;
      const up = role.parent.role;
      if (!(up instanceof Subsurface)) return false;
      role = up;
    }
    return true;
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

/** How a new subsurface of `parent` would nest: 'cycle' if `surface` is
 * `parent` or one of its ancestors, 'too-deep' past MAX_SUBSURFACE_DEPTH. */
function nesting(surface: Surface, parent: Surface): 'ok' | 'cycle' | 'too-deep' {
  let depth = 0; // ends as the new subsurface's depth: its ancestors
  for (let s: Surface | null = parent; s; s = s.parent) {
    if (s === surface) return 'cycle';
    if (++depth > MAX_SUBSURFACE_DEPTH) return 'too-deep';
  }
  return 'ok';
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
        serveSubsurface(subsurfaceResource, role);
      },
    });
  });
}

function serveSubsurface(resource: Resource, role: Subsurface): void {
  const { surface, parent } = role;
  surface.parent = parent;
  surface.onParentCommit = () => role.parentCommitted();
  // A new subsurface goes on top of its parent's stack, at once and pending.
  parent.addChild(surface);
  let detached = false;
  const detach = (): void => {
    if (detached) return;
    detached = true;
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
  const place = (r: Resource, siblingResource: Resource, above: boolean): void => {
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
      set_sync: () => (role.sync = true),
      set_desync: () => {
        const was = role.synchronized;
        role.sync = false;
        if (was && !role.synchronized) surface.applyCachedTree();
      },
    },
    role,
  );
}
