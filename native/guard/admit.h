/*
 * admit: which file descriptors may back a guarded mapping, and what their
 * filesystem means for the guard. The one check behind the addon's map()
 * (native/addon/mapping.c), nosigbus_mmap (native/lib/libnosigbus.c) and
 * the preload's mmap (native/lib/preload.c). Never called in the handler.
 */
#ifndef NOSIGBUS_ADMIT_H
#define NOSIGBUS_ADMIT_H

#include <sys/stat.h>

#include "guard.h"

typedef struct guard_admission {
  struct stat st;             /* fd's fstat, once fstat succeeded */
  enum guard_backing backing; /* what guard_register takes; set when admitted */
  long fs_type;               /* the filesystem's statfs f_type; set when admitted */
  const char *syscall;        /* "fstat" or "fstatfs" when that call failed (the errno returned is its), else NULL */
} guard_admission;

/* 0 if fd can back a guarded mapping, else an errno saying why not:
 *   EBADF   fd < 0 (out->syscall NULL);
 *   fstat's or fstatfs' errno when it fails (out->syscall names it);
 *   ENODEV  not a regular file (pipe, socket, directory, device: out->st
 *           tells which): there is no end of file to ask for;
 *   EINVAL  a hugetlbfs file: replacements in base pages are rejected;
 *   EPERM   a FUSE file, unless allow_fuse: the daemon that serves it can
 *           stall every fault, and the handler's fstat, for as long as it likes.
 * The filesystem is asked every time (fstatfs), except for memfds: they all
 * live on the kernel's internal shmem mount, which is never unmounted, so its
 * device number (learned once, from a memfd of our own) means shmem for good.
 * errno is left as it was when fd is admitted. */
int guard_admit_fd(int fd, int allow_fuse, guard_admission *out);

#endif
