// zwp_pointer_constraints_v1 v1: a client locks the pointer in place
// (games, 3D views: relative motion only) or confines it to a region of a
// surface.
//
// Owns: the constraints of the seat (one seat: at most one per surface),
// which one is active, and each one's double-buffered region and cursor
// hint. The seat's Pointer asks it about every motion that is not a grab's
// (MotionConstraints, pointer.ts) and tells it of every change of position,
// focus or scene.
//
// Invariants:
//  - a surface has at most one constraint, from lock_pointer or
//    confine_pointer until that object or the surface is destroyed
//    (whatever its state: a defunct oneshot still holds the place until
//    the client destroys it); another is already_constrained;
//  - activation (as wlroots and sway): a constraint activates when its
//    surface has pointer focus and the pointer is inside the surface, its
//    input region (none: the whole surface) and the constraint's region
//    (null: everywhere); then `locked` or `confined`. At most one is active:
//    the one on the focus. It deactivates (`unlocked`, `unconfined`) when
//    the focus leaves its surface, or without an event when its object
//    goes; a region changed while active does not deactivate it. A
//    oneshot constraint deactivated is defunct: it never activates again. A
//    persistent one activates again the next time the conditions hold;
//  - locked: motion (scripted, virtual pointers) does not move the pointer
//    and sends no wl_pointer.motion; relative_motion still goes to the
//    client's relative pointers, in a frame. set_cursor_position_hint is
//    applied at the surface's commit; when the client destroys an active
//    lock while its surface has focus, the pointer warps to the hint (if
//    one was committed and it is inside the surface: as sway does);
//    nothing else warps it;
//  - confined: a motion to a point of the area (surface ∩ input region ∩
//    region) goes there; one out of it goes to the nearest of the
//    candidate points: the target clamped into each added rect of the
//    region (of the input region when the constraint has none; the surface
//    when neither), each cut to the surface, that is inside the area; when
//    none is, the motion is refused (the pointer stays). It may so jump to
//    a disjoint part of a region (nearest point, not the path: no
//    tunnelling check). A committed region that leaves the pointer outside
//    warps it to the nearest such point;
//  - set_region is double-buffered: applied at the surface's commit (its
//    own, or its parent's for a synchronized subsurface);
//  - cleanup: the surface destroyed makes its constraint defunct (unlocked
//    or unconfined if active) and frees its place; the wl_pointer given
//    destroyed makes it defunct too; the client gone destroys all;
//  - cost: a client holds at most MAX_POINTER_CONSTRAINTS (no_memory past
//    it); finding the focus's constraint is O(1) per event; a confined
//    motion out of the area costs O(rects × ops) ≤ 64 × 128 region steps
//    (region.ts keeps at most MAX_REGION_OPS operations), a lock O(1).
import { zwp_confined_pointer_v1, zwp_locked_pointer_v1, zwp_pointer_constraints_v1 } from '../../protocol/pointer-constraints.js';
import type { wl_pointer, wl_region, wl_surface } from '../../protocol/wayland.js';
import type { Display, Resource } from '../../server/index.js';
import { ClientQuota } from '../../server/client-quota.js';
import { DisplayError } from '../../wire/codec.js';
import { dataOf, implement } from '../../server/typed.js';
import { intersect, isEmpty, rect, Region } from '../core/region.js';
import { surfaceOf, type Surface } from '../core/surface.js';
import type { MotionConstraints, Pointer } from './pointer.js';
import type { Seat } from './seat.js';

const ERROR = zwp_pointer_constraints_v1.enums.error.entries;
const LIFETIME = zwp_pointer_constraints_v1.enums.lifetime.entries;
/** Constraints one client may hold (a game wants one, a few windows a few). */
export const MAX_POINTER_CONSTRAINTS = 64;
/** How far inside a region's right and bottom edges a clamped point stays (one 24.8 fixed step). */
const EDGE = 1 / 256;

type ConstraintObject =
  | { readonly kind: 'lock'; readonly resource: Resource<typeof zwp_locked_pointer_v1> }
  | { readonly kind: 'confine'; readonly resource: Resource<typeof zwp_confined_pointer_v1> };

interface Point {
  x: number;
  y: number;
}

