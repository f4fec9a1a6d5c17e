/* obj_job.c - decompressing sections, in the caller's thread or ahead of
 * it on a pool (obj_prefetch).
 *
 * A section a worker decompresses has a job (struct obj_job); obj_section()
 * waits for the job to finish.  The one section a reader takes in order,
 * front to back (.debug_info), is streamed: the reader asks for the bytes
 * up to an offset (obj_stream_need()) and the worker stays at most
 * OBJ_STREAM_WINDOW bytes ahead of the furthest offset asked for, so the
 * decompressed bytes the reader has released (MADV_DONTNEED) and the ones
 * not yet asked for never add up to the section.  A stream's task ends
 * when its window is full (the worker takes other tasks) and is queued
 * again as the reader reads on (stream_run()).  Without workers (-j 1),
 * the reader decompresses the streamed section itself, a step at a time,
 * as far as it asks (reader_steps()).  Whatever the pool does,
 * the bytes, the errors and their messages are those of the synchronous
 * path, so a conversion's output does not depend on the number of jobs.
 *
 * A zlib section decompressed whole, not streamed, is decompressed in one
 * call to libdeflate, about twice as fast as zlib's inflate on the debug
 * sections Debian ships; it accepts and refuses what inflate does (a
 * stream that ends with exactly the declared size, bytes after its end
 * ignored), which tests/unit and fuzz_inflate check against zlib.  The
 * streamed section needs a decoder that stops and goes on: zlib's.
 */
#include "config.h"
#include "obj.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <libdeflate.h>
#include <zlib.h>
#include <zstd.h>

#include "pool.h"
#include "testenv.h"

/* A decompressed section may not exceed this many bytes, nor 1000 times
 * its compressed size: a guard against decompression bombs. */
#define MAX_INFLATED ((uint64_t)16 << 30)
/* the bytes decompressed per step: a streaming reader sees them by steps
 * (of at most half its window) */
#define STEP ((size_t)1 << 20)

struct obj_job;

/* Called after each step with the bytes done; false stops. */
typedef bool (*step_fn)(struct obj_job *j, size_t done);

/* SYM_TEST_STREAM_WINDOW=N (64 to OBJ_STREAM_WINDOW bytes) narrows the
 * window, so that tests see a streamed section arrive in many steps. */
static size_t stream_window(void)
{
	return (size_t)testenv_num("SYM_TEST_STREAM_WINDOW", 64, OBJ_STREAM_WINDOW, OBJ_STREAM_WINDOW);
}

/* The compressed bytes of a section in a file's mapping are read once:
 * the pages decompressed past are given back (they would fault in again
 * from the file), so a file's compressed sections do not stay resident
 * beside what they decompress to.  drop: in[0..*dropped) is given back;
 * consumed: in[0..consumed) has been read. */
struct in_drop {
	bool on;	/* in lies in a read-only mapping of a file */
	size_t dropped;
};

static void drop_input(struct in_drop *d, const uint8_t *in, size_t consumed)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), start, end;

	if (!d->on || consumed < d->dropped + ((size_t)1 << 20))
		return;
	start = ((uintptr_t)in + d->dropped + page - 1) & ~(page - 1);
	end = ((uintptr_t)in + consumed) & ~(page - 1);
	if (end > start)
		madvise((void *)start, end - start, MADV_DONTNEED);
	d->dropped = consumed;
}

/* A decompression in steps of at most per bytes, which its caller drives:
 * a worker to the end (decompress()), or a reader as far as it needs
 * (a streamed section without a worker, job_need()). */
struct decoder {
	enum obj_comp_kind kind;
	const uint8_t *in;
	size_t in_size;
	uint8_t *out;
	size_t out_size;
	size_t per;
	struct in_drop drop;
	z_stream zs;
	bool zs_open;
	size_t in_left;
	int zr;
	ZSTD_DStream *z;
	ZSTD_inBuffer ib;
	ZSTD_outBuffer ob;
	size_t r;
	size_t done;	/* bytes decompressed */
	bool more;	/* dec_step() may be called again */
	bool stepped;	/* the last step decoded without an error */
};

