/* xkb.c: keymaps and keyboard state through libxkbcommon, for wl_keyboard.
 *
 * Invariants:
 *  - a keymap or state handle is a type-tagged external: a wrong object is
 *    ERR_NOSIGBUS_BAD_ARGUMENT, never a bad pointer; the external holds one
 *    reference, dropped by its finalizer;
 *  - a keymap made from client text (a virtual keyboard's) is only compiled:
 *    failure is null, not an exception (the caller answers the client);
 *  - no process-wide state: each compile uses its own xkb_context (the keymap
 *    keeps what it needs), so worker threads may load the addon too.
 */
#include <stdlib.h>
#include <string.h>
#include <xkbcommon/xkbcommon.h>

#include "common.h"

static const napi_type_tag KEYMAP_TAG = {0x6e6f736967627573ULL, 0x786b626b65796d61ULL};
static const napi_type_tag STATE_TAG = {0x6e6f736967627573ULL, 0x786b627374617465ULL};

static void finalize_keymap(napi_env env, void *data, void *hint) {
  (void)env, (void)hint;
  xkb_keymap_unref(data);
}

static void finalize_state(napi_env env, void *data, void *hint) {
  (void)env, (void)hint;
  xkb_state_unref(data);
}

static napi_value wrap(napi_env env, void *p, const napi_type_tag *tag, napi_finalize fin) {
  napi_value v;
  if (napi_create_external(env, p, fin, NULL, &v) != napi_ok) {
    fin(env, p, NULL);
    nsb_throw_pending(env, "napi_create_external");
    return NULL;
  }
  NAPI_CALL(env, napi_type_tag_object(env, v, tag));
  return v;
}

static void *unwrap(napi_env env, napi_value v, const napi_type_tag *tag, const char *what) {
  napi_valuetype t;
  bool tagged = false;
  void *p = NULL;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_external ||
      napi_check_object_type_tag(env, v, tag, &tagged) != napi_ok || !tagged ||
      napi_get_value_external(env, v, &p) != napi_ok || !p) {
    nsb_throw(env, "ERR_NOSIGBUS_BAD_ARGUMENT", 0, NULL, "%s must be an xkb %s handle", what, what);
    return NULL;
  }
  return p;
}

/* A string argument into a malloc'ed buffer (NULL for undefined/null/""). *ok = 0 on a non-string. */
static char *opt_string(napi_env env, napi_value v, int *ok) {
  napi_valuetype t;
  *ok = 1;
  if (napi_typeof(env, v, &t) != napi_ok) return (*ok = 0), NULL;
  if (t == napi_undefined || t == napi_null) return NULL;
  if (t != napi_string) return (*ok = 0), NULL;
  size_t len;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) return (*ok = 0), NULL;
  if (len == 0) return NULL;
  char *s = malloc(len + 1);
  if (!s || napi_get_value_string_utf8(env, v, s, len + 1, &len) != napi_ok) {
    free(s);
    return (*ok = 0), NULL;
  }
  return s;
}

/* keymapFromNames(rules, model, layout, variant, options) -> keymap (throws if it does not compile) */
static napi_value js_keymap_from_names(napi_env env, napi_callback_info info) {
  NSB_ARGS(env, info, 5);
  char *names[5] = {0};
  int ok = 1;
  for (size_t i = 0; i < 5 && ok; i++) names[i] = opt_string(env, i < argc ? argv[i] : NULL, &ok);
  napi_value result = NULL;
  if (!ok) {
    nsb_throw(env, "ERR_NOSIGBUS_BAD_ARGUMENT", 0, NULL, "keymap names must be strings");
    goto out;
  }
  struct xkb_rule_names rmlvo = {names[0], names[1], names[2], names[3], names[4]};
  struct xkb_context *ctx = xkb_context_new(XKB_CONTEXT_NO_FLAGS);
  if (!ctx) {
    nsb_throw(env, "ERR_NOSIGBUS_XKB", 0, NULL, "cannot create an xkb context");
    goto out;
  }
  xkb_context_set_log_level(ctx, XKB_LOG_LEVEL_CRITICAL);
  struct xkb_keymap *km = xkb_keymap_new_from_names(ctx, &rmlvo, XKB_KEYMAP_COMPILE_NO_FLAGS);
  xkb_context_unref(ctx);
  if (!km) {
    nsb_throw(env, "ERR_NOSIGBUS_XKB", 0, NULL, "cannot compile the keymap (layout \"%s\", variant \"%s\")",
              names[2] ? names[2] : "", names[3] ? names[3] : "");
    goto out;
  }
  result = wrap(env, km, &KEYMAP_TAG, finalize_keymap);
out:
  for (size_t i = 0; i < 5; i++) free(names[i]);
  return result;
}

