// Truncation of every kind of backing file, at every kind of size and window:
// bytes before EOF intact and live, zeros after, never SIGBUS.
import assert from 'node:assert/strict';
import { closeSync, ftruncateSync, writeSync } from 'node:fs';
import { describe, test } from 'node:test';
import { map, memfd, pageSize, seals, type SafeMapping } from '../../src/shm/index.js';
import { BACKING_KINDS, defaultPattern, fill, firstMismatch, makeBacking } from '../support/files.js';

const SIZE = 8 * pageSize;
const TRUNCATE_TO = [0, 42, SIZE / 2, pageSize, 2 * pageSize, 3 * pageSize - 1, 3 * pageSize + 1];
const WINDOW_OFFSETS = [0, 1, 100, 4095, 4096];

describe('truncated file, guarded read', () => {
  for (const kind of BACKING_KINDS) {
    for (const eof of TRUNCATE_TO) {
      test(`${kind}: truncated to ${eof}, windows at ${WINDOW_OFFSETS.join('/')}`, () => {
        const { fd } = makeBacking(kind, SIZE);
        const maps = WINDOW_OFFSETS.map((offset) => map(fd, { offset, length: SIZE - offset - 3 }));
        for (const m of maps) assert.equal(firstMismatch(m.bytes, m.offset, SIZE), -1, 'intact before truncation');
        ftruncateSync(fd, eof);
        for (const m of maps) {
          assert.equal(firstMismatch(m.bytes, m.offset, eof), -1, `window at ${m.offset}`);
          const r = m.rescues;
          const firstPastEof = Math.ceil(eof / pageSize) * pageSize; // pages wholly past EOF fault
          if (firstPastEof < m.offset + m.length) {
            assert.equal(r.count, 1, 'tail mode: one rescue per truncation');
            assert.equal(r.firstOffset, Math.max(0, firstPastEof - m.offset));
          } else {
            assert.equal(r.count, 0);
          }
          m.close();
        }
        closeSync(fd);
      });
    }
  }
});

test('bytes before EOF stay live and shared after a rescue', () => {
  const { fd } = makeBacking('memfd', SIZE);
  const m = map(fd, { length: SIZE });
  ftruncateSync(fd, 3 * pageSize + 10);
  assert.equal(m.bytes[SIZE - 1], 0); // rescue
  writeSync(fd, Buffer.from([0xee, 0xdd]), 0, 2, 3 * pageSize + 8); // the client writes
  assert.equal(m.bytes[3 * pageSize + 8], 0xee);
  assert.equal(m.bytes[3 * pageSize + 9], 0xdd);
  assert.equal(m.bytes[100], defaultPattern(100));
  m.close();
  closeSync(fd);
});

test('a length larger than the file is allowed and guarded (a lying wl_shm pool)', () => {
  const { fd } = makeBacking('memfd', 100);
  const m = map(fd, { length: 64 * pageSize });
  assert.equal(firstMismatch(m.bytes, 0, 100), -1);
  assert.equal(m.rescues.count, 1);
  assert.equal(m.rescues.firstOffset, pageSize);
  m.close();
  closeSync(fd);
});

test('page mode replaces single pages: one rescue per page touched', () => {
  const { fd } = makeBacking('memfd', SIZE);
  const m = map(fd, { length: SIZE, mode: 'page' });
  ftruncateSync(fd, 0);
  assert.equal(m.bytes[5 * pageSize], 0);
  assert.equal(m.bytes[7 * pageSize + 9], 0);
  assert.equal(m.rescues.count, 2);
  assert.equal(m.rescues.firstOffset, 5 * pageSize);
  assert.equal(firstMismatch(m.bytes, 0, 0), -1);
  assert.equal(m.rescues.count, 8);
  m.close();
  closeSync(fd);
});

test('seals are information, not trust: a sealed memfd mapped past its size is guarded', () => {
  const fd = memfd('sealed', 2 * pageSize, { seal: true });
  fill(fd, 2 * pageSize);
  assert.deepEqual(seals(fd), { seal: true, shrink: true, grow: true, write: false, futureWrite: false, exec: false });
  const m = map(fd, { length: 2 * pageSize });
  assert.equal(m.sealed, true, 'F_SEAL_SHRINK and the file covers the window');
  // What kills libwayland: a sealed pool resized past the file's size.
  const grown = m.remap(16 * pageSize)!;
  assert.equal(m.sealed, false);
  assert.equal(grown[15 * pageSize], 0);
  assert.equal(grown[10], defaultPattern(10));
  assert.equal(m.rescues.count, 1);
  m.close();
  closeSync(fd);
});

test('600 live mappings (several table chunks), truncated, read interleaved: each rescued once', () => {
  const fds: number[] = [];
  const maps: SafeMapping[] = [];
  for (let i = 0; i < 600; i++) {
    const fd = memfd(`many-${i}`, 2 * pageSize);
    fill(fd, 2 * pageSize);
    fds.push(fd);
    maps.push(map(fd, { length: 2 * pageSize, offset: i % 7 }));
  }
  for (const fd of fds) ftruncateSync(fd, 100);
  for (let round = 0; round < 2; round++)
    for (let i = maps.length - 1; i >= 0; i -= 1) {
      const m = maps[i]!;
      assert.equal(m.bytes[m.length - 1], 0);
      assert.equal(m.bytes[0], defaultPattern(m.offset));
    }
  for (const m of maps) {
    assert.equal(m.rescues.count, 1);
    m.close();
  }
  fds.forEach((fd) => closeSync(fd));
});
