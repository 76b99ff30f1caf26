// Process spawning for BerthProcess: a clone that shares the daemon's memory until it execs, with a close-on-exec
// error pipe (as s6 does), so that "exec failed with errno E" is told apart from "started and crashed".
//
// Why not fork: a fork copies the page tables of the whole daemon (tens of MB of mappings) and the child then tears
// that copy down again in execve, about a millisecond per spawn here (issue 16). Why not CLONE_VFORK (posix_spawn):
// the daemon would wait for every child to be scheduled and to exec, which serializes spawns behind the scheduler
// on a busy machine (measured: 3x slower for 100 spawns). So the child is cloned with CLONE_VM alone and the daemon
// goes on at once. The rules that come with sharing memory with a running daemon:
// - the child runs on a stack of its own, inside an "arena" that also holds a private copy of everything it reads
//   (path, argv, envp, groups, cgroup files): the caller's buffers may be freed as soon as this returns. The arena is
//   released (berth_spawn_release) only once the exec report pipe reached EOF: its write end closes in execve after
//   the child has left the daemon's memory, or when the child exits;
// - the child writes no memory but its own stack: it makes raw system calls that set no errno (errno is the
//   cloning thread's, which goes on running), calls no glibc function (no locks, no malloc, no TLS), and changes its
//   credentials with raw calls (glibc's setuid would broadcast the change to the daemon's threads);
// - signals are blocked by the parent around the clone and the child resets every disposition before unblocking:
//   no handler of the daemon's ever runs in the child. Descriptors, the working directory, limits and the signal
//   table are the child's own (no CLONE_FILES, CLONE_FS, CLONE_SIGHAND).
#define _GNU_SOURCE
#include "berth_process.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef SYS_close_range
#define SYS_close_range 436
#endif

// Raw system calls: the result, or -errno. Nothing else is touched (glibc's syscall() would write errno).
#if defined(__x86_64__)
static inline long raw_syscall(long n, long a, long b, long c, long d, long e, long f) {
    long ret;
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    register long r9 __asm__("r9") = f;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
}
#elif defined(__aarch64__)
static inline long raw_syscall(long n, long a, long b, long c, long d, long e, long f) {
    register long x8 __asm__("x8") = n;
    register long x0 __asm__("x0") = a;
    register long x1 __asm__("x1") = b;
    register long x2 __asm__("x2") = c;
    register long x3 __asm__("x3") = d;
    register long x4 __asm__("x4") = e;
    register long x5 __asm__("x5") = f;
    __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5) : "memory", "cc");
    return x0;
}
#else
#error "berth_spawn_start needs raw system calls for this architecture"
#endif

#define SYS0(n) raw_syscall(n, 0, 0, 0, 0, 0, 0)
#define SYS1(n, a) raw_syscall(n, (long)(a), 0, 0, 0, 0, 0)
#define SYS2(n, a, b) raw_syscall(n, (long)(a), (long)(b), 0, 0, 0, 0)
#define SYS3(n, a, b, c) raw_syscall(n, (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define SYS4(n, a, b, c, d) raw_syscall(n, (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)

// Child side --------------------------------------------------------------------------------------------------------

__attribute__((noreturn)) static void child_exit(int code) {
    for (;;) SYS1(SYS_exit_group, code);
}

/// Reports the failed stage and the error (a negative raw result) through the error pipe, then exits with 127.
__attribute__((noreturn)) static void child_fail(int errfd, int stage, long result) {
    int msg[2] = { stage, (int)-result };
    long r;
    do {
        r = SYS3(SYS_write, errfd, msg, sizeof msg);
    } while (r == -EINTR);
    child_exit(127);
}

static long child_write(int fd, const void *bytes, size_t count) {
    long r;
    do {
        r = SYS3(SYS_write, fd, bytes, count);
    } while (r == -EINTR);
    return r;
}

