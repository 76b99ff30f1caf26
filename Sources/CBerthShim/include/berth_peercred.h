#ifndef BERTH_PEERCRED_H
#define BERTH_PEERCRED_H
// SO_PEERCRED helper (owned by BerthControlServer).
#include <stdint.h>

/// The layout of Linux's `struct ucred` (which glibc only declares under _GNU_SOURCE, so Swift cannot see it):
/// the value SO_PEERCRED returns, for code that reads the option through an API that takes a value type.
typedef struct berth_ucred {
    int32_t pid;
    uint32_t uid;
    uint32_t gid;
} berth_ucred;

/// The SO_PEERCRED option name (-1 where the platform has none).
int berth_so_peercred(void);

/// Reads the credentials of the peer of the connected Unix domain socket `fd`.
/// Returns 0 and fills `uid` and `pid` on success, or -1 with errno set.
int berth_peer_uid(int fd, uint32_t *uid, int32_t *pid);
#endif
