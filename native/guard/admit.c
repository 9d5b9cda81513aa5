/* admit.c: which fds may back a guarded mapping (see admit.h). */
#include "admit.h"

#include <errno.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/vfs.h>
#include <unistd.h>

static enum guard_backing backing_of_fs(long f_type) {
  switch ((unsigned long)f_type & 0xffffffffu) {
    case 0x01021994u: return GUARD_BACKING_SHMEM;   /* TMPFS_MAGIC: tmpfs, memfd, /dev/shm */
    case 0x958458f6u: return GUARD_BACKING_HUGETLB; /* HUGETLBFS_MAGIC */
    case 0x65735546u: return GUARD_BACKING_FUSE;    /* FUSE_SUPER_MAGIC */
    default: return GUARD_BACKING_DISK;
  }
}

static pthread_once_t g_memfd_once = PTHREAD_ONCE_INIT;
static dev_t g_memfd_dev;
static long g_memfd_fs_type;
static int g_memfd_known;

static void learn_memfd_dev(void) {
  int saved = errno;
  struct stat st;
  struct statfs sfs;
  int fd = memfd_create("nosigbus-probe", MFD_CLOEXEC);
  if (fd >= 0) { /* else no memfd_create (seccomp, old kernel): fstatfs every time */
    if (fstat(fd, &st) == 0 && fstatfs(fd, &sfs) == 0) {
      g_memfd_dev = st.st_dev;
      g_memfd_fs_type = (long)sfs.f_type;
      g_memfd_known = 1;
    }
    close(fd);
  }
  errno = saved;
}

int guard_admit_fd(int fd, int allow_fuse, guard_admission *out) {
  out->syscall = NULL;
  if (fd < 0) return EBADF;
  if (fstat(fd, &out->st) != 0) {
    out->syscall = "fstat";
    return errno;
  }
  if (!S_ISREG(out->st.st_mode)) return ENODEV;
  pthread_once(&g_memfd_once, learn_memfd_dev);
  if (g_memfd_known && out->st.st_dev == g_memfd_dev) {
    out->fs_type = g_memfd_fs_type;
  } else {
    struct statfs sfs;
    if (fstatfs(fd, &sfs) != 0) {
      out->syscall = "fstatfs";
      return errno;
    }
    out->fs_type = (long)sfs.f_type;
  }
  out->backing = backing_of_fs(out->fs_type);
  if (out->backing == GUARD_BACKING_HUGETLB) return EINVAL;
  if (out->backing == GUARD_BACKING_FUSE && !allow_fuse) return EPERM;
  return 0;
}
