// wl_seat v7 "seat0": keyboard focus, activation, popup grabs, input serials.
//
// Invariants:
//  - the seat has the keyboard and pointer capabilities, always (a seat
//    with capabilities 0 crashes clients such as bemenu); get_touch gives an
//    inert wl_touch (no touch capability is announced, and none is sent);
//  - keyboard focus: a toplevel that maps gets it (and is raised: it is put
//    on top when mapped); so does a toplevel that is clicked or activated
//    through xdg_activation_v1, and a popup that asked for a grab with a
//    valid input serial, while it is open. When the focused surface
//    unmaps or dies, focus goes to the topmost open grabbing popup, else the
//    topmost toplevel left, else nowhere;
//  - exactly the toplevel that holds focus (or whose popup does) is
//    `activated`; the one that lost it is reconfigured without;
//  - a grabbing popup is dismissed (popup_done, children first) by a press
//    outside its client's surfaces; that press is consumed;
//  - input serials (enter, leave, key, modifiers, button) are remembered per
//    client, the last 64: what isInputSerial() checks (popup grabs,
//    selections, drags);
//  - cost: what a request or a scene change costs here does not grow with
//    the number of windows or popups: focus, raise, the next focus, popup
//    grabs and serials are O(1) (the window stack and the grabs are
//    StackSets, a popup knows its chain's root); pointer focus after a
//    scene change is re-evaluated at most once per output frame, or at the
//    next input event (pointer.ts).
import { wl_seat, wl_touch } from '../../protocol/wayland.js';
import type { Client, Display, Resource } from '../../server/index.js';
import { Keyboard } from './keyboard.js';
import type { LogLevel } from '../log.js';
import { hitTest, Pointer, type Hit, type PointerGrab } from './pointer.js';
import type { SceneRoot } from '../output/renderer.js';
import { RecentSerials } from '../core/serials.js';
import { StackSet } from '../core/stack-set.js';
import type { Surface } from '../core/surface.js';
import { rootOf } from '../core/tree.js';
import { implement } from '../../server/typed.js';
import type { WindowStack } from '../desktop/window-stack.js';
import { XdgSurface } from '../shell/xdg-shell.js';
import { Keymap, type KeymapNames } from './xkb.js';
import type { Output } from '../output/output.js';

export type { PointerGrab } from './pointer.js';

const CAPABILITY = wl_seat.enums.capability.entries;
export const SEAT_NAME = 'seat0';
const SERIALS_KEPT = 64;

/** What the seat needs from the compositor. */
export interface SeatHost {
  readonly display: Display;
  readonly output: Output;
  /** Mapped windows, bottom to top (the seat raises toplevels in it). */
  readonly windows: WindowStack;
  /** The scene without the cursor, bottom to top. */
  sceneRoots(): SceneRoot[];
  scheduleRepaint(): void;
  log(level: LogLevel, message: string): void;
}

export interface SeatOptions {
  /** Keymap names (default: layout us). */
  keyboard?: KeymapNames;
  /** Compile the keymap when first needed instead of in the constructor (default false). */
  keymapOnFirstUse?: boolean;
}

/** The xdg_surface a surface (or its subsurface tree's root) belongs to. */
export function xdgSurfaceOf(surface: Surface): XdgSurface | null {
  const root = rootOf(surface);
  return root.role instanceof XdgSurface ? root.role : null;
}

/** The toplevel a window belongs to (itself, or the root of its popup chain; a layer surface's popup has none). O(1). */
function owningWindow(xdg: XdgSurface | null): XdgSurface | null {
  return xdg?.owningToplevel ?? null;
}

export class Seat {
  readonly host: SeatHost;
  readonly #keymapNames: KeymapNames | undefined;
  #keymap: Keymap | null = null;
  readonly keyboard: Keyboard;
  readonly pointer: Pointer;
  readonly #serials = new WeakMap<Client, RecentSerials>();
  readonly #focusListeners: ((surface: Surface | null) => void)[] = [];
  #activated: XdgSurface | null = null;
  #unwatchFocus: (() => void) | null = null;
  /** Open popups holding a grab, bottom to top. */
  readonly #popupGrabs = new StackSet<XdgSurface>();
  readonly #epoch = process.hrtime.bigint();

