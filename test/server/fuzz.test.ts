// Fuzzing the server with mutated messages (fixed seed): no crash, no
// exception inside the server, no fd leak, memory bounded.
import assert from 'node:assert/strict';
import { closeSync } from 'node:fs';
import { test } from 'node:test';
import { memfd } from '../../src/shm/index.js';
import { socketPair } from '../../src/wire/socket.js';
import { openFds } from '../support/files.js';
import { concat, message, stubDisplay, wireString, words } from '../support/server.js';
import { privateDir } from '../support/common.js';

const SEED = 0x5eed1234;
const CONNECTIONS = 2000;
const MESSAGES_PER_CONNECTION = 50; // 100,000 mutated messages in all

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Object ids after the preamble: registry 2, wl_compositor 3, wl_shm 4, wl_seat 5.
const PREAMBLE = concat(
  message(1, 1, words(2)),
  message(2, 0, concat(words(1), wireString('wl_compositor'), words(5, 3))),
  message(2, 0, concat(words(2), wireString('wl_shm'), words(1, 4))),
  message(2, 0, concat(words(3), wireString('wl_seat'), words(7, 5))),
);

/** Valid-looking messages for the fuzzer to start from: [bytes, fds]. */
function templates(nextId: () => number): [Uint8Array, number][] {
  const surface = 6;
  return [
    [message(1, 0, words(nextId())), 0], // wl_display.sync
    [message(3, 0, words(nextId())), 0], // create_surface
    [message(3, 1, words(nextId())), 0], // create_region
    [message(surface, 1, words(0, 0, 0)), 0], // attach(null, 0, 0)
    [message(surface, 2, words(0, 0, 64, 64)), 0], // damage
    [message(surface, 3, words(nextId())), 0], // frame
    [message(surface, 6), 0], // commit
    [message(4, 0, words(nextId(), 4096)), 1], // wl_shm.create_pool(fd)
    [message(5, 0, words(nextId())), 0], // get_pointer
    [message(2, 0, concat(words(1), wireString('wl_compositor'), words(5, nextId()))), 0],
    [message(1, 1, words(nextId())), 0], // get_registry
  ];
}

function mutate(rand: () => number, bytes: Uint8Array): Uint8Array {
  const b = Uint8Array.from(bytes);
  const v = new DataView(b.buffer);
  switch (Math.floor(rand() * 8)) {
    case 0: // flip a bit
      b[Math.floor(rand() * b.length)]! ^= 1 << Math.floor(rand() * 8);
      return b;
    case 1: // random byte
      b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256);
      return b;
    case 2: // lie about the size
      v.setUint16(6, Math.floor(rand() * 0x10000), true);
      return b;
    case 3: // another opcode
      v.setUint16(4, Math.floor(rand() * 12), true);
      return b;
    case 4: // another object
      v.setUint32(0, Math.floor(rand() * 12), true);
      return b;
    case 5: // truncate
      return b.subarray(0, Math.floor(rand() * b.length));
    case 6: // trailing garbage
      return concat(b, Uint8Array.from({ length: 1 + Math.floor(rand() * 12) }, () => Math.floor(rand() * 256)));
    default: // unchanged (a valid message keeps the connection going)
      return b;
  }
}

