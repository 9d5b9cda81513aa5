// ext_output_image_capture_source_manager_v1 v1 and
// ext_image_copy_capture_manager_v1 v1 (wayland-protocols 1.37): the standard
// successor of wlr-screencopy. A client makes a capture source of a
// wl_output, a session of the source, and frames of the session, each
// copied into a wl_shm buffer it attached. Frames are served by the queue
// zwlr_screencopy uses (capture-queue.ts): the same pacing, write and
// truncation policy.
//
// Owns: the sources (each names an Output: "a capture source = an Output"),
// the sessions (each with its damage log and at most one frame), the
// frames' attached buffer and buffer damage.
//
// Invariants:
//  - a session sends its buffer constraints at once: buffer_size (the
//    output's mode, pixels), shm_format for each format capture.ts writes
//    (xrgb8888, argb8888, xbgr8888, abgr8888: the framebuffer is opaque, the
//    x and a forms carry the same bytes), then done; no dmabuf (no GPU).
//    When the output's mode changes it sends them again (new buffer_size,
//    done) and a frame waiting then fails with buffer_constraints;
//  - capture: no buffer attached is no_buffer; a second capture, or
//    attach_buffer / damage_buffer after capture, is already_captured;
//    damage_buffer with x or y below 0 or a size not above 0 is
//    invalid_buffer_damage; a buffer that is not wl_shm, not in an
//    advertised format or not the buffer size fails with
//    buffer_constraints (the client reallocates); a buffer destroyed before
//    the write, a read-only pool, a truncated file under policy 'zero', or
//    more than MAX_PENDING_CAPTURES waiting, fail with unknown (the client
//    may retry); under policy 'error' a truncated file is invalid_fd on the
//    wl_buffer, as for screencopy;
//  - pacing: a session's first frame goes as soon as the framebuffer holds
//    everything committed; every later one once the output changed since
//    the session's last frame (the protocol lets a compositor wait for
//    that), both with that refresh's time; ready comes after transform
//    (always normal: we rotate nothing), damage (what changed since the
//    session's last frame, buffer-local: the whole buffer for the first)
//    and presentation_time (CLOCK_MONOTONIC). Only the union of that damage
//    and the frame's damage_buffer rects is written (the protocol's "at
//    least"); a frame without damage_buffer gets only what changed;
//  - create_frame while the session's frame object lives is duplicate_frame;
//    an options bitfield other than 0 or paint_cursors is invalid_option on
//    the manager. paint_cursors changes nothing: captures show the output
//    as painted, which holds the cursor only when the compositor draws it
//    (`cursor: true`, `--cursor`), then whatever the flag;
//  - stopped: a session whose source's output goes (outputRemoved(): the
//    hook for several outputs; one output never goes) is sent `stopped`, its
//    waiting frame fails with `stopped`, and every later frame too; a
//    session destroyed fails its waiting frame with `stopped` (as wlroots).
//    Destroying a source changes nothing for its sessions;
//  - cursor capture is not offered: a cursor session
//    (create_pointer_cursor_session) never enters (no position, no hotspot),
//    and its capture session is stopped at once; a second
//    get_capture_session is duplicate_session;
//  - cost: a client holds at most MAX_CAPTURE_SESSIONS sessions and cursor
//    sessions together (no_memory past it); each session keeps one damage
//    log (every render adds to it, O(32 rects)) and one frame; a frame's
//    buffer damage is a damage list of at most 32 rects; a mode change sends
//    each session three events and four formats. Sources cost one object
//    each (the server's object limit bounds them).
import { ext_image_capture_source_v1, ext_output_image_capture_source_manager_v1 } from '../../protocol/ext-image-capture-source.js';
import {
  ext_image_copy_capture_cursor_session_v1,
  ext_image_copy_capture_frame_v1,
  ext_image_copy_capture_manager_v1,
  ext_image_copy_capture_session_v1,
} from '../../protocol/ext-image-copy-capture.js';
import type { wl_buffer, wl_output } from '../../protocol/wayland.js';
import type { Display, Resource } from '../../server/index.js';
import { ClientQuota } from '../../server/client-quota.js';
import { dataOf, implement } from '../../server/typed.js';
import { addDamage, clientRect, type Rect } from '../core/region.js';
import { timespec } from '../core/presentation.js';
import { FORMAT, shmBufferOf } from '../core/shm.js';
import type { Capture, CaptureQueue, DamageLog } from './capture-queue.js';
import type { Output } from './output.js';

/** Capture sessions (and cursor sessions) one client may hold: a capture tool makes one per output. */
export const MAX_CAPTURE_SESSIONS = 16;
/** What sessions advertise, in this order: what capture.ts writes, the framebuffer's own order first. */
export const SESSION_FORMATS: readonly number[] = [FORMAT.xrgb8888, FORMAT.argb8888, FORMAT.xbgr8888, FORMAT.abgr8888];

