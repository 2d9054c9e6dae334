/* embed_util.h — running the built programs from the embedding tests.
 *
 * Each program runs in a child process with stdout and stderr captured in
 * full; the tests judge the text and the exit status. */
#ifndef EDGEPIPE_TESTS_EMBED_UTIL_H
#define EDGEPIPE_TESTS_EMBED_UTIL_H

#include <stddef.h>

typedef struct run_result {
  int status; /* exit code, or 128 + signal when killed */
  char *out;  /* malloc'd, NUL-terminated */
  char *err;
} run_result;

/* A path under $EP_BUILD_ROOT or $EP_SOURCE_ROOT (static buffer, one of
 * four in rotation). */
const char *build_path(const char *rel);
const char *source_path(const char *rel);

/* Runs argv (argv[0] a path) in the folder cwd (NULL: this one), with the
 * "NAME=value" strings of env added to the environment (NULL-terminated,
 * or NULL). Sends sig after delay_ms when sig != 0. */
void run_program(run_result *r, const char *const *argv, const char *cwd,
                 const char *const *env, int sig, int delay_ms);

/* The same, but sends sig as soon as the program's stdout contains
 * marker (or after timeout_ms). */
void run_program_until(run_result *r, const char *const *argv, const char *cwd,
                       const char *const *env, int sig, const char *marker,
                       int timeout_ms);

/* Runs a shell command line the same way (sh -c). */
void run_shell(run_result *r, const char *cmd, const char *const *env);

void run_result_free(run_result *r);

/* A new empty temporary folder (malloc'd path). */
char *temp_dir(void);

/* printf into a new string (malloc'd). */
char *str_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Counts the lines of text that contain needle. */
int count_lines_with(const char *text, const char *needle);

#endif
