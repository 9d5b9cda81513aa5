/*
 * socket.c: Unix sockets for Wayland (listen + flock, accept, SCM_RIGHTS, uv_poll).
 *
 * Everything is exported under `exports.socket` (plain functions over fd
 * numbers; the typed wrappers live in src/wire/socket.ts).
 *
 * fd ownership (no fd is ever lost or closed twice):
 *  - every fd this file creates (listen, accept, connect, pair, dup) is handed
 *    to JS as a number and belongs to JS from then on; nothing here closes it
 *    except an explicit closeFd() / closeListener() call;
 *  - recv(): every fd the kernel installed in this process during the call is
 *    either appended to the caller's array (then JS owns it) or closed here
 *    before returning (MSG_CTRUNC, or the array could not take it);
 *  - send(): the fds passed are only borrowed: the kernel duplicates them into
 *    the message; the caller still owns (and must close) its numbers;
 *  - a poll handle never owns its fd: closing the poll does not close the fd,
 *    and the fd may be closed right after pollClose() (uv_close has already
 *    removed it from epoll). The poll struct itself is freed only when both the
 *    uv close callback has run and the JS external was finalized.
 *
 * Environment teardown (worker exit, process end): an async cleanup hook stops
 * and uv_closes every poll handle of that env and completes once all their
 * close callbacks ran, so Node never closes a loop with our handles open. The
 * same hook releases the listeners still open (unlink socket and lock file,
 * close both), as wl_display_destroy would. Stream fds are plain numbers
 * owned by JS and, like any raw fd, are not closed by a worker's teardown.
 * (process.exit() skips env teardown: close listeners before exiting.)
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <uv.h>

#include "common.h"

/* Wayland: at most 28 fds per message (libwayland MAX_FDS_OUT). */
#define SEND_MAX_FDS 28
/* Receive side: room for this many fds in one recvmsg. One recvmsg on a
 * stream socket never returns the fds of more than one sendmsg, and a
 * well-behaved peer sends at most 28 per sendmsg; a peer that sends more than
 * this in one sendmsg gets MSG_CTRUNC, which is fatal for the connection. */
#define RECV_MAX_FDS 128
#define MAX_DISPLAYNO 32
#define LOCK_SUFFIX ".lock"
#define LISTEN_BACKLOG 128

#define SUN_PATH_MAX ((size_t)sizeof(((struct sockaddr_un *)0)->sun_path))

/* ------------------------------------------------------------------ per-env state */

typedef struct nsb_poll nsb_poll;

/* A listening socket of this env: released (unlinked + closed) by
 * closeListener() or, if still open, at environment teardown. */
typedef struct listener_entry {
  int fd, lock;
  char path[SUN_PATH_MAX];
  char lock_path[SUN_PATH_MAX + sizeof LOCK_SUFFIX];
  struct listener_entry *next;
} listener_entry;

typedef struct sock_env {
  napi_env env;
  uv_loop_t *loop;
  nsb_poll *head;               /* polls whose uv close callback has not run yet */
  listener_entry *listeners;
  napi_async_cleanup_hook_handle hook;
  int tearing_down;
} sock_env;

/* ------------------------------------------------------------------ helpers */

static int close_noeintr(int fd) {
  /* On Linux the fd is released even when close() reports EINTR: never retry. */
  int rc = close(fd);
  if (rc != 0 && errno == EINTR) return 0;
  return rc;
}

static napi_value make_int(napi_env env, int32_t v) {
  napi_value out;
  if (napi_create_int32(env, v, &out) != napi_ok) return NULL;
  return out;
}

static int set_int_prop(napi_env env, napi_value obj, const char *name, int32_t v) {
  napi_value jv = make_int(env, v);
  return jv && napi_set_named_property(env, obj, name, jv) == napi_ok ? 0 : -1;
}

static int set_str_prop(napi_env env, napi_value obj, const char *name, const char *s) {
  napi_value jv;
  if (napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &jv) != napi_ok) return -1;
  return napi_set_named_property(env, obj, name, jv) == napi_ok ? 0 : -1;
}

/* Reads a string argument into buf (NUL terminated). Returns 0, or throws. */
static int arg_string(napi_env env, napi_value v, const char *name, char *buf, size_t cap, size_t *len) {
  napi_valuetype t;
  size_t n = 0;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_string) {
    nsb_throw(env, "ERR_NOSIGBUS_BAD_ARGUMENT", 0, NULL, "%s must be a string", name);
    return -1;
  }
  if (napi_get_value_string_utf8(env, v, NULL, 0, &n) != napi_ok) {
    nsb_throw(env, "ERR_NOSIGBUS_BAD_ARGUMENT", 0, NULL, "%s must be a string", name);
    return -1;
  }
  if (n + 1 > cap) {
    nsb_throw(env, "ERR_NOSIGBUS_SOCKET_PATH_TOO_LONG", ENAMETOOLONG, NULL, "%s is too long (%zu bytes)", name, n);
    return -1;
  }
  if (napi_get_value_string_utf8(env, v, buf, cap, &n) != napi_ok) {
    nsb_throw(env, "ERR_NOSIGBUS_BAD_ARGUMENT", 0, NULL, "%s must be a string", name);
    return -1;
  }
  if (memchr(buf, 0, n)) {
    nsb_throw(env, "ERR_NOSIGBUS_BAD_ARGUMENT", 0, NULL, "%s must not contain NUL characters", name);
    return -1;
  }
  if (len) *len = n;
  return 0;
}