const MANAGER_ERROR = ext_image_copy_capture_manager_v1.enums.error.entries;
const OPTIONS = ext_image_copy_capture_manager_v1.enums.options.entries;
const SESSION_ERROR = ext_image_copy_capture_session_v1.enums.error.entries;
const FRAME_ERROR = ext_image_copy_capture_frame_v1.enums.error.entries;
const FAILURE = ext_image_copy_capture_frame_v1.enums.failure_reason.entries;
const CURSOR_SESSION_ERROR = ext_image_copy_capture_cursor_session_v1.enums.error.entries;
/** wl_output.transform.normal: frames are never rotated. */
const TRANSFORM_NORMAL = 0;

/** What the capture protocols need from the compositor. */
export interface ImageCaptureHost {
  /** The output a wl_output names (null: none, e.g. one that went). */
  outputOf(resource: Resource<typeof wl_output>): Output | null;
}

/** An ext_image_capture_source_v1: the output it names (null: nothing to capture). */
class CaptureSource {
  readonly output: Output | null;

  constructor(output: Output | null) {
    this.output = output;
  }
}

class Session {
  readonly resource: Resource<typeof ext_image_copy_capture_session_v1>;
  /** The source's output; null once stopped. */
  output: Output | null;
  /** What changed on the output since this session's last frame (null once stopped). */
  log: DamageLog | null;
  /** The frame object, while it lives. */
  frame: Frame | null = null;

  constructor(resource: Resource<typeof ext_image_copy_capture_session_v1>, output: Output | null, log: DamageLog | null) {
    this.resource = resource;
    this.output = output;
    this.log = log;
  }

  sendConstraints(): void {
    const o = this.output;
    if (!o) return;
    this.resource.send('buffer_size', o.width, o.height);
    for (const f of SESSION_FORMATS) this.resource.send('shm_format', f);
    this.resource.send('done');
  }
}

class Frame {
  readonly resource: Resource<typeof ext_image_copy_capture_frame_v1>;
  readonly session: Session;
  buffer: Resource<typeof wl_buffer> | null = null;
  /** Buffer damage the client declared (a damage list, buffer pixels). */
  readonly damage: Rect[] = [];
  captured = false;
  /** The capture waiting in the queue. */
  capture: Capture | null = null;

  constructor(resource: Resource<typeof ext_image_copy_capture_frame_v1>, session: Session) {
    this.resource = resource;
    this.session = session;
  }
}

export class ImageCopyCapture {
  readonly #queue: CaptureQueue;
  readonly #host: ImageCaptureHost;
  readonly #quota = new ClientQuota('capture sessions', MAX_CAPTURE_SESSIONS);
  /** Sessions not stopped (what output changes reach). */
  readonly #live = new Set<Session>();

