// SPDX-License-Identifier: GPL-2.0
/*
 * interface_test.c - the debugfs contract: strict mode, injection, every
 * verdict, reset, hostile writes, log wrap-around, module parameters and
 * permissions
 *
 * Every load is followed by a check of the gauges against /proc/net/tcp,
 * and the kernel's trace event runs from the load to the end of the test,
 * when it must equal the transitions file cell by cell.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../tools/traffic/scenarios.h"
#include "kselftest_harness.h"
#include "tcpfsm_lib.h"

#define MAX_RECORDS 64

/* The fields of a record, in the documented order. */
static const char *const record_fields[] = {
	"seq", "ts_ns", "cpu", "pid", "comm", "ctx", "netns", "uid", "cgroup",
	"proto", "family", "src", "dst", "from", "to", "injected", "stack",
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static uint64_t stat_of(struct __test_metadata *_metadata, const char *key)
{
	uint64_t v = 0;

	EXPECT_EQ(0, tf_read_stat(key, &v)) TH_LOG("stats key %s", key);
	return v;
}

static unsigned long long self_netns(void)
{
	struct stat st;

	return stat("/proc/self/ns/net", &st) ? 0 : st.st_ino;
}

/* Our cgroup v2 id: the inode of our directory in the cgroup2 mount. */
static unsigned long long self_cgroup(void)
{
	char *buf = tf_slurp("/proc/self/cgroup"), path[512], *nl;
	unsigned long long id = 0;
	struct stat st;

	if (!buf)
		return 0;
	if (!strncmp(buf, "0::", 3)) {
		nl = strchr(buf, '\n');
		if (nl)
			*nl = '\0';
		snprintf(path, sizeof(path), "/sys/fs/cgroup%s", buf + 3);
		if (!stat(path, &st))
			id = st.st_ino;
	}
	free(buf);
	return id;
}

/* Our task name, escaped as the module escapes it. */
static void self_comm(char *out, size_t len)
{
	char comm[17] = "";
	size_t o = 0;
	int i;

	prctl(PR_GET_NAME, comm);
	for (i = 0; comm[i] && o + 5 < len; i++) {
		unsigned char c = comm[i];

		if (c < 0x21 || c > 0x7e || c == '\\')
			o += snprintf(out + o, len - o, "\\x%02x", c);
		else
			out[o++] = c;
	}
	out[o] = '\0';
}

static bool stack_starts_with(const struct tf_record *r, const char *fn)
{
	return !strncmp(tf_record_get(r, "stack"), fn, strlen(fn));
}

/* Every field present, in order, and the ones known in advance right. */
static void assert_record_shape(struct __test_metadata *_metadata,
				const struct tf_record *r, bool injected)
{
	char comm[80], num[32];
	unsigned int i;

	ASSERT_EQ(sizeof(record_fields) / sizeof(record_fields[0]), r->nfields);
	for (i = 0; i < sizeof(record_fields) / sizeof(record_fields[0]); i++)
		ASSERT_STREQ(record_fields[i], r->key[i]);
	ASSERT_STREQ(injected ? "1" : "0", tf_record_get(r, "injected"));
	ASSERT_LT(strtoul(tf_record_get(r, "cpu"), NULL, 10),
		  (unsigned long)sysconf(_SC_NPROCESSORS_CONF));
	ASSERT_STREQ("0", tf_record_get(r, "uid"));
	snprintf(num, sizeof(num), "%llu", self_netns());
	ASSERT_STREQ(num, tf_record_get(r, "netns"));
	if (!strcmp(tf_record_get(r, "ctx"), "task")) {
		self_comm(comm, sizeof(comm));
		ASSERT_STREQ(comm, tf_record_get(r, "comm"));
		snprintf(num, sizeof(num), "%d", getpid());
		ASSERT_STREQ(num, tf_record_get(r, "pid"));
	} else {
		ASSERT_STREQ("softirq", tf_record_get(r, "ctx"));
	}
	ASSERT_STRNE("-", tf_record_get(r, "stack"));
}

FIXTURE(iface) {
	int kmsg;
};

FIXTURE_SETUP(iface)
{
	ASSERT_EQ(0, tf_new_netns());
	self->kmsg = tf_kernel_log_lines();
}

FIXTURE_TEARDOWN(iface)
{
	tf_teardown(_metadata, self->kmsg);
}

/*
 * strict=1: every "linux" transition is illegal and logged with the
 * socket's addresses and ports, our comm and pid, and the kernel stack.
 * shutdown() then close() makes FIN_WAIT2 -> FIN_WAIT2 and the time-wait
 * hand-over FIN_WAIT2 -> CLOSE, both in our process context.
 */
static void strict_mode(struct __test_metadata *_metadata, int family)
{
	const char *lo = family == AF_INET6 ? "[::1]" : "127.0.0.1";
	struct tf_record recs[MAX_RECORDS];
	unsigned short lport, cport;
	char src[64], dst[64];
	uint64_t linux_cells = 0;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct tf_matrix m;
	int l, c, a, n, i, f, t;

	tf_load(_metadata, "strict=1");
	ASSERT_EQ(1, stat_of(_metadata, "strict"));
	ASSERT_EQ(0, tf_connection(family, &l, &c, &a, &lport));
	ASSERT_EQ(0, getsockname(c, (struct sockaddr *)&ss, &len));
	cport = ntohs(family == AF_INET6 ?
		      ((struct sockaddr_in6 *)&ss)->sin6_port :
		      ((struct sockaddr_in *)&ss)->sin_port);
	ASSERT_EQ(0, shutdown(c, SHUT_WR));
	ASSERT_EQ(0, tf_wait_tcp_state(c, TCPFSM_FIN_WAIT2, 5000));
	ASSERT_EQ(0, close(c));
	ASSERT_EQ(0, close(a));
	ASSERT_EQ(0, close(l));
	ASSERT_EQ(0, tf_wait_events(13, 5000));

	ASSERT_EQ(0, tf_read_matrix(&m));
	for (f = 0; f < TCPFSM_NSLOTS; f++)
		for (t = 0; t < TCPFSM_NSLOTS; t++) {
			const struct tf_reference_pair *r = tf_reference_find(f, t);
			uint64_t cnt = m.n[TCPFSM_PROTO_TCP][f][t];

			if (!cnt)
				continue;
			ASSERT_NE(NULL, r);
			if (r->verdict == TCPFSM_LINUX) {
				linux_cells += cnt;
				ASSERT_STREQ("illegal", m.verdict[TCPFSM_PROTO_TCP][f][t]);
			} else {
				ASSERT_STREQ("rfc", m.verdict[TCPFSM_PROTO_TCP][f][t]);
			}
		}
	ASSERT_EQ(2, linux_cells);
	ASSERT_EQ(2, stat_of(_metadata, "illegal"));

	n = tf_read_log(recs, MAX_RECORDS);
	ASSERT_EQ(2, n);
	snprintf(src, sizeof(src), "%s:%u", lo, cport);
	snprintf(dst, sizeof(dst), "%s:%u", lo, lport);
	for (i = 0; i < n; i++) {
		const struct tf_record *r = &recs[i];

		assert_record_shape(_metadata, r, false);
		ASSERT_STREQ("TCP", tf_record_get(r, "proto"));
		ASSERT_STREQ(family == AF_INET6 ? "inet6" : "inet",
			     tf_record_get(r, "family"));
		ASSERT_STREQ(src, tf_record_get(r, "src"));
		ASSERT_STREQ(dst, tf_record_get(r, "dst"));
		ASSERT_STREQ("FIN_WAIT2", tf_record_get(r, "from"));
		ASSERT_STREQ("task", tf_record_get(r, "ctx"));
		/* tcp_set_state() tail-calls the emitter, so it is not seen. */
		ASSERT_TRUE(stack_starts_with(r, "inet_sk_state_store+"))
			TH_LOG("stack=%s", tf_record_get(r, "stack"));
		ASSERT_NE(NULL, strstr(tf_record_get(r, "stack"), ",__tcp_close+"));
	}
	ASSERT_STREQ("FIN_WAIT2", tf_record_get(&recs[0], "to"));
	ASSERT_STREQ("CLOSE", tf_record_get(&recs[1], "to"));
	/* The hand-over: __tcp_close() -> tcp_time_wait() -> tcp_done(). */
	ASSERT_NE(NULL, strstr(tf_record_get(&recs[1], "stack"), ",tcp_done+"));
}

TEST_F(iface, strict_mode_ipv4)
{
	strict_mode(_metadata, AF_INET);
}

TEST_F(iface, strict_mode_ipv6)
{
	strict_mode(_metadata, AF_INET6);
}

/* strict=1 over a simultaneous open and close: CLOSING -> CLOSE logged. */
TEST_F(iface, strict_mode_self_connect)
{
	const struct tf_scenario *s = tf_scenario_find("self_connect");
	struct tf_record recs[MAX_RECORDS];
	int n;

	tf_load(_metadata, "strict=1");
	ASSERT_EQ(0, s->run(AF_INET));
	ASSERT_EQ(0, tf_wait_events(tf_scenario_events(s), 5000));
	n = tf_read_log(recs, MAX_RECORDS);
	ASSERT_EQ(1, n);
	assert_record_shape(_metadata, &recs[0], false);
	ASSERT_STREQ("CLOSING", tf_record_get(&recs[0], "from"));
	ASSERT_STREQ("CLOSE", tf_record_get(&recs[0], "to"));
	ASSERT_STREQ(tf_record_get(&recs[0], "src"), tf_record_get(&recs[0], "dst"));
	ASSERT_TRUE(stack_starts_with(&recs[0], "inet_sk_state_store+"));
	/* The ACK of our FIN: tcp_rcv_state_process() -> tcp_time_wait(). */
	ASSERT_NE(NULL, strstr(tf_record_get(&recs[0], "stack"), ",tcp_done+"))
		TH_LOG("stack=%s", tf_record_get(&recs[0], "stack"));
	ASSERT_NE(NULL, strstr(tf_record_get(&recs[0], "stack"), ",tcp_rcv_state_process+"));
}

TEST_F(iface, injection_records_have_every_field)
{
	struct tf_record recs[MAX_RECORDS];
	uint64_t before, after;
	struct tf_matrix m;
	char num[32];
	int n, i;

	/* Without inject=1 the module is there and the file is not. */
	tf_load(_metadata, "");
	ASSERT_EQ(0, access(TF_DEBUGFS "/control", F_OK));
	ASSERT_EQ(-1, access(TF_DEBUGFS "/inject", F_OK));
	ASSERT_EQ(ENOENT, errno);
	ASSERT_EQ(0, stat_of(_metadata, "inject"));
	ASSERT_EQ(0, tf_module_unload());
	tf_load(_metadata, "inject=1");
	ASSERT_EQ(0, access(TF_DEBUGFS "/inject", F_OK));
	ASSERT_EQ(1, stat_of(_metadata, "inject"));
	before = now_ns();
	ASSERT_EQ(0, tf_write("inject", "TCP ESTABLISHED SYN_SENT\n"));
	ASSERT_EQ(0, tf_write("inject", "TCP ESTABLISHED LISTEN [2001:db8::1]:80 [2001:db8::2]:5555"));
	ASSERT_EQ(0, tf_write("inject", "TCP STATE_200 LISTEN 10.1.2.3:80 10.4.5.6:9"));
	/* Out of the counted range for every protocol: logged as unknown. */
	ASSERT_EQ(0, tf_write("inject", "SCTP STATE_20 CLOSED"));
	/* Legal, and not validated: judged, counted as injected, not logged. */
	ASSERT_EQ(0, tf_write("inject", "TCP CLOSE SYN_SENT"));
	ASSERT_EQ(0, tf_write("inject", "MPTCP LISTEN ESTABLISHED"));
	after = now_ns();

	ASSERT_EQ(6, stat_of(_metadata, "injected"));
	ASSERT_EQ(4, stat_of(_metadata, "illegal"));
	ASSERT_EQ(2, stat_of(_metadata, "unknown_state"));
	ASSERT_EQ(0, stat_of(_metadata, "events"));
	ASSERT_EQ(4, stat_of(_metadata, "log_records"));
	ASSERT_EQ(5, stat_of(_metadata, "log_next_seq"));

	n = tf_read_log(recs, MAX_RECORDS);
	ASSERT_EQ(4, n);
	for (i = 0; i < n; i++) {
		uint64_t ts = strtoull(tf_record_get(&recs[i], "ts_ns"), NULL, 10);

		assert_record_shape(_metadata, &recs[i], true);
		snprintf(num, sizeof(num), "%d", i + 1);
		ASSERT_STREQ(num, tf_record_get(&recs[i], "seq"));
		ASSERT_LE(before, ts);
		ASSERT_GE(after, ts);
		ASSERT_STREQ("task", tf_record_get(&recs[i], "ctx"));
		snprintf(num, sizeof(num), "%llu", self_cgroup());
		ASSERT_STREQ(num, tf_record_get(&recs[i], "cgroup"));
		ASSERT_NE(NULL, strstr(tf_record_get(&recs[i], "stack"), "vfs_write"));
		ASSERT_EQ(NULL, strstr(tf_record_get(&recs[i], "stack"), "tcpfsm"));
	}
	ASSERT_STREQ("inet", tf_record_get(&recs[0], "family"));
	ASSERT_STREQ("0.0.0.0:0", tf_record_get(&recs[0], "src"));
	ASSERT_STREQ("0.0.0.0:0", tf_record_get(&recs[0], "dst"));
	ASSERT_STREQ("ESTABLISHED", tf_record_get(&recs[0], "from"));
	ASSERT_STREQ("SYN_SENT", tf_record_get(&recs[0], "to"));
	ASSERT_STREQ("inet6", tf_record_get(&recs[1], "family"));
	ASSERT_STREQ("[2001:db8::1]:80", tf_record_get(&recs[1], "src"));
	ASSERT_STREQ("[2001:db8::2]:5555", tf_record_get(&recs[1], "dst"));
	ASSERT_STREQ("10.1.2.3:80", tf_record_get(&recs[2], "src"));
	ASSERT_STREQ("10.4.5.6:9", tf_record_get(&recs[2], "dst"));
	ASSERT_STREQ("STATE_200", tf_record_get(&recs[2], "from"));
	ASSERT_STREQ("SCTP", tf_record_get(&recs[3], "proto"));
	ASSERT_STREQ("STATE_20", tf_record_get(&recs[3], "from"));

	/* Injected transitions never reach the transition counts. */
	ASSERT_EQ(0, tf_read_matrix(&m));
	ASSERT_EQ(0, tf_matrix_total(&m));
}

/* A task name with a space and a non-ASCII byte is escaped. */
TEST_F(iface, injection_escapes_comm)
{
	struct tf_record recs[MAX_RECORDS];
	char comm[80];

	tf_load(_metadata, "inject=1");
	ASSERT_EQ(0, prctl(PR_SET_NAME, "odd na\xe9me\\"));
	ASSERT_EQ(0, tf_write("inject", "TCP LISTEN ESTABLISHED"));
	ASSERT_EQ(1, tf_read_log(recs, MAX_RECORDS));
	self_comm(comm, sizeof(comm));
	ASSERT_STREQ("odd\\x20na\\xe9me\\x5c", comm);
	ASSERT_STREQ(comm, tf_record_get(&recs[0], "comm"));
}

/* Copy of everything a write could change, to prove it did not. */
struct snapshot {
	char *transitions, *states, *stats, *illegal;
};

static void take(struct snapshot *s)
{
	s->transitions = tf_slurp(TF_DEBUGFS "/transitions");
	s->states = tf_slurp(TF_DEBUGFS "/states");
	s->stats = tf_slurp(TF_DEBUGFS "/stats");
	s->illegal = tf_slurp(TF_DEBUGFS "/illegal");
}

static void assert_same(struct __test_metadata *_metadata,
			const struct snapshot *a, const struct snapshot *b)
{
	ASSERT_NE(NULL, a->transitions);
	ASSERT_NE(NULL, b->transitions);
	ASSERT_STREQ(a->transitions, b->transitions);
	ASSERT_STREQ(a->states, b->states);
	ASSERT_STREQ(a->stats, b->stats);
	ASSERT_STREQ(a->illegal, b->illegal);
}

/* Write raw bytes (NULs included) to a debugfs file; returns -errno. */
static int write_raw(const char *file, const char *buf, size_t len)
{
	char path[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), TF_DEBUGFS "/%s", file);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	n = write(fd, buf, len);
	n = n < 0 ? -errno : 0;
	close(fd);
	return n;
}