static int is_nullish(napi_env env, napi_value v) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok) return 0;
  return t == napi_null || t == napi_undefined;
}

/* Bytes window [offset, offset + length) of a TypedArray/DataView/ArrayBuffer. */
static int arg_window(napi_env env, napi_value view, napi_value joff, napi_value jlen, uint8_t **data, size_t *len) {
  uint8_t *p;
  size_t total;
  uint64_t off, n;
  if (nsb_arg_bytes(env, view, "buffer", &p, &total) || nsb_arg_u64(env, joff, "offset", &off) ||
      nsb_arg_u64(env, jlen, "length", &n))
    return -1;
  if (off > total || n > total - off) {
    nsb_throw(env, "ERR_NOSIGBUS_BAD_RANGE", 0, NULL, "window %llu+%llu is outside the %zu-byte buffer",
              (unsigned long long)off, (unsigned long long)n, total);
    return -1;
  }
  if (n > (uint64_t)INT_MAX) n = INT_MAX; /* one syscall moves at most this much anyway */
  *data = p + off;
  *len = (size_t)n;
  return 0;
}

/* ------------------------------------------------------------------ listen */

enum { TRY_OK = 0, TRY_LOCKED = 1, TRY_FAILED = 2 };

typedef struct listen_error {
  const char *code;
  const char *syscall;
  int err;
  char what[64];
} listen_error;

static void set_error(listen_error *e, const char *code, int err, const char *syscall, const char *what) {
  e->code = code;
  e->err = err;
  e->syscall = syscall;
  snprintf(e->what, sizeof e->what, "%s", what);
}

/* Builds runtimeDir/name (or name itself when absolute) into path[SUN_PATH_MAX]. */
static int build_path(napi_env env, const char *dir, const char *name, char *path) {
  char tmp[PATH_MAX + 1];
  int n;
  if (name[0] == '/') {
    n = snprintf(tmp, sizeof tmp, "%s", name);
  } else {
    if (!dir || dir[0] != '/') {
      nsb_throw(env, "ERR_NOSIGBUS_SOCKET_NO_RUNTIME_DIR", 0, NULL,
                "a relative socket name (\"%s\") needs an absolute runtime directory (XDG_RUNTIME_DIR)", name);
      return -1;
    }
    n = snprintf(tmp, sizeof tmp, "%s/%s", dir, name);
  }
  if (n < 0 || (size_t)n + 1 > SUN_PATH_MAX) {
    nsb_throw(env, "ERR_NOSIGBUS_SOCKET_PATH_TOO_LONG", ENAMETOOLONG, NULL,
              "socket path is %d bytes, longer than the %zu-byte sun_path allows (with its NUL)", n,
              SUN_PATH_MAX);
    return -1;
  }
  memcpy(path, tmp, (size_t)n + 1);
  return 0;
}

/* Takes path.lock, removes a stale socket, binds and listens. */
/* The sockaddr for a path already checked against SUN_PATH_MAX. */
static socklen_t unix_address(const char *path, struct sockaddr_un *addr) {
  size_t len = strlen(path);
  memset(addr, 0, sizeof *addr);
  addr->sun_family = AF_UNIX;
  memcpy(addr->sun_path, path, len + 1);
  return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + 1);
}

static int try_listen(const char *path, int *out_fd, int *out_lock, listen_error *e) {
  char lock_path[SUN_PATH_MAX + sizeof LOCK_SUFFIX];
  snprintf(lock_path, sizeof lock_path, "%s%s", path, LOCK_SUFFIX);

  int lock = open(lock_path, O_CREAT | O_CLOEXEC | O_RDWR, 0660);
  if (lock < 0) {
    /* As libwayland: any failure to lock means "not ours", and the automatic
     * search moves on to the next wayland-N. */
    set_error(e, "ERR_NOSIGBUS_SOCKET_LOCK", errno, "open", "cannot open the lock file");
    return TRY_LOCKED;
  }
  int rc;
  do rc = flock(lock, LOCK_EX | LOCK_NB);
  while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    int err = errno;
    close_noeintr(lock);
    if (err == EWOULDBLOCK) {
      set_error(e, "ERR_NOSIGBUS_SOCKET_IN_USE", err, "flock",
                "the lock file is held: another compositor is using this socket");
      return TRY_LOCKED;
    }
    set_error(e, "ERR_NOSIGBUS_SOCKET_LOCK", err, "flock", "cannot lock the lock file");
    return TRY_LOCKED;
  }

  /* We hold the lock: a socket left at the path is stale. Like libwayland,
   * only something writable by its owner or group is removed (a failure
   * shows up as EADDRINUSE in bind). */
  struct stat st;
  if (lstat(path, &st) == 0) {
    if (!S_ISDIR(st.st_mode) && (st.st_mode & (S_IWUSR | S_IWGRP))) unlink(path);
  } else if (errno != ENOENT) {
    set_error(e, "ERR_NOSIGBUS_SOCKET_BIND", errno, "lstat", "cannot inspect the socket path");
    close_noeintr(lock); /* as libwayland: the lock file stays */
    return TRY_FAILED;
  }

  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    set_error(e, "ERR_NOSIGBUS_SOCKET_CREATE", errno, "socket", "cannot create a socket");
    goto fail_lock;
  }
  struct sockaddr_un addr;
  socklen_t alen = unix_address(path, &addr);
  if (bind(fd, (struct sockaddr *)&addr, alen) != 0) {
    set_error(e, "ERR_NOSIGBUS_SOCKET_BIND", errno, "bind", "cannot bind the socket");
    close_noeintr(fd);
    goto fail_lock;
  }
  if (listen(fd, LISTEN_BACKLOG) != 0) {
    set_error(e, "ERR_NOSIGBUS_SOCKET_LISTEN", errno, "listen", "cannot listen on the socket");
    unlink(path);
    close_noeintr(fd);
    goto fail_lock;
  }
  *out_fd = fd;
  *out_lock = lock;
  return TRY_OK;

