// zwlr_layer_shell_v1 v4: panels, launchers, wallpapers and notifications as
// layer surfaces anchored to an output's edges.
//
// A layer surface is on the output whose wl_output get_layer_surface named
// (null: the first output); everything below (arranging, exclusive zones,
// the usable area) is per output, in the layout's logical coordinates.
//
// Invariants:
//  - four layers, bottom to top: background, bottom, (the windows), top,
//    overlay; within a layer, surfaces stack in the order they were mapped
//    (one that moves to another layer goes on top of it, as sway);
//  - layer surface state (size, anchor, exclusive zone, margins, keyboard
//    interactivity, layer) is double-buffered: requests change the pending
//    state, wl_surface.commit applies it after checking it (a 0 size on an
//    axis needs both anchors of that axis: invalid_size);
//  - configure before content, as for xdg_surface: the first commit (without
//    a buffer) is answered with a configure; a buffer before an acked
//    configure, or an ack of a serial never sent (or superseded), is
//    invalid_surface_state; unmapping (a null buffer) returns the surface to
//    its state right after get_layer_surface;
//  - arrange() places every surface on its output (logical units) and
//    computes each output's usable area: surfaces with a positive exclusive zone are
//    placed first, top layer down (within a layer, in the order they took
//    their zone), each shrinking the usable area from the edge it is
//    anchored to (one edge, or one edge and both perpendicular ones); the
//    others are placed in the usable area, or the whole output for an
//    exclusive zone of -1. A surface whose computed size changed gets a new
//    configure; when the usable area changes the host is told (maximized
//    windows follow it);
//  - keyboard interactivity: a mapped surface with `exclusive` or
//    `on_demand` asks the host for keyboard focus; when it stops wanting it
//    (unmapped, destroyed, set to none) it gives it back (null). Choosing
//    between several exclusive surfaces is the seat's business;
//  - after `closed` (its wl_output object went away), the surface's commits
//    are ignored until the client destroys it;
//  - cost: a commit that leaves what the surface takes from the usable area
//    as it was (the usual one: new content) places that surface alone, O(1);
//    one that changes it folds the usable area again over the surfaces with
//    an exclusive zone (O(those)), and re-places the others only if the
//    usable area changed (they all get a new size then). The layer stacks
//    are kept as surfaces map and unmap, so drawing them costs no sort;
//    popups are dismissed from the parent's own set.
import { zwlr_layer_shell_v1, zwlr_layer_surface_v1 } from '../../protocol/wlr-layer-shell.js';
import type { wl_output, wl_surface } from '../../protocol/wayland.js';
import type { Display, Resource } from '../../server/index.js';
import { outputOfResource, type Output } from '../output/output.js';
import type { OutputLayout } from '../output/layout.js';
import { rect, sameRect, type Rect } from '../core/region.js';
import type { SceneRoot } from '../output/renderer.js';
import { PendingSerials } from '../core/serials.js';
import { StackSet } from '../core/stack-set.js';
import { surfaceOf, type Surface, type SurfaceRole, type SurfaceState } from '../core/surface.js';
import { dataOf, implement } from '../../server/typed.js';
import { dismissPopups, popupOf, type Popup, type PopupParent } from './xdg-shell.js';

const SHELL_ERROR = zwlr_layer_shell_v1.enums.error.entries;
const SURFACE_ERROR = zwlr_layer_surface_v1.enums.error.entries;
export const LAYER = zwlr_layer_shell_v1.enums.layer.entries;
const ANCHOR = zwlr_layer_surface_v1.enums.anchor.entries;
const KEYBOARD = zwlr_layer_surface_v1.enums.keyboard_interactivity.entries;
const ALL_ANCHORS = ANCHOR.top | ANCHOR.bottom | ANCHOR.left | ANCHOR.right;
const LAYERS_BOTTOM_UP = [LAYER.background, LAYER.bottom, LAYER.top, LAYER.overlay] as const;
const LAYERS_TOP_DOWN = [...LAYERS_BOTTOM_UP].reverse();
/** Unacked configures remembered per layer surface (see PendingSerials). */
const CONFIGURES_KEPT = 256;

