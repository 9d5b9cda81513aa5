/* A Wayland client for the preload tests, built at test time against
 * libwayland-client and xdg-shell (wayland-scanner).
 *   wl-client honest SECONDS   a window that redraws on every frame callback,
 *                              printing "frames N" each second
 *   wl-client CASE             a window whose shm buffer goes bad, then
 *                              committed again with damage so the compositor
 *                              reads it; CASE: truncate0, truncate-half,
 *                              oversize (pool larger than the file), sealed
 *                              (F_SEAL_SHRINK, then wl_shm_pool.resize beyond
 *                              the file). Prints "done" after three more frames
 *                              or the protocol error it got.
 *   wl-client capture-sealed   screen capture (wlr-screencopy v1) into a
 *                              buffer wholly past the end of a sealed memfd
 *                              whose pool was resized beyond the file: the
 *                              compositor writes there. Prints "captured". */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <wayland-client.h>

#include "wlr-screencopy-unstable-v1-client-protocol.h"
#include "xdg-shell-client-protocol.h"

#define W 256
#define H 256
#define STRIDE (W * 4)
#define SIZE (STRIDE * H)

static struct wl_compositor *compositor;
static struct wl_shm *shm;
static struct xdg_wm_base *wm_base;
static struct zwlr_screencopy_manager_v1 *screencopy;
static struct wl_output *output;
static int configured, frames;
static struct wl_surface *surface;

static void global(void *data, struct wl_registry *reg, uint32_t name, const char *iface, uint32_t version) {
  (void)data; (void)version;
  if (!strcmp(iface, wl_compositor_interface.name)) compositor = wl_registry_bind(reg, name, &wl_compositor_interface, 4);
  else if (!strcmp(iface, wl_shm_interface.name)) shm = wl_registry_bind(reg, name, &wl_shm_interface, 1);
  else if (!strcmp(iface, xdg_wm_base_interface.name)) wm_base = wl_registry_bind(reg, name, &xdg_wm_base_interface, 1);
  else if (!strcmp(iface, zwlr_screencopy_manager_v1_interface.name))
    screencopy = wl_registry_bind(reg, name, &zwlr_screencopy_manager_v1_interface, 1);
  else if (!strcmp(iface, wl_output_interface.name) && !output) output = wl_registry_bind(reg, name, &wl_output_interface, 1);
}
static void global_remove(void *data, struct wl_registry *reg, uint32_t name) { (void)data; (void)reg; (void)name; }
static const struct wl_registry_listener registry_listener = {global, global_remove};

static void ping(void *data, struct xdg_wm_base *b, uint32_t serial) { (void)data; xdg_wm_base_pong(b, serial); }
static const struct xdg_wm_base_listener wm_listener = {ping};

static void surface_configure(void *data, struct xdg_surface *xs, uint32_t serial) {
  (void)data;
  xdg_surface_ack_configure(xs, serial);
  configured = 1;
}
static const struct xdg_surface_listener xdg_surface_listener = {surface_configure};

static void top_configure(void *d, struct xdg_toplevel *t, int32_t w, int32_t h, struct wl_array *s) { (void)d; (void)t; (void)w; (void)h; (void)s; }
static void top_close(void *d, struct xdg_toplevel *t) { (void)d; (void)t; }
static const struct xdg_toplevel_listener top_listener = {.configure = top_configure, .close = top_close};

static void frame_done(void *data, struct wl_callback *cb, uint32_t time);
static const struct wl_callback_listener frame_listener = {frame_done};
static struct wl_buffer *honest_buf;
static uint32_t *honest_px;
static int honest, redraw; /* redraw: commit honest_buf again on every frame (the honest one repaints it first) */

static void request_frame(void) {
  struct wl_callback *cb = wl_surface_frame(surface);
  wl_callback_add_listener(cb, &frame_listener, NULL);
}

