// SPDX-License-Identifier: GPL-2.0
/*
 * tcpfsm_lib.c - helpers for the tcpfsm selftests
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../tools/traffic/scenarios.h"
#include "tcpfsm_lib.h"

#define TF_KO_DEFAULT "/lib/tcpfsm/tcpfsm.ko"
#define TF_TRACE_INSTANCE "/sys/kernel/tracing/instances/tcpfsm_selftest"
#define TF_KLOG_PATTERNS_DEFAULT "/jobs/kernel-log-patterns"
#define TF_KMEMLEAK "/sys/kernel/debug/kmemleak"

/* Load the kernel module in file @path with @params; 0 or -errno. */
int tf_kmod_load(const char *path, const char *params)
{
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (syscall(SYS_finit_module, fd, params, 0))
		err = -errno;
	close(fd);
	return err;
}

/* Unload kernel module @name, waiting while it is busy; 0 or -errno. */
int tf_kmod_unload(const char *name)
{
	int i;

	for (i = 0; i < 500; i++) {
		if (!syscall(SYS_delete_module, name, O_NONBLOCK))
			return 0;
		if (errno != EAGAIN && errno != EBUSY)
			return -errno;
		usleep(10000);
	}
	return -EBUSY;
}

/* Load the module with @params ("" for defaults); returns 0 or -errno. */
int tf_module_load(const char *params)
{
	const char *ko = getenv("TCPFSM_KO");

	return tf_kmod_load(ko ? ko : TF_KO_DEFAULT, params);
}

/* Unload the module, waiting while it is busy; returns 0 or -errno. */
int tf_module_unload(void)
{
	return tf_kmod_unload("tcpfsm");
}

bool tf_module_loaded(void)
{
	return access("/sys/module/tcpfsm", F_OK) == 0;
}

static long long tf_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

bool tf_kernel_at_least(int major, int minor)
{
	struct utsname u;
	int ma, mi;

	if (uname(&u) || sscanf(u.release, "%d.%d", &ma, &mi) != 2)
		return false;
	return ma > major || (ma == major && mi >= minor);
}

char *tf_slurp(const char *path)
{
	size_t len = 0, cap = 65536;
	char *buf = malloc(cap);
	ssize_t n;
	int fd;

	if (!buf)
		return NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		free(buf);
		return NULL;
	}
	for (;;) {
		if (len + 1 >= cap) {
			char *bigger = realloc(buf, cap * 2);

			if (!bigger)
				goto fail;
			buf = bigger;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		if (n == 0)
			break;
		len += n;
	}
	close(fd);
	buf[len] = '\0';
	return buf;
fail:
	n = errno;
	close(fd);
	free(buf);
	errno = n;
	return NULL;
}

int tf_write_path(const char *path, const char *text)
{
	size_t len = strlen(text);
	ssize_t n;
	int fd;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, text, len);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n < 0)
		return n;
	return (size_t)n == len ? 0 : -EIO;
}

int tf_write(const char *file, const char *text)
{
	char path[256];

	snprintf(path, sizeof(path), TF_DEBUGFS "/%s", file);
	return tf_write_path(path, text);
}

int tf_state_parse(const char *name)
{
	char *end;
	long n;
	int s;

	for (s = TCPFSM_STATE_FIRST; s <= TCPFSM_STATE_LAST; s++)
		if (!strcmp(name, tcpfsm_state_names[s]))
			return s;
	if (strncmp(name, "STATE_", 6))
		return -1;
	n = strtol(name + 6, &end, 10);
	if (end == name + 6 || *end || n < 0 || n > 255)
		return -1;
	return n;
}

int tf_proto_parse(const char *name)
{
	int p;

	for (p = 0; p < TCPFSM_NPROTO; p++)
		if (!strcmp(name, tcpfsm_proto_names[p]))
			return p;
	return -1;
}

/* Check that @buf, the contents of tcpfsm file @file, starts as format 1. */
static int tf_check_header(const char *file, const char *buf)
{
	char header[128];

	snprintf(header, sizeof(header), "# tcpfsm %s format %d\n", file,
		 TCPFSM_FORMAT_VERSION);
	if (strncmp(buf, header, strlen(header))) {
		fprintf(stderr, "%s/%s: unexpected first line\n", TF_DEBUGFS, file);
		errno = EPROTO;
		return -1;
	}
	return 0;
}

/* Read a tcpfsm file and check its first line names @file and format 1. */
static char *tf_read_file(const char *file)
{
	char path[256];
	char *buf;

	snprintf(path, sizeof(path), TF_DEBUGFS "/%s", file);
	buf = tf_slurp(path);
	if (!buf)
		return NULL;
	if (tf_check_header(file, buf)) {
		free(buf);
		return NULL;
	}
	return buf;
}

/*
 * Call @fn for every line of @buf, the contents of tcpfsm file @file, that
 * is not a comment.  @buf is consumed.  A line @fn refuses (non-zero) is
 * reported and ends the walk with EPROTO.
 */
static int tf_each_line_of(const char *file, char *buf,
			   int (*fn)(char *line, void *ctx), void *ctx)
{
	char *line, *save = NULL;

	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#')
			continue;
		if (fn(line, ctx)) {
			fprintf(stderr, "%s: bad line: %s\n", file, line);
			errno = EPROTO;
			return -1;
		}
	}
	return 0;
}

/* tf_each_line_of() on the tcpfsm file @file, read now. */
static int tf_each_line(const char *file, int (*fn)(char *line, void *ctx),
			void *ctx)
{
	char *buf = tf_read_file(file);
	int ret;

	if (!buf)
		return -1;
	ret = tf_each_line_of(file, buf, fn, ctx);
	free(buf);
	return ret;
}

/* A TCP or other state that fits the counted range, or -1. */
static int tf_slot(const char *name)
{
	int s = tf_state_parse(name);

	return s < TCPFSM_NSLOTS ? s : -1;
}

/* TCP_MAX_STATES of the running kernel: 6.8 added TCP_BOUND_INACTIVE. */
int tf_tcp_max_states(void)
{
	return tf_kernel_at_least(6, 8) ? TCPFSM_TCP_MAX_STATES_NEW :
					   TCPFSM_TCP_MAX_STATES_OLD;
}

int tf_proto_state_parse(int proto, const char *name)
{
	long s = tcpfsm_proto_state_value(proto, name, tf_tcp_max_states());

	if (s >= 0)
		return s;
	return strncmp(name, "STATE_", 6) ? -1 : tf_state_parse(name);
}

/* A state of protocol @proto as this kernel names it, in the counted range. */
static int tf_proto_slot(int proto, const char *name)
{
	int s = tf_proto_state_parse(proto, name);

	return s < TCPFSM_NSLOTS ? s : -1;
}

