// wl_data_device_manager v3: the clipboard selection (wl_data_device,
// wl_data_source, wl_data_offer) and drag and drop.
//
// Invariants:
//  - advertised only with a seat: createDataDeviceGlobal takes it;
//  - set_selection and start_drag are honoured only with a serial the seat
//    sent this client for an input event, start_drag only while a pointer
//    button is held on that client's surface, set_selection only with one not
//    older than the current selection's (as wlroots: otherwise ignored; a
//    refused drag's source gets `cancelled`, so the client stops waiting);
//  - selection offers go to the keyboard-focused client only (FocusedDevices);
//    drag offers to the devices of the client under the pointer, one per
//    device, made at `enter`; a drag without a source stays within its client;
//  - a source used for a drag (or given actions) is not a selection source
//    (invalid_source), its actions are set once, before the drag, from the
//    dnd_action mask (invalid_action_mask); finish and set_actions belong to
//    drag offers (invalid_offer / invalid_finish), finish only after a drop
//    with a copy or move action (invalid_finish / invalid_offer), as weston;
//  - the action is chosen as wlroots and weston do: the receiver's preferred
//    action if both sides allow it, else the lowest allowed bit; a source
//    or offer older than v3 means copy; each side hears `action` on change;
//  - a drop happens only if the receiver accepted a mime type and the
//    action is not none; otherwise the source is cancelled. `leave` follows
//    the drop; the dropped offer stays usable until finish or destroy;
//  - the drag ends (grab released, icon role object dropped) on button
//    release, on the seat cancelling the grab, or when the source or the
//    origin's client goes; a receiver that goes just loses the focus.
//
// What a client may cost (bounds in selection.ts): at most
// MAX_SELECTION_DEVICES (16) wl_data_device objects (no_memory past it), so
// a selection offer, a drag enter or a drag motion costs O(16 × mime types)
// per client it reaches; a source's mime types are bounded in number and
// bytes. Hit testing during a drag is the seat's (surfaceAt).
import { wl_data_device, wl_data_device_manager, wl_data_offer, wl_data_source, type wl_surface } from '../../protocol/wayland.js';
import type { Display, Resource } from '../../server/index.js';
import { clampFixed } from '../../wire/codec.js';
import { DataSource, FocusedDevices, type PointerGrab, type SelectionSeat, type Selections } from './selection.js';
import { surfaceOf, type Surface, type SurfaceRole } from '../core/surface.js';
import { dataOf, implement } from '../../server/typed.js';

const ACTION = wl_data_device_manager.enums.dnd_action.entries;
const ALL_ACTIONS = ACTION.copy | ACTION.move | ACTION.ask;
const DEVICE_ERROR = wl_data_device.enums.error.entries;
const SOURCE_ERROR = wl_data_source.enums.error.entries;
const OFFER_ERROR = wl_data_offer.enums.error.entries;
const ACTIONS_SINCE = 3;

class WlSource extends DataSource<typeof wl_data_source> {
  /** dnd_actions from set_actions (null: never set). */
  actions: number | null = null;
  /** Used in start_drag. */
  dragged = false;
  /** The receiver accepted a mime type (target event sent with non-null). */
  accepted = false;
  /** The action last told to the source. */
  action: number = ACTION.none;
  /** The drag offer currently tied to this source (at most one). */
  dragOffer: DragOffer | null = null;

  get allowedActions(): number {
    return this.resource.version < ACTIONS_SINCE || this.actions === null ? ACTION.copy : this.actions;
  }
}

/** A wl_data_offer made for a drag. */
class DragOffer {
  readonly resource: Resource<typeof wl_data_offer>;
  readonly source: WlSource;
  actions: number = ACTION.none;
  preferred: number = ACTION.none;
  dropped = false;
  finished = false;

  constructor(resource: Resource<typeof wl_data_offer>, source: WlSource) {
    this.resource = resource;
    this.source = source;
  }

  /** Still the source's live drag offer. */
  get active(): boolean {
    return this.source.dragOffer === this && this.source.live && !this.resource.destroyed;
  }

  get allowedActions(): number {
    return this.resource.version < ACTIONS_SINCE ? ACTION.copy : this.actions;
  }