class Constraint {
  readonly object: ConstraintObject;
  readonly surface: Surface;
  readonly persistent: boolean;
  /** The applied region (null: the whole surface). */
  region: Region | null;
  /** set_region since the last commit (undefined: none). */
  pendingRegion: Region | null | undefined = undefined;
  /** The applied cursor hint, surface-local (locks only). */
  hint: Point | null = null;
  pendingHint: Point | null = null;
  active = false;
  /** Never activates again: a oneshot deactivated, its surface or wl_pointer gone. */
  defunct = false;

  constructor(object: ConstraintObject, surface: Surface, region: Region | null, persistent: boolean) {
    this.object = object;
    this.surface = surface;
    this.region = region;
    this.persistent = persistent;
  }
}

/** (sx, sy) is in the constraint's area: the surface, its input region, the region. O(region ops). */
function inArea(surface: Surface, region: Region | null, sx: number, sy: number): boolean {
  return sx >= 0 && sy >= 0 && sx < surface.width && sy < surface.height &&
    (surface.inputRegion?.contains(sx, sy) ?? true) && (region?.contains(sx, sy) ?? true);
}

const clamp = (v: number, lo: number, hi: number): number => Math.min(Math.max(v, lo), hi);

/** The point of the area nearest (tx, ty) among the candidates (see the header), or null. O(rects × ops). */
function nearestInArea(surface: Surface, region: Region | null, tx: number, ty: number): Point | null {
  if (inArea(surface, region, tx, ty)) return { x: tx, y: ty };
  const whole = rect(0, 0, surface.width, surface.height);
  const source = region ?? surface.inputRegion;
  let best: Point | null = null;
  let bestD = Infinity;
  for (const added of source ? source.addedRects() : [whole]) {
    const r = intersect(added, whole);
    if (isEmpty(r)) continue;
    const x = clamp(tx, r.x, r.x + r.width - EDGE);
    const y = clamp(ty, r.y, r.y + r.height - EDGE);
    const d = (x - tx) ** 2 + (y - ty) ** 2;
    if (d < bestD && inArea(surface, region, x, y)) {
      best = { x, y };
      bestD = d;
    }
  }
  return best;
}

export class PointerConstraints implements MotionConstraints {
  readonly #pointer: Pointer;
  readonly #bySurface = new Map<Surface, Constraint>();
  #active: Constraint | null = null;

  constructor(pointer: Pointer) {
    this.#pointer = pointer;
  }

  /** The active constraint's kind (tests, logs), or null. */
  get active(): 'lock' | 'confine' | null {
    return this.#active?.object.kind ?? null;
  }

  /** Surfaces with a constraint (tests: 0 once their clients left). */
  get size(): number {
    return this.#bySurface.size;
  }

