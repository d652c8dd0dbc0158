// SPDX-License-Identifier: GPL-2.0
/*
 * unit.c - unit tests of tcpfsm's pure functions, and a driver for the
 * pure part of "watch" so that its frames can be compared with goldens.
 *
 *   unit selftest                     run the assertions, print a summary
 *   unit watch PREV CUR ELAPSED_NS [json]
 *                                     print the frame for two fixture dirs
 *                                     (PREV may be "-" for a first frame)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "fsm.h"
#include "json.h"
#include "out.h"
#include "parse.h"
#include "snap.h"
#include "watch.h"

static int passed, failed;

/* A string literal and its length, for the parsers. */
#define S(lit) (lit), (sizeof(lit) - 1)

#define CHECK(cond) check((cond), #cond, __LINE__)

static void check(int ok, const char *what, int line)
{
	if (ok) {
		passed++;
		return;
	}
	failed++;
	fprintf(stderr, "unit.c:%d: FAILED: %s\n", line, what);
}

/* Run F on a memstream and return what it wrote (caller frees). */
static char *capture_json(const char *s, size_t n)
{
	struct json j;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	json_init(&j, f, false);
	json_strn(&j, s, n);
	fclose(f);
	return buf;
}

static void test_numbers(void)
{
	uint64_t u;
	int64_t i;

	CHECK(tf_parse_u64("0", &u) == 0 && u == 0);
	CHECK(tf_parse_u64("18446744073709551615", &u) == 0 && u == UINT64_MAX);
	CHECK(tf_parse_u64("18446744073709551616", &u) == -2);
	CHECK(tf_parse_u64("99999999999999999999", &u) == -2);
	CHECK(tf_parse_u64("", &u) == -1);
	CHECK(tf_parse_u64("-1", &u) == -1);
	CHECK(tf_parse_u64("+1", &u) == -1);
	CHECK(tf_parse_u64("1 ", &u) == -1);
	CHECK(tf_parse_u64("0x10", &u) == -1);
	CHECK(tf_parse_i64("-9223372036854775808", &i) == 0 && i == INT64_MIN);
	CHECK(tf_parse_i64("9223372036854775807", &i) == 0 && i == INT64_MAX);
	CHECK(tf_parse_i64("9223372036854775808", &i) == -2);
	CHECK(tf_parse_i64("-9223372036854775809", &i) == -2);
	CHECK(tf_parse_i64("-", &i) == -1);
	CHECK(tf_parse_i64("-3", &i) == 0 && i == -3);
}

static void test_states(void)
{
	CHECK(fsm_parse_state("ESTABLISHED") == FSM_ESTABLISHED);
	CHECK(fsm_parse_state("STATE_0") == 0);
	CHECK(fsm_parse_state("STATE_255") == 255);
	CHECK(fsm_parse_state("STATE_256") == -1);
	CHECK(fsm_parse_state("STATE_") == -1);
	CHECK(fsm_parse_state("STATE_1x") == -1);
	CHECK(fsm_parse_state("STATE_0255") == -1);
	CHECK(fsm_parse_state("established") == -1);
	CHECK(fsm_lookup_state("time_wait") == FSM_TIME_WAIT);
	CHECK(fsm_lookup_state("TIME-WAIT") == FSM_TIME_WAIT);
	CHECK(fsm_lookup_state("Syn-Received") == FSM_SYN_RECV);
	CHECK(fsm_lookup_state("closed") == FSM_CLOSE);
	CHECK(fsm_lookup_state("CLOSE") == FSM_CLOSE);
	CHECK(fsm_lookup_state("fin-wait-1") == FSM_FIN_WAIT1);
	CHECK(fsm_lookup_state("finwait2") == FSM_FIN_WAIT2);
	CHECK(fsm_lookup_state("new_syn_recv") == FSM_NEW_SYN_RECV);
	CHECK(fsm_lookup_state("nonsense") == -1);
	CHECK(fsm_lookup_state("") == -1);
}

