// SPDX-License-Identifier: GPL-2.0
/*
 * follow.c - "log -f": print illegal records as they are logged.
 *
 * The cheap stats file is polled every 150 ms; the log is read again only
 * when log_next_seq moved.  Records are printed once, by seq.  A gap
 * between the last printed seq and the oldest one still held means the log
 * wrapped; log_next_seq going backwards means the module was reloaded.
 * SIGINT and SIGTERM end the loop with exit 0.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmds.h"
#include "parse.h"
#include "render_log.h"
#include "snap.h"
#include "source.h"
#include "tcpfsm.h"
#include "util.h"

#define POLL_MS 150

/* Sleep MS milliseconds; a signal cuts it short. */
static void nap(long ms)
{
	struct timespec ts = { ms / 1000, ms % 1000 * 1000000L };

	nanosleep(&ts, NULL);
}

struct follow {
	uint64_t last;		/* seq of the last record printed, 0: none */
	uint64_t last_ts;	/* its ts_ns, to recognise a reloaded module */
	uint64_t prev_next;	/* log_next_seq at the previous poll */
	bool started, gone;
	bool rebase;		/* next read of the log sets where we start */
};

/*
 * Read one file: 1 parsed, 0 absent for now (module unloaded), or
 * -(exit code) after printing an error.
 */
static int read_file(const char *root, const char *name, char **buf, size_t *len)
{
	int errnum, rc = src_read(root, name, buf, len, &errnum);

	switch (rc) {
	case SRC_OK:
		return 1;
	case SRC_MISSING:
		return 0;
	case SRC_DENIED:
		errmsg("%s/%s: permission denied: run tcpfsm as root", root, name);
		return -EX_PERM;
	case SRC_TOOBIG:
		errmsg("%s/%s: larger than %u MiB, refusing to read it", root, name,
		       TF_MAX_FILE >> 20);
		return -EX_DATA;
	default:
		errmsg("%s/%s: %s", root, name, strerror(errnum));
		return -EX_SYS;
	}
}

/* Print the records of LOG newer than F->last. */
static void print_new(const struct opts *op, struct out *o, struct follow *f,
		      const struct tf_log *log)
{
	struct json j;
	size_t i;

	for (i = 0; i < log->n; i++) {
		const struct tf_record *r = &log->v[i];

		if (r->seq <= f->last)
			continue;
		if (r->seq > f->last + 1) {
			uint64_t lost = r->seq - f->last - 1;

			errmsg("... %" PRIu64 " record%s lost (log wrapped)", lost,
			       lost == 1 ? "" : "s");
		}
		if (op->json) {
			json_init(&j, o->f, false);
			log_json_record(&j, r);
			json_end(&j);
		} else {
			log_text_record(o, r, op->stack, false, 0);
		}
		f->last = r->seq;
		f->last_ts = r->ts_ns;
	}
	fflush(o->f);
}

/*
 * Where to start: before the oldest record held (what is older went
 * before we started, which is not a loss to report), or, with an empty
 * log, after the last seq the module handed out.
 */
static void rebase(struct follow *f, const struct tf_log *log, uint64_t next)
{
	f->rebase = false;
	if (!log->n) {
		f->last = next ? next - 1 : 0;
		return;
	}
	f->last = log->v[0].seq - 1;
	if (f->last)
		errmsg("records before #%" PRIu64 " were overwritten or reset before this "
		       "follower started", log->v[0].seq);
}

/* True when LOG shows that the records we printed are not there any more. */
static bool log_replaced(const struct follow *f, const struct tf_log *log)
{
	size_t i;

	for (i = 0; i < log->n; i++)
		if (log->v[i].seq == f->last)
			return log->v[i].ts_ns != f->last_ts;
	return false;
}

/* At the first poll a missing file is an error: say why, as snap_load does. */
static int startup_error(const struct opts *op, int file)
{
	struct snap s;
	int rc = snap_load(&s, op->root, SF(file), 0);

	snap_free(&s);
	return rc;
}

/* One poll: returns 0 to go on, or an exit code. */
static int poll_once(const struct opts *op, struct out *o, struct follow *f)
{
	struct tf_stats st;
	struct tf_log log;
	struct tf_err e;
	uint64_t next;
	size_t len;
	char *buf;
	int rc;

	rc = read_file(op->root, "stats", &buf, &len);
	if (rc < 0)
		return -rc;
	if (rc == 0) {
		if (!f->started)
			return startup_error(op, SF_STATS);
		if (!f->gone)
			errmsg("%s/stats is gone (module unloaded?): waiting for it to come back",
			       op->root);
		f->gone = true;
		return 0;
	}
	rc = tf_parse_stats(buf, len, &st, &e);
	free(buf);
	if (rc) {
		snap_report(op->root, &e);
		return snap_err_exit(&e);
	}
	next = st.val[ST_LOG_NEXT_SEQ];
	if (f->started && (next < f->prev_next || (f->last && next <= f->last))) {
		errmsg("log_next_seq went back from %" PRIu64 " to %" PRIu64
		       ": the module was reloaded, following its new log from the start",
		       f->prev_next, next);
		f->last = 0;
		f->rebase = true;
		f->gone = false;
	} else if (f->started && next == f->prev_next && !f->gone) {
		return 0;	/* nothing new: do not read the log */
	}
	rc = read_file(op->root, "illegal", &buf, &len);
	if (rc < 0)
		return -rc;
	if (rc == 0) {
		if (!f->started)
			return startup_error(op, SF_ILLEGAL);
		f->gone = true;
		return 0;
	}
	rc = tf_parse_illegal(buf, len, &log, &e);
	free(buf);
	if (rc) {
		snap_report(op->root, &e);
		return snap_err_exit(&e);
	}
	if (f->started && f->last && log_replaced(f, &log)) {
		errmsg("the log no longer holds record #%" PRIu64
		       " as printed: the module was reloaded, following its new log "
		       "from the start", f->last);
		f->rebase = true;
	}
	if (f->rebase)
		rebase(f, &log, next);
	if (f->gone)
		errmsg("%s is back", op->root);
	f->gone = false;
	print_new(op, o, f, &log);
	tf_log_free(&log);
	f->prev_next = next;
	f->started = true;
	return 0;
}

/* "log -f": poll until SIGINT or SIGTERM. */
int cmd_follow(const struct opts *op, struct out *o)
{
	struct follow f = { .rebase = true };
	int rc;

	while (!tcpfsm_stop) {
		rc = poll_once(op, o, &f);
		if (rc)
			return rc;
		if (!tcpfsm_stop)
			nap(POLL_MS);
	}
	return EX_OK;
}
