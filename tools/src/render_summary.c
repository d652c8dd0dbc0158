// SPDX-License-Identifier: GPL-2.0
/*
 * render_summary.c - "tcpfsm" with no command: one screen with the TCP
 * sockets per state as a bar histogram, the totals, and the newest
 * illegal records.
 */
#include <inttypes.h>
#include <stdio.h>

#include "fsm.h"
#include "render.h"
#include "render_log.h"

#define NEWEST 5
#define BAR 40

/* The default command: one screen of everything. */
int cmd_summary(const struct opts *op, struct out *o)
{
	static const int totals[] = {
		ST_EVENTS, ST_ILLEGAL, ST_UNKNOWN_STATE, ST_LOG_DROPPED,
	};
	uint64_t max = 0, now = now_ns();
	struct snap s;
	struct json j;
	size_t i, first;
	char g[32];
	int rc;

	rc = snap_load(&s, op->root, SF(SF_STATES) | SF(SF_STATS) | SF(SF_ILLEGAL), 0);
	if (rc)
		goto out;
	first = s.log.n > NEWEST ? s.log.n - NEWEST : 0;
	if (op->json) {
		json_begin_doc(&j, o, op, "summary");
		json_sockets(&j, &s);
		json_key(&j, "totals");
		json_obj(&j);
		for (i = 0; i < sizeof(totals) / sizeof(totals[0]); i++)
			json_ku64(&j, tf_stat_names[totals[i]], snap_stat(&s, totals[i]));
		json_obj_end(&j);
		json_key(&j, "newest_illegal");
		json_arr(&j);
		for (i = first; i < s.log.n; i++)
			log_json_record(&j, &s.log.v[i]);
		json_arr_end(&j);
		json_stats(&j, &s);
		json_end_doc(&j);
		goto out;
	}

	print_module_line(o, &s);
	fputs("\nTCP sockets now\n", o->f);
	for (i = 0; i < FSM_NRFC; i++) {
		const struct tf_state_row *r = snap_state(&s, FSM_TCP, fsm_rfc_order[i]);

		if (r && r->has_current && r->current > 0 && (uint64_t)r->current > max)
			max = (uint64_t)r->current;
	}
	for (i = 0; i < FSM_NRFC; i++) {
		unsigned int st = fsm_rfc_order[i];
		const struct tf_state_row *r = snap_state(&s, FSM_TCP, st);

		fmt_gauge(g, sizeof(g), r);
		fprintf(o->f, "  %-12s %-12s %6s", fsm_state_name(st), fsm_rfc_name(st), g);
		if (r && r->has_current && r->current)
			fputc(' ', o->f);
		else if (!r || !r->has_current)
			fputc(' ', o->f);
		if (r && r->has_current && r->current > 0) {
			fputs(out_col(o, C_CYAN), o->f);
			out_bar(o, (uint64_t)r->current, max, BAR);
			fputs(out_col(o, C_RESET), o->f);
		} else if (!r || !r->has_current) {
			fprintf(o->f, "%s%s%s", out_col(o, C_DIM),
				st == FSM_CLOSE ? "(not counted: no event at creation)" :
				st == FSM_TIME_WAIT ? "(not counted: time-wait tracking off)" :
				"(not counted)", out_col(o, C_RESET));
		} else if (r->current < 0) {
			fprintf(o->f, "%s(below zero: sockets older than the module left)%s",
				out_col(o, C_YELLOW), out_col(o, C_RESET));
		}
		fputc('\n', o->f);
	}
	fprintf(o->f, "\nTotals: events %" PRIu64 ", %sillegal %" PRIu64 "%s, "
		"unknown_state %" PRIu64 ", log_dropped %" PRIu64 "\n",
		snap_stat(&s, ST_EVENTS),
		snap_stat(&s, ST_ILLEGAL) ? out_col(o, C_RED) : "", snap_stat(&s, ST_ILLEGAL),
		snap_stat(&s, ST_ILLEGAL) ? out_col(o, C_RESET) : "",
		snap_stat(&s, ST_UNKNOWN_STATE), snap_stat(&s, ST_LOG_DROPPED));
	if (!s.log.n) {
		fputs("\nNo illegal transition in the log.\n", o->f);
		goto out;
	}
	fprintf(o->f, "\nNewest illegal transitions (%zu of %zu in the log; 'tcpfsm log' "
		"for all)\n", s.log.n - first, s.log.n);
	for (i = first; i < s.log.n; i++)
		log_text_record(o, &s.log.v[i], false, true, now);
out:
	snap_free(&s);
	return rc;
}
