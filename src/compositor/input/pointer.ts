// wl_pointer: hit testing, pointer focus, motion, buttons, axes, the cursor role.
//
// Invariants:
//  - the surface under the pointer is found in scene order, top to bottom,
//    each window's subsurface tree in its stacking order; a surface is hit
//    inside its size and its input region (none set: the whole surface);
//  - pointer focus follows the surface under the pointer (leave, then enter
//    with a fresh serial), except while a button is held: then everything
//    goes to the surface the press went to (the implicit grab), and focus is
//    re-evaluated at the last release; scene changes (a window maps, unmaps,
//    is raised, dies) re-evaluate it too, coalesced: at most once per output
//    refresh period, and always before the next input event is delivered
//    (so an event never goes by a stale focus);
//  - cost: a hit test walks the scene (O(surfaces), iteratively with
//    placeTree), once per input event and at most once per refresh period
//    for scene changes, never once per request: a client mapping 3,000
//    windows costs one hit test per frame, not 3,000; where the focus is
//    for the enter a new wl_pointer gets is remembered from the last hit
//    test, not searched for;
//  - the pointer moves over the union of the outputs (layout-logical
//    coordinates): a motion off every output stops at the nearest point of
//    one (OutputLayout.clamp), not at the layout's bounding box;
//  - at most 16 buttons are held at once (as wlroots): a press of a 17th
//    distinct button is dropped, so a virtual pointer cannot grow the set;
//  - every event group ends with wl_pointer.frame (v5+); axis events carry
//    axis_source and, for wheels, axis_discrete (v5..v7: the seat is v7);
//  - set_cursor gives the surface the cursor role (wl_pointer.error.role
//    when it has another one); it is honoured only from the client with
//    pointer focus and with the serial of its latest enter (others are
//    ignored, as the protocol allows); the cursor's picture is the surface's
//    content, placed at pointer − hotspot. A named shape
//    (wp_cursor_shape_device_v1.set_shape, cursor-shape.ts) replaces it under
//    the same rule and is recorded by name (we have no cursor theme: a
//    shape draws nothing); either is dropped when focus leaves the client;
//  - a PointerGrab (drag and drop, popup grabs) takes motion and buttons
//    while set; nothing is sent to clients then but what the grab sends;
//  - relative motion (zwp_relative_pointer_v1, relative-pointer.ts) goes to
//    the relative pointers of the client with focus before the motion is
//    delivered (as wlroots), in the motion's frame: the delta asked for,
//    before clamping to the output (a pointer at the edge still moves the
//    game's camera), unaccelerated = accelerated (we accelerate nothing);
//    a relative pointer is inert once its wl_pointer is gone;
//  - pointer constraints (pointer-constraints.ts, through MotionConstraints)
//    see every motion that is not a grab's before it moves the pointer: a
//    lock keeps it in place (relative_motion is still sent, in its frame, no
//    motion), a confinement moves it to a point of its region; after every
//    change of position or focus they are told, to (de)activate. A warp (a
//    lock's cursor hint, a confinement's new region) moves the pointer
//    without relative motion and without asking them.
import { ResourcesByClient } from '../../server/per-client.js';
import { wl_pointer, type wl_surface } from '../../protocol/wayland.js';
import { zwp_relative_pointer_v1 } from '../../protocol/relative-pointer.js';
import type { Client, Resource } from '../../server/index.js';
import type { SceneRoot } from '../output/renderer.js';
import { surfaceOf, type Surface, type SurfaceRole } from '../core/surface.js';
import { clampFixed } from '../../wire/codec.js';
import { placeTree, type PlacedSurface } from '../core/tree.js';
import { implement } from '../../server/typed.js';

const POINTER_ERROR = wl_pointer.enums.error.entries;
const BUTTON_STATE = wl_pointer.enums.button_state.entries;
export const AXIS = wl_pointer.enums.axis.entries;
export const AXIS_SOURCE = wl_pointer.enums.axis_source.entries;
/** evdev button codes. */
export const BUTTON = { left: 0x110, right: 0x111, middle: 0x112 } as const;
/** Scroll distance of one wheel step (what libinput reports: 15°). */
export const WHEEL_STEP = 15;
/** Buttons held at once (wlroots' WLR_POINTER_BUTTONS_CAP). */
const BUTTONS_HELD_MAX = 16;

export interface Hit {
  surface: Surface;
  /** Surface-local coordinates. */
  sx: number;
  sy: number;
}

