// The protocol fuzzer's model of one client's objects: what the compositor
// holds for them, as far as it decides which requests are valid.
//
// The model mirrors the compositor's rules (src/compositor/*) closely enough
// to predict every protocol error a request gets: a request the model calls
// valid must get none, one it calls invalid must get exactly its error.
// Where the compositor's answer depends on something a client cannot know
// (another client's state, the refresh timer), the fuzzer either avoids the
// request or ends its batch after it and learns the outcome from events.
//
// Invariants:
//  - state changes only through the functions here, called in request order
//    (what the compositor will do with each request, in order);
//  - nothing here recurses over what a client builds: subsurface chains and
//    popup chains thousands deep are walked with explicit stacks.
import type { Proxy } from '../../../src/client/index.js';

export type RoleName = 'xdg_surface' | 'wl_subsurface' | 'wl_pointer-cursor' | 'zwlr_layer_surface_v1' | 'wl_data_device icon';

export interface Size {
  width: number;
  height: number;
}

export interface ViewportState {
  source: { x: number; y: number; width: number; height: number } | null;
  destination: Size | null;
}

/** A file descriptor backing a pool, and what happened to its file. */
export interface PoolFile {
  fd: number;
  /** The file's size now. */
  size: number;
  /** The smallest size the file has had since the pool was created (truncation under the compositor). */
  minSize: number;
  /** ftruncate may shrink it (not sealed against shrinking). */
  truncatable: boolean;
  /** Pool and buffers still hold the fd open in the compositor; we close ours when all are gone. */
  users: number;
}

export class PoolModel {
  readonly proxy: Proxy;
  readonly file: PoolFile;
  /** The pool's declared size (create_pool, resize). */
  size: number;
  destroyed = false;
  /** Used for screen capture buffers: never truncated in deterministic runs (its copy happens at a refresh). */
  readonly forCapture: boolean;

  constructor(proxy: Proxy, file: PoolFile, size: number, forCapture: boolean) {
    this.proxy = proxy;
    this.file = file;
    this.size = size;
    this.forCapture = forCapture;
  }
}

export class BufferModel {
  readonly proxy: Proxy;
  readonly pool: PoolModel;
  readonly offset: number;
  readonly width: number;
  readonly height: number;
  readonly stride: number;
  readonly format: number;
  destroyed = false;

  constructor(proxy: Proxy, pool: PoolModel, offset: number, width: number, height: number, stride: number, format: number) {
    this.proxy = proxy;
    this.pool = pool;
    this.offset = offset;
    this.width = width;
    this.height = height;
    this.stride = stride;
    this.format = format;
  }

  /** One past the last byte the compositor reads. */
  get end(): number {
    return this.offset + this.stride * (this.height - 1) + this.width * 4;
  }
}

/** A wp_single_pixel_buffer_manager_v1 buffer: 1×1, one colour, released at the commit that shows it. */
export class SolidBufferModel {
  readonly proxy: Proxy;
  readonly width = 1;
  readonly height = 1;
  destroyed = false;

  constructor(proxy: Proxy) {
    this.proxy = proxy;
  }
}

/** What wl_surface.attach may name: an shm buffer or a single-pixel one (the commit rules are the same). */
export type ShownBuffer = BufferModel | SolidBufferModel;

/** The double-buffered state of a surface the model needs (what decides errors). */
export interface PendingState {
  attached: boolean;
  buffer: ShownBuffer | null;
  scale: number | undefined;
  viewport: ViewportState | undefined;
}

/** A synchronized subsurface's cached commits (merged as the compositor merges them). */
export interface CachedState {
  attached: boolean;
  /** Content copied at the cached commit (null: none or unmapped). */
  content: Size | null;
  scale: number | undefined;
  viewport: ViewportState | undefined;
}

const emptyPending = (): PendingState => ({ attached: false, buffer: null, scale: undefined, viewport: undefined });

