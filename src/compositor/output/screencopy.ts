// zwlr_screencopy_manager_v1 v3: the output copied into clients' wl_shm
// buffers, through the pools' writable guarded mappings.
//
// Invariants:
//  - a frame advertises one shm buffer (xrgb8888: the framebuffer's own
//    bytes, so a full-width copy is one memcpy), then buffer_done (v3); no
//    linux_dmabuf (no GPU), no y_invert (rows are written top down);
//  - capture_output_region is in output-logical coordinates, scaled to
//    output pixels (Output.toOutputRect: the edges the renderer gives a
//    surface there) and clamped to the output; an empty result is `failed`;
//  - `copy` is answered as soon as the framebuffer holds everything
//    committed: right after the requests that came with it (setImmediate:
//    a buffer destroyed in the same batch still fails the frame) when
//    nothing waits to be painted, with that moment's time; else at the next
//    refresh, after it painted, with that refresh's time (CLOCK_MONOTONIC,
//    as wp_presentation). `copy_with_damage` the same, once the client's
//    damage meets the frame's area (else it waits for a render that makes
//    some), and sends damage (buffer-local) before ready. Each
//    client's damage starts as the whole output (its first frame is never
//    held back), gathers every render's damage, and loses what a damage
//    frame delivered; what lay outside that frame's area is kept, so damage
//    may be over-reported, never missed;
//  - a wrong buffer is invalid_buffer, a second copy already_used;
//  - a frame still waiting when the output's mode changes is failed (its
//    buffer was sized to the old mode);
//  - the write goes through ShmBuffer.writeInto(): a destination truncated
//    before or during the copy (the mapping's rescue count moved) is the
//    truncation policy: 'error' posts wl_shm invalid_fd "error accessing SHM
//    buffer" on that wl_buffer (as for a bad source buffer), 'zero' sends
//    failed; a read-only pool, or a buffer destroyed before its copy, is
//    failed. Nothing past the file's end reaches the file.
//
// What a client may cost:
//  - at most MAX_PENDING_CAPTURES (16) of its frames wait for a refresh at
//    once; a copy past that is answered `failed` at once (the client keeps
//    working and may ask again once one was answered). Each waiting frame
//    costs a refresh one copy of its area, so a refresh copies at most 16
//    output areas per capturing client, whatever it asked;
//  - its damage list (copy_with_damage) is a region.ts damage list: at most
//    MAX_DAMAGE_RECTS rects, each render's damage added in O(rects);
//  - waiting frames are a Set: a frame leaves it in O(1) (destroyed,
//    buffer destroyed, delivered), so a refresh walks only waiting frames
//    and a render only those of clients with damage frames;
//  - a client's damage and count leave with it (its frames are destroyed).
import { zwlr_screencopy_frame_v1, zwlr_screencopy_manager_v1 } from '../../protocol/wlr-screencopy.js';
import type { wl_buffer } from '../../protocol/wayland.js';
import type { Client, Display, Resource } from '../../server/index.js';
import { writeFrame } from './capture.js';
import type { Output } from './output.js';
import { timespec } from '../core/presentation.js';
import { ClientQuota } from '../../server/client-quota.js';
import { addDamage, intersect, isEmpty, rect, sameRect, type Rect } from '../core/region.js';
import type { Renderer } from './renderer.js';
import { FORMAT, postAccessError, shmBufferOf, type ShmBuffer, type TruncationPolicy } from '../core/shm.js';
import { implement } from '../../server/typed.js';

const FRAME_ERROR = zwlr_screencopy_frame_v1.enums.error.entries;
/** What frames advertise: the framebuffer's byte order. */
export const CAPTURE_FORMAT = FORMAT.xrgb8888;
/** Frames of one client waiting for a refresh; a copy past it is `failed`. Capture tools ask one per output at a time. */
export const MAX_PENDING_CAPTURES = 16;

/** What screen capture needs from the compositor. */
export interface ScreencopyHost {
  readonly output: Output;
  readonly renderer: Renderer;
  readonly policy: TruncationPolicy;
  /** Run a refresh soon (a copy waits for it). */
  scheduleRefresh(): void;
  /** Something committed waits to be painted: the framebuffer is behind. */
  readonly repaintPending: boolean;
  /** Accounting: a capture buffer was truncated under us. */
  countRescue(client: Client, policy: TruncationPolicy): void;
}