static int tf_matrix_line(char *line, void *ctx)
{
	char proto[16], from[32], to[32], verdict[16];
	struct tf_matrix *m = ctx;
	uint64_t count;
	int p, f, t;

	if (sscanf(line, "%15s %31s %31s %" SCNu64 " %15s", proto, from, to,
		   &count, verdict) != 5)
		return -1;
	p = tf_proto_parse(proto);
	if (p < 0)
		return -1;
	f = tf_proto_slot(p, from);
	t = tf_proto_slot(p, to);
	if (f < 0 || t < 0 || strlen(verdict) > 7)
		return -1;
	m->n[p][f][t] = count;
	strcpy(m->verdict[p][f][t], verdict);
	return 0;
}

int tf_read_matrix(struct tf_matrix *m)
{
	memset(m, 0, sizeof(*m));
	return tf_each_line("transitions", tf_matrix_line, m);
}

/* PROTO STATE CURRENT ENTERED EXITED, the columns states and netns share. */
static int tf_state_columns(const char *line, struct tf_states *s)
{
	char proto[16], state[32], cur[32];
	struct tf_state_row *r;
	uint64_t in, out;
	int p, st;

	if (sscanf(line, "%15s %31s %31s %" SCNu64 " %" SCNu64, proto, state,
		   cur, &in, &out) != 5)
		return -1;
	p = tf_proto_parse(proto);
	if (p < 0)
		return -1;
	st = tf_proto_slot(p, state);
	if (st < 0)
		return -1;
	r = &s->row[p][st];
	r->listed = true;
	r->has_current = strcmp(cur, "-") != 0;
	r->current = r->has_current ? strtoll(cur, NULL, 10) : 0;
	r->entered = in;
	r->exited = out;
	return 0;
}

static int tf_states_line(char *line, void *ctx)
{
	return tf_state_columns(line, ctx);
}

int tf_read_states(struct tf_states *s)
{
	memset(s, 0, sizeof(*s));
	return tf_each_line("states", tf_states_line, s);
}

struct tf_netns_read {
	const char *want;
	struct tf_states *s;
};

static int tf_netns_line(char *line, void *ctx)
{
	struct tf_netns_read *nr = ctx;
	char *rest = strchr(line, ' ');

	if (!rest)
		return -1;
	*rest++ = '\0';
	if (strcmp(line, nr->want))
		return 0;
	return tf_state_columns(rest, nr->s);
}

int tf_read_netns(unsigned long long netns, struct tf_states *s)
{
	char want[32];
	struct tf_netns_read nr = { .want = want, .s = s };

	if (netns)
		snprintf(want, sizeof(want), "%llu", netns);
	else
		strcpy(want, "other");
	memset(s, 0, sizeof(*s));
	return tf_each_line("netns", tf_netns_line, &nr);
}

static int tf_lifecycle_line(char *line, void *ctx)
{
	struct tf_lifecycle *l = ctx;
	char from[32], to[32];
	uint64_t n;
	int f, t;

	if (sscanf(line, "%31s %31s %" SCNu64, from, to, &n) != 3)
		return -1;
	f = tf_slot(from);
	t = tf_slot(to);
	if (f < 0 || t < 0)
		return -1;
	l->n[f][t] = n;
	return 0;
}

int tf_read_lifecycle(struct tf_lifecycle *l)
{
	memset(l, 0, sizeof(*l));
	return tf_each_line("lifecycle", tf_lifecycle_line, l);
}

static int tf_dwell_line(char *line, void *ctx)
{
	char proto[16], state[32], what[32];
	struct tf_dwell *d = ctx;
	uint64_t n, b;
	int st, k;

	if (sscanf(line, "%15s %31s %31s %" SCNu64, proto, state, what, &n) != 4 ||
	    strcmp(proto, "TCP") || (st = tf_slot(state)) < 0)
		return -1;
	if (!strcmp(what, "count")) {
		d->count[st] = n;
		return 0;
	}
	if (!strcmp(what, "sum_us")) {
		d->sum_us[st] = n;
		return 0;
	}
	b = strtoull(what, NULL, 10);
	for (k = 0; k < TF_DWELL_BUCKETS && (1ULL << k) != b; k++)
		;
	if (k == TF_DWELL_BUCKETS)
		return -1;
	d->bucket[st][k] = n;
	return 0;
}

int tf_read_dwell(struct tf_dwell *d)
{
	memset(d, 0, sizeof(*d));
	return tf_each_line("dwell", tf_dwell_line, d);
}

unsigned long long tf_self_netns(void)
{
	struct stat st;

	return stat("/proc/self/ns/net", &st) ? 0 : st.st_ino;
}

struct tf_stat_read {
	const char *key;
	uint64_t *value;
	bool found;
};

static int tf_stat_line(char *line, void *ctx)
{
	struct tf_stat_read *sr = ctx;
	size_t klen = strlen(sr->key);

	if (!strncmp(line, sr->key, klen) && line[klen] == ' ') {
		*sr->value = strtoull(line + klen + 1, NULL, 10);
		sr->found = true;
	}
	return 0;
}

int tf_read_stat(const char *key, uint64_t *value)
{
	struct tf_stat_read sr = { .key = key, .value = value };

	if (tf_each_line("stats", tf_stat_line, &sr))
		return -1;
	if (!sr.found) {
		errno = ENOENT;
		return -1;
	}
	return 0;
}

/* Split one "key=value key=value" line into @r. */
static int tf_parse_record(char *line, struct tf_record *r)
{
	char *tok, *save = NULL, *eq;

	memset(r, 0, sizeof(*r));
	for (tok = strtok_r(line, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save)) {
		eq = strchr(tok, '=');
		if (!eq || eq - tok >= (long)sizeof(r->key[0]) ||
		    strlen(eq + 1) >= sizeof(r->value[0]) ||
		    r->nfields == TF_MAX_FIELDS)
			return -1;
		memcpy(r->key[r->nfields], tok, eq - tok);
		strcpy(r->value[r->nfields], eq + 1);
		r->nfields++;
	}
	return 0;
}

struct tf_log_read {
	struct tf_record *recs;
	int n, max;
};

static int tf_log_line(char *line, void *ctx)
{
	struct tf_log_read *lr = ctx;

	if (lr->n == lr->max || tf_parse_record(line, &lr->recs[lr->n]))
		return -1;
	lr->n++;
	return 0;
}

int tf_read_log(struct tf_record *recs, int max)
{
	struct tf_log_read lr = { .recs = recs, .max = max };

	if (tf_each_line("illegal", tf_log_line, &lr))
		return -1;
	return lr.n;
}

const char *tf_record_get(const struct tf_record *r, const char *key)
{
	int i;

	for (i = 0; i < r->nfields; i++)
		if (!strcmp(r->key[i], key))
			return r->value[i];
	return NULL;
}

uint64_t tf_matrix_total(const struct tf_matrix *m)
{
	const uint64_t *cell = &m->n[0][0][0];
	uint64_t total = 0;
	size_t i;

	for (i = 0; i < sizeof(m->n) / sizeof(*cell); i++)
		total += cell[i];
	return total;
}