struct obj_job {
	struct pool_task task;
	struct obj *o;
	struct obj_section *s;
	struct obj_comp comp;
	uint8_t *out;
	struct obj_section view;	/* the streamed section as its reader sees it */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	size_t avail;		/* bytes decompressed so far */
	size_t need;		/* the furthest offset a reader asked for */
	size_t window;		/* 0: no limit */
	size_t step;
	bool finished, cancel;
	bool inline_run;	/* run by its reader, no worker having started it */
	bool by_reader;		/* a stream without a worker: its reader
				 * decompresses as far as it needs (dec) */
	bool paused;		/* a stream with a worker: its task ended
				 * with the window full; the reader submits
				 * it again once it has read on (job_need) */
	bool dec_open;
	bool whole_tried;	/* by_reader: decompressing it whole was tried */
	struct decoder dec;
	unsigned long steps, held, waited;	/* SYM_TEST_STREAM_STATS */
	enum sym_code rc;	/* when finished */
	struct sym_err err;
};

/* 0, or -3 out of memory. */
static int dec_init(struct decoder *d, const struct obj_comp *c, uint8_t *out, size_t per,
		    bool drop)
{
	memset(d, 0, sizeof(*d));
	d->kind = c->kind;
	d->in = c->in;
	d->in_size = c->in_size;
	d->out = out;
	d->out_size = (size_t)c->out_size;
	d->per = per;
	d->drop.on = drop;
	d->more = true;
	if (d->kind == OBJ_COMP_ZSTD) {
		if (!(d->z = ZSTD_createDStream()))
			return -3;
		/* decompressed by steps, zstd keeps a window of its own:
		 * allow any a 64-bit decoder allows (ZSTD_WINDOWLOG_MAX_64),
		 * as decompressing in one call would (a frame's window is
		 * never larger than its content) */
		ZSTD_DCtx_setParameter(d->z, ZSTD_d_windowLogMax, 31);
		d->ib = (ZSTD_inBuffer){ d->in, d->in_size, 0 };
		d->ob = (ZSTD_outBuffer){ out, 0, 0 };
		return 0;
	}
	if (inflateInit(&d->zs) != Z_OK)
		return -3;
	d->zs_open = true;
	d->zs.next_in = (Bytef *)d->in;
	d->zs.next_out = out;
	d->in_left = d->in_size;
	return 0;
}

/* One step: d->done, d->stepped and d->more tell what it did. */
static void dec_step(struct decoder *d)
{
	if (d->kind == OBJ_COMP_ZSTD) {
		d->ob.size = d->out_size - d->ob.pos > d->per ? d->ob.pos + d->per : d->out_size;
		d->r = ZSTD_decompressStream(d->z, &d->ob, &d->ib);
		drop_input(&d->drop, d->in, d->ib.pos);
		d->done = d->ob.pos;
		d->stepped = !ZSTD_isError(d->r);
		d->more = !ZSTD_isError(d->r) && d->r != 0 &&
			  (d->ib.pos < d->ib.size || d->ob.pos == d->ob.size) && d->ob.pos < d->out_size;
		return;
	}
	{
		z_stream *zs = &d->zs;
		size_t chunk;

		if (zs->avail_in == 0) {
			zs->avail_in = d->in_left > (1u << 30) ? (1u << 30) : (uInt)d->in_left;
			d->in_left -= zs->avail_in;
		}
		chunk = d->out_size - d->done > d->per ? d->per : d->out_size - d->done;
		zs->avail_out = (uInt)chunk;
		d->zr = inflate(zs, Z_NO_FLUSH);
		d->done += chunk - zs->avail_out;
		drop_input(&d->drop, d->in, (size_t)(zs->next_in - (const Bytef *)d->in));
		d->stepped = d->zr == Z_OK || d->zr == Z_STREAM_END;
		d->more = d->zr == Z_OK && (zs->avail_in || d->in_left) && d->done < d->out_size;
	}
}

static void dec_free(struct decoder *d)
{
	if (d->zs_open)
		inflateEnd(&d->zs);
	d->zs_open = false;
	ZSTD_freeDStream(d->z);
	d->z = NULL;
}

/* After the last step: 0, or -1 when the data do not decompress to
 * exactly out_size bytes, -3 out of memory. */
