/* hostile-wl: a Wayland client that attacks a compositor with legal requests
 * in absurd numbers, depths and sizes (issue 15), over libwayland-client and
 * xdg-shell (wayland-scanner code generated at test time). The same client
 * runs against nosigbus and weston, so their costs compare.
 *
 *   hostile-wl chain N [--desync]  a toplevel with a chain of N nested
 *                                  subsurfaces (each the parent of the next),
 *                                  each with a 4x4 buffer, in sync mode (or
 *                                  desync), committed bottom-up, then the
 *                                  root with a frame callback: the compositor
 *                                  applies and draws the whole chain.
 *   hostile-wl windows N [--side S] [--one-by-one]
 *                                  N toplevels, each configured, acked and a
 *                                  SxS buffer (16) committed; a frame callback
 *                                  on the last one. --one-by-one: each window
 *                                  is drawn (its frame callback) before the
 *                                  next one is made, as over a session.
 *   hostile-wl huge N SIZE         N toplevels, each showing a SIZE x SIZE
 *                                  xrgb8888 buffer over ONE sparse memfd (one
 *                                  buffer's size, never written: holes); prints
 *                                  "shown" once every window got a frame
 *                                  callback after its buffer, then stays
 *                                  connected until stdin reaches end of file
 *                                  (at once with /dev/null) or a signal.
 *   hostile-wl popups N            a chain of N popups, each the parent of the
 *                                  next, each mapped before the next is made.
 *   hostile-wl wide N              one toplevel with N sibling subsurfaces,
 *                                  then N place_above/place_below shuffles
 *                                  (a fixed pseudo-random sequence), one commit.
 *
 * Every mode ends with a round trip and prints "done" (huge: "shown", then
 * "done" when told to exit). On failure it prints "protocol error IFACE@ID
 * CODE" or "connection lost: REASON" and exits 1; 2: cannot connect, 3: a
 * global is missing, 64: usage.
 *
 * Requests are flushed after every small group (libwayland 1.21 kills a
 * client whose 4 KiB output buffer overflows while the socket is full), and
 * events are read meanwhile (libwayland-server 1.21 drops a client whose
 * event buffer overflows), so only the compositor's own limits can stop it. */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <wayland-client.h>

#include "xdg-shell-client-protocol.h"

static struct wl_display *display;
static struct wl_compositor *compositor;
static struct wl_subcompositor *subcompositor;
static struct wl_shm *shm;
static struct xdg_wm_base *wm_base;

/* Prints why the connection failed and exits 1. */
static void fail(void) {
  int err = wl_display_get_error(display);
  if (err == EPROTO) {
    const struct wl_interface *iface = NULL;
    uint32_t id = 0;
    uint32_t code = wl_display_get_protocol_error(display, &iface, &id);
    printf("protocol error %s@%u %u\n", iface ? iface->name : "?", id, code);
  } else {
    printf("connection lost: %s\n", strerror(err ? err : errno));
  }
  exit(1);
}

/* Reads and dispatches the events that have arrived, without blocking. */
static void dispatch_ready(int timeout_ms, short also) {
  while (wl_display_prepare_read(display) != 0)
    if (wl_display_dispatch_pending(display) < 0) fail();
  struct pollfd p = {wl_display_get_fd(display), (short)(POLLIN | also), 0};
  int n = poll(&p, 1, timeout_ms);
  if (n > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR))) {
    if (wl_display_read_events(display) < 0) fail();
  } else {
    wl_display_cancel_read(display);
  }
  if (wl_display_dispatch_pending(display) < 0) fail();
}

/* Sends every queued request; while the socket is full, reads events so that
 * neither side blocks on the other. */
static void flush_all(void) {
  while (wl_display_flush(display) < 0) {
    if (errno != EAGAIN) fail();
    dispatch_ready(1000, POLLOUT);
  }
}

/* Dispatches (blocking) until *value reaches target. */
static void wait_for(const int *value, int target) {
  while (*value < target) {
    flush_all();
    if (wl_display_dispatch(display) < 0) fail();
  }
}

