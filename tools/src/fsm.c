// SPDX-License-Identifier: GPL-2.0
/*
 * fsm.c - accessors for the reference table of module/tcpfsm_table.h
 *
 * This is the only file that includes the shared header, so the tool and
 * the module cannot disagree about names, values, verdicts or rules.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "../module/tcpfsm_table.h"
#include "fsm.h"

_Static_assert(FSM_FORMAT == TCPFSM_FORMAT_VERSION, "format number");
_Static_assert(FSM_NSLOTS == TCPFSM_NSLOTS, "slot count");
/* Same numbering as the header (compared as int: the enums differ). */
#define SAME(a, b) ((int)(a) == (int)(b))
_Static_assert(SAME(FSM_ESTABLISHED, TCPFSM_ESTABLISHED) && SAME(FSM_CLOSE, TCPFSM_CLOSE) &&
	       SAME(FSM_BOUND_INACTIVE, TCPFSM_BOUND_INACTIVE), "state values");
_Static_assert(SAME(FSM_TCP, TCPFSM_PROTO_TCP) && SAME(FSM_OTHER, TCPFSM_PROTO_OTHER) &&
	       SAME(FSM_NPROTO, TCPFSM_NPROTO), "protocol rows");
_Static_assert(SAME(FSM_ILLEGAL, TCPFSM_ILLEGAL) && SAME(FSM_RFC, TCPFSM_RFC) &&
	       SAME(FSM_LINUX, TCPFSM_LINUX) && SAME(FSM_UNCHECKED, TCPFSM_UNCHECKED) &&
	       SAME(FSM_NVERDICTS, TCPFSM_NVERDICTS), "verdicts");
_Static_assert(FSM_BIRTH == TCPFSM_BIRTH && FSM_UNTRACED == TCPFSM_UNTRACED, "flags");

const unsigned char fsm_rfc_order[FSM_NRFC] = {
	FSM_CLOSE, FSM_LISTEN, FSM_SYN_SENT, FSM_SYN_RECV, FSM_ESTABLISHED,
	FSM_FIN_WAIT1, FSM_FIN_WAIT2, FSM_CLOSING, FSM_TIME_WAIT,
	FSM_CLOSE_WAIT, FSM_LAST_ACK,
};

/* Grid column headings: short enough for 11 columns in 100 characters. */
static const char *const short_names[TCPFSM_NSLOTS] = {
	[TCPFSM_ESTABLISHED]	= "ESTAB",
	[TCPFSM_SYN_SENT]	= "SYN_S",
	[TCPFSM_SYN_RECV]	= "SYN_R",
	[TCPFSM_FIN_WAIT1]	= "FW1",
	[TCPFSM_FIN_WAIT2]	= "FW2",
	[TCPFSM_TIME_WAIT]	= "TW",
	[TCPFSM_CLOSE]		= "CLOSE",
	[TCPFSM_CLOSE_WAIT]	= "CW",
	[TCPFSM_LAST_ACK]	= "LACK",
	[TCPFSM_LISTEN]		= "LISTEN",
	[TCPFSM_CLOSING]	= "CLOSING",
	[TCPFSM_NEW_SYN_RECV]	= "NSR",
	[TCPFSM_BOUND_INACTIVE]	= "BI",
};

/* The kernel's name of a state value, or NULL if it has none. */
const char *fsm_state_name(unsigned int v)
{
	return tcpfsm_state_name((long)v);
}

/* The RFC 9293 name of a state value, or NULL for kernel-only states. */
const char *fsm_rfc_name(unsigned int v)
{
	if (v >= TCPFSM_NSLOTS)
		return NULL;
	return tcpfsm_rfc_names[v];
}

/* The name the debugfs files use for a TCP state: its name or STATE_<n>. */
const char *fsm_state_label(unsigned int v, char buf[16])
{
	return fsm_proto_state_label(FSM_TCP, v, buf);
}

/*
 * The tool reads every file with the numbering of the newest kernels that
 * have each state: TCP's BOUND_INACTIVE (6.8+) is 13 and DCCP's own two
 * states, whose values moved up by one in 6.8, are 14 and 15.  Only those
 * two DCCP values can differ from the kernel's (see
 * fsm_proto_state_numbered()).
 */
#define FSM_TCP_MAX_STATES TCPFSM_TCP_MAX_STATES_NEW

/* The name of state V of protocol row PROTO, or STATE_<n>. */
const char *fsm_proto_state_label(unsigned int proto, unsigned int v, char buf[16])
{
	const char *n = tcpfsm_proto_state_name(proto, (long)v, FSM_TCP_MAX_STATES);

	if (n)
		return n;
	snprintf(buf, 16, "STATE_%u", v & 0xffffu);
	return buf;
}

/* False for a state whose value the tool cannot know: DCCP's own two. */
bool fsm_proto_state_numbered(unsigned int proto, unsigned int v)
{
	return proto != FSM_DCCP || v < FSM_TCP_MAX_STATES;
}

