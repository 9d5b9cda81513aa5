// The desktop: window policy, in one place. The protocol modules report what
// happened (a window mapped or unmapped, a press, an activation token used,
// a layer surface wants the keyboard, the usable area or an output
// changed); this module alone decides what follows: where a window goes,
// which output it is on,
// how windows stack, who has keyboard focus, which toplevel is activated,
// which popups hold a grab, and what the scene is made of.
//
// Invariants:
//  - the scene, bottom to top: background and bottom layer surfaces, the
//    windows (each toplevel with its popups above it, in the order raised:
//    window-stack.ts), top and overlay layer surfaces, then popups of layer
//    surfaces;
//  - the scene is in the layout's one logical coordinate space (outputs
//    side by side, output/layout.ts); a window is on the output it overlaps
//    most (outputOf), a fullscreen one on the output set_fullscreen named
//    if any, a popup on its toplevel's (or its parent's) output, a window
//    not mapped yet on the first output;
//  - placement: a toplevel that maps opens on the first output, in its
//    usable area (the output less its layer surfaces' exclusive zones):
//    fullscreen at its output's origin, maximized at the usable area's,
//    otherwise cascaded from the area's top-left corner (32 px steps, 10
//    places), kept inside it; a mapped toplevel that becomes maximized or
//    fullscreen moves to fill the output it is on (or the one it asked
//    for); maximized and fullscreen toplevels follow the usable area and
//    their output when they change; the windows on an output that moves
//    move with it; a popup is placed by its positioner (xdg-shell.ts),
//    relative to its parent;
//  - keyboard focus (the only place it changes): a toplevel that maps gets
//    it and goes on top; so does a toplevel that is clicked or activated
//    (xdg_activation_v1), and a popup that maps with a grab granted for a
//    valid input serial, while it is open; a layer surface that asks for
//    it (keyboard interactivity) gets it, and when it gives it back focus
//    goes to the next candidate. When the focused surface unmaps or dies,
//    focus goes to the topmost open grabbing popup, else the topmost
//    toplevel left, else nowhere;
//  - exactly the toplevel that holds focus (or whose popup does) is
//    `activated`; the one that lost it is reconfigured without;
//  - a grabbing popup is dismissed (popup_done, children first) by a press
//    outside its client's surfaces; that press is consumed;
//  - cost: mapping, unmapping, raising, focusing, the next focus and popup
//    grabs are O(1), whatever the number of windows or popups (the window
//    stack and the grabs are StackSets, a popup knows its chain's root);
//    re-placing sized windows is O(maximized and fullscreen toplevels), and
//    an output moving O(windows); finding a window's output is O(outputs);
//    sceneRoots() is O(scene): once per frame or per input event.
import type { Client } from '../../server/index.js';
import { rootOf } from '../core/tree.js';
import { StackSet } from '../core/stack-set.js';
import { rect, type Rect } from '../core/region.js';
import type { Surface } from '../core/surface.js';
import type { Seat } from '../input/seat.js';
import type { Hit } from '../input/pointer.js';
import type { LogLevel } from '../log.js';
import type { Output } from '../output/output.js';
import type { OutputLayout } from '../output/layout.js';
import type { SceneRoot } from '../output/renderer.js';
import { LAYER, LayerSurface, type LayerShell } from '../shell/layer-shell.js';
import { windowTitle, XdgSurface, type Shell } from '../shell/xdg-shell.js';
import { WindowStack } from './window-stack.js';
import { Listeners } from '../events.js';

/** A window mapped or unmapped, or a toplevel's title, app id or state (maximized, fullscreen, activated) changed. */
export interface WindowEvent {
  readonly type: 'mapped' | 'unmapped' | 'changed';
  readonly window: XdgSurface;
}

/** Cascade step of new toplevels, logical pixels. */
const CASCADE_STEP = 32;
/** Cascade places before starting again at the first. */
const CASCADE_PLACES = 10;

/** What the desktop needs from the compositor (repaints and log lines). */
export interface DesktopHost {
  readonly layout: OutputLayout;
  scheduleRepaint(): void;
  log(level: LogLevel, message: string): void;
  /** A client's name for log lines ("foot (pid 12)"). */
  labelOf(client: Client): string;
}

