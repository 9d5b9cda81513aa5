// Capture of the output into memory: the one writer of output pixels into
// someone else's memory, used by screenshots (`--screenshot`,
// Compositor.screenshotPng) and by wlr-screencopy (into a client's wl_shm
// buffer), so the two cannot disagree.
//
// Invariants:
//  - the source is the framebuffer (or a snapshot of it): argb
//    premultiplied, opaque everywhere, one uint32 per pixel, row-major;
//  - the area is clipped to the output; each row lands at
//    `offset + row × stride` of the target, 4 bytes per pixel, in the given
//    wl_shm format: argb8888 / xrgb8888 are the framebuffer's own byte order
//    (a row is one copy), abgr8888 / xbgr8888 swap red and blue (RGBA bytes,
//    what PNG encoders take);
//  - bytes of the target outside those rows are not touched.
import type { Output } from './output.js';
import { intersect, rect, type Rect } from './region.js';
import { FORMAT } from './shm.js';

/** Formats writeFrame() produces. */
export const CAPTURE_FORMATS: readonly number[] = [FORMAT.argb8888, FORMAT.xrgb8888, FORMAT.abgr8888, FORMAT.xbgr8888];

/** `area` of the output in output pixels, clipped to it. */
export function clipToOutput(output: Output, area: Rect): Rect {
  return intersect(area, rect(0, 0, output.width, output.height));
}

/**
 * Writes `area` (clipped to the output) of `fb` into `target` at `offset`,
 * one row every `stride` bytes, in wl_shm `format`.
 */
export function writeFrame(output: Output, fb: Uint32Array, area: Rect, format: number, target: Uint8Array, offset: number, stride: number): void {
  const a = clipToOutput(output, area);
  const W = output.width;
  const rowBytes = a.width * 4;
  if (a.width <= 0 || a.height <= 0) return;
  if (format === FORMAT.argb8888 || format === FORMAT.xrgb8888) {
    const src = new Uint8Array(fb.buffer, fb.byteOffset, fb.byteLength);
    if (a.x === 0 && a.width === W && stride === rowBytes) {
      target.set(src.subarray(a.y * W * 4, (a.y + a.height) * W * 4), offset);
      return;
    }
    for (let y = 0; y < a.height; y++) {
      const from = ((a.y + y) * W + a.x) * 4;
      target.set(src.subarray(from, from + rowBytes), offset + y * stride);
    }
    return;
  }
  if (format !== FORMAT.abgr8888 && format !== FORMAT.xbgr8888) throw new RangeError(`cannot capture into format 0x${format.toString(16)}`);
  const aligned = (target.byteOffset + offset) % 4 === 0 && stride % 4 === 0;
  // A 32-bit view where the target allows it (a client's offset may be any byte).
  const words = aligned ? new Uint32Array(target.buffer, target.byteOffset + offset, ((a.height - 1) * stride + rowBytes) / 4) : null;
  for (let y = 0; y < a.height; y++) {
    const from = (a.y + y) * W + a.x;
    if (words) {
      const to = (y * stride) / 4;
      for (let i = 0; i < a.width; i++) {
        const p = fb[from + i]!;
        words[to + i] = ((p & 0xff00ff00) | ((p & 0xff) << 16) | ((p >>> 16) & 0xff)) >>> 0;
      }
    } else {
      let o = offset + y * stride;
      for (let i = 0; i < a.width; i++) {
        const p = fb[from + i]!;
        target[o++] = (p >>> 16) & 0xff;
        target[o++] = (p >>> 8) & 0xff;
        target[o++] = p & 0xff;
        target[o++] = p >>> 24;
      }
    }
  }
}

/** The framebuffer (or a snapshot of it) as RGBA bytes, what PNG encoders take. */
export function captureRgba(
  output: Output,
  fb: Uint32Array = output.framebuffer,
  area: Rect = rect(0, 0, output.width, output.height),
): { width: number; height: number; data: Uint8Array } {
  const a = clipToOutput(output, area);
  const data = new Uint8Array(Math.max(0, a.width) * Math.max(0, a.height) * 4);
  writeFrame(output, fb, a, FORMAT.abgr8888, data, 0, a.width * 4);
  return { width: a.width, height: a.height, data };
}
