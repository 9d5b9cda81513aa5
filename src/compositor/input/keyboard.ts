// wl_keyboard: keymaps, keyboard focus, keys and modifiers.
//
// Invariants:
//  - every wl_keyboard gets the active keymap (xkb_v1, a sealed memfd that
//    no client can change) when it is created and again whenever the active
//    keymap changes, then repeat_info (v4+); a client that has focus gets
//    enter (with the keys held) and modifiers at once;
//  - a key device is what types: the seat's own (scripted input, compiled
//    from the seat's RMLVO names) or a virtual keyboard (its client's
//    keymap). The device that sent the last key is the active one; when it
//    changes, its keymap is sent to every wl_keyboard before its keys, as
//    wlroots does (wtype's keys only mean something with wtype's keymap);
//  - keys and modifiers go only to the client that has focus, each
//    key/enter/leave/modifiers with a fresh serial the seat remembers as an
//    input serial of that client;
//  - leave is sent only while the surface still exists (a destroyed surface
//    is no longer an object the client knows);
//  - a device remembers at most 32 held keys (as wlroots'
//    WLR_KEYBOARD_KEYS_CAP): a key pressed past that is still delivered but
//    not listed in enter, so a virtual keyboard pressing every keycode
//    cannot grow the list or the cost of a key.
import { ResourcesByClient } from '../../server/per-client.js';
import { wl_keyboard } from '../../protocol/wayland.js';
import type { Client, Resource } from '../../server/index.js';
import { native, type XkbStateHandle } from '../../shm/native.js';
import type { Surface } from '../core/surface.js';
import { implement } from '../../server/typed.js';
import type { Keymap } from './xkb.js';

const KEYMAP_FORMAT = wl_keyboard.enums.keymap_format.entries;
const KEY_STATE = wl_keyboard.enums.key_state.entries;
/** Keys per second and milliseconds before repeat (sway's defaults). */
export const REPEAT_RATE = 25;
export const REPEAT_DELAY = 600;
/** Keys a device remembers as held (wlroots' WLR_KEYBOARD_KEYS_CAP). */
const KEYS_HELD_MAX = 32;

/** Something that presses keys with a keymap: the seat's keyboard or a virtual keyboard. */
export class KeyDevice {
  #keymap: Keymap | (() => Keymap);
  #state: XkbStateHandle | null = null;
  /** evdev keycodes held, in press order. */
  readonly pressed: number[] = [];
  /** depressed, latched, locked, group. */
  mods: [number, number, number, number] = [0, 0, 0, 0];
  readonly #scratch = new Uint32Array(4);

  /** `keymap` may be made on first use (the seat's: a start does not need it). */
  constructor(keymap: Keymap | (() => Keymap)) {
    this.#keymap = keymap;
  }