class Frame {
  readonly resource: Resource<typeof zwlr_screencopy_frame_v1>;
  /** Output pixels. */
  readonly box: Rect;
  buffer: ShmBuffer | null = null;
  withDamage = false;
  #unlisten: (() => void) | null = null;
  /** Gives back the frame's place in its client's MAX_PENDING_CAPTURES. */
  #release: (() => void) | null = null;

  constructor(resource: Resource<typeof zwlr_screencopy_frame_v1>, box: Rect) {
    this.resource = resource;
    this.box = box;
  }

  get stride(): number {
    return this.box.width * 4;
  }

  take(buffer: ShmBuffer, release: () => void, onDestroy: () => void): void {
    this.buffer = buffer;
    this.#release = release;
    this.#unlisten = buffer.resource.onDestroy(onDestroy);
  }

  /** The copy is over (done, failed or abandoned). Idempotent. */
  finish(): void {
    this.#unlisten?.();
    this.#unlisten = null;
    this.#release?.();
    this.#release = null;
  }
}

/** Creates the zwlr_screencopy_manager_v1 global; returns what the refresh drives. */
export function createScreencopyGlobal(display: Display, host: ScreencopyHost): Screencopy {
  const screencopy = new Screencopy(host);
  display.createGlobal(zwlr_screencopy_manager_v1, 3, (manager) => screencopy.bind(manager));
  return screencopy;
}

export class Screencopy {
  readonly #host: ScreencopyHost;
  /** Frames with a buffer, waiting for a refresh, in the order asked. */
  #waiting = new Set<Frame>();
  /** Waiting frames per client. */
  readonly #pending = new ClientQuota('screen captures waiting', MAX_PENDING_CAPTURES);
  /** Per client (once it used copy_with_damage): output damage since its last damage frame (a damage list). */
  readonly #damage = new Map<Client, Rect[]>();
  /** An immediate is set to deliver frames that can go now. */
  #soon = false;

