// firstping: what a first message after an idle spell costs a plain C client, with and without a receive thread.
// Each trial sleeps IDLE_MS, opens a new connected socket and sends one message, then waits for its echo either in
// the sending thread (blocking recv, as blockping does) or in a second thread already blocked in recv on that socket
// (as a client with a dedicated receive thread does, UdpEcho's among them); the sender then waits on a pipe. The two
// modes alternate. Prints the median round trip of each, in microseconds.
//   firstping HOST PORT [TRIALS=21] [IDLE_MS=100]
// Exit 1 when an echo is missing (2 s).
#define _GNU_SOURCE
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "roundtrip.h"

struct receiver { int socket, pipe; long long received; };

static void *receive(void *arg) {
  struct receiver *r = arg;
  char in[2048];
  int n = recv(r->socket, in, sizeof in, 0);
  r->received = n > 0 ? now_ns() : -1;
  if (write(r->pipe, "x", 1) != 1) r->received = -1;
  return NULL;
}

static int open_socket(struct addrinfo *ai) {
  int s = socket(ai->ai_family, SOCK_DGRAM, 0);
  if (s < 0 || connect(s, ai->ai_addr, ai->ai_addrlen)) { perror("connect"); exit(1); }
  struct timeval limit = {2, 0};
  setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  return s;
}

int main(int argc, char **argv) {
  if (argc < 3) { fprintf(stderr, "usage: %s HOST PORT [TRIALS] [IDLE_MS]\n", argv[0]); return 2; }
  int trials = argc > 3 ? atoi(argv[3]) : 21, idle_ms = argc > 4 ? atoi(argv[4]) : 100;
  struct addrinfo hints = {0}, *ai;
  hints.ai_socktype = SOCK_DGRAM;
  if (getaddrinfo(argv[1], argv[2], &hints, &ai)) { fprintf(stderr, "cannot resolve %s\n", argv[1]); return 2; }
  long long *same = malloc(sizeof(long long) * trials), *other = malloc(sizeof(long long) * trials);
  char out[64], in[65];
  memset(out, 'x', sizeof out);
  for (int i = 0; i < trials; i++) {
    // The sending thread receives.
    int s = open_socket(ai);
    usleep(idle_ms * 1000);
    long long start = now_ns();
    if (send(s, out, sizeof out, 0) != sizeof out || recv(s, in, sizeof in, 0) != sizeof out) { fprintf(stderr, "no echo\n"); return 1; }
    same[i] = now_ns() - start;
    close(s);

    // A receive thread, blocked in recv before the send, receives.
    int p[2];
    if (pipe(p)) { perror("pipe"); return 1; }
    struct receiver r = { open_socket(ai), p[1], 0 };
    pthread_t thread;
    pthread_create(&thread, NULL, receive, &r);
    usleep(idle_ms * 1000);
    start = now_ns();
    if (send(r.socket, out, sizeof out, 0) != sizeof out) { perror("send"); return 1; }
    char x;
    if (read(p[0], &x, 1) != 1 || r.received < 0) { fprintf(stderr, "no echo\n"); return 1; }
    other[i] = r.received - start;
    pthread_join(thread, NULL);
    close(r.socket); close(p[0]); close(p[1]);
  }
  qsort(same, trials, sizeof *same, compare);
  qsort(other, trials, sizeof *other, compare);
  printf("same_thread_us=%.1f receive_thread_us=%.1f trials=%d\n", same[trials / 2] / 1000.0, other[trials / 2] / 1000.0, trials);
  return 0;
}
