// SPDX-License-Identifier: GPL-2.0
/*
 * render_features.c - the views of the optional module features:
 * "lifecycle" (time-wait tracking), "dwell" (time in state, as bcc-style
 * log2 histograms) and "netns" (per network namespace).  A module without
 * the feature gets a sentence saying so, not an error.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsm.h"
#include "render.h"
#include "tcpfsm.h"
#include "util.h"

/*
 * Whether FILE of a feature is there.  When it is not, explain why from
 * the stats key KEY (text or JSON) and return false; *RC is set to an exit
 * code when that is an error (stats says on, the file is missing).
 */
static bool feature(const struct opts *op, struct out *o, const struct snap *s, int file,
		    int key, const char *what, struct json *j, int *rc)
{
	char why[160];

	*rc = EX_OK;
	if (snap_has(s, file))
		return true;
	if (snap_stat_on(s, key)) {
		errmsg("%s/%s: missing although stats says %s 1", op->root,
		       snap_file_names[file], tf_stat_names[key]);
		*rc = EX_NOSRC;
		return false;
	}
	if (TF_HAVE(&s->stats, key))
		snprintf(why, sizeof(why), "%s is not active (stats: %s 0)", what,
			 tf_stat_names[key]);
	else
		snprintf(why, sizeof(why), "%s is not available (stats has no %s key: "
			 "the module predates it)", what, tf_stat_names[key]);
	if (j) {
		json_kbool(j, "active", false);
		json_kstr(j, "reason", why);
		json_end_doc(j);
	} else {
		fprintf(o->f, "%s\n", why);
	}
	return false;
}

/* Position of a state in the order a connection meets them. */
static unsigned int rfc_pos(unsigned int st)
{
	unsigned int i;

	for (i = 0; i < FSM_NRFC; i++)
		if (fsm_rfc_order[i] == st)
			return i;
	return FSM_NRFC + st;
}

/* Lifecycle rows in the order a connection meets the states. */
static int cmp_life_rfc(const void *a, const void *b)
{
	const struct tf_life_row *x = a, *y = b;
	unsigned int fx = rfc_pos(x->from), fy = rfc_pos(y->from);

	if (fx != fy)
		return fx < fy ? -1 : 1;
	fx = rfc_pos(x->to);
	fy = rfc_pos(y->to);
	return fx < fy ? -1 : fx > fy;
}

/* The "lifecycle" command. */
int cmd_lifecycle(const struct opts *op, struct out *o)
{
	struct snap s;
	struct json j, *jp = NULL;
	struct fsm_rule r;
	char f[16], t[16], kp[40];
	const struct tf_state_row *tw;
	size_t i;
	int rc;

	rc = snap_load(&s, op->root, SF(SF_STATS), SF(SF_LIFECYCLE) | SF(SF_STATES));
	if (rc)
		goto out;
	if (op->json) {
		jp = &j;
		json_begin_doc(&j, o, op, "lifecycle");
	}
	if (!feature(op, o, &s, SF_LIFECYCLE, ST_TIMEWAIT_TRACKING, "time-wait tracking", jp,
		     &rc))
		goto out;
	tw = snap_state(&s, FSM_TCP, FSM_TIME_WAIT);
	if (jp) {
		json_kbool(&j, "active", true);
		json_key(&j, "transitions");
		json_arr(&j);
		for (i = 0; i < s.life.n; i++) {
			const struct tf_life_row *l = &s.life.v[i];

			json_obj(&j);
			json_kstr(&j, "from", fsm_state_label(l->from, f));
			json_kstr(&j, "to", fsm_state_label(l->to, t));
			json_ku64(&j, "count", l->count);
			json_kstr(&j, "verdict", fsm_rule_find(l->from, l->to, &r) ?
				  fsm_verdict_name(r.verdict) : "illegal");
			json_obj_end(&j);
		}
		json_arr_end(&j);
		json_key(&j, "time_wait_now");
		if (tw && tw->has_current)
			json_i64(&j, tw->current);
		else
			json_null(&j);
		json_end_doc(&j);
		goto out;
	}
	if (s.life.n)
		qsort(s.life.v, s.life.n, sizeof(s.life.v[0]), cmp_life_rfc);
	fputs("TCP transitions as RFC 9293 draws them: the time-wait hand-over is shown\n"
	      "as FIN_WAIT2/CLOSING -> TIME_WAIT, and the end of a time-wait sock as\n"
	      "TIME_WAIT -> CLOSE (since load or the last reset).\n\n", o->f);
	fprintf(o->f, "%s%-28s %-32s %10s  VERDICT%s\n", out_col(o, C_BOLD), "KERNEL",
		"RFC 9293", "COUNT", out_col(o, C_RESET));
	for (i = 0; i < s.life.n; i++) {
		const struct tf_life_row *l = &s.life.v[i];
		const char *a = fsm_rfc_name(l->from), *b = fsm_rfc_name(l->to);
		unsigned int v = fsm_rule_find(l->from, l->to, &r) ? r.verdict : FSM_ILLEGAL;
		char rp[40];

		snprintf(kp, sizeof(kp), "%s -> %s", fsm_state_label(l->from, f),
			 fsm_state_label(l->to, t));
		snprintf(rp, sizeof(rp), "%s -> %s", a ? a : "?", b ? b : "?");
		fprintf(o->f, "%-28s %-32s %10" PRIu64 "  %s%s%s\n", kp, rp, l->count,
			out_verdict_col(o, v), fsm_verdict_name(v), out_col(o, C_RESET));
	}
	if (tw && tw->has_current)
		fprintf(o->f, "\nTIME_WAIT now: %" PRId64 " time-wait sock%s; entered %" PRIu64
			", left %" PRIu64 ". Orphans waiting in FIN_WAIT2: %" PRIu64 ".\n",
			tw->current, tw->current == 1 ? "" : "s", tw->entered, tw->exited,
			snap_stat(&s, ST_TIMEWAIT_FIN_WAIT2));
out:
	snap_free(&s);
	return rc;
}

