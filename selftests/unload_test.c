// SPDX-License-Identifier: GPL-2.0
/*
 * unload_test.c - load and unload tcpfsm while connections churn
 *
 * Workers run every scenario in a loop on both address families, in two
 * network namespaces, while the module is loaded and unloaded again and
 * again, with readers inside its debugfs files.  Nothing may crash, warn
 * or leak the module, and each load must be right: the gauges seeded
 * under churn equal /proc/net/tcp (within seed_uncertain), a window of
 * churn is counted exactly as the kernel's trace event saw it and judged
 * as RFC 9293 says (strict mode: every Linux transition, nothing else),
 * and once the churn stops the gauges are exact.  And an unload waits for
 * a probe still running (held there by the test helper selftests/stall).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../tools/traffic/scenarios.h"
#include "kselftest_harness.h"
#include "tcpfsm_lib.h"

#define WORKERS 3
#define CYCLES 15
#define WINDOW_EVENTS 30	/* a window of churn: at least this many events */

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Read every file, as a reader racing with unload would. */
static void read_all(void)
{
	static const char *const files[] = {
		"transitions", "states", "stats", "illegal", "table",
		"lifecycle", "dwell", "netns",
	};
	unsigned int i;

	for (i = 0; i < sizeof(files) / sizeof(*files); i++) {
		char path[128];

		snprintf(path, sizeof(path), TF_DEBUGFS "/%s", files[i]);
		free(tf_slurp(path));
	}
}

/* A reader that keeps a file open and reads it in a loop. */
static void reader(void)
{
	char buf[4096];

	for (;;) {
		int fd = open(TF_DEBUGFS "/transitions", O_RDONLY);

		if (fd >= 0) {
			while (read(fd, buf, sizeof(buf)) > 0)
				;
			close(fd);
		}
		usleep(1000);
	}
}

/* TCP transitions in @m that RFC 9293 does not describe (strict: illegal). */
static uint64_t linux_transitions(const struct tf_matrix *m)
{
	uint64_t n = 0;
	int f, t;

	for (f = 0; f < TCPFSM_NSLOTS; f++)
		for (t = 0; t < TCPFSM_NSLOTS; t++)
			if (tf_reference_verdict(f, t, false) == TCPFSM_LINUX)
				n += m->n[TCPFSM_PROTO_TCP][f][t];
	return n;
}

/*
 * A window of churn from a reset, paused at both ends: counted as the
 * trace event saw it, every TCP pair legal, and with strict=1 exactly the
 * Linux ones judged illegal and logged.
 */
static void check_window(struct __test_metadata *_metadata,
			 struct tf_churn *churn, bool strict, int cycle)
{
	uint64_t illegal, unknown, records, size, want;
	struct tf_matrix m;
	char err[1024];
	int f, t;

	ASSERT_EQ(0, tf_write("control", "reset"));
	ASSERT_EQ(0, tf_trace_start());
	ASSERT_EQ(0, tf_churn_resume(churn));
	ASSERT_EQ(0, tf_wait_events(WINDOW_EVENTS, 20000)) TH_LOG("cycle %d: no traffic", cycle);
	ASSERT_EQ(0, tf_churn_pause(churn));
	ASSERT_EQ(0, tf_wait_quiet(200, 10000));
	ASSERT_EQ(0, tf_trace_check(err, sizeof(err)))
		TH_LOG("cycle %d, trace event: %s", cycle, err);
	ASSERT_EQ(0, tf_read_matrix(&m));
	ASSERT_LE(WINDOW_EVENTS, tf_matrix_total(&m));
	for (f = 0; f < TCPFSM_NSLOTS; f++)
		for (t = 0; t < TCPFSM_NSLOTS; t++)
			if (m.n[TCPFSM_PROTO_TCP][f][t])
				ASSERT_NE(TCPFSM_ILLEGAL, tf_reference_verdict(f, t, false))
					TH_LOG("cycle %d: %s -> %s", cycle,
					       tcpfsm_state_name(f) ?: "?",
					       tcpfsm_state_name(t) ?: "?");
	want = strict ? linux_transitions(&m) : 0;
	ASSERT_EQ(0, tf_read_stat("illegal", &illegal));
	ASSERT_EQ(0, tf_read_stat("unknown_state", &unknown));
	ASSERT_EQ(0, tf_read_stat("log_records", &records));
	ASSERT_EQ(0, tf_read_stat("log_size", &size));
	ASSERT_EQ(want, illegal) TH_LOG("cycle %d, strict=%d", cycle, strict);
	ASSERT_EQ(0, unknown);
	ASSERT_EQ(want < size ? want : size, records);
}

