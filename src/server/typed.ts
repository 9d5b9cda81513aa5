// Typed request handlers, derived from the `as const` protocol descriptors.
//
// The server core calls handlers set with implementWithParameters() as
// `(resource, ...arguments)`; this module is the one place that gives those
// parameters their types, so the compositor's handlers read `attach:
// (surface, buffer, x, y) => ...` with `buffer: Resource | null`,
// `x: number`, and never cast.
//
// Invariants:
//  - the parameter types come from each request's signature string at
//    compile time; at run time the server's dispatcher calls them
//    (Resource.handleRequest) with what it decoded and resolved from that
//    same signature (ArgValue): the codec checked every value, so the types
//    hold without a check per request (an untyped new_id arrives as its id,
//    a number: only wl_registry.bind has one, served by Display);
//  - `fixed` arguments arrive as numbers, already decoded from 24.8 by the
//    wire codec;
//  - owner data is read back with `dataOf(resource, Class)`, an instanceof
//    check, never a cast.
import type { InterfaceDesc } from '../protocol/types.js';
import type { ReceivedFd, Resource } from './resource.js';

type ArgOf<C extends string> = C extends 'i' | 'u' | 'f'
  ? number
  : C extends 's'
    ? string
    : C extends 'a'
      ? Uint8Array
      : C extends 'h'
        ? ReceivedFd
        : C extends 'o' | 'n'
          ? Resource
          : never;

/** The parameter tuple of a libwayland signature: 'n?oo' → [Resource, Resource | null, Resource]. */
export type SignatureArgs<S extends string> = S extends `?${infer C}${infer Rest}`
  ? [ArgOf<C> | null, ...SignatureArgs<Rest>]
  : S extends `${infer C}${infer Rest}`
    ? [ArgOf<C>, ...SignatureArgs<Rest>]
    : [];

type RequestOf<I extends InterfaceDesc> = I['requests'][number];

/** Handlers by request name, each typed from its signature. */
export type Handlers<I extends InterfaceDesc> = {
  readonly [M in RequestOf<I> as M['name']]?: (resource: Resource, ...args: SignatureArgs<M['signature']>) => void;
};

/**
 * Sets the request handlers of `resource` (an object of interface `iface`).
 * A request without a handler is ignored (a destructor still destroys).
 */
export function implement<I extends InterfaceDesc>(resource: Resource, iface: I, handlers: NoInfer<Handlers<I>>, data?: unknown): Resource {
  if (resource.iface !== iface) throw new TypeError(`${resource} is not a ${iface.name}`);
  return resource.implementWithParameters(handlers, data);
}

/** The owner data of `resource` if it is an instance of `type`, else null. */
export function dataOf<T>(resource: Resource | null, type: abstract new (...args: never[]) => T): T | null {
  const d: unknown = resource?.data;
  return d instanceof type ? d : null;
}
