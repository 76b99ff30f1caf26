/* The smallest HTTP responder for the scale benchmark: one process, one thread, blocking accept, answers every
 * request with "200 ok" and closes. Listens on 127.0.0.1:$PORT. About 200 KB of RSS per replica. */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void) {
    const char *port = getenv("PORT");
    if (!port) { fprintf(stderr, "PORT is not set\n"); return 2; }
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(atoi(port)), .sin_addr.s_addr = htonl(0x7f000001) };
    if (bind(fd, (struct sockaddr *)&a, sizeof a) || listen(fd, 64)) { perror("bind/listen"); return 1; }
    static const char reply[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
    char buf[4096];
    for (;;) {
        int c = accept(fd, 0, 0);
        if (c < 0) continue;
        if (read(c, buf, sizeof buf) > 0) write(c, reply, sizeof reply - 1);
        close(c);
    }
}