test(`fuzz: ${CONNECTIONS * MESSAGES_PER_CONNECTION} mutated messages over ${CONNECTIONS} connections`, async () => {
  const internalErrors: unknown[] = [];
  const display = stubDisplay({ onInternalError: (e) => internalErrors.push(e) });
  const fd = memfd('fuzz-pool', 4096);
  const fdsBefore = openFds();
  const rand = mulberry32(SEED);
  const rssBefore = process.memoryUsage().rss;
  let sent = 0;
  for (let c = 0; c < CONNECTIONS; c += 50) {
    const batch = [];
    for (let k = 0; k < 50; k++) {
      const [serverEnd, clientEnd] = socketPair();
      display.addClient(serverEnd);
      let id = 6;
      const list = templates(() => id++);
      clientEnd.write(concat(PREAMBLE, message(3, 0, words(id++))));
      for (let m = 0; m < MESSAGES_PER_CONNECTION; m++) {
        const [bytes, nfds] = list[Math.floor(rand() * list.length)]!;
        const mutated = mutate(rand, bytes);
        const extraFds = rand() < 0.05 ? Math.floor(rand() * 4) : 0; // sometimes fds nobody asked for
        const fds = Array.from({ length: nfds + extraFds }, () => fd);
        if (mutated.length === 0) continue;
        if (clientEnd.write(mutated, fds) < mutated.length) break; // socket full: enough for this one
        sent++;
      }
      batch.push(clientEnd);
    }
    await new Promise((r) => setTimeout(r, 5));
    for (const end of batch) end.close();
    await new Promise((r) => setImmediate(r));
  }
  for (let i = 0; i < 500 && display.clients.size > 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(sent >= 95_000, `sent ${sent} mutated messages`);
  assert.equal(display.clients.size, 0, 'every connection is gone');
  assert.deepEqual(internalErrors, [], 'no exception escaped into the server');
  assert.equal(openFds(), fdsBefore, 'no fd leaked');
  const growth = process.memoryUsage().rss - rssBefore;
  assert.ok(growth < 200 * 1024 * 1024, `RSS grew by ${growth} bytes`);
  closeSync(fd);
  display.destroy();
});

test('1,000 connect/disconnect cycles over a real socket with fds in flight: fd count back to start', async () => {
  const { rmSync } = await import('node:fs');
  const { connectWayland } = await import('../../src/wire/socket.js');
  const dir = privateDir('nosigbus-xdg-');
  const display = stubDisplay();
  const socket = display.addSocket({ runtimeDir: dir });
  const fd = memfd('cycle-pool', 4096);
  const fdsBefore = openFds();
  for (let i = 0; i < 1000; i++) {
    const stream = connectWayland(socket.name, dir);
    // wl_shm.create_pool's fd plus three unasked-for fds, then hang up at once
    stream.write(concat(PREAMBLE, message(4, 0, words(6, 4096))), [fd]);
    stream.write(message(1, 0, words(7)), [fd, fd, fd]);
    stream.close();
    if (i % 50 === 49) await new Promise((r) => setTimeout(r, 5));
  }
  for (let i = 0; i < 500 && display.clients.size > 0; i++) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(display.clients.size, 0);
  assert.equal(openFds(), fdsBefore);
  closeSync(fd);
  display.destroy();
  rmSync(dir, { recursive: true });
});

test('structured fuzz: 100,000+ requests generated from the descriptors (2% corrupted), over 400 connections', async () => {
  const { interfaces } = await import('../../src/protocol/index.js');
  const { WireWriter } = await import('../../src/wire/codec.js');
  const internalErrors: unknown[] = [];
  const display = stubDisplay({ onInternalError: (e) => internalErrors.push(e) });
  const fd = memfd('fuzz-structured', 4096);
  const fdsBefore = openFds();
  const rand = mulberry32(SEED ^ 0xabcdef);
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const EDGE = [0, 1, -1, 0x7fffffff, -0x80000000, 4096, 65536];
  let generated = 0;
  for (let c = 0; c < 400; c++) {
    const [serverEnd, clientEnd] = socketPair();
    const server = display.addClient(serverEnd);
    clientEnd.write(PREAMBLE);
    const live = new Map<number, string>([[1, 'wl_display'], [2, 'wl_registry'], [3, 'wl_compositor'], [4, 'wl_shm'], [5, 'wl_seat']]);
    let nextId = 6;
    const w = new WireWriter();
    for (let m = 0; m < 500; m++) {
      const [id, ifaceName] = pick([...live.entries()]);
      const iface = interfaces.get(ifaceName)!;
      const candidates = iface.requests.map((r, op) => [r, op] as const).filter(([r]) => r.since <= 1 || ifaceName !== 'wl_seat');
      if (candidates.length === 0) continue;
      const [desc, opcode] = pick(candidates);
      const args: (number | string | Uint8Array | null)[] = [];
      const fds: number[] = [];
      const types = desc.signature.replace(/[?0-9]/g, '');
      for (let i = 0; i < types.length; i++) {
        switch (types[i]) {
          case 'i': args.push(rand() < 0.3 ? pick(EDGE) : Math.floor(rand() * 2000) - 1000); break;
          case 'u': args.push(rand() < 0.3 ? pick(EDGE) >>> 0 : Math.floor(rand() * 10)); break;
          case 'f': args.push((rand() - 0.5) * 1000); break;
          case 's': args.push(desc.types[i] === null && desc.name === 'bind' ? pick(['wl_compositor', 'wl_shm', 'wl_output', 'nope']) : 'x'.repeat(Math.floor(rand() * 40))); break;
          case 'o': {
            const want = desc.types[i];
            const ofType = [...live.entries()].filter(([, n]) => !want || n === want).map(([k]) => k);
            args.push(ofType.length && rand() < 0.9 ? pick(ofType) : 0);
            break;
          }
          case 'n': {
            const nid = nextId++;
            if (desc.types[i]) live.set(nid, desc.types[i]!);
            args.push(nid);
            break;
          }
          case 'a': args.push(new Uint8Array(Math.floor(rand() * 16))); break;
          case 'h': args.push(fd); fds.push(fd); break;
        }
      }
      w.clear();
      try {
        w.encode(id, opcode, desc, args);
      } catch {
        continue; // e.g. null for a non-nullable object: not a wire message
      }
      let bytes: Uint8Array = w.bytes.slice();
      if (rand() < 0.02) bytes = mutate(rand, bytes);
      if (desc.destructor) live.delete(id);
      if (bytes.length === 0) continue;
      let sent = 0;
      for (let tries = 0; sent === 0 && tries < 100 && !server.destroyed; tries++) {
        try {
          sent = clientEnd.write(bytes, fds);
        } catch {
          break; // the server hung up on this connection
        }
        if (sent === 0) await new Promise((r) => setTimeout(r, 1)); // let the server read
      }
      if (sent < bytes.length) break;
      generated++;
    }
    await new Promise((r) => setTimeout(r, 2));
    clientEnd.close();
    await new Promise((r) => setImmediate(r));
  }
  for (let i = 0; i < 500 && display.clients.size > 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(generated >= 100_000, `generated ${generated} requests`);
  assert.equal(display.clients.size, 0);
  assert.deepEqual(internalErrors, [], 'no exception escaped into the server');
  assert.equal(openFds(), fdsBefore, 'no fd leaked');
  closeSync(fd);
  display.destroy();
});