static void test_strings(void)
{
	char buf[64], *j;
	static const unsigned char bad[] = { 'a', 0xff, 'b', 0xc3, 0xa9, 0xed, 0xa0, 0x80 };

	out_escape("a\x1b" "b\\c", 5, false, buf, sizeof(buf));
	CHECK(strcmp(buf, "a\\x1bb\\x5cc") == 0);
	out_escape("\xd1\x81", 2, true, buf, sizeof(buf));
	CHECK(strcmp(buf, "\xd1\x81") == 0);
	out_escape("\xd1\x81", 2, false, buf, sizeof(buf));
	CHECK(strcmp(buf, "\\xd1\\x81") == 0);
	out_escape("\xc0\xaf", 2, true, buf, sizeof(buf));	/* overlong '/' */
	CHECK(strcmp(buf, "\\xc0\\xaf") == 0);
	out_escape("Web Content", 11, false, buf, sizeof(buf));
	CHECK(strcmp(buf, "Web Content") == 0);
	out_escape(" x ", 3, false, buf, sizeof(buf));
	CHECK(strcmp(buf, "\\x20x\\x20") == 0);
	out_escape("abcdef", 6, false, buf, 4);	/* truncates, stays terminated */
	CHECK(strcmp(buf, "abc") == 0);

	j = capture_json("q\"\\\n\t\x01\x7f", 7);
	CHECK(strcmp(j, "\"q\\\"\\\\\\n\\t\\u0001\x7f\"") == 0);
	free(j);
	j = capture_json((const char *)bad, sizeof(bad));
	CHECK(strcmp(j, "\"a\\u00ffb\xc3\xa9\\u00ed\\u00a0\\u0080\"") == 0);
	free(j);
	j = capture_json("\0x", 2);
	CHECK(strcmp(j, "\"\\u0000x\"") == 0);
	free(j);

	fmt_dec6(buf, sizeof(buf), 1);
	CHECK(strcmp(buf, "0.000001") == 0);
	fmt_dec6(buf, sizeof(buf), 1048576);
	CHECK(strcmp(buf, "1.048576") == 0);
	fmt_dec6(buf, sizeof(buf), 60000000);
	CHECK(strcmp(buf, "60") == 0);
	fmt_dec6(buf, sizeof(buf), UINT64_MAX);
	CHECK(strcmp(buf, "18446744073709.551615") == 0);
	fmt_seconds(buf, sizeof(buf), 5123456789u);
	CHECK(strcmp(buf, "5.123456") == 0);
}

