// libsystemd's journal API for Swift, loaded with dlopen on first use (issue 16: berthd <= 20 MB RSS).
//
// Linked normally, libsystemd.so.0 and what it needs (libgcrypt, libgpg-error, liblz4, libzstd, liblzma, libcap)
// are mapped into every berthd at start: ~0.8 MB of its RSS, although a daemon uses them only to pass a journal
// entry too large for a datagram (sd_journal_sendv) and `berth logs` only to read the journal. Each berth_sd_*
// function loads the library the first time one is called and calls the function of the same name without the
// prefix; when the library cannot be loaded, those returning int return -ENOSYS (berth_systemd_load_error() says
// why) and the void ones do nothing. Variadic functions are not importable: Berth uses sd_journal_sendv (iovecs)
// and the reading API, which are not variadic.
#ifndef BERTH_CSYSTEMD_H
#define BERTH_CSYSTEMD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>

// NULL once libsystemd is loaded (loading it if needed), else why it cannot be (dlopen's or dlsym's message).
const char *berth_systemd_load_error(void);
// Whether this process has loaded libsystemd (without loading it): for tests and the daemon's link check.
int berth_systemd_is_loaded(void);

int berth_sd_journal_sendv(const struct iovec *iov, int n);
int berth_sd_journal_open(sd_journal **ret, int flags);
void berth_sd_journal_close(sd_journal *j);
int berth_sd_journal_set_data_threshold(sd_journal *j, size_t sz);
void berth_sd_journal_flush_matches(sd_journal *j);
int berth_sd_journal_add_match(sd_journal *j, const void *data, size_t size);
int berth_sd_journal_add_disjunction(sd_journal *j);
int berth_sd_journal_seek_head(sd_journal *j);
int berth_sd_journal_seek_tail(sd_journal *j);
int berth_sd_journal_seek_realtime_usec(sd_journal *j, uint64_t usec);
int berth_sd_journal_seek_cursor(sd_journal *j, const char *cursor);
int berth_sd_journal_test_cursor(sd_journal *j, const char *cursor);
int berth_sd_journal_next(sd_journal *j);
int berth_sd_journal_previous(sd_journal *j);
int berth_sd_journal_wait(sd_journal *j, uint64_t timeout_usec);
int berth_sd_journal_get_cursor(sd_journal *j, char **cursor);
int berth_sd_journal_get_data(sd_journal *j, const char *field, const void **data, size_t *l);
int berth_sd_journal_get_realtime_usec(sd_journal *j, uint64_t *ret);

#endif
