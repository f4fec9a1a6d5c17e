#include "config.h"
#include "pool.h"

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

enum { QUEUED, RUNNING, DONE };

struct pool {
	pthread_mutex_t mu;
	pthread_cond_t work;	/* a task was queued, or stop */
	pthread_cond_t done;	/* a task finished */
	struct pool_task *head, *tail;
	bool stop;
	unsigned nthreads;
	pthread_t threads[];
};

unsigned pool_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > 1024 ? 1024 : (unsigned)n;
}

static void *worker(void *arg)
{
	struct pool *p = arg;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		struct pool_task *t;

		while (!p->head && !p->stop)
			pthread_cond_wait(&p->work, &p->mu);
		if (!p->head)
			break;
		t = p->head;
		p->head = t->next;
		if (!p->head)
			p->tail = NULL;
		t->state = RUNNING;
		pthread_mutex_unlock(&p->mu);
		t->fn(t->arg);
		pthread_mutex_lock(&p->mu);
		t->state = DONE;
		pthread_cond_broadcast(&p->done);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

struct pool *pool_create(unsigned workers)
{
	struct pool *p = calloc(1, sizeof(*p) + workers * sizeof(pthread_t));

	if (!p)
		return NULL;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->done, NULL);
	for (; p->nthreads < workers; p->nthreads++)
		if (pthread_create(&p->threads[p->nthreads], NULL, worker, p) != 0) {
			pool_destroy(p);
			return NULL;
		}
	return p;
}

void pool_destroy(struct pool *p)
{
	unsigned i;

	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = true;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
	for (i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	/* with no workers, what is left queued runs here */
	while (p->head) {
		struct pool_task *t = p->head;

		p->head = t->next;
		t->state = RUNNING;
		t->fn(t->arg);
		t->state = DONE;
	}
	pthread_cond_destroy(&p->done);
	pthread_cond_destroy(&p->work);
	pthread_mutex_destroy(&p->mu);
	free(p);
}

unsigned pool_workers(const struct pool *p)
{
	return p ? p->nthreads : 0;
}

void pool_submit(struct pool *p, struct pool_task *t)
{
	t->pool = p;
	t->next = NULL;
	pthread_mutex_lock(&p->mu);
	t->state = QUEUED;
	if (p->tail)
		p->tail->next = t;
	else
		p->head = t;
	p->tail = t;
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->mu);
}

bool pool_claim(struct pool_task *t)
{
	struct pool *p = t->pool;
	struct pool_task **pp, *prev = NULL;
	bool claimed = false;

	pthread_mutex_lock(&p->mu);
	if (t->state == QUEUED) {
		for (pp = &p->head; *pp && *pp != t; pp = &(*pp)->next)
			prev = *pp;
		if (*pp) {
			*pp = t->next;
			if (p->tail == t)
				p->tail = prev;
			t->state = RUNNING;
			claimed = true;
		}
	}
	pthread_mutex_unlock(&p->mu);
	return claimed;
}

void pool_done(struct pool_task *t)
{
	struct pool *p = t->pool;

	pthread_mutex_lock(&p->mu);
	t->state = DONE;
	pthread_cond_broadcast(&p->done);
	pthread_mutex_unlock(&p->mu);
}

void pool_wait(struct pool_task *t)
{
	struct pool *p = t->pool;

	if (pool_claim(t)) {
		t->fn(t->arg);
		pool_done(t);
		return;
	}
	pthread_mutex_lock(&p->mu);
	while (t->state != DONE)
		pthread_cond_wait(&p->done, &p->mu);
	pthread_mutex_unlock(&p->mu);
}
