/* The floor under one HTTP probe on this machine: what the kernel alone charges a prober for a loopback TCP
 * connection, a request, the status line and a close with a reset (SO_LINGER 0, as berthd's probes). Runs COUNT
 * probes one after another against 127.0.0.1:PORT and prints the prober's own CPU time (user + system) per probe,
 * in microseconds. On loopback the sender also pays for the receiver's half of each packet it sends.
 * With a third argument "keepalive": the same loop over one kept-alive connection (a request and its response per
 * probe, as berthd's kept-alive HTTP probes), the floor when no connection is made per probe. */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: probe_floor PORT COUNT [keepalive]\n"); return 2; }
    int port = atoi(argv[1]), count = atoi(argv[2]), failed = 0;
    int keepalive = argc > 3 && strcmp(argv[3], "keepalive") == 0;
    static const char request[] = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: berth-probe\r\nAccept: */*\r\n"
                                  "Connection: close\r\n\r\n";
    static const char kept_request[] = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: berth-probe\r\n"
                                       "Accept: */*\r\n\r\n";
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(0x7f000001) };
    struct linger no_linger = { .l_onoff = 1, .l_linger = 0 };
    char buf[1024];
    int fd = -1;
    for (int i = 0; i < count; i++) {
        if (fd < 0) {
            fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
            setsockopt(fd, SOL_SOCKET, SO_LINGER, &no_linger, sizeof no_linger);
            if (connect(fd, (struct sockaddr *)&a, sizeof a)) { failed++; close(fd); fd = -1; continue; }
        }
        const char *req = keepalive ? kept_request : request;
        size_t len = keepalive ? sizeof kept_request - 1 : sizeof request - 1;
        if (write(fd, req, len) < 0 || read(fd, buf, sizeof buf) <= 0 || memcmp(buf, "HTTP/1.1 200", 12) != 0) {
            failed++;
            close(fd);
            fd = -1;
        } else if (!keepalive) {
            close(fd);
            fd = -1;
        }
    }
    if (fd >= 0) close(fd);
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    double seconds = usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
                     (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
    printf("%.1f\n", seconds / count * 1e6);
    if (failed) fprintf(stderr, "%d of %d probes failed\n", failed, count);
    return failed ? 1 : 0;
}
