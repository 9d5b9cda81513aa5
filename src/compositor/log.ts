// Log levels, apart from compositor.ts so that the modules it wires (the seat)
// can name them without importing the compositor back.
export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

/** From the quietest to the most verbose: a level logs everything before it too. */
export const LEVELS: readonly LogLevel[] = ['error', 'warn', 'info', 'debug'];
