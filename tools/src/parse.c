// SPDX-License-Identifier: GPL-2.0
/*
 * parse.c - pure parsers for the tcpfsm debugfs files (docs/debugfs.md)
 *
 * Each parser takes a buffer and its length (no NUL needed, any bytes),
 * works on a private copy, and returns 0 with a filled structure or -1 with
 * a struct tf_err naming the line.  Nothing here does I/O or exits, so the
 * fuzzer can call every function with hostile input.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsm.h"
#include "parse.h"

const char *const tf_stat_names[ST_NKEYS] = {
	[ST_FORMAT]		= "format",
	[ST_EVENTS]		= "events",
	[ST_ILLEGAL]		= "illegal",
	[ST_UNKNOWN_STATE]	= "unknown_state",
	[ST_INJECTED]		= "injected",
	[ST_LOG_RECORDS]	= "log_records",
	[ST_LOG_DROPPED]	= "log_dropped",
	[ST_LOG_SIZE]		= "log_size",
	[ST_LOG_NEXT_SEQ]	= "log_next_seq",
	[ST_STRICT]		= "strict",
	[ST_INJECT]		= "inject",
	[ST_TIMEWAIT_TRACKING]	= "timewait_tracking",
	[ST_DWELL]		= "dwell",
	[ST_DWELL_TRACKED]	= "dwell_tracked",
	[ST_DWELL_CAPACITY]	= "dwell_capacity",
	[ST_DWELL_MISSES]	= "dwell_misses",
	[ST_NETNS_CAP]		= "netns_cap",
	[ST_NETNS_TRACKED]	= "netns_tracked",
	[ST_NETNS_FOLDED]	= "netns_folded",
	[ST_TIMEWAIT_FIN_WAIT2]	= "timewait_fin_wait2",
	[ST_SEEDED]		= "seeded",
};

/* Keys every format-1 stats file has; the others belong to features. */
static const int stats_required[] = {
	ST_EVENTS, ST_ILLEGAL, ST_UNKNOWN_STATE, ST_LOG_RECORDS,
	ST_LOG_DROPPED, ST_LOG_SIZE, ST_LOG_NEXT_SEQ, ST_STRICT,
};

/* Keys whose value is a flag. */
static const int stats_bool[] = {
	ST_STRICT, ST_INJECT, ST_TIMEWAIT_TRACKING, ST_DWELL,
};

/* The line reader over the private copy of one file. */
struct lines {
	char *p, *end;
	unsigned long no;
	struct tf_err *err;
};

/* Record an error about line LINE (0: the whole file); returns -1. */
__attribute__((format(printf, 4, 5)))
static int fail(struct tf_err *err, int kind, unsigned long line, const char *fmt, ...)
{
	va_list ap;

	err->kind = kind;
	err->line = line;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

#define SYNTAX(L, ...) fail((L)->err, TF_E_SYNTAX, (L)->no, __VA_ARGS__)

/* Copy S into BUF for a message: at most 40 bytes, odd bytes as \xNN. */
static const char *quote(const char *s, char *buf, size_t len)
{
	size_t n = 0, i;

	for (i = 0; s[i] && n + 8 < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (i == 40) {
			memcpy(buf + n, "...", 3);
			n += 3;
			break;
		}
		if (c < 0x20 || c >= 0x7f || c == '\\')
			n += (size_t)snprintf(buf + n, len - n, "\\x%02x", c);
		else
			buf[n++] = (char)c;
	}
	buf[n] = '\0';
	return buf;
}

#define Q(s) quote((s), (char[200]){0}, 200)

/* Parse an unsigned decimal 64-bit number: 0, -1 if not one, -2 overflow. */
int tf_parse_u64(const char *s, uint64_t *v)
{
	uint64_t x = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		unsigned int d;

		if (*s < '0' || *s > '9')
			return -1;
		d = (unsigned int)(*s - '0');
		if (x > (UINT64_MAX - d) / 10)
			return -2;
		x = x * 10 + d;
	}
	*v = x;
	return 0;
}

/* Parse a signed decimal 64-bit number (optional '-'), same returns. */
int tf_parse_i64(const char *s, int64_t *v)
{
	uint64_t x;
	int neg = *s == '-', rc;

	rc = tf_parse_u64(s + neg, &x);
	if (rc)
		return rc;
	if (neg) {
		if (x > (uint64_t)INT64_MAX + 1)
			return -2;
		*v = x == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)x;
	} else {
		if (x > (uint64_t)INT64_MAX)
			return -2;
		*v = (int64_t)x;
	}
	return 0;
}

/* Numbers with a message naming the column. */
static int get_u64(struct lines *L, const char *what, const char *s, uint64_t *v)
{
	int rc = tf_parse_u64(s, v);

	if (rc == -2)
		return SYNTAX(L, "%s %s does not fit in 64 bits", what, Q(s));
	if (rc)
		return SYNTAX(L, "%s '%s' is not an unsigned decimal number", what, Q(s));
	return 0;
}

/* A number that must fit in 32 bits. */
static int get_u32(struct lines *L, const char *what, const char *s, uint32_t *v)
{
	uint64_t x;

	if (get_u64(L, what, s, &x))
		return -1;
	if (x > UINT32_MAX)
		return SYNTAX(L, "%s %s is larger than %u", what, Q(s), UINT32_MAX);
	*v = (uint32_t)x;
	return 0;
}