/** What the layer shell needs from the compositor. */
export interface LayerShellHost {
  readonly layout: OutputLayout;
  readonly display: Display;
  scheduleRepaint(): void;
  /** A layer surface wants keyboard focus (null: the one that had it gives it back). */
  requestKeyboardFocus(surface: Surface | null): void;
  /** An output's usable area changed (maximized windows are configured to it). */
  usableAreaChanged(): void;
}

/** The double-buffered part of a layer surface. */
interface LayerState {
  width: number;
  height: number;
  anchor: number;
  zone: number;
  margin: { top: number; right: number; bottom: number; left: number };
  keyboard: number;
  layer: number;
}

const copyState = (s: LayerState): LayerState => ({ ...s, margin: { ...s.margin } });

export class LayerSurface implements SurfaceRole, PopupParent {
  readonly name = 'zwlr_layer_surface_v1';
  readonly resource: Resource<typeof zwlr_layer_surface_v1>;
  readonly surface: Surface;
  readonly namespace: string;
  readonly shell: LayerShell;
  /** The wl_output the client asked for (null: none, the first output). */
  readonly outputResource: Resource<typeof wl_output> | null;
  /** The output it is on: the one its wl_output names, else the first. */
  readonly output: Output;
  pending: LayerState;
  current: LayerState;
  readonly popups = new Set<Popup>();
  /** Configures sent and not acked yet. */
  readonly #serials = new PendingSerials(CONFIGURES_KEPT);
  configured = false;
  initialCommitDone = false;
  mapped = false;
  closed = false;
  /** Place on its output (layout-logical units), from arrange(). */
  box: Rect;
  /** What this surface takes from the usable area, as of the last arrange (null: nothing, it has no exclusive zone or is not live). */
  exclusion: string | null = null;
  /** The usable area left when this exclusive surface's turn came in the last arrange (its bounds). */
  turnBounds: Rect;
  /** The layer whose stack it is in while mapped (null: not in one). */
  stackedIn: number | null = null;
  /** Size of the last configure. */
  #configured: [number, number] | null = null;
  #wantsFocus = false;

  constructor(resource: Resource<typeof zwlr_layer_surface_v1>, surface: Surface, shell: LayerShell, layer: number, namespace: string, outputResource: Resource<typeof wl_output> | null) {
    this.resource = resource;
    this.surface = surface;
    this.shell = shell;
    this.namespace = namespace;
    this.outputResource = outputResource;
    this.output = outputOfResource(outputResource) ?? shell.host.layout.first;
    this.box = this.turnBounds = { x: this.output.x, y: this.output.y, width: 0, height: 0 };
    this.current = { width: 0, height: 0, anchor: 0, zone: 0, margin: { top: 0, right: 0, bottom: 0, left: 0 }, keyboard: KEYBOARD.none, layer };
    this.pending = copyState(this.current);
  }

  get x(): number {
    return this.box.x;
  }

  get y(): number {
    return this.box.y;
  }

  get layer(): number {
    return this.current.layer;
  }

  /** Arranged on the output: its initial commit was made and it was not closed. */
  get live(): boolean {
    return !this.closed && this.initialCommitDone;
  }

  precommit(_surface: Surface, pending: SurfaceState): boolean {
    if (this.closed) return true;
    const p = this.pending;
    const horizontal = ANCHOR.left | ANCHOR.right;
    const vertical = ANCHOR.top | ANCHOR.bottom;
    if (p.width === 0 && (p.anchor & horizontal) !== horizontal) {
      this.resource.postError(SURFACE_ERROR.invalid_size, 'width 0 requested without setting left and right anchors');
      return false;
    }
    if (p.height === 0 && (p.anchor & vertical) !== vertical) {
      this.resource.postError(SURFACE_ERROR.invalid_size, 'height 0 requested without setting top and bottom anchors');
      return false;
    }
    if (!this.configured && pending.attached && pending.buffer) {
      this.resource.postError(SURFACE_ERROR.invalid_surface_state, 'layer_surface has never been configured');
      return false;
    }
    return true;
  }

