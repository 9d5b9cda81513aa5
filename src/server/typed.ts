// Typed requests and events, derived from the `as const` protocol descriptors.
//
// This module is the one place that gives protocol messages their types:
//  - request handlers set with implement() are called as `(resource,
//    ...arguments)`, so the compositor's handlers read `attach: (surface,
//    buffer, x, y) => ...` with `surface: Resource<typeof wl_surface>`,
//    `buffer: Resource<typeof wl_buffer> | null`, `x: number`, and never cast;
//  - events are sent with `resource.send('configure', w, h, states)`:
//    Resource<I> checks the event name against I and every argument against
//    the event's signature, at compile time (the version an event needs is
//    still checked when it is sent).
//
// Invariants:
//  - the types come from each message's signature string and its `types`
//    (the interface of each object or new_id argument) at compile time; at
//    run time the server's dispatcher calls the handlers
//    (Resource.handleRequest) with what it decoded and resolved from that
//    same signature (ArgValue): the codec checked every value, object types
//    included, so the types hold without a check per request (an untyped
//    new_id arrives as its id, a number: only wl_registry.bind has one,
//    served by Display);
//  - `fixed` values are numbers both ways: a request's arrive decoded from
//    24.8 by the wire codec, an event's are encoded to 24.8 by it;
//  - a plain `Resource` (interface unknown) sends nothing: every event goes
//    through a resource typed by its interface;
//  - owner data is `unknown` to the server: it is read back with
//    `dataOf(resource, Class)`, an instanceof check, never a cast.
import type { Interfaces } from '../protocol/index.js';
import type { InterfaceDesc, MessageDesc } from '../protocol/types.js';
import type { WireValue } from '../wire/codec.js';
import type { ReceivedFd, Resource } from './resource.js';

/** Which way a message goes: a request is decoded (an fd arrives as a
 * ReceivedFd, an untyped new_id as its id), an event encoded (an fd is a
 * number, dup'ed when sent). */
type Direction = 'request' | 'event';

/** An object of the interface named `T` (an entry of a message's `types`); any resource when untyped or unknown. */
type ObjectOf<T> = T extends keyof Interfaces ? Resource<Interfaces[T]> : Resource;

type ArgOf<C extends string, T, D extends Direction> = C extends 'i' | 'u' | 'f'
  ? number
  : C extends 's'
    ? string
    : C extends 'a'
      ? Uint8Array
      : C extends 'h'
        ? D extends 'request'
          ? ReceivedFd
          : number
        : C extends 'o'
          ? ObjectOf<T>
          : C extends 'n'
            ? T extends string
              ? ObjectOf<T>
              : number
            : never;

/**
 * The argument tuple of a libwayland signature with its `types`:
 * ('n?oi', ['wl_surface', 'wl_buffer', null]) → [Resource<typeof wl_surface>,
 * Resource<typeof wl_buffer> | null, number].
 */
export type SignatureArgs<S extends string, T extends readonly unknown[], D extends Direction = 'request'> = S extends `?${infer C}${infer Rest}`
  ? T extends readonly [infer T0, ...infer TRest]
    ? [ArgOf<C, T0, D> | null, ...SignatureArgs<Rest, TRest, D>]
    : never
  : S extends `${infer C}${infer Rest}`
    ? T extends readonly [infer T0, ...infer TRest]
      ? [ArgOf<C, T0, D>, ...SignatureArgs<Rest, TRest, D>]
      : never
    : [];

type MessageArgs<M extends MessageDesc, D extends Direction> = SignatureArgs<M['signature'], M['types'], D>;

// For a union of interfaces (a resource of one of several, e.g. a selection
// source of any protocol) an event must suit every one of them: the names
// they all have, with arguments each accepts (the intersection, inferred
// from contravariant positions).
type EventNames<I> = I extends InterfaceDesc ? (names: I['events'][number]['name']) => void : never;
type EventArgTuples<I, N> = I extends InterfaceDesc ? ArgTuplesOf<Extract<I['events'][number], { readonly name: N }>> : never;
type ArgTuplesOf<M> = M extends MessageDesc ? (args: MessageArgs<M, 'event'>) => void : never;

/** What an event argument may be (what Client.sendEvent encodes). */
export type EventValue = WireValue | Resource;

/** The events a Resource<I> may send: none when the interface is not known (I is InterfaceDesc). */
export type EventName<I extends InterfaceDesc> = EventNames<I> extends (names: infer N) => void ? (string extends N ? never : N) : never;

/** The arguments of event `N` of I, in signature order. */
export type EventArgs<I extends InterfaceDesc, N> = EventArgTuples<I, N> extends (args: infer A extends EventValue[]) => void ? A : never;

/** Handlers by request name, each typed from its signature. */
export type Handlers<I extends InterfaceDesc> = {
  readonly [M in I['requests'][number] as M['name']]?: (resource: Resource<I>, ...args: MessageArgs<M, 'request'>) => void;
};

/**
 * Sets the request handlers of `resource`, an object of interface `iface`
 * (checked). A request without a handler is ignored (a destructor still
 * destroys).
 */
export function implement<I extends InterfaceDesc>(resource: Resource<NoInfer<I>>, iface: I, handlers: NoInfer<Handlers<I>>, data?: unknown): Resource<I> {
  if (resource.iface !== iface) throw new TypeError(`${resource} is not a ${iface.name}`);
  return resource.implementWithParameters(handlers, data);
}

/** Whether `resource` is an object of `iface` (checked at run time): narrows a resource of a
 * union of interfaces where one member's typed event takes an object of that same member. */
export function isResourceOf<I extends InterfaceDesc>(resource: Resource, iface: I): resource is Resource<I> {
  return resource.iface === iface;
}

/** The owner data of `resource` if it is an instance of `type`, else null. */
export function dataOf<T>(resource: Resource | null, type: abstract new (...args: never[]) => T): T | null {
  const d: unknown = resource?.data;
  return d instanceof type ? d : null;
}
