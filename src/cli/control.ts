// The control socket of `nosigbus serve` and `nosigbus run`: Operations
// over the session's compositor, listening on $XDG_RUNTIME_DIR/NAME.ctl
// (src/session/control-socket.ts), closed and unlinked at exit.
import type { Compositor } from '../compositor/compositor.js';
import { listenControl, type ControlServer } from '../session/control-socket.js';
import { Operations } from '../session/operations.js';
import { controlSocketPath } from '../session/protocol.js';

/** Listens for `nosigbus ctl`; a socket that cannot be made is a warning (the compositor serves on without). */
export function serveControl(compositor: Compositor, runtimeDir: string, socketName: string): ControlServer | null {
  const ops = new Operations(compositor, { waylandDisplay: socketName, runtimeDir });
  try {
    const server = listenControl(ops, controlSocketPath(runtimeDir, socketName), { log: (level, message) => compositor.log(level, message) });
    process.on('exit', () => {
      ops.close();
      server.close();
    });
    compositor.log('info', `control socket ${server.path}`);
    return server;
  } catch (e) {
    ops.close();
    compositor.log('warn', `no control socket (nosigbus ctl will not reach this compositor): ${e instanceof Error ? e.message : String(e)}`);
    return null;
  }
}
