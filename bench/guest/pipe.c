// Pipe throughput between two processes: MiB/s for 64 MiB in 64 KiB writes.
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <time.h>
#include <sys/wait.h>
int main(void) {
  int fd[2]; pipe(fd);
  static char buf[65536];
  long total = 64L << 20;
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  pid_t p = fork();
  if (p == 0) { close(fd[0]); for (long s = 0; s < total; s += sizeof buf) write(fd[1], buf, sizeof buf); _exit(0); }
  close(fd[1]);
  long got = 0; ssize_t r;
  while ((r = read(fd[0], buf, sizeof buf)) > 0) got += r;
  waitpid(p, 0, 0);
  clock_gettime(CLOCK_MONOTONIC, &b);
  double s = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
  printf("%.1f\n", got / s / (1 << 20));
  return got == total ? 0 : 1;
}
