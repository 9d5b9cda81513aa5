// Closing, bad input, copy-out, and leaks (DESIGN.md points 5, 8, 10, 11).
import assert from 'node:assert/strict';
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { test } from 'node:test';
import { activeMappings, fileSize, map, memfd, pageSize, type SafeMapping } from '../../src/shm/index.js';
import { native } from '../../src/shm/native.js';
import { defaultPattern, makeBacking, openFds } from '../support/files.js';

const SIZE = 4 * pageSize;

test('close() detaches: JS sees length 0, not a segfault; close is idempotent', () => {
  const { fd } = makeBacking('memfd', SIZE);
  const m = map(fd, { length: SIZE });
  const view = m.bytes;
  const sub = view.subarray(10, 20);
  m.close();
  assert.equal(view.length, 0);
  assert.equal(sub.length, 0);
  assert.equal(view[0], undefined);
  assert.equal(m.bytes.length, 0);
  assert.equal(m.length, 0);
  m.close();
  assert.throws(() => m.copyTo(new Uint8Array(4)), { code: 'ERR_NOSIGBUS_CLOSED' });
  assert.throws(() => m.remap(SIZE), { code: 'ERR_NOSIGBUS_CLOSED' });
  closeSync(fd);
});

test('fds that cannot be mapped get a clear error with a code', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nosigbus-'));
  const writeOnly = openSync(join(dir, 'w'), 'w');
  const dirFd = openSync(dir, 'r');
  const { pipeFds } = await import('../support/pipe.js');
  const [readEnd, writeEnd] = pipeFds();
  const eventfd = native.testing.eventfd();
  const server = createServer().listen(0);
  await new Promise((r) => server.once('listening', r));
  const socketFd = (server as unknown as { _handle: { fd: number } })._handle.fd;
  const closed = openSync(join(dir, 'c'), 'w+');
  closeSync(closed);
  const cases: [string, number, string][] = [
    ['pipe', readEnd, 'ERR_NOSIGBUS_NOT_MAPPABLE'],
    ['socket', socketFd, 'ERR_NOSIGBUS_NOT_MAPPABLE'],
    ['directory', dirFd, 'ERR_NOSIGBUS_NOT_MAPPABLE'],
    ['eventfd', eventfd, 'ERR_NOSIGBUS_NOT_MAPPABLE'],
    ['write-only', writeOnly, 'ERR_NOSIGBUS_ACCESS'],
    ['closed', closed, 'ERR_NOSIGBUS_BAD_FD'],
    ['negative', -1, 'ERR_NOSIGBUS_BAD_FD'],
    ['fractional', 1.5, 'ERR_NOSIGBUS_BAD_FD'],
  ];
  for (const [what, fd, code] of cases) {
    assert.throws(() => map(fd, { length: SIZE }), (e: Error & { code?: string }) => {
      assert.equal(e.code, code, `${what}: ${e.message}`);
      assert.ok(e.message.length > 10);
      return true;
    }, what);
  }
  assert.throws(() => fileSize(-1), { code: 'ERR_NOSIGBUS_BAD_FD' });
  for (const fd of [writeOnly, dirFd, readEnd, writeEnd, eventfd]) closeSync(fd);
  server.close();
  rmSync(dir, { recursive: true });
  assert.equal(activeMappings(), 0);
});

test('bad offsets and lengths get a clear error with a code', () => {
  const { fd } = makeBacking('memfd', SIZE);
  const bad: [object, string][] = [
    [{ length: 0 }, 'ERR_NOSIGBUS_BAD_LENGTH'],
    [{ length: -5 }, 'ERR_NOSIGBUS_BAD_LENGTH'],
    [{ length: NaN }, 'ERR_NOSIGBUS_BAD_LENGTH'],
    [{ length: 2 ** 40 }, 'ERR_NOSIGBUS_BAD_LENGTH'],
    [{ length: '4096' }, 'ERR_NOSIGBUS_BAD_LENGTH'],
    [{ length: SIZE, offset: -1 }, 'ERR_NOSIGBUS_BAD_OFFSET'],
    [{ length: SIZE, offset: 2 ** 60 }, 'ERR_NOSIGBUS_BAD_OFFSET'],
    [{ length: SIZE, offset: 0.5 }, 'ERR_NOSIGBUS_BAD_OFFSET'],
    [{ length: SIZE, mode: 'sometimes' }, 'ERR_NOSIGBUS_BAD_ARGUMENT'],
  ];
  for (const [options, code] of bad) assert.throws(() => map(fd, options as { length: number }), { code }, JSON.stringify(options));
  // An offset past the end of the file is a lie like any other: guarded zeros.
  const far = map(fd, { length: 100, offset: 1 << 30 });
  assert.ok(far.bytes.every((b) => b === 0));
  far.close();
  closeSync(fd);
});

