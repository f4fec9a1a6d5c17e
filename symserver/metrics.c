/* metrics.c - counters of requests, responses, uploads and store errors,
 * and GET /_metrics (Prometheus text format). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "blob_cache.h"
#include "server.h"

static const uint64_t bucket_usec[MET_BUCKETS] = {
	100, 250, 500, 1000, 2500, 5000, 10000, 25000, 100000, 500000, 2000000, UINT64_MAX,
};

void server_done(void *app, const char *route, unsigned status, uint64_t bytes, uint64_t usec)
{
	struct server *srv = app;
	struct metric_route *m = NULL;
	int i;

	pthread_mutex_lock(&srv->mu);
	for (i = 0; i < srv->nroutes; i++)
		if (srv->routes[i].name == route || strcmp(srv->routes[i].name, route) == 0) {
			m = &srv->routes[i];
			break;
		}
	if (!m && srv->nroutes < MET_ROUTES) {
		m = &srv->routes[srv->nroutes++];
		m->name = route;
	}
	if (m) {
		unsigned cls = status / 100;
		m->by_class[cls >= 1 && cls <= 5 ? cls - 1 : 5]++;
		m->usec_sum += usec;
		m->count++;
		for (i = 0; i < MET_BUCKETS; i++)
			if (usec <= bucket_usec[i])
				m->buckets[i]++;
	}
	/* every response, whatever answered it, is counted here */
	srv->by_code[status >= 100 && status < 600 ? status : 0]++;
	srv->bytes_out += bytes;
	pthread_mutex_unlock(&srv->mu);
}

void server_count_upload(struct server *srv, int outcome, const struct sym_record *rec,
			 const struct sym_record *old)
{
	bool remote = srv->store && store_is_remote(srv->store);

	pthread_mutex_lock(&srv->mu);
	/* over a bucket, the totals are counted again (server_refresh_stats()) */
	if (remote && outcome >= 0 && outcome != STORE_SAME && outcome != STORE_REFUSED) {
		srv->stats_dirty = true;
		rec = old = NULL;
	}
	if (outcome == STORE_NEW) {
		srv->up_new++;
		if (rec) {
			srv->stats.files++;
			srv->stats.bytes += rec->size;
			srv->stats.gz_bytes += rec->gz_size;
		}
	} else if (outcome == STORE_REPLACED || outcome == STORE_FORCED) {
		if (outcome == STORE_FORCED)
			srv->up_forced++;
		else
			srv->up_replaced++;
		if (rec) {
			srv->stats.bytes += rec->size - (old ? old->size : 0);
			srv->stats.gz_bytes += rec->gz_size - (old ? old->gz_size : 0);
		}
	} else if (outcome == STORE_SAME) {
		srv->up_same++;
	} else if (outcome == STORE_REFUSED) {
		srv->up_refused++;
	} else {
		srv->up_rejected++;
	}
	pthread_mutex_unlock(&srv->mu);
}

void server_store_error(struct server *srv, bool nospace, const char *msg)
{
	pthread_mutex_lock(&srv->mu);
	if (nospace)
		srv->store_err_nospace++;
	else
		srv->store_err_io++;
	pthread_mutex_unlock(&srv->mu);
	fprintf(stderr, "symserver: store error (%s): %s\n", nospace ? "disk full" : "I/O", msg);
}

