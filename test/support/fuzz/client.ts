// One fuzzing client: a WaylandClient (src/client) that drives random but
// well-formed requests on every global the compositor advertises, keeps a
// model of its objects (model.ts), and knows which protocol error each
// request must get.
//
// Invariants:
//  - every request is well-formed: argument types from the descriptors, live
//    object ids of the right interface, fresh new ids, never a request newer
//    than its object's version (req() checks the version);
//  - a batch (one turn) is synchronous: nothing is read between its requests,
//    so the model's view of the compositor is exact from the turn's start
//    (after a round trip) to its end; a request whose answer the model cannot
//    predict (a popup grab, a drag, a finish on a drag offer) or one that
//    must get a protocol error ends the batch;
//  - `expected` is the error a deliberately invalid request must get; errors
//    the compositor may or may not post (a truncated buffer read at a commit
//    or a capture) are `allowed`; any other error is a failure;
//  - the client owns every fd it made (pool files, pipe ends, keymaps) and
//    closes all of them in dispose(); fds the compositor sends (keymaps,
//    selection `send`) are closed in their handlers.
import { ftruncateSync, readSync } from 'node:fs';
import { Proxy, type EventArg, type ProtocolError, type WaylandClient } from '../../../src/client/index.js';
import type { InterfaceDesc } from '../../../src/protocol/index.js';
import { wp_presentation } from '../../../src/protocol/presentation-time.js';
import { zwp_primary_selection_device_manager_v1 } from '../../../src/protocol/primary-selection.js';
import { zwp_relative_pointer_manager_v1 } from '../../../src/protocol/relative-pointer.js';
import { zwp_idle_inhibit_manager_v1 } from '../../../src/protocol/idle-inhibit.js';
import { wp_cursor_shape_device_v1, wp_cursor_shape_manager_v1 } from '../../../src/protocol/cursor-shape.js';
import { ext_output_image_capture_source_manager_v1 } from '../../../src/protocol/ext-image-capture-source.js';
import { ext_image_copy_capture_cursor_session_v1, ext_image_copy_capture_frame_v1, ext_image_copy_capture_manager_v1, ext_image_copy_capture_session_v1 } from '../../../src/protocol/ext-image-copy-capture.js';
import { MAX_IDLE_INHIBITORS } from '../../../src/compositor/core/idle-inhibit.js';
import { MAX_CURSOR_SHAPE_DEVICES } from '../../../src/compositor/input/cursor-shape.js';
import { MAX_CAPTURE_SESSIONS, SESSION_FORMATS } from '../../../src/compositor/output/image-copy-capture.js';
import { zwp_pointer_constraints_v1 } from '../../../src/protocol/pointer-constraints.js';
import { MAX_POINTER_CONSTRAINTS } from '../../../src/compositor/input/pointer-constraints.js';
import { wp_fractional_scale_manager_v1 } from '../../../src/protocol/fractional-scale.js';
import { MAX_FRACTIONAL_SCALES } from '../../../src/compositor/core/fractional-scale.js';
import { wp_single_pixel_buffer_manager_v1 } from '../../../src/protocol/single-pixel-buffer.js';
import { wp_viewport, wp_viewporter } from '../../../src/protocol/viewporter.js';
import { zwp_virtual_keyboard_manager_v1, zwp_virtual_keyboard_v1 } from '../../../src/protocol/virtual-keyboard.js';
import {
  wl_compositor,
  wl_data_device_manager,
  wl_data_offer,
  wl_data_source,
  wl_display,
  wl_output,
  wl_pointer,
  wl_seat,
  wl_shm,
  wl_shm_pool,
  wl_subcompositor,
  wl_subsurface,
  wl_surface,
} from '../../../src/protocol/wayland.js';
import { zwlr_data_control_device_v1, zwlr_data_control_manager_v1, zwlr_data_control_source_v1 } from '../../../src/protocol/wlr-data-control.js';
import { ext_data_control_device_v1, ext_data_control_manager_v1, ext_data_control_source_v1 } from '../../../src/protocol/ext-data-control.js';
import { zwlr_layer_shell_v1, zwlr_layer_surface_v1 } from '../../../src/protocol/wlr-layer-shell.js';
import { zwlr_output_configuration_head_v1, zwlr_output_configuration_v1, zwlr_output_manager_v1 } from '../../../src/protocol/wlr-output-management.js';
import { zwlr_screencopy_frame_v1, zwlr_screencopy_manager_v1 } from '../../../src/protocol/wlr-screencopy.js';
import { zwlr_virtual_pointer_manager_v1, zwlr_virtual_pointer_v1 } from '../../../src/protocol/wlr-virtual-pointer.js';
import { xdg_activation_token_v1, xdg_activation_v1 } from '../../../src/protocol/xdg-activation.js';
import { zxdg_decoration_manager_v1, zxdg_toplevel_decoration_v1 } from '../../../src/protocol/xdg-decoration.js';
import { zxdg_exporter_v2, zxdg_imported_v2, zxdg_importer_v2 } from '../../../src/protocol/xdg-foreign.js';
import { zxdg_output_manager_v1 } from '../../../src/protocol/xdg-output.js';
import { xdg_popup, xdg_positioner, xdg_surface, xdg_toplevel, xdg_wm_base } from '../../../src/protocol/xdg-shell.js';
import { pageSize } from '../../../src/shm/index.js';
import {
  ackSerial,
  applyState,
  BufferModel,
  childPopups,
  commitSurface,
  DecorationModel,
  detachSubsurface,
  ExportModel,
  dismissPopup,
  forgetLayer,
  forgetXdg,
  ImportModel,
  isAncestor,
  layerCommitted,
  LayerModel,
  LayerShellModel,
  layerSizeInvalid,
  OutputModel,
  PoolModel,
  PopupModel,
  PositionerModel,
  SolidBufferModel,
  SubsurfaceModel,
  SurfaceModel,
  synchronized,
  ToplevelModel,
  unmapXdg,
  viewportError,
  ViewportModel,
  WmModel,
  xdgCommitted,
  XdgModel,
  type PoolFile,
  type ShownBuffer,
  type ViewportState,
} from './model.js';
import { answerSend, closeQuietly, drain, makePipe, makePoolFile, memfdWith, type PoolFileKind } from './pipes.js';
import { INT32_MAX, Rng } from './rng.js';

// ---------------------------------------------------------------- shared state and limits

/** How far the fuzzer goes (sizes and depths that cost the compositor memory or time). */
export interface FuzzLimits {
  /** Largest buffer side, pixels (most are far smaller). */
  maxBufferSide: number;
  /** Deepest subsurface or popup chain one action builds. */
  maxChainDepth: number;
  /** Largest output mode side a configuration applies. */
  maxOutputSide: number;
  /** Extreme values where the protocol allows them (refresh rates, scales, huge pools). */
  extremes: boolean;
  /** Requests that depend on timing are allowed (truncating capture pools): runs are not reproducible then. */
  racy: boolean;
  /**
   * Known findings not to trip again (their regression tests are in
   * test/compositor/fuzz-regressions.test.ts): a long run can look past them.
   * See KNOWN_FINDINGS.
   */
  avoid: readonly KnownFinding[];
}

/** Findings of this fuzzer, by tag: what the fuzzer stops doing when one is in FuzzLimits.avoid. */
export const KNOWN_FINDINGS = {
  'vk-keycode-overflow': 'zwp_virtual_keyboard_v1.key with a keycode >= 2^31 - 8: keys stay below it',
  'popup-position-overflow': 'a positioner placing a popup past int32: anchor rects and offsets stay small',
  'inert-subsurface-destroy': 'destroying a wl_subsurface whose parent died, after its surface got a new one: such objects are left alone',
  'deep-chain-quadratic': 'get_subsurface walks the whole chain above (the cycle check): chains stay under 2,000',
  'sync-chain-commit-recursion': "a commit applying a synchronized chain's cached state recurses per level: chains stay under 800",
  'custom-refresh-overflow': 'an output configuration applying a custom mode with refresh > 10^9 mHz: refresh stays at or below it',
  'layer-pointer-focus': 'the pointer keeps a gone layer surface as its focus: the run moves the pointer before checking what is left',
  'hit-test-recursion': 'pointer hit testing recurses per subsurface level: desynchronized chains stay under 3,000',
  'popup-chain-recursion': 'unmapping a popup chain dismisses it recursively: popup chains stay under 2,000',
  'layer-size-overflow': 'a layer surface whose margins make its configured size pass uint32: margins stay small',
  'pointer-fixed-overflow': 'a surface whose origin is 2^23 or more from the pointer over it (wl_fixed): offsets and viewport destinations stay small',
  'low-refresh-crash': 'a mode with refresh under 233 mHz makes presentation feedback carry a refresh past uint32, thrown on the refresh timer: the compositor exits. Refresh stays at or above 1 Hz',
  'zombie-device-event': 'a selection device destroyed while offers to it are on their way (the client library fails on them): devices go first in a batch',
} as const;
export type KnownFinding = keyof typeof KNOWN_FINDINGS;

/** What the clients of one run share. */
export interface SharedState {
  limits: FuzzLimits;
  /** The seat's keymap text, read from the first wl_keyboard.keymap (virtual keyboards reuse it). */
  keymap: Buffer | null;
  /** Activation tokens handed out (any client may use one). */
  tokens: string[];
  /** xdg-foreign handles handed out, with the rank of the client that exported each (any client may import one). */
  handles: { handle: string; rank: number }[];
  /** Clients made so far: a client's rank is the count before it (unique, increasing). */
  clientsMade: number;
  /** Requests kept per client for failure reports. */
  logSize: number;
  /** The compositor's truncation policy: 'error' posts invalid_fd on a buffer read past its file's end, 'zero' shows zeros. */
  truncationPolicy: 'error' | 'zero';
}

/** A protocol error a request must or may get. */
export interface ErrorSpec {
  iface: string;
  code: number;
  why: string;
}

/** Called for every request sent (the harness keeps coverage and the global log). */
export type RequestSink = (client: FuzzClient, line: string, key: string) => void;

type Outcome = 'ok' | 'end';

interface Action {
  readonly name: string;
  readonly weight: number;
  run(): Outcome | null;
}

/** The error code `name` of `iface` (from its descriptor). */
function errorCode(iface: InterfaceDesc, name: string): number {
  const v = iface.enums.error?.entries[name];
  if (v === undefined) throw new Error(`${iface.name} has no error ${name}`);
  return v;
}

const spec = (iface: InterfaceDesc, name: string, why: string): ErrorSpec => ({ iface: iface.name, code: errorCode(iface, name), why });
/** An error posted on an object of `on` with a code of `codes`' enum (wl_shm's codes on a wl_shm_pool, as libwayland). */
const specOn = (on: InterfaceDesc, codes: InterfaceDesc, name: string, why: string): ErrorSpec => ({ iface: on.name, code: errorCode(codes, name), why });
const displayError = (name: 'no_memory' | 'implementation', why: string): ErrorSpec => spec(wl_display, name, why);

const FORMAT = wl_shm.enums.format.entries;
const SUPPORTED_FORMATS = [FORMAT.argb8888, FORMAT.xrgb8888, FORMAT.abgr8888, FORMAT.xbgr8888];
// Formats pixman does not read (YUV, palette, red-only), and a code that is no format.
const UNSUPPORTED_FORMATS = [FORMAT.nv12, FORMAT.c8, FORMAT.yuyv, FORMAT.r8, FORMAT.yuv420, 0x12345678];
const MIME_LIMIT = 256;
/** Live objects of one kind a client keeps (more: the creating actions wait). */
const MAX_LIVE = 64;
const LIFETIME = zwp_pointer_constraints_v1.enums.lifetime.entries;
const MAX_POOLS = 24;
const pageUp = (n: number): number => Math.ceil(n / pageSize) * pageSize;

function asNumber(v: EventArg): number {
  return typeof v === 'number' ? v : 0;
}

function asProxy(v: EventArg): Proxy | null {
  return v instanceof Proxy ? v : null;
}

