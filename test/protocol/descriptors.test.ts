// The generated protocol descriptors against the protocol XML, parsed here
// independently of scripts/gen-protocol.mjs (fast-xml-parser's preserveOrder
// mode, so element order — i.e. opcodes — is read a second, different way),
// plus hand-written spot checks that a generator bug cannot rewrite.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { XMLParser } from 'fast-xml-parser';
import { needPeer } from '../support/peers.js';
import * as wayland from '../../src/protocol/wayland.js';
import * as xdgShell from '../../src/protocol/xdg-shell.js';
import * as xdgOutput from '../../src/protocol/xdg-output.js';
import * as wlrScreencopy from '../../src/protocol/wlr-screencopy.js';
import * as wlrDataControl from '../../src/protocol/wlr-data-control.js';
import * as virtualKeyboard from '../../src/protocol/virtual-keyboard.js';
import * as wlrVirtualPointer from '../../src/protocol/wlr-virtual-pointer.js';
import * as xdgActivation from '../../src/protocol/xdg-activation.js';
import * as primarySelection from '../../src/protocol/primary-selection.js';
import * as wlrLayerShell from '../../src/protocol/wlr-layer-shell.js';
import * as wlrOutputManagement from '../../src/protocol/wlr-output-management.js';
import * as xdgDecoration from '../../src/protocol/xdg-decoration.js';
import * as viewporter from '../../src/protocol/viewporter.js';
import * as presentationTime from '../../src/protocol/presentation-time.js';
import * as singlePixelBuffer from '../../src/protocol/single-pixel-buffer.js';
import * as xdgForeign from '../../src/protocol/xdg-foreign.js';
import * as relativePointer from '../../src/protocol/relative-pointer.js';
import * as pointerConstraints from '../../src/protocol/pointer-constraints.js';
import * as fractionalScale from '../../src/protocol/fractional-scale.js';
import * as idleInhibit from '../../src/protocol/idle-inhibit.js';
import * as tablet from '../../src/protocol/tablet.js';
import * as cursorShape from '../../src/protocol/cursor-shape.js';
import * as extDataControl from '../../src/protocol/ext-data-control.js';
import * as extForeignToplevelList from '../../src/protocol/ext-foreign-toplevel-list.js';
import * as extImageCaptureSource from '../../src/protocol/ext-image-capture-source.js';
import * as extImageCopyCapture from '../../src/protocol/ext-image-copy-capture.js';
import {
  interfaces,
  protocols,
  requestOpcode,
  eventOpcode,
  wl_display,
  wl_registry,
  wl_callback,
  wl_compositor,
  wl_shm,
  wl_shm_pool,
  wl_surface,
  wl_seat,
  wl_pointer,
  wl_keyboard,
  wl_output,
  wl_data_offer,
  wl_data_device_manager,
  xdg_wm_base,
  xdg_surface,
  xdg_toplevel,
  zxdg_output_manager_v1,
  zxdg_output_v1,
  zwlr_screencopy_manager_v1,
  zwlr_screencopy_frame_v1,
  wp_viewporter,
  wp_viewport,
  wp_presentation,
  wp_presentation_feedback,
  wp_single_pixel_buffer_manager_v1,
  zxdg_exporter_v2,
  zxdg_imported_v2,
  zwp_relative_pointer_v1,
  zwp_pointer_constraints_v1,
  zwp_locked_pointer_v1,
  wp_fractional_scale_manager_v1,
  wp_fractional_scale_v1,
} from '../../src/protocol/index.js';
import type { InterfaceDesc, MessageDesc, EnumDesc } from '../../src/protocol/index.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const generator = `${repoRoot}scripts/gen-protocol.mjs`;