/** Pointer grab (drag and drop, popup grabs): while set, pointer motion and buttons go to it. */
export interface PointerGrab {
  motion(x: number, y: number, timeMs: number): void;
  button(button: number, pressed: boolean, timeMs: number): void;
  /** The seat ended the grab itself (the seat is going away). */
  cancel(): void;
}

/** What pointer constraints do with motion (pointer-constraints.ts); set while their global exists. */
export interface MotionConstraints {
  /** Where a motion to (x, y), layout-logical, takes the pointer: (x, y) itself, a point of
   * the active confinement, or null while locked (the pointer stays where it is). */
  constrain(x: number, y: number): { x: number; y: number } | null;
  /** The position, the focus or the scene changed: activates or deactivates constraints. */
  update(): void;
}

/** The topmost surface accepting input at (x, y), layout-logical. O(surfaces in the scene), iterative. */
export function hitTest(roots: readonly SceneRoot[], x: number, y: number): Hit | null {
  const placed: PlacedSurface[] = [];
  for (let i = roots.length - 1; i >= 0; i--) {
    placed.length = 0;
    placeTree(roots[i]!.surface, roots[i]!.x, roots[i]!.y, placed);
    for (let k = placed.length - 1; k >= 0; k--) {
      const p = placed[k]!;
      const sx = x - p.x;
      const sy = y - p.y;
      if (sx < 0 || sy < 0 || sx >= p.surface.width || sy >= p.surface.height) continue;
      if (p.surface.inputRegion && !p.surface.inputRegion.contains(sx, sy)) continue;
      return { surface: p.surface, sx, sy };
    }
  }
  return null;
}

/** Where `surface` is in the scene (its origin, layout-logical), or null if it is not shown. O(surfaces in the scene), iterative. */
export function positionOf(roots: readonly SceneRoot[], surface: Surface): { x: number; y: number } | null {
  const placed: PlacedSurface[] = [];
  for (const root of roots) {
    placed.length = 0;
    placeTree(root.surface, root.x, root.y, placed);
    const p = placed.find((q) => q.surface === surface);
    if (p) return { x: p.x, y: p.y };
  }
  return null;
}

/** The cursor role: a surface that shows the pointer. */
export class CursorRole implements SurfaceRole {
  readonly name = 'wl_pointer-cursor';
  readonly #onCommit: () => void;

  constructor(onCommit: () => void) {
    this.#onCommit = onCommit;
  }

  committed(): void {
    this.#onCommit();
  }
}

/** The cursor a client set: a surface (wl_pointer.set_cursor) or a named shape (cursor-shape-v1, e.g. 'text'). */
export type Cursor =
  | { readonly kind: 'surface'; readonly client: Client; readonly surface: Surface; readonly hotspotX: number; readonly hotspotY: number }
  | { readonly kind: 'shape'; readonly client: Client; readonly shape: string };

export interface PointerHost {
  inputSerial(client: Client): number;
  timeMs(): number;
  /** The scene without the cursor, bottom to top. */
  sceneRoots(): SceneRoot[];
  /** The nearest point of some output to (x, y), layout-logical (the pointer stays on the outputs). */
  clamp(x: number, y: number): { x: number; y: number };
  /** The output's refresh period: scene changes re-evaluate focus at most once per period. */
  readonly refreshIntervalMs: number;
  /** A press at `hit` (before it is sent): false consumes it (a popup grab was dismissed). */
  pressed(hit: Hit | null): boolean;
  /** The cursor picture or place changed. */
  cursorChanged(): void;
  /** An exception on the pointer's own timer (nothing else would catch it): logged, the compositor goes on. */
  timerFailed(error: unknown): void;
}

export class Pointer {
  readonly #host: PointerHost;
  readonly #resources = new ResourcesByClient<typeof wl_pointer>();
  readonly #relative = new ResourcesByClient<typeof zwp_relative_pointer_v1>();
  x = 0;
  y = 0;
  #focus: Surface | null = null;
  #unwatchFocus: (() => void) | null = null;
  /** Where the focus's origin was at the last hit test (null: no focus, or it left the scene). */
  #focusOrigin: { x: number; y: number } | null = null;
  #enterSerial = 0;
  /** The scene changed since focus was last evaluated. */
  #stale = false;
  #staleTimer: { immediate: NodeJS.Immediate } | { timeout: NodeJS.Timeout } | null = null;
  /** performance.now() of the last coalesced re-evaluation. */
  #lastCoalescedMs = -Infinity;
  #closed = false;
  readonly #buttons = new Set<number>();
  grab: PointerGrab | null = null;
  /** Pointer constraints, if their global exists. */
  constraints: MotionConstraints | null = null;
  /** What the focused client set with set_cursor or a cursor shape device (null: no cursor). */
  cursor: Cursor | null = null;
  readonly #roles = new WeakMap<Surface, CursorRole>();

