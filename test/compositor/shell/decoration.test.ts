// xdg-decoration v1 in process: the mode a client is told (always
// client_side), where that event falls in the configure sequence, and the
// protocol errors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Proxy, WaylandClient } from '../../../src/client/index.js';
import { zxdg_decoration_manager_v1, zxdg_toplevel_decoration_v1 } from '../../../src/protocol/xdg-decoration.js';
import { bindCore, expectProtocolError, present, shmBuffer, startCompositor, toplevel, type Globals } from '../../support/compositor.js';

const MODE = zxdg_toplevel_decoration_v1.enums.mode.entries;
const ERROR = zxdg_toplevel_decoration_v1.enums.error.entries;

/** A toplevel (before its initial commit) with a decoration object; every configure-sequence event logged in order. */
function decorated(g: Globals, manager: Proxy): { log: string[]; surface: Proxy; xdgSurface: Proxy; toplevel: Proxy; decoration: Proxy } {
  const log: string[] = [];
  const surface = g.compositor.request('create_surface', null)!;
  surface.on('enter', () => {}).on('leave', () => {});
  const xdgSurface = g.wm.request('get_xdg_surface', null, surface)!;
  const tl = xdgSurface.request('get_toplevel', null)!;
  tl.on('configure', () => log.push('toplevel')).on('close', () => {});
  xdgSurface.on('configure', (serial) => {
    log.push('surface');
    xdgSurface.request('ack_configure', serial);
  });
  const decoration = manager.request('get_toplevel_decoration', null, tl)!;
  decoration.on('configure', (mode) => log.push(mode === MODE.client_side ? 'client_side' : `mode ${String(mode)}`));
  return { log, surface, xdgSurface, toplevel: tl, decoration };
}

async function setup(label = 'deco'): Promise<{ t: ReturnType<typeof startCompositor>; c: WaylandClient; g: Globals; manager: Proxy }> {
  const t = startCompositor();
  const c = await t.client(label);
  const g = bindCore(c);
  const manager = c.bind(zxdg_decoration_manager_v1, 1);
  return { t, c, g, manager };
}

test('the initial configure sequence carries client_side; set_mode(server_side) and unset_mode get a new sequence, still client_side', async () => {
  const { t, c, g, manager } = await setup();
  const d = decorated(g, manager);
  await c.roundtrip();
  assert.deepEqual(d.log, [], 'nothing before the initial commit');
  d.surface.request('commit');
  await c.roundtrip();
  assert.deepEqual(d.log, ['toplevel', 'client_side', 'surface']);
  d.decoration.request('set_mode', MODE.server_side);
  await c.roundtrip();
  assert.deepEqual(d.log.slice(3), ['toplevel', 'client_side', 'surface']);
  d.decoration.request('unset_mode');
  await c.roundtrip();
  assert.deepEqual(d.log.slice(6), ['toplevel', 'client_side', 'surface']);
  // Other configures of the toplevel (maximize) carry it too; the window maps as usual.
  d.toplevel.request('set_maximized');
  await c.roundtrip();
  assert.deepEqual(d.log.slice(9), ['toplevel', 'client_side', 'surface']);
  present(d.surface, shmBuffer(g, 640, 480, () => 0xff00ff00).buffer, 640, 480);
  await c.roundtrip();
  assert.equal(t.compositor.windows.length, 1);
  // Destroying the decoration first, then the toplevel, is the right order: no error.
  d.decoration.request('destroy');
  d.toplevel.request('destroy');
  await c.roundtrip();
  assert.equal(c.error, null);
  t.close();
});

test('decoration protocol errors: already_constructed, unconfigured_buffer, orphaned', async () => {
  {
    const { t, c, g, manager } = await setup();
    const d = decorated(g, manager);
    manager.request('get_toplevel_decoration', null, d.toplevel);
    await expectProtocolError(c, 'zxdg_toplevel_decoration_v1', ERROR.already_constructed, /already has a decoration object/);
    t.close();
  }
  {
    const { t, c, g, manager } = await setup();
    const w = await toplevel(c, g);
    present(w.surface, shmBuffer(g, 10, 10, () => 0xff0000ff).buffer, 10, 10);
    await c.roundtrip();
    manager.request('get_toplevel_decoration', null, w.toplevel);
    await expectProtocolError(c, 'zxdg_toplevel_decoration_v1', ERROR.unconfigured_buffer, /buffer attached before configure/);
    t.close();
  }
  {
    const { t, c, g, manager } = await setup();
    const d = decorated(g, manager);
    d.toplevel.request('destroy');
    await expectProtocolError(c, 'zxdg_toplevel_decoration_v1', ERROR.orphaned, /destroyed before its decoration object/);
    t.close();
  }
});
