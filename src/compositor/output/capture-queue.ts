// Screen capture into clients' wl_shm buffers, for every capture protocol
// (zwlr_screencopy_manager_v1: screencopy.ts; ext_image_copy_capture_v1:
// image-copy-capture.ts): when a capture goes, what it writes, what it
// reports as damage. A capture's source is an Output (one now; each capture
// names its own, so more plug in), its area a rectangle of that output.
//
// Invariants:
//  - a capture is answered as soon as the framebuffer holds everything
//    committed: right after the requests that came with it (setImmediate:
//    a buffer destroyed in the same batch still fails it) when nothing waits
//    to be painted, with that moment's time; else at the next refresh,
//    after it painted, with that refresh's time (CLOCK_MONOTONIC, as
//    wp_presentation). A capture with a damage log waits until the log's
//    damage meets its area (else for a render that makes some);
//  - a damage log (one per wlr client using copy_with_damage, one per ext
//    session) starts as its whole output (a first frame is never held
//    back), gathers every render's damage, and loses what a capture of it
//    delivered; what lay outside that capture's area is kept, so damage may
//    be over-reported, never missed. An output change makes it the whole
//    output again;
//  - the write goes through ShmBuffer.writeInto() and capture.ts's
//    writeFrame (the one writer of output pixels into client memory): the
//    whole area, or only the rects the capture names and its log's damage
//    (ext: at least what changed and what the client says it needs). A
//    destination truncated before or during the write (the mapping's rescue
//    count moved) is the truncation policy: 'error' posts wl_shm invalid_fd
//    "error accessing SHM buffer" on that wl_buffer (as for a bad source
//    buffer), 'zero' fails the capture; a read-only pool, or a buffer
//    destroyed before its write, fails it. Nothing past the file's end
//    reaches the file;
//  - a capture still waiting when its output's mode changes fails (its
//    buffer was sized to the old mode), after the change listeners ran
//    (new buffer constraints go out first).
//
// What a client may cost:
//  - at most MAX_PENDING_CAPTURES (16) of its captures wait at once, over
//    every protocol; one past that is failed at once (the client keeps
//    working and may ask again once one was answered). Each waiting capture
//    costs a refresh one copy of its area, so a refresh copies at most 16
//    output areas per capturing client, whatever it asked;
//  - a damage log is a region.ts damage list: at most MAX_DAMAGE_RECTS
//    rects, each render's damage added in O(rects); the protocols bound how
//    many logs a client has (one per wlr client, ext sessions per client);
//  - waiting captures are a Set: one leaves it in O(1) (destroyed, buffer
//    destroyed, delivered), so a refresh walks only waiting captures.
import type { Client } from '../../server/index.js';
import { writeFrame } from './capture.js';
import type { Output } from './output.js';
import { ClientQuota } from '../../server/client-quota.js';
import { addDamage, intersect, isEmpty, rect, sameRect, type Rect } from '../core/region.js';
import type { Renderer } from './renderer.js';
import { postAccessError, type ShmBuffer, type TruncationPolicy } from '../core/shm.js';

/** Captures of one client waiting for a refresh; one past it fails. Capture tools ask one per output at a time. */
export const MAX_PENDING_CAPTURES = 16;

/** What screen capture needs from the compositor. */
export interface CaptureHost {
  /** The capture sources: every output, each with its renderer. */
  readonly outputs: readonly Output[];
  rendererOf(output: Output): Renderer;
  readonly policy: TruncationPolicy;
  /** Run a refresh soon (a capture waits for it). */
  scheduleRefresh(): void;
  /** Something committed waits to be painted: the framebuffer is behind. */
  readonly repaintPending: boolean;
  /** Accounting: a capture buffer was truncated under us. */
  countRescue(client: Client, policy: TruncationPolicy): void;
}

/** Why a capture was not written. */
export type CaptureFailure = 'unwritable' | 'truncated' | 'buffer-destroyed' | 'output-changed' | 'too-many';

/** A capture waiting for the framebuffer: what a protocol's frame hands the queue. */
export interface Capture {
  readonly client: Client;
  /** The source. */
  readonly output: Output;
  /** Output pixels, inside the output. */
  readonly box: Rect;
  readonly buffer: ShmBuffer;
  /** Waits for damage in `box` in this log, and reports it (null: goes as soon as the framebuffer is current). */
  readonly damage: DamageLog | null;
  /** Buffer-local rects the client needs written besides the log's damage; null: the whole area. */
  readonly bufferDamage: readonly Rect[] | null;
  /** Written: `damage` is the log's damage within the area, buffer-local (empty without a log). Sends the protocol's events. */
  ready(timeNs: bigint, damage: readonly Rect[]): void;
  /** Not written (or posted: a truncated buffer under policy 'error' gets no failure). */
  failed(why: CaptureFailure): void;
}

/** What changed on an output since its consumer last took it (a damage list, output pixels). */
export class DamageLog {
  readonly output: Output;
  rects: Rect[];
  readonly #queue: CaptureQueue;

  constructor(queue: CaptureQueue, output: Output) {
    this.#queue = queue;
    this.output = output;
    this.rects = [rect(0, 0, output.width, output.height)];
  }

  /** Its damage within `box`, relative to the box's corner. */
  within(box: Rect): Rect[] {
    const out: Rect[] = [];
    for (const d of this.rects) {
      const c = intersect(d, box);
      if (!isEmpty(c)) out.push(rect(c.x - box.x, c.y - box.y, c.width, c.height));
    }
    return out;
  }

  /** A capture of `box` delivered it: damage wholly inside is forgotten, damage reaching outside is kept whole. */
  delivered(box: Rect): void {
    let kept = 0;
    for (const d of this.rects) if (!sameRect(intersect(d, box), d)) this.rects[kept++] = d;
    this.rects.length = kept;
  }

