/*
 * Stand-in for the upstream daemons (flanneld, dockerd, kubelet, kube-proxy,
 * containerd, ...), which cannot be downloaded here. It behaves like them
 * towards systemd and towards tend's health gates (as far as they look):
 * - it sends READY=1 from the main pid when NOTIFY_SOCKET is set
 *   (Type=notify), once everything below is listening or written, and pings
 *   the systemd watchdog when WATCHDOG_USEC is set;
 * - it prints its version for --version / version (so `ctr version` passes);
 * - as dockerd: answers `GET /_ping` with OK on its --host=unix://PATH, or on
 *   the socket systemd passed (docker.socket) when it is that path or fd://;
 * - as flanneld: writes its -subnet-file (FLANNEL_NETWORK/SUBNET/MTU/IPMASQ);
 * - as kubelet: serves /healthz on healthzBindAddress:healthzPort of its
 *   --config file (127.0.0.1:10248 unless set);
 * - as kube-proxy: serves /healthz on healthzBindAddress of its --config
 *   file (0.0.0.0:10256 unless set);
 * - any: serves /healthz on -healthz-port=N (bound to -healthz-ip, else
 *   127.0.0.1);
 * - --standin-healthz-status=N makes every /healthz answer N (a sick daemon);
 * and otherwise runs until SIGTERM.
 * Built statically by the tests with: gcc -static -O2 -o standin standin.c
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <libgen.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
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

static void on_term(int sig) { (void)sig; _exit(0); }

/* The value of flag `name` (-name=v or --name=v), or NULL. */
static const char *flag(int argc, char **argv, const char *name) {
  size_t n = strlen(name);
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    while (*a == '-') a++;
    if (strncmp(a, name, n) == 0 && a[n] == '=') return a + n + 1;
  }
  return NULL;
}

/* The value of `key: value` in a flat YAML file (quotes stripped), copied to out; 0 when absent. */
static int yaml_value(const char *file, const char *key, char *out, size_t size) {
  FILE *f = file ? fopen(file, "r") : NULL;
  if (!f) return 0;
  char line[512];
  size_t n = strlen(key);
  int found = 0;
  while (!found && fgets(line, sizeof line, f)) {
    if (strncmp(line, key, n) != 0 || line[n] != ':') continue;
    char *v = line + n + 1;
    v += strspn(v, " \t\"'");
    v[strcspn(v, "\"'\r\n \t")] = '\0';
    snprintf(out, size, "%s", v);
    found = 1;
  }
  fclose(f);
  return found;
}

/* What a listener answers: `path` with `status` and `body`, anything else 404. */
struct listener {
  int fd;
  const char *path;
  int status;
  const char *body;
};
static struct listener listeners[4];
static int nlisteners;

static void add(int fd, const char *path, int status, const char *body) {
  if (fd < 0 || nlisteners == 4) return;
  listeners[nlisteners++] = (struct listener){fd, path, status, body};
}

static int listen_tcp(const char *ip, int port) {
  struct sockaddr_in sin;
  memset(&sin, 0, sizeof sin);
  sin.sin_family = AF_INET;
  sin.sin_port = htons((unsigned short)port);
  if (!ip || !*ip || inet_pton(AF_INET, ip, &sin.sin_addr) != 1) sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(fd, (struct sockaddr *)&sin, sizeof sin) != 0 || listen(fd, 8) != 0) {
    fprintf(stderr, "listen %s:%d: ", ip ? ip : "127.0.0.1", port);
    perror("");
    exit(1);
  }
  return fd;
}

/* `host:port` → listener on it (port alone when there is no colon). */
static int listen_hostport(char *hp, int fallback_port) {
  char *colon = strrchr(hp, ':');
  if (!colon) return listen_tcp(hp, fallback_port);
  *colon = '\0';
  return listen_tcp(hp, atoi(colon + 1));
}

/* The socket systemd passed (LISTEN_FDS) if it is bound to `path` (any path for NULL), else -1. */
static int passed_socket(const char *path) {
  const char *fds = getenv("LISTEN_FDS"), *pid = getenv("LISTEN_PID");
  if (!fds || atoi(fds) < 1 || !pid || atoi(pid) != getpid()) return -1;
  struct sockaddr_un sa;
  socklen_t len = sizeof sa;
  memset(&sa, 0, sizeof sa);
  if (getsockname(3, (struct sockaddr *)&sa, &len) != 0 || sa.sun_family != AF_UNIX) return -1;
  return !path || strcmp(sa.sun_path, path) == 0 ? 3 : -1;
}

/* dockerd: --host=unix://PATH (or fd://) → the socket to answer /_ping on. */
static int docker_socket(const char *host) {
  if (!host) host = "unix:///var/run/docker.sock";
  if (strncmp(host, "fd://", 5) == 0) return passed_socket(NULL);
  if (strncmp(host, "unix://", 7) != 0) return -1;
  const char *path = host + 7;
  int fd = passed_socket(path);
  if (fd >= 0) return fd;
  struct sockaddr_un sa;
  memset(&sa, 0, sizeof sa);
  sa.sun_family = AF_UNIX;
  snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
  unlink(path);
  fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 8) != 0) {
    perror(path);
    exit(1);
  }
  return fd;
}

