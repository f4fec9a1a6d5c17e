/* ordered.h - pieces of work read on a pool and handed over in order.
 *
 * A job of n pieces: each piece is run (its work done into buffers of its
 * own) on whichever thread gets to it, and handed over (merged) in piece
 * order, 0, 1, 2 ..., by whichever thread ends the next piece in that order,
 * under the job's lock.  At most `window` pieces are out (submitted and not
 * yet handed over), so a job's buffers stay a few pieces' worth however
 * many pieces it has.  The thread that started the job works too
 * (ordered_finish()): it runs the next piece nobody has started, or the
 * latest one still queued, or waits for the oldest one out.
 *
 * A merge may stop the job: the pieces after it are neither run nor handed
 * over.  So a job behaves as the loop `for i: run(i); if (!merge(i)) break;`
 * on one thread, which is what a pool without workers does.
 */
#ifndef SYM_ORDERED_H
#define SYM_ORDERED_H

#include <stdbool.h>
#include <stddef.h>

struct pool;
struct ordered;

struct ordered_ops {
	/* Does piece i's work; on any thread, without the job's lock, once
	 * for each piece that is not skipped. */
	void (*run)(void *ctx, size_t i);
	/* Hands piece i over; under the job's lock, in order.  False stops
	 * the job after i. */
	bool (*merge)(void *ctx, size_t i);
};

/* Starts a job of n pieces on p (which may have no workers), with at
 * most `window` out at once (at least 1); the pieces are submitted at
 * once up to the window.  NULL when out of memory (nothing was run). */
struct ordered *ordered_start(struct pool *p, size_t n, size_t window,
			      const struct ordered_ops *ops, void *ctx);

/* Returns when every piece has been handed over or skipped, this thread
 * working meanwhile.  Then: */
void ordered_drain(struct ordered *o);
/* the number of pieces handed over (n unless a merge stopped the job, in
 * which case the piece that stopped it is the last one), */
size_t ordered_merged(const struct ordered *o);
/* and how many of them a thread other than the starting one ran. */
size_t ordered_by_worker(const struct ordered *o);

/* Stops the job (no more pieces run or handed over) and waits for the
 * pieces already running. */
void ordered_cancel(struct ordered *o);

/* Frees a drained or cancelled job. */
void ordered_free(struct ordered *o);

/* The window a job on p uses: a few pieces per worker and one for the
 * starting thread to take. */
size_t ordered_window(const struct pool *p);

#endif
