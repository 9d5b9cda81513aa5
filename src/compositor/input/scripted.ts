// Scripted input from TypeScript: `compositor.input.type('text')`,
// `key('ctrl+c')`, `pointer.move(x, y)`, `click()`, `scroll(dy)`.
//
// Invariants:
//  - typing uses the seat's keymap: each character becomes its keysym, then
//    the key and the modifiers (Shift, AltGr, ...) that produce it on the
//    first layout, pressed before and released after; a character the
//    keymap cannot type is an error before anything is sent;
//  - every call sends its whole sequence (press and release) at once and
//    resolves once the events were written to the clients' sockets;
//  - scripted keys come from the seat's own device: if a virtual keyboard
//    typed last, the seat's keymap is sent again first.
import { keysymFromName, keysymOfChar, keysymName } from './xkb.js';
import { AXIS, AXIS_SOURCE, BUTTON, WHEEL_STEP } from './pointer.js';
import type { Seat } from './seat.js';

/** Modifier names of key combos → the keysym of the key that holds them. */
const COMBO_MODIFIERS: Readonly<Record<string, string>> = {
  ctrl: 'Control_L',
  control: 'Control_L',
  shift: 'Shift_L',
  alt: 'Alt_L',
  super: 'Super_L',
  logo: 'Super_L',
  meta: 'Super_L',
  altgr: 'ISO_Level3_Shift',
};

/** Resolves after the socket writes queued so far (connections flush in a microtask). */
const flushed = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export type ButtonName = keyof typeof BUTTON;

export class ScriptedPointer {
  readonly #seat: Seat;

  constructor(seat: Seat) {
    this.#seat = seat;
  }

  /** Moves the pointer to (x, y), layout-logical. */
  async move(x: number, y: number): Promise<void> {
    this.#seat.pointer.move(x, y);
    await flushed();
  }

  async press(button: ButtonName | number = 'left'): Promise<void> {
    this.#seat.pointer.button(buttonCode(button), true);
    await flushed();
  }

  async release(button: ButtonName | number = 'left'): Promise<void> {
    this.#seat.pointer.button(buttonCode(button), false);
    await flushed();
  }

  /** Press and release (at (x, y) if given). */
  async click(button: ButtonName | number = 'left', at?: { x: number; y: number }): Promise<void> {
    if (at) this.#seat.pointer.move(at.x, at.y);
    const code = buttonCode(button);
    this.#seat.pointer.button(code, true);
    this.#seat.pointer.button(code, false);
    await flushed();
  }

  /** Wheel steps: positive dy scrolls down, positive dx right. */
  async scroll(dy: number, dx = 0): Promise<void> {
    const p = this.#seat.pointer;
    if (dy) p.axis(AXIS.vertical_scroll, dy * WHEEL_STEP, Math.trunc(dy), AXIS_SOURCE.wheel);
    if (dx) p.axis(AXIS.horizontal_scroll, dx * WHEEL_STEP, Math.trunc(dx), AXIS_SOURCE.wheel);
    await flushed();
  }
}

function buttonCode(b: ButtonName | number): number {
  return typeof b === 'number' ? b : BUTTON[b];
}

interface Stroke {
  /** evdev keycodes of the modifiers to hold, then the key. */
  modifiers: number[];
  key: number;
}

export class Input {
  readonly #seat: Seat;
  readonly pointer: ScriptedPointer;

  constructor(seat: Seat) {
    this.#seat = seat;
    this.pointer = new ScriptedPointer(seat);
  }

  #stroke(keysym: number, what: string): Stroke {
    const km = this.#seat.keymap;
    const found = keysym === 0 ? null : km.lookup(keysym);
    if (!found) throw new RangeError(`cannot type ${what}: not on the seat's keymap`);
    const modifiers: number[] = [];
    for (let bit = 1; bit !== 0 && bit <= found.mods; bit <<= 1) {
      if (!(found.mods & bit)) continue;
      const code = km.modifierKeys.get(bit);
      if (code === undefined) throw new RangeError(`cannot type ${what}: no key holds its modifiers`);
      modifiers.push(code - 8);
    }
    return { modifiers, key: found.keycode - 8 };
  }

  #send(strokes: readonly Stroke[]): void {
    const kb = this.#seat.keyboard;
    const dev = kb.seatDevice;
    for (const s of strokes) {
      for (const m of s.modifiers) kb.key(dev, m, true);
      kb.key(dev, s.key, true);
      kb.key(dev, s.key, false);
      for (const m of [...s.modifiers].reverse()) kb.key(dev, m, false);
    }
  }

  /** Types `text` ('\n' is Return) to the focused client. */
  async type(text: string): Promise<void> {
    const strokes = [...text].map((ch) => this.#stroke(keysymOfChar(ch), JSON.stringify(ch)));
    this.#send(strokes);
    await flushed();
  }

  /** Presses and releases one key by keysym name, with modifiers: 'Return', 'ctrl+c', 'ctrl+shift+Escape'. */
  async key(combo: string): Promise<void> {
    const parts = combo.split('+');
    const name = parts.pop() ?? '';
    const held: number[] = [];
    for (const m of parts) {
      const sym = COMBO_MODIFIERS[m.toLowerCase()];
      if (!sym) throw new RangeError(`unknown modifier '${m}' in '${combo}' (known: ${Object.keys(COMBO_MODIFIERS).join(', ')})`);
      held.push(this.#stroke(keysymFromName(sym), sym).key);
    }
    const keysym = [...name].length === 1 ? keysymOfChar(name) : keysymFromName(name);
    const s = this.#stroke(keysym, `'${name}'${keysym ? ` (${keysymName(keysym)})` : ''}`);
    this.#send([{ modifiers: [...held, ...s.modifiers.filter((m) => !held.includes(m))], key: s.key }]);
    await flushed();
  }
}
