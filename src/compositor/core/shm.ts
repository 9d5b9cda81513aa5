// wl_shm on guarded mappings: pools, buffers, and the copy out of client memory.
//
// Invariants:
//  - every pool is one guarded mapping (`map()` from src/shm) of the client's
//    fd: a truncated, lying or resized file reads as zeros, never SIGBUS;
//    seals and the file's size are never consulted to skip the guard, and a
//    pool declared larger than its file is accepted (and guarded);
//  - pools only grow: resize to a smaller size is libwayland's invalid_fd
//    "shrinking pool invalid"; a larger one remaps at once (nothing of ours
//    points into the old mapping between requests: buffers are copied at
//    commit);
//  - create_buffer is checked as libwayland's wayland-shm.c does, in 64-bit
//    (double) arithmetic, with its codes and messages, and in addition
//    stride >= width × bytes per pixel (the painter must never read past a row);
//  - every format pixman reads is advertised (pixman.ts SHM_FORMATS): the
//    painter reads them as they are, nothing is converted in JavaScript;
//  - a buffer keeps its pool's mapping alive: destroying the pool resource
//    does not unmap while a buffer of it lives (libwayland's refcount);
//  - copyRows() and image() are the only ways to client memory for reading:
//    copyRows() at commit, into the compositor's copy; image() for the
//    painter, for a buffer shown straight from the client's memory (past
//    the memory budget, content.ts). Both are guarded reads; copyRows()
//    reports whether the guard had to rescue a page during the copy (the
//    mapping's rescue count moved), so the caller can apply the truncation
//    policy before anything copied is shown, and `rescueCount` lets the
//    painter do the same after a frame;
//  - writeInto() is the only writer (screen capture). It writes through the
//    pool's writable guarded mapping: a page past end of file takes the write
//    in private memory (nothing reaches the file past its end, docs/contract.md
//    point 4) and is reported as a rescue; a pool mapped read-only (its fd
//    was opened O_RDONLY) is never written.
import { isNosigbusError, map, type SafeMapping } from '../../shm/index.js';
import { handleOf } from '../../shm/mapping.js';
import { wl_buffer, wl_display, wl_shm, wl_shm_pool } from '../../protocol/wayland.js';
import type { Display, Resource } from '../../server/index.js';
import { dataOf, implement } from '../../server/typed.js';
import { composite, Filter, Op, SHM_FORMATS, translation, type SourceImage, type TargetImage } from './pixman.js';

export const FORMAT = wl_shm.enums.format.entries;

/** Formats the painter reads (every one pixman reads), in the order advertised. */
export const SUPPORTED_FORMATS: readonly number[] = [...SHM_FORMATS.keys()];

const SHM_ERROR = wl_shm.enums.error.entries;
const DISPLAY_ERROR = wl_display.enums.error.entries;
const INT32_MAX = 0x7fffffff;

/** What to do when a client's buffer was truncated under us. */
export type TruncationPolicy = 'error' | 'zero';

export class ShmPool {
  readonly mapping: SafeMapping;
  size: number;
  /** Pool resource + live buffers; the mapping closes at zero. */
  #refs = 1;

  constructor(mapping: SafeMapping, size: number) {
    this.mapping = mapping;
    this.size = size;
  }

  ref(): void {
    this.#refs++;
  }

  unref(): void {
    if (--this.#refs === 0) this.mapping.close();
  }
}

export class ShmBuffer {
  readonly resource: Resource<typeof wl_buffer>;
  readonly pool: ShmPool;
  readonly offset: number;
  readonly width: number;
  readonly height: number;
  readonly stride: number;
  readonly format: number;
  /** Contents showing this buffer in place (content.ts DirectContent): it is released when the last goes. */
  shownInPlace = 0;

  constructor(resource: Resource<typeof wl_buffer>, pool: ShmPool, offset: number, width: number, height: number, stride: number, format: number) {
    this.resource = resource;
    this.pool = pool;
    this.offset = offset;
    this.width = width;
    this.height = height;
    this.stride = stride;
    this.format = format;
  }

  /** No alpha channel: every pixel is shown opaque. */
  get opaque(): boolean {
    return !SHM_FORMATS.get(this.format)!.alpha;
  }

  /** The buffer as the painter reads it: straight from the pool's guarded mapping. */
  image(): SourceImage {
    return { memory: handleOf(this.pool.mapping), offset: this.offset, stride: this.stride, format: this.format, width: this.width, height: this.height };
  }

  /**
   * Copies rows [y0, y1), columns [x0, x1) of the buffer into `target`
   * (an image of this buffer's size, argb premultiplied, alpha forced opaque
   * for formats without one). Returns true when the guard rescued a page
   * during the copy: the client truncated its file and what was copied from
   * there is zeros.
   */
  copyRows(target: TargetImage, x0: number, y0: number, x1: number, y1: number): boolean {
    const before = this.pool.mapping.rescues.count;
    if (x1 > x0 && y1 > y0)
      composite(target, this.image(), this.opaque ? Op.CopyOpaque : Op.Copy, Filter.Nearest, IDENTITY, { x: x0, y: y0, width: x1 - x0, height: y1 - y0 });
    return this.pool.mapping.rescues.count !== before;
  }

  /** Pages the guard has rescued in this buffer's pool so far (it moves when a read found the file truncated). */
  get rescueCount(): number {
    return this.pool.mapping.rescueCount;
  }