fail_lock:
  /* Unlink while still holding the lock, then release it. */
  unlink(lock_path);
  close_noeintr(lock);
  return TRY_FAILED;
}

/* libwayland's order: unlink the socket, close it, unlink the lock file
 * (still holding the lock), then release the lock. */
static void listener_release(const listener_entry *l) {
  unlink(l->path);
  close_noeintr(l->fd);
  unlink(l->lock_path);
  close_noeintr(l->lock);
}

static napi_value listen_result(napi_env env, sock_env *st, int fd, int lock, const char *path, const char *name) {
  listener_entry tmp;
  tmp.fd = fd;
  tmp.lock = lock;
  snprintf(tmp.path, sizeof tmp.path, "%s", path);
  snprintf(tmp.lock_path, sizeof tmp.lock_path, "%s%s", path, LOCK_SUFFIX);
  listener_entry *l = malloc(sizeof *l);
  napi_value obj;
  if (!l || napi_create_object(env, &obj) != napi_ok || set_int_prop(env, obj, "fd", fd) ||
      set_int_prop(env, obj, "lockFd", lock) || set_str_prop(env, obj, "path", path) ||
      set_str_prop(env, obj, "lockPath", tmp.lock_path) || set_str_prop(env, obj, "name", name)) {
    /* Could not hand the listener to JS: undo everything. */
    free(l);
    listener_release(&tmp);
    if (!l) nsb_throw(env, "ERR_NOSIGBUS_NO_MEMORY", ENOMEM, NULL, "cannot allocate a listener");
    else nsb_throw_pending(env, "listen result");
    return NULL;
  }
  *l = tmp;
  l->next = st->listeners;
  st->listeners = l;
  return obj;
}

/* listen(name | null, runtimeDir | null) -> { fd, lockFd, path, lockPath, name } */
static napi_value js_listen(napi_env env, napi_callback_info info) {
  NSB_ARGS_DATA(env, info, 2, sock_env, st);
  if (argc < 2) {
    nsb_throw(env, "ERR_NOSIGBUS_BAD_ARGUMENT", 0, NULL, "listen(name, runtimeDir)");
    return NULL;
  }
  char dir_buf[PATH_MAX + 1];
  const char *dir = NULL;
  if (!is_nullish(env, argv[1])) {
    if (arg_string(env, argv[1], "runtimeDir", dir_buf, sizeof dir_buf, NULL)) return NULL;
    dir = dir_buf;
  }
  char path[SUN_PATH_MAX];
  listen_error e;
  memset(&e, 0, sizeof e);
  int fd = -1, lock = -1;

  if (!is_nullish(env, argv[0])) {
    char name[PATH_MAX + 1];
    size_t nlen;
    if (arg_string(env, argv[0], "name", name, sizeof name, &nlen)) return NULL;
    if (nlen == 0) {
      nsb_throw(env, "ERR_NOSIGBUS_BAD_ARGUMENT", 0, NULL, "name must not be empty");
      return NULL;
    }
    if (build_path(env, dir, name, path)) return NULL;
    if (try_listen(path, &fd, &lock, &e) != TRY_OK) {
      nsb_throw(env, e.code, e.err, e.syscall, "%s: %s", path, e.what);
      return NULL;
    }
    return listen_result(env, st, fd, lock, path, name);
  }

  for (int n = 0; n <= MAX_DISPLAYNO; n++) {
    char name[32];
    snprintf(name, sizeof name, "wayland-%d", n);
    if (build_path(env, dir, name, path)) return NULL;
    int r = try_listen(path, &fd, &lock, &e);
    if (r == TRY_OK) return listen_result(env, st, fd, lock, path, name);
    if (r == TRY_FAILED) {
      nsb_throw(env, e.code, e.err, e.syscall, "%s: %s", path, e.what);
      return NULL;
    }
  }
  nsb_throw(env, "ERR_NOSIGBUS_SOCKET_NO_FREE_NAME", 0, NULL,
            "wayland-0 ... wayland-%d in %s are all held by other compositors", MAX_DISPLAYNO, dir ? dir : "?");
  return NULL;
}

/* closeListener(fd): unlinks the socket and the lock file and closes both
 * fds of a listener made by listen() in this env. */
static napi_value js_close_listener(napi_env env, napi_callback_info info) {
  NSB_ARGS_DATA(env, info, 1, sock_env, st);
  int fd;
  if (argc < 1 || nsb_arg_fd(env, argv[0], "fd", &fd)) return NULL;
  for (listener_entry **pp = &st->listeners; *pp; pp = &(*pp)->next) {
    listener_entry *l = *pp;
    if (l->fd != fd) continue;
    *pp = l->next;
    listener_release(l);
    free(l);
    return nsb_undefined(env);
  }
  nsb_throw(env, "ERR_NOSIGBUS_BAD_FD", EBADF, NULL, "fd %d is not an open listener of this thread", fd);
  return NULL;
}

