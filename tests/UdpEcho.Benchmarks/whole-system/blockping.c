// blockping: the plainest possible UDP echo client, as the reference a round trip is measured against. One
// connected blocking socket; for each of COUNT messages: clock_gettime, send, blocking recv, clock_gettime. Nothing
// else runs, so each round trip is the kernel's and the server's, plus one wake-up of this thread.
//   blockping HOST PORT [COUNT=1000] [SIZE=64] [WARMUP=10] [GAP_US=0] [LOW_US HIGH_US]
// Prints "p50_us=.. p90_us=.. p99_us=.. min_us=.. max_us=.. count=.." on stdout, and with LOW_US HIGH_US also
// "outside=N": how many round trips fell outside that range. Exit 1 when an echo is missing (2 s) or differs from what
// was sent. GAP_US sleeps that long between one echo and the next send.
#define _GNU_SOURCE
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "roundtrip.h"

// Nearest rank, as udpecho defines its percentiles.
static double percentile(const long long *sorted, int n, double p) {
  int rank = (int)(p * n / 100.0 + 0.999999);
  if (rank < 1) rank = 1;
  return sorted[rank - 1] / 1000.0;
}

int main(int argc, char **argv) {
  if (argc < 3) { fprintf(stderr, "usage: %s HOST PORT [COUNT] [SIZE] [WARMUP] [GAP_US] [LOW_US HIGH_US]\n", argv[0]); return 2; }
  int count = argc > 3 ? atoi(argv[3]) : 1000, size = argc > 4 ? atoi(argv[4]) : 64;
  int warmup = argc > 5 ? atoi(argv[5]) : 10, gap = argc > 6 ? atoi(argv[6]) : 0;
  struct addrinfo hints = {0}, *ai;
  hints.ai_socktype = SOCK_DGRAM;
  if (getaddrinfo(argv[1], argv[2], &hints, &ai)) { fprintf(stderr, "cannot resolve %s\n", argv[1]); return 2; }
  int s = socket(ai->ai_family, SOCK_DGRAM, 0);
  if (s < 0 || connect(s, ai->ai_addr, ai->ai_addrlen)) { perror("connect"); return 1; }
  struct timeval limit = {2, 0};
  setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  char *out = malloc(size + 1), *in = malloc(size + 1);
  long long *rtt = malloc(sizeof(long long) * count);
  for (int i = 0; i < warmup + count; i++) {
    for (int j = 0; j < size; j++) out[j] = (char)(i + j);
    long long start = now_ns();
    if (send(s, out, size, 0) != size) { perror("send"); return 1; }
    int n = recv(s, in, size + 1, 0);
    long long end = now_ns();
    if (n != size || memcmp(in, out, size)) { fprintf(stderr, "message %d: %s\n", i, n < 0 ? "no echo" : "wrong echo"); return 1; }
    if (i >= warmup) rtt[i - warmup] = end - start;
    if (gap) usleep(gap);
  }
  qsort(rtt, count, sizeof *rtt, compare);
  printf("p50_us=%.1f p90_us=%.1f p99_us=%.1f min_us=%.1f max_us=%.1f count=%d", percentile(rtt, count, 50),
         percentile(rtt, count, 90), percentile(rtt, count, 99), rtt[0] / 1000.0, rtt[count - 1] / 1000.0, count);
  if (argc > 8) {
    long long low = atoll(argv[7]) * 1000, high = atoll(argv[8]) * 1000;
    int outside = 0;
    for (int i = 0; i < count; i++) outside += rtt[i] < low || rtt[i] > high;
    printf(" outside=%d", outside);
  }
  printf("\n");
  return 0;
}