/* A gauge: "-" for none, else a signed 64-bit number. */
static int get_gauge(struct lines *L, const char *s, bool *has, int64_t *v)
{
	int rc;

	if (strcmp(s, "-") == 0) {
		*has = false;
		*v = 0;
		return 0;
	}
	rc = tf_parse_i64(s, v);
	if (rc == -2)
		return SYNTAX(L, "CURRENT %s does not fit in a signed 64-bit number", Q(s));
	if (rc)
		return SYNTAX(L, "CURRENT '%s' is neither '-' nor a decimal number", Q(s));
	*has = true;
	return 0;
}

/* A state of protocol row PROTO by its name, or STATE_<n>. */
static int get_state(struct lines *L, unsigned int proto, const char *what, const char *s,
		     unsigned char *v)
{
	int st = fsm_parse_proto_state(proto, s);

	if (st < 0)
		return SYNTAX(L, "%s '%s' is not a %s state name or STATE_<0..255>", what, Q(s),
			      fsm_proto_name(proto));
	*v = (unsigned char)st;
	return 0;
}

/* A protocol row name. */
static int get_proto(struct lines *L, const char *s, unsigned char *v)
{
	int p = fsm_parse_proto(s);

	if (p < 0)
		return SYNTAX(L, "unknown protocol '%s' (TCP, MPTCP, DCCP, SCTP or OTHER)", Q(s));
	*v = (unsigned char)p;
	return 0;
}

/*
 * The next line, NUL-terminated in place: 1, 0 at the end, -1 on error.
 * Refuses over-long lines, NUL bytes, control characters and a missing
 * final newline (a truncated read).
 */
static int next_line(struct lines *L, char **line)
{
	size_t avail, scan;
	char *nl, *q;

	if (L->p >= L->end)
		return 0;
	L->no++;
	avail = (size_t)(L->end - L->p);
	scan = avail < TF_MAX_LINE + 1 ? avail : TF_MAX_LINE + 1;
	nl = memchr(L->p, '\n', scan);
	if (!nl) {
		if (avail > TF_MAX_LINE)
			return SYNTAX(L, "line longer than %u bytes", TF_MAX_LINE);
		return SYNTAX(L, "last line does not end with a newline (truncated?)");
	}
	for (q = L->p; q < nl; q++) {
		unsigned char c = (unsigned char)*q;

		if (c == 0)
			return SYNTAX(L, "NUL byte in column %zu", (size_t)(q - L->p) + 1);
		if (c < 0x20 || c == 0x7f)
			return SYNTAX(L, "control character 0x%02x in column %zu", c,
				      (size_t)(q - L->p) + 1);
	}
	*nl = '\0';
	*line = L->p;
	L->p = nl + 1;
	return 1;
}

/* The next line that is not a comment. */
static int next_record(struct lines *L, char **line)
{
	int rc;

	while ((rc = next_line(L, line)) == 1) {
		if ((*line)[0] == '#')
			continue;
		if (!(*line)[0])
			return SYNTAX(L, "empty line");
		return 1;
	}
	return rc;
}

/*
 * Split LINE at single spaces into at most MAX fields.  With REST, what
 * follows the MAX-th field (required) is returned there whole.  Returns the
 * number of fields or -1.
 */
static int split(struct lines *L, char *line, char **tok, int max, char **rest)
{
	char *p = line, *sp;
	int n = 0;

	for (;;) {
		if (n == max) {
			if (rest) {
				*rest = p;
				return n;
			}
			return SYNTAX(L, "more than %d fields", max);
		}
		if (*p == ' ')
			return SYNTAX(L, "empty field (leading or double space)");
		sp = strchr(p, ' ');
		tok[n++] = p;
		if (!sp)
			break;
		*sp = '\0';
		p = sp + 1;
		if (!*p)
			return SYNTAX(L, "trailing space");
	}
	if (rest)
		return SYNTAX(L, "%d fields, expected %d and a reason", n, max);
	return n;
}

/* Split and insist on exactly N fields. */
static int fields(struct lines *L, char *line, char **tok, int n)
{
	int got = split(L, line, tok, n, NULL);

	if (got < 0)
		return -1;
	if (got != n)
		return SYNTAX(L, "%d fields, expected %d", got, n);
	return 0;
}

/* Set up the reader over a private copy of BUF. */
static char *start(struct lines *L, const char *name, const char *buf, size_t len,
		   struct tf_err *err)
{
	char *copy;

	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "%s", name);
	memset(L, 0, sizeof(*L));
	L->err = err;
	if (len > TF_MAX_FILE) {
		fail(err, TF_E_SYNTAX, 0, "larger than %u MiB", TF_MAX_FILE >> 20);
		return NULL;
	}
	copy = malloc(len + 1);
	if (!copy) {
		fail(err, TF_E_NOMEM, 0, "out of memory");
		return NULL;
	}
	if (len)
		memcpy(copy, buf, len);
	copy[len] = '\0';
	L->p = copy;
	L->end = copy + len;
	return copy;
}

