/* subgraph.h — graph configs used as nodes (internal).
 *
 * A graph config with `type: "Name"` is a subgraph. Its graph-level
 * input_stream / output_stream / input_side_packet / output_side_packet
 * (as TAG:index:name references) are its ports. A node whose calculator
 * names a subgraph (and no registered calculator) is replaced, before
 * validation, by the subgraph's nodes: the node's streams are matched to
 * the ports by tag and index, every other stream of the subgraph is
 * renamed "<prefix>__<stream>" and every inner node "<prefix>__<name>",
 * where the prefix is the node's name (lower-cased, other characters made
 * '_') or "<calculator lower-cased>_<node index>" for an unnamed node.
 * Nested subgraphs expand recursively; a subgraph that uses itself,
 * directly or not, is an error naming the chain.
 *
 * Subgraphs come from, in order: those registered here (process-wide),
 * then every .pbtxt/.yaml/.yml file with a `type:` in the loaded file's
 * own folder and in the first graphs/ folder found from there upward
 * (each with its subgraphs/ folder),
 * then the folders listed in EDGEPIPE_GRAPH_PATH (':'-separated, each with
 * its subgraphs/). The first definition of a name wins. */
#ifndef EDGEPIPE_SUBGRAPH_H
#define EDGEPIPE_SUBGRAPH_H

#include "diag.h"
#include "graph_config.h"

/* Registers the subgraph a file defines (its `type:` names it). Returns 0,
 * EP_EEXIST if another subgraph has the name, or a negative code with *err
 * naming the file and the problem (free() it). Thread-safe. */
int ep__subgraph_register_file(const char *path, char **err);
/* The same from text ("pbtxt" or "yaml"); `name` labels messages. The
 * text is copied. */
int ep__subgraph_register_string(const char *text, size_t len,
                                 const char *format, const char *name,
                                 char **err);
/* Forgets every registered subgraph (tests). Configs already expanded are
 * not affected: they own copies of what they used. */
void ep__subgraph_clear(void);

/* Expands every subgraph node of cfg in place. graph_path is the file cfg
 * came from (for finding graphs/), or NULL. Problems are added to d;
 * returns 0 or EP_EPARSE. */
int ep__subgraph_expand(ep_graph_config *cfg, const char *graph_path,
                        ep_diag *d);

#endif
