// zxdg_decoration_manager_v1 v1: we draw no decorations, so every toplevel
// decoration is client_side, whatever the client asks.
//
// Invariants:
//  - the mode is sent as zxdg_toplevel_decoration_v1.configure within the
//    toplevel's configure sequence (after xdg_toplevel.configure, before
//    xdg_surface.configure); set_mode and unset_mode are answered with a new
//    configure sequence once the toplevel had its initial commit (before that
//    the initial configure carries it);
//  - one decoration object per toplevel (already_constructed); not for a
//    toplevel whose surface has a buffer attached or committed
//    (unconfigured_buffer); destroying the toplevel before its decoration
//    object is orphaned, and a request to an orphaned decoration too.
import { zxdg_decoration_manager_v1, zxdg_toplevel_decoration_v1 } from '../../protocol/xdg-decoration.js';
import type { xdg_toplevel } from '../../protocol/xdg-shell.js';
import type { Display, Resource } from '../../server/index.js';
import { implement } from '../../server/typed.js';
import { toplevelOf } from './xdg-shell.js';

const ERROR = zxdg_toplevel_decoration_v1.enums.error.entries;
const MODE = zxdg_toplevel_decoration_v1.enums.mode.entries;

export function createDecorationGlobal(display: Display): void {
  display.createGlobal(zxdg_decoration_manager_v1, 1, (manager) =>
    implement(manager, zxdg_decoration_manager_v1, {
      get_toplevel_decoration: (_m, resource, toplevelResource) => serveDecoration(resource, toplevelResource),
    }),
  );
}

function serveDecoration(resource: Resource<typeof zxdg_toplevel_decoration_v1>, toplevelResource: Resource<typeof xdg_toplevel>): void {
  const toplevel = toplevelOf(toplevelResource);
  implement(resource, zxdg_toplevel_decoration_v1, {});
  if (!toplevel) {
    // The xdg_toplevel object is gone (an inert one): nothing to decorate.
    resource.postError(ERROR.orphaned, 'xdg_toplevel has been destroyed');
    return;
  }
  if (toplevel.decoration) {
    resource.postError(ERROR.already_constructed, 'xdg_toplevel already has a decoration object');
    return;
  }
  const surface = toplevel.xdg.surface;
  if (surface.mapped || surface.pending.buffer) {
    resource.postError(ERROR.unconfigured_buffer, 'xdg_toplevel has a buffer attached before configure');
    return;
  }
  let orphaned = false;
  const decoration = { sendConfigure: () => resource.destroyed || resource.send('configure', MODE.client_side) };
  toplevel.decoration = decoration;
  const unlisten = toplevel.resource.onDestroy(() => {
    orphaned = true;
    resource.postError(ERROR.orphaned, 'xdg_toplevel destroyed before its decoration object');
  });
  resource.onDestroy(() => {
    unlisten();
    if (toplevel.decoration === decoration) toplevel.decoration = null;
  });
  // Whatever mode is asked, client_side is the answer, in a new configure sequence.
  const answer = (r: Resource<typeof zxdg_toplevel_decoration_v1>): void => {
    if (orphaned) {
      r.postError(ERROR.orphaned, 'xdg_toplevel has been destroyed');
      return;
    }
    if (toplevel.xdg.initialCommitDone) toplevel.xdg.sendConfigure();
  };
  implement(resource, zxdg_toplevel_decoration_v1, {
    // Any mode asked (an unknown value too: no error code fits it) gets client_side.
    set_mode: (r) => answer(r),
    unset_mode: (r) => answer(r),
  });
}