/** The protocol areas the desktop decides for. */
export interface DesktopParts {
  readonly seat: Seat;
  readonly shell: Shell;
  readonly layerShell: LayerShell;
}

/** The xdg_surface a surface (or its subsurface tree's root) belongs to. */
export function xdgSurfaceOf(surface: Surface): XdgSurface | null {
  const root = rootOf(surface);
  return root.role instanceof XdgSurface ? root.role : null;
}

/** The toplevel a surface belongs to (its window's, or its popup chain's root; a layer surface's popup has none). O(1). */
function owningToplevel(surface: Surface | null): XdgSurface | null {
  return surface ? (xdgSurfaceOf(surface)?.owningToplevel ?? null) : null;
}

export class Desktop {
  /** Mapped windows (toplevels and popups), bottom to top. */
  readonly windows = new WindowStack();
  readonly #host: DesktopHost;
  readonly #seat: Seat;
  readonly #shell: Shell;
  readonly #layerShell: LayerShell;
  /** The toplevel shown as activated (the one holding focus, or whose popup does). */
  #activated: XdgSurface | null = null;
  /** Stops watching the focused surface's destruction. */
  #unwatchFocus: (() => void) | null = null;
  /** Open popups holding a grab, bottom to top. */
  readonly #popupGrabs = new StackSet<XdgSurface>();
  readonly #unmapListeners: ((window: XdgSurface) => void)[] = [];
  /** Toplevels cascaded so far (the next one's place). */
  #placed = 0;
  /** Windows mapping, unmapping and changing, for those who wait on them (src/session); after the desktop's own work. */
  readonly windowEvents: Listeners<WindowEvent>;
  /** Each output's logical box as the windows last saw it (an output that moves takes its windows along). */
  readonly #outputBoxes = new Map<Output, Rect>();

  constructor(host: DesktopHost, parts: DesktopParts) {
    this.#host = host;
    this.windowEvents = new Listeners((e) => host.log('error', `a window listener failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`));
    this.#seat = parts.seat;
    this.#shell = parts.shell;
    this.#layerShell = parts.layerShell;
    for (const o of host.layout.outputs) this.#outputBoxes.set(o, o.logicalBox);
  }

  // ---- placement

  /** `output` (default: the first) less its layer surfaces' exclusive zones, logical units (maximized windows fill it). */
  usableArea(output: Output = this.#host.layout.first): Rect {
    return this.#layerShell.usableAreaOf(output);
  }

  /** The output a window is on: what it is sized to (maximized, fullscreen) and its popups are kept on. O(outputs). */
  outputOf(window: XdgSurface): Output {
    const layout = this.#host.layout;
    const t = window.toplevel;
    if (t?.fullscreen && t.fullscreenOutput && layout.outputs.includes(t.fullscreenOutput)) return t.fullscreenOutput;
    const popup = window.popup;
    if (popup) {
      const root = popup.chainRoot;
      if (root !== window && root.toplevel) return this.outputOf(root);
      const parent = popup.parent;
      if (parent instanceof LayerSurface) return parent.output;
      return parent ? layout.outputFor(rect(parent.x, parent.y, 1, 1)) : layout.first;
    }
    if (!window.mapped) return layout.first;
    return layout.outputFor(rect(window.x, window.y, window.windowWidth, window.windowHeight));
  }

