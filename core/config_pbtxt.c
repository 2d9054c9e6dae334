/* config_pbtxt.c — protobuf text format (MediaPipe's .pbtxt) to the config
 * tree.
 *
 * Without a schema, the grammar is protobuf's TextFormat read literally:
 *   message := { field [',' | ';'] }
 *   field   := name ':' scalar
 *            | name [':'] ('{' message '}' | '<' message '>')
 *            | name [':'] '[' [ elem { ',' elem } ] ']'
 *   name    := IDENT | '[' IDENT { ('.' | '/') IDENT } ']'
 *   elem    := scalar | '{' message '}' | '<' message '>'
 *   scalar  := STRING { STRING } | ['-'] NUMBER | ['-'] IDENT
 * A list becomes one field per element, all with the list's name. `#` starts
 * a comment. Words: true/True/false/False are BOOL, inf/infinity/nan (any
 * case, optionally after '-') FLOAT, any other word IDENT (protobuf's t/f
 * bool spellings stay IDENT for the reader to accept). Numbers: decimal, 0x
 * hex, 0-led octal INT; a fraction, exponent or f suffix makes a FLOAT.
 * Positions are 1-based; columns count bytes (a tab is one). */
#include "config_tree.h"

#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "edgepipe/error.h"

/* Deeper nesting than any real graph; keeps recursion off the stack's end. */
#define MAX_DEPTH 100
/* How much of a bad token an error message quotes. */
#define QUOTE_MAX 40

typedef enum tok_type {
  T_EOF,
  T_IDENT,
  T_INT,
  T_FLOAT,
  T_STRING,
  T_SYM
} tok_type;

typedef struct token {
  tok_type type;
  size_t start, end; /* the token's bytes in the text */
  int line, col;
  char sym; /* T_SYM */
  char *s;  /* T_STRING: the unescaped value, owned by the token */
  size_t slen;
  int radix; /* T_INT: 10, 16 or 8 */
} token;

typedef struct parser {
  const char *text;
  size_t len, pos;
  int line, col; /* of text[pos] */
  const char *file;
  token tok; /* the lookahead */
  char *err;
  bool oom;
  int depth;
} parser;

typedef struct buf {
  char *d;
  size_t n, cap;
} buf;

static int fail(parser *p, int line, int col, const char *fmt, ...)
    EP_PRINTF(4, 5);

static int fail(parser *p, int line, int col, const char *fmt, ...) {
  if (p->err || p->oom)
    return -1;
  va_list ap, cp;
  va_start(ap, fmt);
  va_copy(cp, ap);
  int n = vsnprintf(NULL, 0, fmt, cp);
  va_end(cp);
  char *msg = n >= 0 ? malloc((size_t)n + 1) : NULL;
  if (msg)
    vsnprintf(msg, (size_t)n + 1, fmt, ap);
  va_end(ap);
  if (msg) {
    int m = snprintf(NULL, 0, "%s:%d:%d: %s", p->file, line, col, msg);
    p->err = m >= 0 ? malloc((size_t)m + 1) : NULL;
    if (p->err)
      snprintf(p->err, (size_t)m + 1, "%s:%d:%d: %s", p->file, line, col, msg);
  }
  free(msg);
  if (!p->err)
    p->oom = true;
  return -1;
}

static int fail_oom(parser *p) {
  p->oom = true;
  return -1;
}

static int buf_push(buf *b, const char *s, size_t n) {
  if (n > SIZE_MAX / 2 - b->n) /* also tells gcc the sizes cannot wrap */
    return -1;
  if (b->n + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 32;
    while (cap < b->n + n + 1)
      cap *= 2;
    char *d = realloc(b->d, cap);
    if (!d)
      return -1;
    b->d = d;
    b->cap = cap;
  }
  memcpy(b->d + b->n, s, n);
  b->n += n;
  b->d[b->n] = '\0';
  return 0;
}

/* ---- lexer ---- */

