// A client that maps N 64×64 toplevels, acking every configure, then makes
// a roundtrip so every request was processed before it exits:
// `node toplevels-client.js DISPLAY RUNTIME_DIR N [batch|serial]`. Prints N.
//  - batch: every initial commit, one roundtrip, then every buffer (one
//    shared), as a client in a hurry would;
//  - serial: one window at a time, each with its own pool and buffer:
//    initial commit, wait for the configure, then the buffer (the shape of
//    issue 15's measurement: the compositor paints between maps).
import { WaylandClient, type Proxy } from '../src/client/index.js';
import { wl_compositor, wl_shm } from '../src/protocol/wayland.js';
import { xdg_wm_base } from '../src/protocol/xdg-shell.js';
import { memfd } from '../src/shm/index.js';

const SIZE = 64;
const BYTES = SIZE * SIZE * 4;
const XRGB = wl_shm.enums.format.entries.xrgb8888;
const noop = (): void => {};

const [display, runtimeDir, count, mode = 'batch'] = process.argv.slice(2);
const n = Number(count);
const client = WaylandClient.connect({ display: display!, runtimeDir: runtimeDir! });
await client.registry();
const compositor = client.bind(wl_compositor, 5);
const shm = client.bind(wl_shm, 1).on('format', noop);
const wm = client.bind(xdg_wm_base, 5).on('ping', (s) => wm.request('pong', s));

function buffer(): Proxy {
  const pool = shm.request('create_pool', null, memfd('toplevel', BYTES), BYTES)!;
  return pool.request('create_buffer', null, 0, SIZE, SIZE, SIZE * 4, XRGB)!.on('release', noop);
}

/** A toplevel with its initial commit made (its configures are acked as they come). */
function toplevel(): Proxy {
  const surface = compositor.request('create_surface', null)!.on('enter', noop).on('leave', noop);
  const xdg = wm.request('get_xdg_surface', null, surface)!;
  xdg.request('get_toplevel', null)!.on('configure', noop).on('close', noop);
  xdg.on('configure', (serial) => xdg.request('ack_configure', serial));
  surface.request('commit');
  return surface;
}

function show(surface: Proxy, b: Proxy): void {
  surface.request('attach', b, 0, 0);
  surface.request('damage_buffer', 0, 0, SIZE, SIZE);
  surface.request('commit');
}

if (mode === 'serial') {
  for (let i = 0; i < n; i++) {
    const surface = toplevel();
    await client.roundtrip();
    show(surface, buffer());
  }
} else {
  const shared = buffer();
  const surfaces: Proxy[] = [];
  // A roundtrip every 256 keeps what is unsent bounded.
  for (let i = 0; i < n; i++) {
    surfaces.push(toplevel());
    if (i % 256 === 255) await client.roundtrip();
  }
  await client.roundtrip();
  for (const [i, surface] of surfaces.entries()) {
    show(surface, shared);
    if (i % 256 === 255) await client.roundtrip();
  }
}
await client.roundtrip();
console.log(n);
client.close();
