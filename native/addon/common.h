/* common.h: small N-API helpers shared by the addon's modules. */
#ifndef NOSIGBUS_COMMON_H
#define NOSIGBUS_COMMON_H

#include <node_api.h>
#include <stdint.h>

/* Evaluate an N-API call; on failure throw (if nothing is pending) and return NULL. */
#define NAPI_CALL(env, call)                                        \
  do {                                                              \
    if ((call) != napi_ok) {                                        \
      nsb_throw_pending(env, #call);                                \
      return NULL;                                                  \
    }                                                               \
  } while (0)

void nsb_throw_pending(napi_env env, const char *what);

/* Declares `argc` and `argv[n]` and fetches the call's arguments (missing
 * ones read as undefined). */
#define NSB_ARGS(env, info, n) \
  size_t argc = (n);           \
  napi_value argv[(n)];        \
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL))

/* NSB_ARGS, plus `data`: the function's data pointer (per-env state). */
#define NSB_ARGS_DATA(env, info, n, type, data) \
  size_t argc = (n);                            \
  napi_value argv[(n)];                         \
  void *data##_raw = NULL;                      \
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, &data##_raw)); \
  type *data = data##_raw

/* Throws an Error with `code` (ERR_NOSIGBUS_*), and when err != 0 also
 * `errno` (positive), `sysCode` (e.g. "EBADF") and `syscall`. */
void nsb_throw(napi_env env, const char *code, int err, const char *syscall, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Argument readers: return 0 on success, else throw ERR_NOSIGBUS_BAD_ARGUMENT. */
int nsb_arg_int32(napi_env env, napi_value v, const char *name, int32_t *out);
int nsb_arg_u64(napi_env env, napi_value v, const char *name, uint64_t *out);
int nsb_arg_bool(napi_env env, napi_value v, const char *name, int *out);
/* An int32 >= 0; a negative one throws ERR_NOSIGBUS_BAD_FD. */
int nsb_arg_fd(napi_env env, napi_value v, const char *name, int *fd);
/* Bytes of a TypedArray, DataView, Buffer or ArrayBuffer. */
int nsb_arg_bytes(napi_env env, napi_value v, const char *name, uint8_t **data, size_t *len);

napi_value nsb_undefined(napi_env env);
napi_value nsb_number(napi_env env, double d);
napi_value nsb_bool(napi_env env, int b);
int nsb_export(napi_env env, napi_value exports, const char *name, napi_callback cb);

/* The kernel's limit of fds in one SCM_RIGHTS message (SCM_MAX_FD). */
#define KERNEL_MAX_FDS 253

/* Module registration (one per source file). */
napi_value nsb_mapping_init(napi_env env, napi_value exports);
napi_value nsb_fdutil_init(napi_env env, napi_value exports);
napi_value nsb_socket_init(napi_env env, napi_value exports);
napi_value nsb_xkb_init(napi_env env, napi_value exports);
napi_value nsb_pixels_init(napi_env env, napi_value exports);
napi_value nsb_composite_init(napi_env env, napi_value exports);
napi_value nsb_copy_init(napi_env env, napi_value exports);
napi_value nsb_unguarded_init(napi_env env, napi_value exports);

/* mapping.c: the live window of a mapping handle (NULL and a thrown error if it is not one, or closed). */
uint8_t *nsb_mapping_window(napi_env env, napi_value handle, size_t *length);

/* unguarded.c: readUnguarded(fd, length), also among the test build's hooks. */
napi_value nsb_read_unguarded(napi_env env, napi_callback_info info);

#ifdef NOSIGBUS_TESTING
/* The test build (binding.gyp's nosigbus_testing target) adds testing.c: */
napi_value nsb_testing_init(napi_env env, napi_value exports);
/* mapping.c: behave like a runtime that refuses external buffers (map() and remap() hand out none). */
void nsb_set_refuse_external(int refuse);
#endif

#endif