  /** Chooses the action and tells both sides if it changed. */
  negotiate(): void {
    if (!this.active) return;
    const allowed = this.allowedActions & this.source.allowedActions;
    let action: number = ACTION.none;
    if (allowed & this.preferred) action = this.preferred;
    else if (allowed) action = allowed & -allowed;
    if (action === this.source.action) return;
    this.source.action = action;
    if (this.resource.version >= ACTIONS_SINCE) this.resource.send('action', action);
    if (this.source.resource.version >= ACTIONS_SINCE) this.source.resource.send('action', action);
  }
}

/** The drag-and-drop icon role: no state beyond the surface's own offset. */
const ICON_ROLE_NAME = 'wl_data_device icon';

interface DragFocus {
  surface: Surface;
  devices: Resource<typeof wl_data_device>[];
  offer: DragOffer | null;
  removeDestroyListener: () => void;
}

/** One drag: the pointer grab the seat hands motion and buttons to. */
class Drag implements PointerGrab {
  readonly #seat: SelectionSeat;
  readonly #display: Display;
  readonly #devices: FocusedDevices<typeof wl_data_device>;
  readonly origin: Surface;
  readonly source: WlSource | null;
  readonly icon: Surface | null;
  #focus: DragFocus | null = null;
  #ended = false;
  readonly #onEnd: () => void;
  readonly #cleanups: (() => void)[] = [];

  constructor(seat: SelectionSeat, display: Display, devices: FocusedDevices<typeof wl_data_device>, origin: Surface, source: WlSource | null, icon: Surface | null, onEnd: () => void) {
    this.#seat = seat;
    this.#display = display;
    this.#devices = devices;
    this.origin = origin;
    this.source = source;
    this.icon = icon;
    this.#onEnd = onEnd;
    if (source) this.#cleanups.push(source.resource.onDestroy(() => this.#end(false)));
    this.#cleanups.push(origin.client.onDestroy(() => this.#end(false)));
  }

  get ended(): boolean {
    return this.#ended;
  }

  start(): void {
    const p = this.#seat.pointerPosition;
    this.motion(p.x, p.y, Date.now() >>> 0);
  }