/* Pause the churn where it stands and compare the gauges with /proc. */
static void check_gauges(struct __test_metadata *_metadata,
			 struct tf_churn *churn, int cycle, const char *when)
{
	uint64_t uncertain;
	char err[1024];

	ASSERT_EQ(0, tf_churn_pause(churn));
	ASSERT_EQ(0, tf_wait_quiet(200, 10000));
	ASSERT_EQ(0, tf_read_stat("seed_uncertain", &uncertain));
	/* Far fewer sockets than the seeding set holds: nothing uncertain. */
	ASSERT_EQ(0, uncertain);
	ASSERT_EQ(0, tf_gauges_check(uncertain, err, sizeof(err)))
		TH_LOG("cycle %d, %s: %s", cycle, when, err);
}

FIXTURE(unload) {
	int kmsg;
	struct tf_churn churn;
	pid_t reader;
};

FIXTURE_SETUP(unload)
{
	self->kmsg = tf_kernel_log_lines();
	ASSERT_EQ(0, tf_new_netns());
}

FIXTURE_TEARDOWN(unload)
{
	int status;

	if (self->reader > 0) {
		kill(self->reader, SIGKILL);
		waitpid(self->reader, &status, 0);
	}
	if (self->churn.workers)
		tf_churn_stop(&self->churn);
	tf_teardown(_metadata, self->kmsg);
}

TEST_F_TIMEOUT(unload, while_traffic_runs, 400)
{
	char err[1024];
	int c;

	ASSERT_EQ(0, tf_churn_start(&self->churn, WORKERS, true));
	self->reader = tf_fork();
	ASSERT_LE(0, self->reader);
	if (self->reader == 0)
		reader();

	for (c = 0; c < CYCLES; c++) {
		bool strict = c % 3 == 2;
		long long t0 = now_ms(), t1, t2, t3;

		ASSERT_EQ(0, tf_module_load(strict ? "strict=1" : ""))
			TH_LOG("cycle %d", c);
		usleep((c % 5) * 40000);
		read_all();
		check_gauges(_metadata, &self->churn, c, "right after the load");
		t1 = now_ms();
		check_window(_metadata, &self->churn, strict, c);
		t2 = now_ms();
		check_gauges(_metadata, &self->churn, c, "after a window of churn");
		ASSERT_EQ(0, tf_churn_resume(&self->churn));
		/* Unload while sockets are changing state, not in a lull. */
		ASSERT_EQ(0, tf_wait_events(1, 10000)) TH_LOG("no traffic");
		t3 = now_ms();
		ASSERT_EQ(0, tf_module_unload()) TH_LOG("cycle %d", c);
		ASSERT_FALSE(tf_module_loaded());
		TH_LOG("cycle %d%s: load and gauges %lld ms, window %lld ms, gauges %lld ms, unload %lld ms",
		       c, strict ? " (strict)" : "", t1 - t0, t2 - t1, t3 - t2,
		       now_ms() - t3);
	}

	/* One more load under churn; then the churn stops: exact. */
	ASSERT_EQ(0, tf_module_load(""));
	check_gauges(_metadata, &self->churn, CYCLES, "right after the load");
	ASSERT_EQ(0, waitpid(self->reader, NULL, WNOHANG)) TH_LOG("the reader died");
	ASSERT_EQ(0, tf_churn_stop(&self->churn)) TH_LOG("a worker failed");
	ASSERT_EQ(0, tf_wait_quiet(300, 10000));
	ASSERT_EQ(0, tf_gauges_check(0, err, sizeof(err)))
		TH_LOG("once the churn stopped: %s", err);
}

