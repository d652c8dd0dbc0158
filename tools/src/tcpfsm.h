/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcpfsm.h - version and exit codes of the tcpfsm tool
 */
#ifndef TCPFSM_TOOL_H
#define TCPFSM_TOOL_H

#define TCPFSM_TOOL_VERSION "1.0.0"
#define TCPFSM_DEFAULT_ROOT "/sys/kernel/debug/tcpfsm"

/* Exit codes; documented in tcpfsm.8 and --help. */
enum {
	EX_OK = 0,
	EX_DATA = 1,	/* a file is malformed */
	EX_USAGE = 2,	/* bad command line */
	EX_NOSRC = 3,	/* debugfs not mounted, module not loaded, file missing */
	EX_PERM = 4,	/* permission denied */
	EX_FORMAT = 5,	/* a file has a format this tool does not know */
	EX_SYS = 6,	/* any other system error (I/O, memory, control write) */
};

/* Set by SIGINT/SIGTERM in the looping commands (follow, watch). */
extern volatile int tcpfsm_stop;

#endif
