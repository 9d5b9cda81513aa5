// nosigbus/compositor: the headless compositor (see compositor.ts).
export { Compositor, loadPngEncoder } from './compositor.js';
export type { ClientStats, CompositorOptions, LogLevel } from './compositor.js';
export { Output } from './output/output.js';
export type { OutputOptions } from './output/output.js';
export { Renderer, BACKGROUND } from './output/renderer.js';
export { captureRgba, writeFrame } from './output/capture.js';
export type { SceneRoot } from './output/renderer.js';
export { SUPPORTED_FORMATS, FORMAT } from './core/shm.js';
export type { TruncationPolicy } from './core/shm.js';
export { Surface } from './core/surface.js';
export { CopiedContent, DirectContent, PixelBudget, type Content } from './core/content.js';
export { XdgSurface, place, Positioner } from './shell/xdg-shell.js';
export type { Rect } from './core/region.js';
export { Seat, SEAT_NAME } from './input/seat.js';
export type { PointerGrab } from './input/seat.js';
export { Input, ScriptedPointer } from './input/scripted.js';
export { Keymap } from './input/xkb.js';
export type { KeymapNames } from './input/xkb.js';
