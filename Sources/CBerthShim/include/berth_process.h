#ifndef BERTH_PROCESS_H
#define BERTH_PROCESS_H
// Process spawning, reaping and wait-status helpers (owned by BerthProcess).
// The child side of berth_spawn only makes async-signal-safe calls.

#include <stdint.h>
#include <sys/types.h>

/// Which step of the child's setup failed (reported through the close-on-exec error pipe).
typedef enum {
    BERTH_STAGE_NONE = 0,
    BERTH_STAGE_PARENT = 1,       // pipe/fork in the parent
    BERTH_STAGE_SETSID = 2,
    BERTH_STAGE_STDIO = 3,        // /dev/null, dup2 onto 0/1/2
    BERTH_STAGE_SETGROUPS = 4,
    BERTH_STAGE_SETGID = 5,
    BERTH_STAGE_SETUID = 6,
    BERTH_STAGE_CHDIR = 7,
    BERTH_STAGE_EXEC = 8,
    BERTH_STAGE_CGROUP = 9,       // writing to a cgroup's cgroup.procs
    BERTH_STAGE_RLIMIT = 10,      // setrlimit of limits.open_files or limits.core
} berth_spawn_stage;

typedef struct {
    const char *path;              // executable, already resolved against the child's PATH
    char *const *argv;             // NULL-terminated
    char *const *envp;             // NULL-terminated
    const char *workdir;           // NULL: inherit
    int stdout_fd;                 // write end for fd 1, or -1 for /dev/null
    int stderr_fd;                 // write end for fd 2, or -1 for /dev/null
    int switch_user;               // 1: setgroups + setgid + setuid
    int switch_group;              // 1: setgroups([gid]) + setgid only (no user)
    uid_t uid;
    gid_t gid;
    const gid_t *groups;           // supplementary groups (switch_user)
    int ngroups;
    unsigned long nofile_soft;     // > 0: the child's soft RLIMIT_NOFILE (the daemon raised its own)
    const char *const *cgroup_procs; // cgroup.procs files the child joins first (writes "0" to), or NULL
    int ncgroup_procs;
    int set_nofile;                // 1: RLIMIT_NOFILE soft and hard = nofile_limit (limits.open_files)
    unsigned long long nofile_limit;
    int set_core;                  // 1: RLIMIT_CORE soft and hard = core_limit (limits.core)
    unsigned long long core_limit;
} berth_spawn_params;

/// Starts the child (a clone sharing the daemon's memory until it execs, see process.c); it sets itself up and
/// execs. Returns the pid (== pgid == sid), or -1 with *err (errno of pipe2, mmap or clone). Does not wait for the
/// exec: *exec_report receives the read end of the close-on-exec error pipe, which the caller reads to EOF (without
/// blocking anyone: the output pump watches it) and hands to berth_spawn_decode_report. *arena holds the child's
/// stack and its copy of params: the caller releases it with berth_spawn_release once the report pipe reached EOF
/// (never before: the child may still run on it). params' buffers may be freed as soon as this returns.
pid_t berth_spawn_start(const berth_spawn_params *params, int *exec_report, void **arena, int *err);

/// Unmaps a child's arena (NULL: nothing). Only after its exec report pipe reached EOF.
void berth_spawn_release(void *arena);

/// Decodes everything read from the error pipe up to EOF: returns 0 when nothing was written (the child exec'd), or
/// 1 with *stage and *err when the child failed before or at exec (it then exits with status 127).
int berth_spawn_decode_report(const void *report, size_t count, int *stage, int *err);

/// pipe2(fds, O_CLOEXEC) (pipe2 is a GNU extension Swift's Glibc does not import).
int berth_pipe_cloexec(int fds[2]);

/// prctl(PR_SET_CHILD_SUBREAPER, 1). Returns 0 or -1 with errno.
int berth_set_child_subreaper(void);

/// pidfd_open(pid, 0) (Linux 5.3+): a close-on-exec descriptor that polls readable once `pid` has exited, so that
/// the reaper can learn of an exit on an epoll thread instead of through SIGCHLD. Returns it, or -1 with errno
/// (ENOSYS on older kernels, ESRCH when the process is already reaped).
int berth_pidfd_open(int pid);

/// The exit of the child behind `pidfd` without reaping it (waitid(P_PIDFD, WEXITED | WNOHANG | WNOWAIT), Linux 5.4+):
/// 1 with *wait_status in waitpid's encoding once it has exited, 0 while it runs, -1 with errno when the kernel cannot
/// tell (too old) or the child was reaped already.
int berth_pidfd_peek_exit(int pidfd, int *wait_status);

/// Names the calling thread (prctl(PR_SET_NAME), at most 15 bytes): what `top -H` and perf show.
void berth_name_thread(const char *name);

/// Unblocks SIGCHLD on the calling thread.
void berth_unblock_sigchld(void);

/// Wait-status decoding (the W* macros are not imported into Swift).
int berth_wifexited(int status);
int berth_wexitstatus(int status);
int berth_wifsignaled(int status);
int berth_wtermsig(int status);
int berth_wcoredump(int status);

/// epoll helpers (struct epoll_event is packed, awkward in Swift).
int berth_epoll_create(void);
int berth_epoll_add(int epfd, int fd, uint64_t token);
int berth_epoll_del(int epfd, int fd);
/// Adds (modify = 0) or changes (modify = 1) fd's registration: EPOLLOUT when writable is set, else
/// EPOLLIN | EPOLLRDHUP (errors and hang-ups are always reported). For watchers other than the pump's pipes.
int berth_epoll_watch(int epfd, int fd, uint64_t token, int writable, int modify);
/// Waits for events; fills tokens[i]. Returns the count, 0 on timeout, -1 with errno.
int berth_epoll_wait(int epfd, uint64_t *tokens, int max, int timeout_ms);

/// eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), a wake-up for an epoll loop; signal adds 1, drain resets.
int berth_eventfd_create(void);
void berth_eventfd_signal(int fd);
void berth_eventfd_drain(int fd);

/// For the test fixture: forks a child that ignores SIGTERM (and calls setsid() if use_setsid), sleeps sleep_ms,
/// then exits 0. Returns the child's pid or -1.
pid_t berth_fork_sleeper(int use_setsid, int sleep_ms);

#endif
