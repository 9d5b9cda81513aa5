// A small stand-in for the seat (branch `seat`) for the selection tests:
// a wl_seat "seat0" global with keyboard and pointer, keyboard focus moved
// by the test (enter/leave with fresh serials), pointer buttons that hand
// out serials, and a pointer grab driven by moveTo()/release().
//
// It satisfies SelectionSeat (src/compositor/selection.ts). Once the real
// Seat is merged, the tests that use it can take the compositor's own seat
// instead (see `hasRealSeat`).
import { openSync, closeSync } from 'node:fs';
import type { Compositor, Surface } from '../../src/compositor/index.js';
import type { PointerGrab, SelectionSeat } from '../../src/compositor/selection.js';
import { wl_keyboard, wl_seat } from '../../src/protocol/wayland.js';
import { Resource, type Client } from '../../src/server/index.js';
import { doubleToFixed } from '../../src/wire/codec.js';

const CAPS = wl_seat.enums.capability.entries;

/** The compositor already advertises a wl_seat (the real one, after the merge). */
export function hasRealSeat(compositor: Compositor): boolean {
  return [...compositor.display.globals.values()].some((g) => g.iface === wl_seat && !g.removed);
}

export class TestSeat implements SelectionSeat {
  readonly compositor: Compositor;
  #focus: Surface | null = null;
  readonly #focusListeners: ((s: Surface | null) => void)[] = [];
  readonly #serials = new Map<Client, Set<number>>();
  readonly #keyboards = new Set<Resource>();
  readonly #pointers = new Set<Resource>();
  grab: PointerGrab | null = null;
  pointerPosition = { x: 0, y: 0 };
  #autoFocus: NodeJS.Timeout | null = null;

  constructor(compositor: Compositor) {
    // With the real seat the selection globals are already tied to it: a second seat would hand out serials they never check.
    if (hasRealSeat(compositor)) throw new Error('TestSeat: this compositor has its own seat; drive that one instead');
    this.compositor = compositor;
    compositor.display.createGlobal(wl_seat, 7, (seat) => {
      seat.implement({
        get_keyboard: (_r, args) => {
          const kb = args[0];
          if (!(kb instanceof Resource)) return;
          this.#keyboards.add(kb);
          kb.onDestroy(() => this.#keyboards.delete(kb));
          const fd = openSync('/dev/null', 'r');
          kb.send('keymap', wl_keyboard.enums.keymap_format.entries.no_keymap, fd, 0);
          closeSync(fd);
          if (this.#focus?.client === kb.client) kb.send('enter', this.#serial(kb.client), this.#focus.resource, new Uint8Array());
        },
        get_pointer: (_r, args) => {
          const p = args[0];
          if (!(p instanceof Resource)) return;
          this.#pointers.add(p);
          p.onDestroy(() => this.#pointers.delete(p));
        },
      });
      seat.send('capabilities', CAPS.keyboard | CAPS.pointer);
      if (seat.version >= 2) seat.send('name', 'seat0');
    });
    compositor.attachSelectionSeat(this);
  }

  get keyboardFocus(): Surface | null {
    return this.#focus;
  }

  onKeyboardFocus(listener: (surface: Surface | null) => void): void {
    this.#focusListeners.push(listener);
  }

  isInputSerial(client: Client, serial: number): boolean {
    return this.#serials.get(client)?.has(serial) ?? false;
  }

  setPointerGrab(grab: PointerGrab | null): void {
    this.grab = grab;
  }

  surfaceAt(x: number, y: number): { surface: Surface; sx: number; sy: number } | null {
    const roots = this.compositor.sceneRoots();
    for (let i = roots.length - 1; i >= 0; i--) {
      const r = roots[i]!;
      const sx = x - r.x;
      const sy = y - r.y;
      if (sx >= 0 && sy >= 0 && sx < r.surface.width && sy < r.surface.height) return { surface: r.surface, sx, sy };
    }
    return null;
  }

  #serial(client: Client): number {
    const s = this.compositor.display.nextSerial();
    let set = this.#serials.get(client);
    if (!set) this.#serials.set(client, (set = new Set()));
    set.add(s);
    return s;
  }

  focus(surface: Surface | null): void {
    const old = this.#focus;
    if (old === surface) return;
    if (old && !old.destroyed) for (const kb of this.#keyboards) if (kb.client === old.client) kb.send('leave', this.#serial(kb.client), old.resource);
    this.#focus = surface && !surface.destroyed ? surface : null;
    if (this.#focus) {
      const f = this.#focus;
      f.resource.onDestroy(() => {
        if (this.#focus === f) this.focus(null);
      });
      for (const kb of this.#keyboards) if (kb.client === f.client) kb.send('enter', this.#serial(kb.client), f.resource, new Uint8Array());
    }
    for (const l of this.#focusListeners) l(this.#focus);
  }

  /** Like the real seat: the topmost mapped window gets focus (checked every 5 ms until stop()). */
  autoFocus(): void {
    this.#autoFocus ??= setInterval(() => {
      const top = this.compositor.windows.at(-1)?.surface ?? null;
      if (top !== this.#focus) this.focus(top);
    }, 5);
  }

  /** A button press on `surface` (pointer enter first): returns the press serial the client got. */
  press(surface: Surface, sx = 1, sy = 1, button = 0x110): number {
    let serial = 0;
    for (const p of this.#pointers) {
      if (p.client !== surface.client) continue;
      p.send('enter', this.#serial(p.client), surface.resource, doubleToFixed(sx), doubleToFixed(sy));
      serial = this.#serial(p.client);
      p.send('button', serial, 0, button, 1);
    }
    return serial;
  }

  /** Pointer motion (to the grab while one is set). */
  moveTo(x: number, y: number): void {
    this.pointerPosition = { x, y };
    this.grab?.motion(x, y, 0);
  }

  /** Button release (to the grab while one is set). */
  release(button = 0x110): void {
    this.grab?.button(button, false, 0);
  }

  stop(): void {
    if (this.#autoFocus) clearInterval(this.#autoFocus);
    this.#autoFocus = null;
  }
}
