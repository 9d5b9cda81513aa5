// docs/contract.md point 3: not coherent after growth. A rescued page stays zero in
// that mapping until remap(), which shows the file again.
import assert from 'node:assert/strict';
import { closeSync, ftruncateSync } from 'node:fs';
import { test } from 'node:test';
import { map, pageSize } from '../../src/shm/index.js';
import { defaultPattern, fill, firstMismatch, makeBacking } from '../support/files.js';

const SIZE = 6 * pageSize;

for (const mode of ['tail', 'page'] as const) {
  test(`${mode}: truncate, grow back: rescued pages stay zero until remap()`, () => {
    const { fd } = makeBacking('memfd', SIZE);
    const m = map(fd, { length: SIZE, mode });
    const old = m.bytes;
    ftruncateSync(fd, pageSize);
    assert.equal(firstMismatch(m.bytes, 0, pageSize), -1);
    fill(fd, SIZE); // the client grows the file back and rewrites it
    assert.equal(m.bytes[0], defaultPattern(0), 'live page sees the rewrite');
    assert.equal(m.bytes[4 * pageSize], 0, 'rescued page stays zero');
    const fresh = m.remap(SIZE)!;
    assert.equal(old.length, 0, 'the old view is detached');
    assert.equal(firstMismatch(fresh, 0, SIZE), -1, 'remap shows the data again');
    assert.equal(m.rescues.count, 0, 'a fresh mapping has fresh counters');
    m.close();
    closeSync(fd);
  });
}

test('remap keeps the window offset and can shrink or grow', () => {
  const { fd } = makeBacking('memfd', SIZE);
  const m = map(fd, { offset: 100, length: pageSize });
  assert.equal(m.remap(3 * pageSize)![0], defaultPattern(100));
  assert.equal(m.length, 3 * pageSize);
  assert.equal(m.bytes[3 * pageSize - 1], defaultPattern(100 + 3 * pageSize - 1));
  assert.equal(m.remap(10)!.length, 10);
  m.close();
  closeSync(fd);
});

test('a failed remap leaves the mapping as it was', () => {
  const { fd } = makeBacking('memfd', SIZE);
  const m = map(fd, { length: SIZE });
  const before = m.bytes;
  assert.throws(() => m.remap(0), { code: 'ERR_NOSIGBUS_BAD_LENGTH' });
  assert.throws(() => m.remap(-1), { code: 'ERR_NOSIGBUS_BAD_LENGTH' });
  assert.equal(m.bytes, before);
  assert.equal(m.bytes[SIZE - 1], defaultPattern(SIZE - 1));
  m.close();
  closeSync(fd);
});