/* A short heading for the transition grid. */
const char *fsm_short_label(unsigned int v, char buf[16])
{
	if (v < TCPFSM_NSLOTS && short_names[v])
		return short_names[v];
	snprintf(buf, 16, "S%u", v & 0xffffu);
	return buf;
}

/* True for the 11 states RFC 9293 draws. */
bool fsm_is_rfc_state(unsigned int v)
{
	return fsm_rfc_name(v) != NULL;
}

/* Parse an exact debugfs state name (or STATE_<n>, 0..255); -1 if invalid. */
int fsm_parse_state(const char *s)
{
	unsigned int v = 0;
	const char *p;
	int i;

	for (i = TCPFSM_STATE_FIRST; i <= TCPFSM_STATE_LAST; i++)
		if (strcmp(s, tcpfsm_state_names[i]) == 0)
			return i;
	if (strncmp(s, "STATE_", 6) != 0 || !s[6] || strlen(s + 6) > 3)
		return -1;
	for (p = s + 6; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (unsigned int)(*p - '0');
	}
	return v <= 255 ? (int)v : -1;
}

/*
 * Parse a state of protocol row PROTO as the debugfs files name it (or
 * STATE_<n>, 0..255); -1 if invalid.
 */
int fsm_parse_proto_state(unsigned int proto, const char *s)
{
	long v = tcpfsm_proto_state_value(proto, s, FSM_TCP_MAX_STATES);

	if (v >= 0)
		return (int)v;
	return strncmp(s, "STATE_", 6) == 0 ? fsm_parse_state(s) : -1;
}

/* Upper-case S into BUF without '-', '_' and spaces, for loose matching. */
static void squash(const char *s, char *buf, size_t len)
{
	size_t n = 0;

	for (; *s && n + 1 < len; s++) {
		if (*s == '-' || *s == '_' || *s == ' ')
			continue;
		buf[n++] = (char)toupper((unsigned char)*s);
	}
	buf[n] = '\0';
}

/*
 * Find a state from what a person types: kernel or RFC name, any case,
 * with '-' or '_' or neither ("time-wait", "SYN_RECEIVED", "closed").
 */
int fsm_lookup_state(const char *s)
{
	char want[32], have[32];
	int i;

	if (strlen(s) >= sizeof(want))
		return -1;
	squash(s, want, sizeof(want));
	for (i = TCPFSM_STATE_FIRST; i <= TCPFSM_STATE_LAST; i++) {
		squash(tcpfsm_state_names[i], have, sizeof(have));
		if (strcmp(want, have) == 0)
			return i;
		if (!tcpfsm_rfc_names[i])
			continue;
		squash(tcpfsm_rfc_names[i], have, sizeof(have));
		if (strcmp(want, have) == 0)
			return i;
	}
	return fsm_parse_state(s);
}

/* The name of protocol row P. */
const char *fsm_proto_name(unsigned int p)
{
	return p < TCPFSM_NPROTO ? tcpfsm_proto_names[p] : "?";
}

/* Parse a protocol row name; -1 if unknown. */
int fsm_parse_proto(const char *s)
{
	int i;

	for (i = 0; i < TCPFSM_NPROTO; i++)
		if (strcmp(s, tcpfsm_proto_names[i]) == 0)
			return i;
	return -1;
}

/* The name of verdict V. */
const char *fsm_verdict_name(unsigned int v)
{
	return v < TCPFSM_NVERDICTS ? tcpfsm_verdict_names[v] : "?";
}

/* Parse a verdict name; -1 if unknown. */
int fsm_parse_verdict(const char *s)
{
	int i;

	for (i = 0; i < TCPFSM_NVERDICTS; i++)
		if (strcmp(s, tcpfsm_verdict_names[i]) == 0)
			return i;
	return -1;
}

/* Number of rules in the compiled-in table. */
size_t fsm_nrules(void)
{
	return TCPFSM_NRULES;
}

/* Copy rule I of the compiled-in table. */
void fsm_rule_get(size_t i, struct fsm_rule *r)
{
	const struct tcpfsm_rule *t = &tcpfsm_rules[i];

	r->from = t->from;
	r->to = t->to;
	r->verdict = t->verdict;
	r->flags = t->flags;
	r->reason = t->reason;
}

/* The compiled-in rule for a TCP pair; false when the pair is illegal. */
bool fsm_rule_find(unsigned int from, unsigned int to, struct fsm_rule *r)
{
	const struct tcpfsm_rule *t = tcpfsm_rule_find((long)from, (long)to);

	if (!t)
		return false;
	fsm_rule_get((size_t)(t - tcpfsm_rules), r);
	return true;
}

/* Flags as the table file writes them: "-" or "birth,untraced". */
void fsm_flags_str(unsigned int flags, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s",
		 flags & FSM_BIRTH ? "birth" : "",
		 (flags & FSM_BIRTH) && (flags & FSM_UNTRACED) ? "," : "",
		 flags & FSM_UNTRACED ? "untraced" : "");
	if (!flags)
		snprintf(buf, len, "-");
}
