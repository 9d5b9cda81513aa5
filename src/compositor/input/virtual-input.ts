// zwp_virtual_keyboard_manager_v1 v1 (wtype) and
// zwlr_virtual_pointer_manager_v1 v2: clients that type and point.
//
// Invariants:
//  - a virtual keyboard's keymap is read through a guarded mapping (a
//    client truncating the fd under us reads zeros, never SIGBUS), compiled
//    by libxkbcommon and re-shared as our own sealed memfd; one that does
//    not compile, has a format other than xkb_v1, is empty or over
//    MAX_KEYMAP_BYTES (128 KiB), or names more than MAX_KEYMAP_INCLUDES (32)
//    files in include statements is no_keymap for that client only;
//  - key or modifiers before a keymap is no_keymap;
//  - its keys reach the focused client with its keymap (the seat sends it
//    before the keys: see keyboard.ts); when it is destroyed its held keys
//    are released and the seat's keymap comes back; a key code without an
//    xkb keycode (≥ 2^31 − 8: no keymap has that key) is ignored;
//  - a virtual pointer moves the seat's pointer (relative, or absolute over
//    the logical box of the output it was made for, else over the layout's
//    bounding box, as wlroots maps it) and presses its buttons; its events are
//    grouped by its own frame requests; a bad axis or axis source is its
//    protocol error.
//
// What a client may cost:
//  - a keymap is compiled in the request (libxkbcommon has no other way),
//    and compiling is super-linear in the keys of the text (a crafted 2 MiB
//    keymap took 2.4 s, 1,000 include statements in 16 KiB minutes): the
//    size and include bounds above keep one compile to tens of
//    milliseconds (real keymaps: 64-80 KiB, 4 ms), and the client's further
//    requests wait as long as its compile took (Client.deferInput), so a
//    flood of keymaps takes at most about half of the event loop;
//  - at most MAX_VIRTUAL_KEYMAPS (8) of a client's virtual keyboards hold a
//    compiled keymap (each holds a memfd and the compiled text) at once;
//    a keymap for a ninth is no_memory;
//  - a virtual keyboard holds at most MAX_HELD_KEYS (32) keys down, a
//    client's virtual pointers at most MAX_HELD_BUTTONS (32) buttons down
//    together (the seat keeps what is held, wl_keyboard.enter carries the
//    keys): a press past it is no_memory. Released when the device goes.
import { closeSync } from 'node:fs';
import { zwp_virtual_keyboard_manager_v1, zwp_virtual_keyboard_v1 } from '../../protocol/virtual-keyboard.js';
import { wl_keyboard } from '../../protocol/wayland.js';
import { zwlr_virtual_pointer_manager_v1, zwlr_virtual_pointer_v1 } from '../../protocol/wlr-virtual-pointer.js';
import type { Display, Resource } from '../../server/index.js';
import { map } from '../../shm/index.js';
import { DisplayError } from '../../wire/codec.js';
import { ClientQuota } from '../../server/client-quota.js';
import { KeyDevice } from './keyboard.js';
import { AXIS, AXIS_SOURCE } from './pointer.js';
import type { Seat } from './seat.js';
import { implement } from '../../server/typed.js';
import { outputOfResource, type Output } from '../output/output.js';
import { includedFiles, Keymap } from './xkb.js';