/// Duplicates fd to a number >= 10 (close-on-exec), so that placing descriptors on 0..3 never meets itself.
static int move_high(int fd, int errfd) {
    long moved = SYS3(SYS_fcntl, fd, F_DUPFD_CLOEXEC, 10);
    if (moved < 0) child_fail(errfd, BERTH_STAGE_STDIO, moved);
    return (int)moved;
}

static void close_from(int first, long max_fd) {
    if (SYS3(SYS_close_range, first, ~0U, 0) == 0) return;
    for (long fd = first; fd < max_fd; fd++) SYS1(SYS_close, fd);
}

static void child_main(const berth_spawn_params *p, int errfd, long max_fd) {
    // Signals: default dispositions for all, then an empty mask (the parent blocked everything around the clone).
    // This also resets the signals glibc reserves (32, 33), which an ancestor may have ignored: ignored dispositions
    // survive exec. An all-zero kernel sigaction is SIG_DFL, no flags, empty mask.
    // (Element by element: an initializer may become a call to memset at -O0, and the child calls no glibc.)
    unsigned long dfl[4];
    dfl[0] = dfl[1] = dfl[2] = dfl[3] = 0;
    for (int s = 1; s < NSIG; s++) {
        if (s == SIGKILL || s == SIGSTOP) continue;
        SYS4(SYS_rt_sigaction, s, dfl, 0, NSIG / 8);
    }
    unsigned long none = 0;
    SYS4(SYS_rt_sigprocmask, SIG_SETMASK, &none, 0, NSIG / 8);

    // The replica's cgroups, before anything it does is charged elsewhere ("0" is the writing process). As root:
    // before the user switch.
    for (int i = 0; i < p->ncgroup_procs; i++) {
        long fd = SYS4(SYS_openat, AT_FDCWD, p->cgroup_procs[i], O_WRONLY | O_CLOEXEC, 0);
        if (fd < 0) child_fail(errfd, BERTH_STAGE_CGROUP, fd);
        long w = child_write((int)fd, "0", 1);
        if (w != 1) child_fail(errfd, BERTH_STAGE_CGROUP, w < 0 ? w : -EIO);
        SYS1(SYS_close, fd);
    }

    long r = SYS0(SYS_setsid);
    if (r < 0) child_fail(errfd, BERTH_STAGE_SETSID, r);

    // Standard fds. Everything is moved above 9 first, then placed on 0..3 (dup3 never meets equal numbers).
    errfd = move_high(errfd, errfd);
    long null_fd = SYS4(SYS_openat, AT_FDCWD, "/dev/null", O_RDWR | O_CLOEXEC, 0);
    if (null_fd < 0) child_fail(errfd, BERTH_STAGE_STDIO, null_fd);
    int devnull = move_high((int)null_fd, errfd);
    int out = p->stdout_fd >= 0 ? move_high(p->stdout_fd, errfd) : devnull;
    int err = p->stderr_fd >= 0 ? move_high(p->stderr_fd, errfd) : devnull;
    if ((r = SYS3(SYS_dup3, devnull, 0, 0)) < 0 || (r = SYS3(SYS_dup3, out, 1, 0)) < 0
        || (r = SYS3(SYS_dup3, err, 2, 0)) < 0)
        child_fail(errfd, BERTH_STAGE_STDIO, r);
    if ((r = SYS3(SYS_dup3, errfd, 3, O_CLOEXEC)) < 0) child_fail(errfd, BERTH_STAGE_STDIO, r);
    errfd = 3;
    close_from(4, max_fd);

    // limits.open_files and limits.core: soft and hard, before the user switch (only root may raise a hard limit).
    if (p->set_nofile) {
        struct rlimit files = { (rlim_t)p->nofile_limit, (rlim_t)p->nofile_limit };
        if ((r = SYS4(SYS_prlimit64, 0, RLIMIT_NOFILE, &files, 0)) < 0) child_fail(errfd, BERTH_STAGE_RLIMIT, r);
    }
    if (p->set_core) {
        struct rlimit core = { (rlim_t)p->core_limit, (rlim_t)p->core_limit };
        if ((r = SYS4(SYS_prlimit64, 0, RLIMIT_CORE, &core, 0)) < 0) child_fail(errfd, BERTH_STAGE_RLIMIT, r);
    }

    // Raw calls change this process only (see the top of the file).
    long euid = SYS0(SYS_geteuid);
    if (p->switch_user) {
        // Only root may set supplementary groups; a daemon that is not root can only keep its own identity (the
        // manifest check refuses anything else), and setgid/setuid to its own ids then succeed.
        if ((euid == 0 || (long)p->uid != euid) && (r = SYS2(SYS_setgroups, p->ngroups, p->groups)) < 0)
            child_fail(errfd, BERTH_STAGE_SETGROUPS, r);
        if ((r = SYS1(SYS_setgid, p->gid)) < 0) child_fail(errfd, BERTH_STAGE_SETGID, r);
        if ((r = SYS1(SYS_setuid, p->uid)) < 0) child_fail(errfd, BERTH_STAGE_SETUID, r);
    } else if (p->switch_group) {
        if (euid == 0 && (r = SYS2(SYS_setgroups, 1, &p->gid)) < 0) child_fail(errfd, BERTH_STAGE_SETGROUPS, r);
        if ((r = SYS1(SYS_setgid, p->gid)) < 0) child_fail(errfd, BERTH_STAGE_SETGID, r);
    }

    if (p->workdir != NULL && (r = SYS1(SYS_chdir, p->workdir)) < 0) child_fail(errfd, BERTH_STAGE_CHDIR, r);

    if (p->nofile_soft > 0 && !p->set_nofile) {
        // Best effort: the limit the daemon itself was started with, not the one it raised for its gateway.
        struct rlimit files;
        if (SYS4(SYS_prlimit64, 0, RLIMIT_NOFILE, 0, &files) == 0 && p->nofile_soft < files.rlim_cur) {
            files.rlim_cur = p->nofile_soft;
            SYS4(SYS_prlimit64, 0, RLIMIT_NOFILE, &files, 0);
        }
    }

    r = SYS3(SYS_execve, p->path, p->argv, p->envp);
    child_fail(errfd, BERTH_STAGE_EXEC, r);
}

