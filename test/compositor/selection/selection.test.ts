// Selections and drag and drop against our own clients: wl_data_device,
// primary selection and data control (wlr and ext, one implementation)
// sharing one model; what each client
// receives (offers, mime types, bytes through the pipes it hands over,
// cancelled/action/drop events) and the protocol errors of the XML.
//
// Focus and serials come from the compositor's own seat: a toplevel that maps
// is focused, `seat.focus()` moves focus, and presses go through scripted
// input (`compositor.input.pointer`); the serials a client uses are the ones
// it got in wl_keyboard.enter and wl_pointer.button.
import assert from 'node:assert/strict';
import { closeSync, readlinkSync, readdirSync, writeSync } from 'node:fs';
import { test } from 'node:test';
import { Proxy, type WaylandClient } from '../../../src/client/index.js';
import type { Surface, XdgSurface } from '../../../src/compositor/index.js';
import { zwp_primary_selection_device_manager_v1 } from '../../../src/protocol/primary-selection.js';
import { wl_data_device, wl_data_device_manager, wl_data_offer, wl_data_source, wl_display, wl_seat } from '../../../src/protocol/wayland.js';
import { zwlr_data_control_device_v1, zwlr_data_control_manager_v1, zwlr_data_control_source_v1 } from '../../../src/protocol/wlr-data-control.js';
import { ext_data_control_device_v1, ext_data_control_manager_v1, ext_data_control_source_v1 } from '../../../src/protocol/ext-data-control.js';
import type { InterfaceDesc } from '../../../src/protocol/types.js';
import { bindCore, expectProtocolError, present, shmBuffer, startCompositor, toplevel, type Globals, type TestCompositor } from '../../support/compositor.js';
import { waitFor } from '../../support/common.js';
import { readablePipe, readToEnd } from '../../support/pipe.js';

const ACTION = wl_data_device_manager.enums.dnd_action.entries;
const SOURCE_ERROR = wl_data_source.enums.error.entries;
const OFFER_ERROR = wl_data_offer.enums.error.entries;
const DEVICE_ERROR = wl_data_device.enums.error.entries;

/** An object argument of an event, which must be a proxy. */
function asProxy(v: unknown): Proxy {
  assert.ok(v instanceof Proxy, 'an object');
  return v;
}

const openFds = (): number => readdirSync('/proc/self/fd').length;
const fdList = (): string => readdirSync('/proc/self/fd').map((f) => { try { return readlinkSync(`/proc/self/fd/${f}`); } catch { return '?'; } }).join(' ');

// ---- a client with a window, a keyboard, a pointer and a data device

interface Offer {
  proxy: Proxy;
  mimes: string[];
  sourceActions: number | null;
  actions: number[];
}

interface Peer {
  c: WaylandClient;
  g: Globals;
  ddm: Proxy;
  seat: Proxy;
  device: Proxy;
  surface: Surface;
  /** The client's proxy of that surface. */
  sp: Proxy;
  /** Serials of keyboard enters and pointer buttons. */
  serials: number[];
  /** Serials of pointer buttons only. */
  buttons: number[];
  offers: Offer[];
  /** Arguments of the device's `selection` events (null: empty). */
  selections: (Offer | null)[];
  /** Drag events on the device, by name. */
  dnd: string[];
  enterOffer: Offer | null;
}