TEST_F(iface, hostile_writes_are_einval_and_change_nothing)
{
	static const char *const control_bad[] = {
		"", "\n", "res", "reset2", "RESET", "reset\n\n", "reset now",
		" reset", "reset\r\n", "\xff\xfe", "reset\nreset",
	};
	static const char *const inject_bad[] = {
		"", "TCP", "TCP ESTABLISHED", "TCP ESTABLISHED SYN_SENT extra",
		"UDP CLOSE LISTEN", "tcp CLOSE LISTEN", "TCP STATE_256 CLOSE",
		"TCP STATE_-1 CLOSE", "TCP STATE_0x1 CLOSE", "TCP STATE_ CLOSE",
		"TCP STATE_+1 CLOSE", "TCP TIME-WAIT CLOSE",
		"TCP CLOSE LISTEN 1.2.3.4:80",
		"TCP CLOSE LISTEN 1.2.3.4:80 [::1]:80",
		"TCP CLOSE LISTEN 1.2.3.4:65536 1.2.3.4:1",
		"TCP CLOSE LISTEN 1.2.3.4 5.6.7.8:1",
		"TCP CLOSE LISTEN 1.2.3.4: 5.6.7.8:1",
		"TCP CLOSE LISTEN 1.2.3.400:1 5.6.7.8:1",
		"TCP CLOSE LISTEN [::1:1 [::1]:2", "TCP CLOSE LISTEN ::1:1 ::1:2",
		"TCP  CLOSE LISTEN", "TCP\tCLOSE\tLISTEN",
		"TCP CLOSE LISTEN 1.2.3.4:1 5.6.7.8:2 x y",
		"TCP CLOSE LISTEN\nTCP CLOSE LISTEN",
		/* Nothing is trimmed: one command, single spaces. */
		" TCP CLOSE LISTEN", "TCP CLOSE LISTEN ", "TCP CLOSE LISTEN\t",
		"TCP CLOSE LISTEN\r\n", "TCP CLOSE LISTEN\n\n",
		"TCP CLOSE LISTEN [::1]:80 [::1", "TCP CLOSE LISTEN [::1]:80 [::1]",
		"TCP CLOSE LISTEN [::1]80 [::1]:1", "TCP CLOSE LISTEN [1.2.3.4]:1 [::1]:1",
	};
	struct snapshot before, after;
	char big[4096], nul[] = "reset\0junk";
	unsigned int i;
	int fd;

	tf_load(_metadata, "inject=1");
	/* Something to lose: counts, gauges and a record. */
	ASSERT_EQ(0, tf_scenario_find("active_close")->run(AF_INET));
	ASSERT_EQ(0, tf_wait_events(tf_scenario_events(tf_scenario_find("active_close")),
				    5000));
	ASSERT_EQ(0, tf_write("inject", "TCP ESTABLISHED SYN_SENT"));
	take(&before);

	for (i = 0; i < sizeof(control_bad) / sizeof(*control_bad); i++)
		ASSERT_EQ(-EINVAL, write_raw("control", control_bad[i],
					     strlen(control_bad[i])))
			TH_LOG("control <- \"%s\"", control_bad[i]);
	for (i = 0; i < sizeof(inject_bad) / sizeof(*inject_bad); i++)
		ASSERT_EQ(-EINVAL, write_raw("inject", inject_bad[i],
					     strlen(inject_bad[i])))
			TH_LOG("inject <- \"%s\"", inject_bad[i]);
	ASSERT_EQ(-EINVAL, write_raw("control", nul, sizeof(nul) - 1));
	memset(big, 'r', sizeof(big));
	ASSERT_EQ(-EINVAL, write_raw("control", big, sizeof(big)));
	ASSERT_EQ(-EINVAL, write_raw("inject", big, sizeof(big)));
	ASSERT_EQ(-EFAULT, write_raw("control", (const char *)8, 5));
	/* Reading a write-only file fails; nothing to read there. */
	fd = open(TF_DEBUGFS "/control", O_RDONLY);
	if (fd >= 0) {
		ASSERT_GT(0, read(fd, big, sizeof(big)));
		close(fd);
	}

	take(&after);
	assert_same(_metadata, &before, &after);
}

