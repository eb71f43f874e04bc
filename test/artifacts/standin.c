/*
 * Stand-in for the upstream daemons (flanneld, dockerd, kubelet, kube-proxy,
 * containerd, ...), which cannot be downloaded here. It behaves like them
 * towards systemd: it sends READY=1 from the main pid when NOTIFY_SOCKET is
 * set (Type=notify), serves "ok" on its healthz port when one is given
 * (-healthz-port=N / --healthz-port=N, bound to 127.0.0.1), pings the
 * systemd watchdog when WATCHDOG_USEC is set (the current kubelet unit has
 * WatchdogSec=30s), prints its version for --version, and otherwise runs
 * until SIGTERM.
 * Built statically by the tests with: gcc -static -O2 -o standin standin.c
 */
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#ifndef STANDIN_VERSION
#define STANDIN_VERSION "standin"
#endif

/* Read once in main: notify() also runs in the SIGALRM handler. */
static const char *notify_path;

static void notify(const char *msg, size_t n) {
  const char *path = notify_path;
  if (!path || !*path) return;
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  struct sockaddr_un sa;
  memset(&sa, 0, sizeof sa);
  sa.sun_family = AF_UNIX;
  strncpy(sa.sun_path, path, sizeof sa.sun_path - 1);
  if (path[0] == '@') sa.sun_path[0] = '\0';
  socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path));
  sendto(fd, msg, n, 0, (struct sockaddr *)&sa, len);
  close(fd);
}

static unsigned watchdog_secs;

static void on_alarm(int sig) {
  (void)sig;
  notify("WATCHDOG=1", 10);
  alarm(watchdog_secs);
}

static int healthz_port(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    while (*a == '-') a++;
    if (strncmp(a, "healthz-port=", 13) == 0) return atoi(a + 13);
  }
  return 0;
}

static void on_term(int sig) { (void)sig; _exit(0); }

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++)
    if (strcmp(argv[i], "--version") == 0 || strcmp(argv[i], "-version") == 0 || strcmp(argv[i], "version") == 0) {
      printf("%s %s\n", argv[0], STANDIN_VERSION);
      return 0;
    }
  signal(SIGTERM, on_term);
  signal(SIGINT, on_term);
  int port = healthz_port(argc, argv);
  int srv = -1;
  if (port > 0) {
    srv = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(srv, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = htons((unsigned short)port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(srv, (struct sockaddr *)&sin, sizeof sin) != 0 || listen(srv, 8) != 0) {
      perror("healthz");
      return 1;
    }
  }
  notify_path = getenv("NOTIFY_SOCKET");
  notify("READY=1", 7);
  const char *wd = getenv("WATCHDOG_USEC");
  if (wd && *wd) {
    unsigned long usec = strtoul(wd, NULL, 10);
    watchdog_secs = usec >= 4000000UL ? (unsigned)(usec / 2000000UL) : 1;
    signal(SIGALRM, on_alarm);
    alarm(watchdog_secs);
  }
  for (;;) {
    if (srv < 0) {
      pause();
      continue;
    }
    int c = accept(srv, NULL, NULL);
    if (c < 0) continue;
    char buf[512];
    (void)read(c, buf, sizeof buf);
    const char resp[] = "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok";
    (void)write(c, resp, sizeof resp - 1);
    close(c);
  }
}