/* ------------------------------------------------------------------ connections */

/* accept(listenFd) -> fd, or -1 when no connection is pending. */
static napi_value js_accept(napi_env env, napi_callback_info info) {
  NSB_ARGS(env, info, 1);
  int lfd;
  if (argc < 1 || nsb_arg_fd(env, argv[0], "fd", &lfd)) return NULL;
  for (;;) {
    int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd >= 0) return make_int(env, fd);
    int err = errno;
    if (err == EINTR || err == ECONNABORTED || err == EPROTO) continue; /* that one went away; next */
    if (err == EAGAIN || err == EWOULDBLOCK) return make_int(env, -1);
    nsb_throw(env, "ERR_NOSIGBUS_SOCKET_ACCEPT", err, "accept4", "cannot accept a connection on fd %d", lfd);
    return NULL;
  }
}

/* peerCredentials(fd) -> { pid, uid, gid } (SO_PEERCRED: as of connect/socketpair). */
static napi_value js_peer_cred(napi_env env, napi_callback_info info) {
  NSB_ARGS(env, info, 1);
  int fd;
  if (argc < 1 || nsb_arg_fd(env, argv[0], "fd", &fd)) return NULL;
  struct ucred cred;
  socklen_t len = sizeof cred;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
    nsb_throw(env, "ERR_NOSIGBUS_SOCKET_CREDENTIALS", errno, "getsockopt", "cannot read SO_PEERCRED of fd %d", fd);
    return NULL;
  }
  napi_value obj;
  NAPI_CALL(env, napi_create_object(env, &obj));
  if (set_int_prop(env, obj, "pid", (int32_t)cred.pid) || set_int_prop(env, obj, "uid", (int32_t)cred.uid) ||
      set_int_prop(env, obj, "gid", (int32_t)cred.gid)) {
    nsb_throw_pending(env, "peerCredentials");
    return NULL;
  }
  return obj;
}

/* connect(path) -> fd (SOCK_CLOEXEC | SOCK_NONBLOCK). A full backlog is EAGAIN. */
static napi_value js_connect(napi_env env, napi_callback_info info) {
  NSB_ARGS(env, info, 1);
  char path[PATH_MAX + 1];
  size_t plen;
  if (argc < 1 || arg_string(env, argv[0], "path", path, sizeof path, &plen)) return NULL;
  if (plen + 1 > SUN_PATH_MAX) {
    nsb_throw(env, "ERR_NOSIGBUS_SOCKET_PATH_TOO_LONG", ENAMETOOLONG, NULL,
              "socket path is %zu bytes, longer than the %zu-byte sun_path allows (with its NUL)", plen,
              SUN_PATH_MAX);
    return NULL;
  }
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    nsb_throw(env, "ERR_NOSIGBUS_SOCKET_CREATE", errno, "socket", "cannot create a socket");
    return NULL;
  }
  struct sockaddr_un addr;
  socklen_t alen = unix_address(path, &addr);
  int rc;
  do rc = connect(fd, (struct sockaddr *)&addr, alen);
  while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    int err = errno;
    close_noeintr(fd);
    nsb_throw(env, "ERR_NOSIGBUS_SOCKET_CONNECT", err, "connect", "cannot connect to %s", path);
    return NULL;
  }
  return make_int(env, fd);
}

/* pair(nonblock) -> [fd0, fd1] (SOCK_CLOEXEC, optionally SOCK_NONBLOCK on both). */
static napi_value js_pair(napi_env env, napi_callback_info info) {
  NSB_ARGS(env, info, 1);
  int nonblock = 1;
  if (argc >= 1 && nsb_arg_bool(env, argv[0], "nonblock", &nonblock)) return NULL;
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0), 0, sv) != 0) {
    nsb_throw(env, "ERR_NOSIGBUS_SOCKET_CREATE", errno, "socketpair", "cannot create a socket pair");
    return NULL;
  }
  napi_value arr, a, b;
  if (napi_create_array_with_length(env, 2, &arr) != napi_ok || !(a = make_int(env, sv[0])) ||
      !(b = make_int(env, sv[1])) || napi_set_element(env, arr, 0, a) != napi_ok ||
      napi_set_element(env, arr, 1, b) != napi_ok) {
    close_noeintr(sv[0]);
    close_noeintr(sv[1]);
    nsb_throw_pending(env, "socketpair result");
    return NULL;
  }
  return arr;
}

/* setNonBlocking(fd, on): O_NONBLOCK is per open file description (shared with a child that inherits it). */
static napi_value js_set_nonblocking(napi_env env, napi_callback_info info) {
  NSB_ARGS(env, info, 2);
  int fd, on;
  if (argc < 2 || nsb_arg_fd(env, argv[0], "fd", &fd) || nsb_arg_bool(env, argv[1], "on", &on)) return NULL;
  int fl = fcntl(fd, F_GETFL);
  if (fl < 0 || fcntl(fd, F_SETFL, on ? (fl | O_NONBLOCK) : (fl & ~O_NONBLOCK)) != 0) {
    nsb_throw(env, "ERR_NOSIGBUS_BAD_FD", errno, "fcntl", "cannot change O_NONBLOCK on fd %d", fd);
    return NULL;
  }
  return nsb_undefined(env);
}