static void test_parsers(void)
{
	static const char stats[] = "# tcpfsm stats format 1\n# KEY VALUE\nversion 1.0.0\n"
		"events 5\nillegal 0\nunknown_state 0\nlog_records 0\nlog_dropped 0\n"
		"log_size 8\nlog_next_seq 1\nstrict 0\nbrand_new_key whatever\n";
	static const char rec[] = "# tcpfsm illegal format 1\nseq=3 ts_ns=1 cpu=0 pid=1 "
		"comm=a\\x20b\\x5c ctx=irq netns=1 uid=0 cgroup=0 proto=TCP family=inet6 "
		"src=[::ffff:1.2.3.4]:1 dst=[fe80::1]:65535 from=STATE_20 to=CLOSE "
		"injected=0 stack=- future=field\n";
	struct tf_stats st;
	struct tf_log log;
	struct tf_transitions t;
	struct tf_dwell d;
	struct tf_err e;

	CHECK(tf_parse_stats(stats, sizeof(stats) - 1, &st, &e) == 0);
	CHECK(TF_HAVE(&st, ST_EVENTS) && st.val[ST_EVENTS] == 5);
	CHECK(!TF_HAVE(&st, ST_DWELL));
	CHECK(strcmp(st.version, "1.0.0") == 0);
	CHECK(tf_parse_stats(stats, sizeof(stats) - 2, &st, &e) == -1 &&
	      e.kind == TF_E_SYNTAX && e.line == 12);

	CHECK(tf_parse_illegal(rec, sizeof(rec) - 1, &log, &e) == 0 && log.n == 1);
	if (log.n == 1) {
		CHECK(log.v[0].comm_len == 4 && memcmp(log.v[0].comm, "a b\\", 4) == 0);
		CHECK(log.v[0].from == 20 && log.v[0].nframes == 0);
		CHECK(log.v[0].family == TF_INET6 && log.v[0].ctx == TF_CTX_IRQ);
	}
	tf_log_free(&log);
	CHECK(tf_parse_illegal(S("# tcpfsm illegal format 1\nseq=1 ts_ns=1 cpu=0 pid=1 comm= "
				 "ctx=task netns=1 uid=0 cgroup=0 proto=TCP family=inet "
				 "src=0.0.0.0:0 dst=0.0.0.0:0 from=CLOSE to=CLOSE injected=1 "
				 "stack=-\n"), &log, &e) == 0 &&
	      log.n == 1 && log.v[0].comm_len == 0);
	tf_log_free(&log);

	CHECK(tf_parse_transitions(S("# tcpfsm transitions format 2\n"), &t, &e) == -1 &&
	      e.kind == TF_E_FORMAT && strstr(e.msg, "use a newer tcpfsm"));
	CHECK(tf_parse_transitions(S("# tcpfsm transitions format 0\n"), &t, &e) == -1 &&
	      e.kind == TF_E_FORMAT && strstr(e.msg, "older tcpfsm"));
	CHECK(tf_parse_transitions(S(""), &t, &e) == -1 && e.line == 1);
	CHECK(tf_parse_transitions(S("# tcpfsm transitions format 1\nTCP CLOSE LISTEN 1 rfc\n"
				     "TCP CLOSE LISTEN 2 rfc\n"), &t, &e) == -1 &&
	      e.line == 3 && strstr(e.msg, "duplicate"));
	CHECK(tf_parse_dwell(S("# tcpfsm dwell format 1\nTCP CLOSE 3 1\nTCP CLOSE count 1\n"
			       "TCP CLOSE sum_us 1\n"), &d, &e) == -1 && e.line == 2 &&
	      strstr(e.msg, "power of two"));
	CHECK(tf_parse_dwell(S("# tcpfsm dwell format 1\nTCP CLOSE 9223372036854775808 1\n"
			       "TCP CLOSE count 1\nTCP CLOSE sum_us 1\n"), &d, &e) == 0 &&
	      d.n == 1 && d.v[0].bucket[63] == 1);
	tf_dwell_free(&d);
}

static void test_watch(void)
{
	bool reset = false;

	CHECK(watch_delta(5, 9, &reset) == 4 && !reset);
	CHECK(watch_delta(9, 9, &reset) == 0 && !reset);
	CHECK(watch_delta(9, 2, &reset) == 2 && reset);
	reset = false;
	CHECK(watch_delta(0, UINT64_MAX, &reset) == UINT64_MAX && !reset);
}

/* Print one watch frame for fixtures PREV ("-": none) and CUR. */
static int watch_frame(const char *prev, const char *cur, const char *ns, bool json)
{
	struct snap a, b;
	struct out o = { .f = stdout };
	uint64_t elapsed;
	unsigned int need = SF(SF_TRANSITIONS) | SF(SF_STATES) | SF(SF_STATS);
	int rc;

	if (tf_parse_u64(ns, &elapsed))
		return 2;
	rc = snap_load(&b, cur, need, 0);
	if (rc)
		return rc;
	if (strcmp(prev, "-") != 0) {
		rc = snap_load(&a, prev, need, 0);
		if (rc)
			return rc;
	}
	watch_render(&o, strcmp(prev, "-") ? &a : NULL, &b, elapsed, 2, 1.0, json);
	if (strcmp(prev, "-"))
		snap_free(&a);
	snap_free(&b);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 5 && strcmp(argv[1], "watch") == 0)
		return watch_frame(argv[2], argv[3], argv[4], argc > 5);
	if (argc != 2 || strcmp(argv[1], "selftest") != 0) {
		fprintf(stderr, "usage: unit selftest | unit watch PREV CUR ELAPSED_NS [json]\n");
		return 2;
	}
	test_numbers();
	test_states();
	test_strings();
	test_parsers();
	test_watch();
	printf("unit: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
