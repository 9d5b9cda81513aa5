// Images of a session: PNG encoding and decoding (fast-png, loaded on first
// use) and the comparison helper of the session API.
//
// Invariants:
//  - an Image is RGBA, 8 bits a channel, row-major, width × height × 4 bytes
//    (what captureRgba produces and PNG encoders take);
//  - decodePng() gives every PNG fast-png reads as such an Image: grey,
//    grey + alpha, RGB, RGBA, 16-bit (high byte kept), palette;
//  - compareImages() counts pixels (of the region, if given) whose channels
//    differ by more than the tolerance in any channel; images of different
//    sizes are an error (a size is not a pixel difference); the diff image
//    is `a` in faded grey with each differing pixel in opaque red.

export interface Image {
  width: number;
  height: number;
  /** RGBA, 8 bits a channel, row-major. */
  data: Uint8Array;
}

export interface Screenshot {
  png: Uint8Array;
  /** Pixels (logical size × output scale). */
  width: number;
  height: number;
}

type FastPng = typeof import('fast-png');
let fastPng: FastPng | null = null;

async function png(): Promise<FastPng> {
  fastPng ??= await import('fast-png');
  return fastPng;
}

/** PNG bytes of an RGBA image. */
export async function encodePng(image: Image): Promise<Uint8Array> {
  return (await png()).encode({ width: image.width, height: image.height, data: image.data, channels: 4, depth: 8 });
}

/** An RGBA image from PNG bytes (RangeError if they are not a PNG fast-png reads). */
export async function decodePng(bytes: Uint8Array): Promise<Image> {
  const p = await png();
  if (!p.hasPngSignature(bytes)) throw new RangeError('not a PNG image (no PNG signature)');
  let d = p.decode(bytes);
  if (d.palette) d = { ...d, data: p.convertIndexedToRgb(d), channels: d.transparency ? 4 : 3, depth: 8 };
  const { width, height, channels } = d;
  const src = d.data;
  const shift = d.depth === 16 ? 8 : 0;
  const out = new Uint8Array(width * height * 4);
  for (let i = 0, j = 0; i < width * height; i++, j += channels) {
    const c = (k: number): number => src[j + k]! >> shift;
    const o = i * 4;
    if (channels >= 3) [out[o], out[o + 1], out[o + 2]] = [c(0), c(1), c(2)];
    else out[o] = out[o + 1] = out[o + 2] = c(0);
    out[o + 3] = channels === 4 ? c(3) : channels === 2 ? c(1) : 255;
  }
  return { width, height, data: out };
}

export interface ImageComparison {
  /** Pixels (in the region compared) whose channels differ by more than the tolerance in any channel. */
  differing: number;
  /** Pixels compared: the region's, else width × height. */
  total: number;
  width: number;
  height: number;
  /** PNG of the whole image: `a` faded to grey, differing pixels opaque red. */
  diff: Uint8Array;
}

export interface CompareOptions {
  /** Largest difference per channel (0..255) that still counts as the same (default 0). */
  tolerance?: number;
  /** Compare only this rectangle (pixels; clipped to the images). */
  region?: { x: number; y: number; width: number; height: number };
}

/**
 * Compares two images (PNG bytes or decoded), pixel by pixel: a pixel
 * differs when any channel (R, G, B, A) differs by more than `tolerance`.
 *
 * ```ts
 * const { differing, diff } = await compareImages(before, after, { tolerance: 8 });
 * if (differing > 0) writeFileSync('diff.png', diff);
 * ```
 */
export async function compareImages(a: Uint8Array | Image, b: Uint8Array | Image, options: CompareOptions = {}): Promise<ImageComparison> {
  const tolerance = options.tolerance ?? 0;
  if (!(tolerance >= 0 && tolerance <= 255)) throw new RangeError(`tolerance ${tolerance} is outside 0..255`);
  const x = a instanceof Uint8Array ? await decodePng(a) : a;
  const y = b instanceof Uint8Array ? await decodePng(b) : b;
  if (x.width !== y.width || x.height !== y.height) throw new RangeError(`images differ in size: ${x.width}x${x.height} and ${y.width}x${y.height}`);
  const r = options.region ?? { x: 0, y: 0, width: x.width, height: x.height };
  const x0 = Math.max(0, Math.floor(r.x));
  const y0 = Math.max(0, Math.floor(r.y));
  const x1 = Math.min(x.width, Math.ceil(r.x + r.width));
  const y1 = Math.min(x.height, Math.ceil(r.y + r.height));
  const diff = new Uint8Array(x.width * x.height * 4);
  let differing = 0;
  for (let row = 0; row < x.height; row++) {
    for (let col = 0; col < x.width; col++) {
      const i = (row * x.width + col) * 4;
      let over = false;
      if (row >= y0 && row < y1 && col >= x0 && col < x1) for (let k = 0; k < 4 && !over; k++) over = Math.abs(x.data[i + k]! - y.data[i + k]!) > tolerance;
      if (over) {
        differing++;
        diff[i] = 255;
      } else {
        // Luma, faded towards white: the picture stays readable under the red.
        diff[i] = diff[i + 1] = diff[i + 2] = 160 + (((x.data[i]! * 77 + x.data[i + 1]! * 150 + x.data[i + 2]! * 29) >> 8) * 95) / 255;
      }
      diff[i + 3] = 255;
    }
  }
  const total = Math.max(0, x1 - x0) * Math.max(0, y1 - y0);
  return { differing, total, width: x.width, height: x.height, diff: await encodePng({ width: x.width, height: x.height, data: diff }) };
}
