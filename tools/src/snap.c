// SPDX-License-Identifier: GPL-2.0
/*
 * snap.c - read and parse the debugfs files a command needs, with errors
 * that name the file and line, and lookups over the parsed data.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "snap.h"
#include "source.h"
#include "tcpfsm.h"
#include "util.h"

const char *const snap_file_names[SF_N] = {
	[SF_TRANSITIONS]	= "transitions",
	[SF_STATES]		= "states",
	[SF_STATS]		= "stats",
	[SF_ILLEGAL]		= "illegal",
	[SF_TABLE]		= "table",
	[SF_LIFECYCLE]		= "lifecycle",
	[SF_DWELL]		= "dwell",
	[SF_NETNS]		= "netns",
};

/* Print a parse error as "tcpfsm: ROOT/FILE:LINE: message". */
void snap_report(const char *root, const struct tf_err *e)
{
	if (e->line)
		errmsg("%s/%s:%lu: %s", root, e->file, e->line, e->msg);
	else
		errmsg("%s/%s: %s", root, e->file, e->msg);
}

/* The exit code for a parse error. */
int snap_err_exit(const struct tf_err *e)
{
	switch (e->kind) {
	case TF_E_FORMAT:
		return EX_FORMAT;
	case TF_E_NOMEM:
		return EX_SYS;
	default:
		return EX_DATA;
	}
}

/* Parse BUF as debugfs file F into S. */
static int parse_one(struct snap *s, int f, const char *buf, size_t len, struct tf_err *e)
{
	switch (f) {
	case SF_TRANSITIONS:
		return tf_parse_transitions(buf, len, &s->trans, e);
	case SF_STATES:
		return tf_parse_states(buf, len, &s->states, e);
	case SF_STATS:
		return tf_parse_stats(buf, len, &s->stats, e);
	case SF_ILLEGAL:
		return tf_parse_illegal(buf, len, &s->log, e);
	case SF_TABLE:
		return tf_parse_table(buf, len, &s->table, e);
	case SF_LIFECYCLE:
		return tf_parse_lifecycle(buf, len, &s->life, e);
	case SF_DWELL:
		return tf_parse_dwell(buf, len, &s->dwell, e);
	default:
		return tf_parse_netns(buf, len, &s->netns, e);
	}
}

/*
 * Read the files in NEED (each must exist) and WANT (optional) from ROOT.
 * Returns EX_OK, or an exit code after printing what is wrong.  When only
 * optional files were asked for, an unusable ROOT is not an error: root_ok
 * is false and why says what is wrong.
 */
int snap_load(struct snap *s, const char *root, unsigned int need, unsigned int want)
{
	struct stat st;
	int f, rc, errnum;

	memset(s, 0, sizeof(*s));
	s->root = root;
	if (stat(root, &st) != 0 || !S_ISDIR(st.st_mode)) {
		rc = src_diagnose(root, s->why, sizeof(s->why));
		if (need) {
			errmsg("%s", s->why);
			return rc;
		}
		for (f = 0; f < SF_N; f++)
			s->status[f] = SRC_MISSING;
		return EX_OK;
	}
	s->root_ok = true;
	for (f = 0; f < SF_N; f++) {
		struct tf_err e;
		char *buf;
		size_t len;

		if (!((need | want) & SF(f)))
			continue;
		rc = src_read(root, snap_file_names[f], &buf, &len, &errnum);
		s->status[f] = rc;
		if (rc == SRC_TOOBIG) {
			errmsg("%s/%s: larger than %u MiB, refusing to read it", root,
			       snap_file_names[f], TF_MAX_FILE >> 20);
			return EX_DATA;
		}
		if (rc == SRC_ERROR) {
			errmsg("%s/%s: %s", root, snap_file_names[f], strerror(errnum));
			return EX_SYS;
		}
		if (rc == SRC_DENIED && (need & SF(f))) {
			errmsg("%s/%s: permission denied: run tcpfsm as root "
			       "(the tcpfsm files are root-only)", root, snap_file_names[f]);
			return EX_PERM;
		}
		if (rc == SRC_MISSING && (need & SF(f))) {
			errmsg("%s/%s: missing (every tcpfsm module has it: is %s the tcpfsm "
			       "debugfs directory?)", root, snap_file_names[f], root);
			return EX_NOSRC;
		}
		if (rc != SRC_OK) {
			if (rc == SRC_DENIED)
				snprintf(s->why, sizeof(s->why), "%s/%s: permission denied: "
					 "run tcpfsm as root", root, snap_file_names[f]);
			continue;
		}
		if (parse_one(s, f, buf, len, &e)) {
			free(buf);
			snap_report(root, &e);
			return snap_err_exit(&e);
		}
		free(buf);
		s->have |= SF(f);
	}
	return EX_OK;
}

