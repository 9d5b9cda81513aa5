// wl_seat v7 "seat0": its keyboard and pointer, input serials, and the
// mechanics of keyboard focus. Who gets focus is the desktop's decision
// (desktop/desktop.ts); this module carries it out.
//
// Invariants:
//  - the seat has the keyboard and pointer capabilities, always (a seat
//    with capabilities 0 crashes clients such as bemenu); get_touch gives an
//    inert wl_touch (no touch capability is announced, and none is sent);
//  - setKeyboardFocus() sends leave to the old surface and enter to the new
//    (a fresh serial each), then tells the focus listeners (selections);
//  - a button press goes to the host first (popup grabs, click to focus):
//    it may consume it;
//  - input serials (enter, leave, key, modifiers, button) are remembered per
//    client, the last 64: what isInputSerial() checks (popup grabs,
//    selections, drags);
//  - cost: a focus change and a serial check are O(1); pointer focus after
//    a scene change is re-evaluated at most once per output frame, or at
//    the next input event (pointer.ts).
import { wl_seat, wl_touch } from '../../protocol/wayland.js';
import type { Client, Display, Resource } from '../../server/index.js';
import { Keyboard } from './keyboard.js';
import type { LogLevel } from '../log.js';
import { hitTest, Pointer, type Hit, type PointerGrab } from './pointer.js';
import type { SceneRoot } from '../output/renderer.js';
import { RecentSerials } from '../core/serials.js';
import type { Surface } from '../core/surface.js';
import { implement } from '../../server/typed.js';
import { Keymap, type KeymapNames } from './xkb.js';
import type { OutputLayout } from '../output/layout.js';

export type { PointerGrab } from './pointer.js';

const CAPABILITY = wl_seat.enums.capability.entries;
export const SEAT_NAME = 'seat0';
const SERIALS_KEPT = 64;

/** What the seat needs from the compositor. */
export interface SeatHost {
  readonly display: Display;
  /** The outputs: the pointer moves over their union. */
  readonly layout: OutputLayout;
  /** The scene without the cursor, bottom to top. */
  sceneRoots(): SceneRoot[];
  /** A button press at `hit` (null: nothing there): false consumes it. */
  pointerPressed(hit: Hit | null): boolean;
  scheduleRepaint(): void;
  log(level: LogLevel, message: string): void;
}

export interface SeatOptions {
  /** Keymap names (default: layout us). */
  keyboard?: KeymapNames;
  /** Compile the keymap when first needed instead of in the constructor (default false). */
  keymapOnFirstUse?: boolean;
}

/** Creates the wl_seat global; returns the seat. */
export function createSeatGlobal(display: Display, host: SeatHost, options: SeatOptions = {}): Seat {
  const seat = new Seat(host, options);
  display.createGlobal(wl_seat, 7, (resource) => seat.bind(resource));
  return seat;
}

export class Seat {
  readonly host: SeatHost;
  readonly #keymapNames: KeymapNames | undefined;
  #keymap: Keymap | null = null;
  readonly keyboard: Keyboard;
  readonly pointer: Pointer;
  readonly #serials = new WeakMap<Client, RecentSerials>();
  readonly #focusListeners: ((surface: Surface | null) => void)[] = [];
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
      clamp: (x, y) => host.layout.clamp(x, y),
      get refreshIntervalMs() {
        return host.layout.refreshNs / 1e6;
      },
      pressed: (hit) => host.pointerPressed(hit),
      cursorChanged: () => host.scheduleRepaint(),
      timerFailed: (e) => host.log('error', `pointer focus: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`),
    });
  }

  /** Milliseconds on the monotonic clock, wrapped to 32 bits (wl_keyboard/wl_pointer time). */
  timeMs(): number {
    return Number(((process.hrtime.bigint() - this.#epoch) / 1_000_000n) & 0xffffffffn);
  }

  /** A client bound wl_seat. */
  bind(resource: Resource<typeof wl_seat>): void {
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

  /**
   * Moves keyboard focus: leave, then enter (a fresh serial each); then
   * `entered` (the desktop updates the activated toplevel), then the focus
   * listeners. The caller decides who (desktop.ts).
   */
  setKeyboardFocus(surface: Surface | null, entered?: () => void): void {
    if (surface === this.keyboard.focus) return;
    this.keyboard.setFocus(surface);
    entered?.();
    for (const l of this.#focusListeners) l(surface);
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