/* flanneld: the subnet file, written whole (temp file and rename) like flannel does. */
static void write_subnet_file(const char *file, const char *public_ip, const char *ipmasq) {
  char dir[256], tmp[300];
  snprintf(dir, sizeof dir, "%s", file);
  mkdir(dirname(dir), 0755);
  unsigned a = 0, b = 0, c = 0, d = 1;
  if (public_ip) sscanf(public_ip, "%u.%u.%u.%u", &a, &b, &c, &d);
  snprintf(tmp, sizeof tmp, "%s.tmp", file);
  FILE *f = fopen(tmp, "w");
  if (!f) {
    perror(tmp);
    exit(1);
  }
  fprintf(f, "FLANNEL_NETWORK=10.200.0.0/16\nFLANNEL_SUBNET=10.200.%u.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=%s\n",
          d & 0xff, ipmasq && strcmp(ipmasq, "true") == 0 ? "true" : "false");
  if (fclose(f) != 0 || rename(tmp, file) != 0) {
    perror(file);
    exit(1);
  }
}

static void serve(int fd, const struct listener *l) {
  char buf[1024], path[256] = "";
  ssize_t n = read(fd, buf, sizeof buf - 1);
  buf[n > 0 ? n : 0] = '\0';
  sscanf(buf, "%*s %255s", path);
  path[strcspn(path, "?")] = '\0';
  int ok = strcmp(path, l->path) == 0;
  int status = ok ? l->status : 404;
  const char *body = ok ? l->body : "404 page not found";
  char resp[512];
  int len = snprintf(resp, sizeof resp, "HTTP/1.0 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n\r\n%s",
                     status, status == 200 ? "OK" : "Error", strlen(body), body);
  (void)write(fd, resp, (size_t)len);
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++)
    if (strcmp(argv[i], "--version") == 0 || strcmp(argv[i], "-version") == 0 || strcmp(argv[i], "version") == 0) {
      printf("%s %s\n", argv[0], STANDIN_VERSION);
      return 0;
    }
  signal(SIGTERM, on_term);
  signal(SIGINT, on_term);
  signal(SIGPIPE, SIG_IGN);
  const char *me = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
  const char *sick = flag(argc, argv, "standin-healthz-status");
  int healthz = sick ? atoi(sick) : 200;
  const char *healthz_body = healthz == 200 ? "ok" : "unhealthy";
  const char *config = flag(argc, argv, "config");
  char value[256];
  if (strcmp(me, "dockerd") == 0) add(docker_socket(flag(argc, argv, "host")), "/_ping", 200, "OK");
  if (strncmp(me, "flanneld", 8) == 0 && flag(argc, argv, "subnet-file"))
    write_subnet_file(flag(argc, argv, "subnet-file"), flag(argc, argv, "public-ip"), flag(argc, argv, "ip-masq"));
  if (strcmp(me, "kubelet") == 0) {
    char ip[64] = "127.0.0.1";
    yaml_value(config, "healthzBindAddress", ip, sizeof ip);
    int port = yaml_value(config, "healthzPort", value, sizeof value) ? atoi(value) : 10248;
    if (port > 0) add(listen_tcp(ip, port), "/healthz", healthz, healthz_body);
  }
  if (strcmp(me, "kube-proxy") == 0) {
    if (!yaml_value(config, "healthzBindAddress", value, sizeof value)) snprintf(value, sizeof value, "0.0.0.0:10256");
    add(listen_hostport(value, 10256), "/healthz", healthz, healthz_body);
  }
  const char *port = flag(argc, argv, "healthz-port");
  if (port && atoi(port) > 0) add(listen_tcp(flag(argc, argv, "healthz-ip"), atoi(port)), "/healthz", healthz, healthz_body);

  notify_path = getenv("NOTIFY_SOCKET");
  notify("READY=1", 7);
  const char *wd = getenv("WATCHDOG_USEC");
  if (wd && *wd) {
    unsigned long usec = strtoul(wd, NULL, 10);
    watchdog_secs = usec >= 4000000UL ? (unsigned)(usec / 2000000UL) : 1;
    signal(SIGALRM, on_alarm);
    alarm(watchdog_secs);
  }
  struct pollfd pfd[4];
  for (int i = 0; i < nlisteners; i++) pfd[i] = (struct pollfd){.fd = listeners[i].fd, .events = POLLIN};
  for (;;) {
    if (nlisteners == 0) {
      pause();
      continue;
    }
    if (poll(pfd, (nfds_t)nlisteners, -1) < 0) continue;
    for (int i = 0; i < nlisteners; i++) {
      if (!(pfd[i].revents & POLLIN)) continue;
      int c = accept(pfd[i].fd, NULL, NULL);
      if (c < 0) continue;
      serve(c, &listeners[i]);
      close(c);
    }
  }
}
