// The production addon (build/Release/nosigbus.node, what src/ loads) has
// no test hooks: they are in the test build alone (native/addon/testing.c,
// binding.gyp's nosigbus_testing target), which test/support/native-testing.ts
// selects where a test needs them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { native, testingBuild } from '../../src/shm/native.js';

test('the production addon has no testing exports', () => {
  assert.equal(process.env.NOSIGBUS_TEST_BUILD, undefined, 'this process did not ask for the test build');
  assert.equal('testing' in native, false);
  assert.equal('testing' in native.socket, false);
  assert.equal(typeof native.readUnguarded, 'function', "the main job's unguarded reader is a production export");
  assert.throws(() => testingBuild(), /production addon/);
});
