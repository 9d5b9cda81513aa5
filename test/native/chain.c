/*
 * chain: the guard calls the SIGBUS action it replaced the way the kernel
 * would have (issue 6, case 7), and puts itself back first when another
 * action replaced it (case 8). Built and run by test/native/chain.test.ts:
 * `chain <scenario>`; prints what the previous handler saw.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../native/guard/guard.h"

static _Atomic int g_calls;
static size_t g_page;

static void say(const char *s) { (void)!write(1, s, strlen(s)); }

/* The previous handler: reports the mask it runs with, then (unless told to
 * let the fault repeat) maps zeros over the faulting page so the access can
 * go on, as a program's own SIGBUS handler might. */
static int g_fix = 1;
static void previous(int sig, siginfo_t *info, void *uctx) {
  (void)uctx;
  atomic_fetch_add(&g_calls, 1);
  sigset_t cur;
  pthread_sigmask(SIG_SETMASK, NULL, &cur);
  char line[96];
  snprintf(line, sizeof line, "previous sig=%d code=%d usr1=%d bus=%d\n", sig, info ? info->si_code : -99,
           sigismember(&cur, SIGUSR1), sigismember(&cur, SIGBUS));
  say(line);
  if (g_fix && info) {
    uintptr_t page = (uintptr_t)info->si_addr & ~(uintptr_t)(g_page - 1);
    mmap((void *)page, g_page, PROT_READ, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  }
}

static void previous_plain(int sig) {
  atomic_fetch_add(&g_calls, 1);
  char line[32];
  snprintf(line, sizeof line, "plain sig=%d\n", sig);
  say(line);
  exit(0);
}

static void install_previous(int flags, int mask_usr1) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = previous;
  sa.sa_flags = SA_SIGINFO | flags;
  sigemptyset(&sa.sa_mask);
  if (mask_usr1) sigaddset(&sa.sa_mask, SIGUSR1);
  sigaction(SIGBUS, &sa, NULL);
}

/* A real SIGBUS nobody guards: a read past EOF of a plain mapping. */
static int foreign_fault(void) {
  int fd = memfd_create("foreign", MFD_CLOEXEC);
  if (fd < 0 || ftruncate(fd, 4 * (off_t)g_page) != 0) return -1;
  volatile unsigned char *p = mmap(NULL, 4 * g_page, PROT_READ, MAP_SHARED, fd, 0);
  if ((void *)p == MAP_FAILED || ftruncate(fd, 0) != 0) return -1;
  int v = p[2 * g_page];
  close(fd);
  return v;
}

/* A guarded mapping, truncated and read: rescued, reads 0. */
static int guarded_read(void) {
  int fd = memfd_create("guarded", MFD_CLOEXEC);
  struct stat st;
  if (fd < 0 || ftruncate(fd, 4 * (off_t)g_page) != 0 || fstat(fd, &st) != 0) return -1;
  volatile unsigned char *p = mmap(NULL, 4 * g_page, PROT_READ, MAP_SHARED, fd, 0);
  guard_slot *s = guard_register((void *)p, 4 * g_page, PROT_READ, GUARD_TAIL, fd, &st, 0, GUARD_BACKING_SHMEM);
  if (!s || ftruncate(fd, 0) != 0) return -1;
  int v = p[3 * g_page];
  guard_stats stats;
  guard_read_stats(s, &stats);
  guard_release(s);
  close(fd);
  return stats.rescues == 1 ? v : -2;
}

/* Handlers installed after the guard that saved ours as their previous one. */
static struct sigaction g_saved;
static void calls_back(int sig, siginfo_t *info, void *uctx) { /* wlroots/KWin style */
  atomic_fetch_add(&g_calls, 1);
  g_saved.sa_sigaction(sig, info, uctx);
}
static void reraises(int sig, siginfo_t *info, void *uctx) { /* libwayland style */
  (void)info; (void)uctx;
  atomic_fetch_add(&g_calls, 1);
  sigaction(sig, &g_saved, NULL);
  raise(sig);
}
static sigjmp_buf g_jump;
static void jumps_out(int sig, siginfo_t *info, void *uctx) {
  (void)sig; (void)info; (void)uctx;
  atomic_fetch_add(&g_calls, 1);
  siglongjmp(g_jump, 1);
}

static void install_over_guard(void (*fn)(int, siginfo_t *, void *)) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = fn;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGBUS, &sa, &g_saved);
  guard_ensure_first();
}

int main(int argc, char **argv) {
  const char *scenario = argc > 1 ? argv[1] : "";
  g_page = (size_t)sysconf(_SC_PAGESIZE);
  if (!strcmp(scenario, "resethand")) {
    /* Called once; the fault repeats with the default action: death by SIGBUS. */
    g_fix = 0;
    install_previous(SA_RESETHAND, 0);
    guard_install();
    foreign_fault();
    say("survived\n");
  } else if (!strcmp(scenario, "mask") || !strcmp(scenario, "nodefer")) {
    install_previous(!strcmp(scenario, "nodefer") ? SA_NODEFER : 0, 1);
    guard_install();
    foreign_fault();
    sigset_t cur;
    pthread_sigmask(SIG_SETMASK, NULL, &cur);
    printf("after: calls=%d usr1=%d bus=%d guarded=%d\n", atomic_load(&g_calls), sigismember(&cur, SIGUSR1),
           sigismember(&cur, SIGBUS), guarded_read());
  } else if (!strcmp(scenario, "plain")) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = previous_plain;
    sigaction(SIGBUS, &sa, NULL);
    guard_install();
    printf("guarded=%d\n", guarded_read());
    fflush(stdout);
    foreign_fault();
  } else if (!strcmp(scenario, "replaced")) {
    /* Installed after the guard, as process.on('SIGBUS') makes Node do. */
    guard_install();
    install_previous(0, 0);
    int before = guard_handler_installed();
    int put_back = guard_ensure_first();
    printf("installed=%d put_back=%d again=%d guarded=%d\n", before, put_back, guard_ensure_first(), guarded_read());
    fflush(stdout);
    foreign_fault();
    printf("after: calls=%d\n", atomic_load(&g_calls));
  } else if (!strcmp(scenario, "calls-back") || !strcmp(scenario, "reraises")) {
    /* A foreign fault must still end in death by SIGBUS: no recursion, no ping-pong. */
    guard_install();
    install_over_guard(!strcmp(scenario, "calls-back") ? calls_back : reraises);
    printf("guarded=%d\n", guarded_read());
    fflush(stdout);
    alarm(10);
    foreign_fault();
    say("survived\n");
  } else if (!strcmp(scenario, "jumps-out")) {
    /* A handler that leaves by siglongjmp is called again for the next fault. */
    guard_install();
    install_over_guard(jumps_out);
    for (int i = 0; i < 3; i++)
      if (sigsetjmp(g_jump, 1) == 0) foreign_fault();
    printf("calls=%d guarded=%d\n", atomic_load(&g_calls), guarded_read());
  } else if (!strcmp(scenario, "blocked")) {
    /* What cannot be guarded: with SIGBUS blocked the kernel cannot deliver
     * it to our handler; it kills the process instead. */
    guard_install();
    sigset_t bus;
    sigemptyset(&bus);
    sigaddset(&bus, SIGBUS);
    printf("unblocked: guarded=%d\n", guarded_read());
    fflush(stdout);
    pthread_sigmask(SIG_BLOCK, &bus, NULL);
    printf("blocked: guarded=%d\n", guarded_read());
  } else {
    fprintf(stderr, "unknown scenario %s\n", scenario);
    return 2;
  }
  return 0;
}