/* keymapFromBytes(bytes) -> keymap | null (xkb_v1 text; a trailing NUL is allowed) */
static napi_value js_keymap_from_bytes(napi_env env, napi_callback_info info) {
  NSB_ARGS(env, info, 1);
  uint8_t *data;
  size_t len;
  if (argc < 1 || nsb_arg_bytes(env, argv[0], "bytes", &data, &len)) return NULL;
  /* xkb_keymap_new_from_buffer wants the text without its NUL; stop at the first one. */
  const void *nul = memchr(data, 0, len);
  if (nul) len = (size_t)((const uint8_t *)nul - data);
  /* Default includes stay: clients' keymaps (wtype's) include "complete" from
   * the system's xkb data, as wlroots allows; only environment names are off. */
  struct xkb_context *ctx = xkb_context_new(XKB_CONTEXT_NO_ENVIRONMENT_NAMES);
  if (!ctx) {
    nsb_throw(env, "ERR_NOSIGBUS_XKB", 0, NULL, "cannot create an xkb context");
    return NULL;
  }
  xkb_context_set_log_level(ctx, XKB_LOG_LEVEL_CRITICAL);
  struct xkb_keymap *km =
      len ? xkb_keymap_new_from_buffer(ctx, (const char *)data, len, XKB_KEYMAP_FORMAT_TEXT_V1, XKB_KEYMAP_COMPILE_NO_FLAGS)
          : NULL;
  xkb_context_unref(ctx);
  if (!km) {
    napi_value n;
    NAPI_CALL(env, napi_get_null(env, &n));
    return n;
  }
  return wrap(env, km, &KEYMAP_TAG, finalize_keymap);
}

/* keymapText(keymap) -> string (xkb_v1) */
static napi_value js_keymap_text(napi_env env, napi_callback_info info) {
  NSB_ARGS(env, info, 1);
  struct xkb_keymap *km = unwrap(env, argc ? argv[0] : NULL, &KEYMAP_TAG, "keymap");
  if (!km) return NULL;
  char *text = xkb_keymap_get_as_string(km, XKB_KEYMAP_FORMAT_TEXT_V1);
  if (!text) {
    nsb_throw(env, "ERR_NOSIGBUS_XKB", 0, NULL, "cannot serialize the keymap");
    return NULL;
  }
  napi_value v;
  napi_status st = napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &v);
  free(text);
  NAPI_CALL(env, st);
  return v;
}

/* keymapKeys(keymap) -> Uint32Array of [keycode, level, keysym, modmask] for the first layout:
 * every keysym each key produces, once per modifier mask that selects its level (at most 8). */