static int dec_finish(struct decoder *d)
{
	int rc;

	if (d->kind == OBJ_COMP_ZSTD) {
		/* the frame must end with the section's bytes */
		if (!ZSTD_isError(d->r) && d->r != 0 && d->ob.pos == d->out_size) {
			uint8_t extra;
			ZSTD_outBuffer eb = { &extra, 1, 0 };

			d->r = ZSTD_decompressStream(d->z, &eb, &d->ib);
			if (eb.pos)
				d->r = 1;
		}
		rc = !ZSTD_isError(d->r) && d->r == 0 && d->ob.pos == d->out_size ? 0 : -1;
	} else {
		z_stream *zs = &d->zs;

		/* a stream that ends exactly at out_size still owes
		 * Z_STREAM_END */
		if (d->zr == Z_OK && d->done == d->out_size && (zs->avail_in || d->in_left)) {
			uint8_t extra;

			zs->next_out = &extra;
			zs->avail_out = 1;
			d->zr = inflate(zs, Z_NO_FLUSH);
			if (zs->avail_out == 0)
				d->zr = Z_DATA_ERROR;
		}
		rc = d->zr == Z_STREAM_END && zs->total_out == d->out_size ? 0
			: d->zr == Z_MEM_ERROR ? -3 : -1;
	}
	dec_free(d);
	return rc;
}

static enum sym_code check_claim(struct obj *o, const struct obj_section *s,
				 const struct obj_comp *c, struct sym_err *err)
{
	if (c->out_size > MAX_INFLATED || c->out_size / 1000 > c->in_size || c->out_size > SIZE_MAX)
		return sym_fail(err, SYM_ELIMIT, "section %s of '%s' claims %llu bytes uncompressed",
				s->name, o->path, (unsigned long long)c->out_size);
	return SYM_OK;
}

static enum sym_code dec_error(struct obj *o, const struct obj_section *s, int r,
				struct sym_err *err)
{
	switch (r) {
	case 0: return SYM_OK;
	case -2: return sym_fail(err, SYM_EIO, "decompressing section %s of '%s' was stopped",
				 s->name, o->path);
	case -3: return sym_fail(err, SYM_ENOMEM, "out of memory decompressing section %s of '%s'",
				 s->name, o->path);
	default: return sym_fail(err, SYM_EFORMAT, "section %s of '%s' does not decompress to its declared size",
				 s->name, o->path);
	}
}

int obj_inflate_whole(const uint8_t *in, size_t in_size, uint8_t *out, size_t out_size)
{
	struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
	enum libdeflate_result r;

	if (!d)
		return -3;
	/* with no actual_out_nbytes_ret, anything but exactly out_size
	 * bytes is an error (LIBDEFLATE_SHORT_OUTPUT or _INSUFFICIENT_SPACE) */
	r = libdeflate_zlib_decompress(d, in, in_size, out, out_size, NULL);
	libdeflate_free_decompressor(d);
	return r == LIBDEFLATE_SUCCESS ? 0 : -1;
}

/* Decompresses all of c into out, calling step (when not NULL) after each
 * step that decoded without an error.  zlib in one call: step is called
 * once, at the end, and a job cannot stop it halfway. */
static enum sym_code decompress(struct obj *o, const struct obj_section *s, const struct obj_comp *c,
				uint8_t *out, step_fn step, struct obj_job *j, struct sym_err *err)
{
	struct decoder d;
	int r;

	if (c->kind == OBJ_COMP_ZLIB) {
		struct in_drop drop = { .on = o->mapped };

		r = obj_inflate_whole(c->in, c->in_size, out, (size_t)c->out_size);
		drop_input(&drop, c->in, c->in_size);
		if (!r && step && !step(j, (size_t)c->out_size))
			r = -2;
		return dec_error(o, s, r, err);
	}
	r = dec_init(&d, c, out, j && j->step ? j->step : STEP, o->mapped);
	if (r == 0) {
		do {
			dec_step(&d);
			if (step && d.stepped && !step(j, d.done)) {
				r = -2;
				break;
			}
		} while (d.more);
		r = r ? r : dec_finish(&d);
	}
	dec_free(&d);
	return dec_error(o, s, r, err);
}

