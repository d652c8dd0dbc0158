// SPDX-License-Identifier: GPL-2.0
/*
 * render_table.c - "tcpfsm table": every pair of the reference table in
 * force with RFC names, verdict, flags, reason and live count; then the
 * observed pairs outside it and how the module's table differs from the
 * one compiled into this tool.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "fsm.h"
#include "render.h"

/* "CLOSED -> LISTEN" with RFC names (kernel names where RFC has none). */
static void rfc_pair(char *buf, size_t len, unsigned int from, unsigned int to)
{
	char f[16], t[16];
	const char *a = fsm_rfc_name(from), *b = fsm_rfc_name(to);

	snprintf(buf, len, "%s -> %s", a ? a : fsm_state_label(from, f),
		 b ? b : fsm_state_label(to, t));
}

/* FLAGS as a JSON array of names. */
static void json_flags(struct json *j, unsigned int flags)
{
	json_key(j, "flags");
	json_arr(j);
	if (flags & FSM_BIRTH)
		json_str(j, "birth");
	if (flags & FSM_UNTRACED)
		json_str(j, "untraced");
	json_arr_end(j);
}

/* Print how the module's table differs from the compiled-in one. */
static void print_diff(struct out *o, const struct snap *s, const struct ruleset *rs,
		       struct json *j)
{
	bool strict = snap_stat_on(s, ST_STRICT), any = false;
	char f[16], t[16], fl[32], fl2[32];
	struct fsm_rule r, m;
	size_t i;

	for (i = 0; i < fsm_nrules(); i++) {
		fsm_rule_get(i, &r);
		if (strict && r.verdict == FSM_LINUX)
			continue;	/* absent from the file by design */
		if (ruleset_find(rs, r.from, r.to, &m))
			continue;
		if (j) {
			json_obj(j);
			json_kstr(j, "from", fsm_state_label(r.from, f));
			json_kstr(j, "to", fsm_state_label(r.to, t));
			json_kstr(j, "difference", "missing from the module's table");
			json_obj_end(j);
			continue;
		}
		if (!any)
			fputs("\nThe module's table differs from the one compiled into tcpfsm:\n",
			      o->f);
		any = true;
		fprintf(o->f, "  %s -> %s: only in tcpfsm's table (%s)\n",
			fsm_state_label(r.from, f), fsm_state_label(r.to, t),
			fsm_verdict_name(r.verdict));
	}
	for (i = 0; i < rs->n; i++) {
		const struct fsm_rule *x = &rs->v[i];
		const char *what = NULL;

		if (!fsm_rule_find(x->from, x->to, &r))
			what = "only in the module's table";
		else if (r.verdict != x->verdict)
			what = "verdict differs";
		else if (r.flags != x->flags)
			what = "flags differ";
		if (!what)
			continue;
		if (j) {
			json_obj(j);
			json_kstr(j, "from", fsm_state_label(x->from, f));
			json_kstr(j, "to", fsm_state_label(x->to, t));
			json_kstr(j, "difference", what);
			json_obj_end(j);
			continue;
		}
		if (!any)
			fputs("\nThe module's table differs from the one compiled into tcpfsm:\n",
			      o->f);
		any = true;
		fsm_flags_str(x->flags, fl, sizeof(fl));
		fprintf(o->f, "  %s -> %s: %s (module: %s %s", fsm_state_label(x->from, f),
			fsm_state_label(x->to, t), what, fsm_verdict_name(x->verdict), fl);
		if (fsm_rule_find(x->from, x->to, &r)) {
			fsm_flags_str(r.flags, fl2, sizeof(fl2));
			fprintf(o->f, "; tcpfsm: %s %s", fsm_verdict_name(r.verdict), fl2);
		}
		fputs(")\n", o->f);
	}
}