// The arena: the child's stack, then a private copy of the parameters ------------------------------------------------

/// The child's stack: its setup needs a few hundred bytes (no glibc call, no allocation).
#define CHILD_STACK_SIZE (64 * 1024)

typedef struct {
    size_t size;            // of the whole mapping
    berth_spawn_params params;
    int errfd;
    long max_fd;
} arena_header;

/// Bump allocation inside the arena (8-byte aligned).
typedef struct {
    char *next;
} arena_cursor;

static void *arena_take(arena_cursor *cursor, size_t size) {
    void *at = cursor->next;
    cursor->next += (size + 7) & ~(size_t)7;
    return at;
}

static size_t aligned(size_t size) { return (size + 7) & ~(size_t)7; }

static size_t strings_size(const char *const *list, int count) {
    size_t size = aligned(sizeof(char *) * (size_t)(count + 1));
    for (int i = 0; i < count; i++) size += aligned(strlen(list[i]) + 1);
    return size;
}

static int list_count(char *const *list) {
    int count = 0;
    while (list[count] != NULL) count++;
    return count;
}

static char *copy_string(arena_cursor *cursor, const char *string) {
    if (string == NULL) return NULL;
    size_t length = strlen(string) + 1;
    char *copy = arena_take(cursor, length);
    memcpy(copy, string, length);
    return copy;
}

static char **copy_list(arena_cursor *cursor, const char *const *list, int count) {
    char **copy = arena_take(cursor, sizeof(char *) * (size_t)(count + 1));
    for (int i = 0; i < count; i++) copy[i] = copy_string(cursor, list[i]);
    copy[count] = NULL;
    return copy;
}