/*
 * Run scenario @s once on every CPU we may use, so that every CPU's
 * counters hold something; returns how many CPUs that was.
 */
static int run_on_every_cpu(struct __test_metadata *_metadata,
			    const struct tf_scenario *s)
{
	cpu_set_t all, one;
	int cpu, n = 0;

	EXPECT_EQ(0, sched_getaffinity(0, sizeof(all), &all));
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, &all))
			continue;
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		EXPECT_EQ(0, sched_setaffinity(0, sizeof(one), &one));
		EXPECT_EQ(0, s->run(AF_INET));
		n++;
	}
	EXPECT_EQ(0, sched_setaffinity(0, sizeof(all), &all));
	return n;
}

/*
 * The longest command accepted is 255 bytes, its newline included (a
 * port may carry leading zeros to get there); one byte more is refused.
 */
TEST_F(iface, longest_command_accepted)
{
	const char *head = "TCP ESTABLISHED LISTEN 1.2.3.4:", *tail = " 5.6.7.8:9";
	char line[300];
	int port;

	tf_load(_metadata, "inject=1");
	/* 255 bytes: the port's digits fill what head and tail leave. */
	port = 255 - strlen(head) - strlen(tail);
	snprintf(line, sizeof(line), "%s%0*d%s\n", head, port, 80, tail);
	ASSERT_EQ(256, strlen(line));
	ASSERT_EQ(0, write_raw("inject", line, 255));
	ASSERT_EQ(-EINVAL, write_raw("inject", line, 256));
	/* 254 bytes and the newline. */
	snprintf(line, sizeof(line), "%s%0*d%s\n", head, port - 1, 80, tail);
	ASSERT_EQ(0, write_raw("inject", line, 255));
	/* 256 bytes without one. */
	snprintf(line, sizeof(line), "%s%0*d%s", head, port + 1, 80, tail);
	ASSERT_EQ(-EINVAL, write_raw("inject", line, 256));

	ASSERT_EQ(2, stat_of(_metadata, "injected"));
	ASSERT_EQ(2, stat_of(_metadata, "illegal"));
	ASSERT_EQ(2, stat_of(_metadata, "log_records"));
}