/* dup(fd) -> new fd (F_DUPFD_CLOEXEC), owned by the caller. */
static napi_value js_dup(napi_env env, napi_callback_info info) {
  NSB_ARGS(env, info, 1);
  int fd;
  if (argc < 1 || nsb_arg_fd(env, argv[0], "fd", &fd)) return NULL;
  int nfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (nfd < 0) {
    int err = errno;
    nsb_throw(env, err == EMFILE || err == ENFILE ? "ERR_NOSIGBUS_NO_FDS" : "ERR_NOSIGBUS_BAD_FD", err, "fcntl",
              "cannot duplicate fd %d", fd);
    return NULL;
  }
  return make_int(env, nfd);
}

/* closeFd(fd): EBADF throws (a double close is a bug worth seeing). */
static napi_value js_close_fd(napi_env env, napi_callback_info info) {
  NSB_ARGS(env, info, 1);
  int fd;
  if (argc < 1 || nsb_arg_fd(env, argv[0], "fd", &fd)) return NULL;
  if (close_noeintr(fd) != 0 && errno == EBADF) {
    nsb_throw(env, "ERR_NOSIGBUS_BAD_FD", EBADF, "close", "fd %d is not open", fd);
    return NULL;
  }
  return nsb_undefined(env);
}

/* ------------------------------------------------------------------ recvmsg / sendmsg */

/* recv(fd, buffer, offset, length, fdSink: number[]) -> bytes read (> 0),
 * 0 at end of stream, -1 when nothing is available (EAGAIN).
 * Received fds (close-on-exec) are appended to fdSink in order; the caller owns them.
 * MSG_CTRUNC: every fd received is closed and ERR_NOSIGBUS_SOCKET_FDS_TRUNCATED
 * is thrown (fatal for the connection: fds were lost). ECONNRESET throws
 * ERR_NOSIGBUS_SOCKET_HANGUP. */
static napi_value js_recv(napi_env env, napi_callback_info info) {
  NSB_ARGS(env, info, 5);
  int fd;
  uint8_t *data;
  size_t len;
  bool is_array = false;
  if (argc < 5 || nsb_arg_fd(env, argv[0], "fd", &fd) || arg_window(env, argv[1], argv[2], argv[3], &data, &len))
    return NULL;
  if (napi_is_array(env, argv[4], &is_array) != napi_ok || !is_array) {
    nsb_throw(env, "ERR_NOSIGBUS_BAD_ARGUMENT", 0, NULL, "fdSink must be an array");
    return NULL;
  }
  if (len == 0) {
    nsb_throw(env, "ERR_NOSIGBUS_BAD_RANGE", 0, NULL, "cannot receive into an empty window");
    return NULL;
  }

  union {
    struct cmsghdr align;
    char buf[CMSG_SPACE(RECV_MAX_FDS * sizeof(int))];
  } control;
  struct iovec iov = {.iov_base = data, .iov_len = len};
  struct msghdr msg;
  memset(&msg, 0, sizeof msg);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.buf;
  msg.msg_controllen = sizeof control.buf;

  ssize_t n;
  do n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
  while (n < 0 && errno == EINTR);
  if (n < 0) {
    int err = errno;
    if (err == EAGAIN || err == EWOULDBLOCK) return make_int(env, -1);
    if (err == ECONNRESET)
      nsb_throw(env, "ERR_NOSIGBUS_SOCKET_HANGUP", err, "recvmsg", "the peer reset the connection");
    else
      nsb_throw(env, "ERR_NOSIGBUS_SOCKET_RECV", err, "recvmsg", "cannot receive from fd %d", fd);
    return NULL;
  }

  /* Collect every fd the kernel installed, in order, across all SCM_RIGHTS cmsgs. */
  int fds[KERNEL_MAX_FDS + RECV_MAX_FDS];
  size_t nfds = 0;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS || c->cmsg_len < CMSG_LEN(0)) continue;
    size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    const unsigned char *src = CMSG_DATA(c);
    for (size_t i = 0; i < count && nfds < sizeof fds / sizeof fds[0]; i++) {
      memcpy(&fds[nfds], src + i * sizeof(int), sizeof(int));
      nfds++;
    }
  }

  if (msg.msg_flags & MSG_CTRUNC) {
    for (size_t i = 0; i < nfds; i++) close_noeintr(fds[i]);
    nsb_throw(env, "ERR_NOSIGBUS_SOCKET_FDS_TRUNCATED", 0, NULL,
              "fds were lost in transit: more than %d in one message, or this process is out of fds; "
              "%zu received fds were closed",
              RECV_MAX_FDS, nfds);
    return NULL;
  }

  uint32_t base = 0;
  size_t handed = 0;
  if (nfds > 0 && napi_get_array_length(env, argv[4], &base) == napi_ok) {
    for (; handed < nfds; handed++) {
      napi_value v = make_int(env, fds[handed]);
      uint32_t now = 0;
      if (!v || napi_set_element(env, argv[4], base + (uint32_t)handed, v) != napi_ok ||
          napi_get_array_length(env, argv[4], &now) != napi_ok || now != base + (uint32_t)handed + 1)
        break;
    }
  }
  if (handed < nfds) {
    /* JS could not take them: close the rest rather than lose them. */
    for (size_t i = handed; i < nfds; i++) close_noeintr(fds[i]);
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (!pending)
      nsb_throw(env, "ERR_NOSIGBUS_BAD_ARGUMENT", 0, NULL, "fdSink did not take the received fds (%zu closed)", nfds - handed);
    else nsb_throw_pending(env, "recv fd sink");
    return NULL;
  }
  return make_int(env, (int32_t)n);
}

