// wp_fractional_scale_manager_v1 v1: the scale the compositor would like a
// surface drawn at, as a numerator over 120 (1.5 is 180), for clients that
// draw at fractional scales through wp_viewporter (a 150 × 75 buffer with
// viewport destination 100 × 50 at 1.5: Chromium, Firefox, GTK 4.12+, Qt 6.5+).
// The renderer copies such a buffer pixel for pixel (renderer.ts outputBox).
//
// Owns: the wp_fractional_scale_v1 objects of live surfaces and the scale
// each was last told.
//
// Invariants:
//  - a surface has at most one object (fractional_scale_exists for a second
//    one while the first lives; once it is destroyed, another may be made);
//  - preferred_scale is the scale of the output the surface is on (with
//    several: the highest scale among the outputs it overlaps, so that it
//    is crisp on each; on none yet: the first output's), as a numerator
//    over 120; it is sent at once, then again whenever it changes (an
//    output's scale changed: output management, Output.setMode; the surface
//    moved onto or off an output: surfaceMoved) and only then: a mode change
//    that keeps the scale sends nothing. One output: a surface's preferred
//    scale is its scale;
//  - when its surface is destroyed the object becomes inert (the protocol
//    does not end it): nothing more is sent, and destroying it is all that
//    is left to do; the client gone destroys all of them;
//  - a client holds at most MAX_FRACTIONAL_SCALES live ones (no_memory past it).
//
// What a client may cost: get_fractional_scale and destroy are O(1) (plus
// the O(outputs) of its scale); each live object is one event per scale
// change, so a scale change costs O(objects of every client × outputs), at
// most MAX_FRACTIONAL_SCALES per client; a surface moving between outputs
// costs O(outputs) for its own object.
import { wp_fractional_scale_manager_v1, wp_fractional_scale_v1 } from '../../protocol/fractional-scale.js';
import type { Display, Resource } from '../../server/index.js';
import { ClientQuota } from '../../server/client-quota.js';
import { implement } from '../../server/typed.js';
import { surfaceOf, type Surface } from './surface.js';

/** Live wp_fractional_scale_v1 objects one client may hold (one a surface: a window, its popups, its cursor). */
export const MAX_FRACTIONAL_SCALES = 1024;

const MANAGER_ERROR = wp_fractional_scale_manager_v1.enums.error.entries;

/** The objects of live surfaces, and what they were told. */
export interface FractionalScales {
  /** Objects of live surfaces (tests: back to 0 once their clients left). */
  readonly live: number;
  /** An output's scale changed: every object whose scale changed is told. */
  outputChanged(): void;
  /** `surface` came onto or left an output: its object, if any, is told if its scale changed. */
  surfaceMoved(surface: Surface): void;
}

/** Where a surface's preferred scale comes from. */
export interface FractionalScaleHost {
  /** The scale `surface` is best drawn at, as a numerator over 120 (see above). */
  scale120Of(surface: Surface): number;
}

export function createFractionalScaleGlobal(display: Display, host: FractionalScaleHost): FractionalScales {
  const quota = new ClientQuota('fractional scale objects', MAX_FRACTIONAL_SCALES);
  /** Objects of live surfaces, their surface, and the scale each was last sent. */
  const sent = new Map<Resource<typeof wp_fractional_scale_v1>, { surface: Surface; scale: number }>();
  const ofSurface = new WeakMap<Surface, Resource<typeof wp_fractional_scale_v1>>();
  const tell = (r: Resource<typeof wp_fractional_scale_v1>): void => {
    const entry = sent.get(r);
    if (!entry) return;
    const scale = host.scale120Of(entry.surface);
    if (scale === entry.scale) return;
    entry.scale = scale;
    r.send('preferred_scale', scale);
  };
  display.createGlobal(wp_fractional_scale_manager_v1, 1, (manager) =>
    implement(manager, wp_fractional_scale_manager_v1, {
      get_fractional_scale: (r, fractional, surfaceResource) => {
        implement(fractional, wp_fractional_scale_v1, {});
        const surface = surfaceOf(surfaceResource);
        if (!surface) return;
        if (ofSurface.has(surface)) {
          r.postError(MANAGER_ERROR.fractional_scale_exists, `${surfaceResource} already has a fractional scale object`);
          return;
        }
        if (!quota.acquire(fractional)) return;
        ofSurface.set(surface, fractional);
        const scale = host.scale120Of(surface);
        sent.set(fractional, { surface, scale });
        // The surface gone: inert, told nothing more (the listener leaves with the object).
        const forget = surfaceResource.onDestroy(() => sent.delete(fractional));
        fractional.onDestroy(() => {
          forget();
          sent.delete(fractional);
          ofSurface.delete(surface);
        });
        fractional.send('preferred_scale', scale);
      },
    }),
  );
  return {
    get live() {
      return sent.size;
    },
    outputChanged: () => {
      for (const r of sent.keys()) tell(r);
    },
    surfaceMoved: (surface) => {
      const r = ofSurface.get(surface);
      if (r) tell(r);
    },
  };
}