TEST_F(iface, control_reset_keeps_gauges_and_seq)
{
	const struct tf_scenario *refused = tf_scenario_find("refused");
	struct tf_record rec;
	struct tf_states st;
	struct tf_matrix m;
	unsigned short port;
	int l, c, a, s, cpus;

	tf_load(_metadata, "inject=1");
	/* Counts on every CPU: a reset must take them all back to zero. */
	cpus = run_on_every_cpu(_metadata, refused);
	ASSERT_EQ(0, tf_write("inject", "TCP ESTABLISHED SYN_SENT"));
	/* A connection that stays open across the reset. */
	ASSERT_EQ(0, tf_connection(AF_INET, &l, &c, &a, &port));
	ASSERT_EQ(0, tf_wait_events(cpus * tf_scenario_events(refused) + 5, 5000));
	ASSERT_EQ(2, stat_of(_metadata, "log_next_seq"));

	/* The trace event agrees up to the reset, and from it on. */
	tf_check_witnesses(_metadata);
	ASSERT_EQ(0, tf_write("control", "reset\n"));
	ASSERT_EQ(0, tf_trace_start());

	ASSERT_EQ(0, tf_read_matrix(&m));
	ASSERT_EQ(0, tf_matrix_total(&m));
	ASSERT_EQ(0, stat_of(_metadata, "events"));
	ASSERT_EQ(0, stat_of(_metadata, "illegal"));
	ASSERT_EQ(0, stat_of(_metadata, "injected"));
	ASSERT_EQ(0, stat_of(_metadata, "log_records"));
	ASSERT_EQ(0, stat_of(_metadata, "log_dropped"));
	ASSERT_EQ(2, stat_of(_metadata, "log_next_seq"));
	ASSERT_EQ(0, tf_read_states(&st));
	for (s = TCPFSM_STATE_FIRST; s <= TCPFSM_STATE_LAST; s++) {
		ASSERT_EQ(0, st.row[TCPFSM_PROTO_TCP][s].entered);
		ASSERT_EQ(0, st.row[TCPFSM_PROTO_TCP][s].exited);
	}
	ASSERT_EQ(2, st.row[TCPFSM_PROTO_TCP][TCPFSM_ESTABLISHED].current);
	ASSERT_EQ(1, st.row[TCPFSM_PROTO_TCP][TCPFSM_LISTEN].current);

	/* Counting starts again from zero; the next record gets seq 2. */
	ASSERT_EQ(0, close(l));
	ASSERT_EQ(0, tf_wait_events(1, 5000));
	ASSERT_EQ(0, tf_read_matrix(&m));
	ASSERT_EQ(1, tf_matrix_total(&m));
	ASSERT_EQ(1, m.n[TCPFSM_PROTO_TCP][TCPFSM_LISTEN][TCPFSM_CLOSE]);
	ASSERT_EQ(0, tf_write("inject", "TCP ESTABLISHED SYN_SENT"));
	ASSERT_EQ(1, tf_read_log(&rec, 1));
	ASSERT_STREQ("2", tf_record_get(&rec, "seq"));
	close(c);
	close(a);
}

