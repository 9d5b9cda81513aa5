// The small client side against our server: objects the server creates,
// zombies, id reuse, and handlers that throw.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Proxy } from '../../src/client/index.js';
import { wl_data_device, wl_data_device_manager, wl_data_offer, wl_seat } from '../../src/protocol/wayland.js';
import type { Resource } from '../../src/server/index.js';
import { implement } from '../../src/server/typed.js';
import { connectPair, stubDisplay } from '../support/server.js';
import { privateDir } from '../support/common.js';

async function dataDeviceSetup() {
  const display = stubDisplay();
  let serverDevice: Resource<typeof wl_data_device> | undefined;
  display.createGlobal(wl_data_device_manager, 3, (m) =>
    implement(m, wl_data_device_manager, { get_data_device: (_m, dev) => { serverDevice = implement(dev, wl_data_device, { release: () => {} }); } }));
  const { client, server } = connectPair(display);
  await client.registry();
  const seat = client.bind(wl_seat, 7).on('name', () => {}).on('capabilities', () => {});
  const device = client.bind(wl_data_device_manager, 3).request('get_data_device', null, seat)!;
  await client.roundtrip();
  return { display, client, server, device, serverDevice: serverDevice! };
}

test('server-created objects: destroyed by the client, their ids reused by the server', async () => {
  const { display, client, server, device, serverDevice } = await dataDeviceSetup();
  const mimes: string[] = [];
  const ids = new Set<number>();
  device.on('data_offer', (o) => {
    ids.add((o as Proxy).id);
    (o as Proxy).on('offer', (m) => mimes.push(m as string));
  });
  device.on('selection', (o) => (o as Proxy | null)?.request('destroy'));
  for (let i = 0; i < 5; i++) {
    const offer = server.createServerResource(wl_data_offer, 3)!;
    serverDevice.send('data_offer', offer);
    offer.send('offer', `text/plain;${i}`);
    serverDevice.send('selection', offer);
    await client.roundtrip();
    offer.destroy();
  }
  assert.equal(client.error, null);
  assert.deepEqual(mimes, [0, 1, 2, 3, 4].map((i) => `text/plain;${i}`));
  assert.equal(ids.size, 1, 'the server reused its freed id');
  display.destroy();
});

test('events to a zombie are dropped, and so are the objects they create', async () => {
  const { display, client, server, device, serverDevice } = await dataDeviceSetup();
  device.on('data_offer', () => assert.fail('a zombie got an event'));
  device.request('release'); // a zombie until delete_id
  const offer = server.createServerResource(wl_data_offer, 3)!;
  serverDevice.send('data_offer', offer); // sent before the server saw release
  offer.send('offer', 'text/plain');
  await client.roundtrip();
  assert.equal(client.error, null);
  display.destroy();
});

test('a client event handler that throws fails that client, not the process', async () => {
  const display = stubDisplay();
  const { client } = connectPair(display);
  const registry = client.display.request('get_registry', null)!;
  registry.on('global', () => {
    throw new Error('handler bug');
  });
  await assert.rejects(client.roundtrip(), { code: 'ERR_NOSIGBUS_HANDLER_THREW' });
  display.destroy();
});

for (const how of ['WAYLAND_DISPLAY', 'WAYLAND_SOCKET'] as const) {
  test(`our client connects by ${how}`, async () => {
    const { spawn } = await import('node:child_process');
    const { rmSync } = await import('node:fs');
    const { fileURLToPath } = await import('node:url');
    const { closeFd, socketPairForChild } = await import('../../src/wire/socket.js');
    const dir = privateDir('nosigbus-xdg-');
    const display = stubDisplay();
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, XDG_RUNTIME_DIR: dir };
    const extra: number[] = [];
    if (how === 'WAYLAND_DISPLAY') env.WAYLAND_DISPLAY = display.addSocket({ runtimeDir: dir, name: 'nosigbus-test' }).name;
    else {
      const { stream, childFd } = socketPairForChild();
      display.addClient(stream);
      env.WAYLAND_SOCKET = '3';
      extra.push(childFd);
    }
    const script = fileURLToPath(new URL('../fixtures/list-globals.js', import.meta.url));
    const child = spawn(process.execPath, [script], { env, stdio: ['ignore', 'pipe', 'inherit', ...extra] });
    extra.forEach(closeFd);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise((r) => child.on('close', r));
    assert.equal(code, 0);
    assert.equal(out, 'wl_compositor 5\nwl_shm 1\nwl_seat 7\nwl_output 4\nxdg_wm_base 5\n');
    display.destroy();
    rmSync(dir, { recursive: true });
  });
}