static int peek_char(const parser *p, size_t ahead) {
  size_t i = p->pos + ahead;
  return i < p->len ? (unsigned char)p->text[i] : -1;
}

static void step(parser *p) {
  if (p->text[p->pos] == '\n') {
    p->line += p->line < INT_MAX;
    p->col = 1;
  } else {
    p->col += p->col < INT_MAX;
  }
  p->pos++;
}

static bool is_ident_start(int c) { return isalpha(c) || c == '_'; }
static bool is_ident_char(int c) { return isalnum(c) || c == '_'; }

static void skip_blanks(parser *p) {
  while (p->pos < p->len) {
    int c = peek_char(p, 0);
    if (c == '#') {
      while (p->pos < p->len && p->text[p->pos] != '\n')
        step(p);
    } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
               c == '\f') {
      step(p);
    } else {
      break;
    }
  }
}

static void lex_ident(parser *p) {
  while (is_ident_char(peek_char(p, 0)))
    step(p);
  p->tok.type = T_IDENT;
}

static void skip_digits(parser *p, int (*ok)(int)) {
  while (p->pos < p->len && ok(peek_char(p, 0)))
    step(p);
}

/* Digits, fraction, exponent of a decimal number; sets *is_float. */
static bool lex_decimal(parser *p, bool *is_float) {
  skip_digits(p, isdigit);
  if (peek_char(p, 0) == '.') {
    *is_float = true;
    step(p);
    skip_digits(p, isdigit);
  }
  int c = peek_char(p, 0);
  if (c == 'e' || c == 'E') {
    *is_float = true;
    step(p);
    c = peek_char(p, 0);
    if (c == '+' || c == '-')
      step(p);
    if (!isdigit(peek_char(p, 0)))
      return false;
    skip_digits(p, isdigit);
  }
  return true;
}

static int is_odigit(int c) { return c >= '0' && c <= '7'; }

static int lex_number(parser *p) {
  size_t s = p->pos;
  bool is_float = false, ok = true;
  int radix = 10;
  int c1 = peek_char(p, 1);
  if (peek_char(p, 0) == '0' && (c1 == 'x' || c1 == 'X')) {
    radix = 16;
    step(p);
    step(p);
    skip_digits(p, isxdigit);
    ok = p->pos > s + 2;
  } else if (peek_char(p, 0) == '0' && isdigit(c1)) {
    radix = 8;
    step(p);
    skip_digits(p, is_odigit);
  } else {
    ok = lex_decimal(p, &is_float);
    int c = peek_char(p, 0);
    if (ok && (c == 'f' || c == 'F')) {
      is_float = true;
      step(p);
    }
  }
  int c = peek_char(p, 0);
  if (!ok || is_ident_char(c) || c == '.') {
    while (is_ident_char(peek_char(p, 0)) || peek_char(p, 0) == '.')
      step(p);
    return fail(p, p->tok.line, p->tok.col, "invalid number '%.*s'",
                (int)(p->pos - s > QUOTE_MAX ? QUOTE_MAX : p->pos - s),
                p->text + s);
  }
  p->tok.type = is_float ? T_FLOAT : T_INT;
  p->tok.radix = radix;
  return 0;
}

