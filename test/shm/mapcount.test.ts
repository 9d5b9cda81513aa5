// docs/contract.md point 9: when the kernel refuses more mappings (vm.max_map_count),
// replace the whole range rather than die.
import assert from 'node:assert/strict';
import { closeSync, ftruncateSync, readFileSync, writeSync } from 'node:fs';
import { test } from 'node:test';
import { map, memfd, pageSize } from '../../src/shm/index.js';

test('page mode, every other page of a mapping bigger than vm.max_map_count allows: survives', () => {
  const maxMapCount = Number(readFileSync('/proc/sys/vm/max_map_count', 'utf8'));
  // Each page rescued between two file-backed pages adds two VMAs.
  const pages = 2 * maxMapCount + 1024;
  const fd = memfd('many', pages * pageSize);
  const m = map(fd, { length: pages * pageSize, mode: 'page' });
  ftruncateSync(fd, 0);
  let sum = 0;
  for (let p = 0; p < pages; p += 2) sum += m.bytes[p * pageSize]!;
  assert.equal(sum, 0);
  const r = m.rescues;
  assert.equal(r.degraded, true, 'the kernel refused a mapping and the guard fell back');
  assert.ok(r.count < pages / 2, `fewer replacements than pages touched (${r.count})`);
  assert.ok(m.bytes.every((b) => b === 0));
  m.close();
  closeSync(fd);
});

test('tail mode needs one VMA per truncation, whatever the size', () => {
  const fd = memfd('tail', 4096 * pageSize);
  writeSync(fd, Buffer.from([9]), 0, 1, 6 * pageSize);
  const m = map(fd, { length: 4096 * pageSize });
  ftruncateSync(fd, 7 * pageSize);
  let sum = 0;
  for (let p = 0; p < 4096; p += 2) sum += m.bytes[p * pageSize]!;
  assert.equal(sum, 9);
  assert.equal(m.rescues.count, 1);
  assert.equal(m.rescues.degraded, false);
  m.close();
  closeSync(fd);
});
