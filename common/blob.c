/* blob.c - the blob interface: checks the names, then calls the backend. */
#include "config.h"
#include "blob.h"

#include <string.h>


bool blob_hash_ok(const char *hash)
{
	int i;

	for (i = 0; i < 64; i++)
		if (!((hash[i] >= '0' && hash[i] <= '9') || (hash[i] >= 'a' && hash[i] <= 'f')))
			return false;
	return hash[64] == '\0';
}

/* Looser than store_name_ok(), whose rule is newer than some stores'
 * records. */
bool blob_part_ok(const char *s)
{
	size_t i;

	if (!s || !s[0] || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (i = 0; s[i]; i++)
		if (i >= 255 || (unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e || s[i] == '/')
			return false;
	return true;
}

bool blob_key_ok(const struct blob_key *k)
{
	return k->hash && blob_hash_ok(k->hash) && blob_part_ok(k->debug_file) && blob_part_ok(k->debug_id);
}

static enum sym_code bad_key(struct sym_err *err)
{
	return sym_fail(err, SYM_EUSAGE,
			"not a blob key (a hash of 64 lower-case hex digits, a debug file and id)");
}

enum sym_code blob_begin(struct blob_store *b, struct blob_writer **out, struct sym_err *err)
{
	*out = NULL;
	return b->ops->begin(b, out, err);
}

enum sym_code blob_write(struct blob_writer *w, const void *p, size_t n, struct sym_err *err)
{
	return n ? w->ops->write(w, p, n, err) : SYM_OK;
}

enum sym_code blob_commit(struct blob_writer *w, const struct blob_key *k, uint64_t *size,
			  struct sym_err *err)
{
	if (!blob_key_ok(k)) {
		w->ops->abort(w);
		return bad_key(err);
	}
	return w->ops->commit(w, k, size, err);
}

void blob_abort(struct blob_writer *w)
{
	if (w)
		w->ops->abort(w);
}

void blob_create_only(struct blob_writer *w)
{
	w->create_only = true;
}

enum sym_code blob_open(struct blob_store *b, const struct blob_key *k, struct blob_reader **out,
			struct sym_err *err)
{
	*out = NULL;
	if (!blob_key_ok(k))
		return bad_key(err);
	return b->ops->open(b, k, out, err);
}

enum sym_code blob_open_any(struct blob_store *b, const char *debug_file, const char *debug_id,
			    struct blob_reader **out, struct sym_err *err)
{
	struct blob_key k = { NULL, debug_file, debug_id, 0 };

	*out = NULL;
	if (!b->ops->keyed)
		return sym_fail(err, SYM_EUSAGE, "the %s backend names blobs by content only",
				b->ops->name);
	if (!blob_part_ok(debug_file) || !blob_part_ok(debug_id))
		return bad_key(err);
	return b->ops->open(b, &k, out, err);
}

ssize_t blob_read(struct blob_reader *r, void *buf, size_t n)
{
	return n ? r->ops->read(r, buf, n) : 0;
}

void blob_close(struct blob_reader *r)
{
	if (r)
		r->ops->close(r);
}

enum sym_code blob_stat(struct blob_store *b, const struct blob_key *k, uint64_t *size,
			struct sym_err *err)
{
	if (!blob_key_ok(k))
		return bad_key(err);
	return b->ops->stat(b, k, size, err);
}

enum sym_code blob_remove(struct blob_store *b, const struct blob_key *k, struct sym_err *err)
{
	if (!blob_key_ok(k))
		return bad_key(err);
	return b->ops->remove(b, k, err);
}

enum sym_code blob_list(struct blob_store *b,
			int (*fn)(void *ctx, const struct blob_key *k, uint64_t size),
			void *ctx, struct sym_err *err)
{
	return b->ops->list(b, fn, ctx, err);
}

void blob_store_free(struct blob_store *b)
{
	if (b)
		b->ops->free(b);
}