TEST_F(iface, log_wraps_and_counts_drops)
{
	struct tf_record recs[MAX_RECORDS];
	char num[16];
	int i, n;

	tf_load(_metadata, "inject=1 log_size=4");
	ASSERT_EQ(4, stat_of(_metadata, "log_size"));
	for (i = 0; i < 10; i++)
		ASSERT_EQ(0, tf_write("inject", "TCP LAST_ACK ESTABLISHED"));
	ASSERT_EQ(4, stat_of(_metadata, "log_records"));
	ASSERT_EQ(6, stat_of(_metadata, "log_dropped"));
	ASSERT_EQ(10, stat_of(_metadata, "illegal"));
	ASSERT_EQ(11, stat_of(_metadata, "log_next_seq"));
	n = tf_read_log(recs, MAX_RECORDS);
	ASSERT_EQ(4, n);
	for (i = 0; i < n; i++) {
		snprintf(num, sizeof(num), "%d", 7 + i);
		ASSERT_STREQ(num, tf_record_get(&recs[i], "seq"));
	}
	ASSERT_EQ(0, tf_write("control", "reset"));
	ASSERT_EQ(0, stat_of(_metadata, "log_records"));
	ASSERT_EQ(0, stat_of(_metadata, "log_dropped"));
	ASSERT_EQ(0, tf_write("inject", "TCP LAST_ACK ESTABLISHED"));
	ASSERT_EQ(1, tf_read_log(recs, MAX_RECORDS));
	ASSERT_STREQ("11", tf_record_get(&recs[0], "seq"));
}