  committed(surface: Surface): void {
    if (this.closed) return;
    this.current = copyState(this.pending);
    if (!this.initialCommitDone) {
      this.initialCommitDone = true;
      this.shell.arrangeFor(this);
      return;
    }
    if (surface.mapped && !this.mapped) {
      this.mapped = true;
    } else if (!surface.mapped && this.mapped) {
      this.unmap();
      // Back to the state right after get_layer_surface.
      this.initialCommitDone = false;
      this.configured = false;
      this.#serials.clear();
      this.#configured = null;
    }
    this.shell.restack(this);
    this.shell.arrangeFor(this);
    this.#updateFocus();
    this.shell.host.scheduleRepaint();
  }

  unmap(): void {
    if (!this.mapped) return;
    this.mapped = false;
    this.shell.restack(this);
    dismissPopups(this.popups);
    this.#updateFocus();
    this.shell.host.scheduleRepaint();
  }

  /** Asks for keyboard focus while mapped with exclusive/on_demand; gives it back otherwise. */
  #updateFocus(): void {
    const wants = this.mapped && !this.closed && this.current.keyboard !== KEYBOARD.none;
    if (wants === this.#wantsFocus) return;
    this.#wantsFocus = wants;
    this.shell.host.requestKeyboardFocus(wants ? this.surface : null);
  }

  /** Sends a configure if `size` differs from the last one (or none was sent since the initial commit). */
  configure(width: number, height: number): void {
    if (this.closed || this.resource.destroyed || !this.initialCommitDone) return;
    if (this.#configured && this.#configured[0] === width && this.#configured[1] === height) return;
    this.#configured = [width, height];
    const serial = this.shell.host.display.nextSerial();
    this.#serials.push(serial);
    this.resource.send('configure', serial, width, height);
  }

  ack(serial: number): void {
    if (!this.#serials.ack(serial)) {
      this.resource.postError(SURFACE_ERROR.invalid_surface_state, `wrong configure serial: ${serial}`);
      return;
    }
    this.configured = true;
  }

  /** The output went away for this surface: closed, then inert. */
  close(): void {
    if (this.closed) return;
    this.unmap();
    this.closed = true;
    this.#updateFocus();
    if (!this.resource.destroyed) this.resource.send('closed');
    this.shell.arrangeFor(this);
  }

  /** The role object is gone: the surface leaves the scene. */
  forget(): void {
    this.unmap();
    this.closed = true;
    this.#updateFocus();
    this.shell.remove(this);
  }
}

/** Creates the zwlr_layer_shell_v1 global; returns the layer shell. */
export function createLayerShellGlobal(display: Display, host: LayerShellHost): LayerShell {
  const shell = new LayerShell(host);
  display.createGlobal(zwlr_layer_shell_v1, 4, (resource) => shell.bind(resource));
  return shell;
}

export class LayerShell {
  readonly host: LayerShellHost;
  /** Every layer surface whose role object lives, in creation order. */
  readonly surfaces = new Set<LayerSurface>();
  /** Mapped surfaces of each layer, bottom to top (map order; a surface moved to another layer goes on top of it). */
  readonly #stacks = new Map<number, StackSet<LayerSurface>>(LAYERS_BOTTOM_UP.map((l) => [l, new StackSet<LayerSurface>()]));
  /** Per output: its usable area and its live surfaces with an exclusive zone, per layer, in the order they took it (the usable-area fold). */
  readonly #outputs = new Map<Output, { usable: Rect; exclusive: Map<number, Set<LayerSurface>> }>();