/* Check the first line: "# tcpfsm NAME format N" with N == FSM_FORMAT. */
static int header(struct lines *L, const char *name)
{
	char *line, *tok[6];
	uint64_t fmt;
	int rc, n;

	rc = next_line(L, &line);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		L->no = 1;
		return SYNTAX(L, "empty file, expected '# tcpfsm %s format %d'", name,
			      FSM_FORMAT);
	}
	if (strncmp(line, "# tcpfsm ", 9) != 0)
		return SYNTAX(L, "expected '# tcpfsm %s format %d', found '%s'", name,
			      FSM_FORMAT, Q(line));
	n = split(L, line, tok, 6, NULL);
	if (n < 0)
		return -1;
	if (n != 5 || strcmp(tok[3], "format") != 0)
		return SYNTAX(L, "expected '# tcpfsm %s format %d'", name, FSM_FORMAT);
	if (strcmp(tok[2], name) != 0)
		return SYNTAX(L, "this is the header of '%s', expected '%s'", Q(tok[2]), name);
	if (tf_parse_u64(tok[4], &fmt))
		return SYNTAX(L, "format '%s' is not a number", Q(tok[4]));
	if (fmt != FSM_FORMAT)
		return fail(L->err, TF_E_FORMAT, L->no,
			    "%s has format %llu, this tcpfsm understands format %d: %s",
			    name, (unsigned long long)fmt, FSM_FORMAT,
			    fmt > FSM_FORMAT ? "use a newer tcpfsm"
					     : "use an older tcpfsm or a newer module");
	return 0;
}

/* Grow *V (element size SZ) so that it holds one more than *N. */
static int grow(struct lines *L, void **v, size_t *cap, size_t n, size_t sz)
{
	void *nv;
	size_t ncap;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 64;
	nv = realloc(*v, ncap * sz);
	if (!nv)
		return fail(L->err, TF_E_NOMEM, L->no, "out of memory");
	*v = nv;
	*cap = ncap;
	return 0;
}

/*
 * Sort the N rows of V (SZ bytes each) with CMP.  Returns the index of the
 * second row of the first pair CMP finds equal, or 0 when all differ.
 */
static size_t sort_find_dup(void *v, size_t n, size_t sz,
			    int (*cmp)(const void *, const void *))
{
	char *row = v;
	size_t i;

	if (n < 2)
		return 0;
	qsort(v, n, sz, cmp);
	for (i = 1; i < n; i++)
		if (!cmp(row + (i - 1) * sz, row + i * sz))
			return i;
	return 0;
}

/* ---- transitions ---------------------------------------------------- */

/* Order of the transitions file: protocol, FROM, TO. */
static int cmp_trans(const void *a, const void *b)
{
	const struct tf_transition *x = a, *y = b;

	if (x->proto != y->proto)
		return x->proto - y->proto;
	if (x->from != y->from)
		return x->from - y->from;
	return x->to - y->to;
}

/* Parse the transitions file: PROTO FROM TO COUNT VERDICT. */
int tf_parse_transitions(const char *buf, size_t len, struct tf_transitions *out,
			 struct tf_err *err)
{
	struct tf_transition *v = NULL, *t;
	struct lines L;
	char *copy, *line, *tok[5];
	size_t n = 0, cap = 0, i;
	int rc, verdict;

	memset(out, 0, sizeof(*out));
	copy = start(&L, "transitions", buf, len, err);
	if (!copy || header(&L, "transitions"))
		goto bad;
	while ((rc = next_record(&L, &line)) == 1) {
		if (fields(&L, line, tok, 5) || grow(&L, (void **)&v, &cap, n, sizeof(*v)))
			goto bad;
		t = &v[n];
		t->line = L.no;
		if (get_proto(&L, tok[0], &t->proto) ||
		    get_state(&L, t->proto, "FROM", tok[1], &t->from) ||
		    get_state(&L, t->proto, "TO", tok[2], &t->to) ||
		    get_u64(&L, "COUNT", tok[3], &t->count))
			goto bad;
		verdict = fsm_parse_verdict(tok[4]);
		if (verdict < 0) {
			SYNTAX(&L, "unknown verdict '%s' (rfc, linux, illegal or -)", Q(tok[4]));
			goto bad;
		}
		t->verdict = (unsigned char)verdict;
		n++;
	}
	if (rc < 0)
		goto bad;
	i = sort_find_dup(v, n, sizeof(*v), cmp_trans);
	if (i) {
		const struct tf_transition *a = &v[i - 1], *b = &v[i];
		unsigned long first = a->line < b->line ? a->line : b->line;
		char f[16], g[16];

		fail(err, TF_E_SYNTAX, a->line > b->line ? a->line : b->line,
		     "duplicate line for %s %s %s (first on line %lu)",
		     fsm_proto_name(a->proto), fsm_proto_state_label(a->proto, a->from, f),
		     fsm_proto_state_label(a->proto, a->to, g), first);
		goto bad;
	}
	free(copy);
	out->v = v;
	out->n = n;
	return 0;
bad:
	free(copy);
	free(v);
	return -1;
}

/* Free what tf_parse_transitions() returned. */
void tf_transitions_free(struct tf_transitions *t)
{
	free(t->v);
	memset(t, 0, sizeof(*t));
}

/* ---- states ----------------------------------------------------------- */

/* Order of the states file: protocol, state value. */
static int cmp_state(const void *a, const void *b)
{
	const struct tf_state_row *x = a, *y = b;

	if (x->proto != y->proto)
		return x->proto - y->proto;
	return x->state - y->state;
}

