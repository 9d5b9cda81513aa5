// zwlr_output_manager_v1 v2 (wlr-randr, kanshi): the one headless output as
// a head whose mode and scale can be changed at run time.
//
// Invariants:
//  - each manager gets one head (our output) with name, description, its
//    modes (the current one, marked preferred if it is the mode we started
//    with, plus 1920x1080, 1280x720, 3840x2160 and 1024x768 at 60 Hz),
//    enabled, current_mode, position (0,0), transform (normal) and scale,
//    make and model from v2, then done with the configuration serial. No
//    physical_size: a headless output has none, and the event is only for
//    heads that have one;
//  - every change of the output (from a configuration or anything else)
//    sends the changed properties (a new mode object first if the new mode
//    is a custom one not listed yet) and done with a new serial to every
//    manager;
//  - a configuration made with an older serial is `cancelled`; one that
//    disables the output, moves it from (0,0), or asks for a transform or a
//    size we cannot show (past MAX_OUTPUT_SIZE per side, or a new size of
//    more than MAX_CLIENT_MODE_PIXELS, 7680 × 4320 pixels) is `failed` (a
//    single output cannot go away, and the renderer has no transforms); `test` validates only; `apply` changes
//    the output, whose listeners repaint and reconfigure windows and layer
//    surfaces, then `succeeded`. A scale is a multiple of 1/120 in 0.25..8
//    (the wl_fixed on the wire is the one such multiple it rounds; scale.ts):
//    `wlr-randr --scale 1.5` gives 1.5, a scale out of that range, or one no
//    multiple of 1/120 rounds to, is `failed`;
//  - protocol errors: a head enabled or disabled twice
//    (already_configured_head), a configuration applied or tested that
//    omits our head (unconfigured_head), requests after apply/test
//    (already_used), a property set twice or a mode and a custom mode
//    (already_set), a mode of another head or manager (invalid_mode), a
//    custom size or refresh below 1 (refresh 0: unspecified)
//    (invalid_custom_mode), a transform outside wl_output.transform
//    (invalid_transform), a scale ≤ 0 (invalid_scale);
//  - a mode we switched to that is not listed (a custom mode, or one set
//    by setMode) is advertised as a new mode; at most MAX_CUSTOM_MODES (8)
//    such modes are advertised at once: the oldest one that is not the
//    current mode then gets `finished` on every manager's mode object and
//    is forgotten (a configuration naming it is still read, and its old
//    serial makes it `cancelled`).
//
// What a client may cost: an applied configuration reallocates the
// framebuffer (at most MAX_CLIENT_MODE_PIXELS × 4 bytes) and reconfigures
// every window; the client's next request waits as long as that took
// (Client.deferInput), so a flood of mode changes takes at most about half
// of the event loop. A manager bind costs O(advertised modes) ≤ 5 + 8
// and 1 + 13 objects; a change O(managers of all clients) with O(1) events
// each (a client has at most MAX_BINDS_PER_GLOBAL, 64, managers: the
// server core); a configuration O(1) per request (a client has at most 64
// heads to name). No list grows with the number of mode changes: a client
// switching through a million custom modes leaves 13 modes advertised. (A
// v2 client cannot destroy a finished mode object: like wlroots, each
// change to a new mode adds one object to every manager's client, bounded
// by that client's object limit.)
import {
  zwlr_output_configuration_head_v1,
  zwlr_output_configuration_v1,
  zwlr_output_head_v1,
  zwlr_output_manager_v1,
  zwlr_output_mode_v1,
} from '../../protocol/wlr-output-management.js';
import type { Display, Resource } from '../../server/index.js';
import { MAX_OUTPUT_SIZE, MAX_REFRESH_MILLIHZ, type Output } from './output.js';
import { dataOf, implement } from '../../server/typed.js';
import { scaleFromFixed } from './scale.js';

const CONFIG_ERROR = zwlr_output_configuration_v1.enums.error.entries;
const HEAD_ERROR = zwlr_output_configuration_head_v1.enums.error.entries;
const COMMON_MODES: readonly [number, number][] = [[1920, 1080], [1280, 720], [3840, 2160], [1024, 768]];
const COMMON_REFRESH = 60_000;

interface ModeSpec {
  readonly width: number;
  readonly height: number;
  readonly refresh: number;
}