  constructor(host: ScreencopyHost) {
    this.#host = host;
    host.renderer.onDamage((rects) => this.#damaged(rects));
  }

  /** A client bound zwlr_screencopy_manager_v1. */
  bind(manager: Resource<typeof zwlr_screencopy_manager_v1>): void {
    const output = this.#host.output;
    implement(manager, zwlr_screencopy_manager_v1, {
      capture_output: (_m, frame) => this.#capture(frame, rect(0, 0, output.width, output.height)),
      capture_output_region: (_m, frame, _cursor, _output, x, y, width, height) => {
        // Logical to output pixels, the edges rounded as the renderer rounds them; a negative size is an empty box.
        this.#capture(frame, output.toOutputRect(x, y, Math.max(0, width), Math.max(0, height)));
      },
    });
  }

  #capture(resource: Resource<typeof zwlr_screencopy_frame_v1>, box: Rect): void {
    const clipped = intersect(box, rect(0, 0, this.#host.output.width, this.#host.output.height));
    const frame = new Frame(resource, clipped);
    resource.onDestroy(() => this.#drop(frame));
    const request = (withDamage: boolean) => (r: Resource<typeof zwlr_screencopy_frame_v1>, buffer: Resource<typeof wl_buffer>) => this.#copy(r, frame, buffer, withDamage);
    implement(resource, zwlr_screencopy_frame_v1, { copy: request(false), copy_with_damage: request(true) });
    if (isEmpty(clipped)) {
      resource.send('failed');
      return;
    }
    resource.send('buffer', CAPTURE_FORMAT, clipped.width, clipped.height, frame.stride);
    if (resource.version >= 3) resource.send('buffer_done');
  }

  #copy(resource: Resource<typeof zwlr_screencopy_frame_v1>, frame: Frame, bufferResource: Resource<typeof wl_buffer>, withDamage: boolean): void {
    if (frame.buffer !== null) {
      resource.postError(FRAME_ERROR.already_used, 'frame already used');
      return;
    }
    if (isEmpty(frame.box)) {
      resource.postError(FRAME_ERROR.invalid_buffer, 'frame has no buffer (failed)');
      return;
    }
    const buffer = shmBufferOf(bufferResource);
    if (!buffer) {
      resource.postError(FRAME_ERROR.invalid_buffer, 'unsupported buffer type');
      return;
    }
    if (buffer.format !== CAPTURE_FORMAT || buffer.width !== frame.box.width || buffer.height !== frame.box.height || buffer.stride !== frame.stride) {
      resource.postError(FRAME_ERROR.invalid_buffer, 'invalid buffer attributes');
      return;
    }
    const client = resource.client;
    const release = this.#pending.tryAcquire(client);
    if (!release) {
      frame.buffer = buffer; // used: a second copy is already_used
      resource.send('failed');
      return;
    }
    frame.take(buffer, release, () => this.#fail(frame));
    frame.withDamage = withDamage;
    if (withDamage && !this.#damage.has(client)) {
      this.#damage.set(client, [rect(0, 0, this.#host.output.width, this.#host.output.height)]);
      client.onDestroy((c) => this.#damage.delete(c));
    }
    this.#waiting.add(frame);
    if (!withDamage || this.#damageIn(frame).length > 0) this.#deliverSoon();
  }

  /** After the requests read with this one: every frame that can go, now
   * if the framebuffer is current, else at the next refresh (which paints first). */
  #deliverSoon(): void {
    if (this.#soon) return;
    this.#soon = true;
    setImmediate(() => {
      this.#soon = false;
      if (this.#waiting.size === 0) return;
      if (this.#host.repaintPending) this.#host.scheduleRefresh();
      else this.refresh(process.hrtime.bigint());
    });
  }

  /** The client's damage within the frame's area, buffer-local. */
  #damageIn(frame: Frame): Rect[] {
    const out: Rect[] = [];
    for (const d of this.#damage.get(frame.resource.client) ?? []) {
      const c = intersect(d, frame.box);
      if (!isEmpty(c)) out.push(rect(c.x - frame.box.x, c.y - frame.box.y, c.width, c.height));
    }
    return out;
  }

  #damaged(rects: readonly Rect[]): void {
    if (rects.length === 0) return;
    for (const list of this.#damage.values()) for (const r of rects) addDamage(list, rect(r.x, r.y, r.width, r.height));
    // A render outside a refresh (a screenshot) may have made damage frames ready.
    for (const f of this.#waiting) {
      if (f.withDamage && this.#damageIn(f).length > 0) {
        this.#host.scheduleRefresh();
        break;
      }
    }
  }

  /** Frames waiting for a refresh, of every client (tests: back to 0). */
  get waiting(): number {
    return this.#waiting.size;
  }

  /** With the framebuffer current (a refresh, after painting): copies every
   * frame that can go; `vblank` is the time to report (monotonic ns). */
  refresh(vblank: bigint): void {
    const ready: Frame[] = [];
    for (const f of this.#waiting) if (!f.withDamage || this.#damageIn(f).length > 0) ready.push(f);
    for (const f of ready) this.#waiting.delete(f);
    for (const f of ready) {
      try {
        this.#deliver(f, vblank);
      } catch (e) {
        f.resource.client.postImplementationError(e); // that client's capture, that client's end
      }
    }
  }

  #deliver(frame: Frame, vblank: bigint): void {
    const buffer = frame.buffer!;
    frame.finish();
    const host = this.#host;
    const outcome = buffer.writeInto((bytes, offset, stride) => writeFrame(host.output, host.output.framebuffer, frame.box, CAPTURE_FORMAT, bytes, offset, stride));
    const r = frame.resource;
    if (outcome === 'unwritable') {
      r.send('failed');
      return;
    }
    if (outcome === 'rescued') {
      host.countRescue(r.client, host.policy);
      if (host.policy === 'error') postAccessError(buffer);
      else r.send('failed');
      return;
    }
    r.send('flags', 0);
    if (frame.withDamage) {
      for (const d of this.#damageIn(frame)) r.send('damage', d.x, d.y, d.width, d.height);
      this.#delivered(r.client, frame.box);
    }
    r.send('ready', ...timespec(vblank));
  }

  /** Damage a frame delivered is forgotten; damage reaching outside its area is kept whole. */
  #delivered(client: Client, box: Rect): void {
    const list = this.#damage.get(client);
    if (!list) return;
    let kept = 0;
    for (const d of list) if (!sameRect(intersect(d, box), d)) list[kept++] = d;
    list.length = kept;
  }

  /** The output's mode changed: frames waiting for a copy were sized to the old one, so they fail (the client asks again). */
  outputChanged(): void {
    const waiting = this.#waiting;
    this.#waiting = new Set();
    for (const f of waiting) {
      f.finish();
      f.resource.send('failed');
    }
  }

  #fail(frame: Frame): void {
    if (!this.#waiting.has(frame)) return;
    this.#drop(frame);
    frame.resource.send('failed');
  }

  #drop(frame: Frame): void {
    frame.finish();
    this.#waiting.delete(frame);
  }
}
