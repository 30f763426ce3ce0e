// cflood: the reference C load generator for whole-system comparisons.
//   cflood flood    PORT SIZE WINDOW SECONDS   keep WINDOW datagrams in flight with sendmmsg/recvmmsg; print echoes/s
//   cflood pingpong PORT SIZE 1      SECONDS   one datagram in flight; print the p50 round trip in microseconds
// Every echo is checked byte for byte; a wrong one is counted as corrupt. Loopback (127.0.0.1) only.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
static int cmp(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return (x > y) - (x < y); }

enum { B = 64, MAXSIZE = 65507 };
static char sb[B][65536], rb[B][65536];

int main(int argc, char **argv) {
  if (argc != 6) { fprintf(stderr, "usage: cflood flood|pingpong PORT SIZE WINDOW SECONDS\n"); return 2; }
  int pingpong = !strcmp(argv[1], "pingpong"), port = atoi(argv[2]), size = atoi(argv[3]), window = atoi(argv[4]);
  double seconds = atof(argv[5]);
  if (size < 0 || size > MAXSIZE || window < 1 || seconds <= 0) { fprintf(stderr, "cflood: bad SIZE, WINDOW or SECONDS\n"); return 2; }
  int s = socket(AF_INET, SOCK_DGRAM, 0), big = 8 << 20;
  setsockopt(s, SOL_SOCKET, SO_RCVBUF, &big, sizeof big); setsockopt(s, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
  struct sockaddr_in a = {0}; a.sin_family = AF_INET; a.sin_port = htons(port); a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(s, (struct sockaddr *)&a, sizeof a)) { perror("connect"); return 1; }
  struct iovec si[B], ri[B]; struct mmsghdr sm[B], rm[B];
  for (int i = 0; i < B; i++) {
    for (int j = 0; j < size; j++) sb[i][j] = (char)(j * 31 + 7);
    si[i].iov_base = sb[i]; si[i].iov_len = size; sm[i] = (struct mmsghdr){0}; sm[i].msg_hdr.msg_iov = &si[i]; sm[i].msg_hdr.msg_iovlen = 1;
  }
  long sent = 0, received = 0, corrupt = 0, inflight = 0, nrtt = 0, cap = 1 << 20;
  double *rtt = pingpong ? malloc(sizeof(double) * cap) : NULL, end = now() + seconds, t0 = 0;
  while (now() < end) {
    long k = window - inflight; if (k > B) k = B;
    if (k > 0) { if (pingpong) t0 = now(); int n = sendmmsg(s, sm, (unsigned)k, 0); if (n > 0) { sent += n; inflight += n; } }
    for (int i = 0; i < B; i++) { ri[i].iov_base = rb[i]; ri[i].iov_len = sizeof rb[i]; rm[i] = (struct mmsghdr){0}; rm[i].msg_hdr.msg_iov = &ri[i]; rm[i].msg_hdr.msg_iovlen = 1; }
    struct pollfd p = {s, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) { inflight = 0; continue; } // lost in flight: refill the window
    int n = recvmmsg(s, rm, B, MSG_DONTWAIT, NULL);
    if (n <= 0) continue;
    if (pingpong && nrtt < cap) rtt[nrtt++] = (now() - t0) * 1e6;
    received += n; inflight -= n; if (inflight < 0) inflight = 0;
    for (int i = 0; i < n; i++) if (rm[i].msg_len != (unsigned)size || memcmp(rb[i], sb[0], size)) corrupt++;
  }
  if (pingpong) { qsort(rtt, nrtt, sizeof *rtt, cmp); printf("%.1f\n", nrtt ? rtt[nrtt / 2] : -1.0); }
  else printf("%.0f\n", received / seconds);
  fprintf(stderr, "sent=%ld received=%ld corrupt=%ld\n", sent, received, corrupt);
  return corrupt ? 1 : 0;
}