/// Maps an arena holding the child's stack and a deep copy of params; NULL with errno when out of memory.
static arena_header *arena_make(const berth_spawn_params *params, long max_fd, int errfd) {
    int nargv = list_count(params->argv), nenvp = list_count(params->envp);
    size_t data = aligned(sizeof(arena_header)) + aligned(strlen(params->path) + 1)
        + (params->workdir ? aligned(strlen(params->workdir) + 1) : 0)
        + strings_size((const char *const *)params->argv, nargv)
        + strings_size((const char *const *)params->envp, nenvp)
        + strings_size(params->cgroup_procs, params->ncgroup_procs)
        + aligned(sizeof(gid_t) * (size_t)(params->ngroups + 1));
    size_t size = CHILD_STACK_SIZE + data;
    char *base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (base == MAP_FAILED) return NULL;
    arena_cursor cursor = { base + CHILD_STACK_SIZE };
    arena_header *header = arena_take(&cursor, sizeof(arena_header));
    header->size = size;
    header->params = *params;
    header->errfd = errfd;
    header->max_fd = max_fd;
    berth_spawn_params *copy = &header->params;
    copy->path = copy_string(&cursor, params->path);
    copy->workdir = copy_string(&cursor, params->workdir);
    copy->argv = copy_list(&cursor, (const char *const *)params->argv, nargv);
    copy->envp = copy_list(&cursor, (const char *const *)params->envp, nenvp);
    copy->cgroup_procs = (const char *const *)copy_list(&cursor, params->cgroup_procs, params->ncgroup_procs);
    gid_t *groups = arena_take(&cursor, sizeof(gid_t) * (size_t)(params->ngroups + 1));
    if (params->ngroups > 0) memcpy(groups, params->groups, sizeof(gid_t) * (size_t)params->ngroups);
    copy->groups = groups;
    return header;
}

static int child_entry(void *arg) {
    const arena_header *header = arg;
    child_main(&header->params, header->errfd, header->max_fd);
    child_exit(127); // not reached
}

void berth_spawn_release(void *arena) {
    if (arena == NULL) return;
    arena_header *header = arena;
    munmap((char *)arena - CHILD_STACK_SIZE, header->size);
}

// Parent side -------------------------------------------------------------------------------------------------------

pid_t berth_spawn_start(const berth_spawn_params *params, int *exec_report, void **arena, int *err) {
    *exec_report = -1;
    *arena = NULL;
    *err = 0;
    long max_fd = sysconf(_SC_OPEN_MAX);
    if (max_fd <= 0 || max_fd > 65536) max_fd = 65536;

    int ep[2];
    if (pipe2(ep, O_CLOEXEC) < 0) {
        *err = errno;
        return -1;
    }
    arena_header *header = arena_make(params, max_fd, ep[1]);
    if (header == NULL) {
        *err = errno;
        close(ep[0]);
        close(ep[1]);
        return -1;
    }
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    // The stack grows down from the start of the header (16-byte aligned: the mapping and the stack size are).
    pid_t pid = clone(child_entry, (char *)header, CLONE_VM | SIGCHLD, header);
    int clone_errno = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    close(ep[1]);
    if (pid < 0) {
        close(ep[0]);
        berth_spawn_release(header);
        *err = clone_errno;
        return -1;
    }
    *exec_report = ep[0];
    *arena = header;
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

void berth_unblock_sigchld(void) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

void berth_name_thread(const char *name) { prctl(PR_SET_NAME, name, 0, 0, 0); }

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

int berth_pidfd_peek_exit(int pidfd, int *wait_status) {
    siginfo_t info;
    memset(&info, 0, sizeof info);
    if (waitid((idtype_t)P_PIDFD, (id_t)pidfd, &info, WEXITED | WNOHANG | WNOWAIT) < 0) return -1;
    if (info.si_pid == 0) return 0;
    switch (info.si_code) {
    case CLD_EXITED: *wait_status = (info.si_status & 0xff) << 8; break;
    case CLD_KILLED: *wait_status = info.si_status & 0x7f; break;
    case CLD_DUMPED: *wait_status = (info.si_status & 0x7f) | 0x80; break;
    default: return 0; // stopped or continued: not an exit
    }
    return 1;
}

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
