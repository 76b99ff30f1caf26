#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>
#include "berth_passcred.h"

int berth_enable_passcred(int fd) {
#if defined(__linux__)
    int on = 1;
    return setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on));
#else
    (void)fd;
    errno = ENOTSUP;
    return -1;
#endif
}

ssize_t berth_recv_with_credentials(
    int fd, void *buffer, size_t length, int *has_credentials, int32_t *pid, uint32_t *uid) {
    *has_credentials = 0;
#if defined(__linux__)
    struct iovec iov = {.iov_base = buffer, .iov_len = length};
    union {
        struct cmsghdr align;
        char bytes[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(16 * sizeof(int))];
    } control;
    struct msghdr message;
    memset(&message, 0, sizeof(message));
    message.msg_iov = &iov;
    message.msg_iovlen = 1;
    message.msg_control = control.bytes;
    message.msg_controllen = sizeof(control.bytes);
    ssize_t got = recvmsg(fd, &message, MSG_CMSG_CLOEXEC);
    if (got < 0) return got;
    for (struct cmsghdr *header = CMSG_FIRSTHDR(&message); header != NULL;
         header = CMSG_NXTHDR(&message, header)) {
        if (header->cmsg_level == SOL_SOCKET && header->cmsg_type == SCM_CREDENTIALS &&
            header->cmsg_len == CMSG_LEN(sizeof(struct ucred))) {
            struct ucred credentials;
            memcpy(&credentials, CMSG_DATA(header), sizeof(credentials));
            *pid = (int32_t)credentials.pid;
            *uid = (uint32_t)credentials.uid;
            *has_credentials = 1;
        } else if (header->cmsg_level == SOL_SOCKET && header->cmsg_type == SCM_RIGHTS) {
            // A sender may pass descriptors along; never keep them open.
            int count = (int)((header->cmsg_len - CMSG_LEN(0)) / sizeof(int));
            int fds[16];
            if (count > 16) count = 16;
            memcpy(fds, CMSG_DATA(header), (size_t)count * sizeof(int));
            for (int i = 0; i < count; i++) close(fds[i]);
        }
    }
    return got;
#else
    (void)pid;
    (void)uid;
    return recv(fd, buffer, length, 0);
#endif
}
