// Per-message facts the dispatcher needs, computed once per descriptor and
// kept per interface by opcode, so serving a request looks nothing up by
// name or in a WeakMap: a resource carries its interface's request plans.
import { interfaces } from '../protocol/index.js';
import type { InterfaceDesc, MessageDesc } from '../protocol/types.js';
import { argCodes, argTypes, type ArgCodes } from '../wire/codec.js';

export interface MessagePlan {
  readonly desc: MessageDesc;
  /** The signature compiled for the codec's decodeWith(). */
  readonly codes: ArgCodes;
  /** Argument type characters, one per argument ('?' and digits removed). */
  readonly types: string;
  /** Which arguments may be null. */
  readonly nullable: readonly boolean[];
  /** The interface of each typed new_id argument, else null. */
  readonly newObjects: readonly (InterfaceDesc | null)[];
  /** An object, typed new_id or fd argument: the decoded values are not yet what a handler gets. */
  readonly resolves: boolean;
  /** An fd argument. */
  readonly takesFds: boolean;
}

const plans = new WeakMap<MessageDesc, MessagePlan>();
const requestPlans = new WeakMap<InterfaceDesc, readonly MessagePlan[]>();

export function planOf(desc: MessageDesc): MessagePlan {
  let plan = plans.get(desc);
  if (!plan) {
    const types = argTypes(desc);
    const nullable: boolean[] = [];
    for (let k = 0, q = false; k < desc.signature.length; k++) {
      const c = desc.signature[k]!;
      if (c === '?') q = true;
      else if (c < '0' || c > '9') {
        nullable.push(q);
        q = false;
      }
    }
    const newObjects = [...types].map((c, i) => (c === 'n' && desc.types[i] ? interfaces.get(desc.types[i]!) ?? null : null));
    const takesFds = types.includes('h');
    const resolves = takesFds || types.includes('o') || newObjects.some((o) => o !== null);
    plan = { desc, codes: argCodes(desc), types, nullable, newObjects, resolves, takesFds };
    plans.set(desc, plan);
  }
  return plan;
}

/** The plans of an interface's requests, by opcode. */
export function requestPlansOf(iface: InterfaceDesc): readonly MessagePlan[] {
  let list = requestPlans.get(iface);
  if (!list) {
    list = iface.requests.map(planOf);
    requestPlans.set(iface, list);
  }
  return list;
}
