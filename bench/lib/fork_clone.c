// LD_PRELOAD shim for profiling berthd under valgrind: valgrind cannot follow a clone(CLONE_VM) that is not a thread,
// which is how berthd spawns its replicas (Sources/CBerthShim/process.c). This turns exactly that call into a fork
// whose child runs the same entry function (on its own copy of the memory, which the entry only reads), so the
// replicas start and the daemon can be profiled. Any other clone goes to glibc unchanged. Bench use only.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <unistd.h>

int clone(int (*fn)(void *), void *stack, int flags, void *arg, ...) {
    if (flags == (CLONE_VM | SIGCHLD)) {
        pid_t pid = fork();
        if (pid == 0) _exit(fn(arg));
        return pid;
    }
    va_list ap;
    va_start(ap, arg);
    void *ptid = va_arg(ap, void *), *tls = va_arg(ap, void *), *ctid = va_arg(ap, void *);
    va_end(ap);
    int (*real)(int (*)(void *), void *, int, void *, ...) = dlsym(RTLD_NEXT, "clone");
    return real(fn, stack, flags, arg, ptid, tls, ctid);
}