  get keymap(): Keymap {
    if (typeof this.#keymap === 'function') this.#keymap = this.#keymap();
    return this.#keymap;
  }

  /** Applies a key; returns true if the modifiers changed. */
  key(evdev: number, down: boolean): boolean {
    const i = this.pressed.indexOf(evdev);
    if (down && i < 0 && this.pressed.length < KEYS_HELD_MAX) this.pressed.push(evdev);
    if (!down && i >= 0) this.pressed.splice(i, 1);
    this.#state ??= native.xkb.stateNew(this.keymap.handle);
    native.xkb.stateUpdateKey(this.#state, evdev + 8, down, this.#scratch);
    const next: [number, number, number, number] = [this.#scratch[0]!, this.#scratch[1]!, this.#scratch[2]!, this.#scratch[3]!];
    const changed = next.some((v, k) => v !== this.mods[k]);
    if (changed) this.mods = next;
    return changed;
  }
}

export interface KeyboardHost {
  /** A fresh serial, remembered as an input serial of `client`. */
  inputSerial(client: Client): number;
  timeMs(): number;
}

export class Keyboard {
  readonly #host: KeyboardHost;
  readonly #resources = new ResourcesByClient<typeof wl_keyboard>();
  /** The seat's own device (scripted input). */
  readonly seatDevice: KeyDevice;
  #active: KeyDevice;
  #focus: Surface | null = null;
  /** Key events sent to clients. */
  keysSent = 0;

  constructor(host: KeyboardHost, seatKeymap: Keymap | (() => Keymap)) {
    this.#host = host;
    this.seatDevice = new KeyDevice(seatKeymap);
    this.#active = this.seatDevice;
  }

  get focus(): Surface | null {
    return this.#focus;
  }

  get active(): KeyDevice {
    return this.#active;
  }

  /** A new wl_keyboard (wl_seat.get_keyboard). */
  bind(resource: Resource<typeof wl_keyboard>): void {
    const client = resource.client;
    this.#resources.add(resource);
    implement(resource, wl_keyboard, {});
    this.#sendKeymap(resource);
    if (resource.version >= 4) resource.send('repeat_info', REPEAT_RATE, REPEAT_DELAY);
    const f = this.#focus;
    if (f && f.client === client && !f.destroyed) {
      const serial = this.#host.inputSerial(client);
      resource.send('enter', serial, f.resource, keysArray(this.#active.pressed));
      this.#sendModifiers([resource], serial);
    }
  }

  #sendKeymap(resource: Resource<typeof wl_keyboard>): void {
    const km = this.#active.keymap;
    resource.send('keymap', KEYMAP_FORMAT.xkb_v1, km.fd, km.size);
  }

  #focused(): Resource<typeof wl_keyboard>[] {
    const f = this.#focus;
    if (!f || f.destroyed) return [];
    return this.#resources.of(f.client);
  }

  /** Moves focus: leave on the old surface, enter (keys held) and modifiers on the new. */
  setFocus(surface: Surface | null): void {
    if (surface === this.#focus) return;
    const old = this.#focus;
    if (old && !old.destroyed) {
      const rs = this.#focused();
      if (rs.length) {
        const serial = this.#host.inputSerial(old.client);
        for (const r of rs) r.send('leave', serial, old.resource);
      }
    }
    this.#focus = surface;
    if (surface && !surface.destroyed) {
      const rs = this.#focused();
      if (rs.length) {
        const serial = this.#host.inputSerial(surface.client);
        const keys = keysArray(this.#active.pressed);
        for (const r of rs) r.send('enter', serial, surface.resource, keys);
        this.#sendModifiers(rs, serial);
      }
    }
  }

  /** Makes `device` the active one, sending its keymap to every wl_keyboard if it changed. */
  activate(device: KeyDevice): void {
    if (device === this.#active) return;
    const hadMods = this.#active.mods.some((m) => m !== 0);
    const keymapChanged = device.keymap !== this.#active.keymap;
    this.#active = device;
    if (keymapChanged) for (const r of this.#resources.all()) this.#sendKeymap(r);
    if (hadMods || device.mods.some((m) => m !== 0)) this.#sendModifiers(this.#focused(), null);
  }

  /** A key of `device` (evdev keycode), delivered to the focused client. */
  key(device: KeyDevice, evdev: number, down: boolean, timeMs = this.#host.timeMs()): void {
    this.activate(device);
    const modsChanged = device.key(evdev, down);
    this.#sendKey(evdev, down, timeMs);
    if (modsChanged) this.#sendModifiers(this.#focused(), null);
  }

  /** A key whose state the device already holds (virtual keyboards that set modifiers themselves). */
  #sendKey(evdev: number, down: boolean, timeMs: number): void {
    const rs = this.#focused();
    if (!rs.length) return;
    const serial = this.#host.inputSerial(this.#focus!.client);
    for (const r of rs) r.send('key', serial, timeMs >>> 0, evdev, down ? KEY_STATE.pressed : KEY_STATE.released);
    this.keysSent++;
  }

  /** Explicit modifiers of `device` (zwp_virtual_keyboard_v1.modifiers). */
  setModifiers(device: KeyDevice, mods: [number, number, number, number]): void {
    this.activate(device);
    device.mods = mods;
    this.#sendModifiers(this.#focused(), null);
  }

  #sendModifiers(rs: Resource<typeof wl_keyboard>[], serial: number | null): void {
    if (!rs.length) return;
    const s = serial ?? this.#host.inputSerial(rs[0]!.client);
    const [d, l, k, g] = this.#active.mods;
    for (const r of rs) r.send('modifiers', s, d, l, k, g);
  }

  /** A device goes away (virtual keyboard destroyed): its held keys are released, the seat's keymap comes back. */
  removeDevice(device: KeyDevice): void {
    if (this.#active !== device) return;
    const t = this.#host.timeMs();
    for (const k of [...device.pressed]) {
      device.key(k, false);
      this.#sendKey(k, false, t);
    }
    this.activate(this.seatDevice);
  }
}

function keysArray(keys: readonly number[]): Uint8Array {
  const out = new Uint8Array(keys.length * 4);
  const view = new DataView(out.buffer);
  keys.forEach((k, i) => view.setUint32(i * 4, k, true));
  return out;
}
