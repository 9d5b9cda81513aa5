// What a surface shows, and the memory it may cost the compositor.
//
// Invariants:
//  - a committed shm buffer is shown one of two ways, both read by pixman,
//    each pixel of the client's memory read once. Within the memory budget
//    it is copied (the damaged area, converted to argb) into compositor
//    memory at commit and released at once (CopiedContent; GTK3, foot and
//    weston-simple-shm redraw into a buffer as soon as it is released).
//    Past the budget — per client and in all, or always with
//    --memory-budget 0 — it is shown straight from the client's guarded
//    mapping (DirectContent), as weston and wlroots show every buffer: read
//    while painting, only where it reaches the output, and released when the
//    surface shows something else. Reading client memory at any time is
//    what the guard makes safe: a truncated page reads as zeros, and the
//    rescue is seen after the read;
//  - so the compositor's own memory for client pixels is at most the
//    budget, whatever the sizes of the buffers: four 23000×23000 buffers
//    cost the pages of them that reach the output, not 8 GB;
//  - a content shown in place keeps its pool mapped: a client may destroy
//    the wl_buffer and the pool before the release and still be shown;
//  - a copy's memory (64 KiB and more) is its own anonymous mapping
//    (native/addon/pixels.c), given back when the copy is freed: when it is
//    replaced, when its surface is destroyed, and so when its client leaves —
//    not when the GC runs; smaller copies are left to the GC;
//  - a single-pixel buffer (single-pixel-buffer.ts) becomes a SolidContent:
//    its colour, 1×1, drawn by the same painter path stretched to the
//    surface's size (bilinear over one pixel is that colour everywhere);
//  - every content is freed exactly once (free() is idempotent) by whoever
//    holds it last: the surface, a pending or cached state.
import type { Client } from '../../server/index.js';
import { native, type PixelsHandle } from '../../shm/native.js';
import type { ShmBuffer } from './shm.js';
import { ARGB8888, type SourceImage } from './pixman.js';

/** Bytes of client pixels the compositor copies, per client and in all; past either, buffers are shown in place. */
export class PixelBudget {
  readonly perClient: number;
  readonly total: number;
  readonly #used = new Map<Client, number>();
  #usedTotal = 0;

  constructor(perClient: number, total: number) {
    this.perClient = perClient;
    this.total = total;
  }

