/* blob.c - the blob backend contract (common/blob.h): what a commit
 * publishes, what an abort leaves, keys that are refused, listing and
 * removal.  Prints TAP; exits non-zero when any check fails.
 *
 *   blob                 on blob_fs in a temporary directory
 *   blob --s3 URL        on blob_s3 (credentials from S3_ACCESS_KEY,
 *                        S3_SECRET_KEY, S3_REGION), an empty bucket; the
 *                        blob "alpha" is left in place for the caller to
 *                        check with another client
 *   blob --s3-open URL   only opens the backend: prints the error and
 *                        exits 1 when it cannot (wrong credentials, no
 *                        bucket, no gateway)
 *   blob --s3-get URL FILE ID HASH
 *                        prints the blob's bytes, or the error (exit 1) */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blob.h"
#include "blob_cache.h"
#include "blob_s3.h"
#include "sha256.h"

static int ntest, nfail;

static void ok(int cond, const char *desc)
{
	ntest++;
	if (!cond)
		nfail++;
	printf("%sok %d - %s\n", cond ? "" : "not ", ntest, desc);
}

/* The number of entries in dir, "." and ".." aside; -1 when unreadable. */
static int count_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void hash_of(const char *s, char out[65])
{
	struct sha256 h;
	uint8_t d[32];

	sha256_init(&h);
	sha256_update(&h, s, strlen(s));
	sha256_final(&h, d);
	sha256_hex(d, out);
}

/* The key of a blob of "lib foo+1.so" with this hash: the id is made
 * from the hash, so that different blobs have different keys in every
 * backend. */
static const struct blob_key *key(const char *hash)
{
	static struct blob_key k;
	static char id[34];
	size_t i;

	for (i = 0; i < 32 && hash[i]; i++)
		id[i] = (char)(hash[i] >= 'a' && hash[i] <= 'f' ? hash[i] - 32 : hash[i]);
	id[i] = '0';
	id[i + 1] = '\0';
	k.hash = hash;
	k.debug_file = "lib foo+1.so";
	k.debug_id = id;
	return &k;
}

/* Writes text in pieces of 3 bytes and commits it under k. */
static enum sym_code put_key(struct blob_store *b, const char *text, const struct blob_key *k,
			     uint64_t *size)
{
	struct blob_writer *w;
	struct sym_err err;
	size_t i, n = strlen(text);

	sym_err_clear(&err);
	if (blob_begin(b, &w, &err) != SYM_OK)
		return err.code;
	for (i = 0; i < n; i += 3)
		if (blob_write(w, text + i, n - i < 3 ? n - i : 3, &err) != SYM_OK) {
			blob_abort(w);
			return err.code;
		}
	return blob_commit(w, k, size, &err);
}

static enum sym_code put(struct blob_store *b, const char *text, const char *hash, uint64_t *size)
{
	return put_key(b, text, key(hash), size);
}

/* The whole blob, read 5 bytes at a time, into out[cap]; its length or -1. */
static long get(struct blob_store *b, const char *hash, char *out, size_t cap)
{
	struct blob_reader *r;
	struct sym_err err;
	size_t got = 0;
	ssize_t n;

	sym_err_clear(&err);
	if (blob_open(b, key(hash), &r, &err) != SYM_OK)
		return -1;
	while (got + 5 < cap && (n = blob_read(r, out + got, 5)) > 0)
		got += (size_t)n;
	blob_close(r);
	out[got] = '\0';
	return (long)got;
}

struct seen {
	char hashes[8][65];
	uint64_t sizes[8];
	int n;
};

/* Notes the hash (blob_fs) or the id (others) of each blob listed. */
static int note(void *ctx, const struct blob_key *k, uint64_t size)
{
	struct seen *s = ctx;

	if (s->n < 8) {
		snprintf(s->hashes[s->n], 65, "%s", k->hash ? k->hash : k->debug_id);
		s->sizes[s->n] = size;
	}
	s->n++;
	return 0;
}

static int stop_at_first(void *ctx, const struct blob_key *k, uint64_t size)
{
	(void)k;
	(void)size;
	(*(int *)ctx)++;
	return 1;
}

/* The contract; fs: the backend is blob_fs over dir (its layout and
 * temporary files are checked too). */
