/* pool.h - a fixed set of worker threads running submitted tasks.
 *
 * A program of N jobs makes a pool of N - 1 workers: the calling thread is
 * the Nth, and it works too, since a thread that waits for a task nobody
 * has started runs it itself (pool_claim()).  So waiting never deadlocks
 * however few workers there are, and a pool of 0 workers runs every task
 * in the thread that waits for it.
 *
 * Tasks run in the order they were submitted, each once.  The pool does
 * not own a task's memory; the submitter keeps it until the task is done
 * (pool_wait()) or claimed.
 */
#ifndef SYM_POOL_H
#define SYM_POOL_H

#include <stdbool.h>
#include <stddef.h>

struct pool;

struct pool_task {
	void (*fn)(void *arg);
	void *arg;
	/* the pool's */
	struct pool *pool;
	struct pool_task *next;
	int state;		/* queued, running, done */
};

/* The number of online CPUs, at least 1. */
unsigned pool_cpus(void);

/* A pool of `workers` threads (0 is allowed); NULL when out of memory or
 * threads cannot be started. */
struct pool *pool_create(unsigned workers);

/* Waits for the queued and running tasks, then stops the workers. */
void pool_destroy(struct pool *p);

unsigned pool_workers(const struct pool *p);

/* Queues t (fn and arg set by the caller). */
void pool_submit(struct pool *p, struct pool_task *t);

/* Takes t off the queue if no worker has started it: the caller must then
 * run t->fn itself (pool_done() after it).  False when it is running or
 * done. */
bool pool_claim(struct pool_task *t);

/* Marks a claimed task done. */
void pool_done(struct pool_task *t);

/* Returns when t is done; runs it here when nobody has started it. */
void pool_wait(struct pool_task *t);

#endif
