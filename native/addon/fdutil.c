/* fdutil.c: memfd, seals and file size helpers (for clients, tests and reports). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"

#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#endif

/* memfd(name, size, seals, noexec) -> fd. seals: F_SEAL_* bits added after sizing. */
static napi_value js_memfd(napi_env env, napi_callback_info info) {
  NSB_ARGS(env, info, 4);
  char name[250];
  size_t name_len;
  uint64_t size;
  int32_t seals;
  int noexec;
  if (argc < 4 || napi_get_value_string_utf8(env, argv[0], name, sizeof name, &name_len) != napi_ok) {
    nsb_throw(env, "ERR_NOSIGBUS_BAD_ARGUMENT", 0, NULL, "name must be a string");
    return NULL;
  }
  if (nsb_arg_u64(env, argv[1], "size", &size) || nsb_arg_int32(env, argv[2], "seals", &seals) ||
      nsb_arg_bool(env, argv[3], "noexec", &noexec))
    return NULL;
  unsigned flags = MFD_CLOEXEC | MFD_ALLOW_SEALING | (noexec ? MFD_NOEXEC_SEAL : 0);
  int fd = memfd_create(name, flags);
  if (fd < 0) {
    nsb_throw(env, "ERR_NOSIGBUS_MEMFD", errno, "memfd_create", "cannot create memfd \"%s\"", name);
    return NULL;
  }
  if (ftruncate(fd, (off_t)size) != 0) {
    int err = errno;
    close(fd);
    nsb_throw(env, "ERR_NOSIGBUS_MEMFD", err, "ftruncate", "cannot size memfd to %llu bytes", (unsigned long long)size);
    return NULL;
  }
  if (seals && fcntl(fd, F_ADD_SEALS, seals) != 0) {
    int err = errno;
    close(fd);
    nsb_throw(env, "ERR_NOSIGBUS_MEMFD", err, "fcntl", "cannot add seals 0x%x", (unsigned)seals);
    return NULL;
  }
  return nsb_number(env, fd);
}

/* seals(fd) -> F_SEAL_* bits, 0 for files that do not support sealing. */
static napi_value js_seals(napi_env env, napi_callback_info info) {
  NSB_ARGS(env, info, 1);
  int32_t fd;
  if (argc < 1 || nsb_arg_int32(env, argv[0], "fd", &fd)) return NULL;
  int seals = fcntl(fd, F_GET_SEALS);
  if (seals < 0) {
    if (errno == EINVAL) return nsb_number(env, 0);
    nsb_throw(env, "ERR_NOSIGBUS_BAD_FD", errno, "fcntl", "cannot read the seals of fd %d", fd);
    return NULL;
  }
  return nsb_number(env, seals);
}

/* fileSize(fd) -> st_size */
static napi_value js_file_size(napi_env env, napi_callback_info info) {
  NSB_ARGS(env, info, 1);
  int32_t fd;
  if (argc < 1 || nsb_arg_int32(env, argv[0], "fd", &fd)) return NULL;
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0) {
    nsb_throw(env, "ERR_NOSIGBUS_BAD_FD", fd < 0 ? EBADF : errno, "fstat", "cannot stat fd %d", fd);
    return NULL;
  }
  return nsb_number(env, (double)st.st_size);
}

/* addSeals(fd, seals): F_ADD_SEALS. */
static napi_value js_add_seals(napi_env env, napi_callback_info info) {
  NSB_ARGS(env, info, 2);
  int32_t fd, seals;
  if (argc < 2 || nsb_arg_int32(env, argv[0], "fd", &fd) || nsb_arg_int32(env, argv[1], "seals", &seals)) return NULL;
  if (fcntl(fd, F_ADD_SEALS, seals) != 0) {
    nsb_throw(env, "ERR_NOSIGBUS_MEMFD", errno, "fcntl", "cannot add seals 0x%x to fd %d", (unsigned)seals, fd);
    return NULL;
  }
  return nsb_undefined(env);
}

napi_value nsb_fdutil_init(napi_env env, napi_value exports) {
  if (nsb_export(env, exports, "memfd", js_memfd) || nsb_export(env, exports, "seals", js_seals) ||
      nsb_export(env, exports, "fileSize", js_file_size) || nsb_export(env, exports, "addSeals", js_add_seals))
    return NULL;
  return exports;
}
