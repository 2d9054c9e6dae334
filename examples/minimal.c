/* minimal.c — the smallest edgepipe app: a graph from a string, ints in,
 * results polled out.
 *
 *   cc minimal.c $(pkg-config --cflags --libs edgepipe) -o minimal
 *   ./minimal            prints "t=0 value=0" ... "t=40 value=16" */
#include <edgepipe/edgepipe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char graph_text[] = "input_stream: \"in\"\n"
                                 "output_stream: \"out\"\n"
                                 "node {\n"
                                 "  calculator: \"PassThroughCalculator\"\n"
                                 "  input_stream: \"in\"\n"
                                 "  output_stream: \"out\"\n"
                                 "}\n";

static int fail(const char *what, int rc, char *detail) {
  fprintf(stderr, "minimal: %s: %s\n%s\n", what, ep_strerror(rc),
          detail ? detail : "");
  free(detail);
  return 1;
}

int main(void) {
  ep_graph *g = NULL;
  char *err = NULL;
  int rc = ep_graph_create_from_string(graph_text, strlen(graph_text), "pbtxt",
                                       "minimal", &g, &err);
  if (rc < 0)
    return fail("cannot load the graph", rc, err);

  ep_poller *out = NULL; /* owned by the graph */
  if ((rc = ep_graph_poller(g, "out", &out)) < 0 ||
      (rc = ep_graph_start(g, NULL, 0)) < 0) {
    ep_graph_destroy(g);
    return fail("cannot start", rc, NULL);
  }

  /* The packet's reference passes to the graph (transfer full). */
  for (int64_t i = 0; i < 5; i++)
    ep_graph_add_packet(g, "in", ep_packet_new_int(i * i, i * 10), 0);
  ep_graph_close_input(g, "in");

  ep_packet *p;
  while (ep_poller_next(out, &p, -1) == 0) { /* p: transfer full */
    printf("t=%lld value=%lld\n", (long long)ep_packet_timestamp(p),
           (long long)ep_packet_get_int(p));
    ep_packet_unref(p);
  }

  rc = ep_graph_wait(g);
  if (rc < 0)
    fprintf(stderr, "minimal: %s\n", ep_graph_error(g));
  ep_graph_destroy(g);
  return rc < 0;
}
