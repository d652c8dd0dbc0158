// SPDX-License-Identifier: GPL-2.0
/*
 * dot.c - "tcpfsm dot": the TCP state diagram in Graphviz DOT, laid out
 * like the classic drawing (CLOSED on top, the handshake states, then
 * ESTABLISHED, the closing states, TIME_WAIT at the bottom).  Edges: every
 * pair of the compiled-in table and every observed pair, labelled with the
 * observed count (lifecycle counts when available, since they show
 * TIME_WAIT), wider when more frequent; linux edges dashed, untraced
 * edges grey and dotted, observed illegal edges red.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "fsm.h"
#include "render.h"
#include "tcpfsm.h"

/*
 * log2(X) for X >= 1 without libm: the exponent by halving, then
 * ln(m) = 2 atanh((m - 1) / (m + 1)) for the mantissa m in [1, 2).
 */
static double log2_of(double x)
{
	double e = 0, y, y2, term, sum = 0;
	int k;

	while (x >= 2.0) {
		x /= 2.0;
		e += 1.0;
	}
	y = (x - 1.0) / (x + 1.0);
	y2 = y * y;
	term = y;
	for (k = 1; k < 40; k += 2) {
		sum += term / k;
		term *= y2;
	}
	return e + 2.0 * sum / 0.69314718055994530942;
}

/* Rows of the drawing; -1: no fixed row. */
static int row_of(unsigned int st)
{
	switch (st) {
	case FSM_CLOSE:
		return 0;
	case FSM_LISTEN:
		return 1;
	case FSM_SYN_RECV:
	case FSM_SYN_SENT:
		return 2;
	case FSM_ESTABLISHED:
		return 3;
	case FSM_FIN_WAIT1:
	case FSM_CLOSE_WAIT:
		return 4;
	case FSM_FIN_WAIT2:
	case FSM_CLOSING:
	case FSM_LAST_ACK:
		return 5;
	case FSM_TIME_WAIT:
		return 6;
	default:
		return -1;
	}
}

struct edge {
	unsigned char from, to;
	bool in_table, seen;
	unsigned int verdict;	/* table verdict, or the observed one */
	unsigned int flags;
	bool illegal_seen;	/* observed with verdict illegal in force */
	uint64_t count;
};

/* The observed count and verdict of a pair from the chosen source. */
static void observe(const struct snap *s, bool life, struct edge *e)
{
	const struct tf_transition *t = snap_trans(s, FSM_TCP, e->from, e->to);

	if (life) {
		const struct tf_life_row *l = snap_life(s, e->from, e->to);

		e->count = l ? l->count : 0;
	} else {
		e->count = t ? t->count : 0;
	}
	e->seen = e->count > 0;
	/* the verdict in force (strict, the module's table) when counted */
	e->illegal_seen = e->seen && (t ? t->verdict == FSM_ILLEGAL : !e->in_table);
}

/* One node: kernel name, RFC name when it differs, and the gauge. */
static void node(struct out *o, const struct snap *s, unsigned int st)
{
	const struct tf_state_row *r = snap_state(s, FSM_TCP, st);
	const char *rfc = fsm_rfc_name(st);
	char l[16];

	fprintf(o->f, "  %s [label=\"%s", fsm_state_label(st, l), fsm_state_label(st, l));
	if (rfc && strcmp(rfc, fsm_state_name(st)) != 0)
		fprintf(o->f, "\\n%s", rfc);
	if (r && r->has_current)
		fprintf(o->f, "\\nnow %" PRId64, r->current);
	fputc('"', o->f);
	if (!rfc)
		fputs(", style=\"rounded,dashed\", color=red, fontcolor=red", o->f);
	fputs("];\n", o->f);
}

