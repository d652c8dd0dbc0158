// SPDX-License-Identifier: GPL-2.0
/*
 * procstates - count the sockets of /proc/net/tcp and /proc/net/tcp6 by
 * state, to compare with tcpfsm's gauges ("states" CURRENT column).
 *
 * Prints "STATE count" for every TCP state 1..11, then "total N".
 * /proc/net/tcp lists full sockets, time-wait socks (TIME_WAIT, or
 * FIN_WAIT2 for an orphan handed over early) and request socks (SYN_RECV).
 */
#include <stdio.h>
#include <stdlib.h>

#include "../module/tcpfsm_table.h"

static unsigned long counts[256];

static int scan(const char *path)
{
	char line[512];
	FILE *f = fopen(path, "r");
	unsigned int st;

	if (!f) {
		perror(path);
		return -1;
	}
	if (!fgets(line, sizeof(line), f)) {	/* the header */
		fclose(f);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		/* "  sl  local_address rem_address   st ..." */
		if (sscanf(line, "%*s %*s %*s %x", &st) == 1 && st < 256)
			counts[st]++;
	}
	fclose(f);
	return 0;
}

int main(void)
{
	unsigned long total = 0;
	int s;

	if (scan("/proc/net/tcp") || scan("/proc/net/tcp6"))
		return 1;
	for (s = TCPFSM_ESTABLISHED; s <= TCPFSM_CLOSING; s++) {
		printf("%s %lu\n", tcpfsm_state_names[s], counts[s]);
		total += counts[s];
	}
	printf("total %lu\n", total);
	return 0;
}