static void roundtrip(void) {
  flush_all();
  if (wl_display_roundtrip(display) < 0) fail();
}

static void global(void *data, struct wl_registry *reg, uint32_t name, const char *iface, uint32_t version) {
  (void)data;
  (void)version;
  if (!strcmp(iface, wl_compositor_interface.name)) compositor = wl_registry_bind(reg, name, &wl_compositor_interface, 4);
  else if (!strcmp(iface, wl_subcompositor_interface.name)) subcompositor = wl_registry_bind(reg, name, &wl_subcompositor_interface, 1);
  else if (!strcmp(iface, wl_shm_interface.name)) shm = wl_registry_bind(reg, name, &wl_shm_interface, 1);
  else if (!strcmp(iface, xdg_wm_base_interface.name)) wm_base = wl_registry_bind(reg, name, &xdg_wm_base_interface, 1);
}
static void global_remove(void *data, struct wl_registry *reg, uint32_t name) { (void)data; (void)reg; (void)name; }
static const struct wl_registry_listener registry_listener = {global, global_remove};

static void ping(void *data, struct xdg_wm_base *b, uint32_t serial) { (void)data; xdg_wm_base_pong(b, serial); }
static const struct xdg_wm_base_listener wm_listener = {ping};

/* An xdg_surface and its last configure; listeners only record (requests made
 * inside a dispatch could overflow the output buffer before a flush). */
struct shell_surface {
  struct wl_surface *surface;
  struct xdg_surface *xdg;
  uint32_t serial;
  int configured;
};
static int configures; /* first configures received, over every shell_surface */

static void xdg_configure(void *data, struct xdg_surface *xs, uint32_t serial) {
  (void)xs;
  struct shell_surface *s = data;
  if (!s->configured) configures++;
  s->configured = 1;
  s->serial = serial;
}
static const struct xdg_surface_listener xdg_surface_listener = {xdg_configure};

static void top_configure(void *d, struct xdg_toplevel *t, int32_t w, int32_t h, struct wl_array *s) {
  (void)d; (void)t; (void)w; (void)h; (void)s;
}
static void top_close(void *d, struct xdg_toplevel *t) { (void)d; (void)t; }
static const struct xdg_toplevel_listener top_listener = {.configure = top_configure, .close = top_close};

static int popups_dismissed;
static void popup_configure(void *d, struct xdg_popup *p, int32_t x, int32_t y, int32_t w, int32_t h) {
  (void)d; (void)p; (void)x; (void)y; (void)w; (void)h;
}
static void popup_done(void *d, struct xdg_popup *p) { (void)d; (void)p; popups_dismissed++; }
static const struct xdg_popup_listener popup_listener = {.configure = popup_configure, .popup_done = popup_done};

static int frames; /* frame callbacks done */
static void frame_done(void *data, struct wl_callback *cb, uint32_t time) {
  (void)data;
  (void)time;
  wl_callback_destroy(cb);
  frames++;
}
static const struct wl_callback_listener frame_listener = {frame_done};

static void request_frame(struct wl_surface *s) {
  wl_callback_add_listener(wl_surface_frame(s), &frame_listener, NULL);
}

/* Starts a toplevel: its surface, roles and initial commit (not waited for). */
static void toplevel_start(struct shell_surface *s) {
  s->surface = wl_compositor_create_surface(compositor);
  s->xdg = xdg_wm_base_get_xdg_surface(wm_base, s->surface);
  xdg_surface_add_listener(s->xdg, &xdg_surface_listener, s);
  struct xdg_toplevel *top = xdg_surface_get_toplevel(s->xdg);
  xdg_toplevel_add_listener(top, &top_listener, NULL);
  wl_surface_commit(s->surface);
}

