#include "berth_process.h"

#include <string.h>
#include <sys/epoll.h>

int berth_epoll_watch(int epfd, int fd, uint64_t token, int writable, int modify) {
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = writable ? EPOLLOUT : (EPOLLIN | EPOLLRDHUP);
    ev.data.u64 = token;
    return epoll_ctl(epfd, modify ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev);
}