  constrain(x: number, y: number): Point | null {
    const a = this.#active;
    if (!a) return { x, y };
    if (a.object.kind === 'lock') return null;
    const o = this.#pointer.focusOrigin;
    if (!o) return { x, y };
    const to = nearestInArea(a.surface, a.region, x - o.x, y - o.y);
    return to ? { x: o.x + to.x, y: o.y + to.y } : { x: this.#pointer.x, y: this.#pointer.y };
  }

  update(): void {
    const p = this.#pointer;
    const focus = p.focus;
    const a = this.#active;
    if (a && (a.surface !== focus || a.defunct)) this.#deactivate(a, true);
    if (this.#active || !focus) return;
    const c = this.#bySurface.get(focus);
    const o = p.focusOrigin;
    if (!c || c.defunct || !o || !inArea(focus, c.region, p.x - o.x, p.y - o.y)) return;
    c.active = true;
    this.#active = c;
    if (c.object.kind === 'lock') c.object.resource.send('locked');
    else c.object.resource.send('confined');
  }

  #deactivate(c: Constraint, notify: boolean): void {
    if (!c.active) return;
    c.active = false;
    if (this.#active === c) this.#active = null;
    if (!c.persistent) c.defunct = true;
    if (!notify) return;
    if (c.object.kind === 'lock') c.object.resource.send('unlocked');
    else c.object.resource.send('unconfined');
  }

  /** `surface` has a constraint (even a defunct one). */
  has(surface: Surface): boolean {
    return this.#bySurface.has(surface);
  }

  /** Serves a new lock or confinement of `surface` (its request's checks done). */
  serve(object: ConstraintObject, surface: Surface, pointer: Resource<typeof wl_pointer>, region: Region | null, persistent: boolean): void {
    const c = new Constraint(object, surface, region, persistent);
    const setRegion = (r: Resource<typeof wl_region> | null): void => {
      c.pendingRegion = dataOf(r, Region)?.copy() ?? null;
    };
    if (object.kind === 'lock') {
      implement(object.resource, zwp_locked_pointer_v1, {
        set_cursor_position_hint: (_r, x, y) => (c.pendingHint = { x, y }),
        set_region: (_r, r) => setRegion(r),
        destroy: () => this.#unlockWarp(c),
      });
    } else {
      implement(object.resource, zwp_confined_pointer_v1, { set_region: (_r, r) => setRegion(r) });
    }
    this.#bySurface.set(surface, c);
    surface.onApplied = () => this.#committed(c);
    const makeDefunct = (): void => {
      c.defunct = true;
      this.#deactivate(c, true);
    };
    const unwatchPointer = pointer.onDestroy(makeDefunct);
    const unwatchSurface = surface.resource.onDestroy(() => {
      makeDefunct();
      this.#forget(c);
    });
    object.resource.onDestroy(() => {
      unwatchPointer();
      unwatchSurface();
      this.#deactivate(c, false);
      this.#forget(c);
      this.update(); // nothing else can activate on that surface; keeps #active exact
    });
    if (pointer.destroyed) c.defunct = true;
    this.update();
  }

  #forget(c: Constraint): void {
    if (this.#bySurface.get(c.surface) !== c) return;
    this.#bySurface.delete(c.surface);
    c.surface.onApplied = null;
  }

  /** The surface's state was applied: so is the constraint's; a confinement keeps the pointer in. */
  #committed(c: Constraint): void {
    if (c.pendingRegion !== undefined) c.region = c.pendingRegion;
    c.pendingRegion = undefined;
    if (c.pendingHint) c.hint = c.pendingHint;
    c.pendingHint = null;
    const p = this.#pointer;
    const o = p.focusOrigin;
    if (c.active && c.object.kind === 'confine' && o) {
      const to = nearestInArea(c.surface, c.region, p.x - o.x, p.y - o.y);
      if (to && (o.x + to.x !== p.x || o.y + to.y !== p.y)) p.warp(o.x + to.x, o.y + to.y);
    }
    this.update();
  }

  /** The client destroys a lock: when active with a committed hint inside its surface, the pointer warps there. */
  #unlockWarp(c: Constraint): void {
    const h = c.hint;
    const o = this.#pointer.focusOrigin;
    const wasActive = c.active;
    this.#deactivate(c, false);
    c.defunct = true;
    if (!wasActive || !h || !o || this.#pointer.focus !== c.surface) return;
    if (h.x < 0 || h.y < 0 || h.x >= c.surface.width || h.y >= c.surface.height) return;
    this.#pointer.warp(o.x + h.x, o.y + h.y);
  }
}

export function createPointerConstraintsGlobal(display: Display, seat: Seat): PointerConstraints {
  const constraints = new PointerConstraints(seat.pointer);
  seat.pointer.constraints = constraints;
  const quota = new ClientQuota('pointer constraints', MAX_POINTER_CONSTRAINTS);
  display.createGlobal(zwp_pointer_constraints_v1, 1, (manager) => {
    const request = (r: Resource<typeof zwp_pointer_constraints_v1>, object: ConstraintObject, surfaceResource: Resource<typeof wl_surface>, pointer: Resource<typeof wl_pointer>, region: Resource<typeof wl_region> | null, lifetime: number): void => {
      const surface = surfaceOf(surfaceResource);
      if (!surface) return;
      if (constraints.has(surface)) {
        r.postError(ERROR.already_constrained, `${surfaceResource} already has a pointer constraint`);
        return;
      }
      if (lifetime !== LIFETIME.oneshot && lifetime !== LIFETIME.persistent) {
        // No error code for it in the protocol: a malformed request.
        r.client.postError(r.client.displayResource, DisplayError.invalid_method, `${r}: lifetime ${lifetime} is neither oneshot (1) nor persistent (2)`);
        return;
      }
      if (!quota.acquire(object.resource)) return;
      constraints.serve(object, surface, pointer, dataOf(region, Region)?.copy() ?? null, lifetime === LIFETIME.persistent);
    };
    implement(manager, zwp_pointer_constraints_v1, {
      lock_pointer: (r, locked, surface, pointer, region, lifetime) => request(r, { kind: 'lock', resource: locked }, surface, pointer, region, lifetime),
      confine_pointer: (r, confined, surface, pointer, region, lifetime) => request(r, { kind: 'confine', resource: confined }, surface, pointer, region, lifetime),
    });
  });
  return constraints;
}