  /** Where a sized toplevel goes on its output: the output's origin (fullscreen) or its usable area's (maximized). */
  #placeSized(window: XdgSurface): void {
    const t = window.toplevel;
    if (!t) return;
    const output = this.outputOf(window);
    if (t.fullscreen) [window.x, window.y] = [output.x, output.y];
    else if (t.maximized) {
      const area = this.usableArea(output);
      [window.x, window.y] = [area.x, area.y];
    }
  }

  /** Where a toplevel that maps goes: on the first output (or the one it asked to be fullscreen on). */
  #place(window: XdgSurface): void {
    const toplevel = window.toplevel;
    if (!toplevel) return; // a popup: its positioner places it
    if (toplevel.fullscreen || toplevel.maximized) {
      this.#placeSized(window);
      return;
    }
    const area = this.usableArea();
    const k = this.#placed++ % CASCADE_PLACES;
    window.x = area.x + Math.max(0, Math.min(CASCADE_STEP * (k + 1), area.width - window.windowWidth));
    window.y = area.y + Math.max(0, Math.min(CASCADE_STEP * (k + 1), area.height - window.windowHeight));
  }

  /** Maximized and fullscreen toplevels follow the usable areas and the outputs: placed again, configured with their new size. */
  #replaceSized(): void {
    for (const t of this.#shell.sized) if (t.xdg.mapped) this.#placeSized(t.xdg);
    this.#shell.reconfigureSized();
    this.#host.scheduleRepaint();
  }

  /** A mapped toplevel became maximized or fullscreen (it fills its output), or stopped being so (it stays). */
  toplevelStateChanged(window: XdgSurface): void {
    if (!window.mapped) return;
    this.#placeSized(window);
    this.#host.scheduleRepaint();
    this.#seat.pointer.invalidate();
  }

  /** Moves a mapped window (its geometry's origin) to (x, y), layout-logical: tests and embedders; sized ones stay put. */
  moveWindow(window: XdgSurface, x: number, y: number): void {
    if (!window.mapped || window.popup) return;
    [window.x, window.y] = [x, y];
    this.#host.scheduleRepaint();
    this.#seat.pointer.invalidate();
  }

  /** The layer surfaces took a different part of an output. */
  usableAreaChanged(): void {
    this.#replaceSized();
  }

  /** An output's mode, scale or place changed: the windows on it move with it, layer surfaces are arranged again, sized windows follow, the pointer stays on the outputs. */
  outputChanged(output: Output): void {
    const before = this.#outputBoxes.get(output) ?? output.logicalBox;
    const now = output.logicalBox;
    this.#outputBoxes.set(output, now);
    const [dx, dy] = [now.x - before.x, now.y - before.y];
    if (dx !== 0 || dy !== 0) {
      // Which output each window was on, with this one where it was.
      const boxOf = (o: Output): Rect => (o === output ? before : o.logicalBox);
      for (const w of this.windows) {
        if (!w.toplevel || this.#host.layout.outputFor(rect(w.x, w.y, w.windowWidth, w.windowHeight), boxOf) !== output) continue;
        w.x += dx;
        w.y += dy;
      }
    }
    this.#layerShell.arrange();
    this.#replaceSized();
    const { x, y } = this.#seat.pointerPosition;
    this.#seat.pointer.move(x, y);
  }

  // ---- the window stack

  /** A window mapped: placed, put on top of its group (a toplevel: its group on top), focused if it takes focus. */
  mapWindow(window: XdgSurface): void {
    this.#place(window);
    const root = window.popup?.chainRoot ?? window;
    this.windows.add(window, root, root.popup?.parent instanceof LayerSurface);
    const surface = window.surface;
    this.#host.log('info', `${this.#host.labelOf(surface.client)}: mapped ${windowTitle(window)} at ${window.x},${window.y}`);
    this.#host.scheduleRepaint();
    if (window.toplevel) this.focus(surface);
    else if (window.popup?.grabbed) {
      this.#popupGrabs.push(window);
      this.focus(surface);
    }
    this.#seat.pointer.invalidate();
    this.windowEvents.emit({ type: 'mapped', window });
  }

  /** A toplevel's title, app id or state changed (the shell reports it). */
  windowChanged(window: XdgSurface): void {
    this.windowEvents.emit({ type: 'changed', window });
  }

  /** Runs `listener` just before a window leaves the scene (it is still painted). */
  onUnmap(listener: (window: XdgSurface) => void): void {
    this.#unmapListeners.push(listener);
  }

  /** A window unmapped: out of the stack and the grabs; focus moves on if it was there. */
  unmapWindow(window: XdgSurface): void {
    for (const l of this.#unmapListeners) l(window);
    this.windows.remove(window);
    this.#host.scheduleRepaint();
    this.#popupGrabs.delete(window);
    // Keyboard focus is always on a root surface (a window's or a layer surface's): O(1).
    const f = this.#seat.keyboardFocus;
    if ((f && xdgSurfaceOf(f) === window) || window === this.#activated) this.focus(this.#nextFocus());
    this.#seat.pointer.invalidate();
    this.windowEvents.emit({ type: 'unmapped', window });
  }

  /** Puts a toplevel and its popups on top. O(1). */
  #raise(toplevel: XdgSurface): void {
    if (!this.windows.raise(toplevel)) return;
    this.#host.scheduleRepaint();
    this.#seat.pointer.invalidate();
  }

  /** The scene for the renderer and hit testing, bottom to top. O(scene). */
  sceneRoots(): SceneRoot[] {
    const roots: SceneRoot[] = this.#layerShell.roots([LAYER.background, LAYER.bottom]);
    const windowRoot = (w: XdgSurface): SceneRoot => {
      // A popup follows its parent (placed earlier: parents are below their popups).
      w.popup?.updatePosition();
      return { surface: w.surface, x: w.originX + w.surface.offsetX, y: w.originY + w.surface.offsetY };
    };
    for (const w of this.windows.belowLayers()) roots.push(windowRoot(w));
    for (const r of this.#layerShell.roots([LAYER.top, LAYER.overlay])) roots.push(r);
    for (const w of this.windows.aboveLayers()) roots.push(windowRoot(w));
    return roots;
  }

  // ---- keyboard focus and activation

  /** Moves keyboard focus (the seat sends leave and enter); the activated toplevel follows. Every focus change goes through here. */
  focus(surface: Surface | null): void {
    if (surface?.destroyed) surface = null;
    if (surface === this.#seat.keyboardFocus) return;
    this.#unwatchFocus?.();
    this.#unwatchFocus = surface ? surface.resource.onDestroy(() => this.#focusLost()) : null;
    this.#seat.setKeyboardFocus(surface, () => {
      const top = owningToplevel(surface);
      if (top === this.#activated) return;
      const old = this.#activated;
      this.#activated = top;
      if (old && !old.resource.destroyed) old.setActivated(false);
      top?.setActivated(true);
    });
  }

  /** The focused surface went away: focus the next candidate. */
  #focusLost(): void {
    this.#unwatchFocus = null;
    this.focus(this.#nextFocus());
  }

  /** The topmost open grabbing popup, else the topmost mapped toplevel, else null. */
  #nextFocus(): Surface | null {
    const grab = this.#popupGrabs.top;
    if (grab) return grab.surface;
    return this.windows.topToplevel()?.surface ?? null;
  }

  /** Focuses and raises the toplevel of `surface` (a click, xdg_activation_v1). False if it has none mapped. */
  activate(surface: Surface): boolean {
    const top = owningToplevel(surface);
    if (!top?.mapped) return false;
    this.#raise(top);
    if (owningToplevel(this.#seat.keyboardFocus) !== top) this.focus(top.surface);
    return true;
  }

  /** A layer surface wants keyboard focus (keyboard interactivity); null: the one that had it gives it back. */
  layerKeyboardFocus(surface: Surface | null): void {
    if (surface) this.focus(surface);
    else if (this.#seat.keyboardFocus?.role instanceof LayerSurface) this.focus(this.#nextFocus());
  }

  // ---- popup grabs and presses

  /** xdg_popup.grab: granted for a valid input serial of the popup's client. */
  grabPopup(popup: XdgSurface, serial: number): boolean {
    const ok = this.#seat.isInputSerial(popup.surface.client, serial);
    if (!ok) this.#host.log('info', `popup grab refused: serial ${serial} is not an input serial of that client`);
    return ok;
  }

  /** A button press at `hit` (null: nothing there): popup grabs, then click to focus. False consumes the press. */
  pointerPressed(hit: Hit | null): boolean {
    const grabs = this.#popupGrabs;
    if (grabs.size > 0) {
      const client = grabs.bottom!.surface.client;
      if (hit && hit.surface.client === client) return true;
      // Each dismissed popup leaves the grabs: O(1) per popup, each dismissed once.
      for (const w of [...grabs.topDown()]) w.popup?.dismiss();
      return false;
    }
    if (hit) this.activate(hit.surface);
    return true;
  }
}
