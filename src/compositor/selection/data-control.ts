// zwlr_data_control_manager_v1 v2: clipboard managers and wl-clipboard read
// and set both selections without keyboard focus.
//
// Invariants:
//  - every data-control device hears every change of both slots (primary
//    only from version 2), and gets the current ones when created: a
//    `data_offer` with the source's mime types, then `selection` /
//    `primary_selection` (null when the slot is empty);
//  - a source may be used in one set_selection / set_primary_selection only
//    (used_source on the device), and takes no offer after it
//    (invalid_offer);
//  - its sources sit in the same slots as wl_data_device and primary
//    selection sources (selection.ts): the two sides paste into each other;
//  - a client has at most MAX_SELECTION_DEVICES (16) data-control devices
//    (no_memory past it), so a slot change costs O(16 × mime types) per
//    client with devices, whatever a client makes (selection.ts has the
//    mime type bounds).
import { zwlr_data_control_device_v1, zwlr_data_control_manager_v1, zwlr_data_control_offer_v1, zwlr_data_control_source_v1 } from '../../protocol/wlr-data-control.js';
import type { Display, Resource } from '../../server/index.js';
import { ClientQuota } from '../../server/client-quota.js';
import { DataSource, MAX_SELECTION_DEVICES, type Selection, type Selections } from './selection.js';
import { dataOf, implement } from '../../server/typed.js';

const DEVICE_ERROR = zwlr_data_control_device_v1.enums.error.entries;
const SOURCE_ERROR = zwlr_data_control_source_v1.enums.error.entries;

class ControlSource extends DataSource<typeof zwlr_data_control_source_v1> {
  /** Used in a set_selection / set_primary_selection. */
  used = false;
}

export function createDataControlGlobal(display: Display, selections: Selections): void {
  const devices = new Set<Resource<typeof zwlr_data_control_device_v1>>();
  const quota = new ClientQuota('data-control devices', MAX_SELECTION_DEVICES);
  display.createGlobal(zwlr_data_control_manager_v1, 2, (manager) => {
    implement(manager, zwlr_data_control_manager_v1, {
      create_data_source: (_r, resource) => {
        const source = new ControlSource(resource);
        resource.onDestroy(() => selections.sourceGone(source));
        implement(
          resource,
          zwlr_data_control_source_v1,
          {
            offer: (r, mimeType) => {
              if (source.used) r.postError(SOURCE_ERROR.invalid_offer, `${r}: offer after the source was set as a selection`);
              else source.offer(mimeType);
            },
          },
          source,
        );
      },
      get_data_device: (_r, device) => {
        if (!quota.acquire(device)) return;
        devices.add(device);
        device.onDestroy(() => devices.delete(device));
        const set = (slot: Selection, r: Resource<typeof zwlr_data_control_device_v1>, sourceResource: Resource<typeof zwlr_data_control_source_v1> | null): void => {
          const source = dataOf(sourceResource, ControlSource);
          if (source?.used) {
            r.postError(DEVICE_ERROR.used_source, `${sourceResource}: a source can be set as a selection only once`);
            return;
          }
          if (source) source.used = true;
          slot.set(source, display.nextSerial());
        };
        implement(device, zwlr_data_control_device_v1, {
          set_selection: (r, source) => set(selections.clipboard, r, source),
          set_primary_selection: (r, source) => set(selections.primary, r, source),
        });
        offer(device, 'selection', selections.clipboard.source);
        if (device.version >= 2) offer(device, 'primary_selection', selections.primary.source);
      },
    });
  });
  selections.clipboard.onChange((source) => {
    for (const d of devices) offer(d, 'selection', source);
  });
  selections.primary.onChange((source) => {
    for (const d of devices) if (d.version >= 2) offer(d, 'primary_selection', source);
  });
}

/** A new offer of `source` on `device`, then the selection event naming it (null: empty). */
function offer(device: Resource<typeof zwlr_data_control_device_v1>, event: 'selection' | 'primary_selection', source: DataSource | null): void {
  if (!source?.live) {
    device.send(event, null);
    return;
  }
  const offerResource = device.client.createServerResource(zwlr_data_control_offer_v1, device.version);
  if (!offerResource) return;
  implement(offerResource, zwlr_data_control_offer_v1, {
    receive: (_r, mimeType, fd) => source.send(mimeType, fd.fd),
  });
  device.send('data_offer', offerResource);
  for (const m of source.mimeTypes) offerResource.send('offer', m);
  device.send(event, offerResource);
}
