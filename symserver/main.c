/* main.c - the symserver command line.
 *
 *   symserver serve [--store DIR] [--listen ADDR:PORT] [--threads N]
 *                   [--private] [--max-upload BYTES] [--public-url URL] [--quiet]
 *   symserver import [--store DIR] [--force] TREE
 *   symserver token add NAME [--scope upload[,download]] [--expires WHEN] [--store DIR]
 *   symserver token revoke NAME [--store DIR]
 *   symserver token list [--store DIR] [--json]
 *   symserver --version
 *   symserver missing [...]      (see missing.c)
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <pthread.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "server.h"
#include "symbolicate.h"

static const char usage_text[] =
	"usage: symserver serve [--store DIR] [--listen ADDR:PORT] [--threads N] [--private]\n"
	"                       [--max-upload BYTES] [--public-url URL] [--cache-mb MB] [--quiet]\n"
	"                       [--max-minidump BYTES] [--miss-flush-ms MS] [--no-miss-accounting]\n"
	"                       [--max-connections N] [--max-per-client N] [--trust-proxy ADDRS]\n"
	"                       [--idle-timeout S] [--header-timeout S] [--min-body-rate BYTES]\n"
	"                       [--s3 URL [--s3-credentials FILE] [--s3-timeout MS] [--s3-virtual-host]\n"
	"                        [--cache-dir DIR] [--cache-size BYTES] [--s3-log-retention S]]\n"
	"                       [--open-tables N]\n"
	"       symserver sync --s3 URL [--store DIR]\n"
	"       symserver import [--store DIR] [--force] [--no-tables] TREE\n"
	"       symserver verify [--store DIR]\n"
	"       symserver delete DEBUG_FILE DEBUG_ID [--store DIR]\n"
	"       symserver token add NAME [--scope SCOPES] [--expires WHEN] [--store DIR] [--s3 URL]\n"
	"       symserver token revoke NAME [--store DIR] [--s3 URL]\n"
	"       symserver token list [--store DIR] [--json]\n"
	"       symserver missing [--since WHEN] [--min-count N] [--format table|csv|json] ...\n"
	"       symserver missing ignore|unignore PATTERN [--s3 URL]; symserver missing ignored\n"
	"       symserver symbolicate [--store DIR] [--open-tables N] [FILE]\n"
	"       symserver --version\n"
	"\n"
	"Stores Breakpad .sym files and serves them to minidump processors at\n"
	"/<debug_file>/<debug_id>/<sym_file>.  Defaults: --store ./symstore,\n"
	"--listen 127.0.0.1:8280, uploads up to 2 GiB.  Token SCOPES: a comma-separated\n"
	"list of " STORE_TOKEN_SCOPES " (default upload).  --expires WHEN: a number of\n"
	"days, an age (12h, 30d) or a date (2027-06-30[T12:00:00Z]).  verify, delete,\n"
	"token list|revoke and missing (but ignore) need an existing store.\n"
	"symbolicate: a symbolicate/v5 request (JSON, from FILE or standard input)\n"
	"answered from the store, as POST /symbolicate/v5 answers it.  --open-tables\n"
	"256: symbolication lookup tables kept open (more while more are in use).\n"
	"import --no-tables: lookup tables are built on first use, not as files go in.\n"
	"Hostile clients: --max-connections 10000, --max-per-client 128 (0: no limit;\n"
	"addresses in --trust-proxy, default 127.0.0.1,::1, are exempt), --idle-timeout\n"
	"120, --header-timeout 10 (seconds), --min-body-rate 1024 (bytes/s; 0: none).\n"
	"--s3 http(s)://HOST[:PORT]/BUCKET[/PREFIX]: the symbol files are in that bucket\n"
	"(serve, sync, import, verify, delete; token and missing share tokens, the\n"
	"ignore list and counts through it); --store DIR then holds this node's index\n"
	"and its cache of them (DIR/cache, --cache-size 10G; K, M, G, T).  Credentials\n"
	"and region: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, or the profile\n"
	"AWS_PROFILE (default: default) of --s3-credentials FILE (the AWS format).\n"
	"--s3-timeout 10000: connect and stall timeout of each S3 request (ms).\n"
	"--s3-virtual-host: requests go to BUCKET.HOST (AWS) rather than HOST/BUCKET.\n"
	"--s3-log-retention 86400: change-log entries older (seconds) are removed; a\n"
	"node that was stopped longer syncs from the bucket when it starts.\n";

/* Prints "symserver: <message>" and the usage on stderr; returns 2, the
 * exit status of a usage error. */