static void frame_done(void *data, struct wl_callback *cb, uint32_t time) {
  (void)data;
  wl_callback_destroy(cb);
  frames++;
  if (redraw) { /* the compositor reads the whole buffer every frame */
    if (honest)
      for (int i = 0; i < W * H; i++) honest_px[i] = 0xff000000u | (time * 2654435761u + (uint32_t)i);
    wl_surface_attach(surface, honest_buf, 0, 0);
    wl_surface_damage(surface, 0, 0, W, H);
    request_frame();
    wl_surface_commit(surface);
  }
}

static int memfd_of(size_t size, int sealed) {
  int fd = memfd_create("wl-client", MFD_CLOEXEC | (sealed ? MFD_ALLOW_SEALING : 0));
  if (fd < 0 || ftruncate(fd, (off_t)size) != 0) exit(10);
  if (sealed && fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK) != 0) exit(11);
  return fd;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Dispatches until `until` frames were seen or the connection fails; returns 0 or -1. */
static int wait_frames(struct wl_display *d, int until, double timeout) {
  double end = now() + timeout;
  while (frames < until) {
    if (now() > end) return -1;
    wl_display_flush(d);
    struct pollfd p = {wl_display_get_fd(d), POLLIN, 0};
    if (wl_display_prepare_read(d) != 0) {
      if (wl_display_dispatch_pending(d) < 0) return -1;
      continue;
    }
    if (poll(&p, 1, 100) > 0) {
      if (wl_display_read_events(d) < 0) return -1;
    } else {
      wl_display_cancel_read(d);
    }
    if (wl_display_dispatch_pending(d) < 0) return -1;
  }
  return 0;
}

static int memfd_of(size_t size, int sealed);

/* Screen capture into a destination past the end of a sealed file. */
static int captured = -1;
static void cap_buffer(void *data, struct zwlr_screencopy_frame_v1 *f, uint32_t format, uint32_t w, uint32_t h,
                       uint32_t stride) {
  (void)data;
  size_t size = (size_t)stride * h;
  int fd = memfd_of(size, 1);
  struct wl_shm_pool *pool = wl_shm_create_pool(shm, fd, (int32_t)size);
  wl_shm_pool_resize(pool, (int32_t)(2 * size)); /* the file stays `size` bytes: sealed, never grown */
  struct wl_buffer *b = wl_shm_pool_create_buffer(pool, (int32_t)size, (int32_t)w, (int32_t)h, (int32_t)stride, format);
  zwlr_screencopy_frame_v1_copy(f, b);
}
static void cap_flags(void *data, struct zwlr_screencopy_frame_v1 *f, uint32_t flags) { (void)data; (void)f; (void)flags; }
static void cap_ready(void *data, struct zwlr_screencopy_frame_v1 *f, uint32_t a, uint32_t b, uint32_t c) {
  (void)data; (void)f; (void)a; (void)b; (void)c;
  captured = 1;
}
static void cap_failed(void *data, struct zwlr_screencopy_frame_v1 *f) { (void)data; (void)f; captured = 0; }
static const struct zwlr_screencopy_frame_v1_listener cap_listener = {
    .buffer = cap_buffer, .flags = cap_flags, .ready = cap_ready, .failed = cap_failed};

