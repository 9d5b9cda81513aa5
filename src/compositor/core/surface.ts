// wl_compositor, wl_surface: double-buffered state, commit, roles, and the
// copy of client pixels into compositor-owned memory.
//
// Invariants:
//  - every request but commit changes only the pending state; commit applies
//    it at once (or caches it, for a synchronized subsurface, until the
//    parent's commit), as the protocol's double-buffering rule says;
//  - an attached single-pixel buffer becomes its colour (SolidContent) at
//    commit and is released in the same turn;
//  - an attached shm buffer is copied at commit — only its damaged rects
//    (a damage list, region.ts addDamage; GTK3 damages a dozen widgets), or
//    all of it when its size changes — into the surface's own Content, and
//    released in the same turn: the client never finds both of its buffers
//    busy, and nothing later reads client memory;
//  - the copy is where truncation is seen: a rescue during it applies the
//    policy before the content can be shown ('error': invalid_fd on the
//    wl_buffer and the new content is dropped; 'zero': the zeros are shown);
//  - applying a commit walks down to the subsurfaces with something to
//    apply on a heap worklist (no recursion: chains are the client's), and
//    the stacking order is applied in O(surfaces moved);
//  - a surface has at most one role for its lifetime (role objects may be
//    re-created for the same role); the role's precommit check may refuse a
//    commit with its protocol error;
//  - frame callbacks and presentation feedback of a commit are handed to the
//    host in commit order and fire once, at the next output refresh (the
//    compositor answers them surface by surface, each in its commit order).
import { wl_callback, wl_compositor, wl_shm, wl_surface } from '../../protocol/wayland.js';
import type { wp_presentation_feedback } from '../../protocol/presentation-time.js';
import type { Client, Display, Resource } from '../../server/index.js';
import { addDamage, clientRect, intersect, isEmpty, rect, Region, serveRegion, type Rect } from './region.js';
import { CopiedContent, DirectContent, SolidContent, type Content, type PixelBudget } from './content.js';
import { shmBufferOf, type ShmBuffer, type TruncationPolicy } from './shm.js';
import { SolidBuffer, solidBufferOf } from './single-pixel-buffer.js';
import { SurfaceStack } from './tree.js';
import { dataOf, implement } from '../../server/typed.js';

const SURFACE_ERROR = wl_surface.enums.error.entries;
const SHM_ERROR = wl_shm.enums.error.entries;
/** wl_output.transform: 90, 270 and their flips swap width and height. */
const TRANSFORM_SWAPS = [false, true, false, true, false, true, false, true] as const;

/** wp_viewport state (surface-local, in surface units; null = unset). */
export interface ViewportState {
  source: { x: number; y: number; width: number; height: number } | null;
  destination: { width: number; height: number } | null;
}

/** What wl_surface.attach may name: an shm buffer, or one colour (single-pixel-buffer.ts). */
export type AttachedBuffer = ShmBuffer | SolidBuffer;

/** The double-buffered part of a surface. */
export class SurfaceState {
  /** attach() was called since the last commit (buffer may be null: unmap). */
  attached = false;
  buffer: AttachedBuffer | null = null;
  /** Content already copied out of the buffer (cached commits of sync subsurfaces). */
  content: Content | null = null;
  dx = 0;
  dy = 0;
  /** Damage lists (addDamage): surface-local units, buffer pixels. */
  surfaceDamage: Rect[] = [];
  bufferDamage: Rect[] = [];
  frames: Resource<typeof wl_callback>[] = [];
  feedbacks: Resource<typeof wp_presentation_feedback>[] = [];
  opaque: Region | null | undefined = undefined;
  input: Region | null | undefined = undefined;
  scale: number | undefined = undefined;
  transform: number | undefined = undefined;
  viewport: ViewportState | undefined = undefined;