static napi_value js_keymap_keys(napi_env env, napi_callback_info info) {
  NSB_ARGS(env, info, 1);
  struct xkb_keymap *km = unwrap(env, argc ? argv[0] : NULL, &KEYMAP_TAG, "keymap");
  if (!km) return NULL;
  size_t cap = 1024, n = 0;
  uint32_t *out = malloc(cap * sizeof *out);
  if (!out) {
    nsb_throw(env, "ERR_NOSIGBUS_XKB", 0, NULL, "out of memory");
    return NULL;
  }
  xkb_keycode_t min = xkb_keymap_min_keycode(km), max = xkb_keymap_max_keycode(km);
  for (xkb_keycode_t kc = min; kc <= max && kc >= min; kc++) {
    xkb_level_index_t levels = xkb_keymap_num_levels_for_key(km, kc, 0);
    for (xkb_level_index_t level = 0; level < levels; level++) {
      const xkb_keysym_t *syms;
      int nsyms = xkb_keymap_key_get_syms_by_level(km, kc, 0, level, &syms);
      if (nsyms != 1) continue; /* a level with several keysyms is no single character */
      xkb_mod_mask_t masks[8];
      size_t nmasks = xkb_keymap_key_get_mods_for_level(km, kc, 0, level, masks, 8);
      for (size_t m = 0; m < nmasks; m++) {
        if (n + 4 > cap) {
          cap *= 2;
          uint32_t *grown = realloc(out, cap * sizeof *out);
          if (!grown) {
            free(out);
            nsb_throw(env, "ERR_NOSIGBUS_XKB", 0, NULL, "out of memory");
            return NULL;
          }
          out = grown;
        }
        out[n++] = kc;
        out[n++] = level;
        out[n++] = syms[0];
        out[n++] = masks[m];
      }
    }
  }
  napi_value ab, arr;
  void *p;
  napi_status st = napi_create_arraybuffer(env, n * sizeof *out, &p, &ab);
  if (st == napi_ok) memcpy(p, out, n * sizeof *out);
  free(out);
  NAPI_CALL(env, st);
  NAPI_CALL(env, napi_create_typedarray(env, napi_uint32_array, n, ab, 0, &arr));
  return arr;
}

/* modIndex(keymap, name) -> index or -1 */
static napi_value js_mod_index(napi_env env, napi_callback_info info) {
  NSB_ARGS(env, info, 2);
  struct xkb_keymap *km = unwrap(env, argc ? argv[0] : NULL, &KEYMAP_TAG, "keymap");
  if (!km) return NULL;
  char name[64];
  size_t len;
  if (argc < 2 || napi_get_value_string_utf8(env, argv[1], name, sizeof name, &len) != napi_ok) {
    nsb_throw(env, "ERR_NOSIGBUS_BAD_ARGUMENT", 0, NULL, "name must be a string");
    return NULL;
  }
  xkb_mod_index_t i = xkb_keymap_mod_get_index(km, name);
  return nsb_number(env, i == XKB_MOD_INVALID ? -1 : (double)i);
}

/* stateNew(keymap) -> state */
static napi_value js_state_new(napi_env env, napi_callback_info info) {
  NSB_ARGS(env, info, 1);
  struct xkb_keymap *km = unwrap(env, argc ? argv[0] : NULL, &KEYMAP_TAG, "keymap");
  if (!km) return NULL;
  struct xkb_state *st = xkb_state_new(km);
  if (!st) {
    nsb_throw(env, "ERR_NOSIGBUS_XKB", 0, NULL, "cannot create keyboard state");
    return NULL;
  }
  return wrap(env, st, &STATE_TAG, finalize_state);
}

/* stateUpdateKey(state, keycode, down, out: Uint32Array(4)) -> out = [depressed, latched, locked, group] */
static napi_value js_state_update_key(napi_env env, napi_callback_info info) {
  NSB_ARGS(env, info, 4);
  struct xkb_state *st = unwrap(env, argc ? argv[0] : NULL, &STATE_TAG, "state");
  if (!st) return NULL;
  int32_t kc;
  int down;
  uint8_t *out;
  size_t len;
  if (argc < 4 || nsb_arg_int32(env, argv[1], "keycode", &kc) || nsb_arg_bool(env, argv[2], "down", &down) ||
      nsb_arg_bytes(env, argv[3], "out", &out, &len))
    return NULL;
  if (len < 16) {
    nsb_throw(env, "ERR_NOSIGBUS_BAD_ARGUMENT", 0, NULL, "out must hold 4 uint32");
    return NULL;
  }
  if (kc >= 8) xkb_state_update_key(st, (xkb_keycode_t)kc, down ? XKB_KEY_DOWN : XKB_KEY_UP);
  uint32_t v[4] = {
      xkb_state_serialize_mods(st, XKB_STATE_MODS_DEPRESSED),
      xkb_state_serialize_mods(st, XKB_STATE_MODS_LATCHED),
      xkb_state_serialize_mods(st, XKB_STATE_MODS_LOCKED),
      xkb_state_serialize_layout(st, XKB_STATE_LAYOUT_EFFECTIVE),
  };
  memcpy(out, v, sizeof v);
  return nsb_undefined(env);
}

