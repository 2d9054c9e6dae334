/* graph_test_util.h — calculators and helpers shared by the runtime's
 * Check suites (test_graph.c, test_scheduler.c and the core calculators'
 * tests). */
#ifndef EDGEPIPE_GRAPH_TEST_UTIL_H
#define EDGEPIPE_GRAPH_TEST_UTIL_H

#include <pthread.h>
#include <stdatomic.h>

#include "edgepipe/calculator.h"
#include "edgepipe/graph.h"

/* Registers the Test* calculators below (idempotent). */
void tu_register(void);

/* Loads a pbtxt graph, failing the test with the loader's message. */
ep_graph *tu_graph(const char *pbtxt);

/* Packets seen by an observer: timestamps and Int values, in order. */
typedef struct tu_collector {
  pthread_mutex_t mu;
  ep_timestamp *ts;
  int64_t *v;
  size_t n, cap;
} tu_collector;

void tu_collector_init(tu_collector *c);
void tu_collector_free(tu_collector *c);
int tu_collect(void *user, ep_packet *p); /* an ep_observer_fn */
size_t tu_collector_count(tu_collector *c);

/* The stats of node `name`; fails the test if there is none. */
ep_node_stats tu_stats(ep_graph *g, const char *name);

/* Heavy tests run fewer packets under ThreadSanitizer. */
long tu_scaled(long normal, long under_tsan);

/* Counters the Test* calculators keep. */
extern atomic_int tu_opened, tu_closed, tu_concurrent;

/* TestBlockCalculator waits in process() until tu_release(). */
void tu_block_reset(void);
void tu_release(void);

/* Thread ids seen by TestThreadCalculator nodes, by node name. */
bool tu_thread_seen(const char *node, pthread_t t);
size_t tu_threads_of(const char *node, pthread_t *out, size_t max);
void tu_threads_reset(void);

/* A checked fixture: tu_setup registers the test calculators and records
 * the live packet count; tu_teardown fails a test that leaked a packet. */
extern long tu_live_before;
void tu_setup(void);
void tu_teardown(void);

/* Closes every graph input, expects the graph to end cleanly, and
 * destroys it. */
void tu_finish(ep_graph *g);

/* Adds an Int packet to a graph input stream, failing the test on error. */
void tu_add_int(ep_graph *g, const char *stream, int64_t v, ep_timestamp ts);

/* Polls one packet, failing the test unless it comes within 10 s with
 * timestamp ts and value v. */
void tu_expect_poll(ep_poller *p, ep_timestamp ts, int64_t v);

#endif