static void set_loaded(struct obj_section *s, uint8_t *out, uint64_t size)
{
	s->data = out;
	s->size = (size_t)size;
	s->owned = out;
	s->releasable = true;
}

enum sym_code obj_decompress(struct obj *o, struct obj_section *s, const struct obj_comp *c,
			     struct sym_err *err)
{
	enum sym_code rc = check_claim(o, s, c, err);
	uint8_t *out;

	if (rc)
		return rc;
	out = malloc(c->out_size ? (size_t)c->out_size : 1);
	if (!out)
		return sym_fail(err, SYM_ENOMEM, "out of memory decompressing section %s of '%s'",
				s->name, o->path);
	rc = decompress(o, s, c, out, NULL, NULL, err);
	if (rc) {
		free(out);
		return rc;
	}
	set_loaded(s, out, c->out_size);
	return SYM_OK;
}

/* ---- jobs -------------------------------------------------------------- */

/* After each step of a section decompressed whole (a stream's task is
 * stream_run()). */
static bool job_step(struct obj_job *j, size_t done)
{
	bool go;

	pthread_mutex_lock(&j->mu);
	j->avail = done;
	j->steps++;
	pthread_cond_broadcast(&j->cv);
	go = !j->cancel;
	pthread_mutex_unlock(&j->mu);
	return go;
}

static void job_run(void *arg)
{
	struct obj_job *j = arg;
	struct sym_err e;
	enum sym_code rc;

	sym_err_clear(&e);
	rc = decompress(j->o, j->s, &j->comp, j->out, job_step, j, &e);
	pthread_mutex_lock(&j->mu);
	j->rc = rc;
	j->err = e;
	if (rc == SYM_OK)
		j->avail = (size_t)j->comp.out_size;
	j->finished = true;
	pthread_cond_broadcast(&j->cv);
	pthread_mutex_unlock(&j->mu);
}

/* Ends a stream's decoding (r: 0, or dec_init()'s or a stop's error) and
 * the job with it. */
static void dec_end(struct obj_job *j, int r)
{
	if (!r)
		r = dec_finish(&j->dec);
	dec_free(&j->dec);
	j->dec_open = false;
	j->rc = dec_error(j->o, j->s, r, &j->err);
	if (j->rc == SYM_OK)
		j->avail = (size_t)j->comp.out_size;
	j->finished = true;
}

/* The task of a stream with a worker: decompresses (with the decoder kept
 * in the job) until the window is full, then ends, so that the worker is
 * free for other tasks (a unit's line program) while the reader catches
 * up, instead of waiting for it; job_need() submits it again. */
static void stream_run(void *arg)
{
	struct obj_job *j = arg;
	int r = 0;

	pthread_mutex_lock(&j->mu);
	if (!j->dec_open && !j->finished) {
		r = dec_init(&j->dec, &j->comp, j->out, j->step, j->o->mapped);
		j->dec_open = r == 0;
	}
	while (!r && !j->finished) {
		if (j->cancel) {
			r = -2;
			break;
		}
		if (j->avail >= j->need + j->window && j->avail < j->comp.out_size) {
			j->held++;
			j->paused = true;
			pthread_mutex_unlock(&j->mu);
			return;
		}
		/* the reader reads the bytes before avail only, and leaves
		 * the decoder to this task while it runs */
		pthread_mutex_unlock(&j->mu);
		dec_step(&j->dec);
		pthread_mutex_lock(&j->mu);
		if (j->dec.stepped) {
			j->avail = j->dec.done;
			j->steps++;
			pthread_cond_broadcast(&j->cv);
		}
		if (!j->dec.more)
			break;
	}
	dec_end(j, r);
	pthread_cond_broadcast(&j->cv);
	pthread_mutex_unlock(&j->mu);
}

/* A stream without a worker: its reader decompresses the steps it needs,
 * with the step a worker would take.  zlib that fits in the window is
 * first decompressed whole, twice as fast (libdeflate), in the memory the
 * stream could take; if it does not decompress, it is read in steps after
 * all, so that the reader sees the bytes before the damage, and the error,
 * as a worker would give them. */
