// zwlr_screencopy_manager_v1 v3: the output copied into clients' wl_shm
// buffers, through the pools' writable guarded mappings. When a frame goes,
// what it writes and how truncation is met: capture-queue.ts (shared with
// ext_image_copy_capture_v1).
//
// Invariants:
//  - a frame captures the output whose wl_output it names (each output is
//    its own capture source: its framebuffer, its damage, its mode);
//  - a frame advertises one shm buffer (xrgb8888: the framebuffer's own
//    bytes, so a full-width copy is one memcpy), then buffer_done (v3); no
//    linux_dmabuf (no GPU), no y_invert (rows are written top down);
//  - capture_output_region is in that output's logical coordinates (its
//    top-left is 0,0, as grim computes it from xdg_output positions),
//    scaled to output pixels (Output.toOutputRect: the edges the renderer
//    gives a surface there) and clamped to the output; an empty result is
//    `failed`;
//  - `copy` goes as soon as the framebuffer is current; `copy_with_damage`
//    once the client's damage log of that output (one per client and
//    output, made at its first such copy) meets the frame's area, and sends
//    damage (buffer-local) before ready; flags 0 first;
//  - a wrong buffer is invalid_buffer, a second copy already_used;
//  - a frame still waiting when its output's mode changes is failed (its
//    buffer was sized to the old mode);
//  - truncated destinations: the queue's policy (invalid_fd under 'error',
//    `failed` under 'zero'); a read-only pool, or a buffer destroyed before
//    its copy, is `failed`.
//
// What a client may cost: its waiting frames count in the queue's
// MAX_PENDING_CAPTURES (a copy past it is answered `failed` at once); one
// damage log per client and output it captured (outputs are fixed), freed
// when it leaves.
import { zwlr_screencopy_frame_v1, zwlr_screencopy_manager_v1 } from '../../protocol/wlr-screencopy.js';
import type { wl_buffer } from '../../protocol/wayland.js';
import type { Client, Display, Resource } from '../../server/index.js';
import type { Capture, CaptureQueue, DamageLog } from './capture-queue.js';
import { outputOfResource, type Output } from './output.js';
import { timespec } from '../core/presentation.js';
import { intersect, isEmpty, rect, type Rect } from '../core/region.js';
import { FORMAT, shmBufferOf } from '../core/shm.js';
import { implement } from '../../server/typed.js';

const FRAME_ERROR = zwlr_screencopy_frame_v1.enums.error.entries;
/** What frames advertise: the framebuffer's byte order. */
export const CAPTURE_FORMAT = FORMAT.xrgb8888;
const EMPTY = rect(0, 0, 0, 0);

class Frame {
  readonly resource: Resource<typeof zwlr_screencopy_frame_v1>;
  readonly output: Output;
  /** Output pixels. */
  readonly box: Rect;
  /** A copy was asked (a second is already_used). */
  used = false;
  /** The copy waiting in the queue. */
  capture: Capture | null = null;

  constructor(resource: Resource<typeof zwlr_screencopy_frame_v1>, output: Output, box: Rect) {
    this.resource = resource;
    this.output = output;
    this.box = box;
  }

  get stride(): number {
    return this.box.width * 4;
  }
}

/** Creates the zwlr_screencopy_manager_v1 global, its frames served by `queue`. */
export function createScreencopyGlobal(display: Display, queue: CaptureQueue): void {
  const screencopy = new Screencopy(queue);
  display.createGlobal(zwlr_screencopy_manager_v1, 3, (manager) => screencopy.bind(manager));
}

class Screencopy {
  readonly #queue: CaptureQueue;
  /** Per client (once it used copy_with_damage), per output it captured: damage since its last damage frame of that output. */
  readonly #damage = new Map<Client, Map<Output, DamageLog>>();

  constructor(queue: CaptureQueue) {
    this.#queue = queue;
  }

  /** A client bound zwlr_screencopy_manager_v1. */
  bind(manager: Resource<typeof zwlr_screencopy_manager_v1>): void {
    implement(manager, zwlr_screencopy_manager_v1, {
      capture_output: (_m, frame, _cursor, outputResource) => {
        const output = outputOfResource(outputResource);
        this.#capture(frame, output, output ? rect(0, 0, output.width, output.height) : EMPTY);
      },
      capture_output_region: (_m, frame, _cursor, outputResource, x, y, width, height) => {
        const output = outputOfResource(outputResource);
        // Logical to output pixels, the edges rounded as the renderer rounds them; a negative size is an empty box.
        this.#capture(frame, output, output ? output.toOutputRect(x, y, Math.max(0, width), Math.max(0, height)) : EMPTY);
      },
    });
  }

  /** A frame of `output` (null: a wl_output that is none of ours, a zombie's: failed). */
  #capture(resource: Resource<typeof zwlr_screencopy_frame_v1>, output: Output | null, box: Rect): void {
    const clipped = output ? intersect(box, rect(0, 0, output.width, output.height)) : EMPTY;
    const frame = new Frame(resource, output ?? this.#queue.host.outputs[0]!, clipped);
    resource.onDestroy(() => {
      if (frame.capture) this.#queue.drop(frame.capture);
    });
    const request = (withDamage: boolean) => (r: Resource<typeof zwlr_screencopy_frame_v1>, buffer: Resource<typeof wl_buffer>) => this.#copy(r, frame, frame.output, buffer, withDamage);
    implement(resource, zwlr_screencopy_frame_v1, { copy: request(false), copy_with_damage: request(true) });
    if (isEmpty(clipped)) {
      resource.send('failed');
      return;
    }
    resource.send('buffer', CAPTURE_FORMAT, clipped.width, clipped.height, frame.stride);
    if (resource.version >= 3) resource.send('buffer_done');
  }

  #copy(resource: Resource<typeof zwlr_screencopy_frame_v1>, frame: Frame, output: Output, bufferResource: Resource<typeof wl_buffer>, withDamage: boolean): void {
    if (frame.used) {
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
    frame.used = true;
    const client = resource.client;
    frame.capture = {
      client,
      output,
      box: frame.box,
      buffer,
      damage: withDamage ? this.#logOf(client, output) : null,
      bufferDamage: null,
      ready: (timeNs, damage) => {
        resource.send('flags', 0);
        if (withDamage) for (const d of damage) resource.send('damage', d.x, d.y, d.width, d.height);
        resource.send('ready', ...timespec(timeNs));
      },
      failed: () => resource.send('failed'),
    };
    this.#queue.queue(frame.capture);
  }

  #logOf(client: Client, output: Output): DamageLog {
    let logs = this.#damage.get(client);
    if (!logs) {
      const made = (logs = new Map<Output, DamageLog>());
      this.#damage.set(client, made);
      client.onDestroy((c) => {
        this.#damage.delete(c);
        for (const log of made.values()) log.dispose();
      });
    }
    let log = logs.get(output);
    if (!log) logs.set(output, (log = this.#queue.damageLog(output)));
    return log;
  }
}
