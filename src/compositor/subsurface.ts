// wl_subcompositor, wl_subsurface.
//
// Invariants:
//  - get_subsurface refuses (bad_surface) a surface that has another role,
//    is its own parent, or is an ancestor of the parent (no cycles);
//  - position and stacking (place_above/below) are pending until the
//    parent's state is applied, as the protocol says;
//  - a subsurface is synchronized when it, or any ancestor subsurface, is in
//    sync mode; a synchronized subsurface caches its commits and applies
//    them when its parent's state is applied; set_desync applies the cache;
//  - destroying the wl_subsurface unmaps the surface from its parent at
//    once; the wl_surface keeps its role name (it can get a new
//    wl_subsurface, never another role).
import { wl_subcompositor, wl_subsurface } from '../protocol/wayland.js';
import type { Display, Resource } from '../server/index.js';
import { surfaceOf, type Surface, type SurfaceRole } from './surface.js';
import { implement } from './typed.js';

const SUBCOMPOSITOR_ERROR = wl_subcompositor.enums.error.entries;
const SUBSURFACE_ERROR = wl_subsurface.enums.error.entries;

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

  /** In sync mode itself or through an ancestor. */
  get synchronized(): boolean {
    if (this.sync) return true;
    const parentRole = this.parent.role;
    return parentRole instanceof Subsurface && parentRole.synchronized;
  }

  cachesCommit(): boolean {
    return this.synchronized;
  }

  parentCommitted(): void {
    if (this.#pendingPosition) {
      [this.x, this.y] = this.#pendingPosition;
      this.#pendingPosition = null;
      this.surface.host.scheduleRepaint();
    }
    if (this.synchronized) this.surface.applyCached();
  }

  setPosition(x: number, y: number): void {
    this.#pendingPosition = [x, y];
  }
}

function isAncestor(candidate: Surface, of: Surface): boolean {
  for (let s: Surface | null = of; s; s = s.parent) if (s === candidate) return true;
  return false;
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
        if (isAncestor(surface, parent)) {
          r.postError(SUBCOMPOSITOR_ERROR.bad_surface, `${surfaceResource} is an ancestor of parent ${parentResource}`);
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
  parent.stack.push(surface);
  parent.pendingStack.push(surface);
  const detach = (): void => {
    surface.role = null;
    surface.parent = null;
    surface.onParentCommit = null;
    parent.stack = parent.stack.filter((s) => s !== surface);
    parent.pendingStack = parent.pendingStack.filter((s) => s !== surface);
    surface.host.scheduleRepaint();
  };
  resource.onDestroy(detach);
  const removeParentListener = parent.resource.onDestroy(() => resource.destroyed || detach());
  resource.onDestroy(removeParentListener);
  const place = (r: Resource, siblingResource: Resource, above: boolean): void => {
    const sibling = surfaceOf(siblingResource);
    if (!sibling || (sibling !== parent && sibling.parent !== parent) || sibling === surface) {
      r.postError(SUBSURFACE_ERROR.bad_surface, `${siblingResource} is not a sibling or the parent of ${surface.resource}`);
      return;
    }
    const stack = parent.pendingStack.filter((s) => s !== surface);
    const at = stack.indexOf(sibling);
    stack.splice(above ? at + 1 : at, 0, surface);
    parent.pendingStack = stack;
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
        if (was && !role.synchronized) surface.applyCached();
      },
    },
    role,
  );
}