export class SurfaceModel {
  readonly proxy: Proxy;
  readonly version: number;
  destroyed = false;
  /** The role for life (a surface never changes role). */
  roleName: RoleName | null = null;
  xdg: XdgModel | null = null;
  sub: SubsurfaceModel | null = null;
  layer: LayerModel | null = null;
  /** The cursor role never goes away once given. */
  cursor = false;
  /** Used as a drag icon once: whether that drag is still on is not known, so never again. */
  iconUsed = false;
  /** Applied content (buffer size in pixels; null: unmapped). */
  content: Size | null = null;
  scale = 1;
  viewportState: ViewportState = { source: null, destination: null };
  pending: PendingState = emptyPending();
  cached: CachedState | null = null;
  /** Live wp_viewport of this surface. */
  viewport: ViewportModel | null = null;
  /** Surfaces whose active subsurface role has this one as parent. */
  readonly children = new Set<SurfaceModel>();

  constructor(proxy: Proxy, version: number) {
    this.proxy = proxy;
    this.version = version;
  }

  /** A role object is active (the compositor's `surface.role !== null`). */
  get hasActiveRole(): boolean {
    return this.cursor || this.xdg?.active === true || this.sub?.active === true || this.layer?.active === true || this.roleName === 'wl_data_device icon';
  }

  /** Can take role `name` without an error (the compositor's setRole). */
  canTakeRole(name: RoleName): boolean {
    if (this.roleName !== null && this.roleName !== name) return false;
    return !this.hasActiveRole;
  }

  /** The compositor's `surface.mapped || surface.pending.buffer`: refused by xdg_surface, layer surface and decoration creation. */
  get hasBuffer(): boolean {
    return this.content !== null || (this.pending.attached && this.pending.buffer !== null);
  }
}

export class SubsurfaceModel {
  readonly proxy: Proxy;
  readonly surface: SurfaceModel;
  readonly parent: SurfaceModel;
  sync = true;
  /** Its role is on: neither it nor its parent surface was destroyed. */
  active = true;
  destroyed = false;

  constructor(proxy: Proxy, surface: SurfaceModel, parent: SurfaceModel) {
    this.proxy = proxy;
    this.surface = surface;
    this.parent = parent;
  }
}

export class WmModel {
  readonly proxy: Proxy;
  readonly version: number;
  destroyed = false;
  /** xdg_surfaces of this wm_base whose object and surface are alive (the compositor's base.surfaces). */
  readonly surfaces = new Set<XdgModel>();
  /** A toplevel of this wm_base was unmapped once: the compositor re-linked its set_parent
   * children to its own parent, which the model does not follow (its links are no longer exact). */
  toplevelUnmapped = false;

  constructor(proxy: Proxy, version: number) {
    this.proxy = proxy;
    this.version = version;
  }
}

export class XdgModel {
  readonly proxy: Proxy;
  readonly surface: SurfaceModel;
  readonly wm: WmModel;
  toplevel: ToplevelModel | null = null;
  popup: PopupModel | null = null;
  initialCommitDone = false;
  configured = false;
  /** Configure serials received and not acked or superseded (the compositor's #sentSerials). */
  serials: number[] = [];
  mapped = false;
  /** The xdg_surface object was destroyed by us. */
  destroyed = false;
  /** Popups made with this parent, through any xdg_wm_base of the client. */
  readonly childPopups = new Set<PopupModel>();

  constructor(proxy: Proxy, surface: SurfaceModel, wm: WmModel) {
    this.proxy = proxy;
    this.surface = surface;
    this.wm = wm;
  }

  /** In its wm_base's set: object and surface alive (the role is on). */
  get active(): boolean {
    return !this.destroyed && !this.surface.destroyed;
  }
}

export class ToplevelModel {
  readonly proxy: Proxy;
  readonly xdg: XdgModel;
  destroyed = false;
  /** set_parent chain (kept by the compositor even after the parent's object is gone). */
  parent: ToplevelModel | null = null;
  min: [number, number] = [0, 0];
  max: [number, number] = [0, 0];
  pendingMin: [number, number] | null = null;
  pendingMax: [number, number] | null = null;
  decoration: DecorationModel | null = null;
  /** zxdg_imported_v2.set_parent_of was asked for it: its link may have changed since without
   * the model knowing (another client's handle, a relation undone), so `parent` is only an upper
   * bound of its ancestors (enough to avoid loops, not to expect one). */
  linkUncertain = false;

  constructor(proxy: Proxy, xdg: XdgModel) {
    this.proxy = proxy;
    this.xdg = xdg;
  }

