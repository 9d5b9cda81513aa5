// zwlr_output_manager_v1 v2 (wlr-randr, kanshi): every headless output as
// a head whose mode, scale and position can be changed at run time.
//
// Invariants:
//  - each manager gets one head per output, in the outputs' order, each
//    with name, description, its modes (the current one, marked preferred
//    if it is the mode the output started with, plus 1920x1080, 1280x720,
//    3840x2160 and 1024x768 at 60 Hz), enabled, current_mode, position
//    (its logical position in the layout), transform (normal) and scale,
//    make and model from v2; then one done with the configuration serial.
//    No physical_size: a headless output has none, and the event is only
//    for heads that have one;
//  - every change of an output (from a configuration or anything else)
//    sends its head's changed properties (a new mode object first if the
//    new mode is a custom one not listed yet) and done with a new serial to
//    every manager; the changes one configuration applies end with one
//    done;
//  - a configuration made with an older serial is `cancelled`; one that
//    disables an output, moves the first output (it anchors the layout:
//    new windows, the pointer's start, Xwayland's screen), makes two
//    outputs overlap, or asks for a transform or a size we cannot show
//    (past MAX_OUTPUT_SIZE per side, a new size of more than
//    MAX_CLIENT_MODE_PIXELS, 7680 × 4320 pixels, or a layout whose
//    whole-layout screenshot would grow past MAX_CLIENT_LAYOUT_PIXELS) is
//    `failed` (outputs are fixed at start, and the renderer has no
//    transforms); `test` validates only; `apply` changes the outputs, whose
//    listeners repaint and reconfigure windows and layer surfaces, then
//    `succeeded`. A scale is a multiple of 1/120 in 0.25..8 (the wl_fixed
//    on the wire is the one such multiple it rounds; scale.ts): `wlr-randr
//    --scale 1.5` gives 1.5, a scale out of that range, or one no multiple
//    of 1/120 rounds to, is `failed`;
//  - protocol errors: a head object enabled or disabled twice
//    (already_configured_head), a configuration applied or tested that
//    configures no head of some output (unconfigured_head; heads of two
//    managers for one output: the first configured counts), requests after
//    apply/test (already_used), a property set twice or a mode and a custom
//    mode (already_set), a mode of another head or manager (invalid_mode),
//    a custom size or refresh below 1 (refresh 0: unspecified)
//    (invalid_custom_mode), a transform outside wl_output.transform
//    (invalid_transform), a scale ≤ 0 (invalid_scale);
//  - a mode an output switched to that is not listed (a custom mode, or one
//    set by setMode) is advertised as a new mode of its head; at most
//    MAX_CUSTOM_MODES (8) such modes per head are advertised at once: the
//    oldest one that is not the current mode then gets `finished` on every
//    manager's mode object and is forgotten (a configuration naming it is
//    still read, and its old serial makes it `cancelled`).
//
// What a client may cost: an applied configuration reallocates the
// framebuffers it resizes (at most MAX_CLIENT_MODE_PIXELS × 4 bytes each)
// and reconfigures every window; the client's next request waits as long
// as that took (Client.deferInput), so a flood of mode changes takes at
// most about half of the event loop. A manager bind costs O(outputs ×
// advertised modes) ≤ 16 × (5 + 8) and as many objects; a change
// O(managers of all clients) with O(1) events each (a client has at most
// MAX_BINDS_PER_GLOBAL, 64, managers: the server core); a configuration
// O(1) per request and O(outputs²) to check the layout (16² at most). No
// list grows with the number of mode changes: a client switching through a
// million custom modes leaves 13 modes per head advertised. (A v2 client
// cannot destroy a finished mode object: like wlroots, each change to a
// new mode adds one object to every manager's client, bounded by that
// client's object limit.)
import {
  zwlr_output_configuration_head_v1,
  zwlr_output_configuration_v1,
  zwlr_output_head_v1,
  zwlr_output_manager_v1,
  zwlr_output_mode_v1,
} from '../../protocol/wlr-output-management.js';
import type { Display, Resource } from '../../server/index.js';
import { MAX_OUTPUT_SIZE, MAX_REFRESH_MILLIHZ, logicalLength, type Output, type OutputMode } from './output.js';
import { checkLayout, layoutBoxOf, pixelExtent, type LayoutBox, type OutputLayout } from './layout.js';
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
/** The whole-layout screenshot (bounding box at the highest scale) a client's configuration may
 * grow to, in pixels: four 8K outputs' worth. Past it (and past what the layout had) is `failed`. */
