// xdg_wm_base v5: xdg_surface, xdg_toplevel, xdg_popup, xdg_positioner.
//
// Invariants:
//  - configure before content: the first commit (without a buffer) is
//    answered with a configure; a buffer committed before the client acked
//    one is unconfigured_buffer; ack_configure takes only a serial that was
//    sent and not yet superseded (invalid_serial), and drops the older ones;
//  - a toplevel is configured with size 0 × 0 (the client picks) unless it
//    asked to be maximized (then the usable area's size: its output less
//    the layer-shell exclusive zones) or fullscreen (its output's logical
//    size), with the matching state; its output is the host's choice
//    (ShellHost.outputOf: the output set_fullscreen named, else the one it
//    is on); only the toplevel with keyboard focus is activated (the seat
//    sets it; a change is a new configure); when those sizes change (output
//    mode, exclusive zones) such toplevels are configured again;
//  - toplevels are placed when first mapped, cascaded so each is visible;
//    unmapping (a null buffer) resets the xdg_surface to before its first
//    commit, as the protocol says;
//  - a popup needs a complete positioner (size and anchor rectangle); its
//    geometry follows anchor, gravity and offset, then the constraint
//    adjustments (flip, slide, resize, per axis, in that order) against its
//    output's logical box (the output of its toplevel, or of its parent);
//    destroying a popup that has a live child popup is
//    not_the_topmost_popup; when a parent unmaps or goes, its open popups
//    and all theirs are dismissed (they leave the scene parents first, then
//    get popup_done children first); a popup of a dismissed popup never maps;
//  - set_parent: a parent that is not mapped is no parent; when a parent
//    unmaps, its children's parent becomes its own parent (and stays so
//    when it maps again); the toplevel itself or one of its descendants is
//    invalid_parent, found in O(log n) amortized (a link-cut forest:
//    forest.ts), not by walking the chain;
//  - ping/pong: a client that leaves a ping unanswered until the next one is
//    reported unresponsive (once per episode), never disconnected for it;
//  - cost: no request costs more as the client makes more objects. Each
//    parent keeps the set of its open popups and each popup the root of its
//    chain (found from its parent's when it is made and when it maps), so
//    the toplevel of a popup is O(1) and dismissing popups is one step per
//    popup dismissed, iteratively (a popup chain may be 100,000 deep);
//    ack_configure is O(1) amortized, with at most 256 unacked configures
//    remembered per xdg_surface (an ack of an older one is let through);
//    reconfiguring sized toplevels visits only maximized and fullscreen ones.
import { xdg_popup, xdg_positioner, xdg_surface, xdg_toplevel, xdg_wm_base } from '../../protocol/xdg-shell.js';
import type { Client, Display, Resource } from '../../server/index.js';
import { cut, ForestNode, link, rootOf } from './forest.js';
import { outputOfResource, type Output } from '../output/output.js';
import { rect, type Rect } from '../core/region.js';
import { PendingSerials } from '../core/serials.js';
import { surfaceOf, type Surface, type SurfaceRole, type SurfaceState } from '../core/surface.js';
import { dataOf, implement } from '../../server/typed.js';

const WM_ERROR = xdg_wm_base.enums.error.entries;
const SURFACE_ERROR = xdg_surface.enums.error.entries;
const TOPLEVEL_ERROR = xdg_toplevel.enums.error.entries;
const POSITIONER_ERROR = xdg_positioner.enums.error.entries;
const POPUP_ERROR = xdg_popup.enums.error.entries;
const STATE = xdg_toplevel.enums.state.entries;
const ANCHOR = xdg_positioner.enums.anchor.entries;
const GRAVITY = xdg_positioner.enums.gravity.entries;
const ADJUST = xdg_positioner.enums.constraint_adjustment.entries;
const RESIZE_EDGE_MAX = 10; // xdg_toplevel.resize_edge: none .. bottom_right

const clampInt32 = (v: number): number => Math.min(0x7fffffff, Math.max(-0x80000000, v));
/** Unacked configures remembered per xdg_surface (see PendingSerials: older ones are let through). */
const CONFIGURES_KEPT = 256;

