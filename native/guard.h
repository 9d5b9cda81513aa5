/*
 * guard: the process-wide table of guarded ranges and the SIGBUS handler.
 *
 * This is the only place in nosigbus that runs inside a signal handler.
 * Invariants (see DESIGN.md, the contract of a guarded mapping):
 *   - the table is read by the handler without locks; slots live in chunks
 *     that are never freed, so a slot pointer stays valid forever;
 *   - a slot is ACTIVE only while its memory is mapped by us; the handler
 *     counts itself in `inflight` before touching a slot, and guard_release
 *     waits for `inflight == 0` before munmap, so a rescue can never
 *     MAP_FIXED over an unrelated mapping that reused the address;
 *   - a rescue first *claims* the pages it replaces (tail watermark by CAS,
 *     or one claim byte per page), so concurrent rescues never replace a
 *     page twice and never discard a write made after the first rescue;
 *   - a fault is a truncation only if fstat of the mapped regular file
 *     (same dev/ino as when mapped) says the page is past EOF; a fault on a
 *     covered page (an I/O error) is retried a bounded number of times at
 *     the same address, then treated as a real bug;
 *   - everything that is not BUS_ADRERR inside an ACTIVE slot goes to the
 *     previous handler, or kills the process with SIGBUS (old action
 *     restored, signal re-raised; SIG_DFL is never called as a function).
 */
#ifndef NOSIGBUS_GUARD_H
#define NOSIGBUS_GUARD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

enum guard_mode { GUARD_TAIL = 0, GUARD_PAGE = 1 };

typedef struct guard_slot guard_slot;

typedef struct guard_stats {
  uint64_t rescues;     /* replacements made (tail: one per truncation) */
  int64_t first_fault;  /* offset from the start of the mapping, -1 if none */
  int degraded;         /* the kernel refused a mapping; a whole range was replaced */
} guard_stats;

/* Installs the SIGBUS handler once per process. Returns 0 or an errno. */
int guard_install(void);

/* Page size, valid after guard_install. */
size_t guard_page_size(void);

/* Registers [base, base+len) (page aligned, already mapped from fd at
 * file_offset; st is fd's fstat; fd must stay open until guard_release or
 * guard_retire returns). Returns NULL with errno set on failure (the memory
 * is left mapped). */
guard_slot *guard_register(void *base, size_t len, int prot, enum guard_mode mode, int fd, const struct stat *st,
                           uint64_t file_offset);

/* Stops guarding, waits for rescues in flight on the range, then munmaps it. */
void guard_release(guard_slot *slot);

/* Like guard_release, but leaves private zero pages mapped over the range
 * instead of unmapping it, for when a raw pointer to it may survive (a
 * threadpool job, an ArrayBuffer moved by transfer()). The caller munmaps
 * the range later. Returns 0, or -1 if it had to munmap at once. */
int guard_retire(guard_slot *slot);

void guard_read_stats(guard_slot *slot, guard_stats *out);

/* Number of ACTIVE slots (for tests and leak checks). */
size_t guard_active_count(void);

/* True while our handler is the installed SIGBUS action. */
int guard_handler_installed(void);

#endif