export const MAX_CLIENT_LAYOUT_PIXELS = 4 * MAX_CLIENT_MODE_PIXELS;
/** Modes advertised beyond the fixed list (custom sizes switched to); past it the oldest not current one is finished. */
export const MAX_CUSTOM_MODES = 8;

const sameMode = (a: ModeSpec, b: ModeSpec): boolean => a.width === b.width && a.height === b.height && a.refresh === b.refresh;
const modeKey = (m: ModeSpec): string => `${m.width}x${m.height}@${m.refresh}`;
const currentMode = (o: Output): ModeSpec => ({ width: o.width, height: o.height, refresh: o.refreshMilliHz });

/** One output's head as every manager sees it: the modes advertised, what was last sent. */
class HeadState {
  readonly output: Output;
  /** Modes advertised now, in the order advertised (a Map keeps insertion order), by modeKey. */
  readonly modes = new Map<string, ModeSpec>();
  /** The modes advertised beyond the fixed list, oldest first (at most MAX_CUSTOM_MODES). */
  readonly custom: ModeSpec[] = [];
  readonly preferred: ModeSpec;
  /** Every manager's head object of this output. */
  readonly bindings = new Set<HeadBinding>();
  /** What the heads were last told (to send only what changed). */
  sent: { mode: ModeSpec; scale: number; x: number; y: number };

  constructor(output: Output) {
    this.output = output;
    this.preferred = currentMode(output);
    this.modes.set(modeKey(this.preferred), this.preferred);
    for (const [width, height] of COMMON_MODES) {
      const spec = { width, height, refresh: COMMON_REFRESH };
      if (!this.modes.has(modeKey(spec))) this.modes.set(modeKey(spec), spec);
    }
    this.sent = { mode: this.preferred, scale: output.scale, x: output.x, y: output.y };
  }

  /** Lists `spec` if it is not listed; returns the custom mode this retires (the oldest not current one past MAX_CUSTOM_MODES), if any. */
  addMode(spec: ModeSpec): { added: boolean; retired: ModeSpec | null } {
    if (this.modes.has(modeKey(spec))) return { added: false, retired: null };
    this.modes.set(modeKey(spec), spec);
    this.custom.push(spec);
    let retired: ModeSpec | null = null;
    if (this.custom.length > MAX_CUSTOM_MODES) {
      // The newest is the current mode: the oldest is not.
      retired = this.custom.shift()!;
      this.modes.delete(modeKey(retired));
    }
    return { added: true, retired };
  }
}

/** One manager's view of one output's head: its head object and mode objects. */
class HeadBinding {
  readonly manager: Resource<typeof zwlr_output_manager_v1>;
  readonly head: Resource<typeof zwlr_output_head_v1>;
  readonly state: HeadState;
  /** Its mode objects of the modes advertised now, by modeKey. */
  readonly modes = new Map<string, Resource<typeof zwlr_output_mode_v1>>();