  /** The min/max check made before a commit is applied. */
  get sizesConflict(): boolean {
    const [minW, minH] = this.pendingMin ?? this.min;
    const [maxW, maxH] = this.pendingMax ?? this.max;
    return (maxW > 0 && minW > maxW) || (maxH > 0 && minH > maxH);
  }
}

export class PopupModel {
  readonly proxy: Proxy;
  readonly xdg: XdgModel;
  parentXdg: XdgModel | null;
  parentLayer: LayerModel | null = null;
  dismissed = false;
  destroyed = false;
  /** A grab was asked and its answer (popup_done or not) is not known yet. */
  grabPending = false;

  constructor(proxy: Proxy, xdg: XdgModel, parentXdg: XdgModel | null) {
    this.proxy = proxy;
    this.xdg = xdg;
    this.parentXdg = parentXdg;
    parentXdg?.childPopups.add(this);
  }
}

export class PositionerModel {
  readonly proxy: Proxy;
  destroyed = false;
  width = 0;
  height = 0;
  anchorRect = false;

  constructor(proxy: Proxy) {
    this.proxy = proxy;
  }

  get complete(): boolean {
    return this.width > 0 && this.height > 0 && this.anchorRect;
  }
}

export class DecorationModel {
  readonly proxy: Proxy;
  readonly toplevel: ToplevelModel;
  destroyed = false;

  constructor(proxy: Proxy, toplevel: ToplevelModel) {
    this.proxy = proxy;
    this.toplevel = toplevel;
  }
}

export class LayerShellModel {
  readonly proxy: Proxy;
  readonly version: number;
  destroyed = false;

  constructor(proxy: Proxy, version: number) {
    this.proxy = proxy;
    this.version = version;
  }
}

export class LayerModel {
  readonly proxy: Proxy;
  readonly surface: SurfaceModel;
  readonly shell: LayerShellModel;
  readonly output: OutputModel | null;
  width = 0;
  height = 0;
  anchor = 0;
  initialCommitDone = false;
  configured = false;
  serials: number[] = [];
  mapped = false;
  closed = false;
  destroyed = false;

  constructor(proxy: Proxy, surface: SurfaceModel, shell: LayerShellModel, output: OutputModel | null) {
    this.proxy = proxy;
    this.surface = surface;
    this.shell = shell;
    this.output = output;
  }

  /** The role is on (the compositor's surface.role === this layer surface). */
  get active(): boolean {
    return !this.destroyed && !this.surface.destroyed;
  }
}

export class OutputModel {
  readonly proxy: Proxy;
  readonly version: number;
  released = false;

  constructor(proxy: Proxy, version: number) {
    this.proxy = proxy;
    this.version = version;
  }
}

/** A zxdg_exported_v2 of one of our toplevels. */
export class ExportModel {
  readonly proxy: Proxy;
  readonly toplevel: ToplevelModel;
  /** The handle event's (null until it arrives). */
  handle: string | null = null;
  destroyed = false;

  constructor(proxy: Proxy, toplevel: ToplevelModel) {
    this.proxy = proxy;
    this.toplevel = toplevel;
  }

  /** The handle lives: the export, its xdg_toplevel and its wl_surface (xdg-foreign.ts revoke). */
  get live(): boolean {
    return !this.destroyed && !this.toplevel.destroyed && !this.toplevel.xdg.surface.destroyed;
  }
}

/** A zxdg_imported_v2: of one of our exports, of another client's handle (with that client's rank), or of a handle that never was. */
export class ImportModel {
  readonly proxy: Proxy;
  readonly of: ExportModel | { rank: number } | 'bogus';
  destroyed = false;

  constructor(proxy: Proxy, of: ExportModel | { rank: number } | 'bogus') {
    this.proxy = proxy;
    this.of = of;
  }
}

export class ViewportModel {
  readonly proxy: Proxy;
  readonly surface: SurfaceModel;
  destroyed = false;

  constructor(proxy: Proxy, surface: SurfaceModel) {
    this.proxy = proxy;
    this.surface = surface;
  }
}

// ---------------------------------------------------------------- roles

const ANCHOR_TOP = 1;
const ANCHOR_BOTTOM = 2;
const ANCHOR_LEFT = 4;
const ANCHOR_RIGHT = 8;

/** The popups the compositor dismisses with `x`, and that make destroying x's own popup
 * not_the_topmost_popup: parent `x`, made through any wm_base of the client, alive, not dismissed. */
