// Copied, unchanged below this line, from the team's reference servers so that the comparison runs from a clone alone.
// cecho: reference C UDP echo servers, for measuring how close a server gets to the machine's limit.
//   cecho plain PORT   recvfrom/sendto loop, no printing (the seed server minus its printf)
//   cecho mmsg  PORT   recvmmsg/sendmmsg batches of 64 (the single-socket ceiling)
//   cecho spin  PORT   the same, but busy-polls instead of sleeping (the latency floor, at the cost of a core)
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
int main(int argc, char **argv) {
  if (argc != 3) { fprintf(stderr, "usage: %s plain|mmsg|spin PORT\n", argv[0]); return 2; }
  int spin = !strcmp(argv[1], "spin");
  int s = socket(AF_INET, SOCK_DGRAM, 0);
  int big = 8 << 20; setsockopt(s, SOL_SOCKET, SO_RCVBUF, &big, sizeof big); setsockopt(s, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
  struct sockaddr_in a = {0}; a.sin_family = AF_INET; a.sin_port = htons(atoi(argv[2])); a.sin_addr.s_addr = htonl(INADDR_ANY);
  if (bind(s, (struct sockaddr *)&a, sizeof a)) { perror("bind"); return 1; }
  if (!strcmp(argv[1], "plain")) {
    static char buf[65536]; struct sockaddr_in c; socklen_t l;
    for (;;) { l = sizeof c; int n = recvfrom(s, buf, sizeof buf, 0, (struct sockaddr *)&c, &l); if (n >= 0) sendto(s, buf, n, 0, (struct sockaddr *)&c, l); }
  }
  enum { B = 64 };
  static char buf[B][65536]; struct sockaddr_in addr[B]; struct iovec io[B]; struct mmsghdr m[B];
  for (;;) {
    for (int i = 0; i < B; i++) { io[i].iov_base = buf[i]; io[i].iov_len = sizeof buf[i]; m[i] = (struct mmsghdr){0};
      m[i].msg_hdr.msg_name = &addr[i]; m[i].msg_hdr.msg_namelen = sizeof addr[i]; m[i].msg_hdr.msg_iov = &io[i]; m[i].msg_hdr.msg_iovlen = 1; }
    int n = recvmmsg(s, m, B, spin ? MSG_DONTWAIT : MSG_WAITFORONE, NULL);
    if (n <= 0) continue;
    for (int i = 0; i < n; i++) io[i].iov_len = m[i].msg_len;
    sendmmsg(s, m, n, 0);
  }
}
