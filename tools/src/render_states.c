// SPDX-License-Identifier: GPL-2.0
/*
 * render_states.c - "tcpfsm states": every line of the states file with
 * the RFC name, aligned, and notes on the gauges that need one.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "fsm.h"
#include "render.h"

/* The "states" command. */
int cmd_states(const struct opts *op, struct out *o)
{
	int wc = 7, we = 7, wx = 6;
	bool negative = false;
	struct snap s;
	struct json j;
	char g[32], l[16];
	size_t i;
	int rc;

	rc = snap_load(&s, op->root, SF(SF_STATES) | SF(SF_STATS), 0);
	if (rc)
		goto out;
	if (op->json) {
		json_begin_doc(&j, o, op, "states");
		json_key(&j, "states");
		json_arr(&j);
		for (i = 0; i < s.states.n; i++) {
			const struct tf_state_row *r = &s.states.v[i];

			json_obj(&j);
			json_kstr(&j, "proto", fsm_proto_name(r->proto));
			json_kstr(&j, "state", fsm_proto_state_label(r->proto, r->state, l));
			/* null where the tool cannot know this kernel's number */
			json_key(&j, "value");
			if (fsm_proto_state_numbered(r->proto, r->state))
				json_u64(&j, r->state);
			else
				json_null(&j);
			json_kstr(&j, "rfc_name",
				  r->proto == FSM_TCP ? fsm_rfc_name(r->state) : NULL);
			json_key(&j, "current");
			if (r->has_current)
				json_i64(&j, r->current);
			else
				json_null(&j);
			json_ku64(&j, "entered", r->entered);
			json_ku64(&j, "exited", r->exited);
			json_obj_end(&j);
		}
		json_arr_end(&j);
		json_kbool(&j, "timewait_tracking", snap_stat_on(&s, ST_TIMEWAIT_TRACKING));
		json_ku64(&j, "timewait_fin_wait2", snap_stat(&s, ST_TIMEWAIT_FIN_WAIT2));
		json_end_doc(&j);
		goto out;
	}
	for (i = 0; i < s.states.n; i++) {
		const struct tf_state_row *r = &s.states.v[i];
		int w;

		fmt_gauge(g, sizeof(g), r);
		w = (int)strlen(g);
		wc = w > wc ? w : wc;
		we = num_width(r->entered) > we ? num_width(r->entered) : we;
		wx = num_width(r->exited) > wx ? num_width(r->exited) : wx;
		negative |= r->has_current && r->current < 0;
	}
	fprintf(o->f, "%s%-6s %-15s %-13s %*s %*s %*s%s\n", out_col(o, C_BOLD), "PROTO", "STATE",
		"RFC NAME", wc, "CURRENT", we, "ENTERED", wx, "EXITED", out_col(o, C_RESET));
	for (i = 0; i < s.states.n; i++) {
		const struct tf_state_row *r = &s.states.v[i];
		const char *rfc = r->proto == FSM_TCP ? fsm_rfc_name(r->state) : NULL;

		fmt_gauge(g, sizeof(g), r);
		fprintf(o->f, "%-6s %-15s %-13s %*s %*" PRIu64 " %*" PRIu64 "\n",
			fsm_proto_name(r->proto), fsm_proto_state_label(r->proto, r->state, l), rfc ? rfc : "-",
			wc, g, we, r->entered, wx, r->exited);
	}
	fputs("\nCURRENT counts full TCP sockets now ('-': no gauge is kept). ENTERED and "
	      "EXITED\ncount events since load or reset; a child born from a listener does "
	      "not exit\nLISTEN.\n", o->f);
	if (snap_stat_on(&s, ST_TIMEWAIT_TRACKING))
		fprintf(o->f, "Time-wait tracking is on: TIME_WAIT counts time-wait socks, "
			"and FIN_WAIT2\nincludes %" PRIu64 " orphan%s handed over in substate "
			"FIN_WAIT2.\n", snap_stat(&s, ST_TIMEWAIT_FIN_WAIT2),
			snap_stat(&s, ST_TIMEWAIT_FIN_WAIT2) == 1 ? "" : "s");
	else
		fputs("Time-wait tracking is off: the tracepoint never reports TIME_WAIT, so it "
		      "has no gauge.\n", o->f);
	if (negative)
		fputs("A negative CURRENT means sockets older than the module left that state "
		      "(the gauges\nwere not seeded at load).\n", o->f);
out:
	snap_free(&s);
	return rc;
}
