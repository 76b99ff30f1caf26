// Loads libsystemd.so.0 on first use (see CSystemd.h for why) and forwards each berth_sd_* call to it.
// Without it, sd-journal.h makes sd_journal_sendv a macro for sd_journal_sendv_with_location.
#define SD_JOURNAL_SUPPRESS_LOCATION
#include "CSystemd.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>

// Every function Berth calls: its return type, name, parameters and arguments.
#define BERTH_SD_FUNCTIONS(X)                                                                                   \
    X(int, sd_journal_sendv, (const struct iovec *iov, int n), (iov, n))                                       \
    X(int, sd_journal_open, (sd_journal **ret, int flags), (ret, flags))                                       \
    X(int, sd_journal_set_data_threshold, (sd_journal *j, size_t sz), (j, sz))                                 \
    X(int, sd_journal_add_match, (sd_journal *j, const void *data, size_t size), (j, data, size))              \
    X(int, sd_journal_add_disjunction, (sd_journal *j), (j))                                                   \
    X(int, sd_journal_seek_head, (sd_journal *j), (j))                                                         \
    X(int, sd_journal_seek_tail, (sd_journal *j), (j))                                                         \
    X(int, sd_journal_seek_realtime_usec, (sd_journal *j, uint64_t usec), (j, usec))                           \
    X(int, sd_journal_seek_cursor, (sd_journal *j, const char *cursor), (j, cursor))                           \
    X(int, sd_journal_test_cursor, (sd_journal *j, const char *cursor), (j, cursor))                           \
    X(int, sd_journal_next, (sd_journal *j), (j))                                                              \
    X(int, sd_journal_previous, (sd_journal *j), (j))                                                          \
    X(int, sd_journal_wait, (sd_journal *j, uint64_t timeout_usec), (j, timeout_usec))                         \
    X(int, sd_journal_get_cursor, (sd_journal *j, char **cursor), (j, cursor))                                 \
    X(int, sd_journal_get_data, (sd_journal *j, const char *field, const void **data, size_t *l),              \
      (j, field, data, l))                                                                                      \
    X(int, sd_journal_get_realtime_usec, (sd_journal *j, uint64_t *ret), (j, ret))                             \
    X(void, sd_journal_close, (sd_journal *j), (j))                                                            \
    X(void, sd_journal_flush_matches, (sd_journal *j), (j))

#define BERTH_SD_POINTER(type, name, params, args) type(*name) params;
static struct {
    BERTH_SD_FUNCTIONS(BERTH_SD_POINTER)
} functions;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static volatile int loaded;
static const char *load_error;
static char load_error_text[512];

static void load(void) {
    // RTLD_LOCAL: nothing else in the process resolves symbols against it.
    void *library = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        const char *why = dlerror();
        snprintf(load_error_text, sizeof load_error_text, "cannot load libsystemd.so.0: %s", why ? why : "?");
        load_error = load_error_text;
        return;
    }
#define BERTH_SD_RESOLVE(type, name, params, args)                                                              \
    functions.name = (type(*) params)dlsym(library, #name);                                                     \
    if (functions.name == NULL) {                                                                               \
        snprintf(load_error_text, sizeof load_error_text, "libsystemd.so.0 has no %s", #name);                  \
        load_error = load_error_text;                                                                           \
        return;                                                                                                 \
    }
    BERTH_SD_FUNCTIONS(BERTH_SD_RESOLVE)
    __atomic_store_n(&loaded, 1, __ATOMIC_RELEASE);
}

const char *berth_systemd_load_error(void) {
    pthread_once(&once, load);
    return load_error;
}

int berth_systemd_is_loaded(void) { return __atomic_load_n(&loaded, __ATOMIC_ACQUIRE); }

#define BERTH_SD_RETURN_int(call)                                                                               \
    if (berth_systemd_load_error() != NULL) return -ENOSYS;                                                     \
    return call;
#define BERTH_SD_RETURN_void(call)                                                                              \
    if (berth_systemd_load_error() != NULL) return;                                                             \
    call;
#define BERTH_SD_FORWARD(type, name, params, args)                                                              \
    type berth_##name params { BERTH_SD_RETURN_##type(functions.name args) }
BERTH_SD_FUNCTIONS(BERTH_SD_FORWARD)