/** The largest mode a client may ask for, in pixels (8K UHD, 7680 × 4320, in any shape within
 * MAX_OUTPUT_SIZE per side): the framebuffer is 4 bytes per pixel (127 MiB here), and every
 * full repaint and capture scales with it. Larger is `failed`; the command line may set more. */
export const MAX_CLIENT_MODE_PIXELS = 7680 * 4320;
/** Modes advertised beyond the fixed list (custom sizes switched to); past it the oldest not current one is finished. */
export const MAX_CUSTOM_MODES = 8;

const sameMode = (a: ModeSpec, b: ModeSpec): boolean => a.width === b.width && a.height === b.height && a.refresh === b.refresh;
const modeKey = (m: ModeSpec): string => `${m.width}x${m.height}@${m.refresh}`;

/** One manager's view of our head: its head object and mode objects. */
class HeadBinding {
  readonly manager: Resource<typeof zwlr_output_manager_v1>;
  readonly head: Resource<typeof zwlr_output_head_v1>;
  /** Its mode objects of the modes advertised now, by modeKey. */
  readonly modes = new Map<string, Resource<typeof zwlr_output_mode_v1>>();

  constructor(manager: Resource<typeof zwlr_output_manager_v1>, head: Resource<typeof zwlr_output_head_v1>) {
    this.manager = manager;
    this.head = head;
  }

  modeResource(spec: ModeSpec): Resource<typeof zwlr_output_mode_v1> | null {
    return this.modes.get(modeKey(spec)) ?? null;
  }
}

/** The owner data of a zwlr_output_mode_v1: whose head it belongs to, and the mode. */
class ModeObject {
  readonly binding: HeadBinding;
  readonly spec: ModeSpec;

  constructor(binding: HeadBinding, spec: ModeSpec) {
    this.binding = binding;
    this.spec = spec;
  }
}

/** What a configuration asks of our head (null fields: unchanged). */
interface HeadRequest {
  enabled: boolean;
  mode: ModeSpec | null;
  /** A custom mode's refresh may be 0 (unspecified: keep ours). */
  customMode: ModeSpec | null;
  position: [number, number] | null;
  transform: number | null;
  scale: number | null;
}

/** Creates the zwlr_output_manager_v1 global for `output`; returns the head's state (for tests and reports). */
export function createOutputManagementGlobal(display: Display, output: Output): OutputManagement {
  const management = new OutputManagement(display, output);
  display.createGlobal(zwlr_output_manager_v1, 2, (manager) => management.bind(manager));
  return management;
}

export class OutputManagement {
  readonly #output: Output;
  readonly #display: Display;
  readonly #bindings = new Set<HeadBinding>();
  /** Modes advertised now, in the order advertised (a Map keeps insertion order), by modeKey. */
  readonly #modes = new Map<string, ModeSpec>();
  /** The modes advertised beyond the fixed list, oldest first (at most MAX_CUSTOM_MODES). */
  readonly #custom: ModeSpec[] = [];
  readonly #preferred: ModeSpec;
  #serial: number;
  /** What the heads were last told (to send only what changed). */
  #sent: { mode: ModeSpec; scale: number };