TEST_F(iface, module_parameters_are_validated)
{
	static const struct {
		const char *params;
		int err;
	} bad[] = {
		{ "log_size=0", -EINVAL }, { "log_size=65537", -EINVAL },
		{ "log_size=-1", -EINVAL }, { "log_size=abc", -EINVAL },
		{ "log_size=", -EINVAL }, { "log_size=4294967296", -ERANGE },
		{ "strict=2", -EINVAL }, { "inject=maybe", -EINVAL },
	};
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		ASSERT_EQ(bad[i].err, tf_module_load(bad[i].params))
			TH_LOG("%s", bad[i].params);
		ASSERT_FALSE(tf_module_loaded());
	}
	tf_load(_metadata, "log_size=65536 strict=1");
	ASSERT_EQ(65536, stat_of(_metadata, "log_size"));
	ASSERT_EQ(1, stat_of(_metadata, "strict"));
	ASSERT_EQ(0, stat_of(_metadata, "inject"));
}

/* The table file lists exactly the pairs the header says are legal. */
TEST_F(iface, table_file_matches_header)
{
	char *buf, *line, *save = NULL;
	unsigned int i, lines = 0, linux_rules = 0;

	tf_load(_metadata, "");
	buf = tf_slurp(TF_DEBUGFS "/table");
	ASSERT_NE(NULL, buf);
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char from[32], to[32], verdict[16], flags[32];
		const struct tcpfsm_rule *r;
		int off = 0;

		if (line[0] == '#')
			continue;
		ASSERT_EQ(4, sscanf(line, "%31s %31s %15s %31s %n", from, to,
				    verdict, flags, &off)) TH_LOG("%s", line);
		r = tcpfsm_rule_find(tf_state_parse(from), tf_state_parse(to));
		ASSERT_NE(NULL, r);
		ASSERT_STREQ(tcpfsm_verdict_names[r->verdict], verdict);
		ASSERT_STREQ(r->reason, line + off);
		lines++;
	}
	free(buf);
	ASSERT_EQ(TCPFSM_NRULES, lines);
	ASSERT_EQ(0, tf_module_unload());

	/* strict=1 drops the linux pairs from the table in force. */
	tf_load(_metadata, "strict=1");
	for (i = 0; i < TCPFSM_NRULES; i++)
		linux_rules += tcpfsm_rules[i].verdict == TCPFSM_LINUX;
	buf = tf_slurp(TF_DEBUGFS "/table");
	ASSERT_NE(NULL, buf);
	lines = 0;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#')
			continue;
		ASSERT_EQ(NULL, strstr(line, " linux "));
		lines++;
	}
	free(buf);
	ASSERT_EQ(TCPFSM_NRULES - linux_rules, lines);
}

