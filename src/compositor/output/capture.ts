// Capture of the output into memory: the one writer of output pixels into
// someone else's memory, used by screenshots (`--screenshot`,
// Compositor.screenshotPng) and by screen capture (capture-queue.ts, for
// wlr-screencopy and ext-image-copy-capture: into a client's wl_shm buffer),
// so they cannot disagree.
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
import { intersect, rect, type Rect } from '../core/region.js';
import { FORMAT } from '../core/shm.js';
import { native } from '../../shm/native.js';

/** Formats writeFrame() produces. */
export const CAPTURE_FORMATS: readonly number[] = [FORMAT.argb8888, FORMAT.xrgb8888, FORMAT.abgr8888, FORMAT.xbgr8888];

/** `area` of the output in output pixels, clipped to it. */
export function clipToOutput(output: Output, area: Rect): Rect {
  return intersect(area, rect(0, 0, output.width, output.height));
}

/**
 * Writes `area` (clipped to the output) of `fb` into `target` at `offset`,
 * one row every `stride` bytes, in wl_shm `format`. One native call
 * (native/addon/copy.c): a copy of the rows, red and blue swapped on the way for
 * abgr/xbgr; big areas stream past the caches.
 */
export function writeFrame(output: Output, fb: Uint32Array, area: Rect, format: number, target: Uint8Array, offset: number, stride: number): void {
  const a = clipToOutput(output, area);
  const W = output.width;
  if (a.width <= 0 || a.height <= 0) return;
  let swap: boolean;
  if (format === FORMAT.argb8888 || format === FORMAT.xrgb8888) swap = false;
  else if (format === FORMAT.abgr8888 || format === FORMAT.xbgr8888) swap = true;
  else throw new RangeError(`cannot capture into format 0x${format.toString(16)}`);
  native.copyRows(target, offset, stride, fb, (a.y * W + a.x) * 4, W * 4, a.width * 4, a.height, swap);
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