  constructor(host: PointerHost) {
    this.#host = host;
  }

  /** The surface with pointer focus (a destroyed one is none, also before the refresh that drops it). */
  get focus(): Surface | null {
    return this.#focus?.destroyed ? null : this.#focus;
  }

  bind(resource: Resource<typeof wl_pointer>): void {
    const client = resource.client;
    this.#resources.add(resource);
    implement(resource, wl_pointer, {
      set_cursor: (r, serial, surfaceResource, hx, hy) => this.#setCursor(r, serial, surfaceResource, hx, hy),
    });
    const f = this.#focus;
    const pos = this.#focusOrigin;
    if (f && f.client === client && !f.destroyed && pos) {
      resource.send('enter', this.#enterSerial, f.resource, clampFixed(this.x - pos.x), clampFixed(this.y - pos.y));
      if (resource.version >= 5) resource.send('frame');
    }
  }

  /** Where the focus's origin was at the last hit test, layout-logical (null: no focus). */
  get focusOrigin(): { x: number; y: number } | null {
    return this.focus ? this.#focusOrigin : null;
  }

  /** A zwp_relative_pointer_v1 of `pointer`: relative motion while its client has focus, until either is destroyed. */
  addRelative(resource: Resource<typeof zwp_relative_pointer_v1>, pointer: Resource<typeof wl_pointer>): void {
    implement(resource, zwp_relative_pointer_v1, {});
    if (pointer.destroyed) return;
    this.#relative.add(resource);
    const inert = pointer.onDestroy(() => this.#relative.remove(resource));
    resource.onDestroy(inert);
  }

  /** relative_motion to the focused client's relative pointers (its frame follows with the motion's); false if none was sent. */
  #relativeMotion(dx: number, dy: number, timeMs: number): boolean {
    const f = this.#focus;
    if ((dx === 0 && dy === 0) || !f || f.destroyed) return false;
    const us = (timeMs >>> 0) * 1000;
    const hi = Math.floor(us / 0x100000000);
    const lo = us >>> 0;
    const rs = this.#relative.of(f.client);
    for (const r of rs) r.send('relative_motion', hi, lo, clampFixed(dx), clampFixed(dy), clampFixed(dx), clampFixed(dy));
    return rs.length > 0;
  }

  #setCursor(r: Resource<typeof wl_pointer>, serial: number, surfaceResource: Resource<typeof wl_surface> | null, hx: number, hy: number): void {
    const surface = surfaceOf(surfaceResource);
    if (surface) {
      let role = this.#roles.get(surface);
      if (!role || surface.role !== role) {
        role = new CursorRole(() => {
          if (this.#cursorSurface() === surface) this.#host.cursorChanged();
        });
        if (!surface.setRole(role, r, POINTER_ERROR.role)) return;
        this.#roles.set(surface, role);
        surface.resource.onDestroy(() => {
          if (this.#cursorSurface() === surface) {
            this.cursor = null;
            this.#host.cursorChanged();
          }
        });
      }
    }
    this.#setCursorOf(r.client, serial, surface ? { kind: 'surface', client: r.client, surface, hotspotX: hx, hotspotY: hy } : null);
  }

  /** A named cursor shape from `client` (wp_cursor_shape_device_v1.set_shape, shape already checked), with the rule of set_cursor. */
  setCursorShape(client: Client, serial: number, shape: string): void {
    this.#setCursorOf(client, serial, { kind: 'shape', client, shape });
  }

  /** Only the client under the pointer sets the cursor, with the serial of its latest enter; anything else is ignored. */
  #setCursorOf(client: Client, serial: number, cursor: Cursor | null): void {
    if (this.#focus?.client !== client || serial !== this.#enterSerial) return;
    this.cursor = cursor;
    this.#host.cursorChanged();
  }

  #cursorSurface(): Surface | null {
    return this.cursor?.kind === 'surface' ? this.cursor.surface : null;
  }