  motion(x: number, y: number, timeMs: number): void {
    if (this.#ended) return;
    const hit = this.#seat.surfaceAt(x, y);
    // Without a source the drag stays within its own client.
    const target = hit && (this.source || hit.surface.client === this.origin.client) ? hit : null;
    if (target?.surface !== this.#focus?.surface) {
      this.#leave();
      if (target) this.#enter(target.surface, target.sx, target.sy);
      return;
    }
    if (!target || !this.#focus) return;
    for (const d of this.#focus.devices) d.send('motion', timeMs >>> 0, clampFixed(target.sx), clampFixed(target.sy));
  }

  button(_button: number, pressed: boolean): void {
    if (this.#ended || pressed) return;
    this.#drop();
  }

  cancel(): void {
    this.#end(true);
  }

  #enter(surface: Surface, sx: number, sy: number): void {
    const devices = this.#devices.devicesOf(surface.client);
    const serial = this.#display.nextSerial();
    let last: DragOffer | null = null;
    const source = this.source?.live ? this.source : null;
    for (const d of devices) {
      let offerResource: Resource<typeof wl_data_offer> | null = null;
      if (source) {
        const offer = dragOffer(d, source);
        if (offer) {
          offerResource = offer.resource;
          last = offer;
        }
      }
      d.send('enter', serial, surface.resource, clampFixed(sx), clampFixed(sy), offerResource);
    }
    if (source) source.dragOffer = last;
    last?.negotiate();
    const removeDestroyListener = surface.resource.onDestroy(() => {
      if (this.#focus?.surface === surface) this.#leave();
    });
    this.#focus = { surface, devices, offer: last, removeDestroyListener };
  }

  #leave(): void {
    const f = this.#focus;
    if (!f) return;
    this.#focus = null;
    f.removeDestroyListener();
    for (const d of f.devices) d.send('leave');
    const source = this.source;
    if (source && f.offer && source.dragOffer === f.offer && !f.offer.dropped) {
      source.dragOffer = null;
      if (source.accepted && source.live) source.resource.send('target', null);
      source.accepted = false;
    }
  }

  #drop(): void {
    const f = this.#focus;
    const source = this.source;
    if (f && !source) {
      for (const d of f.devices) d.send('drop');
    } else if (f && source?.live && f.offer?.active && source.accepted && source.action !== ACTION.none) {
      for (const d of f.devices) d.send('drop');
      f.offer.dropped = true;
      if (source.resource.version >= ACTIONS_SINCE) source.resource.send('dnd_drop_performed');
    } else {
      source?.cancel();
    }
    this.#end(false);
  }

  /** Ends the drag: leave, grab released, icon role object dropped. Idempotent. */
  #end(cancelSource: boolean): void {
    if (this.#ended) return;
    this.#ended = true;
    for (const c of this.#cleanups.splice(0)) c();
    const f = this.#focus;
    this.#leave();
    if (cancelSource && !f?.offer?.dropped) this.source?.cancel();
    if (this.icon && !this.icon.destroyed && this.icon.roleName === ICON_ROLE_NAME) this.icon.role = null;
    this.#seat.setPointerGrab(null);
    this.#onEnd();
  }
}

function dragOffer(device: Resource<typeof wl_data_device>, source: WlSource): DragOffer | null {
  const resource = device.client.createServerResource(wl_data_offer, device.version);
  if (!resource) return null;
  const offer = new DragOffer(resource, source);
  implement(
    resource,
    wl_data_offer,
    {
      accept: (_r, _serial, mimeType) => {
        if (!offer.active || offer.dropped) return;
        source.accepted = mimeType !== null;
        source.resource.send('target', mimeType);
      },
      receive: (_r, mimeType, fd) => {
        if (offer.active) source.send(mimeType, fd.fd);
      },
      finish: (r) => {
        if (!offer.active) return;
        if (!offer.dropped || offer.finished) {
          r.postError(OFFER_ERROR.invalid_finish, `${r}: finish before the drop`);
          return;
        }
        if (source.action === ACTION.none || source.action === ACTION.ask) {
          r.postError(OFFER_ERROR.invalid_offer, `${r}: finish with action ${source.action === ACTION.ask ? 'ask' : 'none'}`);
          return;
        }
        offer.finished = true;
        source.dragOffer = null;
        if (source.resource.version >= ACTIONS_SINCE) source.resource.send('dnd_finished');
      },
      set_actions: (r, actions, preferred) => {
        if (actions & ~ALL_ACTIONS) {
          r.postError(OFFER_ERROR.invalid_action_mask, `${r}: invalid action mask 0x${(actions >>> 0).toString(16)}`);
          return;
        }
        if (preferred !== ACTION.none && ((preferred & actions) === 0 || (preferred & (preferred - 1)) !== 0)) {
          r.postError(OFFER_ERROR.invalid_action, `${r}: invalid preferred action 0x${(preferred >>> 0).toString(16)}`);
          return;
        }
        // After the drop only an `ask` is still open: the receiver picks the final action.
        if (offer.dropped && source.action !== ACTION.ask) return;
        offer.actions = actions;
        offer.preferred = preferred;
        offer.negotiate();
      },
    },
    offer,
  );
  resource.onDestroy(() => {
    // A receiver destroying a dropped offer without finish: v3 cancelled, older ones finished (weston).
    if (!offer.active || !offer.dropped || offer.finished) return;
    source.dragOffer = null;
    if (resource.version >= ACTIONS_SINCE) source.cancel();
    else if (source.resource.version >= ACTIONS_SINCE) source.resource.send('dnd_finished');
  });
  device.send('data_offer', resource);
  for (const m of source.mimeTypes) resource.send('offer', m);
  if (resource.version >= ACTIONS_SINCE) resource.send('source_actions', source.allowedActions);
  return offer;
}

/** Selection offers: mime types and receive; no drag requests. */
function selectionOffer(device: Resource<typeof wl_data_device>, source: DataSource | null): void {
  if (!source) {
    device.send('selection', null);
    return;
  }
  const resource = device.client.createServerResource(wl_data_offer, device.version);
  if (!resource) return;
  implement(resource, wl_data_offer, {
    receive: (_r, mimeType, fd) => source.send(mimeType, fd.fd),
    finish: (r) => r.postError(OFFER_ERROR.invalid_finish, `${r}: finish is for drag-and-drop offers`),
    set_actions: (r) => r.postError(OFFER_ERROR.invalid_offer, `${r}: set_actions is for drag-and-drop offers`),
  });
  device.send('data_offer', resource);
  for (const m of source.mimeTypes) resource.send('offer', m);
  device.send('selection', resource);
}

export interface DataDevices {
  /** The drag icon and where it is (surface origin, layout-logical), while a drag with an icon is on. */
  readonly dragIcon: { surface: Surface; x: number; y: number } | null;
}

export function createDataDeviceGlobal(display: Display, selections: Selections, seat: SelectionSeat): DataDevices {
  const slot = selections.clipboard;
  const devices = new FocusedDevices(seat, slot, selectionOffer);
  let drag: Drag | null = null;

  const startDrag = (
    device: Resource<typeof wl_data_device>,
    sourceResource: Resource<typeof wl_data_source> | null,
    originResource: Resource<typeof wl_surface>,
    iconResource: Resource<typeof wl_surface> | null,
    serial: number,
  ): void => {
    const source = dataOf(sourceResource, WlSource);
    const origin = surfaceOf(originResource);
    const icon = surfaceOf(iconResource);
    if (!origin) return;
    if (source?.dragged) {
      device.postError(SOURCE_ERROR.invalid_source, `${sourceResource}: a source can start one drag only`);
      return;
    }
    if (icon && !icon.setRole(iconRole, device, DEVICE_ERROR.role)) return;
    // A drag needs the client's own button held (as wlroots): else the grab would hold the pointer until some later click.
    const held = seat.pointerButtonClient === device.client;
    if (!held || !seat.isInputSerial(device.client, serial) || drag !== null || (sourceResource !== null && !source?.live)) {
      if (icon?.role === iconRole) icon.role = null;
      source?.cancel();
      return;
    }
    if (source) {
      source.dragged = true;
      // A drag source is no selection source any more.
      selections.sourceGone(source);
    }
    const d = new Drag(seat, display, devices, origin, source, icon, () => {
      if (drag === d) drag = null;
    });
    drag = d;
    seat.setPointerGrab(d);
    d.start();
  };

  const setSelection = (device: Resource<typeof wl_data_device>, sourceResource: Resource<typeof wl_data_source> | null, serial: number): void => {
    const source = dataOf(sourceResource, WlSource);
    if (source && (source.dragged || source.actions !== null)) {
      source.resource.postError(SOURCE_ERROR.invalid_source, `${source.resource}: a drag-and-drop source cannot be the selection`);
      return;
    }
    if (!seat.isInputSerial(device.client, serial)) return;
    slot.set(source, serial);
  };

  display.createGlobal(wl_data_device_manager, 3, (manager) => {
    implement(manager, wl_data_device_manager, {
      create_data_source: (_r, resource) => serveSource(resource, selections),
      get_data_device: (_r, device) => {
        implement(device, wl_data_device, {
          start_drag: (r, source, origin, icon, serial) => startDrag(r, source, origin, icon, serial),
          set_selection: (r, source, serial) => setSelection(r, source, serial),
        });
        devices.add(device);
      },
    });
  });

  return {
    get dragIcon() {
      const d = drag;
      if (!d?.icon || d.icon.destroyed || !d.icon.mapped) return null;
      const p = seat.pointerPosition;
      return { surface: d.icon, x: p.x + d.icon.offsetX, y: p.y + d.icon.offsetY };
    },
  };
}

const iconRole: SurfaceRole = { name: ICON_ROLE_NAME };

function serveSource(resource: Resource<typeof wl_data_source>, selections: Selections): void {
  const source = new WlSource(resource);
  resource.onDestroy(() => selections.sourceGone(source));
  implement(
    resource,
    wl_data_source,
    {
      offer: (_r, mimeType) => source.offer(mimeType),
      set_actions: (r, actions) => {
        if (source.actions !== null) r.postError(SOURCE_ERROR.invalid_action_mask, `${r}: actions can be set once only`);
        else if (actions & ~ALL_ACTIONS) r.postError(SOURCE_ERROR.invalid_action_mask, `${r}: invalid action mask 0x${(actions >>> 0).toString(16)}`);
        else if (source.dragged) r.postError(SOURCE_ERROR.invalid_action_mask, `${r}: actions set after start_drag`);
        else source.actions = actions;
      },
    },
    source,
  );
}