/* "TCP FIN_WAIT2 -> CLOSE" for a cell, unnamed states as STATE_<n>. */
static void tf_cell_name(char *buf, size_t len, int p, int f, int t)
{
	char a[16], b[16];

	snprintf(a, sizeof(a), "STATE_%d", f);
	snprintf(b, sizeof(b), "STATE_%d", t);
	snprintf(buf, len, "%s %s -> %s", tcpfsm_proto_names[p],
		 tcpfsm_state_name(f) ?: a, tcpfsm_state_name(t) ?: b);
}

int tf_matrix_compare(const struct tf_matrix *module,
		      const struct tf_matrix *witness, char *err, size_t len)
{
	int p, f, t, bad = 0;
	char cell[64];

	err[0] = '\0';
	for (p = 0; p < TCPFSM_NPROTO; p++)
		for (f = 0; f < TCPFSM_NSLOTS; f++)
			for (t = 0; t < TCPFSM_NSLOTS; t++) {
				uint64_t a = module->n[p][f][t];
				uint64_t b = witness->n[p][f][t];

				if (a == b)
					continue;
				tf_cell_name(cell, sizeof(cell), p, f, t);
				if (!bad++)
					snprintf(err, len, "%s: tcpfsm %" PRIu64
						 ", witness %" PRIu64, cell, a, b);
				else
					fprintf(stderr, "# also %s: tcpfsm %" PRIu64
						", witness %" PRIu64 "\n", cell, a, b);
			}
	return bad ? -1 : 0;
}

/* Write a tracefs file; O_TRUNC empties "trace" when @text is "". */
static int tf_trace_write(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

static bool tf_tracing;

int tf_trace_start(void)
{
	if (mkdir(TF_TRACE_INSTANCE, 0700) && errno != EEXIST)
		return -1;
	if (tf_trace_write(TF_TRACE_INSTANCE "/buffer_size_kb", "8192") ||
	    tf_trace_write(TF_TRACE_INSTANCE "/trace", "") ||
	    tf_trace_write(TF_TRACE_INSTANCE
			  "/events/sock/inet_sock_set_state/enable", "1"))
		return -1;
	tf_tracing = true;
	return 0;
}

bool tf_trace_running(void)
{
	return tf_tracing;
}

/* Map the trace event's protocol symbol to our row. */
static int tf_trace_proto(const char *sym)
{
	static const char *const syms[TCPFSM_NPROTO] = {
		[TCPFSM_PROTO_TCP] = "IPPROTO_TCP",
		[TCPFSM_PROTO_MPTCP] = "IPPROTO_MPTCP",
		[TCPFSM_PROTO_DCCP] = "IPPROTO_DCCP",
		[TCPFSM_PROTO_SCTP] = "IPPROTO_SCTP",
	};
	int p;

	for (p = 0; p < TCPFSM_PROTO_OTHER; p++)
		if (!strcmp(sym, syms[p]))
			return p;
	return TCPFSM_PROTO_OTHER;
}

/* The trace event prints TCP_<NAME> for named states and a number otherwise. */
static int tf_trace_state(const char *sym)
{
	char name[40], *end;
	long v;

	if (!strncmp(sym, "TCP_", 4))
		return tf_state_parse(sym + 4);
	/* __print_symbolic() prints a value it has no name for in hex */
	if (!strncmp(sym, "0x", 2)) {
		v = strtol(sym + 2, &end, 16);
		return end == sym + 2 || *end || v > 255 ? -1 : (int)v;
	}
	snprintf(name, sizeof(name), "STATE_%s", sym);
	return tf_state_parse(name);
}

int tf_trace_stop(struct tf_matrix *m)
{
	char *buf, *line, *save = NULL;
	unsigned long in_buf = 0, written = 0;
	int ret = 0;

	tf_tracing = false;
	if (tf_trace_write(TF_TRACE_INSTANCE
			  "/events/sock/inet_sock_set_state/enable", "0"))
		return -1;
	buf = tf_slurp(TF_TRACE_INSTANCE "/trace");
	if (!buf)
		return -1;
	memset(m, 0, sizeof(*m));
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char proto[32], from[32], to[32];
		const char *p;
		int pr, f, t;

		if (sscanf(line, "# entries-in-buffer/entries-written: %lu/%lu",
			   &in_buf, &written) == 2)
			continue;
		p = strstr(line, "inet_sock_set_state:");
		if (!p)
			continue;
		if (sscanf(strstr(p, "protocol=") ? strstr(p, "protocol=") : "",
			   "protocol=%31s", proto) != 1 ||
		    !strstr(p, "oldstate=") || !strstr(p, "newstate=") ||
		    sscanf(strstr(p, "oldstate="), "oldstate=%31s newstate=%31s",
			   from, to) != 2) {
			fprintf(stderr, "trace: cannot parse: %s\n", line);
			ret = -1;
			break;
		}
		pr = tf_trace_proto(proto);
		f = tf_trace_state(from);
		t = tf_trace_state(to);
		if (f < 0 || t < 0 || f >= TCPFSM_NSLOTS || t >= TCPFSM_NSLOTS) {
			fprintf(stderr, "trace: state out of range: %s\n", line);
			ret = -1;
			break;
		}
		m->n[pr][f][t]++;
	}
	free(buf);
	if (!ret && in_buf != written) {
		fprintf(stderr, "trace: buffer overflowed (%lu of %lu kept)\n",
			in_buf, written);
		ret = -1;
	}
	rmdir(TF_TRACE_INSTANCE);
	return ret;
}

int tf_trace_check(char *err, size_t len)
{
	struct tf_matrix *trace = malloc(sizeof(*trace));
	struct tf_matrix *module = malloc(sizeof(*module));
	int ret = -1;

	if (!trace || !module) {
		snprintf(err, len, "out of memory");
		goto out;
	}
	if (tf_trace_stop(trace)) {
		snprintf(err, len, "cannot read the trace event: %s", strerror(errno));
		goto out;
	}
	if (tf_read_matrix(module)) {
		snprintf(err, len, "cannot read transitions: %s", strerror(errno));
		goto out;
	}
	ret = tf_matrix_compare(module, trace, err, len);
out:
	free(trace);
	free(module);
	return ret;
}