static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
	va_list ap;

	if (fmt) {
		fputs("symserver: ", stderr);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
	fputs(usage_text, stderr);
	return 2;
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

struct opts {
	const char *store, *listen, *scope, *public_url, *expires;
	bool json;
	unsigned threads;
	bool private_downloads, quiet;
	bool force;		/* import: replace richer files too */
	uint64_t max_upload;
	uint64_t cache_mb;
	uint64_t max_minidump;
	unsigned miss_flush_ms;
	bool no_miss_accounting;
	double fault_rate;
	/* hostile clients: see http_config */
	unsigned max_connections, max_per_client, idle_timeout, header_timeout, min_body_rate;
	const char *trust_proxy;
	/* issue 14: a store over a bucket */
	const char *s3, *s3_credentials, *cache_dir;
	uint64_t s3_timeout, cache_size, s3_log_retention;
	bool s3_vhost;
	unsigned open_tables;	/* issue 15: lookup tables kept open */
	bool no_tables;		/* import: no lookup tables now (first use builds them) */
};

/* long-only options */
enum {
	OPT_MAX_CONNECTIONS = 0x100,
	OPT_MAX_PER_CLIENT,
	OPT_IDLE_TIMEOUT,
	OPT_HEADER_TIMEOUT,
	OPT_MIN_BODY_RATE,
	OPT_TRUST_PROXY,
	OPT_S3,
	OPT_S3_CREDENTIALS,
	OPT_S3_TIMEOUT,
	OPT_S3_VHOST,
	OPT_S3_LOG_RETENTION,
	OPT_CACHE_DIR,
	OPT_CACHE_SIZE,
	OPT_OPEN_TABLES,
	OPT_NO_TABLES,
};

/* A size: a number of bytes with an optional K, M, G or T (powers of
 * 1024); false when s is not one. */
static bool parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	unsigned shift = 0;
	char *e;

	errno = 0;
	v = strtoull(s, &e, 10);
	if (e == s || errno || *s == '-')
		return false;
	switch (*e) {
	case '\0': break;
	case 'K': case 'k': shift = 10; break;
	case 'M': case 'm': shift = 20; break;
	case 'G': case 'g': shift = 30; break;
	case 'T': case 't': shift = 40; break;
	default: return false;
	}
	if (*e && e[1] && !((e[1] == 'B' || e[1] == 'b') && !e[2]))
		return false;
	if (shift && v > (UINT64_MAX >> shift))
		return false;
	*out = (uint64_t)v << shift;
	return true;
}

/* A decimal number in [min, max] into *out; false when s is not one. */
static bool parse_num(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *e;

	errno = 0;
	v = strtoull(s, &e, 10);
	if (e == s || *e || errno || *s == '-' || v < min || v > max)
		return false;
	*out = v;
	return true;
}

/* Parses the options of argv (argv[0] is the command); the other
 * arguments are left from argv[optind] on.  -1 after printing a usage
 * error. */
