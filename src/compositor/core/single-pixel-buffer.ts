// wp_single_pixel_buffer_manager_v1 v1: wl_buffers of one colour.
//
// Owns: the SolidBuffer behind each such wl_buffer (its colour, nothing else).
//
// Invariants:
//  - create_u32_rgba_buffer makes a 1×1 wl_buffer; its four u32 channels
//    (premultiplied, 0xffffffff is 1.0) are rounded to 8 bits at once and
//    kept as one argb pixel: the buffer is shown as a SolidContent
//    (content.ts), stretched by wp_viewport to whatever size the surface has;
//  - alpha at its maximum makes the content opaque (copied, nothing below
//    drawn); below it, the colour is blended source-over like any argb pixel;
//    colour channels above alpha are not refused (the protocol does not say
//    so) and saturate in pixman's blend;
//  - release as for a copied shm buffer: at the commit that takes the colour
//    (surface.ts #copyOut), nothing later reads the wl_buffer;
//  - a client holds at most MAX_SINGLE_PIXEL_BUFFERS live ones (no_memory
//    past it), each a few dozen bytes; destroying one uncounts it.
import { wp_single_pixel_buffer_manager_v1 } from '../../protocol/single-pixel-buffer.js';
import { wl_buffer } from '../../protocol/wayland.js';
import type { Display, Resource } from '../../server/index.js';
import { ClientQuota } from '../../server/client-quota.js';
import { dataOf, implement } from '../../server/typed.js';

/** Live single-pixel buffers one client may hold (GTK4 and Firefox hold a handful). */
export const MAX_SINGLE_PIXEL_BUFFERS = 4096;

/** A wl_buffer of one colour. */
export class SolidBuffer {
  readonly resource: Resource<typeof wl_buffer>;
  readonly width = 1;
  readonly height = 1;
  /** The colour, argb premultiplied, 8 bits a channel. */
  readonly argb: number;

  constructor(resource: Resource<typeof wl_buffer>, r: number, g: number, b: number, a: number) {
    this.resource = resource;
    this.argb = ((to8(a) << 24) | (to8(r) << 16) | (to8(g) << 8) | to8(b)) >>> 0;
  }

  /** Alpha at its maximum: nothing below shows through. */
  get opaque(): boolean {
    return this.argb >>> 24 === 0xff;
  }
}

/** A u32 channel (0xffffffff = 1.0) to the nearest 8-bit value (exact in doubles). */
function to8(channel: number): number {
  return Math.round(((channel >>> 0) * 255) / 0xffffffff);
}

/** The single-pixel buffer behind a wl_buffer resource, or null. */
export function solidBufferOf(resource: Resource<typeof wl_buffer> | null): SolidBuffer | null {
  return dataOf(resource, SolidBuffer);
}

export function createSinglePixelBufferGlobal(display: Display): void {
  const quota = new ClientQuota('single-pixel buffers', MAX_SINGLE_PIXEL_BUFFERS);
  display.createGlobal(wp_single_pixel_buffer_manager_v1, 1, (manager) =>
    implement(manager, wp_single_pixel_buffer_manager_v1, {
      create_u32_rgba_buffer: (_r, bufferResource, r, g, b, a) => {
        implement(bufferResource, wl_buffer, {}, new SolidBuffer(bufferResource, r, g, b, a));
        quota.acquire(bufferResource);
      },
    }),
  );
}
