// SPDX-License-Identifier: GPL-2.0
/*
 * render_transitions.c - "tcpfsm transitions": the TCP FROM x TO grid with
 * the verdict of each cell, the other protocols below it; --list prints
 * one line per pair instead.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "fsm.h"
#include "render.h"

static const char *const suffix[FSM_NVERDICTS] = {
	[FSM_ILLEGAL] = "!", [FSM_RFC] = "", [FSM_LINUX] = "~", [FSM_UNCHECKED] = "?",
};

/* The TCP states of the grid: the 11 RFC ones, then any other one seen. */
static size_t grid_states(const struct snap *s, unsigned char *v)
{
	bool used[FSM_NSTATES] = { false };
	size_t n = 0, i;
	unsigned int k;

	for (i = 0; i < FSM_NRFC; i++)
		v[n++] = fsm_rfc_order[i];
	for (i = 0; i < s->trans.n; i++) {
		if (s->trans.v[i].proto != FSM_TCP)
			continue;
		used[s->trans.v[i].from] = true;
		used[s->trans.v[i].to] = true;
	}
	for (k = 0; k < FSM_NSTATES; k++)
		if (used[k] && !fsm_is_rfc_state(k))
			v[n++] = (unsigned char)k;
	return n;
}

/*
 * The text of one cell and its colour: a count with the verdict's suffix,
 * or for an unseen pair '.' (rfc), '~' (linux), 'u' (never traced), ''.
 */
static const char *cell(const struct out *o, const struct snap *s, const struct ruleset *rs,
			unsigned int from, unsigned int to, char *buf, size_t len)
{
	const struct tf_transition *t = snap_trans(s, FSM_TCP, from, to);
	struct fsm_rule r;

	if (t && t->count) {
		snprintf(buf, len, "%" PRIu64 "%s", t->count, suffix[t->verdict]);
		return out_verdict_col(o, t->verdict);
	}
	buf[0] = '\0';
	if (ruleset_find(rs, from, to, &r))
		snprintf(buf, len, "%s", r.flags & FSM_UNTRACED ? "u" :
			 r.verdict == FSM_LINUX ? "~" : ".");
	return out_col(o, C_DIM);
}

/* The FROM x TO grid of TCP counts, legend included. */
static void print_grid(struct out *o, const struct snap *s, const struct ruleset *rs)
{
	unsigned char st[FSM_NSTATES + FSM_NRFC];
	int width[FSM_NSTATES + FSM_NRFC], lw = 9;
	size_t n = grid_states(s, st), r, c;
	char buf[40], l[16];

	for (r = 0; r < n; r++) {
		int w = (int)strlen(fsm_state_label(st[r], l));

		lw = w > lw ? w : lw;
	}
	for (c = 0; c < n; c++) {
		width[c] = (int)strlen(fsm_short_label(st[c], l));
		for (r = 0; r < n; r++) {
			int w;

			cell(o, s, rs, st[r], st[c], buf, sizeof(buf));
			w = (int)strlen(buf);
			width[c] = w > width[c] ? w : width[c];
		}
	}
	fprintf(o->f, "TCP transitions: rows FROM, columns TO\n\n%s%-*s", out_col(o, C_BOLD),
		lw, "FROM \\ TO");
	for (c = 0; c < n; c++)
		fprintf(o->f, " %*s", width[c], fsm_short_label(st[c], l));
	fprintf(o->f, "%s\n", out_col(o, C_RESET));
	for (r = 0; r < n; r++) {
		const char *name = fsm_state_label(st[r], l);
		int pad = lw - (int)strlen(name);

		fputs(name, o->f);
		for (c = 0; c < n; c++) {
			const char *col = cell(o, s, rs, st[r], st[c], buf, sizeof(buf));

			/* blank cells only become spaces when something follows */
			pad += 1 + width[c] - (int)strlen(buf);
			if (!buf[0])
				continue;
			fprintf(o->f, "%*s%s%s%s", pad, "", col, buf, out_col(o, C_RESET));
			pad = 0;
		}
		fputc('\n', o->f);
	}
	fputs("\nN  seen N times, rfc        N~ seen, linux        N! seen, illegal\n"
	      ".  allowed (rfc), not seen   ~  allowed (linux)    u  allowed, never "
	      "traced\n(blank: illegal, not seen)   ", o->f);
	fprintf(o->f, "table in force: %s\n", rs->from_module ? "the module's" :
		"compiled into tcpfsm (no table file)");
	fputs("Columns:", o->f);
	for (c = 0, r = 0; c < n; c++) {
		char l2[16];

		if (!strcmp(fsm_short_label(st[c], l), fsm_state_label(st[c], l2)))
			continue;
		fprintf(o->f, "%s %s=%s", r ? (r % 5 ? "," : ",\n ") : "",
			fsm_short_label(st[c], l), fsm_state_label(st[c], l2));
		r++;
	}
	fputs("\n", o->f);
}

