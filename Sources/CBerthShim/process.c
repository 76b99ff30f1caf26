// Process spawning for BerthProcess: fork + exec with a close-on-exec error pipe (as s6 does), so that
// "exec failed with errno E" is told apart from "started and crashed". The child only makes async-signal-safe calls.
#define _GNU_SOURCE
#include "berth_process.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

// Child side --------------------------------------------------------------------------------------------------------

static void child_fail(int errfd, int stage) {
    int msg[2] = { stage, errno };
    ssize_t r;
    do {
        r = write(errfd, msg, sizeof msg);
    } while (r < 0 && errno == EINTR);
    _exit(127);
}

/// Duplicates fd to a number >= 10 (close-on-exec), so that dup2 onto 0..3 never meets itself.
static int move_high(int fd, int errfd) {
    int moved = fcntl(fd, F_DUPFD_CLOEXEC, 10);
    if (moved < 0) child_fail(errfd, BERTH_STAGE_STDIO);
    return moved;
}

static void close_from(int first, long max_fd) {
    if (close_range((unsigned)first, ~0U, 0) == 0) return;
    for (long fd = first; fd < max_fd; fd++) close((int)fd);
}

static void child_main(const berth_spawn_params *p, int errfd, long max_fd) {
    // Signals: default dispositions for all, then an empty mask (the parent blocked everything around fork).
    // The raw system call also resets the signals glibc reserves (32, 33), which an ancestor may have ignored:
    // ignored dispositions survive exec. An all-zero kernel sigaction is SIG_DFL, no flags, empty mask.
    unsigned long dfl[4] = { 0, 0, 0, 0 };
    for (int s = 1; s < NSIG; s++) {
        if (s == SIGKILL || s == SIGSTOP) continue;
        syscall(SYS_rt_sigaction, s, dfl, NULL, (size_t)(NSIG / 8));
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);

    // The replica's cgroups, before anything it does is charged elsewhere ("0" is the writing process). As root:
    // before the user switch.
    for (int i = 0; i < p->ncgroup_procs; i++) {
        int fd = open(p->cgroup_procs[i], O_WRONLY | O_CLOEXEC);
        if (fd < 0) child_fail(errfd, BERTH_STAGE_CGROUP);
        ssize_t w;
        do {
            w = write(fd, "0", 1);
        } while (w < 0 && errno == EINTR);
        if (w != 1) child_fail(errfd, BERTH_STAGE_CGROUP);
        close(fd);
    }

    if (setsid() < 0) child_fail(errfd, BERTH_STAGE_SETSID);

    // Standard fds. Everything is moved above 9 first, then placed on 0..3.
    errfd = move_high(errfd, errfd);
    int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (devnull < 0) child_fail(errfd, BERTH_STAGE_STDIO);
    devnull = move_high(devnull, errfd);
    int out = p->stdout_fd >= 0 ? move_high(p->stdout_fd, errfd) : devnull;
    int err = p->stderr_fd >= 0 ? move_high(p->stderr_fd, errfd) : devnull;
    if (dup2(devnull, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0) child_fail(errfd, BERTH_STAGE_STDIO);
    if (dup3(errfd, 3, O_CLOEXEC) < 0) child_fail(errfd, BERTH_STAGE_STDIO);
    errfd = 3;
    close_from(4, max_fd);

    // limits.open_files and limits.core: soft and hard, before the user switch (only root may raise a hard limit).
    if (p->set_nofile) {
        struct rlimit files = { (rlim_t)p->nofile_limit, (rlim_t)p->nofile_limit };
        if (setrlimit(RLIMIT_NOFILE, &files) < 0) child_fail(errfd, BERTH_STAGE_RLIMIT);
    }
    if (p->set_core) {
        struct rlimit core = { (rlim_t)p->core_limit, (rlim_t)p->core_limit };
        if (setrlimit(RLIMIT_CORE, &core) < 0) child_fail(errfd, BERTH_STAGE_RLIMIT);
    }

    if (p->switch_user) {
        // Only root may set supplementary groups; a daemon that is not root can only keep its own identity (the
        // manifest check refuses anything else), and setgid/setuid to its own ids then succeed.
        if ((geteuid() == 0 || p->uid != geteuid()) && setgroups((size_t)p->ngroups, p->groups) < 0)
            child_fail(errfd, BERTH_STAGE_SETGROUPS);
        if (setgid(p->gid) < 0) child_fail(errfd, BERTH_STAGE_SETGID);
        if (setuid(p->uid) < 0) child_fail(errfd, BERTH_STAGE_SETUID);
    } else if (p->switch_group) {
        if (geteuid() == 0 && setgroups(1, &p->gid) < 0) child_fail(errfd, BERTH_STAGE_SETGROUPS);
        if (setgid(p->gid) < 0) child_fail(errfd, BERTH_STAGE_SETGID);
    }

    if (p->workdir != NULL && chdir(p->workdir) < 0) child_fail(errfd, BERTH_STAGE_CHDIR);

    if (p->nofile_soft > 0 && !p->set_nofile) {
        // Best effort: the limit the daemon itself was started with, not the one it raised for its gateway.
        struct rlimit files;
        if (getrlimit(RLIMIT_NOFILE, &files) == 0 && p->nofile_soft < files.rlim_cur) {
            files.rlim_cur = p->nofile_soft;
            setrlimit(RLIMIT_NOFILE, &files);
        }
    }

    execve(p->path, p->argv, p->envp);
    child_fail(errfd, BERTH_STAGE_EXEC);
}

// Parent side -------------------------------------------------------------------------------------------------------

pid_t berth_spawn_start(const berth_spawn_params *params, int *exec_report, int *err) {
    *exec_report = -1;
    *err = 0;
    long max_fd = sysconf(_SC_OPEN_MAX);
    if (max_fd <= 0 || max_fd > 65536) max_fd = 65536;

    int ep[2];
    if (pipe2(ep, O_CLOEXEC) < 0) {
        *err = errno;
        return -1;
    }
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pid_t pid = fork();
    if (pid == 0) {
        child_main(params, ep[1], max_fd);
        _exit(127); // not reached
    }
    int fork_errno = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    close(ep[1]);
    if (pid < 0) {
        close(ep[0]);
        *err = fork_errno;
        return -1;
    }
    *exec_report = ep[0];
    return pid;
}

int berth_spawn_decode_report(const void *report, size_t count, int *stage, int *err) {
    *stage = BERTH_STAGE_NONE;
    *err = 0;
    if (count == 0) return 0; // EOF with no data: execve succeeded and closed the pipe
    int msg[2];
    if (count < sizeof msg) {
        *stage = BERTH_STAGE_PARENT;
        *err = EIO;
    } else {
        memcpy(msg, report, sizeof msg);
        *stage = msg[0];
        *err = msg[1];
    }
    return 1;
}

int berth_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

int berth_set_child_subreaper(void) { return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); }

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
int berth_pidfd_open(int pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }

int berth_wifexited(int status) { return WIFEXITED(status); }
int berth_wexitstatus(int status) { return WEXITSTATUS(status); }
int berth_wifsignaled(int status) { return WIFSIGNALED(status); }
int berth_wtermsig(int status) { return WTERMSIG(status); }
int berth_wcoredump(int status) { return WCOREDUMP(status); }

// epoll -------------------------------------------------------------------------------------------------------------

int berth_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

int berth_epoll_add(int epfd, int fd, uint64_t token) {
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.u64 = token;
    return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

int berth_epoll_del(int epfd, int fd) { return epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL); }

int berth_epoll_wait(int epfd, uint64_t *tokens, int max, int timeout_ms) {
    struct epoll_event events[64];
    if (max > 64) max = 64;
    int n = epoll_wait(epfd, events, max, timeout_ms);
    for (int i = 0; i < n; i++) tokens[i] = events[i].data.u64;
    return n;
}

int berth_eventfd_create(void) { return eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK); }

void berth_eventfd_signal(int fd) {
    uint64_t one = 1;
    while (write(fd, &one, sizeof one) < 0 && errno == EINTR) {
    }
}

void berth_eventfd_drain(int fd) {
    uint64_t value;
    while (read(fd, &value, sizeof value) < 0 && errno == EINTR) {
    }
}

// Test fixture helper -----------------------------------------------------------------------------------------------

pid_t berth_fork_sleeper(int use_setsid, int sleep_ms) {
    pid_t pid = fork();
    if (pid != 0) return pid;
    signal(SIGTERM, SIG_IGN);
    if (use_setsid) setsid();
    struct timespec ts = { sleep_ms / 1000, (long)(sleep_ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
    _exit(0);
}
