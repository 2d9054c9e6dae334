/* media_io.h — pipe-run's media wiring: a VideoDecoderCalculator feeding the
 * graph's image input stream from --input, a VideoEncoderCalculator writing
 * its image output stream to --output.
 *
 * Lifecycle: ep__media_io_wire edits the loaded config before it is
 * validated (the user's nodes and their file locations stay as they are;
 * the two nodes are appended), the graph runs, ep__media_io_report prints
 * where the output went, ep__media_io_clear frees the strings. */
#ifndef EDGEPIPE_MEDIA_IO_H
#define EDGEPIPE_MEDIA_IO_H

#include "edgepipe/graph.h"
#include "graph_config.h"
#include "pipe_run.h"

/* Queue bound given to a wired graph that sets none: decoded frames are
 * 0.9 MB at 640x480, and a decoder that outruns the model would fill the
 * default queues (a 177 MB peak was measured with 100). */
#define MEDIA_IO_MAX_QUEUE 4

typedef struct media_io {
  char *input_stream;  /* the graph input stream fed by the decoder, or NULL */
  char *output_stream; /* the graph output stream encoded, or NULL */
  char *input;         /* the source (as given, or the bundled sample) */
  char *output;        /* the destination */
  bool default_output; /* output was chosen by pipe-run */
} media_io;

/* Wires cfg's first image input stream to a decoder of a->input (default:
 * the bundled sample) and its first image output stream to an encoder
 * writing a->output (default: out/<graph name>.mp4, or .png for a still
 * image). graph_path names the default output. Streams of other types are
 * left alone. cfg: transfer none (edited in place). Prints its own errors;
 * returns PIPE_RUN_OK or an exit code. */
int ep__media_io_wire(ep_graph_config *cfg, const struct pipe_run_args *a,
                      media_io *io);

/* After the run: "wrote DST (N frames; M decoded, K dropped ...)" on
 * stderr. */
void ep__media_io_report(const media_io *io, ep_graph *g);

void ep__media_io_clear(media_io *io);

/* Makes freed video frames go back to the system: glibc raises its mmap
 * threshold after the first large free, and the frames (0.9 MB each) then
 * stay in per-thread heaps (peak RSS 54 MB instead of 40 MB on the face
 * graph). Call before the graph runs. */
void ep__media_io_tune_memory(void);

#endif
