/* SPDX-License-Identifier: GPL-2.0 */
/*
 * snap.h - one reading of the debugfs directory, and lookups into it
 */
#ifndef TCPFSM_SNAP_H
#define TCPFSM_SNAP_H

#include <stdbool.h>
#include <stdint.h>

#include "fsm.h"
#include "parse.h"

enum {
	SF_TRANSITIONS, SF_STATES, SF_STATS, SF_ILLEGAL, SF_TABLE,
	SF_LIFECYCLE, SF_DWELL, SF_NETNS, SF_N
};

#define SF(x)	(1u << (x))

extern const char *const snap_file_names[SF_N];

struct snap {
	const char *root;
	unsigned int have;	/* SF() bits of the files read */
	int status[SF_N];	/* SRC_* of each file asked for */
	bool root_ok;		/* false: why says what is wrong */
	char why[600];
	struct tf_transitions trans;
	struct tf_states states;
	struct tf_stats stats;
	struct tf_log log;
	struct tf_table table;
	struct tf_lifecycle life;
	struct tf_dwell dwell;
	struct tf_netns netns;
};

/* The reference table in force: the module's, or the compiled-in one. */
struct ruleset {
	struct fsm_rule *v;
	size_t n;
	bool from_module;
};

int snap_load(struct snap *s, const char *root, unsigned int need, unsigned int want);
void snap_free(struct snap *s);
bool snap_has(const struct snap *s, int file);
void snap_report(const char *root, const struct tf_err *e);
int snap_err_exit(const struct tf_err *e);

const struct tf_transition *snap_trans(const struct snap *s, unsigned int proto,
				       unsigned int from, unsigned int to);
uint64_t snap_trans_count(const struct snap *s, unsigned int from, unsigned int to);
const struct tf_life_row *snap_life(const struct snap *s, unsigned int from, unsigned int to);
const struct tf_state_row *snap_state(const struct snap *s, unsigned int proto,
				      unsigned int state);
uint64_t snap_stat(const struct snap *s, int key);
bool snap_stat_on(const struct snap *s, int key);

void ruleset_get(const struct snap *s, struct ruleset *rs);
bool ruleset_find(const struct ruleset *rs, unsigned int from, unsigned int to,
		  struct fsm_rule *r);
void ruleset_free(struct ruleset *rs);

#endif
