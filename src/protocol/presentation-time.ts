// GENERATED FILE: do not edit by hand.
// Source: /usr/share/wayland-protocols/stable/presentation-time/presentation-time.xml (protocol presentation_time)
// Generator: scripts/gen-protocol.mjs (facts only: names, versions, opcodes = array
// index, signatures, interface types, enum values; no description text).

import type { InterfaceDesc } from './types.js';

export const wp_presentation = {
  name: 'wp_presentation',
  version: 1,
  requests: [
    /* 0 */ { name: 'destroy', since: 1, signature: '', args: [], types: [], destructor: true },
    /* 1 */ { name: 'feedback', since: 1, signature: 'on', args: ['surface', 'callback'], types: ['wl_surface', 'wp_presentation_feedback'] },
  ],
  events: [
    /* 0 */ { name: 'clock_id', since: 1, signature: 'u', args: ['clk_id'], types: [null] },
  ],
  enums: {
    error: { bitfield: false, since: 1, entries: { invalid_timestamp: 0, invalid_flag: 1 } },
  },
} as const satisfies InterfaceDesc;

export const wp_presentation_feedback = {
  name: 'wp_presentation_feedback',
  version: 1,
  requests: [],
  events: [
    /* 0 */ { name: 'sync_output', since: 1, signature: 'o', args: ['output'], types: ['wl_output'] },
    /* 1 */ { name: 'presented', since: 1, signature: 'uuuuuuu', args: ['tv_sec_hi', 'tv_sec_lo', 'tv_nsec', 'refresh', 'seq_hi', 'seq_lo', 'flags'], types: [null, null, null, null, null, null, null], destructor: true },
    /* 2 */ { name: 'discarded', since: 1, signature: '', args: [], types: [], destructor: true },
  ],
  enums: {
    kind: { bitfield: true, since: 1, entries: { vsync: 1, hw_clock: 2, hw_completion: 4, zero_copy: 8 } },
  },
} as const satisfies InterfaceDesc;