/* keysymFromName(name) -> keysym (0: none); exact first, then case-insensitive */
static napi_value js_keysym_from_name(napi_env env, napi_callback_info info) {
  NSB_ARGS(env, info, 1);
  char name[128];
  size_t len;
  if (argc < 1 || napi_get_value_string_utf8(env, argv[0], name, sizeof name, &len) != napi_ok) {
    nsb_throw(env, "ERR_NOSIGBUS_BAD_ARGUMENT", 0, NULL, "name must be a string");
    return NULL;
  }
  if (len >= sizeof name - 1) return nsb_number(env, 0);
  xkb_keysym_t sym = xkb_keysym_from_name(name, XKB_KEYSYM_NO_FLAGS);
  if (sym == XKB_KEY_NoSymbol) sym = xkb_keysym_from_name(name, XKB_KEYSYM_CASE_INSENSITIVE);
  return nsb_number(env, sym);
}

/* keysymName(keysym) -> string */
static napi_value js_keysym_name(napi_env env, napi_callback_info info) {
  NSB_ARGS(env, info, 1);
  int32_t sym;
  double d;
  if (argc < 1 || napi_get_value_double(env, argv[0], &d) != napi_ok || d < 0 || d > 0xffffffff) {
    nsb_throw(env, "ERR_NOSIGBUS_BAD_ARGUMENT", 0, NULL, "keysym must be a uint32");
    return NULL;
  }
  sym = (int32_t)(uint32_t)d;
  char name[128];
  int n = xkb_keysym_get_name((xkb_keysym_t)sym, name, sizeof name);
  napi_value v;
  NAPI_CALL(env, napi_create_string_utf8(env, n < 0 ? "" : name, NAPI_AUTO_LENGTH, &v));
  return v;
}

/* utf32ToKeysym(codepoint) -> keysym (0: none) */
static napi_value js_utf32_to_keysym(napi_env env, napi_callback_info info) {
  NSB_ARGS(env, info, 1);
  int32_t cp;
  if (argc < 1 || nsb_arg_int32(env, argv[0], "codepoint", &cp)) return NULL;
  return nsb_number(env, cp < 0 ? 0 : xkb_utf32_to_keysym((uint32_t)cp));
}

napi_value nsb_xkb_init(napi_env env, napi_value exports) {
  napi_value xkb;
  NAPI_CALL(env, napi_create_object(env, &xkb));
  if (nsb_export(env, xkb, "keymapFromNames", js_keymap_from_names) ||
      nsb_export(env, xkb, "keymapFromBytes", js_keymap_from_bytes) ||
      nsb_export(env, xkb, "keymapText", js_keymap_text) || nsb_export(env, xkb, "keymapKeys", js_keymap_keys) ||
      nsb_export(env, xkb, "modIndex", js_mod_index) || nsb_export(env, xkb, "stateNew", js_state_new) ||
      nsb_export(env, xkb, "stateUpdateKey", js_state_update_key) ||
      nsb_export(env, xkb, "keysymFromName", js_keysym_from_name) ||
      nsb_export(env, xkb, "keysymName", js_keysym_name) ||
      nsb_export(env, xkb, "utf32ToKeysym", js_utf32_to_keysym))
    return NULL;
  NAPI_CALL(env, napi_set_named_property(env, exports, "xkb", xkb));
  return exports;
}
