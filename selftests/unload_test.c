// SPDX-License-Identifier: GPL-2.0
/*
 * unload_test.c - load and unload tcpfsm while connections churn
 *
 * Workers run every scenario in a loop on both address families while the
 * module is loaded and unloaded again and again, with readers inside its
 * debugfs files.  Nothing may crash, warn, leak the module or misjudge a
 * transition.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../tools/traffic/scenarios.h"
#include "kselftest_harness.h"
#include "tcpfsm_lib.h"

#define WORKERS 3
#define CYCLES 15

/* Run scenarios forever; exit 1 on the first failure. */
static void churn(int worker)
{
	int family = worker % 2 ? AF_INET6 : AF_INET;
	unsigned int i;

	for (;;)
		for (i = 0; i < tf_nscenarios; i++)
			if (tf_scenarios[i].run(family))
				_exit(1);
}

/* Read every file, as a reader racing with unload would. */
static void read_all(void)
{
	static const char *const files[] = {
		"transitions", "states", "stats", "illegal", "table",
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

FIXTURE(unload) {
};

FIXTURE_SETUP(unload)
{
}

FIXTURE_TEARDOWN(unload)
{
	if (tf_module_loaded())
		tf_module_unload();
}

TEST_F_TIMEOUT(unload, while_traffic_runs, 300)
{
	pid_t pids[WORKERS + 1];
	char problem[512];
	int kmsg, w, c, status;
	uint64_t illegal;

	ASSERT_EQ(0, tf_new_netns());
	kmsg = tf_kernel_log_lines();
	for (w = 0; w <= WORKERS; w++) {
		pids[w] = fork();
		ASSERT_LE(0, pids[w]);
		if (pids[w] == 0) {
			if (w == WORKERS)
				reader();
			churn(w);
		}
	}

	for (c = 0; c < CYCLES; c++) {
		ASSERT_EQ(0, tf_module_load(c % 3 == 2 ? "strict=1" : ""))
			TH_LOG("cycle %d", c);
		usleep((c % 5) * 40000);
		read_all();
		/* Unload while sockets are changing state, not in a lull. */
		ASSERT_EQ(0, tf_wait_events(1, 10000)) TH_LOG("no traffic");
		if (c % 3 != 2) {
			/* Sockets that predate the load are judged too. */
			ASSERT_EQ(0, tf_read_stat("illegal", &illegal));
			ASSERT_EQ(0, illegal);
		}
		ASSERT_EQ(0, tf_module_unload()) TH_LOG("cycle %d", c);
		ASSERT_FALSE(tf_module_loaded());
	}

	for (w = 0; w <= WORKERS; w++) {
		ASSERT_EQ(0, waitpid(pids[w], &status, WNOHANG))
			TH_LOG("worker %d died", w);
		kill(pids[w], SIGKILL);
		waitpid(pids[w], &status, 0);
	}
	ASSERT_EQ(0, tf_kernel_problems(kmsg, problem, sizeof(problem)))
		TH_LOG("kernel log: %s", problem);
}

TEST_HARNESS_MAIN
