/* addon.c: module init and the N-API helpers every module uses. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common.h"
#include "../guard/guard.h"

void nsb_throw_pending(napi_env env, const char *what) {
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) nsb_throw(env, "ERR_NOSIGBUS_INTERNAL", 0, NULL, "N-API call failed: %s", what);
}

static void set_prop(napi_env env, napi_value obj, const char *name, napi_value v) {
  if (v) napi_set_named_property(env, obj, name, v);
}

void nsb_throw(napi_env env, const char *code, int err, const char *syscall, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (err && n >= 0 && (size_t)n < sizeof msg)
    snprintf(msg + n, sizeof msg - (size_t)n, " (%s: %s)", strerrorname_np(err) ? strerrorname_np(err) : "?",
             strerror(err));
  napi_value jcode, jmsg, error;
  if (napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &jcode) != napi_ok ||
      napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &jmsg) != napi_ok ||
      napi_create_error(env, jcode, jmsg, &error) != napi_ok) {
    napi_throw_error(env, code, msg);
    return;
  }
  if (err) {
    napi_value v;
    if (napi_create_int32(env, err, &v) == napi_ok) set_prop(env, error, "errno", v);
    const char *name = strerrorname_np(err);
    if (name && napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &v) == napi_ok) set_prop(env, error, "sysCode", v);
    if (syscall && napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &v) == napi_ok)
      set_prop(env, error, "syscall", v);
  }
  napi_throw(env, error);
}

static int bad_arg(napi_env env, const char *name, const char *what) {
  nsb_throw(env, "ERR_NOSIGBUS_BAD_ARGUMENT", 0, NULL, "%s must be %s", name, what);
  return -1;
}

int nsb_arg_int32(napi_env env, napi_value v, const char *name, int32_t *out) {
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok || d != (double)(int32_t)d) return bad_arg(env, name, "an int32");
  *out = (int32_t)d;
  return 0;
}

int nsb_arg_u64(napi_env env, napi_value v, const char *name, uint64_t *out) {
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok || !(d >= 0) || d > 9007199254740991.0 || d != (double)(uint64_t)d)
    return bad_arg(env, name, "a non-negative safe integer");
  *out = (uint64_t)d;
  return 0;
}

int nsb_arg_fd(napi_env env, napi_value v, const char *name, int *fd) {
  int32_t x;
  if (nsb_arg_int32(env, v, name, &x)) return -1;
  if (x < 0) {
    nsb_throw(env, "ERR_NOSIGBUS_BAD_FD", EBADF, NULL, "%s must be a file descriptor, got %d", name, x);
    return -1;
  }
  *fd = x;
  return 0;
}

int nsb_arg_bool(napi_env env, napi_value v, const char *name, int *out) {
  bool b;
  if (napi_get_value_bool(env, v, &b) != napi_ok) return bad_arg(env, name, "a boolean");
  *out = b;
  return 0;
}

int nsb_arg_bytes(napi_env env, napi_value v, const char *name, uint8_t **data, size_t *len) {
  bool is = false;
  void *p = NULL;
  if (napi_is_typedarray(env, v, &is) == napi_ok && is) {
    napi_typedarray_type type;
    size_t count;
    if (napi_get_typedarray_info(env, v, &type, &count, &p, NULL, NULL) != napi_ok) return bad_arg(env, name, "bytes");
    size_t el = 1;
    switch (type) {
      case napi_int16_array: case napi_uint16_array: el = 2; break;
      case napi_int32_array: case napi_uint32_array: case napi_float32_array: el = 4; break;
      case napi_float64_array: case napi_bigint64_array: case napi_biguint64_array: el = 8; break;
      default: el = 1;
    }
    *data = p;
    *len = count * el;
    return 0;
  }
  if (napi_is_dataview(env, v, &is) == napi_ok && is) {
    if (napi_get_dataview_info(env, v, len, &p, NULL, NULL) != napi_ok) return bad_arg(env, name, "bytes");
    *data = p;
    return 0;
  }
  if (napi_is_arraybuffer(env, v, &is) == napi_ok && is) {
    if (napi_get_arraybuffer_info(env, v, &p, len) != napi_ok) return bad_arg(env, name, "bytes");
    *data = p;
    return 0;
  }
  return bad_arg(env, name, "a TypedArray, DataView or ArrayBuffer");
}

napi_value nsb_undefined(napi_env env) {
  napi_value v;
  napi_get_undefined(env, &v);
  return v;
}

napi_value nsb_number(napi_env env, double d) {
  napi_value v;
  napi_create_double(env, d, &v);
  return v;
}

napi_value nsb_bool(napi_env env, int b) {
  napi_value v;
  napi_get_boolean(env, b != 0, &v);
  return v;
}

int nsb_export(napi_env env, napi_value exports, const char *name, napi_callback cb) {
  napi_value fn;
  if (napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, NULL, &fn) != napi_ok) return -1;
  return napi_set_named_property(env, exports, name, fn) == napi_ok ? 0 : -1;
}


NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  int err = guard_install();
  if (err) {
    nsb_throw(env, "ERR_NOSIGBUS_INSTALL", err, "sigaction", "could not install the SIGBUS handler");
    return NULL;
  }
  if (!nsb_mapping_init(env, exports)) return NULL;
  if (!nsb_fdutil_init(env, exports)) return NULL;
  if (!nsb_socket_init(env, exports)) return NULL;
  if (!nsb_xkb_init(env, exports)) return NULL;
  if (!nsb_pixels_init(env, exports)) return NULL;
  if (!nsb_composite_init(env, exports)) return NULL;
  if (!nsb_copy_init(env, exports)) return NULL;
  if (!nsb_unguarded_init(env, exports)) return NULL;
#ifdef NOSIGBUS_TESTING
  if (!nsb_testing_init(env, exports)) return NULL; /* the test build only (binding.gyp) */
#endif
  return exports;
}
