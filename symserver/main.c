/* main.c - the symserver command line.
 *
 *   symserver serve [--store DIR] [--listen ADDR:PORT] [--threads N]
 *                   [--private] [--max-upload BYTES] [--public-url URL] [--quiet]
 *   symserver import [--store DIR] [--force] TREE
 *   symserver token add NAME [--scope upload[,download]] [--store DIR]
 *   symserver token revoke NAME [--store DIR]
 *   symserver missing [...]      (see missing.c)
 */
#include "config.h"

#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "server.h"

static const char usage_text[] =
	"usage: symserver serve [--store DIR] [--listen ADDR:PORT] [--threads N] [--private]\n"
	"                       [--max-upload BYTES] [--public-url URL] [--cache-mb MB] [--quiet]\n"
	"                       [--max-minidump BYTES] [--miss-flush-ms MS] [--no-miss-accounting]\n"
	"       symserver import [--store DIR] [--force] TREE\n"
	"       symserver verify [--store DIR]\n"
	"       symserver delete DEBUG_FILE DEBUG_ID [--store DIR]\n"
	"       symserver token add NAME [--scope SCOPES] [--store DIR]\n"
	"       symserver token revoke NAME [--store DIR]\n"
	"       symserver missing [--since WHEN] [--min-count N] [--format table|csv|json] ...\n"
	"       symserver missing ignore|unignore PATTERN; symserver missing ignored\n"
	"\n"
	"Stores Breakpad .sym files and serves them to minidump processors at\n"
	"/<debug_file>/<debug_id>/<sym_file>.  Defaults: --store ./symstore,\n"
	"--listen 127.0.0.1:8280, uploads up to 2 GiB.\n";

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

struct opts {
	const char *store, *listen, *scope, *public_url;
	unsigned threads;
	bool private_downloads, quiet;
	bool force;		/* import: replace richer files too */
	uint64_t max_upload;
	uint64_t cache_mb;
	uint64_t max_minidump;
	unsigned miss_flush_ms;
	bool no_miss_accounting;
	double fault_rate;
};

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
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	o->store = "./symstore";
	o->listen = "127.0.0.1:8280";
	o->scope = "upload";
	o->threads = 4;
	o->max_upload = (uint64_t)2 << 30;
	o->cache_mb = 256;
	o->max_minidump = 100u << 20;
	o->miss_flush_ms = 1000;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 's': o->store = optarg; break;
		case 'l': o->listen = optarg; break;
		case 't': o->threads = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'p': o->private_downloads = true; break;
		case 'm': o->max_upload = strtoull(optarg, NULL, 10); break;
		case 'u': o->public_url = optarg; break;
		case 'S': o->scope = optarg; break;
		case 'q': o->quiet = true; break;
		case 'c': o->cache_mb = strtoull(optarg, NULL, 10); break;
		case 'D': o->max_minidump = strtoull(optarg, NULL, 10); break;
		case 'F':
			o->miss_flush_ms = (unsigned)strtoul(optarg, NULL, 10);
			if (o->miss_flush_ms < 10 || o->miss_flush_ms > 3600000) {
				fprintf(stderr, "symserver: --miss-flush-ms is 10 to 3600000\n");
				return -1;
			}
			break;
		case 'N': o->no_miss_accounting = true; break;
		case 'f': o->force = true; break;
		case 'X':
			o->fault_rate = strtod(optarg, NULL);
			if (!(o->fault_rate >= 0 && o->fault_rate < 1)) {
				fprintf(stderr, "symserver: --inject-faults takes a fraction in [0, 1)\n");
				return -1;
			}
			break;
		case 'h': fputs(usage_text, stdout); exit(0);
		default: return -1;
		}
	}
	return 0;
}

