// SPDX-License-Identifier: GPL-2.0
/*
 * tcpfsm_main.c - module parameters, load and unload
 *
 * tcpfsm checks every socket state transition reported by the
 * inet_sock_set_state tracepoint against the reference TCP state table in
 * tcpfsm_table.h and publishes counters, gauges and a log of illegal
 * transitions in debugfs.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>

#include "tcpfsm.h"

bool tcpfsm_strict;
module_param_named(strict, tcpfsm_strict, bool, 0444);
MODULE_PARM_DESC(strict, "Treat transitions the RFC does not describe (verdict linux) as illegal (default 0)");

bool tcpfsm_inject;
module_param_named(inject, tcpfsm_inject, bool, 0444);
MODULE_PARM_DESC(inject, "Create the debugfs file inject, for tests (default 0)");

unsigned int tcpfsm_log_size = 1024;

static int tcpfsm_log_size_set(const char *val, const struct kernel_param *kp)
{
	int err = param_set_uint_minmax(val, kp, TCPFSM_LOG_SIZE_MIN,
					TCPFSM_LOG_SIZE_MAX);

	if (err)
		pr_err("log_size must be between %u and %u\n",
		       TCPFSM_LOG_SIZE_MIN, TCPFSM_LOG_SIZE_MAX);
	return err;
}

static const struct kernel_param_ops tcpfsm_log_size_ops = {
	.set = tcpfsm_log_size_set,
	.get = param_get_uint,
};

module_param_cb(log_size, &tcpfsm_log_size_ops, &tcpfsm_log_size, 0444);
MODULE_PARM_DESC(log_size, "Records kept in the illegal-transition log, 1-65536 (default 1024)");

static bool tcpfsm_timewait = true;
module_param_named(timewait, tcpfsm_timewait, bool, 0444);
MODULE_PARM_DESC(timewait, "Track time-wait socks with kprobes (default 1)");

/* Off by default: a table lookup and a clock read on every TCP event. */
static bool tcpfsm_dwell;
module_param_named(dwell, tcpfsm_dwell, bool, 0444);
MODULE_PARM_DESC(dwell, "Keep time-in-state histograms (default 0)");

static unsigned int tcpfsm_dwell_sockets = 65536;

static int tcpfsm_dwell_sockets_set(const char *val,
				    const struct kernel_param *kp)
{
	int err = param_set_uint_minmax(val, kp, TCPFSM_DWELL_SOCKETS_MIN,
					TCPFSM_DWELL_SOCKETS_MAX);

	if (err)
		pr_err("dwell_sockets must be between %u and %u\n",
		       TCPFSM_DWELL_SOCKETS_MIN, TCPFSM_DWELL_SOCKETS_MAX);
	return err;
}

static const struct kernel_param_ops tcpfsm_dwell_sockets_ops = {
	.set = tcpfsm_dwell_sockets_set,
	.get = param_get_uint,
};

module_param_cb(dwell_sockets, &tcpfsm_dwell_sockets_ops,
		&tcpfsm_dwell_sockets, 0444);
MODULE_PARM_DESC(dwell_sockets, "Sockets whose state entry time is kept, 1024-16777216 (default 65536)");

unsigned int tcpfsm_netns_cap = 64;

static int tcpfsm_netns_cap_set(const char *val, const struct kernel_param *kp)
{
	int err = param_set_uint_minmax(val, kp, 0, TCPFSM_NETNS_CAP_MAX);

	if (err)
		pr_err("netns_cap must be between 0 and %u\n",
		       TCPFSM_NETNS_CAP_MAX);
	return err;
}

static const struct kernel_param_ops tcpfsm_netns_cap_ops = {
	.set = tcpfsm_netns_cap_set,
	.get = param_get_uint,
};

module_param_cb(netns_cap, &tcpfsm_netns_cap_ops, &tcpfsm_netns_cap, 0444);
MODULE_PARM_DESC(netns_cap, "Network namespaces with their own counters, 0-4096, 0 for none (default 64)");

/*
 * Everything is in place before the probes are attached; the gauges are
 * seeded with what already exists once they are; the files come last.
 * A failed load says which part failed, and leaves nothing behind.
 */
static int __init tcpfsm_init(void)
{
	const char *what;
	int err;

	tcpfsm_verdicts_init(tcpfsm_strict);

	what = "the counters";
	err = tcpfsm_counters_init();
	if (err)
		goto out;
	what = "the illegal-transition log";
	err = tcpfsm_log_init(tcpfsm_log_size);
	if (err)
		goto out_free_counters;
	what = "the counters per network namespace";
	err = tcpfsm_netns_init();
	if (err)
		goto out_free_log;
	if (tcpfsm_dwell) {
		what = "the time-in-state table";
		err = tcpfsm_dwell_init(tcpfsm_dwell_sockets);
		if (err)
			goto out_exit_netns;
	}
	what = "the seeding of the gauges";
	err = tcpfsm_seed_prepare();
	if (err)
		goto out_exit_dwell;
	what = "the tracepoint probe";
	err = tcpfsm_probe_attach();
	if (err)
		goto out_cancel_seed;
	tcpfsm_timewait_init(tcpfsm_timewait);
	tcpfsm_seed_run();
	what = "the debugfs files";
	err = tcpfsm_debugfs_init();
	if (err)
		goto out_detach;

	pr_info("version %s loaded: strict=%d log_size=%u inject=%d timewait_tracking=%d dwell=%d netns_cap=%u\n",
		TCPFSM_VERSION, tcpfsm_strict, tcpfsm_log_size, tcpfsm_inject,
		tcpfsm_timewait_tracking, tcpfsm_dwell, tcpfsm_netns_cap);
	return 0;

out_detach:
	tcpfsm_timewait_exit();
	tcpfsm_probe_detach();
	goto out_exit_dwell;
out_cancel_seed:
	tcpfsm_seed_cancel();
out_exit_dwell:
	tcpfsm_dwell_exit();
out_exit_netns:
	tcpfsm_netns_exit();
out_free_log:
	tcpfsm_log_exit();
out_free_counters:
	tcpfsm_counters_exit();
out:
	pr_err("not loaded: %s could not be set up (error %d)\n", what, err);
	return err;
}

/* The exact reverse: files, probes, then what they used. */
static void __exit tcpfsm_exit(void)
{
	tcpfsm_debugfs_exit();
	tcpfsm_timewait_exit();
	tcpfsm_probe_detach();
	tcpfsm_dwell_exit();
	tcpfsm_netns_exit();
	tcpfsm_log_exit();
	tcpfsm_counters_exit();
	pr_info("unloaded\n");
}

module_init(tcpfsm_init);
module_exit(tcpfsm_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("tcpfsm developers");
MODULE_DESCRIPTION("Check every TCP state transition against the RFC 9293 state table");
MODULE_VERSION(TCPFSM_VERSION);