export function childPopups(x: XdgModel): PopupModel[] {
  const out: PopupModel[] = [];
  // Alive: the popup object, and its xdg_surface and wl_surface (in its wm_base's set).
  for (const p of x.childPopups) if (!p.destroyed && !p.dismissed && p.xdg.wm.surfaces.has(p.xdg)) out.push(p);
  return out;
}

/** Popups whose parent is the layer surface `l` (any wm_base of the client). */
export function layerPopups(l: LayerModel, wms: readonly WmModel[]): PopupModel[] {
  const out: PopupModel[] = [];
  for (const wm of wms) for (const s of wm.surfaces) if (s.popup && !s.popup.destroyed && s.popup.parentLayer === l && !s.popup.dismissed) out.push(s.popup);
  return out;
}

/** xdg.unmap() of the compositor: a mapped window leaves the scene and its open popups are dismissed. */
export function unmapXdg(x: XdgModel): void {
  if (!x.mapped) return;
  x.mapped = false;
  if (x.toplevel) x.wm.toplevelUnmapped = true; // the compositor hands its set_parent children to its own parent
  dismissPopups(childPopups(x));
}

/** popup.dismiss(): dismissed, then its window unmapped (and its children dismissed). */
export function dismissPopup(p: PopupModel): void {
  dismissPopups([p]);
}

/** dismissPopups() of the compositor, iteratively (popup chains are client-made): each
 * popup and every open popup above it is dismissed, mapped or not, and its window unmapped. */
function dismissPopups(popups: readonly PopupModel[]): void {
  const todo = [...popups];
  while (todo.length > 0) {
    const p = todo.pop()!;
    if (p.dismissed) continue;
    p.dismissed = true;
    p.xdg.mapped = false;
    for (const c of childPopups(p.xdg)) todo.push(c);
  }
}

/** The xdg_surface leaves its wm_base (object or surface destroyed). */
export function forgetXdg(x: XdgModel): void {
  x.wm.surfaces.delete(x);
  unmapXdg(x);
}

/** The layer surface's role object or surface is gone. */
export function forgetLayer(l: LayerModel, wms: readonly WmModel[]): void {
  unmapLayer(l, wms);
  l.closed = true;
}

export function unmapLayer(l: LayerModel, wms: readonly WmModel[]): void {
  if (!l.mapped) return;
  l.mapped = false;
  for (const p of layerPopups(l, wms)) dismissPopup(p);
}

/** The layer surface's pending state would be refused at commit (invalid_size). */
export function layerSizeInvalid(l: LayerModel): boolean {
  const h = ANCHOR_LEFT | ANCHOR_RIGHT;
  const v = ANCHOR_TOP | ANCHOR_BOTTOM;
  return (l.width === 0 && (l.anchor & h) !== h) || (l.height === 0 && (l.anchor & v) !== v);
}

// ---------------------------------------------------------------- subsurfaces

/** In sync mode itself or through an ancestor (walked iteratively). */
export function synchronized(s: SurfaceModel): boolean {
  for (let sub = s.sub; sub && sub.active; sub = sub.parent.sub) if (sub.sync) return true;
  return false;
}

/** `candidate` is `of` or one of its subsurface ancestors. */
export function isAncestor(candidate: SurfaceModel, of: SurfaceModel): boolean {
  for (let s: SurfaceModel | null = of; s; s = s.sub?.active ? s.sub.parent : null) if (s === candidate) return true;
  return false;
}

/** The subsurface role goes (its object destroyed, or its parent surface). */
export function detachSubsurface(sub: SubsurfaceModel): void {
  if (!sub.active) return;
  sub.active = false;
  sub.parent.children.delete(sub.surface);
}

// ---------------------------------------------------------------- commit

/** What a commit's check of the viewport says: null, or the error's name. */
export function viewportError(s: SurfaceModel): 'out_of_buffer' | 'bad_size' | null {
  if (!s.viewport || s.viewport.destroyed) return null;
  const p = s.pending;
  const state = p.viewport ?? s.viewportState;
  const src = state.source;
  const bufferWidth = p.attached ? (p.buffer?.width ?? 0) : (s.content?.width ?? 0);
  const bufferHeight = p.attached ? (p.buffer?.height ?? 0) : (s.content?.height ?? 0);
  const scale = p.scale ?? s.scale;
  if (!src || bufferWidth === 0) return null;
  if (src.x + src.width > bufferWidth / scale || src.y + src.height > bufferHeight / scale) return 'out_of_buffer';
  if (!state.destination && (!Number.isInteger(src.width) || !Number.isInteger(src.height))) return 'bad_size';
  return null;
}

