// Wayland connection: framing, fd queues and ordering, limits, leaks.
// First: the test build of the addon, before anything from src/ loads one.
import { nativeSocket } from '../support/native-testing.js';
import assert from 'node:assert/strict';
import { fstatSync, openSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import {
  Connection,
  DEFAULT_MAX_OUTGOING_BYTES,
  MAX_MESSAGE_SIZE,
  type ConnectionHandlers,
  type ConnectionOptions,
  type ConnectionError,
} from '../../src/wire/connection.js';
import { activePolls, closeFd, connectWayland, dupFd, listenWayland, socketPair, type UnixStream } from '../../src/wire/socket.js';
import { privateDirs, sleep, waitFor } from '../support/common.js';

const dirs = privateDirs('nsb-conn-');
const privateDir = dirs.make;
after(dirs.removeAll);

function fdCount(): number {
  return readdirSync('/proc/self/fd').length;
}


/** A message: header (id, (size << 16) | opcode, LE) + body, zero-padded to 4 bytes. */
function message(objectId: number, opcode: number, body: Uint8Array | number[] = []): Uint8Array {
  const b = body instanceof Uint8Array ? body : Uint8Array.from(body);
  const size = 8 + ((b.length + 3) & ~3);
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  v.setUint32(0, objectId, true);
  v.setUint32(4, ((size << 16) | opcode) >>> 0, true);
  out.set(b, 8);
  return out;
}

function rawHeader(objectId: number, opcode: number, size: number): Uint8Array {
  const out = new Uint8Array(8);
  const v = new DataView(out.buffer);
  v.setUint32(0, objectId, true);
  v.setUint32(4, ((size << 16) | opcode) >>> 0, true);
  return out;
}

interface Received {
  objectId: number;
  opcode: number;
  body: Uint8Array;
}

function collector(extra: Partial<ConnectionHandlers> = {}) {
  const messages: Received[] = [];
  const errors: ConnectionError[] = [];
  let hangups = 0;
  const handlers: ConnectionHandlers = {
    onMessage: (objectId, opcode, body) => messages.push({ objectId, opcode, body: body.slice() }),
    onError: (e) => errors.push(e),
    onHangup: () => hangups++,
    ...extra,
  };
  return { messages, errors, handlers, hangups: () => hangups };
}

function serve(stream: UnixStream, handlers: ConnectionHandlers, options?: ConnectionOptions): Connection {
  const c = new Connection(stream, handlers, options);
  c.start();
  return c;
}

function tempFiles(n: number): number[] {
  const dir = privateDir();
  return Array.from({ length: n }, (_, i) => {
    const p = join(dir, `f${i}`);
    writeFileSync(p, `${i}`);
    return openSync(p, 'r');
  });
}

test('framing survives 1-byte reads; sizes 8 ... 4096; messages come out whole and in order', async () => {
  const [a, b] = socketPair();
  const { messages, errors, handlers } = collector();
  const conn = serve(b, handlers);
  const sent: Received[] = [];
  let stream: number[] = [];
  for (let i = 0; i < 40; i++) {
    const len = i === 39 ? MAX_MESSAGE_SIZE - 8 : (i * 12) % 200; // multiples of 4
    const body = Uint8Array.from({ length: len }, (_, k) => (i * 31 + k) & 0xff);
    const m = message(1000 + i, i % 7, body);
    sent.push({ objectId: 1000 + i, opcode: i % 7, body });
    stream = stream.concat(Array.from(m));
  }
  // The first 400 bytes one at a time with a loop turn in between (each is its own read)...
  for (let i = 0; i < 400; i++) {
    assert.equal(a.write(Uint8Array.of(stream[i] as number)), 1);
    await tick();
  }
  // ... then the rest in odd-sized chunks.
  for (let i = 400; i < stream.length; i += 333) a.write(Uint8Array.from(stream.slice(i, i + 333)));
  await waitFor(() => messages.length === sent.length, 'all messages', 5000, 1);
  assert.deepEqual(errors, []);
  assert.deepEqual(messages, sent);
  conn.close();
  a.close();
});

test('fds: queued in order, a message never arrives before its fds, at most 28 per sendmsg', async () => {
  const files = tempFiles(5);
  const inodes = files.map((fd) => fstatSync(fd).ino);
  const [a, b] = socketPair();
  const problems: string[] = [];
  const got: number[][] = [];
  let client: Connection | null = null;
  const before = fdCount();
  const received = collector({
    onMessage: (_id, opcode, body) => {
      // body: [count, file index of each fd...]
      const count = body[0] as number;
      const c = client as Connection;
      if (c.queuedFds < count) problems.push(`message ${opcode}: ${c.queuedFds} fds queued, needs ${count}`);
      const inos: number[] = [];
      for (let k = 0; k < count; k++) {
        const fd = c.fds.shift();
        if (fd === undefined) break;
        inos.push(fstatSync(fd).ino === inodes[body[1 + k] as number] ? 1 : 0);
        closeFd(fd);
      }
      got.push(inos);
    },
  });
  client = serve(a, received.handlers);
  const server = serve(b, collector().handlers);
  // 12 messages with 0..28 fds each: 180 fds in all, so sendmsg batches must be cut.
  const counts = [28, 0, 27, 3, 28, 28, 1, 0, 15, 20, 2, 28];
  counts.forEach((count, i) => {
    const which = Array.from({ length: count }, (_, k) => (i + k) % files.length);
    const fds = which.map((w) => dupFd(files[w] as number));
    assert.equal(server.write(message(7, i, [count, ...which]), fds), true);
  });
  assert.equal(server.pendingOutputFds, counts.reduce((x, y) => x + y, 0));
  await waitFor(() => got.length === counts.length, 'all messages with fds', 5000, 1).catch((e) => {
    throw new Error(`${(e as Error).message}: got ${JSON.stringify(got)}, problems ${problems.join('; ')}, errors ${received.errors.map(String).join('; ')}, pending ${server.pendingOutputBytes}/${server.pendingOutputFds}`);
  });
  assert.deepEqual(problems, []);
  assert.deepEqual(
    got,
    counts.map((n) => Array(n).fill(1)),
    'every fd refers to its file',
  );
  assert.equal(server.pendingOutputFds, 0);
  assert.equal(server.pendingOutputBytes, 0);
  assert.equal(fdCount(), before, 'sent fds were closed by the sender once sent, received ones by the test');
  assert.equal(client.fds.length, 0);
  client.close();
  server.close();
  files.forEach(closeFd);
});

test('a message with more than 28 fds is rejected and its fds closed', () => {
  const [a, b] = socketPair();
  const conn = new Connection(b, collector().handlers);
  const file = tempFiles(1)[0] as number;
  const before = fdCount();
  const fds = Array.from({ length: 29 }, () => dupFd(file));
  assert.throws(() => conn.write(message(1, 0), fds), { code: 'ERR_NOSIGBUS_SOCKET_TOO_MANY_FDS' });
  assert.equal(fdCount(), before);
  const one = [dupFd(file)];
  assert.throws(() => conn.write(new Uint8Array(0), one), { code: 'ERR_NOSIGBUS_BAD_ARGUMENT' });
  assert.equal(fdCount(), before);
  conn.close();
  assert.throws(() => conn.write(message(1, 0), [dupFd(file)]), { code: 'ERR_NOSIGBUS_CLOSED' });
  assert.equal(fdCount(), before - 1, 'b was closed, and the fd passed to a closed connection too');
  a.close();
  closeFd(file);
});

for (const [size, why] of [
  [4, 'smaller than the header'],
  [4100, 'larger than 4096'],
  [10, 'not a multiple of 4'],
  [0, 'zero'],
] as const) {
  test(`a header with size ${size} (${why}) is a fatal 'bad size' error`, async () => {
    const [a, b] = socketPair();
    const { messages, errors, handlers } = collector();
    const conn = serve(b, handlers);
    a.write(message(1, 1, [1, 2, 3, 4]));
    const bad = new Uint8Array(16);
    bad.set(rawHeader(5, 3, size));
    a.write(bad);
    a.write(message(2, 2)); // never dispatched
    await waitFor(() => errors.length > 0, 'the error', 5000, 1);
    await sleep(5);
    assert.equal(messages.length, 1);
    assert.equal(errors.length, 1);
    const e = errors[0] as ConnectionError;
    assert.equal(e.code, 'ERR_NOSIGBUS_WIRE_BAD_SIZE');
    assert.match(e.message, /bad size/);
    assert.equal(e.size, size);
    assert.equal(e.objectId, 5);
    assert.equal(e.opcode, 3);
    assert.equal(conn.error, e);
    // Output still works after an input error (e.g. to post wl_display.error).
    assert.equal(conn.write(message(1, 0, [9, 9, 9, 9])), true);
    assert.equal(conn.flush(), true);
    const r = a.read(new Uint8Array(64));
    assert.ok(typeof r === 'object' && r.bytes === 12);
    conn.close();
    a.close();
  });
}

test('a peer that stops reading gets a fatal "peer not reading" error at 4 MiB, not a growing buffer', async () => {
  const [a, b] = socketPair();
  const { errors, handlers } = collector();
  const conn = serve(b, handlers);
  const file = tempFiles(1)[0] as number;
  const before = fdCount();
  const m = message(3, 1, new Uint8Array(MAX_MESSAGE_SIZE - 8));
  let written = 0;
  let accepted = true;
  while (accepted && written < 2 * DEFAULT_MAX_OUTGOING_BYTES) {
    accepted = conn.write(m, written % 100 === 0 ? [dupFd(file)] : []);
    if (accepted) written++;
  }
  assert.equal(accepted, false, 'the write over the limit was refused');
  assert.ok(conn.pendingOutputBytes <= DEFAULT_MAX_OUTGOING_BYTES);
  assert.ok(conn.pendingOutputBytes + m.length > DEFAULT_MAX_OUTGOING_BYTES);
  await tick();
  assert.equal(errors.length, 1);
  assert.equal(errors[0]?.code, 'ERR_NOSIGBUS_WIRE_PEER_NOT_READING');
  assert.equal(conn.write(m, [dupFd(file)]), false, 'later writes are dropped (their fds closed)');
  conn.close();
  assert.equal(fdCount(), before - 1, 'every fd queued or refused was closed, and the socket');
  a.close();
  closeFd(file);
});

test('smaller custom limits: outgoing bytes and queued incoming fds', async () => {
  {
    const [a, b] = socketPair();
    const { errors, handlers } = collector();
    const conn = serve(b, handlers, { maxOutgoingBytes: 300_000 });
    const m = message(3, 1, new Uint8Array(1000));
    let n = 0;
    while (conn.write(m) && n < 10_000) n++;
    await tick();
    assert.equal(errors[0]?.code, 'ERR_NOSIGBUS_WIRE_PEER_NOT_READING');
    conn.close();
    a.close();
  }
  {
    const [a, b] = socketPair();
    const { messages, errors, handlers } = collector();
    const conn = serve(b, handlers, { maxQueuedFds: 10 });
    const file = tempFiles(1)[0] as number;
    const before = fdCount();
    for (let i = 0; i < 3; i++) a.write(message(1, i), [file, file, file, file, file]);
    await waitFor(() => errors.length > 0, 'the error', 5000, 1);
    assert.equal(errors[0]?.code, 'ERR_NOSIGBUS_WIRE_TOO_MANY_FDS');
    assert.ok(messages.length <= 2);
    assert.ok(conn.queuedFds > 10);
    conn.close();
    assert.equal(fdCount(), before - 1, 'queued incoming fds closed with the connection');
    a.close();
    closeFd(file);
  }
});

test('MSG_CTRUNC through a connection: fatal error, no fd kept', async () => {
  const [a, b] = socketPair();
  const { errors, handlers } = collector();
  const conn = serve(b, handlers);
  const file = tempFiles(1)[0] as number;
  const before = fdCount();
  nativeSocket.testing.sendRawFds(a.fd, file, 250);
  await waitFor(() => errors.length > 0, 'the error', 5000, 1);
  assert.equal(errors[0]?.code, 'ERR_NOSIGBUS_SOCKET_FDS_TRUNCATED');
  assert.equal(conn.queuedFds, 0);
  assert.equal(fdCount(), before);
  conn.close();
  a.close();
  closeFd(file);
});

test('hang-up: messages sent before EOF are dispatched, then onHangup; writes after are dropped', async () => {
  const [a, b] = socketPair();
  const c = collector();
  const conn = serve(b, c.handlers);
  a.write(message(1, 1));
  a.write(message(1, 2));
  a.close();
  await waitFor(() => c.hangups() === 1, 'hang-up', 5000, 1);
  assert.deepEqual(
    c.messages.map((m) => m.opcode),
    [1, 2],
  );
  assert.equal(conn.hungUp, true);
  assert.equal(conn.write(message(1, 3)), false);
  assert.deepEqual(c.errors, []);
  conn.close();
  conn.close();
  assert.equal(conn.closed, true);
});

test('pauseInput / resumeInput hold dispatch; a handler may close the connection mid-batch', async () => {
  const [a, b] = socketPair();
  const seen: number[] = [];
  let conn: Connection | null = null;
  conn = serve(b, {
    onMessage: (_id, opcode) => {
      seen.push(opcode);
      if (opcode === 2) conn?.pauseInput();
      if (opcode === 5) conn?.close();
    },
    onError: (e) => assert.fail(e),
  });
  const all = new Uint8Array([1, 2, 3, 4, 5, 6].flatMap((op) => Array.from(message(9, op))));
  a.write(all);
  await waitFor(() => seen.length === 2, 'two messages', 5000, 1);
  await sleep(10);
  assert.deepEqual(seen, [1, 2]);
  conn.resumeInput();
  assert.deepEqual(seen, [1, 2, 3, 4, 5], 'buffered messages dispatched at once; none after close');
  assert.equal(conn.closed, true);
  a.close();
});

test('1,000 connect/disconnect cycles with fds in flight: fd count and poll handles back to the start', async () => {
  const dir = privateDir();
  const file = tempFiles(1)[0] as number;
  const l = listenWayland({ name: 'wayland-leak', runtimeDir: dir });
  const baseFds = fdCount();
  const basePolls = activePolls();
  let serverDone: (() => void) | null = null;
  let serverFailures = 0;
  l.onConnection((stream) => {
    let sc: Connection | null = null;
    const finish = () => {
      sc?.close();
      const d = serverDone;
      serverDone = null;
      d?.();
    };
    sc = serve(stream, {
      onMessage: (_id, opcode) => {
        // Answer with fds of our own the client may never read, keep the
        // received fds queued (close() must release them), and hang up.
        sc?.write(message(1, 0, [1, 2, 3, 4]), [dupFd(file), dupFd(file)]);
        if (opcode === 1) sc?.flush();
        finish();
      },
      onError: () => {
        serverFailures++;
        finish();
      },
      onHangup: finish,
    });
  });
  for (let i = 0; i < 1000; i++) {
    const done = new Promise<void>((resolve) => (serverDone = resolve));
    const c = serve(connectWayland(l.path), collector().handlers);
    c.write(message(2, i % 2, [0, 0, 0, 0]), [dupFd(file), dupFd(file), dupFd(file)]);
    switch (i % 3) {
      case 0: // close before anything was flushed: the fds die in the outgoing queue
        c.close();
        break;
      case 1: // flushed, then closed: the fds are in flight in the kernel
        c.flush();
        c.close();
        break;
      default: // stay until the server hangs up, with its fds unread
        break;
    }
    await done;
    c.close();
  }
  l.close();
  await sleep(5);
  assert.equal(serverFailures, 0);
  assert.equal(fdCount(), baseFds - 2, 'every fd released (the listener’s two as well)');
  assert.equal(activePolls(), basePolls - 1, 'every poll handle freed (the listener’s as well)');
  closeFd(file);
});