/* Every file docs/debugfs.md names. */
static const char *const contract_files[] = {
	"transitions", "states", "stats", "illegal", "table", "control",
	"lifecycle", "dwell", "netns", "inject",
};

/* Whether a module with these stats must have file @name. */
static bool expected_file(struct __test_metadata *_metadata, const char *name)
{
	unsigned int i;

	for (i = 0; i < 6; i++)	/* the first six are always there */
		if (!strcmp(name, contract_files[i]))
			return true;
	if (!strcmp(name, "lifecycle"))
		return stat_of(_metadata, "timewait_tracking") == 1;
	if (!strcmp(name, "dwell"))
		return stat_of(_metadata, "dwell") == 1;
	if (!strcmp(name, "netns"))
		return stat_of(_metadata, "netns_cap") != 0;
	if (!strcmp(name, "inject"))
		return stat_of(_metadata, "inject") == 1;
	return false;
}

/*
 * Root-only files: 0400 to read, 0200 to write; nobody else gets in.  Every
 * file of a module with every feature on, found by listing the directory,
 * and no file the contract does not name.
 */
TEST_F(iface, permissions_root_only)
{
	char files[16][64];
	unsigned int i, n = 0;
	struct dirent *d;
	pid_t pid;
	DIR *dir;
	int status;

	tf_load(_metadata, "inject=1 dwell=1");
	ASSERT_EQ(1, stat_of(_metadata, "timewait_tracking"));
	dir = opendir(TF_DEBUGFS);
	ASSERT_NE(NULL, dir);
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		ASSERT_GT(16, n);
		ASSERT_TRUE(expected_file(_metadata, d->d_name)) TH_LOG("%s", d->d_name);
		/* a name of the contract, so it fits */
		strcpy(files[n++], d->d_name);
	}
	closedir(dir);
	/* Every feature is on: every file of the contract is there. */
	for (i = 0; i < sizeof(contract_files) / sizeof(*contract_files); i++) {
		char path[128];

		snprintf(path, sizeof(path), TF_DEBUGFS "/%s", contract_files[i]);
		ASSERT_TRUE(expected_file(_metadata, contract_files[i]));
		ASSERT_EQ(0, access(path, F_OK)) TH_LOG("%s", path);
	}
	ASSERT_EQ(sizeof(contract_files) / sizeof(*contract_files), n);

	for (i = 0; i < n; i++) {
		char path[128];
		struct stat st;
		bool writer = !strcmp(files[i], "control") ||
			      !strcmp(files[i], "inject");

		snprintf(path, sizeof(path), TF_DEBUGFS "/%.63s", files[i]);
		ASSERT_EQ(0, stat(path, &st));
		ASSERT_EQ(writer ? 0200 : 0400, st.st_mode & 07777) TH_LOG("%s", path);
		ASSERT_EQ(0, st.st_uid);
		ASSERT_EQ(0, st.st_gid);
	}

	pid = tf_fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(10);
		/* The directory itself is open to us: the files must refuse. */
		if (access(TF_DEBUGFS, X_OK))
			_exit(11);
		for (i = 0; i < n; i++) {
			char path[128];

			snprintf(path, sizeof(path), TF_DEBUGFS "/%.63s", files[i]);
			if (open(path, O_RDONLY) >= 0 || errno != EACCES)
				_exit(20 + i);
			if (open(path, O_WRONLY) >= 0 || errno != EACCES)
				_exit(40 + i);
		}
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status)) TH_LOG("file %s",
		files[WEXITSTATUS(status) % 20 < n ? WEXITSTATUS(status) % 20 : 0]);
}

