/*
 * unguarded.c: readUnguarded(fd, length) -> ArrayBuffer, a copy of
 * [0, length) of fd made through a plain MAP_SHARED mmap that nosigbus does
 * not guard. Past end of file it dies of SIGBUS, as any reader without a
 * guard would: the contrast the main job shows (src/cli/unguarded-reader.ts).
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "common.h"

napi_value nsb_read_unguarded(napi_env env, napi_callback_info info) {
  NSB_ARGS(env, info, 2);
  int32_t fd;
  uint64_t length;
  if (argc < 2 || nsb_arg_int32(env, argv[0], "fd", &fd) || nsb_arg_u64(env, argv[1], "length", &length)) return NULL;
  uint8_t *p = mmap(NULL, (size_t)length, PROT_READ, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) {
    nsb_throw(env, "ERR_NOSIGBUS_MAP_FAILED", errno, "mmap", "cannot map fd %d", fd);
    return NULL;
  }
  void *data;
  napi_value ab;
  if (napi_create_arraybuffer(env, (size_t)length, &data, &ab) != napi_ok) {
    munmap(p, (size_t)length);
    nsb_throw_pending(env, "napi_create_arraybuffer");
    return NULL;
  }
  memcpy(data, p, (size_t)length);
  munmap(p, (size_t)length);
  return ab;
}

napi_value nsb_unguarded_init(napi_env env, napi_value exports) {
  return nsb_export(env, exports, "readUnguarded", nsb_read_unguarded) ? NULL : exports;
}
