/*
 * udpblast: the tiny UDP sender/receiver of dockernet's real-kernel baseline (bench/kernel/run.sh).
 *
 *   udpblast send    DST_IP DST_PORT SECONDS [PAYLOAD]        connected UDP socket, sendmmsg batches
 *   udpblast newflow SRC_NET NSRC NSPORT DST_NET NDST DST_PORT SECONDS [PAYLOAD]
 *                    raw IPv4 socket (IP_HDRINCL), a new 5-tuple for every datagram: the source port
 *                    cycles over 1024..1024+NSPORT-1, then the source address over NSRC addresses from
 *                    SRC_NET, then the destination address over NDST addresses from DST_NET, so every
 *                    datagram makes conntrack insert a new entry (while the tuple space outlasts the
 *                    UDP timeout). NSRC > 1 with the same ports to one destination is NAPT contention.
 *   udpblast recv    PORT SECONDS                             recvmmsg batches, counts datagrams; answers the
 *                    first datagram once (so conntrack sees a reply and the flow is ESTABLISHED)
 *
 * Every mode prints one JSON line. The receiver reports packets per second measured between the first
 * and the last datagram it received, so start-up and tail idle time do not dilute the rate.
 * Traffic only goes where the caller points it (the benchmark's own network namespaces).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define MAXPKT 2048

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int die(const char *what) {
  fprintf(stderr, "udpblast: %s: %s\n", what, strerror(errno));
  return 1;
}

static int do_send(const char *ip, int port, double secs, int payload) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) return die("socket");
  struct sockaddr_in dst = {.sin_family = AF_INET, .sin_port = htons(port)};
  if (inet_pton(AF_INET, ip, &dst.sin_addr) != 1) return die("bad address");
  if (connect(fd, (struct sockaddr *)&dst, sizeof dst) < 0) return die("connect");
  static char buf[MAXPKT];
  memset(buf, 0xab, sizeof buf);
  struct mmsghdr msgs[BATCH];
  struct iovec iov[BATCH];
  memset(msgs, 0, sizeof msgs);
  for (int i = 0; i < BATCH; i++) {
    iov[i].iov_base = buf;
    iov[i].iov_len = payload;
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  unsigned long long sent = 0, errs = 0;
  double t0 = now_s(), end = t0 + secs, t;
  do {
    int n = sendmmsg(fd, msgs, BATCH, 0);
    if (n > 0) sent += n;
    else errs++;
    t = now_s();
  } while (t < end);
  printf("{\"mode\":\"send\",\"sent\":%llu,\"errors\":%llu,\"seconds\":%.6f,\"pps\":%.0f}\n", sent, errs, t - t0,
         sent / (t - t0));
  return 0;
}

static uint16_t csum16(const void *p, int len) {
  const uint16_t *w = p;
  uint32_t s = 0;
  for (; len > 1; len -= 2) s += *w++;
  if (len) s += *(const uint8_t *)w;
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return (uint16_t)~s;
}

static int do_newflow(const char *srcnet, int nsrc, int nsport, const char *dstnet, int ndst, int port, double secs,
                      int payload) {
  int fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
  if (fd < 0) return die("raw socket");
  struct in_addr src0, dst;
  if (inet_pton(AF_INET, srcnet, &src0) != 1 || inet_pton(AF_INET, dstnet, &dst) != 1) return die("bad address");
  if (nsrc < 1 || ndst < 1 || nsport < 1 || nsport > 64512) return die("bad counts");
  struct sockaddr_in to = {.sin_family = AF_INET, .sin_addr = dst};
  int len = sizeof(struct iphdr) + sizeof(struct udphdr) + payload;
  static char bufs[BATCH][MAXPKT];
  struct mmsghdr msgs[BATCH];
  struct iovec iov[BATCH];
  memset(msgs, 0, sizeof msgs);
  for (int i = 0; i < BATCH; i++) {
    memset(bufs[i], 0, len);
    memset(bufs[i] + sizeof(struct iphdr) + sizeof(struct udphdr), 0xab, payload);
    struct iphdr *ih = (struct iphdr *)bufs[i];
    ih->version = 4;
    ih->ihl = 5;
    ih->tot_len = htons(len);
    ih->ttl = 64;
    ih->protocol = IPPROTO_UDP;
    ih->daddr = dst.s_addr;
    struct udphdr *uh = (struct udphdr *)(bufs[i] + sizeof(struct iphdr));
    uh->dest = htons(port);
    uh->len = htons(sizeof(struct udphdr) + payload);
    uh->check = 0; /* UDP checksum 0 = none (legal for IPv4) */
    iov[i].iov_base = bufs[i];
    iov[i].iov_len = len;
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
    msgs[i].msg_hdr.msg_name = &to;
    msgs[i].msg_hdr.msg_namelen = sizeof to;
  }
  uint32_t base = ntohl(src0.s_addr), dbase = ntohl(dst.s_addr);
  unsigned long long sent = 0, errs = 0, flow = 0;
  double t0 = now_s(), end = t0 + secs, t;
  do {
    for (int i = 0; i < BATCH; i++, flow++) {
      struct iphdr *ih = (struct iphdr *)bufs[i];
      struct udphdr *uh = (struct udphdr *)(bufs[i] + sizeof(struct iphdr));
      uint32_t p = (uint32_t)(flow % (unsigned)nsport), s = (uint32_t)((flow / nsport) % (unsigned)nsrc);
      uint32_t d = (uint32_t)((flow / ((unsigned long long)nsport * nsrc)) % (unsigned)ndst);
      ih->saddr = htonl(base + s);
      ih->daddr = htonl(dbase + d);
      uh->source = htons((uint16_t)(1024 + p));
      ih->id = htons((uint16_t)flow);
      ih->check = 0;
      ih->check = csum16(ih, sizeof *ih);
    }
    int n = sendmmsg(fd, msgs, BATCH, 0);
    if (n > 0) sent += n;
    else errs++;
    t = now_s();
  } while (t < end);
  printf("{\"mode\":\"newflow\",\"sent\":%llu,\"errors\":%llu,\"seconds\":%.6f,\"pps\":%.0f}\n", sent, errs, t - t0,
         sent / (t - t0));
  return 0;
}

