// docs/contract.md point 4: writable mappings. Writes before EOF reach the file;
// writes past EOF land in private memory, never reach the file, and are never
// lost within the mapping, even with threads writing while another truncates.
// First: the test build of the addon, before anything from src/ loads one.
import { native } from '../support/native-testing.js';
import assert from 'node:assert/strict';
import { closeSync, ftruncateSync, openSync, readSync } from 'node:fs';
import { test } from 'node:test';
import { map, memfd, pageSize } from '../../src/shm/index.js';
import { handleOf } from '../../src/shm/mapping.js';
import { fill, makeBacking } from '../support/files.js';
import { sleepSync } from '../support/common.js';

const SIZE = 8 * pageSize;

function pread(fd: number, offset: number, length: number): Buffer {
  const b = Buffer.alloc(length);
  readSync(fd, b, 0, length, offset);
  return b;
}

test('writes before EOF are seen by an unguarded mapping of the file', () => {
  const { fd } = makeBacking('memfd', SIZE);
  const m = map(fd, { length: SIZE, writable: true, offset: 1 });
  m.bytes.set([1, 2, 3], 4999); // file offset 5000
  const other = new Uint8Array(native.testing.readUnguarded(fd, SIZE));
  assert.deepEqual([...other.subarray(5000, 5003)], [1, 2, 3]);
  m.close();
  closeSync(fd);
});

test('writes past EOF stay in the mapping and never reach the file', () => {
  const { fd } = makeBacking('disk', SIZE);
  const m = map(fd, { length: SIZE, writable: true });
  ftruncateSync(fd, 2 * pageSize);
  m.bytes.fill(0x5a, 5 * pageSize, 5 * pageSize + 16); // rescued, then written
  assert.equal(m.rescues.count, 1);
  m.bytes[pageSize] = 0x77; // before EOF: reaches the file
  ftruncateSync(fd, SIZE); // the client grows the file back
  assert.deepEqual(pread(fd, 5 * pageSize, 16), Buffer.alloc(16), 'nothing reached the file');
  assert.equal(pread(fd, pageSize, 1)[0], 0x77);
  assert.equal(m.bytes[5 * pageSize + 15], 0x5a, 'not lost within the mapping');
  m.close();
  closeSync(fd);
});

test('a writable mapping of a read-only fd is refused with a clear error', () => {
  const fd = memfd('ro', pageSize);
  const ro = openSync(`/proc/self/fd/${fd}`, 'r');
  assert.throws(() => map(ro, { length: pageSize, writable: true }), { code: 'ERR_NOSIGBUS_ACCESS', sysCode: 'EACCES' });
  map(ro, { length: pageSize }).close();
  closeSync(ro);
  closeSync(fd);
});

for (const mode of ['tail', 'page'] as const) {
  test(`${mode}: no write lost with two native threads writing while another truncates`, () => {
    let writes = 0;
    let lost = 0;
    for (let cycle = 0; cycle < 150; cycle++) {
      const fd = memfd('storm', 64 * pageSize);
      fill(fd, 64 * pageSize);
      const m = map(fd, { length: 64 * pageSize, writable: true, mode });
      const token = native.testing.startThreads(handleOf(m), 1, 2);
      sleepSync(1);
      ftruncateSync(fd, (cycle % 4) * 8 * pageSize); // 0, 8, 16 or 24 pages stay
      native.testing.markTruncated(token);
      // Let the writers hit the truncation (a loaded machine may not schedule them at once).
      for (let waited = 0; m.rescues.count === 0 && waited < 2000; waited++) sleepSync(1);
      sleepSync(2);
      const r = native.testing.stopThreads(token);
      assert.equal(r.threads, 3);
      writes += r.writes;
      lost += r.lost;
      assert.ok(m.rescues.count >= 1);
      m.close();
      closeSync(fd);
    }
    assert.ok(writes > 1000, `writers made progress (${writes} writes)`);
    assert.equal(lost, 0, `writes lost after truncation (of ${writes})`);
  });
}

test('page mode, 40,000 pages written one by one after truncation: no degradation, nothing lost', () => {
  const pages = 40_000;
  const fd = memfd('pages', pages * pageSize);
  fill(fd, pageSize);
  const m = map(fd, { length: pages * pageSize, writable: true, mode: 'page' });
  ftruncateSync(fd, pageSize);
  for (let p = 1; p < pages; p++) m.bytes[p * pageSize] = p & 0xff || 1;
  let lost = 0;
  for (let p = 1; p < pages; p++) if (m.bytes[p * pageSize] !== (p & 0xff || 1)) lost++;
  assert.equal(lost, 0);
  assert.equal(m.rescues.degraded, false, 'neighbouring rescues merge: no VMA pressure');
  m.bytes[1] = 0x42; // page 0 is still the file's
  assert.equal(pread(fd, 1, 1)[0], 0x42);
  m.close();
  closeSync(fd);
});

test('a read-only mapping survives JS writes: they stay private, the file is untouched', () => {
  const { fd } = makeBacking('memfd', SIZE);
  const m = map(fd, { length: SIZE });
  const before = pread(fd, 0, 16);
  m.bytes.fill(0xee, 0, 16);
  m.bytes.reverse();
  assert.deepEqual(pread(fd, 0, 16), before);
  m.close();
  closeSync(fd);
});

test('the last partial page is the kernel\'s: a write past EOF inside it reaches the page cache of a memfd', () => {
  const fd = memfd('partial', 4 * pageSize);
  const m = map(fd, { length: 4 * pageSize, writable: true });
  ftruncateSync(fd, pageSize + 100); // EOF in the middle of page 1
  m.bytes[pageSize + 200] = 0x42; // past EOF, same page: no fault, no rescue
  m.bytes[2 * pageSize + 1] = 0x43; // wholly past EOF: rescued, private
  assert.equal(m.rescues.count, 1);
  ftruncateSync(fd, 4 * pageSize); // the client grows it back
  assert.equal(pread(fd, pageSize + 200, 1)[0], 0x42, 'documented: the kernel kept it');
  assert.equal(pread(fd, 2 * pageSize + 1, 1)[0], 0, 'never reached the file');
  m.close();
  closeSync(fd);
});

test('page mode, written pages do not merge: the budget counts at least the VMAs the kernel made', async () => {
  const { readFileSync } = await import('node:fs');
  const { mappingBudget } = await import('../../src/shm/index.js');
  const pages = 4000;
  const fd = memfd('merge', pages * pageSize);
  const usedBefore = mappingBudget().used;
  const m = map(fd, { length: pages * pageSize, mode: 'page', writable: true });
  const base = native.testing.windowAddress(handleOf(m));
  // VMAs that start inside the mapping, from the kernel's own list.
  const vmasInside = (): number =>
    readFileSync('/proc/self/maps', 'utf8').split('\n').filter((line) => {
      const start = parseInt(line.split('-')[0] ?? '', 16);
      return start >= base && start < base + pages * pageSize;
    }).length;
  ftruncateSync(fd, 0);
  for (let p = 1; p < pages; p += 2) m.bytes[p * pageSize] = 1; // odd pages: rescued and written
  for (let p = 0; p < pages; p += 2) m.bytes[p * pageSize] = 2; // even pages: between two written ones
  const kernel = vmasInside();
  const counted = mappingBudget().used - usedBefore;
  assert.ok(kernel >= pages / 2, `the kernel did not merge written zeros (${kernel} VMAs)`);
  assert.ok(counted >= kernel, `the guard counted ${counted} VMAs, the kernel made ${kernel}`);
  m.close();
  closeSync(fd);
});