/* `count` xrgb8888 buffers of side x side pixels, in one pool, painted. */
static struct wl_buffer **small_buffers(int count, int side) {
  size_t each = (size_t)side * (size_t)side * 4, size = each * (size_t)count;
  if (size > INT32_MAX) {
    fprintf(stderr, "%d buffers do not fit a pool\n", count);
    exit(64);
  }
  int fd = memfd_create("hostile-wl-small", MFD_CLOEXEC);
  if (fd < 0 || ftruncate(fd, (off_t)size) != 0) exit(10);
  uint32_t *px = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (px == MAP_FAILED) exit(10);
  for (size_t i = 0; i < size / 4; i++) px[i] = 0xff000000u | (uint32_t)(i / (size_t)(side * side)) * 2654435761u;
  munmap(px, size);
  struct wl_shm_pool *pool = wl_shm_create_pool(shm, fd, (int32_t)size);
  struct wl_buffer **buffers = calloc((size_t)count, sizeof *buffers);
  if (!buffers) exit(10);
  for (int i = 0; i < count; i++) {
    buffers[i] = wl_shm_pool_create_buffer(pool, (int32_t)(each * (size_t)i), side, side, side * 4, WL_SHM_FORMAT_XRGB8888);
    if (i % 64 == 63) flush_all();
  }
  wl_shm_pool_destroy(pool);
  close(fd);
  flush_all();
  return buffers;
}

static void show(struct wl_surface *s, struct wl_buffer *b, int side) {
  wl_surface_attach(s, b, 0, 0);
  wl_surface_damage(s, 0, 0, side, side);
}

/* The root commits with a frame callback; "done" once it fired and a roundtrip passed
 * (the compositor applied, and painted, everything committed before). */
static int root_frame_done(struct wl_surface *root_surface) {
  request_frame(root_surface);
  wl_surface_commit(root_surface);
  wait_for(&frames, 1);
  roundtrip();
  printf("done\n");
  return 0;
}

/* A toplevel, configured, acked and shown with `buffer`. */
static void mapped_toplevel(struct shell_surface *root, struct wl_buffer *buffer, int side) {
  toplevel_start(root);
  wait_for(&root->configured, 1);
  xdg_surface_ack_configure(root->xdg, root->serial);
  show(root->surface, buffer, side);
  wl_surface_commit(root->surface);
  flush_all();
}

static int chain(int n, int desync) {
  struct wl_buffer **buffers = small_buffers(n + 1, 4);
  struct shell_surface root = {0};
  mapped_toplevel(&root, buffers[n], 4);
  struct wl_surface **surfaces = calloc((size_t)n, sizeof *surfaces);
  if (!surfaces) exit(10);
  for (int i = 0; i < n; i++) {
    surfaces[i] = wl_compositor_create_surface(compositor);
    struct wl_subsurface *sub = wl_subcompositor_get_subsurface(subcompositor, surfaces[i], i ? surfaces[i - 1] : root.surface);
    wl_subsurface_set_position(sub, i % 2 ? 1 : -1, 1 - i % 2); /* a zigzag that stays on the output */
    if (desync) wl_subsurface_set_desync(sub);
    show(surfaces[i], buffers[i], 4);
    flush_all();
    dispatch_ready(0, 0);
  }
  for (int i = n - 1; i >= 0; i--) { /* bottom-up: the root's commit applies the whole chain */
    wl_surface_commit(surfaces[i]);
    if (i % 128 == 0) {
      flush_all();
      dispatch_ready(0, 0);
    }
  }
  return root_frame_done(root.surface);
}

/* Makes `n` toplevels and waits for every first configure. */
static struct shell_surface *toplevels(int n) {
  struct shell_surface *windows = calloc((size_t)n, sizeof *windows);
  if (!windows) exit(10);
  for (int i = 0; i < n; i++) {
    toplevel_start(&windows[i]);
    flush_all();
    dispatch_ready(0, 0);
  }
  wait_for(&configures, n);
  return windows;
}

/* N toplevels of side x side; one_by_one: each is mapped and drawn (its
 * frame callback) before the next is made, as windows opening over a session. */