/* The "dot" command. */
int cmd_dot(const struct opts *op, struct out *o)
{
	struct edge e[FSM_NSLOTS * FSM_NSLOTS + 64];
	bool used[FSM_NSTATES] = { false };
	size_t n = 0, i, k;
	struct fsm_rule r;
	struct snap s;
	bool live, life;
	char f[16], t[16];
	int rc, row;

	rc = snap_load(&s, op->root, 0, SF(SF_TRANSITIONS) | SF(SF_LIFECYCLE) | SF(SF_STATES));
	if (rc) {
		snap_free(&s);
		return rc;
	}
	live = snap_has(&s, SF_TRANSITIONS);
	life = snap_has(&s, SF_LIFECYCLE);
	for (i = 0; i < fsm_nrules(); i++) {
		fsm_rule_get(i, &r);
		memset(&e[n], 0, sizeof(e[n]));
		e[n].from = (unsigned char)r.from;
		e[n].to = (unsigned char)r.to;
		e[n].in_table = true;
		e[n].verdict = r.verdict;
		e[n].flags = r.flags;
		n++;
	}
	/* observed TCP pairs outside the table (illegal) */
	for (i = 0; live && i < s.trans.n; i++) {
		const struct tf_transition *x = &s.trans.v[i];

		if (x->proto != FSM_TCP || !x->count || fsm_rule_find(x->from, x->to, &r))
			continue;
		if (n >= sizeof(e) / sizeof(e[0]))
			break;
		memset(&e[n], 0, sizeof(e[n]));
		e[n].from = x->from;
		e[n].to = x->to;
		e[n].verdict = x->verdict;
		n++;
	}
	for (i = 0; i < n; i++) {
		if (live)
			observe(&s, life, &e[i]);
		used[e[i].from] = used[e[i].to] = true;
	}

	fputs("// tcpfsm dot: render with  dot -Tsvg -o tcpfsm.svg\n", o->f);
	fputs("digraph tcpfsm {\n", o->f);
	fprintf(o->f, "  label=\"TCP states (RFC 9293, Linux names above RFC names); "
		"%s\";\n", !live ? "reference table only, no live counts" :
		life ? "counts from lifecycle (TIME_WAIT shown)" :
		"counts from transitions (TIME_WAIT is never traced)");
	fputs("  labelloc=t;\n  fontname=\"Helvetica\";\n  nodesep=0.6;\n  ranksep=0.7;\n"
	      "  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n"
	      "  edge [fontname=\"Helvetica\", fontsize=10];\n", o->f);
	for (k = 0; k < FSM_NSTATES; k++)
		if (used[k] || fsm_is_rfc_state((unsigned int)k))
			node(o, &s, (unsigned int)k);
	for (row = 0; row <= 6; row++) {
		fputs("  { rank=same;", o->f);
		for (i = 0; i < FSM_NRFC; i++)
			if (row_of(fsm_rfc_order[i]) == row)
				fprintf(o->f, " %s;", fsm_state_name(fsm_rfc_order[i]));
		fputs(" }\n", o->f);
	}
	for (i = 0; i < n; i++) {
		const struct edge *x = &e[i];
		int rf = row_of(x->from), rt = row_of(x->to);
		double pw = 1.0;

		fprintf(o->f, "  %s -> %s [", fsm_state_label(x->from, f),
			fsm_state_label(x->to, t));
		if (live) {
			pw = 1.0 + log2_of((double)x->count + 1.0);
			if (pw > 8.0)
				pw = 8.0;
			fprintf(o->f, "label=\"%" PRIu64 "\", penwidth=%.2f", x->count, pw);
		} else {
			fputs("penwidth=1", o->f);
		}
		if (x->illegal_seen)
			fputs(", color=red, fontcolor=red", o->f);
		else if (x->flags & FSM_UNTRACED)
			fputs(", color=grey50, fontcolor=grey40", o->f);
		else if (live && !x->seen)
			fputs(", color=grey70, fontcolor=grey60", o->f);
		if (x->flags & FSM_UNTRACED)
			fputs(", style=dotted", o->f);
		else if (x->verdict == FSM_LINUX)
			fputs(", style=dashed", o->f);
		/* back edges (aborts to CLOSE) must not pull the layout upwards */
		if (rf < 0 || rt < 0 || rt <= rf)
			fputs(", constraint=false", o->f);
		fputs("];\n", o->f);
	}
	fputs("}\n", o->f);
	snap_free(&s);
	return EX_OK;
}