/* "low -> high" of bucket K: b/2 .. b-1 us, bucket 0 holding t < 1 us. */
static void bucket_range(unsigned int k, uint64_t *lo, uint64_t *hi)
{
	uint64_t b = (uint64_t)1 << k;

	*lo = k ? b / 2 : 0;
	*hi = k ? b - 1 : 0;
}

/* The "dwell" command. */
int cmd_dwell(const struct opts *op, struct out *o)
{
	struct snap s;
	struct json j, *jp = NULL;
	char l[16], mean[40];
	size_t i;
	unsigned int k;
	int rc;

	rc = snap_load(&s, op->root, SF(SF_STATS), SF(SF_DWELL));
	if (rc)
		goto out;
	if (op->json) {
		jp = &j;
		json_begin_doc(&j, o, op, "dwell");
	}
	if (!feature(op, o, &s, SF_DWELL, ST_DWELL, "time-in-state tracking", jp, &rc))
		goto out;
	if (jp) {
		json_kbool(&j, "active", true);
		json_ku64(&j, "dwell_misses", snap_stat(&s, ST_DWELL_MISSES));
		json_key(&j, "histograms");
		json_arr(&j);
		for (i = 0; i < s.dwell.n; i++) {
			const struct tf_dwell_hist *h = &s.dwell.v[i];

			json_obj(&j);
			json_kstr(&j, "proto", fsm_proto_name(h->proto));
			json_kstr(&j, "state", fsm_proto_state_label(h->proto, h->state, l));
			json_key(&j, "buckets");
			json_arr(&j);
			for (k = 0; k < TF_DWELL_NBUCKETS; k++) {
				if (!h->bucket[k])
					continue;
				json_obj(&j);
				json_ku64(&j, "bucket_us", (uint64_t)1 << k);
				json_ku64(&j, "count", h->bucket[k]);
				json_obj_end(&j);
			}
			json_arr_end(&j);
			json_ku64(&j, "count", h->count);
			json_ku64(&j, "sum_us", h->sum_us);
			json_obj_end(&j);
		}
		json_arr_end(&j);
		json_end_doc(&j);
		goto out;
	}
	if (!s.dwell.n)
		fputs("No socket has left a state since load or the last reset.\n", o->f);
	for (i = 0; i < s.dwell.n; i++) {
		const struct tf_dwell_hist *h = &s.dwell.v[i];
		unsigned int lo = TF_DWELL_NBUCKETS, hi = 0;
		uint64_t max = 0, a, b;

		for (k = 0; k < TF_DWELL_NBUCKETS; k++) {
			if (!h->bucket[k])
				continue;
			lo = k < lo ? k : lo;
			hi = k;
			max = h->bucket[k] > max ? h->bucket[k] : max;
		}
		fmt_dec6(mean, sizeof(mean), h->count ? h->sum_us / h->count : 0);
		fprintf(o->f, "%s%s %s%s: %" PRIu64 " exit%s, mean %s s\n", i ? "\n" : "",
			fsm_proto_name(h->proto), fsm_proto_state_label(h->proto, h->state, l),
			out_col(o, C_RESET), h->count, h->count == 1 ? "" : "s", mean);
		fprintf(o->f, "%11s    %-10s : %-8s %s\n", "usecs", "", "count", "distribution");
		for (k = lo; k <= hi && lo < TF_DWELL_NBUCKETS; k++) {
			uint64_t stars, z;

			stars = (uint64_t)((long double)h->bucket[k] * 40 / (long double)max);
			if (stars > 40)
				stars = 40;
			bucket_range(k, &a, &b);
			fprintf(o->f, "%11" PRIu64 " -> %-10" PRIu64 " : %-8" PRIu64 " |", a, b,
				h->bucket[k]);
			for (z = 0; z < 40; z++)
				fputc(z < stars ? '*' : ' ', o->f);
			fputs("|\n", o->f);
		}
	}
	if (snap_stat(&s, ST_DWELL_MISSES))
		fprintf(o->f, "\n%" PRIu64 " transition%s could not be timed (the socket predates "
			"tracking, or the table was full).\n", snap_stat(&s, ST_DWELL_MISSES),
			snap_stat(&s, ST_DWELL_MISSES) == 1 ? "" : "s");
out:
	snap_free(&s);
	return rc;
}