async function peer(t: TestCompositor, label: string, x = 0): Promise<Peer> {
  const c = await t.client(label);
  const g = bindCore(c);
  const seat = c.bind(wl_seat, 7).on('capabilities', () => {}).on('name', () => {});
  const ddm = c.bind(wl_data_device_manager, 3);
  // Keyboard, pointer and data device first, as real clients do: the window is focused when it maps.
  const serials: number[] = [];
  const buttons: number[] = [];
  const kb = seat.request('get_keyboard', null)!;
  kb.on('keymap', (_f, fd) => closeSync(Number(fd)))
    .on('enter', (serial) => serials.push(Number(serial)))
    .on('leave', () => {})
    .on('key', () => {})
    .on('modifiers', () => {})
    .on('repeat_info', () => {});
  seat.request('get_pointer', null)!
    .on('enter', () => {})
    .on('leave', () => {})
    .on('motion', () => {})
    .on('frame', () => {})
    .on('button', (serial) => {
      serials.push(Number(serial));
      buttons.push(Number(serial));
    });
  const device = ddm.request('get_data_device', null, seat)!;
  const w = await toplevel(c, g);
  const buffer = shmBuffer(g, 100, 100, () => 0xff000000 + x);
  let self: Peer | null = null; // no drag can enter before the peer exists
  const offers: Offer[] = [];
  const selections: (Offer | null)[] = [];
  const dnd: string[] = [];
  const find = (proxy: unknown): Offer => {
    const o = offers.find((x) => x.proxy === proxy);
    assert.ok(o, 'offer announced by data_offer first');
    return o;
  };
  device
    .on('data_offer', (o) => {
      assert.ok(o instanceof Proxy);
      const offer: Offer = { proxy: o, mimes: [], sourceActions: null, actions: [] };
      o.on('offer', (m) => offer.mimes.push(String(m)))
        .on('source_actions', (a) => (offer.sourceActions = Number(a)))
        .on('action', (a) => offer.actions.push(Number(a)));
      offers.push(offer);
    })
    .on('selection', (o) => selections.push(o === null ? null : find(o)))
    .on('enter', (_serial, _surface, x, y, o) => {
      if (self) self.enterOffer = o === null ? null : find(o);
      dnd.push(`enter ${Number(x)},${Number(y)}`);
    })
    .on('motion', (_t, x, y) => dnd.push(`motion ${Number(x)},${Number(y)}`))
    .on('leave', () => dnd.push('leave'))
    .on('drop', () => dnd.push('drop'));
  present(w.surface, buffer.buffer, 100, 100);
  await c.roundtrip();
  closeSync(buffer.fd); // the pool holds its own
  const win = t.compositor.windows.at(-1)!;
  const p: Peer = { c, g, ddm, seat, device, surface: win.surface, sp: w.surface, serials, buttons, offers, selections, dnd, enterOffer: null };
  self = p;
  await c.roundtrip();
  return p;
}

/** The window (position on the output) of a peer. */
function windowOf(t: TestCompositor, p: Peer): XdgSurface {
  const w = t.compositor.windows.find((x) => x.surface === p.surface);
  assert.ok(w, 'the peer has a window');
  return w;
}

/** Keyboard focus to p's window, through the seat; p hears wl_keyboard.enter. */
async function focus(t: TestCompositor, p: Peer): Promise<void> {
  t.compositor.desktop.focus(p.surface);
  await p.c.roundtrip();
}

/** Moves the pointer to (sx, sy) in p's window. */
async function pointTo(t: TestCompositor, p: Peer, sx: number, sy: number): Promise<void> {
  const w = windowOf(t, p);
  await t.compositor.input.pointer.move(w.x + sx, w.y + sy);
}

/** A left press at (sx, sy) in p's window (which it raises and focuses): the wl_pointer.button serial p got. */
async function press(t: TestCompositor, p: Peer, sx = 1, sy = 1): Promise<number> {
  await pointTo(t, p, sx, sy);
  const n = p.buttons.length;
  await t.compositor.input.pointer.press();
  await p.c.roundtrip();
  assert.equal(p.buttons.length, n + 1, 'the press reached the client');
  return p.buttons.at(-1)!;
}

const grab = (t: TestCompositor): unknown => t.compositor.seat.pointer.grab;

interface Source {
  proxy: Proxy;
  events: string[];
  /** What `send` writes for each mime type. */
  data: Map<string, string>;
}

/** A wl_data_source (or another protocol's, with `create`) that answers `send` with `data[mime]`. */
function source(factory: Proxy, create: string, mimes: Record<string, string>): Source {
  const proxy = factory.request(create, null)!;
  const s: Source = { proxy, events: [], data: new Map(Object.entries(mimes)) };
  for (const m of s.data.keys()) proxy.request('offer', m);
  proxy.on('send', (mime, fd) => {
    s.events.push(`send ${String(mime)}`);
    const text = s.data.get(String(mime)) ?? '';
    writeSync(Number(fd), text);
    closeSync(Number(fd));
  });
  proxy.on('cancelled', () => s.events.push('cancelled'));
  for (const e of ['target', 'action', 'dnd_drop_performed', 'dnd_finished']) {
    if (proxy.iface.events.some((x) => x.name === e)) proxy.on(e, (...a) => s.events.push(a.length ? `${e} ${String(a[0])}` : e));
  }
  return s;
}

/** receive(mime) on `offer` with a fresh pipe: what the source wrote. */
async function receive(c: WaylandClient, offer: Proxy, mime: string): Promise<string> {
  const { r, w } = readablePipe();
  offer.request('receive', mime, w);
  closeSync(w); // request() sent a dup: the reader keeps no write end
  await c.roundtrip();
  return (await readToEnd(r)).toString();
}

function setup(): { t: TestCompositor } {
  return { t: startCompositor() };
}

