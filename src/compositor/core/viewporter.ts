// wp_viewporter v1: source crop and destination size, double-buffered on the surface.
//
// Invariants:
//  - one wp_viewport per surface (viewport_exists); requests after the
//    surface is gone are no_surface;
//  - set_source takes -1 four times to unset, else x, y >= 0 and width,
//    height > 0 (bad_value); set_destination takes -1, -1 to unset, else
//    width, height > 0 (bad_value);
//  - at commit, a source rectangle outside the buffer is out_of_buffer and a
//    source without destination must have an integer size (bad_size);
//  - destroying the viewport unsets both at the next commit.
import { wp_viewport, wp_viewporter } from '../../protocol/viewporter.js';
import type { Display, Resource } from '../../server/index.js';
import { surfaceOf, type Surface, type SurfaceState, type ViewportState } from './surface.js';
import { implement } from '../../server/typed.js';

const VIEWPORTER_ERROR = wp_viewporter.enums.error.entries;
const VIEWPORT_ERROR = wp_viewport.enums.error.entries;

/** Surfaces that have a wp_viewport, and the resource (where errors go). */
const viewports = new WeakMap<Surface, Resource<typeof wp_viewport>>();

/** Checks the viewport about to be committed against the buffer. */
function checkViewport(resource: Resource<typeof wp_viewport>, surface: Surface, pending: SurfaceState): boolean {
  const state = pending.viewport ?? surface.viewport;
  const src = state.source;
  const bufferWidth = pending.attached ? (pending.buffer?.width ?? 0) : (surface.content?.width ?? 0);
  const bufferHeight = pending.attached ? (pending.buffer?.height ?? 0) : (surface.content?.height ?? 0);
  const scale = pending.scale ?? surface.scale;
  if (!src || bufferWidth === 0) return true;
  if (src.x + src.width > bufferWidth / scale || src.y + src.height > bufferHeight / scale) {
    resource.postError(VIEWPORT_ERROR.out_of_buffer, 'source rectangle extends outside of the content area');
    return false;
  }
  if (!state.destination && (!Number.isInteger(src.width) || !Number.isInteger(src.height))) {
    resource.postError(VIEWPORT_ERROR.bad_size, 'source size is not integer and no destination is set');
    return false;
  }
  return true;
}

export function createViewporterGlobal(display: Display): void {
  display.createGlobal(wp_viewporter, 1, (resource) =>
    implement(resource, wp_viewporter, {
      get_viewport: (r, viewportResource, surfaceResource) => {
        const surface = surfaceOf(surfaceResource);
        if (!surface) return;
        if (viewports.has(surface)) {
          r.postError(VIEWPORTER_ERROR.viewport_exists, `${surfaceResource} already has a viewport`);
          return;
        }
        serveViewport(viewportResource, surface);
      },
    }),
  );
}

function serveViewport(resource: Resource<typeof wp_viewport>, surface: Surface): void {
  viewports.set(surface, resource);
  surface.checkViewport = (pending) => checkViewport(resource, surface, pending);
  const pendingViewport = (): ViewportState => {
    const v = surface.pending.viewport ?? { ...surface.viewport };
    surface.pending.viewport = v;
    return v;
  };
  const alive = (r: Resource<typeof wp_viewport>): boolean => {
    if (!surface.destroyed) return true;
    r.postError(VIEWPORT_ERROR.no_surface, 'the wl_surface of this wp_viewport is gone');
    return false;
  };
  resource.onDestroy(() => {
    viewports.delete(surface);
    surface.checkViewport = null;
    if (!surface.destroyed) surface.pending.viewport = { source: null, destination: null };
  });
  implement(resource, wp_viewport, {
    set_source: (r, x, y, w, h) => {
      if (!alive(r)) return;
      if (x === -1 && y === -1 && w === -1 && h === -1) pendingViewport().source = null;
      else if (x < 0 || y < 0 || w <= 0 || h <= 0) r.postError(VIEWPORT_ERROR.bad_value, `invalid source rectangle (${x}, ${y}, ${w}, ${h})`);
      else pendingViewport().source = { x, y, width: w, height: h };
    },
    set_destination: (r, w, h) => {
      if (!alive(r)) return;
      if (w === -1 && h === -1) pendingViewport().destination = null;
      else if (w <= 0 || h <= 0) r.postError(VIEWPORT_ERROR.bad_value, `invalid destination size (${w}, ${h})`);
      else pendingViewport().destination = { width: w, height: h };
    },
  });
}