/* send(fd, buffer, offset, length, fds: number[] | null) -> bytes written (> 0),
 * or -1 when the socket buffer is full (EAGAIN: nothing was sent, fds neither).
 * The fds (at most 28, borrowed, not closed) travel with the first byte, so a
 * result > 0 means they were sent. Fds need at least one byte to carry them.
 * EPIPE / ECONNRESET throw ERR_NOSIGBUS_SOCKET_HANGUP (MSG_NOSIGNAL: no SIGPIPE). */
static napi_value js_send(napi_env env, napi_callback_info info) {
  NSB_ARGS(env, info, 5);
  int fd;
  uint8_t *data;
  size_t len;
  if (argc < 4 || nsb_arg_fd(env, argv[0], "fd", &fd)) return NULL;
  int fds[SEND_MAX_FDS];
  uint32_t nfds = 0;
  if (argc >= 5 && !is_nullish(env, argv[4])) {
    bool is_array = false;
    if (napi_is_array(env, argv[4], &is_array) != napi_ok || !is_array ||
        napi_get_array_length(env, argv[4], &nfds) != napi_ok) {
      nsb_throw(env, "ERR_NOSIGBUS_BAD_ARGUMENT", 0, NULL, "fds must be an array of fd numbers");
      return NULL;
    }
    if (nfds > SEND_MAX_FDS) {
      nsb_throw(env, "ERR_NOSIGBUS_SOCKET_TOO_MANY_FDS", 0, NULL, "%u fds in one sendmsg; at most %d", nfds,
                SEND_MAX_FDS);
      return NULL;
    }
    for (uint32_t i = 0; i < nfds; i++) {
      napi_value v;
      if (napi_get_element(env, argv[4], i, &v) != napi_ok) {
        nsb_throw_pending(env, "fds element");
        return NULL;
      }
      if (nsb_arg_fd(env, v, "fds[i]", &fds[i])) return NULL;
    }
  }
  /* Only now take the data pointer: reading fds[i] can run JS (getters) that
   * detaches or frees the buffer. Nothing below calls into JS. */
  if (arg_window(env, argv[1], argv[2], argv[3], &data, &len)) return NULL;
  if (nfds > 0 && len == 0) {
    nsb_throw(env, "ERR_NOSIGBUS_BAD_ARGUMENT", 0, NULL, "fds need at least one byte to travel with");
    return NULL;
  }
  if (len == 0) return make_int(env, 0);

  union {
    struct cmsghdr align;
    char buf[CMSG_SPACE(SEND_MAX_FDS * sizeof(int))];
  } control;
  struct iovec iov = {.iov_base = data, .iov_len = len};
  struct msghdr msg;
  memset(&msg, 0, sizeof msg);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  if (nfds > 0) {
    memset(control.buf, 0, sizeof control.buf);
    msg.msg_control = control.buf;
    msg.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
    memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
  }
  ssize_t n;
  do n = sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
  while (n < 0 && errno == EINTR);
  if (n < 0) {
    int err = errno;
    if (err == EAGAIN || err == EWOULDBLOCK) return make_int(env, -1);
    if (err == EPIPE || err == ECONNRESET)
      nsb_throw(env, "ERR_NOSIGBUS_SOCKET_HANGUP", err, "sendmsg", "the peer closed the connection");
    else if (err == EBADF && nfds > 0)
      nsb_throw(env, "ERR_NOSIGBUS_BAD_FD", err, "sendmsg", "an fd to send (or the socket) is not open");
    else
      nsb_throw(env, "ERR_NOSIGBUS_SOCKET_SEND", err, "sendmsg", "cannot send on fd %d", fd);
    return NULL;
  }
  return make_int(env, (int32_t)n);
}

/* ------------------------------------------------------------------ uv_poll */

struct nsb_poll {
  uv_poll_t uv;
  napi_env env;
  sock_env *owner;
  napi_ref callback;      /* strong, while open */
  napi_ref self;          /* strong ref to our JS external while open: an open poll stays alive */
  napi_async_context async;
  int fd;
  int events;             /* events currently polled (0: stopped) */
  int closing;            /* uv_close called */
  int uv_closed;          /* close callback ran */
  int finalized;          /* JS external collected */
  struct nsb_poll *prev, *next;
};

static void poll_free(nsb_poll *p) { free(p); }

static void poll_env_maybe_done(sock_env *st) {
  if (st->tearing_down && !st->head) {
    napi_async_cleanup_hook_handle hook = st->hook;
    free(st);
    napi_remove_async_cleanup_hook(hook);
  }
}

static void on_uv_closed(uv_handle_t *h) {
  nsb_poll *p = (nsb_poll *)h->data;
  sock_env *st = p->owner;
  if (p->prev) p->prev->next = p->next;
  else st->head = p->next;
  if (p->next) p->next->prev = p->prev;
  p->prev = p->next = NULL;
  p->uv_closed = 1;
  int done = p->finalized;
  if (done) poll_free(p);
  poll_env_maybe_done(st);
}

static void poll_begin_close(nsb_poll *p) {
  if (p->closing) return;
  p->closing = 1;
  p->events = 0;
  uv_poll_stop(&p->uv);
  uv_close((uv_handle_t *)&p->uv, on_uv_closed);
}