  constructor(manager: Resource<typeof zwlr_output_manager_v1>, head: Resource<typeof zwlr_output_head_v1>, state: HeadState) {
    this.manager = manager;
    this.head = head;
    this.state = state;
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

/** What a configuration asks of one head (null fields: unchanged). */
interface HeadRequest {
  enabled: boolean;
  mode: ModeSpec | null;
  /** A custom mode's refresh may be 0 (unspecified: keep ours). */
  customMode: ModeSpec | null;
  position: [number, number] | null;
  transform: number | null;
  scale: number | null;
}

/** What applying a head request does to its output. */
type HeadChange = Required<OutputMode>;

/** Creates the zwlr_output_manager_v1 global for the outputs of `layout`; returns the heads' state (for tests and reports). */
export function createOutputManagementGlobal(display: Display, layout: OutputLayout): OutputManagement {
  const management = new OutputManagement(display, layout);
  display.createGlobal(zwlr_output_manager_v1, 2, (manager) => management.bind(manager));
  return management;
}

export class OutputManagement {
  readonly #layout: OutputLayout;
  readonly #display: Display;
  /** One per output, in the outputs' order. */
  readonly #heads: readonly HeadState[];
  /** Managers bound, of every client. */
  readonly #managers = new Set<Resource<typeof zwlr_output_manager_v1>>();
  #serial: number;
  /** A configuration is being applied: its changes end with one done. */
  #applying = false;
  #changedWhileApplying = false;

  constructor(display: Display, layout: OutputLayout) {
    this.#layout = layout;
    this.#display = display;
    this.#heads = layout.outputs.map((o) => new HeadState(o));
    this.#serial = display.nextSerial();
    for (const h of this.#heads) h.output.onChange(() => this.#changed(h));
  }

  /** Advertised modes of the first output's head (tests: stays bounded). */
  get advertisedModes(): number {
    return this.#heads[0]!.modes.size;
  }

  /** Managers bound, of every client (tests: back to 0 once they left). */
  get managers(): number {
    return this.#managers.size;
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
    this.#managers.add(manager);
    const bindings: HeadBinding[] = [];
    manager.onDestroy(() => {
      this.#managers.delete(manager);
      for (const b of bindings) b.state.bindings.delete(b);
    });
    for (const state of this.#heads) {
      const head = manager.client.createServerResource(zwlr_output_head_v1, manager.version);
      if (!head) return;
      const binding = new HeadBinding(manager, head, state);
      implement(head, zwlr_output_head_v1, {}, binding);
      state.bindings.add(binding);
      bindings.push(binding);
      const o = state.output;
      manager.send('head', head);
      head.send('name', o.name);
      head.send('description', o.description);
      for (const spec of state.modes.values()) this.#sendMode(binding, spec);
      head.send('enabled', 1);
      this.#sendCurrent(binding);
      head.send('position', o.x, o.y);
      head.send('transform', 0);
      head.send('scale', o.scale);
      if (head.version >= 2) {
        head.send('make', 'nosigbus');
        head.send('model', 'headless');
      }
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
    if (spec === binding.state.preferred) mode.send('preferred');
  }

  #sendCurrent(binding: HeadBinding): void {
    const mode = binding.modeResource(currentMode(binding.state.output));
    if (mode) binding.head.send('current_mode', mode);
  }

  /** An output changed: what changed on its heads, then done with a new serial to every manager (once per configuration). */
  #changed(state: HeadState): void {
    const o = state.output;
    const current = currentMode(o);
    const { added, retired } = state.addMode(current);
    const modeChanged = !sameMode(current, state.sent.mode);
    const scaleChanged = o.scale !== state.sent.scale;
    const moved = o.x !== state.sent.x || o.y !== state.sent.y;
    state.sent = { mode: current, scale: o.scale, x: o.x, y: o.y };
    for (const b of state.bindings) {
      if (added) this.#sendMode(b, current);
      if (modeChanged) this.#sendCurrent(b);
      if (retired) {
        const old = b.modes.get(modeKey(retired));
        b.modes.delete(modeKey(retired));
        old?.send('finished');
      }
      if (moved) b.head.send('position', o.x, o.y);
      if (scaleChanged) b.head.send('scale', o.scale);
    }
    if (this.#applying) this.#changedWhileApplying = true;
    else this.#done();
  }

  /** A new serial, and done with it to every manager. */
  #done(): void {
    this.#serial = this.#display.nextSerial();
    for (const m of this.#managers) m.send('done', this.#serial);
  }

  #serveConfiguration(resource: Resource<typeof zwlr_output_configuration_v1>, serial: number): void {
    /** By head object (two managers' heads may name one output), in the order configured. */
    const heads = new Map<Resource<typeof zwlr_output_head_v1>, { state: HeadState; req: HeadRequest }>();
    let used = false;
    const checkUnused = (r: Resource<typeof zwlr_output_configuration_v1>): boolean => {
      if (used) r.postError(CONFIG_ERROR.already_used, 'configuration has already been applied or tested');
      return !used;
    };
    const configure = (r: Resource<typeof zwlr_output_configuration_v1>, headResource: Resource<typeof zwlr_output_head_v1>, enabled: boolean): HeadRequest | null => {
      if (!checkUnused(r)) return null;
      // Every head object carries its binding (whose output it is).
      const state = dataOf(headResource, HeadBinding)?.state;
      if (!state || heads.has(headResource)) {
        r.postError(CONFIG_ERROR.already_configured_head, 'head has been configured twice');
        return null;
      }
      const req: HeadRequest = { enabled, mode: null, customMode: null, position: null, transform: null, scale: null };
      heads.set(headResource, { state, req });
      return req;
    };
    const finish = (r: Resource<typeof zwlr_output_configuration_v1>, apply: boolean): void => {
      if (!checkUnused(r)) return;
      used = true;
      // Each output's request: the first of its heads configured.
      const requests = new Map<HeadState, HeadRequest>();
      for (const { state, req } of heads.values()) if (!requests.has(state)) requests.set(state, req);
      if (requests.size < this.#heads.length) {
        r.postError(CONFIG_ERROR.unconfigured_head, 'the configuration does not configure every head');
        return;
      }
      if (serial !== this.#serial) {
        r.send('cancelled');
        return;
      }
      const changes = this.#validate(requests);
      if (!changes) {
        r.send('failed');
        return;
      }
      if (apply) {
        const started = performance.now();
        this.#applying = true;
        try {
          for (const [state, change] of changes) state.output.setMode(change);
        } finally {
          this.#applying = false;
        }
        if (this.#changedWhileApplying) {
          this.#changedWhileApplying = false;
          this.#done();
        }
        // New framebuffers and everything reconfigured: the client waits as long before its next request.
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

  /** What each output becomes, or null if we cannot show the configuration. O(outputs²). */
  #validate(heads: ReadonlyMap<HeadState, HeadRequest>): Map<HeadState, HeadChange> | null {
    const changes = new Map<HeadState, HeadChange>();
    for (const [state, req] of heads) {
      const change = this.#validateHead(state, req);
      if (!change) return null;
      changes.set(state, change);
    }
    const boxes: LayoutBox[] = [];
    for (const state of this.#heads) {
      const c = changes.get(state)!;
      boxes.push({ name: state.output.name, x: c.x, y: c.y, width: logicalLength(c.width, c.scale), height: logicalLength(c.height, c.scale), scale: c.scale });
    }
    if (checkLayout(boxes) !== null) return null;
    // A whole-layout screenshot is the bounding box at the highest scale: no bigger than the limit, or than it was.
    const next = pixelExtent(boxes);
    const now = pixelExtent(this.#layout.outputs.map(layoutBoxOf));
    if (next.width * next.height > Math.max(MAX_CLIENT_LAYOUT_PIXELS, now.width * now.height)) return null;
    return changes;
  }

  /** The mode, scale and place one head request asks for, or null if we cannot show it. */
  #validateHead(state: HeadState, req: HeadRequest): HeadChange | null {
    const o = state.output;
    if (!req.enabled) return null;
    if (req.transform !== null && req.transform !== 0) return null;
    const [x, y] = req.position ?? [o.x, o.y];
    // The first output anchors the layout: it stays where the command line put it.
    if (o === this.#layout.first && (x !== o.x || y !== o.y)) return null;
    const size = req.mode ?? req.customMode ?? currentMode(o);
    if (size.width > MAX_OUTPUT_SIZE || size.height > MAX_OUTPUT_SIZE) return null;
    if (size.width * size.height > MAX_CLIENT_MODE_PIXELS && !(size.width === o.width && size.height === o.height)) return null;
    const refresh = size.refresh > 0 ? size.refresh : o.refreshMilliHz;
    if (refresh > MAX_REFRESH_MILLIHZ) return null; // what Output.setMode takes: failed, not an exception
    const scale = req.scale === null ? o.scale : scaleFromFixed(req.scale);
    if (scale === null) return null;
    return { width: size.width, height: size.height, refreshMilliHz: refresh, scale, x, y };
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
