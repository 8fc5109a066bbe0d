// Socket workloads between two processes of one machine:
//   tcp-stream N   N blocks of 64 KiB over TCP on 127.0.0.1: µs per 64 KiB block
//   unix-stream N  the same over an AF_UNIX socketpair
//   tcp-connect N  N connect+accept+close over 127.0.0.1: µs per connection
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_us(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e6 + t.tv_nsec / 1e3; }

static int tcp_listener(struct sockaddr_in *a) {
  int l = socket(AF_INET, SOCK_STREAM, 0);
  socklen_t al = sizeof *a;
  memset(a, 0, sizeof *a);
  a->sin_family = AF_INET;
  a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(l, (struct sockaddr *)a, sizeof *a) || listen(l, 128) || getsockname(l, (struct sockaddr *)a, &al)) exit(1);
  return l;
}

static void stream(int rd, int wr, long n, pid_t *child) {
  static char buf[65536];
  *child = fork();
  if (*child == 0) {
    close(rd);
    for (long i = 0; i < n; i++) for (size_t off = 0; off < sizeof buf;) { ssize_t w = write(wr, buf + off, sizeof buf - off); if (w <= 0) _exit(1); off += w; }
    _exit(0);
  }
  close(wr);
  long want = n * (long)sizeof buf;
  while (want > 0) { ssize_t r = read(rd, buf, sizeof buf); if (r <= 0) exit(2); want -= r; }
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "tcp-stream";
  long n = argc > 2 ? atol(argv[2]) : 200;
  struct sockaddr_in a;
  pid_t c;
  double t0 = now_us();
  if (!strcmp(mode, "unix-stream")) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv)) return 1;
    t0 = now_us();
    stream(sv[0], sv[1], n, &c);
  } else if (!strcmp(mode, "tcp-stream")) {
    int l = tcp_listener(&a);
    int w = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(w, (struct sockaddr *)&a, sizeof a)) return 1;
    int r = accept(l, NULL, NULL);
    t0 = now_us();
    stream(r, w, n, &c);
  } else {
    int l = tcp_listener(&a);
    c = fork();
    if (c == 0) {
      for (long i = 0; i < n; i++) { int s = socket(AF_INET, SOCK_STREAM, 0); if (connect(s, (struct sockaddr *)&a, sizeof a)) _exit(1); char b; read(s, &b, 1); close(s); }
      _exit(0);
    }
    for (long i = 0; i < n; i++) { int s = accept(l, NULL, NULL); if (s < 0) return 1; close(s); }
  }
  int st;
  waitpid(c, &st, 0);
  printf("%.1f\n", (now_us() - t0) / n);
  return st != 0;
}
