// What the session tests share: expecting a ControlError.
import assert from 'node:assert/strict';
import { ControlError } from '../../src/session/requests.js';

/** The ControlError `p` rejects with (fails if it resolves or rejects with anything else). */
export async function rejection(p: Promise<unknown>): Promise<ControlError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ControlError, String(e));
    return e;
  }
  assert.fail('resolved, expected a rejection');
}