/* The helper that holds a probe in flight (selftests/stall). */
#define STALL_KO "/lib/tcpfsm/tcpfsm_stall.ko"
#define STALL_PARAM "/sys/module/tcpfsm_stall/parameters/"
#define STALL_MS 4000

/* A parameter of the helper, -1 if it cannot be read. */
static long stall_param(const char *name)
{
	char path[128], *text;
	long v = -1;

	snprintf(path, sizeof(path), STALL_PARAM "%s", name);
	text = tf_slurp(path);
	if (text)
		v = strtol(text, NULL, 10);
	free(text);
	return v;
}

static int pin_to_cpu(int cpu)
{
	cpu_set_t one;

	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	return sched_setaffinity(0, sizeof(one), &one);
}

/* Connections, round after round, from CPU @cpu only; until killed. */
static void traffic_on_cpu(int cpu)
{
	unsigned int i;

	tf_checkpoint = NULL;
	if (pin_to_cpu(cpu))
		_exit(1);
	for (;;)
		for (i = 0; i < tf_nscenarios; i++)
			tf_scenarios[i].run(AF_INET);
}

/*
 * A probe still running when the module goes.  The helper tcpfsm_stall.ko
 * holds one probe on CPU 1, inside the time-in-state code, for STALL_MS,
 * while this test, on CPU 0, unloads tcpfsm.  The unload must wait for
 * that probe before it frees anything the probe uses: it returns only
 * once the probe is done.  Had it freed the time-in-state table under the
 * probe, the probe would go on through a NULL pointer, and the kernel log
 * check (if the guest survives) fails the test.  Time-wait tracking is off
 * because removing its kprobes, which comes first, waits for the held
 * probe too, and would hide a missing wait.
 */
TEST_F_TIMEOUT(unload, waits_for_a_probe_in_flight, 120)
{
	long long deadline, t0, waited;
	char params[32];
	pid_t traffic;
	int err, status;

	ASSERT_LE(2, sysconf(_SC_NPROCESSORS_ONLN)) TH_LOG("needs two CPUs");
	ASSERT_EQ(0, pin_to_cpu(0));
	ASSERT_EQ(0, tf_module_load("dwell=1 timewait=0"));
	traffic = tf_fork();
	ASSERT_LE(0, traffic);
	if (traffic == 0)
		traffic_on_cpu(1);

	snprintf(params, sizeof(params), "cpu=1 ms=%d", STALL_MS);
	err = tf_kmod_load(STALL_KO, params);
	ASSERT_EQ(0, err) TH_LOG("loading %s: %s", STALL_KO, strerror(-err));
	ASSERT_EQ(0, tf_write_path(STALL_PARAM "armed", "1\n"));
	deadline = now_ms() + 30000LL * tf_slow();
	while (stall_param("stalling") != 1) {
		ASSERT_GT(deadline, now_ms()) TH_LOG("no probe came on CPU 1");
		usleep(1000);
	}

	t0 = now_ms();
	ASSERT_EQ(0, tf_module_unload());
	waited = now_ms() - t0;
	/* Back from the unload: the held probe must be done. */
	ASSERT_EQ(0, stall_param("stalling"))
		TH_LOG("the unload returned while a probe was still running");
	ASSERT_EQ(1, stall_param("held"));
	TH_LOG("the unload waited %lld ms for the held probe (held %d ms)",
	       waited, STALL_MS);

	kill(traffic, SIGKILL);
	ASSERT_EQ(traffic, waitpid(traffic, &status, 0));
	err = tf_kmod_unload("tcpfsm_stall");
	ASSERT_EQ(0, err) TH_LOG("unloading the helper: %s", strerror(-err));
}

TEST_HARNESS_MAIN
TF_STRETCH_TIMEOUTS