test('the focused client gets an offer per selection; a replaced source gets cancelled; receive carries the bytes', async () => {
  const { t } = setup();
  const a = await peer(t, 'a', 1);
  const b = await peer(t, 'b', 2);
  assert.deepEqual(b.selections.slice(), [null], 'b mapped last: focused, it hears the (empty) selection');
  // A client with a data device and no window: the seat never focuses it.
  const wc = await t.client('windowless');
  const wSeat = wc.bind(wl_seat, 7).on('capabilities', () => {}).on('name', () => {});
  const windowless = { c: wc, selections: new Array<Proxy | null>() };
  wc.bind(wl_data_device_manager, 3).request('get_data_device', null, wSeat)!
    .on('data_offer', (o) => asProxy(o).on('offer', () => {}))
    .on('selection', (o) => windowless.selections.push(o === null ? null : asProxy(o)));
  await wc.roundtrip();
  const aHeard = a.selections.length;
  await focus(t, a);
  assert.equal(a.selections.length, aHeard + 1, 'focus: the (empty) selection');
  assert.equal(a.selections.at(-1), null);
  const s1 = source(a.ddm, 'create_data_source', { 'text/plain': 'one' });
  a.device.request('set_selection', s1.proxy, a.serials.at(-1)!);
  await a.c.roundtrip();
  assert.deepEqual(a.selections.at(-1)?.mimes, ['text/plain']);
  const s2 = source(a.ddm, 'create_data_source', { 'text/plain;charset=utf-8': 'two ✓', 'text/plain': 'two' });
  a.device.request('set_selection', s2.proxy, a.serials.at(-1)!);
  await a.c.roundtrip();
  assert.deepEqual(s1.events, ['cancelled']);
  assert.deepEqual(s2.events, []);
  assert.deepEqual(a.selections.at(-1)?.mimes, ['text/plain;charset=utf-8', 'text/plain']);
  await b.c.roundtrip();
  assert.deepEqual(b.selections.slice(), [null], 'no offers to b while a has focus');
  await windowless.c.roundtrip();
  assert.deepEqual(windowless.selections, [], 'none to a client without a window');

  await focus(t, b);
  assert.equal(b.selections.length, 2, 'a new offer on focus');
  const offer = b.selections[1]!;
  assert.deepEqual(offer.mimes, ['text/plain;charset=utf-8', 'text/plain']);
  assert.equal(await receive(b.c, offer.proxy, 'text/plain;charset=utf-8'), 'two ✓');
  assert.equal(await receive(b.c, offer.proxy, 'text/plain'), 'two');
  assert.deepEqual(s2.events, ['send text/plain;charset=utf-8', 'send text/plain']);

  // The source goes: the focused client hears the selection is empty.
  s2.proxy.request('destroy');
  await a.c.roundtrip();
  await b.c.roundtrip();
  assert.equal(b.selections.at(-1), null);
  t.close();
});

test('set_selection with a serial the client never got, from a client without focus, or older than the selection, is ignored', async () => {
  const { t } = setup();
  const a = await peer(t, 'a', 1);
  const b = await peer(t, 'b', 2);
  await focus(t, a);
  const good = source(a.ddm, 'create_data_source', { 'text/plain': 'kept' });
  a.device.request('set_selection', good.proxy, a.serials.at(-1)!);
  await a.c.roundtrip();
  const offers = a.selections.length;
  const bogus = source(a.ddm, 'create_data_source', { 'text/plain': 'bogus' });
  a.device.request('set_selection', bogus.proxy, a.serials.at(-1)! + 1000);
  const other = source(b.ddm, 'create_data_source', { 'text/plain': 'unfocused' });
  // b has no focus, and that serial is a's, never sent to b.
  assert.ok(!b.serials.includes(a.serials.at(-1)!));
  b.device.request('set_selection', other.proxy, a.serials.at(-1)!);
  b.device.request('set_selection', null, a.serials.at(-1)!);
  await b.c.roundtrip();
  await a.c.roundtrip();
  assert.equal(a.selections.length, offers, 'no new selection');
  assert.deepEqual(good.events, [], 'not cancelled');
  assert.equal(await receive(a.c, a.selections.at(-1)!.proxy, 'text/plain'), 'kept');
  assert.deepEqual(bogus.events, []);
  assert.deepEqual(other.events, []);

  // A valid but older serial does not undo a newer copy (wlroots).
  const oldSerial = a.serials.at(-1)!;
  await focus(t, b);
  const newer = source(b.ddm, 'create_data_source', { 'text/plain': 'newer' });
  b.device.request('set_selection', newer.proxy, b.serials.at(-1)!);
  await b.c.roundtrip();
  await a.c.roundtrip();
  assert.deepEqual(good.events, ['send text/plain', 'cancelled']);
  const late = source(a.ddm, 'create_data_source', { 'text/plain': 'late' });
  a.device.request('set_selection', late.proxy, oldSerial);
  await a.c.roundtrip();
  await b.c.roundtrip();
  assert.deepEqual(newer.events, [], 'not replaced');
  assert.equal(await receive(b.c, b.selections.at(-1)!.proxy, 'text/plain'), 'newer');
  t.close();
});

