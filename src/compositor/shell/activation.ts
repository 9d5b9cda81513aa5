// xdg_activation_v1 v1: tokens, and activate → focus and raise.
//
// Invariants:
//  - a token is a random string handed out once its object is committed
//    (a second commit is already_used); it is valid for one activation, and
//    only the last 64 handed out are remembered;
//  - activate with a token we handed out focuses and raises the toplevel of
//    the surface (headless, there is no user whose focus could be stolen:
//    every token is granted, whatever its serial, app id or surface);
//    an unknown or used token is ignored, as the protocol says; so is a
//    subsurface (as wlroots: only a window's own surface is activated);
//  - cost: O(1) per request (tokens are an insertion-ordered Set).
import { xdg_activation_token_v1, xdg_activation_v1 } from '../../protocol/xdg-activation.js';
import type { Display, Resource } from '../../server/index.js';
import { surfaceOf, type Surface } from '../core/surface.js';
import { implement } from '../../server/typed.js';
import { randomToken } from './random-token.js';

const TOKEN_ERROR = xdg_activation_token_v1.enums.error.entries;
const TOKENS_KEPT = 64;

/** Who decides what an activation does (the desktop: focus and raise). */
export interface ActivationHost {
  activate(surface: Surface): boolean;
}

export function createActivationGlobal(display: Display, host: ActivationHost): void {
  const tokens = new Set<string>();
  display.createGlobal(xdg_activation_v1, 1, (resource) =>
    implement(resource, xdg_activation_v1, {
      get_activation_token: (_r, token) => serveToken(token, tokens),
      activate: (_r, token, surfaceResource) => {
        const surface = surfaceOf(surfaceResource);
        if (!surface || !tokens.delete(token)) return;
        // Not a subsurface: finding its window would walk a tree the client built.
        if (surface.parent) return;
        host.activate(surface);
      },
    }),
  );
}

function serveToken(resource: Resource<typeof xdg_activation_token_v1>, tokens: Set<string>): void {
  let committed = false;
  const used = (r: Resource<typeof xdg_activation_token_v1>): boolean => {
    if (committed) r.postError(TOKEN_ERROR.already_used, 'the activation token was already committed');
    return committed;
  };
  implement(resource, xdg_activation_token_v1, {
    set_serial: (r) => void used(r),
    set_app_id: (r) => void used(r),
    set_surface: (r) => void used(r),
    commit: (r) => {
      if (used(r)) return;
      committed = true;
      const token = randomToken();
      tokens.add(token);
      if (tokens.size > TOKENS_KEPT) tokens.delete(tokens.values().next().value!);
      r.send('done', token);
    },
  });
}
