// Typed events and object arguments (server/typed.ts): what must not
// compile is checked by tsc, which builds this file with the rest of test/
// (npm run build): each `@ts-expect-error` fails the build if the line
// under it compiles. At run time: a typed send writes the expected bytes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { wl_buffer, wl_data_device, wl_data_source, wl_output, wl_registry, wl_seat, wl_surface } from '../../src/protocol/wayland.js';
import type { zwp_primary_selection_source_v1 } from '../../src/protocol/primary-selection.js';
import { xdg_toplevel } from '../../src/protocol/xdg-shell.js';
import { Display, type Client, type Resource } from '../../src/server/index.js';
import { implement, type Handlers } from '../../src/server/typed.js';
import { Connection } from '../../src/wire/connection.js';
import { socketPair } from '../../src/wire/socket.js';
import { waitFor } from '../support/common.js';
import { words } from '../support/server.js';

/** True when A and B are the same type (not merely assignable either way). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;

/** Never called: only compiled. */
export function compileChecks(
  toplevel: Resource<typeof xdg_toplevel>,
  surface: Resource<typeof wl_surface>,
  output: Resource<typeof wl_output>,
  device: Resource<typeof wl_data_device>,
  source: Resource<typeof wl_data_source | typeof zwp_primary_selection_source_v1>,
  display: Display,
): void {
  const states = new Uint8Array(0);
  toplevel.send('configure', 640, 480, states);
  surface.send('enter', output);
  device.send('selection', null);

  // @ts-expect-error: no such event
  toplevel.send('configur', 640, 480, states);
  // @ts-expect-error: a request, not an event
  toplevel.send('set_title', 'x');
  // @ts-expect-error: width is an int, not a string
  toplevel.send('configure', '640', 480, states);
  // @ts-expect-error: states is an array (Uint8Array), not a list of numbers
  toplevel.send('configure', 640, 480, [1, 4]);
  // @ts-expect-error: states is missing
  toplevel.send('configure', 640, 480);
  // @ts-expect-error: one argument too many
  toplevel.send('configure', 640, 480, states, 0);
  // @ts-expect-error: enter takes a wl_output, not an xdg_toplevel
  surface.send('enter', toplevel);
  const someObject: Resource = output;
  // @ts-expect-error: enter takes a wl_output, not a resource of unknown interface
  surface.send('enter', someObject);
  // @ts-expect-error: the output of enter is not nullable
  surface.send('enter', null);

  // A resource of unknown interface sends nothing.
  const plain: Resource = toplevel;
  // @ts-expect-error: the interface is not known
  plain.send('configure', 640, 480, states);
  // @ts-expect-error: not even a made-up event
  plain.send('anything');
  // @ts-expect-error: a plain resource is not an xdg_toplevel
  const back: Resource<typeof xdg_toplevel> = plain;
  void back;

  // One of several interfaces: the events they all have, with arguments each takes.
  source.send('send', 'text/plain', 3);
  source.send('cancelled');
  // @ts-expect-error: only wl_data_source has target
  source.send('target', null);

  // Requests: object and new_id arguments carry their interface.
  type AttachArgs = Parameters<NonNullable<Handlers<typeof wl_surface>['attach']>>;
  const attach: Equal<AttachArgs, [Resource<typeof wl_surface>, Resource<typeof wl_buffer> | null, number, number]> = true;
  type BindArgs = Parameters<NonNullable<Handlers<typeof wl_registry>['bind']>>;
  // The untyped new_id of wl_registry.bind arrives as its id.
  const bind: Equal<BindArgs, [Resource<typeof wl_registry>, number, string, number, number]> = true;
  void [attach, bind];
  implement(surface, wl_surface, {
    attach: (s, buffer, x, y) => void [s.send('enter', output), buffer?.send('release'), x + y],
    frame: (_s, callback) => callback.send('done', 0),
  });
  implement(surface, wl_surface, {
    // @ts-expect-error: attach's buffer is a wl_buffer
    attach: (_s, _buffer: Resource<typeof wl_surface> | null) => {},
  });
  // @ts-expect-error: an xdg_toplevel is not a wl_surface
  implement(toplevel, wl_surface, {});
  // Bind handlers get an object of the global's interface.
  display.createGlobal(wl_seat, 7, (seat) => {
    seat.send('capabilities', 0);
    // @ts-expect-error: wl_seat has no event frame
    seat.send('frame');
  });
}

test('a typed send writes the event as the signature says', async (t) => {
  const display = new Display({ onInternalError: (e) => assert.fail(String(e)) });
  const [serverEnd, clientEnd] = socketPair();
  const server: Client = display.addClient(serverEnd);
  const received: { objectId: number; opcode: number; body: Uint8Array }[] = [];
  const peer = new Connection(clientEnd, {
    onMessage: (objectId, opcode, body) => void received.push({ objectId, opcode, body: body.slice() }),
    onError: (e) => assert.fail(e),
  });
  peer.start();
  t.after(() => {
    peer.close();
    display.destroy();
  });

  const toplevel = server.createServerResource(xdg_toplevel, 5)!;
  const surface = server.createServerResource(wl_surface, 5)!;
  const output = server.createServerResource(wl_output, 4)!;
  const device = server.createServerResource(wl_data_device, 3)!;
  toplevel.send('configure', 640, -1, Uint8Array.of(4, 0, 0, 0, 1, 0, 0, 0));
  surface.send('enter', output);
  device.send('selection', null);

  await waitFor(() => received.length >= 3, 'three events');
  assert.deepEqual(received.map((m) => [m.objectId, m.opcode, [...m.body]]), [
    [toplevel.id, 0, [...words(640, -1, 8, 4, 1)]],
    [surface.id, 0, [...words(output.id)]],
    [device.id, 5, [...words(0)]],
  ]);
});