  /** The seat's keymap: compiled in the constructor, or with keymapOnFirstUse on first use (a
   * wl_keyboard, a key, typing): libxkbcommon's compile is most of a start's own work, and
   * clients without a keyboard never need it. Throws ERR_NOSIGBUS_XKB for names libxkbcommon
   * cannot compile (the CLI checks them first). */
  get keymap(): Keymap {
    return (this.#keymap ??= Keymap.fromNames(this.#keymapNames));
  }

  constructor(host: SeatHost, options: SeatOptions = {}) {
    this.host = host;
    this.#keymapNames = options.keyboard;
    const inputSerial = (client: Client): number => this.#inputSerial(client);
    const timeMs = (): number => this.timeMs();
    if (!options.keymapOnFirstUse) void this.keymap;
    this.keyboard = new Keyboard({ inputSerial, timeMs }, () => this.keymap);
    this.pointer = new Pointer({
      inputSerial,
      timeMs,
      sceneRoots: () => host.sceneRoots(),
      get outputWidth() {
        return host.output.logicalWidth;
      },
      get outputHeight() {
        return host.output.logicalHeight;
      },
      get refreshIntervalMs() {
        return host.output.refreshNs / 1e6;
      },
      pressed: (hit) => this.#pressed(hit),
      cursorChanged: () => host.scheduleRepaint(),
      timerFailed: (e) => host.log('error', `pointer focus: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`),
    });
    host.display.createGlobal(wl_seat, 7, (resource) => this.#bind(resource));
  }

  /** Milliseconds on the monotonic clock, wrapped to 32 bits (wl_keyboard/wl_pointer time). */
  timeMs(): number {
    return Number(((process.hrtime.bigint() - this.#epoch) / 1_000_000n) & 0xffffffffn);
  }

  #bind(resource: Resource<typeof wl_seat>): void {
    implement(resource, wl_seat, {
      get_pointer: (_r, pointer) => this.pointer.bind(pointer),
      get_keyboard: (_r, keyboard) => this.keyboard.bind(keyboard),
      // Never announced; an inert object keeps a client that asks anyway alive.
      get_touch: (_r, touch) => implement(touch, wl_touch, {}),
    });
    resource.send('capabilities', CAPABILITY.pointer | CAPABILITY.keyboard);
    if (resource.version >= 2) resource.send('name', SEAT_NAME);
  }

  #inputSerial(client: Client): number {
    const serial = this.host.display.nextSerial();
    let recent = this.#serials.get(client);
    if (!recent) this.#serials.set(client, (recent = new RecentSerials(SERIALS_KEPT)));
    recent.add(serial);
    return serial;
  }

  /** True if `serial` is one this seat sent to `client` for an input event (key, button, enter, ...). */
  isInputSerial(client: Client, serial: number): boolean {
    return this.#serials.get(client)?.has(serial) ?? false;
  }

  // ---- keyboard focus

  /** The surface with keyboard focus (null: none). */
  get keyboardFocus(): Surface | null {
    return this.keyboard.focus;
  }

  /** Runs listener after every keyboard focus change. */
  onKeyboardFocus(listener: (surface: Surface | null) => void): void {
    this.#focusListeners.push(listener);
  }

  /** Moves keyboard focus (leave/enter with a fresh serial); the activated toplevel follows. */
  focus(surface: Surface | null): void {
    if (surface?.destroyed) surface = null;
    if (surface === this.keyboard.focus) return;
    this.#unwatchFocus?.();
    this.#unwatchFocus = null;
    this.keyboard.setFocus(surface);
    if (surface) this.#unwatchFocus = surface.resource.onDestroy(() => this.#focusLost());
    const top = surface ? owningWindow(xdgSurfaceOf(surface)) : null;
    if (top !== this.#activated) {
      const old = this.#activated;
      this.#activated = top;
      if (old && !old.resource.destroyed) old.setActivated(false);
      top?.setActivated(true);
    }
    for (const l of this.#focusListeners) l(surface);
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
    return this.host.windows.topToplevel()?.surface ?? null;
  }

  /** Gives focus to the next candidate (a layer surface let it go). */
  refocus(): void {
    this.focus(this.#nextFocus());
  }

  /** Focuses and raises the toplevel of `surface` (click, xdg_activation). False if it has none. */
  activate(surface: Surface): boolean {
    const top = owningWindow(xdgSurfaceOf(surface));
    if (!top?.mapped) return false;
    this.raise(top);
    if (owningWindow(this.keyboard.focus ? xdgSurfaceOf(this.keyboard.focus) : null) !== top) this.focus(top.surface);
    return true;
  }

  /** Puts a toplevel and its popups on top of the stack. O(1). */
  raise(top: XdgSurface): void {
    if (!this.host.windows.raise(top)) return;
    this.host.scheduleRepaint();
    this.pointer.invalidate();
  }

  // ---- windows

  /** A window was put on top of the scene. */
  windowMapped(window: XdgSurface): void {
    if (window.toplevel) this.focus(window.surface);
    else if (window.popup?.grabbed) {
      this.#popupGrabs.push(window);
      this.focus(window.surface);
    }
    this.pointer.invalidate();
  }

  /** A window left the scene. */
  windowUnmapped(window: XdgSurface): void {
    this.#popupGrabs.delete(window);
    // Keyboard focus is always on a root surface (a window's or a layer surface's): O(1).
    const f = this.keyboard.focus;
    if ((f && xdgSurfaceOf(f) === window) || window === this.#activated) this.focus(this.#nextFocus());
    this.pointer.invalidate();
  }

  /** xdg_popup.grab: granted for a valid input serial of the popup's client. */
  grabPopup(popup: XdgSurface, serial: number): boolean {
    const ok = this.isInputSerial(popup.surface.client, serial);
    if (!ok) this.host.log('info', `popup grab refused: serial ${serial} is not an input serial of that client`);
    return ok;
  }

  /** A button press at `hit`: popup grabs, click-to-focus. False consumes the press. */
  #pressed(hit: Hit | null): boolean {
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

  // ---- pointer (the contract with selections and drags)

  setPointerGrab(grab: PointerGrab | null): void {
    this.pointer.grab = grab;
    if (!grab) this.pointer.refresh();
  }

  get pointerButtonClient(): Client | null {
    const f = this.pointer.focus;
    return this.pointer.buttonsHeld > 0 && f && !f.destroyed ? f.client : null;
  }

  get pointerPosition(): { x: number; y: number } {
    return { x: this.pointer.x, y: this.pointer.y };
  }

  /** The surface under a point, in scene order (respects input regions), with surface-local coords. */
  surfaceAt(x: number, y: number): Hit | null {
    return hitTest(this.host.sceneRoots(), x, y);
  }

  /** The cursor picture's place, if the focused client set one. */
  cursorRoot(): SceneRoot | null {
    return this.pointer.cursorRoot();
  }

  close(): void {
    const g = this.pointer.grab;
    this.pointer.grab = null;
    g?.cancel();
    this.pointer.close();
    this.#keymap?.close();
  }
}
