/* ordered.c - pieces of work read on a pool and handed over in order (see
 * ordered.h). */
#include "config.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include "ordered.h"
#include "pool.h"

struct piece {
	struct pool_task task;
	struct ordered *job;
	bool pooled;		/* submitted to the pool (else run by the owner) */
	bool ran, by_worker;
};

struct ordered {
	struct pool *pool;
	const struct ordered_ops *ops;
	void *ctx;
	pthread_t owner;	/* the thread of ordered_start() */
	struct piece *pc;
	size_t n, window;
	pthread_mutex_t mu;
	/* under mu */
	size_t submitted;	/* pc[0 .. submitted) were submitted (or run by
				 * the owner) */
	size_t merged;		/* pc[0 .. merged) were handed over */
	size_t stop_at;		/* n, or one past the piece that stopped it */
};

size_t ordered_window(const struct pool *p)
{
	return 2 * (size_t)pool_workers(p) + 1;
}

static void piece_run(void *arg);

/* Submits pieces while fewer than the window are out; under mu. */
static void fill(struct ordered *o)
{
	while (o->submitted < o->stop_at && o->submitted - o->merged < o->window) {
		struct piece *c = &o->pc[o->submitted++];

		c->task.fn = piece_run;
		c->task.arg = c;
		c->pooled = true;
		pool_submit(o->pool, &c->task);
	}
}

/* Hands the pieces that are ready over, in order; under mu. */
static void merge(struct ordered *o)
{
	while (o->merged < o->stop_at && o->pc[o->merged].ran) {
		size_t i = o->merged++;

		if (!o->ops->merge(o->ctx, i))
			o->stop_at = o->merged;
	}
}

static void piece_run(void *arg)
{
	struct piece *c = arg;
	struct ordered *o = c->job;
	size_t i = (size_t)(c - o->pc);
	bool skip;

	pthread_mutex_lock(&o->mu);
	skip = i >= o->stop_at;
	pthread_mutex_unlock(&o->mu);
	c->by_worker = !pthread_equal(pthread_self(), o->owner);
	if (!skip)
		o->ops->run(o->ctx, i);
	pthread_mutex_lock(&o->mu);
	c->ran = true;
	merge(o);
	fill(o);
	pthread_mutex_unlock(&o->mu);
}

struct ordered *ordered_start(struct pool *p, size_t n, size_t window,
			      const struct ordered_ops *ops, void *ctx)
{
	struct ordered *o = calloc(1, sizeof(*o));
	size_t i;

	if (!o || !(o->pc = calloc(n ? n : 1, sizeof(*o->pc)))) {
		free(o);
		return NULL;
	}
	o->pool = p;
	o->ops = ops;
	o->ctx = ctx;
	o->owner = pthread_self();
	o->n = n;
	o->stop_at = n;
	o->window = window ? window : 1;
	for (i = 0; i < n; i++)
		o->pc[i].job = o;
	pthread_mutex_init(&o->mu, NULL);
	pthread_mutex_lock(&o->mu);
	fill(o);
	pthread_mutex_unlock(&o->mu);
	return o;
}

void ordered_drain(struct ordered *o)
{
	for (;;) {
		struct piece *mine = NULL;
		size_t k, lo, hi, oldest = SIZE_MAX;

		pthread_mutex_lock(&o->mu);
		/* the next piece nobody has, one past the window at most */
		if (o->submitted < o->stop_at && o->submitted - o->merged <= o->window)
			mine = &o->pc[o->submitted++];
		else if (o->merged < o->stop_at)
			oldest = o->merged;
		lo = o->merged;
		hi = o->submitted;
		pthread_mutex_unlock(&o->mu);
		if (mine) {
			piece_run(mine);
			continue;
		}
		/* the latest a worker has not started */
		for (k = hi; k-- > lo;)
			if (o->pc[k].pooled && pool_claim(&o->pc[k].task)) {
				mine = &o->pc[k];
				break;
			}
		if (mine) {
			piece_run(mine);
			pool_done(&mine->task);
			continue;
		}
		if (oldest == SIZE_MAX)
			break;
		pool_wait(&o->pc[oldest].task);	/* running on a worker */
	}
	/* pieces past a stop were skipped, but may still be on a worker */
	for (size_t k = 0; k < o->n; k++)
		if (o->pc[k].pooled)
			pool_wait(&o->pc[k].task);
}

size_t ordered_merged(const struct ordered *o)
{
	return o->merged;
}

size_t ordered_by_worker(const struct ordered *o)
{
	size_t k, n = 0;

	for (k = 0; k < o->n; k++)
		n += o->pc[k].by_worker;
	return n;
}

void ordered_cancel(struct ordered *o)
{
	pthread_mutex_lock(&o->mu);
	o->stop_at = 0;
	pthread_mutex_unlock(&o->mu);
	ordered_drain(o);
}

void ordered_free(struct ordered *o)
{
	if (!o)
		return;
	pthread_mutex_destroy(&o->mu);
	free(o->pc);
	free(o);
}