static void contract(struct blob_store *b, bool fs, const char *dir)
{
	char tmp[4096], path[4096], buf[256];
	char ha[65], hb[65], hc[65];
	static const char *const bad[] = {
		"../../../../etc/passwd",
		"ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789",
		"abcdef0123456789abcdef0123456789abcdef0123456789abcdef012345678",
		"abcdef0123456789abcdef0123456789abcdef0123456789abcdef01234567890",
		"ab/def0123456789abcdef0123456789abcdef0123456789abcdef0123456789",
		"",
	};
	struct blob_writer *w;
	struct blob_reader *r;
	struct sym_err err;
	struct seen seen;
	uint64_t size = 0;
	size_t i;
	int stops = 0;

	snprintf(tmp, sizeof(tmp), "%s/tmp", dir);
	sym_err_clear(&err);
	hash_of("alpha alpha alpha\n", ha);
	hash_of("beta\n", hb);
	hash_of("gamma\n", hc);

	/* nothing is visible before the commit, and the commit leaves no
	 * temporary file */
	ok(blob_begin(b, &w, &err) == SYM_OK && blob_write(w, "alpha ", 6, &err) == SYM_OK,
	   "a writer takes bytes");
	if (fs)
		ok(count_dir(tmp) == 1, "an open writer has one temporary file");
	ok(blob_open(b, key(ha), &r, &err) == SYM_ENOTFOUND, "the blob is not readable before its commit");
	ok(blob_write(w, "alpha alpha\n", 12, &err) == SYM_OK &&
	   blob_commit(w, key(ha), &size, &err) == SYM_OK, "the commit succeeds");
	ok(size == 18, "the commit reports the size written");
	if (fs)
		ok(count_dir(tmp) == 0, "the commit leaves no temporary file");
	ok(get(b, ha, buf, sizeof(buf)) == 18 && strcmp(buf, "alpha alpha alpha\n") == 0,
	   "the blob reads back as written, in small reads");
	if (fs) {
		snprintf(path, sizeof(path), "%s/blobs/%.2s/%s", dir, ha, ha + 2);
		ok(access(path, R_OK) == 0, "the blob is at blobs/<2 hex>/<62 hex>");
	}
	ok(blob_stat(b, key(ha), &size, &err) == SYM_OK && size == 18, "stat gives the blob's size");

	/* abort: no blob, no temporary file */
	ok(blob_begin(b, &w, &err) == SYM_OK && blob_write(w, "beta\n", 5, &err) == SYM_OK,
	   "a second writer takes bytes");
	blob_abort(w);
	if (fs)
		ok(count_dir(tmp) == 0, "an abort removes the temporary file");
	ok(blob_stat(b, key(hb), &size, &err) == SYM_ENOTFOUND, "an aborted blob does not exist");

	/* blob_fs: the held blob wins over new bytes under the same hash
	 * (content-addressed); a keyed backend holds the last commit */
	ok(put(b, "other bytes\n", ha, &size) == SYM_OK, "a second commit under a held key succeeds");
	if (fs) {
		ok(size == 18 && get(b, ha, buf, sizeof(buf)) == 18 &&
		   strcmp(buf, "alpha alpha alpha\n") == 0, "and the held blob is kept");
		ok(count_dir(tmp) == 0, "and its temporary file is gone");
	} else {
		ok(size == 12 && get(b, ha, buf, sizeof(buf)) == 12 && strcmp(buf, "other bytes\n") == 0,
		   "and the key holds the last commit");
		ok(put(b, "alpha alpha alpha\n", ha, &size) == SYM_OK && size == 18,
		   "a third commit puts the first bytes back");
	}

	/* names that are not hashes never reach the file system */
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char desc[200];
		bool refused;

		sym_err_clear(&err);
		refused = blob_open(b, key(bad[i]), &r, &err) == SYM_EUSAGE &&
			  blob_stat(b, key(bad[i]), &size, &err) == SYM_EUSAGE &&
			  blob_remove(b, key(bad[i]), &err) == SYM_EUSAGE &&
			  put(b, "x\n", bad[i], &size) == SYM_EUSAGE;
		snprintf(desc, sizeof(desc), "'%.70s' is refused as a blob name", bad[i]);
		ok(refused, desc);
	}
	{
		static const struct blob_key badk[] = {
			{ NULL, "libfoo.so", "0123", 0 },
			{ "0000000000000000000000000000000000000000000000000000000000000000", "../x", "0123", 0 },
			{ "0000000000000000000000000000000000000000000000000000000000000000", "libfoo.so", "..", 0 },
			{ "0000000000000000000000000000000000000000000000000000000000000000", "a/b", "0123", 0 },
			{ "0000000000000000000000000000000000000000000000000000000000000000", NULL, "0123", 0 },
			{ "0000000000000000000000000000000000000000000000000000000000000000", "libfoo.so", NULL, 0 },
		};
		int refused = 0;
		for (i = 0; i < sizeof(badk) / sizeof(badk[0]); i++)
			refused += blob_open(b, &badk[i], &r, &err) == SYM_EUSAGE &&
				   put_key(b, "x\n", &badk[i], &size) == SYM_EUSAGE;
		ok(refused == 6, "keys with a bad debug file or id are refused");
	}
	if (fs) {
		ok(count_dir(tmp) == 0, "refused commits leave no temporary file");
		snprintf(path, sizeof(path), "%s/blobs", dir);
		ok(count_dir(path) == 1, "refused names made no directory");
	}

	/* listing: every blob once, strays skipped */
	ok(put(b, "beta\n", hb, &size) == SYM_OK && put(b, "gamma\n", hc, &size) == SYM_OK,
	   "two more blobs are committed");
	if (fs) {
		/* a stray of a blob name's length that is not hex, and a
		 * stray shard (the S3 test puts its strays with curl) */
		snprintf(path, sizeof(path), "%s/blobs/%.2s/%.62s", dir, ha,
			 "stray-file-stray-file-stray-file-stray-file-stray-file-stray-file");
		{
			FILE *f = fopen(path, "w");
			ok(f != NULL, "a stray file is made");
			if (f)
				fclose(f);
		}
		snprintf(path, sizeof(path), "%s/blobs/zz", dir);
		mkdir(path, 0755);
	}
	memset(&seen, 0, sizeof(seen));
	ok(blob_list(b, note, &seen, &err) == SYM_OK && seen.n == 3, "the list has the three blobs");
	{
		int fa = 0, fb = 0, fc = 0, k;
		char na[65], nb[65], nc[65];

		/* blob_fs lists hashes, a keyed backend debug ids */
		snprintf(na, sizeof(na), "%s", fs ? ha : key(ha)->debug_id);
		snprintf(nb, sizeof(nb), "%s", fs ? hb : key(hb)->debug_id);
		snprintf(nc, sizeof(nc), "%s", fs ? hc : key(hc)->debug_id);
		for (k = 0; k < seen.n && k < 8; k++) {
			fa += strcmp(seen.hashes[k], na) == 0 && seen.sizes[k] == 18;
			fb += strcmp(seen.hashes[k], nb) == 0 && seen.sizes[k] == 5;
			fc += strcmp(seen.hashes[k], nc) == 0 && seen.sizes[k] == 6;
		}
		ok(fa == 1 && fb == 1 && fc == 1, "each blob is listed once, with its size");
	}
	ok(blob_list(b, stop_at_first, &stops, &err) == SYM_OK && stops == 1,
	   "a non-zero return stops the walk");

	/* removal */
	ok(blob_remove(b, key(hb), &err) == SYM_OK, "a blob is removed");
	ok(blob_open(b, key(hb), &r, &err) == SYM_ENOTFOUND, "a removed blob cannot be opened");
	ok(blob_remove(b, key(hb), &err) == SYM_ENOTFOUND, "removing it again is SYM_ENOTFOUND");
	ok(get(b, hc, buf, sizeof(buf)) == 6, "the other blobs stay");

	if (fs) {
		/* an existing store opens without create */
		struct blob_store *again;
		ok(blob_fs_open(&again, dir, false, &err) == SYM_OK &&
		   get(again, ha, buf, sizeof(buf)) == 18, "the store reopens and keeps its blobs");
		blob_store_free(again);
	} else {
		ok(blob_remove(b, key(hc), &err) == SYM_OK, "the last blob is removed");
		printf("# left: %s/%s\n", key(ha)->debug_file, key(ha)->debug_id);
	}
}