test('syscalls on a truncated range see EFAULT; copyTo gives zeros', () => {
  const { fd } = makeBacking('memfd', SIZE);
  const m = map(fd, { length: SIZE });
  ftruncateSync(fd, pageSize);
  const sink = memfd('sink', 0); // a file: write() really reads the buffer
  // The kernel reads the page on our behalf: no signal, EFAULT.
  assert.throws(() => writeSync(sink, m.bytes, 2 * pageSize, pageSize), { code: 'EFAULT' });
  const out = new Uint8Array(SIZE).fill(0xff);
  assert.equal(m.copyTo(out), SIZE);
  assert.equal(out[10], defaultPattern(10));
  assert.ok(out.subarray(pageSize).every((b) => b === 0));
  assert.equal(m.copyTo(out, SIZE - 10, 100, 5), 10, 'clamped to the window');
  assert.deepEqual([...m.read(pageSize - 2, 4)], [defaultPattern(pageSize - 2), defaultPattern(pageSize - 1), 0, 0]);
  // Once rescued, the pages are plain memory and syscalls read zeros.
  assert.equal(writeSync(sink, m.bytes, 2 * pageSize, pageSize), pageSize);
  closeSync(sink);
  m.close();
  closeSync(fd);
});

test('a runtime that refuses external ArrayBuffers: clear error on bytes, copyTo works', () => {
  const { fd } = makeBacking('memfd', SIZE);
  native.testing.refuseExternalBuffers(true);
  let m: SafeMapping;
  try {
    m = map(fd, { length: SIZE });
  } finally {
    native.testing.refuseExternalBuffers(false);
  }
  assert.equal(m.hasBytes, false);
  assert.throws(() => m.bytes, { code: 'ERR_NOSIGBUS_NO_EXTERNAL_BUFFERS' });
  ftruncateSync(fd, 100);
  const out = Buffer.alloc(SIZE, 0xff);
  m.copyTo(out);
  assert.equal(out[99], defaultPattern(99));
  assert.ok(out.subarray(100).every((b) => b === 0));
  assert.equal(m.rescues.count, 1);
  m.close();
  closeSync(fd);
});

test('10,000 map/close cycles: no fd leak, no RSS growth beyond noise', () => {
  const { fd } = makeBacking('memfd', SIZE);
  const fdsBefore = openFds();
  const cycle = (i: number): void => {
    const m = map(fd, { length: SIZE, offset: i % 5000, mode: i % 2 ? 'page' : 'tail' });
    if (m.bytes[SIZE - 1] === 256) throw new Error('unreachable');
    m.close();
  };
  for (let i = 0; i < 1000; i++) cycle(i); // warm up
  const rssBefore = process.memoryUsage().rss;
  for (let i = 0; i < 10_000; i++) cycle(i);
  const growth = process.memoryUsage().rss - rssBefore;
  assert.equal(openFds(), fdsBefore);
  assert.equal(activeMappings(), 0);
  assert.ok(growth < 16 * 1024 * 1024, `RSS grew by ${growth} bytes`);
  closeSync(fd);
});

test('a mapping dropped without close() is unmapped when collected', async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const fd = memfd('gc', SIZE);
  const fdsBefore = openFds();
  (() => {
    for (let i = 0; i < 10; i++) map(fd, { length: SIZE }).bytes[0];
  })();
  for (let i = 0; i < 10 && activeMappings() > 0; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.equal(activeMappings(), 0);
  assert.ok(openFds() <= fdsBefore, 'every dup closed');
  closeSync(fd);
});

test('close() while a threadpool job still reads the buffer: zeros, not a segfault', async () => {
  const { deflate, inflateSync } = await import('node:zlib');
  const size = 16 * 1024 * 1024;
  const fd = memfd('zlib', size);
  const m = map(fd, { length: size });
  const done = new Promise<Buffer>((resolve, reject) => deflate(m.bytes, (err, out) => (err ? reject(err) : resolve(out))));
  m.close(); // the job holds a raw pointer into the mapping
  const out = await done;
  const back = inflateSync(out);
  assert.equal(back.length, size);
  closeSync(fd);
});
