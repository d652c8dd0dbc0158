// SPDX-License-Identifier: GPL-2.0
/*
 * watch.c - "tcpfsm watch": a dashboard refreshed every -i seconds, like
 * top.  Each frame shows the gauges and, for each transition, its total
 * and its rate: the change of its count divided by the monotonic time
 * since the previous frame.  A count that went down means the counters
 * were reset: the rate then counts from zero.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fsm.h"
#include "render.h"
#include "tcpfsm.h"
#include "watch.h"

#define MAX_ROWS 24

/*
 * How much a counter grew between two readings; *RESET is set when it went
 * down (a reset), and the growth is then counted from zero.
 */
uint64_t watch_delta(uint64_t prev, uint64_t cur, bool *reset)
{
	if (cur >= prev)
		return cur - prev;
	*reset = true;
	return cur;
}

struct row {
	const struct tf_transition *t;
	uint64_t delta;
};

/* Rows by rate, then total, highest first. */
static int cmp_row(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->delta != y->delta)
		return x->delta < y->delta ? 1 : -1;
	if (x->t->count != y->t->count)
		return x->t->count < y->t->count ? 1 : -1;
	return x < y ? -1 : 1;
}

/* " (+3)": how a gauge moved from A to B, without signed overflow. */
static void fmt_change(char *buf, size_t len, int64_t a, int64_t b)
{
	if (b >= a)
		snprintf(buf, len, " (+%" PRIu64 ")", (uint64_t)b - (uint64_t)a);
	else
		snprintf(buf, len, " (-%" PRIu64 ")", (uint64_t)a - (uint64_t)b);
}

/* "12.50" events per second, or "-" without a previous frame. */
static void fmt_rate(char *buf, size_t len, uint64_t delta, uint64_t elapsed_ns, bool have)
{
	long double r;

	if (!have || !elapsed_ns) {
		snprintf(buf, len, "-");
		return;
	}
	r = (long double)delta * 1e9L / (long double)elapsed_ns;
	snprintf(buf, len, "%.2Lf", r);
}

/*
 * One frame from CUR, with rates against PREV (NULL on the first frame)
 * over ELAPSED_NS.  Pure: the caller reads the files and the clock.
 */