  /** Where the cursor picture goes (null: no cursor to draw; a named shape draws nothing: no cursor theme). */
  cursorRoot(): SceneRoot | null {
    const c = this.cursor;
    if (c?.kind !== 'surface' || c.surface.destroyed || !c.surface.mapped || this.#focus?.client !== c.client) return null;
    return { surface: c.surface, x: Math.floor(this.x) - c.hotspotX + c.surface.offsetX, y: Math.floor(this.y) - c.hotspotY + c.surface.offsetY };
  }

  #focused(): Resource<typeof wl_pointer>[] {
    const f = this.#focus;
    if (!f || f.destroyed) return [];
    return this.#resources.of(f.client);
  }

  #frame(rs: readonly Resource<typeof wl_pointer>[]): void {
    for (const r of rs) if (r.version >= 5) r.send('frame');
  }

  #setFocus(hit: Hit | null): void {
    const next = hit?.surface ?? null;
    this.#focusOrigin = hit ? { x: this.x - hit.sx, y: this.y - hit.sy } : null;
    if (next === this.#focus) return;
    const old = this.#focus;
    if (old && !old.destroyed) {
      const rs = this.#focused();
      if (rs.length) {
        const serial = this.#host.inputSerial(old.client);
        for (const r of rs) r.send('leave', serial, old.resource);
        this.#frame(rs);
      }
    }
    if (this.cursor && this.cursor.client !== next?.client) {
      this.cursor = null;
      this.#host.cursorChanged();
    }
    this.#focus = next;
    // The focus going away (its client left, whatever its role) is a scene change:
    // the pointer lets go of it by the next refresh, not at the next input event.
    this.#unwatchFocus?.();
    this.#unwatchFocus = next ? next.resource.onDestroy(() => this.invalidate()) : null;
    if (next?.resource.destroyed) this.invalidate(); // found while its client is being torn down
    if (hit && next) {
      const rs = this.#focused();
      this.#enterSerial = this.#host.inputSerial(next.client);
      for (const r of rs) r.send('enter', this.#enterSerial, next.resource, clampFixed(hit.sx), clampFixed(hit.sy));
      this.#frame(rs);
    }
  }

  /** Moves the pointer to (x, y), layout-logical (clamped to the nearest point of an output). */
  move(x: number, y: number, timeMs = this.#host.timeMs(), frame = true): void {
    this.#catchUp();
    const [dx, dy] = [x - this.x, y - this.y];
    if (!this.grab && this.constraints) {
      const to = this.constraints.constrain(x, y);
      if (!to) {
        // Locked: the delta still goes to the relative pointers (a game's camera), nothing moves.
        if (this.#relativeMotion(dx, dy, timeMs) && frame) this.#frame(this.#focused());
        return;
      }
      this.#place(to.x, to.y, dx, dy, timeMs, frame);
      return;
    }
    this.#place(x, y, dx, dy, timeMs, frame);
  }

  /** Moves the pointer to (x, y) without relative motion and without asking the constraints
   * (a lock's cursor hint when it ends, a confinement's new region); motion or focus as for a move. */
  warp(x: number, y: number): void {
    this.#catchUp();
    this.#place(x, y, 0, 0, this.#host.timeMs(), true);
  }

  /** Puts the pointer at (x, y) (clamped to the outputs) after a motion of (dx, dy): relative
   * motion, then focus or motion, then the constraints hear of it. */
  #place(x: number, y: number, dx: number, dy: number, timeMs: number, frame: boolean): void {
    ({ x: this.x, y: this.y } = this.#host.clamp(x, y));
    if (this.cursor) this.#host.cursorChanged();
    if (this.grab) {
      this.grab.motion(this.x, this.y, timeMs);
      return;
    }
    this.#relativeMotion(dx, dy, timeMs);
    const hit = this.#target();
    if (hit?.surface !== this.#focus) {
      this.#setFocus(hit);
    } else if (hit) {
      this.#focusOrigin = { x: this.x - hit.sx, y: this.y - hit.sy };
      const rs = this.#focused();
      for (const r of rs) r.send('motion', timeMs >>> 0, clampFixed(hit.sx), clampFixed(hit.sy));
      if (frame) this.#frame(rs);
    }
    this.constraints?.update();
  }

  /** What events go to now: the surface under the pointer, or the focus while a button is held. O(scene): per input event. */
  #target(): Hit | null {
    const roots = this.#host.sceneRoots();
    if (this.#buttons.size > 0 && this.#focus && !this.#focus.destroyed) {
      const pos = positionOf(roots, this.#focus);
      if (pos) return { surface: this.#focus, sx: this.x - pos.x, sy: this.y - pos.y };
    }
    return hitTest(roots, this.x, this.y);
  }

  /**
   * The scene changed (a window mapped, unmapped, was raised): focus is
   * re-evaluated once, at most once per refresh period, or before the next
   * input event, whichever comes first. O(1).
   */
  invalidate(): void {
    this.#stale = true;
    if (this.#staleTimer || this.#closed) return;
    const wait = this.#lastCoalescedMs + this.#host.refreshIntervalMs - performance.now();
    const run = (): void => {
      this.#staleTimer = null;
      this.#lastCoalescedMs = performance.now();
      try {
        this.#catchUp();
      } catch (e) {
        this.#host.timerFailed(e);
      }
    };
    this.#staleTimer = wait > 0 ? { timeout: setTimeout(run, wait) } : { immediate: setImmediate(run) };
  }

  /** Re-evaluates focus now if the scene changed since it was. */
  #catchUp(): void {
    if (this.#stale && !this.#closed) this.refresh();
  }

  /** Re-evaluates focus now (no motion event when it stays). */
  refresh(): void {
    this.#stale = false;
    if (this.#focus?.destroyed) {
      this.#focus = null;
      this.#unwatchFocus = null;
      this.#focusOrigin = null;
      this.#buttons.clear();
      // The cursor was the focused client's (a named shape outlives no surface of its own).
      if (this.cursor) {
        this.cursor = null;
        this.#host.cursorChanged();
      }
    }
    if (!this.grab && this.#buttons.size === 0) {
      const hit = this.#target();
      if (hit?.surface !== this.#focus) this.#setFocus(hit);
      else this.#focusOrigin = hit ? { x: this.x - hit.sx, y: this.y - hit.sy } : null;
    }
    this.constraints?.update();
  }

  /** Stops the coalescing timer (the seat is going away). */
  close(): void {
    this.#closed = true;
    const t = this.#staleTimer;
    this.#staleTimer = null;
    if (t && 'timeout' in t) clearTimeout(t.timeout);
    else if (t) clearImmediate(t.immediate);
  }

  button(button: number, pressed: boolean, timeMs = this.#host.timeMs(), frame = true): void {
    this.#catchUp();
    if (pressed && !this.#buttons.has(button) && this.#buttons.size >= BUTTONS_HELD_MAX) return;
    if (this.grab) {
      if (pressed) this.#buttons.add(button);
      else this.#buttons.delete(button);
      this.grab.button(button, pressed, timeMs);
      return;
    }
    if (pressed) {
      if (this.#buttons.has(button)) return;
      if (!this.#host.pressed(this.#buttons.size === 0 ? this.#target() : null)) return;
      // The press may have changed the scene (raise, dismissed popups).
      if (this.#buttons.size === 0) this.refresh();
      this.#buttons.add(button);
    } else {
      if (!this.#buttons.delete(button)) return;
    }
    const rs = this.#focused();
    if (rs.length) {
      const serial = this.#host.inputSerial(this.#focus!.client);
      for (const r of rs) r.send('button', serial, timeMs >>> 0, button, pressed ? BUTTON_STATE.pressed : BUTTON_STATE.released);
      if (frame) this.#frame(rs);
    }
    if (!pressed && this.#buttons.size === 0) this.refresh();
  }

  /** Axis motion: `value` in scroll units, `discrete` wheel steps (0: none), then frame. */
  axis(axis: number, value: number, discrete: number, source: number | null, timeMs = this.#host.timeMs(), frame = true): void {
    this.#catchUp();
    const rs = this.#focused();
    for (const r of rs) {
      if (r.version >= 5 && source !== null) r.send('axis_source', source);
      if (r.version >= 5 && discrete !== 0) r.send('axis_discrete', axis, discrete);
      r.send('axis', timeMs >>> 0, axis, value);
    }
    if (frame) this.#frame(rs);
  }

  axisStop(axis: number, timeMs = this.#host.timeMs(), frame = true): void {
    this.#catchUp();
    const rs = this.#focused();
    for (const r of rs) if (r.version >= 5) r.send('axis_stop', timeMs >>> 0, axis);
    if (frame) this.#frame(rs);
  }

  /** Ends a group of events sent with frame = false (a virtual pointer's frame request). */
  frame(): void {
    this.#frame(this.#focused());
  }

  get buttonsHeld(): number {
    return this.#buttons.size;
  }
}
