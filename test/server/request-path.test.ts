// The request path's shortcuts keep the behaviour: handlers with their
// arguments as parameters at every arity, reused argument arrays, the
// remembered last target, and bodies handed over as offsets.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { implement } from '../../src/server/typed.js';
import { requestOpcode } from '../../src/protocol/index.js';
import { wl_compositor, wl_output, wl_region, wl_surface } from '../../src/protocol/wayland.js';
import { zwlr_screencopy_manager_v1 } from '../../src/protocol/wlr-screencopy.js';
import type { Resource } from '../../src/server/index.js';
import { DisplayError } from '../../src/wire/codec.js';
import { Connection } from '../../src/wire/connection.js';
import { socketPair } from '../../src/wire/socket.js';
import { concat, connectPair, message, stubDisplay, words } from '../support/server.js';

type Seen = [string, ...unknown[]];

/** Names objects for comparing: `wl_surface@3`, null, or the value itself. */
function shown(v: unknown): unknown {
  return v !== null && typeof v === 'object' && 'iface' in v ? String(v) : v;
}

test('handlers with parameters get every argument, at every arity (0 to 7)', async (t) => {
  const display = stubDisplay();
  t.after(() => display.destroy());
  const seen: Seen[] = [];
  const record = (name: string) => (...args: unknown[]): void => void seen.push([name, ...args.map(shown)]);
  display.createGlobal(wl_compositor, 5, (compositor) =>
    implement(compositor, wl_compositor, {
      create_surface: (_c, surface) =>
        void implement(surface, wl_surface, {
          commit: record('commit'),
          set_opaque_region: record('set_opaque_region'),
          offset: record('offset'),
          attach: record('attach'),
          damage_buffer: record('damage_buffer'),
        }),
      create_region: (_c, region) => void implement(region, wl_region, {}),
    }));
  display.createGlobal(zwlr_screencopy_manager_v1, 3, (manager) =>
    implement(manager, zwlr_screencopy_manager_v1, { capture_output_region: record('capture_output_region') }));
  const { client } = connectPair(display);
  const globals = [...(await client.registry()).values()];
  const nameOf = (iface: string, index: number): number => globals.filter((g) => g.interface === iface)[index]!.name;
  const compositor = client.bind(wl_compositor, 5, nameOf('wl_compositor', 1));
  const output = client.bind(wl_output, 4);
  const surface = compositor.request('create_surface', null)!;
  const region = compositor.request('create_region', null)!;
  surface.request('commit');
  surface.request('set_opaque_region', region);
  surface.request('set_opaque_region', null);
  surface.request('offset', -7, 9);
  surface.request('attach', null, 0, 0);
  surface.request('damage_buffer', 1, -2, 3, 2147483647);
  const manager = client.bind(zwlr_screencopy_manager_v1, 3);
  const frame = manager.request('capture_output_region', null, 1, output, -5, 6, 70, 80)!;
  await client.roundtrip();
  assert.deepEqual(seen, [
    ['commit', `wl_surface@${surface.id}`],
    ['set_opaque_region', `wl_surface@${surface.id}`, `wl_region@${region.id}`],
    ['set_opaque_region', `wl_surface@${surface.id}`, null],
    ['offset', `wl_surface@${surface.id}`, -7, 9],
    ['attach', `wl_surface@${surface.id}`, null, 0, 0],
    ['damage_buffer', `wl_surface@${surface.id}`, 1, -2, 3, 2147483647],
    // Seven arguments: past the spelled-out arities.
    ['capture_output_region', `zwlr_screencopy_manager_v1@${manager.id}`, `zwlr_screencopy_frame_v1@${frame.id}`, 1, `wl_output@${output.id}`, -5, 6, 70, 80],
  ]);
  client.close();
});

test('handlers taking an array see each request\'s own values (the array is reused)', async (t) => {
  const display = stubDisplay();
  t.after(() => display.destroy());
  const seen: unknown[][] = [];
  display.createGlobal(wl_compositor, 5, (compositor) =>
    compositor.implement({
      create_surface: (_c, [surface]) =>
        void (surface as Resource).implement({
          damage: (_s, args) => void seen.push([...args]),
          attach: (_s, args) => void seen.push(args.map(shown)),
        }),
    }));
  const { client } = connectPair(display);
  const globals = [...(await client.registry()).values()];
  const surface = client.bind(wl_compositor, 5, globals.filter((g) => g.interface === 'wl_compositor')[1]!.name).request('create_surface', null)!;
  for (let i = 0; i < 3; i++) {
    surface.request('damage', i, i + 1, i + 2, i + 3);
    surface.request('attach', null, 0, 0);
  }
  await client.roundtrip();
  assert.deepEqual(seen, [
    [0, 1, 2, 3], [null, 0, 0],
    [1, 2, 3, 4], [null, 0, 0],
    [2, 3, 4, 5], [null, 0, 0],
  ]);
  client.close();
});

