/* SPDX-License-Identifier: GPL-2.0 */
/*
 * parse.h - parsers for the debugfs files of docs/debugfs.md (format 1)
 *
 * Every parser is a pure function over a buffer: it copies what it keeps,
 * never reads files, and on failure fills a struct tf_err with the line and
 * a message.  The fuzzer in fuzz/fuzz_parse.c calls them directly.
 */
#ifndef TCPFSM_PARSE_H
#define TCPFSM_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TF_MAX_LINE	(256u * 1024u)		/* longest accepted line */
#define TF_MAX_FILE	(64u * 1024u * 1024u)	/* largest accepted file */

enum tf_errkind {
	TF_E_SYNTAX = 1,	/* malformed content */
	TF_E_FORMAT,		/* a format number this tool does not know */
	TF_E_NOMEM,		/* out of memory */
};

struct tf_err {
	int kind;
	char file[32];		/* debugfs file name, e.g. "transitions" */
	unsigned long line;	/* 1-based; 0 when not about one line */
	char msg[320];
};

struct tf_transition {
	unsigned char proto, from, to, verdict;
	uint64_t count;
	unsigned long line;
};

struct tf_transitions {
	struct tf_transition *v;
	size_t n;
};

struct tf_state_row {
	unsigned char proto, state;
	bool has_current;	/* false where the file says "-" */
	int64_t current;
	uint64_t entered, exited;
	unsigned long line;
};

struct tf_states {
	struct tf_state_row *v;
	size_t n;
};

/* Known keys of the stats file; others are ignored. */
enum tf_stat {
	ST_FORMAT, ST_EVENTS, ST_ILLEGAL, ST_UNKNOWN_STATE, ST_INJECTED,
	ST_LOG_RECORDS, ST_LOG_DROPPED, ST_LOG_SIZE, ST_LOG_NEXT_SEQ,
	ST_STRICT, ST_INJECT, ST_TIMEWAIT_TRACKING, ST_DWELL,
	ST_DWELL_TRACKED, ST_DWELL_CAPACITY, ST_DWELL_MISSES, ST_NETNS_CAP,
	ST_NETNS_TRACKED, ST_NETNS_FOLDED, ST_TIMEWAIT_FIN_WAIT2, ST_SEEDED,
	ST_NKEYS
};

extern const char *const tf_stat_names[ST_NKEYS];

struct tf_stats {
	char version[64];	/* "" when absent */
	uint64_t val[ST_NKEYS];
	uint32_t have;		/* bit k set when key k was present */
};

#define TF_HAVE(st, k)	(((st)->have >> (k)) & 1u)

enum { TF_CTX_TASK, TF_CTX_SOFTIRQ, TF_CTX_IRQ };
enum { TF_INET, TF_INET6 };

struct tf_record {
	uint64_t seq, ts_ns, netns, cgroup;
	uint32_t cpu, pid, uid;
	unsigned char ctx, proto, family, from, to;
	bool injected;
	char comm[65];		/* decoded bytes, may hold any byte */
	size_t comm_len;
	const char *comm_raw;	/* as the kernel wrote it (\xNN escapes) */
	const char *src, *dst;
	const char **frames;	/* innermost first */
	size_t nframes;
	unsigned long line;
};

struct tf_log {
	struct tf_record *v;
	size_t n;
	char *arena;		/* owns every string above */
	const char **frames;	/* owns every frames array */
};

struct tf_table_row {
	unsigned char from, to, verdict, flags;
	const char *reason;
	unsigned long line;
};

struct tf_table {
	struct tf_table_row *v;
	size_t n;
	char *arena;
};

struct tf_life_row {
	unsigned char from, to;
	uint64_t count;
	unsigned long line;
};

struct tf_lifecycle {
	struct tf_life_row *v;
	size_t n;
};

#define TF_DWELL_NBUCKETS 64	/* bucket k holds 2^(k-1) <= t < 2^k us */

struct tf_dwell_hist {
	unsigned char proto, state;
	uint64_t bucket[TF_DWELL_NBUCKETS];
	uint64_t count, sum_us;
	bool have_count, have_sum;
	unsigned long line;
};

struct tf_dwell {
	struct tf_dwell_hist *v;
	size_t n;
};

/* A line of the netns file: a line of the states file, per namespace. */
struct tf_netns_row {
	uint64_t netns;
	bool other;		/* NETNS was "other" */
	struct tf_state_row s;
};

struct tf_netns {
	struct tf_netns_row *v;
	size_t n;
};

int tf_parse_transitions(const char *buf, size_t len, struct tf_transitions *out,
			 struct tf_err *err);
int tf_parse_states(const char *buf, size_t len, struct tf_states *out,
		    struct tf_err *err);
int tf_parse_stats(const char *buf, size_t len, struct tf_stats *out,
		   struct tf_err *err);
int tf_parse_illegal(const char *buf, size_t len, struct tf_log *out,
		     struct tf_err *err);
int tf_parse_table(const char *buf, size_t len, struct tf_table *out,
		   struct tf_err *err);
int tf_parse_lifecycle(const char *buf, size_t len, struct tf_lifecycle *out,
		       struct tf_err *err);
int tf_parse_dwell(const char *buf, size_t len, struct tf_dwell *out,
		   struct tf_err *err);
int tf_parse_netns(const char *buf, size_t len, struct tf_netns *out,
		   struct tf_err *err);

void tf_transitions_free(struct tf_transitions *t);
void tf_states_free(struct tf_states *s);
void tf_log_free(struct tf_log *l);
void tf_table_free(struct tf_table *t);
void tf_lifecycle_free(struct tf_lifecycle *l);
void tf_dwell_free(struct tf_dwell *d);
void tf_netns_free(struct tf_netns *n);

int tf_parse_u64(const char *s, uint64_t *v);
int tf_parse_i64(const char *s, int64_t *v);

#endif
