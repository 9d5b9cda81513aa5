// The server core against our own client and raw, malformed input.
// First: the test build of the addon, before anything from src/ loads one.
import { nativeSocket } from '../support/native-testing.js';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { wl_compositor, wl_output, wl_seat, wl_shm } from '../../src/protocol/wayland.js';
import { Display } from '../../src/server/index.js';
import { DisplayError } from '../../src/wire/codec.js';
import { memfd } from '../../src/shm/index.js';
import { closeFd } from '../../src/wire/socket.js';
import { concat, connectPair, disconnected, message, stubDisplay, wireString, words } from '../support/server.js';

test('registry lists the globals with their versions; bind and roundtrip work', async () => {
  const display = stubDisplay();
  const { client } = connectPair(display);
  const globals = await client.registry();
  assert.deepEqual(
    [...globals.values()].map((g) => `${g.interface} v${g.version}`),
    ['wl_compositor v5', 'wl_shm v1', 'wl_seat v7', 'wl_output v4', 'xdg_wm_base v5'],
  );
  const formats: number[] = [];
  client.bind(wl_shm, 1).on('format', (f) => formats.push(f as number));
  let name = '';
  client.bind(wl_seat, 5).on('name', (n) => (name = n as string)).on('capabilities', () => {});
  await client.roundtrip();
  assert.deepEqual(formats, [0, 1]);
  assert.equal(name, 'seat0');
  client.close();
  display.destroy();
});

test('binding a version higher than advertised is invalid_object, with libwayland\'s message', async () => {
  const display = stubDisplay();
  const { client } = connectPair(display);
  await client.registry();
  client.bind(wl_compositor, 6);
  await assert.rejects(client.roundtrip(), { code: 'ERR_NOSIGBUS_PROTOCOL_ERROR', errorCode: DisplayError.invalid_object });
  assert.match(client.error!.message, /invalid version for global wl_compositor \(1\): have 5, wanted 6/);
  display.destroy();
});

test('binding an unknown global or the wrong interface is invalid_object', async () => {
  const display = stubDisplay();
  for (const [name, iface] of [[99, 'wl_compositor'], [1, 'wl_shm']] as const) {
    const { client } = connectPair(display);
    await client.registry();
    // registry is object 2: bind(name, interface, version, new id 3)
    client.sendRaw(message(2, 0, concat(words(name), wireString(iface), words(1, 3))));
    await assert.rejects(client.roundtrip(), { errorCode: DisplayError.invalid_object });
    assert.match(client.error!.message, name === 99 ? /invalid global wl_compositor \(99\)/ : /invalid interface for global 1: have wl_shm, wanted wl_compositor/);
  }
  display.destroy();
});

// Each malformed message: the error code the client receives, then a disconnect,
// while a second client connected at the same time keeps working.
const MALFORMED: [string, () => { bytes: Uint8Array; fds?: number[] }, number, RegExp][] = [
  ['bad size (4)', () => ({ bytes: message(1, 0, words(2), 4) }), DisplayError.invalid_method, /size/],
  ['bad size (not a multiple of 4)', () => ({ bytes: message(1, 0, words(2), 10) }), DisplayError.invalid_method, /size/],
  ['unknown object', () => ({ bytes: message(999, 0) }), DisplayError.invalid_object, /invalid object 999/],
  ['unknown opcode', () => ({ bytes: message(1, 7) }), DisplayError.invalid_method, /invalid method 7/],
  ['new_id 0', () => ({ bytes: message(1, 1, words(0)) }), DisplayError.invalid_method, /invalid arguments for wl_display@1.get_registry/],
  ['new_id in the server range', () => ({ bytes: message(1, 1, words(0xff000005)) }), DisplayError.invalid_method, /get_registry/],
  ['new_id in use', () => ({ bytes: message(1, 1, words(1)) }), DisplayError.invalid_method, /get_registry/],
  ['body too short', () => ({ bytes: message(1, 0) }), DisplayError.invalid_method, /wl_display@1.sync/],
  ['trailing bytes', () => ({ bytes: message(1, 0, words(2, 0)) }), DisplayError.invalid_method, /wl_display@1.sync/],
];

