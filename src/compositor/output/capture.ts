// Capture of the outputs into memory: the one writer of output pixels into
// someone else's memory, used by screenshots (`--screenshot`,
// Compositor.screenshotPng) and by screen capture (capture-queue.ts, for
// wlr-screencopy and ext-image-copy-capture: into a client's wl_shm buffer),
// so they cannot disagree; and the whole layout composed into one image for
// screenshots.
//
// Invariants:
//  - the source is a framebuffer (or a snapshot of it): argb
//    premultiplied, opaque everywhere, one uint32 per pixel, row-major;
//  - the layout image (composeLayout) is the bounding box of every output,
//    in logical units at the highest output scale (what grim makes of
//    several outputs from their xdg_output positions): each output drawn at
//    its place, scaled by highest scale ÷ its scale (nearest-neighbour when
//    that is an integer, else bilinear); what no output covers is
//    transparent (0x00000000), as grim leaves it — a colour there would
//    claim a picture where there is none. A single output is its
//    framebuffer, copied as it is;
//  - the area is clipped to the output; each row lands at
//    `offset + row × stride` of the target, 4 bytes per pixel, in the given
//    wl_shm format: argb8888 / xrgb8888 are the framebuffer's own byte order
//    (a row is one copy), abgr8888 / xbgr8888 swap red and blue (RGBA bytes,
//    what PNG encoders take);
//  - bytes of the target outside those rows are not touched.
import type { Output } from './output.js';
import { intersect, isEmpty, rect, type Rect } from '../core/region.js';
import { FORMAT } from '../core/shm.js';
import { ARGB8888, composite, Filter, Op, type TargetImage } from '../core/pixman.js';
import { layoutBoxOf, pixelExtent } from './layout.js';
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
  writeImage({ pixels: fb, width: output.width, height: output.height }, area, format, target, offset, stride);
}

/** writeFrame() for any argb image (a framebuffer, the layout image). */
export function writeImage(image: TargetImage, area: Rect, format: number, target: Uint8Array, offset: number, stride: number): void {
  const a = intersect(area, rect(0, 0, image.width, image.height));
  const W = image.width;
  const fb = image.pixels;
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
  return imageRgba({ pixels: fb, width: output.width, height: output.height }, area);
}

/** An argb image (or `area` of it) as RGBA bytes. */
export function imageRgba(image: TargetImage, area: Rect = rect(0, 0, image.width, image.height)): { width: number; height: number; data: Uint8Array } {
  const a = intersect(area, rect(0, 0, image.width, image.height));
  const data = new Uint8Array(Math.max(0, a.width) * Math.max(0, a.height) * 4);
  writeImage(image, a, FORMAT.abgr8888, data, 0, a.width * 4);
  return { width: a.width, height: a.height, data };
}

/**
 * The whole layout as one image: the outputs' bounding box (logical) at
 * their highest scale, each output's framebuffer drawn at its place,
 * transparent where no output is. One output: a copy of its framebuffer.
 * Cost: the image's pixels (allocated, zeroed) plus each output's area.
 */
export function composeLayout(outputs: readonly Output[]): TargetImage {
  if (outputs.length === 1) {
    const o = outputs[0]!;
    return { pixels: o.framebuffer.slice(), width: o.width, height: o.height };
  }
  const { bounds, scale, width, height } = pixelExtent(outputs.map(layoutBoxOf));
  const image: TargetImage = { pixels: new Uint32Array(width * height), width, height };
  for (const o of outputs) {
    // Output pixels per layout pixel; the output's box at the layout's scale.
    const k = o.scale / scale;
    const dx = Math.round((o.x - bounds.x) * scale);
    const dy = Math.round((o.y - bounds.y) * scale);
    const area = intersect(rect(dx, dy, Math.round(o.logicalWidth * scale), Math.round(o.logicalHeight * scale)), rect(0, 0, width, height));
    if (isEmpty(area)) continue;
    const source = { memory: o.framebuffer, offset: 0, stride: o.width * 4, format: ARGB8888, width: o.width, height: o.height };
    const filter = Number.isInteger(scale / o.scale) ? Filter.Nearest : Filter.Bilinear;
    composite(image, source, Op.Copy, filter, Float64Array.of(k, 0, -dx * k, 0, k, -dy * k), area);
  }
  return image;
}