static int windows(int n, int side, int one_by_one) {
  struct wl_buffer **buffers = small_buffers(n, side);
  if (one_by_one) {
    for (int i = 0; i < n; i++) {
      struct shell_surface w = {0};
      toplevel_start(&w);
      wait_for(&w.configured, 1);
      xdg_surface_ack_configure(w.xdg, w.serial);
      show(w.surface, buffers[i], side);
      request_frame(w.surface);
      wl_surface_commit(w.surface);
      wait_for(&frames, i + 1);
    }
  } else {
    struct shell_surface *w = toplevels(n);
    for (int i = 0; i < n; i++) {
      xdg_surface_ack_configure(w[i].xdg, w[i].serial);
      show(w[i].surface, buffers[i], side);
      if (i == n - 1) request_frame(w[i].surface);
      wl_surface_commit(w[i].surface);
      flush_all();
      dispatch_ready(0, 0);
    }
    wait_for(&frames, 1);
  }
  roundtrip();
  printf("done\n");
  return 0;
}

static int huge(int n, int side) {
  if ((int64_t)side * side * 4 > INT32_MAX) {
    fprintf(stderr, "a %dx%d buffer does not fit a pool (int32 size): at most 23170\n", side, side);
    return 64;
  }
  int32_t size = side * side * 4;
  int fd = memfd_create("hostile-wl-huge", MFD_CLOEXEC);
  if (fd < 0 || ftruncate(fd, size) != 0) return 10; /* holes: never written */
  struct wl_shm_pool *pool = wl_shm_create_pool(shm, fd, size);
  struct shell_surface *w = toplevels(n);
  for (int i = 0; i < n; i++) {
    struct wl_buffer *b = wl_shm_pool_create_buffer(pool, 0, side, side, side * 4, WL_SHM_FORMAT_XRGB8888);
    xdg_surface_ack_configure(w[i].xdg, w[i].serial);
    show(w[i].surface, b, side);
    request_frame(w[i].surface);
    wl_surface_commit(w[i].surface);
    flush_all();
  }
  wait_for(&frames, n);
  roundtrip();
  printf("shown\n");
  for (;;) { /* serve events until stdin ends */
    flush_all();
    while (wl_display_prepare_read(display) != 0)
      if (wl_display_dispatch_pending(display) < 0) fail();
    struct pollfd p[2] = {{wl_display_get_fd(display), POLLIN, 0}, {0, POLLIN, 0}};
    if (poll(p, 2, -1) < 0 && errno != EINTR) fail();
    if (p[0].revents) {
      if (wl_display_read_events(display) < 0) fail();
    } else {
      wl_display_cancel_read(display);
    }
    if (wl_display_dispatch_pending(display) < 0) fail();
    if (p[1].revents) {
      char buf[256];
      if (read(0, buf, sizeof buf) <= 0) break;
    }
  }
  printf("done\n");
  return 0;
}

static int popups(int n) {
  struct wl_buffer **buffers = small_buffers(n + 1, 8);
  struct shell_surface root = {0};
  mapped_toplevel(&root, buffers[n], 8);
  struct shell_surface *chain = calloc((size_t)n, sizeof *chain);
  if (!chain) exit(10);
  struct xdg_surface *parent = root.xdg;
  for (int i = 0; i < n; i++) {
    struct shell_surface *p = &chain[i];
    p->surface = wl_compositor_create_surface(compositor);
    p->xdg = xdg_wm_base_get_xdg_surface(wm_base, p->surface);
    xdg_surface_add_listener(p->xdg, &xdg_surface_listener, p);
    struct xdg_positioner *pos = xdg_wm_base_create_positioner(wm_base);
    xdg_positioner_set_size(pos, 8, 8);
    xdg_positioner_set_anchor_rect(pos, 0, 0, 8, 8);
    xdg_positioner_set_anchor(pos, XDG_POSITIONER_ANCHOR_BOTTOM_RIGHT);
    xdg_positioner_set_gravity(pos, XDG_POSITIONER_GRAVITY_BOTTOM_RIGHT);
    struct xdg_popup *popup = xdg_surface_get_popup(p->xdg, parent, pos);
    xdg_popup_add_listener(popup, &popup_listener, NULL);
    xdg_positioner_destroy(pos);
    wl_surface_commit(p->surface);
    wait_for(&p->configured, 1);
    xdg_surface_ack_configure(p->xdg, p->serial);
    show(p->surface, buffers[i], 8);
    wl_surface_commit(p->surface);
    flush_all();
    parent = p->xdg;
  }
  request_frame(root.surface);
  wl_surface_commit(root.surface);
  wait_for(&frames, 1);
  roundtrip();
  if (popups_dismissed) printf("%d popups dismissed\n", popups_dismissed);
  printf("done\n");
  return 0;
}