/** The two data-control protocols (one implementation): the manager and the version bound, primary selection included. */
const DATA_CONTROLS: readonly { manager: InterfaceDesc; version: number; device: InterfaceDesc; source: InterfaceDesc }[] = [
  { manager: zwlr_data_control_manager_v1, version: 2, device: zwlr_data_control_device_v1, source: zwlr_data_control_source_v1 },
  { manager: ext_data_control_manager_v1, version: 1, device: ext_data_control_device_v1, source: ext_data_control_source_v1 },
];

for (const { manager: managerIface, version } of DATA_CONTROLS)
test(`${managerIface.name} and wl_data_device paste into each other, and data control hears every change`, async () => {
  const { t } = setup();
  const a = await peer(t, 'a', 1);
  const dc = await t.client('data-control');
  const dcSeat = dc.bind(wl_seat, 7).on('capabilities', () => {}).on('name', () => {});
  const manager = dc.bind(managerIface, version);
  const dcOffers = new Map<Proxy, string[]>();
  const dcSelections: (Proxy | null)[] = [];
  const dcPrimary: (Proxy | null)[] = [];
  const dev = manager.request('get_data_device', null, dcSeat)!;
  dev.on('data_offer', (o) => {
    assert.ok(o instanceof Proxy);
    const mimes: string[] = [];
    dcOffers.set(o, mimes);
    o.on('offer', (m) => mimes.push(String(m)));
  })
    .on('selection', (o) => dcSelections.push(o === null ? null : asProxy(o)))
    .on('primary_selection', (o) => dcPrimary.push(o === null ? null : asProxy(o)))
    .on('finished', () => {});
  await dc.roundtrip();
  assert.deepEqual([dcSelections.slice(), dcPrimary.slice()], [[null], [null]], 'the current (empty) selections at once');

  // wl_data_device → data-control (no focus needed by data-control).
  await focus(t, a);
  const s = source(a.ddm, 'create_data_source', { 'text/plain': 'from a' });
  a.device.request('set_selection', s.proxy, a.serials.at(-1)!);
  await a.c.roundtrip();
  await dc.roundtrip();
  const o = dcSelections.at(-1);
  assert.ok(o);
  assert.deepEqual(dcOffers.get(o), ['text/plain']);
  assert.equal(await receive(dc, o, 'text/plain'), 'from a');

  // data-control → the focused wl_data_device client; a's source is cancelled.
  const d = source(manager, 'create_data_source', { 'text/plain': 'from data-control', 'image/png': '\x89PNG' });
  dev.request('set_selection', d.proxy);
  await dc.roundtrip();
  await a.c.roundtrip();
  assert.deepEqual(s.events, ['send text/plain', 'cancelled']);
  const offer = a.selections.at(-1);
  assert.deepEqual(offer?.mimes, ['text/plain', 'image/png']);
  assert.equal(await receive(a.c, offer!.proxy, 'text/plain'), 'from data-control');

  // Primary through data control (wlr v2, ext v1), into the focused client's primary selection device.
  const pm = a.c.bind(zwp_primary_selection_device_manager_v1, 1);
  const pdev = pm.request('get_device', null, a.seat)!;
  const primaryOffers: { proxy: Proxy; mimes: string[] }[] = [];
  const primarySel: (Proxy | null)[] = [];
  pdev.on('data_offer', (po) => {
    const mimes: string[] = [];
    assert.ok(po instanceof Proxy);
    po.on('offer', (m) => mimes.push(String(m)));
    primaryOffers.push({ proxy: po, mimes });
  }).on('selection', (po) => primarySel.push(po === null ? null : asProxy(po)));
  await a.c.roundtrip();
  assert.deepEqual(primarySel.slice(), [null], 'a new primary device of the focused client hears the selection');
  const pd = source(manager, 'create_data_source', { 'text/plain': 'middle' });
  dev.request('set_primary_selection', pd.proxy);
  await dc.roundtrip();
  await a.c.roundtrip();
  const po = primarySel.at(-1);
  assert.ok(po);
  assert.deepEqual(primaryOffers.find((x) => x.proxy === po)?.mimes, ['text/plain']);
  assert.equal(await receive(a.c, po, 'text/plain'), 'middle');
  assert.deepEqual(d.events, ['send text/plain'], 'the clipboard source untouched by the primary one');
  t.close();
});

