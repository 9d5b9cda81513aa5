// The compositor's pixel work, done by pixman in the addon (native/addon/composite.c):
// copies, format conversion, source-over, nearest and bilinear sampling; and an area average.
//
// Invariants:
//  - destinations are a8r8g8b8 premultiplied images (the framebuffer, a
//    surface's copy), width × 4 bytes a row;
//  - sources are any wl_shm format of SHM_FORMATS, in compositor memory or
//    read straight from a client's guarded mapping (a truncated page reads
//    as zeros; the caller reads the mapping's rescue count afterwards);
//  - a call reads and writes nothing outside the images it was given (the
//    addon checks every argument against them) and costs what the
//    destination rectangle costs, whatever the source's size.
import { native, type NativeHandle } from '../../shm/native.js';
import type { Rect } from './region.js';

/** How the source reaches the destination. */
export const enum Op {
  /** The source's pixels as they are. */
  Copy = 0,
  /** The source's colour, alpha forced opaque (x-formats, opaque regions). */
  CopyOpaque = 1,
  /** Source-over, premultiplied. */
  Over = 2,
}

export const enum Filter {
  Nearest = 0,
  Bilinear = 1,
  /** Each output pixel the average of the source area it covers, that area capped at
   * 2 × 2 source pixels (composite.c box_draw: axis-aligned maps of 8-bit-channel 32-bit
   * formats; bilinear for the others). */
  Box = 2,
}

export interface ShmFormatInfo {
  readonly bytesPerPixel: number;
  /** Has an alpha channel (else every pixel shows opaque). */
  readonly alpha: boolean;
}

/** Every wl_shm format pixman reads, by wl_shm code, in the order advertised. */
export const SHM_FORMATS: ReadonlyMap<number, ShmFormatInfo> = new Map(
  native.shmFormats().map(([format, bytesPerPixel, alpha]) => [format, { bytesPerPixel, alpha }]),
);

/** wl_shm.format.argb8888: what the compositor's own images are. */
export const ARGB8888 = 0;

/** A width × height a8r8g8b8 image the compositor owns. */
export interface TargetImage {
  readonly pixels: Uint32Array;
  readonly width: number;
  readonly height: number;
}

/** A source image: `format` pixels at byte `offset` of `memory`, `stride` bytes a row. */
export interface SourceImage {
  readonly memory: ArrayBufferView | NativeHandle;
  readonly offset: number;
  readonly stride: number;
  readonly format: number;
  readonly width: number;
  readonly height: number;
}

/** From destination coordinates to source coordinates: x' = a·x + b·y + c, y' = d·x + e·y + f. */
export type Affine = Float64Array;

export function translation(dx: number, dy: number): Affine {
  return Float64Array.of(1, 0, dx, 0, 1, dy);
}

/** Draws `area` of `dst` from `src` sampled through `matrix`. */
export function composite(dst: TargetImage, src: SourceImage, op: Op, filter: Filter, matrix: Affine, area: Rect): void {
  native.composite(
    op, filter, dst.pixels, dst.width, dst.height,
    src.memory, src.offset, src.stride, src.format, src.width, src.height,
    matrix, area.x, area.y, area.width, area.height,
  );
}

/** `matrix` samples source pixel centres exactly (whole-pixel offsets, unit steps, right angles): nearest is exact. */
export function pixelExact(m: Affine): boolean {
  const unit = (v: number): boolean => v === 0 || v === 1 || v === -1;
  return unit(m[0]!) && unit(m[1]!) && unit(m[3]!) && unit(m[4]!) && Number.isInteger(m[2]!) && Number.isInteger(m[5]!);
}

/**
 * How content that `m` maps onto the output is sampled. Pixel-exact: nearest,
 * a copy. Shrunk by a factor between 1 and 2 on some axis (a client drawing
 * at 2 for a 1.5 output, as every client does that knows no fractional
 * scale: 4/3 source pixels an output pixel): the area average, because
 * bilinear's two taps a pixel weigh a source pixel by where the sample
 * happens to fall, so one-pixel lines and text stems come out at 1/3 to
 * full strength depending on their position (uneven strokes, moiré), where
 * the average gives every source pixel its area's share; it reads at most
 * 3 × 3 source pixels an output pixel (about twice bilinear's cost, `npm run
 * bench fractional-scale`). Bilinear otherwise: magnified (each
 * output pixel between four source pixels), and shrunk by exactly 2 or more,
 * where at exactly 2 bilinear is that same 2 × 2 average (integer scales
 * draw as they always did) and beyond it an average over the whole area
 * would cost what the shrink factor squared costs, which a viewport lets
 * a client choose.
 */
export function samplingFilter(m: Affine): Filter {
  if (pixelExact(m)) return Filter.Nearest;
  // Source pixels one output pixel spans, along the source's axes.
  const ex = Math.abs(m[0]!) + Math.abs(m[1]!);
  const ey = Math.abs(m[3]!) + Math.abs(m[4]!);
  const between = (e: number): boolean => e > 1 && e < 2;
  return (between(ex) && ey < 2) || (between(ey) && ex < 2) ? Filter.Box : Filter.Bilinear;
}
