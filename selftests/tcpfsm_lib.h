/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcpfsm_lib.h - helpers for the tcpfsm selftests
 *
 * Loading the module, reading its debugfs files, and the independent
 * witnesses the tests compare it with: the kernel's own
 * sock:inet_sock_set_state trace event, /proc/net/snmp and /proc/net/tcp.
 */
#ifndef _TCPFSM_LIB_H
#define _TCPFSM_LIB_H

#include <stdbool.h>
#include <stdint.h>

#include "../module/tcpfsm_table.h"

#define TF_DEBUGFS "/sys/kernel/debug/tcpfsm"

/* Module */

int tf_module_load(const char *params);
int tf_module_unload(void);
bool tf_module_loaded(void);

/* The transition matrix, from the module's file or from a witness. */
struct tf_matrix {
	uint64_t n[TCPFSM_NPROTO][TCPFSM_NSLOTS][TCPFSM_NSLOTS];
	char verdict[TCPFSM_NPROTO][TCPFSM_NSLOTS][TCPFSM_NSLOTS][8];
};

struct tf_state_row {
	bool listed;
	bool has_current;
	int64_t current;
	uint64_t entered;
	uint64_t exited;
};

struct tf_states {
	struct tf_state_row row[TCPFSM_NPROTO][TCPFSM_NSLOTS];
};

/* One record of the illegal log, fields as strings. */
#define TF_MAX_FIELDS 24
struct tf_record {
	int nfields;
	char key[TF_MAX_FIELDS][16];
	char value[TF_MAX_FIELDS][1024];
};

/* The TCP rows of the "lifecycle" file: count[from][to]. */
struct tf_lifecycle {
	uint64_t n[TCPFSM_NSLOTS][TCPFSM_NSLOTS];
};

/* The "dwell" file: per TCP state, histogram, count and sum. */
#define TF_DWELL_BUCKETS 64
struct tf_dwell {
	uint64_t bucket[TCPFSM_NSLOTS][TF_DWELL_BUCKETS];	/* by log2 */
	uint64_t count[TCPFSM_NSLOTS];
	uint64_t sum_us[TCPFSM_NSLOTS];
};

/* Parse a state name or STATE_<n>; -1 if it is neither. */
int tf_state_parse(const char *name);
int tf_proto_parse(const char *name);

int tf_read_matrix(struct tf_matrix *m);
int tf_read_states(struct tf_states *s);
/* The rows of the "netns" file for namespace @netns ("other" if 0). */
int tf_read_netns(unsigned long long netns, struct tf_states *s);
int tf_read_lifecycle(struct tf_lifecycle *l);
int tf_read_dwell(struct tf_dwell *d);
/* The inode of the calling process's network namespace. */
unsigned long long tf_self_netns(void);
/* The value of @key in the stats file; -1 (and errno) if absent. */
int tf_read_stat(const char *key, uint64_t *value);
/* Read up to @max records; returns how many, or -1. */
int tf_read_log(struct tf_record *recs, int max);
const char *tf_record_get(const struct tf_record *r, const char *key);

/* Write @text to a debugfs file; returns 0 or -errno. */
int tf_write(const char *file, const char *text);
/* Read a whole file into a malloc'ed, NUL-terminated buffer. */
char *tf_slurp(const char *path);

/* Sum of all cells of a matrix. */
uint64_t tf_matrix_total(const struct tf_matrix *m);

/* Witness: the kernel's own trace event, in a private tracefs instance. */
int tf_trace_start(void);
/* Stop tracing and count the events; fails if the buffer overflowed. */
int tf_trace_stop(struct tf_matrix *m);

/* Witness: the Tcp: line of /proc/net/snmp (per network namespace). */
struct tf_snmp {
	int64_t active_opens;
	int64_t passive_opens;
	int64_t attempt_fails;
	int64_t estab_resets;
	int64_t curr_estab;
};
int tf_snmp_read(struct tf_snmp *s);

/*
 * Witness: rows of /proc/net/tcp and /proc/net/tcp6 by state.  Full sockets
 * and time-wait socks (timer code 3) are counted apart.
 */
struct tf_proc_tcp {
	int full[TCPFSM_NSLOTS];
	int timewait[TCPFSM_NSLOTS];	/* indexed by tw substate */
};
int tf_proc_tcp_read(struct tf_proc_tcp *p);

/* Move the calling process into a new network namespace with lo up. */
int tf_new_netns(void);

/*
 * Create a veth pair: @a in the namespace of @nsfd_a, @b in @nsfd_b (file
 * descriptors of /proc/PID/ns/net).  Returns 0 or -errno.
 */
int tf_veth_pair(const char *a, int nsfd_a, const char *b, int nsfd_b);
/* Give interface @ifname (in the current namespace) @ip/24 and bring it up. */
int tf_if_up(const char *ifname, const char *ip);

/* Wait until the module has counted @events tracepoint events in all. */
int tf_wait_events(uint64_t events, int timeout_ms);

/* Lines of the kernel log that indicate a kernel problem, since @since_line. */
int tf_kernel_problems(int since_line, char *first, int len);
int tf_kernel_log_lines(void);

/*
 * End a test: unload the module if it is loaded, and check that the kernel
 * logged no problem since @kmsg (tf_kernel_log_lines() at the start).
 * Returns 0, or non-zero with what went wrong in @problem.
 */
int tf_finish(int kmsg, char *problem, int len);

#endif /* _TCPFSM_LIB_H */