const SOURCES = [
  { name: 'wayland', xml: '/usr/share/wayland/wayland.xml', pkg: 'libwayland-dev', mod: wayland },
  {
    name: 'xdg_shell',
    xml: '/usr/share/wayland-protocols/stable/xdg-shell/xdg-shell.xml',
    pkg: 'wayland-protocols',
    mod: xdgShell,
  },
  {
    name: 'xdg_output_unstable_v1',
    xml: '/usr/share/wayland-protocols/unstable/xdg-output/xdg-output-unstable-v1.xml',
    pkg: 'wayland-protocols',
    mod: xdgOutput,
  },
  {
    name: 'wlr_screencopy_unstable_v1',
    xml: `${repoRoot}protocol/wlr-screencopy-unstable-v1.xml`,
    pkg: '(in this repository)',
    mod: wlrScreencopy,
  },
  {
    name: 'wlr_data_control_unstable_v1',
    xml: `${repoRoot}protocol/wlr-data-control-unstable-v1.xml`,
    pkg: '(in this repository)',
    mod: wlrDataControl,
  },
  {
    name: 'virtual_keyboard_unstable_v1',
    xml: `${repoRoot}protocol/virtual-keyboard-unstable-v1.xml`,
    pkg: '(in this repository)',
    mod: virtualKeyboard,
  },
  {
    name: 'wlr_virtual_pointer_unstable_v1',
    xml: `${repoRoot}protocol/wlr-virtual-pointer-unstable-v1.xml`,
    pkg: '(in this repository)',
    mod: wlrVirtualPointer,
  },
  {
    name: 'xdg_activation_v1',
    xml: '/usr/share/wayland-protocols/staging/xdg-activation/xdg-activation-v1.xml',
    pkg: 'wayland-protocols',
    mod: xdgActivation,
  },
  {
    name: 'wp_primary_selection_unstable_v1',
    xml: '/usr/share/wayland-protocols/unstable/primary-selection/primary-selection-unstable-v1.xml',
    pkg: 'wayland-protocols',
    mod: primarySelection,
  },
  {
    name: 'wlr_layer_shell_unstable_v1',
    xml: `${repoRoot}protocol/wlr-layer-shell-unstable-v1.xml`,
    pkg: '(in this repository)',
    mod: wlrLayerShell,
  },
  {
    name: 'wlr_output_management_unstable_v1',
    xml: `${repoRoot}protocol/wlr-output-management-unstable-v1.xml`,
    pkg: '(in this repository)',
    mod: wlrOutputManagement,
  },
  {
    name: 'xdg_decoration_unstable_v1',
    xml: '/usr/share/wayland-protocols/unstable/xdg-decoration/xdg-decoration-unstable-v1.xml',
    pkg: 'wayland-protocols',
    mod: xdgDecoration,
  },
  {
    name: 'viewporter',
    xml: '/usr/share/wayland-protocols/stable/viewporter/viewporter.xml',
    pkg: 'wayland-protocols',
    mod: viewporter,
  },
  {
    name: 'presentation_time',
    xml: '/usr/share/wayland-protocols/stable/presentation-time/presentation-time.xml',
    pkg: 'wayland-protocols',
    mod: presentationTime,
  },
  {
    name: 'single_pixel_buffer_v1',
    xml: '/usr/share/wayland-protocols/staging/single-pixel-buffer/single-pixel-buffer-v1.xml',
    pkg: 'wayland-protocols',
    mod: singlePixelBuffer,
  },
  {
    name: 'xdg_foreign_unstable_v2',
    xml: '/usr/share/wayland-protocols/unstable/xdg-foreign/xdg-foreign-unstable-v2.xml',
    pkg: 'wayland-protocols',
    mod: xdgForeign,
  },
  {
    name: 'relative_pointer_unstable_v1',
    xml: '/usr/share/wayland-protocols/unstable/relative-pointer/relative-pointer-unstable-v1.xml',
    pkg: 'wayland-protocols',
    mod: relativePointer,
  },
  {
    name: 'pointer_constraints_unstable_v1',
    xml: '/usr/share/wayland-protocols/unstable/pointer-constraints/pointer-constraints-unstable-v1.xml',
    pkg: 'wayland-protocols',
    mod: pointerConstraints,
  },
  {
    name: 'fractional_scale_v1',
    xml: '/usr/share/wayland-protocols/staging/fractional-scale/fractional-scale-v1.xml',
    pkg: 'wayland-protocols',
    mod: fractionalScale,
  },
  {
    name: 'idle_inhibit_unstable_v1',
    xml: '/usr/share/wayland-protocols/unstable/idle-inhibit/idle-inhibit-unstable-v1.xml',
    pkg: 'wayland-protocols',
    mod: idleInhibit,
  },
  {
    name: 'tablet_unstable_v2',
    xml: '/usr/share/wayland-protocols/unstable/tablet/tablet-unstable-v2.xml',
    pkg: 'wayland-protocols',
    mod: tablet,
  },
  {
    name: 'cursor_shape_v1',
    xml: `${repoRoot}protocol/cursor-shape-v1.xml`,
    pkg: '(in this repository)',
    mod: cursorShape,
  },
  {
    name: 'ext_data_control_v1',
    xml: `${repoRoot}protocol/ext-data-control-v1.xml`,
    pkg: '(in this repository)',
    mod: extDataControl,
  },
  {
    name: 'ext_foreign_toplevel_list_v1',
    xml: `${repoRoot}protocol/ext-foreign-toplevel-list-v1.xml`,
    pkg: '(in this repository)',
    mod: extForeignToplevelList,
  },
  {
    name: 'ext_image_capture_source_v1',
    xml: `${repoRoot}protocol/ext-image-capture-source-v1.xml`,
    pkg: '(in this repository)',
    mod: extImageCaptureSource,
  },
  {
    name: 'ext_image_copy_capture_v1',
    xml: `${repoRoot}protocol/ext-image-copy-capture-v1.xml`,
    pkg: '(in this repository)',
    mod: extImageCopyCapture,
  },
] as const;

// ---- an independent XML reading (preserveOrder: a list of nodes) ----

type Node = { [tag: string]: Node[] } & { ':@'?: Record<string, string> };

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseAttributeValue: false,
  parseTagValue: false,
});

function tagOf(n: Node): string {
  const k = Object.keys(n).find((x) => x !== ':@');
  assert.ok(k !== undefined, 'node without tag');
  return k;
}
const attrs = (n: Node): Record<string, string> => n[':@'] ?? {};
const childrenOf = (n: Node, tag: string, childTag: string): Node[] =>
  (n[tag] ?? []).filter((c) => tagOf(c) === childTag);

function intAttr(v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  assert.match(v, /^\d+$/);
  return parseInt(v, 10);
}

const CODE: Record<string, string> = {
  int: 'i',
  uint: 'u',
  fixed: 'f',
  string: 's',
  object: 'o',
  new_id: 'n',
  array: 'a',
  fd: 'h',
};

function expectMessage(m: Node, tag: 'request' | 'event'): MessageDesc {
  const a = attrs(m);
  let signature = '';
  const args: string[] = [];
  const types: (string | null)[] = [];
  for (const arg of childrenOf(m, tag, 'arg')) {
    const { name, type, interface: iface } = attrs(arg);
    assert.ok(name && type, `${a.name}: arg without name/type`);
    const code = CODE[type];
    assert.ok(code, `${a.name}.${name}: unknown type ${type}`);
    if (type === 'new_id' && iface === undefined) {
      signature += 'sun';
      args.push('interface', 'version', name);
      types.push(null, null, null);
    } else {
      signature += (attrs(arg)['allow-null'] === 'true' ? '?' : '') + code;
      args.push(name);
      types.push(type === 'object' || type === 'new_id' ? (iface ?? null) : null);
    }
  }
  const msg: { -readonly [K in keyof MessageDesc]: MessageDesc[K] } = {
    name: a.name ?? '',
    since: intAttr(a.since, 1),
    signature,
    args,
    types,
  };
  if (a.type === 'destructor') msg.destructor = true;
  return msg;
}

function expectEnum(e: Node): EnumDesc {
  const a = attrs(e);
  const entries: Record<string, number> = {};
  for (const en of childrenOf(e, 'enum', 'entry')) {
    const { name, value } = attrs(en);
    assert.ok(name && value !== undefined, `${a.name}: entry without name/value`);
    entries[name] = value.startsWith('0x') ? parseInt(value.slice(2), 16) : parseInt(value, 10);
  }
  return { bitfield: a.bitfield === 'true', since: intAttr(a.since, 1), entries };
}

function readXml(path: string): { name: string; interfaces: Node[] } {
  const doc = parser.parse(readFileSync(path, 'utf8')) as Node[];
  const proto = doc.find((n) => tagOf(n) === 'protocol');
  assert.ok(proto, `${path}: no <protocol>`);
  return { name: attrs(proto).name ?? '', interfaces: childrenOf(proto, 'protocol', 'interface') };
}