/* PROTO STATE CURRENT ENTERED EXITED: the columns states and netns share. */
static int get_state_columns(struct lines *L, char **tok, struct tf_state_row *s)
{
	s->line = L->no;
	return get_proto(L, tok[0], &s->proto) ||
	       get_state(L, s->proto, "STATE", tok[1], &s->state) ||
	       get_gauge(L, tok[2], &s->has_current, &s->current) ||
	       get_u64(L, "ENTERED", tok[3], &s->entered) ||
	       get_u64(L, "EXITED", tok[4], &s->exited);
}

/* Parse the states file: PROTO STATE CURRENT ENTERED EXITED. */
int tf_parse_states(const char *buf, size_t len, struct tf_states *out, struct tf_err *err)
{
	struct tf_state_row *v = NULL, *s;
	struct lines L;
	char *copy, *line, *tok[5];
	size_t n = 0, cap = 0, i;
	int rc;

	memset(out, 0, sizeof(*out));
	copy = start(&L, "states", buf, len, err);
	if (!copy || header(&L, "states"))
		goto bad;
	while ((rc = next_record(&L, &line)) == 1) {
		if (fields(&L, line, tok, 5) || grow(&L, (void **)&v, &cap, n, sizeof(*v)))
			goto bad;
		s = &v[n];
		if (get_state_columns(&L, tok, s))
			goto bad;
		n++;
	}
	if (rc < 0)
		goto bad;
	i = sort_find_dup(v, n, sizeof(*v), cmp_state);
	if (i) {
		const struct tf_state_row *a = &v[i - 1], *b = &v[i];
		char f[16];

		fail(err, TF_E_SYNTAX, a->line > b->line ? a->line : b->line,
		     "duplicate line for %s %s (first on line %lu)",
		     fsm_proto_name(a->proto), fsm_proto_state_label(a->proto, a->state, f),
		     a->line < b->line ? a->line : b->line);
		goto bad;
	}
	free(copy);
	out->v = v;
	out->n = n;
	return 0;
bad:
	free(copy);
	free(v);
	return -1;
}

/* Free what tf_parse_states() returned. */
void tf_states_free(struct tf_states *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* ---- stats ------------------------------------------------------------ */

/* Parse the stats file: known keys, unknown ones ignored. */
int tf_parse_stats(const char *buf, size_t len, struct tf_stats *out, struct tf_err *err)
{
	struct lines L;
	char *copy, *line, *tok[2];
	unsigned long seen[ST_NKEYS] = { 0 }, version_line = 0;
	size_t i;
	int rc, k;

	memset(out, 0, sizeof(*out));
	copy = start(&L, "stats", buf, len, err);
	if (!copy || header(&L, "stats"))
		goto bad;
	while ((rc = next_record(&L, &line)) == 1) {
		if (fields(&L, line, tok, 2))
			goto bad;
		if (strcmp(tok[0], "version") == 0) {
			if (version_line) {
				SYNTAX(&L, "duplicate key 'version' (first on line %lu)",
				       version_line);
				goto bad;
			}
			if (strlen(tok[1]) >= sizeof(out->version)) {
				SYNTAX(&L, "version longer than %zu bytes",
				       sizeof(out->version) - 1);
				goto bad;
			}
			strcpy(out->version, tok[1]);
			version_line = L.no;
			continue;
		}
		for (k = 0; k < ST_NKEYS; k++)
			if (strcmp(tok[0], tf_stat_names[k]) == 0)
				break;
		if (k == ST_NKEYS)
			continue;	/* a key from a newer module */
		if (seen[k]) {
			SYNTAX(&L, "duplicate key '%s' (first on line %lu)", tok[0], seen[k]);
			goto bad;
		}
		if (get_u64(&L, tok[0], tok[1], &out->val[k]))
			goto bad;
		seen[k] = L.no;
		out->have |= 1u << k;
	}
	if (rc < 0)
		goto bad;
	for (i = 0; i < sizeof(stats_bool) / sizeof(stats_bool[0]); i++) {
		k = stats_bool[i];
		if (TF_HAVE(out, k) && out->val[k] > 1) {
			fail(err, TF_E_SYNTAX, seen[k], "%s must be 0 or 1", tf_stat_names[k]);
			goto bad;
		}
	}
	if (TF_HAVE(out, ST_FORMAT) && out->val[ST_FORMAT] != FSM_FORMAT) {
		fail(err, TF_E_SYNTAX, seen[ST_FORMAT], "format %llu contradicts the header",
		     (unsigned long long)out->val[ST_FORMAT]);
		goto bad;
	}
	for (i = 0; i < sizeof(stats_required) / sizeof(stats_required[0]); i++) {
		k = stats_required[i];
		if (!TF_HAVE(out, k)) {
			fail(err, TF_E_SYNTAX, 0, "key '%s' is missing", tf_stat_names[k]);
			goto bad;
		}
	}
	free(copy);
	return 0;
bad:
	free(copy);
	memset(out->val, 0, sizeof(out->val));
	out->have = 0;
	return -1;
}

/* ---- illegal ---------------------------------------------------------- */

enum {
	F_SEQ, F_TS, F_CPU, F_PID, F_COMM, F_CTX, F_NETNS, F_UID, F_CGROUP,
	F_PROTO, F_FAMILY, F_SRC, F_DST, F_FROM, F_TO, F_INJECTED, F_STACK, F_N
};

static const char *const rec_fields[F_N] = {
	"seq", "ts_ns", "cpu", "pid", "comm", "ctx", "netns", "uid", "cgroup",
	"proto", "family", "src", "dst", "from", "to", "injected", "stack",
};

/* The value of a hex digit, or -1. */
static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode comm's \xNN escapes into R->comm. */
static int get_comm(struct lines *L, const char *s, struct tf_record *r)
{
	size_t n = 0;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (n >= sizeof(r->comm) - 1)
			return SYNTAX(L, "comm longer than %zu bytes", sizeof(r->comm) - 1);
		if (c == '\\') {
			int hi, lo;

			if (s[1] != 'x' || (hi = hexval(s[2])) < 0 || (lo = hexval(s[3])) < 0)
				return SYNTAX(L, "comm has a '\\' that is not a \\xNN escape");
			r->comm[n++] = (char)(hi << 4 | lo);
			s += 3;
			continue;
		}
		if (c < 0x21 || c > 0x7e)
			return SYNTAX(L, "comm has byte 0x%02x that should be escaped", c);
		r->comm[n++] = (char)c;
	}
	r->comm[n] = '\0';
	r->comm_len = n;
	return 0;
}