test('a client dying mid-transfer leaks no fd, and the others keep working', async () => {
  const { t } = setup();
  const before = openFds();
  const a = await peer(t, 'a', 1);
  const b = await peer(t, 'b', 2);
  await focus(t, a);
  // The source never answers: its `send` fds pile up on its side.
  const held: number[] = [];
  const src = a.ddm.request('create_data_source', null)!;
  src.request('offer', 'text/plain');
  src.on('send', (_m, fd) => held.push(Number(fd))).on('cancelled', () => {});
  a.device.request('set_selection', src, a.serials.at(-1)!);
  await a.c.roundtrip();
  await focus(t, b);
  const offer = b.selections.at(-1)!;
  // The reader asks and dies at once, its pipe's read end still open.
  const p1 = readablePipe();
  offer.proxy.request('receive', 'text/plain', p1.w);
  closeSync(p1.w);
  b.c.flush();
  b.c.close();
  await a.c.roundtrip();
  assert.equal(held.length, 1, 'the source got the fd');
  // The source dies holding it: the reader sees EOF.
  for (const fd of held) closeSync(fd);
  a.c.close();
  assert.equal((await readToEnd(p1.r)).toString(), '');

  // A reader whose source dies before the request arrives.
  const c = await peer(t, 'c', 3);
  const d = await peer(t, 'd', 4);
  await focus(t, c);
  const s = source(c.ddm, 'create_data_source', { 'text/plain': 'still works' });
  c.device.request('set_selection', s.proxy, c.serials.at(-1)!);
  await c.c.roundtrip();
  await focus(t, d);
  assert.equal(await receive(d.c, d.selections.at(-1)!.proxy, 'text/plain'), 'still works');
  const late = d.selections.at(-1)!;
  c.c.close();
  await waitFor(() => d.selections.at(-1) === null, 'the selection emptied by the source client going');
  const p2 = readablePipe();
  late.proxy.request('receive', 'text/plain', p2.w);
  closeSync(p2.w);
  await d.c.roundtrip();
  assert.equal((await readToEnd(p2.r)).toString(), '', 'an inert offer: EOF');
  d.c.close();
  await waitFor(() => t.compositor.display.clients.size === 0, 'every client gone');
  await waitFor(() => openFds() === before, `fds back to ${before} (now ${openFds()}: ${fdList()})`);
  t.close();
});

// Coordinates in b's window that a's window does not cover once a press raised
// a (toplevels cascade by 32 px and are 100 px wide).
const CLEAR_OF_A = 80;

/** a presses its window, the pointer (button held) moves over b, a starts dragging `s`: b gets enter. The press serial. */
async function dragFromAOverB(t: TestCompositor, a: Peer, b: Peer, s: Source): Promise<number> {
  const serial = await press(t, a);
  await pointTo(t, b, CLEAR_OF_A, CLEAR_OF_A);
  a.device.request('start_drag', s.proxy, a.sp, null, serial);
  await a.c.roundtrip();
  await b.c.roundtrip();
  assert.deepEqual(b.dnd, [`enter ${CLEAR_OF_A},${CLEAR_OF_A}`]);
  return serial;
}

test('drag and drop: enter/motion with an offer, accept and actions negotiated, drop, receive, finish', async () => {
  const { t } = setup();
  const a = await peer(t, 'a', 1);
  const b = await peer(t, 'b', 2);
  const s = source(a.ddm, 'create_data_source', { 'text/uri-list': 'file:///x', 'text/plain': 'x' });
  s.proxy.request('set_actions', ACTION.copy | ACTION.move);
  const serial = await press(t, a, 5, 5);
  const icon = a.g.compositor.request('create_surface', null)!;
  a.device.request('start_drag', s.proxy, a.sp, icon, serial);
  await a.c.roundtrip();
  assert.equal(a.dnd[0], 'enter 5,5', 'the origin client under the pointer');
  assert.deepEqual(a.enterOffer?.mimes, ['text/uri-list', 'text/plain']);
  assert.equal(a.enterOffer?.sourceActions, ACTION.copy | ACTION.move);
  await pointTo(t, b, CLEAR_OF_A, CLEAR_OF_A + 10);
  await a.c.roundtrip();
  await b.c.roundtrip();
  assert.deepEqual(a.dnd, ['enter 5,5', 'leave']);
  assert.deepEqual(b.dnd, [`enter ${CLEAR_OF_A},${CLEAR_OF_A + 10}`]);
  const offer = b.enterOffer!;
  await pointTo(t, b, CLEAR_OF_A + 1, CLEAR_OF_A + 11);
  offer.proxy.request('accept', 0, 'text/plain');
  offer.proxy.request('set_actions', ACTION.copy | ACTION.move, ACTION.move);
  await b.c.roundtrip();
  await a.c.roundtrip();
  const moved = [`enter ${CLEAR_OF_A},${CLEAR_OF_A + 10}`, `motion ${CLEAR_OF_A + 1},${CLEAR_OF_A + 11}`];
  assert.deepEqual(b.dnd, moved);
  assert.deepEqual(offer.actions, [ACTION.move]);
  assert.deepEqual(s.events, ['target text/plain', `action ${ACTION.move}`]);
  await t.compositor.input.pointer.release();
  await b.c.roundtrip();
  await a.c.roundtrip();
  assert.deepEqual(b.dnd, [...moved, 'drop', 'leave']);
  assert.equal(grab(t), null, 'the grab ended');
  assert.deepEqual(s.events.slice(2), ['dnd_drop_performed']);
  assert.equal(await receive(b.c, offer.proxy, 'text/plain'), 'x');
  offer.proxy.request('finish');
  await b.c.roundtrip();
  await a.c.roundtrip();
  assert.deepEqual(s.events.slice(2), ['dnd_drop_performed', 'send text/plain', 'dnd_finished']);
  t.close();
});