for (const [what, make, code, pattern] of MALFORMED) {
  test(`malformed input: ${what} → wl_display.error ${code} and a disconnect; others keep working`, async () => {
    const display = stubDisplay();
    const bystander = connectPair(display).client;
    await bystander.registry();
    const { client } = connectPair(display);
    const { bytes, fds = [] } = make();
    client.sendRaw(bytes, fds);
    await disconnected(client);
    assert.equal(client.error?.code === 'ERR_NOSIGBUS_DISCONNECTED' ? 'hung up before the error' : client.error?.errorCode, code,
      `error received: ${client.error?.message}`);
    assert.match(client.error!.message, pattern);
    await bystander.roundtrip();
    assert.equal(display.clients.size, 1);
    bystander.close();
    display.destroy();
  });
}

test('a string without its NUL is invalid_method', async () => {
  const display = stubDisplay();
  const { client } = connectPair(display);
  await client.registry(); // wl_registry@2
  client.sendRaw(message(2, 0, concat(words(1), wireString('wl_compositor', false), words(1, 3))));
  await assert.rejects(client.roundtrip(), { errorCode: DisplayError.invalid_method });
  assert.match(client.error!.message, /invalid arguments for wl_registry@2.bind/);
  display.destroy();
});

test('missing fd: wl_shm.create_pool without an fd is invalid_method', async () => {
  const display = stubDisplay();
  const { client } = connectPair(display);
  await client.registry();
  client.bind(wl_shm, 1);
  await client.roundtrip();
  // wl_shm@3.create_pool(new id 4, fd, size 4096) with no fd attached
  client.sendRaw(message(3, 0, words(4, 4096)));
  await assert.rejects(client.roundtrip(), { errorCode: DisplayError.invalid_method });
  assert.match(client.error!.message, /invalid arguments for wl_shm@3.create_pool/);
  display.destroy();
});

test('fds in flight are taken by the handler or closed: the server holds none afterwards', async () => {
  const display = stubDisplay();
  const { client, server } = connectPair(display);
  await client.registry();
  const shm = client.bind(wl_shm, 1);
  const fd = memfd('pool', 4096);
  for (let i = 0; i < 20; i++) shm.request('create_pool', null, fd, 4096);
  // fds attached to a request that takes none (wl_region.add) queue up, then go at disconnect
  const region = client.bind(wl_compositor, 5).request('create_region', null)!;
  client.sendRaw(message(region.id, 1, words(0, 0, 1, 1)), [fd, fd, fd]);
  await client.roundtrip();
  assert.equal(server.connection.queuedFds, 3);
  client.close();
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(server.destroyed, true);
  assert.equal(server.connection.queuedFds, 0);
  closeFd(fd);
  display.destroy();
});

test('a handler that throws: that client gets implementation error, others go on', async () => {
  const display = stubDisplay();
  display.createGlobal(wl_compositor, 1, (r) => r.implement({ create_surface: () => { throw new Error('boom'); } }));
  const bystander = connectPair(display).client;
  await bystander.registry();
  const { client } = connectPair(display);
  const globals = await client.registry();
  const broken = [...globals.values()].filter((g) => g.interface === 'wl_compositor')[1]!;
  client.bind(wl_compositor, 1, broken.name).request('create_surface', null);
  await assert.rejects(client.roundtrip(), { errorCode: DisplayError.implementation });
  assert.match(client.error!.message, /internal error: boom/);
  await bystander.roundtrip();
  display.destroy();
});

test('the object limit: more objects than allowed is no_memory', async () => {
  const display = stubDisplay({ limits: { maxObjects: 50 } });
  const { client } = connectPair(display);
  await client.registry();
  const compositor = client.bind(wl_compositor, 5);
  for (let i = 0; i < 60; i++) compositor.request('create_region', null);
  await assert.rejects(client.roundtrip(), { errorCode: DisplayError.no_memory });
  display.destroy();
});

