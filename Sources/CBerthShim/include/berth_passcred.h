#ifndef BERTH_PASSCRED_H
#define BERTH_PASSCRED_H
// SO_PASSCRED / SCM_CREDENTIALS helpers (owned by BerthNotify): CMSG_* are macros Swift cannot call.
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/// Asks the kernel to attach the sender's credentials to every datagram received on `fd` (SO_PASSCRED).
/// Returns 0, or -1 with errno set.
int berth_enable_passcred(int fd);

/// Receives one datagram into `buffer` with the sender's credentials as the kernel reports them (SCM_CREDENTIALS;
/// they cannot be forged: a sender may only claim its own pid, uid and gid, unless privileged). Returns the byte
/// count (or -1 with errno set); `*has_credentials` is 0 when the datagram came without them.
ssize_t berth_recv_with_credentials(
    int fd, void *buffer, size_t length, int *has_credentials, int32_t *pid, uint32_t *uid);
#endif