void server_refresh_stats(struct server *srv)
{
	struct store_stats st;
	struct sym_err err;
	struct timespec t;
	uint64_t ch, now;

	if (!store_is_remote(srv->store))
		return;
	ch = store_changes(srv->store);
	clock_gettime(CLOCK_MONOTONIC, &t);
	now = (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
	pthread_mutex_lock(&srv->mu);
	if ((ch == srv->stats_changes && !srv->stats_dirty) || now - srv->stats_at < 1000) {
		pthread_mutex_unlock(&srv->mu);
		return;
	}
	srv->stats_changes = ch;
	srv->stats_dirty = false;
	srv->stats_at = now;
	pthread_mutex_unlock(&srv->mu);
	sym_err_clear(&err);
	if (store_stats(srv->store, &st, &err) != SYM_OK)
		return;
	pthread_mutex_lock(&srv->mu);
	srv->stats = st;
	pthread_mutex_unlock(&srv->mu);
}

void metrics_route(struct server *srv, struct http_req *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	static const char *cls[] = { "1xx", "2xx", "3xx", "4xx", "5xx", "other" };
	int i, j;

	if (!f) {
		http_respond(r, 500, "text/plain", "out of memory\n", 14);
		return;
	}
	server_refresh_stats(srv);
	pthread_mutex_lock(&srv->mu);
	fprintf(f, "# HELP symserver_requests_total Requests by route and status class.\n"
		   "# TYPE symserver_requests_total counter\n");
	for (i = 0; i < srv->nroutes; i++)
		for (j = 0; j < 6; j++)
			if (srv->routes[i].by_class[j])
				fprintf(f, "symserver_requests_total{route=\"%s\",status=\"%s\"} %llu\n",
					srv->routes[i].name, cls[j],
					(unsigned long long)srv->routes[i].by_class[j]);
	fprintf(f, "# HELP symserver_responses_total Responses by status (499: the client went away).\n"
		   "# TYPE symserver_responses_total counter\n");
	for (i = 100; i < 600; i++)
		if (srv->by_code[i])
			fprintf(f, "symserver_responses_total{code=\"%d\"} %llu\n", i,
				(unsigned long long)srv->by_code[i]);
	if (srv->by_code[0])
		fprintf(f, "symserver_responses_total{code=\"other\"} %llu\n",
			(unsigned long long)srv->by_code[0]);
	fprintf(f, "# HELP symserver_request_duration_seconds Request latency by route.\n"
		   "# TYPE symserver_request_duration_seconds histogram\n");
	for (i = 0; i < srv->nroutes; i++) {
		struct metric_route *m = &srv->routes[i];
		for (j = 0; j < MET_BUCKETS; j++) {
			if (bucket_usec[j] == UINT64_MAX)
				fprintf(f, "symserver_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n",
					m->name, (unsigned long long)m->buckets[j]);
			else
				fprintf(f, "symserver_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n",
					m->name, (double)bucket_usec[j] / 1e6, (unsigned long long)m->buckets[j]);
		}
		fprintf(f, "symserver_request_duration_seconds_sum{route=\"%s\"} %.6f\n",
			m->name, (double)m->usec_sum / 1e6);
		fprintf(f, "symserver_request_duration_seconds_count{route=\"%s\"} %llu\n",
			m->name, (unsigned long long)m->count);
	}
	fprintf(f, "# TYPE symserver_bytes_out_total counter\nsymserver_bytes_out_total %llu\n",
		(unsigned long long)srv->bytes_out);
	fprintf(f, "# TYPE symserver_symbol_hits_total counter\nsymserver_symbol_hits_total %llu\n",
		(unsigned long long)srv->hits);
	fprintf(f, "# TYPE symserver_symbol_misses_total counter\nsymserver_symbol_misses_total %llu\n",
		(unsigned long long)srv->misses);
	fprintf(f, "# TYPE symserver_not_modified_total counter\nsymserver_not_modified_total %llu\n",
		(unsigned long long)srv->not_modified);
	fprintf(f, "# TYPE symserver_code_redirects_total counter\nsymserver_code_redirects_total %llu\n",
		(unsigned long long)srv->redirects);
	fprintf(f, "# HELP symserver_uploads_total Symbol files received, by outcome.\n"
		   "# TYPE symserver_uploads_total counter\n"
		   "symserver_uploads_total{outcome=\"new\"} %llu\n"
		   "symserver_uploads_total{outcome=\"replaced\"} %llu\n"
		   "symserver_uploads_total{outcome=\"unchanged\"} %llu\n"
		   "symserver_uploads_total{outcome=\"rejected\"} %llu\n"
		   "symserver_uploads_total{outcome=\"refused\"} %llu\n"
		   "symserver_uploads_total{outcome=\"forced\"} %llu\n",
		(unsigned long long)srv->up_new, (unsigned long long)srv->up_replaced,
		(unsigned long long)srv->up_same, (unsigned long long)srv->up_rejected,
		(unsigned long long)srv->up_refused, (unsigned long long)srv->up_forced);
	fprintf(f, "# HELP symserver_store_errors_total Uploads the store could not take: "
		   "nospace (507), io (503).\n"
		   "# TYPE symserver_store_errors_total counter\n"
		   "symserver_store_errors_total{kind=\"nospace\"} %llu\n"
		   "symserver_store_errors_total{kind=\"io\"} %llu\n",
		(unsigned long long)srv->store_err_nospace, (unsigned long long)srv->store_err_io);
	fprintf(f, "# TYPE symserver_store_files gauge\nsymserver_store_files %llu\n"
		   "# TYPE symserver_store_bytes gauge\nsymserver_store_bytes %llu\n"
		   "# TYPE symserver_store_compressed_bytes gauge\nsymserver_store_compressed_bytes %llu\n",
		(unsigned long long)srv->stats.files, (unsigned long long)srv->stats.bytes,
		(unsigned long long)srv->stats.gz_bytes);
	pthread_mutex_unlock(&srv->mu);
	if (srv->acc) {
		struct miss_acc_stats ms;
		miss_acc_stats(srv->acc, &ms);
		fprintf(f, "# HELP symserver_missing_noted_total Misses and crashes counted for missing symbols.\n"
			   "# TYPE symserver_missing_noted_total counter\nsymserver_missing_noted_total %llu\n"
			   "# TYPE symserver_missing_flushes_total counter\nsymserver_missing_flushes_total %llu\n"
			   "# TYPE symserver_missing_flush_errors_total counter\nsymserver_missing_flush_errors_total %llu\n"
			   "# TYPE symserver_missing_dropped_total counter\nsymserver_missing_dropped_total %llu\n"
			   "# TYPE symserver_missing_pending gauge\nsymserver_missing_pending %llu\n",
			(unsigned long long)ms.noted, (unsigned long long)ms.flushes,
			(unsigned long long)ms.flush_errors, (unsigned long long)ms.dropped,
			(unsigned long long)ms.pending);
	}
	{
		struct blob_s3_stats s3;
		struct blob_cache_stats cs;
		if (store_remote_stats(srv->store, &s3)) {
			store_cache_stats(srv->store, &cs);
			fprintf(f, "# HELP symserver_s3_requests_total Requests to the bucket's gateway, "
				   "each attempt.\n"
				   "# TYPE symserver_s3_requests_total counter\nsymserver_s3_requests_total %llu\n"
				   "# HELP symserver_s3_errors_total Attempts without an answer or answered 5xx, 401, 403.\n"
				   "# TYPE symserver_s3_errors_total counter\nsymserver_s3_errors_total %llu\n"
				   "# HELP symserver_s3_request_seconds_total Time spent in them.\n"
				   "# TYPE symserver_s3_request_seconds_total counter\n"
				   "symserver_s3_request_seconds_total %.6f\n"
				   "# HELP symserver_s3_failing Errors since the last success (0: healthy).\n"
				   "# TYPE symserver_s3_failing gauge\nsymserver_s3_failing %llu\n"
				   "# HELP symserver_cache_reads_total Blob reads from the local cache, by result.\n"
				   "# TYPE symserver_cache_reads_total counter\n"
				   "symserver_cache_reads_total{result=\"hit\"} %llu\n"
				   "symserver_cache_reads_total{result=\"miss\"} %llu\n"
				   "# TYPE symserver_cache_fills_total counter\nsymserver_cache_fills_total %llu\n"
				   "# TYPE symserver_cache_evictions_total counter\nsymserver_cache_evictions_total %llu\n"
				   "# TYPE symserver_cache_bytes gauge\nsymserver_cache_bytes %llu\n"
				   "# TYPE symserver_cache_files gauge\nsymserver_cache_files %llu\n"
				   "# TYPE symserver_cache_budget_bytes gauge\nsymserver_cache_budget_bytes %llu\n",
				(unsigned long long)s3.requests, (unsigned long long)s3.errors, s3.seconds,
				(unsigned long long)s3.failing, (unsigned long long)cs.hits,
				(unsigned long long)cs.misses, (unsigned long long)cs.fills,
				(unsigned long long)cs.evictions, (unsigned long long)cs.bytes,
				(unsigned long long)cs.files, (unsigned long long)cs.budget);
		}
		{
			struct store_follow_stats fs;
			if (store_follow_stats(srv->store, &fs))
				fprintf(f, "# HELP symserver_sync_applied_total Other nodes' changes taken from the change log.\n"
					   "# TYPE symserver_sync_applied_total counter\nsymserver_sync_applied_total %llu\n"
					   "# HELP symserver_sync_lag_seconds From a change's entry in the log to its taking here (the last).\n"
					   "# TYPE symserver_sync_lag_seconds gauge\nsymserver_sync_lag_seconds %.3f\n"
					   "# TYPE symserver_sync_lag_max_seconds gauge\nsymserver_sync_lag_max_seconds %.3f\n"
					   "# TYPE symserver_sync_polls_total counter\nsymserver_sync_polls_total %llu\n"
					   "# TYPE symserver_sync_poll_errors_total counter\nsymserver_sync_poll_errors_total %llu\n"
					   "# HELP symserver_sync_log_errors_total This node's changes it could not write to the log.\n"
					   "# TYPE symserver_sync_log_errors_total counter\nsymserver_sync_log_errors_total %llu\n"
					   "# HELP symserver_sync_log_compacted_total Change-log entries older than the retention removed by this node.\n"
					   "# TYPE symserver_sync_log_compacted_total counter\nsymserver_sync_log_compacted_total %llu\n",
					(unsigned long long)fs.applied, fs.last_lag_ms / 1000.0,
					fs.max_lag_ms / 1000.0, (unsigned long long)fs.polls,
					(unsigned long long)fs.poll_errors, (unsigned long long)fs.log_errors,
					(unsigned long long)fs.compacted);
		}
	}
	fclose(f);
	http_respond(r, 200, "text/plain; version=0.0.4", buf, len);
	free(buf);
}