/* Check an address: 1.2.3.4:80 for inet, [::1]:80 for inet6. */
static int get_addr(struct lines *L, const char *what, const char *s, int family)
{
	char host[64];
	const char *colon, *h = s;
	unsigned char tmp[16];
	uint64_t port;
	size_t hl;

	colon = strrchr(s, ':');
	if (!colon)
		return SYNTAX(L, "%s '%s' has no port", what, Q(s));
	if (family == TF_INET6) {
		if (s[0] != '[' || colon == s || colon[-1] != ']')
			return SYNTAX(L, "%s '%s' is not [IPv6]:port", what, Q(s));
		h = s + 1;
		hl = (size_t)(colon - 1 - h);
	} else {
		hl = (size_t)(colon - s);
	}
	if (hl == 0 || hl >= sizeof(host))
		return SYNTAX(L, "%s '%s' has no valid address", what, Q(s));
	memcpy(host, h, hl);
	host[hl] = '\0';
	if (inet_pton(family == TF_INET6 ? AF_INET6 : AF_INET, host, tmp) != 1)
		return SYNTAX(L, "%s '%s' is not an %s address:port", what, Q(s),
			      family == TF_INET6 ? "IPv6" : "IPv4");
	if (tf_parse_u64(colon + 1, &port) || port > 65535)
		return SYNTAX(L, "%s '%s' has an invalid port", what, Q(s));
	return 0;
}

/* Parse one record line into R; stack frames are split later. */
static int parse_record(struct lines *L, char *line, struct tf_record *r, char **stack)
{
	char *val[F_N] = { 0 }, *p = line, *sp, *eq;
	uint64_t inj;
	int k;

	memset(r, 0, sizeof(*r));
	r->line = L->no;
	for (;;) {
		if (*p == ' ')
			return SYNTAX(L, "empty field (leading or double space)");
		sp = strchr(p, ' ');
		if (sp)
			*sp = '\0';
		eq = strchr(p, '=');
		if (!eq || eq == p)
			return SYNTAX(L, "field '%s' is not key=value", Q(p));
		*eq = '\0';
		for (k = 0; k < F_N; k++)
			if (strcmp(p, rec_fields[k]) == 0)
				break;
		if (k < F_N) {
			if (val[k])
				return SYNTAX(L, "duplicate field '%s'", rec_fields[k]);
			/* prctl(PR_SET_NAME, "") makes an empty comm */
			if (!eq[1] && k != F_COMM)
				return SYNTAX(L, "field '%s' is empty", rec_fields[k]);
			val[k] = eq + 1;
		}
		if (!sp)
			break;
		p = sp + 1;
		if (!*p)
			return SYNTAX(L, "trailing space");
	}
	for (k = 0; k < F_N; k++)
		if (!val[k])
			return SYNTAX(L, "field '%s' is missing", rec_fields[k]);
	if (get_u64(L, "seq", val[F_SEQ], &r->seq) ||
	    get_u64(L, "ts_ns", val[F_TS], &r->ts_ns) ||
	    get_u32(L, "cpu", val[F_CPU], &r->cpu) ||
	    get_u32(L, "pid", val[F_PID], &r->pid) ||
	    get_comm(L, val[F_COMM], r) ||
	    get_u64(L, "netns", val[F_NETNS], &r->netns) ||
	    get_u32(L, "uid", val[F_UID], &r->uid) ||
	    get_u64(L, "cgroup", val[F_CGROUP], &r->cgroup) ||
	    get_proto(L, val[F_PROTO], &r->proto) ||
	    get_state(L, r->proto, "from", val[F_FROM], &r->from) ||
	    get_state(L, r->proto, "to", val[F_TO], &r->to) ||
	    get_u64(L, "injected", val[F_INJECTED], &inj))
		return -1;
	if (r->seq == 0)
		return SYNTAX(L, "seq 0 (sequence numbers start at 1)");
	if (inj > 1)
		return SYNTAX(L, "injected must be 0 or 1");
	r->injected = inj;
	if (strcmp(val[F_CTX], "task") == 0)
		r->ctx = TF_CTX_TASK;
	else if (strcmp(val[F_CTX], "softirq") == 0)
		r->ctx = TF_CTX_SOFTIRQ;
	else if (strcmp(val[F_CTX], "irq") == 0)
		r->ctx = TF_CTX_IRQ;
	else
		return SYNTAX(L, "ctx '%s' is not task, softirq or irq", Q(val[F_CTX]));
	if (strcmp(val[F_FAMILY], "inet") == 0)
		r->family = TF_INET;
	else if (strcmp(val[F_FAMILY], "inet6") == 0)
		r->family = TF_INET6;
	else
		return SYNTAX(L, "family '%s' is not inet or inet6", Q(val[F_FAMILY]));
	if (get_addr(L, "src", val[F_SRC], r->family) ||
	    get_addr(L, "dst", val[F_DST], r->family))
		return -1;
	r->comm_raw = val[F_COMM];
	r->src = val[F_SRC];
	r->dst = val[F_DST];
	*stack = val[F_STACK];
	return 0;
}