static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "store", required_argument, NULL, 's' },
		{ "listen", required_argument, NULL, 'l' },
		{ "threads", required_argument, NULL, 't' },
		{ "private", no_argument, NULL, 'p' },
		{ "max-upload", required_argument, NULL, 'm' },
		{ "public-url", required_argument, NULL, 'u' },
		{ "scope", required_argument, NULL, 'S' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "cache-mb", required_argument, NULL, 'c' },
		{ "max-minidump", required_argument, NULL, 'D' },
		{ "miss-flush-ms", required_argument, NULL, 'F' },
		{ "no-miss-accounting", no_argument, NULL, 'N' },
		{ "inject-faults", required_argument, NULL, 'X' },
		{ "force", no_argument, NULL, 'f' },
		{ "expires", required_argument, NULL, 'E' },
		{ "json", no_argument, NULL, 'J' },
		{ "max-connections", required_argument, NULL, OPT_MAX_CONNECTIONS },
		{ "max-per-client", required_argument, NULL, OPT_MAX_PER_CLIENT },
		{ "idle-timeout", required_argument, NULL, OPT_IDLE_TIMEOUT },
		{ "header-timeout", required_argument, NULL, OPT_HEADER_TIMEOUT },
		{ "min-body-rate", required_argument, NULL, OPT_MIN_BODY_RATE },
		{ "trust-proxy", required_argument, NULL, OPT_TRUST_PROXY },
		{ "s3", required_argument, NULL, OPT_S3 },
		{ "s3-credentials", required_argument, NULL, OPT_S3_CREDENTIALS },
		{ "s3-timeout", required_argument, NULL, OPT_S3_TIMEOUT },
		{ "s3-virtual-host", no_argument, NULL, OPT_S3_VHOST },
		{ "s3-log-retention", required_argument, NULL, OPT_S3_LOG_RETENTION },
		{ "cache-dir", required_argument, NULL, OPT_CACHE_DIR },
		{ "cache-size", required_argument, NULL, OPT_CACHE_SIZE },
		{ "open-tables", required_argument, NULL, OPT_OPEN_TABLES },
		{ "no-tables", no_argument, NULL, OPT_NO_TABLES },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	bool ok;
	uint64_t v;

	o->store = "./symstore";
	o->listen = "127.0.0.1:8280";
	o->scope = "upload";
	o->threads = 4;
	o->max_upload = (uint64_t)2 << 30;
	o->cache_mb = 256;
	o->max_minidump = 100u << 20;
	o->miss_flush_ms = 1000;
	o->max_connections = 10000;
	o->max_per_client = 128;
	o->idle_timeout = 120;
	o->header_timeout = 10;
	o->min_body_rate = 1024;
	o->trust_proxy = "127.0.0.1,::1";
	o->s3_timeout = 10000;
	o->cache_size = (uint64_t)10 << 30;
	o->open_tables = 256;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		ok = true;
		switch (c) {
		case 's': o->store = optarg; break;
		case 'l': o->listen = optarg; break;
		case 't':
			ok = parse_num(optarg, 1, 1024, &v);
			o->threads = (unsigned)v;
			break;
		case 'p': o->private_downloads = true; break;
		case 'm': ok = parse_num(optarg, 1, UINT64_MAX, &o->max_upload); break;
		case 'u': o->public_url = optarg; break;
		case 'S': o->scope = optarg; break;
		case 'q': o->quiet = true; break;
		case 'c': ok = parse_num(optarg, 0, (uint64_t)1 << 30, &o->cache_mb); break;
		case 'D': ok = parse_num(optarg, 1, UINT64_MAX, &o->max_minidump); break;
		case 'F':
			ok = parse_num(optarg, 10, 3600000, &v);
			o->miss_flush_ms = (unsigned)v;
			break;
		case 'N': o->no_miss_accounting = true; break;
		case 'f': o->force = true; break;
		case 'X':
			o->fault_rate = strtod(optarg, NULL);
			if (!(o->fault_rate >= 0 && o->fault_rate < 1)) {
				usage_error("--inject-faults takes a fraction in [0, 1), not '%s'", optarg);
				return -1;
			}
			break;
		case OPT_MAX_CONNECTIONS:
			ok = parse_num(optarg, 1, 1000000, &v);
			o->max_connections = (unsigned)v;
			break;
		case OPT_MAX_PER_CLIENT:
			ok = parse_num(optarg, 0, 1000000, &v);
			o->max_per_client = (unsigned)v;
			break;
		case OPT_IDLE_TIMEOUT:
			ok = parse_num(optarg, 0, 86400, &v);
			o->idle_timeout = (unsigned)v;
			break;
		case OPT_HEADER_TIMEOUT:
			ok = parse_num(optarg, 0, 86400, &v);
			o->header_timeout = (unsigned)v;
			break;
		case OPT_MIN_BODY_RATE:
			ok = parse_num(optarg, 0, 1u << 30, &v);
			o->min_body_rate = (unsigned)v;
			break;
		case OPT_TRUST_PROXY: o->trust_proxy = optarg; break;
		case OPT_S3: o->s3 = optarg; break;
		case OPT_S3_CREDENTIALS: o->s3_credentials = optarg; break;
		case OPT_S3_TIMEOUT: ok = parse_num(optarg, 1, 3600000, &o->s3_timeout); break;
		case OPT_S3_VHOST: o->s3_vhost = true; break;
		case OPT_S3_LOG_RETENTION:
			ok = parse_num(optarg, 5, 10ull * 365 * 86400, &o->s3_log_retention);
			break;
		case OPT_CACHE_DIR: o->cache_dir = optarg; break;
		case OPT_CACHE_SIZE: ok = parse_size(optarg, &o->cache_size); break;
		case OPT_NO_TABLES: o->no_tables = true; break;
		case OPT_OPEN_TABLES:
			ok = parse_num(optarg, 1, 1000000, &v);
			o->open_tables = (unsigned)v;
			break;
		case 'E': o->expires = optarg; break;
		case 'J': o->json = true; break;
		case 'h': fputs(usage_text, stdout); exit(0);
		case 'V': printf("symserver %s\n", PACKAGE_VERSION); exit(0);
		default:
			sym_bad_option("symserver", c, argv);
			usage_error(NULL);
			return -1;
		}
		if (!ok) {
			const struct option *lo = longopts;
			while (lo->name && lo->val != c)
				lo++;
			usage_error("bad value '%s' for --%s", optarg, lo->name ? lo->name : "?");
			return -1;
		}
	}
	return 0;
}