test('a version-gated request on an older object is invalid_method', async () => {
  const display = stubDisplay();
  const { client } = connectPair(display);
  await client.registry();
  const seat = client.bind(wl_seat, 4); // release is since 5
  seat.on('capabilities', () => {}).on('name', () => {});
  seat.request('release');
  await assert.rejects(client.roundtrip(), { errorCode: DisplayError.invalid_method });
  assert.match(client.error!.message, /invalid method 3/);
  display.destroy();
});

test('new ids must come in order, as libwayland requires: a gap is invalid_method', async () => {
  const display = stubDisplay();
  const { client } = connectPair(display);
  await client.registry(); // ids 2 (registry), 3 (callback, freed)
  client.sendRaw(message(1, 0, words(1000)));
  await assert.rejects(client.roundtrip(), { errorCode: DisplayError.invalid_method });
  assert.match(client.error!.message, /^wl_display@1: error 1: invalid arguments for wl_display@1\.sync/);
  display.destroy();
});

test('a global removed but not destroyed stays bindable (the client may not have read global_remove)', async () => {
  const display = stubDisplay();
  const { client } = connectPair(display);
  await client.registry();
  const output = [...display.globals.values()].find((g) => g.iface.name === 'wl_output')!;
  display.removeGlobal(output);
  client.bind(wl_output, 4, output.name);
  await client.roundtrip();
  assert.equal(client.globals.has(output.name), false, 'global_remove arrived');
  const late = connectPair(display).client;
  assert.equal([...(await late.registry()).values()].some((g) => g.interface === 'wl_output'), false, 'not advertised any more');
  display.destroyGlobal(output);
  assert.equal(display.globals.has(output.name), false);
  display.destroy();
});

test('an over-long error message is cut to libwayland\'s 127 bytes; the server survives', async () => {
  const display = stubDisplay();
  display.createGlobal(wl_compositor, 1, (r) => r.implement({ create_surface: () => { throw new Error('x'.repeat(5000)); } }));
  const bystander = connectPair(display).client;
  await bystander.registry();
  const { client } = connectPair(display);
  const globals = await client.registry();
  const broken = [...globals.values()].filter((g) => g.interface === 'wl_compositor')[1]!;
  client.bind(wl_compositor, 1, broken.name).request('create_surface', null);
  await assert.rejects(client.roundtrip(), { errorCode: DisplayError.implementation });
  const text = client.error!.message.replace(/^wl_display@1: error 3: /, '');
  assert.equal(Buffer.byteLength(text), 127);
  await bystander.roundtrip();
  display.destroy();
});

test('a handler that throws after an fd arrived: the fd is closed all the same', async () => {
  const { openFds } = await import('../support/files.js');
  const display = new Display({ onInternalError: () => {} });
  display.createGlobal(wl_shm, 1, (r) => r.implement({ create_pool: () => { throw new Error('no pools today'); } }));
  const fd = memfd('pool', 4096);
  const before = openFds();
  for (let i = 0; i < 20; i++) {
    const { client } = connectPair(display);
    await client.registry();
    client.bind(wl_shm, 1).request('create_pool', null, fd, 4096);
    await assert.rejects(client.roundtrip(), { errorCode: DisplayError.implementation });
    client.close();
  }
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(openFds(), before);
  closeFd(fd);
  display.destroy();
});

test('rejecting a client from onClient (destroying it) does not disturb the server', async () => {
  const display = stubDisplay();
  let seen = 0;
  display.onClient((c) => {
    if (seen++ === 0) c.destroy();
  });
  display.onClient(() => {
    throw new Error('a listener that throws');
  });
  const rejected = connectPair(display);
  assert.equal(rejected.server.destroyed, true);
  const { client } = connectPair(display);
  await client.registry();
  display.destroy();
});

test('delete_id follows destruction of client objects; ids are reused', async () => {
  const display = stubDisplay();
  const { client, server } = connectPair(display);
  await client.registry();
  const before = server.objectCount;
  for (let i = 0; i < 100; i++) await client.roundtrip();
  assert.equal(server.objectCount, before, 'callbacks are destroyed after done');
  client.close();
  display.destroy();
});