/* Split each record's stack at ',' into one shared array of frames. */
static int split_frames(struct lines *L, struct tf_log *log, char **stacks)
{
	size_t total = 0, i, k = 0;
	const char **fr;
	char *p;

	for (i = 0; i < log->n; i++) {
		if (strcmp(stacks[i], "-") == 0)
			continue;
		total++;
		for (p = stacks[i]; *p; p++)
			total += *p == ',';
	}
	fr = malloc((total ? total : 1) * sizeof(*fr));
	if (!fr)
		return fail(L->err, TF_E_NOMEM, 0, "out of memory");
	log->frames = fr;
	for (i = 0; i < log->n; i++) {
		struct tf_record *r = &log->v[i];

		r->frames = fr + k;
		if (strcmp(stacks[i], "-") == 0)
			continue;
		for (p = stacks[i];; ) {
			char *c = strchr(p, ',');

			if (c)
				*c = '\0';
			if (!*p)
				return fail(L->err, TF_E_SYNTAX, r->line,
					    "stack has an empty frame");
			fr[k++] = p;
			r->nframes++;
			if (!c)
				break;
			p = c + 1;
		}
	}
	return 0;
}

/* Parse the illegal-transition log; seq must increase. */
int tf_parse_illegal(const char *buf, size_t len, struct tf_log *out, struct tf_err *err)
{
	struct tf_record *v = NULL;
	char **stacks = NULL;
	size_t n = 0, cap = 0, scap = 0;
	struct lines L;
	char *copy, *line;
	int rc;

	memset(out, 0, sizeof(*out));
	copy = start(&L, "illegal", buf, len, err);
	if (!copy || header(&L, "illegal"))
		goto bad;
	while ((rc = next_record(&L, &line)) == 1) {
		if (grow(&L, (void **)&v, &cap, n, sizeof(*v)) ||
		    grow(&L, (void **)&stacks, &scap, n, sizeof(*stacks)) ||
		    parse_record(&L, line, &v[n], &stacks[n]))
			goto bad;
		if (n && v[n].seq <= v[n - 1].seq) {
			SYNTAX(&L, "seq %llu does not follow %llu (the log is oldest first)",
			       (unsigned long long)v[n].seq,
			       (unsigned long long)v[n - 1].seq);
			goto bad;
		}
		n++;
	}
	if (rc < 0)
		goto bad;
	out->v = v;
	out->n = n;
	out->arena = copy;
	if (split_frames(&L, out, stacks)) {
		free(stacks);
		tf_log_free(out);
		return -1;
	}
	free(stacks);
	return 0;
bad:
	free(copy);
	free(v);
	free(stacks);
	return -1;
}

/* Free what tf_parse_illegal() returned. */
void tf_log_free(struct tf_log *l)
{
	free(l->v);
	free(l->arena);
	free(l->frames);
	memset(l, 0, sizeof(*l));
}

/* ---- table ------------------------------------------------------------ */

/* Order of (FROM, TO) pairs by value. */
static int cmp_pair(unsigned int f1, unsigned int t1, unsigned int f2, unsigned int t2)
{
	if (f1 != f2)
		return f1 < f2 ? -1 : 1;
	if (t1 != t2)
		return t1 < t2 ? -1 : 1;
	return 0;
}

/* Parse FLAGS: "-" or a comma-separated list; unknown names are ignored. */
static int get_flags(struct lines *L, char *s, unsigned char *flags)
{
	char *p = s, *c;

	*flags = 0;
	if (strcmp(s, "-") == 0)
		return 0;
	for (;;) {
		c = strchr(p, ',');
		if (c)
			*c = '\0';
		if (!*p)
			return SYNTAX(L, "FLAGS has an empty entry");
		if (strcmp(p, "birth") == 0)
			*flags |= FSM_BIRTH;
		else if (strcmp(p, "untraced") == 0)
			*flags |= FSM_UNTRACED;
		if (!c)
			return 0;
		p = c + 1;
	}
}

/* Order of table rows (through pointers) by pair. */
static int cmp_row(const void *a, const void *b)
{
	const struct tf_table_row *x = *(const struct tf_table_row *const *)a;
	const struct tf_table_row *y = *(const struct tf_table_row *const *)b;

	return cmp_pair(x->from, x->to, y->from, y->to);
}

