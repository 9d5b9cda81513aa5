// Keymaps for wl_keyboard: compiled by libxkbcommon (the addon) and shared
// with clients as a sealed memfd. The seat (issue 9) builds on this.
//
// Invariants:
//  - the file a client maps is a memfd sealed against write, shrink, grow and
//    further seals: no client can change or truncate what another maps;
//  - it holds the xkb_v1 text and its terminating NUL; `size` counts the NUL
//    (what wl_keyboard.keymap's size means to libxkbcommon clients);
//  - lookup() answers from the first layout: the lowest level that produces
//    the keysym, with a modifier mask made only of modifiers that some key
//    of this keymap sets when held (never a locked one such as Caps Lock);
//  - keycodes here are xkb keycodes (evdev + 8); wl_keyboard.key sends evdev;
//  - building a Keymap is O(keys) on top of libxkbcommon's compile, with one
//    xkb_state for the modifier probe (a fresh one only after a probe left
//    state behind); libxkbcommon's compile is super-linear in the keys of
//    the text and costs each included file: includedFiles() lets a caller
//    bound that before compiling a client's text (virtual-input.ts).
import { closeSync, writeSync } from 'node:fs';
import { addSeals, memfd } from '../../shm/fd.js';
import { native, type XkbKeymapHandle } from '../../shm/native.js';

const xkb = native.xkb;

export interface KeymapNames {
  rules?: string;
  model?: string;
  layout?: string;
  variant?: string;
  options?: string;
}

export interface KeyStroke {
  /** xkb keycode (evdev + 8). */
  keycode: number;
  /** Modifiers that must be held (a mask over this keymap's modifier indices). */
  mods: number;
}

/** Keysyms of keys that set a modifier while held. */
const MODIFIER_KEYSYMS = ['Shift_L', 'Shift_R', 'Control_L', 'Control_R', 'Alt_L', 'Alt_R', 'Super_L', 'Super_R', 'ISO_Level3_Shift', 'ISO_Level5_Shift'].map((n) => xkb.keysymFromName(n));

export class Keymap {
  readonly handle: XkbKeymapHandle;
  readonly text: string;
  /** Sealed memfd holding the text and its NUL; closed by close(). */
  readonly fd: number;
  readonly size: number;
  /** Modifier bit → an xkb keycode that sets it while held. */
  readonly modifierKeys = new Map<number, number>();
  readonly #strokes = new Map<number, KeyStroke>();
  #closed = false;

  private constructor(handle: XkbKeymapHandle) {
    this.handle = handle;
    this.text = xkb.keymapText(handle);
    const bytes = Buffer.from(`${this.text}\0`, 'utf8');
    this.size = bytes.length;
    this.fd = memfd('nosigbus-keymap', this.size);
    try {
      for (let off = 0; off < bytes.length; ) off += writeSync(this.fd, bytes, off, bytes.length - off, off);
      addSeals(this.fd, ['write', 'shrink', 'grow', 'seal']);
    } catch (e) {
      closeSync(this.fd);
      throw e;
    }
    const table = xkb.keymapKeys(handle);
    const scratch = new Uint32Array(4);
    // One state for every probe: pressed then released, a key leaves nothing
    // behind unless it locks or latches; only then is a fresh state needed.
    let probe = xkb.stateNew(handle);
    for (let i = 0; i + 3 < table.length; i += 4) {
      const keycode = table[i]!;
      const keysym = table[i + 2]!;
      if (table[i + 1] !== 0 || !MODIFIER_KEYSYMS.includes(keysym)) continue;
      xkb.stateUpdateKey(probe, keycode, true, scratch);
      const depressed = scratch[0]!;
      for (let bit = 0; bit < 32; bit++) if (depressed === 1 << bit && !this.modifierKeys.has(1 << bit)) this.modifierKeys.set(1 << bit, keycode);
      xkb.stateUpdateKey(probe, keycode, false, scratch);
      if (scratch[0] !== 0 || scratch[1] !== 0 || scratch[2] !== 0 || scratch[3] !== 0) probe = xkb.stateNew(handle);
    }
    for (let i = 0; i + 3 < table.length; i += 4) {
      const [keycode, , keysym, mods] = [table[i]!, table[i + 1]!, table[i + 2]!, table[i + 3]!];
      if (this.#strokes.has(keysym) || !this.#producible(mods)) continue;
      this.#strokes.set(keysym, { keycode, mods });
    }
  }

  /** Compiles a keymap from RMLVO names (default: the us layout). Throws ERR_NOSIGBUS_XKB. */
  static fromNames(names: KeymapNames = {}): Keymap {
    return new Keymap(xkb.keymapFromNames(names.rules ?? null, names.model ?? null, names.layout ?? 'us', names.variant ?? null, names.options ?? null));
  }

  /** Compiles xkb_v1 text (a client's keymap); null if it does not compile. */
  static fromBytes(bytes: Uint8Array): Keymap | null {
    const handle = xkb.keymapFromBytes(bytes);
    return handle ? new Keymap(handle) : null;
  }

  #producible(mods: number): boolean {
    for (let bit = 1; bit !== 0 && bit <= mods; bit <<= 1) if (mods & bit && !this.modifierKeys.has(bit)) return false;
    return true;
  }