int tf_snmp_read(struct tf_snmp *s)
{
	char *buf = tf_slurp("/proc/net/snmp");
	char *names = NULL, *values = NULL, *line, *save = NULL;
	char *n, *v, *ns = NULL, *vs = NULL;
	int found = 0;

	if (!buf)
		return -1;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "Tcp: ", 5))
			continue;
		if (!names)
			names = line;
		else
			values = line;
	}
	if (!names || !values) {
		free(buf);
		errno = EPROTO;
		return -1;
	}
	memset(s, 0, sizeof(*s));
	for (n = strtok_r(names, " ", &ns), v = strtok_r(values, " ", &vs);
	     n && v; n = strtok_r(NULL, " ", &ns), v = strtok_r(NULL, " ", &vs)) {
		int64_t val = strtoll(v, NULL, 10);

		if (!strcmp(n, "ActiveOpens"))
			s->active_opens = val, found++;
		else if (!strcmp(n, "PassiveOpens"))
			s->passive_opens = val, found++;
		else if (!strcmp(n, "AttemptFails"))
			s->attempt_fails = val, found++;
		else if (!strcmp(n, "EstabResets"))
			s->estab_resets = val, found++;
		else if (!strcmp(n, "CurrEstab"))
			s->curr_estab = val, found++;
		else if (!strcmp(n, "RetransSegs"))
			s->retrans_segs = val, found++;
	}
	free(buf);
	if (found != 6) {
		errno = EPROTO;
		return -1;
	}
	return 0;
}

/* Count the rows of one /proc/net/tcp{,6} file. */
static int tf_proc_tcp_file(const char *path, struct tf_proc_tcp *p)
{
	char *buf = tf_slurp(path);
	char *line, *save = NULL;
	int first = 1;

	if (!buf)
		return -1;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned int state, timer;
		char local[64], remote[64];
		unsigned long inode;
		int refcnt;

		if (first) {	/* the header */
			first = 0;
			continue;
		}
		/* sl local remote st tx:rx tr:when retrnsmt uid timeout inode ref */
		if (sscanf(line, " %*d: %63s %63s %x %*x:%*x %x:%*x %*x %*u %*d %lu %d",
			   local, remote, &state, &timer, &inode, &refcnt) != 6 ||
		    state >= TCPFSM_NSLOTS) {
			fprintf(stderr, "%s: cannot parse: %s\n", path, line);
			free(buf);
			errno = EPROTO;
			return -1;
		}
		if (timer == 3)
			p->timewait[state]++;
		else if (state == TCPFSM_SYN_RECV && !inode && !refcnt)
			p->requests++;	/* get_openreq4/6(): a request sock */
		else
			p->full[state]++;
	}
	free(buf);
	return 0;
}

int tf_proc_tcp_read(struct tf_proc_tcp *p)
{
	memset(p, 0, sizeof(*p));
	if (tf_proc_tcp_file("/proc/net/tcp", p))
		return -1;
	return tf_proc_tcp_file("/proc/net/tcp6", p);
}

/* Network namespaces found, and a path that opens each. */
struct tf_nslist {
	int n, cap;
	unsigned long long *netns;
	char (*path)[128];
};

static int tf_nslist_add(struct tf_nslist *l, unsigned long long netns,
			 const char *path)
{
	int i;

	for (i = 0; i < l->n; i++)
		if (l->netns[i] == netns)
			return 0;
	if (strlen(path) >= sizeof(l->path[0]))
		return 0;	/* a mount point too long to name here */
	if (l->n == l->cap) {
		int cap = l->cap ? 2 * l->cap : 64;
		unsigned long long *ns = realloc(l->netns, cap * sizeof(*ns));
		char (*pa)[128];

		if (!ns)
			return -1;
		l->netns = ns;
		pa = realloc(l->path, cap * sizeof(*pa));
		if (!pa)
			return -1;
		l->path = pa;
		l->cap = cap;
	}
	l->netns[l->n] = netns;
	strcpy(l->path[l->n], path);
	l->n++;
	return 0;
}

/* The namespace behind @path (a /proc/.../ns/net link or an nsfs file). */
static int tf_nslist_add_path(struct tf_nslist *l, const char *path)
{
	struct stat st;

	if (stat(path, &st))
		return 0;	/* gone meanwhile */
	return tf_nslist_add(l, st.st_ino, path);
}

/* Open file descriptors of process @pid that are network namespaces. */
static int tf_nslist_add_fds(struct tf_nslist *l, const char *pid)
{
	char dir[320], path[640], link[64];
	unsigned long long netns;
	struct dirent *d;
	DIR *fds;
	ssize_t n;
	int ret = 0;

	snprintf(dir, sizeof(dir), "/proc/%s/fd", pid);
	fds = opendir(dir);
	if (!fds)
		return 0;
	while (!ret && (d = readdir(fds))) {
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		if (sscanf(link, "net:[%llu]", &netns) == 1)
			ret = tf_nslist_add(l, netns, path);
	}
	closedir(fds);
	return ret;
}

/* Bind mounts of network namespaces (ip netns add): nsfs "net:[N]". */
static int tf_nslist_add_mounts(struct tf_nslist *l)
{
	char *buf = tf_slurp("/proc/self/mountinfo"), *line, *save = NULL;
	int ret = 0;

	if (!buf)
		return -1;
	for (line = strtok_r(buf, "\n", &save); line && !ret;
	     line = strtok_r(NULL, "\n", &save)) {
		char root[64], point[256];
		unsigned long long netns;

		if (!strstr(line, " - nsfs ") ||
		    sscanf(line, "%*u %*u %*s %63s %255s", root, point) != 2 ||
		    sscanf(root, "net:[%llu]", &netns) != 1)
			continue;
		ret = tf_nslist_add_path(l, point);
	}
	free(buf);
	return ret;
}

/* Every network namespace a task, an open file or a mount holds. */
static int tf_nslist_find(struct tf_nslist *l)
{
	char path[640];
	struct dirent *d, *t;
	DIR *proc, *tasks;
	int ret = 0;

	memset(l, 0, sizeof(*l));
	proc = opendir("/proc");
	if (!proc)
		return -1;
	while (!ret && (d = readdir(proc))) {
		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/task", d->d_name);
		tasks = opendir(path);
		while (tasks && !ret && (t = readdir(tasks))) {
			if (t->d_name[0] < '1' || t->d_name[0] > '9')
				continue;
			snprintf(path, sizeof(path), "/proc/%s/task/%s/ns/net",
				 d->d_name, t->d_name);
			ret = tf_nslist_add_path(l, path);
		}
		if (tasks)
			closedir(tasks);
		if (!ret)
			ret = tf_nslist_add_fds(l, d->d_name);
	}
	closedir(proc);
	if (!ret)
		ret = tf_nslist_add_mounts(l);
	return ret;
}

static void tf_nslist_free(struct tf_nslist *l)
{
	free(l->netns);
	free(l->path);
}

/*
 * The child of tf_proc_tcp_read_all(): join each namespace in turn and
 * write what its /proc/net/tcp{,6} show to @fd.  A namespace that is gone
 * by then is skipped.
 */
static int tf_proc_tcp_reader(const struct tf_nslist *l, int fd)
{
	struct tf_netns_proc r;
	struct stat st;
	int i, ns;

	for (i = 0; i < l->n; i++) {
		ns = open(l->path[i], O_RDONLY | O_CLOEXEC);
		if (ns < 0)
			continue;
		if (fstat(ns, &st) || st.st_ino != l->netns[i] ||
		    setns(ns, CLONE_NEWNET)) {
			close(ns);
			continue;
		}
		close(ns);
		r.netns = l->netns[i];
		if (tf_proc_tcp_read(&r.p))
			return 1;
		if (write(fd, &r, sizeof(r)) != sizeof(r))
			return 2;
	}
	return 0;
}