  /** Back to what a new state holds, in place (commit does this per commit;
   * a new state per commit is an allocation of five objects). The lists are
   * replaced, not emptied, and only when they hold something: emptying one
   * is a call into the runtime, and nothing outside keeps them. */
  reset(): void {
    this.attached = false;
    this.buffer = null;
    this.content = null;
    this.dx = 0;
    this.dy = 0;
    if (this.surfaceDamage.length !== 0) this.surfaceDamage = [];
    if (this.bufferDamage.length !== 0) this.bufferDamage = [];
    if (this.frames.length !== 0) this.frames = [];
    if (this.feedbacks.length !== 0) this.feedbacks = [];
    this.opaque = undefined;
    this.input = undefined;
    this.scale = undefined;
    this.transform = undefined;
    this.viewport = undefined;
  }
}

/** A parent's bookkeeping of its subsurfaces. */
interface Children {
  /** Subsurfaces and the parent, with place_above/below applied at once (the protocol's pending order). */
  readonly pending: SurfaceStack;
  /** Subsurfaces moved in the pending order since the last commit. */
  readonly moved: Set<Surface>;
  /** Subsurfaces with something to apply at the parent's next commit (a position, cached state). */
  readonly dirty: Set<Surface>;
}

/** What a role (xdg_toplevel, xdg_popup, wl_subsurface) does with its surface's commits. */
export interface SurfaceRole {
  /** Role name for error messages ('xdg_toplevel', 'wl_subsurface', ...). */
  readonly name: string;
  /** Checked before the pending state is applied; false = refused (error already posted). */
  precommit?(surface: Surface, pending: SurfaceState): boolean;
  /** The subsurface role: cache commits while synchronized. */
  cachesCommit?(surface: Surface): boolean;
  /** Runs after the state was applied. */
  committed?(surface: Surface): void;
}

/** What the compositor provides to surfaces. */
export interface SurfaceHost {
  readonly policy: TruncationPolicy;
  /** What copies of client pixels may cost (content.ts). */
  readonly pixelBudget: PixelBudget;
  /** Frame callbacks and feedbacks wait for the next refresh. */
  queueFrame(surface: Surface, frames: Resource<typeof wl_callback>[], feedbacks: Resource<typeof wp_presentation_feedback>[]): void;
  /** The scene changed: repaint at the next refresh. */
  scheduleRepaint(): void;
  /** Accounting: a page was rescued while copying this client's buffer. */
  countRescue(client: Client, policy: TruncationPolicy): void;
  /** Accounting: one commit applied. */
  countCommit(client: Client, surface: Surface): void;
  surfaceDestroyed(surface: Surface): void;
}

export class Surface {
  readonly resource: Resource<typeof wl_surface>;
  readonly host: SurfaceHost;
  readonly pending = new SurfaceState();
  /** Shown content (null: unmapped). */
  content: Content | null = null;
  scale = 1;
  transform = 0;
  viewport: ViewportState = { source: null, destination: null };
  opaqueRegion: Region | null = null;
  inputRegion: Region | null = null;
  /** Accumulated attach offsets (the role moves its window by them). */
  offsetX = 0;
  offsetY = 0;
  /** Damage since the last repaint, surface-local (a damage list; the renderer empties it). */
  damage: Rect[] = [];
  role: SurfaceRole | null = null;
  /** The role's name, kept after its object is gone (a surface never changes role). */
  roleName: string | null = null;
  /** Subsurfaces and this surface, bottom to top, as shown. */
  readonly stack = new SurfaceStack(this);
  /** What a parent keeps of its subsurfaces; made with the first one (most surfaces have none). */
  #children: Children | null = null;
  /** Parent surface when this is a subsurface. */
  parent: Surface | null = null;
  destroyed = false;

  constructor(resource: Resource<typeof wl_surface>, host: SurfaceHost) {
    this.resource = resource;
    this.host = host;
  }

  get client(): Client {
    return this.resource.client;
  }

  /** Size in surface-local units (0 × 0 when unmapped). */
  get width(): number {
    return this.#extent(true);
  }