  constructor(queue: CaptureQueue, host: ImageCaptureHost) {
    this.#queue = queue;
    this.#host = host;
    queue.onOutputChanged((output) => {
      for (const s of this.#live) if (s.output === output) s.sendConstraints();
    });
  }

  /** Sessions not stopped, of every client (tests: back to 0 once clients left). */
  get sessions(): number {
    return this.#live.size;
  }

  /** `output` went: its sessions are stopped. */
  outputRemoved(output: Output): void {
    for (const s of [...this.#live]) if (s.output === output) this.#stop(s, true);
  }

  bindSourceManager(manager: Resource<typeof ext_output_image_capture_source_manager_v1>): void {
    implement(manager, ext_output_image_capture_source_manager_v1, {
      create_source: (_r, source, outputResource) => {
        implement(source, ext_image_capture_source_v1, {}, new CaptureSource(outputResource ? this.#host.outputOf(outputResource) : null));
      },
    });
  }

  bindManager(manager: Resource<typeof ext_image_copy_capture_manager_v1>): void {
    implement(manager, ext_image_copy_capture_manager_v1, {
      create_session: (r, session, sourceResource, options) => {
        if ((options & ~OPTIONS.paint_cursors) !== 0) {
          r.postError(MANAGER_ERROR.invalid_option, `invalid options 0x${options.toString(16)}`);
          return;
        }
        this.#serveSession(session, dataOf(sourceResource, CaptureSource)?.output ?? null);
      },
      create_pointer_cursor_session: (_r, cursorSession) => {
        let made = false;
        implement(cursorSession, ext_image_copy_capture_cursor_session_v1, {
          get_capture_session: (c, session) => {
            if (made) {
              c.postError(CURSOR_SESSION_ERROR.duplicate_session, 'get_capture_session sent twice');
              return;
            }
            made = true;
            this.#serveSession(session, null); // no cursor capture: stopped at once
          },
        });
        this.#quota.acquire(cursorSession);
      },
    });
  }

  /** A session of `output` (null: stopped from the start). */
  #serveSession(resource: Resource<typeof ext_image_copy_capture_session_v1>, output: Output | null): void {
    const session = new Session(resource, output, output ? this.#queue.damageLog(output) : null);
    implement(resource, ext_image_copy_capture_session_v1, {
      create_frame: (r, frame) => {
        if (session.frame) {
          r.postError(SESSION_ERROR.duplicate_frame, `${session.frame.resource} still exists`);
          return;
        }
        this.#serveFrame(frame, session);
      },
    });
    resource.onDestroy(() => this.#stop(session, false));
    if (!this.#quota.acquire(resource)) return;
    if (!output) {
      resource.send('stopped');
      return;
    }
    this.#live.add(session);
    session.sendConstraints();
  }

  /** The session can capture no more: its waiting frame fails, `stopped` if it lives on. */
  #stop(session: Session, tell: boolean): void {
    if (!session.output) return;
    session.output = null;
    session.log?.dispose();
    session.log = null;
    this.#live.delete(session);
    const frame = session.frame;
    if (frame?.capture && this.#queue.drop(frame.capture)) {
      frame.capture = null;
      frame.resource.send('failed', FAILURE.stopped);
    }
    if (tell) session.resource.send('stopped');
  }

  #serveFrame(resource: Resource<typeof ext_image_copy_capture_frame_v1>, session: Session): void {
    const frame = new Frame(resource, session);
    session.frame = frame;
    resource.onDestroy(() => {
      if (frame.capture) this.#queue.drop(frame.capture);
      if (session.frame === frame) session.frame = null;
    });
    const notCaptured = (r: Resource<typeof ext_image_copy_capture_frame_v1>, what: string): boolean => {
      if (frame.captured) r.postError(FRAME_ERROR.already_captured, `${what} after capture`);
      return !frame.captured;
    };
    implement(resource, ext_image_copy_capture_frame_v1, {
      attach_buffer: (r, buffer) => {
        if (notCaptured(r, 'attach_buffer')) frame.buffer = buffer;
      },
      damage_buffer: (r, x, y, width, height) => {
        if (!notCaptured(r, 'damage_buffer')) return;
        if (x < 0 || y < 0 || width <= 0 || height <= 0) {
          r.postError(FRAME_ERROR.invalid_buffer_damage, `invalid buffer damage ${x},${y} ${width}×${height}`);
          return;
        }
        addDamage(frame.damage, clientRect(x, y, width, height));
      },
      capture: (r) => {
        if (!notCaptured(r, 'capture')) return;
        if (!frame.buffer) {
          r.postError(FRAME_ERROR.no_buffer, 'capture without a buffer attached');
          return;
        }
        frame.captured = true;
        this.#capture(frame, frame.buffer);
      },
    });
  }

  #capture(frame: Frame, bufferResource: Resource<typeof wl_buffer>): void {
    const r = frame.resource;
    const { output, log } = frame.session;
    if (!output || !log) {
      r.send('failed', FAILURE.stopped);
      return;
    }
    if (bufferResource.destroyed) {
      r.send('failed', FAILURE.unknown);
      return;
    }
    const buffer = shmBufferOf(bufferResource);
    if (!buffer || !SESSION_FORMATS.includes(buffer.format) || buffer.width !== output.width || buffer.height !== output.height) {
      r.send('failed', FAILURE.buffer_constraints);
      return;
    }
    frame.capture = {
      client: r.client,
      output,
      box: { x: 0, y: 0, width: output.width, height: output.height },
      buffer,
      damage: log,
      bufferDamage: frame.damage,
      ready: (timeNs, damage) => {
        frame.capture = null;
        r.send('transform', TRANSFORM_NORMAL);
        for (const d of damage) r.send('damage', d.x, d.y, d.width, d.height);
        r.send('presentation_time', ...timespec(timeNs));
        r.send('ready');
      },
      failed: (why) => {
        frame.capture = null;
        r.send('failed', why === 'output-changed' ? FAILURE.buffer_constraints : FAILURE.unknown);
      },
    };
    this.#queue.queue(frame.capture);
  }
}

/** Advertises ext_output_image_capture_source_manager_v1 1 and ext_image_copy_capture_manager_v1 1, served by `queue`. */
export function createImageCopyCaptureGlobals(display: Display, queue: CaptureQueue, host: ImageCaptureHost): ImageCopyCapture {
  const capture = new ImageCopyCapture(queue, host);
  display.createGlobal(ext_output_image_capture_source_manager_v1, 1, (manager) => capture.bindSourceManager(manager));
  display.createGlobal(ext_image_copy_capture_manager_v1, 1, (manager) => capture.bindManager(manager));
  return capture;
}