/* Drops the JS references of an open poll (normal close from JS). */
static void poll_release_js(nsb_poll *p) {
  napi_env env = p->env;
  if (p->callback) napi_delete_reference(env, p->callback);
  if (p->self) napi_delete_reference(env, p->self);
  if (p->async) napi_async_destroy(env, p->async);
  p->callback = p->self = NULL;
  p->async = NULL;
}

static void on_poll_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  nsb_poll *p = data;
  p->finalized = 1;
  if (!p->closing) poll_begin_close(p); /* only at env teardown: an open poll holds itself */
  else if (p->uv_closed) poll_free(p);
}

static void poll_env_teardown(napi_async_cleanup_hook_handle handle, void *arg) {
  (void)handle;
  sock_env *st = arg;
  st->tearing_down = 1;
  /* No JS from here on: stop every handle; their close callbacks finish the hook. */
  for (nsb_poll *p = st->head; p; p = p->next) {
    if (!p->closing) poll_release_js(p);
    poll_begin_close(p);
  }
  /* Listeners nobody closed: unlink and close, as on wl_display_destroy. */
  while (st->listeners) {
    listener_entry *l = st->listeners;
    st->listeners = l->next;
    listener_release(l);
    free(l);
  }
  poll_env_maybe_done(st);
}

static void on_poll_event(uv_poll_t *h, int status, int events) {
  nsb_poll *p = (nsb_poll *)h->data;
  if (status < 0) p->events = 0; /* libuv stopped the handle itself: a later start must re-arm it */
  if (p->closing || !p->callback) return;
  napi_env env = p->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value cb, recv, argv[2], result;
  if (napi_get_reference_value(env, p->callback, &cb) == napi_ok && cb && napi_get_global(env, &recv) == napi_ok &&
      napi_create_int32(env, status, &argv[0]) == napi_ok && napi_create_int32(env, events, &argv[1]) == napi_ok) {
    napi_status s = napi_make_callback(env, p->async, recv, cb, 2, argv, &result);
    if (s != napi_ok) {
      bool pending = false;
      napi_value exc;
      if (napi_is_exception_pending(env, &pending) == napi_ok && pending &&
          napi_get_and_clear_last_exception(env, &exc) == napi_ok)
        napi_fatal_exception(env, exc); /* -> process 'uncaughtException' */
    }
  }
  napi_close_handle_scope(env, scope);
}

static nsb_poll *poll_of(napi_env env, napi_value v) {
  void *p = NULL;
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_external || napi_get_value_external(env, v, &p) != napi_ok ||
      !p) {
    nsb_throw(env, "ERR_NOSIGBUS_BAD_ARGUMENT", 0, NULL, "not a poll handle");
    return NULL;
  }
  return p;
}

/* pollOpen(fd, callback(status, events)) -> handle. Does not take the fd.
 * events bits: 1 readable, 2 writable, 4 disconnect; status < 0 is a libuv error. */
