// Unguessable tokens handed to clients (activation tokens, xdg-foreign handles).
//
// Web Crypto's global, loaded on first use: importing node:crypto costs
// every start ~2 MiB and a few milliseconds, for what few clients ask.

/** 128 random bits as 32 hex digits. */
export function randomToken(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('hex');
}