  /** Stops gathering damage (its consumer is gone). */
  dispose(): void {
    this.#queue.forgetLog(this);
  }
}

interface Waiting {
  readonly capture: Capture;
  /** Gives back its place in its client's MAX_PENDING_CAPTURES. */
  readonly release: () => void;
  /** Stops watching its buffer's destruction. */
  readonly unlisten: () => void;
}

export class CaptureQueue {
  readonly #host: CaptureHost;
  /** Captures waiting for a refresh, in the order asked. */
  #waiting = new Map<Capture, Waiting>();
  /** Waiting captures per client. */
  readonly #pending = new ClientQuota('screen captures waiting', MAX_PENDING_CAPTURES);
  readonly #logs = new Set<DamageLog>();
  readonly #outputListeners: ((output: Output) => void)[] = [];
  /** An immediate is set to deliver captures that can go now. */
  #soon = false;

  constructor(host: CaptureHost) {
    this.#host = host;
    for (const o of host.outputs) host.rendererOf(o).onDamage((rects) => this.#damaged(o, rects));
  }

  get host(): CaptureHost {
    return this.#host;
  }

  /** A damage log of `output`, gathering every render's damage until disposed. */
  damageLog(output: Output): DamageLog {
    const log = new DamageLog(this, output);
    this.#logs.add(log);
    return log;
  }

  forgetLog(log: DamageLog): void {
    this.#logs.delete(log);
  }

  /** Damage logs gathering damage (tests: back to 0 once clients left). */
  get logs(): number {
    return this.#logs.size;
  }

  /** Runs `listener` when an output's mode changed, before the captures waiting on it fail (new buffer constraints). */
  onOutputChanged(listener: (output: Output) => void): void {
    this.#outputListeners.push(listener);
  }

  /** Queues `capture` (its buffer checked by its protocol); one past the client's MAX_PENDING_CAPTURES fails at once. */
  queue(capture: Capture): void {
    const release = this.#pending.tryAcquire(capture.client);
    if (!release) {
      capture.failed('too-many');
      return;
    }
    const unlisten = capture.buffer.resource.onDestroy(() => {
      if (this.drop(capture)) capture.failed('buffer-destroyed');
    });
    this.#waiting.set(capture, { capture, release, unlisten });
    if (!capture.damage || capture.damage.within(capture.box).length > 0) this.#deliverSoon();
  }

  /** Takes `capture` out of the queue (its frame was destroyed); false if it was not waiting. O(1). */
  drop(capture: Capture): boolean {
    const w = this.#waiting.get(capture);
    if (!w) return false;
    this.#waiting.delete(capture);
    w.unlisten();
    w.release();
    return true;
  }

  /** Captures waiting for a refresh, of every client (tests: back to 0). */
  get waiting(): number {
    return this.#waiting.size;
  }

  /** After the requests read with this one: every capture that can go, now
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

  #ready(c: Capture): boolean {
    return !c.damage || c.damage.within(c.box).length > 0;
  }

  #damaged(output: Output, rects: readonly Rect[]): void {
    if (rects.length === 0) return;
    for (const log of this.#logs) if (log.output === output) for (const r of rects) addDamage(log.rects, rect(r.x, r.y, r.width, r.height));
    // A render outside a refresh (a screenshot) may have made damage captures ready.
    for (const c of this.#waiting.keys()) {
      if (c.damage && this.#ready(c)) {
        this.#host.scheduleRefresh();
        break;
      }
    }
  }

  /** With the framebuffer current (a refresh, after painting): writes every
   * capture that can go; `timeNs` is the time to report (monotonic ns). */
  refresh(timeNs: bigint): void {
    const ready: Capture[] = [];
    for (const c of this.#waiting.keys()) if (this.#ready(c)) ready.push(c);
    for (const c of ready) this.drop(c);
    for (const c of ready) {
      try {
        this.#deliver(c, timeNs);
      } catch (e) {
        c.client.postImplementationError(e); // that client's capture, that client's end
      }
    }
  }

  #deliver(c: Capture, timeNs: bigint): void {
    const host = this.#host;
    const { output, box, buffer } = c;
    const damage = c.damage?.within(box) ?? [];
    const local = rect(0, 0, box.width, box.height);
    const areas = c.bufferDamage === null ? null : c.bufferDamage.reduce((list, d) => addDamage(list, intersect(d, local)), damage.slice());
    const outcome = buffer.writeInto((bytes, offset, stride) => {
      if (areas === null) writeFrame(output, output.framebuffer, box, buffer.format, bytes, offset, stride);
      else for (const a of areas) writeFrame(output, output.framebuffer, rect(box.x + a.x, box.y + a.y, a.width, a.height), buffer.format, bytes, offset + a.y * stride + a.x * 4, stride);
    });
    if (outcome === 'unwritable') {
      c.failed('unwritable');
      return;
    }
    if (outcome === 'rescued') {
      host.countRescue(c.client, host.policy);
      if (host.policy === 'error') postAccessError(buffer);
      else c.failed('truncated');
      return;
    }
    c.damage?.delivered(box);
    c.ready(timeNs, damage);
  }

  /** `output`'s mode changed: the listeners send new constraints, damage logs start over, captures waiting on it fail (sized to the old mode). */
  outputChanged(output: Output): void {
    for (const l of this.#outputListeners) l(output);
    for (const log of this.#logs) if (log.output === output) log.rects = [rect(0, 0, output.width, output.height)];
    const failing = [...this.#waiting.keys()].filter((c) => c.output === output);
    for (const c of failing) {
      this.drop(c);
      c.failed('output-changed');
    }
  }
}
