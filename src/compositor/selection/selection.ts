// The selection model shared by wl_data_device (data-device.ts),
// zwp_primary_selection_v1 (primary-selection.ts) and data control
// (data-control.ts: zwlr_data_control_v1 and ext_data_control_v1): two slots (clipboard, primary), each holding at most
// one client's source; offers of every protocol read from the same slot, so
// a data-control copy pastes into a wl_data_device client and back.
//
// Invariants:
//  - a slot holds a live source or null, and the serial it was set with; a
//    set with an older serial than the current source's is refused
//    (wlroots: a late request must not undo a newer copy); replacing a live source sends it
//    `cancelled` (it is dead from then on); a source destroyed by its client
//    (or its client gone) empties its slot without an event to it;
//  - every change of a slot runs its listeners once, after the change;
//  - we write no data ourselves: a receive forwards the client's fd to the
//    source's `send` event (sendEvent sends a dup), and the request's own
//    fd is closed by the dispatcher once the handler returns — each fd is
//    closed exactly once whatever dies when;
//  - an offer reads through to its source: once the source is dead the
//    offer is inert (receive only closes the fd, which the reader sees as EOF);
//  - focus-dependent delivery (FocusedDevices): only the client with
//    keyboard focus gets selection offers, a fresh offer on every focus
//    change, on every slot change, and when it creates a device.
//
// What a client may cost (every offer repeats a source's mime types to each
// device that hears it, so both are bounded):
//  - a source holds at most MAX_MIME_TYPES (256) distinct mime types of at
//    most MAX_SOURCE_MIME_BYTES (64 KiB) together; a client's live sources
//    at most MAX_CLIENT_MIME_BYTES (1 MiB) together. Past any of them the
//    client gets wl_display.error(no_memory). A destroyed source gives its
//    bytes back and forgets its mime types at once (offers made from it
//    only read them when they are made);
//  - a client has at most MAX_SELECTION_DEVICES (16) devices per protocol
//    (wl_data_device, primary selection, data-control), no_memory past it;
//  - so one slot change costs O(devices that hear it × mime types of the
//    source), at most 16 × 256 offer events per client that hears it; a
//    focus change O(16 × 256); adding a mime type O(1) (a Set).
import type { wl_data_source } from '../../protocol/wayland.js';
import type { zwp_primary_selection_source_v1 } from '../../protocol/primary-selection.js';
import type { InterfaceDesc } from '../../protocol/types.js';
import type { zwlr_data_control_source_v1 } from '../../protocol/wlr-data-control.js';
import type { ext_data_control_source_v1 } from '../../protocol/ext-data-control.js';
import type { Client, Resource } from '../../server/index.js';
import { DisplayError } from '../../wire/codec.js';
import { ClientQuota } from '../../server/client-quota.js';
import type { Surface } from '../core/surface.js';

/** What the seat does for the pointer while a drag (or a popup grab) holds it. */
export interface PointerGrab {
  motion(x: number, y: number, timeMs: number): void;
  button(button: number, pressed: boolean, timeMs: number): void;
  cancel(): void;
}

/** What selections need of the seat (the seat branch's `Seat` satisfies it). */
export interface SelectionSeat {
  readonly keyboardFocus: Surface | null;
  onKeyboardFocus(listener: (surface: Surface | null) => void): void;
  /** `serial` was sent to `client` with an input event (key, button, enter). */
  isInputSerial(client: Client, serial: number): boolean;
  setPointerGrab(grab: PointerGrab | null): void;
  /** The client a held pointer button went to (its implicit grab); null while no button is held. */
  readonly pointerButtonClient: Client | null;
  readonly pointerPosition: { x: number; y: number };
  surfaceAt(x: number, y: number): { surface: Surface; sx: number; sy: number } | null;
}

/** More mime types than this in one source is no_memory: every offer repeats them to every reader. */
export const MAX_MIME_TYPES = 256;
/** Bytes of one source's mime types together (UTF-8, as on the wire); more is no_memory. Real sources offer a few hundred bytes. */
export const MAX_SOURCE_MIME_BYTES = 64 * 1024;
/** Bytes of the mime types of all live sources of one client; more is no_memory. */
export const MAX_CLIENT_MIME_BYTES = 1024 * 1024;
/** Devices one client may have per selection protocol; more is no_memory. A client makes one per seat. */
export const MAX_SELECTION_DEVICES = 16;

/** Mime type bytes held per client, over every protocol's sources. */
const mimeBytes = new ClientQuota('mime type bytes', MAX_CLIENT_MIME_BYTES);

/** The source interfaces of the selection protocols: each has the events `send` and `cancelled`. */
export type SourceInterface = typeof wl_data_source | typeof zwp_primary_selection_source_v1 | typeof zwlr_data_control_source_v1 | typeof ext_data_control_source_v1;

/** A client's source object (wl_data_source, zwp_primary_selection_source_v1, zwlr_/ext_data_control_source_v1). */
export class DataSource<I extends SourceInterface = SourceInterface> {
  readonly resource: Resource<I>;
  /** In the order offered; emptied when the source is destroyed. */
  readonly mimeTypes: string[] = [];
  readonly #offered = new Set<string>();
  /** UTF-8 bytes of mimeTypes, counted in the client's quota. */
  #bytes = 0;
  #cancelled = false;