struct keys {
	char all[512];
};

static int collect(void *ctx, const char *key, uint64_t size)
{
	struct keys *k = ctx;
	size_t o = strlen(k->all);

	snprintf(k->all + o, sizeof(k->all) - o, "%s=%llu;", key, (unsigned long long)size);
	return 0;
}

/* s3_list_parse() on answers written here: keys decoded, strays and
 * broken entries skipped, the page's end and token. */
static void test_list_parse(void)
{
	static const struct {
		const char *xml, *keys;
		int rc;
		bool truncated;
		const char *token;
	} cases[] = {
		{ "<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>p/a.so/01/a.so.sym</Key>"
		  "<Size>12</Size></Contents></ListBucketResult>", "p/a.so/01/a.so.sym=12;", 0, false, "" },
		{ "<ListBucketResult><IsTruncated>true</IsTruncated><NextContinuationToken>a/b+c=</NextContinuationToken>"
		  "<Contents><Key>a&amp;b &lt;1&gt; &quot;&apos;</Key><Size>0</Size></Contents>"
		  "<Contents><Key>&#x41;&#66;</Key><Size>18446744073709551615</Size></Contents></ListBucketResult>",
		  "a&b <1> \"'=0;AB=18446744073709551615;", 0, true, "a/b+c=" },
		/* skipped: no key, an empty key, a bad entity, a control byte,
		 * no size, a negative size, a size that is not a number */
		{ "<ListBucketResult><Contents><Size>1</Size></Contents><Contents><Key></Key><Size>1</Size></Contents>"
		  "<Contents><Key>&bogus;</Key><Size>1</Size></Contents><Contents><Key>&#1;</Key><Size>1</Size></Contents>"
		  "<Contents><Key>n</Key></Contents><Contents><Key>m</Key><Size>-1</Size></Contents>"
		  "<Contents><Key>o</Key><Size>1x</Size></Contents><Contents><Key>ok</Key><Size>7</Size></Contents>"
		  "</ListBucketResult>", "ok=7;", 0, false, "" },
		/* an error document is not a listing */
		{ "<Error><Code>AccessDenied</Code></Error>", "", -1, false, "" },
		/* an unterminated entry ends the walk */
		{ "<ListBucketResult><Contents><Key>a</Key><Size>1</Size>", "", 0, false, "" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct keys k;
		struct s3_list_page page;
		char desc[120];
		int rc;

		k.all[0] = '\0';
		rc = s3_list_parse(cases[i].xml, strlen(cases[i].xml), collect, &k, &page);
		snprintf(desc, sizeof(desc), "listing %zu: status, keys, end and token", i);
		ok(rc == cases[i].rc && strcmp(k.all, cases[i].keys) == 0 &&
		   page.truncated == cases[i].truncated && strcmp(page.next_token, cases[i].token) == 0,
		   desc);
		if (strcmp(k.all, cases[i].keys) != 0)
			printf("# got '%s'\n", k.all);
	}
}

/* blob_s3_parse_url(): what is split how, and what is refused. */
static void test_parse_url(void)
{
	static const struct {
		const char *url, *endpoint, *bucket, *prefix;	/* endpoint NULL: refused */
	} cases[] = {
		{ "http://127.0.0.1:8000/syms", "http://127.0.0.1:8000", "syms", "" },
		{ "https://s3.example.com/my-bucket/a/b//", "https://s3.example.com", "my-bucket", "a/b/" },
		{ "http://[::1]:9000/bkt.2/pre", "http://[::1]:9000", "bkt.2", "pre/" },
		{ "http://h/bucket/../x", NULL, NULL, NULL },
		{ "http://h/bucket/./x", NULL, NULL, NULL },
		{ "http://h/bucket/a//b", NULL, NULL, NULL },
		{ "http://h/bucket/a/..", NULL, NULL, NULL },
		{ "http://user@h/bucket", NULL, NULL, NULL },
		{ "http://h/Bucket", NULL, NULL, NULL },
		{ "http://h/ab", NULL, NULL, NULL },
		{ "http://h/bucket/a?b", NULL, NULL, NULL },
		{ "http://h/bucket/a%2e", NULL, NULL, NULL },
		{ "ftp://h/bucket", NULL, NULL, NULL },
		{ "http:///bucket", NULL, NULL, NULL },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *e = NULL, *b = NULL, *p = NULL, desc[200];
		struct sym_err err;
		enum sym_code rc;
		bool good;

		sym_err_clear(&err);
		rc = blob_s3_parse_url(cases[i].url, &e, &b, &p, &err);
		if (cases[i].endpoint)
			good = rc == SYM_OK && strcmp(e, cases[i].endpoint) == 0 &&
			       strcmp(b, cases[i].bucket) == 0 && strcmp(p, cases[i].prefix) == 0;
		else
			good = rc == SYM_EUSAGE && err.msg[0];
		snprintf(desc, sizeof(desc), "S3 URL '%s' %s", cases[i].url,
			 cases[i].endpoint ? "splits" : "is refused");
		ok(good, desc);
		free(e);
		free(b);
		free(p);
	}
}

/* Whether the cache in dir holds a copy of hash. */
static bool cached(const char *dir, const char *hash)
{
	char path[8300];

	snprintf(path, sizeof(path), "%s/%.2s/%s", dir, hash, hash + 2);
	return access(path, F_OK) == 0;
}

/* blob_cache over blob_fs: least recently used evicted at the budget,
 * copies kept from uploads and from reads read to their end, none from a
 * read stopped early, the copies found again when reopened. */
static void test_cache(const char *dir)
{
	char fsdir[4096], cdir[4096], ha[65], hb[65], hc[65], hd[65], buf[64];
	struct blob_store *fs = NULL, *c = NULL;
	struct blob_cache_stats st;
	struct blob_reader *r;
	struct sym_err err;
	uint64_t size;
	const char *A = "alpha-0001", *B = "bravo-0002", *C = "charl-0003", *D = "delta-0004";

	snprintf(fsdir, sizeof(fsdir), "%s/cachefs", dir);
	snprintf(cdir, sizeof(cdir), "%s/cache", dir);
	hash_of(A, ha);
	hash_of(B, hb);
	hash_of(C, hc);
	hash_of(D, hd);
	sym_err_clear(&err);
	if (mkdir(fsdir, 0755) != 0 || blob_fs_open(&fs, fsdir, true, &err) != SYM_OK ||
	    blob_cache_open(&c, fs, cdir, 25, &err) != SYM_OK) {
		ok(0, "a cache over blob_fs opens");
		return;
	}
	ok(put(c, A, ha, &size) == SYM_OK && put(c, B, hb, &size) == SYM_OK, "two blobs stored");
	ok(cached(cdir, ha) && cached(cdir, hb), "uploads are kept in the cache");
	ok(get(c, ha, buf, sizeof(buf)) == 10 && strcmp(buf, A) == 0, "A reads back from the cache");
	ok(put(c, C, hc, &size) == SYM_OK, "a third blob stored (30 bytes over a budget of 25)");
	ok(cached(cdir, ha) && !cached(cdir, hb) && cached(cdir, hc),
	   "the least recently used (B, not A which was read) is evicted");
	blob_cache_stats(c, &st);
	ok(st.hits == 1 && st.misses == 0 && st.evictions == 1 && st.files == 2 && st.bytes == 20,
	   "the counters: 1 hit, 0 misses, 1 eviction, 2 files of 20 bytes");
	ok(get(c, hb, buf, sizeof(buf)) == 10 && strcmp(buf, B) == 0, "B reads back from the backend");
	ok(cached(cdir, hb) && !cached(cdir, ha) && cached(cdir, hc),
	   "a read to the end fills the cache; A, used before C, is evicted");
	/* a read stopped early keeps nothing */
	ok(put(c, D, hd, &size) == SYM_OK, "a fourth blob stored");
	{
		char pathd[8300];
		snprintf(pathd, sizeof(pathd), "%s/%.2s/%s", cdir, hd, hd + 2);
		unlink(pathd);	/* behind the cache's back: the next read misses */
	}
	sym_err_clear(&err);
	if (blob_open(c, key(hd), &r, &err) == SYM_OK) {
		ok(blob_read(r, buf, 3) == 3, "a read of 3 bytes of D");
		blob_close(r);
	} else {
		ok(0, "D opens");
	}
	ok(!cached(cdir, hd), "a read stopped early leaves no copy");
	{	/* the size known: a copy as soon as it is read, without the end */
		struct blob_key k = *key(hd);
		long got = 0;
		ssize_t n;
		k.size = 10;
		if (blob_open(c, &k, &r, &err) == SYM_OK) {
			while (got < 10 && (n = blob_read(r, buf + got, (size_t)(10 - got))) > 0)
				got += n;
			ok(got == 10 && cached(cdir, hd), "a reader that knows the size fills the cache at it");
			blob_close(r);
		} else {
			ok(0, "D opens again");
		}
	}
	blob_store_free(c);
	/* reopened: the copies are found, in the order of their times */
	sym_err_clear(&err);
	fs = NULL;
	if (blob_fs_open(&fs, fsdir, false, &err) == SYM_OK &&
	    blob_cache_open(&c, fs, cdir, 25, &err) == SYM_OK) {
		blob_cache_stats(c, &st);
		ok(st.files == 2 && st.bytes == 20, "reopened, the cache finds its 2 copies");
		blob_store_free(c);
	} else {
		ok(0, "the cache reopens");
	}
	/* a blob larger than the whole budget is not kept */
	fs = NULL;
	if (blob_fs_open(&fs, fsdir, false, &err) == SYM_OK &&
	    blob_cache_open(&c, fs, cdir, 5, &err) == SYM_OK) {
		blob_cache_stats(c, &st);
		ok(st.files == 0 && st.bytes == 0, "a budget of 5 bytes evicts both 10-byte copies");
		ok(get(c, ha, buf, sizeof(buf)) == 10 && !cached(cdir, ha),
		   "a blob larger than the budget is served but not kept");
		blob_store_free(c);
	} else {
		ok(0, "the cache reopens with a small budget");
	}
}

static struct blob_s3_config s3_config(const char *url, const char *scratch)
{
	struct blob_s3_config c;

	memset(&c, 0, sizeof(c));
	c.url = url;
	c.region = getenv("S3_REGION");
	c.access_key = getenv("S3_ACCESS_KEY");
	c.secret_key = getenv("S3_SECRET_KEY");
	c.scratch_dir = scratch;
	c.timeout_ms = 3000;
	c.retries = 1;
	c.list_page = 2;	/* listings of the contract take several pages */
	return c;
}

int main(int argc, char **argv)
{
	char dir[] = "/tmp/blobtest.XXXXXX", cmd[4200];
	struct blob_store *b = NULL;
	struct sym_err err;
	struct blob_s3_config c;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	sym_err_clear(&err);
	if (argc == 3 && strcmp(argv[1], "--s3-open") == 0) {
		c = s3_config(argv[2], dir);
		if (blob_s3_open(&b, &c, &err) != SYM_OK) {
			printf("code %d: %s\n", (int)err.code, err.msg);
			rmdir(dir);
			return 1;
		}
		blob_store_free(b);
		rmdir(dir);
		return 0;
	}
	if (argc == 6 && strcmp(argv[1], "--s3-get") == 0) {
		struct blob_key k = { argv[5], argv[3], argv[4], 0 };
		struct blob_reader *r;
		char buf[4096];
		ssize_t n;
		int rc = 1;

		c = s3_config(argv[2], dir);
		if (blob_s3_open(&b, &c, &err) == SYM_OK && blob_open(b, &k, &r, &err) == SYM_OK) {
			while ((n = blob_read(r, buf, sizeof(buf))) > 0)
				fwrite(buf, 1, (size_t)n, stdout);
			rc = n == 0 ? 0 : 1;
			blob_close(r);
		} else {
			printf("code %d: %s\n", (int)err.code, err.msg);
		}
		blob_store_free(b);
		rmdir(dir);
		return rc;
	}
	if (argc == 3 && strcmp(argv[1], "--s3") == 0) {
		c = s3_config(argv[2], dir);
		ok(blob_s3_open(&b, &c, &err) == SYM_OK, "blob_s3 opens the bucket");
		if (!b)
			printf("# %s\n", err.msg);
		else
			contract(b, false, dir);
		ok(count_dir(dir) == 0, "the writers left nothing in the scratch directory");
	} else {
		ok(blob_fs_open(&b, dir, true, &err) == SYM_OK, "blob_fs opens a new store");
		contract(b, true, dir);
		test_list_parse();
		test_parse_url();
		test_cache(dir);
	}
	blob_store_free(b);
	printf("1..%d\n", ntest);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	return nfail ? 1 : 0;
}