test('a request to the object the previous one went to, once destroyed, is invalid_object; its id reused reaches the new object', async (t) => {
  const display = stubDisplay();
  t.after(() => display.destroy());
  const commits: string[] = [];
  display.createGlobal(wl_compositor, 5, (compositor) =>
    implement(compositor, wl_compositor, {
      create_surface: (_c, surface) => void implement(surface, wl_surface, { commit: (s) => void commits.push(`${s}#${String(s.data)}`) }, commits.length),
    }));
  const { client } = connectPair(display);
  const globals = [...(await client.registry()).values()];
  const compositor = client.bind(wl_compositor, 5, globals.filter((g) => g.interface === 'wl_compositor')[1]!.name);
  const first = compositor.request('create_surface', null)!;
  first.request('commit');
  first.request('destroy');
  await client.roundtrip(); // delete_id: the id is free again
  // A new surface with the same id (raw: the client's allocator would pick another free id).
  const id = first.id;
  const commit = message(id, requestOpcode(wl_surface, 'commit'));
  client.sendRaw(concat(message(compositor.id, requestOpcode(wl_compositor, 'create_surface'), words(id)), commit));
  await client.roundtrip();
  assert.deepEqual(commits, [`wl_surface@${id}#0`, `wl_surface@${id}#1`]);

  // The same id, destroyed right after a request to it, then a request to it: all in one batch.
  client.sendRaw(concat(commit, message(id, requestOpcode(wl_surface, 'destroy')), commit));
  await assert.rejects(client.roundtrip(), { errorCode: DisplayError.invalid_object });
  assert.deepEqual(commits, [`wl_surface@${id}#0`, `wl_surface@${id}#1`, `wl_surface@${id}#1`]);
  assert.match(client.error!.message, new RegExp(`invalid object ${id}$`));
});

test('a handler with parameters that throws ends that client only', async (t) => {
  const display = stubDisplay();
  t.after(() => display.destroy());
  display.createGlobal(wl_compositor, 5, (compositor) =>
    implement(compositor, wl_compositor, {
      create_surface: (_c, surface) => void implement(surface, wl_surface, { damage_buffer: () => { throw new Error('bad damage'); } }),
    }));
  const name = (globals: Iterable<{ interface: string; name: number }>): number => [...globals].filter((g) => g.interface === 'wl_compositor')[1]!.name;
  const bystander = connectPair(display).client;
  const { client } = connectPair(display);
  const bystanderSurface = bystander.bind(wl_compositor, 5, name((await bystander.registry()).values())).request('create_surface', null)!;
  client.bind(wl_compositor, 5, name((await client.registry()).values())).request('create_surface', null)!.request('damage_buffer', 0, 0, 1, 1);
  await assert.rejects(client.roundtrip(), { errorCode: DisplayError.implementation });
  assert.match(client.error!.message, /internal error: bad damage/);
  bystanderSurface.request('commit');
  await bystander.roundtrip();
  bystander.close();
});

test('Connection: onMessageAt gets each body as offsets into the receive buffer, the same bytes onMessage would see', async (t) => {
  const [a, b] = socketPair();
  const bodies: number[][] = [];
  const viaView: number[][] = [];
  const reader = new Connection(a, {
    onMessage: (_id, _op, body) => void viaView.push([...body]),
    onMessageAt: (id, opcode, bytes, start, end) => void bodies.push([id, opcode, ...bytes.subarray(start, end)]),
    onError: (e) => assert.fail(e),
  });
  reader.start();
  const writer = new Connection(b, { onMessage: () => {}, onError: (e) => assert.fail(e) });
  t.after(() => {
    reader.close();
    writer.close();
  });
  const words = (...w: number[]): Uint8Array => new Uint8Array(new Uint32Array(w).buffer);
  writer.write(words(5, (12 << 16) | 2, 0x04030201));
  writer.write(words(6, (8 << 16) | 0));
  writer.write(words(7, (16 << 16) | 9, 0x0d0c0b0a, 0xffffffff));
  writer.flush();
  for (let i = 0; i < 200 && bodies.length < 3; i++) await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(bodies, [[5, 2, 1, 2, 3, 4], [6, 0], [7, 9, 10, 11, 12, 13, 255, 255, 255, 255]]);
  assert.deepEqual(viaView, []);
});