/* The "netns" command. */
int cmd_netns(const struct opts *op, struct out *o)
{
	struct snap s;
	struct json j, *jp = NULL;
	char l[16], g[32], ns[32];
	size_t i;
	int rc;

	rc = snap_load(&s, op->root, SF(SF_STATS), SF(SF_NETNS));
	if (rc)
		goto out;
	if (op->json) {
		jp = &j;
		json_begin_doc(&j, o, op, "netns");
	}
	if (!snap_has(&s, SF_NETNS)) {
		if (TF_HAVE(&s.stats, ST_NETNS_CAP)) {
			errmsg("%s/netns: missing although stats has netns_cap", op->root);
			rc = EX_NOSRC;
			goto out;
		}
		if (jp) {
			json_kbool(&j, "active", false);
			json_kstr(&j, "reason", "per-namespace counters are not available "
				  "(stats has no netns_cap key)");
			json_end_doc(&j);
		} else {
			fputs("per-namespace counters are not available (stats has no netns_cap "
			      "key: the module predates them)\n", o->f);
		}
		goto out;
	}
	if (jp) {
		json_kbool(&j, "active", true);
		json_ku64(&j, "netns_cap", snap_stat(&s, ST_NETNS_CAP));
		json_ku64(&j, "netns_tracked", snap_stat(&s, ST_NETNS_TRACKED));
		json_ku64(&j, "netns_folded", snap_stat(&s, ST_NETNS_FOLDED));
		json_key(&j, "rows");
		json_arr(&j);
		for (i = 0; i < s.netns.n; i++) {
			const struct tf_netns_row *r = &s.netns.v[i];

			json_obj(&j);
			json_key(&j, "netns");
			if (r->other)
				json_null(&j);
			else
				json_u64(&j, r->netns);
			json_kbool(&j, "other", r->other);
			json_kstr(&j, "proto", fsm_proto_name(r->s.proto));
			json_kstr(&j, "state", fsm_proto_state_label(r->s.proto, r->s.state, l));
			json_key(&j, "current");
			if (r->s.has_current)
				json_i64(&j, r->s.current);
			else
				json_null(&j);
			json_ku64(&j, "entered", r->s.entered);
			json_ku64(&j, "exited", r->s.exited);
			json_obj_end(&j);
		}
		json_arr_end(&j);
		json_end_doc(&j);
		goto out;
	}
	fprintf(o->f, "%" PRIu64 " namespace%s with their own counters (at most %" PRIu64 "), %"
		PRIu64 " counted under 'other'\n", snap_stat(&s, ST_NETNS_TRACKED),
		snap_stat(&s, ST_NETNS_TRACKED) == 1 ? "" : "s", snap_stat(&s, ST_NETNS_CAP),
		snap_stat(&s, ST_NETNS_FOLDED));
	for (i = 0; i < s.netns.n; i++) {
		const struct tf_netns_row *r = &s.netns.v[i];

		fmt_netns(ns, sizeof(ns), r);
		if (!i || r->other != s.netns.v[i - 1].other ||
		    r->netns != s.netns.v[i - 1].netns)
			fprintf(o->f, "\n%snetns %s%s\n%s  %-6s %-15s %8s %10s %10s%s\n",
				out_col(o, C_BOLD), ns, out_col(o, C_RESET), out_col(o, C_BOLD),
				"PROTO", "STATE", "CURRENT", "ENTERED", "EXITED",
				out_col(o, C_RESET));
		fmt_gauge(g, sizeof(g), &r->s);
		fprintf(o->f, "  %-6s %-15s %8s %10" PRIu64 " %10" PRIu64 "\n",
			fsm_proto_name(r->s.proto), fsm_proto_state_label(r->s.proto, r->s.state, l), g, r->s.entered,
			r->s.exited);
	}
	if (!s.netns.n)
		fputs("\nNo namespace has counted anything yet.\n", o->f);
out:
	snap_free(&s);
	return rc;
}
