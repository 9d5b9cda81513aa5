// Typed interface descriptors: facts only (names, versions, opcodes,
// argument types, enum values), no description text. One signature string
// per message, as libwayland's `wl_message` does, so the wire codec stays a
// single table-driven loop.
//
// Signature characters (libwayland's): i int, u uint, f fixed, s string,
// o object, n new_id, a array, h fd; '?' before s/o/n/a marks it nullable.
// An untyped new_id (wl_registry.bind) is written expanded, as libwayland
// does: "sun" (interface name, version, id).

export type ArgType = 'i' | 'u' | 'f' | 's' | 'o' | 'n' | 'a' | 'h';

export interface MessageDesc {
  readonly name: string;
  /** Opcode = index in the requests/events array. */
  readonly since: number;
  readonly signature: string;
  /** Argument names, in wire order (the expanded untyped new_id gives three). */
  readonly args: readonly string[];
  /** Interface name per argument for o/n, null otherwise or when untyped. */
  readonly types: readonly (string | null)[];
  readonly destructor?: true;
}

export interface EnumDesc {
  readonly bitfield: boolean;
  readonly since: number;
  readonly entries: Readonly<Record<string, number>>;
}

export interface InterfaceDesc {
  readonly name: string;
  readonly version: number;
  readonly requests: readonly MessageDesc[];
  readonly events: readonly MessageDesc[];
  readonly enums: Readonly<Record<string, EnumDesc>>;
}