/** What the shell needs from the compositor. */
export interface ShellHost {
  readonly display: Display;
  /** The output a window is sized and constrained to. */
  outputOf(window: XdgSurface): Output;
  mapWindow(window: XdgSurface): void;
  unmapWindow(window: XdgSurface): void;
  scheduleRepaint(): void;
  reportUnresponsive(client: Client): void;
  /** xdg_popup.grab: true if granted (the seat checks the input serial). */
  grabPopup?(popup: XdgSurface, serial: number): boolean;
  /** `output` less the exclusive zones of its layer surfaces, logical units (maximized windows fill it). */
  usableArea(output: Output): Rect;
  /** A mapped toplevel became (or stopped being) maximized or fullscreen: its configure is sent. */
  toplevelStateChanged?(window: XdgSurface): void;
  /** A toplevel's title, app id or state (maximized, fullscreen, activated) changed. */
  toplevelChanged?(window: XdgSurface): void;
}

/** What a popup is placed relative to: an xdg_surface, or a layer surface (zwlr_layer_surface_v1.get_popup). */
export interface PopupParent {
  /** Window geometry origin on the output, logical units. */
  readonly x: number;
  readonly y: number;
  /** Its popups that are not dismissed (nor destroyed): what its unmapping dismisses. */
  readonly popups: Set<Popup>;
}

/** Positioner state (copied into a popup when it is created or repositioned). */
export class Positioner {
  width = 0;
  height = 0;
  anchorRect: Rect | null = null;
  anchor: number = ANCHOR.none;
  gravity: number = GRAVITY.none;
  adjustment = 0;
  offsetX = 0;
  offsetY = 0;

  get complete(): boolean {
    return this.width > 0 && this.height > 0 && this.anchorRect !== null;
  }

  copy(): Positioner {
    return Object.assign(new Positioner(), this);
  }
}

/** The window an xdg_surface shows: a toplevel or a popup, with its place on the output. */
export class XdgSurface implements SurfaceRole, PopupParent {
  readonly name = 'xdg_surface';
  readonly resource: Resource<typeof xdg_surface>;
  readonly surface: Surface;
  readonly shell: ShellHost;
  readonly wmBase: WmBase;
  toplevel: Toplevel | null = null;
  popup: Popup | null = null;
  readonly popups = new Set<Popup>();
  /** Configures sent and not acked yet. */
  readonly #sentSerials = new PendingSerials(CONFIGURES_KEPT);
  configured = false;
  #initialCommitDone = false;
  mapped = false;
  geometry: Rect | null = null;
  pendingGeometry: Rect | null = null;
  /** Window geometry origin on the output, logical units. */
  x = 0;
  y = 0;
  /** The serial of the last configure the client acked (null: none yet). */
  lastAckedSerial: number | null = null;

  constructor(resource: Resource<typeof xdg_surface>, surface: Surface, shell: ShellHost, wmBase: WmBase) {
    this.resource = resource;
    this.surface = surface;
    this.shell = shell;
    this.wmBase = wmBase;
  }

  /** The surface's origin on the output (the geometry origin minus the geometry offset). */
  get originX(): number {
    return this.x - (this.geometry?.x ?? 0);
  }

  get originY(): number {
    return this.y - (this.geometry?.y ?? 0);
  }

  get windowWidth(): number {
    return this.geometry?.width ?? this.surface.width;
  }

  get windowHeight(): number {
    return this.geometry?.height ?? this.surface.height;
  }

  precommit(_surface: Surface, pending: SurfaceState): boolean {
    if (!this.toplevel && !this.popup) {
      this.resource.postError(SURFACE_ERROR.not_constructed, 'xdg_surface must have a role before commit');
      return false;
    }
    if (!this.configured && pending.attached && pending.buffer) {
      this.resource.postError(SURFACE_ERROR.unconfigured_buffer, 'xdg_surface has never been configured');
      return false;
    }
    return this.toplevel ? this.toplevel.precommit() : true;
  }

  committed(surface: Surface): void {
    if (this.pendingGeometry) {
      this.geometry = this.pendingGeometry;
      this.pendingGeometry = null;
    }
    this.toplevel?.committed();
    if (!this.#initialCommitDone) {
      this.#initialCommitDone = true;
      this.sendConfigure();
      return;
    }
    if (surface.mapped && !this.mapped && !this.popup?.dismissed) {
      if (this.popup?.parentDismissed) {
        // A popup of a dismissed popup never shows (its parent's dismissal would have taken it).
        this.popup.dismiss();
        return;
      }
      this.popup?.findChainRoot();
      this.mapped = true;
      this.shell.mapWindow(this);
    } else if (!surface.mapped && this.mapped) {
      // Back to the state before the first commit, before the desktop hears
      // of the unmap: the focus change it makes must not configure (and
      // remember a serial for) a surface that is now unconfigured (foot,
      // closing, acked that configure and got invalid_serial).
      this.#initialCommitDone = false;
      this.configured = false;
      this.#sentSerials.clear();
      this.unmap();
    }
  }