static void reader_steps(struct obj_job *j, size_t upto, bool to_end)
{
	int r = 0;

	if (!j->dec_open && !j->whole_tried && j->comp.kind == OBJ_COMP_ZLIB &&
	    j->comp.out_size <= j->window) {
		j->whole_tried = true;
		if (obj_inflate_whole(j->comp.in, j->comp.in_size, j->out,
				      (size_t)j->comp.out_size) == 0) {
			struct in_drop drop = { .on = j->o->mapped };

			drop_input(&drop, j->comp.in, j->comp.in_size);
			j->inline_run = true;
			j->steps++;
			j->avail = (size_t)j->comp.out_size;
			j->rc = SYM_OK;
			j->finished = true;
			return;
		}
	}
	if (!j->dec_open) {
		r = dec_init(&j->dec, &j->comp, j->out, j->step, j->o->mapped);
		j->dec_open = r == 0;
		j->inline_run = true;
	}
	while (!r && (j->avail < upto || to_end)) {
		dec_step(&j->dec);
		if (j->dec.stepped) {
			j->avail = j->dec.done;
			j->steps++;
		}
		if (!j->dec.more)
			break;
	}
	if (!r && j->dec.more)
		return;
	dec_end(j, r);
}

/* Waits until the job has decompressed upto bytes, or, for the end, until
 * it has finished (a stream's checksum comes after its last byte); runs a
 * job that is not streamed here when no worker has started it.  SYM_OK, or
 * the job's error (into err unless err holds one already). */
static enum sym_code job_need(struct obj_job *j, size_t upto, struct sym_err *err)
{
	const bool to_end = upto >= j->comp.out_size;
	enum sym_code rc = SYM_OK;

	pthread_mutex_lock(&j->mu);
	if (j->by_reader && !j->finished && (j->avail < upto || to_end))
		reader_steps(j, upto, to_end);
	if (upto > j->need) {
		j->need = upto;
		pthread_cond_broadcast(&j->cv);
	}
	/* a paused stream goes on when the reader needs what it has not
	 * decompressed, or has room for half a window: not for every unit */
	if (j->paused && !j->cancel && (j->avail < upto || j->avail < j->need + j->window / 2)) {
		j->paused = false;
		pthread_mutex_unlock(&j->mu);
		/* its task set paused before it ended: wait until the pool
		 * has it done, then queue it again */
		pool_wait(&j->task);
		pool_submit(j->task.pool, &j->task);
		pthread_mutex_lock(&j->mu);
	}

	while (!j->finished && (j->avail < upto || to_end)) {
		/* a section decompressed whole that no worker has started is
		 * decompressed here; a streamed one is left to the workers,
		 * whose other jobs all end without this thread's help (only
		 * one section is streamed), or it would arrive whole */
		if (!j->window) {
			pthread_mutex_unlock(&j->mu);
			if (pool_claim(&j->task)) {
				j->inline_run = true;
				job_run(j);
				pool_done(&j->task);
			}
			pthread_mutex_lock(&j->mu);
		}
		if (!j->finished && (j->avail < upto || to_end)) {
			j->waited++;
			pthread_cond_wait(&j->cv, &j->mu);
		}
	}
	if (j->avail < upto || (to_end && j->rc)) {
		rc = j->rc;
		if (err->code == SYM_OK)	/* the first error stands, as sym_fail() keeps it */
			*err = j->err;
	}
	pthread_mutex_unlock(&j->mu);
	return rc;
}

/* Stops the job and waits for it.  A section whose job finished is loaded
 * from it; one whose job was stopped is as it was, to be loaded in this
 * thread if it is asked for again. */
static void job_end(struct obj_job *j)
{
	struct obj_section *s = j->s;

	pthread_mutex_lock(&j->mu);
	j->cancel = true;
	pthread_cond_broadcast(&j->cv);
	pthread_mutex_unlock(&j->mu);
	if (!j->by_reader)
		pool_wait(&j->task);
	/* the decoder of a stream stopped halfway (paused, or -j 1) */
	dec_free(&j->dec);
	if (getenv("SYM_TEST_STREAM_STATS"))
		/* for the tests: how the section arrived */
		fprintf(stderr, "dumpsyms: stats: %s %s: %zu bytes, %s, %lu steps, "
			"held %lu times by the window, reader waited %lu times\n",
			s->name, j->window ? "streamed" : "whole", (size_t)j->comp.out_size,
			j->inline_run ? "by its reader" : "by a worker", j->steps, j->held, j->waited);
	if (!s->loaded && j->finished && j->rc == SYM_OK) {
		s->loaded = true;
		set_loaded(s, j->out, j->comp.out_size);
	} else if (!s->loaded || s->owned != j->out)
		free(j->out);
	pthread_cond_destroy(&j->cv);
	pthread_mutex_destroy(&j->mu);
	free(j);
}