static int hex_value(int c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Reads up to max hex digits at pos; returns how many were read. */
static int read_hex(parser *p, int max, uint32_t *v) {
  int n = 0;
  *v = 0;
  while (n < max && hex_value(peek_char(p, 0)) >= 0) {
    *v = *v * 16 + (uint32_t)hex_value(peek_char(p, 0));
    step(p);
    n++;
  }
  return n;
}

static size_t utf8_encode(uint32_t cp, char out[4]) {
  if (cp < 0x80) {
    out[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (char)(0xC0 | (cp >> 6));
    out[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (char)(0xE0 | (cp >> 12));
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = (char)(0xF0 | (cp >> 18));
  out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  out[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

static int bad_escape(parser *p, size_t at, int line, int col) {
  int n = (int)(p->pos - at);
  if (n > QUOTE_MAX)
    n = QUOTE_MAX;
  return fail(p, line, col, "invalid escape '%.*s' in string", n, p->text + at);
}

/* \u / \U after the letter: a code point, pairing UTF-16 surrogates. */
static int lex_unicode(parser *p, int digits, size_t at, int line, int col,
                       uint32_t *cp) {
  if (read_hex(p, digits, cp) != digits)
    return bad_escape(p, at, line, col);
  if (*cp >= 0xDC00 && *cp <= 0xDFFF)
    return fail(p, line, col, "unpaired surrogate '%.*s' in string",
                (int)(p->pos - at), p->text + at);
  if (*cp >= 0xD800 && *cp <= 0xDBFF) {
    uint32_t lo;
    if (peek_char(p, 0) != '\\' || peek_char(p, 1) != 'u')
      return fail(p, line, col, "unpaired surrogate '%.*s' in string",
                  (int)(p->pos - at), p->text + at);
    step(p);
    step(p);
    if (read_hex(p, 4, &lo) != 4 || lo < 0xDC00 || lo > 0xDFFF)
      return fail(p, line, col, "unpaired surrogate '%.*s' in string", 6,
                  p->text + at);
    *cp = 0x10000 + ((*cp - 0xD800) << 10) + (lo - 0xDC00);
  }
  if (*cp > 0x10FFFF)
    return bad_escape(p, at, line, col);
  return 0;
}

static int simple_escape(int c) {
  switch (c) {
  case 'n':
    return '\n';
  case 't':
    return '\t';
  case 'r':
    return '\r';
  case 'a':
    return '\a';
  case 'b':
    return '\b';
  case 'f':
    return '\f';
  case 'v':
    return '\v';
  case '\\':
  case '\'':
  case '"':
  case '?':
    return c;
  default:
    return -1;
  }
}

/* One escape sequence at pos (the backslash), appended to b. */
static int lex_escape(parser *p, buf *b) {
  size_t at = p->pos;
  int line = p->line, col = p->col;
  step(p);
  int c = peek_char(p, 0);
  if (c < 0 || c == '\n')
    return fail(p, p->tok.line, p->tok.col, "unterminated string");
  char out[4];
  size_t n = 1;
  uint32_t v = 0;
  if (simple_escape(c) >= 0) {
    step(p);
    out[0] = (char)simple_escape(c);
  } else if (is_odigit(c)) {
    for (int i = 0; i < 3 && is_odigit(peek_char(p, 0)); i++) {
      v = v * 8 + (uint32_t)(peek_char(p, 0) - '0');
      step(p);
    }
    if (v > 0xFF)
      return fail(p, line, col, "octal escape '%.*s' out of range",
                  (int)(p->pos - at), p->text + at);
    out[0] = (char)v;
  } else if (c == 'x' || c == 'X') {
    step(p);
    if (read_hex(p, 2, &v) == 0)
      return bad_escape(p, at, line, col);
    out[0] = (char)v;
  } else if (c == 'u' || c == 'U') {
    step(p);
    if (lex_unicode(p, c == 'u' ? 4 : 8, at, line, col, &v) < 0)
      return -1;
    n = utf8_encode(v, out);
  } else if (isprint(c)) {
    step(p);
    return bad_escape(p, at, line, col);
  } else {
    return fail(p, line, col, "invalid escape: '\\' followed by byte 0x%02x",
                (unsigned)c);
  }
  return buf_push(b, out, n) < 0 ? fail_oom(p) : 0;
}

static int lex_string(parser *p) {
  char q = p->text[p->pos];
  buf b = {0};
  step(p);
  int rc = 0;
  for (;;) {
    int c = peek_char(p, 0);
    if (c < 0 || c == '\n') {
      rc = fail(p, p->tok.line, p->tok.col, "unterminated string");
      break;
    }
    if (c == q) {
      step(p);
      break;
    }
    if (c == '\\') {
      rc = lex_escape(p, &b);
      if (rc < 0)
        break;
      continue;
    }
    /* Runs of plain bytes go in at once. */
    size_t s = p->pos;
    while (p->pos < p->len && p->text[p->pos] != q && p->text[p->pos] != '\\' &&
           p->text[p->pos] != '\n')
      step(p);
    if (buf_push(&b, p->text + s, p->pos - s) < 0) {
      rc = fail_oom(p);
      break;
    }
  }
  if (rc == 0 && !b.d && buf_push(&b, "", 0) < 0)
    rc = fail_oom(p);
  if (rc < 0) {
    free(b.d);
    return -1;
  }
  p->tok.type = T_STRING;
  p->tok.s = b.d;
  p->tok.slen = b.n;
  return 0;
}

static int lex_unexpected(parser *p, int c) {
  if (isprint(c))
    return fail(p, p->line, p->col, "unexpected character '%c'", c);
  if (c >= 0x80)
    return fail(p, p->line, p->col,
                "unexpected byte 0x%02x (non-ASCII text belongs in quotes)",
                (unsigned)c);
  return fail(p, p->line, p->col, "unexpected byte 0x%02x", (unsigned)c);
}

/* Replaces the lookahead with the next token. */
static int next(parser *p) {
  free(p->tok.s);
  memset(&p->tok, 0, sizeof p->tok);
  skip_blanks(p);
  p->tok.start = p->pos;
  p->tok.line = p->line;
  p->tok.col = p->col;
  int rc = 0;
  int c = peek_char(p, 0);
  if (c < 0)
    p->tok.type = T_EOF;
  else if (is_ident_start(c))
    lex_ident(p);
  else if (isdigit(c) || (c == '.' && isdigit(peek_char(p, 1))))
    rc = lex_number(p);
  else if (c == '"' || c == '\'')
    rc = lex_string(p);
  else if (c && strchr("{}<>[]:,;-./", c)) {
    p->tok.type = T_SYM;
    p->tok.sym = (char)c;
    step(p);
  } else
    rc = lex_unexpected(p, c);
  p->tok.end = p->pos;
  return rc;
}

/* ---- parser ---- */

static bool is_sym(const parser *p, char c) {
  return p->tok.type == T_SYM && p->tok.sym == c;
}

/* How the lookahead reads in a message: "'}'", "end of file", ... */
static const char *describe(const parser *p, char *out, size_t size) {
  const token *t = &p->tok;
  int n = (int)(t->end - t->start > QUOTE_MAX ? QUOTE_MAX : t->end - t->start);
  switch (t->type) {
  case T_EOF:
    return "end of file";
  case T_STRING:
    return "a string";
  case T_SYM:
    snprintf(out, size, "'%c'", t->sym);
    break;
  case T_IDENT:
    snprintf(out, size, "'%.*s'", n, p->text + t->start);
    break;
  default:
    snprintf(out, size, "number '%.*s'", n, p->text + t->start);
    break;
  }
  return out;
}

static ep_cfg_node *add_node(parser *p, ep_cfg_node *parent, ep_cfg_kind kind,
                             const char *name, ep_loc name_loc) {
  ep_loc loc = {p->file, p->tok.line, p->tok.col};
  ep_cfg_node *n = ep__cfg_node_new(kind, name, loc);
  if (!n) {
    fail_oom(p);
    return NULL;
  }
  n->name_loc = name_loc;
  ep__cfg_node_append(parent, n);
  return n;
}

static int parse_message(parser *p, ep_cfg_node *msg, char closer,
                         const char *what, ep_loc opened);

static int parse_block(parser *p, ep_cfg_node *parent, const char *name,
                       ep_loc name_loc, ep_loc opened) {
  if (p->depth >= MAX_DEPTH)
    return fail(p, p->tok.line, p->tok.col, "nesting deeper than %d levels",
                MAX_DEPTH);
  ep_cfg_node *n = add_node(p, parent, EP_CFG_MESSAGE, name, name_loc);
  if (!n)
    return -1;
  char closer = p->tok.sym == '{' ? '}' : '>';
  if (next(p) < 0)
    return -1;
  p->depth++;
  int rc = parse_message(p, n, closer, name, opened);
  p->depth--;
  return rc;
}

/* Magnitude of an INT token (without sign); false on overflow. */
static bool int_magnitude(const char *s, size_t len, int radix, uint64_t *v) {
  size_t i = radix == 16 ? 2 : 0;
  *v = 0;
  for (; i < len; i++) {
    uint64_t d = (uint64_t)hex_value((unsigned char)s[i]);
    if (*v > (UINT64_MAX - d) / (uint64_t)radix)
      return false;
    *v = *v * (uint64_t)radix + d;
  }
  return true;
}

static bool is_inf_or_nan(const char *s, size_t n) {
  return (n == 3 && strncasecmp(s, "inf", 3) == 0) ||
         (n == 8 && strncasecmp(s, "infinity", 8) == 0) ||
         (n == 3 && strncasecmp(s, "nan", 3) == 0);
}

static int set_float(parser *p, ep_cfg_node *n, const char *s, size_t len,
                     bool negative) {
  char *c = malloc(len + 1);
  if (!c)
    return fail_oom(p);
  memcpy(c, s, len);
  c[len] = '\0';
  if (len && (c[len - 1] == 'f' || c[len - 1] == 'F') && !is_inf_or_nan(s, len))
    c[len - 1] = '\0';
  /* strtod reads inf/infinity/nan itself; 1e999 becomes inf, as in
   * protobuf. */
  n->f = strtod(c, NULL);
  if (negative)
    n->f = -n->f;
  free(c);
  return 0;
}

/* A number token, or -inf / -nan, after an optional '-' at minus_loc. */
static int parse_number(parser *p, ep_cfg_node *n, bool negative) {
  const token *t = &p->tok;
  const char *s = p->text + t->start;
  size_t len = t->end - t->start;
  buf text = {0};
  if ((negative && buf_push(&text, "-", 1) < 0) ||
      buf_push(&text, s, len) < 0) {
    free(text.d);
    return fail_oom(p);
  }
  n->str = text.d;
  n->len = text.n;
  if (t->type == T_INT) {
    uint64_t mag;
    if (!int_magnitude(s, len, t->radix, &mag) ||
        ep__cfg_node_set_int(n, negative, mag) != 0)
      return fail(p, n->loc.line, n->loc.col, "integer out of range");
    return next(p);
  }
  n->kind = EP_CFG_FLOAT;
  if (set_float(p, n, s, len, negative) < 0)
    return -1;
  return next(p);
}

static int parse_strings(parser *p, ep_cfg_node *n) {
  n->str = p->tok.s;
  n->len = p->tok.slen;
  p->tok.s = NULL;
  if (next(p) < 0)
    return -1;
  while (p->tok.type == T_STRING) {
    char *s = realloc(n->str, n->len + p->tok.slen + 1);
    if (!s)
      return fail_oom(p);
    memcpy(s + n->len, p->tok.s, p->tok.slen + 1);
    n->str = s;
    n->len += p->tok.slen;
    if (next(p) < 0)
      return -1;
  }
  return 0;
}

static int parse_word(parser *p, ep_cfg_node *n) {
  const char *s = p->text + p->tok.start;
  size_t len = p->tok.end - p->tok.start;
  if (ep__cfg_node_set_str(n, s, len) != 0)
    return fail_oom(p);
  if (strcmp(n->str, "true") == 0 || strcmp(n->str, "True") == 0) {
    n->kind = EP_CFG_BOOL;
    n->i = 1;
  } else if (strcmp(n->str, "false") == 0 || strcmp(n->str, "False") == 0) {
    n->kind = EP_CFG_BOOL;
  } else if (is_inf_or_nan(s, len)) {
    n->kind = EP_CFG_FLOAT;
    n->f = strtod(n->str, NULL);
  } else {
    n->kind = EP_CFG_IDENT;
  }
  return next(p);
}

static int parse_negative(parser *p, ep_cfg_node *n) {
  char what[QUOTE_MAX + 16];
  if (next(p) < 0)
    return -1;
  const token *t = &p->tok;
  if (t->type == T_INT || t->type == T_FLOAT)
    return parse_number(p, n, true);
  if (t->type == T_IDENT &&
      is_inf_or_nan(p->text + t->start, t->end - t->start)) {
    if (parse_number(p, n, true) < 0)
      return -1;
    return 0;
  }
  return fail(p, t->line, t->col, "expected number after '-', found %s",
              describe(p, what, sizeof what));
}

static int parse_scalar(parser *p, ep_cfg_node *parent, const char *name,
                        ep_loc name_loc) {
  char what[QUOTE_MAX + 16];
  ep_cfg_kind kind;
  switch (p->tok.type) {
  case T_STRING:
    kind = EP_CFG_STRING;
    break;
  case T_IDENT:
    kind = EP_CFG_IDENT;
    break;
  case T_INT:
  case T_FLOAT:
    kind = EP_CFG_INT;
    break;
  default:
    if (is_sym(p, '-')) {
      kind = EP_CFG_INT;
      break;
    }
    return fail(p, p->tok.line, p->tok.col,
                "expected value for field '%s', found %s", name,
                describe(p, what, sizeof what));
  }
  ep_cfg_node *n = add_node(p, parent, kind, name, name_loc);
  if (!n)
    return -1;
  if (kind == EP_CFG_STRING)
    return parse_strings(p, n);
  if (kind == EP_CFG_IDENT)
    return parse_word(p, n);
  if (is_sym(p, '-'))
    return parse_negative(p, n);
  return parse_number(p, n, false);
}

static int parse_element(parser *p, ep_cfg_node *parent, const char *name,
                         ep_loc name_loc) {
  if (is_sym(p, '{') || is_sym(p, '<')) {
    ep_loc brace = {p->file, p->tok.line, p->tok.col};
    return parse_block(p, parent, name, name_loc, brace);
  }
  return parse_scalar(p, parent, name, name_loc);
}

/* `[a, b, {...}]`: one field per element. */
static int parse_list(parser *p, ep_cfg_node *parent, const char *name,
                      ep_loc name_loc) {
  char what[QUOTE_MAX + 16];
  int line = p->tok.line, col = p->tok.col;
  if (next(p) < 0)
    return -1;
  if (is_sym(p, ']'))
    return next(p);
  for (;;) {
    if (parse_element(p, parent, name, name_loc) < 0)
      return -1;
    if (is_sym(p, ']'))
      return next(p);
    if (p->tok.type == T_EOF)
      return fail(p, p->tok.line, p->tok.col,
                  "expected ']' to close the list of '%s' opened at %d:%d",
                  name, line, col);
    if (!is_sym(p, ','))
      return fail(p, p->tok.line, p->tok.col,
                  "expected ',' or ']' in the list of '%s', found %s", name,
                  describe(p, what, sizeof what));
    if (next(p) < 0)
      return -1;
  }
}

/* `[type.googleapis.com/pkg.Msg]` or `[pkg.ext]`, brackets kept. */
static int parse_extension_name(parser *p, buf *name) {
  char what[QUOTE_MAX + 16];
  if (buf_push(name, "[", 1) < 0)
    return fail_oom(p);
  if (next(p) < 0)
    return -1;
  if (p->tok.type != T_IDENT)
    return fail(p, p->tok.line, p->tok.col,
                "expected extension name after '[', found %s",
                describe(p, what, sizeof what));
  for (;;) {
    if (buf_push(name, p->text + p->tok.start, p->tok.end - p->tok.start) < 0)
      return fail_oom(p);
    if (next(p) < 0)
      return -1;
    if (!is_sym(p, '.') && !is_sym(p, '/'))
      break;
    char sep = p->tok.sym;
    if (buf_push(name, &sep, 1) < 0)
      return fail_oom(p);
    if (next(p) < 0)
      return -1;
    if (p->tok.type != T_IDENT)
      return fail(p, p->tok.line, p->tok.col,
                  "expected name after '%c' in extension name, found %s", sep,
                  describe(p, what, sizeof what));
  }
  if (!is_sym(p, ']'))
    return fail(p, p->tok.line, p->tok.col,
                "expected ']' after extension name '%s', found %s", name->d,
                describe(p, what, sizeof what));
  if (buf_push(name, "]", 1) < 0)
    return fail_oom(p);
  return next(p);
}

static int parse_field_value(parser *p, ep_cfg_node *msg, const char *name,
                             ep_loc name_loc) {
  char what[QUOTE_MAX + 16];
  bool colon = is_sym(p, ':');
  if (colon && next(p) < 0)
    return -1;
  if (is_sym(p, '{') || is_sym(p, '<'))
    return parse_block(p, msg, name, name_loc, name_loc);
  if (is_sym(p, '['))
    return parse_list(p, msg, name, name_loc);
  if (colon)
    return parse_scalar(p, msg, name, name_loc);
  return fail(p, p->tok.line, p->tok.col,
              "expected ':' or '{' after field name '%s', found %s", name,
              describe(p, what, sizeof what));
}

static int parse_field(parser *p, ep_cfg_node *msg) {
  char what[QUOTE_MAX + 16];
  ep_loc name_loc = {p->file, p->tok.line, p->tok.col};
  buf name = {0};
  int rc;
  if (p->tok.type == T_IDENT) {
    rc = buf_push(&name, p->text + p->tok.start, p->tok.end - p->tok.start);
    rc = rc < 0 ? fail_oom(p) : next(p);
  } else if (is_sym(p, '[')) {
    rc = parse_extension_name(p, &name);
  } else {
    rc = fail(p, p->tok.line, p->tok.col, "expected field name, found %s",
              describe(p, what, sizeof what));
  }
  if (rc == 0)
    rc = parse_field_value(p, msg, name.d, name_loc);
  free(name.d);
  return rc;
}

/* Fields until `closer` ('}' or '>'), or until end of file for the root
 * (closer 0). `what` and `opened` name the block in messages. */
static int parse_message(parser *p, ep_cfg_node *msg, char closer,
                         const char *what, ep_loc opened) {
  for (;;) {
    const token *t = &p->tok;
    bool is_close = is_sym(p, '}') || is_sym(p, '>');
    if (t->type == T_EOF && !closer)
      return 0;
    if (is_close && t->sym == closer)
      return next(p);
    if (t->type == T_EOF)
      return fail(p, t->line, t->col,
                  "expected '%c' to close '%s' opened at %d:%d", closer, what,
                  opened.line, opened.col);
    if (is_close && !closer)
      return fail(p, t->line, t->col, "unexpected '%c'", t->sym);
    if (is_close)
      return fail(p, t->line, t->col,
                  "unexpected '%c'; expected '%c' to close '%s' opened at "
                  "%d:%d",
                  t->sym, closer, what, opened.line, opened.col);
    if (parse_field(p, msg) < 0)
      return -1;
    if ((is_sym(p, ',') || is_sym(p, ';')) && next(p) < 0)
      return -1;
  }
}

int ep__cfg_parse_pbtxt(const char *text, size_t len, const char *file,
                        ep_cfg_doc **out, char **err) {
  if (!out || !err || (!text && len))
    return EP_EINVAL;
  *out = NULL;
  *err = NULL;
  ep_cfg_doc *doc = ep__cfg_doc_new(file);
  if (!doc)
    return EP_ENOMEM;
  parser p = {.text = text, .len = len, .line = 1, .col = 1, .file = doc->file};
  ep_loc start = {doc->file, 1, 1};
  int rc = next(&p);
  if (rc == 0)
    rc = parse_message(&p, doc->root, 0, "", start);
  free(p.tok.s);
  return ep__cfg_parse_end(doc, rc, p.oom, p.err, out, err);
}
