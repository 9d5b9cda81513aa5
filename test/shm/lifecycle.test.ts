// Closing, bad input, copy-out, and leaks (docs/contract.md points 5, 8, 10, 11).
// First: the test build of the addon, before anything from src/ loads one.
import { native } from '../support/native-testing.js';
import assert from 'node:assert/strict';
import { closeSync, ftruncateSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { test } from 'node:test';
import { activeMappings, fileSize, map, mappingBudget, memfd, pageSize, type SafeMapping } from '../../src/shm/index.js';
import { handleOf } from '../../src/shm/mapping.js';
import { defaultPattern, makeBacking, openFds } from '../support/files.js';
import { privateDir } from '../support/common.js';

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
  const dir = privateDir('nosigbus-');
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

// What the API promises for asynchronous work (README, "bytes across close()"):
// hand async APIs a guarded copy; closing under them never crashes the guard
// or reaches another file (hostile.test.ts), but Node's zlib aborts on the
// detached input, which no library below it can prevent.
for (const [what, size, random] of [['64 MiB of zeros', 64 << 20, false], ['1 MiB of random bytes', 1 << 20, true]] as const) {
  test(`zlib.deflate of a guarded copy (m.read()), then close(): ${what} round-trip`, async () => {
    const { deflate, inflateSync } = await import('node:zlib');
    const { randomFillSync } = await import('node:crypto');
    const fd = memfd('zlib', size);
    const original = random ? randomFillSync(Buffer.alloc(size)) : Buffer.alloc(size);
    if (random) writeSync(fd, original, 0, size, 0);
    const m = map(fd, { length: size });
    const copy = m.read();
    const done = new Promise<Buffer>((resolve, reject) => deflate(copy, (err, out) => (err ? reject(err) : resolve(out))));
    m.close(); // the job works on the copy
    const out = await done;
    assert.ok(out.length > 16 * 1024, 'more than one output chunk: the job outlived close()');
    assert.ok(inflateSync(out).equals(original));
    closeSync(fd);
  });
}

test('zlib.deflate(m.bytes) then close(): Node aborts in its zlib binding (documented: use m.read())', async () => {
  const { spawnSync } = await import('node:child_process');
  const script = `
    const { map, memfd } = await import(${JSON.stringify(new URL('../../src/shm/index.js', import.meta.url).href)});
    const { deflate } = await import('node:zlib');
    const m = map(memfd('z', 64 << 20), { length: 64 << 20 });
    deflate(m.bytes, () => console.log('finished'));
    m.close();`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.signal, 'SIGABRT', r.stderr);
  assert.match(r.stderr, /node_zlib\.cc.*\n.*IsWithinBounds/);
  assert.doesNotMatch(r.stdout, /finished/);
});

test('handles: a foreign N-API external is refused, not dereferenced; SafeMapping cannot be constructed', () => {
  const foreign = native.testing.fakeRanges(1); // an external of another kind
  for (const call of [() => native.stats(foreign as never), () => native.close(foreign as never, undefined), () => native.sealed(foreign as never)])
    assert.throws(call, { code: 'ERR_NOSIGBUS_BAD_ARGUMENT', message: 'not a mapping handle' });
  native.testing.dropFakeRanges(foreign);
  const { fd } = makeBacking('memfd', SIZE);
  const m = map(fd, { length: SIZE });
  const Ctor = m.constructor as new (...args: unknown[]) => unknown;
  assert.throws(() => new Ctor(Symbol('SafeMapping'), handleOf(m), undefined, 0, SIZE, false, 'tail'), { code: 'ERR_NOSIGBUS_BAD_ARGUMENT', message: /use map\(\)/ });
  m.close();
  closeSync(fd);
});

test('options: mode must be an own key (not toString or __proto__); errors name the caller\'s fd and the right argument', () => {
  const { fd } = makeBacking('memfd', SIZE);
  for (const mode of ['toString', '__proto__', 'constructor', 'hasOwnProperty'])
    assert.throws(() => map(fd, { length: SIZE, mode: mode as 'tail' }), { code: 'ERR_NOSIGBUS_BAD_ARGUMENT' }, mode);
  const proc = openSync('/proc/self/status', 'r'); // a regular file that cannot be mapped
  assert.throws(() => map(proc, { length: SIZE }), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'ERR_NOSIGBUS_NOT_MAPPABLE');
    assert.match(e.message, new RegExp(`of fd ${proc} \\(ENODEV`), 'the fd the caller passed, not our dup');
    return true;
  });
  closeSync(proc);
  const m = map(fd, { length: SIZE });
  assert.throws(() => m.copyTo(new Uint8Array(8), 0, 4, 9), { code: 'ERR_NOSIGBUS_BAD_RANGE', message: /targetOffset 9 is past the end of the target \(8 bytes\)/ });
  assert.throws(() => m.copyTo(new Uint8Array(8), SIZE + 1), { code: 'ERR_NOSIGBUS_BAD_RANGE', message: /from \d+ is past the end of the mapping/ });
  m.close();
  closeSync(fd);
});

test('bytes is untransferable: postMessage and structuredClone copy it, close() still detaches ours', () => {
  const { fd } = makeBacking('memfd', SIZE);
  const m = map(fd, { length: SIZE });
  const buffer = m.bytes.buffer;
  const clone = structuredClone(buffer, { transfer: [buffer as ArrayBuffer] });
  assert.equal(m.bytes.length, SIZE, 'not detached by the transfer');
  assert.notEqual(clone, buffer);
  assert.equal(new Uint8Array(clone)[10], defaultPattern(10));
  m.close();
  assert.equal(new Uint8Array(clone)[10], defaultPattern(10), 'the copy is independent of the mapping');
  closeSync(fd);
});

test('the VMA budget: limit read from /proc, mappings reserve what their rescue needs', () => {
  const before = mappingBudget();
  assert.equal(before.limit, Number(readFileSync('/proc/sys/vm/max_map_count', 'utf8')));
  assert.ok(before.others > 10 && before.headroom >= 256 && before.available > 1000, JSON.stringify(before));
  const { fd } = makeBacking('memfd', SIZE);
  const maps = [map(fd, { length: SIZE }), map(fd, { length: SIZE, mode: 'page' })];
  assert.equal(mappingBudget().used - before.used, 4, 'two VMAs each: the mapping and its rescue');
  for (const m of maps) m.close();
  assert.equal(mappingBudget().used, before.used, 'given back (nothing in flight: no quarantine)');
  closeSync(fd);
});
