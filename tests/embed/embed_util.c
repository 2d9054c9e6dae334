/* embed_util.c — child processes with captured output, for tests/embed. */
#include "embed_util.h"

#include <check.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *rooted(const char *var, const char *rel) {
  static char buf[4][4096];
  static int next;
  const char *root = getenv(var);
  ck_assert_msg(root != NULL, "%s is not set (run the tests with meson)", var);
  char *b = buf[next++ % 4];
  snprintf(b, sizeof buf[0], "%s/%s", root, rel);
  return b;
}

const char *build_path(const char *rel) { return rooted("EP_BUILD_ROOT", rel); }

const char *source_path(const char *rel) {
  return rooted("EP_SOURCE_ROOT", rel);
}

/* Reads a whole file into a malloc'd string ("" when it cannot). */
static char *slurp(FILE *f) {
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  rewind(f);
  char *s = malloc(n > 0 ? (size_t)n + 1 : 1);
  size_t got = n > 0 ? fread(s, 1, (size_t)n, f) : 0;
  s[got] = '\0';
  return s;
}

static void child(const char *const *argv, const char *cwd,
                  const char *const *env, FILE *out, FILE *err) {
  dup2(fileno(out), 1);
  dup2(fileno(err), 2);
  for (size_t i = 0; env && env[i]; i++)
    putenv((char *)env[i]);
  if (cwd && chdir(cwd) != 0)
    _exit(126);
  execv(argv[0], (char *const *)argv);
  fprintf(stderr, "cannot run %s\n", argv[0]);
  _exit(127);
}

/* True once the file behind fd contains marker (pread: the child's
 * write offset, shared with us, stays where it is). */
static bool file_has(int fd, const char *marker) {
  static char buf[1 << 16];
  ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
  if (n <= 0)
    return false;
  buf[n] = '\0';
  return strstr(buf, marker) != NULL;
}

static void run(run_result *r, const char *const *argv, const char *cwd,
                const char *const *env, int sig, int delay_ms,
                const char *marker) {
  FILE *out = tmpfile(), *err = tmpfile();
  ck_assert(out && err);
  fflush(NULL);
  pid_t pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0)
    child(argv, cwd, env, out, err);
  if (sig) {
    for (int waited = 0;
         marker && waited < delay_ms && !file_has(fileno(out), marker);
         waited += 50)
      usleep(50 * 1000);
    if (!marker)
      usleep((useconds_t)delay_ms * 1000);
    kill(pid, sig);
  }
  int st = 0;
  waitpid(pid, &st, 0);
  r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  r->out = slurp(out);
  r->err = slurp(err);
  fclose(out);
  fclose(err);
}

void run_program(run_result *r, const char *const *argv, const char *cwd,
                 const char *const *env, int sig, int delay_ms) {
  run(r, argv, cwd, env, sig, delay_ms, NULL);
}

void run_program_until(run_result *r, const char *const *argv, const char *cwd,
                       const char *const *env, int sig, const char *marker,
                       int timeout_ms) {
  run(r, argv, cwd, env, sig, timeout_ms, marker);
}

void run_shell(run_result *r, const char *cmd, const char *const *env) {
  const char *argv[] = {"/bin/sh", "-c", cmd, NULL};
  run_program(r, argv, NULL, env, 0, 0);
}

void run_result_free(run_result *r) {
  free(r->out);
  free(r->err);
  r->out = r->err = NULL;
}

char *temp_dir(void) {
  char *d = strdup("/tmp/ep_embed_XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(d));
  return d;
}

int count_lines_with(const char *text, const char *needle) {
  int n = 0;
  for (const char *l = text; l && *l;) {
    const char *end = strchr(l, '\n');
    size_t len = end ? (size_t)(end - l) : strlen(l);
    char line[1024];
    snprintf(line, sizeof line, "%.*s", (int)(len < 1023 ? len : 1023), l);
    if (strstr(line, needle))
      n++;
    l = end ? end + 1 : l + len;
  }
  return n;
}

char *str_printf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *s = NULL;
  int n = vasprintf(&s, fmt, ap);
  va_end(ap);
  ck_assert_int_ge(n, 0);
  return s;
}