test('a client that stops reading is disconnected once its unsent output passes the limit', async () => {
  const { socketPair } = await import('../../src/wire/socket.js');
  const display = stubDisplay({ limits: { connection: { maxOutgoingBytes: 64 * 1024 } } });
  const bystander = connectPair(display).client;
  await bystander.registry();
  const [serverEnd, clientEnd] = socketPair();
  const server = display.addClient(serverEnd);
  // wl_display.sync with ever new ids; every one is answered by done + delete_id (24 bytes)
  const chunk = new Uint8Array(12 * 256);
  let id = 2;
  let writes = 0;
  for (let round = 0; round < 2000 && !server.destroyed; round++) {
    const v = new DataView(chunk.buffer);
    for (let k = 0; k < 256; k++) {
      v.setUint32(k * 12, 1, true);
      v.setUint32(k * 12 + 4, (12 << 16) | 0, true);
      v.setUint32(k * 12 + 8, id++, true);
    }
    try {
      if (clientEnd.write(chunk) === 0) await new Promise((r) => setTimeout(r, 1));
    } catch {
      break; // the server hung up on us
    }
    writes++;
    await new Promise((r) => setImmediate(r));
  }
  assert.equal(server.destroyed, true, `disconnected after ${writes} writes`);
  assert.ok(server.connection.pendingOutputBytes === 0);
  await bystander.roundtrip();
  clientEnd.close();
  display.destroy();
});

test('too many fds in one sendmsg (MSG_CTRUNC): invalid_method, every fd closed, others keep working', async () => {
  const { socketPair } = await import('../../src/wire/socket.js');
  const { WaylandClient } = await import('../../src/client/index.js');
  const { openFds } = await import('../support/files.js');
  const display = stubDisplay();
  const bystander = connectPair(display).client;
  await bystander.registry();
  const fd = memfd('flood', 4096);
  const before = openFds();
  const [serverEnd, clientEnd] = socketPair();
  const server = display.addClient(serverEnd);
  nativeSocket.testing.sendRawFds(clientEnd.fd, fd, 200);
  const client = new WaylandClient(clientEnd);
  await disconnected(client);
  assert.equal(client.error?.errorCode, DisplayError.invalid_method, client.error?.message);
  assert.equal(server.destroyed, true);
  await bystander.roundtrip();
  client.close();
  assert.equal(openFds(), before, 'the 200 fds sent were all closed');
  closeFd(fd);
  display.destroy();
});

test('unused fds piling up past the limit: no_memory', async () => {
  const display = stubDisplay({ limits: { connection: { maxQueuedFds: 64 } } });
  const { client } = connectPair(display);
  await client.registry();
  const compositor = client.bind(wl_compositor, 5);
  const fd = memfd('pile', 4096);
  for (let i = 0; i < 10; i++) client.sendRaw(message(compositor.id, 1, words(compositor.id + 1 + i)), Array.from({ length: 10 }, () => fd));
  await assert.rejects(client.roundtrip(), { errorCode: DisplayError.no_memory });
  closeFd(fd);
  display.destroy();
});

test('a truncated message, then the client goes away: disconnected, nothing held, others keep working', async () => {
  const { socketPair } = await import('../../src/wire/socket.js');
  const { openFds } = await import('../support/files.js');
  const display = stubDisplay();
  const bystander = connectPair(display).client;
  await bystander.registry();
  const fd = memfd('partial', 4096);
  const before = openFds();
  const [serverEnd, clientEnd] = socketPair();
  const server = display.addClient(serverEnd);
  const whole = message(1, 1, words(2));
  clientEnd.write(whole.subarray(0, 10), [fd, fd]); // header says 12 bytes; 10 arrive, with 2 fds
  clientEnd.close();
  for (let i = 0; i < 200 && !server.destroyed; i++) await new Promise((r) => setTimeout(r, 5));
  assert.equal(server.destroyed, true);
  assert.equal(openFds(), before, 'both ends and the fds that came with the partial message are closed');
  await bystander.roundtrip();
  closeFd(fd);
  display.destroy();
});
