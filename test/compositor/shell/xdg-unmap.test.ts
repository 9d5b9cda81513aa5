// Unmapping a focused toplevel with a null buffer: focus leaves it, but no
// configure goes to the surface, which is back to before its first commit
// (foot, closing, acked the deactivation configure it was sent during the
// unmap and got invalid_serial: the serials had been cleared after it went out).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bindCore, mappedWindow, startCompositor } from '../../support/compositor.js';

test('a focused toplevel unmapped by a null buffer gets no configure, and acking the last one it got is no error', async () => {
  const t = startCompositor();
  const c = await t.client();
  const g = bindCore(c);
  const { w } = await mappedWindow(t, c, g, 64, 48, 0xff336699);
  assert.equal(t.compositor.seat.keyboardFocus, t.compositor.windows.at(-1)?.surface, 'focused once mapped');
  const configuresBefore = w.serials.length;
  const last = w.serials.at(-1)!;
  w.surface.request('attach', null, 0, 0);
  w.surface.request('commit');
  await c.roundtrip();
  assert.equal(t.compositor.windows.length, 0, 'unmapped');
  assert.equal(t.compositor.seat.keyboardFocus, null, 'focus left it');
  assert.equal(w.serials.length, configuresBefore, `no configure after the unmap (serials ${w.serials.join(', ')})`);
  // The client acks every configure it gets (as foot does): still no error; then it starts again.
  assert.equal(c.error, null, c.error?.message);
  w.surface.request('commit');
  await c.roundtrip();
  assert.equal(c.error, null, 'no protocol error after the fresh initial commit');
  assert.ok(w.serials.length > configuresBefore && w.serials.at(-1) !== last, 'the fresh initial commit is configured');
  t.close();
});