static int do_recv(int port, double secs) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) return die("socket");
  int big = 64 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_ANY)};
  if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0) return die("bind");
  struct timeval tv = {.tv_sec = 0, .tv_usec = 200000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  static char bufs[BATCH][MAXPKT];
  struct mmsghdr msgs[BATCH];
  struct iovec iov[BATCH];
  struct sockaddr_in from[BATCH];
  memset(msgs, 0, sizeof msgs);
  for (int i = 0; i < BATCH; i++) {
    iov[i].iov_base = bufs[i];
    iov[i].iov_len = MAXPKT;
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
    msgs[i].msg_hdr.msg_name = &from[i];
    msgs[i].msg_hdr.msg_namelen = sizeof from[i];
  }
  /* Ready marker for the driver script. */
  printf("{\"mode\":\"ready\"}\n");
  fflush(stdout);
  unsigned long long got = 0, bytes = 0;
  double start = now_s(), end = start + secs, first = 0, last = 0;
  while (now_s() < end) {
    int n = recvmmsg(fd, msgs, BATCH, 0, NULL);
    if (n <= 0) continue;
    double t = now_s();
    if (!got) {
      first = t;
      sendto(fd, "ack", 3, 0, (struct sockaddr *)&from[0], sizeof from[0]);
    }
    for (int i = 0; i < n; i++) msgs[i].msg_hdr.msg_namelen = sizeof from[i];
    last = t;
    got += n;
    for (int i = 0; i < n; i++) bytes += msgs[i].msg_len;
  }
  double span = last - first;
  printf("{\"mode\":\"recv\",\"received\":%llu,\"bytes\":%llu,\"seconds\":%.6f,\"pps\":%.0f}\n", got, bytes, span,
         span > 0 ? got / span : 0.0);
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 5 && !strcmp(argv[1], "send"))
    return do_send(argv[2], atoi(argv[3]), atof(argv[4]), argc > 5 ? atoi(argv[5]) : 64);
  if (argc >= 9 && !strcmp(argv[1], "newflow"))
    return do_newflow(argv[2], atoi(argv[3]), atoi(argv[4]), argv[5], atoi(argv[6]), atoi(argv[7]), atof(argv[8]),
                      argc > 9 ? atoi(argv[9]) : 64);
  if (argc >= 4 && !strcmp(argv[1], "recv")) return do_recv(atoi(argv[2]), atof(argv[3]));
  fprintf(stderr,
          "usage: udpblast send DST_IP DST_PORT SECONDS [PAYLOAD]\n"
          "       udpblast newflow SRC_NET NSRC NSPORT DST_NET NDST DST_PORT SECONDS [PAYLOAD]\n"
          "       udpblast recv PORT SECONDS\n");
  return 2;
}