const VK_ERROR = zwp_virtual_keyboard_v1.enums.error.entries;
const VP_ERROR = zwlr_virtual_pointer_v1.enums.error.entries;
const XKB_V1 = wl_keyboard.enums.keymap_format.entries.xkb_v1;
/** Largest keymap a virtual keyboard may send; more is no_keymap. Real keymaps (xkb_keymap_get_as_string, four layouts) are 64-80 KiB. */
export const MAX_KEYMAP_BYTES = 128 * 1024;
/** Files a keymap's include statements may name (wtype's: 2, an RMLVO-like one about 7); more is no_keymap. */
export const MAX_KEYMAP_INCLUDES = 32;
/** Virtual keyboards of one client holding a keymap; more is no_memory. */
export const MAX_VIRTUAL_KEYMAPS = 8;
/** Keys one virtual keyboard holds down; more is no_memory. */
export const MAX_HELD_KEYS = 32; // what a key device remembers (keyboard.ts KEYS_HELD_MAX, wlroots' cap)
/** Buttons the virtual pointers of one client hold down together; more is no_memory. */
export const MAX_HELD_BUTTONS = 32;
const AXIS_SOURCE_MAX = AXIS_SOURCE.wheel_tilt;
/** Key codes past this have no xkb keycode (evdev + 8) the seat's xkb state can take: no keymap has such a key, so they are ignored. */
const MAX_EVDEV_KEY = 0x7fffffff - 8;

const keymapQuota = new ClientQuota('virtual keyboards with a keymap', MAX_VIRTUAL_KEYMAPS);
const buttonQuota = new ClientQuota('virtual pointer buttons held', MAX_HELD_BUTTONS);

/** Reads a client's keymap fd (guarded) and compiles it; an error message if it cannot. */
function readKeymap(fd: number, size: number): Keymap | string {
  if (size === 0 || size > MAX_KEYMAP_BYTES) return `keymap size ${size} is not in 1..${MAX_KEYMAP_BYTES}`;
  let bytes: Buffer;
  try {
    const m = map(fd, { length: size });
    try {
      bytes = m.read();
    } finally {
      m.close();
    }
  } catch (e) {
    return `cannot map the keymap: ${e instanceof Error ? e.message : String(e)}`;
  }
  const includes = includedFiles(bytes);
  if (includes > MAX_KEYMAP_INCLUDES) return `the keymap includes ${includes} files; at most ${MAX_KEYMAP_INCLUDES}`;
  return Keymap.fromBytes(bytes) ?? 'the keymap does not compile';
}

export function createVirtualKeyboardGlobal(display: Display, seat: Seat): void {
  display.createGlobal(zwp_virtual_keyboard_manager_v1, 1, (manager) =>
    implement(manager, zwp_virtual_keyboard_manager_v1, {
      create_virtual_keyboard: (_m, _seat, keyboard) => serveVirtualKeyboard(keyboard, seat),
    }),
  );
}

function serveVirtualKeyboard(resource: Resource<typeof zwp_virtual_keyboard_v1>, seat: Seat): void {
  const kb = seat.keyboard;
  let device: KeyDevice | null = null;
  /** Gives back this keyboard's place in keymapQuota (while it holds a keymap). */
  let release: (() => void) | null = null;
  const drop = (): void => {
    if (!device) return;
    kb.removeDevice(device);
    device.keymap.close();
    device = null;
    release?.();
    release = null;
  };
  resource.onDestroy(drop);
  const needKeymap = (r: Resource<typeof zwp_virtual_keyboard_v1>): KeyDevice | null => {
    if (!device) r.postError(VK_ERROR.no_keymap, 'no keymap was set');
    return device;
  };
  implement(resource, zwp_virtual_keyboard_v1, {
    keymap: (r, format, fd, size) => {
      if (format !== XKB_V1) {
        r.postError(VK_ERROR.no_keymap, `keymap format ${format} is not xkb_v1`);
        return;
      }
      const slot = release ?? keymapQuota.tryAcquire(r.client);
      if (!slot) {
        closeSync(fd.take());
        r.client.postError(r.client.displayResource, DisplayError.no_memory, `${r}: more than ${MAX_VIRTUAL_KEYMAPS} virtual keyboards with a keymap`);
        return;
      }
      const started = performance.now();
      const km = readKeymap(fd.fd, size);
      closeSync(fd.take());
      // What the compile cost, the client waits before its next request.
      r.client.deferInput(performance.now() - started);
      if (typeof km === 'string') {
        if (slot !== release) slot();
        r.postError(VK_ERROR.no_keymap, km);
        return;
      }
      release = null; // drop() must not give back the slot kept for the new keymap
      drop();
      device = new KeyDevice(km);
      release = slot;
    },
    key: (r, time, key, state) => {
      const d = needKeymap(r);
      if (!d || key > MAX_EVDEV_KEY) return;
      if (state !== 0 && d.pressed.length >= MAX_HELD_KEYS && !d.pressed.includes(key)) {
        r.client.postError(r.client.displayResource, DisplayError.no_memory, `${r}: more than ${MAX_HELD_KEYS} keys held`);
        return;
      }
      kb.key(d, key, state !== 0, time);
    },
    modifiers: (r, depressed, latched, locked, group) => {
      const d = needKeymap(r);
      if (d) kb.setModifiers(d, [depressed, latched, locked, group]);
    },
  });
}