static napi_value js_poll_open(napi_env env, napi_callback_info info) {
  NSB_ARGS_DATA(env, info, 2, sock_env, st);
  int fd;
  napi_valuetype t;
  if (argc < 2 || nsb_arg_fd(env, argv[0], "fd", &fd)) return NULL;
  if (napi_typeof(env, argv[1], &t) != napi_ok || t != napi_function) {
    nsb_throw(env, "ERR_NOSIGBUS_BAD_ARGUMENT", 0, NULL, "callback must be a function");
    return NULL;
  }
  if (!st || st->tearing_down) {
    nsb_throw(env, "ERR_NOSIGBUS_CLOSED", 0, NULL, "the environment is shutting down");
    return NULL;
  }
  nsb_poll *p = calloc(1, sizeof *p);
  if (!p) {
    nsb_throw(env, "ERR_NOSIGBUS_NO_MEMORY", ENOMEM, NULL, "cannot allocate a poll handle");
    return NULL;
  }
  p->env = env;
  p->owner = st;
  p->fd = fd;
  int rc = uv_poll_init(st->loop, &p->uv, fd);
  if (rc != 0) {
    free(p);
    nsb_throw(env, "ERR_NOSIGBUS_SOCKET_POLL", -rc, "uv_poll_init", "cannot poll fd %d (%s)", fd, uv_strerror(rc));
    return NULL;
  }
  p->uv.data = p;
  /* Linked from now on: every exit path below goes through uv_close. */
  p->next = st->head;
  if (st->head) st->head->prev = p;
  st->head = p;

  napi_value handle, name;
  if (napi_create_external(env, p, on_poll_finalize, NULL, &handle) != napi_ok) {
    poll_begin_close(p);
    p->finalized = 1; /* no JS object will ever finalize it */
    nsb_throw_pending(env, "pollOpen");
    return NULL;
  }
  /* From here the finalizer owns the "JS side" half of the struct's lifetime. */
  if (napi_create_reference(env, argv[1], 1, &p->callback) != napi_ok ||
      napi_create_reference(env, handle, 1, &p->self) != napi_ok ||
      napi_create_string_utf8(env, "nosigbus:poll", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_async_init(env, NULL, name, &p->async) != napi_ok) {
    poll_release_js(p);
    poll_begin_close(p);
    nsb_throw_pending(env, "pollOpen");
    return NULL;
  }
  return handle;
}

/* pollStart(handle, events): events = 1 readable | 2 writable (0 stops). */
static napi_value js_poll_start(napi_env env, napi_callback_info info) {
  NSB_ARGS(env, info, 2);
  int32_t events;
  nsb_poll *p = argc >= 2 ? poll_of(env, argv[0]) : NULL;
  if (!p || nsb_arg_int32(env, argv[1], "events", &events)) return NULL;
  if (p->closing) {
    nsb_throw(env, "ERR_NOSIGBUS_CLOSED", 0, NULL, "the poll handle is closed");
    return NULL;
  }
  int uv_events = (events & 1 ? UV_READABLE : 0) | (events & 2 ? UV_WRITABLE : 0);
  if (uv_events == p->events) return nsb_undefined(env);
  /* UV_DISCONNECT (EPOLLRDHUP) only with reading: it stays raised once the
   * peer shut down, and nobody would consume it otherwise. */
  int rc = uv_events ? uv_poll_start(&p->uv, uv_events | (events & 1 ? UV_DISCONNECT : 0), on_poll_event)
                     : uv_poll_stop(&p->uv);
  if (rc != 0) {
    nsb_throw(env, "ERR_NOSIGBUS_SOCKET_POLL", -rc, "uv_poll_start", "cannot poll fd %d (%s)", p->fd,
              uv_strerror(rc));
    return NULL;
  }
  p->events = uv_events;
  return nsb_undefined(env);
}

/* pollRef(handle, ref): whether an active poll keeps the event loop alive (default yes). */
static napi_value js_poll_ref(napi_env env, napi_callback_info info) {
  NSB_ARGS(env, info, 2);
  int ref;
  nsb_poll *p = argc >= 2 ? poll_of(env, argv[0]) : NULL;
  if (!p || nsb_arg_bool(env, argv[1], "ref", &ref)) return NULL;
  if (!p->closing) {
    if (ref) uv_ref((uv_handle_t *)&p->uv);
    else uv_unref((uv_handle_t *)&p->uv);
  }
  return nsb_undefined(env);
}

/* pollClose(handle): stop and uv_close; idempotent; never closes the fd. */
static napi_value js_poll_close(napi_env env, napi_callback_info info) {
  NSB_ARGS(env, info, 1);
  nsb_poll *p = argc >= 1 ? poll_of(env, argv[0]) : NULL;
  if (!p) return NULL;
  if (!p->closing) {
    poll_release_js(p);
    poll_begin_close(p);
  }
  return nsb_undefined(env);
}

/* activePolls() -> poll handles of this env whose close has not completed. */
static napi_value js_active_polls(napi_env env, napi_callback_info info) {
  void *data = NULL;
  NAPI_CALL(env, napi_get_cb_info(env, info, NULL, NULL, NULL, &data));
  sock_env *st = data;
  int n = 0;
  for (nsb_poll *p = st ? st->head : NULL; p; p = p->next) n++;
  return make_int(env, n);
}

/* ------------------------------------------------------------------ init */

static int export_with(napi_env env, napi_value obj, const char *name, napi_callback cb, void *data) {
  napi_value fn;
  if (napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, data, &fn) != napi_ok) return -1;
  return napi_set_named_property(env, obj, name, fn) == napi_ok ? 0 : -1;
}

napi_value nsb_socket_init(napi_env env, napi_value exports) {
  sock_env *st = calloc(1, sizeof *st);
  if (!st) {
    nsb_throw(env, "ERR_NOSIGBUS_NO_MEMORY", ENOMEM, NULL, "cannot allocate socket state");
    return NULL;
  }
  st->env = env;
  if (napi_get_uv_event_loop(env, &st->loop) != napi_ok || !st->loop ||
      napi_add_async_cleanup_hook(env, poll_env_teardown, st, &st->hook) != napi_ok) {
    free(st);
    nsb_throw_pending(env, "socket init");
    return NULL;
  }
  /* From here st lives until the cleanup hook completes. */
  napi_value s;
  NAPI_CALL(env, napi_create_object(env, &s));
  if (export_with(env, s, "listen", js_listen, st) || export_with(env, s, "closeListener", js_close_listener, st) ||
      nsb_export(env, s, "accept", js_accept) || nsb_export(env, s, "peerCredentials", js_peer_cred) ||
      nsb_export(env, s, "connect", js_connect) || nsb_export(env, s, "pair", js_pair) ||
      nsb_export(env, s, "setNonBlocking", js_set_nonblocking) || nsb_export(env, s, "dup", js_dup) ||
      nsb_export(env, s, "closeFd", js_close_fd) || nsb_export(env, s, "recv", js_recv) ||
      nsb_export(env, s, "send", js_send) || export_with(env, s, "pollOpen", js_poll_open, st) ||
      nsb_export(env, s, "pollStart", js_poll_start) || nsb_export(env, s, "pollRef", js_poll_ref) ||
      nsb_export(env, s, "pollClose", js_poll_close) || export_with(env, s, "activePolls", js_active_polls, st))
    return NULL;
  napi_value v;
  if (!(v = make_int(env, SEND_MAX_FDS)) || napi_set_named_property(env, s, "maxFdsPerSend", v) != napi_ok ||
      !(v = make_int(env, RECV_MAX_FDS)) || napi_set_named_property(env, s, "maxFdsPerRecv", v) != napi_ok ||
      !(v = make_int(env, (int32_t)SUN_PATH_MAX)) || napi_set_named_property(env, s, "sunPathMax", v) != napi_ok ||
      napi_set_named_property(env, exports, "socket", s) != napi_ok) {
    nsb_throw_pending(env, "socket init");
    return NULL;
  }
  return exports;
}
