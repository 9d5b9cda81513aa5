// Data control: clipboard managers and wl-clipboard read and set both
// selections without keyboard focus. Two protocols, one implementation:
// zwlr_data_control_manager_v1 v2 (wlr-protocols) and its standard
// successor ext_data_control_manager_v1 v1 (wayland-protocols 1.39), which
// has the same messages in the same order under new names, every one since
// version 1. Each is served by createDataControlGlobal(display, selections,
// protocol) with its interface set (WLR_DATA_CONTROL, EXT_DATA_CONTROL).
//
// Invariants:
//  - every data-control device of either protocol hears every change of
//    both slots (primary from the version that has it: wlr 2, ext 1), and
//    gets the current ones when created: a `data_offer` with the source's
//    mime types, then `selection` / `primary_selection` (null when the slot
//    is empty);
//  - a source may be used in one set_selection / set_primary_selection only
//    (used_source on the device), and takes no offer after it
//    (invalid_offer); a device takes only its own protocol's sources (the
//    codec checks the interface);
//  - its sources sit in the same slots as wl_data_device and primary
//    selection sources (selection.ts): every protocol pastes into the others;
//  - a client has at most MAX_SELECTION_DEVICES (16) devices per protocol
//    (no_memory past it), so a slot change costs O(16 × mime types) per
//    client with devices, whatever a client makes (selection.ts has the
//    mime type bounds).
import { zwlr_data_control_device_v1, zwlr_data_control_manager_v1, zwlr_data_control_offer_v1, zwlr_data_control_source_v1 } from '../../protocol/wlr-data-control.js';
import { ext_data_control_device_v1, ext_data_control_manager_v1, ext_data_control_offer_v1, ext_data_control_source_v1 } from '../../protocol/ext-data-control.js';
import type { wl_seat } from '../../protocol/wayland.js';
import type { Display, Resource } from '../../server/index.js';
import { ClientQuota } from '../../server/client-quota.js';
import { DataSource, MAX_SELECTION_DEVICES, type Selection, type Selections } from './selection.js';
import { dataOf, implement, isResourceOf } from '../../server/typed.js';

/** The interfaces of one data-control protocol, the version served, and the version primary selection came with. */
export const WLR_DATA_CONTROL = {
  manager: zwlr_data_control_manager_v1,
  device: zwlr_data_control_device_v1,
  source: zwlr_data_control_source_v1,
  offer: zwlr_data_control_offer_v1,
  version: 2,
  primarySince: 2,
} as const;

export const EXT_DATA_CONTROL = {
  manager: ext_data_control_manager_v1,
  device: ext_data_control_device_v1,
  source: ext_data_control_source_v1,
  offer: ext_data_control_offer_v1,
  version: 1,
  primarySince: 1,
} as const;

export type DataControlProtocol = typeof WLR_DATA_CONTROL | typeof EXT_DATA_CONTROL;
type DeviceResource = Resource<typeof zwlr_data_control_device_v1 | typeof ext_data_control_device_v1>;
type SourceResource = Resource<typeof zwlr_data_control_source_v1 | typeof ext_data_control_source_v1>;
type OfferResource = Resource<typeof zwlr_data_control_offer_v1 | typeof ext_data_control_offer_v1>;

class ControlSource extends DataSource<typeof zwlr_data_control_source_v1 | typeof ext_data_control_source_v1> {
  /** Used in a set_selection / set_primary_selection. */
  used = false;
}

/** Advertises `protocol`'s manager, its devices reading and setting `selections`. */
export function createDataControlGlobal(display: Display, selections: Selections, protocol: DataControlProtocol): void {
  const devices = new Set<DeviceResource>();
  const quota = new ClientQuota(`${protocol.manager.name} devices`, MAX_SELECTION_DEVICES);
  const deviceError = protocol.device.enums.error.entries;
  const sourceError = protocol.source.enums.error.entries;
  const hasPrimary = (d: DeviceResource): boolean => d.version >= protocol.primarySince;

  const createSource = (resource: SourceResource): void => {
    const source = new ControlSource(resource);
    resource.onDestroy(() => selections.sourceGone(source));
    const offer = (r: SourceResource, mimeType: string): void => {
      if (source.used) r.postError(sourceError.invalid_offer, `${r}: offer after the source was set as a selection`);
      else source.offer(mimeType);
    };
    implement(resource, protocol.source, { offer }, source);
  };

  const getDevice = (device: DeviceResource): void => {
    if (!quota.acquire(device)) return;
    devices.add(device);
    device.onDestroy(() => devices.delete(device));
    const set = (slot: Selection) => (r: DeviceResource, sourceResource: SourceResource | null): void => {
      const source = dataOf(sourceResource, ControlSource);
      if (source?.used) {
        r.postError(deviceError.used_source, `${sourceResource}: a source can be set as a selection only once`);
        return;
      }
      if (source) source.used = true;
      slot.set(source, display.nextSerial());
    };
    const handlers = { set_selection: set(selections.clipboard), set_primary_selection: set(selections.primary) };
    implement(device, protocol.device, handlers);
    offer(device, 'selection', selections.clipboard.source);
    if (hasPrimary(device)) offer(device, 'primary_selection', selections.primary.source);
  };

  const offer = (device: DeviceResource, event: 'selection' | 'primary_selection', source: DataSource | null): void => {
    if (!source?.live) {
      device.send(event, null);
      return;
    }
    const offerResource = device.client.createServerResource(protocol.offer, device.version);
    if (!offerResource) return;
    const receive = (_r: unknown, mimeType: string, fd: { fd: number }): void => source.send(mimeType, fd.fd);
    implement(offerResource, protocol.offer, { receive });
    sendWithOffer(device, 'data_offer', offerResource);
    for (const m of source.mimeTypes) offerResource.send('offer', m);
    sendWithOffer(device, event, offerResource);
  };

  display.createGlobal(protocol.manager, protocol.version, (manager) => {
    const handlers = {
      create_data_source: (_r: unknown, resource: SourceResource) => createSource(resource),
      get_data_device: (_r: unknown, device: DeviceResource, _seat: Resource<typeof wl_seat>) => getDevice(device),
    };
    implement(manager, protocol.manager, handlers);
  });
  selections.clipboard.onChange((source) => {
    for (const d of devices) offer(d, 'selection', source);
  });
  selections.primary.onChange((source) => {
    for (const d of devices) if (hasPrimary(d)) offer(d, 'primary_selection', source);
  });
}

/** `event` naming `offer` on `device`, both of the same protocol (an event's object argument is typed by its protocol). */
function sendWithOffer(device: DeviceResource, event: 'data_offer' | 'selection' | 'primary_selection', offer: OfferResource): void {
  if (isResourceOf(device, zwlr_data_control_device_v1) && isResourceOf(offer, zwlr_data_control_offer_v1)) device.send(event, offer);
  else if (isResourceOf(device, ext_data_control_device_v1) && isResourceOf(offer, ext_data_control_offer_v1)) device.send(event, offer);
}
