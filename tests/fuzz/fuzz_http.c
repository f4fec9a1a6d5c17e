/* fuzz_http.c - libFuzzer entry point for the whole request path of the
 * server: libmicrohttpd, symserver/http.c (bodies, forms, gzip), the
 * router and every route (downloads, uploads: PUT, multipart forms,
 * archives, sym-upload-v2; /minidump, /missing, /api/token, /_metrics).
 *
 * At start, a store is made in a private directory (under /dev/shm when
 * it exists, else $TMPDIR or /tmp: uploads fsync), with one token (scopes
 * upload and download) and one symbol file, and the server is started in
 * this process as `symserver serve` starts it (main.c's cmd_serve: the
 * same struct server, routes and http_start; one thread, no access log).
 * One input is the raw bytes a client sends on one connection: request
 * line, headers and body, maybe several pipelined requests.  Every "$TOKEN"
 * in it is replaced by the token (64 hex digits), so the seeds can upload.
 * The input is sent on a TCP connection to the server's port, as a
 * client would; once the server has read it all (see wait_read()), the
 * write side is shut down and the answer read until the server closes
 * the connection.  libmicrohttpd 0.9.75 answers pipelined requests
 * followed by a half-close but then keeps the connection until its
 * timeout (a client can hold a connection for 120 s that way): once the
 * answers read are complete and nothing more comes for 100 ms, the input
 * is done.
 *
 * Findings: a crash, leak or sanitizer report in the server; no close
 * within 15 s (a hang); an answer that does not start with an HTTP status
 * line; a 5xx status but 501, 505 (libmicrohttpd's own refusals), 503
 * and 507 (a store error): a 500 on a client's input is a bug.  The store
 * is wiped and the server restarted when it passes 64 MB, so a long run
 * cannot fill the disk.  FUZZ_HTTP_SHOW=1 prints each answer on stderr. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <time.h>
#include <unistd.h>

#include "server.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define STORE_LIMIT ((uint64_t)64 << 20)
#define ANSWER_MAX ((size_t)4 << 20)	/* what is kept of an answer to check it */
#define TIMEOUT_MS 15000

static char dir[4096];
static struct server srv;
static struct http_server *h;
static char token[65];
static uint64_t runs;

static const char sym[] =
	"MODULE Linux x86_64 0123456789ABCDEF0123456789ABCDEF0 libfuzz.so\n"
	"FILE 0 /src/fuzz.c\n"
	"FUNC 1000 20 0 main\n"
	"1000 10 3 0\n"
	"1010 10 4 0\n"
	"PUBLIC 1000 0 main\n"
	"STACK CFI INIT 1000 20 .cfa: $rsp 8 + .ra: .cfa -8 + ^\n";

static void die(const char *what)
{
	fprintf(stderr, "fuzz_http: %s\n", what);
	abort();
}

/* The server of `symserver serve --store DIR --threads 1 --quiet`. */
static void start(void)
{
	struct http_config cfg;
	struct store_upload *u;
	struct sym_record rec;
	enum store_outcome o;
	struct sym_err err;

	memset(&srv, 0, sizeof(srv));
	sym_err_clear(&err);
	if (store_open(&srv.store, dir, &err) != SYM_OK)
		die(err.msg);
	pthread_mutex_init(&srv.mu, NULL);
	srv.max_upload = 16u << 20;	/* a body past it is a 413, as for any limit */
	srv.max_minidump = 4u << 20;
	srv.started = (uint64_t)time(NULL);
	if (!(srv.acc = miss_acc_start(srv.store, 200)))
		die("cannot start the missing-symbol accounting");
	server_init_cache(&srv, 4u << 20);
	if (store_token_add(srv.store, "fuzz", "upload,download", 0, token, &err) != SYM_OK ||
	    store_upload_begin(srv.store, &u, &err) != SYM_OK ||
	    store_upload_write(u, sym, sizeof(sym) - 1, &err) != SYM_OK ||
	    store_upload_commit(u, NULL, NULL, "fuzz", &rec, &o, NULL, &err) != SYM_OK)
		die(err.msg);
	store_stats(srv.store, &srv.stats, &err);
	memset(&cfg, 0, sizeof(cfg));
	cfg.listen = "127.0.0.1:0";
	cfg.threads = 1;	/* one polling thread: the runs are more repeatable */
	cfg.quiet = true;
	cfg.route = server_route;
	cfg.done = server_done;
	cfg.app = &srv;
	if (!(h = http_start(&cfg)))
		die("cannot start the server");
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static uint64_t du_total;

static int du_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)path;
	(void)flag;
	(void)ftw;
	du_total += (uint64_t)st->st_blocks * 512;
	return 0;
}

