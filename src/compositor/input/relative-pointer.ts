// zwp_relative_pointer_manager_v1 v1: pointer motion as deltas (games,
// remote desktops, 3D viewers), besides the absolute wl_pointer.motion.
//
// Owns: nothing but the quota; the seat's Pointer (pointer.ts) keeps the
// relative pointers per client and sends relative_motion with each motion
// while their client has pointer focus.
//
// Invariants:
//  - get_relative_pointer ties the new object to a wl_pointer of the seat;
//    it is inert once that wl_pointer is gone (destroying it is all it takes);
//  - every motion (scripted input, a virtual pointer, relative or absolute)
//    delivered to the focused client carries relative_motion to each of its
//    relative pointers, in the same wl_pointer.frame;
//  - a client holds at most MAX_RELATIVE_POINTERS (no_memory past it): each
//    is one event per motion, so the bound keeps a motion's cost per client
//    a small constant.
import { zwp_relative_pointer_manager_v1 } from '../../protocol/relative-pointer.js';
import type { Display } from '../../server/index.js';
import { ClientQuota } from '../../server/client-quota.js';
import { implement } from '../../server/typed.js';
import type { Seat } from './seat.js';

/** Relative pointers one client may hold (a game wants one). */
export const MAX_RELATIVE_POINTERS = 64;

export function createRelativePointerGlobal(display: Display, seat: Seat): void {
  const quota = new ClientQuota('relative pointers', MAX_RELATIVE_POINTERS);
  display.createGlobal(zwp_relative_pointer_manager_v1, 1, (manager) =>
    implement(manager, zwp_relative_pointer_manager_v1, {
      get_relative_pointer: (_r, relative, pointer) => {
        seat.pointer.addRelative(relative, pointer);
        quota.acquire(relative);
      },
    }),
  );
}