/* Refuse a pair listed twice; the rows keep the file's order. */
static int table_dups(struct lines *L, struct tf_table_row *v, size_t n)
{
	const struct tf_table_row **ix;
	size_t i;

	if (n < 2)
		return 0;
	ix = malloc(n * sizeof(*ix));
	if (!ix)
		return fail(L->err, TF_E_NOMEM, 0, "out of memory");
	for (i = 0; i < n; i++)
		ix[i] = &v[i];
	i = sort_find_dup(ix, n, sizeof(*ix), cmp_row);
	if (i) {
		const struct tf_table_row *a = ix[i - 1], *b = ix[i];
		char f[16], g[16];

		fail(L->err, TF_E_SYNTAX, a->line > b->line ? a->line : b->line,
		     "duplicate pair %s %s (first on line %lu)",
		     fsm_state_label(a->from, f), fsm_state_label(a->to, g),
		     a->line < b->line ? a->line : b->line);
	}
	free(ix);
	return i ? -1 : 0;
}

/* Parse the table file; rows keep the file's order. */
int tf_parse_table(const char *buf, size_t len, struct tf_table *out, struct tf_err *err)
{
	struct tf_table_row *v = NULL, *t;
	struct lines L;
	char *copy, *line, *tok[4], *rest;
	size_t n = 0, cap = 0;
	int rc, verdict;

	memset(out, 0, sizeof(*out));
	copy = start(&L, "table", buf, len, err);
	if (!copy || header(&L, "table"))
		goto bad;
	while ((rc = next_record(&L, &line)) == 1) {
		if (split(&L, line, tok, 4, &rest) < 0 ||
		    grow(&L, (void **)&v, &cap, n, sizeof(*v)))
			goto bad;
		t = &v[n];
		t->line = L.no;
		if (get_state(&L, FSM_TCP, "FROM", tok[0], &t->from) ||
		    get_state(&L, FSM_TCP, "TO", tok[1], &t->to) ||
		    get_flags(&L, tok[3], &t->flags))
			goto bad;
		verdict = fsm_parse_verdict(tok[2]);
		if (verdict != FSM_RFC && verdict != FSM_LINUX) {
			SYNTAX(&L, "VERDICT '%s' is not rfc or linux", Q(tok[2]));
			goto bad;
		}
		t->verdict = (unsigned char)verdict;
		t->reason = rest;
		n++;
	}
	if (rc < 0 || table_dups(&L, v, n))
		goto bad;
	out->v = v;
	out->n = n;
	out->arena = copy;
	return 0;
bad:
	free(copy);
	free(v);
	return -1;
}

/* Free what tf_parse_table() returned. */
void tf_table_free(struct tf_table *t)
{
	free(t->v);
	free(t->arena);
	memset(t, 0, sizeof(*t));
}

/* ---- lifecycle -------------------------------------------------------- */

/* Order of lifecycle rows by pair. */
static int cmp_life(const void *a, const void *b)
{
	const struct tf_life_row *x = a, *y = b;

	return cmp_pair(x->from, x->to, y->from, y->to);
}

/* Parse the lifecycle file: FROM TO COUNT. */
int tf_parse_lifecycle(const char *buf, size_t len, struct tf_lifecycle *out,
		       struct tf_err *err)
{
	struct tf_life_row *v = NULL, *t;
	struct lines L;
	char *copy, *line, *tok[3];
	size_t n = 0, cap = 0, i;
	int rc;

	memset(out, 0, sizeof(*out));
	copy = start(&L, "lifecycle", buf, len, err);
	if (!copy || header(&L, "lifecycle"))
		goto bad;
	while ((rc = next_record(&L, &line)) == 1) {
		if (fields(&L, line, tok, 3) || grow(&L, (void **)&v, &cap, n, sizeof(*v)))
			goto bad;
		t = &v[n];
		t->line = L.no;
		if (get_state(&L, FSM_TCP, "FROM", tok[0], &t->from) ||
		    get_state(&L, FSM_TCP, "TO", tok[1], &t->to) ||
		    get_u64(&L, "COUNT", tok[2], &t->count))
			goto bad;
		n++;
	}
	if (rc < 0)
		goto bad;
	i = sort_find_dup(v, n, sizeof(*v), cmp_life);
	if (i) {
		char f[16], g[16];

		fail(err, TF_E_SYNTAX,
		     v[i].line > v[i - 1].line ? v[i].line : v[i - 1].line,
		     "duplicate pair %s %s", fsm_state_label(v[i].from, f),
		     fsm_state_label(v[i].to, g));
		goto bad;
	}
	free(copy);
	out->v = v;
	out->n = n;
	return 0;
bad:
	free(copy);
	free(v);
	return -1;
}