  get initialCommitDone(): boolean {
    return this.#initialCommitDone;
  }

  /** Leaves the scene; its popups are dismissed. */
  unmap(): void {
    if (!this.mapped) return;
    this.mapped = false;
    this.shell.unmapWindow(this);
    this.toplevel?.unmapped();
    dismissPopups(this.popups);
  }

  /** The toplevel this window belongs to: itself, or the root of its popup chain (null: none, e.g. a layer surface's popup). */
  get owningToplevel(): XdgSurface | null {
    if (this.toplevel) return this;
    const root = this.popup?.chainRoot;
    return root?.toplevel ? root : null;
  }

  /** Sets a toplevel's activated state (keyboard focus); a change is configured. */
  setActivated(on: boolean): void {
    const t = this.toplevel;
    if (t && t.activated !== on) t.changeState(() => (t.activated = on));
  }

  /** Sends the role's configure, then xdg_surface.configure with a new serial (returned; null: the xdg_surface is gone). */
  sendConfigure(): number | null {
    if (this.resource.destroyed) return null;
    if (this.toplevel) this.toplevel.sendConfigure();
    else if (this.popup) this.popup.sendConfigure();
    const serial = this.shell.display.nextSerial();
    this.#sentSerials.push(serial);
    this.resource.send('configure', serial);
    return serial;
  }

  ack(serial: number): boolean {
    if (!this.#sentSerials.ack(serial)) {
      this.resource.postError(SURFACE_ERROR.invalid_serial, `wrong configure serial: ${serial}`);
      return false;
    }
    this.configured = true;
    this.lastAckedSerial = serial;
    return true;
  }
}

export class Toplevel {
  readonly resource: Resource<typeof xdg_toplevel>;
  readonly xdg: XdgSurface;
  /** xdg-decoration: its configure goes out with each of this toplevel's configures. */
  decoration: { sendConfigure(): void } | null = null;
  /** The size of the last configure sent. */
  #configured: [number, number] | null = null;
  title = '';
  appId = '';
  /**
   * This toplevel in the forest of set_parent links. Children link only to
   * a mapped parent; when it unmaps, its node stays behind for its children
   * (so their parent is now its parent, as the protocol says) and it takes
   * a fresh one (the links are not restored when it maps again).
   */
  #node = new ForestNode();
  maximized = false;
  fullscreen = false;
  /** The output set_fullscreen named (null: none, the one it is on). */
  fullscreenOutput: Output | null = null;
  activated = false;
  /** The size asked for by requestSize() (null: the client picks), when neither maximized nor fullscreen. */
  requestedSize: [number, number] | null = null;
  minSize: [number, number] = [0, 0];
  maxSize: [number, number] = [0, 0];
  #pendingMin: [number, number] | null = null;
  #pendingMax: [number, number] | null = null;

  constructor(resource: Resource<typeof xdg_toplevel>, xdg: XdgSurface) {
    this.resource = resource;
    this.xdg = xdg;
  }

  precommit(): boolean {
    const [minW, minH] = this.#pendingMin ?? this.minSize;
    const [maxW, maxH] = this.#pendingMax ?? this.maxSize;
    if ((maxW > 0 && minW > maxW) || (maxH > 0 && minH > maxH)) {
      this.resource.postError(TOPLEVEL_ERROR.invalid_size, 'min size is larger than max size');
      return false;
    }
    return true;
  }