/* The "table" command. */
int cmd_table(const struct opts *op, struct out *o)
{
	bool live;
	struct ruleset rs;
	struct snap s;
	struct json j;
	char f[16], t[16], rp[64], fl[32], cnt[32];
	size_t i;
	int rc;

	rc = snap_load(&s, op->root, 0, SF(SF_TABLE) | SF(SF_TRANSITIONS) | SF(SF_STATS));
	if (rc) {
		snap_free(&s);
		return rc;
	}
	ruleset_get(&s, &rs);
	live = snap_has(&s, SF_TRANSITIONS);
	if (op->json) {
		json_begin_doc(&j, o, op, "table");
		json_kstr(&j, "source", rs.from_module ? "module" : "compiled-in");
		json_key(&j, "strict");
		if (snap_has(&s, SF_STATS))
			json_bool(&j, snap_stat_on(&s, ST_STRICT));
		else
			json_null(&j);
		json_kbool(&j, "live", live);
		json_key(&j, "rules");
		json_arr(&j);
		for (i = 0; i < rs.n; i++) {
			const struct fsm_rule *r = &rs.v[i];

			json_obj(&j);
			json_kstr(&j, "from", fsm_state_label(r->from, f));
			json_kstr(&j, "to", fsm_state_label(r->to, t));
			json_kstr(&j, "from_rfc", fsm_rfc_name(r->from));
			json_kstr(&j, "to_rfc", fsm_rfc_name(r->to));
			json_kstr(&j, "verdict", fsm_verdict_name(r->verdict));
			json_flags(&j, r->flags);
			json_kstr(&j, "reason", r->reason);
			json_key(&j, "count");
			if (live)
				json_u64(&j, snap_trans_count(&s, r->from, r->to));
			else
				json_null(&j);
			json_obj_end(&j);
		}
		json_arr_end(&j);
		json_key(&j, "observed_outside_table");
		json_arr(&j);
		for (i = 0; i < s.trans.n; i++) {
			const struct tf_transition *x = &s.trans.v[i];

			if (x->proto != FSM_TCP || ruleset_find(&rs, x->from, x->to, NULL))
				continue;
			json_obj(&j);
			json_kstr(&j, "from", fsm_state_label(x->from, f));
			json_kstr(&j, "to", fsm_state_label(x->to, t));
			json_ku64(&j, "count", x->count);
			json_kstr(&j, "verdict", fsm_verdict_name(x->verdict));
			json_obj_end(&j);
		}
		json_arr_end(&j);
		json_key(&j, "differences");
		json_arr(&j);
		if (rs.from_module)
			print_diff(o, &s, &rs, &j);
		json_arr_end(&j);
		json_end_doc(&j);
		goto out;
	}

	if (rs.from_module)
		fprintf(o->f, "Reference table in force: the module's (%s/table), strict=%" PRIu64
			"\n%s", op->root, snap_stat(&s, ST_STRICT), snap_stat_on(&s, ST_STRICT) ?
			"With strict=1 the linux pairs are left out: they count as "
			"illegal.\n" : "");
	else
		fprintf(o->f, "Reference table: compiled into tcpfsm (module/tcpfsm_table.h); "
			"%s\n", s.root_ok ? "the module has no readable table file" : s.why);
	fprintf(o->f, "%zu legal pairs; every other TCP pair is illegal.%s\n\n", rs.n,
		live ? " SEEN: count in transitions since load or reset." :
		" No live counts (transitions not readable).");
	fprintf(o->f, "%s  %-26s %-28s %-7s %-14s %6s%s\n", out_col(o, C_BOLD), "KERNEL",
		"RFC 9293", "VERDICT", "FLAGS", "SEEN", out_col(o, C_RESET));
	for (i = 0; i < rs.n; i++) {
		const struct fsm_rule *r = &rs.v[i];
		uint64_t c = live ? snap_trans_count(&s, r->from, r->to) : 0;
		char kp[40];

		snprintf(kp, sizeof(kp), "%s -> %s", fsm_state_label(r->from, f),
			 fsm_state_label(r->to, t));
		rfc_pair(rp, sizeof(rp), r->from, r->to);
		fsm_flags_str(r->flags, fl, sizeof(fl));
		snprintf(cnt, sizeof(cnt), live ? "%" PRIu64 : "-", c);
		fprintf(o->f, "%s %-26s %-28s %s%-7s%s %-14s %6s\n", c ? "*" : " ", kp, rp,
			out_verdict_col(o, r->verdict), fsm_verdict_name(r->verdict),
			out_col(o, C_RESET), fl, cnt);
		fprintf(o->f, "      %s", out_col(o, C_DIM));
		out_safe(o, r->reason, strlen(r->reason));
		fprintf(o->f, "%s\n", out_col(o, C_RESET));
	}
	if (live) {
		bool any = false;

		for (i = 0; i < s.trans.n; i++) {
			const struct tf_transition *x = &s.trans.v[i];
			char kp[40];

			if (x->proto != FSM_TCP || ruleset_find(&rs, x->from, x->to, NULL))
				continue;
			if (!any)
				fprintf(o->f, "\n%sObserved TCP pairs outside the table:%s\n",
					out_col(o, C_RED), out_col(o, C_RESET));
			any = true;
			snprintf(kp, sizeof(kp), "%s -> %s", fsm_state_label(x->from, f),
				 fsm_state_label(x->to, t));
			rfc_pair(rp, sizeof(rp), x->from, x->to);
			fprintf(o->f, "* %-26s %-28s %-7s %-14s %6" PRIu64 "\n", kp, rp,
				fsm_verdict_name(x->verdict), "-", x->count);
		}
	}
	if (rs.from_module)
		print_diff(o, &s, &rs, NULL);
out:
	ruleset_free(&rs);
	snap_free(&s);
	return rc;
}