  constructor(host: LayerShellHost) {
    this.host = host;
    for (const o of host.layout.outputs) this.#outputs.set(o, { usable: o.logicalBox, exclusive: new Map(LAYERS_BOTTOM_UP.map((l) => [l, new Set<LayerSurface>()])) });
  }

  #of(output: Output): { usable: Rect; exclusive: Map<number, Set<LayerSurface>> } {
    const o = this.#outputs.get(output);
    if (!o) throw new RangeError(`${output.name} is not an output of this layout`);
    return o;
  }

  /** A client bound zwlr_layer_shell_v1. */
  bind(resource: Resource<typeof zwlr_layer_shell_v1>): void {
    implement(resource, zwlr_layer_shell_v1, {
      get_layer_surface: (r, id, surfaceResource, outputResource, layer, namespace) => this.#create(r, id, surfaceResource, outputResource, layer, namespace),
    });
  }

  /** The first output less its exclusive zones, logical units. */
  get usableArea(): Rect {
    return this.usableAreaOf(this.host.layout.first);
  }

  /** `output` less its exclusive zones, layout-logical units. */
  usableAreaOf(output: Output): Rect {
    return this.#of(output).usable;
  }

  #create(
    shellResource: Resource<typeof zwlr_layer_shell_v1>,
    id: Resource<typeof zwlr_layer_surface_v1>,
    surfaceResource: Resource<typeof wl_surface>,
    outputResource: Resource<typeof wl_output> | null,
    layer: number,
    namespace: string,
  ): void {
    const surface = surfaceOf(surfaceResource);
    if (!surface) return;
    if (layer > LAYER.overlay) {
      shellResource.postError(SHELL_ERROR.invalid_layer, `invalid layer ${layer}`);
      return;
    }
    const ls = new LayerSurface(id, surface, this, layer, namespace, outputResource);
    if (!surface.setRole(ls, shellResource, SHELL_ERROR.role)) return;
    if (surface.mapped || surface.pending.buffer) {
      surface.role = null;
      shellResource.postError(SHELL_ERROR.already_constructed, 'wl_surface has a buffer attached or committed');
      return;
    }
    this.surfaces.add(ls);
    const forget = (): void => {
      ls.forget();
      if (surface.role === ls) surface.role = null;
    };
    id.onDestroy(forget);
    surface.resource.onDestroy(() => id.destroyed || forget());
    // Our one output never goes; a client's wl_output object does (release): that is the output gone for it.
    outputResource?.onDestroy(() => id.destroyed || ls.close());
    const p = (): LayerState => ls.pending;
    implement(
      id,
      zwlr_layer_surface_v1,
      {
        set_size: (_r, w, h) => {
          p().width = w;
          p().height = h;
        },
        set_anchor: (r, anchor) => {
          if (anchor > ALL_ANCHORS) r.postError(SURFACE_ERROR.invalid_anchor, `invalid anchor ${anchor}`);
          else p().anchor = anchor;
        },
        set_exclusive_zone: (_r, zone) => (p().zone = zone),
        set_margin: (_r, top, right, bottom, left) => (p().margin = { top, right, bottom, left }),
        set_keyboard_interactivity: (r, k) => {
          const max = r.version >= 4 ? KEYBOARD.on_demand : KEYBOARD.exclusive;
          if (k > max) r.postError(SURFACE_ERROR.invalid_keyboard_interactivity, `invalid keyboard interactivity ${k}`);
          else p().keyboard = k;
        },
        get_popup: (_r, popupResource) => {
          const popup = popupOf(popupResource);
          // The popup must have been made without a parent, before its first commit.
          if (popup && !popup.xdg.initialCommitDone) popup.adoptParent(ls);
        },
        ack_configure: (_r, serial) => ls.ack(serial),
        set_layer: (_r, l) => {
          if (l > LAYER.overlay) {
            if (!shellResource.destroyed) shellResource.postError(SHELL_ERROR.invalid_layer, `invalid layer ${l}`);
            else id.postError(SURFACE_ERROR.invalid_surface_state, `invalid layer ${l}`);
          } else p().layer = l;
        },
      },
      ls,
    );
  }

  remove(ls: LayerSurface): void {
    if (!this.surfaces.delete(ls)) return;
    this.restack(ls);
    this.arrangeFor(ls);
    this.host.scheduleRepaint();
  }

  /** Puts a surface in the stack of its layer while it is mapped (on top when it arrives), out of every stack otherwise. O(1). */
  restack(ls: LayerSurface): void {
    const layer = ls.mapped && this.surfaces.has(ls) ? ls.current.layer : null;
    if (layer === ls.stackedIn) return;
    if (ls.stackedIn !== null) this.#stacks.get(ls.stackedIn)?.delete(ls);
    if (layer !== null) this.#stacks.get(layer)?.push(ls);
    ls.stackedIn = layer;
  }

  /**
   * Arranges after a change of one surface (a commit, close, destroy). If
   * what it takes from the usable area is unchanged (the usual commit: new
   * content), only it is placed again: O(1). Otherwise the usable area is
   * folded again over the exclusive surfaces (see arrange()).
   */
  arrangeFor(ls: LayerSurface): void {
    const exclusive = ls.live && this.surfaces.has(ls) && ls.current.zone > 0;
    const exclusion = exclusive ? exclusionOf(ls) : null;
    const state = this.#of(ls.output);
    if (exclusion === ls.exclusion) {
      if (!ls.live || !this.surfaces.has(ls)) return;
      const full = ls.output.logicalBox;
      ls.box = place(ls.current, exclusive ? ls.turnBounds : ls.current.zone === -1 ? full : state.usable);
      ls.configure(ls.box.width, ls.box.height);
      return;
    }
    for (const set of state.exclusive.values()) set.delete(ls);
    if (exclusive) state.exclusive.get(ls.current.layer)?.add(ls);
    ls.exclusion = exclusion;
    this.#fold(ls.output, ls);
  }

  /**
   * Places every layer surface, recomputes every output's usable area (from
   * mapped surfaces), configures the surfaces whose size changed or that
   * have had no configure since their initial commit. O(outputs × layer
   * surfaces): for output changes; a commit goes through arrangeFor().
   */
  arrange(): void {
    for (const output of this.#outputs.keys()) this.#fold(output, null);
    for (const s of this.surfaces) {
      if (!s.live || s.current.zone > 0) continue;
      s.box = place(s.current, s.current.zone === -1 ? s.output.logicalBox : this.#of(s.output).usable);
      s.configure(s.box.width, s.box.height);
    }
  }

  /**
   * `output`'s usable area, folded over its exclusive surfaces, top layer
   * down: each is placed in what is left when its turn comes, and a mapped
   * one takes its zone from it. O(its exclusive surfaces). If the usable
   * area changed, the others on it are placed in it again (and the host
   * told); else only `changed` (a surface that left the fold) is.
   */
  #fold(output: Output, changed: LayerSurface | null): void {
    const state = this.#of(output);
    const full = output.logicalBox;
    let usable = full;
    for (const l of LAYERS_TOP_DOWN) {
      for (const s of state.exclusive.get(l)!) {
        s.turnBounds = usable;
        s.box = place(s.current, usable);
        if (s.mapped) usable = exclude(usable, s.current);
        s.configure(s.box.width, s.box.height);
      }
    }
    const usableChanged = !sameRect(usable, state.usable);
    state.usable = usable;
    if (usableChanged) {
      for (const s of this.surfaces) {
        if (s.output !== output || !s.live || s.current.zone > 0) continue;
        s.box = place(s.current, s.current.zone === -1 ? full : usable);
        s.configure(s.box.width, s.box.height);
      }
      this.host.usableAreaChanged();
    } else if (changed && changed.live && this.surfaces.has(changed) && changed.current.zone <= 0) {
      changed.box = place(changed.current, changed.current.zone === -1 ? full : usable);
      changed.configure(changed.box.width, changed.box.height);
    }
  }

  /** Mapped surfaces of the given layers, bottom to top, as scene roots. */
  roots(layers: readonly number[]): SceneRoot[] {
    const roots: SceneRoot[] = [];
    for (const l of layers) {
      for (const s of this.#stacks.get(l) ?? []) roots.push({ surface: s.surface, x: s.box.x + s.surface.offsetX, y: s.box.y + s.surface.offsetY });
    }
    return roots;
  }
}

/** What decides how much a live exclusive surface takes from the usable area, and its turn (compared between commits). */
function exclusionOf(ls: LayerSurface): string {
  const s = ls.current;
  const m = s.margin;
  return `${ls.mapped ? 1 : 0} ${s.layer} ${s.anchor} ${s.zone} ${m.top} ${m.right} ${m.bottom} ${m.left}`;
}

/** The box of a surface with state `s` within `bounds` (the size it is configured to). */
/** The largest size a layer surface is configured with (int32, as every size in Wayland). */
const MAX_SIZE = 0x7fffffff;

function place(s: LayerState, bounds: Rect): Rect {
  const m = s.margin;
  const horizontal = (s.anchor & (ANCHOR.left | ANCHOR.right)) === (ANCHOR.left | ANCHOR.right);
  const vertical = (s.anchor & (ANCHOR.top | ANCHOR.bottom)) === (ANCHOR.top | ANCHOR.bottom);
  // Margins are any int32: negative ones past the output would ask for more than a uint32 size.
  const width = s.width === 0 ? Math.min(MAX_SIZE, Math.max(0, bounds.width - m.left - m.right)) : s.width;
  const height = s.height === 0 ? Math.min(MAX_SIZE, Math.max(0, bounds.height - m.top - m.bottom)) : s.height;
  let x: number;
  if (horizontal) x = bounds.x + m.left + Math.floor((bounds.width - m.left - m.right - width) / 2);
  else if (s.anchor & ANCHOR.left) x = bounds.x + m.left;
  else if (s.anchor & ANCHOR.right) x = bounds.x + bounds.width - width - m.right;
  else x = bounds.x + Math.floor((bounds.width - width) / 2);
  let y: number;
  if (vertical) y = bounds.y + m.top + Math.floor((bounds.height - m.top - m.bottom - height) / 2);
  else if (s.anchor & ANCHOR.top) y = bounds.y + m.top;
  else if (s.anchor & ANCHOR.bottom) y = bounds.y + bounds.height - height - m.bottom;
  else y = bounds.y + Math.floor((bounds.height - height) / 2);
  return rect(x, y, width, height);
}

/**
 * `usable` less the exclusive zone of a surface with state `s`. The zone
 * counts from the edge the surface is anchored to (margin included): one
 * edge alone, or one edge with both perpendicular ones; any other anchoring
 * has no exclusive zone.
 */
function exclude(usable: Rect, s: LayerState): Rect {
  const a = s.anchor;
  const T = ANCHOR.top;
  const B = ANCHOR.bottom;
  const L = ANCHOR.left;
  const R = ANCHOR.right;
  const clamp = (n: number, max: number): number => Math.max(0, Math.min(n, max));
  if (a === T || a === (T | L | R)) {
    const z = clamp(s.zone + s.margin.top, usable.height);
    return rect(usable.x, usable.y + z, usable.width, usable.height - z);
  }
  if (a === B || a === (B | L | R)) {
    const z = clamp(s.zone + s.margin.bottom, usable.height);
    return rect(usable.x, usable.y, usable.width, usable.height - z);
  }
  if (a === L || a === (L | T | B)) {
    const z = clamp(s.zone + s.margin.left, usable.width);
    return rect(usable.x + z, usable.y, usable.width - z, usable.height);
  }
  if (a === R || a === (R | T | B)) {
    const z = clamp(s.zone + s.margin.right, usable.width);
    return rect(usable.x, usable.y, usable.width - z, usable.height);
  }
  return usable;
}
