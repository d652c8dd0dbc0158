// SPDX-License-Identifier: GPL-2.0
/*
 * render_log.c - the "log" command: illegal-transition records, one line
 * each (time since boot, comm[pid], context, netns, addresses, states,
 * innermost stack frame), or the whole stack with --stack.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cmds.h"
#include "fsm.h"
#include "render.h"
#include "render_log.h"
#include "snap.h"
#include "tcpfsm.h"

static const char *const ctx_names[] = { "task", "softirq", "irq" };

/* "12.3s ago" for a record at TS when the clock says NOW. */
static void fmt_ago(char *buf, size_t len, uint64_t ts, uint64_t now)
{
	uint64_t d;

	if (ts > now) {
		snprintf(buf, len, "in the future");
		return;
	}
	d = (now - ts) / 1000000u;	/* ms */
	if (d < 60000)
		snprintf(buf, len, "%" PRIu64 ".%01" PRIu64 "s ago", d / 1000, d % 1000 / 100);
	else if (d < 3600000)
		snprintf(buf, len, "%" PRIu64 "m%02" PRIu64 "s ago", d / 60000, d / 1000 % 60);
	else if (d < 86400000)
		snprintf(buf, len, "%" PRIu64 "h%02" PRIu64 "m ago", d / 3600000,
			 d / 60000 % 60);
	else
		snprintf(buf, len, "%" PRIu64 "d%02" PRIu64 "h ago", d / 86400000,
			 d / 3600000 % 24);
}

/*
 * One record:
 * [  3512.345678] #1 bash[1337] task netns 4026531840 TCP 0.0.0.0:0 -> 0.0.0.0:0
 *     ESTABLISHED -> SYN_SENT injected at full_proxy_write+0x5c/0x80
 * (on one line).  AGO adds the age, NOW being the monotonic clock.
 */
void log_text_record(const struct out *o, const struct tf_record *r, bool stack,
		     bool ago, uint64_t now)
{
	char ts[32], age[40], f[16], t[16];
	size_t i;

	fmt_seconds(ts, sizeof(ts), r->ts_ns);
	fprintf(o->f, "[%12s] ", ts);
	if (ago) {
		fmt_ago(age, sizeof(age), r->ts_ns, now);
		fprintf(o->f, "%s(%s)%s ", out_col(o, C_DIM), age, out_col(o, C_RESET));
	}
	fprintf(o->f, "#%" PRIu64 " %s", r->seq, out_col(o, C_BOLD));
	if (r->comm_len)
		out_safe(o, r->comm, r->comm_len);
	else
		fputs("\"\"", o->f);	/* a task may name itself "" */
	fprintf(o->f, "%s[%" PRIu32 "] %s netns %" PRIu64 " %s ", out_col(o, C_RESET),
		r->pid, ctx_names[r->ctx], r->netns, fsm_proto_name(r->proto));
	out_safe(o, r->src, strlen(r->src));
	fputs(" -> ", o->f);
	out_safe(o, r->dst, strlen(r->dst));
	fprintf(o->f, " %s%s -> %s%s", out_col(o, C_RED), fsm_proto_state_label(r->proto, r->from, f),
		fsm_proto_state_label(r->proto, r->to, t), out_col(o, C_RESET));
	if (r->injected)
		fprintf(o->f, " %sinjected%s", out_col(o, C_YELLOW), out_col(o, C_RESET));
	if (!stack) {
		if (r->nframes) {
			fputs(" at ", o->f);
			out_safe(o, r->frames[0], strlen(r->frames[0]));
		}
		fputc('\n', o->f);
		return;
	}
	fputc('\n', o->f);
	if (!r->nframes)
		fprintf(o->f, "        (no stack)\n");
	for (i = 0; i < r->nframes; i++) {
		fputs("        ", o->f);
		out_safe(o, r->frames[i], strlen(r->frames[i]));
		fputc('\n', o->f);
	}
}

/* One record as a JSON object; comm decoded, and as the kernel wrote it. */
void log_json_record(struct json *j, const struct tf_record *r)
{
	char f[16], t[16];
	size_t i;

	json_obj(j);
	json_ku64(j, "seq", r->seq);
	json_ku64(j, "ts_ns", r->ts_ns);
	json_ku64(j, "cpu", r->cpu);
	json_ku64(j, "pid", r->pid);
	json_key(j, "comm");
	json_strn(j, r->comm, r->comm_len);
	json_kstr(j, "comm_raw", r->comm_raw);
	json_kstr(j, "ctx", ctx_names[r->ctx]);
	json_ku64(j, "netns", r->netns);
	json_ku64(j, "uid", r->uid);
	json_ku64(j, "cgroup", r->cgroup);
	json_kstr(j, "proto", fsm_proto_name(r->proto));
	json_kstr(j, "family", r->family == TF_INET6 ? "inet6" : "inet");
	json_kstr(j, "src", r->src);
	json_kstr(j, "dst", r->dst);
	json_kstr(j, "from", fsm_proto_state_label(r->proto, r->from, f));
	json_kstr(j, "to", fsm_proto_state_label(r->proto, r->to, t));
	json_kbool(j, "injected", r->injected);
	json_key(j, "stack");
	json_arr(j);
	for (i = 0; i < r->nframes; i++)
		json_str(j, r->frames[i]);
	json_arr_end(j);
	json_obj_end(j);
}

/* The "log" command without -f. */
int cmd_log(const struct opts *op, struct out *o)
{
	struct snap s;
	struct json j;
	size_t i;
	int rc;

	rc = snap_load(&s, op->root, SF(SF_ILLEGAL) | SF(SF_STATS), 0);
	if (rc)
		goto out;
	if (op->json) {
		json_begin_doc(&j, o, op, "log");
		json_ku64(&j, "log_records", s.log.n);
		json_ku64(&j, "log_size", snap_stat(&s, ST_LOG_SIZE));
		json_ku64(&j, "log_dropped", snap_stat(&s, ST_LOG_DROPPED));
		json_ku64(&j, "log_next_seq", snap_stat(&s, ST_LOG_NEXT_SEQ));
		json_key(&j, "records");
		json_arr(&j);
		for (i = 0; i < s.log.n; i++)
			log_json_record(&j, &s.log.v[i]);
		json_arr_end(&j);
		json_end_doc(&j);
		goto out;
	}
	fprintf(o->f, "%zu illegal transition record%s held (log_size %" PRIu64
		", strict=%" PRIu64 "), next seq %" PRIu64 "\n", s.log.n,
		s.log.n == 1 ? "" : "s", snap_stat(&s, ST_LOG_SIZE), snap_stat(&s, ST_STRICT),
		snap_stat(&s, ST_LOG_NEXT_SEQ));
	if (s.log.n && s.log.v[0].seq > 1)
		fprintf(o->f, "... records before #%" PRIu64 " are gone (%" PRIu64
			" overwritten because the log was full; the rest cleared by a reset)\n",
			s.log.v[0].seq, snap_stat(&s, ST_LOG_DROPPED));
	for (i = 0; i < s.log.n; i++)
		log_text_record(o, &s.log.v[i], op->stack, false, 0);
out:
	snap_free(&s);
	return rc;
}