test('drag and drop: no accepted type at release cancels the source; a bad serial starts no drag', async () => {
  const { t } = setup();
  const a = await peer(t, 'a', 1);
  const b = await peer(t, 'b', 2);
  const s = source(a.ddm, 'create_data_source', { 'text/plain': 'x' });
  const serial = await dragFromAOverB(t, a, b, s);
  await t.compositor.input.pointer.release();
  await b.c.roundtrip();
  await a.c.roundtrip();
  assert.deepEqual(b.dnd, [`enter ${CLEAR_OF_A},${CLEAR_OF_A}`, 'leave'], 'no drop');
  assert.deepEqual(s.events, ['cancelled']);

  // A serial a never got; then a's own press serial, but from b.
  const s2 = source(a.ddm, 'create_data_source', { 'text/plain': 'y' });
  const bogus = Math.max(...a.serials, ...b.serials) + 999;
  a.device.request('start_drag', s2.proxy, a.sp, null, bogus);
  await a.c.roundtrip();
  const s3 = source(b.ddm, 'create_data_source', { 'text/plain': 'z' });
  b.device.request('start_drag', s3.proxy, b.sp, null, serial);
  await b.c.roundtrip();
  await a.c.roundtrip();
  assert.equal(grab(t), null, 'no grab');
  assert.deepEqual(b.dnd, [`enter ${CLEAR_OF_A},${CLEAR_OF_A}`, 'leave']);
  assert.deepEqual(s2.events, ['cancelled']);
  assert.deepEqual(s3.events, ['cancelled']);

  // No button held (a's keyboard enter serial, valid for input): no drag, and b still gets its clicks.
  await focus(t, a);
  const s4 = source(a.ddm, 'create_data_source', { 'text/plain': 'w' });
  a.device.request('start_drag', s4.proxy, a.sp, null, a.serials.at(-1)!);
  await a.c.roundtrip();
  await b.c.roundtrip();
  assert.equal(grab(t), null, 'no grab without a held button');
  assert.deepEqual(s4.events, ['cancelled']);
  const clicks = b.buttons.length;
  await t.compositor.input.pointer.click('left', { x: windowOf(t, b).x + CLEAR_OF_A, y: windowOf(t, b).y + CLEAR_OF_A });
  await b.c.roundtrip();
  assert.equal(b.buttons.length, clicks + 2, 'press and release reach b');
  assert.deepEqual(b.dnd, [`enter ${CLEAR_OF_A},${CLEAR_OF_A}`, 'leave']);
  t.close();
});

test('drag and drop: the source going mid-drag ends the drag with a leave; a drag without a source stays in its client', async () => {
  const { t } = setup();
  const a = await peer(t, 'a', 1);
  const b = await peer(t, 'b', 2);
  const s = source(a.ddm, 'create_data_source', { 'text/plain': 'x' });
  await dragFromAOverB(t, a, b, s);
  s.proxy.request('destroy');
  await a.c.roundtrip();
  await b.c.roundtrip();
  assert.deepEqual(b.dnd, [`enter ${CLEAR_OF_A},${CLEAR_OF_A}`, 'leave']);
  assert.equal(grab(t), null, 'the grab ended');
  await t.compositor.input.pointer.release();

  // No source: b's surface is not entered, a's is, with no offer; the drop goes to a.
  const serial2 = await press(t, a);
  await pointTo(t, b, CLEAR_OF_A, CLEAR_OF_A);
  a.device.request('start_drag', null, a.sp, null, serial2);
  await a.c.roundtrip();
  assert.notEqual(grab(t), null);
  await pointTo(t, a, 3, 4);
  await a.c.roundtrip();
  await b.c.roundtrip();
  assert.deepEqual(a.dnd, ['enter 3,4']);
  assert.equal(a.enterOffer, null);
  await t.compositor.input.pointer.release();
  await a.c.roundtrip();
  await b.c.roundtrip();
  assert.deepEqual(a.dnd, ['enter 3,4', 'drop', 'leave']);
  assert.deepEqual(b.dnd, [`enter ${CLEAR_OF_A},${CLEAR_OF_A}`, 'leave'], 'nothing more for b');
  t.close();
});