function checkInterface(x: Node, d: InterfaceDesc): void {
  const a = attrs(x);
  const where = a.name ?? '?';
  assert.equal(d.name, a.name);
  assert.equal(d.version, intAttr(a.version, NaN), `${where} version`);
  for (const [tag, list] of [
    ['request', d.requests],
    ['event', d.events],
  ] as const) {
    const xs = childrenOf(x, 'interface', tag);
    assert.deepEqual(
      list.map((m) => m.name),
      xs.map((m) => attrs(m).name),
      `${where} ${tag} names in opcode order`,
    );
    xs.forEach((m, op) => assert.deepStrictEqual(list[op], expectMessage(m, tag), `${where}.${attrs(m).name}`));
  }
  const xe = childrenOf(x, 'interface', 'enum');
  assert.deepEqual(Object.keys(d.enums).sort(), xe.map((e) => attrs(e).name).sort(), `${where} enum names`);
  for (const e of xe) {
    const en = attrs(e).name ?? '';
    assert.deepStrictEqual(d.enums[en], expectEnum(e), `${where}.${en}`);
  }
  // Nothing beyond the facts above.
  assert.deepEqual(Object.keys(d).sort(), ['enums', 'events', 'name', 'requests', 'version']);
}

for (const src of SOURCES) {
  test(`${src.name}: descriptors match ${src.xml}`, (t) => {
    if (!needPeer(t, [src.xml], src.pkg)) return;
    const xml = readXml(src.xml);
    assert.equal(xml.name, src.name);
    assert.ok(xml.interfaces.length > 0);
    const exported = src.mod as Record<string, InterfaceDesc>;
    assert.deepEqual(
      Object.keys(exported).sort(),
      xml.interfaces.map((i) => attrs(i).name).sort(),
      'one export per interface, named like it',
    );
    for (const i of xml.interfaces) {
      const name = attrs(i).name ?? '';
      const d = exported[name];
      assert.ok(d, `no export ${name}`);
      checkInterface(i, d);
      assert.equal(interfaces.get(name), d, `interfaces map has ${name}`);
    }
    assert.deepEqual(
      protocols[src.name]?.map((i) => i.name),
      Object.keys(exported).sort(),
    );
  });
}

