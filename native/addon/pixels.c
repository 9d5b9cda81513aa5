/* pixels.c: memory for the compositor's copies of client pixels, given back
 * to the system when the compositor says so, not when the GC runs.
 *
 *   pixelsAlloc(bytes) -> [ArrayBuffer, handle]  zeroed, private anonymous memory
 *   pixelsFree(buffer, handle)                   detach the buffer, unmap now
 *
 * Invariants:
 *  - the memory is a private anonymous mapping of its own: munmap returns it
 *    at once (malloc would keep it in an arena, and V8 frees an ArrayBuffer
 *    only when it collects it, which an idle compositor may never do);
 *  - pixelsFree detaches the ArrayBuffer before unmapping, so JavaScript can
 *    never reach the freed range (its views read as length 0); a second
 *    pixelsFree is a no-op;
 *  - the bookkeeping record is shared by the ArrayBuffer and the handle, and
 *    released by whichever of the two is collected last; a buffer never
 *    freed explicitly is unmapped when both are collected;
 *  - handles are type-tagged: another addon's external is refused. */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "common.h"

typedef struct pixels {
  void *base; /* NULL once unmapped */
  size_t len;
  int refs;   /* the ArrayBuffer and the handle */
} pixels;

static const napi_type_tag PIXELS_TAG = {0x6e6f736967627573ULL, 0x706978656c733031ULL};

static void pixels_unref(napi_env env, void *data, void *hint) {
  (void)env;
  (void)data;
  pixels *p = hint;
  if (--p->refs > 0) return;
  if (p->base) munmap(p->base, p->len);
  free(p);
}

static napi_value js_pixels_alloc(napi_env env, napi_callback_info info) {
  NSB_ARGS(env, info, 1);
  uint64_t bytes;
  if (argc < 1 || nsb_arg_u64(env, argv[0], "bytes", &bytes)) return NULL;
  if (bytes == 0 || bytes > ((uint64_t)1 << 40)) {
    nsb_throw(env, "ERR_NOSIGBUS_BAD_LENGTH", 0, NULL, "cannot allocate %llu bytes of pixels", (unsigned long long)bytes);
    return NULL;
  }
  pixels *p = malloc(sizeof *p);
  void *base = mmap(NULL, (size_t)bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (base == MAP_FAILED || !p) {
    int err = base == MAP_FAILED ? errno : ENOMEM;
    if (base != MAP_FAILED) munmap(base, (size_t)bytes);
    free(p);
    nsb_throw(env, "ERR_NOSIGBUS_NO_MEMORY", err, "mmap", "cannot allocate %llu bytes of pixels", (unsigned long long)bytes);
    return NULL;
  }
  p->base = base;
  p->len = (size_t)bytes;
  p->refs = 1;
  napi_value ab, handle, pair;
  if (napi_create_external_arraybuffer(env, base, (size_t)bytes, pixels_unref, p, &ab) != napi_ok) {
    munmap(base, (size_t)bytes);
    free(p);
    nsb_throw_pending(env, "napi_create_external_arraybuffer");
    return NULL;
  }
  /* From here the ArrayBuffer owns one reference: failures below leave it to the GC. */
  if (napi_create_external(env, p, pixels_unref, p, &handle) != napi_ok) {
    nsb_throw_pending(env, "napi_create_external");
    return NULL;
  }
  p->refs++;
  NAPI_CALL(env, napi_type_tag_object(env, handle, &PIXELS_TAG));
  NAPI_CALL(env, napi_create_array_with_length(env, 2, &pair));
  NAPI_CALL(env, napi_set_element(env, pair, 0, ab));
  NAPI_CALL(env, napi_set_element(env, pair, 1, handle));
  return pair;
}

static napi_value js_pixels_free(napi_env env, napi_callback_info info) {
  NSB_ARGS(env, info, 2);
  pixels *p = NULL;
  bool tagged = false, is_ab = false, detached = false;
  if (argc < 2 || napi_check_object_type_tag(env, argv[1], &PIXELS_TAG, &tagged) != napi_ok || !tagged ||
      napi_get_value_external(env, argv[1], (void **)&p) != napi_ok || !p) {
    nsb_throw(env, "ERR_NOSIGBUS_BAD_ARGUMENT", 0, NULL, "not a pixels handle");
    return NULL;
  }
  if (!p->base) return nsb_undefined(env);
  void *data = NULL;
  if (napi_is_arraybuffer(env, argv[0], &is_ab) != napi_ok || !is_ab ||
      napi_get_arraybuffer_info(env, argv[0], &data, NULL) != napi_ok) {
    nsb_throw(env, "ERR_NOSIGBUS_BAD_ARGUMENT", 0, NULL, "not the pixels' ArrayBuffer");
    return NULL;
  }
  NAPI_CALL(env, napi_is_detached_arraybuffer(env, argv[0], &detached));
  if (!detached && data != p->base) {
    nsb_throw(env, "ERR_NOSIGBUS_BAD_ARGUMENT", 0, NULL, "not the pixels' ArrayBuffer");
    return NULL;
  }
  if (!detached) NAPI_CALL(env, napi_detach_arraybuffer(env, argv[0]));
  munmap(p->base, p->len);
  p->base = NULL;
  return nsb_undefined(env);
}

napi_value nsb_pixels_init(napi_env env, napi_value exports) {
  if (nsb_export(env, exports, "pixelsAlloc", js_pixels_alloc) || nsb_export(env, exports, "pixelsFree", js_pixels_free))
    return NULL;
  return exports;
}