void obj_prefetch(struct obj *o, struct pool *p, const char *const *names, size_t n,
		  const char *stream)
{
	const unsigned workers = p ? pool_workers(p) : 0;
	size_t i;

	if (!o->ops || !o->ops->compression)
		return;
	for (i = 0; i < n; i++) {
		struct obj_section *s = (struct obj_section *)obj_find_section(o, names[i]);
		struct obj_comp c;
		struct sym_err e;
		struct obj_job *j;

		bool streamed = stream && strcmp(stream, names[i]) == 0;

		/* without workers, only the streamed section has a job,
		 * which its reader runs a step at a time */
		if (!workers && !streamed)
			continue;
		if (!s || s->loaded || s->truncated || !s->compressed || s->kind == OBJ_SECT_NOBITS)
			continue;
		/* a bad header or claim is left to obj_section(), which says
		 * so in the reader's order */
		sym_err_clear(&e);
		if (o->ops->compression(o, s, &c, &e) != SYM_OK || check_claim(o, s, &c, &e) != SYM_OK ||
		    (!workers && !c.out_size))
			continue;
		j = calloc(1, sizeof(*j));
		if (!j)
			return;
		j->out = malloc(c.out_size ? (size_t)c.out_size : 1);
		if (!j->out) {
			free(j);
			return;
		}
		j->o = o;
		j->s = s;
		j->comp = c;
		/* an empty section is not streamed: its reader would take it
		 * for none and never ask */
		j->window = streamed && c.out_size ? stream_window() : 0;
		j->step = j->window && j->window / 2 < STEP ? j->window / 2 : STEP;
		pthread_mutex_init(&j->mu, NULL);
		pthread_cond_init(&j->cv, NULL);
		j->task.fn = j->window ? stream_run : job_run;
		j->task.arg = j;
		s->job = j;
		if (workers)
			pool_submit(p, &j->task);
		else
			j->by_reader = true;
	}
}

/* obj_section() on a section with a job: the whole section. */
enum sym_code obj_job_finish(struct obj_section *s, struct sym_err *err)
{
	struct obj_job *j = s->job;
	enum sym_code rc = job_need(j, (size_t)j->comp.out_size, err);

	/* as the synchronous path leaves it: loaded, with no data on an
	 * error */
	s->loaded = true;
	if (rc == SYM_OK)
		set_loaded(s, j->out, j->comp.out_size);
	return rc;
}

static void obj_job_end(struct obj_section *s)
{
	if (s->job) {
		job_end(s->job);
		s->job = NULL;
	}
}

void obj_prefetch_end(struct obj *o)
{
	for (size_t i = 0; i < o->nsections; i++)
		obj_job_end(&o->sections[i]);
}

const struct obj_section *obj_section_stream(struct obj *o, const char *name,
					     struct obj_stream **stream, struct sym_err *err)
{
	const struct obj_section *s = obj_find_section(o, name);

	*stream = NULL;
	if (s && !s->loaded && s->job && s->job->window) {
		/* its bytes arrive as obj_stream_need() asks for them; the
		 * section itself stays unloaded until the job ends */
		struct obj_job *j = s->job;

		j->view = *s;
		j->view.data = j->out;
		j->view.size = (size_t)j->comp.out_size;
		j->view.owned = j->out;
		j->view.releasable = true;
		*stream = (struct obj_stream *)j;
		return j->view.size ? &j->view : NULL;
	}
	return obj_section(o, name, err);
}

enum sym_code obj_stream_need(struct obj_stream *stream, uint64_t upto, struct sym_err *err)
{
	struct obj_job *j = (struct obj_job *)stream;

	if (upto > j->comp.out_size)
		upto = j->comp.out_size;
	return job_need(j, (size_t)upto, err);
}
