// Native helpers added for speed: native.copyRows (native/addon/copy.c), the copy
// screen capture writes with; native.map's out argument; native.rescueCount.
// Bytes land where the rows say and nowhere else, big copies (streamed,
// destination populated first) are the same bytes, a guarded destination
// truncated under the copy is rescued and counted, and bad arguments are
// clear errors, never a crash.
import assert from 'node:assert/strict';
import { closeSync, ftruncateSync, readSync } from 'node:fs';
import { test } from 'node:test';
import { map, memfd, pageSize } from '../../src/shm/index.js';
import { native } from '../../src/shm/native.js';

const BIG = 1920 * 1080 * 4; // past the streaming threshold (1 MiB)

function pattern(bytes: number, seed = 1): Uint8Array {
  const out = new Uint8Array(bytes);
  let x = seed >>> 0;
  for (let i = 0; i < bytes; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** What copyRows must produce, computed the slow way. */
function expected(dst: Uint8Array, dstOffset: number, dstStride: number, src: Uint8Array, srcOffset: number, srcStride: number, rowBytes: number, rows: number, swap: boolean): Uint8Array {
  const out = dst.slice();
  for (let r = 0; r < rows; r++)
    for (let i = 0; i < rowBytes; i++) {
      const j = swap ? (i & ~3) | [2, 1, 0, 3][i & 3]! : i;
      out[dstOffset + r * dstStride + i] = src[srcOffset + r * srcStride + j]!;
    }
  return out;
}

function check(dstBytes: number, dstOffset: number, dstStride: number, srcBytes: number, srcOffset: number, srcStride: number, rowBytes: number, rows: number, swap: boolean): void {
  const src = pattern(srcBytes, 7);
  const dst = pattern(dstBytes, 3);
  const want = expected(dst, dstOffset, dstStride, src, srcOffset, srcStride, rowBytes, rows, swap);
  native.copyRows(dst, dstOffset, dstStride, src, srcOffset, srcStride, rowBytes, rows, swap);
  assert.ok(Buffer.from(dst).equals(Buffer.from(want)), `rows ${rows}×${rowBytes} at ${dstOffset}/${dstStride} from ${srcOffset}/${srcStride}, swap ${swap}`);
}

test('small copies: rows land at their stride, gaps and the rest untouched, red and blue swapped on request', () => {
  for (const swap of [false, true]) {
    check(64, 0, 16, 64, 0, 16, 16, 4, swap); // contiguous
    check(100, 3, 24, 80, 4, 20, 12, 3, swap); // gaps on both sides, odd destination offset
    check(32, 5, 0, 16, 0, 0, 8, 1, swap); // one row: strides do not matter
  }
  check(12, 1, 4, 10, 0, 3, 3, 3, false); // rows of any byte length without swapping
  check(10, 0, 1, 10, 0, 1, 0, 5, false); // nothing to copy
});

test('big copies (streamed past the caches): the same bytes, aligned or not, whole or in rows', () => {
  for (const swap of [false, true]) {
    check(BIG + 64, 0, BIG, BIG + 64, 0, BIG, BIG, 1, swap);
    check(BIG + 64, 4, 7680, BIG + 64, 8, 7680, 7680, 1080, swap); // 4-byte aligned, not 16
    check(BIG + 64, 3, 7680, BIG + 64, 1, 7680, 7680, 1080, swap); // not even 4-byte aligned
    check(2 * BIG, 16, 9000, BIG + 64, 0, 7680, 7680, 1080, swap); // gaps between destination rows
  }
});

test('a fresh guarded destination (pages not in memory yet) gets the bytes; the file holds them', () => {
  const fd = memfd('copy-rows-fresh', BIG);
  const m = map(fd, { length: BIG, writable: true });
  const src = pattern(BIG, 11);
  native.copyRows(m.bytes, 0, 7680, src, 0, 7680, 7680, 1080, false);
  assert.equal(m.rescues.count, 0);
  const back = Buffer.alloc(BIG);
  readSync(fd, back, 0, BIG, 0);
  assert.ok(back.equals(Buffer.from(src)));
  m.close();
  closeSync(fd);
});

test('a guarded destination truncated before a big copy: rescued (counted), bytes before the end reach the file, none after', () => {
  for (const half of [BIG / 2, 3 * pageSize + 100]) {
    const fd = memfd('copy-rows-truncated', BIG);
    const m = map(fd, { length: BIG, writable: true });
    ftruncateSync(fd, half);
    const src = pattern(BIG, 5);
    native.copyRows(m.bytes, 0, BIG, src, 0, BIG, BIG, 1, false);
    assert.ok(m.rescues.count >= 1, 'the guard rescued the pages past the end');
    assert.ok(Buffer.from(m.bytes).equals(Buffer.from(src)), 'the mapping holds every byte written');
    ftruncateSync(fd, BIG);
    const back = Buffer.alloc(BIG);
    readSync(fd, back, 0, BIG, 0);
    assert.ok(back.subarray(0, half).equals(Buffer.from(src.subarray(0, half))), 'bytes before the end are in the file');
    const firstRescued = Math.ceil(half / pageSize) * pageSize;
    assert.ok(back.subarray(firstRescued).every((b) => b === 0), 'nothing past the end reached the file');
    m.close();
    closeSync(fd);
  }
});

test('copyRows: bad arguments are clear errors, nothing written', () => {
  const dst = new Uint8Array(64).fill(9);
  const src = new Uint8Array(64).fill(1);
  const detached = new Uint8Array(64); // a view whose buffer is then moved away
  structuredClone(detached.buffer, { transfer: [detached.buffer] });
  const call = native.copyRows as (...args: unknown[]) => void;
  const cases: [unknown[], string, RegExp][] = [
    [[], 'ERR_NOSIGBUS_BAD_ARGUMENT', /takes 9 arguments/],
    [[dst, 0, 16, src, 0, 16, 16], 'ERR_NOSIGBUS_BAD_ARGUMENT', /takes 9 arguments/],
    [[1, 0, 16, src, 0, 16, 16, 1, false], 'ERR_NOSIGBUS_BAD_ARGUMENT', /dst must be a TypedArray/],
    [[dst, 0, 16, 'src', 0, 16, 16, 1, false], 'ERR_NOSIGBUS_BAD_ARGUMENT', /src must be a TypedArray/],
    [[dst, -1, 16, src, 0, 16, 16, 1, false], 'ERR_NOSIGBUS_BAD_ARGUMENT', /dstOffset must be/],
    [[dst, 0, 1.5, src, 0, 16, 16, 1, false], 'ERR_NOSIGBUS_BAD_ARGUMENT', /dstStride must be/],
    [[dst, 0, 16, src, 0, 16, 16, 1, 'yes'], 'ERR_NOSIGBUS_BAD_ARGUMENT', /swapRB must be a boolean/],
    [[dst, 0, 16, src, 0, 16, 6, 1, true], 'ERR_NOSIGBUS_BAD_ARGUMENT', /whole 4-byte pixels/],
    [[dst, 0, 16, src, 0, 16, 16, 5, false], 'ERR_NOSIGBUS_BAD_RANGE', /do not fit in dst/],
    [[dst, 0, 16, src, 60, 16, 16, 1, false], 'ERR_NOSIGBUS_BAD_RANGE', /do not fit in src/],
    [[dst, 0, 8, src, 0, 16, 16, 2, false], 'ERR_NOSIGBUS_BAD_RANGE', /shorter than a row/],
    [[dst, 2 ** 53 - 1, 16, src, 0, 16, 16, 1, false], 'ERR_NOSIGBUS_BAD_RANGE', /do not fit in dst/],
    [[dst, 0, 2 ** 53 - 1, src, 0, 16, 16, 3, false], 'ERR_NOSIGBUS_BAD_RANGE', /do not fit in dst/],
    [[dst, 0, 16, dst, 8, 16, 16, 2, false], 'ERR_NOSIGBUS_BAD_RANGE', /overlap/],
    [[detached, 0, 16, src, 0, 16, 16, 1, false], 'ERR_NOSIGBUS_BAD_RANGE', /do not fit in dst/],
  ];
  for (const [args, code, message] of cases) {
    assert.throws(() => call(...args), (e: Error & { code?: string }) => e.code === code && message.test(e.message), `${code} for ${args.length} arguments`);
    assert.ok(dst.every((b) => b === 9), 'nothing written');
  }
  // Adjacent, not overlapping: fine.
  native.copyRows(dst, 0, 16, dst, 16, 16, 16, 1, false);
});

test('map: a missing or wrong out argument is a clear error, and nothing stays mapped', () => {
  const fd = memfd('map-out', pageSize);
  const before = native.activeMappings();
  const call = native.map as (...args: unknown[]) => unknown;
  for (const out of [undefined, null, {}, 'x', new Uint8Array(1)])
    assert.throws(() => call(fd, 0, pageSize, false, 0, false, out), (e: Error & { code?: string }) => e.code === 'ERR_NOSIGBUS_BAD_ARGUMENT' && /out must be an array/.test(e.message));
  assert.throws(() => call(fd, 0, pageSize, false, 0, false), (e: Error & { code?: string }) => e.code === 'ERR_NOSIGBUS_BAD_ARGUMENT');
  assert.equal(native.activeMappings(), before);
  const out: [ArrayBuffer | undefined] = [undefined];
  const handle = native.map(fd, 0, pageSize, false, 0, false, out);
  assert.ok(out[0] instanceof ArrayBuffer && out[0].byteLength === pageSize);
  native.close(handle, out[0]);
  assert.equal(out[0].byteLength, 0, 'close detached it');
  assert.equal(native.activeMappings(), before);
  closeSync(fd);
});

test('rescueCount: the same count as rescues.count, 0 once closed; a foreign or missing handle is a clear error', () => {
  const fd = memfd('rescue-count', 4 * pageSize);
  const m = map(fd, { length: 4 * pageSize });
  assert.equal(m.rescueCount, 0);
  ftruncateSync(fd, pageSize);
  assert.equal(m.bytes[2 * pageSize], 0);
  assert.equal(m.rescueCount, 1);
  assert.equal(m.rescueCount, m.rescues.count);
  m.close();
  assert.equal(m.rescueCount, 0);
  closeSync(fd);
  const call = native.rescueCount as (...args: unknown[]) => unknown;
  const [, pixels] = native.pixelsAlloc(16); // another kind of external
  for (const args of [[], [undefined], [{}], [1], [pixels]])
    assert.throws(() => call(...args), (e: Error & { code?: string }) => e.code === 'ERR_NOSIGBUS_BAD_ARGUMENT' && /not a mapping handle/.test(e.message));
});