static int capture(struct wl_display *d) {
  if (!screencopy || !output) return 3;
  struct zwlr_screencopy_frame_v1 *f = zwlr_screencopy_manager_v1_capture_output(screencopy, 0, output);
  zwlr_screencopy_frame_v1_add_listener(f, &cap_listener, NULL);
  while (captured < 0)
    if (wl_display_dispatch(d) < 0) {
      printf("connection lost: %s\n", strerror(wl_display_get_error(d)));
      return 1;
    }
  printf(captured ? "captured\n" : "capture failed\n");
  return 0;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  const char *mode = argc > 1 ? argv[1] : "honest";
  honest = !strcmp(mode, "honest");
  struct wl_display *d = wl_display_connect(NULL);
  if (!d) {
    fprintf(stderr, "cannot connect: %s\n", strerror(errno));
    return 2;
  }
  struct wl_registry *reg = wl_display_get_registry(d);
  wl_registry_add_listener(reg, &registry_listener, NULL);
  wl_display_roundtrip(d);
  if (!strncmp(mode, "capture", 7)) return shm ? capture(d) : 3;
  if (!compositor || !shm || !wm_base) return 3;
  xdg_wm_base_add_listener(wm_base, &wm_listener, NULL);
  surface = wl_compositor_create_surface(compositor);
  struct xdg_surface *xs = xdg_wm_base_get_xdg_surface(wm_base, surface);
  xdg_surface_add_listener(xs, &xdg_surface_listener, NULL);
  struct xdg_toplevel *top = xdg_surface_get_toplevel(xs);
  xdg_toplevel_add_listener(top, &top_listener, NULL);
  xdg_toplevel_set_title(top, mode);
  wl_surface_commit(surface);
  while (!configured && wl_display_dispatch(d) >= 0) {}

  int sealed = !strcmp(mode, "sealed");
  int fd = memfd_of(SIZE, sealed);
  uint32_t *px = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (px == MAP_FAILED) return 4;
  for (int i = 0; i < W * H; i++) px[i] = 0xff336699u;
  int32_t pool_size = !strcmp(mode, "oversize") ? 2 * SIZE : SIZE;
  struct wl_shm_pool *pool = wl_shm_create_pool(shm, fd, pool_size);
  struct wl_buffer *buf = wl_shm_pool_create_buffer(pool, 0, W, H, STRIDE, WL_SHM_FORMAT_XRGB8888);
  wl_surface_attach(surface, buf, 0, 0);
  wl_surface_damage(surface, 0, 0, W, H);
  request_frame();
  wl_surface_commit(surface);

  if (honest) {
    honest_buf = buf;
    honest_px = px;
    redraw = 1;
    double seconds = argc > 2 ? atof(argv[2]) : 10, start = now(), next = start + 1;
    while (now() - start < seconds) {
      if (wait_frames(d, frames + 1, 5) != 0) {
        printf("failed after %d frames: %s\n", frames, strerror(wl_display_get_error(d)));
        return 1;
      }
      if (now() >= next) {
        printf("frames %d\n", frames);
        next += 1;
      }
    }
    printf("total %d\n", frames);
    return 0;
  }

  if (wait_frames(d, 1, 5) != 0) return 5; /* the good buffer was shown */
  struct wl_buffer *bad = buf;
  if (!strcmp(mode, "truncate0")) {
    if (ftruncate(fd, 0) != 0) return 6;
  } else if (!strcmp(mode, "truncate-half")) {
    if (ftruncate(fd, SIZE / 2) != 0) return 6;
  } else if (!strcmp(mode, "oversize")) {
    bad = wl_shm_pool_create_buffer(pool, SIZE, W, H, STRIDE, WL_SHM_FORMAT_XRGB8888); /* wholly past EOF */
  } else if (sealed) {
    wl_shm_pool_resize(pool, 2 * SIZE); /* the file stays SIZE bytes: sealed, never grown */
    bad = wl_shm_pool_create_buffer(pool, SIZE, W, H, STRIDE, WL_SHM_FORMAT_XRGB8888);
  } else {
    fprintf(stderr, "unknown mode %s\n", mode);
    return 99;
  }
  honest_buf = bad;
  redraw = 1;
  wl_surface_attach(surface, bad, 0, 0);
  wl_surface_damage(surface, 0, 0, W, H);
  request_frame();
  wl_surface_commit(surface);
  if (wait_frames(d, 4, 5) != 0) {
    const struct wl_interface *iface = NULL;
    uint32_t id = 0;
    int err = wl_display_get_error(d);
    uint32_t code = err == EPROTO ? wl_display_get_protocol_error(d, &iface, &id) : 0;
    if (err == EPROTO) printf("protocol error %s %u\n", iface ? iface->name : "?", code);
    else printf("connection lost: %s\n", strerror(err));
    return 1;
  }
  printf("done\n");
  return 0;
}