static int open_store(struct server *srv, const char *dir)
{
	struct sym_err err;

	sym_err_clear(&err);
	if (store_open(&srv->store, dir, &err) != SYM_OK) {
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

	memset(&srv, 0, sizeof(srv));
	if (open_store(&srv, o->store) < 0)
		return 1;
	srv.private_downloads = o->private_downloads;
	srv.max_upload = o->max_upload;
	srv.public_url = o->public_url;
	srv.max_minidump = o->max_minidump;
	srv.started = (uint64_t)time(NULL);
	if (!o->no_miss_accounting && !(srv.acc = miss_acc_start(srv.store, o->miss_flush_ms))) {
		fprintf(stderr, "symserver: cannot start missing-symbol accounting\n");
		store_close(srv.store);
		return 1;
	}
	server_init_cache(&srv, o->cache_mb << 20);
	sym_err_clear(&err);
	store_stats(srv.store, &srv.stats, &err);
	memset(&cfg, 0, sizeof(cfg));
	cfg.listen = o->listen;
	cfg.threads = o->threads;
	cfg.quiet = o->quiet;
	cfg.fault_rate = o->fault_rate;
	cfg.route = server_route;
	cfg.done = server_done;
	cfg.app = &srv;
	signal(SIGPIPE, SIG_IGN);
	h = http_start(&cfg);
	if (!h) {
		miss_acc_stop(srv.acc);
		store_close(srv.store);
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
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

/* "symserver CMD A B [options]": the options after A and B, then the
 * store; 0, or the exit status. */
static int admin_store(int argc, char **argv, struct opts *o, struct server *srv)
{
	if (parse(argc - 3, argv + 3, o) < 0 || optind != argc - 3) {
		fputs(usage_text, stderr);
		return 2;
	}
	memset(srv, 0, sizeof(*srv));
	return open_store(srv, o->store) < 0 ? 1 : 0;
}

static void report_problem(void *ctx, const char *key, const char *why)
{
	(void)ctx;
	fprintf(stderr, "symserver: %s: %s\n", key, why);
}

int main(int argc, char **argv)
{
	struct opts o;
	const char *cmd = argc > 1 ? argv[1] : NULL;

	memset(&o, 0, sizeof(o));
	if (!cmd || strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0) {
		fputs(usage_text, cmd ? stdout : stderr);
		return cmd ? 0 : 2;
	}
	if (strcmp(cmd, "serve") == 0) {
		if (parse(argc - 1, argv + 1, &o) < 0 || optind != argc - 1) {
			fputs(usage_text, stderr);
			return 2;
		}
		return cmd_serve(&o);
	}
	if (strcmp(cmd, "import") == 0) {
		struct server srv;
		int rc;

		if (parse(argc - 1, argv + 1, &o) < 0 || optind != argc - 2) {
			fputs(usage_text, stderr);
			return 2;
		}
		memset(&srv, 0, sizeof(srv));
		if (open_store(&srv, o.store) < 0)
			return 1;
		srv.max_upload = (uint64_t)16 << 30;
		rc = import_tree(&srv, argv[optind + 1], o.force);
		store_close(srv.store);
		return rc;
	}
	if (strcmp(cmd, "verify") == 0) {
		struct server srv;
		struct sym_err err;
		uint64_t checked, bad;

		if (parse(argc - 1, argv + 1, &o) < 0 || optind != argc - 1) {
			fputs(usage_text, stderr);
			return 2;
		}
		memset(&srv, 0, sizeof(srv));
		if (open_store(&srv, o.store) < 0)
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
	if (strcmp(cmd, "delete") == 0 && argc >= 4) {
		struct server srv;
		struct sym_err err;
		struct sym_record old;
		int rc;

		if ((rc = admin_store(argc, argv, &o, &srv)) != 0)
			return rc;
		sym_err_clear(&err);
		if (store_delete(srv.store, argv[2], argv[3], &old, &err) != SYM_OK) {
			fprintf(stderr, "symserver: %s\n", err.msg);
			store_close(srv.store);
			return 1;
		}
		printf("deleted %s/%s (%llu bytes)\n", old.debug_file, old.debug_id,
		       (unsigned long long)old.size);
		store_close(srv.store);
		return 0;
	}
	if (strcmp(cmd, "missing") == 0)
		return missing_cmd(argc - 1, argv + 1);
	if (strcmp(cmd, "token") == 0 && argc >= 4) {
		const char *sub = argv[2], *name = argv[3];
		struct server srv;
		struct sym_err err;
		int rc;

		if ((rc = admin_store(argc, argv, &o, &srv)) != 0)
			return rc;
		sym_err_clear(&err);
		if (strcmp(sub, "add") == 0) {
			char tok[65];
			if (store_token_add(srv.store, name, o.scope, tok, &err) != SYM_OK) {
				fprintf(stderr, "symserver: %s\n", err.msg);
				store_close(srv.store);
				return 1;
			}
			printf("%s\n", tok);
		} else if (strcmp(sub, "revoke") == 0) {
			if (store_token_revoke(srv.store, name, &err) != SYM_OK) {
				fprintf(stderr, "symserver: %s\n", err.msg);
				store_close(srv.store);
				return 1;
			}
		} else {
			store_close(srv.store);
			fputs(usage_text, stderr);
			return 2;
		}
		store_close(srv.store);
		return 0;
	}
	fputs(usage_text, stderr);
	return 2;
}