/* The "transitions" command. */
int cmd_transitions(const struct opts *op, struct out *o)
{
	uint64_t tcp_events = 0, tcp_illegal = 0;
	int wf = 4, wt = 2, wn = 5;
	bool other = false;
	struct ruleset rs;
	struct snap s;
	struct json j;
	char f[16], t[16];
	size_t i, pairs = 0;
	int rc;

	rc = snap_load(&s, op->root, SF(SF_TRANSITIONS), SF(SF_TABLE));
	if (rc) {
		snap_free(&s);
		return rc;
	}
	ruleset_get(&s, &rs);
	if (op->json) {
		json_begin_doc(&j, o, op, "transitions");
		json_kstr(&j, "table", rs.from_module ? "module" : "compiled-in");
		json_key(&j, "transitions");
		json_arr(&j);
		for (i = 0; i < s.trans.n; i++) {
			const struct tf_transition *x = &s.trans.v[i];

			json_obj(&j);
			json_kstr(&j, "proto", fsm_proto_name(x->proto));
			json_kstr(&j, "from", fsm_proto_state_label(x->proto, x->from, f));
			json_kstr(&j, "to", fsm_proto_state_label(x->proto, x->to, t));
			json_ku64(&j, "count", x->count);
			json_kstr(&j, "verdict", fsm_verdict_name(x->verdict));
			json_obj_end(&j);
		}
		json_arr_end(&j);
		json_end_doc(&j);
		goto out;
	}
	for (i = 0; i < s.trans.n; i++) {
		const struct tf_transition *x = &s.trans.v[i];
		int w;

		w = (int)strlen(fsm_proto_state_label(x->proto, x->from, f));
		wf = w > wf ? w : wf;
		w = (int)strlen(fsm_proto_state_label(x->proto, x->to, t));
		wt = w > wt ? w : wt;
		wn = num_width(x->count) > wn ? num_width(x->count) : wn;
		if (x->proto == FSM_TCP) {
			pairs++;
			tcp_events += x->count;
			if (x->verdict == FSM_ILLEGAL)
				tcp_illegal += x->count;
		} else {
			other = true;
		}
	}
	if (op->list) {
		fprintf(o->f, "%s%-5s %-*s %-*s %*s VERDICT%s\n", out_col(o, C_BOLD), "PROTO",
			wf, "FROM", wt, "TO", wn, "COUNT", out_col(o, C_RESET));
		for (i = 0; i < s.trans.n; i++) {
			const struct tf_transition *x = &s.trans.v[i];

			fprintf(o->f, "%-5s %-*s %-*s %*" PRIu64 " %s%s%s\n",
				fsm_proto_name(x->proto), wf, fsm_proto_state_label(x->proto, x->from, f), wt,
				fsm_proto_state_label(x->proto, x->to, t), wn, x->count,
				out_verdict_col(o, x->verdict), fsm_verdict_name(x->verdict),
				out_col(o, C_RESET));
		}
		goto out;
	}
	print_grid(o, &s, &rs);
	fprintf(o->f, "\nTCP: %" PRIu64 " event%s in %zu pair%s, %" PRIu64 " judged illegal\n",
		tcp_events, tcp_events == 1 ? "" : "s", pairs, pairs == 1 ? "" : "s",
		tcp_illegal);
	if (!other)
		goto out;
	fputs("\nOther protocols (counted, not validated: the numbers have their own "
	      "meaning)\n", o->f);
	for (i = 0; i < s.trans.n; i++) {
		const struct tf_transition *x = &s.trans.v[i];

		if (x->proto == FSM_TCP)
			continue;
		char pair[40];

		snprintf(pair, sizeof(pair), "%s -> %s", fsm_proto_state_label(x->proto, x->from, f),
			 fsm_proto_state_label(x->proto, x->to, t));
		fprintf(o->f, "  %-5s %-*s %*" PRIu64 "\n", fsm_proto_name(x->proto),
			wf + wt + 4, pair, wn, x->count);
	}
out:
	ruleset_free(&rs);
	snap_free(&s);
	return rc;
}