/** The content a commit copies out of its pending buffer (null: nothing copied). */
function copiedContent(p: PendingState): Size | null {
  if (!p.attached || p.buffer === null || p.buffer.destroyed) return null;
  return { width: p.buffer.width, height: p.buffer.height };
}

/** Applies a commit the model already checked (no error): what Surface.commit does. */
export function commitSurface(s: SurfaceModel, roleCommitted: (s: SurfaceModel) => void): void {
  const p = s.pending;
  s.pending = emptyPending();
  if (s.sub?.active && synchronized(s)) {
    const e = s.cached;
    const content = copiedContent(p);
    s.cached = {
      attached: (e?.attached ?? false) || p.attached,
      content: p.attached ? (content ?? e?.content ?? null) : (e?.content ?? null),
      scale: p.scale ?? e?.scale,
      viewport: p.viewport ?? e?.viewport,
    };
    return;
  }
  const e = s.cached;
  s.cached = null;
  const attached = (e?.attached ?? false) || p.attached;
  let content: Size | null = p.attached ? (e?.content ?? null) : (e?.content ?? null);
  const copied = copiedContent(p);
  if (copied) content = copied;
  applyState(s, { attached, content, scale: p.scale ?? e?.scale, viewport: p.viewport ?? e?.viewport }, roleCommitted);
}

/** #apply, then the children's cached state, iteratively (a chain may be thousands deep). */
export function applyState(start: SurfaceModel, state: CachedState, roleCommitted: (s: SurfaceModel) => void): void {
  const todo: [SurfaceModel, CachedState, boolean][] = [[start, state, synchronized(start)]];
  while (todo.length > 0) {
    const [s, st, sync] = todo.pop()!;
    if (st.scale !== undefined) s.scale = st.scale;
    if (st.viewport !== undefined) s.viewportState = st.viewport;
    if (st.attached) s.content = st.content;
    for (const child of s.children) {
      if (child.destroyed || !child.sub?.active) continue;
      const childSync = child.sub.sync || sync;
      if (childSync && child.cached) {
        const c = child.cached;
        child.cached = null;
        todo.push([child, c, childSync]);
      }
    }
    roleCommitted(s);
  }
}

/** The xdg role's `committed` (after the state was applied). True when it unmapped: the compositor forgot its configure serials. */
export function xdgCommitted(x: XdgModel): boolean {
  const t = x.toplevel;
  if (t && !t.destroyed) {
    if (t.pendingMin) t.min = t.pendingMin;
    if (t.pendingMax) t.max = t.pendingMax;
    t.pendingMin = t.pendingMax = null;
  }
  if (!x.initialCommitDone) {
    x.initialCommitDone = true;
    return false;
  }
  const content = x.surface.content !== null;
  const dismissed = x.popup !== null && !x.popup.destroyed && x.popup.dismissed;
  if (content && !x.mapped && !dismissed) x.mapped = true;
  else if (!content && x.mapped) {
    unmapXdg(x);
    x.initialCommitDone = false;
    x.configured = false;
    x.serials = [];
    return true;
  }
  return false;
}

/** The layer role's `committed`. True when it unmapped (its configure serials forgotten). */
export function layerCommitted(l: LayerModel, wms: readonly WmModel[]): boolean {
  if (l.closed) return false;
  if (!l.initialCommitDone) {
    l.initialCommitDone = true;
    return false;
  }
  const content = l.surface.content !== null;
  if (content && !l.mapped) l.mapped = true;
  else if (!content && l.mapped) {
    unmapLayer(l, wms);
    l.initialCommitDone = false;
    l.configured = false;
    l.serials = [];
    return true;
  }
  return false;
}

/** Acks `serial` in a configure list: false if it is not there (invalid_serial). */
export function ackSerial(serials: number[], serial: number): boolean {
  const i = serials.indexOf(serial);
  if (i < 0) return false;
  serials.splice(0, i + 1);
  return true;
}