void watch_render(struct out *o, const struct snap *prev, const struct snap *cur,
		  uint64_t elapsed_ns, unsigned long frame, double interval, bool json)
{
	static const int keys[] = { ST_EVENTS, ST_ILLEGAL, ST_UNKNOWN_STATE, ST_LOG_DROPPED };
	struct row rows[FSM_NPROTO * FSM_NSLOTS * FSM_NSLOTS];
	char rate[32], f[16], t[16], l[16], g[32], cells[FSM_NRFC][64];
	size_t n = 0, i, k;
	bool reset = false;
	struct json j;

	for (i = 0; i < cur->trans.n && n < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct tf_transition *x = &cur->trans.v[i], *p;

		p = prev ? snap_trans(prev, x->proto, x->from, x->to) : NULL;
		rows[n].t = x;
		rows[n].delta = watch_delta(p ? p->count : 0, x->count, &reset);
		n++;
	}
	for (k = 0; prev && k < sizeof(keys) / sizeof(keys[0]); k++)
		watch_delta(snap_stat(prev, keys[k]), snap_stat(cur, keys[k]), &reset);
	if (n)
		qsort(rows, n, sizeof(rows[0]), cmp_row);

	if (json) {
		json_init(&j, o->f, false);
		json_obj(&j);
		json_kstr(&j, "command", "watch");
		json_ku64(&j, "frame", frame);
		json_key(&j, "elapsed_s");
		if (prev) {
			snprintf(rate, sizeof(rate), "%.3Lf", (long double)elapsed_ns / 1e9L);
			json_raw(&j, rate);
		} else {
			json_null(&j);
		}
		json_kbool(&j, "reset", reset);
		json_key(&j, "totals");
		json_obj(&j);
		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			json_ku64(&j, tf_stat_names[keys[k]], snap_stat(cur, keys[k]));
		json_obj_end(&j);
		json_sockets(&j, cur);
		json_key(&j, "transitions");
		json_arr(&j);
		for (i = 0; i < n; i++) {
			json_obj(&j);
			json_kstr(&j, "proto", fsm_proto_name(rows[i].t->proto));
			json_kstr(&j, "from", fsm_proto_state_label(rows[i].t->proto, rows[i].t->from, f));
			json_kstr(&j, "to", fsm_proto_state_label(rows[i].t->proto, rows[i].t->to, t));
			json_ku64(&j, "count", rows[i].t->count);
			json_key(&j, "rate");
			fmt_rate(rate, sizeof(rate), rows[i].delta, elapsed_ns, prev != NULL);
			if (prev && elapsed_ns)
				json_raw(&j, rate);
			else
				json_null(&j);
			json_obj_end(&j);
		}
		json_arr_end(&j);
		json_obj_end(&j);
		json_end(&j);
		return;
	}

	if (o->tty)
		fputs("\033[H\033[2J", o->f);
	else if (frame > 1)
		fputc('\n', o->f);
	fprintf(o->f, "%stcpfsm watch%s  %s  every %.2fs  frame %lu\n", out_col(o, C_BOLD),
		out_col(o, C_RESET), cur->root, interval, frame);
	for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		uint64_t d = prev ? watch_delta(snap_stat(prev, keys[k]),
						snap_stat(cur, keys[k]), &reset) : 0;

		fmt_rate(rate, sizeof(rate), d, elapsed_ns, prev != NULL);
		fprintf(o->f, "%s%s %" PRIu64 " (%s/s)", k ? "  " : "", tf_stat_names[keys[k]],
			snap_stat(cur, keys[k]), rate);
	}
	fputc('\n', o->f);
	if (reset)
		fprintf(o->f, "%scounters went down: they were reset, rates count from zero%s\n",
			out_col(o, C_YELLOW), out_col(o, C_RESET));
	fputs("\nTCP sockets now (change since the last frame):", o->f);
	for (i = 0, k = 0; i < FSM_NRFC; i++) {
		const struct tf_state_row *r = snap_state(cur, FSM_TCP, fsm_rfc_order[i]);
		const struct tf_state_row *p = prev ? snap_state(prev, FSM_TCP, fsm_rfc_order[i])
						    : NULL;
		int w;

		if (!r || !r->has_current)
			continue;
		fmt_gauge(g, sizeof(g), r);
		w = snprintf(cells[k], sizeof(cells[k]), "%s %s",
			     fsm_state_name(fsm_rfc_order[i]), g);
		if (p && p->has_current && p->current != r->current)
			fmt_change(cells[k] + w, sizeof(cells[k]) - (size_t)w, p->current,
				   r->current);
		k++;
	}
	for (i = 0; i < k; i++) {
		bool last = i % 4 == 3 || i + 1 == k;

		fprintf(o->f, "%s%-*s", i % 4 ? "  " : "\n  ", last ? 0 : 22, cells[i]);
	}
	fprintf(o->f, "\n\n%s%-5s %-29s %12s %10s%s\n", out_col(o, C_BOLD), "PROTO",
		"TRANSITION", "TOTAL", "RATE/s", out_col(o, C_RESET));
	for (i = 0; i < n && i < MAX_ROWS; i++) {
		char pair[40];

		snprintf(pair, sizeof(pair), "%s -> %s", fsm_proto_state_label(rows[i].t->proto, rows[i].t->from, f),
			 fsm_proto_state_label(rows[i].t->proto, rows[i].t->to, t));
		fmt_rate(rate, sizeof(rate), rows[i].delta, elapsed_ns, prev != NULL);
		fprintf(o->f, "%-5s %s%-29s%s %12" PRIu64 " %10s\n",
			fsm_proto_name(rows[i].t->proto), out_verdict_col(o, rows[i].t->verdict),
			pair, out_col(o, C_RESET), rows[i].t->count, rate);
	}
	if (n > MAX_ROWS)
		fprintf(o->f, "... %zu more\n", n - MAX_ROWS);
	if (!n)
		fputs("(no transition counted yet)\n", o->f);
	(void)l;
}

/* The real monotonic clock (watch never uses TCPFSM_NOW_NS). */
static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Sleep until DEADLINE (monotonic ns) or a signal. */
static void sleep_until(uint64_t deadline)
{
	struct timespec ts;

	ts.tv_sec = (time_t)(deadline / 1000000000u);
	ts.tv_nsec = (long)(deadline % 1000000000u);
	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

/* The "watch" command: frames until -n or a signal. */
int cmd_watch(const struct opts *op, struct out *o)
{
	struct snap a, b, *prev = NULL, *cur = &a;
	uint64_t t_prev = 0, t, next;
	unsigned long frame = 0;
	int rc;

	memset(&b, 0, sizeof(b));
	next = mono_ns();
	while (!tcpfsm_stop) {
		rc = snap_load(cur, op->root, SF(SF_TRANSITIONS) | SF(SF_STATES) | SF(SF_STATS), 0);
		t = mono_ns();
		if (rc) {
			snap_free(cur);
			if (prev)
				snap_free(prev);
			return rc;
		}
		frame++;
		watch_render(o, prev, cur, prev ? t - t_prev : 0, frame, op->interval, op->json);
		fflush(o->f);
		if (prev)
			snap_free(prev);
		prev = cur;
		cur = cur == &a ? &b : &a;
		t_prev = t;
		if (op->count && frame >= (unsigned long)op->count)
			break;
		next += (uint64_t)(op->interval * 1e9);
		if (next < t)
			next = t;	/* late: do not try to catch up */
		sleep_until(next);
	}
	if (prev)
		snap_free(prev);
	return EX_OK;
}