int tf_proc_tcp_read_all(struct tf_netns_proc **out)
{
	struct tf_netns_proc *v = NULL;
	struct tf_nslist l;
	int fds[2], status, n = 0;
	size_t got = 0;
	ssize_t r;
	pid_t pid;

	*out = NULL;
	if (tf_nslist_find(&l)) {
		tf_nslist_free(&l);
		return -1;
	}
	v = calloc(l.n ? l.n : 1, sizeof(*v));
	if (!v || pipe(fds)) {
		free(v);
		tf_nslist_free(&l);
		return -1;
	}
	pid = tf_fork();
	if (pid == 0) {
		close(fds[0]);
		_exit(tf_proc_tcp_reader(&l, fds[1]));
	}
	close(fds[1]);
	/* Read while the child writes: the pipe may hold less than all. */
	while (pid > 0 && got < l.n * sizeof(*v)) {
		r = read(fds[0], (char *)v + got, l.n * sizeof(*v) - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += r;
	}
	close(fds[0]);
	tf_nslist_free(&l);
	if (pid < 0 || waitpid(pid, &status, 0) != pid || status ||
	    got % sizeof(*v)) {
		free(v);
		errno = EIO;
		return -1;
	}
	n = got / sizeof(*v);
	*out = v;
	return n;
}

/* Sockets in TCP state @s as /proc/net/tcp lists them, for the gauge. */
static int tf_proc_count(const struct tf_proc_tcp *p, int s, bool timewait)
{
	return p->full[s] + (timewait ? p->timewait[s] : 0);
}

/* Whether the TCP gauge of @s is kept (docs/debugfs.md, "states"). */
static bool tf_has_gauge(int s, bool timewait)
{
	if (s == TCPFSM_TIME_WAIT)
		return timewait;
	return tcpfsm_state_name(s) && s != TCPFSM_CLOSE &&
	       s != TCPFSM_NEW_SYN_RECV && s != TCPFSM_BOUND_INACTIVE;
}

/* The TCP gauges of one namespace of the "netns" file ("other": 0). */
struct tf_ns_gauges {
	unsigned long long netns;
	bool other;
	bool has[TCPFSM_NSLOTS];
	int64_t current[TCPFSM_NSLOTS];
};

struct tf_ns_table {
	bool timewait;
	int n, cap;
	struct tf_ns_gauges *v;
};

static struct tf_ns_gauges *tf_ns_table_get(struct tf_ns_table *t,
					    const char *name)
{
	unsigned long long netns = 0;
	bool other = !strcmp(name, "other");
	int i;

	if (!other && sscanf(name, "%llu", &netns) != 1)
		return NULL;
	for (i = 0; i < t->n; i++)
		if (t->v[i].other == other && t->v[i].netns == netns)
			return &t->v[i];
	if (t->n == t->cap) {
		int cap = t->cap ? 2 * t->cap : 16;
		struct tf_ns_gauges *v = realloc(t->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		t->v = v;
		t->cap = cap;
	}
	memset(&t->v[t->n], 0, sizeof(t->v[0]));
	t->v[t->n].netns = netns;
	t->v[t->n].other = other;
	for (i = 0; i < TCPFSM_NSLOTS; i++)
		t->v[t->n].has[i] = tf_has_gauge(i, t->timewait);
	return &t->v[t->n++];
}

/*
 * A line of the "netns" file.  A namespace lists only its lines that are
 * not all zero, so every gauge starts at 0; a gauge line without a number
 * breaks the contract.
 */
static int tf_ns_table_line(char *line, void *ctx)
{
	char name[32], proto[16], state[32], cur[32];
	struct tf_ns_table *t = ctx;
	struct tf_ns_gauges *g;
	int s;

	if (sscanf(line, "%31s %15s %31s %31s", name, proto, state, cur) != 4)
		return -1;
	g = tf_ns_table_get(t, name);
	if (!g)
		return -1;
	if (strcmp(proto, "TCP"))
		return 0;
	s = tf_slot(state);
	if (s < 0 || tf_has_gauge(s, t->timewait) != !!strcmp(cur, "-"))
		return -1;
	g->current[s] = strtoll(cur, NULL, 10);
	return 0;
}

/* Append "what STATE: gauge N, /proc/net/tcp M" to the report in @err. */
static void tf_gauge_diff(char *err, size_t len, const char *what, int s,
			  int64_t gauge, int64_t proc)
{
	size_t used = strlen(err);

	if (used + 1 >= len)
		return;
	snprintf(err + used, len - used, "%s%s %s: gauge %" PRId64
		 ", /proc/net/tcp %" PRId64, used ? "; " : "", what,
		 tcpfsm_state_names[s], gauge, proc);
}

/* Compare one set of gauges with the sockets /proc/net/tcp showed. */
static int64_t tf_gauges_diff(const char *what, const bool *has,
			      const int64_t *current, const int64_t *want,
			      bool timewait, char *err, size_t len)
{
	int64_t diff = 0;
	int s;

	for (s = 0; s < TCPFSM_NSLOTS; s++) {
		if (!tf_has_gauge(s, timewait)) {
			if (has[s]) {
				tf_gauge_diff(err, len, what, s, current[s], 0);
				diff++;	/* a gauge the contract says is not kept */
			}
			continue;
		}
		if (has[s] && current[s] == want[s])
			continue;
		tf_gauge_diff(err, len, what, s, current[s], want[s]);
		diff += has[s] ? llabs(current[s] - want[s]) : 1 + llabs(want[s]);
	}
	return diff;
}

/* Add the sockets of @p to @want, by gauge. */
static void tf_proc_add(int64_t *want, const struct tf_proc_tcp *p,
			bool timewait)
{
	int s;

	for (s = 0; s < TCPFSM_NSLOTS; s++)
		want[s] += tf_proc_count(p, s, timewait);
}

/*
 * One comparison of the gauges in @states and @netns (the files' contents,
 * consumed; @netns may be NULL) with @procs; @folded: some namespaces are
 * counted under "other".  Returns the sum of the
 * differences, or -1 if a file cannot be parsed; @err lists them.
 */
static int64_t tf_gauges_compare(char *states, char *netns, bool timewait,
				 bool folded, const struct tf_netns_proc *procs,
				 int nprocs, char *err, size_t len)
{
	int64_t diff, want[TCPFSM_NSLOTS] = { 0 }, other[TCPFSM_NSLOTS] = { 0 };
	struct tf_ns_table t = { 0 };
	bool has[TCPFSM_NSLOTS];
	int64_t current[TCPFSM_NSLOTS];
	struct tf_ns_gauges *o = NULL;
	struct tf_states st;
	char what[48];
	int s, i, j;

	err[0] = '\0';
	memset(&st, 0, sizeof(st));
	if (tf_each_line_of("states", states, tf_states_line, &st))
		return -1;
	for (s = 0; s < TCPFSM_NSLOTS; s++) {
		has[s] = st.row[TCPFSM_PROTO_TCP][s].has_current;
		current[s] = st.row[TCPFSM_PROTO_TCP][s].current;
	}
	for (j = 0; j < nprocs; j++)
		tf_proc_add(want, &procs[j].p, timewait);
	diff = tf_gauges_diff("all namespaces", has, current, want, timewait,
			      err, len);
	if (!netns)
		return diff;

	t.timewait = timewait;
	if (tf_each_line_of("netns", netns, tf_ns_table_line, &t)) {
		free(t.v);
		return -1;
	}
	/* Each namespace listed with its own counters... */
	for (i = 0; i < t.n; i++) {
		if (t.v[i].other) {
			o = &t.v[i];
			continue;
		}
		memset(want, 0, sizeof(want));
		for (j = 0; j < nprocs; j++)
			if (procs[j].netns == t.v[i].netns)
				tf_proc_add(want, &procs[j].p, timewait);
		snprintf(what, sizeof(what), "netns %llu", t.v[i].netns);
		diff += tf_gauges_diff(what, t.v[i].has, t.v[i].current, want,
				       timewait, err, len);
	}
	/*
	 * ... and "other" for every namespace without a line of its own:
	 * folded ones, and ones with their own counters still all zero.  With
	 * nothing folded, each of those must have no socket at all.
	 */
	for (j = 0; j < nprocs; j++) {
		for (i = 0; i < t.n; i++)
			if (!t.v[i].other && t.v[i].netns == procs[j].netns)
				break;
		if (i < t.n)
			continue;
		if (folded) {
			tf_proc_add(other, &procs[j].p, timewait);
			continue;
		}
		memset(want, 0, sizeof(want));
		tf_proc_add(want, &procs[j].p, timewait);
		for (s = 0; s < TCPFSM_NSLOTS; s++) {
			has[s] = tf_has_gauge(s, timewait);
			current[s] = 0;
		}
		snprintf(what, sizeof(what), "netns %llu (no line)", procs[j].netns);
		diff += tf_gauges_diff(what, has, current, want, timewait, err, len);
	}
	for (s = 0; s < TCPFSM_NSLOTS; s++) {
		has[s] = tf_has_gauge(s, timewait);
		current[s] = o ? o->current[s] : 0;	/* no line: all zero */
	}
	diff += tf_gauges_diff("netns other", has, current, other, timewait,
			       err, len);
	free(t.v);
	return diff;
}

static void tf_free_all(char **a, char **b, char **c, char **d)
{
	free(*a);
	free(*b);
	free(*c);
	free(*d);
	*a = *b = *c = *d = NULL;
}

int tf_gauges_check(uint64_t tolerance, char *err, size_t len)
{
	long long deadline = tf_ms() + 10000LL * tf_slow();
	char *s1 = NULL, *n1 = NULL, *s2 = NULL, *n2 = NULL;
	struct tf_netns_proc *procs = NULL;
	uint64_t timewait = 0, folded = 0;
	int64_t diff = -1;
	bool has_netns;
	int nprocs, ret = -1;

	if (tf_read_stat("timewait_tracking", &timewait)) {
		snprintf(err, len, "cannot read stats: %s", strerror(errno));
		return -1;
	}
	has_netns = !access(TF_DEBUGFS "/netns", F_OK);
	do {
		tf_free_all(&s1, &n1, &s2, &n2);
		free(procs);
		procs = NULL;
		if (has_netns && tf_read_stat("netns_folded", &folded)) {
			snprintf(err, len, "cannot read stats: %s", strerror(errno));
			goto out;
		}
		s1 = tf_read_file("states");
		if (has_netns)
			n1 = tf_read_file("netns");
		nprocs = tf_proc_tcp_read_all(&procs);
		s2 = tf_read_file("states");
		if (has_netns)
			n2 = tf_read_file("netns");
		if (!s1 || !s2 || (has_netns && (!n1 || !n2)) || nprocs < 0) {
			snprintf(err, len, "cannot read the gauges or /proc/net/tcp: %s",
				 strerror(errno));
			goto out;
		}
		/* Only a snapshot that did not move between the reads counts. */
		if (strcmp(s1, s2) || (has_netns && strcmp(n1, n2))) {
			usleep(20000);
			continue;
		}
		diff = tf_gauges_compare(s1, n1, timewait, folded, procs, nprocs,
					 err, len);
		if (diff < 0)
			goto out;
		if ((uint64_t)diff <= tolerance) {
			ret = 0;
			goto out;
		}
		usleep(20000);
	} while (tf_ms() < deadline);
	if (diff < 0)
		snprintf(err, len, "the gauges never stood still for one read");
	else
		fprintf(stderr, "# gauges differ from /proc/net/tcp by %" PRId64
			" sockets, %" PRIu64 " allowed\n", diff, tolerance);
out:
	tf_free_all(&s1, &n1, &s2, &n2);
	free(procs);
	return ret;
}

int tf_new_netns(void)
{
	struct ifreq ifr = { 0 };
	int fd, ret;

	if (unshare(CLONE_NEWNET))
		return -1;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	strcpy(ifr.ifr_name, "lo");
	ret = ioctl(fd, SIOCGIFFLAGS, &ifr);
	if (!ret) {
		ifr.ifr_flags |= IFF_UP;
		ret = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	close(fd);
	return ret;
}

/* Append a netlink attribute; returns a pointer to it (for nesting). */
static struct rtattr *tf_nla(void *msg, size_t cap, int type,
			     const void *data, size_t len)
{
	struct nlmsghdr *h = msg;
	struct rtattr *a = (struct rtattr *)((char *)msg +
					     NLMSG_ALIGN(h->nlmsg_len));

	if (NLMSG_ALIGN(h->nlmsg_len) + RTA_SPACE(len) > cap)
		return NULL;
	a->rta_type = type;
	a->rta_len = RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(a), data, len);
	h->nlmsg_len = NLMSG_ALIGN(h->nlmsg_len) + RTA_SPACE(len);
	return a;
}

/* Close a nested attribute opened with tf_nla(..., NULL, 0). */
static void tf_nla_end(void *msg, struct rtattr *a)
{
	struct nlmsghdr *h = msg;

	a->rta_len = (char *)msg + h->nlmsg_len - (char *)a;
}

int tf_veth_pair(const char *a, int nsfd_a, const char *b, int nsfd_b)
{
	struct {
		struct nlmsghdr h;
		char buf[1024];
	} req = { 0 };
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	struct rtattr *linkinfo, *data, *peer;
	struct ifinfomsg *ifi, peer_ifi = { .ifi_family = AF_UNSPEC };
	struct {
		struct nlmsghdr h;
		struct nlmsgerr e;
	} ack;
	const size_t cap = sizeof(req);
	int fd, err;

	req.h.nlmsg_type = RTM_NEWLINK;
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK;
	req.h.nlmsg_len = NLMSG_LENGTH(sizeof(*ifi));
	ifi = NLMSG_DATA(&req.h);
	ifi->ifi_family = AF_UNSPEC;
	if (!tf_nla(&req, cap, IFLA_IFNAME, a, strlen(a) + 1) ||
	    !tf_nla(&req, cap, IFLA_NET_NS_FD, &nsfd_a, sizeof(nsfd_a)))
		return -ENOSPC;
	linkinfo = tf_nla(&req, cap, IFLA_LINKINFO, NULL, 0);
	if (!linkinfo || !tf_nla(&req, cap, IFLA_INFO_KIND, "veth", 5))
		return -ENOSPC;
	data = tf_nla(&req, cap, IFLA_INFO_DATA, NULL, 0);
	if (!data)
		return -ENOSPC;
	peer = tf_nla(&req, cap, VETH_INFO_PEER, &peer_ifi, sizeof(peer_ifi));
	if (!peer || !tf_nla(&req, cap, IFLA_IFNAME, b, strlen(b) + 1) ||
	    !tf_nla(&req, cap, IFLA_NET_NS_FD, &nsfd_b, sizeof(nsfd_b)))
		return -ENOSPC;
	tf_nla_end(&req, peer);
	tf_nla_end(&req, data);
	tf_nla_end(&req, linkinfo);

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	if (sendto(fd, &req, req.h.nlmsg_len, 0, (struct sockaddr *)&kernel,
		   sizeof(kernel)) < 0 ||
	    recv(fd, &ack, sizeof(ack), 0) < (ssize_t)sizeof(ack)) {
		err = -errno;
		close(fd);
		return err;
	}
	close(fd);
	if (ack.h.nlmsg_type != NLMSG_ERROR)
		return -EPROTO;
	return ack.e.error;
}

int tf_if_up(const char *ifname, const char *ip)
{
	struct ifreq ifr = { 0 };
	struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
	int fd, ret = -1;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	sin->sin_family = AF_INET;
	if (inet_pton(AF_INET, ip, &sin->sin_addr) != 1)
		goto out;
	if (ioctl(fd, SIOCSIFADDR, &ifr))
		goto out;
	inet_pton(AF_INET, "255.255.255.0", &sin->sin_addr);
	if (ioctl(fd, SIOCSIFNETMASK, &ifr) || ioctl(fd, SIOCGIFFLAGS, &ifr))
		goto out;
	ifr.ifr_flags |= IFF_UP;
	ret = ioctl(fd, SIOCSIFFLAGS, &ifr);
out:
	close(fd);
	return ret;
}

int tf_wait_events(uint64_t events, int timeout_ms)
{
	long long deadline;
	uint64_t now = 0;

	timeout_ms *= tf_slow();
	deadline = tf_ms() + timeout_ms;

	for (;;) {
		if (tf_read_stat("events", &now))
			return -1;
		if (now >= events)
			break;
		if (tf_ms() > deadline) {
			fprintf(stderr, "waited %d ms for %" PRIu64
				" events, saw %" PRIu64 "\n",
				timeout_ms, events, now);
			errno = ETIMEDOUT;
			return -1;
		}
		usleep(2000);
	}
	/* Anything more than expected must show up too: let it settle. */
	usleep(100000);
	return 0;
}

int tf_wait_quiet(int quiet_ms, int timeout_ms)
{
	long long deadline, since = tf_ms();
	uint64_t events, last = 0;

	quiet_ms *= tf_slow();
	timeout_ms *= tf_slow();
	deadline = since + timeout_ms;

	if (tf_read_stat("events", &last))
		return -1;
	for (;;) {
		usleep(10000);
		if (tf_read_stat("events", &events))
			return -1;
		if (events != last) {
			last = events;
			since = tf_ms();
		} else if (tf_ms() - since >= quiet_ms) {
			return 0;
		}
		if (tf_ms() > deadline) {
			fprintf(stderr, "events did not stop for %d ms in %d ms\n",
				quiet_ms, timeout_ms);
			errno = ETIMEDOUT;
			return -1;
		}
	}
}

int tf_connection(int family, int *l, int *c, int *a, unsigned short *port)
{
	unsigned short p;

	*c = *a = -1;
	*l = tf_listener(family, 4, &p);
	if (*l < 0)
		return -1;
	*c = tf_connect(family, p);
	if (*c >= 0)
		*a = accept(*l, NULL, NULL);
	if (*a < 0) {
		if (*c >= 0)
			close(*c);
		close(*l);
		*l = *c = -1;
		return -1;
	}
	if (port)
		*port = p;
	return 0;
}

pid_t tf_fork(void)
{
	pid_t parent = getpid(), pid;

	fflush(NULL);
	pid = fork();
	if (pid == 0 &&
	    (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent))
		_exit(127);
	return pid;
}

/* A churn worker: every scenario, round after round, until told to stop. */
static int tf_churn_worker(int worker, bool netns, volatile int *stop)
{
	int family = worker % 2 ? AF_INET6 : AF_INET;
	unsigned int i;

	tf_checkpoint = NULL;	/* the parent's checks are not ours */
	if (netns && worker % 2 && tf_new_netns())
		return 2;
	while (!*stop)
		for (i = 0; i < tf_nscenarios; i++)
			if (tf_scenarios[i].run(family))
				return 1;
	return 0;
}

int tf_churn_start(struct tf_churn *c, int workers, bool netns)
{
	int w;

	memset(c, 0, sizeof(*c));
	if (workers < 1 || workers > TF_CHURN_MAX) {
		errno = EINVAL;
		return -1;
	}
	c->stop = mmap(NULL, sizeof(*c->stop), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (c->stop == MAP_FAILED) {
		c->stop = NULL;
		return -1;
	}
	*c->stop = 0;
	for (w = 0; w < workers; w++) {
		c->pid[w] = tf_fork();
		if (c->pid[w] < 0) {
			tf_churn_stop(c);
			return -1;
		}
		if (c->pid[w] == 0)
			_exit(tf_churn_worker(w, netns, c->stop));
		c->workers++;
	}
	return 0;
}

int tf_churn_pause(struct tf_churn *c)
{
	int w, status;

	/* A stopped child is reported once: never wait for it twice. */
	if (c->paused)
		return 0;
	for (w = 0; w < c->workers; w++)
		if (kill(c->pid[w], SIGSTOP))
			return -1;
	for (w = 0; w < c->workers; w++)
		if (waitpid(c->pid[w], &status, WUNTRACED) != c->pid[w] ||
		    !WIFSTOPPED(status)) {
			errno = ECHILD;	/* the worker died */
			return -1;
		}
	c->paused = true;
	return 0;
}

int tf_churn_resume(struct tf_churn *c)
{
	int w;

	for (w = 0; w < c->workers; w++)
		if (kill(c->pid[w], SIGCONT))
			return -1;
	c->paused = false;
	return 0;
}

int tf_churn_stop(struct tf_churn *c)
{
	int w, status, ret = 0;

	if (!c->stop)
		return -1;
	*c->stop = 1;
	for (w = 0; w < c->workers; w++) {
		kill(c->pid[w], SIGCONT);
		if (waitpid(c->pid[w], &status, 0) != c->pid[w] ||
		    !WIFEXITED(status) || WEXITSTATUS(status)) {
			fprintf(stderr, "churn worker %d failed (status %#x)\n",
				w, status);
			ret = -1;
		}
	}
	munmap((void *)c->stop, sizeof(*c->stop));
	c->stop = NULL;
	c->workers = 0;
	return ret;
}

/*
 * The kernel log patterns file, one fixed string a line ('#' starts a
 * comment): the file the guest jobs grep with too.  The lines before the
 * heading TF_KLOG_EXPECTED_HEADING mark a problem; those after it, reports
 * expected while a test injects allocation failures.  NULL-ended lists;
 * 0, or -1 with errno if the file cannot be read or has no problem line.
 */
#define TF_KLOG_EXPECTED_HEADING "expected while injecting allocation failures:"

static const char *tf_klog_lists[2][64];

static int tf_klog_load(void)
{
	const char *path = getenv("TCPFSM_KLOG_PATTERNS");
	char *buf, *line, *save = NULL;
	int n[2] = { 0, 0 }, which = 0;

	if (tf_klog_lists[0][0])
		return 0;
	buf = tf_slurp(path ? path : TF_KLOG_PATTERNS_DEFAULT);
	if (!buf)
		return -1;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#')
			continue;
		if (!strcmp(line, TF_KLOG_EXPECTED_HEADING)) {
			which = 1;
			continue;
		}
		if (n[which] == 63) {
			errno = E2BIG;
			return -1;
		}
		tf_klog_lists[which][n[which]++] = line;
	}
	tf_klog_lists[0][n[0]] = NULL;
	tf_klog_lists[1][n[1]] = NULL;
	if (!n[0]) {
		errno = ENODATA;
		return -1;
	}
	return 0;
}

static bool tf_klog_matches(const char *msg, const char *const *list)
{
	for (; *list; list++)
		if (strstr(msg, *list))
			return true;
	return false;
}

int tf_klog_classify(const char *msg, bool *injecting)
{
	if (tf_klog_load())
		return -1;
	if (strstr(msg, TF_KLOG_FAULTS_BEGIN)) {
		*injecting = true;
		return TF_KLOG_FINE;
	}
	if (strstr(msg, TF_KLOG_FAULTS_END)) {
		*injecting = false;
		return TF_KLOG_FINE;
	}
	if (*injecting && tf_klog_matches(msg, tf_klog_lists[1]))
		return TF_KLOG_EXPECTED;
	return tf_klog_matches(msg, tf_klog_lists[0]) ? TF_KLOG_PROBLEM :
							 TF_KLOG_FINE;
}

int tf_klog_faults(bool begin)
{
	return tf_write_path("/dev/kmsg", begin ? "<5>" TF_KLOG_FAULTS_BEGIN "\n" :
						 "<5>" TF_KLOG_FAULTS_END "\n");
}

/*
 * Scan the kernel log: returns the sequence number of its last record and,
 * if @first is set, prints every record after @since that shows a kernel
 * problem and copies the first one there.  -1 if the log or the pattern
 * file cannot be read.
 */
static long long tf_kmsg_scan(long long since, char *first, int len)
{
	long long last = 0, seq;
	char rec[8192], *msg, *end;
	bool injecting = false;
	ssize_t n;
	int fd;

	if (first && tf_klog_load()) {
		snprintf(first, len, "cannot read the kernel log patterns: %s",
			 strerror(errno));
		return -1;
	}
	fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -1;
	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten record */
		if (n <= 0)
			break;
		rec[n] = '\0';
		if (sscanf(rec, "%*u,%lld,", &seq) != 1)
			continue;
		last = seq;
		msg = strchr(rec, ';');
		if (!first || !msg)
			continue;
		msg++;
		end = strchr(msg, '\n');	/* the dictionary follows */
		if (end)
			*end = '\0';
		/* Every record counts for the window; those after @since only
		 * for problems.
		 */
		if (tf_klog_classify(msg, &injecting) != TF_KLOG_PROBLEM ||
		    seq <= since)
			continue;
		fprintf(stderr, "# kernel log: %s\n", msg);
		if (!*first)
			snprintf(first, len, "%s", msg);
	}
	close(fd);
	return last;
}

/*
 * With kmemleak, scan now and report any leak suspected since the last
 * report (which is then cleared, so that one leak fails one test).
 * Returns 1 with the first line in @first, 0 if none, -1 on error.
 */
static int tf_kmemleak_check(char *first, int len)
{
	char *report, *nl;
	int fd, ret = 0;

	if (access(TF_KMEMLEAK, F_OK))
		return 0;
	fd = open(TF_KMEMLEAK, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "scan", 4) != 4) {
		snprintf(first, len, "kmemleak: cannot start a scan: %s",
			 strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	report = tf_slurp(TF_KMEMLEAK);
	if (!report) {
		snprintf(first, len, "kmemleak: cannot read the report: %s",
			 strerror(errno));
		return -1;
	}
	if (report[0]) {
		fprintf(stderr, "# kmemleak report:\n%s", report);
		nl = strchr(report, '\n');
		if (nl)
			*nl = '\0';
		snprintf(first, len, "kmemleak: %s", report);
		fd = open(TF_KMEMLEAK, O_WRONLY | O_CLOEXEC);
		if (fd >= 0) {
			if (write(fd, "clear", 5) != 5)
				fprintf(stderr, "# kmemleak: cannot clear the report\n");
			close(fd);
		}
		ret = 1;
	}
	free(report);
	return ret;
}

int tf_kernel_log_lines(void)
{
	return tf_kmsg_scan(-1, NULL, 0);
}

int tf_kernel_problems(int since_line, char *first, int len)
{
	int leak;

	first[0] = '\0';
	leak = tf_kmemleak_check(first, len);
	if (leak < 0)
		return -1;
	if (tf_kmsg_scan(since_line, first, len) < 0) {
		if (!first[0])
			snprintf(first, len, "cannot read /dev/kmsg: %s",
				 strerror(errno));
		return -1;
	}
	return leak || first[0] != '\0';
}

int tf_finish(int kmsg, char *problem, int len)
{
	int err;

	problem[0] = '\0';
	if (tf_module_loaded()) {
		err = tf_module_unload();
		if (err) {
			snprintf(problem, len, "unload: %s", strerror(-err));
			return -1;
		}
	}
	return tf_kernel_problems(kmsg, problem, len);
}
