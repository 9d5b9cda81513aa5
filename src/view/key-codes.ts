// The page's KeyboardEvent.code (W3C UI Events KeyboardEvent code values:
// the physical key, whatever the page's layout) → Linux evdev key codes
// (input-event-codes.h), which the seat's xkb keymap turns into symbols. So
// a key pressed in the live view is the same physical key on the seat, and
// the compositor's layout (--keyboard-layout), not the browser's, decides
// what it types — as on a real keyboard.

const LETTERS: Readonly<Record<string, number>> = {
  Q: 16, W: 17, E: 18, R: 19, T: 20, Y: 21, U: 22, I: 23, O: 24, P: 25,
  A: 30, S: 31, D: 32, F: 33, G: 34, H: 35, J: 36, K: 37, L: 38,
  Z: 44, X: 45, C: 46, V: 47, B: 48, N: 49, M: 50,
};

const OTHERS: Readonly<Record<string, number>> = {
  Escape: 1, Minus: 12, Equal: 13, Backspace: 14, Tab: 15, BracketLeft: 26, BracketRight: 27, Enter: 28,
  ControlLeft: 29, Semicolon: 39, Quote: 40, Backquote: 41, ShiftLeft: 42, Backslash: 43, Comma: 51, Period: 52,
  Slash: 53, ShiftRight: 54, NumpadMultiply: 55, AltLeft: 56, Space: 57, CapsLock: 58, NumLock: 69, ScrollLock: 70,
  Numpad7: 71, Numpad8: 72, Numpad9: 73, NumpadSubtract: 74, Numpad4: 75, Numpad5: 76, Numpad6: 77, NumpadAdd: 78,
  Numpad1: 79, Numpad2: 80, Numpad3: 81, Numpad0: 82, NumpadDecimal: 83, IntlBackslash: 86, F11: 87, F12: 88,
  NumpadEnter: 96, ControlRight: 97, NumpadDivide: 98, PrintScreen: 99, AltRight: 100, Home: 102, ArrowUp: 103,
  PageUp: 104, ArrowLeft: 105, ArrowRight: 106, End: 107, ArrowDown: 108, PageDown: 109, Insert: 110, Delete: 111,
  Pause: 119, MetaLeft: 125, MetaRight: 126, ContextMenu: 127,
};

const CODES = new Map<string, number>([
  ...Object.entries(OTHERS),
  ...Object.entries(LETTERS).map(([k, v]): [string, number] => [`Key${k}`, v]),
  // Digit1..Digit9 are 2..10, Digit0 is 11.
  ...Array.from({ length: 10 }, (_, d): [string, number] => [`Digit${d}`, d === 0 ? 11 : d + 1]),
  // F1..F10 are 59..68.
  ...Array.from({ length: 10 }, (_, i): [string, number] => [`F${i + 1}`, 59 + i]),
]);

/** The evdev code of a KeyboardEvent.code, or undefined for a key the seat has no code for. */
export function evdevOfCode(code: string): number | undefined {
  return CODES.get(code);
}
