// SPDX-License-Identifier: GPL-2.0
/*
 * control.c - "tcpfsm reset": write "reset" to the control file.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cmds.h"
#include "snap.h"
#include "source.h"
#include "tcpfsm.h"
#include "util.h"

/* Write "reset" to the control file. */
int cmd_reset(const struct opts *op, struct out *o)
{
	char why[600];
	struct stat st;
	int errnum, rc;

	rc = src_write(op->root, "control", "reset\n", &errnum);
	switch (rc) {
	case SRC_OK:
		fprintf(o->f, "counters reset and log emptied (gauges and log_next_seq kept)\n");
		return EX_OK;
	case SRC_MISSING:
		if (stat(op->root, &st) == 0 && S_ISDIR(st.st_mode)) {
			errmsg("%s/control: missing: is %s the tcpfsm debugfs directory?",
			       op->root, op->root);
			return EX_NOSRC;
		}
		rc = src_diagnose(op->root, why, sizeof(why));
		errmsg("%s", why);
		return rc;
	case SRC_DENIED:
		errmsg("%s/control: permission denied: run tcpfsm as root", op->root);
		return EX_PERM;
	default:
		errmsg("%s/control: writing 'reset' failed: %s", op->root, strerror(errnum));
		return EX_SYS;
	}
}
