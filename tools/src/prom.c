// SPDX-License-Identifier: GPL-2.0
/*
 * prom.c - "tcpfsm prometheus": the counters in the Prometheus text
 * exposition format (version 0.0.4), for node_exporter's textfile
 * collector.  Every family has HELP and TYPE lines; label values are
 * escaped; dwell histograms are cumulative with le in seconds.  With
 * --textfile DIR the document replaces DIR/tcpfsm.prom atomically.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmds.h"
#include "fsm.h"
#include "parse.h"
#include "render.h"
#include "tcpfsm.h"
#include "util.h"

/* The whole document when the module's files could not be read. */
static const char down_doc[] =
	"# HELP tcpfsm_up 1 if the tcpfsm module's files were read.\n"
	"# TYPE tcpfsm_up gauge\n"
	"tcpfsm_up 0\n";

/* A label value with '\', '"' and newline escaped. */
static void label(FILE *f, const char *name, const char *v, bool first)
{
	fprintf(f, "%s%s=\"", first ? "" : ",", name);
	for (; *v; v++) {
		if (*v == '\\')
			fputs("\\\\", f);
		else if (*v == '"')
			fputs("\\\"", f);
		else if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
	fputc('"', f);
}

/* HELP and TYPE lines of a metric family. */
static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A stats key as a counter family, if the file had it. */
static void stat_counter(FILE *f, const struct snap *s, int key, const char *name,
			 const char *help)
{
	if (!TF_HAVE(&s->stats, key))
		return;
	family(f, name, "counter", help);
	fprintf(f, "%s %" PRIu64 "\n", name, s->stats.val[key]);
}

/* A stats key as a gauge family, if the file had it. */
static void stat_gauge(FILE *f, const struct snap *s, int key, const char *name,
		       const char *help)
{
	if (!TF_HAVE(&s->stats, key))
		return;
	family(f, name, "gauge", help);
	fprintf(f, "%s %" PRIu64 "\n", name, s->stats.val[key]);
}

/* The dwell histograms: cumulative buckets up to the largest one seen. */
static void dwell(FILE *f, const struct snap *s)
{
	char le[32], sum[40], l[16];
	unsigned int top = 0, k;
	size_t i;

	for (i = 0; i < s->dwell.n; i++)
		for (k = 0; k < TF_DWELL_NBUCKETS; k++)
			if (s->dwell.v[i].bucket[k] && k > top)
				top = k;
	family(f, "tcpfsm_state_dwell_seconds", "histogram",
	       "Time TCP sockets spent in a state before leaving it (bucket le=b holds "
	       "times below b).");
	for (i = 0; i < s->dwell.n; i++) {
		const struct tf_dwell_hist *h = &s->dwell.v[i];
		uint64_t cum = 0, total;

		for (k = 0; k <= top; k++) {
			cum += h->bucket[k];
			fmt_dec6(le, sizeof(le), (uint64_t)1 << k);
			fputs("tcpfsm_state_dwell_seconds_bucket{", f);
			label(f, "proto", fsm_proto_name(h->proto), true);
			label(f, "state", fsm_proto_state_label(h->proto, h->state, l), false);
			label(f, "le", le, false);
			fprintf(f, "} %" PRIu64 "\n", cum);
		}
		/* the count line wins; a racy read cannot make +Inf shrink */
		total = h->count > cum ? h->count : cum;
		fputs("tcpfsm_state_dwell_seconds_bucket{", f);
		label(f, "proto", fsm_proto_name(h->proto), true);
		label(f, "state", fsm_proto_state_label(h->proto, h->state, l), false);
		label(f, "le", "+Inf", false);
		fprintf(f, "} %" PRIu64 "\n", total);
		fmt_dec6(sum, sizeof(sum), h->sum_us);
		fputs("tcpfsm_state_dwell_seconds_sum{", f);
		label(f, "proto", fsm_proto_name(h->proto), true);
		label(f, "state", fsm_proto_state_label(h->proto, h->state, l), false);
		fprintf(f, "} %s\n", sum);
		fputs("tcpfsm_state_dwell_seconds_count{", f);
		label(f, "proto", fsm_proto_name(h->proto), true);
		label(f, "state", fsm_proto_state_label(h->proto, h->state, l), false);
		fprintf(f, "} %" PRIu64 "\n", total);
	}
}

/* One counter per state row: its ENTERED, or its EXITED with @exited. */
static void state_counters(FILE *f, const struct tf_states *st, const char *name,
			   const char *help, bool exited)
{
	char l[16];
	size_t i;

	family(f, name, "counter", help);
	for (i = 0; i < st->n; i++) {
		const struct tf_state_row *r = &st->v[i];

		fprintf(f, "%s{", name);
		label(f, "proto", fsm_proto_name(r->proto), true);
		label(f, "state", fsm_proto_state_label(r->proto, r->state, l), false);
		fprintf(f, "} %" PRIu64 "\n", exited ? r->exited : r->entered);
	}
}

/* Per-namespace gauges and entry counts. */
static void netns_rows(FILE *f, const struct snap *s)
{
	char ns[32], l[16];
	size_t i;

	family(f, "tcpfsm_netns_sockets", "gauge",
	       "TCP sockets per state now, per network namespace (netns inode, or other).");
	for (i = 0; i < s->netns.n; i++) {
		const struct tf_netns_row *r = &s->netns.v[i];

		if (!r->s.has_current)
			continue;
		fmt_netns(ns, sizeof(ns), r);
		fputs("tcpfsm_netns_sockets{", f);
		label(f, "netns", ns, true);
		label(f, "proto", fsm_proto_name(r->s.proto), false);
		label(f, "state", fsm_proto_state_label(r->s.proto, r->s.state, l), false);
		fprintf(f, "} %" PRId64 "\n", r->s.current);
	}
	family(f, "tcpfsm_netns_state_entered_total", "counter",
	       "Events entering a state, per network namespace.");
	for (i = 0; i < s->netns.n; i++) {
		const struct tf_netns_row *r = &s->netns.v[i];

		fmt_netns(ns, sizeof(ns), r);
		fputs("tcpfsm_netns_state_entered_total{", f);
		label(f, "netns", ns, true);
		label(f, "proto", fsm_proto_name(r->s.proto), false);
		label(f, "state", fsm_proto_state_label(r->s.proto, r->s.state, l), false);
		fprintf(f, "} %" PRIu64 "\n", r->s.entered);
	}
}

/*
 * net.ipv4.tcp_max_tw_buckets, the most time-wait sockets the kernel keeps,
 * from /proc/sys (TCPFSM_PROC_SYS replaces /proc/sys, for tests only).  It
 * is what TIME_WAIT is compared with; node_exporter does not export it.
 * Left out when it cannot be read or is not a number.
 */
static void max_tw_buckets(FILE *f)
{
	const char *dir = getenv("TCPFSM_PROC_SYS");
	char path[4096], buf[32];
	uint64_t v;
	ssize_t n;
	int fd;

	if (!dir || !*dir)
		dir = "/proc/sys";
	if ((size_t)snprintf(path, sizeof(path), "%s/net/ipv4/tcp_max_tw_buckets", dir) >=
	    sizeof(path))
		return;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return;
	do
		n = read(fd, buf, sizeof(buf) - 1);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	if (buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	if (tf_parse_u64(buf, &v) || v > INT32_MAX)
		return;
	family(f, "tcpfsm_tcp_max_tw_buckets", "gauge",
	       "net.ipv4.tcp_max_tw_buckets: time-wait sockets the kernel keeps at most "
	       "(the tool's network namespace).");
	fprintf(f, "tcpfsm_tcp_max_tw_buckets %" PRIu64 "\n", v);
}

/* The "prometheus" command. */
int cmd_prometheus(const struct opts *op, struct out *o)
{
	unsigned int want = SF(SF_LIFECYCLE) | SF(SF_DWELL) | SF(SF_NETNS);
	FILE *f = o->f;
	char a[16], b[16];
	struct snap s;
	size_t i;
	int rc;

	rc = snap_load(&s, op->root, 0, SF(SF_STATS));
	if (rc == EX_OK && !s.root_ok) {
		/*
		 * Nothing to read: say so in a form a scraper keeps.  For the
		 * textfile timer an unloaded module is the normal case that
		 * the file reports, not worth a log line every run.
		 */
		if (!op->textfile || access("/sys/module/tcpfsm", F_OK) == 0)
			errmsg("%s", s.why);
		fputs(down_doc, f);
		snap_free(&s);
		return EX_OK;
	}
	snap_free(&s);
	rc = snap_load(&s, op->root, SF(SF_STATS) | SF(SF_STATES) | SF(SF_TRANSITIONS), want);
	if (rc) {
		snap_free(&s);
		return rc;
	}
	family(f, "tcpfsm_up", "gauge", "1 if the tcpfsm module's files were read.");
	fputs("tcpfsm_up 1\n", f);
	family(f, "tcpfsm_info", "gauge", "Versions and settings of tcpfsm; always 1.");
	fputs("tcpfsm_info{", f);
	label(f, "version", s.stats.version[0] ? s.stats.version : "unknown", true);
	label(f, "tool_version", TCPFSM_TOOL_VERSION, false);
	label(f, "format", "1", false);
	label(f, "strict", snap_stat_on(&s, ST_STRICT) ? "1" : "0", false);
	label(f, "timewait_tracking", snap_stat_on(&s, ST_TIMEWAIT_TRACKING) ? "1" : "0", false);
	label(f, "dwell", snap_stat_on(&s, ST_DWELL) ? "1" : "0", false);
	fputs("} 1\n", f);

	family(f, "tcpfsm_sockets", "gauge", "TCP sockets per state now (where a gauge is kept).");
	for (i = 0; i < s.states.n; i++) {
		const struct tf_state_row *r = &s.states.v[i];

		if (!r->has_current)
			continue;
		fputs("tcpfsm_sockets{", f);
		label(f, "proto", fsm_proto_name(r->proto), true);
		label(f, "state", fsm_proto_state_label(r->proto, r->state, a), false);
		fprintf(f, "} %" PRId64 "\n", r->current);
	}
	max_tw_buckets(f);
	state_counters(f, &s.states, "tcpfsm_state_entered_total",
		       "Events whose new state is this one.", false);
	state_counters(f, &s.states, "tcpfsm_state_exited_total",
		       "Events whose old state is this one (child births excepted).", true);
	family(f, "tcpfsm_transitions_total", "counter",
	       "State transitions reported by the inet_sock_set_state tracepoint.");
	for (i = 0; i < s.trans.n; i++) {
		const struct tf_transition *x = &s.trans.v[i];

		fputs("tcpfsm_transitions_total{", f);
		label(f, "proto", fsm_proto_name(x->proto), true);
		label(f, "from", fsm_proto_state_label(x->proto, x->from, a), false);
		label(f, "to", fsm_proto_state_label(x->proto, x->to, b), false);
		label(f, "verdict", fsm_verdict_name(x->verdict), false);
		fprintf(f, "} %" PRIu64 "\n", x->count);
	}
	stat_counter(f, &s, ST_EVENTS, "tcpfsm_events_total", "Tracepoint events seen.");
	stat_counter(f, &s, ST_ILLEGAL, "tcpfsm_illegal_total",
		     "Transitions judged illegal, injected ones included.");
	stat_counter(f, &s, ST_UNKNOWN_STATE, "tcpfsm_unknown_state_total",
		     "Events with a state value the table does not name.");
	stat_counter(f, &s, ST_INJECTED, "tcpfsm_injected_total",
		     "Transitions written to the inject file.");
	stat_counter(f, &s, ST_LOG_DROPPED, "tcpfsm_log_dropped_total",
		     "Illegal-transition records overwritten because the log was full.");
	stat_gauge(f, &s, ST_LOG_RECORDS, "tcpfsm_log_records", "Records held in the log now.");
	stat_gauge(f, &s, ST_LOG_SIZE, "tcpfsm_log_size", "Capacity of the log.");
	stat_counter(f, &s, ST_DWELL_MISSES, "tcpfsm_dwell_misses_total",
		     "Transitions whose time in state could not be measured.");
	stat_gauge(f, &s, ST_DWELL_TRACKED, "tcpfsm_dwell_tracked",
		   "Sockets whose state entry time is held now.");
	stat_gauge(f, &s, ST_NETNS_TRACKED, "tcpfsm_netns_tracked",
		   "Network namespaces with their own counters now.");
	stat_gauge(f, &s, ST_NETNS_FOLDED, "tcpfsm_netns_folded",
		   "Network namespaces counted under netns=\"other\" now.");
	if (snap_has(&s, SF_LIFECYCLE)) {
		family(f, "tcpfsm_lifecycle_transitions_total", "counter",
		       "TCP transitions with the time-wait hand-over drawn as in RFC 9293.");
		for (i = 0; i < s.life.n; i++) {
			fputs("tcpfsm_lifecycle_transitions_total{", f);
			label(f, "from", fsm_state_label(s.life.v[i].from, a), true);
			label(f, "to", fsm_state_label(s.life.v[i].to, b), false);
			fprintf(f, "} %" PRIu64 "\n", s.life.v[i].count);
		}
	}
	if (snap_has(&s, SF_DWELL))
		dwell(f, &s);
	if (snap_has(&s, SF_NETNS))
		netns_rows(f, &s);
	snap_free(&s);
	return EX_OK;
}

/* A --textfile failure: the message, and the exit code for ERR. */
static int textfile_err(const char *what, const char *path, int err)
{
	errmsg("--textfile: %s %s: %s", what, path, strerror(err));
	if (err == ENOENT || err == ENOTDIR)
		return EX_NOSRC;
	return err == EACCES || err == EPERM ? EX_PERM : EX_SYS;
}

/* Write all of BUF to FD. */
static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t w = write(fd, buf, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

/*
 * "prometheus --textfile DIR": replace DIR/tcpfsm.prom with BUF (the
 * metrics), the way node_exporter's textfile collector asks: a temporary
 * file in DIR whose name does not end in .prom (the collector skips it),
 * mode 0644, fsync, rename over the old file, fsync of DIR.  A scrape sees
 * the old file or the new one, never a part.  RC is the exit code of the
 * reading: when it failed, the file says tcpfsm_up 0 instead (the numbers
 * of the last good run must not look current) and RC is returned.
 */
int prom_textfile(const char *dir, const char *buf, size_t len, int rc)
{
	char tmp[4096];
	const char *name;
	int dfd, fd, err, ret;

	if (rc != EX_OK) {
		buf = down_doc;
		len = strlen(down_doc);
	}
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s/" PROM_TEXTFILE_TMP, dir) >= sizeof(tmp)) {
		errmsg("--textfile %s: path too long", dir);
		return EX_USAGE;
	}
	name = tmp + strlen(tmp) - strlen(PROM_TEXTFILE_TMP);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return textfile_err("directory", dir, errno);
	fd = mkstemp(tmp);
	if (fd < 0) {
		ret = textfile_err("cannot create a file in", dir, errno);
		close(dfd);
		return ret;
	}
	if (fchmod(fd, 0644) || write_all(fd, buf, len) || fsync(fd)) {
		err = errno;
		close(fd);
		goto fail;
	}
	if (close(fd)) {
		err = errno;
		goto fail;
	}
	if (renameat(dfd, name, dfd, PROM_TEXTFILE)) {
		err = errno;
		goto fail;
	}
	/* the rename itself on disk; some file systems cannot sync a directory */
	if (fsync(dfd) && errno != EINVAL && errno != EROFS) {
		ret = textfile_err("fsync of", dir, errno);
		close(dfd);
		return ret;
	}
	close(dfd);
	return rc;
fail:
	unlinkat(dfd, name, 0);
	close(dfd);
	snprintf(tmp, sizeof(tmp), "%s/" PROM_TEXTFILE, dir);
	return textfile_err("writing", tmp, err);
}
