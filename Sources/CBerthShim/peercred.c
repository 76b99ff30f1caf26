#define _GNU_SOURCE
#include <errno.h>
#include <sys/socket.h>
#include <sys/types.h>
#include "berth_peercred.h"

#if defined(__linux__)
_Static_assert(sizeof(struct ucred) == sizeof(berth_ucred), "berth_ucred must mirror struct ucred");
#endif

int berth_so_peercred(void) {
#if defined(__linux__)
    return SO_PEERCRED;
#else
    return -1;
#endif
}

int berth_peer_uid(int fd, uint32_t *uid, int32_t *pid) {
#if defined(__linux__)
    struct ucred cred;
    socklen_t len = sizeof(cred);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
        return -1;
    }
    if (len != sizeof(cred)) {
        errno = EINVAL;
        return -1;
    }
    *uid = (uint32_t)cred.uid;
    *pid = (int32_t)cred.pid;
    return 0;
#else
    (void)fd;
    (void)uid;
    (void)pid;
    errno = ENOTSUP;
    return -1;
#endif
}
