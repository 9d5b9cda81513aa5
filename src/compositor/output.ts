// The one output: wl_output v4, zxdg_output_manager_v1 v3, and its framebuffer.
//
// Invariants:
//  - the mode is width × height pixels at `refreshMilliHz`; the logical size
//    (what windows are sized to) is the mode divided by the scale;
//  - every wl_output bind gets geometry, mode, scale, name, description and
//    done, in that order (each only from the version that has it);
//  - zxdg_output_v1 v3 ends with wl_output.done (its own done is deprecated
//    from version 3), earlier versions with zxdg_output_v1.done;
//  - the framebuffer is compositor memory (argb premultiplied, one uint32 per
//    pixel, row-major, no padding): the renderer writes it, screenshots and
//    screen capture read it.
import { wl_output } from '../protocol/wayland.js';
import { zxdg_output_manager_v1, zxdg_output_v1 } from '../protocol/xdg-output.js';
import type { Client, Display, Resource } from '../server/index.js';
import { implement } from './typed.js';

export interface OutputOptions {
  width: number;
  height: number;
  scale: number;
  /** Refresh rate in Hz. */
  refresh: number;
  name?: string;
}

const MODE = wl_output.enums.mode.entries;

export class Output {
  readonly width: number;
  readonly height: number;
  readonly scale: number;
  readonly refreshMilliHz: number;
  readonly name: string;
  readonly description: string;
  /** argb premultiplied, width × height. */
  readonly framebuffer: Uint32Array;
  readonly #resources = new Map<Client, Set<Resource>>();

  constructor(options: OutputOptions) {
    this.width = options.width;
    this.height = options.height;
    this.scale = options.scale;
    this.refreshMilliHz = Math.round(options.refresh * 1000);
    this.name = options.name ?? 'HEADLESS-1';
    this.description = `nosigbus headless output ${this.width}x${this.height}`;
    this.framebuffer = new Uint32Array(this.width * this.height);
  }

  get logicalWidth(): number {
    return Math.floor(this.width / this.scale);
  }

  get logicalHeight(): number {
    return Math.floor(this.height / this.scale);
  }

  /** Nanoseconds per refresh. */
  get refreshNs(): number {
    return Math.round(1e12 / this.refreshMilliHz);
  }

  /** This client's wl_output objects. */
  resourcesOf(client: Client): readonly Resource[] {
    return [...(this.#resources.get(client) ?? [])];
  }

  createGlobals(display: Display): void {
    display.createGlobal(wl_output, 4, (resource) => this.#bindOutput(resource));
    display.createGlobal(zxdg_output_manager_v1, 3, (resource) =>
      implement(resource, zxdg_output_manager_v1, {
        get_xdg_output: (_r, xdgOutput, outputResource) => this.#serveXdgOutput(xdgOutput, outputResource),
      }),
    );
  }

  #bindOutput(resource: Resource): void {
    let set = this.#resources.get(resource.client);
    if (!set) {
      set = new Set();
      this.#resources.set(resource.client, set);
      resource.client.onDestroy((c) => this.#resources.delete(c));
    }
    set.add(resource);
    resource.onDestroy(() => set.delete(resource));
    implement(resource, wl_output, {});
    const v = resource.version;
    // A headless output has no physical size; 0 × 0 mm is what the protocol allows for that.
    resource.send('geometry', 0, 0, 0, 0, wl_output.enums.subpixel.entries.unknown, 'nosigbus', 'headless', 0);
    resource.send('mode', MODE.current | MODE.preferred, this.width, this.height, this.refreshMilliHz);
    if (v >= 2) resource.send('scale', this.scale);
    if (v >= 4) {
      resource.send('name', this.name);
      resource.send('description', this.description);
    }
    if (v >= 2) resource.send('done');
  }

  #serveXdgOutput(resource: Resource, outputResource: Resource): void {
    implement(resource, zxdg_output_v1, {});
    resource.send('logical_position', 0, 0);
    resource.send('logical_size', this.logicalWidth, this.logicalHeight);
    if (resource.version >= 2) {
      resource.send('name', this.name);
      resource.send('description', this.description);
    }
    if (resource.version >= 3) {
      if (outputResource.version >= 2) outputResource.send('done');
    } else resource.send('done');
  }
}
