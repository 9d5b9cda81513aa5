// GENERATED FILE: do not edit by hand.
// Source: /usr/share/wayland-protocols/unstable/idle-inhibit/idle-inhibit-unstable-v1.xml (protocol idle_inhibit_unstable_v1)
// Generator: scripts/gen-protocol.mjs (facts only: names, versions, opcodes = array
// index, signatures, interface types, enum values; no description text).

import type { InterfaceDesc } from './types.js';

export const zwp_idle_inhibit_manager_v1 = {
  name: 'zwp_idle_inhibit_manager_v1',
  version: 1,
  requests: [
    /* 0 */ { name: 'destroy', since: 1, signature: '', args: [], types: [], destructor: true },
    /* 1 */ { name: 'create_inhibitor', since: 1, signature: 'no', args: ['id', 'surface'], types: ['zwp_idle_inhibitor_v1', 'wl_surface'] },
  ],
  events: [],
  enums: {},
} as const satisfies InterfaceDesc;

export const zwp_idle_inhibitor_v1 = {
  name: 'zwp_idle_inhibitor_v1',
  version: 1,
  requests: [
    /* 0 */ { name: 'destroy', since: 1, signature: '', args: [], types: [], destructor: true },
  ],
  events: [],
  enums: {},
} as const satisfies InterfaceDesc;