  constructor(display: Display, output: Output) {
    this.#output = output;
    this.#display = display;
    this.#preferred = this.#current();
    this.#modes.set(modeKey(this.#preferred), this.#preferred);
    for (const [width, height] of COMMON_MODES) {
      const spec = { width, height, refresh: COMMON_REFRESH };
      if (!this.#modes.has(modeKey(spec))) this.#modes.set(modeKey(spec), spec);
    }
    this.#serial = display.nextSerial();
    this.#sent = { mode: this.#preferred, scale: output.scale };
    output.onChange(() => this.#changed());
  }

  #current(): ModeSpec {
    const o = this.#output;
    return { width: o.width, height: o.height, refresh: o.refreshMilliHz };
  }

  /** Advertised modes (tests: stays bounded). */
  get advertisedModes(): number {
    return this.#modes.size;
  }

  /** Managers bound, of every client (tests: back to 0 once they left). */
  get managers(): number {
    return this.#bindings.size;
  }

  /** Lists `spec` if it is not listed; returns the custom mode this retires (the oldest not current one past MAX_CUSTOM_MODES), if any. */
  #addMode(spec: ModeSpec): { added: boolean; retired: ModeSpec | null } {
    if (this.#modes.has(modeKey(spec))) return { added: false, retired: null };
    this.#modes.set(modeKey(spec), spec);
    this.#custom.push(spec);
    let retired: ModeSpec | null = null;
    if (this.#custom.length > MAX_CUSTOM_MODES) {
      // The newest is the current mode: the oldest is not.
      retired = this.#custom.shift()!;
      this.#modes.delete(modeKey(retired));
    }
    return { added: true, retired };
  }

  /** A client bound zwlr_output_manager_v1. */
  bind(manager: Resource<typeof zwlr_output_manager_v1>): void {
    implement(manager, zwlr_output_manager_v1, {
      create_configuration: (_m, id, serial) => this.#serveConfiguration(id, serial),
      stop: (m) => {
        m.send('finished');
        m.destroy();
      },
    });
    const head = manager.client.createServerResource(zwlr_output_head_v1, manager.version);
    if (!head) return;
    const binding = new HeadBinding(manager, head);
    implement(head, zwlr_output_head_v1, {}, binding);
    this.#bindings.add(binding);
    manager.onDestroy(() => this.#bindings.delete(binding));
    manager.send('head', head);
    head.send('name', this.#output.name);
    head.send('description', this.#output.description);
    for (const spec of this.#modes.values()) this.#sendMode(binding, spec);
    head.send('enabled', 1);
    this.#sendCurrent(binding);
    head.send('position', 0, 0);
    head.send('transform', 0);
    head.send('scale', this.#output.scale);
    if (head.version >= 2) {
      head.send('make', 'nosigbus');
      head.send('model', 'headless');
    }
    manager.send('done', this.#serial);
  }

  #sendMode(binding: HeadBinding, spec: ModeSpec): void {
    const mode = binding.manager.client.createServerResource(zwlr_output_mode_v1, binding.head.version);
    if (!mode) return;
    implement(mode, zwlr_output_mode_v1, {}, new ModeObject(binding, spec));
    binding.modes.set(modeKey(spec), mode);
    binding.head.send('mode', mode);
    mode.send('size', spec.width, spec.height);
    mode.send('refresh', spec.refresh);
    if (spec === this.#preferred) mode.send('preferred');
  }

  #sendCurrent(binding: HeadBinding): void {
    const mode = binding.modeResource(this.#current());
    if (mode) binding.head.send('current_mode', mode);
  }

  /** The output changed: what changed, then done with a new serial, to every manager. */
  #changed(): void {
    const current = this.#current();
    const { added, retired } = this.#addMode(current);
    const modeChanged = !sameMode(current, this.#sent.mode);
    const scaleChanged = this.#output.scale !== this.#sent.scale;
    this.#sent = { mode: current, scale: this.#output.scale };
    this.#serial = this.#display.nextSerial();
    for (const b of this.#bindings) {
      if (added) this.#sendMode(b, current);
      if (modeChanged) this.#sendCurrent(b);
      if (retired) {
        const old = b.modes.get(modeKey(retired));
        b.modes.delete(modeKey(retired));
        old?.send('finished');
      }
      if (scaleChanged) b.head.send('scale', this.#output.scale);
      b.manager.send('done', this.#serial);
    }
  }

  #serveConfiguration(resource: Resource<typeof zwlr_output_configuration_v1>, serial: number): void {
    const heads = new Map<Resource<typeof zwlr_output_head_v1>, HeadRequest>();
    let used = false;
    const checkUnused = (r: Resource<typeof zwlr_output_configuration_v1>): boolean => {
      if (used) r.postError(CONFIG_ERROR.already_used, 'configuration has already been applied or tested');
      return !used;
    };
    const configure = (r: Resource<typeof zwlr_output_configuration_v1>, headResource: Resource<typeof zwlr_output_head_v1>, enabled: boolean): HeadRequest | null => {
      if (!checkUnused(r)) return null;
      if (heads.has(headResource)) {
        r.postError(CONFIG_ERROR.already_configured_head, 'head has been configured twice');
        return null;
      }
      const req: HeadRequest = { enabled, mode: null, customMode: null, position: null, transform: null, scale: null };
      heads.set(headResource, req);
      return req;
    };
    const finish = (r: Resource<typeof zwlr_output_configuration_v1>, apply: boolean): void => {
      if (!checkUnused(r)) return;
      used = true;
      // Every head object is one of our (single) output's.
      const req = heads.values().next().value;
      if (!req) {
        r.postError(CONFIG_ERROR.unconfigured_head, 'the configuration does not configure every head');
        return;
      }
      if (serial !== this.#serial) {
        r.send('cancelled');
        return;
      }
      const mode = this.#validate(req);
      if (!mode) {
        r.send('failed');
        return;
      }
      if (apply) {
        const started = performance.now();
        this.#output.setMode(mode);
        // A new framebuffer and everything reconfigured: the client waits as long before its next request.
        r.client.deferInput(performance.now() - started);
      }
      r.send('succeeded');
    };
    implement(resource, zwlr_output_configuration_v1, {
      enable_head: (r, id, headResource) => {
        const req = configure(r, headResource, true);
        if (req) this.#serveConfigurationHead(id, headResource, req);
        else implement(id, zwlr_output_configuration_head_v1, {});
      },
      disable_head: (r, headResource) => void configure(r, headResource, false),
      apply: (r) => finish(r, true),
      test: (r) => finish(r, false),
    });
  }

  /** The mode the request asks for, or null if we cannot show it. */
  #validate(req: HeadRequest): { width: number; height: number; refreshMilliHz: number; scale: number } | null {
    if (!req.enabled) return null;
    if (req.position && (req.position[0] !== 0 || req.position[1] !== 0)) return null;
    if (req.transform !== null && req.transform !== 0) return null;
    const size = req.mode ?? req.customMode ?? this.#current();
    if (size.width > MAX_OUTPUT_SIZE || size.height > MAX_OUTPUT_SIZE) return null;
    const current = this.#current();
    if (size.width * size.height > MAX_CLIENT_MODE_PIXELS && !(size.width === current.width && size.height === current.height)) return null;
    const refresh = size.refresh > 0 ? size.refresh : this.#output.refreshMilliHz;
    if (refresh > MAX_REFRESH_MILLIHZ) return null; // what Output.setMode takes: failed, not an exception
    const scale = req.scale === null ? this.#output.scale : scaleFromFixed(req.scale);
    if (scale === null) return null;
    return { width: size.width, height: size.height, refreshMilliHz: refresh, scale };
  }

  #serveConfigurationHead(resource: Resource<typeof zwlr_output_configuration_head_v1>, headResource: Resource<typeof zwlr_output_head_v1>, req: HeadRequest): void {
    const binding = dataOf(headResource, HeadBinding);
    const once = (r: Resource<typeof zwlr_output_configuration_head_v1>, isSet: boolean): boolean => {
      if (isSet) r.postError(HEAD_ERROR.already_set, 'property has already been set');
      return !isSet;
    };
    implement(resource, zwlr_output_configuration_head_v1, {
      set_mode: (r, modeResource) => {
        if (!once(r, req.mode !== null || req.customMode !== null)) return;
        const mode = dataOf(modeResource, ModeObject);
        if (!binding || mode?.binding !== binding) {
          r.postError(HEAD_ERROR.invalid_mode, "mode doesn't belong to head");
          return;
        }
        req.mode = mode.spec;
      },
      set_custom_mode: (r, width, height, refresh) => {
        if (!once(r, req.mode !== null || req.customMode !== null)) return;
        if (width < 1 || height < 1 || refresh < 0) {
          r.postError(HEAD_ERROR.invalid_custom_mode, `invalid custom mode ${width}x${height}@${refresh}mHz`);
          return;
        }
        req.customMode = { width, height, refresh };
      },
      set_position: (r, x, y) => {
        if (once(r, req.position !== null)) req.position = [x, y];
      },
      set_transform: (r, transform) => {
        if (!once(r, req.transform !== null)) return;
        if (transform < 0 || transform > 7) r.postError(HEAD_ERROR.invalid_transform, `invalid transform ${transform}`);
        else req.transform = transform;
      },
      // The decoder hands `fixed` arguments over as numbers already (24.8 → double).
      set_scale: (r, scale) => {
        if (!once(r, req.scale !== null)) return;
        if (!(scale > 0)) r.postError(HEAD_ERROR.invalid_scale, `invalid scale ${scale}`);
        else req.scale = scale;
      },
    });
  }
}
