// wp_cursor_shape_manager_v1 v1: a client names its cursor ('text',
// 'pointer', 'grabbing', ...) instead of drawing it into a surface (GTK 4,
// Qt 6, Chromium and Firefox use it when offered: no cursor theme to load).
//
// Owns: nothing but the quota; the seat's Pointer (pointer.ts) keeps the
// cursor, surface or shape, under one rule.
//
// Invariants:
//  - set_shape takes a shape of the version-1 enum (1 to 34), else
//    invalid_shape on the device; a valid one replaces the pointer's cursor
//    (a surface or an earlier shape) only when it comes from the client
//    with pointer focus with the serial of its latest wl_pointer.enter, as
//    wl_pointer.set_cursor (pointer.ts): a stale serial is ignored;
//  - the cursor the pointer keeps records the shape by its enum name
//    (Pointer.cursor: { kind: 'shape', shape: 'text' }); no image is drawn for
//    it (we have no cursor theme), also with the cursor drawn into the output
//    (`cursor: true`), which only draws cursor surfaces;
//  - get_pointer ties the device to a wl_pointer of the seat; it is inert
//    once that wl_pointer is gone (set_shape still checks the shape);
//  - get_tablet_tool_v2: we offer no tablets (no zwp_tablet_manager_v2), so
//    no client holds the zwp_tablet_tool_v2 it names (the codec refuses any
//    other object for it); should one arrive anyway (null: an object already
//    destroyed on our side), the device made is inert;
//  - a client holds at most MAX_CURSOR_SHAPE_DEVICES (no_memory past it);
//    every request is O(1).
import { wp_cursor_shape_device_v1, wp_cursor_shape_manager_v1 } from '../../protocol/cursor-shape.js';
import type { wl_pointer } from '../../protocol/wayland.js';
import type { Display, Resource } from '../../server/index.js';
import { ClientQuota } from '../../server/client-quota.js';
import { implement } from '../../server/typed.js';
import type { Seat } from './seat.js';

/** Cursor shape devices one client may hold (a toolkit makes one per wl_pointer). */
export const MAX_CURSOR_SHAPE_DEVICES = 64;

const DEVICE_ERROR = wp_cursor_shape_device_v1.enums.error.entries;
/** Shape names by enum value. */
const SHAPE_NAMES: ReadonlyMap<number, string> = new Map(Object.entries(wp_cursor_shape_device_v1.enums.shape.entries).map(([name, value]) => [value, name]));

export function createCursorShapeGlobal(display: Display, seat: Seat): void {
  const quota = new ClientQuota('cursor shape devices', MAX_CURSOR_SHAPE_DEVICES);
  /** A device; `pointer` null: inert (a tablet tool, or its wl_pointer is gone). */
  const serve = (device: Resource<typeof wp_cursor_shape_device_v1>, pointer: Resource<typeof wl_pointer> | null): void => {
    let live = pointer !== null && !pointer.destroyed;
    if (live && pointer) device.onDestroy(pointer.onDestroy(() => (live = false)));
    implement(device, wp_cursor_shape_device_v1, {
      set_shape: (r, serial, shape) => {
        const name = SHAPE_NAMES.get(shape);
        if (name === undefined) {
          r.postError(DEVICE_ERROR.invalid_shape, `${shape} is not a cursor shape`);
          return;
        }
        if (live) seat.pointer.setCursorShape(r.client, serial, name);
      },
    });
    quota.acquire(device);
  };
  display.createGlobal(wp_cursor_shape_manager_v1, 1, (manager) =>
    implement(manager, wp_cursor_shape_manager_v1, {
      get_pointer: (_r, device, pointer) => serve(device, pointer),
      get_tablet_tool_v2: (_r, device) => serve(device, null),
    }),
  );
}
