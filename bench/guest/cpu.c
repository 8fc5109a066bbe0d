// A pure CPU loop (no system calls): milliseconds for a fixed amount of work.
#include <stdio.h>
#include <time.h>
int main(void) {
  struct timespec s, e;
  clock_gettime(CLOCK_MONOTONIC, &s);
  volatile unsigned long x = 1;
  for (unsigned long i = 0; i < 400000000UL; i++) x = x * 6364136223846793005UL + 1442695040888963407UL;
  clock_gettime(CLOCK_MONOTONIC, &e);
  printf("%.1f\n", ((e.tv_sec - s.tv_sec) * 1e9 + (e.tv_nsec - s.tv_nsec)) / 1e6);
  return 0;
}