test('generated files are up to date (gen-protocol.mjs --check)', (t) => {
  if (!needPeer(t, SOURCES.map((s) => s.xml), 'libwayland-dev wayland-protocols')) return;
  const r = spawnSync(process.execPath, [generator, '--check'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});

// ---- structural invariants over every descriptor ----

test('every descriptor is well formed and its types resolve', () => {
  const all = [...interfaces.values()];
  assert.equal(all.length, Object.values(protocols).flat().length, 'no duplicate interface names');
  for (const i of all) {
    assert.ok(Number.isInteger(i.version) && i.version >= 1, i.name);
    for (const m of [...i.requests, ...i.events]) {
      const where = `${i.name}.${m.name}`;
      assert.match(m.signature, /^(\?[sona]|[iufsonah])*$/, where);
      const codes = m.signature.replace(/\?/g, '');
      assert.equal(m.args.length, codes.length, `${where} args`);
      assert.equal(m.types.length, codes.length, `${where} types`);
      assert.ok(m.since >= 1 && m.since <= i.version, `${where} since`);
      assert.ok(m.destructor === undefined || m.destructor === true, where);
      [...codes].forEach((c, k) => {
        const ty = m.types[k];
        if (ty !== null && ty !== undefined) {
          assert.ok(c === 'o' || c === 'n', `${where} arg ${k}: type on '${c}'`);
          assert.ok(interfaces.has(ty), `${where} refers to unknown interface ${ty}`);
        }
      });
    }
    for (const [en, e] of Object.entries(i.enums)) {
      assert.ok(e.since >= 1 && e.since <= i.version, `${i.name}.${en} since`);
      for (const v of Object.values(e.entries)) assert.ok(Number.isInteger(v) && v >= 0 && v <= 0xffffffff);
    }
  }
});

// ---- hand-written facts (from the XML by eye, not by the generator) ----

test('spot checks: core wayland', () => {
  assert.deepStrictEqual(wl_registry.requests[0], {
    name: 'bind',
    since: 1,
    signature: 'usun',
    args: ['name', 'interface', 'version', 'id'],
    types: [null, null, null, null],
  });
  assert.deepStrictEqual(wl_display.events[0], {
    name: 'error',
    since: 1,
    signature: 'ous',
    args: ['object_id', 'code', 'message'],
    types: [null, null, null],
  });
  assert.equal(wl_display.requests[0].signature, 'n');
  assert.equal(wl_display.requests[0].types[0], 'wl_callback');
  assert.equal(wl_display.requests[1].name, 'get_registry');
  assert.equal(wl_display.enums.error.entries.invalid_object, 0);
  assert.equal(wl_display.enums.error.entries.implementation, 3);
  assert.equal(wl_callback.events[0].destructor, true);

  assert.equal(requestOpcode(wl_surface, 'attach'), 1);
  assert.equal(wl_surface.requests[1].signature, '?oii');
  assert.deepEqual(wl_surface.requests[1].types, ['wl_buffer', null, null]);
  assert.equal(wl_surface.requests[0].name, 'destroy');
  assert.equal(wl_surface.requests[0].destructor, true);
  assert.equal(requestOpcode(wl_surface, 'commit'), 6);
  assert.equal(requestOpcode(wl_surface, 'damage_buffer'), 9);
  assert.equal(wl_surface.requests[9].since, 4);
  assert.equal(requestOpcode(wl_surface, 'offset'), 10);
  assert.equal(wl_surface.requests[10].since, 5);

  assert.equal(wl_shm.requests[0].signature, 'nhi');
  assert.equal(wl_shm.enums.format.entries.argb8888, 0);
  assert.equal(wl_shm.enums.format.entries.xrgb8888, 1);
  assert.equal(wl_shm.enums.format.entries.xbgr8888, 0x34324258);
  assert.equal(wl_shm.enums.error.entries.invalid_fd, 2);
  assert.equal(wl_shm_pool.requests[0].signature, 'niiiiu');
  assert.equal(wl_shm_pool.requests[0].types[0], 'wl_buffer');
  assert.equal(requestOpcode(wl_shm_pool, 'resize'), 2);
  assert.equal(wl_shm_pool.requests[1].destructor, true);

  assert.equal(wl_pointer.requests[0].signature, 'u?oii');
  assert.equal(wl_keyboard.events[0].signature, 'uhu');
  assert.equal(wl_data_offer.requests[0].signature, 'u?s');
  assert.equal(wl_output.enums.transform.entries['90'], 1);
  assert.equal(wl_output.enums.transform.entries.flipped_270, 7);
  assert.equal(wl_output.enums.mode.bitfield, true);
  assert.equal(eventOpcode(wl_output, 'done'), 2);
  assert.equal(wl_output.events[2].since, 2);
  assert.equal(wl_seat.enums.capability.bitfield, true);
  assert.deepEqual(wl_seat.enums.capability.entries, { pointer: 1, keyboard: 2, touch: 4 });
  assert.equal(wl_data_device_manager.enums.dnd_action.since, 3);
  assert.equal(wl_data_device_manager.enums.dnd_action.bitfield, true);

  // Versions in libwayland 1.21 (Debian 12).
  assert.equal(wl_compositor.version, 5);
  assert.equal(wl_shm.version, 1);
  assert.equal(wl_seat.version, 8);
  assert.equal(wl_output.version, 4);
  assert.equal(wl_surface.version, 5);
  assert.equal(wl_data_device_manager.version, 3);
});

test('spot checks: xdg-shell, xdg-output, screencopy', () => {
  assert.equal(xdg_wm_base.version, 5);
  assert.equal(xdg_toplevel.version, 5);
  assert.equal(xdg_wm_base.requests[2].name, 'get_xdg_surface');
  assert.equal(xdg_wm_base.requests[2].signature, 'no');
  assert.deepEqual(xdg_wm_base.requests[2].types, ['xdg_surface', 'wl_surface']);
  assert.equal(eventOpcode(xdg_wm_base, 'ping'), 0);
  assert.equal(requestOpcode(xdg_surface, 'ack_configure'), 4);
  assert.equal(xdg_toplevel.requests[1].signature, '?o');
  assert.equal(xdg_toplevel.requests[1].types[0], 'xdg_toplevel');
  assert.equal(xdg_toplevel.enums.state.entries.activated, 4);
  assert.equal(xdg_toplevel.enums.state.bitfield, false);
  assert.equal(xdg_toplevel.enums.wm_capabilities.since, 5);
  assert.equal(eventOpcode(xdg_toplevel, 'wm_capabilities'), 3);

  assert.equal(zxdg_output_manager_v1.version, 3);
  assert.equal(zxdg_output_v1.version, 3);
  assert.equal(zxdg_output_manager_v1.requests[1].signature, 'no');
  assert.deepEqual(zxdg_output_manager_v1.requests[1].types, ['zxdg_output_v1', 'wl_output']);
  assert.equal(eventOpcode(zxdg_output_v1, 'description'), 4);
  assert.equal(zxdg_output_v1.events[4].since, 2);

  assert.equal(zwlr_screencopy_manager_v1.version, 3);
  assert.equal(zwlr_screencopy_frame_v1.version, 3);
  assert.equal(zwlr_screencopy_manager_v1.requests[0].signature, 'nio');
  assert.equal(zwlr_screencopy_manager_v1.requests[1].signature, 'nioiiii');
  assert.equal(zwlr_screencopy_manager_v1.requests[2].destructor, true);
  assert.deepEqual(
    zwlr_screencopy_frame_v1.requests.map((m) => [m.name, m.since, m.signature]),
    [
      ['copy', 1, 'o'],
      ['destroy', 1, ''],
      ['copy_with_damage', 2, 'o'],
    ],
  );
  assert.deepEqual(
    zwlr_screencopy_frame_v1.events.map((m) => [m.name, m.since, m.signature]),
    [
      ['buffer', 1, 'uuuu'],
      ['flags', 1, 'u'],
      ['ready', 1, 'uuu'],
      ['failed', 1, ''],
      ['damage', 2, 'uuuu'],
      ['linux_dmabuf', 3, 'uuu'],
      ['buffer_done', 3, ''],
    ],
  );
  assert.deepEqual(zwlr_screencopy_frame_v1.enums.error.entries, { already_used: 0, invalid_buffer: 1 });
  assert.deepEqual(zwlr_screencopy_frame_v1.enums.flags, { bitfield: true, since: 1, entries: { y_invert: 1 } });
});

test('spot checks: data-control, virtual-keyboard (the published facts, by hand)', () => {
  const { zwlr_data_control_manager_v1, zwlr_data_control_device_v1, zwlr_data_control_source_v1, zwlr_data_control_offer_v1 } = wlrDataControl;
  const { zwp_virtual_keyboard_manager_v1, zwp_virtual_keyboard_v1 } = virtualKeyboard;
  const shape = (i: InterfaceDesc, kind: 'requests' | 'events'): (string | number)[][] => i[kind].map((m) => [m.name, m.since, m.signature]);
  assert.equal(zwlr_data_control_manager_v1.version, 2);
  assert.deepEqual(shape(zwlr_data_control_manager_v1, 'requests'), [['create_data_source', 1, 'n'], ['get_data_device', 1, 'no'], ['destroy', 1, '']]);
  assert.deepEqual(shape(zwlr_data_control_manager_v1, 'events'), []);
  assert.equal(zwlr_data_control_device_v1.version, 2);
  assert.deepEqual(shape(zwlr_data_control_device_v1, 'requests'), [['set_selection', 1, '?o'], ['destroy', 1, ''], ['set_primary_selection', 2, '?o']]);
  assert.deepEqual(shape(zwlr_data_control_device_v1, 'events'), [['data_offer', 1, 'n'], ['selection', 1, '?o'], ['finished', 1, ''], ['primary_selection', 2, '?o']]);
  assert.deepEqual(zwlr_data_control_device_v1.enums.error, { bitfield: false, since: 2, entries: { used_source: 1 } });
  assert.equal(zwlr_data_control_source_v1.version, 1);
  assert.deepEqual(shape(zwlr_data_control_source_v1, 'requests'), [['offer', 1, 's'], ['destroy', 1, '']]);
  assert.deepEqual(shape(zwlr_data_control_source_v1, 'events'), [['send', 1, 'sh'], ['cancelled', 1, '']]);
  assert.deepEqual(zwlr_data_control_source_v1.enums.error.entries, { invalid_offer: 1 });
  assert.deepEqual(shape(zwlr_data_control_offer_v1, 'requests'), [['receive', 1, 'sh'], ['destroy', 1, '']]);
  assert.deepEqual(shape(zwlr_data_control_offer_v1, 'events'), [['offer', 1, 's']]);
  assert.equal(zwp_virtual_keyboard_manager_v1.version, 1);
  assert.deepEqual(shape(zwp_virtual_keyboard_manager_v1, 'requests'), [['create_virtual_keyboard', 1, 'on']]);
  assert.deepEqual(zwp_virtual_keyboard_manager_v1.requests[0].types, ['wl_seat', 'zwp_virtual_keyboard_v1']);
  assert.deepEqual(zwp_virtual_keyboard_manager_v1.enums.error.entries, { unauthorized: 0 });
  assert.deepEqual(shape(zwp_virtual_keyboard_v1, 'requests'), [['keymap', 1, 'uhu'], ['key', 1, 'uuu'], ['modifiers', 1, 'uuuu'], ['destroy', 1, '']]);
  assert.equal(zwp_virtual_keyboard_v1.requests[3].destructor, true);
  assert.deepEqual(zwp_virtual_keyboard_v1.enums.error.entries, { no_keymap: 0 });
});

test('spot checks: virtual-pointer v2, xdg-activation (the published facts, by hand)', () => {
  const shape = (i: InterfaceDesc, kind: 'requests' | 'events') => i[kind].map((m) => [m.name, m.since, m.signature]);
  const { zwlr_virtual_pointer_manager_v1, zwlr_virtual_pointer_v1 } = wlrVirtualPointer;
  assert.equal(zwlr_virtual_pointer_manager_v1.version, 2);
  assert.deepEqual(shape(zwlr_virtual_pointer_manager_v1, 'requests'), [['create_virtual_pointer', 1, '?on'], ['destroy', 1, ''], ['create_virtual_pointer_with_output', 2, '?o?on']]);
  assert.equal(zwlr_virtual_pointer_v1.version, 2);
  assert.deepEqual(shape(zwlr_virtual_pointer_v1, 'requests'), [
    ['motion', 1, 'uff'], ['motion_absolute', 1, 'uuuuu'], ['button', 1, 'uuu'], ['axis', 1, 'uuf'], ['frame', 1, ''],
    ['axis_source', 1, 'u'], ['axis_stop', 1, 'uu'], ['axis_discrete', 1, 'uufi'], ['destroy', 1, ''],
  ]);
  assert.deepEqual(zwlr_virtual_pointer_v1.enums.error.entries, { invalid_axis: 0, invalid_axis_source: 1 });
  const { xdg_activation_v1, xdg_activation_token_v1 } = xdgActivation;
  assert.deepEqual(shape(xdg_activation_v1, 'requests'), [['destroy', 1, ''], ['get_activation_token', 1, 'n'], ['activate', 1, 'so']]);
  assert.deepEqual(shape(xdg_activation_token_v1, 'events'), [['done', 1, 's']]);
  assert.deepEqual(xdg_activation_token_v1.enums.error.entries, { already_used: 0 });
});

test('spot checks: primary selection', () => {
  const { zwp_primary_selection_device_manager_v1, zwp_primary_selection_device_v1, zwp_primary_selection_source_v1, zwp_primary_selection_offer_v1 } = primarySelection;
  const shape = (i: InterfaceDesc, kind: 'requests' | 'events'): (string | number)[][] => i[kind].map((m) => [m.name, m.since, m.signature]);
  assert.deepEqual(shape(zwp_primary_selection_device_manager_v1, 'requests'), [['create_source', 1, 'n'], ['get_device', 1, 'no'], ['destroy', 1, '']]);
  assert.deepEqual(zwp_primary_selection_device_manager_v1.requests[1].types, ['zwp_primary_selection_device_v1', 'wl_seat']);
  assert.deepEqual(shape(zwp_primary_selection_device_v1, 'requests'), [['set_selection', 1, '?ou'], ['destroy', 1, '']]);
  assert.deepEqual(shape(zwp_primary_selection_device_v1, 'events'), [['data_offer', 1, 'n'], ['selection', 1, '?o']]);
  assert.deepEqual(shape(zwp_primary_selection_offer_v1, 'requests'), [['receive', 1, 'sh'], ['destroy', 1, '']]);
  assert.deepEqual(shape(zwp_primary_selection_offer_v1, 'events'), [['offer', 1, 's']]);
  assert.deepEqual(shape(zwp_primary_selection_source_v1, 'requests'), [['offer', 1, 's'], ['destroy', 1, '']]);
  assert.deepEqual(shape(zwp_primary_selection_source_v1, 'events'), [['send', 1, 'sh'], ['cancelled', 1, '']]);
});

test('spot checks: layer-shell, output-management, xdg-decoration (the message tables compiled into libwlroots 0.15, by hand)', () => {
  const { zwlr_layer_shell_v1, zwlr_layer_surface_v1 } = wlrLayerShell;
  const { zwlr_output_manager_v1, zwlr_output_head_v1, zwlr_output_mode_v1, zwlr_output_configuration_v1, zwlr_output_configuration_head_v1 } = wlrOutputManagement;
  const { zxdg_decoration_manager_v1, zxdg_toplevel_decoration_v1 } = xdgDecoration;
  const shape = (i: InterfaceDesc, kind: 'requests' | 'events'): (string | number)[][] => i[kind].map((m) => [m.name, m.since, m.signature]);
  assert.equal(zwlr_layer_shell_v1.version, 4);
  assert.deepEqual(shape(zwlr_layer_shell_v1, 'requests'), [['get_layer_surface', 1, 'no?ous'], ['destroy', 3, '']]);
  assert.deepEqual(zwlr_layer_shell_v1.requests[0].types, ['zwlr_layer_surface_v1', 'wl_surface', 'wl_output', null, null]);
  assert.deepEqual(zwlr_layer_shell_v1.events, []);
  assert.deepEqual(zwlr_layer_shell_v1.enums.error.entries, { role: 0, invalid_layer: 1, already_constructed: 2 });
  assert.deepEqual(zwlr_layer_shell_v1.enums.layer.entries, { background: 0, bottom: 1, top: 2, overlay: 3 });
  assert.equal(zwlr_layer_surface_v1.version, 4);
  assert.deepEqual(shape(zwlr_layer_surface_v1, 'requests'), [
    ['set_size', 1, 'uu'], ['set_anchor', 1, 'u'], ['set_exclusive_zone', 1, 'i'], ['set_margin', 1, 'iiii'],
    ['set_keyboard_interactivity', 1, 'u'], ['get_popup', 1, 'o'], ['ack_configure', 1, 'u'], ['destroy', 1, ''], ['set_layer', 2, 'u'],
  ]);
  assert.equal(zwlr_layer_surface_v1.requests[5].types[0], 'xdg_popup');
  assert.deepEqual(shape(zwlr_layer_surface_v1, 'events'), [['configure', 1, 'uuu'], ['closed', 1, '']]);
  assert.deepEqual(zwlr_layer_surface_v1.enums.error.entries, { invalid_surface_state: 0, invalid_size: 1, invalid_anchor: 2, invalid_keyboard_interactivity: 3 });
  assert.deepEqual(zwlr_layer_surface_v1.enums.anchor, { bitfield: true, since: 1, entries: { top: 1, bottom: 2, left: 4, right: 8 } });
  assert.deepEqual(zwlr_layer_surface_v1.enums.keyboard_interactivity.entries, { none: 0, exclusive: 1, on_demand: 2 });

  for (const i of [zwlr_output_manager_v1, zwlr_output_head_v1, zwlr_output_mode_v1, zwlr_output_configuration_v1, zwlr_output_configuration_head_v1]) assert.equal(i.version, 2, i.name);
  assert.deepEqual(shape(zwlr_output_manager_v1, 'requests'), [['create_configuration', 1, 'nu'], ['stop', 1, '']]);
  assert.deepEqual(shape(zwlr_output_manager_v1, 'events'), [['head', 1, 'n'], ['done', 1, 'u'], ['finished', 1, '']]);
  assert.deepEqual(zwlr_output_head_v1.requests, []);
  assert.deepEqual(shape(zwlr_output_head_v1, 'events'), [
    ['name', 1, 's'], ['description', 1, 's'], ['physical_size', 1, 'ii'], ['mode', 1, 'n'], ['enabled', 1, 'i'], ['current_mode', 1, 'o'],
    ['position', 1, 'ii'], ['transform', 1, 'i'], ['scale', 1, 'f'], ['finished', 1, ''], ['make', 2, 's'], ['model', 2, 's'], ['serial_number', 2, 's'],
  ]);
  assert.deepEqual(shape(zwlr_output_mode_v1, 'events'), [['size', 1, 'ii'], ['refresh', 1, 'i'], ['preferred', 1, ''], ['finished', 1, '']]);
  assert.deepEqual(shape(zwlr_output_configuration_v1, 'requests'), [['enable_head', 1, 'no'], ['disable_head', 1, 'o'], ['apply', 1, ''], ['test', 1, ''], ['destroy', 1, '']]);
  assert.deepEqual(shape(zwlr_output_configuration_v1, 'events'), [['succeeded', 1, ''], ['failed', 1, ''], ['cancelled', 1, '']]);
  assert.deepEqual(zwlr_output_configuration_v1.enums.error.entries, { already_configured_head: 1, unconfigured_head: 2, already_used: 3 });
  assert.deepEqual(shape(zwlr_output_configuration_head_v1, 'requests'), [['set_mode', 1, 'o'], ['set_custom_mode', 1, 'iii'], ['set_position', 1, 'ii'], ['set_transform', 1, 'i'], ['set_scale', 1, 'f']]);
  assert.deepEqual(zwlr_output_configuration_head_v1.enums.error.entries, { already_set: 1, invalid_mode: 2, invalid_custom_mode: 3, invalid_transform: 4, invalid_scale: 5 });

  assert.equal(zxdg_decoration_manager_v1.version, 1);
  assert.deepEqual(shape(zxdg_decoration_manager_v1, 'requests'), [['destroy', 1, ''], ['get_toplevel_decoration', 1, 'no']]);
  assert.deepEqual(shape(zxdg_toplevel_decoration_v1, 'requests'), [['destroy', 1, ''], ['set_mode', 1, 'u'], ['unset_mode', 1, '']]);
  assert.deepEqual(shape(zxdg_toplevel_decoration_v1, 'events'), [['configure', 1, 'u']]);
  assert.deepEqual(zxdg_toplevel_decoration_v1.enums.mode.entries, { client_side: 1, server_side: 2 });
  assert.deepEqual(zxdg_toplevel_decoration_v1.enums.error.entries, { unconfigured_buffer: 0, already_constructed: 1, orphaned: 2 });
});

test('spot checks: viewporter, presentation-time', () => {
  assert.equal(wp_viewporter.version, 1);
  assert.equal(wp_viewporter.requests[1].name, 'get_viewport');
  assert.equal(wp_viewporter.requests[1].signature, 'no');
  assert.deepEqual(wp_viewporter.requests[1].types, ['wp_viewport', 'wl_surface']);
  assert.equal(wp_viewporter.enums.error.entries.viewport_exists, 0);
  assert.deepEqual(
    wp_viewport.requests.map((m) => [m.name, m.signature]),
    [['destroy', ''], ['set_source', 'ffff'], ['set_destination', 'ii']],
  );
  assert.deepEqual(wp_viewport.enums.error.entries, { bad_value: 0, bad_size: 1, out_of_buffer: 2, no_surface: 3 });
  assert.equal(wp_presentation.version, 1);
  assert.equal(wp_presentation.requests[1].signature, 'on');
  assert.deepEqual(wp_presentation.requests[1].types, ['wl_surface', 'wp_presentation_feedback']);
  assert.equal(eventOpcode(wp_presentation, 'clock_id'), 0);
  assert.deepEqual(
    wp_presentation_feedback.events.map((m: MessageDesc) => [m.name, m.signature, m.destructor ?? false]),
    [['sync_output', 'o', false], ['presented', 'uuuuuuu', true], ['discarded', '', true]],
  );
  assert.deepEqual(wp_presentation_feedback.enums.kind.entries, { vsync: 1, hw_clock: 2, hw_completion: 4, zero_copy: 8 });
});

test('spot checks: single-pixel-buffer, xdg-foreign v2, relative-pointer, pointer-constraints', () => {
  assert.equal(wp_single_pixel_buffer_manager_v1.version, 1);
  assert.equal(requestOpcode(wp_single_pixel_buffer_manager_v1, 'create_u32_rgba_buffer'), 1);
  assert.equal(wp_single_pixel_buffer_manager_v1.requests[1].signature, 'nuuuu');
  assert.equal(wp_single_pixel_buffer_manager_v1.requests[1].types[0], 'wl_buffer');
  assert.equal(zxdg_exporter_v2.version, 1);
  assert.equal(zxdg_exporter_v2.requests[1].name, 'export_toplevel');
  assert.deepEqual(zxdg_exporter_v2.requests[1].types, ['zxdg_exported_v2', 'wl_surface']);
  assert.equal(zxdg_exporter_v2.enums.error.entries.invalid_surface, 0);
  assert.deepEqual(zxdg_imported_v2.requests.map((m) => [m.name, m.signature]), [['destroy', ''], ['set_parent_of', 'o']]);
  assert.equal(eventOpcode(zxdg_imported_v2, 'destroyed'), 0);
  assert.equal(zwp_relative_pointer_v1.events[0].signature, 'uuffff');
  assert.deepEqual(zwp_pointer_constraints_v1.enums.lifetime.entries, { oneshot: 1, persistent: 2 });
  assert.equal(zwp_pointer_constraints_v1.requests[1].signature, 'noo?ou');
  assert.deepEqual(zwp_locked_pointer_v1.events.map((m) => m.name), ['locked', 'unlocked']);
});

test('spot checks: fractional-scale-v1', () => {
  assert.equal(wp_fractional_scale_manager_v1.version, 1);
  assert.deepEqual(wp_fractional_scale_manager_v1.requests.map((m) => [m.name, m.signature]), [['destroy', ''], ['get_fractional_scale', 'no']]);
  assert.deepEqual(wp_fractional_scale_manager_v1.requests[1].types, ['wp_fractional_scale_v1', 'wl_surface']);
  assert.deepEqual(wp_fractional_scale_manager_v1.enums.error.entries, { fractional_scale_exists: 0 });
  assert.deepEqual(wp_fractional_scale_v1.requests.map((m) => [m.name, m.signature, m.destructor]), [['destroy', '', true]]);
  assert.deepEqual(wp_fractional_scale_v1.events.map((m) => [m.name, m.signature]), [['preferred_scale', 'u']]);
});

test('spot checks: idle-inhibit, cursor-shape v1 (wayland-protocols 1.32, the published facts, by hand)', () => {
  const shape = (i: InterfaceDesc, kind: 'requests' | 'events'): (string | number)[][] => i[kind].map((m) => [m.name, m.since, m.signature]);
  const { zwp_idle_inhibit_manager_v1, zwp_idle_inhibitor_v1 } = idleInhibit;
  assert.deepEqual(shape(zwp_idle_inhibit_manager_v1, 'requests'), [['destroy', 1, ''], ['create_inhibitor', 1, 'no']]);
  assert.deepEqual(zwp_idle_inhibit_manager_v1.requests[1].types, ['zwp_idle_inhibitor_v1', 'wl_surface']);
  assert.deepEqual(shape(zwp_idle_inhibitor_v1, 'requests'), [['destroy', 1, '']]);
  const { wp_cursor_shape_manager_v1, wp_cursor_shape_device_v1 } = cursorShape;
  assert.equal(wp_cursor_shape_manager_v1.version, 1);
  assert.deepEqual(shape(wp_cursor_shape_manager_v1, 'requests'), [['destroy', 1, ''], ['get_pointer', 1, 'no'], ['get_tablet_tool_v2', 1, 'no']]);
  assert.deepEqual(wp_cursor_shape_manager_v1.requests[1].types, ['wp_cursor_shape_device_v1', 'wl_pointer']);
  assert.deepEqual(wp_cursor_shape_manager_v1.requests[2].types, ['wp_cursor_shape_device_v1', 'zwp_tablet_tool_v2']);
  assert.equal(wp_cursor_shape_device_v1.version, 1);
  assert.deepEqual(shape(wp_cursor_shape_device_v1, 'requests'), [['destroy', 1, ''], ['set_shape', 1, 'uu']]);
  assert.deepEqual(wp_cursor_shape_device_v1.events, []);
  assert.deepEqual(wp_cursor_shape_device_v1.enums.error.entries, { invalid_shape: 1 });
  // The CSS names, 1 to 34 in this order; version 2's dnd_ask (35) and all_resize (36) are not in v1.
  const names = ['default', 'context_menu', 'help', 'pointer', 'progress', 'wait', 'cell', 'crosshair', 'text', 'vertical_text', 'alias', 'copy', 'move', 'no_drop', 'not_allowed', 'grab', 'grabbing',
    'e_resize', 'n_resize', 'ne_resize', 'nw_resize', 's_resize', 'se_resize', 'sw_resize', 'w_resize', 'ew_resize', 'ns_resize', 'nesw_resize', 'nwse_resize', 'col_resize', 'row_resize', 'all_scroll', 'zoom_in', 'zoom_out'];
  assert.deepEqual(wp_cursor_shape_device_v1.enums.shape, { bitfield: false, since: 1, entries: Object.fromEntries(names.map((n, i) => [n, i + 1])) });
});

test('spot checks: ext-data-control v1 is wlr-data-control v2 renamed, every message since 1 (the published facts, by hand)', () => {
  const shape = (i: InterfaceDesc, kind: 'requests' | 'events'): (string | number)[][] => i[kind].map((m) => [m.name, m.since, m.signature]);
  const { ext_data_control_manager_v1, ext_data_control_device_v1, ext_data_control_source_v1, ext_data_control_offer_v1 } = extDataControl;
  for (const i of [ext_data_control_manager_v1, ext_data_control_device_v1, ext_data_control_source_v1, ext_data_control_offer_v1]) assert.equal(i.version, 1, i.name);
  assert.deepEqual(shape(ext_data_control_manager_v1, 'requests'), [['create_data_source', 1, 'n'], ['get_data_device', 1, 'no'], ['destroy', 1, '']]);
  assert.deepEqual(ext_data_control_manager_v1.requests[1].types, ['ext_data_control_device_v1', 'wl_seat']);
  assert.deepEqual(shape(ext_data_control_device_v1, 'requests'), [['set_selection', 1, '?o'], ['destroy', 1, ''], ['set_primary_selection', 1, '?o']]);
  assert.deepEqual(shape(ext_data_control_device_v1, 'events'), [['data_offer', 1, 'n'], ['selection', 1, '?o'], ['finished', 1, ''], ['primary_selection', 1, '?o']]);
  assert.deepEqual(ext_data_control_device_v1.enums.error, { bitfield: false, since: 1, entries: { used_source: 1 } });
  assert.deepEqual(shape(ext_data_control_source_v1, 'requests'), [['offer', 1, 's'], ['destroy', 1, '']]);
  assert.deepEqual(shape(ext_data_control_source_v1, 'events'), [['send', 1, 'sh'], ['cancelled', 1, '']]);
  assert.deepEqual(ext_data_control_source_v1.enums.error.entries, { invalid_offer: 1 });
  assert.deepEqual(shape(ext_data_control_offer_v1, 'requests'), [['receive', 1, 'sh'], ['destroy', 1, '']]);
  assert.deepEqual(shape(ext_data_control_offer_v1, 'events'), [['offer', 1, 's']]);
});

test('spot checks: ext-image-capture-source v1, ext-image-copy-capture v1 (wayland-protocols 1.37, the published facts, by hand)', () => {
  const shape = (i: InterfaceDesc, kind: 'requests' | 'events'): (string | number)[][] => i[kind].map((m) => [m.name, m.since, m.signature]);
  const { ext_image_capture_source_v1, ext_output_image_capture_source_manager_v1, ext_foreign_toplevel_image_capture_source_manager_v1 } = extImageCaptureSource;
  assert.deepEqual(shape(ext_image_capture_source_v1, 'requests'), [['destroy', 1, '']]);
  assert.deepEqual(shape(ext_output_image_capture_source_manager_v1, 'requests'), [['create_source', 1, 'no'], ['destroy', 1, '']]);
  assert.deepEqual(ext_output_image_capture_source_manager_v1.requests[0].types, ['ext_image_capture_source_v1', 'wl_output']);
  assert.deepEqual(ext_foreign_toplevel_image_capture_source_manager_v1.requests[0].types, ['ext_image_capture_source_v1', 'ext_foreign_toplevel_handle_v1']);
  const { ext_image_copy_capture_manager_v1, ext_image_copy_capture_session_v1, ext_image_copy_capture_frame_v1, ext_image_copy_capture_cursor_session_v1 } = extImageCopyCapture;
  for (const i of [ext_image_copy_capture_manager_v1, ext_image_copy_capture_session_v1, ext_image_copy_capture_frame_v1, ext_image_copy_capture_cursor_session_v1]) assert.equal(i.version, 1, i.name);
  assert.deepEqual(shape(ext_image_copy_capture_manager_v1, 'requests'), [['create_session', 1, 'nou'], ['create_pointer_cursor_session', 1, 'noo'], ['destroy', 1, '']]);
  assert.deepEqual(ext_image_copy_capture_manager_v1.requests[0].types, ['ext_image_copy_capture_session_v1', 'ext_image_capture_source_v1', null]);
  assert.deepEqual(ext_image_copy_capture_manager_v1.enums.error.entries, { invalid_option: 1 });
  assert.deepEqual(ext_image_copy_capture_manager_v1.enums.options, { bitfield: true, since: 1, entries: { paint_cursors: 1 } });
  assert.deepEqual(shape(ext_image_copy_capture_session_v1, 'requests'), [['create_frame', 1, 'n'], ['destroy', 1, '']]);
  assert.deepEqual(shape(ext_image_copy_capture_session_v1, 'events'), [['buffer_size', 1, 'uu'], ['shm_format', 1, 'u'], ['dmabuf_device', 1, 'a'], ['dmabuf_format', 1, 'ua'], ['done', 1, ''], ['stopped', 1, '']]);
  assert.deepEqual(ext_image_copy_capture_session_v1.enums.error.entries, { duplicate_frame: 1 });
  assert.deepEqual(shape(ext_image_copy_capture_frame_v1, 'requests'), [['destroy', 1, ''], ['attach_buffer', 1, 'o'], ['damage_buffer', 1, 'iiii'], ['capture', 1, '']]);
  assert.deepEqual(shape(ext_image_copy_capture_frame_v1, 'events'), [['transform', 1, 'u'], ['damage', 1, 'iiii'], ['presentation_time', 1, 'uuu'], ['ready', 1, ''], ['failed', 1, 'u']]);
  assert.deepEqual(ext_image_copy_capture_frame_v1.enums.error.entries, { no_buffer: 1, invalid_buffer_damage: 2, already_captured: 3 });
  assert.deepEqual(ext_image_copy_capture_frame_v1.enums.failure_reason.entries, { unknown: 0, buffer_constraints: 1, stopped: 2 });
  assert.deepEqual(shape(ext_image_copy_capture_cursor_session_v1, 'requests'), [['destroy', 1, ''], ['get_capture_session', 1, 'n']]);
  assert.deepEqual(shape(ext_image_copy_capture_cursor_session_v1, 'events'), [['enter', 1, ''], ['leave', 1, ''], ['position', 1, 'ii'], ['hotspot', 1, 'ii']]);
  assert.deepEqual(ext_image_copy_capture_cursor_session_v1.enums.error.entries, { duplicate_session: 1 });
});

test('opcode helpers reject unknown names', () => {
  assert.throws(() => requestOpcode(wl_surface, 'nope' as 'attach'), /wl_surface has no request "nope"/);
  assert.throws(() => eventOpcode(wl_surface, 'attach' as 'enter'), /no event "attach"/);
  assert.equal(interfaces.get('wl_surface'), wl_surface);
  assert.equal(interfaces.get('zwlr_screencopy_frame_v1'), zwlr_screencopy_frame_v1);
});