export function createVirtualPointerGlobal(display: Display, seat: Seat): void {
  display.createGlobal(zwlr_virtual_pointer_manager_v1, 2, (manager) =>
    implement(manager, zwlr_virtual_pointer_manager_v1, {
      create_virtual_pointer: (_m, _seat, pointer) => serveVirtualPointer(pointer, seat, null),
      create_virtual_pointer_with_output: (_m, _seat, output, pointer) => serveVirtualPointer(pointer, seat, outputOfResource(output)),
    }),
  );
}

function serveVirtualPointer(resource: Resource<typeof zwlr_virtual_pointer_v1>, seat: Seat, output: Output | null): void {
  const p = seat.pointer;
  let source: number | null = null;
  const axisOk = (r: Resource<typeof zwlr_virtual_pointer_v1>, axis: number): boolean => {
    if (axis === AXIS.vertical_scroll || axis === AXIS.horizontal_scroll) return true;
    r.postError(VP_ERROR.invalid_axis, `invalid axis ${axis}`);
    return false;
  };
  const pressed = new Set<number>();
  // A pointer that goes away releases what it held.
  resource.onDestroy(() => {
    buttonQuota.subtract(resource.client, pressed.size);
    for (const b of pressed) p.button(b, false);
  });
  implement(resource, zwlr_virtual_pointer_v1, {
    motion: (_r, time, dx, dy) => p.move(p.x + dx, p.y + dy, time, false),
    motion_absolute: (_r, time, x, y, xExtent, yExtent) => {
      if (xExtent === 0 || yExtent === 0) return;
      // Its output's box (read now: the output may have moved), else the whole layout's.
      const box = output?.logicalBox ?? seat.host.layout.extent.bounds;
      p.move(box.x + (x / xExtent) * box.width, box.y + (y / yExtent) * box.height, time, false);
    },
    button: (r, time, button, state) => {
      if (state !== 0 && !pressed.has(button)) {
        if (!buttonQuota.tryAdd(r.client, 1)) {
          r.client.postError(r.client.displayResource, DisplayError.no_memory, `${r}: more than ${MAX_HELD_BUTTONS} buttons held`);
          return;
        }
        pressed.add(button);
      } else if (state === 0 && pressed.delete(button)) buttonQuota.subtract(r.client, 1);
      p.button(button, state !== 0, time, false);
    },
    axis: (r, time, axis, value) => {
      if (axisOk(r, axis)) p.axis(axis, value, 0, source, time, false);
      source = null; // axis_source: once per frame
    },
    axis_source: (r, s) => {
      if (s > AXIS_SOURCE_MAX) r.postError(VP_ERROR.invalid_axis_source, `invalid axis source ${s}`);
      else source = s;
    },
    axis_stop: (r, time, axis) => {
      if (axisOk(r, axis)) p.axisStop(axis, time, false);
    },
    axis_discrete: (r, time, axis, value, discrete) => {
      if (axisOk(r, axis)) p.axis(axis, value, discrete, source, time, false);
      source = null;
    },
    frame: () => {
      source = null;
      p.frame();
    },
  });
}
