/* options.h — node options bound to a calculator's schema (internal).
 *
 * A node's options stay the config tree they were written as; binding
 * pairs that tree with the calculator's ep_option_spec list so the
 * ep_options_* getters (calculator.h) can fill in defaults. Checking holds
 * the tree to the schema when the graph is validated, so the getters
 * never meet a value of the wrong kind. */
#ifndef EDGEPIPE_OPTIONS_H
#define EDGEPIPE_OPTIONS_H

#include "config_tree.h"
#include "diag.h"
#include "edgepipe/calculator.h"

/* Binds msg (may be NULL: all defaults) to schema (may be NULL: no
 * options). Both are borrowed and must outlive the result. Nested MESSAGE
 * fields are bound too. NULL on out-of-memory. */
ep_options *ep__options_new(const ep_cfg_node *msg,
                            const ep_option_spec *schema);
void ep__options_free(ep_options *o);

/* Checks msg against schema: unknown names (with a "did you mean"), the
 * wrong kind of value, numbers outside [min, max], enum values not in the
 * list, a non-repeated field given twice, required fields missing, nested
 * messages recursively. Each problem is added to d as "label: ..." at the
 * offending value; `where` places problems that have no value of their own
 * (a missing required field when msg is NULL). Returns how many problems
 * were found. */
size_t ep__options_check(const ep_cfg_node *msg, const ep_option_spec *schema,
                         const char *label, const ep_loc *where, ep_diag *d);

/* The spec named name in schema, or NULL. */
const ep_option_spec *ep__option_spec_find(const ep_option_spec *schema,
                                           const char *name);

#endif