/* --s3: the bucket and how to reach it (s3_setup()) */
static struct store_s3_config *s3cfg;	/* symserver_s3_config()'s */
static bool use_s3;
/* The S3 configuration from the options and the environment; -1 after
 * a message. */
static int s3_setup(const struct opts *o)
{
	if (!o->s3) {
		if (o->s3_credentials || o->cache_dir || o->s3_vhost || o->s3_log_retention)
			return usage_error("--s3-credentials, --s3-virtual-host, --s3-log-retention "
					   "and --cache-dir go with --s3"), -1;
		return 0;
	}
	if (!(s3cfg = symserver_s3_config(o->s3, o->s3_credentials, (long)o->s3_timeout, o->s3_vhost)))
		return -1;
	s3cfg->cache_dir = o->cache_dir;
	s3cfg->cache_bytes = o->cache_size;
	s3cfg->log_retention_s = o->s3_log_retention;
	use_s3 = true;
	return 0;
}

/* create: a command that writes (serve, import, token add) creates a
 * missing store; the others need an existing one. */
static int open_store(struct server *srv, const char *dir, bool create)
{
	struct sym_err err;

	sym_err_clear(&err);
	if ((use_s3 ? store_open_s3(&srv->store, dir, s3cfg, create, &err) :
	     (create ? store_open : store_open_existing)(&srv->store, dir, &err)) != SYM_OK) {
		fprintf(stderr, "symserver: %s\n", err.msg);
		return -1;
	}
	pthread_mutex_init(&srv->mu, NULL);
	return 0;
}

