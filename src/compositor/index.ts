// nosigbus/compositor: the headless compositor (see compositor.ts).
export { Compositor, loadPngEncoder } from './compositor.js';
export type { ClientStats, CompositorOptions, LogLevel } from './compositor.js';
export { Output } from './output.js';
export type { OutputOptions } from './output.js';
export { Renderer, BACKGROUND } from './renderer.js';
export { captureRgba, writeFrame } from './capture.js';
export type { SceneRoot } from './renderer.js';
export { SUPPORTED_FORMATS, FORMAT } from './shm.js';
export type { TruncationPolicy } from './shm.js';
export { Surface } from './surface.js';
export { CopiedContent, DirectContent, PixelBudget, type Content } from './content.js';
export { XdgSurface, place, Positioner } from './xdg-shell.js';
export type { Rect } from './region.js';
export { Seat, SEAT_NAME } from './seat.js';
export type { PointerGrab } from './seat.js';
export { Input, ScriptedPointer } from './input.js';
export { Keymap } from './xkb.js';
export type { KeymapNames } from './xkb.js';