  /**
   * Runs `write(bytes, offset, stride)` over this buffer's pool memory.
   * 'rescued': the file ended before the buffer did (truncated before or
   * during the write): what lay past its end was discarded, the bytes before
   * it are the write's. 'unwritable': the pool is read-only (or the runtime
   * gives no bytes), nothing was written.
   */
  writeInto(write: (bytes: Uint8Array, offset: number, stride: number) => void): WriteOutcome {
    const pool = this.pool;
    if (!pool.mapping.writable || !pool.mapping.hasBytes) return 'unwritable';
    // Pages rescued earlier are private zeros until remap (docs/contract.md point 3):
    // a write there would silently miss the file, and count no new rescue.
    if (pool.mapping.rescueCount > 0) {
      try {
        pool.mapping.remap(pool.size);
      } catch {
        return 'unwritable';
      }
    }
    const before = pool.mapping.rescueCount;
    write(pool.mapping.bytes, this.offset, this.stride);
    return pool.mapping.rescueCount !== before ? 'rescued' : 'written';
  }
}

/** A copy keeps the buffer's own pixel grid. */
const IDENTITY = translation(0, 0);

/** How a write into a client buffer went. */
export type WriteOutcome = 'written' | 'rescued' | 'unwritable';

export interface ShmStats {
  pools: number;
  buffers: number;
}

/** Advertises wl_shm v1 with the supported formats. */
export function createShmGlobal(display: Display, stats: ShmStats): void {
  display.createGlobal(wl_shm, 1, (shm) => {
    implement(shm, wl_shm, {
      create_pool: (r, poolResource, fd, size) => {
        if (size <= 0) {
          r.postError(SHM_ERROR.invalid_stride, `invalid size (${size})`);
          return;
        }
        let mapping: SafeMapping;
        try {
          // The guard makes any length safe; the file's size is not asked.
          mapping = mapPool(fd.fd, size);
        } catch (e) {
          if (outOfMappings(e)) {
            r.client.postError(r.client.displayResource, DISPLAY_ERROR.no_memory, 'no memory');
            return;
          }
          r.postError(SHM_ERROR.invalid_fd, `failed mmap fd ${fd.fd}: ${e instanceof Error ? e.message : String(e)}`);
          return;
        }
        stats.pools++;
        servePool(poolResource, new ShmPool(mapping, size), stats);
      },
    });
    for (const f of SUPPORTED_FORMATS) shm.send('format', f);
  });
}

/** The guard's VMA budget (or memory) is spent: what libwayland's
 * wl_client_post_no_memory says, rather than blaming the client's fd. */
function outOfMappings(e: unknown): boolean {
  return isNosigbusError(e) && (e.code === 'ERR_NOSIGBUS_NO_MAPPINGS' || e.code === 'ERR_NOSIGBUS_NO_MEMORY');
}

/** Writable when the fd allows it (screen capture writes into client
 * buffers), read-only when it was opened read-only, as a client may. */
function mapPool(fd: number, length: number): SafeMapping {
  try {
    return map(fd, { length, writable: true });
  } catch (e) {
    if (isNosigbusError(e) && e.code === 'ERR_NOSIGBUS_ACCESS') return map(fd, { length });
    throw e;
  }
}

function servePool(resource: Resource<typeof wl_shm_pool>, pool: ShmPool, stats: ShmStats): void {
  resource.onDestroy(() => pool.unref());
  implement(
    resource,
    wl_shm_pool,
    {
      create_buffer: (r, bufferResource, offset, width, height, stride, format) => {
        if (!SUPPORTED_FORMATS.includes(format)) {
          r.postError(SHM_ERROR.invalid_format, `invalid format 0x${format.toString(16)}`);
          return;
        }
        // libwayland's check, in doubles (exact for these magnitudes), plus a row's pixels fitting its stride.
        if (offset < 0 || width <= 0 || height <= 0 || stride < width * SHM_FORMATS.get(format)!.bytesPerPixel || Math.floor(INT32_MAX / stride) < height || offset > pool.size - stride * height) {
          r.postError(SHM_ERROR.invalid_stride, `invalid width, height or stride (${width}x${height}, ${stride >>> 0})`);
          return;
        }
        pool.ref();
        stats.buffers++;
        bufferResource.onDestroy(() => pool.unref());
        implement(bufferResource, wl_buffer, {}, new ShmBuffer(bufferResource, pool, offset, width, height, stride, format));
      },
      resize: (r, size) => {
        if (size < pool.size) {
          r.postError(SHM_ERROR.invalid_fd, 'shrinking pool invalid');
          return;
        }
        if (size === pool.size) return;
        try {
          pool.mapping.remap(size);
        } catch (e) {
          if (outOfMappings(e)) r.client.postError(r.client.displayResource, DISPLAY_ERROR.no_memory, 'no memory');
          else r.postError(SHM_ERROR.invalid_fd, 'failed mremap');
          return;
        }
        pool.size = size;
      },
    },
    pool,
  );
}

/** libwayland's answer to a SIGBUS while accessing a buffer (policy 'error'). A buffer
 * shown in place may outlive its wl_buffer: then the error names the surface showing it
 * (an old id may already name another object of the client). */
export function postAccessError(buffer: ShmBuffer, shownOn?: Resource): void {
  if (!buffer.resource.destroyed || !shownOn) buffer.resource.postError(SHM_ERROR.invalid_fd, 'error accessing SHM buffer');
  else shownOn.postError(SHM_ERROR.invalid_fd, `error accessing SHM buffer (${buffer.resource}, destroyed, shown on it)`);
}

/** The shm buffer behind a wl_buffer resource, or null. */
export function shmBufferOf(resource: Resource<typeof wl_buffer> | null): ShmBuffer | null {
  return dataOf(resource, ShmBuffer);
}
