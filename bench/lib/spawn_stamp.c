/* A child for bench/supervisor.sh's exact spawn timing: its first act after exec is to append "PID NS" (its
 * CLOCK_MONOTONIC in nanoseconds) to the file named by argv[1]; then it sleeps like `sleep 100000`. The time all N
 * children were spawned is then read from the children themselves, not from a poll of the supervisor. */
#include <fcntl.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (argc < 2) return 2;
    char line[64];
    int length = snprintf(line, sizeof line, "%d %lld\n", (int)getpid(),
                          (long long)now.tv_sec * 1000000000LL + now.tv_nsec);
    int fd = open(argv[1], O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0 || write(fd, line, (size_t)length) != length) return 1;
    close(fd);
    for (;;) pause();
}