/* Free every parsed file of S. */
void snap_free(struct snap *s)
{
	tf_transitions_free(&s->trans);
	tf_states_free(&s->states);
	tf_log_free(&s->log);
	tf_table_free(&s->table);
	tf_lifecycle_free(&s->life);
	tf_dwell_free(&s->dwell);
	tf_netns_free(&s->netns);
	s->have = 0;
}

/* Whether FILE was read and parsed. */
bool snap_has(const struct snap *s, int file)
{
	return (s->have & SF(file)) != 0;
}

/* The transitions line for a cell, or NULL. */
const struct tf_transition *snap_trans(const struct snap *s, unsigned int proto,
				       unsigned int from, unsigned int to)
{
	size_t lo = 0, hi = s->trans.n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct tf_transition *t = &s->trans.v[mid];
		unsigned long a = (unsigned long)t->proto << 16 | t->from << 8 | t->to;
		unsigned long b = (unsigned long)proto << 16 | from << 8 | to;

		if (a == b)
			return t;
		if (a < b)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* The TCP count of FROM -> TO in transitions (0 if none). */
uint64_t snap_trans_count(const struct snap *s, unsigned int from, unsigned int to)
{
	const struct tf_transition *t = snap_trans(s, FSM_TCP, from, to);

	return t ? t->count : 0;
}

/* The lifecycle line for a pair, or NULL. */
const struct tf_life_row *snap_life(const struct snap *s, unsigned int from, unsigned int to)
{
	size_t i;

	for (i = 0; i < s->life.n; i++)
		if (s->life.v[i].from == from && s->life.v[i].to == to)
			return &s->life.v[i];
	return NULL;
}

/* The states line of PROTO STATE, or NULL. */
const struct tf_state_row *snap_state(const struct snap *s, unsigned int proto,
				      unsigned int state)
{
	size_t i;

	for (i = 0; i < s->states.n; i++)
		if (s->states.v[i].proto == proto && s->states.v[i].state == state)
			return &s->states.v[i];
	return NULL;
}

/* A stats value, 0 when absent. */
uint64_t snap_stat(const struct snap *s, int key)
{
	return snap_has(s, SF_STATS) ? s->stats.val[key] : 0;
}

/* A feature flag of stats. */
bool snap_stat_on(const struct snap *s, int key)
{
	return snap_has(s, SF_STATS) && TF_HAVE(&s->stats, key) && s->stats.val[key];
}

/* The table in force: the module's table file when read, else the header. */
void ruleset_get(const struct snap *s, struct ruleset *rs)
{
	size_t i;

	if (snap_has(s, SF_TABLE)) {
		rs->n = s->table.n;
		rs->v = xcalloc(rs->n, sizeof(*rs->v));
		for (i = 0; i < rs->n; i++) {
			rs->v[i].from = s->table.v[i].from;
			rs->v[i].to = s->table.v[i].to;
			rs->v[i].verdict = s->table.v[i].verdict;
			rs->v[i].flags = s->table.v[i].flags;
			rs->v[i].reason = s->table.v[i].reason;
		}
		rs->from_module = true;
		return;
	}
	rs->n = fsm_nrules();
	rs->v = xcalloc(rs->n, sizeof(*rs->v));
	for (i = 0; i < rs->n; i++)
		fsm_rule_get(i, &rs->v[i]);
	rs->from_module = false;
}

/* The rule of a pair in RS; false when the pair is illegal there. */
bool ruleset_find(const struct ruleset *rs, unsigned int from, unsigned int to,
		  struct fsm_rule *r)
{
	size_t i;

	for (i = 0; i < rs->n; i++) {
		if (rs->v[i].from == from && rs->v[i].to == to) {
			if (r)
				*r = rs->v[i];
			return true;
		}
	}
	return false;
}

/* Free what ruleset_get() allocated. */
void ruleset_free(struct ruleset *rs)
{
	free(rs->v);
	rs->v = NULL;
	rs->n = 0;
}
