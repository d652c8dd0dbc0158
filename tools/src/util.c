// SPDX-License-Identifier: GPL-2.0
/*
 * util.c - error messages on stderr, allocation that exits on failure, the
 * clock, and the stop flag of the looping commands
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <time.h>

#include "cmds.h"
#include "parse.h"
#include "tcpfsm.h"
#include "util.h"

volatile int tcpfsm_stop;

/*
 * The monotonic clock (the kernel's ktime_get_ns(), which ts_ns uses) in
 * ns.  TCPFSM_NOW_NS overrides it, for tests only: the summary's "ago"
 * column then does not depend on when the test runs.
 */
uint64_t now_ns(void)
{
	const char *env = getenv("TCPFSM_NOW_NS");
	struct timespec ts;
	uint64_t v;

	if (env && !tf_parse_u64(env, &v))
		return v;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* "tcpfsm: MESSAGE" on stderr. */
void errmsg(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("tcpfsm: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* calloc that gives up with EX_SYS when memory runs out. */
void *xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n ? n : 1, sz ? sz : 1);

	if (!p) {
		errmsg("out of memory");
		exit(EX_SYS);
	}
	return p;
}
