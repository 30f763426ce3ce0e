// Shared by blockping.c and firstping.c: the monotonic clock in nanoseconds, and an ascending order of round trips.
#ifndef ROUNDTRIP_H
#define ROUNDTRIP_H
#include <time.h>

static long long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int compare(const void *a, const void *b) {
  long long x = *(const long long *)a, y = *(const long long *)b;
  return (x > y) - (x < y);
}
#endif
