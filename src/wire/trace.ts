// WAYLAND_DEBUG tracing in libwayland's exact format (wl_closure_print,
// libwayland 1.21):
//
//   [2417437.452] wl_registry@2.global(1, "wl_compositor", 4)
//   [2417437.464]  -> wl_registry@2.bind(4, "zxdg_output_manager_v1", 2, new id [unknown]@4)
//
// The timestamp is CLOCK_REALTIME in microseconds, truncated to 32 bits as
// libwayland's `unsigned int time` is, printed "%7u.%03u" (ms.µs). Sent
// messages get " -> ", received ones nothing; "discarded " prefixes a message
// a client dropped (no listener / zombie object). Arguments: %u, %d, fixed as
// "%d.%08d" (exact, e.g. -1.50000000), strings in double quotes, "nil" for a
// null string or object, "new id <interface>@<id>" ("[unknown]" when the
// descriptor has no type, as for wl_registry.bind), "array[N]", "fd N".

import type { MessageDesc } from '../protocol/types.js';
import type { WireValue } from './codec.js';

export type TraceDirection = 'send' | 'receive';

export interface TraceOptions {
  /** Wall-clock time in µs since the epoch; default now. */
  readonly timeUs?: number;
  /** Print "discarded " before the target (libwayland's client side). */
  readonly discarded?: boolean;
  /**
   * Interface of an object argument's id (libwayland prints the object's own
   * interface). Without it, or when it returns undefined, the message's
   * declared type is used, then "[unknown]".
   */
  readonly objectInterface?: (id: number) => string | null | undefined;
}

/** WAYLAND_DEBUG as libwayland reads it: "1" → both sides, else the side's name (substring match). */
export function tracingEnabled(side: 'server' | 'client', env: string | undefined = process.env.WAYLAND_DEBUG): boolean {
  return env !== undefined && (env.includes(side) || env.includes('1'));
}

/** Wall-clock µs since the epoch (CLOCK_REALTIME, µs resolution). */
export function nowUs(): number {
  return Math.floor((performance.timeOrigin + performance.now()) * 1000);
}

/** "[%7u.%03u]" of a time in µs since the epoch. */
export function traceTimestamp(timeUs: number = nowUs()): string {
  const us = Math.floor(timeUs) % 4294967296; // C: unsigned int of tv_sec*1e6 + tv_nsec/1e3
  const ms = Math.floor(us / 1000);
  const frac = us % 1000;
  return `[${String(ms).padStart(7, ' ')}.${String(frac).padStart(3, '0')}]`;
}

/** A 24.8 fixed as libwayland prints it ("%d.%08d", sign handled apart). */
export function formatFixed(value: number): string {
  const f = Math.round(value * 256) | 0;
  if (f >= 0) return `${Math.trunc(f / 256)}.${String(390625 * (f % 256)).padStart(8, '0')}`;
  return `-${Math.trunc(f / -256)}.${String(-390625 * (f % 256)).padStart(8, '0')}`;
}

/** One trace line, without the trailing newline. */
export function formatTrace(
  interfaceName: string,
  objectId: number,
  desc: MessageDesc,
  args: readonly WireValue[],
  direction: TraceDirection,
  options: TraceOptions = {},
): string {
  let line = `${traceTimestamp(options.timeUs)} ${options.discarded === true ? 'discarded ' : ''}${
    direction === 'send' ? ' -> ' : ''
  }${interfaceName}@${objectId >>> 0}.${desc.name}(`;
  const sig = desc.signature;
  let i = 0;
  for (let k = 0; k < sig.length; k++) {
    const c = sig[k];
    if (c === undefined || c === '?' || (c >= '0' && c <= '9')) continue;
    const v = args[i];
    if (i > 0) line += ', ';
    switch (c) {
      case 'u':
        line += String(Number(v) >>> 0);
        break;
      case 'i':
        line += String(Number(v) | 0);
        break;
      case 'f':
        line += formatFixed(Number(v));
        break;
      case 's':
        line += typeof v === 'string' ? `"${v}"` : 'nil';
        break;
      case 'o': {
        const id = typeof v === 'number' ? v >>> 0 : 0;
        if (id === 0) {
          line += 'nil';
        } else {
          const name = options.objectInterface?.(id) ?? desc.types[i] ?? '[unknown]';
          line += `${name}@${id}`;
        }
        break;
      }
      case 'n': {
        const id = typeof v === 'number' ? v >>> 0 : 0;
        line += `new id ${desc.types[i] ?? '[unknown]'}@${id !== 0 ? String(id) : 'nil'}`;
        break;
      }
      case 'a':
        line += v instanceof Uint8Array ? `array[${v.length}]` : 'nil';
        break;
      case 'h':
        line += `fd ${Number(v) | 0}`;
        break;
      default:
        line += '?';
    }
    i++;
  }
  return line + ')';
}

/** Writes one trace line to stderr, as libwayland does. */
export function trace(
  interfaceName: string,
  objectId: number,
  desc: MessageDesc,
  args: readonly WireValue[],
  direction: TraceDirection,
  options?: TraceOptions,
): void {
  process.stderr.write(formatTrace(interfaceName, objectId, desc, args, direction, options) + '\n');
}
