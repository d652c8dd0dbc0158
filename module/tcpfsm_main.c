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

static int __init tcpfsm_init(void)
{
	int err;

	tcpfsm_verdicts_init(tcpfsm_strict);

	err = tcpfsm_counters_init();
	if (err)
		return err;
	err = tcpfsm_log_init(tcpfsm_log_size);
	if (err)
		goto out_free_counters;
	err = tcpfsm_debugfs_init();
	if (err)
		goto out_free_log;
	err = tcpfsm_probe_attach();
	if (err)
		goto out_remove_debugfs;

	pr_info("version %s loaded: strict=%d log_size=%u inject=%d\n",
		TCPFSM_VERSION, tcpfsm_strict, tcpfsm_log_size, tcpfsm_inject);
	return 0;

out_remove_debugfs:
	tcpfsm_debugfs_exit();
out_free_log:
	tcpfsm_log_exit();
out_free_counters:
	tcpfsm_counters_exit();
	return err;
}

static void __exit tcpfsm_exit(void)
{
	tcpfsm_probe_detach();
	tcpfsm_debugfs_exit();
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