/*
 * The "table" file against RFC 9293 (tf_reference_pairs), both ways: each
 * line a legal pair with the reference's verdict in force, and every legal
 * pair a line.
 */
static void assert_table_file(struct __test_metadata *_metadata, bool strict)
{
	char *buf, *line, *save = NULL;
	unsigned int i, lines = 0, want = 0;

	buf = tf_slurp(TF_DEBUGFS "/table");
	ASSERT_NE(NULL, buf);
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char from[32], to[32], verdict[16], flags[32];
		const char *want_flags = "-";
		int f, t, v;

		if (line[0] == '#')
			continue;
		ASSERT_EQ(4, sscanf(line, "%31s %31s %15s %31s", from, to, verdict,
				    flags));
		f = tf_state_parse(from);
		t = tf_state_parse(to);
		v = tf_reference_verdict(f, t, strict);
		ASSERT_NE(TCPFSM_ILLEGAL, v) TH_LOG("%s: illegal in RFC 9293", line);
		ASSERT_STREQ(tcpfsm_verdict_names[v], verdict) TH_LOG("%s", line);
		if (tf_reference_find(f, t)->flags & TCPFSM_BIRTH)
			want_flags = "birth";
		else if (tf_reference_find(f, t)->flags & TCPFSM_UNTRACED)
			want_flags = "untraced";
		ASSERT_STREQ(want_flags, flags) TH_LOG("%s", line);
		lines++;
	}
	free(buf);
	for (i = 0; i < TF_NREFERENCE; i++)
		want += tf_reference_verdict(tf_reference_pairs[i].from,
					     tf_reference_pairs[i].to,
					     strict) != TCPFSM_ILLEGAL;
	ASSERT_EQ(want, lines);
}

/*
 * Every pair of the eleven RFC states injected once: judged illegal
 * exactly when RFC 9293 (tf_reference_pairs) says so, with strict mode
 * making the Linux pairs illegal too; logged in order; and the table file
 * in force says the same.
 */
static void all_pairs(struct __test_metadata *_metadata, bool strict)
{
	enum { N = TF_NRFC_STATES * TF_NRFC_STATES };
	struct tf_record *recs = calloc(N + 1, sizeof(*recs));
	int pairs[N][2], nbad = 0, k;
	uint64_t illegal = 0;
	unsigned int i, j;
	char line[64];

	ASSERT_NE(NULL, recs);
	tf_load(_metadata, strict ? "inject=1 strict=1" : "inject=1");
	for (i = 0; i < TF_NRFC_STATES; i++)
		for (j = 0; j < TF_NRFC_STATES; j++) {
			int f = tf_rfc_states[i], t = tf_rfc_states[j];
			int v = tf_reference_verdict(f, t, strict);

			snprintf(line, sizeof(line), "TCP %s %s",
				 tcpfsm_state_names[f], tcpfsm_state_names[t]);
			ASSERT_EQ(0, tf_write("inject", line));
			if (v == TCPFSM_ILLEGAL) {
				pairs[nbad][0] = f;
				pairs[nbad++][1] = t;
			}
			ASSERT_EQ(0, tf_read_stat("illegal", &illegal));
			ASSERT_EQ((uint64_t)nbad, illegal)
				TH_LOG("%s with strict=%d: RFC 9293 says %s", line,
				       strict, tcpfsm_verdict_names[v]);
		}
	ASSERT_EQ(N, stat_of(_metadata, "injected"));
	ASSERT_EQ(0, stat_of(_metadata, "unknown_state"));
	ASSERT_EQ(0, stat_of(_metadata, "events"));
	ASSERT_EQ(nbad, (int)stat_of(_metadata, "log_records"));
	ASSERT_EQ(nbad, tf_read_log(recs, N + 1));
	for (k = 0; k < nbad; k++) {
		ASSERT_STREQ(tcpfsm_state_names[pairs[k][0]],
			     tf_record_get(&recs[k], "from"));
		ASSERT_STREQ(tcpfsm_state_names[pairs[k][1]],
			     tf_record_get(&recs[k], "to"));
		ASSERT_STREQ("1", tf_record_get(&recs[k], "injected"));
	}
	assert_table_file(_metadata, strict);
	free(recs);
}

TEST_F(iface, every_pair_judged_as_rfc9293_says)
{
	all_pairs(_metadata, false);
}

TEST_F(iface, every_pair_judged_as_rfc9293_says_strict)
{
	all_pairs(_metadata, true);
}

TEST_HARNESS_MAIN
TF_STRETCH_TIMEOUTS
