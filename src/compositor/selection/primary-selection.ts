// zwp_primary_selection_device_manager_v1 v1: the middle-click selection,
// wl_data_device's selection model without drag and drop.
//
// Invariants:
//  - advertised only with a seat (GTK3/GTK4 crash on a primary selection
//    manager without one): createPrimarySelectionGlobal takes the seat;
//  - set_selection is honoured only with a serial the seat sent this client
//    for an input event, not older than the current selection's (as
//    wlroots: otherwise ignored, the source kept);
//  - only the client with keyboard focus gets offers (FocusedDevices);
//  - the slot is shared with data-control (selection.ts);
//  - a client has at most MAX_SELECTION_DEVICES (16) primary selection
//    devices, and its sources' mime types are bounded (selection.ts):
//    no_memory past them; an offer costs O(16 × mime types).
import {
  zwp_primary_selection_device_manager_v1,
  zwp_primary_selection_device_v1,
  zwp_primary_selection_offer_v1,
  zwp_primary_selection_source_v1,
} from '../../protocol/primary-selection.js';
import type { Display, Resource } from '../../server/index.js';
import { DataSource, FocusedDevices, type SelectionSeat, type Selections } from './selection.js';
import { dataOf, implement } from '../../server/typed.js';

class PrimarySource extends DataSource<typeof zwp_primary_selection_source_v1> {}

export function createPrimarySelectionGlobal(display: Display, selections: Selections, seat: SelectionSeat): void {
  const slot = selections.primary;
  const devices = new FocusedDevices(seat, slot, offer);
  display.createGlobal(zwp_primary_selection_device_manager_v1, 1, (manager) => {
    implement(manager, zwp_primary_selection_device_manager_v1, {
      create_source: (_r, resource) => {
        const source = new PrimarySource(resource);
        resource.onDestroy(() => selections.sourceGone(source));
        implement(resource, zwp_primary_selection_source_v1, { offer: (_s, mimeType) => source.offer(mimeType) }, source);
      },
      get_device: (_r, device) => {
        implement(device, zwp_primary_selection_device_v1, {
          set_selection: (r, sourceResource, serial) => {
            if (!seat.isInputSerial(r.client, serial)) return;
            slot.set(dataOf(sourceResource, PrimarySource), serial);
          },
        });
        devices.add(device);
      },
    });
  });
}

function offer(device: Resource<typeof zwp_primary_selection_device_v1>, source: DataSource | null): void {
  if (!source) {
    device.send('selection', null);
    return;
  }
  const offerResource = device.client.createServerResource(zwp_primary_selection_offer_v1, device.version);
  if (!offerResource) return;
  implement(offerResource, zwp_primary_selection_offer_v1, {
    receive: (_r, mimeType, fd) => source.send(mimeType, fd.fd),
  });
  device.send('data_offer', offerResource);
  for (const m of source.mimeTypes) offerResource.send('offer', m);
  device.send('selection', offerResource);
}