  /** Bytes copied now: in all, or for one client. */
  used(client?: Client): number {
    return client ? (this.#used.get(client) ?? 0) : this.#usedTotal;
  }

  /** Takes `bytes` for `client` if both budgets allow it. */
  tryReserve(client: Client, bytes: number): boolean {
    const mine = this.#used.get(client) ?? 0;
    if (mine + bytes > this.perClient || this.#usedTotal + bytes > this.total) return false;
    this.#used.set(client, mine + bytes);
    this.#usedTotal += bytes;
    return true;
  }

  release(client: Client, bytes: number): void {
    const left = (this.#used.get(client) ?? 0) - bytes;
    if (left > 0) this.#used.set(client, left);
    else this.#used.delete(client);
    this.#usedTotal -= bytes;
  }
}

/** Default budget: a 4K window at scale 1 is 32 MiB; a client may have a few, all clients together a dozen.
 * Copying is the default because a buffer released at once is reused: GTK3 draws every frame into the
 * same buffer then, while a buffer held until replaced makes it create and free a pool a frame, which
 * costs both sides more than the copy (`npm run bench gtk`: 1.9 ms a frame copied, 3.3 ms in place). */
export const DEFAULT_CLIENT_PIXEL_BUDGET = 128 * 1024 * 1024;
export const DEFAULT_TOTAL_PIXEL_BUDGET = 384 * 1024 * 1024;

/** Copies this large or larger get a mapping of their own, unmapped when freed;
 * smaller ones (cursors, icons, 4×4 subsurfaces) live on the JavaScript heap,
 * where a mapping per copy would cost a syscall, a page and a finalizer. */
const OWN_MAPPING_BYTES = 64 * 1024;

interface ContentBase {
  readonly width: number;
  readonly height: number;
  /** Every pixel is opaque (an x-format, or an opaque region over all of it). */
  opaque: boolean;
  /** The pixels as the painter reads them; null: nothing to read (shows as transparent). */
  image(): SourceImage | null;
  free(): void;
}

/** Pixels copied into compositor memory (argb premultiplied, alpha valid). */
export class CopiedContent implements ContentBase {
  readonly kind = 'copied';
  readonly width: number;
  readonly height: number;
  opaque: boolean;
  /** width × height pixels; length 0 once freed. */
  readonly pixels: Uint32Array;
  /** The mapping of its own (large copies), null for small ones on the JavaScript heap. */
  readonly #own: { buffer: ArrayBuffer; handle: PixelsHandle } | null = null;
  readonly #budget: PixelBudget;
  readonly #client: Client;
  #freed = false;

  private constructor(width: number, height: number, opaque: boolean, budget: PixelBudget, client: Client) {
    const bytes = width * height * 4;
    if (bytes >= OWN_MAPPING_BYTES) {
      const [buffer, handle] = native.pixelsAlloc(bytes);
      this.#own = { buffer, handle };
      this.pixels = new Uint32Array(buffer);
    } else this.pixels = new Uint32Array(width * height);
    this.width = width;
    this.height = height;
    this.opaque = opaque;
    this.#budget = budget;
    this.#client = client;
  }

  /** A zeroed width × height copy charged to `client`, or null when the budget (or the system) does not allow it. */
  static allocate(budget: PixelBudget, client: Client, width: number, height: number, opaque: boolean): CopiedContent | null {
    const bytes = width * height * 4;
    if (!budget.tryReserve(client, bytes)) return null;
    try {
      return new CopiedContent(width, height, opaque, budget, client);
    } catch {
      budget.release(client, bytes);
      return null; // the system refused the memory: shown in place, as past the budget
    }
  }

  image(): SourceImage | null {
    if (this.#freed) return null;
    return { memory: this.pixels, offset: 0, stride: this.width * 4, format: ARGB8888, width: this.width, height: this.height };
  }

  free(): void {
    if (this.#freed) return;
    this.#freed = true;
    if (this.#own) native.pixelsFree(this.#own.buffer, this.#own.handle);
    this.#budget.release(this.#client, this.width * this.height * 4);
  }
}

/** A buffer shown in place: read from the client's guarded mapping while painting, released when replaced. */
export class DirectContent implements ContentBase {
  readonly kind = 'direct';
  readonly buffer: ShmBuffer;
  readonly width: number;
  readonly height: number;
  opaque: boolean;
  #freed = false;

  constructor(buffer: ShmBuffer, opaque: boolean) {
    this.buffer = buffer;
    this.width = buffer.width;
    this.height = buffer.height;
    this.opaque = opaque;
    buffer.shownInPlace++;
    // Shown until replaced, even if the client destroys the wl_buffer and its pool
    // first (wl_surface.attach allows it): the pool stays mapped while we read it.
    buffer.pool.ref();
  }

  image(): SourceImage | null {
    return this.#freed ? null : this.buffer.image();
  }

  /** The client may reuse its buffer: wl_buffer.release, once, when no other
   * content shows it in place (the same buffer committed again, or on another surface). */
  free(): void {
    if (this.#freed) return;
    this.#freed = true;
    this.buffer.pool.unref();
    if (--this.buffer.shownInPlace === 0 && !this.buffer.resource.destroyed) this.buffer.resource.send('release');
  }
}

/** One colour (a wp_single_pixel_buffer_manager_v1 buffer): a 1×1 image the
 * painter stretches over the surface. Four bytes of its own, outside the budget. */
export class SolidContent implements ContentBase {
  readonly kind = 'solid';
  readonly width = 1;
  readonly height = 1;
  opaque: boolean;
  /** The colour, argb premultiplied (one pixel). */
  readonly #pixel: Uint32Array;

  constructor(argb: number, opaque: boolean) {
    this.#pixel = Uint32Array.of(argb);
    this.opaque = opaque;
  }

  image(): SourceImage {
    return { memory: this.#pixel, offset: 0, stride: 4, format: ARGB8888, width: 1, height: 1 };
  }

  /** Nothing to give back: the pixel is the GC's. */
  free(): void {}
}

/** What a mapped surface shows. */
export type Content = CopiedContent | DirectContent | SolidContent;
