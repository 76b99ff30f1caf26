/* The smallest HTTP responder for the scale benchmark: one process, one thread, poll(2) over the listening socket
 * and its connections; answers every request with "200 ok" and keeps HTTP/1.1 connections alive, as a real server
 * does (it closes after answering a request that says "Connection: close" or is HTTP/1.0). Assumes each request
 * arrives in one read, as a probe's does. Listens on 127.0.0.1:$PORT. About 200 KB of RSS per replica. */
#define _GNU_SOURCE
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CONNECTIONS 64

int main(void) {
    const char *port = getenv("PORT");
    if (!port) { fprintf(stderr, "PORT is not set\n"); return 2; }
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(atoi(port)), .sin_addr.s_addr = htonl(0x7f000001) };
    if (bind(fd, (struct sockaddr *)&a, sizeof a) || listen(fd, 64)) { perror("bind/listen"); return 1; }
    static const char kept[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    static const char closing[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
    struct pollfd fds[MAX_CONNECTIONS + 1] = { { .fd = fd, .events = POLLIN } };
    int count = 1;
    char buf[4097];
    for (;;) {
        if (poll(fds, count, -1) < 0) continue;
        for (int i = count - 1; i >= 1; i--) {
            if (!fds[i].revents) continue;
            ssize_t n = read(fds[i].fd, buf, sizeof buf - 1);
            int close_after = n <= 0;
            if (n > 0) {
                buf[n] = 0;
                close_after = strstr(buf, " HTTP/1.0\r\n") != NULL || strcasestr(buf, "\nConnection: close") != NULL;
                if (close_after) write(fds[i].fd, closing, sizeof closing - 1);
                else write(fds[i].fd, kept, sizeof kept - 1);
            }
            if (close_after) { close(fds[i].fd); fds[i] = fds[--count]; }
        }
        if (fds[0].revents & POLLIN) {
            int c = accept(fd, 0, 0);
            if (c >= 0 && count <= MAX_CONNECTIONS) fds[count++] = (struct pollfd){ .fd = c, .events = POLLIN };
            else if (c >= 0) close(c);
        }
    }
}