  get height(): number {
    return this.#extent(false);
  }

  get mapped(): boolean {
    return this.content !== null;
  }

  /** Width (`wide`) or height, without a pair allocated per question (commit asks four times). */
  #extent(wide: boolean): number {
    const c = this.content;
    if (!c) return 0;
    const vp = this.viewport;
    if (vp.destination) return wide ? vp.destination.width : vp.destination.height;
    if (vp.source) return Math.round(wide ? vp.source.width : vp.source.height);
    // A transform by 90 or 270 degrees swaps the buffer's width and height.
    const swap = TRANSFORM_SWAPS[this.transform & 7] ?? false;
    return Math.floor((wide !== swap ? c.width : c.height) / this.scale);
  }

  /** Assigns a role, or posts `code` on `errorResource` if the surface has another one. */
  setRole(role: SurfaceRole, errorResource: Resource, code: number): boolean {
    if (this.roleName !== null && this.roleName !== role.name) {
      errorResource.postError(code, `${this.resource} already has another role (${this.roleName})`);
      return false;
    }
    if (this.role !== null) {
      errorResource.postError(code, `${this.resource} already has a ${role.name} object`);
      return false;
    }
    this.role = role;
    this.roleName = role.name;
    return true;
  }

  // ---- subsurface children (subsurface.ts drives these)

  /** A new subsurface goes on top, at once and in the pending order. */
  addChild(child: Surface): void {
    this.#children ??= { pending: new SurfaceStack(this), moved: new Set(), dirty: new Set() };
    this.stack.push(child);
    this.#children.pending.push(child);
  }

  /** A subsurface leaves at once (its wl_subsurface or wl_surface is gone). */
  removeChild(child: Surface): void {
    this.stack.remove(child);
    const c = this.#children;
    if (!c) return;
    c.pending.remove(child);
    c.moved.delete(child);
    c.dirty.delete(child);
  }

  /** place_above / place_below `sibling` (a child or this surface), pending; false if it is neither. */
  restack(child: Surface, sibling: Surface, above: boolean): boolean {
    const c = this.#children;
    if (!c || !c.pending.has(sibling) || sibling === child) return false;
    if (above) c.pending.insertAbove(child, sibling);
    else c.pending.insertBelow(child, sibling);
    c.moved.add(child);
    return true;
  }

  /** `child` has state to apply when this surface's state is applied. */
  markChildDirty(child: Surface): void {
    if (this.stack.has(child)) this.#children?.dirty.add(child);
  }

  /** The pending order becomes the shown one, in O(moved): the surfaces that
   * did not move keep their relative order in both stacks, so each run of
   * moved surfaces goes back above its nearest unmoved neighbour below. */
  #applyStack(): void {
    const c = this.#children;
    if (!c || c.moved.size === 0) return;
    for (const m of c.moved) this.stack.remove(m);
    for (const m of c.moved) {
      const below = c.pending.below(m);
      if (below !== null && c.moved.has(below)) continue; // placed with its run
      let anchor = below;
      for (let s: Surface | null = m; s !== null && c.moved.has(s); s = c.pending.above(s)) {
        this.stack.insertAbove(s, anchor);
        anchor = s;
      }
    }
    c.moved.clear();
  }

  /** Applies the pending state of every dirty subsurface below `root`, then
   * theirs, on a heap worklist (a chain 50,000 deep is legal). */
  static #applyChildren(root: Surface): void {
    if (!root.#children || root.#children.dirty.size === 0) return; // most commits: nothing below
    const work: Surface[] = [];
    root.#takeDirtyChildren(work);
    while (work.length > 0) {
      const child = work.pop()!;
      if (child.destroyed) continue;
      if (child.onParentCommit?.()) child.#takeDirtyChildren(work);
    }
  }

  #takeDirtyChildren(into: Surface[]): void {
    const dirty = this.#children?.dirty;
    if (!dirty) return;
    for (const c of dirty) into.push(c);
    dirty.clear();
  }

  commit(): void {
    const p = this.pending;
    if (this.role?.precommit && !this.role.precommit(this, p)) return;
    if (this.checkViewport && !this.checkViewport(p)) return;
    // A synchronized subsurface keeps the copied pixels and the rest of the
    // state until its parent commits; the buffer is released now all the same.
    if (this.role?.cachesCommit?.(this)) {
      if (!this.#copyOut(p, true)) return;
      this.#cached = mergeState(this.#cached, p);
      this.#resetPending();
      this.parent?.markChildDirty(this);
      return;
    }
    const state = this.#cached ? mergeState(this.#cached, p) : p;
    this.#cached = null;
    if (!this.#copyOut(state, false)) return;
    this.#apply(state);
    this.#resetPending();
    Surface.#applyChildren(this);
  }

  /** A synchronized subsurface's cached state, applied when the parent commits. */
  #cached: SurfaceState | null = null;

  /** Applies cached state (the parent's state was applied); true if there was some.
   * The caller walks on to this surface's children (no recursion here). */
  applyCached(): boolean {
    if (!this.#cached) return false;
    const state = this.#cached;
    this.#cached = null;
    this.#apply(state);
    return true;
  }

  /** Applies cached state and, below it, every child's (set_desync). */
  applyCachedTree(): void {
    if (this.applyCached()) Surface.#applyChildren(this);
  }

  #resetPending(): void {
    this.pending.reset();
  }

  /**
   * Copies the attached buffer into the surface's copy (`state.content`)
   * and releases the buffer — or, past the memory budget, makes it a
   * DirectContent, shown in place and released when replaced. Returns false
   * when the truncation policy refused the copy (protocol error posted).
   */
  #copyOut(state: SurfaceState, toFreshContent: boolean): boolean {
    if (!state.attached || state.buffer === null) return true;
    const buffer = state.buffer;
    state.buffer = null;
    if (buffer.resource.destroyed) return true;
    const scale = state.scale ?? this.scale;
    const transform = state.transform ?? this.transform;
    const viewport = state.viewport ?? this.viewport;
    // The region this commit sets (null: set_opaque_region(NULL) emptied it), else the one in force.
    const opaqueRegion = state.opaque !== undefined ? state.opaque : this.opaqueRegion;
    const opaque = buffer.opaque || opaqueRegion?.covers(rect(0, 0, buffer.width / scale, buffer.height / scale)) === true;
    if (buffer instanceof SolidBuffer) {
      // One colour: nothing to copy, released now as a copied buffer is.
      this.#replaceStateContent(state, new SolidContent(buffer.argb, opaque));
      buffer.resource.send('release');
      return true;
    }
    const shown = state.content ?? this.content;
    const whole = rect(0, 0, buffer.width, buffer.height);
    let target: CopiedContent;
    let areas: Rect[];
    if (!toFreshContent && shown instanceof CopiedContent && shown.width === buffer.width && shown.height === buffer.height) {
      // Only the damaged rects: GTK3 redraws a few widgets of a large window.
      target = shown;
      areas = damageInBuffer(state, scale, transform, viewport, buffer).map((d) => intersect(whole, d)).filter((d) => !isEmpty(d));
    } else {
      const copy = CopiedContent.allocate(this.host.pixelBudget, this.client, buffer.width, buffer.height, opaque);
      if (copy === null) {
        // Past the budget: shown from the client's memory, read only where it reaches the output.
        this.#replaceStateContent(state, new DirectContent(buffer, opaque));
        return true;
      }
      target = copy;
      areas = [whole];
    }
    target.opaque = opaque;
    let rescued = false;
    for (const a of areas) if (buffer.copyRows(target, a.x, a.y, a.x + a.width, a.y + a.height)) rescued = true;
    if (rescued) {
      this.host.countRescue(this.client, this.host.policy);
      if (this.host.policy === 'error') {
        if (target !== shown) target.free();
        // libwayland's answer to a SIGBUS while reading a buffer.
        buffer.resource.postError(SHM_ERROR.invalid_fd, 'error accessing SHM buffer');
        return false;
      }
    }
    this.#replaceStateContent(state, target);
    // Shown in place elsewhere still (committed before, past the budget): released when that goes.
    if (buffer.shownInPlace === 0) buffer.resource.send('release');
    return true;
  }

  /** `state.content = content`, freeing what it held unless that is still shown. */
  #replaceStateContent(state: SurfaceState, content: Content): void {
    const old = state.content;
    if (old && old !== content && old !== this.content) old.free();
    state.content = content;
  }

  #apply(state: SurfaceState): void {
    const oldW = this.width;
    const oldH = this.height;
    // Only a change of scale, transform or viewport redraws the whole surface:
    // GTK3 sets its buffer scale again with every frame.
    const reshaped = (state.scale !== undefined && state.scale !== this.scale) ||
      (state.transform !== undefined && state.transform !== this.transform) ||
      (state.viewport !== undefined && !sameViewport(state.viewport, this.viewport));
    if (state.scale !== undefined) this.scale = state.scale;
    if (state.transform !== undefined) this.transform = state.transform;
    if (state.viewport !== undefined) this.viewport = state.viewport;
    if (state.opaque !== undefined) this.opaqueRegion = state.opaque;
    if (state.input !== undefined) this.inputRegion = state.input;
    if (state.attached) {
      // null when a null buffer was attached: unmapped. What was shown is given back.
      if (this.content && this.content !== state.content) this.content.free();
      this.content = state.content;
    }
    this.offsetX += state.dx;
    this.offsetY += state.dy;
    const width = this.width;
    const height = this.height;
    const wholeWidth = Math.max(oldW, width);
    const wholeHeight = Math.max(oldH, height);
    // All damage is clipped to the surface as it was or is: none while unmapped before and after.
    if (wholeWidth > 0 && wholeHeight > 0) {
      const whole = rect(0, 0, wholeWidth, wholeHeight);
      const damage: Rect[] = [];
      for (const d of state.surfaceDamage) addDamage(damage, intersect(d, whole));
      // Buffer damage in surface units, rounded outwards: through the buffer scale and the viewport
      // (fractional-scale clients damage a few buffer rects through one); with a transform, all of it.
      const plain = this.transform === 0 && this.viewport.source === null && this.viewport.destination === null;
      const map = plain || this.transform !== 0 || !this.content ? null : viewportMap(this.viewport, this.content.width / this.scale, this.content.height / this.scale);
      for (const d of state.bufferDamage) addDamage(damage, intersect(plain ? outwards(d, this.scale) : map ? bufferToSurface(d, this.scale, map) : whole, whole));
      const all = (state.attached && (oldW !== width || oldH !== height || state.content === null)) || reshaped;
      if (all) addDamage(damage, whole);
      if (damage.length > 0) {
        for (const d of damage) addDamage(this.damage, d);
        this.host.scheduleRepaint();
      }
    }
    // Children: the new stacking order now; their positions and cached state
    // by the caller's worklist (#applyChildren).
    this.#applyStack();
    this.host.countCommit(this.client, this);
    this.role?.committed?.(this);
    this.onApplied?.();
    if (state.frames.length || state.feedbacks.length) this.host.queueFrame(this, state.frames, state.feedbacks);
  }

  /** Set by the subsurface role: runs when the parent's state is applied;
   * true if this surface's own cached state was applied (its children follow). */
  onParentCommit: (() => boolean) | null = null;
  /** Set while a wp_viewport exists: checks its state against the buffer at commit. */
  checkViewport: ((pending: SurfaceState) => boolean) | null = null;
  /** Set while a pointer constraint exists (one seat: one at most): its double-buffered
   * state (region, cursor hint) is applied with the surface's, after the role's. */
  onApplied: (() => void) | null = null;

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    // The copies go back now (not at the next GC); buffers shown in place are released.
    for (const c of [this.content, this.pending.content, this.#cached?.content]) c?.free();
    for (const f of [...this.pending.frames, ...(this.#cached?.frames ?? [])]) f.destroy();
    this.host.surfaceDestroyed(this);
  }
}

function sameViewport(a: ViewportState, b: ViewportState): boolean {
  const s = a.source;
  const t = b.source;
  const sameSource = s === null || t === null ? s === t : s.x === t.x && s.y === t.y && s.width === t.width && s.height === t.height;
  const d = a.destination;
  const e = b.destination;
  const sameDestination = d === null || e === null ? d === e : d.width === e.width && d.height === e.height;
  return sameSource && sameDestination;
}

/** Buffer pixels `d` in surface units at buffer scale `scale`, rounded outwards. */
function outwards(d: Rect, scale: number): Rect {
  const x = Math.floor(d.x / scale);
  const y = Math.floor(d.y / scale);
  return rect(x, y, Math.ceil((d.x + d.width) / scale) - x, Math.ceil((d.y + d.height) / scale) - y);
}

/** How a viewport maps its source (buffer-scale units) onto the surface: surface = (u − x, v − y) × (kx, ky). */
interface ViewportMap {
  x: number;
  y: number;
  kx: number;
  ky: number;
}

/** The map of `viewport` over a buffer of width × height buffer-scale units (no transform). */
function viewportMap(viewport: ViewportState, width: number, height: number): ViewportMap {
  const src = viewport.source ?? { x: 0, y: 0, width, height };
  const dst = viewport.destination ?? { width: Math.round(src.width), height: Math.round(src.height) };
  return { x: src.x, y: src.y, kx: dst.width / src.width, ky: dst.height / src.height };
}

/** Buffer pixels `d` in surface units through the buffer scale and a viewport, rounded outwards. */
function bufferToSurface(d: Rect, scale: number, m: ViewportMap): Rect {
  const x0 = Math.floor((d.x / scale - m.x) * m.kx);
  const y0 = Math.floor((d.y / scale - m.y) * m.ky);
  return rect(x0, y0, Math.ceil(((d.x + d.width) / scale - m.x) * m.kx) - x0, Math.ceil(((d.y + d.height) / scale - m.y) * m.ky) - y0);
}

/** Surface units `d` in buffer pixels through a viewport and the buffer scale, rounded outwards. */
function surfaceToBuffer(d: Rect, scale: number, m: ViewportMap): Rect {
  const x0 = Math.floor((d.x / m.kx + m.x) * scale);
  const y0 = Math.floor((d.y / m.ky + m.y) * scale);
  return rect(x0, y0, Math.ceil(((d.x + d.width) / m.kx + m.x) * scale) - x0, Math.ceil(((d.y + d.height) / m.ky + m.y) * scale) - y0);
}

/** Damage of a commit in buffer pixels (a damage list; empty: none). */
function damageInBuffer(state: SurfaceState, scale: number, transform: number, viewport: ViewportState, buffer: ShmBuffer): Rect[] {
  const d = state.bufferDamage.slice();
  // Surface damage maps to the buffer through the buffer scale and the viewport; with a transform, damage everything.
  const simple = transform === 0 && viewport.source === null && viewport.destination === null;
  const map = simple || transform !== 0 ? null : viewportMap(viewport, buffer.width / scale, buffer.height / scale);
  for (const s of state.surfaceDamage)
    addDamage(d, simple ? rect(s.x * scale, s.y * scale, s.width * scale, s.height * scale) : map ? surfaceToBuffer(s, scale, map) : rect(0, 0, buffer.width, buffer.height));
  return d;
}

/** `later` on top of `earlier` (what caching two commits means): pending fields override, lists append, damage unites. */
function mergeState(earlier: SurfaceState | null, later: SurfaceState): SurfaceState {
  const m = new SurfaceState();
  const e = earlier ?? new SurfaceState();
  m.attached = e.attached || later.attached;
  m.buffer = later.attached ? later.buffer : null;
  m.content = later.attached ? later.content : e.content;
  if (later.attached && e.content && e.content !== later.content) e.content.free(); // a cached copy never shown
  m.dx = e.dx + later.dx;
  m.dy = e.dy + later.dy;
  m.surfaceDamage = later.surfaceDamage.reduce(addDamage, e.surfaceDamage.slice());
  m.bufferDamage = later.bufferDamage.reduce(addDamage, e.bufferDamage.slice());
  // Appended in place: a client caching 10,000 commits with a frame request each pays O(1) per commit.
  m.frames = e.frames;
  for (const f of later.frames) m.frames.push(f);
  m.feedbacks = e.feedbacks;
  for (const f of later.feedbacks) m.feedbacks.push(f);
  m.opaque = later.opaque !== undefined ? later.opaque : e.opaque;
  m.input = later.input !== undefined ? later.input : e.input;
  m.scale = later.scale ?? e.scale;
  m.transform = later.transform ?? e.transform;
  m.viewport = later.viewport ?? e.viewport;
  return m;
}

export function surfaceOf(resource: Resource<typeof wl_surface> | null): Surface | null {
  return dataOf(resource, Surface);
}

/** Advertises wl_compositor v5: surfaces and regions, served against `host`. */
export function createCompositorGlobal(display: Display, host: SurfaceHost): void {
  display.createGlobal(wl_compositor, 5, (resource) => {
    implement(resource, wl_compositor, {
      create_surface: (_r, surfaceResource) => serveSurface(surfaceResource, host),
      create_region: (_r, regionResource) => serveRegion(regionResource),
    });
  });
}

function serveSurface(resource: Resource<typeof wl_surface>, host: SurfaceHost): Surface {
  const surface = new Surface(resource, host);
  const p = surface.pending;
  resource.onDestroy(() => surface.destroy());
  implement(
    resource,
    wl_surface,
    {
      attach: (r, buffer, x, y) => {
        if (r.version >= 5 && (x !== 0 || y !== 0)) {
          r.postError(SURFACE_ERROR.invalid_offset, `invalid offset (${x}, ${y}): use wl_surface.offset since version 5`);
          return;
        }
        p.attached = true;
        p.buffer = shmBufferOf(buffer) ?? solidBufferOf(buffer);
        p.content = null;
        p.dx = x;
        p.dy = y;
      },
      damage: (_r, x, y, w, h) => void addDamage(p.surfaceDamage, clientRect(x, y, w, h)),
      damage_buffer: (_r, x, y, w, h) => void addDamage(p.bufferDamage, clientRect(x, y, w, h)),
      frame: (_r, callback) => {
        implement(callback, wl_callback, {});
        p.frames.push(callback);
      },
      set_opaque_region: (_r, region) => (p.opaque = dataOf(region, Region)?.copy() ?? null),
      set_input_region: (_r, region) => (p.input = dataOf(region, Region)?.copy() ?? null),
      commit: () => surface.commit(),
      set_buffer_transform: (r, transform) => {
        if (transform < 0 || transform > 7) {
          r.postError(SURFACE_ERROR.invalid_transform, `buffer transform must be a valid transform ('${transform}' specified)`);
          return;
        }
        p.transform = transform;
      },
      set_buffer_scale: (r, scale) => {
        if (scale < 1) {
          r.postError(SURFACE_ERROR.invalid_scale, `buffer scale must be at least one ('${scale}' specified)`);
          return;
        }
        p.scale = scale;
      },
      offset: (_r, x, y) => {
        p.dx = x;
        p.dy = y;
      },
    },
    surface,
  );
  return surface;
}
