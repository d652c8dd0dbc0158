// SPDX-License-Identifier: GPL-2.0
/*
 * render_common.c - what several views print the same way: the start of a
 * JSON document, the stats and sockets objects, the module line, number
 * widths.
 */
#include <inttypes.h>
#include <stdio.h>

#include "fsm.h"
#include "render.h"
#include "tcpfsm.h"

/* Open a JSON document: { "command": ..., "tool_version": ..., "root": ... */
void json_begin_doc(struct json *j, struct out *o, const struct opts *op, const char *cmd)
{
	json_init(j, o->f, true);
	json_obj(j);
	json_kstr(j, "command", cmd);
	json_kstr(j, "tool_version", TCPFSM_TOOL_VERSION);
	json_key(j, "format");
	json_u64(j, FSM_FORMAT);
	json_kstr(j, "root", op->root);
}

/* Close the document opened by json_begin_doc(). */
void json_end_doc(struct json *j)
{
	json_obj_end(j);
	json_end(j);
}

/* "stats": every known key that the file had (null when absent). */
void json_stats(struct json *j, const struct snap *s)
{
	int k;

	json_key(j, "stats");
	if (!snap_has(s, SF_STATS)) {
		json_null(j);
		return;
	}
	json_obj(j);
	json_key(j, "version");
	if (s->stats.version[0])
		json_str(j, s->stats.version);
	else
		json_null(j);
	for (k = 0; k < ST_NKEYS; k++) {
		json_key(j, tf_stat_names[k]);
		if (TF_HAVE(&s->stats, k))
			json_u64(j, s->stats.val[k]);
		else
			json_null(j);
	}
	json_obj_end(j);
}

/* "sockets": the live TCP gauge of each RFC state (null where none is kept). */
void json_sockets(struct json *j, const struct snap *s)
{
	size_t i;

	json_key(j, "sockets");
	json_obj(j);
	for (i = 0; i < FSM_NRFC; i++) {
		const struct tf_state_row *r = snap_state(s, FSM_TCP, fsm_rfc_order[i]);

		json_key(j, fsm_state_name(fsm_rfc_order[i]));
		if (r && r->has_current)
			json_i64(j, r->current);
		else
			json_null(j);
	}
	json_obj_end(j);
}

/* Digits of V in decimal. */
int num_width(uint64_t v)
{
	int n = 1;

	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

/* CURRENT as printed: the number or "-". */
void fmt_gauge(char *buf, size_t len, const struct tf_state_row *r)
{
	if (r && r->has_current)
		snprintf(buf, len, "%" PRId64, r->current);
	else
		snprintf(buf, len, "-");
}

/* The NETNS column: the namespace's inode number, or "other". */
void fmt_netns(char *buf, size_t len, const struct tf_netns_row *r)
{
	if (r->other)
		snprintf(buf, len, "other");
	else
		snprintf(buf, len, "%" PRIu64, r->netns);
}

/* "module 1.0.0 at ROOT: strict=0, time-wait tracking on, dwell on, ..." */
void print_module_line(struct out *o, const struct snap *s)
{
	const struct tf_stats *st = &s->stats;

	fprintf(o->f, "%stcpfsm module %s%s at %s: strict=%" PRIu64, out_col(o, C_BOLD),
		st->version[0] ? st->version : "(version unknown)", out_col(o, C_RESET),
		s->root, snap_stat(s, ST_STRICT));
	fprintf(o->f, ", time-wait tracking %s, dwell %s",
		snap_stat_on(s, ST_TIMEWAIT_TRACKING) ? "on" : "off",
		snap_stat_on(s, ST_DWELL) ? "on" : "off");
	if (TF_HAVE(st, ST_NETNS_CAP))
		fprintf(o->f, ", netns %" PRIu64 "/%" PRIu64, snap_stat(s, ST_NETNS_TRACKED),
			snap_stat(s, ST_NETNS_CAP));
	if (snap_stat_on(s, ST_INJECT))
		fputs(", inject on", o->f);
	if (snap_stat(s, ST_SEEDED))
		fprintf(o->f, ", %" PRIu64 " seeded", snap_stat(s, ST_SEEDED));
	fputc('\n', o->f);
}