test('primary selection: the focused client sets it with an input serial; data-control and the next focused client read it', async () => {
  const { t } = setup();
  const a = await peer(t, 'a', 1);
  const b = await peer(t, 'b', 2);
  const primaryOf = (p: Peer): { dev: Proxy; pm: Proxy; sel: (Proxy | null)[]; mimes: Map<Proxy, string[]> } => {
    const pm = p.c.bind(zwp_primary_selection_device_manager_v1, 1);
    const r = { dev: pm.request('get_device', null, p.seat)!, pm, sel: new Array<Proxy | null>(), mimes: new Map<Proxy, string[]>() };
    r.dev.on('data_offer', (o) => {
      assert.ok(o instanceof Proxy);
      const m: string[] = [];
      r.mimes.set(o, m);
      o.on('offer', (x) => m.push(String(x)));
    }).on('selection', (o) => r.sel.push(o === null ? null : asProxy(o)));
    return r;
  };
  const pa = primaryOf(a);
  const pb = primaryOf(b);
  await b.c.roundtrip();
  assert.deepEqual(pb.sel.slice(), [null], 'b (mapped last, focused) hears the empty primary selection');
  await focus(t, a);
  const heard = pa.sel.length;
  assert.equal(pa.sel.at(-1), null, 'the empty selection at focus');
  const bogus = source(pa.pm, 'create_source', { 'text/plain': 'bogus' });
  assert.ok(!a.serials.includes(b.serials.at(-1)!));
  pa.dev.request('set_selection', bogus.proxy, b.serials.at(-1)!); // b's serial, not a's
  const s = source(pa.pm, 'create_source', { 'text/plain;charset=utf-8': 'selected text' });
  pa.dev.request('set_selection', s.proxy, a.serials.at(-1)!);
  await a.c.roundtrip();
  assert.equal(pa.sel.length, heard + 1, 'only the one set with the good serial');
  assert.deepEqual(pa.mimes.get(pa.sel.at(-1)!), ['text/plain;charset=utf-8']);
  await b.c.roundtrip();
  assert.deepEqual(pb.sel.slice(), [null], 'b has no focus: no offer');
  await focus(t, b);
  const o = pb.sel.at(-1);
  assert.ok(o);
  assert.equal(await receive(b.c, o, 'text/plain;charset=utf-8'), 'selected text');
  // The clipboard is another slot: still empty.
  assert.equal(b.selections.at(-1), null);
  assert.deepEqual(bogus.events, []);
  t.close();
});

