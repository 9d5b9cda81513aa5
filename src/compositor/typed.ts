// Typed request handlers, derived from the `as const` protocol descriptors.
//
// The server core dispatches `(resource, args: readonly ArgValue[])`; this
// module is the one place that turns that into typed parameters, so the
// compositor's handlers read `attach: (surface, buffer, x, y) => ...` with
// `buffer: Resource | null`, `x: number`, and never cast.
//
// Invariants:
//  - the parameter types come from each request's signature string at
//    compile time, and the same signature is checked at run time before the
//    handler runs (the decoder already enforces it; the check is what lets
//    the types be believed without a cast);
//  - `fixed` arguments arrive as numbers, already decoded from 24.8 by the
//    wire codec;
//  - owner data is read back with `dataOf(resource, Class)`, an instanceof
//    check, never a cast.
import type { InterfaceDesc } from '../protocol/types.js';
import { ReceivedFd, Resource, type ArgValue, type RequestHandler } from '../server/resource.js';

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

function matches(code: string, nullable: boolean, v: ArgValue): boolean {
  if (v === null) return nullable;
  switch (code) {
    case 'i':
    case 'u':
    case 'f':
      return typeof v === 'number';
    case 's':
      return typeof v === 'string';
    case 'a':
      return v instanceof Uint8Array;
    case 'h':
      return v instanceof ReceivedFd;
    case 'o':
    case 'n':
      return v instanceof Resource;
    default:
      return false;
  }
}

/** Arguments match the signature (the run-time half of SignatureArgs). */
function argsMatch<S extends string>(signature: S, args: readonly ArgValue[]): args is SignatureArgs<S> {
  let k = 0;
  for (let i = 0; i < signature.length; i++) {
    const nullable = signature[i] === '?';
    if (nullable) i++;
    if (!matches(signature[i] ?? '', nullable, args[k++] ?? null)) return false;
  }
  return k === args.length;
}

/**
 * Sets the request handlers of `resource` (an object of interface `iface`).
 * A request without a handler is ignored (a destructor still destroys).
 */
export function implement<I extends InterfaceDesc>(resource: Resource, iface: I, handlers: NoInfer<Handlers<I>>, data?: unknown): Resource {
  if (resource.iface !== iface) throw new TypeError(`${resource} is not a ${iface.name}`);
  const table: Record<string, RequestHandler> = {};
  for (const desc of iface.requests) {
    const handler: unknown = Object.getOwnPropertyDescriptor(handlers, desc.name)?.value;
    if (typeof handler !== 'function') continue;
    const signature = desc.signature;
    table[desc.name] = (r, args) => {
      if (!argsMatch(signature, args)) throw new TypeError(`${r}.${desc.name}: arguments do not match '${signature}'`);
      Reflect.apply(handler, undefined, [r, ...args]);
    };
  }
  return resource.implement(table, data);
}

/** The owner data of `resource` if it is an instance of `type`, else null. */
export function dataOf<T>(resource: Resource | null, type: abstract new (...args: never[]) => T): T | null {
  const d: unknown = resource?.data;
  return d instanceof type ? d : null;
}