static int wide(int n) {
  struct wl_buffer **buffers = small_buffers(n + 1, 4);
  struct shell_surface root = {0};
  mapped_toplevel(&root, buffers[n], 4);
  struct wl_surface **surfaces = calloc((size_t)n, sizeof *surfaces);
  struct wl_subsurface **subs = calloc((size_t)n, sizeof *subs);
  if (!surfaces || !subs) exit(10);
  for (int i = 0; i < n; i++) {
    surfaces[i] = wl_compositor_create_surface(compositor);
    subs[i] = wl_subcompositor_get_subsurface(subcompositor, surfaces[i], root.surface);
    wl_subsurface_set_position(subs[i], (i % 64) * 2, (i / 64 % 64) * 2);
    show(surfaces[i], buffers[i], 4);
    wl_surface_commit(surfaces[i]);
    flush_all();
    dispatch_ready(0, 0);
  }
  wl_surface_commit(root.surface);
  uint32_t seed = 12345;
  for (int k = 0; k < n; k++) {
    seed = seed * 1664525u + 1013904223u;
    int a = (int)((seed >> 8) % (uint32_t)n);
    seed = seed * 1664525u + 1013904223u;
    int b = (int)((seed >> 8) % (uint32_t)n);
    struct wl_surface *sibling = (a == b || k % 8 == 0) ? root.surface : surfaces[b];
    if (k % 2) wl_subsurface_place_above(subs[a], sibling);
    else wl_subsurface_place_below(subs[a], sibling);
    if (k % 128 == 127) {
      flush_all();
      dispatch_ready(0, 0);
    }
  }
  return root_frame_done(root.surface);
}

static int usage(void) {
  fprintf(stderr, "usage: hostile-wl chain N [--desync] | windows N [--side S] [--one-by-one] | huge N SIZE | popups N | wide N\n");
  return 64;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  if (argc < 3) return usage();
  const char *mode = argv[1];
  int n = atoi(argv[2]);
  if (n < 1) return usage();
  display = wl_display_connect(NULL);
  if (!display) {
    fprintf(stderr, "cannot connect: %s\n", strerror(errno));
    return 2;
  }
  struct wl_registry *reg = wl_display_get_registry(display);
  wl_registry_add_listener(reg, &registry_listener, NULL);
  roundtrip();
  if (!compositor || !subcompositor || !shm || !wm_base) {
    fprintf(stderr, "a global is missing (wl_compositor, wl_subcompositor, wl_shm, xdg_wm_base)\n");
    return 3;
  }
  xdg_wm_base_add_listener(wm_base, &wm_listener, NULL);
  if (!strcmp(mode, "chain") && (argc == 3 || (argc == 4 && !strcmp(argv[3], "--desync")))) return chain(n, argc == 4);
  if (!strcmp(mode, "windows")) {
    int side = 16, one_by_one = 0, ok = 1;
    for (int i = 3; i < argc; i++) {
      if (!strcmp(argv[i], "--one-by-one")) one_by_one = 1;
      else if (!strcmp(argv[i], "--side") && i + 1 < argc && atoi(argv[i + 1]) > 0) side = atoi(argv[++i]);
      else ok = 0;
    }
    if (ok) return windows(n, side, one_by_one);
  }
  if (!strcmp(mode, "huge") && argc == 4 && atoi(argv[3]) > 0) return huge(n, atoi(argv[3]));
  if (!strcmp(mode, "popups") && argc == 3) return popups(n);
  if (!strcmp(mode, "wide") && argc == 3) return wide(n);
  return usage();
}