function formatArg(v: unknown): string {
  if (v === null || v === undefined) return 'nil';
  if (v instanceof Proxy) return String(v);
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…(${v.length})` : v);
  if (v instanceof Uint8Array) return `array[${v.length}]`;
  return String(v);
}

/** The selection protocols; 'data-control' is wlr's, 'ext-data-control' its standard successor (one implementation). */
type SelectionProtocol = 'data-device' | 'primary' | 'data-control' | 'ext-data-control';
const isDataControl = (p: SelectionProtocol): boolean => p === 'data-control' || p === 'ext-data-control';

/** A selection or drag offer we were given. */
interface OfferModel {
  proxy: Proxy;
  protocol: SelectionProtocol;
  use: 'unknown' | 'selection' | 'drag';
  mimes: string[];
  dropped: boolean;
  action: number;
  destroyed: boolean;
}

interface SourceModel {
  proxy: Proxy;
  protocol: SelectionProtocol;
  mimes: Set<string>;
  actionsSet: boolean;
  /** Given to start_drag: whether the drag started is not known, so it is used for nothing else. */
  dragUsed: boolean;
  /** data-control: set as a selection once. */
  used: boolean;
  destroyed: boolean;
}

interface DeviceModel {
  proxy: Proxy;
  protocol: SelectionProtocol;
  destroyed: boolean;
}

interface SimpleObject {
  proxy: Proxy;
  version: number;
  destroyed: boolean;
}

/** A zwp_locked_pointer_v1 or zwp_confined_pointer_v1: its surface has a constraint while it lives. */
interface ConstraintModel extends SimpleObject {
  readonly surface: SurfaceModel;
  readonly lock: boolean;
}

/** A wp_fractional_scale_v1: its surface has one while it lives (inert once the surface is gone). */
interface FractionalScaleModel extends SimpleObject {
  readonly surface: SurfaceModel;
}

interface FrameModel {
  proxy: Proxy;
  /** The buffer the frame asked for (width, height, stride), 'failed' before any buffer, null: not known yet. */
  box: { width: number; height: number; stride: number } | 'failed' | null;
  copied: boolean;
  destroyed: boolean;
}

/** An ext_image_copy_capture_session_v1 (of a source, or of a cursor session: stopped at once). */
interface CaptureSessionModel {
  proxy: Proxy;
  /** From buffer_size (null: not known yet, or none: stopped). */
  size: { width: number; height: number } | null;
  /** Its frame object while it lives (a second is duplicate_frame). */
  frame: CaptureFrameModel | null;
  destroyed: boolean;
}

interface CaptureFrameModel {
  proxy: Proxy;
  session: CaptureSessionModel;
  attached: boolean;
  captured: boolean;
  destroyed: boolean;
}

interface CursorSessionModel {
  proxy: Proxy;
  /** get_capture_session was sent (a second is duplicate_session). */
  gotSession: boolean;
  destroyed: boolean;
}

interface HeadModel {
  proxy: Proxy;
  manager: OutputManagerModel;
  modes: Proxy[];
}

interface OutputManagerModel {
  proxy: Proxy;
  version: number;
  dead: boolean;
  heads: HeadModel[];
  serial: number | null;
}

interface ConfigModel {
  proxy: Proxy;
  used: boolean;
  heads: Set<HeadModel>;
  destroyed: boolean;
}

interface ConfigHeadModel {
  proxy: Proxy;
  head: HeadModel;
  mode: boolean;
  position: boolean;
  transform: boolean;
  scale: boolean;
}

interface TokenModel {
  proxy: Proxy;
  committed: boolean;
  destroyed: boolean;
}

interface VirtualKeyboardModel {
  proxy: Proxy;
  keymap: boolean;
  destroyed: boolean;
}

interface ReadEnd {
  fd: number;
  turnsLeft: number;
}

// ---------------------------------------------------------------- the client

export class FuzzClient {
  readonly index: number;
  readonly label: string;
  /** Unique and increasing over a run: a client parents its toplevels through another's handle only when that one's rank is lower (no loop across clients). */
  readonly rank: number;
  readonly wl: WaylandClient;
  readonly rng: Rng;
  readonly shared: SharedState;
  readonly #sink: RequestSink;
  /** The last requests, oldest first (at most LOG_SIZE). */
  readonly log: string[] = [];
  requests = 0;
  turns = 0;
  /** The error the last request must get. */
  expected: ErrorSpec | null = null;
  /** Errors that may come (timing, truncation), besides `expected`. */
  readonly allowed: ErrorSpec[] = [];
  /** The client chose to leave (disconnect without error). */
  leaving = false;

  // globals
  compositor: SimpleObject | null = null;
  subcompositor: SimpleObject | null = null;
  shm: SimpleObject | null = null;
  viewporter: SimpleObject | null = null;
  presentation: SimpleObject | null = null;
  xdgOutputManager: SimpleObject | null = null;
  screencopy: SimpleObject | null = null;
  vkManager: SimpleObject | null = null;
  vpManager: SimpleObject | null = null;
  activation: SimpleObject | null = null;
  decorationManager: SimpleObject | null = null;
  dataDeviceManager: SimpleObject | null = null;
  primaryManager: SimpleObject | null = null;
  dataControlManager: SimpleObject | null = null;
  extDataControlManager: SimpleObject | null = null;
  singlePixelManager: SimpleObject | null = null;
  exporter: SimpleObject | null = null;
  importer: SimpleObject | null = null;
  relativePointerManager: SimpleObject | null = null;
  constraintsManager: SimpleObject | null = null;
  fractionalManager: SimpleObject | null = null;
  idleInhibitManager: SimpleObject | null = null;
  cursorShapeManager: SimpleObject | null = null;
  captureSourceManager: SimpleObject | null = null;
  imageCaptureManager: SimpleObject | null = null;
  readonly wms: WmModel[] = [];
  readonly layerShells: LayerShellModel[] = [];
  readonly outputs: OutputModel[] = [];
  readonly seats: SimpleObject[] = [];
  readonly outputManagers: OutputManagerModel[] = [];

  // objects
  readonly surfaces: SurfaceModel[] = [];
  readonly regions: SimpleObject[] = [];
  readonly pools: PoolModel[] = [];
  readonly buffers: BufferModel[] = [];
  /** Buffers by proxy id (every one that had the id: ids are reused after delete_id). */
  readonly #buffersById = new Map<number, BufferModel[]>();
  readonly xdgs: XdgModel[] = [];
  readonly toplevels: ToplevelModel[] = [];
  readonly popups: PopupModel[] = [];
  readonly positioners: PositionerModel[] = [];
  readonly subsurfaces: SubsurfaceModel[] = [];
  readonly layers: LayerModel[] = [];
  readonly viewports: ViewportModel[] = [];
  readonly decorations: DecorationModel[] = [];
  readonly pointers: SimpleObject[] = [];
  readonly keyboards: SimpleObject[] = [];
  readonly touches: SimpleObject[] = [];
  readonly xdgOutputs: SimpleObject[] = [];
  readonly frames: FrameModel[] = [];
  readonly sources: SourceModel[] = [];
  readonly devices: DeviceModel[] = [];
  readonly offers: OfferModel[] = [];
  readonly configs: ConfigModel[] = [];
  readonly configHeads: ConfigHeadModel[] = [];
  readonly tokens: TokenModel[] = [];
  readonly virtualKeyboards: VirtualKeyboardModel[] = [];
  readonly virtualPointers: SimpleObject[] = [];
  readonly solidBuffers: SolidBufferModel[] = [];
  readonly exports: ExportModel[] = [];
  readonly imports: ImportModel[] = [];
  readonly relativePointers: SimpleObject[] = [];
  readonly idleInhibitors: SimpleObject[] = [];
  readonly cursorShapeDevices: SimpleObject[] = [];
  readonly captureSources: SimpleObject[] = [];
  readonly captureSessions: CaptureSessionModel[] = [];
  readonly cursorSessions: CursorSessionModel[] = [];
  readonly captureFrames: CaptureFrameModel[] = [];
  /** Pointer constraints: each holds its surface's place until destroyed (or the surface is). */
  readonly constraints: ConstraintModel[] = [];
  /** wp_fractional_scale_v1 objects: each holds its surface's place until destroyed. */
  readonly fractionalScales: FractionalScaleModel[] = [];
  /** Input serials received (enter, leave, button, key, modifiers), newest last. */
  readonly inputSerials: number[] = [];
  /** The drag offer of the last enter on a data device (what a drop is about). */
  #dragOffer: OfferModel | null = null;
  readonly #readEnds: ReadEnd[] = [];
  readonly #files = new Set<PoolFile>();
  #disposed = false;
  /** Requests sent before this turn's batch. */
  #batchStart = 0;
  /** A popup chain made this turn, to be mapped next turn. */
  readonly #popupChain: XdgModel[] = [];
  /** The serial of a button press on our surface not released yet (a drag may start). */
  #pressSerial: number | null = null;
  readonly #actions: Action[];
  readonly #weights: number[];


  constructor(index: number, label: string, wl: WaylandClient, rng: Rng, shared: SharedState, sink: RequestSink) {
    this.index = index;
    this.label = label;
    this.rank = shared.clientsMade++;
    this.wl = wl;
    this.rng = rng;
    this.shared = shared;
    this.#sink = sink;
    this.#actions = this.#actionTable();
    this.#weights = this.#actions.map((a) => a.weight);
  }

  // ---------------------------------------------------------------- requests and the log

  /** Sends `name` on `target`, logged and counted; a typed new_id is created (pass null for it). */
  req(target: Proxy, name: string, ...args: (number | string | Uint8Array | Proxy | null)[]): Proxy | undefined {
    const desc = target.iface.requests.find((r) => r.name === name);
    if (!desc) throw new Error(`fuzzer bug: ${target.iface.name} has no request ${name}`);
    if (desc.since > target.version) throw new Error(`fuzzer bug: ${target}.${name} needs version ${desc.since}, the object has ${target.version}`);
    if (target.destroyed) throw new Error(`fuzzer bug: request ${name} on destroyed ${target}`);
    for (const a of args) if (a instanceof Proxy && a.destroyed) throw new Error(`fuzzer bug: ${target}.${name} with destroyed ${a}`);
    const created = target.request(name, ...args);
    this.note(`${target}.${name}(${args.map(formatArg).join(', ')})${created ? ` → ${created}` : ''}`, `${target.iface.name}.${name}`);
    return created;
  }

  /** Records a line in the log (requests, and what we did to fds under the compositor). */
  note(line: string, key: string | null = null): void {
    this.log.push(line);
    if (this.log.length > this.shared.logSize) this.log.shift();
    if (key) {
      this.requests++;
      this.#sink(this, line, key);
    }
  }

  #bind<T extends InterfaceDesc>(iface: T, maxVersion: number): { proxy: Proxy; version: number } | null {
    const g = [...this.wl.globals.values()].find((x) => x.interface === iface.name);
    if (!g) return null;
    const top = Math.min(g.version, iface.version, maxVersion);
    const version = this.rng.chance(0.7) ? top : this.rng.int(1, top);
    const proxy = this.wl.bind(iface, version, g.name);
    this.note(`wl_registry.bind(${g.name}, ${JSON.stringify(iface.name)}, ${version}) → ${proxy}`, 'wl_registry.bind');
    return { proxy, version };
  }

  #simple(iface: InterfaceDesc, maxVersion = 99): SimpleObject | null {
    const b = this.#bind(iface, maxVersion);
    return b ? { proxy: b.proxy, version: b.version, destroyed: false } : null;
  }

  /** Binds the globals (most of them; versions at random) after the registry was read. */
  bindGlobals(): void {
    const r = this.rng;
    this.compositor = this.#simple(wl_compositor);
    this.shm = this.#simple(wl_shm);
    this.shm?.proxy.on('format', () => {});
    if (r.chance(0.9)) this.subcompositor = this.#simple(wl_subcompositor);
    for (let i = 0, n = r.chance(0.2) ? 2 : 1; i < n; i++) this.#bindWm();
    for (let i = 0, n = r.int(1, 2); i < n; i++) this.#bindSeat();
    for (let i = 0, n = r.int(0, 2); i < n; i++) this.#bindOutput();
    if (r.chance(0.7)) this.viewporter = this.#simple(wp_viewporter);
    if (r.chance(0.7)) {
      this.presentation = this.#simple(wp_presentation);
      this.presentation?.proxy.on('clock_id', () => {});
    }
    if (r.chance(0.5)) this.xdgOutputManager = this.#simple(zxdg_output_manager_v1);
    if (r.chance(0.6)) this.screencopy = this.#simple(zwlr_screencopy_manager_v1);
    if (r.chance(0.4)) this.vkManager = this.#simple(zwp_virtual_keyboard_manager_v1);
    if (r.chance(0.4)) this.vpManager = this.#simple(zwlr_virtual_pointer_manager_v1);
    if (r.chance(0.5)) this.activation = this.#simple(xdg_activation_v1);
    if (r.chance(0.6)) this.decorationManager = this.#simple(zxdg_decoration_manager_v1);
    if (r.chance(0.7)) this.dataDeviceManager = this.#simple(wl_data_device_manager);
    if (r.chance(0.5)) this.primaryManager = this.#simple(zwp_primary_selection_device_manager_v1);
    if (r.chance(0.5)) this.dataControlManager = this.#simple(zwlr_data_control_manager_v1);
    if (r.chance(0.4)) this.extDataControlManager = this.#simple(ext_data_control_manager_v1);
    if (r.chance(0.5)) this.#bindLayerShell();
    if (r.chance(0.4)) this.#bindOutputManager();
    // What most real clients do first: a keyboard, a pointer, a data device.
    const seat = this.#liveSeat();
    if (seat) {
      if (r.chance(0.7)) this.#getKeyboard(seat);
      if (r.chance(0.7)) this.#getPointer(seat);
      if (this.dataDeviceManager && r.chance(0.6)) this.#newDevice('data-device', this.dataDeviceManager.proxy, seat.proxy);
      if (this.primaryManager && r.chance(0.4)) this.#newDevice('primary', this.primaryManager.proxy, seat.proxy);
      if (this.dataControlManager && r.chance(0.4)) this.#newDevice('data-control', this.dataControlManager.proxy, seat.proxy);
      if (this.extDataControlManager && r.chance(0.3)) this.#newDevice('ext-data-control', this.extDataControlManager.proxy, seat.proxy);
    }
    if (r.chance(0.6)) this.singlePixelManager = this.#simple(wp_single_pixel_buffer_manager_v1);
    if (r.chance(0.5)) this.exporter = this.#simple(zxdg_exporter_v2);
    if (r.chance(0.6)) this.importer = this.#simple(zxdg_importer_v2);
    if (r.chance(0.5)) this.relativePointerManager = this.#simple(zwp_relative_pointer_manager_v1);
    if (r.chance(0.5)) this.constraintsManager = this.#simple(zwp_pointer_constraints_v1);
    if (r.chance(0.5)) this.fractionalManager = this.#simple(wp_fractional_scale_manager_v1);
    if (r.chance(0.4)) this.idleInhibitManager = this.#simple(zwp_idle_inhibit_manager_v1);
    if (r.chance(0.5)) this.cursorShapeManager = this.#simple(wp_cursor_shape_manager_v1);
    if (r.chance(0.5)) this.captureSourceManager = this.#simple(ext_output_image_capture_source_manager_v1);
    if (r.chance(0.5)) this.imageCaptureManager = this.#simple(ext_image_copy_capture_manager_v1);
  }

  #bindWm(): void {
    const b = this.#bind(xdg_wm_base, 99);
    if (!b) return;
    b.proxy.on('ping', (serial) => {
      if (!b.proxy.destroyed && !this.wl.error) this.req(b.proxy, 'pong', asNumber(serial));
    });
    this.wms.push(new WmModel(b.proxy, b.version));
  }

  #bindSeat(): void {
    const b = this.#bind(wl_seat, 99);
    if (!b) return;
    b.proxy.on('capabilities', () => {}).on('name', () => {});
    this.seats.push({ proxy: b.proxy, version: b.version, destroyed: false });
  }

  #bindOutput(): void {
    const b = this.#bind(wl_output, 99);
    if (!b) return;
    for (const e of ['geometry', 'mode', 'done', 'scale', 'name', 'description']) b.proxy.on(e, () => {});
    this.outputs.push(new OutputModel(b.proxy, b.version));
  }

  #bindLayerShell(): void {
    const b = this.#bind(zwlr_layer_shell_v1, 99);
    if (b) this.layerShells.push(new LayerShellModel(b.proxy, b.version));
  }

  #bindOutputManager(): void {
    const b = this.#bind(zwlr_output_manager_v1, 99);
    if (!b) return;
    const m: OutputManagerModel = { proxy: b.proxy, version: b.version, dead: false, heads: [], serial: null };
    b.proxy
      .on('head', (h) => {
        const proxy = asProxy(h);
        if (!proxy) return;
        const head: HeadModel = { proxy, manager: m, modes: [] };
        m.heads.push(head);
        for (const e of ['name', 'description', 'physical_size', 'enabled', 'current_mode', 'position', 'transform', 'scale', 'finished', 'make', 'model', 'serial_number']) proxy.on(e, () => {});
        proxy.on('mode', (mode) => {
          const mp = asProxy(mode);
          if (!mp) return;
          for (const e of ['size', 'refresh', 'preferred', 'finished']) mp.on(e, () => {});
          head.modes.push(mp);
        });
      })
      .on('done', (serial) => (m.serial = asNumber(serial)))
      .on('finished', () => {
        m.dead = true;
        b.proxy.markDestroyed(); // the server destroys it after `finished`
      });
    this.outputManagers.push(m);
  }

  // ---------------------------------------------------------------- errors

  /** The error the last batch's last request must get (null: none). */
  get expectation(): ErrorSpec | null {
    return this.expected;
  }

  clearExpectation(): void {
    this.expected = null;
  }

  /** Ends the batch with `e` expected. */
  expect(e: ErrorSpec): Outcome {
    this.expected = e;
    this.note(`# expecting ${e.iface} error ${e.code} (${e.why})`);
    return 'end';
  }

  /** Whether a protocol error the client got is one the model expected or allowed. */
  accepts(e: ProtocolError): boolean {
    const matches = (s: ErrorSpec): boolean => e.errorCode === s.code && (e.interfaceName === s.iface || e.interfaceName === '');
    if (this.expected && matches(this.expected)) return true;
    if (this.allowed.some(matches)) return true;
    // A buffer read or written while its file was shorter than the buffer (truncated, or a pool
    // declared larger than its file): libwayland's invalid_fd "error accessing SHM buffer".
    if (this.shared.truncationPolicy === 'error' && e.errorCode === errorCode(wl_shm, 'invalid_fd') && /error accessing SHM buffer/.test(e.message)) {
      if (e.interfaceName === '') return true; // the buffer's proxy is already gone: we cannot tell which
      // A buffer shown in place, destroyed by the client while shown: the surface showing it is named.
      if (e.interfaceName === 'wl_surface' && /destroyed, shown on it/.test(e.message)) return true;
      const candidates = e.interfaceName === 'wl_buffer' ? (this.#buffersById.get(e.objectId ?? 0) ?? []) : [];
      return candidates.some((b) => b.end > pageUp(b.pool.file.minSize));
    }
    return false;
  }

  // ---------------------------------------------------------------- events bookkeeping

  #inputSerial(serial: EventArg): void {
    this.inputSerials.push(asNumber(serial));
    if (this.inputSerials.length > 32) this.inputSerials.shift();
  }

  /** A serial the seat gave us (recent), or one it never did. */
  #serial(): number {
    if (this.inputSerials.length > 0 && this.rng.chance(0.8)) return this.rng.pick(this.inputSerials.slice(-8));
    return this.rng.chance(0.5) ? 0 : this.rng.u32();
  }

  // ---------------------------------------------------------------- one turn

  /** Drains the pipes of earlier receives (what arrived), closing those at EOF or too old. */
  drainPipes(): void {
    for (let i = this.#readEnds.length - 1; i >= 0; i--) {
      const end = this.#readEnds[i]!;
      const got = drain(end.fd);
      if (got === 'eof' || --end.turnsLeft <= 0) {
        closeQuietly(end.fd);
        this.#readEnds.splice(i, 1);
      }
    }
  }

  /** Sends up to `budget` requests (synchronously); stops early at an 'end' action. */
  batch(budget: number): void {
    this.turns++;
    this.#learnFromEvents();
    const start = this.requests;
    this.#batchStart = start;
    let misses = 0;
    if (this.#popupChain.length > 0) this.#mapPopupChain();
    // A drag is over one of our surfaces: what a real client does is answer it.
    if (this.#dragOffer && !this.#dragOffer.destroyed && this.rng.chance(0.8)) this.#answerDrag(this.#dragOffer);
    // A button is held on one of our surfaces: what a real client does then is start a drag.
    if (this.#pressSerial !== null && this.rng.chance(0.8) && this.#dragFromPress(this.#pressSerial) === 'end') return;
    while (this.requests - start < budget && misses < 200) {
      const action = this.#actions[this.rng.weighted(this.#weights)]!;
      const outcome = action.run();
      if (outcome === null) {
        misses++;
        continue;
      }
      if (outcome === 'end') break;
    }
  }

  /** Grabs answered since the last turn: popup_done marked those dismissed. */
  #learnFromEvents(): void {
    for (const p of this.popups) p.grabPending = false;
  }

  // ---------------------------------------------------------------- helpers

  /** Offsets that put a surface's origin far away (extremes only), or null. */
  #farOffsets(): [number, number] | null {
    const r = this.rng;
    if (!this.shared.limits.extremes || this.#avoids('pointer-fixed-overflow') || !r.chance(0.05)) return null;
    return [r.chance(0.5) ? r.int32() : r.int(-(1 << 30), -(1 << 23)), r.chance(0.5) ? r.int32() : r.int(-(1 << 30), -(1 << 23))];
  }

  #avoids(finding: KnownFinding): boolean {
    return this.shared.limits.avoid.includes(finding);
  }

  /** A selection device may be destroyed now: no offer to it can be on its way (first request of a turn), unless that finding is sought. */
  #deviceMayGo(): boolean {
    if (!this.#avoids('zombie-device-event')) return true;
    // Other clients' requests may send offers at any time when turns are concurrent.
    return !this.shared.limits.racy && this.requests === this.#batchStart;
  }

  /** A live element of `list` (destroyed ones are dropped from it now and then), or null. */
  #live<T extends { destroyed: boolean }>(list: T[], where: (x: T) => boolean = () => true): T | null {
    for (let i = 0; i < 4 && list.length > 0; i++) {
      const x = list[this.rng.below(list.length)]!;
      if (!x.destroyed && where(x)) return x;
    }
    const live = list.filter((x) => !x.destroyed);
    if (live.length * 2 < list.length) list.splice(0, list.length, ...live);
    const ok = live.filter(where);
    return ok.length ? this.rng.pick(ok) : null;
  }

  #count<T extends { destroyed: boolean }>(list: readonly T[]): number {
    let n = 0;
    for (const x of list) if (!x.destroyed) n++;
    return n;
  }

  #liveSurface(where: (s: SurfaceModel) => boolean = () => true): SurfaceModel | null {
    return this.#live(this.surfaces, where);
  }

  #liveSeat(): SimpleObject | null {
    return this.#live(this.seats);
  }

  #liveOutput(): OutputModel | null {
    const o = this.outputs.filter((x) => !x.released);
    return o.length ? this.rng.pick(o) : null;
  }

  #rect(): [number, number, number, number] {
    const r = this.rng;
    if (r.chance(0.8)) return [r.int(-20, 300), r.int(-20, 300), r.int(0, 400), r.int(0, 400)];
    return [r.int32(), r.int32(), r.int32(), r.int32()];
  }

  /** A sub-pixel value a wl_fixed carries exactly. */
  #fixed(lo: number, hi: number): number {
    const v = this.rng.int(lo, hi);
    return this.rng.chance(0.8) ? v : v + this.rng.int(0, 255) / 256;
  }

  // ---------------------------------------------------------------- the action table

  #actionTable(): Action[] {
    const a = (name: string, weight: number, run: () => Outcome | null): Action => ({ name, weight, run });
    return [
      // surfaces and buffers
      a('create_surface', 6, () => this.#createSurface()),
      a('destroy_surface', 1.5, () => this.#destroySurface()),
      a('attach', 8, () => this.#attach()),
      a('damage', 4, () => this.#damage()),
      a('frame', 3, () => this.#frame()),
      a('regions', 3, () => this.#regionRequest()),
      a('set_region', 2, () => this.#setRegion()),
      a('transform_scale_offset', 3, () => this.#transformScaleOffset()),
      a('commit', 14, () => this.#commit()),
      a('create_pool', 3, () => (this.#createPool() ? 'ok' : null)),
      a('create_buffer', 5, () => this.#createBuffer()),
      a('pool_resize_truncate', 2, () => this.#poolResizeOrTruncate()),
      a('destroy_pool_buffer', 2, () => this.#destroyPoolOrBuffer()),
      // subsurfaces
      a('get_subsurface', 4, () => this.#getSubsurface()),
      a('subsurface_request', 4, () => this.#subsurfaceRequest()),
      a('deep_chain', 0.05, () => this.#deepChain()),
      a('wide_tree', 0.05, () => this.#wideTree()),
      // xdg-shell
      a('get_xdg_surface', 4, () => this.#getXdgSurface()),
      a('new_window', 3, () => this.#newWindow()),
      a('map_window', 6, () => this.#mapWindow()),
      a('map_layer', 2, () => this.#mapLayer()),
      a('xdg_role', 4, () => this.#xdgRole()),
      a('ack_configure', 6, () => this.#ackConfigure()),
      a('xdg_surface_request', 2, () => this.#xdgSurfaceRequest()),
      a('toplevel_request', 4, () => this.#toplevelRequest()),
      a('popup_request', 2, () => this.#popupRequest()),
      a('positioner', 3, () => this.#positionerRequest()),
      a('deep_popups', 0.05, () => this.#deepPopups()),
      a('destroy_xdg', 1.5, () => this.#destroyXdg()),
      a('decoration', 1.5, () => this.#decorationRequest()),
      // layer shell
      a('layer_surface', 2, () => this.#layerSurface()),
      a('layer_request', 4, () => this.#layerRequest()),
      // viewporter, presentation
      a('viewport', 3, () => this.#viewportRequest()),
      a('presentation', 1.5, () => this.#presentationRequest()),
      // single-pixel buffers, xdg-foreign, relative pointers
      a('single_pixel', 1.5, () => this.#singlePixelRequest()),
      a('xdg_foreign', 2, () => this.#foreignRequest()),
      a('relative_pointer', 1, () => this.#relativePointerRequest()),
      a('pointer_constraint', 1.5, () => this.#constraintRequest()),
      a('fractional_scale', 1.5, () => this.#fractionalScaleRequest()),
      a('idle_inhibit', 1, () => this.#idleInhibitRequest()),
      a('cursor_shape', 1.5, () => this.#cursorShapeRequest()),
      // seat
      a('seat', 2, () => this.#seatRequest()),
      a('cursor', 2, () => this.#setCursor()),
      a('virtual_keyboard', 2.5, () => this.#virtualKeyboard()),
      a('virtual_pointer', 2, () => this.#virtualPointer()),
      // selections and drags
      a('data_device', 3, () => this.#dataDevice()),
      a('start_drag', 2, () => this.#startDrag()),
      a('offer', 3, () => this.#offerRequest()),
      a('primary_selection', 3, () => this.#primarySelection()),
      a('data_control', 2, () => this.#dataControl('data-control')),
      a('ext_data_control', 2, () => this.#dataControl('ext-data-control')),
      // outputs, capture, activation
      a('output', 1.5, () => this.#outputRequest()),
      a('screencopy', 2, () => this.#screencopyRequest()),
      a('image_capture', 5, () => this.#imageCaptureRequest()),
      a('output_management', 1.5, () => this.#outputManagement()),
      a('activation', 1.5, () => this.#activationRequest()),
      a('globals', 0.5, () => this.#globalsRequest()),
      a('display', 0.5, () => this.#displayRequest()),
      a('invalid', 0.25, () => this.#invalidRequest()),
    ];
  }

  // ---------------------------------------------------------------- wl_surface

  #createSurface(): Outcome | null {
    const c = this.compositor;
    if (!c || this.#count(this.surfaces) >= MAX_LIVE * 2) return null;
    const proxy = this.req(c.proxy, 'create_surface', null)!;
    proxy.on('enter', () => {}).on('leave', () => {});
    this.surfaces.push(new SurfaceModel(proxy, c.version));
    return 'ok';
  }

  #destroySurface(): Outcome | null {
    const s = this.#liveSurface();
    if (!s) return null;
    this.req(s.proxy, 'destroy');
    this.#surfaceGone(s);
    return 'ok';
  }

  /** What a surface's destruction does to the model (the compositor's destroy listeners). */
  #surfaceGone(s: SurfaceModel): void {
    s.destroyed = true;
    if (s.xdg?.active === false && !s.xdg.destroyed) forgetXdg(s.xdg);
    if (s.layer && !s.layer.destroyed) forgetLayer(s.layer, this.wms);
    for (const child of [...s.children]) if (child.sub) detachSubsurface(child.sub);
  }

  #attach(): Outcome | null {
    const s = this.#liveSurface();
    if (!s) return null;
    const r = this.rng;
    const buffer = r.chance(0.85) ? this.#anyBuffer() : null;
    let x = 0;
    let y = 0;
    if (s.version < 5 && r.chance(0.3)) [x, y] = this.#farOffsets() ?? [r.int(-50, 50), r.int(-50, 50)];
    this.req(s.proxy, 'attach', buffer?.proxy ?? null, x, y);
    s.pending.attached = true;
    s.pending.buffer = buffer;
    return 'ok';
  }

  #damage(): Outcome | null {
    const s = this.#liveSurface();
    if (!s) return null;
    const n = this.rng.chance(0.05) ? this.rng.int(10, 200) : this.rng.int(1, 3);
    for (let i = 0; i < n; i++) {
      const useBuffer = s.version >= 4 && this.rng.chance(0.5);
      this.req(s.proxy, useBuffer ? 'damage_buffer' : 'damage', ...this.#rect());
    }
    return 'ok';
  }

  #frame(): Outcome | null {
    const s = this.#liveSurface();
    if (!s) return null;
    this.req(s.proxy, 'frame', null)!.on('done', () => {});
    return 'ok';
  }

  #regionRequest(): Outcome | null {
    const c = this.compositor;
    const region = this.#live(this.regions);
    const r = this.rng;
    if (!region || (r.chance(0.3) && c && this.#count(this.regions) < MAX_LIVE)) {
      if (!c) return null;
      this.regions.push({ proxy: this.req(c.proxy, 'create_region', null)!, version: c.version, destroyed: false });
      return 'ok';
    }
    if (r.chance(0.15)) {
      this.req(region.proxy, 'destroy');
      region.destroyed = true;
      return 'ok';
    }
    const n = r.chance(0.05) ? r.int(50, 500) : r.int(1, 4);
    for (let i = 0; i < n; i++) this.req(region.proxy, r.chance(0.7) ? 'add' : 'subtract', ...this.#rect());
    return 'ok';
  }

  #setRegion(): Outcome | null {
    const s = this.#liveSurface();
    if (!s) return null;
    const region = this.rng.chance(0.8) ? this.#live(this.regions) : null;
    this.req(s.proxy, this.rng.chance(0.5) ? 'set_opaque_region' : 'set_input_region', region?.proxy ?? null);
    return 'ok';
  }

  #transformScaleOffset(): Outcome | null {
    const s = this.#liveSurface((x) => x.version >= 2);
    if (!s) return null;
    const r = this.rng;
    const k = r.below(3);
    if (k === 0) this.req(s.proxy, 'set_buffer_transform', r.int(0, 7));
    else if (k === 1 && s.version >= 3) {
      const scale = r.chance(0.9) ? r.int(1, 4) : r.pick([5, 16, 255, 4096, INT32_MAX]);
      this.req(s.proxy, 'set_buffer_scale', scale);
      s.pending.scale = scale;
    } else if (s.version >= 5) this.req(s.proxy, 'offset', ...(this.#farOffsets() ?? [r.int(-100, 100), r.int(-100, 100)]));
    else return null;
    return 'ok';
  }

  /** Commits a surface; state that would be refused is repaired first (or the error expected, now and then). */
  #commit(): Outcome | null {
    const s = this.#liveSurface();
    if (!s) return null;
    const deliberate = this.rng.chance(0.03);
    const error = this.#commitError(s);
    if (error) {
      if (deliberate) {
        this.req(s.proxy, 'commit');
        return this.expect(error);
      }
      if (!this.#repairBeforeCommit(s)) return null;
      if (this.#commitError(s)) return null;
    }
    this.req(s.proxy, 'commit');
    commitSurface(s, (x) => this.#roleCommitted(x));
    return 'ok';
  }

  /** The error a commit of `s` gets now (the compositor's checks in their order), or null. */
  #commitError(s: SurfaceModel): ErrorSpec | null {
    const p = s.pending;
    const x = s.xdg;
    if (x?.active) {
      const hasRole = (x.toplevel && !x.toplevel.destroyed) || (x.popup && !x.popup.destroyed);
      if (!hasRole) return spec(xdg_surface, 'not_constructed', 'commit of an xdg_surface without a role object');
      if (!x.configured && p.attached && p.buffer) return spec(xdg_surface, 'unconfigured_buffer', 'buffer before the first ack_configure');
      if (x.toplevel && !x.toplevel.destroyed && x.toplevel.sizesConflict) return spec(xdg_toplevel, 'invalid_size', 'min size larger than max size');
    }
    const l = s.layer;
    if (l?.active && !l.closed) {
      if (layerSizeInvalid(l)) return spec(zwlr_layer_surface_v1, 'invalid_size', 'size 0 without both anchors of that axis');
      if (!l.configured && p.attached && p.buffer) return spec(zwlr_layer_surface_v1, 'invalid_surface_state', 'buffer before the first ack_configure');
    }
    const v = viewportError(s);
    if (v) return spec(wp_viewport, v, v === 'out_of_buffer' ? 'source rectangle outside the buffer' : 'non-integer source size without destination');
    return null;
  }

  /** Changes pending state so the commit is valid; false if it cannot be done now. */
  #repairBeforeCommit(s: SurfaceModel): boolean {
    const x = s.xdg;
    if (x?.active) {
      const hasRole = (x.toplevel && !x.toplevel.destroyed) || (x.popup && !x.popup.destroyed);
      if (!hasRole) return false;
      if (!x.configured && s.pending.attached && s.pending.buffer) {
        this.req(s.proxy, 'attach', null, 0, 0);
        s.pending.buffer = null;
      }
      const t = x.toplevel;
      if (t && !t.destroyed && t.sizesConflict) {
        this.req(t.proxy, 'set_max_size', 0, 0);
        t.pendingMax = [0, 0];
      }
    }
    const l = s.layer;
    if (l?.active && !l.closed) {
      if (layerSizeInvalid(l)) {
        const w = this.rng.int(1, 200);
        const h = this.rng.int(1, 200);
        this.req(l.proxy, 'set_size', w, h);
        [l.width, l.height] = [w, h];
      }
      if (!l.configured && s.pending.attached && s.pending.buffer) {
        this.req(s.proxy, 'attach', null, 0, 0);
        s.pending.buffer = null;
      }
    }
    const v = viewportError(s);
    if (v && s.viewport && !s.viewport.destroyed) {
      this.req(s.viewport.proxy, 'set_source', -1, -1, -1, -1);
      this.#pendingViewport(s).source = null;
    }
    return true;
  }

  /** The role's reaction to an applied commit; an unmap that reset configure serials gets a fence. */
  #roleCommitted(s: SurfaceModel): void {
    if (s.xdg?.active && xdgCommitted(s.xdg)) this.#fence(s.xdg);
    if (s.layer?.active && layerCommitted(s.layer, this.wms)) this.#fence(s.layer);
  }

  /**
   * The compositor forgot the configure serials of `target` at the commit just sent, but configures
   * sent before it may still be on their way to us. A wl_display.sync right after the commit gets a
   * serial from the same counter: every configure older than it is stale and dropped on arrival.
   */
  #fence(target: { serials: number[] }): void {
    this.req(this.wl.display, 'sync', null)!.on('done', (serial) => {
      const fence = asNumber(serial);
      target.serials = target.serials.filter((s) => ((s - fence) | 0) > 0);
    });
  }

  // ---------------------------------------------------------------- wl_shm

  #createPool(forCapture = false, size?: number): PoolModel | null {
    const shm = this.shm;
    if (!shm || this.#count(this.pools) >= MAX_POOLS) return null;
    const r = this.rng;
    const kind: PoolFileKind = r.pick<PoolFileKind>(['memfd', 'memfd', 'memfd', 'memfd', 'memfd-no-shrink', 'readonly', 'dev-shm']);
    const side = this.shared.limits.maxBufferSide;
    const fileSize = size ?? (r.chance(0.8) ? r.int(1, 64) * 4096 : r.int(1, Math.max(1, side * side * 4)));
    let made: ReturnType<typeof makePoolFile>;
    try {
      made = makePoolFile(kind, fileSize);
    } catch {
      made = makePoolFile('memfd', fileSize);
    }
    // A pool declared larger than its file is legal: the guard reads zeros (and the buffer's reader posts invalid_fd).
    const declared = !forCapture && r.chance(0.1) ? fileSize + r.int(1, 8) * 4096 : fileSize;
    const file: PoolFile = { fd: made.fd, size: fileSize, minSize: fileSize, truncatable: made.truncatable, users: 1 };
    this.#files.add(file);
    const proxy = this.req(shm.proxy, 'create_pool', null, made.sendFd, declared)!;
    if (made.sendFd !== made.fd) closeQuietly(made.sendFd);
    const pool = new PoolModel(proxy, file, declared, forCapture);
    this.pools.push(pool);
    return pool;
  }

  #createBuffer(): Outcome | null {
    let pool = this.#live(this.pools);
    if (!pool || this.rng.chance(0.2)) pool = this.#createPool() ?? pool;
    if (!pool || this.#count(this.buffers) >= MAX_LIVE * 2) return null;
    const r = this.rng;
    const format = r.pick(SUPPORTED_FORMATS);
    const max = this.shared.limits.maxBufferSide;
    let width = r.size(max);
    let height = r.size(max);
    let stride = width * 4 + (r.chance(0.3) ? r.int(0, 16) * 4 + (r.chance(0.2) ? r.int(1, 3) : 0) : 0);
    // Fit the pool (a legal buffer): shrink to what it holds.
    if (stride * height > pool.size) {
      height = Math.max(1, Math.floor(pool.size / stride));
      if (stride * height > pool.size) {
        width = Math.max(1, Math.floor(pool.size / 4 / height));
        stride = width * 4;
        if (stride * height > pool.size) return null;
      }
    }
    const slack = pool.size - stride * height;
    const offset = slack > 0 && r.chance(0.4) ? (r.chance(0.5) ? r.int(0, slack) : Math.floor(r.int(0, slack) / 4) * 4) : 0;
    return this.#sendCreateBuffer(pool, offset, width, height, stride, format) ? 'ok' : null;
  }

  #sendCreateBuffer(pool: PoolModel, offset: number, width: number, height: number, stride: number, format: number): BufferModel {
    const proxy = this.req(pool.proxy, 'create_buffer', null, offset, width, height, stride, format)!;
    proxy.on('release', () => {});
    const b = new BufferModel(proxy, pool, offset, width, height, stride, format);
    pool.file.users++;
    this.buffers.push(b);
    const list = this.#buffersById.get(proxy.id) ?? [];
    list.push(b);
    if (list.length > 4) list.shift();
    this.#buffersById.set(proxy.id, list);
    return b;
  }

  #poolResizeOrTruncate(): Outcome | null {
    const pool = this.#live(this.pools);
    if (!pool) return null;
    const r = this.rng;
    const k = r.below(4);
    const f = pool.file;
    if (k === 0) {
      // grow the file, then the pool
      const grow = r.int(1, 16) * 4096;
      try {
        ftruncateSync(f.fd, Math.max(f.size, pool.size) + grow);
        f.size = Math.max(f.size, pool.size) + grow;
        this.note(`# ftruncate(${pool.proxy} file, ${f.size})`);
      } catch {
        // sealed against growth: resize the pool past the file all the same
      }
      const size = pool.size + (r.chance(0.8) ? grow : r.int(0, grow));
      this.req(pool.proxy, 'resize', size);
      pool.size = size;
      return 'ok';
    }
    if (k === 1) {
      this.req(pool.proxy, 'resize', pool.size);
      return 'ok';
    }
    // Truncate the file under the compositor (shrink, or to zero), or grow it back.
    if (!f.truncatable || (pool.forCapture && !this.shared.limits.racy)) return null;
    const size = k === 2 ? r.int(0, f.size) : r.chance(0.5) ? 0 : f.size + r.int(0, 4) * 4096;
    ftruncateSync(f.fd, size);
    f.size = size;
    f.minSize = Math.min(f.minSize, size);
    this.note(`# ftruncate(${pool.proxy} file, ${size}) under the compositor`);
    return 'ok';
  }

  #destroyPoolOrBuffer(): Outcome | null {
    if (this.rng.chance(0.5)) {
      const b = this.#live(this.buffers);
      if (!b) return null;
      this.req(b.proxy, 'destroy');
      b.destroyed = true;
      this.#releaseFile(b.pool.file);
      return 'ok';
    }
    const p = this.#live(this.pools);
    if (!p) return null;
    this.req(p.proxy, 'destroy');
    p.destroyed = true;
    this.#releaseFile(p.file);
    return 'ok';
  }

  /** One user of a pool file less; the fd is closed with the last (a buffer may outlive its pool). */
  #releaseFile(f: PoolFile): void {
    if (--f.users > 0) return;
    closeQuietly(f.fd);
    this.#files.delete(f);
  }

  // ---------------------------------------------------------------- subsurfaces

  #getSubsurface(): Outcome | null {
    const sc = this.subcompositor;
    if (!sc || sc.destroyed) return null;
    const surface = this.#liveSurface((s) => s.canTakeRole('wl_subsurface'));
    const parent = this.#liveSurface((p) => p !== surface);
    if (!surface || !parent) return null;
    if (isAncestor(surface, parent)) return null; // a cycle: bad_surface (see #invalidRequest)
    this.#makeSubsurface(sc, surface, parent);
    return 'ok';
  }

  #makeSubsurface(sc: SimpleObject, surface: SurfaceModel, parent: SurfaceModel): SubsurfaceModel {
    const proxy = this.req(sc.proxy, 'get_subsurface', null, surface.proxy, parent.proxy)!;
    const sub = new SubsurfaceModel(proxy, surface, parent);
    surface.roleName = 'wl_subsurface';
    surface.sub = sub;
    parent.children.add(surface);
    this.subsurfaces.push(sub);
    return sub;
  }

  #subsurfaceRequest(): Outcome | null {
    const sub = this.#live(this.subsurfaces);
    if (!sub) return null;
    const r = this.rng;
    switch (r.below(6)) {
      case 0:
        this.req(sub.proxy, 'set_position', r.int(-200, 600), r.int(-200, 600));
        return 'ok';
      case 1:
      case 2: {
        if (!sub.active) return null;
        const siblings = [sub.parent, ...sub.parent.children].filter((x) => x !== sub.surface && !x.destroyed);
        if (siblings.length === 0) return null;
        this.req(sub.proxy, r.chance(0.5) ? 'place_above' : 'place_below', r.pick(siblings).proxy);
        return 'ok';
      }
      case 3: {
        this.req(sub.proxy, 'set_sync');
        sub.sync = true;
        return 'ok';
      }
      case 4: {
        const was = sub.active && synchronized(sub.surface);
        this.req(sub.proxy, 'set_desync');
        sub.sync = false;
        const s = sub.surface;
        if (was && !synchronized(s) && s.cached) {
          const cached = s.cached;
          s.cached = null;
          // applyCached(): what the parent's commit would have applied
          applyState(s, cached, (x) => this.#roleCommitted(x));
        }
        return 'ok';
      }
      default: {
        // destroy: reparenting is destroy + a new get_subsurface
        if (!sub.active && sub.surface.sub !== sub && this.#avoids('inert-subsurface-destroy')) return null;
        this.req(sub.proxy, 'destroy');
        sub.destroyed = true;
        detachSubsurface(sub);
        return 'ok';
      }
    }
  }

  /** A chain of subsurfaces, each the parent of the next, committed bottom up (sync: cached until the root commits). */
  #deepChain(): Outcome | null {
    const sc = this.subcompositor;
    const c = this.compositor;
    if (!sc || sc.destroyed || !c) return null;
    // Synchronized (cached until the root commits) or each member desynchronized at once.
    const desync = this.rng.chance(0.4);
    let maxDepth = this.shared.limits.maxChainDepth;
    if (this.#avoids('deep-chain-quadratic')) maxDepth = Math.min(maxDepth, 2000);
    if (!desync && this.#avoids('sync-chain-commit-recursion')) maxDepth = Math.min(maxDepth, 800);
    if (desync && this.#avoids('hit-test-recursion')) maxDepth = Math.min(maxDepth, 3000);
    const depth = this.rng.int(2, maxDepth);
    const buffer = this.#live(this.buffers, (b) => b.width <= 64 && b.height <= 64);
    const mapped = this.#live(this.xdgs, (x) => x.active && x.mapped)?.surface ?? null;
    let parent = mapped && this.rng.chance(0.7) ? mapped : this.#liveSurface((s) => !s.sub?.active);
    if (!parent) return null;
    const root = parent;
    this.note(`# deep ${desync ? 'desynchronized' : 'synchronized'} subsurface chain of ${depth} under ${root.proxy}`);
    const chain: SurfaceModel[] = [];
    for (let i = 0; i < depth; i++) {
      const proxy = this.req(c.proxy, 'create_surface', null)!;
      const s = new SurfaceModel(proxy, c.version);
      this.surfaces.push(s);
      const sub = this.#makeSubsurface(sc, s, parent);
      if (this.rng.chance(0.5)) {
        this.req(sub.proxy, 'set_position', this.rng.int(-2, 4), this.rng.int(-2, 4));
      }
      if (desync || this.rng.chance(0.05)) {
        this.req(sub.proxy, 'set_desync');
        sub.sync = false;
      }
      chain.push(s);
      parent = s;
    }
    for (let i = chain.length - 1; i >= 0; i--) {
      const s = chain[i]!;
      this.#attachAndCommit(s, buffer);
    }
    // The root's commit applies the whole chain's cached state.
    if (!this.#commitError(root) || (this.#repairBeforeCommit(root) && !this.#commitError(root))) {
      this.req(root.proxy, 'commit');
      commitSurface(root, (x) => this.#roleCommitted(x));
    }
    return 'ok';
  }

  /** `buffer` (if it still lives) attached to `s`, then `s` committed, in the model too. */
  #attachAndCommit(s: SurfaceModel, buffer: ShownBuffer | null): void {
    if (buffer && !buffer.destroyed) {
      this.req(s.proxy, 'attach', buffer.proxy, 0, 0);
      s.pending.attached = true;
      s.pending.buffer = buffer;
    }
    this.req(s.proxy, 'commit');
    commitSurface(s, (x) => this.#roleCommitted(x));
  }

  /** Many subsurfaces of one parent, restacked among themselves, then the parent's commit. */
  #wideTree(): Outcome | null {
    const sc = this.subcompositor;
    const c = this.compositor;
    if (!sc || sc.destroyed || !c) return null;
    const mapped = this.#live(this.xdgs, (x) => x.active && x.mapped)?.surface ?? null;
    const parent = mapped && this.rng.chance(0.7) ? mapped : this.#liveSurface();
    if (!parent) return null;
    const width = this.rng.int(2, this.shared.limits.maxChainDepth);
    const buffer = this.#live(this.buffers, (b) => b.width <= 64 && b.height <= 64);
    this.note(`# wide subsurface tree: ${width} children of ${parent.proxy}`);
    const children: SubsurfaceModel[] = [];
    for (let i = 0; i < width; i++) {
      const proxy = this.req(c.proxy, 'create_surface', null)!;
      const s = new SurfaceModel(proxy, c.version);
      this.surfaces.push(s);
      const sub = this.#makeSubsurface(sc, s, parent);
      this.req(sub.proxy, 'set_position', this.rng.int(-20, 300), this.rng.int(-20, 300));
      if (children.length > 0 && this.rng.chance(0.5)) this.req(sub.proxy, this.rng.chance(0.5) ? 'place_above' : 'place_below', this.rng.pick(children).surface.proxy);
      this.#attachAndCommit(s, buffer);
      children.push(sub);
    }
    if (!this.#commitError(parent) || (this.#repairBeforeCommit(parent) && !this.#commitError(parent))) {
      this.req(parent.proxy, 'commit');
      commitSurface(parent, (x) => this.#roleCommitted(x));
    }
    return 'ok';
  }

  // ---------------------------------------------------------------- xdg-shell

  #liveWm(): WmModel | null {
    return this.#live(this.wms);
  }

  /** A small buffer to show (made if none fits). */
  #smallBuffer(): BufferModel | null {
    const b = this.#live(this.buffers, (x) => x.width <= 256 && x.height <= 256 && (x.end <= x.pool.file.minSize || this.rng.chance(0.1)));
    if (b && this.rng.chance(0.8)) return b;
    const w = this.rng.int(8, 200);
    const h = this.rng.int(8, 200);
    const pool = this.#createPool(false, w * h * 4);
    if (!pool) return b;
    return this.#sendCreateBuffer(pool, 0, w, h, w * 4, this.rng.pick(SUPPORTED_FORMATS));
  }

  /** A toplevel (or a popup of a mapped window) made and committed at once, as clients do. */
  #newWindow(): Outcome | null {
    const c = this.compositor;
    const wm = this.#liveWm();
    if (!c || !wm || this.#count(this.surfaces) >= MAX_LIVE * 2) return null;
    const proxy = this.req(c.proxy, 'create_surface', null)!;
    proxy.on('enter', () => {}).on('leave', () => {});
    const s = new SurfaceModel(proxy, c.version);
    this.surfaces.push(s);
    const x = this.#makeXdg(wm, s);
    const parent = this.rng.chance(0.35) ? this.#live(this.xdgs, (p) => p.mapped && p !== x) : null;
    let pos = parent ? this.#live(this.positioners, (p) => p.complete) : null;
    if (parent && !pos) {
      pos = new PositionerModel(this.req(wm.proxy, 'create_positioner', null)!);
      this.positioners.push(pos);
      this.#completePositioner(pos);
    }
    if (parent && pos) this.#makePopup(x, parent, pos);
    else {
      const t = this.#makeToplevel(x);
      if (this.rng.chance(0.3)) this.req(t.proxy, 'set_title', this.rng.string(40));
      const m = this.decorationManager;
      if (m && !m.destroyed && this.rng.chance(0.3)) {
        const dp = this.req(m.proxy, 'get_toplevel_decoration', null, t.proxy)!;
        dp.on('configure', () => {});
        const deco = new DecorationModel(dp, t);
        t.decoration = deco;
        this.decorations.push(deco);
      }
    }
    this.req(s.proxy, 'commit');
    commitSurface(s, (v) => this.#roleCommitted(v));
    return 'ok';
  }

  /** Acks the last configure of an unmapped window and shows a buffer in it. */
  #mapWindow(): Outcome | null {
    const x = this.#live(this.xdgs, (v) => v.active && !v.mapped && v.serials.length > 0 && ((v.toplevel !== null && !v.toplevel.destroyed) || (v.popup !== null && !v.popup.destroyed && !v.popup.dismissed && !v.popup.grabPending)));
    if (!x) return null;
    const serial = x.serials[x.serials.length - 1]!;
    this.req(x.proxy, 'ack_configure', serial);
    ackSerial(x.serials, serial);
    x.configured = true;
    const b = this.#smallBuffer();
    if (!b) return 'ok';
    this.req(x.surface.proxy, 'attach', b.proxy, 0, 0);
    x.surface.pending.attached = true;
    x.surface.pending.buffer = b;
    if (x.surface.version >= 4) this.req(x.surface.proxy, 'damage_buffer', 0, 0, b.width, b.height);
    if (this.#commitError(x.surface)) {
      if (!this.#repairBeforeCommit(x.surface) || this.#commitError(x.surface)) return 'ok';
    }
    this.req(x.surface.proxy, 'commit');
    commitSurface(x.surface, (v) => this.#roleCommitted(v));
    return 'ok';
  }

  /** A layer surface: its initial commit, or an ack and a buffer. */
  #mapLayer(): Outcome | null {
    const l = this.#live(this.layers, (v) => v.active && !v.closed && !v.mapped);
    if (!l) return null;
    if (layerSizeInvalid(l)) {
      const w = this.rng.int(1, 300);
      const h = this.rng.int(1, 100);
      this.req(l.proxy, 'set_size', w, h);
      [l.width, l.height] = [w, h];
    }
    if (l.initialCommitDone && l.serials.length > 0) {
      const serial = l.serials[l.serials.length - 1]!;
      this.req(l.proxy, 'ack_configure', serial);
      ackSerial(l.serials, serial);
      l.configured = true;
      const b = this.#smallBuffer();
      if (b) {
        this.req(l.surface.proxy, 'attach', b.proxy, 0, 0);
        l.surface.pending.attached = true;
        l.surface.pending.buffer = b;
      }
    }
    if (this.#commitError(l.surface) && (!this.#repairBeforeCommit(l.surface) || this.#commitError(l.surface))) return 'ok';
    this.req(l.surface.proxy, 'commit');
    commitSurface(l.surface, (v) => this.#roleCommitted(v));
    return 'ok';
  }

  #getXdgSurface(): Outcome | null {
    const wm = this.#liveWm();
    const s = this.#liveSurface((x) => x.canTakeRole('xdg_surface') && !x.hasBuffer);
    if (!wm || !s) return null;
    this.#makeXdg(wm, s);
    return 'ok';
  }

  #makeXdg(wm: WmModel, s: SurfaceModel): XdgModel {
    const proxy = this.req(wm.proxy, 'get_xdg_surface', null, s.proxy)!;
    const x = new XdgModel(proxy, s, wm);
    proxy.on('configure', (serial) => {
      if (!x.destroyed) x.serials.push(asNumber(serial));
    });
    s.roleName = 'xdg_surface';
    s.xdg = x;
    wm.surfaces.add(x);
    this.xdgs.push(x);
    return x;
  }

  #xdgRole(): Outcome | null {
    const x = this.#live(this.xdgs, (v) => (!v.toplevel || v.toplevel.destroyed) && (!v.popup || v.popup.destroyed));
    if (!x) return null;
    // A popup of an xdg_surface whose wl_surface is gone stays among its parent's open popups in the
    // compositor (its parent's destroy is then not_the_topmost_popup) though it can never show:
    // the model does not follow that, so such an xdg_surface gets only a toplevel.
    if (this.rng.chance(0.6) || !x.active) {
      this.#makeToplevel(x);
      return 'ok';
    }
    const pos = this.#live(this.positioners, (p) => p.complete);
    if (!pos) return null;
    const parent = this.rng.chance(0.85) ? this.#live(this.xdgs, (p) => p !== x) : null;
    this.#makePopup(x, parent, pos);
    return 'ok';
  }

  #makeToplevel(x: XdgModel): ToplevelModel {
    const proxy = this.req(x.proxy, 'get_toplevel', null)!;
    proxy.on('configure', () => {}).on('close', () => {}).on('configure_bounds', () => {}).on('wm_capabilities', () => {});
    const t = new ToplevelModel(proxy, x);
    x.toplevel = t;
    this.toplevels.push(t);
    return t;
  }

  #makePopup(x: XdgModel, parent: XdgModel | null, pos: PositionerModel): PopupModel {
    const proxy = this.req(x.proxy, 'get_popup', null, parent?.proxy ?? null, pos.proxy)!;
    const p = new PopupModel(proxy, x, parent);
    proxy
      .on('configure', () => {})
      .on('repositioned', () => {})
      .on('popup_done', () => {
        if (!p.destroyed) dismissPopup(p);
      });
    x.popup = p;
    this.popups.push(p);
    return p;
  }

  #ackConfigure(): Outcome | null {
    if (this.rng.chance(0.3)) {
      const l = this.#live(this.layers, (v) => v.serials.length > 0);
      if (l) {
        const serial = this.rng.chance(0.7) ? l.serials[l.serials.length - 1]! : this.rng.pick(l.serials);
        this.req(l.proxy, 'ack_configure', serial);
        ackSerial(l.serials, serial);
        l.configured = true;
        return 'ok';
      }
    }
    const x = this.#live(this.xdgs, (v) => v.serials.length > 0);
    if (!x) return null;
    const serial = this.rng.chance(0.7) ? x.serials[x.serials.length - 1]! : this.rng.pick(x.serials);
    this.req(x.proxy, 'ack_configure', serial);
    ackSerial(x.serials, serial);
    x.configured = true;
    return 'ok';
  }

  #xdgSurfaceRequest(): Outcome | null {
    const x = this.#live(this.xdgs);
    if (!x) return null;
    const r = this.rng;
    this.req(x.proxy, 'set_window_geometry', r.int(-50, 100), r.int(-50, 100), r.int(1, 800), r.int(1, 800));
    return 'ok';
  }

  #toplevelRequest(): Outcome | null {
    const t = this.#live(this.toplevels);
    if (!t) return null;
    const r = this.rng;
    const seat = this.#liveSeat();
    switch (r.below(12)) {
      case 0: {
        const candidates = this.toplevels.filter((p) => !p.destroyed && !toplevelLoop(t, p));
        const parent = r.chance(0.7) && candidates.length ? r.pick(candidates) : null;
        this.req(t.proxy, 'set_parent', parent?.proxy ?? null);
        t.parent = parent?.xdg.mapped ? parent : null; // an unmapped parent is no parent
        return 'ok';
      }
      case 1:
        this.req(t.proxy, 'set_title', r.string(600));
        return 'ok';
      case 2:
        this.req(t.proxy, 'set_app_id', r.string(200));
        return 'ok';
      case 3:
        if (!seat) return null;
        this.req(t.proxy, 'show_window_menu', seat.proxy, this.#serial(), r.int(-10, 500), r.int(-10, 500));
        return 'ok';
      case 4:
        if (!seat) return null;
        this.req(t.proxy, 'move', seat.proxy, this.#serial());
        return 'ok';
      case 5:
        if (!seat) return null;
        this.req(t.proxy, 'resize', seat.proxy, this.#serial(), r.int(0, 10));
        return 'ok';
      case 6: {
        const w = r.int(0, 600);
        const h = r.int(0, 600);
        const max = r.chance(0.5);
        this.req(t.proxy, max ? 'set_max_size' : 'set_min_size', w, h);
        if (max) t.pendingMax = [w, h];
        else t.pendingMin = [w, h];
        return 'ok';
      }
      case 7:
        this.req(t.proxy, r.chance(0.6) ? 'set_maximized' : 'unset_maximized');
        return 'ok';
      case 8: {
        const out = this.#liveOutput();
        if (r.chance(0.6)) this.req(t.proxy, 'set_fullscreen', r.chance(0.5) ? (out?.proxy ?? null) : null);
        else this.req(t.proxy, 'unset_fullscreen');
        return 'ok';
      }
      case 9:
        this.req(t.proxy, 'set_minimized');
        return 'ok';
      default: {
        // destroy (its decoration must go first: else orphaned)
        const d = t.decoration;
        if (d && !d.destroyed) {
          if (r.chance(0.05)) {
            this.req(t.proxy, 'destroy');
            return this.expect(spec(zxdg_toplevel_decoration_v1, 'orphaned', 'toplevel destroyed before its decoration'));
          }
          this.req(d.proxy, 'destroy');
          d.destroyed = true;
          t.decoration = null;
        }
        this.req(t.proxy, 'destroy');
        this.#toplevelGone(t);
        return 'ok';
      }
    }
  }

  #toplevelGone(t: ToplevelModel): void {
    t.destroyed = true;
    unmapXdg(t.xdg);
    if (t.xdg.toplevel === t) t.xdg.toplevel = null;
  }

  #popupRequest(): Outcome | null {
    const p = this.#live(this.popups, (v) => !v.grabPending);
    if (!p) return null;
    const r = this.rng;
    const k = r.below(4);
    if (k === 0) {
      // grab: granted or dismissed, we learn which from popup_done; mapped: invalid_grab
      const seat = this.#liveSeat();
      if (!seat || p.xdg.mapped) return null;
      this.req(p.proxy, 'grab', seat.proxy, this.#serial());
      p.grabPending = true;
      this.note('# grab answered by popup_done or not: batch ends');
      return 'end';
    }
    if (k === 1) {
      if (p.proxy.version < 3) return null;
      const pos = this.#live(this.positioners, (v) => v.complete);
      if (!pos) return null;
      this.req(p.proxy, 'reposition', pos.proxy, r.u32());
      return 'ok';
    }
    // destroy, topmost first
    if (childPopups(p.xdg).length > 0) return null;
    this.req(p.proxy, 'destroy');
    p.destroyed = true;
    unmapXdg(p.xdg);
    if (p.xdg.popup === p) p.xdg.popup = null;
    return 'ok';
  }

  #positionerRequest(): Outcome | null {
    const wm = this.#liveWm();
    const r = this.rng;
    let pos = this.#live(this.positioners);
    if (!pos || (r.chance(0.25) && this.#count(this.positioners) < MAX_LIVE)) {
      if (!wm) return null;
      pos = new PositionerModel(this.req(wm.proxy, 'create_positioner', null)!);
      this.positioners.push(pos);
      if (r.chance(0.7)) this.#completePositioner(pos);
      return 'ok';
    }
    switch (r.below(9)) {
      case 0:
        this.#completePositioner(pos);
        return 'ok';
      case 1:
        this.req(pos.proxy, 'set_anchor', r.int(0, 8));
        return 'ok';
      case 2:
        this.req(pos.proxy, 'set_gravity', r.int(0, 8));
        return 'ok';
      case 3:
        this.req(pos.proxy, 'set_constraint_adjustment', r.chance(0.8) ? r.int(0, 63) : r.u32());
        return 'ok';
      case 4:
        if (r.chance(0.1) && !this.#avoids('popup-position-overflow')) this.req(pos.proxy, 'set_offset', r.int32(), r.int32());
        else this.req(pos.proxy, 'set_offset', r.int(-300, 300), r.int(-300, 300));
        return 'ok';
      case 5:
        if (pos.proxy.version < 3) return null;
        this.req(pos.proxy, 'set_reactive');
        return 'ok';
      case 6:
        if (pos.proxy.version < 3) return null;
        this.req(pos.proxy, 'set_parent_size', r.int32(), r.int32());
        return 'ok';
      case 7:
        if (pos.proxy.version < 3) return null;
        this.req(pos.proxy, 'set_parent_configure', r.uint32());
        return 'ok';
      default:
        this.req(pos.proxy, 'destroy');
        pos.destroyed = true;
        return 'ok';
    }
  }

  #completePositioner(pos: PositionerModel): void {
    const r = this.rng;
    const w = r.size(600);
    const h = r.size(600);
    this.req(pos.proxy, 'set_size', w, h);
    const big = r.chance(0.1) && !this.#avoids('popup-position-overflow');
    this.req(pos.proxy, 'set_anchor_rect', big ? r.int32() : r.int(-100, 700), big ? r.int32() : r.int(-100, 700), r.int(0, big ? INT32_MAX : 300), r.int(0, big ? INT32_MAX : 300));
    [pos.width, pos.height, pos.anchorRect] = [w, h, true];
    if (r.chance(0.5)) this.req(pos.proxy, 'set_anchor', r.int(0, 8));
    if (r.chance(0.5)) this.req(pos.proxy, 'set_gravity', r.int(0, 8));
    if (r.chance(0.5)) this.req(pos.proxy, 'set_constraint_adjustment', r.int(0, 63));
  }

  /** A chain of popups, each the parent of the next, mapped in order. */
  #deepPopups(): Outcome | null {
    const wm = this.#liveWm();
    const c = this.compositor;
    const buffer = this.#live(this.buffers, (b) => b.width <= 64 && b.height <= 64);
    let parent = this.#live(this.xdgs, (x) => x.active && x.wm === wm);
    if (!wm || !c || !parent || !buffer) return null;
    const depth = this.rng.int(2, this.#avoids('popup-chain-recursion') ? Math.min(this.shared.limits.maxChainDepth, 2000) : this.shared.limits.maxChainDepth);
    this.note(`# popup chain of ${depth} under ${parent.proxy}`);
    const pos = new PositionerModel(this.req(wm.proxy, 'create_positioner', null)!);
    this.positioners.push(pos);
    this.req(pos.proxy, 'set_size', 10, 10);
    this.req(pos.proxy, 'set_anchor_rect', 0, 0, 1, 1);
    [pos.width, pos.height, pos.anchorRect] = [10, 10, true];
    for (let i = 0; i < depth; i++) {
      const proxy = this.req(c.proxy, 'create_surface', null)!;
      const s = new SurfaceModel(proxy, c.version);
      this.surfaces.push(s);
      const x = this.#makeXdg(wm, s);
      this.#makePopup(x, parent, pos);
      this.req(s.proxy, 'commit');
      commitSurface(s, (v) => this.#roleCommitted(v));
      parent = x;
      this.#popupChain.push(x);
    }
    // The configures (serials) arrive after this batch: the chain is mapped next turn (#mapPopupChain).
    return 'end';
  }

  /** Maps a popup chain made last turn, parent first: ack, buffer, commit each. */
  #mapPopupChain(): void {
    const chain = this.#popupChain.splice(0);
    this.note(`# mapping a popup chain of ${chain.length}`);
    for (const x of chain) {
      if (!x.active || x.serials.length === 0 || !x.popup || x.popup.destroyed || x.popup.dismissed) continue;
      const serial = x.serials[x.serials.length - 1]!;
      this.req(x.proxy, 'ack_configure', serial);
      ackSerial(x.serials, serial);
      x.configured = true;
      const b = this.#live(this.buffers, (v) => v.width <= 64 && v.height <= 64);
      if (!b) return;
      this.req(x.surface.proxy, 'attach', b.proxy, 0, 0);
      x.surface.pending.attached = true;
      x.surface.pending.buffer = b;
      if (this.#commitError(x.surface)) return;
      this.req(x.surface.proxy, 'commit');
      commitSurface(x.surface, (v) => this.#roleCommitted(v));
    }
  }

  #destroyXdg(): Outcome | null {
    const r = this.rng;
    if (r.chance(0.2)) {
      const wm = this.#liveWm();
      if (!wm) return null;
      if (wm.surfaces.size > 0) return null; // defunct_surfaces: see #invalidRequest
      this.req(wm.proxy, 'destroy');
      wm.destroyed = true;
      return 'ok';
    }
    const x = this.#live(this.xdgs);
    if (!x) return null;
    // Destroying the xdg_surface before its role object is accepted (weston's clients do it).
    this.req(x.proxy, 'destroy');
    x.destroyed = true;
    x.serials = [];
    if (x.surface.xdg === x && !x.surface.destroyed) forgetXdg(x);
    else x.wm.surfaces.delete(x);
    return 'ok';
  }

  #decorationRequest(): Outcome | null {
    const m = this.decorationManager;
    if (!m || m.destroyed) return null;
    const r = this.rng;
    const d = this.#live(this.decorations);
    if (!d || r.chance(0.4)) {
      const t = this.#live(this.toplevels, (v) => (!v.decoration || v.decoration.destroyed) && !v.xdg.surface.hasBuffer);
      if (!t) {
        if (r.chance(0.05)) {
          this.req(m.proxy, 'destroy');
          m.destroyed = true;
          return 'ok';
        }
        return null;
      }
      const proxy = this.req(m.proxy, 'get_toplevel_decoration', null, t.proxy)!;
      proxy.on('configure', () => {});
      const deco = new DecorationModel(proxy, t);
      t.decoration = deco;
      this.decorations.push(deco);
      return 'ok';
    }
    const k = r.below(4);
    if (k === 0) this.req(d.proxy, 'set_mode', r.chance(0.8) ? r.int(1, 2) : r.uint32());
    else if (k === 1) this.req(d.proxy, 'unset_mode');
    else {
      this.req(d.proxy, 'destroy');
      d.destroyed = true;
      if (d.toplevel.decoration === d) d.toplevel.decoration = null;
    }
    return 'ok';
  }

  // ---------------------------------------------------------------- layer shell

  #layerSurface(): Outcome | null {
    const shell = this.#live(this.layerShells);
    const s = this.#liveSurface((x) => x.canTakeRole('zwlr_layer_surface_v1') && !x.hasBuffer);
    if (!shell || !s) return null;
    const r = this.rng;
    const output = r.chance(0.5) ? this.#liveOutput() : null;
    const proxy = this.req(shell.proxy, 'get_layer_surface', null, s.proxy, output?.proxy ?? null, r.int(0, 3), r.string(64))!;
    const l = new LayerModel(proxy, s, shell, output);
    proxy
      .on('configure', (serial) => {
        if (!l.destroyed) l.serials.push(asNumber(serial));
      })
      .on('closed', () => {});
    s.roleName = 'zwlr_layer_surface_v1';
    s.layer = l;
    this.layers.push(l);
    if (r.chance(0.7)) {
      const anchor = r.int(0, 15);
      this.req(proxy, 'set_anchor', anchor);
      l.anchor = anchor;
      const w = (anchor & 12) === 12 && r.chance(0.5) ? 0 : r.int(1, 300);
      const h = (anchor & 3) === 3 && r.chance(0.5) ? 0 : r.int(1, 300);
      this.req(proxy, 'set_size', w, h);
      [l.width, l.height] = [w, h];
    }
    return 'ok';
  }

  #layerRequest(): Outcome | null {
    const l = this.#live(this.layers);
    if (!l) return null;
    const r = this.rng;
    switch (r.below(10)) {
      case 0: {
        const w = r.chance(0.85) ? r.int(0, 500) : r.uint32();
        const h = r.chance(0.85) ? r.int(0, 500) : r.uint32();
        this.req(l.proxy, 'set_size', w, h);
        [l.width, l.height] = [w, h];
        return 'ok';
      }
      case 1: {
        const anchor = r.int(0, 15);
        this.req(l.proxy, 'set_anchor', anchor);
        l.anchor = anchor;
        return 'ok';
      }
      case 2:
        this.req(l.proxy, 'set_exclusive_zone', r.chance(0.8) ? r.int(-1, 200) : r.int32());
        return 'ok';
      case 3: {
        const m = (): number => (r.chance(0.85) || this.#avoids('layer-size-overflow') ? r.int(-50, 100) : r.pick([-2147483648, -2147483000, 2147483647, r.int32()]));
        this.req(l.proxy, 'set_margin', m(), m(), m(), m());
        return 'ok';
      }
      case 4:
        this.req(l.proxy, 'set_keyboard_interactivity', r.int(0, l.proxy.version >= 4 ? 2 : 1));
        return 'ok';
      case 5: {
        const p = this.#live(this.popups);
        if (!p) return null;
        this.req(l.proxy, 'get_popup', p.proxy);
        if (!p.parentXdg && !p.parentLayer && !p.xdg.initialCommitDone) p.parentLayer = l;
        return 'ok';
      }
      case 6:
        if (l.proxy.version < 2) return null;
        this.req(l.proxy, 'set_layer', r.int(0, 3));
        return 'ok';
      case 7: {
        // the shell global itself (v3 has destroy)
        const shell = l.shell;
        if (shell.destroyed || shell.version < 3) return null;
        this.req(shell.proxy, 'destroy');
        shell.destroyed = true;
        return 'ok';
      }
      default:
        this.req(l.proxy, 'destroy');
        l.destroyed = true;
        if (l.surface.layer === l) forgetLayer(l, this.wms);
        return 'ok';
    }
  }

  // ---------------------------------------------------------------- viewporter, presentation

  #pendingViewport(s: SurfaceModel): ViewportState {
    const v = s.pending.viewport ?? { source: s.viewportState.source, destination: s.viewportState.destination };
    s.pending.viewport = v;
    return v;
  }

  #viewportRequest(): Outcome | null {
    const vp = this.viewporter;
    const r = this.rng;
    const v = this.#live(this.viewports, (x) => !x.surface.destroyed);
    if (!v || (r.chance(0.3) && vp && !vp.destroyed)) {
      if (!vp || vp.destroyed) return null;
      if (r.chance(0.03)) {
        this.req(vp.proxy, 'destroy');
        vp.destroyed = true;
        return 'ok';
      }
      const s = this.#liveSurface((x) => !x.viewport || x.viewport.destroyed);
      if (!s) return null;
      const proxy = this.req(vp.proxy, 'get_viewport', null, s.proxy)!;
      const model = new ViewportModel(proxy, s);
      s.viewport = model;
      this.viewports.push(model);
      return 'ok';
    }
    const s = v.surface;
    switch (r.below(5)) {
      case 0:
      case 1: {
        // a source inside what the next commit will show, mostly
        const p = s.pending;
        const w = p.attached ? (p.buffer?.width ?? 0) : (s.content?.width ?? 0);
        const h = p.attached ? (p.buffer?.height ?? 0) : (s.content?.height ?? 0);
        const scale = p.scale ?? s.scale;
        const bw = Math.floor(w / scale);
        const bh = Math.floor(h / scale);
        if (bw < 1 || bh < 1) {
          this.req(v.proxy, 'set_source', -1, -1, -1, -1);
          this.#pendingViewport(s).source = null;
          return 'ok';
        }
        const x = this.rng.int(0, bw - 1);
        const y = this.rng.int(0, bh - 1);
        const sw = this.rng.int(1, bw - x);
        const sh = this.rng.int(1, bh - y);
        this.req(v.proxy, 'set_source', x, y, sw, sh);
        this.#pendingViewport(s).source = { x, y, width: sw, height: sh };
        return 'ok';
      }
      case 2: {
        if (r.chance(0.3)) {
          this.req(v.proxy, 'set_destination', -1, -1);
          this.#pendingViewport(s).destination = null;
        } else {
          const huge = this.shared.limits.extremes && r.chance(0.1) && !this.#avoids('pointer-fixed-overflow');
          const w = huge ? r.int(1, INT32_MAX) : r.int(1, 800);
          const h = huge ? r.int(1, INT32_MAX) : r.int(1, 800);
          this.req(v.proxy, 'set_destination', w, h);
          this.#pendingViewport(s).destination = { width: w, height: h };
        }
        return 'ok';
      }
      case 3: {
        // a fractional source with a destination
        const w = this.#fixed(1, 50);
        const h = this.#fixed(1, 50);
        const x = this.#fixed(0, 20);
        const y = this.#fixed(0, 20);
        this.req(v.proxy, 'set_source', x, y, w, h);
        this.#pendingViewport(s).source = { x, y, width: w, height: h };
        const dw = r.int(1, 300);
        const dh = r.int(1, 300);
        this.req(v.proxy, 'set_destination', dw, dh);
        this.#pendingViewport(s).destination = { width: dw, height: dh };
        return 'ok';
      }
      default:
        this.req(v.proxy, 'destroy');
        v.destroyed = true;
        if (s.viewport === v) s.viewport = null;
        if (!s.destroyed) s.pending.viewport = { source: null, destination: null };
        return 'ok';
    }
  }

  #presentationRequest(): Outcome | null {
    const p = this.presentation;
    if (!p || p.destroyed) return null;
    if (this.rng.chance(0.03)) {
      this.req(p.proxy, 'destroy');
      p.destroyed = true;
      return 'ok';
    }
    const s = this.#liveSurface();
    if (!s) return null;
    const f = this.req(p.proxy, 'feedback', s.proxy, null)!;
    f.on('sync_output', () => {}).on('presented', () => {}).on('discarded', () => {});
    return 'ok';
  }

  // ---------------------------------------------------------------- single-pixel buffers

  /** Destroys a live element of `list` (null: none there). */
  #destroyLive(list: { proxy: Proxy; destroyed: boolean }[]): Outcome | null {
    const x = this.#live(list);
    if (!x) return null;
    this.req(x.proxy, 'destroy');
    x.destroyed = true;
    return 'ok';
  }

  /** Now and then destroys manager `m` (what it made stays): true if it did. */
  #managerGoes(m: SimpleObject): boolean {
    if (!this.rng.chance(0.03)) return false;
    this.req(m.proxy, 'destroy');
    m.destroyed = true;
    return true;
  }

  /** A live buffer to attach: mostly an shm one, now and then one colour. */
  #anyBuffer(): ShownBuffer | null {
    const solid = this.rng.chance(0.15) ? this.#live(this.solidBuffers) : null;
    return solid ?? this.#live(this.buffers);
  }

  /** A new single-pixel buffer (well under the 4096 a client may hold), or null. */
  #createSolidBuffer(): SolidBufferModel | null {
    const m = this.singlePixelManager;
    if (!m || m.destroyed || this.#count(this.solidBuffers) >= MAX_LIVE) return null;
    const r = this.rng;
    const channel = (): number => (r.chance(0.5) ? r.pick([0, 0xffffffff, 0x80000000]) : r.u32());
    const proxy = this.req(m.proxy, 'create_u32_rgba_buffer', null, channel(), channel(), channel(), channel())!;
    proxy.on('release', () => {});
    const b = new SolidBufferModel(proxy);
    this.solidBuffers.push(b);
    return b;
  }

  /** Make, show (attach and commit, as an shm buffer) or destroy a single-pixel buffer. */
  #singlePixelRequest(): Outcome | null {
    const r = this.rng;
    const m = this.singlePixelManager;
    if (m && !m.destroyed && this.#managerGoes(m)) return 'ok';
    const b = this.#live(this.solidBuffers);
    if (!b || r.chance(0.3)) return this.#createSolidBuffer() ? 'ok' : null;
    if (r.chance(0.25)) return this.#destroyLive(this.solidBuffers);
    // One colour over a surface (a viewport stretches it, if the surface has one).
    const s = this.#liveSurface();
    if (!s) return null;
    this.req(s.proxy, 'attach', b.proxy, 0, 0);
    s.pending.attached = true;
    s.pending.buffer = b;
    if (this.#commitError(s) && (!this.#repairBeforeCommit(s) || this.#commitError(s))) return 'ok';
    this.req(s.proxy, 'commit');
    commitSurface(s, (v) => this.#roleCommitted(v));
    return 'ok';
  }

  // ---------------------------------------------------------------- xdg-foreign

  /** `s` has an xdg_toplevel the compositor finds through it (xdg-foreign.ts toplevelOfSurface), or null. */
  #toplevelOf(s: SurfaceModel): ToplevelModel | null {
    const x = s.xdg;
    return x?.active && x.toplevel && !x.toplevel.destroyed ? x.toplevel : null;
  }

  /** The toplevel an import makes parent (known only for our own live exports), 'ignored' (the handle is gone or never was), or 'foreign'. */
  #importTarget(i: ImportModel): ToplevelModel | 'ignored' | 'foreign' {
    if (i.of === 'bogus') return 'ignored';
    if (i.of instanceof ExportModel) return i.of.live ? i.of.toplevel : 'ignored';
    return 'foreign';
  }

  #foreignRequest(): Outcome | null {
    const r = this.rng;
    switch (r.below(7)) {
      case 0: {
        // export a toplevel: its handle comes as an event, shared with the other clients
        const e = this.exporter;
        if (!e || e.destroyed || this.#count(this.exports) >= MAX_LIVE) return null;
        if (this.#managerGoes(e)) return 'ok';
        const s = this.#liveSurface((x) => this.#toplevelOf(x) !== null);
        const t = s ? this.#toplevelOf(s) : null;
        if (!s || !t) return null;
        const proxy = this.req(e.proxy, 'export_toplevel', null, s.proxy)!;
        const model = new ExportModel(proxy, t);
        proxy.on('handle', (h) => {
          model.handle = String(h);
          this.shared.handles.push({ handle: model.handle, rank: this.rank });
          if (this.shared.handles.length > 128) this.shared.handles.shift();
        });
        this.exports.push(model);
        return 'ok';
      }
      case 1:
        return this.#destroyLive(this.exports);
      case 2:
      case 3: {
        // import one of our handles, another client's, or one that never was (`destroyed` at once)
        const im = this.importer;
        if (!im || im.destroyed || this.#count(this.imports) >= MAX_LIVE) return null;
        if (this.#managerGoes(im)) return 'ok';
        const own = r.chance(0.5) ? this.#live(this.exports, (x) => x.handle !== null) : null;
        const shared = this.shared.handles.length > 0 && r.chance(0.8) ? r.pick(this.shared.handles) : null;
        let of: ExportModel | { rank: number } | 'bogus' = 'bogus';
        let handle = r.chance(0.5) ? r.string(64) : Array.from({ length: 4 }, () => r.u32().toString(16).padStart(8, '0')).join('');
        if (own?.handle) [of, handle] = [own, own.handle];
        else if (shared) {
          // A handle of ours met in the shared list is modelled as ours.
          const mine = shared.rank === this.rank ? this.exports.find((x) => x.handle === shared.handle) : undefined;
          if (shared.rank !== this.rank || mine) [of, handle] = [mine ?? { rank: shared.rank }, shared.handle];
        }
        const proxy = this.req(im.proxy, 'import_toplevel', null, handle)!;
        proxy.on('destroyed', () => {});
        this.imports.push(new ImportModel(proxy, of));
        return 'ok';
      }
      case 4:
        return this.#destroyLive(this.imports);
      default: {
        // set_parent_of one of our toplevels: what xdg_toplevel.set_parent does, loops avoided
        const i = this.#live(this.imports, (x) => x.of === 'bogus' || x.of instanceof ExportModel || x.of.rank < this.rank);
        if (!i) return null;
        const target = this.#importTarget(i);
        const s = this.#liveSurface((x) => {
          const t = this.#toplevelOf(x);
          return t !== null && (typeof target === 'string' || !toplevelLoop(t, target));
        });
        const t = s ? this.#toplevelOf(s) : null;
        if (!s || !t) return null;
        this.req(i.proxy, 'set_parent_of', s.proxy);
        if (target === 'ignored') return 'ok';
        // Another client's toplevel (of a lower rank: never above ours) or ours: either way a
        // relation the import may undo later, unseen by the model.
        t.linkUncertain = true;
        if (target !== 'foreign') t.parent = target.xdg.mapped ? target : null; // an unmapped parent is no parent
        return 'ok';
      }
    }
  }

  // ---------------------------------------------------------------- relative pointers

  #relativePointerRequest(): Outcome | null {
    const r = this.rng;
    const m = this.relativePointerManager;
    const rp = this.#live(this.relativePointers);
    if (!rp || (m && !m.destroyed && r.chance(0.6))) {
      if (!m || m.destroyed) return null;
      if (this.#managerGoes(m)) return 'ok';
      const p = this.#live(this.pointers);
      if (!p || this.#count(this.relativePointers) >= MAX_LIVE / 2) return null;
      const proxy = this.req(m.proxy, 'get_relative_pointer', null, p.proxy)!;
      proxy.on('relative_motion', () => {});
      this.relativePointers.push({ proxy, version: m.version, destroyed: false });
      return 'ok';
    }
    return this.#destroyLive(this.relativePointers);
  }

  // ---------------------------------------------------------------- pointer constraints

  #constraintRequest(): Outcome | null {
    const r = this.rng;
    const m = this.constraintsManager;
    const c = this.#live(this.constraints);
    if (!c || (m && !m.destroyed && r.chance(0.5))) {
      if (!m || m.destroyed) return null;
      if (this.#managerGoes(m)) return 'ok';
      const p = this.#live(this.pointers);
      // Mostly a surface without a constraint; now and then one with (already_constrained).
      const s = this.#liveSurface((x) => r.chance(0.1) || !this.#constrained(x));
      if (!p || !s) return null;
      const lock = r.chance(0.5);
      const region = r.chance(0.4) ? this.#live(this.regions) : null;
      const lifetime = r.chance(0.5) ? LIFETIME.oneshot : LIFETIME.persistent;
      const proxy = this.req(m.proxy, lock ? 'lock_pointer' : 'confine_pointer', null, s.proxy, p.proxy, region?.proxy ?? null, lifetime)!;
      if (lock) proxy.on('locked', () => {}).on('unlocked', () => {});
      else proxy.on('confined', () => {}).on('unconfined', () => {});
      if (this.#constrained(s)) return this.expect(spec(zwp_pointer_constraints_v1, 'already_constrained', 'a second constraint of a surface'));
      if (this.#count(this.constraints) >= MAX_POINTER_CONSTRAINTS) return this.expect(displayError('no_memory', 'too many pointer constraints'));
      this.constraints.push({ proxy, version: m.version, destroyed: false, surface: s, lock });
      return 'ok';
    }
    switch (r.below(4)) {
      case 0: {
        const region = r.chance(0.7) ? this.#live(this.regions) : null;
        this.req(c.proxy, 'set_region', region?.proxy ?? null);
        return 'ok';
      }
      case 1: {
        const lock = c.lock ? c : this.#live(this.constraints, (x) => x.lock);
        if (!lock) return null;
        this.req(lock.proxy, 'set_cursor_position_hint', r.int(-20, 300), r.int(-20, 300));
        return 'ok';
      }
      default:
        return this.#destroyLive(this.constraints);
    }
  }

  // ---------------------------------------------------------------- fractional scale

  #fractionalScaleRequest(): Outcome | null {
    const r = this.rng;
    const m = this.fractionalManager;
    const f = this.#live(this.fractionalScales);
    if (!f || (m && !m.destroyed && r.chance(0.6))) {
      if (!m || m.destroyed) return null;
      if (this.#managerGoes(m)) return 'ok';
      // Mostly a surface without one; now and then one with (fractional_scale_exists).
      const s = this.#liveSurface((x) => r.chance(0.1) || !this.#hasFractionalScale(x));
      if (!s) return null;
      const proxy = this.req(m.proxy, 'get_fractional_scale', null, s.proxy)!;
      proxy.on('preferred_scale', () => {});
      if (this.#hasFractionalScale(s)) return this.expect(spec(wp_fractional_scale_manager_v1, 'fractional_scale_exists', 'a second fractional scale of a surface'));
      if (this.#count(this.fractionalScales) >= MAX_FRACTIONAL_SCALES) return this.expect(displayError('no_memory', 'too many fractional scale objects'));
      this.fractionalScales.push({ proxy, version: m.version, destroyed: false, surface: s });
      return 'ok';
    }
    return this.#destroyLive(this.fractionalScales);
  }

  /** `s` has a wp_fractional_scale_v1: one not destroyed, made for it. */
  #hasFractionalScale(s: SurfaceModel): boolean {
    return this.fractionalScales.some((f) => !f.destroyed && f.surface === s);
  }

  /** `s` has a constraint: one not destroyed, made for it. */
  #constrained(s: SurfaceModel): boolean {
    return this.constraints.some((c) => !c.destroyed && c.surface === s);
  }

  // ---------------------------------------------------------------- seat

  #seatRequest(): Outcome | null {
    const r = this.rng;
    const k = r.below(8);
    if (k === 0) {
      this.#bindSeat();
      return 'ok';
    }
    const seat = this.#liveSeat();
    if (!seat) return null;
    if (k === 1) {
      if (this.#count(this.pointers) >= 8) return null;
      this.#getPointer(seat);
      return 'ok';
    }
    if (k === 2) {
      if (this.#count(this.keyboards) >= 8) return null;
      this.#getKeyboard(seat);
      return 'ok';
    }
    if (k === 3) {
      if (this.#count(this.touches) >= 4) return null;
      const t = this.req(seat.proxy, 'get_touch', null)!;
      this.touches.push({ proxy: t, version: seat.version, destroyed: false });
      return 'ok';
    }
    if (k === 4) {
      // release a device (v3+)
      const list = r.pick([this.pointers, this.keyboards, this.touches]);
      const d = this.#live(list, (x) => x.version >= 3);
      if (!d) return null;
      this.req(d.proxy, 'release');
      d.destroyed = true;
      return 'ok';
    }
    if (k === 5 && seat.version >= 5 && r.chance(0.2)) {
      this.req(seat.proxy, 'release');
      seat.destroyed = true;
      return 'ok';
    }
    return null;
  }

  #getPointer(seat: SimpleObject): void {
    const p = this.req(seat.proxy, 'get_pointer', null)!;
    p.on('enter', (serial) => this.#inputSerial(serial))
      .on('leave', (serial) => this.#inputSerial(serial))
      .on('button', (serial, _time, _button, state) => {
        this.#inputSerial(serial);
        this.#pressSerial = asNumber(state) === 1 ? asNumber(serial) : null;
      });
    for (const e of ['motion', 'axis', 'frame', 'axis_source', 'axis_stop', 'axis_discrete']) p.on(e, () => {});
    this.pointers.push({ proxy: p, version: seat.version, destroyed: false });
  }

  #getKeyboard(seat: SimpleObject): void {
    const kb = this.req(seat.proxy, 'get_keyboard', null)!;
    kb.on('keymap', (format, fd, size) => this.#keymap(asNumber(format), asNumber(fd), asNumber(size)))
      .on('enter', (serial) => this.#inputSerial(serial))
      .on('leave', (serial) => this.#inputSerial(serial))
      .on('key', (serial) => this.#inputSerial(serial))
      .on('modifiers', (serial) => this.#inputSerial(serial))
      .on('repeat_info', () => {});
    this.keyboards.push({ proxy: kb, version: seat.version, destroyed: false });
  }

  #keymap(format: number, fd: number, size: number): void {
    try {
      if (this.shared.keymap === null && format === 1 && size > 0 && size < 1 << 22) {
        const buf = Buffer.alloc(size);
        readSync(fd, buf, 0, size, 0);
        this.shared.keymap = buf;
      }
    } finally {
      closeQuietly(fd);
    }
  }

  #setCursor(): Outcome | null {
    const p = this.#live(this.pointers);
    if (!p) return null;
    const r = this.rng;
    const s = r.chance(0.8) ? this.#liveSurface((x) => x.canTakeRole('wl_pointer-cursor') || x.cursor) : null;
    this.req(p.proxy, 'set_cursor', this.#serial(), s?.proxy ?? null, r.int(-20, 40), r.int(-20, 40));
    if (s) {
      s.roleName = 'wl_pointer-cursor';
      s.cursor = true;
    }
    return 'ok';
  }

  #virtualKeyboard(): Outcome | null {
    const m = this.vkManager;
    const seat = this.#liveSeat();
    const r = this.rng;
    const vk = this.#live(this.virtualKeyboards);
    if (!vk || (r.chance(0.2) && m && seat && this.#count(this.virtualKeyboards) < 4)) {
      if (!m || !seat) return null;
      const proxy = this.req(m.proxy, 'create_virtual_keyboard', seat.proxy, null)!;
      this.virtualKeyboards.push({ proxy, keymap: false, destroyed: false });
      return 'ok';
    }
    const k = r.below(6);
    if (k === 0 || !vk.keymap) {
      const km = this.shared.keymap;
      if (!km) return null;
      const fd = memfdWith(km);
      try {
        this.req(vk.proxy, 'keymap', 1, fd, km.length);
      } finally {
        closeQuietly(fd);
      }
      vk.keymap = true;
      return 'ok';
    }
    if (k <= 3) {
      const n = r.int(1, 6);
      const maxKey = this.#avoids('vk-keycode-overflow') ? 0x7ffffff7 : 0xffffffff;
      for (let i = 0; i < n; i++) this.req(vk.proxy, 'key', r.u32(), r.chance(0.9) ? r.int(1, 120) : Math.min(maxKey, r.uint32()), r.chance(0.5) ? 1 : r.pick([0, 0, 2, 77]));
      return 'ok';
    }
    if (k === 4) {
      this.req(vk.proxy, 'modifiers', r.int(0, 255), r.int(0, 3), r.int(0, 3), r.int(0, 3));
      return 'ok';
    }
    this.req(vk.proxy, 'destroy');
    vk.destroyed = true;
    return 'ok';
  }

  #virtualPointer(): Outcome | null {
    const m = this.vpManager;
    const r = this.rng;
    const vp = this.#live(this.virtualPointers);
    if (!vp || (r.chance(0.15) && m && !m.destroyed && this.#count(this.virtualPointers) < 4)) {
      if (!m || m.destroyed) return null;
      if (r.chance(0.1)) {
        this.req(m.proxy, 'destroy');
        m.destroyed = true;
        return 'ok';
      }
      const seat = r.chance(0.8) ? this.#liveSeat() : null;
      const proxy =
        m.version >= 2 && r.chance(0.4)
          ? this.req(m.proxy, 'create_virtual_pointer_with_output', seat?.proxy ?? null, r.chance(0.7) ? (this.#liveOutput()?.proxy ?? null) : null, null)!
          : this.req(m.proxy, 'create_virtual_pointer', seat?.proxy ?? null, null)!;
      this.virtualPointers.push({ proxy, version: m.version, destroyed: false });
      return 'ok';
    }
    const t = r.u32();
    switch (r.below(9)) {
      case 0:
        this.req(vp.proxy, 'motion', t, this.#fixed(-300, 300), this.#fixed(-300, 300));
        break;
      case 1: {
        const xe = r.chance(0.9) ? r.int(1, 4000) : r.pick([0, 1, 0xffffffff]);
        const ye = r.chance(0.9) ? r.int(1, 4000) : r.pick([0, 1, 0xffffffff]);
        this.req(vp.proxy, 'motion_absolute', t, r.int(0, xe), r.int(0, ye), xe, ye);
        break;
      }
      case 2:
        this.req(vp.proxy, 'button', t, r.pick([0x110, 0x111, 0x112, r.uint32()]), r.chance(0.5) ? 1 : 0);
        break;
      case 3:
        this.req(vp.proxy, 'axis', t, r.int(0, 1), this.#fixed(-100, 100));
        break;
      case 4:
        this.req(vp.proxy, 'frame');
        break;
      case 5:
        this.req(vp.proxy, 'axis_source', r.int(0, 3));
        break;
      case 6:
        this.req(vp.proxy, 'axis_stop', t, r.int(0, 1));
        break;
      case 7:
        this.req(vp.proxy, 'axis_discrete', t, r.int(0, 1), this.#fixed(-100, 100), r.int(-5, 5));
        break;
      default:
        this.req(vp.proxy, 'destroy');
        vp.destroyed = true;
    }
    return 'ok';
  }

  // ---------------------------------------------------------------- selections

  #newSource(protocol: SourceModel['protocol'], manager: Proxy): SourceModel {
    const name = protocol === 'data-device' ? 'create_data_source' : protocol === 'primary' ? 'create_source' : 'create_data_source';
    const proxy = this.req(manager, name, null)!;
    const src: SourceModel = { proxy, protocol, mimes: new Set(), actionsSet: false, dragUsed: false, used: false, destroyed: false };
    proxy.on('send', (_mime, fd) => answerSend(asNumber(fd), `${this.label}:${String(_mime)}`)).on('cancelled', () => {});
    if (protocol === 'data-device') proxy.on('target', () => {}).on('dnd_drop_performed', () => {}).on('dnd_finished', () => {}).on('action', () => {});
    const n = this.rng.int(0, 3);
    for (let i = 0; i < n; i++) this.#offerMime(src);
    this.sources.push(src);
    return src;
  }

  #offerMime(src: SourceModel): void {
    const mime = this.rng.string(120);
    this.req(src.proxy, 'offer', mime);
    src.mimes.add(mime);
  }

  #newDevice(protocol: DeviceModel['protocol'], manager: Proxy, seat: Proxy): DeviceModel {
    const name = protocol === 'primary' ? 'get_device' : 'get_data_device';
    const proxy = this.req(manager, name, null, seat)!;
    const dev: DeviceModel = { proxy, protocol, destroyed: false };
    proxy.on('data_offer', (o) => {
      const op = asProxy(o);
      if (!op) return;
      const offer: OfferModel = { proxy: op, protocol, use: 'unknown', mimes: [], dropped: false, action: 0, destroyed: false };
      op.on('offer', (m) => offer.mimes.push(String(m)));
      if (protocol === 'data-device') op.on('source_actions', () => {}).on('action', (a) => (offer.action = asNumber(a)));
      this.offers.push(offer);
    });
    const byProxy = (o: EventArg): OfferModel | null => {
      const op = asProxy(o);
      return op ? (this.offers.find((x) => x.proxy === op) ?? null) : null;
    };
    proxy.on('selection', (o) => {
      const offer = byProxy(o);
      if (offer) offer.use = 'selection';
    });
    if (isDataControl(protocol)) {
      proxy.on('primary_selection', (o) => {
        const offer = byProxy(o);
        if (offer) offer.use = 'selection';
      }).on('finished', () => {});
    }
    if (protocol === 'data-device') {
      proxy
        .on('enter', (_serial, _surface, _x, _y, o) => {
          const offer = byProxy(o);
          if (offer) offer.use = 'drag';
          this.#dragOffer = offer;
        })
        .on('leave', () => (this.#dragOffer = null))
        .on('motion', () => {})
        .on('drop', () => {
          if (this.#dragOffer) this.#dragOffer.dropped = true;
        });
    }
    this.devices.push(dev);
    return dev;
  }

  #dataDevice(): Outcome | null {
    const m = this.dataDeviceManager;
    if (!m) return null;
    const r = this.rng;
    const k = r.below(6);
    if (k === 0) {
      if (this.#count(this.sources) >= MAX_LIVE) return null;
      this.#newSource('data-device', m.proxy);
      return 'ok';
    }
    if (k === 1) {
      const seat = this.#liveSeat();
      if (!seat || this.#count(this.devices) >= 16) return null;
      this.#newDevice('data-device', m.proxy, seat.proxy);
      return 'ok';
    }
    if (k === 2) {
      const src = this.#live(this.sources, (s) => s.protocol === 'data-device' && !s.dragUsed);
      if (!src) return null;
      if (src.mimes.size >= MIME_LIMIT) return null;
      if (r.chance(0.5) && src.proxy.version >= 3 && !src.actionsSet) {
        this.req(src.proxy, 'set_actions', r.int(0, 7));
        src.actionsSet = true;
      } else if (r.chance(0.2)) {
        this.req(src.proxy, 'destroy');
        src.destroyed = true;
      } else this.#offerMime(src);
      return 'ok';
    }
    const dev = this.#live(this.devices, (d) => d.protocol === 'data-device');
    if (!dev) return null;
    if (k === 5 && dev.proxy.version >= 2 && r.chance(0.3)) {
      if (!this.#deviceMayGo()) return null;
      this.req(dev.proxy, 'release');
      dev.destroyed = true;
      return 'ok';
    }
    // set_selection with a source that is no drag source (an action set makes it one: invalid_source)
    const src = r.chance(0.85) ? this.#live(this.sources, (s) => s.protocol === 'data-device' && !s.dragUsed && !s.actionsSet) : null;
    this.req(dev.proxy, 'set_selection', src?.proxy ?? null, this.#serial());
    return 'ok';
  }

  /** A press on our surface: a device and a source if we have none, then start_drag with its serial. */
  #dragFromPress(serial: number): Outcome | null {
    const m = this.dataDeviceManager;
    const seat = this.#liveSeat();
    if (!m || !seat) return null;
    if (!this.#live(this.devices, (d) => d.protocol === 'data-device')) this.#newDevice('data-device', m.proxy, seat.proxy);
    // Mostly a fresh source offering text, copy or move (what a file manager drags); else whatever there is.
    if (this.rng.chance(0.85)) {
      const src = this.#newSource('data-device', m.proxy);
      this.req(src.proxy, 'offer', 'text/plain');
      src.mimes.add('text/plain');
      if (src.proxy.version >= 3 && this.rng.chance(0.9)) {
        this.req(src.proxy, 'set_actions', this.rng.chance(0.7) ? 3 : this.rng.int(1, 7));
        src.actionsSet = true;
      }
      return this.#startDrag(serial, src);
    }
    return this.#startDrag(serial);
  }

  #startDrag(serial: number = this.#serial(), source: SourceModel | null = null): Outcome | null {
    const dev = this.#live(this.devices, (d) => d.protocol === 'data-device');
    const origin = this.#liveSurface();
    if (!dev || !origin) return null;
    const r = this.rng;
    const src = source ?? (r.chance(0.8) ? this.#live(this.sources, (s) => s.protocol === 'data-device' && !s.dragUsed) : null);
    const icon = r.chance(0.5) ? this.#liveSurface((s) => s.roleName === null && !s.hasActiveRole && s !== origin) : null;
    this.req(dev.proxy, 'start_drag', src?.proxy ?? null, origin.proxy, icon?.proxy ?? null, serial);
    this.#pressSerial = null;
    if (src) src.dragUsed = true;
    if (icon) {
      icon.roleName = 'wl_data_device icon';
      icon.iconUsed = true;
    }
    this.note('# start_drag: started or refused, we cannot tell: batch ends');
    return 'end';
  }

  #offerRequest(): Outcome | null {
    const r = this.rng;
    // Primary offers are rare (a primary selection set while we have keyboard focus): they go first half the time.
    const offer = (r.chance(0.5) ? this.#live(this.offers, (o) => o.protocol === 'primary') : null) ?? this.#live(this.offers);
    if (!offer) return null;
    const k = r.below(6);
    if (k <= 1) {
      // receive into a pipe we drain later
      const mime = offer.mimes.length && r.chance(0.8) ? r.pick(offer.mimes) : r.string(40);
      const pipe = makePipe(r.chance(0.05));
      try {
        this.req(offer.proxy, 'receive', mime, pipe.write);
      } finally {
        closeQuietly(pipe.write);
      }
      this.#readEnds.push({ fd: pipe.read, turnsLeft: 4 });
      return 'ok';
    }
    if (k === 2) {
      this.req(offer.proxy, 'destroy');
      offer.destroyed = true;
      return 'ok';
    }
    if (offer.protocol !== 'data-device') return null;
    if (k === 3) {
      this.req(offer.proxy, 'accept', r.u32(), offer.mimes.length && r.chance(0.7) ? r.pick(offer.mimes) : null);
      return 'ok';
    }
    if (offer.proxy.version < 3 || offer.use !== 'drag') return null;
    if (k === 4) {
      const actions = r.int(0, 7);
      const bits = [1, 2, 4].filter((b) => actions & b);
      const preferred = bits.length && r.chance(0.8) ? r.pick(bits) : 0;
      this.req(offer.proxy, 'set_actions', actions, preferred);
      return 'ok';
    }
    // finish: valid only after a drop with copy or move; the offer may be inactive (ignored): the answer is not certain
    const valid = offer.dropped && (offer.action === 1 || offer.action === 2);
    this.req(offer.proxy, 'finish');
    if (!valid) {
      this.allowed.push(spec(wl_data_offer, 'invalid_finish', 'finish on a drag offer before the drop'), spec(wl_data_offer, 'invalid_offer', 'finish with action none or ask'));
    }
    return 'end';
  }

  /** A drag offer we were given: accept a mime type, say which actions we take, and after the drop, receive and finish. */
  #answerDrag(offer: OfferModel): void {
    const r = this.rng;
    const v3 = offer.proxy.version >= 3;
    if (!offer.dropped) {
      this.req(offer.proxy, 'accept', r.u32(), offer.mimes.length ? r.pick(offer.mimes) : null);
      if (v3 && r.chance(0.8)) {
        // copy or move, copy preferred, mostly (what file managers do); anything legal now and then
        const actions = r.chance(0.7) ? 3 : r.int(1, 7);
        const bits = [1, 2, 4].filter((b) => actions & b);
        this.req(offer.proxy, 'set_actions', actions, actions === 3 ? 1 : r.chance(0.8) ? r.pick(bits) : 0);
      }
      return;
    }
    if (offer.mimes.length) {
      const pipe = makePipe(false);
      try {
        this.req(offer.proxy, 'receive', r.pick(offer.mimes), pipe.write);
      } finally {
        closeQuietly(pipe.write);
      }
      this.#readEnds.push({ fd: pipe.read, turnsLeft: 4 });
    }
    if (v3 && (offer.action === 1 || offer.action === 2)) this.req(offer.proxy, 'finish');
    else {
      this.req(offer.proxy, 'destroy');
      offer.destroyed = true;
    }
    this.#dragOffer = null;
  }

  #primarySelection(): Outcome | null {
    const m = this.primaryManager;
    if (!m || m.destroyed) return null;
    const r = this.rng;
    const k = r.below(7);
    if (k === 0) {
      if (this.#count(this.sources) >= MAX_LIVE) return null;
      this.#newSource('primary', m.proxy);
      return 'ok';
    }
    if (k === 1) {
      const seat = this.#liveSeat();
      if (!seat || this.#count(this.devices) >= 16) return null;
      this.#newDevice('primary', m.proxy, seat.proxy);
      return 'ok';
    }
    if (k === 2) {
      const src = this.#live(this.sources, (s) => s.protocol === 'primary');
      if (!src || src.mimes.size >= MIME_LIMIT) return null;
      if (r.chance(0.3)) {
        this.req(src.proxy, 'destroy');
        src.destroyed = true;
      } else this.#offerMime(src);
      return 'ok';
    }
    if (k === 3 && r.chance(0.15)) {
      this.req(m.proxy, 'destroy');
      m.destroyed = true;
      return 'ok';
    }
    const dev = this.#live(this.devices, (d) => d.protocol === 'primary');
    if (!dev) return null;
    if (k === 4 && r.chance(0.2) && this.#deviceMayGo()) {
      this.req(dev.proxy, 'destroy');
      dev.destroyed = true;
      return 'ok';
    }
    const src = r.chance(0.85) ? this.#live(this.sources, (s) => s.protocol === 'primary') : null;
    this.req(dev.proxy, 'set_selection', src?.proxy ?? null, this.#serial());
    return 'ok';
  }

  /** zwlr_data_control (v2: primary since 2) or ext_data_control (v1: primary since 1): the same requests. */
  #dataControl(protocol: 'data-control' | 'ext-data-control'): Outcome | null {
    const m = protocol === 'data-control' ? this.dataControlManager : this.extDataControlManager;
    if (!m || m.destroyed) return null;
    const r = this.rng;
    const k = r.below(7);
    if (k === 0) {
      if (this.#count(this.sources) >= MAX_LIVE) return null;
      this.#newSource(protocol, m.proxy);
      return 'ok';
    }
    if (k === 1) {
      const seat = this.#liveSeat();
      if (!seat || this.#count(this.devices) >= 16) return null;
      this.#newDevice(protocol, m.proxy, seat.proxy);
      return 'ok';
    }
    if (k === 2) {
      const src = this.#live(this.sources, (s) => s.protocol === protocol && !s.used);
      if (!src || src.mimes.size >= MIME_LIMIT) return null;
      if (r.chance(0.3)) {
        this.req(src.proxy, 'destroy');
        src.destroyed = true;
      } else this.#offerMime(src);
      return 'ok';
    }
    if (k === 3 && r.chance(0.15)) {
      this.req(m.proxy, 'destroy');
      m.destroyed = true;
      return 'ok';
    }
    const dev = this.#live(this.devices, (d) => d.protocol === protocol);
    if (!dev) return null;
    if (k === 4 && r.chance(0.2) && this.#deviceMayGo()) {
      this.req(dev.proxy, 'destroy');
      dev.destroyed = true;
      return 'ok';
    }
    const src = r.chance(0.85) ? this.#live(this.sources, (s) => s.protocol === protocol && !s.used) : null;
    const primary = (protocol === 'ext-data-control' || dev.proxy.version >= 2) && r.chance(0.4);
    this.req(dev.proxy, primary ? 'set_primary_selection' : 'set_selection', src?.proxy ?? null);
    if (src) src.used = true;
    return 'ok';
  }

  // ---------------------------------------------------------------- idle inhibitors, cursor shapes

  #idleInhibitRequest(): Outcome | null {
    const m = this.idleInhibitManager;
    if (!m || m.destroyed) return null;
    const live = this.#live(this.idleInhibitors);
    if (!live || (this.rng.chance(0.6) && this.#count(this.idleInhibitors) < MAX_LIVE / 2)) {
      const s = this.#liveSurface();
      if (!s) return null;
      this.idleInhibitors.push({ proxy: this.req(m.proxy, 'create_inhibitor', null, s.proxy)!, version: m.version, destroyed: false });
      return 'ok';
    }
    this.req(live.proxy, 'destroy');
    live.destroyed = true;
    return 'ok';
  }

  #cursorShapeRequest(): Outcome | null {
    const m = this.cursorShapeManager;
    if (!m || m.destroyed) return null;
    const r = this.rng;
    const dev = this.#live(this.cursorShapeDevices);
    const k = r.below(6);
    if (!dev || k === 0) {
      const p = this.#live(this.pointers);
      if (!p || this.#count(this.cursorShapeDevices) >= MAX_LIVE / 2) return null;
      this.cursorShapeDevices.push({ proxy: this.req(m.proxy, 'get_pointer', null, p.proxy)!, version: m.version, destroyed: false });
      return 'ok';
    }
    if (k === 1) {
      this.req(dev.proxy, 'destroy');
      dev.destroyed = true;
      return 'ok';
    }
    this.req(dev.proxy, 'set_shape', this.#serial(), r.int(1, 34));
    return 'ok';
  }

  // ---------------------------------------------------------------- ext image capture

  /** Sessions and cursor sessions count together against MAX_CAPTURE_SESSIONS. */
  #captureSessionCount(): number {
    return this.#count(this.captureSessions) + this.#count(this.cursorSessions);
  }

  #newCaptureSession(proxy: Proxy): CaptureSessionModel {
    const session: CaptureSessionModel = { proxy, size: null, frame: null, destroyed: false };
    proxy
      .on('buffer_size', (w, h) => (session.size = { width: asNumber(w), height: asNumber(h) }))
      .on('stopped', () => (session.size = null));
    for (const e of ['shm_format', 'dmabuf_device', 'dmabuf_format', 'done']) proxy.on(e, () => {});
    this.captureSessions.push(session);
    return session;
  }

  #imageCaptureRequest(): Outcome | null {
    const r = this.rng;
    // The managers (again, once destroyed) and an output, as a capture tool binds them.
    if (!this.captureSourceManager?.proxy || (this.captureSourceManager.destroyed && r.chance(0.3))) {
      this.captureSourceManager = this.#simple(ext_output_image_capture_source_manager_v1);
      return this.captureSourceManager ? 'ok' : null;
    }
    if (!this.imageCaptureManager?.proxy || (this.imageCaptureManager.destroyed && r.chance(0.3))) {
      this.imageCaptureManager = this.#simple(ext_image_copy_capture_manager_v1);
      return this.imageCaptureManager ? 'ok' : null;
    }
    if (!this.#liveOutput()) {
      this.#bindOutput();
      return 'ok';
    }
    const sm = this.captureSourceManager;
    const cm = this.imageCaptureManager;
    const source = this.#live(this.captureSources);
    // What is missing first (a source, a session, a frame), then anything.
    const missing = !source ? 0 : !this.#live(this.captureSessions) ? 2 : !this.#live(this.captureFrames) ? 5 : null;
    switch (missing !== null && r.chance(0.7) ? missing : r.below(12)) {
      case 0: {
        const o = this.#liveOutput();
        if (!sm || sm.destroyed || !o || this.#count(this.captureSources) >= 8) return null;
        this.captureSources.push({ proxy: this.req(sm.proxy, 'create_source', null, o.proxy)!, version: sm.version, destroyed: false });
        return 'ok';
      }
      case 1: {
        if (!source || !r.chance(0.3)) return null;
        this.req(source.proxy, 'destroy'); // its sessions go on
        source.destroyed = true;
        return 'ok';
      }
      case 2: {
        if (!cm || cm.destroyed || !source || this.#captureSessionCount() >= MAX_CAPTURE_SESSIONS / 2) return null;
        this.#newCaptureSession(this.req(cm.proxy, 'create_session', null, source.proxy, r.int(0, 1))!);
        return 'ok';
      }
      case 3: {
        const c = this.#live(this.cursorSessions, (x) => !x.gotSession);
        if (c && r.chance(0.8)) {
          c.gotSession = true;
          this.#newCaptureSession(this.req(c.proxy, 'get_capture_session', null)!);
          return 'ok';
        }
        const p = this.#live(this.pointers);
        if (!cm || cm.destroyed || !source || !p || this.#captureSessionCount() >= MAX_CAPTURE_SESSIONS / 2) return null;
        const proxy = this.req(cm.proxy, 'create_pointer_cursor_session', null, source.proxy, p.proxy)!;
        for (const e of ['enter', 'leave', 'position', 'hotspot']) proxy.on(e, () => {});
        const cursorSession: CursorSessionModel = { proxy, gotSession: false, destroyed: false };
        this.cursorSessions.push(cursorSession);
        if (r.chance(0.5) && this.#captureSessionCount() < MAX_CAPTURE_SESSIONS / 2) {
          // Its capture session at once, as a capture tool asks for it.
          cursorSession.gotSession = true;
          this.#newCaptureSession(this.req(proxy, 'get_capture_session', null)!);
        }
        return 'ok';
      }
      case 4: {
        const s = r.chance(0.7) ? this.#live(this.captureSessions) : this.#live(this.cursorSessions);
        if (!s || !r.chance(0.4)) return null;
        this.req(s.proxy, 'destroy');
        s.destroyed = true;
        return 'ok';
      }
      case 5: {
        const s = this.#live(this.captureSessions, (x) => !x.frame || x.frame.destroyed);
        if (!s) return null;
        const proxy = this.req(s.proxy, 'create_frame', null)!;
        for (const e of ['transform', 'damage', 'presentation_time', 'ready', 'failed']) proxy.on(e, () => {});
        const f: CaptureFrameModel = { proxy, session: s, attached: false, captured: false, destroyed: false };
        s.frame = f;
        this.captureFrames.push(f);
        return 'ok';
      }
      default: {
        const f = this.#live(this.captureFrames);
        if (!f) return null;
        const k = r.below(5);
        if (f.captured || k === 0) {
          if (!f.captured && !r.chance(0.3)) return null;
          this.req(f.proxy, 'destroy');
          f.destroyed = true;
          return 'ok';
        }
        if (k === 1 || !f.attached) {
          const size = f.session.size;
          let b: BufferModel | null = null;
          if (size && r.chance(0.85)) {
            const pool = this.#createPool(true, size.width * size.height * 4);
            if (pool) b = this.#sendCreateBuffer(pool, 0, size.width, size.height, size.width * 4, r.pick(SESSION_FORMATS));
          }
          b ??= this.#live(this.buffers); // another size or format: buffer_constraints, no error
          if (!b) return null;
          this.req(f.proxy, 'attach_buffer', b.proxy);
          f.attached = true;
          return 'ok';
        }
        if (k === 2) {
          const [x, y, w, h] = this.#rect();
          this.req(f.proxy, 'damage_buffer', Math.max(0, x), Math.max(0, y), Math.max(1, w), Math.max(1, h));
          return 'ok';
        }
        this.req(f.proxy, 'capture');
        f.captured = true;
        return 'ok';
      }
    }
  }

  // ---------------------------------------------------------------- outputs, capture

  #outputRequest(): Outcome | null {
    const r = this.rng;
    const k = r.below(5);
    if (k === 0) {
      if (this.outputs.length > 8) return null;
      this.#bindOutput();
      return 'ok';
    }
    if (k === 1) {
      const o = this.#liveOutput();
      if (!o || o.version < 3) return null;
      this.req(o.proxy, 'release');
      o.released = true;
      for (const l of this.layers) if (l.output === o && !l.destroyed && l.active) {
        unmapLayerForClose(l, this.wms);
      }
      return 'ok';
    }
    const m = this.xdgOutputManager;
    if (!m || m.destroyed) return null;
    if (k === 2) {
      const o = this.#liveOutput();
      if (!o) return null;
      const x = this.req(m.proxy, 'get_xdg_output', null, o.proxy)!;
      for (const e of ['logical_position', 'logical_size', 'done', 'name', 'description']) x.on(e, () => {});
      this.xdgOutputs.push({ proxy: x, version: m.version, destroyed: false });
      return 'ok';
    }
    if (k === 3) {
      const x = this.#live(this.xdgOutputs);
      if (!x) return null;
      this.req(x.proxy, 'destroy');
      x.destroyed = true;
      return 'ok';
    }
    if (r.chance(0.1)) {
      this.req(m.proxy, 'destroy');
      m.destroyed = true;
      return 'ok';
    }
    return null;
  }

  #screencopyRequest(): Outcome | null {
    const m = this.screencopy;
    if (!m || m.destroyed) return null;
    const r = this.rng;
    const f = this.#live(this.frames, (x) => !x.copied && x.box !== null);
    const k = r.below(5);
    if (!f || k === 0) {
      if (r.chance(0.03)) {
        this.req(m.proxy, 'destroy');
        m.destroyed = true;
        return 'ok';
      }
      const o = this.#liveOutput();
      if (!o || this.#count(this.frames) >= 16) return null;
      const proxy = r.chance(0.5)
        ? this.req(m.proxy, 'capture_output', null, r.int(0, 1), o.proxy)!
        : this.req(m.proxy, 'capture_output_region', null, r.int(0, 1), o.proxy, r.int(-100, 700), r.int(-100, 500), r.chance(0.9) ? r.int(-10, 400) : r.int32(), r.chance(0.9) ? r.int(-10, 300) : r.int32())!;
      const frame: FrameModel = { proxy, box: null, copied: false, destroyed: false };
      proxy
        .on('buffer', (_format, w, h, stride) => {
          if (frame.box === null) frame.box = { width: asNumber(w), height: asNumber(h), stride: asNumber(stride) };
        })
        .on('failed', () => {
          if (frame.box === null) frame.box = 'failed';
        });
      for (const e of ['flags', 'ready', 'damage', 'linux_dmabuf', 'buffer_done']) proxy.on(e, () => {});
      this.frames.push(frame);
      return 'ok';
    }
    if (k === 1) {
      this.req(f.proxy, 'destroy');
      f.destroyed = true;
      return 'ok';
    }
    // copy into a buffer made for it
    if (f.box === 'failed' || f.box === null) return null;
    const { width, height, stride } = f.box;
    const extra = r.chance(0.3) ? r.int(1, 4) * 4096 : 0;
    const pool = this.#createPool(true, stride * height + extra);
    if (!pool) return null;
    const offset = extra && r.chance(0.5) ? r.int(0, extra / 4) * 4 : 0;
    const buffer = this.#sendCreateBuffer(pool, offset, width, height, stride, FORMAT.xrgb8888);
    const damage = m.version >= 2 && r.chance(0.4);
    this.req(f.proxy, damage ? 'copy_with_damage' : 'copy', buffer.proxy);
    f.copied = true;
    return 'ok';
  }

  #outputManagement(): Outcome | null {
    const r = this.rng;
    const m = this.outputManagers.find((x) => !x.dead && x.heads.length > 0 && x.serial !== null) ?? null;
    const k = r.below(8);
    if (k === 0 || !m) {
      if (this.outputManagers.length >= 4) return null;
      this.#bindOutputManager();
      return 'ok';
    }
    const config = this.#live(this.configs);
    if (k === 1 || !config) {
      if (r.chance(0.05)) {
        this.req(m.proxy, 'stop');
        m.dead = true;
        return 'ok';
      }
      const serial = r.chance(0.85) ? m.serial! : r.u32();
      const proxy = this.req(m.proxy, 'create_configuration', null, serial)!;
      proxy.on('succeeded', () => {}).on('failed', () => {}).on('cancelled', () => {});
      const c: ConfigModel = { proxy, used: false, heads: new Set(), destroyed: false };
      this.configs.push(c);
      // enable our head with a mode, mostly; disable it now and then (a configuration that fails)
      const head = m.heads[0]!;
      const k2 = r.float();
      if (k2 < 0.75) this.#enableHead(c, head);
      else if (k2 < 0.85) {
        this.req(c.proxy, 'disable_head', head.proxy);
        c.heads.add(head);
      }
      return 'ok';
    }
    if (config.used) {
      this.req(config.proxy, 'destroy');
      config.destroyed = true;
      return 'ok';
    }
    if (k === 2) {
      const heads = this.outputManagers.filter((x) => !x.dead).flatMap((x) => x.heads).filter((h) => !config.heads.has(h));
      if (!heads.length) return null;
      const head = r.pick(heads);
      if (r.chance(config.heads.size === 0 ? 0.5 : 0.8)) this.#enableHead(config, head);
      else {
        this.req(config.proxy, 'disable_head', head.proxy);
        config.heads.add(head);
      }
      return 'ok';
    }
    if (k === 3) {
      const ch = this.configHeads.length ? r.pick(this.configHeads) : null;
      if (!ch) return null;
      return this.#setHeadProperty(ch);
    }
    if (k === 4) {
      this.req(config.proxy, 'destroy');
      config.destroyed = true;
      return 'ok';
    }
    if (config.heads.size === 0) return null;
    this.req(config.proxy, r.chance(0.5) ? 'apply' : 'test');
    config.used = true;
    return 'ok';
  }

  #enableHead(c: ConfigModel, head: HeadModel): void {
    const proxy = this.req(c.proxy, 'enable_head', null, head.proxy)!;
    c.heads.add(head);
    const ch: ConfigHeadModel = { proxy, head, mode: false, position: false, transform: false, scale: false };
    this.configHeads.push(ch);
    if (this.rng.chance(0.7)) this.#setHeadProperty(ch);
  }

  #setHeadProperty(ch: ConfigHeadModel): Outcome | null {
    const r = this.rng;
    const lim = this.shared.limits;
    switch (r.below(5)) {
      case 0:
      case 1: {
        if (ch.mode) return null;
        if (ch.head.modes.length && r.chance(0.5)) {
          const small = ch.head.modes.filter((_, i) => i === 0 || r.chance(0.3));
          this.req(ch.proxy, 'set_mode', r.pick(small.length ? small : ch.head.modes));
        } else {
          const w = r.int(64, lim.maxOutputSide);
          const h = r.int(64, lim.maxOutputSide);
          const extreme = [1, 100, 232, 999, 1_000_000_000, 1_000_000_001, INT32_MAX].filter(
            (v) => !(this.#avoids('custom-refresh-overflow') && v > 1_000_000_000) && !(this.#avoids('low-refresh-crash') && v < 1000),
          );
          const refresh = lim.extremes && r.chance(0.1) ? r.pick(extreme) : r.pick([0, 30_000, 60_000, 59_940, 144_000]);
          this.req(ch.proxy, 'set_custom_mode', w, h, refresh);
        }
        ch.mode = true;
        return 'ok';
      }
      case 2:
        if (ch.position) return null;
        this.req(ch.proxy, 'set_position', r.chance(0.8) ? 0 : r.int(-100, 100), r.chance(0.8) ? 0 : r.int(-100, 100));
        ch.position = true;
        return 'ok';
      case 3:
        if (ch.transform) return null;
        this.req(ch.proxy, 'set_transform', r.chance(0.8) ? 0 : r.int(0, 7));
        ch.transform = true;
        return 'ok';
      default:
        if (ch.scale) return null;
        // 1 mostly; fractional scales the output takes (multiples of 1/120), and wl_fixed values it may refuse.
        this.req(ch.proxy, 'set_scale', r.chance(0.6) ? 1 : r.chance(0.5) ? r.pick([1.5, 1.25, 1.75, 2, 0.5, 4 / 3]) : lim.extremes && r.chance(0.2) ? this.#fixed(1, 80) : this.#fixed(1, 2));
        ch.scale = true;
        return 'ok';
    }
  }

  #activationRequest(): Outcome | null {
    const a = this.activation;
    if (!a || a.destroyed) return null;
    const r = this.rng;
    const k = r.below(7);
    const tok = this.#live(this.tokens, (t) => !t.committed);
    if (k === 0 || !tok) {
      if (this.#count(this.tokens) >= 16) {
        const old = this.#live(this.tokens);
        if (!old) return null;
        this.req(old.proxy, 'destroy');
        old.destroyed = true;
        return 'ok';
      }
      const proxy = this.req(a.proxy, 'get_activation_token', null)!;
      proxy.on('done', (token) => {
        this.shared.tokens.push(String(token));
        if (this.shared.tokens.length > 128) this.shared.tokens.shift();
      });
      this.tokens.push({ proxy, committed: false, destroyed: false });
      return 'ok';
    }
    switch (k) {
      case 1: {
        const seat = this.#liveSeat();
        if (!seat) return null;
        this.req(tok.proxy, 'set_serial', this.#serial(), seat.proxy);
        return 'ok';
      }
      case 2:
        this.req(tok.proxy, 'set_app_id', r.string(100));
        return 'ok';
      case 3: {
        const s = this.#liveSurface();
        if (!s) return null;
        this.req(tok.proxy, 'set_surface', s.proxy);
        return 'ok';
      }
      case 4:
        this.req(tok.proxy, 'commit');
        tok.committed = true;
        return 'ok';
      case 5: {
        const s = this.#liveSurface();
        if (!s) return null;
        const token = this.shared.tokens.length && r.chance(0.8) ? r.pick(this.shared.tokens) : r.string(40);
        this.req(a.proxy, 'activate', token, s.proxy);
        return 'ok';
      }
      default:
        if (r.chance(0.2)) {
          this.req(a.proxy, 'destroy');
          a.destroyed = true;
          return 'ok';
        }
        this.req(tok.proxy, 'destroy');
        tok.destroyed = true;
        return 'ok';
    }
  }

  #globalsRequest(): Outcome | null {
    const r = this.rng;
    if (r.chance(0.25)) {
      // A manager global goes; what it made stays.
      const managers = [this.viewporter, this.presentation, this.xdgOutputManager, this.screencopy, this.vpManager, this.activation, this.decorationManager, this.primaryManager, this.dataControlManager, this.extDataControlManager, this.singlePixelManager, this.exporter, this.importer, this.relativePointerManager, this.constraintsManager, this.idleInhibitManager, this.cursorShapeManager, this.captureSourceManager, this.imageCaptureManager, this.fractionalManager];
      const m = this.#live(managers.filter((x): x is SimpleObject => x !== null));
      if (!m || !r.chance(0.4)) return null;
      this.req(m.proxy, 'destroy');
      m.destroyed = true;
      return 'ok';
    }
    if (r.chance(0.2)) {
      const wm = this.#liveWm();
      if (!wm) return null;
      this.req(wm.proxy, 'pong', this.#serial());
      return 'ok';
    }
    switch (r.below(4)) {
      case 0:
        this.#bindWm();
        return 'ok';
      case 1:
        if (this.layerShells.length > 3) return null;
        this.#bindLayerShell();
        return 'ok';
      case 2: {
        const sc = this.subcompositor;
        if (!sc || sc.destroyed || !r.chance(0.2)) return null;
        this.req(sc.proxy, 'destroy');
        sc.destroyed = true;
        return 'ok';
      }
      default:
        if (this.subcompositor && !this.subcompositor.destroyed) return null;
        this.subcompositor = this.#simple(wl_subcompositor);
        return this.subcompositor ? 'ok' : null;
    }
  }

  #displayRequest(): Outcome | null {
    if (this.rng.chance(0.5)) {
      this.req(this.wl.display, 'sync', null)!.on('done', () => {});
      return 'ok';
    }
    const reg = this.req(this.wl.display, 'get_registry', null)!;
    reg.on('global', () => {}).on('global_remove', () => {});
    return 'ok';
  }

  // ---------------------------------------------------------------- deliberate protocol errors

  /** One invalid request, and the error it must get: the batch ends there. */
  #invalidRequest(): Outcome | null {
    const r = this.rng;
    const candidates: (() => Outcome | null)[] = [
      () => {
        const shm = this.shm;
        if (!shm) return null;
        const fd = makePoolFile('memfd', 4096);
        try {
          this.req(shm.proxy, 'create_pool', null, fd.fd, r.pick([0, -1, -4096]));
        } finally {
          closeQuietly(fd.fd);
        }
        return this.expect(spec(wl_shm, 'invalid_stride', 'create_pool with size <= 0'));
      },
      () => {
        const shm = this.shm;
        if (!shm) return null;
        const pipe = makePipe(false);
        try {
          this.req(shm.proxy, 'create_pool', null, pipe.write, 4096);
        } finally {
          closeQuietly(pipe.read);
          closeQuietly(pipe.write);
        }
        return this.expect(spec(wl_shm, 'invalid_fd', 'create_pool with a socket fd'));
      },
      () => {
        const pool = this.#live(this.pools);
        if (!pool) return null;
        this.req(pool.proxy, 'create_buffer', null, 0, 1, 1, 4, r.pick(UNSUPPORTED_FORMATS));
        return this.expect(specOn(wl_shm_pool, wl_shm, 'invalid_format', 'create_buffer with an unsupported format'));
      },
      () => {
        const pool = this.#live(this.pools);
        if (!pool) return null;
        const bad = r.pick<[number, number, number, number]>([
          [-4, 1, 1, 4],
          [0, 0, 1, 4],
          [0, 1, 0, 4],
          [0, 2, 1, 4],
          [0, 1, 1, -4],
          [pool.size, 1, 1, 4],
          [0, 1, Math.floor(pool.size / 4) + 1, 4],
          [0, 0x40000000, 1, 0x7ffffffc],
          [0, 1, INT32_MAX, 4],
        ]);
        this.req(pool.proxy, 'create_buffer', null, ...bad, FORMAT.argb8888);
        return this.expect(specOn(wl_shm_pool, wl_shm, 'invalid_stride', 'create_buffer outside the pool or with a bad stride'));
      },
      () => {
        const pool = this.#live(this.pools);
        if (!pool) return null;
        this.req(pool.proxy, 'resize', r.int(Math.min(0, pool.size - 1), pool.size - 1));
        return this.expect(specOn(wl_shm_pool, wl_shm, 'invalid_fd', 'shrinking pool'));
      },
      () => {
        const s = this.#liveSurface((x) => x.version >= 5);
        if (!s) return null;
        this.req(s.proxy, 'attach', this.#live(this.buffers)?.proxy ?? null, r.int(1, 9), r.int(-9, 9));
        return this.expect(spec(wl_surface, 'invalid_offset', 'attach with an offset since version 5'));
      },
      () => {
        const s = this.#liveSurface((x) => x.version >= 2);
        if (!s) return null;
        this.req(s.proxy, 'set_buffer_transform', r.pick([-1, 8, 99, INT32_MAX]));
        return this.expect(spec(wl_surface, 'invalid_transform', 'transform outside 0..7'));
      },
      () => {
        const s = this.#liveSurface((x) => x.version >= 3);
        if (!s) return null;
        this.req(s.proxy, 'set_buffer_scale', r.pick([0, -1, -2147483648]));
        return this.expect(spec(wl_surface, 'invalid_scale', 'scale below 1'));
      },
      () => {
        const wm = this.#liveWm();
        const s = this.#liveSurface((x) => !x.canTakeRole('xdg_surface'));
        if (!wm || !s) return null;
        this.req(wm.proxy, 'get_xdg_surface', null, s.proxy);
        return this.expect(spec(xdg_wm_base, 'role', 'get_xdg_surface on a surface with another role'));
      },
      () => {
        const wm = this.#liveWm();
        const s = this.#liveSurface((x) => x.canTakeRole('xdg_surface') && x.hasBuffer);
        if (!wm || !s) return null;
        this.req(wm.proxy, 'get_xdg_surface', null, s.proxy);
        return this.expect(spec(xdg_surface, 'unconfigured_buffer', 'get_xdg_surface on a surface with a buffer'));
      },
      () => {
        const x = this.#live(this.xdgs, (v) => (v.toplevel !== null && !v.toplevel.destroyed) || (v.popup !== null && !v.popup.destroyed));
        if (!x) return null;
        this.req(x.proxy, 'get_toplevel', null);
        return this.expect(spec(xdg_surface, 'already_constructed', 'second role object'));
      },
      () => {
        const x = this.#live(this.xdgs, (v) => (!v.toplevel || v.toplevel.destroyed) && (!v.popup || v.popup.destroyed));
        const pos = this.#live(this.positioners, (p) => !p.complete);
        if (!x || !pos) return null;
        this.req(x.proxy, 'get_popup', null, null, pos.proxy);
        return this.expect(spec(xdg_wm_base, 'invalid_positioner', 'get_popup with an incomplete positioner'));
      },
      () => {
        const x = this.#live(this.xdgs);
        if (!x) return null;
        this.req(x.proxy, 'set_window_geometry', 0, 0, r.pick([0, -1]), r.int(-5, 5));
        return this.expect(spec(xdg_surface, 'invalid_size', 'window geometry of size <= 0'));
      },
      () => {
        const x = this.#live(this.xdgs);
        if (!x) return null;
        const serial = r.chance(0.5) ? 0 : r.u32();
        if (x.serials.includes(serial)) return null;
        this.req(x.proxy, 'ack_configure', serial);
        return this.expect(spec(xdg_surface, 'invalid_serial', 'ack_configure of a serial never sent'));
      },
      () => {
        const wm = this.#live(this.wms, (w) => w.surfaces.size > 0);
        if (!wm) return null;
        this.req(wm.proxy, 'destroy');
        return this.expect(spec(xdg_wm_base, 'defunct_surfaces', 'wm_base destroyed before its surfaces'));
      },
      () => {
        const p = this.#live(this.popups, (v) => childPopups(v.xdg).length > 0);
        if (!p) return null;
        this.req(p.proxy, 'destroy');
        return this.expect(spec(xdg_wm_base, 'not_the_topmost_popup', 'popup destroyed before its child popup'));
      },
      () => {
        const p = this.#live(this.popups, (v) => v.xdg.mapped);
        const seat = this.#liveSeat();
        if (!p || !seat) return null;
        this.req(p.proxy, 'grab', seat.proxy, this.#serial());
        return this.expect(spec(xdg_popup, 'invalid_grab', 'grab of a mapped popup'));
      },
      () => {
        const pos = this.#live(this.positioners);
        if (!pos) return null;
        const k = r.below(4);
        if (k === 0) this.req(pos.proxy, 'set_size', r.pick([0, -1]), r.int(-3, 3));
        else if (k === 1) this.req(pos.proxy, 'set_anchor_rect', 0, 0, -1, r.int(-3, 3));
        else this.req(pos.proxy, k === 2 ? 'set_anchor' : 'set_gravity', r.pick([9, 100, 0xffffffff]));
        return this.expect(spec(xdg_positioner, 'invalid_input', 'positioner value out of range'));
      },
      () => {
        const e = this.exporter;
        const s = this.#liveSurface((x) => this.#toplevelOf(x) === null);
        if (!e || e.destroyed || !s) return null;
        this.req(e.proxy, 'export_toplevel', null, s.proxy);
        return this.expect(spec(zxdg_exporter_v2, 'invalid_surface', 'export of a surface without an xdg_toplevel'));
      },
      () => {
        const i = this.#live(this.imports);
        if (!i) return null;
        const target = this.#importTarget(i);
        const k = r.below(3);
        if (k === 0) {
          // checked before the handle: the import may be dead
          const s = this.#liveSurface((x) => this.#toplevelOf(x) === null);
          if (!s) return null;
          this.req(i.proxy, 'set_parent_of', s.proxy);
          return this.expect(spec(zxdg_imported_v2, 'invalid_surface', 'set_parent_of a surface without an xdg_toplevel'));
        }
        if (typeof target === 'string') return null;
        // the exported toplevel itself, or one of its ancestors (as wlroots: not xdg_toplevel's invalid_parent)
        const loop = k === 1 ? (this.#toplevelOf(target.xdg.surface) === target ? [target] : []) : this.toplevels.filter((t) => !t.destroyed && t !== target && t.xdg.active && certainLoop(t, target));
        if (!loop.length) return null;
        this.req(i.proxy, 'set_parent_of', r.pick(loop).xdg.surface.proxy);
        return this.expect(spec(zxdg_imported_v2, 'invalid_surface', 'set_parent_of the exported toplevel or one of its ancestors'));
      },
      () => {
        const t = this.#live(this.toplevels);
        if (!t) return null;
        const loop = this.toplevels.filter((p) => !p.destroyed && certainLoop(t, p));
        if (!loop.length) return null;
        this.req(t.proxy, 'set_parent', r.pick(loop).proxy);
        return this.expect(spec(xdg_toplevel, 'invalid_parent', 'set_parent making a loop'));
      },
      () => {
        const t = this.#live(this.toplevels);
        const seat = this.#liveSeat();
        if (!t || !seat) return null;
        this.req(t.proxy, 'resize', seat.proxy, 0, r.pick([11, 16, 0xffffffff]));
        return this.expect(spec(xdg_toplevel, 'invalid_resize_edge', 'resize edge out of range'));
      },
      () => {
        const t = this.#live(this.toplevels);
        if (!t) return null;
        this.req(t.proxy, r.chance(0.5) ? 'set_min_size' : 'set_max_size', -1, r.int(-5, 5));
        return this.expect(spec(xdg_toplevel, 'invalid_size', 'negative min/max size'));
      },
      () => {
        const sc = this.subcompositor;
        const s = this.#liveSurface((x) => x.canTakeRole('wl_subsurface'));
        if (!sc || sc.destroyed || !s) return null;
        // itself as parent, or one of its descendants
        const descendants = this.surfaces.filter((d) => !d.destroyed && d !== s && isAncestor(s, d));
        const parent = descendants.length && r.chance(0.5) ? r.pick(descendants) : s;
        this.req(sc.proxy, 'get_subsurface', null, s.proxy, parent.proxy);
        return this.expect(spec(wl_subcompositor, 'bad_surface', 'subsurface of itself or of its descendant'));
      },
      () => {
        const sc = this.subcompositor;
        const s = this.#liveSurface((x) => !x.canTakeRole('wl_subsurface'));
        const parent = this.#liveSurface((p) => p !== s);
        if (!sc || sc.destroyed || !s || !parent) return null;
        this.req(sc.proxy, 'get_subsurface', null, s.proxy, parent.proxy);
        return this.expect(spec(wl_subcompositor, 'bad_surface', 'get_subsurface on a surface with a role'));
      },
      () => {
        const sub = this.#live(this.subsurfaces);
        if (!sub) return null;
        const parent = sub.parent;
        const strangers = this.surfaces.filter((x) => !x.destroyed && x !== sub.surface && (!sub.active || (x !== parent && !(x.sub?.active && x.sub.parent === parent))));
        if (!strangers.length) return null;
        this.req(sub.proxy, r.chance(0.5) ? 'place_above' : 'place_below', r.pick(strangers).proxy);
        return this.expect(spec(wl_subsurface, 'bad_surface', 'place_above/below a surface that is no sibling'));
      },
      () => {
        const vp = this.viewporter;
        const s = this.#liveSurface((x) => x.viewport !== null && !x.viewport.destroyed);
        if (!vp || vp.destroyed || !s) return null;
        this.req(vp.proxy, 'get_viewport', null, s.proxy);
        return this.expect(spec(wp_viewporter, 'viewport_exists', 'second viewport'));
      },
      () => {
        const v = this.#live(this.viewports, (x) => !x.surface.destroyed);
        if (!v) return null;
        if (r.chance(0.5)) this.req(v.proxy, 'set_source', ...r.pick<[number, number, number, number]>([[-1, 0, 5, 1], [0, -0.5, 5, 1], [0, 0, 0, 1], [0, 0, 5, -2], [-1, -1, -1, 0]]));
        else this.req(v.proxy, 'set_destination', r.pick([0, -2, 5]), r.pick([0, -3]));
        return this.expect(spec(wp_viewport, 'bad_value', 'viewport value out of range'));
      },
      () => {
        const v = this.#live(this.viewports, (x) => x.surface.destroyed);
        if (!v) return null;
        this.req(v.proxy, 'set_destination', 10, 10);
        return this.expect(spec(wp_viewport, 'no_surface', 'viewport request after its surface was destroyed'));
      },
      () => {
        const p = this.#live(this.pointers);
        const s = this.#liveSurface((x) => x.roleName !== null && x.roleName !== 'wl_pointer-cursor');
        if (!p || !s) return null;
        this.req(p.proxy, 'set_cursor', 0, s.proxy, 0, 0);
        return this.expect(spec(wl_pointer, 'role', 'set_cursor with a surface that has another role'));
      },
      () => {
        const src = this.#live(this.sources, (s) => s.protocol === 'data-device' && s.proxy.version >= 3 && !s.dragUsed);
        if (!src) return null;
        if (src.actionsSet) this.req(src.proxy, 'set_actions', r.int(0, 7));
        else this.req(src.proxy, 'set_actions', r.pick([8, 0xff, 0x80000000]));
        return this.expect(spec(wl_data_source, 'invalid_action_mask', src.actionsSet ? 'set_actions twice' : 'invalid action mask'));
      },
      () => {
        const src = this.#live(this.sources, (s) => s.protocol === 'data-device' && s.actionsSet && !s.dragUsed);
        const dev = this.#live(this.devices, (d) => d.protocol === 'data-device');
        if (!src || !dev) return null;
        this.req(dev.proxy, 'set_selection', src.proxy, this.#serial());
        return this.expect(spec(wl_data_source, 'invalid_source', 'a source with actions set as the selection'));
      },
      () => {
        const src = this.#live(this.sources, (s) => s.mimes.size < MIME_LIMIT && !isDataControl(s.protocol) && !s.dragUsed);
        if (!src) return null;
        for (let i = src.mimes.size; i <= MIME_LIMIT; i++) this.req(src.proxy, 'offer', `x-fuzz/${i}-${r.u32()}`);
        return this.expect(displayError('no_memory', 'more than 256 mime types'));
      },
      () => {
        const offer = this.#live(this.offers, (o) => o.protocol === 'data-device' && o.use === 'selection' && o.proxy.version >= 3);
        if (!offer) return null;
        if (r.chance(0.5)) {
          this.req(offer.proxy, 'finish');
          return this.expect(spec(wl_data_offer, 'invalid_finish', 'finish on a selection offer'));
        }
        this.req(offer.proxy, 'set_actions', 1, 1);
        return this.expect(spec(wl_data_offer, 'invalid_offer', 'set_actions on a selection offer'));
      },
      () => {
        const offer = this.#live(this.offers, (o) => o.protocol === 'data-device' && o.use === 'drag' && o.proxy.version >= 3);
        if (!offer) return null;
        if (r.chance(0.5)) {
          this.req(offer.proxy, 'set_actions', r.pick([8, 0x10, 0xffffffff]), 0);
          return this.expect(spec(wl_data_offer, 'invalid_action_mask', 'invalid action mask on a drag offer'));
        }
        this.req(offer.proxy, 'set_actions', 1, r.pick([2, 3, 4]));
        return this.expect(spec(wl_data_offer, 'invalid_action', 'preferred action outside the mask'));
      },
      () => {
        const src = this.#live(this.sources, (s) => isDataControl(s.protocol) && s.used);
        if (!src) return null;
        this.req(src.proxy, 'offer', 'text/plain');
        return this.expect(spec(src.protocol === 'data-control' ? zwlr_data_control_source_v1 : ext_data_control_source_v1, 'invalid_offer', 'offer after the source was used'));
      },
      () => {
        const src = this.#live(this.sources, (s) => isDataControl(s.protocol) && s.used);
        const dev = src && this.#live(this.devices, (d) => d.protocol === src.protocol);
        if (!src || !dev) return null;
        this.req(dev.proxy, 'set_selection', src.proxy);
        return this.expect(spec(src.protocol === 'data-control' ? zwlr_data_control_device_v1 : ext_data_control_device_v1, 'used_source', 'a source set twice'));
      },
      () => {
        const vk = this.#live(this.virtualKeyboards, (v) => !v.keymap);
        if (!vk) return null;
        if (r.chance(0.5)) this.req(vk.proxy, 'key', 0, 30, 1);
        else this.req(vk.proxy, 'modifiers', 1, 0, 0, 0);
        return this.expect(spec(zwp_virtual_keyboard_v1, 'no_keymap', 'key before a keymap'));
      },
      () => {
        const vk = this.#live(this.virtualKeyboards);
        if (!vk) return null;
        const k = r.below(3);
        const text = k === 0 ? Buffer.from('xkb_keymap { this is not a keymap };\0') : Buffer.from(this.shared.keymap ?? 'x');
        const fd = memfdWith(text);
        try {
          this.req(vk.proxy, 'keymap', k === 1 ? r.pick([0, 2, 99]) : 1, fd, k === 2 ? 0 : text.length);
        } finally {
          closeQuietly(fd);
        }
        return this.expect(spec(zwp_virtual_keyboard_v1, 'no_keymap', 'a keymap that does not compile, or of another format or size 0'));
      },
      () => {
        const vp = this.#live(this.virtualPointers);
        if (!vp) return null;
        const k = r.below(3);
        if (k === 0) this.req(vp.proxy, 'axis', 0, r.pick([2, 3, 0xffffffff]), 1);
        else if (k === 1) this.req(vp.proxy, 'axis_stop', 0, r.pick([2, 77]));
        else {
          this.req(vp.proxy, 'axis_source', r.pick([4, 5, 0xffffffff]));
          return this.expect(spec(zwlr_virtual_pointer_v1, 'invalid_axis_source', 'axis source out of range'));
        }
        return this.expect(spec(zwlr_virtual_pointer_v1, 'invalid_axis', 'axis out of range'));
      },
      () => {
        const tok = this.#live(this.tokens, (t) => t.committed);
        if (!tok) return null;
        if (r.chance(0.5)) this.req(tok.proxy, 'commit');
        else this.req(tok.proxy, 'set_app_id', 'x');
        return this.expect(spec(xdg_activation_token_v1, 'already_used', 'token request after commit'));
      },
      () => {
        const m = this.decorationManager;
        const t = this.#live(this.toplevels, (v) => v.decoration !== null && !v.decoration.destroyed);
        if (!m || m.destroyed || !t) return null;
        this.req(m.proxy, 'get_toplevel_decoration', null, t.proxy);
        return this.expect(spec(zxdg_toplevel_decoration_v1, 'already_constructed', 'second decoration'));
      },
      () => {
        const m = this.decorationManager;
        const t = this.#live(this.toplevels, (v) => (!v.decoration || v.decoration.destroyed) && v.xdg.surface.hasBuffer);
        if (!m || m.destroyed || !t) return null;
        this.req(m.proxy, 'get_toplevel_decoration', null, t.proxy);
        return this.expect(spec(zxdg_toplevel_decoration_v1, 'unconfigured_buffer', 'decoration of a toplevel with a buffer'));
      },
      () => {
        const shell = this.#live(this.layerShells);
        const s = this.#liveSurface();
        if (!shell || !s) return null;
        if (r.chance(0.5)) {
          this.req(shell.proxy, 'get_layer_surface', null, s.proxy, null, r.pick([4, 9, 0xffffffff]), 'fuzz');
          return this.expect(spec(zwlr_layer_shell_v1, 'invalid_layer', 'layer out of range'));
        }
        if (s.canTakeRole('zwlr_layer_surface_v1')) return null;
        this.req(shell.proxy, 'get_layer_surface', null, s.proxy, null, 0, 'fuzz');
        return this.expect(spec(zwlr_layer_shell_v1, 'role', 'layer surface of a surface with another role'));
      },
      () => {
        const l = this.#live(this.layers);
        if (!l) return null;
        const k = r.below(4);
        if (k === 0) {
          this.req(l.proxy, 'set_anchor', r.pick([16, 31, 0xffffffff]));
          return this.expect(spec(zwlr_layer_surface_v1, 'invalid_anchor', 'anchor out of range'));
        }
        if (k === 1) {
          this.req(l.proxy, 'set_keyboard_interactivity', l.proxy.version >= 4 ? 3 : 2);
          return this.expect(spec(zwlr_layer_surface_v1, 'invalid_keyboard_interactivity', 'keyboard interactivity out of range'));
        }
        if (k === 2) {
          const serial = r.u32();
          if (l.serials.includes(serial)) return null;
          this.req(l.proxy, 'ack_configure', serial);
          return this.expect(spec(zwlr_layer_surface_v1, 'invalid_surface_state', 'ack of a serial never sent'));
        }
        if (l.proxy.version < 2) return null;
        this.req(l.proxy, 'set_layer', r.pick([4, 0xffffffff]));
        return this.expect(l.shell.destroyed ? spec(zwlr_layer_surface_v1, 'invalid_surface_state', 'invalid layer (shell gone)') : spec(zwlr_layer_shell_v1, 'invalid_layer', 'set_layer out of range'));
      },
      () => {
        const f = this.#live(this.frames, (x) => x.box !== null);
        if (!f) return null;
        if (f.copied) {
          const b = this.#live(this.buffers);
          if (!b) return null;
          this.req(f.proxy, 'copy', b.proxy);
          return this.expect(spec(zwlr_screencopy_frame_v1, 'already_used', 'second copy'));
        }
        const box = f.box;
        const b = this.#live(this.buffers, (x) => box === 'failed' || box === null || x.width !== box.width || x.height !== box.height || x.stride !== box.stride || x.format !== FORMAT.xrgb8888);
        if (!b) return null;
        this.req(f.proxy, 'copy', b.proxy);
        return this.expect(spec(zwlr_screencopy_frame_v1, 'invalid_buffer', 'copy into a buffer of other attributes'));
      },
      () => {
        const m = this.idleInhibitManager;
        const s = this.#liveSurface();
        const n = this.#count(this.idleInhibitors);
        if (!m || m.destroyed || !s || n > MAX_IDLE_INHIBITORS) return null;
        for (let i = n; i <= MAX_IDLE_INHIBITORS; i++) this.idleInhibitors.push({ proxy: this.req(m.proxy, 'create_inhibitor', null, s.proxy)!, version: m.version, destroyed: false });
        return this.expect(displayError('no_memory', 'more idle inhibitors than a client may hold'));
      },
      () => {
        const m = this.cursorShapeManager;
        const dev = this.#live(this.cursorShapeDevices);
        if (dev && r.chance(0.6)) {
          this.req(dev.proxy, 'set_shape', this.#serial(), r.pick([0, 35, 36, 0xffffffff]));
          return this.expect(spec(wp_cursor_shape_device_v1, 'invalid_shape', 'a shape outside the v1 enum'));
        }
        const p = this.#live(this.pointers);
        const n = this.#count(this.cursorShapeDevices);
        if (!m || m.destroyed || !p || n > MAX_CURSOR_SHAPE_DEVICES) return null;
        for (let i = n; i <= MAX_CURSOR_SHAPE_DEVICES; i++) this.cursorShapeDevices.push({ proxy: this.req(m.proxy, 'get_pointer', null, p.proxy)!, version: m.version, destroyed: false });
        return this.expect(displayError('no_memory', 'more cursor shape devices than a client may hold'));
      },
      () => {
        const f = this.#live(this.captureFrames);
        if (!f) return null;
        if (f.captured) {
          const k = r.below(3);
          const b = this.#live(this.buffers);
          if (k === 0 || !b) this.req(f.proxy, k === 0 ? 'capture' : 'damage_buffer', ...(k === 0 ? [] : [0, 0, 1, 1]));
          else this.req(f.proxy, 'attach_buffer', b.proxy);
          return this.expect(spec(ext_image_copy_capture_frame_v1, 'already_captured', 'a frame request after capture'));
        }
        if (!f.attached && r.chance(0.5)) {
          this.req(f.proxy, 'capture');
          return this.expect(spec(ext_image_copy_capture_frame_v1, 'no_buffer', 'capture without a buffer'));
        }
        const [x, y, w, h] = r.pick([[-1, 0, 5, 5], [0, r.int(-100, -1), 5, 5], [0, 0, 0, 5], [0, 0, 5, r.int(-100, 0)]] as const);
        this.req(f.proxy, 'damage_buffer', x, y, w, h);
        return this.expect(spec(ext_image_copy_capture_frame_v1, 'invalid_buffer_damage', 'damage outside the buffer\'s corner or empty'));
      },
      () => {
        const s = this.#live(this.captureSessions, (x) => x.frame !== null && !x.frame.destroyed);
        if (s && r.chance(0.5)) {
          this.req(s.proxy, 'create_frame', null);
          return this.expect(spec(ext_image_copy_capture_session_v1, 'duplicate_frame', 'a second frame while the first lives'));
        }
        const c = this.#live(this.cursorSessions, (x) => x.gotSession);
        if (c && r.chance(0.5)) {
          this.req(c.proxy, 'get_capture_session', null);
          return this.expect(spec(ext_image_copy_capture_cursor_session_v1, 'duplicate_session', 'get_capture_session twice'));
        }
        const cm = this.imageCaptureManager;
        const source = this.#live(this.captureSources);
        if (!cm || cm.destroyed || !source) return null;
        if (r.chance(0.5)) {
          this.#newCaptureSession(this.req(cm.proxy, 'create_session', null, source.proxy, r.pick([2, 3, 0x80000000]))!);
          return this.expect(spec(ext_image_copy_capture_manager_v1, 'invalid_option', 'an unknown option'));
        }
        const n = this.#captureSessionCount();
        if (n > MAX_CAPTURE_SESSIONS) return null;
        for (let i = n; i <= MAX_CAPTURE_SESSIONS; i++) this.#newCaptureSession(this.req(cm.proxy, 'create_session', null, source.proxy, 0)!);
        return this.expect(displayError('no_memory', 'more capture sessions than a client may hold'));
      },
      () => {
        const c = this.#live(this.configs, (x) => !x.used);
        if (!c) return null;
        const k = r.below(3);
        if (k === 0 && c.heads.size === 0) {
          this.req(c.proxy, r.chance(0.5) ? 'apply' : 'test');
          return this.expect(spec(zwlr_output_configuration_v1, 'unconfigured_head', 'configuration without our head'));
        }
        if (k === 1 && c.heads.size > 0) {
          const head = r.pick([...c.heads]);
          if (r.chance(0.5)) this.req(c.proxy, 'enable_head', null, head.proxy);
          else this.req(c.proxy, 'disable_head', head.proxy);
          return this.expect(spec(zwlr_output_configuration_v1, 'already_configured_head', 'head configured twice'));
        }
        return null;
      },
      () => {
        const c = this.#live(this.configs, (x) => x.used);
        if (!c) return null;
        this.req(c.proxy, r.chance(0.5) ? 'apply' : 'test');
        return this.expect(spec(zwlr_output_configuration_v1, 'already_used', 'configuration used twice'));
      },
      () => {
        const ch = this.configHeads.length ? r.pick(this.configHeads) : null;
        if (!ch || this.configs.every((c) => c.destroyed)) return null;
        const k = r.below(5);
        if (k === 0) {
          if (!ch.mode) return null;
          this.req(ch.proxy, 'set_custom_mode', 100, 100, 0);
          return this.expect(spec(zwlr_output_configuration_head_v1, 'already_set', 'mode set twice'));
        }
        if (k === 1 && !ch.mode) {
          this.req(ch.proxy, 'set_custom_mode', r.pick([0, -1]), 100, r.pick([0, -1]));
          return this.expect(spec(zwlr_output_configuration_head_v1, 'invalid_custom_mode', 'custom mode size < 1'));
        }
        if (k === 2 && !ch.transform) {
          this.req(ch.proxy, 'set_transform', r.pick([-1, 8, 99]));
          return this.expect(spec(zwlr_output_configuration_head_v1, 'invalid_transform', 'transform out of range'));
        }
        if (k === 3 && !ch.scale) {
          this.req(ch.proxy, 'set_scale', r.pick([0, -1, -0.5]));
          return this.expect(spec(zwlr_output_configuration_head_v1, 'invalid_scale', 'scale <= 0'));
        }
        if (k === 4 && !ch.mode) {
          const other = this.outputManagers.filter((m) => m !== ch.head.manager && !m.dead).flatMap((m) => m.heads).flatMap((h) => h.modes);
          if (!other.length) return null;
          this.req(ch.proxy, 'set_mode', r.pick(other));
          return this.expect(spec(zwlr_output_configuration_head_v1, 'invalid_mode', "a mode of another manager's head"));
        }
        return null;
      },
    ];
    for (let i = 0; i < 6; i++) {
      const out = candidates[r.below(candidates.length)]!();
      if (out !== null) return out;
    }
    return null;
  }

  // ---------------------------------------------------------------- leaving

  /** Closes every fd this client still owns (pool files, pipe ends). Idempotent. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const f of this.#files) closeQuietly(f.fd);
    this.#files.clear();
    for (const e of this.#readEnds) closeQuietly(e.fd);
    this.#readEnds.length = 0;
  }

  /**
   * Destroys objects in a random order before leaving (a client that cleans
   * up): everything with a destructor but what must go in a given order
   * (toplevels with decorations, popups with children, a wm_base with
   * surfaces), which leaves with the connection.
   */
  destroyAll(): void {
    const r = this.rng;
    const destroyers: (() => void)[] = [];
    const add = (p: Proxy, mark: () => void): void => {
      const name = p.iface.requests.find((q) => q.destructor && q.since <= p.version)?.name;
      if (!name || p.destroyed) return;
      destroyers.push(() => {
        if (p.destroyed) return;
        this.req(p, name);
        mark();
      });
    };
    const simple = (list: readonly { proxy: Proxy; destroyed: boolean }[]): void => {
      for (const x of list) if (!x.destroyed) add(x.proxy, () => (x.destroyed = true));
    };
    simple(this.buffers);
    simple(this.pools);
    simple(this.regions);
    simple(this.frames);
    simple(this.sources);
    simple(this.offers);
    simple(this.positioners);
    simple(this.xdgOutputs);
    simple(this.tokens);
    simple(this.virtualKeyboards);
    simple(this.virtualPointers);
    simple(this.solidBuffers);
    simple(this.exports);
    simple(this.imports);
    simple(this.relativePointers);
    simple(this.constraints);
    simple(this.fractionalScales);
    simple(this.idleInhibitors);
    simple(this.cursorShapeDevices);
    simple(this.captureSources);
    simple(this.captureFrames);
    simple(this.captureSessions);
    simple(this.cursorSessions);
    simple(this.configs);
    simple(this.pointers);
    simple(this.keyboards);
    simple(this.touches);
    for (const v of this.viewports) if (!v.destroyed) add(v.proxy, () => (v.destroyed = true));
    for (const d of this.decorations) if (!d.destroyed) add(d.proxy, () => {
      d.destroyed = true;
      if (d.toplevel.decoration === d) d.toplevel.decoration = null;
    });
    for (const l of this.layers) if (!l.destroyed) add(l.proxy, () => (l.destroyed = true));
    if (!this.#avoids('zombie-device-event')) simple(this.devices);
    for (const sub of this.subsurfaces) {
      if (sub.destroyed || (!sub.active && sub.surface.sub !== sub && this.#avoids('inert-subsurface-destroy'))) continue;
      add(sub.proxy, () => {
        sub.destroyed = true;
        detachSubsurface(sub);
      });
    }
    const managers = [this.viewporter, this.presentation, this.xdgOutputManager, this.screencopy, this.vpManager, this.activation, this.decorationManager, this.primaryManager, this.dataControlManager, this.extDataControlManager, this.singlePixelManager, this.exporter, this.importer, this.relativePointerManager, this.constraintsManager, this.idleInhibitManager, this.cursorShapeManager, this.captureSourceManager, this.imageCaptureManager, this.fractionalManager, this.subcompositor];
    for (const m of managers) if (m && !m.destroyed) add(m.proxy, () => (m.destroyed = true));
    for (const o of this.outputs) if (!o.released) add(o.proxy, () => (o.released = true));
    for (let i = destroyers.length - 1; i > 0; i--) {
      const j = r.below(i + 1);
      [destroyers[i], destroyers[j]] = [destroyers[j]!, destroyers[i]!];
    }
    for (const d of destroyers) d();
    for (const s of this.surfaces) if (!s.destroyed) {
      this.req(s.proxy, 'destroy');
      this.#surfaceGone(s);
    }
  }
}

/** `p` as the parent of `t` would make a loop (t is p or one of p's ancestors). */
function toplevelLoop(t: ToplevelModel, p: ToplevelModel): boolean {
  for (let q: ToplevelModel | null = p; q; q = q.parent) if (q === t) return true;
  return false;
}

/** set_parent(p) on t surely makes a loop: the chain from p reaches t through mapped
 * toplevels whose links the model knows exactly (none of their wm_bases unmapped a toplevel,
 * none was given a parent through xdg-foreign). */
function certainLoop(t: ToplevelModel, p: ToplevelModel): boolean {
  for (let q: ToplevelModel | null = p; q; q = q.parent) {
    if (!q.xdg.mapped || q.xdg.wm.toplevelUnmapped || q.linkUncertain) return false;
    if (q === t) return true;
  }
  return false;
}

/** The wl_output a layer surface was made for is gone: `closed` (unmapped, its popups dismissed). */
function unmapLayerForClose(l: LayerModel, wms: readonly WmModel[]): void {
  if (l.closed) return;
  forgetLayer(l, wms);
}