  committed(): void {
    if (this.#pendingMin) this.minSize = this.#pendingMin;
    if (this.#pendingMax) this.maxSize = this.#pendingMax;
    this.#pendingMin = this.#pendingMax = null;
  }

  /** set_min_size or set_max_size ('min' or 'max'), applied at the next commit. */
  setSizeLimit(which: 'min' | 'max', w: number, h: number): void {
    if (w < 0 || h < 0) {
      this.resource.postError(TOPLEVEL_ERROR.invalid_size, 'width and height must be positive or zero');
      return;
    }
    if (which === 'min') this.#pendingMin = [w, h];
    else this.#pendingMax = [w, h];
  }

  sendConfigure(): void {
    const out = this.xdg.shell.outputOf(this.xdg);
    // Neither wm_capabilities (v5) nor configure_bounds (v4) is sent: clients
    // built against older XML that still bind v5, such as weston 10's
    // presentation-shm, abort on an event they have no listener for.
    // configure_bounds is optional; without wm_capabilities a client assumes
    // every capability, and every one is accepted here (maximize and
    // fullscreen are honoured; minimize and the window menu have nothing to
    // show headless).
    const states: number[] = this.activated ? [STATE.activated] : [];
    if (this.maximized) states.push(STATE.maximized);
    if (this.fullscreen) states.push(STATE.fullscreen);
    const [w, h] = this.size(out);
    this.#configured = [w, h];
    this.resource.send('configure', w, h, uint32Array(states));
    this.decoration?.sendConfigure();
  }

  /** The configure size: the output (fullscreen), the usable area (maximized) or 0 × 0 (the client picks). */
  size(out: Output): [number, number] {
    if (this.fullscreen) return [out.logicalWidth, out.logicalHeight];
    if (this.maximized) {
      const area = this.xdg.shell.usableArea(out);
      return [area.width, area.height];
    }
    return this.requestedSize ?? [0, 0];
  }

  /** Configures again if the size it would get changed (output mode, exclusive zones). */
  reconfigureIfResized(): void {
    if (!this.xdg.initialCommitDone || this.#configured === null) return;
    const [w, h] = this.size(this.xdg.shell.outputOf(this.xdg));
    if (w !== this.#configured[0] || h !== this.#configured[1]) this.xdg.sendConfigure();
  }

  /** xdg_toplevel.set_parent: O(log n) amortized, however deep the chain (forest.ts). */
  setParent(parent: Toplevel | null): void {
    const outcome = this.linkParent(parent);
    if (outcome === 'self') this.resource.postError(TOPLEVEL_ERROR.invalid_parent, 'a toplevel cannot be its own parent');
    else if (outcome === 'loop') this.resource.postError(TOPLEVEL_ERROR.invalid_parent, 'parent would create a loop');
  }

  /** What set_parent does, the error left to the caller (xdg_toplevel's or
   * xdg-foreign's): 'self' and 'loop' are refused (the old parent is gone
   * all the same, as before), 'none' is no parent (null, or not mapped). */
  linkParent(parent: Toplevel | null): 'linked' | 'none' | 'self' | 'loop' {
    if (parent === this) return 'self';
    const node = this.#node;
    release(node);
    // An unmapped parent is no parent.
    if (!parent?.xdg.mapped || parent.resource.destroyed) return 'none';
    // Only a toplevel with children can be above its new parent.
    if (node.children > 0 && rootOf(parent.#node) === node) return 'loop';
    link(node, parent.#node);
    return 'linked';
  }

  /** `parent` is this toplevel's parent now (set_parent to it, and it has not unmapped since). */
  isChildOf(parent: Toplevel): boolean {
    return this.#node.parent === parent.#node;
  }

  /** It unmapped: its children keep its old node (under its parent); it starts afresh under the same parent. O(log n) amortized. */
  unmapped(): void {
    const old = this.#node;
    if (old.children === 0) return;
    this.#node = new ForestNode();
    if (old.parent) link(this.#node, old.parent);
    leftBehind.add(old);
  }

  /** The toplevel object is gone. */
  destroyed(): void {
    release(this.#node);
  }

  /** A state request: answered with a configure once the client made its first commit (its serial returned, else null). */
  changeState(apply: () => void): number | null {
    const sized = this.maximized || this.fullscreen;
    apply();
    if (this.maximized || this.fullscreen) this.xdg.wmBase.sized.add(this);
    else this.xdg.wmBase.sized.delete(this);
    this.xdg.shell.toplevelChanged?.(this.xdg);
    const serial = this.xdg.initialCommitDone ? this.xdg.sendConfigure() : null;
    if (this.xdg.mapped && (sized || this.maximized || this.fullscreen)) this.xdg.shell.toplevelStateChanged?.(this.xdg);
    return serial;
  }

  /** The compositor asks for a size (a session's resize): neither maximized nor fullscreen, configured with width × height. */
  requestSize(width: number, height: number): number | null {
    return this.changeState(() => {
      this.requestedSize = [width, height];
      this.maximized = this.fullscreen = false;
    });
  }
}

/** Nodes unmapped toplevels left behind for their children (they go when the last child does). */
const leftBehind = new WeakSet<ForestNode>();

/** Cuts `node` from its parent; a left-behind parent whose last child that was goes too, and so on up. O(log n) amortized per node. */
function release(node: ForestNode): void {
  for (let n: ForestNode | null = node; n; ) {
    const parent: ForestNode | null = n.parent;
    cut(n);
    n = parent && parent.children === 0 && leftBehind.has(parent) ? parent : null;
  }
}

export class Popup {
  readonly resource: Resource<typeof xdg_popup>;
  readonly xdg: XdgSurface;
  #parent: XdgSurface | PopupParent | null;
  /**
   * The xdg_surface at the root of this popup's chain: its parent's chain
   * root, the parent itself (a toplevel), or this popup's own (a popup of a
   * layer surface, or without a parent). Found when the popup is made and
   * again when it maps, from the parent's: O(1), however deep the chain.
   */
  chainRoot: XdgSurface;
  positioner: Positioner;
  /** Geometry relative to the parent's window geometry. */
  box: Rect = rect(0, 0, 0, 0);
  #repositionToken: number | null = null;
  dismissed = false;
  /** The grab was granted: the popup takes keyboard focus while open. */
  grabbed = false;

  constructor(resource: Resource<typeof xdg_popup>, xdg: XdgSurface, parent: XdgSurface | PopupParent | null, positioner: Positioner) {
    this.resource = resource;
    this.xdg = xdg;
    this.#parent = parent;
    this.positioner = positioner;
    parent?.popups.add(this);
    this.chainRoot = xdg;
    this.findChainRoot();
  }

  get parent(): XdgSurface | PopupParent | null {
    return this.#parent;
  }

  /** Gives a popup made without a parent one (zwlr_layer_surface_v1.get_popup); false if it has one. */
  adoptParent(parent: PopupParent): boolean {
    if (this.#parent) return false;
    this.#parent = parent;
    if (!this.dismissed) parent.popups.add(this);
    this.findChainRoot();
    return true;
  }

  /** Recomputes chainRoot from the parent's (its role may have come after this popup was made). */
  findChainRoot(): void {
    const parent = this.#parent;
    if (parent instanceof XdgSurface) this.chainRoot = parent.popup ? parent.popup.chainRoot : parent;
    else this.chainRoot = this.xdg;
  }

  /** The parent is a popup that was dismissed. */
  get parentDismissed(): boolean {
    return this.#parent instanceof XdgSurface && this.#parent.popup?.dismissed === true;
  }

  /** No longer one of its parent's open popups (dismissed, or its object destroyed). */
  detach(): void {
    this.#parent?.popups.delete(this);
  }

  sendConfigure(): void {
    this.box = place(this.positioner, this.#parent, this.xdg.shell.outputOf(this.xdg));
    if (this.#repositionToken !== null && this.resource.version >= 3) this.resource.send('repositioned', this.#repositionToken);
    this.#repositionToken = null;
    // A positioner's offsets are any int32: the sum may not be (the popup is far off the output anyway).
    const b = this.box;
    this.resource.send('configure', clampInt32(b.x), clampInt32(b.y), clampInt32(b.width), clampInt32(b.height));
    this.updatePosition();
  }

  updatePosition(): void {
    this.xdg.x = (this.#parent?.x ?? 0) + this.box.x;
    this.xdg.y = (this.#parent?.y ?? 0) + this.box.y;
  }

  reposition(positioner: Positioner, token: number): void {
    this.positioner = positioner;
    this.#repositionToken = token;
    this.xdg.sendConfigure();
  }

  /** Dismisses this popup and its open descendants (see dismissPopups). */
  dismiss(): void {
    dismissPopups([this]);
  }
}

/**
 * Dismisses `popups` and every open popup above them: each is marked,
 * leaves its parent's open popups and the scene (parents first, so keyboard
 * focus moves once, when the one holding it goes), then gets popup_done
 * (children first, as the protocol asks). Iterative, one step per popup: a
 * popup chain may be 100,000 deep, and each popup is dismissed once.
 */
export function dismissPopups(popups: Iterable<Popup>): void {
  const order: Popup[] = [];
  const todo: Popup[] = [];
  for (const p of popups) todo.push(p);
  while (todo.length > 0) {
    const p = todo.pop()!;
    if (p.dismissed) continue;
    p.dismissed = true;
    order.push(p);
    for (const child of p.xdg.popups) todo.push(child);
  }
  for (const p of order) p.detach();
  for (const p of order) p.xdg.unmap();
  for (let i = order.length - 1; i >= 0; i--) {
    const r = order[i]!.resource;
    if (!r.destroyed) r.send('popup_done');
  }
}

function uint32Array(values: readonly number[]): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setUint32(i * 4, v, true));
  return out;
}

/** Where a popup goes, relative to its parent's window geometry (xdg_positioner rules), kept on `output`. */
export function place(p: Positioner, parent: PopupParent | null, output: Output): Rect {
  const a = p.anchorRect ?? rect(0, 0, 0, 0);
  const compute = (anchor: number, gravity: number): Rect => {
    const ax = hasLeft(anchor) ? a.x : hasRight(anchor) ? a.x + a.width : a.x + Math.floor(a.width / 2);
    const ay = hasTop(anchor) ? a.y : hasBottom(anchor) ? a.y + a.height : a.y + Math.floor(a.height / 2);
    const x = hasLeft(gravity) ? ax - p.width : hasRight(gravity) ? ax : ax - Math.floor(p.width / 2);
    const y = hasTop(gravity) ? ay - p.height : hasBottom(gravity) ? ay : ay - Math.floor(p.height / 2);
    return rect(x + p.offsetX, y + p.offsetY, p.width, p.height);
  };
  // Constraints are checked in the output's coordinates (its logical box's origin is 0, 0).
  const px = (parent?.x ?? output.x) - output.x;
  const py = (parent?.y ?? output.y) - output.y;
  const W = output.logicalWidth;
  const H = output.logicalHeight;
  const outX = (r: Rect): boolean => px + r.x < 0 || px + r.x + r.width > W;
  const outY = (r: Rect): boolean => py + r.y < 0 || py + r.y + r.height > H;
  let box = compute(p.anchor, p.gravity);
  if (outX(box) && p.adjustment & ADJUST.flip_x) {
    const flipped = compute(flipX(p.anchor), flipX(p.gravity));
    if (!outX(flipped)) box = { ...box, x: flipped.x };
  }
  if (outY(box) && p.adjustment & ADJUST.flip_y) {
    const flipped = compute(flipY(p.anchor), flipY(p.gravity));
    if (!outY(flipped)) box = { ...box, y: flipped.y };
  }
  if (outX(box) && p.adjustment & ADJUST.slide_x) {
    let x = box.x;
    if (px + x + box.width > W) x = W - box.width - px;
    if (px + x < 0) x = -px; // prefer the left edge visible
    box = { ...box, x };
  }
  if (outY(box) && p.adjustment & ADJUST.slide_y) {
    let y = box.y;
    if (py + y + box.height > H) y = H - box.height - py;
    if (py + y < 0) y = -py;
    box = { ...box, y };
  }
  if (outX(box) && p.adjustment & ADJUST.resize_x) {
    const left = Math.max(px + box.x, 0);
    const right = Math.min(px + box.x + box.width, W);
    if (right > left) box = { ...box, x: left - px, width: right - left };
  }
  if (outY(box) && p.adjustment & ADJUST.resize_y) {
    const top = Math.max(py + box.y, 0);
    const bottom = Math.min(py + box.y + box.height, H);
    if (bottom > top) box = { ...box, y: top - py, height: bottom - top };
  }
  return box;
}

// Anchor and gravity share their values: top 1, bottom 2, left 3, right 4,
// top_left 5, bottom_left 6, top_right 7, bottom_right 8.
const hasTop = (v: number): boolean => v === 1 || v === 5 || v === 7;
const hasBottom = (v: number): boolean => v === 2 || v === 6 || v === 8;
const hasLeft = (v: number): boolean => v === 3 || v === 5 || v === 6;
const hasRight = (v: number): boolean => v === 4 || v === 7 || v === 8;
const FLIP_X: Readonly<Record<number, number>> = { 3: 4, 4: 3, 5: 7, 7: 5, 6: 8, 8: 6 };
const FLIP_Y: Readonly<Record<number, number>> = { 1: 2, 2: 1, 5: 6, 6: 5, 7: 8, 8: 7 };
const flipX = (v: number): number => FLIP_X[v] ?? v;
const flipY = (v: number): number => FLIP_Y[v] ?? v;

/** One bound xdg_wm_base: its surfaces and ping state. */
export class WmBase {
  readonly resource: Resource<typeof xdg_wm_base>;
  readonly surfaces = new Set<XdgSurface>();
  /** The maximized and fullscreen toplevels of every client (shared by all wm_bases). */
  readonly sized: Set<Toplevel>;
  pingSerial: number | null = null;
  unresponsive = false;

  constructor(resource: Resource<typeof xdg_wm_base>, sized: Set<Toplevel>) {
    this.resource = resource;
    this.sized = sized;
  }
}

export interface Shell {
  /** Pings every client with an xdg_wm_base; reports those that did not answer the previous ping. */
  ping(): void;
  /** Configures again the maximized and fullscreen toplevels whose size changed. */
  reconfigureSized(): void;
  /** The maximized and fullscreen toplevels (of every client, mapped or not). */
  readonly sized: ReadonlySet<Toplevel>;
}

export function createXdgShellGlobal(display: Display, host: ShellHost): Shell {
  const bases = new Set<WmBase>();
  const sized = new Set<Toplevel>();
  display.createGlobal(xdg_wm_base, 5, (resource) => {
    const base = new WmBase(resource, sized);
    bases.add(base);
    resource.onDestroy(() => bases.delete(base));
    implement(
      resource,
      xdg_wm_base,
      {
        destroy: (r) => {
          if (base.surfaces.size > 0) r.postError(WM_ERROR.defunct_surfaces, 'xdg_wm_base was destroyed before children');
        },
        create_positioner: (_r, positionerResource) => servePositioner(positionerResource),
        get_xdg_surface: (r, xdgResource, surfaceResource) => {
          const surface = surfaceOf(surfaceResource);
          if (!surface) return;
          const xdg = new XdgSurface(xdgResource, surface, host, base);
          if (!surface.setRole(xdg, r, WM_ERROR.role)) return;
          if (surface.mapped || surface.pending.buffer) {
            xdgResource.postError(SURFACE_ERROR.unconfigured_buffer, 'xdg_surface must not have a buffer at creation');
            return;
          }
          base.surfaces.add(xdg);
          serveXdgSurface(xdg);
        },
        pong: (_r, serial) => {
          if (serial !== base.pingSerial) return;
          base.pingSerial = null;
          base.unresponsive = false;
        },
      },
      base,
    );
  });
  return {
    ping: () => {
      for (const base of bases) {
        if (base.pingSerial !== null && !base.unresponsive) {
          base.unresponsive = true;
          host.reportUnresponsive(base.resource.client);
        }
        base.pingSerial = host.display.nextSerial();
        base.resource.send('ping', base.pingSerial);
      }
    },
    reconfigureSized: () => {
      for (const t of sized) t.reconfigureIfResized();
    },
    sized,
  };
}

function servePositioner(resource: Resource<typeof xdg_positioner>): void {
  const p = new Positioner();
  implement(
    resource,
    xdg_positioner,
    {
      set_size: (r, w, h) => {
        if (w < 1 || h < 1) r.postError(POSITIONER_ERROR.invalid_input, 'width and height must be positive and non-zero');
        else [p.width, p.height] = [w, h];
      },
      set_anchor_rect: (r, x, y, w, h) => {
        if (w < 0 || h < 0) r.postError(POSITIONER_ERROR.invalid_input, 'width and height must be non-negative');
        else p.anchorRect = rect(x, y, w, h);
      },
      set_anchor: (r, anchor) => {
        if (anchor > ANCHOR.bottom_right) r.postError(POSITIONER_ERROR.invalid_input, `invalid anchor ${anchor}`);
        else p.anchor = anchor;
      },
      set_gravity: (r, gravity) => {
        if (gravity > GRAVITY.bottom_right) r.postError(POSITIONER_ERROR.invalid_input, `invalid gravity ${gravity}`);
        else p.gravity = gravity;
      },
      set_constraint_adjustment: (_r, adjustment) => (p.adjustment = adjustment),
      set_offset: (_r, x, y) => [p.offsetX, p.offsetY] = [x, y],
    },
    p,
  );
}

function serveXdgSurface(xdg: XdgSurface): void {
  const { resource, surface, wmBase } = xdg;
  const forget = (): void => {
    wmBase.surfaces.delete(xdg);
    xdg.unmap();
    // Its popup object (if any) may live on, inert: no longer an open popup of its parent.
    xdg.popup?.detach();
    if (surface.role === xdg) surface.role = null;
  };
  resource.onDestroy(forget);
  surface.resource.onDestroy(() => resource.destroyed || forget());
  const checkNoRole = (r: Resource<typeof xdg_surface>): boolean => {
    if (xdg.toplevel || xdg.popup) {
      r.postError(SURFACE_ERROR.already_constructed, 'xdg_surface has already been constructed');
      return false;
    }
    return true;
  };
  implement(
    resource,
    xdg_surface,
    {
      // Destroying the xdg_surface before its role object is defunct_role_object
      // in the XML, but weston 10's clients (presentation-shm) do it at exit
      // and weston accepts it: the window is unmapped and the role object
      // left inert, as weston does.
      get_toplevel: (r, toplevelResource) => {
        if (!checkNoRole(r)) return;
        serveToplevel(toplevelResource, xdg);
      },
      get_popup: (r, popupResource, parentResource, positionerResource) => {
        if (!checkNoRole(r)) return;
        const positioner = dataOf(positionerResource, Positioner);
        if (!positioner?.complete) {
          wmBase.resource.postError(WM_ERROR.invalid_positioner, 'positioner object is not complete');
          return;
        }
        // Its wl_surface is gone: an inert popup, no open popup of its parent
        // (else the parent's destroy would be not_the_topmost_popup for good).
        if (surface.destroyed) implement(popupResource, xdg_popup, {});
        else servePopup(popupResource, xdg, dataOf(parentResource, XdgSurface), positioner.copy());
      },
      set_window_geometry: (r, x, y, w, h) => {
        if (w <= 0 || h <= 0) {
          r.postError(SURFACE_ERROR.invalid_size, 'window geometry size must be positive');
          return;
        }
        xdg.pendingGeometry = rect(x, y, w, h);
      },
      ack_configure: (_r, serial) => xdg.ack(serial),
    },
    xdg,
  );
}

function serveToplevel(resource: Resource<typeof xdg_toplevel>, xdg: XdgSurface): void {
  const t = new Toplevel(resource, xdg);
  xdg.toplevel = t;
  resource.onDestroy(() => {
    xdg.unmap();
    xdg.wmBase.sized.delete(t);
    t.destroyed();
    xdg.toplevel = null;
  });
  implement(
    resource,
    xdg_toplevel,
    {
      set_parent: (_r, parentResource) => t.setParent(dataOf(parentResource, Toplevel)),
      set_title: (_r, title) => {
        t.title = title;
        xdg.shell.toplevelChanged?.(xdg);
      },
      set_app_id: (_r, appId) => {
        t.appId = appId;
        xdg.shell.toplevelChanged?.(xdg);
      },
      resize: (r, _seat, _serial, edges) => {
        if (edges > RESIZE_EDGE_MAX) r.postError(TOPLEVEL_ERROR.invalid_resize_edge, `invalid resize edge ${edges}`);
      },
      set_max_size: (_r, w, h) => t.setSizeLimit('max', w, h),
      set_min_size: (_r, w, h) => t.setSizeLimit('min', w, h),
      set_maximized: () => t.changeState(() => (t.maximized = true)),
      unset_maximized: () => t.changeState(() => (t.maximized = false)),
      set_fullscreen: (_r, output) =>
        t.changeState(() => {
          t.fullscreen = true;
          t.fullscreenOutput = outputOfResource(output);
        }),
      unset_fullscreen: () =>
        t.changeState(() => {
          t.fullscreen = false;
          t.fullscreenOutput = null;
        }),
    },
    t,
  );
}

function servePopup(resource: Resource<typeof xdg_popup>, xdg: XdgSurface, parent: XdgSurface | null, positioner: Positioner): void {
  const popup = new Popup(resource, xdg, parent, positioner);
  xdg.popup = popup;
  resource.onDestroy(() => {
    xdg.unmap();
    popup.detach();
    xdg.popup = null;
  });
  implement(
    resource,
    xdg_popup,
    {
      destroy: () => {
        if (xdg.popups.size > 0) xdg.wmBase.resource.postError(WM_ERROR.not_the_topmost_popup, 'xdg_popup was destroyed while it was not the topmost popup');
      },
      grab: (r, _seat, serial) => {
        if (xdg.mapped) r.postError(POPUP_ERROR.invalid_grab, 'xdg_popup already is mapped');
        else if (xdg.shell.grabPopup?.(xdg, serial)) popup.grabbed = true;
        else popup.dismiss(); // a refused grab: dismissed at once, as the protocol says
      },
      reposition: (_r, positionerResource, token) => {
        const p = dataOf(positionerResource, Positioner);
        if (!p?.complete) {
          xdg.wmBase.resource.postError(WM_ERROR.invalid_positioner, 'positioner object is not complete');
          return;
        }
        popup.reposition(p.copy(), token);
      },
    },
    popup,
  );
}

export function toplevelOf(resource: Resource<typeof xdg_toplevel> | null): Toplevel | null {
  return dataOf(resource, Toplevel);
}

export function popupOf(resource: Resource<typeof xdg_popup> | null): Popup | null {
  return dataOf(resource, Popup);
}

/** The toplevel title and app id of a window (for reports). */
export function windowTitle(window: XdgSurface): string {
  return window.toplevel ? window.toplevel.title || window.toplevel.appId : 'popup';
}
