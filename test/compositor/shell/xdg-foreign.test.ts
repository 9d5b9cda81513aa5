// xdg-foreign v2 between two clients, as they see it: handles, the parent
// relation (seen through the loop it forbids), `destroyed` when the export
// goes, relations undone, errors and the per-client bound.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Proxy, WaylandClient } from '../../../src/client/index.js';
import { MAX_EXPORTS } from '../../../src/compositor/shell/xdg-foreign.js';
import { zxdg_exporter_v2, zxdg_importer_v2 } from '../../../src/protocol/xdg-foreign.js';
import { DisplayError } from '../../../src/wire/codec.js';
import { bindCore, expectProtocolError, mappedWindow, startCompositor, type Globals, type TestCompositor } from '../../support/compositor.js';

const INVALID_SURFACE = 0; // zxdg_exporter_v2 and zxdg_imported_v2 error invalid_surface

interface Side {
  c: WaylandClient;
  g: Globals;
  exporter: Proxy;
  importer: Proxy;
}

async function side(t: TestCompositor, label: string): Promise<Side> {
  const c = await t.client(label);
  const g = bindCore(c);
  return { c, g, exporter: c.bind(zxdg_exporter_v2, 1), importer: c.bind(zxdg_importer_v2, 1) };
}

/** Exports `surface`; the handle once it arrived. */
async function exportOf(s: Side, surface: Proxy): Promise<{ exported: Proxy; handle: string }> {
  const got: string[] = [];
  const exported = s.exporter.request('export_toplevel', null, surface)!.on('handle', (h) => void got.push(String(h)));
  await s.c.roundtrip();
  assert.equal(got.length, 1, 'handle sent at once');
  return { exported, handle: got[0]! };
}

/** Imports `handle`; counts `destroyed`. */
function importOf(s: Side, handle: string): { imported: Proxy; destroyed: { count: number } } {
  const destroyed = { count: 0 };
  const imported = s.importer.request('import_toplevel', null, handle)!.on('destroyed', () => void destroyed.count++);
  return { imported, destroyed };
}

/** Client a's window P, client b's window C; b makes C a child of P through an import of P. */
async function parented() {
  const t = startCompositor();
  const a = await side(t, 'a');
  const b = await side(t, 'b');
  const P = (await mappedWindow(t, a.c, a.g, 40, 30, 0xffff0000)).w;
  const C = (await mappedWindow(t, b.c, b.g, 40, 30, 0xff00ff00)).w;
  const p = await exportOf(a, P.surface);
  const ofP = importOf(b, p.handle);
  ofP.imported.request('set_parent_of', C.surface);
  await b.c.roundtrip();
  assert.equal(b.c.error, null);
  // The way back: a imports C, to try making P a child of C.
  const c = await exportOf(b, C.surface);
  const ofC = importOf(a, c.handle);
  await a.c.roundtrip();
  return { t, a, b, P, C, p, ofP, ofC };
}

test('export_toplevel answers a fresh unguessable handle each time; a surface without xdg_toplevel is invalid_surface', async () => {
  const t = startCompositor();
  const a = await side(t, 'a');
  const { w } = await mappedWindow(t, a.c, a.g, 20, 20, 0xff000000);
  const one = await exportOf(a, w.surface);
  const two = await exportOf(a, w.surface);
  assert.match(one.handle, /^[0-9a-f]{32}$/);
  assert.notEqual(one.handle, two.handle);
  const bare = a.g.compositor.request('create_surface', null)!;
  a.exporter.request('export_toplevel', null, bare)!.on('handle', () => {});
  await expectProtocolError(a.c, 'zxdg_exporter_v2', INVALID_SURFACE, /is not an xdg_toplevel/);
  t.close();
});

test('set_parent_of makes another client\'s toplevel the parent: the way back would be a loop, refused with invalid_surface', async () => {
  const { t, a, ofC, P } = await parented();
  ofC.imported.request('set_parent_of', P.surface);
  await expectProtocolError(a.c, 'zxdg_imported_v2', INVALID_SURFACE, /parent of itself or of an ancestor/);
  t.close();
});

test('destroying the export sends destroyed to its imports and undoes the relation (the way back is then allowed)', async () => {
  const { t, a, b, P, C, p, ofP, ofC } = await parented();
  p.exported.request('destroy');
  await a.c.roundtrip();
  await b.c.roundtrip();
  assert.equal(ofP.destroyed.count, 1);
  assert.equal(ofC.destroyed.count, 0);
  // The import is inert now (set_parent_of ignored); P may become C's child.
  ofP.imported.request('set_parent_of', C.surface);
  await b.c.roundtrip();
  ofC.imported.request('set_parent_of', P.surface);
  await a.c.roundtrip();
  assert.equal(a.c.error, null);
  assert.equal(b.c.error, null);
  t.close();
});

test('the exported toplevel going away sends destroyed; importing its handle again, or one that never was, answers destroyed at once', async () => {
  const { t, a, b, P, p, ofP } = await parented();
  P.toplevel.request('destroy');
  await a.c.roundtrip();
  await b.c.roundtrip();
  assert.equal(ofP.destroyed.count, 1);
  const again = importOf(b, p.handle);
  await b.c.roundtrip();
  assert.equal(again.destroyed.count, 1, 'a handle is dead for good once its toplevel went');
  const bogus = importOf(b, 'not-a-handle');
  await b.c.roundtrip();
  assert.equal(bogus.destroyed.count, 1);
  t.close();
});

test('destroying the import undoes the relation it set up, and only that one', async () => {
  const { t, a, b, P, ofP, ofC } = await parented();
  ofP.imported.request('destroy');
  await b.c.roundtrip();
  ofC.imported.request('set_parent_of', P.surface);
  await a.c.roundtrip();
  assert.equal(a.c.error, null, 'no loop once C is no longer P\'s child');
  assert.equal(b.c.error, null);
  t.close();
});

test('set_parent_of a surface without xdg_toplevel is invalid_surface on the import', async () => {
  const { t, b, ofP } = await parented();
  const bare = b.g.compositor.request('create_surface', null)!;
  ofP.imported.request('set_parent_of', bare);
  await expectProtocolError(b.c, 'zxdg_imported_v2', INVALID_SURFACE, /is not an xdg_toplevel/);
  t.close();
});

test(`a client holds at most ${MAX_EXPORTS} exports; destroyed ones make room, one more is no_memory`, async () => {
  const t = startCompositor();
  const a = await side(t, 'a');
  const { w } = await mappedWindow(t, a.c, a.g, 20, 20, 0xff000000);
  const made: Proxy[] = [];
  for (let i = 0; i < MAX_EXPORTS; i++) made.push(a.exporter.request('export_toplevel', null, w.surface)!.on('handle', () => {}));
  await a.c.roundtrip();
  made.pop()!.request('destroy');
  a.exporter.request('export_toplevel', null, w.surface)!.on('handle', () => {});
  await a.c.roundtrip();
  assert.equal(a.c.error, null);
  a.exporter.request('export_toplevel', null, w.surface)!.on('handle', () => {});
  await expectProtocolError(a.c, 'wl_display', DisplayError.no_memory, /too many xdg-foreign exports \(limit 256\)/);
  t.close();
});