  constructor(resource: Resource<I>) {
    this.resource = resource;
    resource.onDestroy(() => {
      mimeBytes.subtract(resource.client, this.#bytes);
      this.#bytes = 0;
      this.mimeTypes.length = 0;
      this.#offered.clear();
    });
  }

  get client(): Client {
    return this.resource.client;
  }

  /** Not destroyed, not cancelled, its client still there. */
  get live(): boolean {
    return !this.#cancelled && !this.resource.destroyed && !this.resource.client.destroyed;
  }

  /** Records a mime type (once each); false after posting no_memory past a limit. */
  offer(mimeType: string): boolean {
    if (this.#offered.has(mimeType) || this.resource.destroyed) return true;
    const c = this.resource.client;
    const bytes = Buffer.byteLength(mimeType, 'utf8');
    let error: string | null = null;
    if (this.mimeTypes.length >= MAX_MIME_TYPES) error = `more than ${MAX_MIME_TYPES} mime types`;
    else if (this.#bytes + bytes > MAX_SOURCE_MIME_BYTES) error = `mime types of more than ${MAX_SOURCE_MIME_BYTES} bytes`;
    else if (!mimeBytes.tryAdd(c, bytes)) error = `the client's sources hold mime types of more than ${MAX_CLIENT_MIME_BYTES} bytes`;
    if (error) {
      c.postError(c.displayResource, DisplayError.no_memory, `${this.resource}: ${error}`);
      return false;
    }
    this.#bytes += bytes;
    this.#offered.add(mimeType);
    this.mimeTypes.push(mimeType);
    return true;
  }

  /** Forwards a receive to the source (its `send` gets a dup of fd; the caller's fd is closed by the dispatcher). */
  send(mimeType: string, fd: number): void {
    const r: Resource<SourceInterface> = this.resource;
    if (this.live) r.send('send', mimeType, fd);
  }

  /** The source was replaced: `cancelled`, and dead from then on. */
  cancel(): void {
    if (!this.live) return;
    this.#cancelled = true;
    const r: Resource<SourceInterface> = this.resource;
    r.send('cancelled');
  }
}

export type SlotName = 'clipboard' | 'primary';

/** One selection slot. */
export class Selection {
  readonly name: SlotName;
  #source: DataSource | null = null;
  #serial = 0;
  readonly #listeners: ((source: DataSource | null) => void)[] = [];

  constructor(name: SlotName) {
    this.name = name;
  }

  get source(): DataSource | null {
    return this.#source;
  }

  /**
   * Sets the slot with the serial of the request (data-control: a fresh
   * one); the previous source (if another) gets `cancelled`. False: refused,
   * the serial is older than the current source's.
   */
  set(source: DataSource | null, serial: number): boolean {
    const old = this.#source;
    if (old && ((serial - this.#serial) >>> 0) > 0x7fffffff) return false;
    this.#serial = serial;
    if (old === source) return true;
    this.#source = source;
    old?.cancel();
    this.#changed();
    return true;
  }

  /** The source went away by itself: empty the slot if it held it. */
  sourceGone(source: DataSource): void {
    if (this.#source !== source) return;
    this.#source = null;
    this.#changed();
  }

  onChange(listener: (source: DataSource | null) => void): void {
    this.#listeners.push(listener);
  }

  #changed(): void {
    for (const l of this.#listeners) l(this.#source);
  }
}

/** Both slots of the (single) seat. */
export class Selections {
  readonly clipboard = new Selection('clipboard');
  readonly primary = new Selection('primary');

  slot(name: SlotName): Selection {
    return name === 'clipboard' ? this.clipboard : this.primary;
  }

  /** Empties whatever slot holds `source` (its resource's destroy listener calls this). */
  sourceGone(source: DataSource): void {
    this.clipboard.sourceGone(source);
    this.primary.sourceGone(source);
  }
}

/**
 * Devices of one focus-dependent protocol, by client: the focused client's
 * devices get `offer(device, source)` on focus and slot changes.
 */
export class FocusedDevices<I extends InterfaceDesc> {
  readonly #byClient = new Map<Client, Set<Resource<I>>>();
  readonly #quota = new ClientQuota('selection devices', MAX_SELECTION_DEVICES);
  readonly #seat: SelectionSeat;
  readonly #slot: Selection;
  readonly #offer: (device: Resource<I>, source: DataSource | null) => void;

  constructor(seat: SelectionSeat, slot: Selection, offer: (device: Resource<I>, source: DataSource | null) => void) {
    this.#seat = seat;
    this.#slot = slot;
    this.#offer = offer;
    seat.onKeyboardFocus((surface) => {
      if (surface) this.#offerTo(surface.client);
    });
    slot.onChange(() => {
      const focus = this.#seat.keyboardFocus;
      if (focus) this.#offerTo(focus.client);
    });
  }

  /** Registers a device; the focused client's new device gets the current selection at once. Past MAX_SELECTION_DEVICES: no_memory. */
  add(device: Resource<I>): void {
    if (!this.#quota.acquire(device)) return;
    let set = this.#byClient.get(device.client);
    if (!set) {
      set = new Set();
      this.#byClient.set(device.client, set);
    }
    set.add(device);
    device.onDestroy(() => {
      set.delete(device);
      if (set.size === 0 && this.#byClient.get(device.client) === set) this.#byClient.delete(device.client);
    });
    if (this.#seat.keyboardFocus?.client === device.client) this.#offer(device, this.#live());
  }

  /** Clients with devices (tests: back to 0 once they left). */
  get clients(): number {
    return this.#byClient.size;
  }

  /** Devices of `client` (for drag and drop): at most MAX_SELECTION_DEVICES. */
  devicesOf(client: Client): Resource<I>[] {
    return [...(this.#byClient.get(client) ?? [])];
  }

  #live(): DataSource | null {
    const s = this.#slot.source;
    return s?.live ? s : null;
  }

  #offerTo(client: Client): void {
    const source = this.#live();
    for (const d of this.devicesOf(client)) this.#offer(d, source);
  }
}