static int cmd_serve(struct opts *o)
{
	struct server srv;
	struct http_config cfg;
	struct http_server *h;
	struct sym_err err;
	struct sigaction sa;

	/* Freed memory is kept for reuse, not handed back to the kernel at
	 * once: a 1000-frame symbolication answer (500 KB) came from fresh
	 * pages on every request otherwise, their page faults a third of a
	 * warm request's time.  Bounded: what an arena keeps free past 32 MB
	 * is returned; blocks of 8 MB and more are mapped and unmapped. */
	mallopt(M_MMAP_THRESHOLD, 8 << 20);
	mallopt(M_TRIM_THRESHOLD, 32 << 20);
	memset(&srv, 0, sizeof(srv));
	if (open_store(&srv, o->store, true) < 0)
		return 1;
	srv.private_downloads = o->private_downloads;
	srv.max_upload = o->max_upload;
	srv.public_url = o->public_url;
	srv.max_minidump = o->max_minidump;
	srv.open_tables = o->open_tables;
	srv.started = (uint64_t)time(NULL);
	if (!o->no_miss_accounting && !(srv.acc = miss_acc_start(srv.store, o->miss_flush_ms))) {
		fprintf(stderr, "symserver: cannot start missing-symbol accounting\n");
		store_close(srv.store);
		return 1;
	}
	server_init_cache(&srv, o->cache_mb << 20);
	sym_err_clear(&err);
	if (store_follow_start(srv.store, &err) != SYM_OK) {
		fprintf(stderr, "symserver: %s\n", err.msg);
		miss_acc_stop(srv.acc);
		server_free_cache(&srv);
		store_close(srv.store);
		return 1;
	}
	sym_err_clear(&err);
	store_stats(srv.store, &srv.stats, &err);
	memset(&cfg, 0, sizeof(cfg));
	cfg.listen = o->listen;
	cfg.threads = o->threads;
	cfg.quiet = o->quiet;
	cfg.fault_rate = o->fault_rate;
	cfg.max_connections = o->max_connections;
	cfg.max_per_client = o->max_per_client;
	cfg.idle_timeout = o->idle_timeout;
	cfg.header_timeout = o->header_timeout;
	cfg.min_body_rate = o->min_body_rate;
	cfg.trusted = o->trust_proxy;
	cfg.route = server_route;
	cfg.done = server_done;
	cfg.app = &srv;
	signal(SIGPIPE, SIG_IGN);
	h = http_start(&cfg);
	if (!h) {
		miss_acc_stop(srv.acc);
		server_free_cache(&srv);
		store_close(srv.store);
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (o->s3)
		fprintf(stderr, "symserver: serving %s (index and cache in %s) on port %u\n", o->s3,
			o->store, http_port(h));
	else
		fprintf(stderr, "symserver: serving %s on port %u\n", o->store, http_port(h));
	printf("listening on port %u\n", http_port(h));
	fflush(stdout);
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (!stop)
		pause();
	http_stop(h);
	/* what was counted since the last flush goes in before we exit */
	miss_acc_stop(srv.acc);
	v2_free_all(&srv);
	server_free_cache(&srv);
	store_close(srv.store);
	return 0;
}

static void report_problem(void *ctx, const char *key, const char *why)
{
	(void)ctx;
	fprintf(stderr, "symserver: %s: %s\n", key, why);
}

/* --expires: days, an age with a unit (90m, 12h, 30d, 2w; s for tests)
 * or a date; *out gets the time it ends.  false when malformed or past. */
static bool parse_expires(const char *s, uint64_t now, uint64_t *out)
{
	unsigned long long v;
	char *e;

	if (isdigit((unsigned char)s[0]) && strlen(s) >= 10 && s[4] == '-') {
		if (!missing_parse_since(s, now, out))
			return false;
		return *out > now;
	}
	errno = 0;
	v = strtoull(s, &e, 10);
	if (e == s || errno || *s == '-' || v == 0 || v > 100000 || (*e && e[1]))
		return false;
	switch (*e) {
	case '\0':
	case 'd': v *= 86400; break;
	case 's': break;
	case 'm': v *= 60; break;
	case 'h': v *= 3600; break;
	case 'w': v *= 7 * 86400; break;
	default: return false;
	}
	*out = now + v;
	return true;
}

static void iso_or(uint64_t t, const char *none, char *out, size_t cap)
{
	if (t)
		missing_iso_time(t, out, cap);
	else
		snprintf(out, cap, "%s", none);
}

/* symserver token list: a table, or JSON; never the token or its hash. */
static int token_list(struct store *st, bool json)
{
	struct store_token *v;
	struct sym_err err;
	size_t n, i;
	uint64_t now = (uint64_t)time(NULL);
	char c[32], u[32], x[32], rv[32];

	sym_err_clear(&err);
	if (store_token_list(st, &v, &n, &err) != SYM_OK) {
		fprintf(stderr, "symserver: %s\n", err.msg);
		return 1;
	}
	if (!json && n)
		printf("%-24s %-16s %-20s %-20s %-20s %s\n", "NAME", "SCOPES", "CREATED", "LAST USED",
		       "EXPIRES", "STATUS");
	if (!json && !n)
		printf("no tokens (symserver token add NAME creates one)\n");
	if (json)
		printf("[");
	for (i = 0; i < n; i++) {
		const struct store_token *t = &v[i];
		const char *status = t->revoked ? "revoked" :
				     t->expires && now >= t->expires ? "expired" : "active";
		if (!json) {
			iso_or(t->created, "-", c, sizeof(c));
			iso_or(t->last_used, "never", u, sizeof(u));
			iso_or(t->expires, "never", x, sizeof(x));
			printf("%-24s %-16s %-20s %-20s %-20s %s\n", t->name, t->scopes, c, u, x, status);
			continue;
		}
		{
			json_t *scopes = json_array(), *j;
			const char *p = t->scopes;
			size_t l, len;
			char *line;

			for (; scopes && *p; p += l + (p[l] == ',')) {
				l = strcspn(p, ",");
				json_array_append_new(scopes, json_text_n(p, l));
			}
			iso_or(t->created, "", c, sizeof(c));
			iso_or(t->last_used, "", u, sizeof(u));
			iso_or(t->expires, "", x, sizeof(x));
			iso_or(t->revoked, "", rv, sizeof(rv));
			j = json_pack("{s:o,s:o,s:s,s:o,s:o,s:o,s:s}", "name", json_text(t->name),
				      "scopes", scopes, "created", c,
				      "last_used", u[0] ? json_string(u) : json_null(),
				      "expires", x[0] ? json_string(x) : json_null(),
				      "revoked", rv[0] ? json_string(rv) : json_null(), "status", status);
			line = json_line(j, 0, &len);
			if (!line) {
				fprintf(stderr, "symserver: out of memory\n");
				free(v);
				return 1;
			}
			/* one token a line; json_line's own newline dropped */
			printf("%s\n  %.*s", i ? "," : "", (int)(len - 1), line);
			free(line);
		}
	}
	if (json)
		printf("%s]\n", n ? "\n" : "");
	free(v);
	return 0;
}

/* symserver token add|revoke|list ...; args[nargs] are the arguments
 * after "token". */
static int cmd_token(struct opts *o, char **args, int nargs)
{
	const char *sub = nargs > 0 ? args[0] : NULL;
	struct server srv;
	struct sym_err err;
	uint64_t expires = 0;
	int rc = 0;

	if (!sub)
		return usage_error("missing add, revoke or list after 'token'");
	if (strcmp(sub, "list") == 0) {
		if (nargs > 1)
			return usage_error("unexpected argument '%s' after 'token list'", args[1]);
	} else if (strcmp(sub, "add") == 0 || strcmp(sub, "revoke") == 0) {
		if (nargs < 2)
			return usage_error("missing NAME after 'token %s'", sub);
		if (nargs > 2)
			return usage_error("unexpected argument '%s' after 'token %s %s'", args[2],
					   sub, args[1]);
	} else {
		return usage_error("unknown token command '%s' (add, revoke or list)", sub);
	}
	if (strcmp(sub, "add") == 0) {
		char bad[128];
		if (!store_token_name_ok(args[1]))
			return usage_error("bad token name '%s': 1 to 64 letters, digits and . _ - @ + :",
					   args[1]);
		if (!store_token_scopes_ok(o->scope, bad, sizeof(bad)))
			return usage_error("unknown scope '%s' in --scope '%s': the scopes are %s", bad,
					   o->scope, STORE_TOKEN_SCOPES);
		if (o->expires && isdigit((unsigned char)o->expires[0]) && strlen(o->expires) >= 10 &&
		    o->expires[4] == '-' && missing_parse_since(o->expires, 0, &expires) &&
		    expires <= (uint64_t)time(NULL))
			return usage_error("--expires '%s' is in the past", o->expires);
		if (o->expires && !parse_expires(o->expires, (uint64_t)time(NULL), &expires))
			return usage_error("bad --expires '%s': a number of days, an age (12h, 30d) "
					   "or a date to come (2027-06-30[T12:00:00Z])", o->expires);
	} else if (o->expires) {
		return usage_error("--expires goes with 'token add'");
	}
	memset(&srv, 0, sizeof(srv));
	if (open_store(&srv, o->store, strcmp(sub, "add") == 0) < 0)
		return 1;
	sym_err_clear(&err);
	if (strcmp(sub, "list") == 0) {
		rc = token_list(srv.store, o->json);
	} else if (strcmp(sub, "add") == 0) {
		char tok[65];
		if (store_token_add(srv.store, args[1], o->scope, expires, tok, &err) != SYM_OK)
			rc = 1;
		else
			printf("%s\n", tok);
	} else if (store_token_revoke(srv.store, args[1], &err) != SYM_OK) {
		rc = 1;
	}
	if (rc && err.code != SYM_OK)
		fprintf(stderr, "symserver: %s\n", err.msg);
	store_close(srv.store);
	return rc;
}

/* symbolicate [FILE]: one request, answered on standard output. */
static int cmd_symbolicate(struct opts *o, char **args, int nargs)
{
	struct server srv;
	struct symbolicator *sy;
	FILE *in = stdin;
	char *body, why[512], *out;
	size_t len = 0, cap = (size_t)SYMBOLICATE_MAX_BODY + 1, n, olen = 0;
	int rc = 0;

	if (nargs > 1)
		return usage_error("unexpected argument '%s' after 'symbolicate %s'", args[1],
				   args[0]);
	if (nargs == 1 && strcmp(args[0], "-") != 0 && !(in = fopen(args[0], "rb"))) {
		fprintf(stderr, "symserver: cannot open '%s': %s\n", args[0], strerror(errno));
		return 1;
	}
	if (!(body = malloc(cap))) {
		fprintf(stderr, "symserver: out of memory\n");
		return 1;
	}
	while (len < cap && (n = fread(body + len, 1, cap - len, in)) > 0)
		len += n;
	if (ferror(in)) {
		fprintf(stderr, "symserver: cannot read the request: %s\n", strerror(errno));
		free(body);
		return 1;
	}
	if (in != stdin)
		fclose(in);
	memset(&srv, 0, sizeof(srv));
	if (open_store(&srv, o->store, false) < 0) {
		free(body);
		return 1;
	}
	sy = symbolicator_new(srv.store, o->open_tables);
	out = sy ? symbolicate_v5(sy, body, len, false, NULL, NULL, &olen, why, sizeof(why)) : NULL;
	if (!sy) {
		fprintf(stderr, "symserver: out of memory\n");
		rc = 1;
	} else if (!out) {
		fprintf(stderr, "symserver: bad request: %s\n", why);
		rc = 2;
	} else if (fwrite(out, 1, olen, stdout) != olen || fflush(stdout) != 0) {
		fprintf(stderr, "symserver: cannot write the answer\n");
		rc = 1;
	}
	free(out);
	symbolicator_free(sy);
	store_close(srv.store);
	free(body);
	return rc;
}

int main(int argc, char **argv)
{
	struct opts o;
	const char *cmd = argc > 1 ? argv[1] : NULL;
	char **args;
	int nargs;

	memset(&o, 0, sizeof(o));
	if (!cmd)
		return usage_error("missing a command");
	if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
		printf("symserver %s\n", PACKAGE_VERSION);
		return 0;
	}
	if (strcmp(cmd, "missing") == 0)
		return missing_cmd(argc - 1, argv + 1);
	if (strcmp(cmd, "serve") != 0 && strcmp(cmd, "import") != 0 && strcmp(cmd, "verify") != 0 &&
	    strcmp(cmd, "delete") != 0 && strcmp(cmd, "token") != 0 && strcmp(cmd, "sync") != 0 &&
	    strcmp(cmd, "symbolicate") != 0) {
		if (cmd[0] == '-')
			return usage_error("unknown option '%s' (the command comes first: "
					   "symserver serve --store DIR ...)", cmd);
		return usage_error("unknown command '%s'", cmd);
	}
	/* the options, wherever they are; then the other arguments */
	if (parse(argc - 1, argv + 1, &o) < 0)
		return 2;
	args = argv + 1 + optind;
	nargs = argc - 1 - optind;
	if (s3_setup(&o) < 0)
		return 2;
	if (strcmp(cmd, "sync") == 0) {
		struct server srv;
		struct sym_err err;
		struct store_sync_report rep;
		enum sym_code rc;

		if (nargs > 0)
			return usage_error("unexpected argument '%s' after 'sync'", args[0]);
		if (!o.s3)
			return usage_error("sync needs --s3 URL: it builds the index from that bucket");
		memset(&srv, 0, sizeof(srv));
		if (open_store(&srv, o.store, true) < 0)
			return 1;
		sym_err_clear(&err);
		rc = store_sync(srv.store, &rep, report_problem, NULL, &err);
		store_close(srv.store);
		if (rc != SYM_OK) {
			fprintf(stderr, "symserver: %s\n", err.msg);
			return 1;
		}
		printf("synced %llu objects: %llu taken, %llu unchanged, %llu not symbol files; "
		       "%llu records dropped\n", (unsigned long long)rep.listed,
		       (unsigned long long)rep.taken, (unsigned long long)rep.unchanged,
		       (unsigned long long)rep.bad, (unsigned long long)rep.dropped);
		return 0;	/* the objects left out are reported above */
	}
	if (strcmp(cmd, "token") == 0)
		return cmd_token(&o, args, nargs);
	if (strcmp(cmd, "symbolicate") == 0)
		return cmd_symbolicate(&o, args, nargs);
	if (strcmp(cmd, "serve") == 0) {
		if (nargs > 0)
			return usage_error("unexpected argument '%s' after 'serve'", args[0]);
		return cmd_serve(&o);
	}
	if (strcmp(cmd, "import") == 0) {
		struct server srv;
		int rc;

		if (nargs < 1)
			return usage_error("missing TREE after 'import'");
		if (nargs > 1)
			return usage_error("unexpected argument '%s' after 'import %s'", args[1], args[0]);
		memset(&srv, 0, sizeof(srv));
		if (open_store(&srv, o.store, true) < 0)
			return 1;
		srv.max_upload = (uint64_t)16 << 30;
		/* tables as files go in, unless put off to their first use */
		srv.sym = o.no_tables ? NULL : symbolicator_new(srv.store, 16);
		rc = import_tree(&srv, args[0], o.force);
		symbolicator_free(srv.sym);
		store_close(srv.store);
		return rc;
	}
	if (strcmp(cmd, "verify") == 0) {
		struct server srv;
		struct sym_err err;
		uint64_t checked, bad;

		if (nargs > 0)
			return usage_error("unexpected argument '%s' after 'verify'", args[0]);
		memset(&srv, 0, sizeof(srv));
		if (open_store(&srv, o.store, false) < 0)
			return 1;
		sym_err_clear(&err);
		if (store_verify(srv.store, &checked, &bad, report_problem, NULL, &err) != SYM_OK) {
			fprintf(stderr, "symserver: %s\n", err.msg);
			store_close(srv.store);
			return 1;
		}
		printf("verified %llu symbol files, %llu problems\n", (unsigned long long)checked,
		       (unsigned long long)bad);
		store_close(srv.store);
		return bad ? 1 : 0;
	}
	/* delete DEBUG_FILE DEBUG_ID */
	{
		struct server srv;
		struct sym_err err;
		struct sym_record old;

		if (nargs < 2)
			return usage_error("missing %s after 'delete'",
					   nargs ? "DEBUG_ID" : "DEBUG_FILE DEBUG_ID");
		if (nargs > 2)
			return usage_error("unexpected argument '%s' after 'delete %s %s'", args[2],
					   args[0], args[1]);
		memset(&srv, 0, sizeof(srv));
		if (open_store(&srv, o.store, false) < 0)
			return 1;
		sym_err_clear(&err);
		if (store_delete(srv.store, args[0], args[1], &old, &err) != SYM_OK) {
			fprintf(stderr, "symserver: %s\n", err.msg);
			store_close(srv.store);
			return 1;
		}
		printf("deleted %s/%s (%llu bytes)\n", old.debug_file, old.debug_id,
		       (unsigned long long)old.size);
		store_close(srv.store);
		return 0;
	}
}
