// Selects the test build of the addon (build/Release/nosigbus_testing.node:
// the production sources plus native/addon/testing.c's hooks) for this
// process, its workers and its children; src/shm/native.ts reads the
// variable once, when it loads. Import it before anything that loads src/
// (test/support/native-testing.ts does, first of all).
process.env.NOSIGBUS_TEST_BUILD = '1';

export {};