test('protocol errors from the XML reach the client that erred, and no other', async () => {
  const { t } = setup();
  const bystander = await peer(t, 'bystander', 9);
  const cases: { what: string; iface: string; code: number; message: RegExp; run: (p: Peer, t: TestCompositor) => Promise<void> | void }[] = [
    {
      what: 'wl_data_source.set_actions with an unknown bit',
      iface: 'wl_data_source', code: SOURCE_ERROR.invalid_action_mask, message: /invalid action mask 0x8/,
      run: (p) => void p.ddm.request('create_data_source', null)!.request('set_actions', 8),
    },
    {
      what: 'wl_data_source.set_actions twice',
      iface: 'wl_data_source', code: SOURCE_ERROR.invalid_action_mask, message: /once/,
      run: (p) => {
        const s = p.ddm.request('create_data_source', null)!;
        s.request('set_actions', ACTION.copy);
        s.request('set_actions', ACTION.move);
      },
    },
    {
      what: 'a drag-and-drop source as the selection',
      iface: 'wl_data_source', code: SOURCE_ERROR.invalid_source, message: /drag-and-drop source/,
      run: (p) => {
        const s = p.ddm.request('create_data_source', null)!;
        s.request('set_actions', ACTION.copy);
        p.device.request('set_selection', s, 0);
      },
    },
    {
      what: 'finish on a selection offer',
      iface: 'wl_data_offer', code: OFFER_ERROR.invalid_finish, message: /drag-and-drop/,
      run: async (p) => {
        await focus(t, p);
        const s = source(p.ddm, 'create_data_source', { 'text/plain': '' });
        p.device.request('set_selection', s.proxy, p.serials.at(-1)!);
        await p.c.roundtrip();
        p.selections.at(-1)!.proxy.request('finish');
      },
    },
    {
      what: 'set_actions on a selection offer',
      iface: 'wl_data_offer', code: OFFER_ERROR.invalid_offer, message: /drag-and-drop/,
      run: async (p) => {
        await focus(t, p);
        const s = source(p.ddm, 'create_data_source', { 'text/plain': '' });
        p.device.request('set_selection', s.proxy, p.serials.at(-1)!);
        await p.c.roundtrip();
        p.selections.at(-1)!.proxy.request('set_actions', ACTION.copy, ACTION.copy);
      },
    },
    {
      what: 'a drag icon that already has a role',
      iface: 'wl_data_device', code: DEVICE_ERROR.role, message: /another role/,
      run: async (p) => {
        const s = p.ddm.request('create_data_source', null)!;
        const origin = p.sp;
        p.device.request('start_drag', s, origin, origin, await press(t, p));
      },
    },
    {
      what: 'drag offer: a preferred action outside the mask, and finish before the drop',
      iface: 'wl_data_offer', code: OFFER_ERROR.invalid_action, message: /invalid preferred action 0x2/,
      run: async (p) => {
        const s = source(p.ddm, 'create_data_source', { 'text/plain': '' });
        p.device.request('start_drag', s.proxy, p.sp, null, await press(t, p));
        await p.c.roundtrip();
        p.enterOffer!.proxy.request('set_actions', ACTION.copy, ACTION.move);
      },
    },
    {
      what: 'drag offer: finish before the drop',
      iface: 'wl_data_offer', code: OFFER_ERROR.invalid_finish, message: /before the drop/,
      run: async (p) => {
        const s = source(p.ddm, 'create_data_source', { 'text/plain': '' });
        p.device.request('start_drag', s.proxy, p.sp, null, await press(t, p));
        await p.c.roundtrip();
        p.enterOffer!.proxy.request('finish');
      },
    },
    {
      what: 'more mime types than a source may hold',
      iface: 'wl_display', code: wl_display.enums.error.entries.no_memory, message: /more than 256 mime types/,
      run: (p) => {
        const s = p.ddm.request('create_data_source', null)!;
        for (let i = 0; i <= 256; i++) s.request('offer', `text/x-${i}`);
      },
    },
    ...DATA_CONTROLS.flatMap(({ manager, version, device, source: sourceIface }) => [
      {
        what: `${manager.name}: a source set twice`,
        iface: device.name, code: device.enums.error!.entries.used_source!, message: /only once/,
        run: (p: Peer) => {
          const m = p.c.bind(manager, version);
          const dev = m.request('get_data_device', null, p.seat)!.on('data_offer', () => {}).on('selection', () => {}).on('primary_selection', () => {});
          const s = m.request('create_data_source', null)!.on('send', (_m, fd) => closeSync(Number(fd))).on('cancelled', () => {});
          dev.request('set_selection', s);
          dev.request('set_primary_selection', s);
        },
      },
      {
        what: `${manager.name}: offer after set_selection`,
        iface: sourceIface.name, code: sourceIface.enums.error!.entries.invalid_offer!, message: /offer after/,
        run: (p: Peer) => {
          const m = p.c.bind(manager, version);
          const dev = m.request('get_data_device', null, p.seat)!.on('data_offer', () => {}).on('selection', () => {}).on('primary_selection', () => {});
          const s = m.request('create_data_source', null)!.on('cancelled', () => {});
          s.request('offer', 'text/plain');
          dev.request('set_selection', s);
          s.request('offer', 'text/html');
        },
      },
    ]),
    {
      what: "ext_data_control_device_v1.set_selection with a zwlr_data_control_source_v1 (another protocol's source)",
      iface: 'wl_display', code: wl_display.enums.error.entries.invalid_method, message: /invalid object .*zwlr_data_control_source_v1/,
      run: (p) => {
        const dev = p.c.bind(ext_data_control_manager_v1, 1).request('get_data_device', null, p.seat)!.on('data_offer', () => {}).on('selection', () => {}).on('primary_selection', () => {});
        dev.request('set_selection', p.c.bind(zwlr_data_control_manager_v1, 2).request('create_data_source', null)!);
      },
    },
  ];
  for (const k of cases) {
    const p = await peer(t, k.what);
    await k.run(p, t);
    await expectProtocolError(p.c, k.iface, k.code, k.message);
    // The erring client is gone: its drag ended with it; let the button go.
    assert.equal(grab(t), null, 'no drag left behind');
    await t.compositor.input.pointer.release();
  }
  // The bystander still copies and pastes.
  await focus(t, bystander);
  const s = source(bystander.ddm, 'create_data_source', { 'text/plain': 'fine' });
  bystander.device.request('set_selection', s.proxy, bystander.serials.at(-1)!);
  await bystander.c.roundtrip();
  assert.equal(await receive(bystander.c, bystander.selections.at(-1)!.proxy, 'text/plain'), 'fine');
  assert.equal(bystander.c.error, null);
  t.close();
});
