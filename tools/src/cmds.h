/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cmds.h - the commands of tcpfsm and the options they share
 */
#ifndef TCPFSM_CMDS_H
#define TCPFSM_CMDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "out.h"

struct opts {
	const char *root;
	bool json;
	/* command options */
	bool follow, stack, list;
	double interval;	/* watch -i, seconds */
	long count;		/* watch -n; 0 = forever */
	const char *state;	/* explain STATE */
	const char *textfile;	/* prometheus --textfile DIR */
};

/* prometheus --textfile DIR: the file, and the temporary file beside it. */
#define PROM_TEXTFILE		"tcpfsm.prom"
#define PROM_TEXTFILE_TMP	".tcpfsm.prom.XXXXXX"
#define PROM_TEXTFILE_DIR_MAX	(4096 - sizeof("/" PROM_TEXTFILE_TMP))

int cmd_summary(const struct opts *op, struct out *o);
int cmd_states(const struct opts *op, struct out *o);
int cmd_transitions(const struct opts *op, struct out *o);
int cmd_log(const struct opts *op, struct out *o);
int cmd_follow(const struct opts *op, struct out *o);
int cmd_watch(const struct opts *op, struct out *o);
int cmd_table(const struct opts *op, struct out *o);
int cmd_explain(const struct opts *op, struct out *o);
int cmd_dot(const struct opts *op, struct out *o);
int cmd_prometheus(const struct opts *op, struct out *o);
int cmd_lifecycle(const struct opts *op, struct out *o);
int cmd_dwell(const struct opts *op, struct out *o);
int cmd_netns(const struct opts *op, struct out *o);
int cmd_reset(const struct opts *op, struct out *o);
int prom_textfile(const char *dir, const char *buf, size_t len, int rc);

uint64_t now_ns(void);

#endif