  /** The key and held modifiers that type `keysym`, or null. */
  lookup(keysym: number): KeyStroke | null {
    return this.#strokes.get(keysym) ?? null;
  }

  /** Modifier mask by name ('Shift', 'Control', 'Mod1', ...), 0 if none. */
  modMask(name: string): number {
    const i = xkb.modIndex(this.handle, name);
    return i < 0 ? 0 : 1 << i;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    closeSync(this.fd);
  }
}

const INCLUDE_WORDS = new Set(['include', 'augment', 'override', 'replace', 'alternate']);

function isWordByte(c: number, first: boolean): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || (!first && c >= 0x30 && c <= 0x39);
}

/**
 * How many files the include statements of xkb_v1 text name: a string after
 * include, augment, override, replace or alternate (any case, as xkbcommon
 * reads keywords) names one file, and one more per '+', '|' or '^' in it.
 * Skips # and // comments and strings elsewhere, as xkbcommon's scanner
 * does; counts conservatively (never fewer than xkbcommon would open). O(n).
 */
export function includedFiles(text: Uint8Array): number {
  let files = 0;
  let word = '';
  for (let i = 0; i < text.length; ) {
    const c = text[i]!;
    if (c === 0x23 /* # */ || (c === 0x2f /* / */ && text[i + 1] === 0x2f)) {
      while (i < text.length && text[i] !== 0x0a) i++;
    } else if (c === 0x22 /* " */) {
      const counts = INCLUDE_WORDS.has(word);
      if (counts) files++;
      for (i++; i < text.length && text[i] !== 0x22; i++) {
        if (text[i] === 0x5c /* \ */) i++;
        else if (counts && (text[i] === 0x2b || text[i] === 0x7c || text[i] === 0x5e)) files++;
      }
      i++;
      word = '';
    } else if (isWordByte(c, true)) {
      const start = i;
      while (i < text.length && isWordByte(text[i]!, false)) i++;
      word = i - start <= 9 ? Buffer.from(text.subarray(start, i)).toString('latin1').toLowerCase() : '';
    } else {
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) word = '';
      i++;
    }
  }
  return files;
}

/** Keysym of a character ('\n' is Return), 0 if none. */
export function keysymOfChar(ch: string): number {
  if (ch === '\n' || ch === '\r') return xkb.keysymFromName('Return');
  const cp = ch.codePointAt(0);
  return cp === undefined ? 0 : xkb.utf32ToKeysym(cp);
}

/** Keysym by name ('Return', 'a', 'Escape'), 0 if none. */
export function keysymFromName(name: string): number {
  return xkb.keysymFromName(name);
}

export function keysymName(keysym: number): string {
  return xkb.keysymName(keysym);
}