static void stop(void)
{
	http_stop(h);
	miss_acc_stop(srv.acc);
	v2_free_all(&srv);
	server_free_cache(&srv);
	store_close(srv.store);
	pthread_mutex_destroy(&srv.mu);
	h = NULL;
}

static void cleanup(void)
{
	if (h)
		stop();
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");

	(void)argc;
	(void)argv;
	signal(SIGPIPE, SIG_IGN);
	if (access("/dev/shm", W_OK) == 0)
		tmp = "/dev/shm";
	snprintf(dir, sizeof(dir), "%s/fuzz_http.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		die("cannot make a temporary directory");
	start();
	atexit(cleanup);
	return 0;
}

/* The input with every "$TOKEN" replaced by the token; *n its length. */
static char *with_token(const uint8_t *data, size_t size, size_t *n)
{
	char *out = malloc(size * 11 + 1), *w = out;	/* 6 bytes become 64 */
	size_t i = 0;

	if (!out)
		die("out of memory");
	while (i < size) {
		if (size - i >= 6 && memcmp(data + i, "$TOKEN", 6) == 0) {
			memcpy(w, token, 64);
			w += 64;
			i += 6;
		} else {
			*w++ = (char)data[i++];
		}
	}
	*n = (size_t)(w - out);
	return out;
}

static const char *find(const char *s, size_t n, const char *what)
{
	size_t l = strlen(what);

	for (size_t i = 0; i + l <= n; i++)
		if (memcmp(s + i, what, l) == 0)
			return s + i;
	return NULL;
}

/* Checks the answers in a[0..n): each starts with a status line whose
 * status is not a 5xx but 501, 503, 505 and 507.  Answers are followed
 * through Content-Length (a HEAD's answer has none; a chunked answer ends
 * the check).  partial: more may come (a cut status line is no finding).
 * true when a[0..n) is whole answers, as far as can be told. */
static bool check(const char *a, size_t n, bool partial)
{
	size_t pos = 0;

	while (pos < n) {
		const char *s = a + pos, *end;
		unsigned status;
		unsigned long long cl = 0;
		bool chunked = false;
		size_t next;

		if (n - pos < 13 || (memcmp(s, "HTTP/1.1 ", 9) != 0 && memcmp(s, "HTTP/1.0 ", 9) != 0) ||
		    s[9] < '1' || s[9] > '5' || s[10] < '0' || s[10] > '9' || s[11] < '0' ||
		    s[11] > '9' || s[12] != ' ') {
			if (partial && n - pos < 13 && memcmp(s, "HTTP/1.1 ", n - pos < 9 ? n - pos : 9) == 0)
				return false;
			fprintf(stderr, "fuzz_http: not a status line at byte %zu: %.40s\n", pos, s);
			abort();
		}
		status = (unsigned)(s[9] - '0') * 100 + (unsigned)(s[10] - '0') * 10 + (unsigned)(s[11] - '0');
		if (status >= 500 && status != 501 && status != 503 && status != 505 && status != 507) {
			fprintf(stderr, "fuzz_http: the server answered %u:\n%.2000s\n", status, s);
			abort();
		}
		end = find(s, n - pos, "\r\n\r\n");
		if (!end)
			return false;	/* cut short */
		for (const char *l = s; l < end; l++) {
			if (l[0] != '\n')
				continue;
			if (strncasecmp(l + 1, "Content-Length:", 15) == 0)
				cl = strtoull(l + 16, NULL, 10);
			else if (strncasecmp(l + 1, "Transfer-Encoding:", 18) == 0)
				chunked = true;
		}
		if (chunked)
			return false;
		next = (size_t)(end + 4 - a);
		if (next + cl <= n && (next + cl == n || memcmp(a + next + cl, "HTTP/1.", 7) == 0))
			pos = next + cl;
		else if (next == n || (n - next >= 7 && memcmp(a + next, "HTTP/1.", 7) == 0))
			pos = next;	/* the answer to a HEAD */
		else
			return false;	/* cannot tell where the next answer starts */
	}
	return true;
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* The server's end of the connection fd (this process's socket whose
 * peer is fd's address), or -1 while the server has not accepted it. */
static int server_end(int fd)
{
	struct sockaddr_in mine, peer;
	socklen_t l = sizeof(mine);
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int found = -1;

	if (!d || getsockname(fd, (struct sockaddr *)&mine, &l) != 0)
		die("cannot list this process's sockets");
	while (found < 0 && (e = readdir(d))) {
		int k = atoi(e->d_name);

		l = sizeof(peer);
		if (k != fd && k != dirfd(d) && e->d_name[0] != '.' &&
		    getpeername(k, (struct sockaddr *)&peer, &l) == 0 && l == sizeof(peer) &&
		    peer.sin_family == AF_INET && peer.sin_port == mine.sin_port &&
		    peer.sin_addr.s_addr == mine.sin_addr.s_addr)
			found = k;
	}
	closedir(d);
	return found;
}

/* Waits until the server has read every byte sent on fd (or answered, or
 * closed; at most 2 s).  libmicrohttpd polls with epoll, edge-triggered:
 * when the last bytes of a request and the client's FIN come in one
 * recv() that does not fill its buffer, it does not look again, and a
 * body cut short keeps the connection open until the server's timeout
 * (that wait is libmicrohttpd's, seen as well with a slow client; it
 * would be a 15 s hang for each such input here).  The FIN is sent only
 * once the server has read the rest, so that it comes as an event of
 * its own. */
static void wait_read(int fd)
{
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (ms_since(&t0) < 2000) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int s = server_end(fd), q = 0;

		if (s >= 0 && ioctl(s, FIONREAD, &q) == 0 && q == 0)
			return;
		if (poll(&p, 1, 1) != 0)
			return;	/* an answer, or the connection is closed */
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd;
	size_t n, off = 0, got = 0;
	char *req = with_token(data, size, &n), *ans = malloc(ANSWER_MAX);
	bool shut = false, whole = true;
	struct timespec t0;

	if (!ans)
		die("out of memory");
	{
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)http_port(h)),
					 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

		int tries = 0;

		/* a refused connect (the backlog full, the ephemeral ports all
		 * taken for a moment) is tried again, for up to 2 s */
		while ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) >= 0 &&
		       connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0 && tries++ < 200) {
			fprintf(stderr, "fuzz_http: connect: %s; trying again\n", strerror(errno));
			close(fd);
			usleep(10000);
		}
		if (fd < 0 || tries > 200) {
			fprintf(stderr, "fuzz_http: cannot connect to the server: %s\n", strerror(errno));
			abort();
		}
		/* no TIME_WAIT: thousands of connections a second */
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &(struct linger){ 1, 0 }, sizeof(struct linger));
	}
	fcntl(fd, F_SETFL, O_NONBLOCK);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		long left = TIMEOUT_MS - ms_since(&t0);
		ssize_t r;

		if (off == n && !shut) {
			wait_read(fd);
			shutdown(fd, SHUT_WR);
			shut = true;
		}
		if (!shut)
			p.events |= POLLOUT;
		if (left <= 0) {
			fprintf(stderr, "fuzz_http: no answer nor close within %d ms (%zu of %zu bytes sent, %zu received)\n",
				TIMEOUT_MS, off, n, got);
			abort();
		}
		if (shut && got && whole && check(ans, got, true) && left > 100)
			left = 100;	/* pipelined answers, then libmicrohttpd's wait */
		r = poll(&p, 1, (int)left);
		if (r < 0 && errno != EINTR)
			die("poll failed");
		if (r == 0 && shut && got && whole && check(ans, got, true))
			break;
		if (p.revents & POLLOUT) {
			r = send(fd, req + off, n - off, MSG_NOSIGNAL);
			if (r > 0)
				off += (size_t)r;
			else if (r < 0 && errno != EAGAIN && errno != EINTR)
				off = n;	/* the server closed its side: the rest is not read */
		}
		if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
			char buf[65536];

			r = recv(fd, buf, sizeof(buf), 0);
			if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
				break;
			if (r > 0) {
				size_t k = (size_t)r;

				if (k > ANSWER_MAX - got) {
					k = ANSWER_MAX - got;
					whole = false;
				}
				memcpy(ans + got, buf, k);
				got += k;
			}
		}
	}
	close(fd);
	if (getenv("FUZZ_HTTP_SHOW"))	/* the answer, for writing seeds */
		fprintf(stderr, "%.*s\n", (int)got, ans);
	check(ans, got, !whole);
	free(ans);
	free(req);
	/* keep the store small: wipe it now and then */
	if (++runs % 512 == 0) {
		du_total = 0;
		nftw(dir, du_one, 16, FTW_PHYS);
		if (du_total > STORE_LIMIT) {
			stop();
			nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
			if (mkdir(dir, 0700) != 0)
				die("cannot remake the store directory");
			start();
		}
	}
	return 0;
}