/* Free what tf_parse_lifecycle() returned. */
void tf_lifecycle_free(struct tf_lifecycle *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* ---- dwell ------------------------------------------------------------ */

/* Check that the last histogram got its count and sum_us lines. */
static int dwell_close(struct lines *L, const struct tf_dwell_hist *h)
{
	char f[16];

	if (h->have_count && h->have_sum)
		return 0;
	return fail(L->err, TF_E_SYNTAX, h->line, "histogram %s %s has no %s line",
		    fsm_proto_name(h->proto), fsm_proto_state_label(h->proto, h->state, f),
		    h->have_count ? "sum_us" : "count");
}

/* Parse the dwell file into one histogram per protocol and state. */
int tf_parse_dwell(const char *buf, size_t len, struct tf_dwell *out, struct tf_err *err)
{
	struct tf_dwell_hist *v = NULL, *h = NULL;
	unsigned long (*first)[FSM_NSTATES];
	struct lines L;
	char *copy, *line, *tok[4];
	size_t n = 0, cap = 0;
	unsigned char proto = 0, state = 0;
	uint64_t x = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	first = calloc(FSM_NPROTO, sizeof(*first));
	if (!first)
		return fail(err, TF_E_NOMEM, 0, "out of memory");
	copy = start(&L, "dwell", buf, len, err);
	if (!copy || header(&L, "dwell"))
		goto bad;
	while ((rc = next_record(&L, &line)) == 1) {
		if (fields(&L, line, tok, 4) || get_proto(&L, tok[0], &proto) ||
		    get_state(&L, proto, "STATE", tok[1], &state) ||
		    get_u64(&L, "value", tok[3], &x))
			goto bad;
		if (!h || h->proto != proto || h->state != state) {
			if (h && dwell_close(&L, h))
				goto bad;
			if (first[proto][state]) {
				SYNTAX(&L, "second histogram for %s %s (first on line %lu)",
				       tok[0], tok[1], first[proto][state]);
				goto bad;
			}
			if (grow(&L, (void **)&v, &cap, n, sizeof(*v)))
				goto bad;
			h = &v[n++];
			memset(h, 0, sizeof(*h));
			h->proto = proto;
			h->state = state;
			h->line = L.no;
			first[proto][state] = L.no;
		}
		if (strcmp(tok[2], "count") == 0) {
			if (h->have_count) {
				SYNTAX(&L, "second count line");
				goto bad;
			}
			h->count = x;
			h->have_count = true;
		} else if (strcmp(tok[2], "sum_us") == 0) {
			if (h->have_sum) {
				SYNTAX(&L, "second sum_us line");
				goto bad;
			}
			h->sum_us = x;
			h->have_sum = true;
		} else {
			uint64_t b;
			int k;

			if (get_u64(&L, "BUCKET_US", tok[2], &b))
				goto bad;
			if (!b || (b & (b - 1))) {
				SYNTAX(&L, "BUCKET_US %s is not a power of two", tok[2]);
				goto bad;
			}
			if (h->have_count || h->have_sum) {
				SYNTAX(&L, "bucket after the count or sum_us line");
				goto bad;
			}
			for (k = 0; !((b >> k) & 1); k++)
				;
			if (h->bucket[k]) {
				SYNTAX(&L, "second line for bucket %s", tok[2]);
				goto bad;
			}
			if (!x) {
				SYNTAX(&L, "empty bucket listed (only non-empty ones are)");
				goto bad;
			}
			h->bucket[k] = x;
		}
	}
	if (rc < 0 || (h && dwell_close(&L, h)))
		goto bad;
	free(copy);
	free(first);
	out->v = v;
	out->n = n;
	return 0;
bad:
	free(copy);
	free(first);
	free(v);
	return -1;
}

/* Free what tf_parse_dwell() returned. */
void tf_dwell_free(struct tf_dwell *d)
{
	free(d->v);
	memset(d, 0, sizeof(*d));
}

/* ---- netns ------------------------------------------------------------ */

/* Order of netns rows: namespace (other last), protocol, state. */
static int cmp_netns(const void *a, const void *b)
{
	const struct tf_netns_row *x = a, *y = b;

	if (x->other != y->other)
		return x->other ? 1 : -1;
	if (x->netns != y->netns)
		return x->netns < y->netns ? -1 : 1;
	return cmp_state(&x->s, &y->s);
}

/* Parse the netns file: NETNS PROTO STATE CURRENT ENTERED EXITED. */
int tf_parse_netns(const char *buf, size_t len, struct tf_netns *out, struct tf_err *err)
{
	struct tf_netns_row *v = NULL, *r;
	struct lines L;
	char *copy, *line, *tok[6];
	size_t n = 0, cap = 0, i;
	int rc;

	memset(out, 0, sizeof(*out));
	copy = start(&L, "netns", buf, len, err);
	if (!copy || header(&L, "netns"))
		goto bad;
	while ((rc = next_record(&L, &line)) == 1) {
		if (fields(&L, line, tok, 6) || grow(&L, (void **)&v, &cap, n, sizeof(*v)))
			goto bad;
		r = &v[n];
		memset(r, 0, sizeof(*r));
		if (strcmp(tok[0], "other") == 0)
			r->other = true;
		else if (get_u64(&L, "NETNS", tok[0], &r->netns))
			goto bad;
		if (get_state_columns(&L, tok + 1, &r->s))
			goto bad;
		n++;
	}
	if (rc < 0)
		goto bad;
	i = sort_find_dup(v, n, sizeof(*v), cmp_netns);
	if (i) {
		fail(err, TF_E_SYNTAX,
		     v[i].s.line > v[i - 1].s.line ? v[i].s.line : v[i - 1].s.line,
		     "duplicate line (first on line %lu)",
		     v[i].s.line < v[i - 1].s.line ? v[i].s.line : v[i - 1].s.line);
		goto bad;
	}
	free(copy);
	out->v = v;
	out->n = n;
	return 0;
bad:
	free(copy);
	free(v);
	return -1;
}

/* Free what tf_parse_netns() returned. */
void tf_netns_free(struct tf_netns *n)
{
	free(n->v);
	memset(n, 0, sizeof(*n));
}
