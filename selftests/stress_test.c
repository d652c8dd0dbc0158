// SPDX-License-Identifier: GPL-2.0
/*
 * stress_test.c - the stress campaign: tcpfsm loaded and unloaded under
 * load, a flood of illegal transitions from both CPUs, a thousand network
 * namespaces, allocation failures at load, and hostile input.
 *
 * Each test is bounded in count (and by the harness in time) and ends with
 * one line of figures, which docs/RELIABILITY.md quotes:
 *
 *	# stress: TEST key=value ... seconds=S
 *
 * The default sizes keep the whole program within a few minutes under TCG,
 * as every "make check" and "make matrix" runs it.  A longer campaign, on
 * the debug kernel for instance, raises them from the environment; in the
 * guest, from the kernel command line, whose NAME=value words the kernel
 * hands to init's environment (VM_APPEND="STRESS_CYCLES=1000" make check):
 *
 *	STRESS_CYCLES=200	load_unload: loads and unloads
 *	STRESS_CHURN_NETNS=3	load_unload: namespaces running connection churn
 *	STRESS_READERS=4	load_unload: processes inside the debugfs files
 *	STRESS_GAUGE_EVERY=13	load_unload: cycles between exact gauge checks
 *				(prime to the 5 configurations, so that
 *				every one is checked)
 *	STRESS_FLOOD_WRITES=5500 log_flood: injections from each CPU
 *	STRESS_FLOOD_LOG_SIZE=4	log_flood: the module's log_size
 *	STRESS_NETNS=1000	netns_churn: namespaces created and deleted
 *	STRESS_NETNS_ALIVE=8	netns_churn: namespaces alive at once
 *	STRESS_NETNS_CAP=4	netns_churn: the module's netns_cap
 *	STRESS_FAULT_MAX=1500	fault_injection: allocations failed in turn
 *	STRESS_FAULT_MIN_ORDER=1 fault_injection: smallest page order failed
 *	STRESS_HOSTILE=12000	hostile_input: hostile writes
 *	STRESS_SEED=N		hostile_input: PRNG seed (default from the clock)
 *	STRESS_TIMEOUT=S	every test: the harness's limit, in seconds
 *
 * The kernel log is checked after every test against the patterns every
 * test uses (tf_klog_classify()); fault_injection marks the stretch where
 * the kernel's reports of the allocations it fails are expected.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../tools/traffic/scenarios.h"
#include "kselftest_harness.h"
#include "tcpfsm_lib.h"

#define KO_DEFAULT	"/lib/tcpfsm/tcpfsm.ko"
#define TOOL_DEFAULT	"/bin/tcpfsm"
#define WRITE_MAX	256	/* the module's longest write, newline included */

#define ADD(x, n)	__atomic_add_fetch(&(x), (n), __ATOMIC_RELAXED)
#define GET(x)		__atomic_load_n(&(x), __ATOMIC_SEQ_CST)
#define SET(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_SEQ_CST)

/* Sizes of the campaign */

/* STRESS_<name> from the environment, or @def. */
static unsigned long knob(const char *name, unsigned long def)
{
	char env[64], *end;
	unsigned long n;
	const char *v;

	snprintf(env, sizeof(env), "STRESS_%s", name);
	v = getenv(env);
	if (!v || !*v)
		return def;
	errno = 0;
	n = strtoul(v, &end, 0);
	if (errno || *end) {
		fprintf(stderr, "# %s=%s is not a number: using %lu\n", env, v,
			def);
		return def;
	}
	return n;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* The figures of one test, on one line that starts with "# stress:". */
static void __attribute__((format(printf, 2, 3)))
report(const char *test, const char *fmt, ...)
{
	va_list ap;

	printf("# stress: %s ", test);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/* xorshift64*: fast, and the same sequence from the same seed. */
static uint64_t rnd(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dULL;
}

static unsigned int rnd_below(uint64_t *s, unsigned int n)
{
	return n ? rnd(s) % n : 0;
}

/* Memory shared with the processes a test forks. */
static void *shared(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static int ncpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? n : 1;
}

static int pin_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

/* The first unexpected thing a worker saw, for the test to report. */
struct first_error {
	uint64_t count;
	int taken;
	char what[256];
};

static void __attribute__((format(printf, 2, 3)))
note(struct first_error *e, const char *fmt, ...)
{
	va_list ap;

	ADD(e->count, 1);
	if (__atomic_exchange_n(&e->taken, 1, __ATOMIC_ACQ_REL))
		return;
	va_start(ap, fmt);
	vsnprintf(e->what, sizeof(e->what), fmt, ap);
	va_end(ap);
}

/* The kernel log, read from where a test started */

/*
 * What the kernel reports when something is wrong: the library's list,
 * and what lockdep, KASAN, KFENCE, debugobjects and PREEMPT_RT print.
 */
struct klog {
	int fd;
	bool lost;		/* records were overwritten before we read them */
	bool injecting;		/* inside fault_injection's window */
};

/* Start reading the kernel log at its end: only what comes next. */
static int klog_open(struct klog *k)
{
	k->lost = false;
	k->injecting = false;
	k->fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (k->fd < 0)
		return -1;
	return lseek(k->fd, 0, SEEK_END) < 0 ? -1 : 0;
}

static void klog_close(struct klog *k)
{
	if (k->fd >= 0)
		close(k->fd);
	k->fd = -1;
}

/* The next record's text (without its prefix): 1, or 0 at the end. */
static int klog_next(struct klog *k, char *msg, size_t len)
{
	char rec[8192], *text;
	ssize_t n;

	for (;;) {
		n = read(k->fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE) {
			k->lost = true;
			continue;
		}
		if (n <= 0)
			return 0;
		rec[n] = '\0';
		text = strchr(rec, ';');
		text = text ? text + 1 : rec;
		n = strnlen(text, len - 1);
		memcpy(msg, text, n);
		msg[n] = '\0';
		return 1;
	}
}

struct klog_scan {
	int problems;		/* records that show a kernel problem */
	int alloc_reports;	/* reports excused while failures are injected */
	bool module_line;	/* "tcpfsm: not loaded: ..." */
	unsigned int seedings;	/* loads that seeded the gauges */
	unsigned long seed_busy;	/* sockets they found busy and waited for */
	char first[512];	/* the first problem */
};

/*
 * Read what the kernel logged since the last call, against the shared
 * pattern file (tf_klog_classify()): inside fault_injection's window the
 * kernel's reports of the allocations it failed are expected.
 */
static void klog_scan(struct klog *k, struct klog_scan *s)
{
	unsigned long seeded, busy;
	char msg[1024];
	const char *p;
	int kind;

	memset(s, 0, sizeof(*s));
	while (klog_next(k, msg, sizeof(msg))) {
		if (strstr(msg, "tcpfsm: not loaded: "))
			s->module_line = true;
		p = strstr(msg, "tcpfsm: gauges seeded with ");
		if (p && sscanf(p, "tcpfsm: gauges seeded with %lu sockets (%lu",
				&seeded, &busy) == 2) {
			s->seedings++;
			s->seed_busy += busy;
		}
		kind = tf_klog_classify(msg, &k->injecting);
		if (kind == TF_KLOG_EXPECTED)
			s->alloc_reports++;
		if (kind == TF_KLOG_FINE || kind == TF_KLOG_EXPECTED)
			continue;
		if (!s->problems++)
			snprintf(s->first, sizeof(s->first), "%.*s",
				 (int)sizeof(s->first) - 1,
				 kind < 0 ? "cannot read the kernel log patterns" : msg);
	}
}

/* Processes that a test forks: workers, readers, writers */

#define CREW_MAX 16

struct crew {
	int n;
	int nice;		/* of its members: the test's own work comes first */
	pid_t pid[CREW_MAX];
	int status[CREW_MAX];
	bool reaped[CREW_MAX];
};

typedef void (*crew_fn)(void *arg, int idx);

/* Run @fn(@arg, @idx) in a child that dies with the test. */
static pid_t crew_start(struct crew *c, crew_fn fn, void *arg, int idx)
{
	pid_t parent = getpid(), pid;

	if (c->n == CREW_MAX) {
		errno = ENOSPC;
		return -1;
	}
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent ||
		    (c->nice && nice(c->nice) < 0))
			_exit(100);
		fn(arg, idx);
		_exit(0);
	}
	if (pid > 0) {
		c->pid[c->n] = pid;
		c->reaped[c->n] = false;
		c->n++;
	}
	return pid;
}

/* The index of a member that has exited already, or -1. */
static int crew_dead(struct crew *c)
{
	int i;

	for (i = 0; i < c->n; i++) {
		if (c->reaped[i])
			return i;
		if (waitpid(c->pid[i], &c->status[i], WNOHANG) == c->pid[i]) {
			c->reaped[i] = true;
			return i;
		}
	}
	return -1;
}

/*
 * Wait @ms at most for every member to exit (the test told them to), then
 * kill what is left.  Returns how many did not exit with status 0.
 */
static int crew_join(struct crew *c, int ms)
{
	long long deadline = now_ms() + tf_slow() * ms;
	int i, left, bad = 0;

	do {
		left = 0;
		for (i = 0; i < c->n; i++) {
			if (c->reaped[i])
				continue;
			if (waitpid(c->pid[i], &c->status[i], WNOHANG) ==
			    c->pid[i])
				c->reaped[i] = true;
			else
				left++;
		}
		if (left)
			usleep(2000);
	} while (left && now_ms() < deadline);
	for (i = 0; i < c->n; i++) {
		if (!c->reaped[i]) {
			kill(c->pid[i], SIGKILL);
			waitpid(c->pid[i], &c->status[i], 0);
			c->reaped[i] = true;
			if (ms)
				fprintf(stderr, "# member %d (pid %d) did not finish in %d ms\n",
					i, (int)c->pid[i], ms);
			bad++;
		} else if (!WIFEXITED(c->status[i]) ||
			   WEXITSTATUS(c->status[i])) {
			fprintf(stderr, "# member %d (pid %d) ended with status %#x\n",
				i, (int)c->pid[i], c->status[i]);
			bad++;
		}
	}
	c->n = 0;
	return bad;
}

/* Wait for the member @pid, which was told to finish; its wait status. */
static int crew_wait(struct crew *c, pid_t pid)
{
	int i;

	for (i = 0; i < c->n; i++) {
		if (c->pid[i] != pid)
			continue;
		if (!c->reaped[i] && waitpid(pid, &c->status[i], 0) == pid)
			c->reaped[i] = true;
		return c->reaped[i] ? c->status[i] : -1;
	}
	return -1;
}

static void crew_signal(struct crew *c, int first, int n, int sig)
{
	int i;

	for (i = first; i < first + n && i < c->n; i++)
		if (!c->reaped[i])
			kill(c->pid[i], sig);
}

/* Connection churn: every scenario, in a loop, until told to stop. */
struct churn {
	int stop;
	bool own_netns;		/* each worker in a namespace of its own */
	unsigned int pause_us;	/* between two scenarios: leave CPU to others */
	uint64_t runs;
	struct first_error err;
};

static void churn_worker(void *arg, int idx)
{
	struct churn *ch = arg;
	int family = idx % 2 ? AF_INET6 : AF_INET;
	unsigned int i;

	if (ch->own_netns && tf_new_netns()) {
		note(&ch->err, "worker %d: new namespace: %s", idx,
		     strerror(errno));
		_exit(1);
	}
	if (pin_cpu(idx % ncpus())) {
		note(&ch->err, "worker %d: pin: %s", idx, strerror(errno));
		_exit(1);
	}
	while (!GET(ch->stop)) {
		for (i = 0; i < tf_nscenarios && !GET(ch->stop); i++) {
			const struct tf_scenario *s = &tf_scenarios[i];

			if (s->run(family)) {
				note(&ch->err, "worker %d: scenario %s failed",
				     idx, s->name);
				_exit(1);
			}
			ADD(ch->runs, 1);
			if (ch->pause_us)
				usleep(ch->pause_us);
		}
		family = family == AF_INET ? AF_INET6 : AF_INET;
	}
}

/* The debugfs files, and what a line of each looks like */

/*
 * The columns of each readable file (docs/debugfs.md): w a word, n an
 * unsigned number, g a gauge ("-" or a signed number), N a namespace
 * inode or "other", v a verdict, r the rest of the line (spaces allowed),
 * k the key=value fields of an illegal record.
 */
struct dfile {
	const char *name;
	const char *columns;
};

static const struct dfile dfiles[] = {
	{ "transitions", "wwwnv" },
	{ "states", "wwgnn" },
	{ "stats", "ww" },
	{ "illegal", "k" },
	{ "table", "wwwwr" },
	{ "lifecycle", "wwn" },
	{ "dwell", "wwwn" },
	{ "netns", "Nwwgnn" },
};

static const struct dfile *dfile_find(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(dfiles); i++)
		if (!strcmp(dfiles[i].name, name))
			return &dfiles[i];
	return NULL;
}

static bool is_number(const char *s, size_t n)
{
	size_t i;

	if (!n)
		return false;
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static bool column_ok(char kind, const char *s, size_t n)
{
	switch (kind) {
	case 'n':
		return is_number(s, n);
	case 'g':
		if (n == 1 && *s == '-')
			return true;
		return *s == '-' ? is_number(s + 1, n - 1) : is_number(s, n);
	case 'N':
		return (n == 5 && !strncmp(s, "other", 5)) || is_number(s, n);
	case 'v':
		return (n == 3 && !strncmp(s, "rfc", 3)) ||
		       (n == 5 && !strncmp(s, "linux", 5)) ||
		       (n == 7 && !strncmp(s, "illegal", 7)) ||
		       (n == 1 && *s == '-');
	default:
		return n > 0;
	}
}

/* The fields of an illegal record, in the documented order. */
static const char *const record_keys[] = {
	"seq", "ts_ns", "cpu", "pid", "comm", "ctx", "netns", "uid", "cgroup",
	"proto", "family", "src", "dst", "from", "to", "injected", "stack",
};

#define NKEYS ARRAY_SIZE(record_keys)
enum {
	R_SEQ, R_TS, R_CPU, R_PID, R_COMM, R_CTX, R_NETNS, R_UID, R_CGROUP,
	R_PROTO, R_FAMILY, R_SRC, R_DST, R_FROM, R_TO, R_INJECTED, R_STACK,
};

struct record {
	char buf[4096];
	const char *v[NKEYS];
	uint64_t seq;
};

struct endpoint {
	int family;
	unsigned char addr[16];
	unsigned int port;
};

/* "1.2.3.4:80" or "[::1]:80", as the module prints them. */
static int endpoint_parse(const char *s, struct endpoint *e)
{
	char host[64];
	const char *port;
	size_t n;

	memset(e, 0, sizeof(*e));
	if (*s == '[') {
		port = strchr(s, ']');
		if (!port || port[1] != ':')
			return -1;
		n = port - s - 1;
		port += 2;
		e->family = AF_INET6;
		s++;
	} else {
		port = strrchr(s, ':');
		if (!port)
			return -1;
		n = port - s;
		port++;
		e->family = AF_INET;
	}
	if (n >= sizeof(host) || !is_number(port, strlen(port)) ||
	    strlen(port) > 5 || atoi(port) > 65535)
		return -1;
	memcpy(host, s, n);
	host[n] = '\0';
	e->port = atoi(port);
	return inet_pton(e->family, host, e->addr) == 1 ? 0 : -1;
}

static bool endpoint_equal(const struct endpoint *a, const struct endpoint *b)
{
	return a->family == b->family && a->port == b->port &&
	       !memcmp(a->addr, b->addr, a->family == AF_INET ? 4 : 16);
}

/* "symbol+0x1/0x2" or "symbol+0x1/0x2[module]", or a bare address. */
static bool frame_ok(const char *s, size_t n)
{
	const char *end = s + n, *p = s;

	if (n > 2 && !strncmp(s, "0x", 2))
		return strspn(s + 2, "0123456789abcdef") == n - 2;
	while (p < end && *p != '+')
		p++;
	if (p == s || end - p < 6 || strncmp(p, "+0x", 3))
		return false;
	p += 3;
	p += strspn(p, "0123456789abcdef");
	if (p >= end || strncmp(p, "/0x", 3))
		return false;
	p += 3;
	p += strspn(p, "0123456789abcdef");
	if (p == end)
		return true;
	return *p == '[' && end[-1] == ']' && end - p > 2;
}

/* comm: bytes 0x21..0x7e, anything else (and \) as \xNN. */
static bool comm_ok(const char *s)
{
	for (; *s; s++) {
		if (*s == '\\') {
			if (s[1] != 'x' || !strchr("0123456789abcdef", s[2]) ||
			    !s[2] || !strchr("0123456789abcdef", s[3]) || !s[3])
				return false;
			s += 3;
		} else if (*s < 0x21 || *s > 0x7e) {
			return false;
		}
	}
	return true;
}

/*
 * Split one line of the illegal file into its fields and check each one
 * on its own: a torn or garbled record fails here.
 */
static int record_parse(const char *line, size_t len, struct record *r,
			char *err, size_t errlen)
{
	struct endpoint src, dst;
	char *p, *save = NULL;
	size_t k;

	if (len >= sizeof(r->buf)) {
		snprintf(err, errlen, "record of %zu bytes", len);
		return -1;
	}
	memcpy(r->buf, line, len);
	r->buf[len] = '\0';
	for (k = 0, p = strtok_r(r->buf, " ", &save); p;
	     p = strtok_r(NULL, " ", &save), k++) {
		size_t klen = strlen(record_keys[k < NKEYS ? k : 0]);

		if (k >= NKEYS || strncmp(p, record_keys[k], klen) ||
		    p[klen] != '=') {
			snprintf(err, errlen, "field %zu is not %s=: %.200s", k,
				 k < NKEYS ? record_keys[k] : "(none)", line);
			return -1;
		}
		r->v[k] = p + klen + 1;
	}
	if (k != NKEYS) {
		snprintf(err, errlen, "%zu fields: %.200s", k, line);
		return -1;
	}
	for (k = 0; k < NKEYS; k++) {
		const char *v = r->v[k];
		bool ok = true;

		switch (k) {
		case R_SEQ: case R_TS: case R_CPU: case R_PID: case R_NETNS:
		case R_UID: case R_CGROUP:
			ok = is_number(v, strlen(v));
			break;
		case R_COMM:
			ok = comm_ok(v);
			break;
		case R_CTX:
			ok = !strcmp(v, "task") || !strcmp(v, "softirq") ||
			     !strcmp(v, "irq");
			break;
		case R_PROTO:
			ok = tf_proto_parse(v) >= 0;
			break;
		case R_FAMILY:
			ok = !strcmp(v, "inet") || !strcmp(v, "inet6");
			break;
		case R_SRC:
		case R_DST:
			ok = !endpoint_parse(v, k == R_SRC ? &src : &dst) &&
			     (k == R_SRC ? src : dst).family ==
			     (strcmp(r->v[R_FAMILY], "inet6") ? AF_INET : AF_INET6);
			break;
		case R_FROM:
		case R_TO:
			ok = *v != '\0';
			break;
		case R_INJECTED:
			ok = !strcmp(v, "0") || !strcmp(v, "1");
			break;
		case R_STACK:
			if (!strcmp(v, "-"))
				break;
			while (ok && *v) {
				size_t n = strcspn(v, ",");

				ok = frame_ok(v, n);
				v += n + (v[n] == ',');
			}
			break;
		}
		if (!ok) {
			snprintf(err, errlen, "bad %s in: %.200s",
				 record_keys[k], line);
			return -1;
		}
	}
	r->seq = strtoull(r->v[R_SEQ], NULL, 10);
	return 0;
}

/* Called for every record of a read of the illegal file. */
typedef int (*record_fn)(const struct record *r, void *ctx, char *err,
			 size_t errlen);

/*
 * Check one complete read of a debugfs file: its header, and every line
 * as its columns say.  Returns the number of data lines, or -1.
 */
static int dfile_check(const struct dfile *df, const char *text,
		       record_fn fn, void *ctx, char *err, size_t errlen)
{
	static struct record rec;
	char header[64];
	const char *line = text, *nl;
	uint64_t last_seq = 0;
	bool data = false;
	int lines = 0;

	snprintf(header, sizeof(header), "# tcpfsm %s format %d\n", df->name,
		 TCPFSM_FORMAT_VERSION);
	if (strncmp(text, header, strlen(header))) {
		snprintf(err, errlen, "%s: first line: %.80s", df->name, text);
		return -1;
	}
	for (; *line; line = nl + 1) {
		const char *col = df->columns, *f = line;
		size_t len;

		nl = strchr(line, '\n');
		if (!nl) {
			snprintf(err, errlen, "%s: unterminated line: %.200s",
				 df->name, line);
			return -1;
		}
		len = nl - line;
		if (*line == '#' && !data)
			continue;
		data = true;
		lines++;
		if (*col == 'k') {
			if (record_parse(line, len, &rec, err, errlen))
				return -1;
			if (rec.seq <= last_seq) {
				snprintf(err, errlen, "seq %" PRIu64 " after %" PRIu64,
					 rec.seq, last_seq);
				return -1;
			}
			last_seq = rec.seq;
			if (fn && fn(&rec, ctx, err, errlen))
				return -1;
			continue;
		}
		for (; *col; col++) {
			size_t n = *col == 'r' ? (size_t)(nl - f) :
						 strcspn(f, "\n ");

			if (!column_ok(*col, f, n))
				break;
			f += n;
			if (col[1] && *f != ' ')
				break;
			if (col[1])
				f++;
		}
		if (*col || f != nl) {
			snprintf(err, errlen, "%s: bad line: %.*s", df->name,
				 (int)(len > 200 ? 200 : len), line);
			return -1;
		}
	}
	return lines;
}

/*
 * Read @fd from where it is to its end, in reads of 1 to @chunk bytes.
 * Returns the text (malloc'ed) or NULL with errno set.
 */
static char *read_chunked(int fd, uint64_t *rng, unsigned int chunk,
			  uint64_t *reads)
{
	size_t len = 0, cap = 16384;
	char *buf = malloc(cap), *bigger;
	ssize_t n;

	while (buf) {
		size_t want = 1 + rnd_below(rng, chunk);

		if (len + want + 1 > cap) {
			bigger = realloc(buf, cap * 2);
			if (!bigger)
				break;
			buf = bigger;
			cap *= 2;
		}
		n = read(fd, buf + len, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		if (reads)
			ADD(*reads, 1);
		if (!n) {
			buf[len] = '\0';
			return buf;
		}
		len += n;
	}
	n = errno;
	free(buf);
	errno = n;
	return NULL;
}

/* The value of @key in the text of the stats file. */
static int stat_in(const char *stats, const char *key, uint64_t *v)
{
	size_t klen = strlen(key);
	const char *p;

	for (p = stats; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, key, klen) && p[klen] == ' ') {
			*v = strtoull(p + klen + 1, NULL, 10);
			return 0;
		}
	return -1;
}

static uint64_t stat_of(struct __test_metadata *_metadata, const char *key)
{
	uint64_t v = 0;

	EXPECT_EQ(0, tf_read_stat(key, &v)) TH_LOG("stats key %s", key);
	return v;
}

/*
 * Whether the module publishes every file it should with the parameters
 * it reports, and no other; what is wrong in @err.
 */
static bool files_complete(char *err, size_t len)
{
	static const char *const always[] = {
		"transitions", "states", "stats", "illegal", "table", "control",
	};
	static const struct {
		const char *file, *key;
	} optional[] = {
		{ "lifecycle", "timewait_tracking" }, { "dwell", "dwell" },
		{ "netns", "netns_cap" }, { "inject", "inject" },
	};
	char path[128];
	uint64_t v;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(always); i++) {
		snprintf(path, sizeof(path), TF_DEBUGFS "/%s", always[i]);
		if (access(path, F_OK))
			return snprintf(err, len, "%s is missing", path), false;
	}
	for (i = 0; i < ARRAY_SIZE(optional); i++) {
		if (tf_read_stat(optional[i].key, &v))
			return snprintf(err, len, "no %s in stats", optional[i].key), false;
		snprintf(path, sizeof(path), TF_DEBUGFS "/%s", optional[i].file);
		if (!v != !!access(path, F_OK))
			return snprintf(err, len, "%s %s with %s %" PRIu64, path,
					v ? "is missing" : "exists",
					optional[i].key, v), false;
	}
	return true;
}

static void assert_files(struct __test_metadata *_metadata)
{
	char err[256];

	ASSERT_TRUE(files_complete(err, sizeof(err))) TH_LOG("%s", err);
}

/* Read every readable file whole, in small reads, and check its lines. */
static void assert_files_read(struct __test_metadata *_metadata,
			      uint64_t *rng)
{
	char path[128], err[512];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(dfiles); i++) {
		char *text;
		int fd;

		snprintf(path, sizeof(path), TF_DEBUGFS "/%s", dfiles[i].name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT)
			continue;	/* assert_files() says if it should be */
		ASSERT_LE(0, fd) TH_LOG("%s: %s", path, strerror(errno));
		text = read_chunked(fd, rng, 64, NULL);
		close(fd);
		ASSERT_NE(NULL, text) TH_LOG("%s: %s", path, strerror(errno));
		err[0] = '\0';
		EXPECT_LE(0, dfile_check(&dfiles[i], text, NULL, NULL, err,
					 sizeof(err))) TH_LOG("%s", err);
		free(text);
	}
}

/* Unload, retrying while a file is held open; counts the refusals. */
static int unload_patiently(uint64_t *refused)
{
	long long deadline = now_ms() + tf_slow() * 30000;

	for (;;) {
		if (!syscall(SYS_delete_module, "tcpfsm", O_NONBLOCK))
			return 0;
		if (errno != EAGAIN && errno != EBUSY)
			return -errno;
		(*refused)++;
		if (now_ms() > deadline)
			return -EBUSY;
		usleep(1000);
	}
}

/* Sockets of every network namespace, from /proc/net/tcp{,6} */

struct proc_tcp {
	int full[TCPFSM_NSLOTS];
	int timewait[TCPFSM_NSLOTS];	/* by substate */
	int requests;			/* request socks, listed as SYN_RECV */
};

/*
 * Add the rows of /proc/PID/net/tcp and tcp6 (the namespace of @pid) to
 * @p.  Request socks have no inode and no reference: no gauge counts
 * them.
 */
static int proc_tcp_add(pid_t pid, struct proc_tcp *p)
{
	static const char *const files[] = { "tcp", "tcp6" };
	size_t f;

	for (f = 0; f < ARRAY_SIZE(files); f++) {
		char path[64], *buf, *line, *save = NULL;

		snprintf(path, sizeof(path), "/proc/%d/net/%s", (int)pid,
			 files[f]);
		buf = tf_slurp(path);
		if (!buf)
			return -1;
		line = strtok_r(buf, "\n", &save);	/* the header */
		while ((line = strtok_r(NULL, "\n", &save))) {
			unsigned int state, timer;
			unsigned long inode;
			int refs;

			if (sscanf(line, " %*d: %*s %*s %x %*x:%*x %x:%*x %*x %*u %*d %lu %d",
				   &state, &timer, &inode, &refs) != 4 ||
			    state >= TCPFSM_NSLOTS) {
				free(buf);
				errno = EPROTO;
				return -1;
			}
			if (timer == 3)
				p->timewait[state]++;
			else if (state == TCPFSM_SYN_RECV && !inode && !refs)
				p->requests++;
			else
				p->full[state]++;
		}
		free(buf);
	}
	return 0;
}

/*
 * Every network namespace a task holds, one task of each, and the sockets
 * of all of them together.  Returns how many namespaces, or -1.
 */
static int proc_tcp_census(struct proc_tcp *p, unsigned long long *inodes,
			   int max)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int n = 0, i;

	if (!d)
		return -1;
	memset(p, 0, sizeof(*p));
	while ((de = readdir(d))) {
		char path[64];
		struct stat st;
		pid_t pid = atoi(de->d_name);

		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
		if (stat(path, &st))
			continue;	/* gone, or a zombie */
		for (i = 0; i < n; i++)
			if (inodes[i] == st.st_ino)
				break;
		if (i < n || n == max)
			continue;
		if (proc_tcp_add(pid, p))
			continue;	/* it exited meanwhile: another may hold it */
		inodes[n++] = st.st_ino;
	}
	closedir(d);
	return n;
}

/* The CURRENT column of every TCP row of the netns file, summed. */
static int netns_current_sum(int64_t *sum, unsigned long long *inodes,
			     int *ninodes, int max)
{
	char *buf = tf_slurp(TF_DEBUGFS "/netns"), *line, *save = NULL;

	if (!buf)
		return -1;
	memset(sum, 0, TCPFSM_NSLOTS * sizeof(*sum));
	*ninodes = 0;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char ns[32], proto[16], state[32], cur[32];
		int s;

		if (*line == '#')
			continue;
		if (sscanf(line, "%31s %15s %31s %31s", ns, proto, state, cur) != 4)
			goto bad;
		if (inodes && strcmp(ns, "other") && *ninodes < max &&
		    (!*ninodes || inodes[*ninodes - 1] != strtoull(ns, NULL, 10)))
			inodes[(*ninodes)++] = strtoull(ns, NULL, 10);
		if (strcmp(proto, "TCP") || !strcmp(cur, "-"))
			continue;
		s = tf_state_parse(state);
		if (s < 0 || s >= TCPFSM_NSLOTS)
			goto bad;
		sum[s] += strtoll(cur, NULL, 10);
	}
	free(buf);
	return 0;
bad:
	free(buf);
	errno = EPROTO;
	return -1;
}

/* Whether the module keeps a gauge of TCP state @s (docs/debugfs.md). */
static bool has_gauge(int s, bool timewait)
{
	if (s == TCPFSM_TIME_WAIT)
		return timewait;
	return tcpfsm_state_name(s) && s != TCPFSM_CLOSE &&
	       s != TCPFSM_NEW_SYN_RECV && s != TCPFSM_BOUND_INACTIVE;
}

/*
 * Every gauge of "states" equals the sockets of every namespace together
 * in /proc/net/tcp{,6}, within seed_uncertain (sockets the seeding at load
 * could not place exactly, which can outlive a cycle in TIME_WAIT), and
 * the rows of "netns" add up to it.  Both sides are read until they
 * describe one instant: no event in between.  Call once the traffic is
 * stopped.
 */
static int gauges_match_proc(char *err, size_t len)
{
	unsigned long long inodes[512];
	int64_t ns_sum[TCPFSM_NSLOTS], off;
	uint64_t e1, e2, tw, uncertain, missed = 0;
	struct proc_tcp p;
	struct tf_states st;
	int attempt, s, nns = 0, dummy;
	bool netns = !access(TF_DEBUGFS "/netns", F_OK);

	/* Sockets the seeding could not place exactly (its set was full). */
	if (tf_read_stat("timewait_tracking", &tw) ||
	    tf_read_stat("seed_uncertain", &uncertain) ||
	    (tw && tf_read_stat("timewait_missed", &missed)))
		return snprintf(err, len, "stats: %s", strerror(errno)), -1;
	for (attempt = 0; attempt < 200; attempt++) {
		if (tf_read_stat("events", &e1) || tf_read_states(&st) ||
		    (netns && netns_current_sum(ns_sum, NULL, &dummy, 0)))
			return snprintf(err, len, "read: %s", strerror(errno)), -1;
		nns = proc_tcp_census(&p, inodes, ARRAY_SIZE(inodes));
		if (nns < 0 || tf_read_stat("events", &e2))
			return snprintf(err, len, "read: %s", strerror(errno)), -1;
		err[0] = '\0';
		for (s = 0; s < TCPFSM_NSLOTS && !err[0]; s++) {
			const struct tf_state_row *r = &st.row[TCPFSM_PROTO_TCP][s];
			int proc = p.full[s] + (tw ? p.timewait[s] : 0);

			if (!has_gauge(s, tw))
				continue;
			off = r->current - proc;
			if (!r->has_current || off > (int64_t)uncertain ||
			    -off > (int64_t)uncertain)
				snprintf(err, len, "%s: gauge %" PRId64 ", /proc/net/tcp of %d namespaces %d, seed_uncertain %" PRIu64 ", timewait_missed %" PRIu64,
					 tcpfsm_state_names[s], r->current, nns,
					 proc, uncertain, missed);
			else if (netns && ns_sum[s] != r->current)
				snprintf(err, len, "%s: gauge %" PRId64 ", netns rows %" PRId64,
					 tcpfsm_state_names[s], r->current,
					 ns_sum[s]);
		}
		if (!err[0] && e1 == e2)
			return 0;
		usleep(50000);
	}
	return -1;
}

/* Stop, or wait, until no tracepoint event comes for @quiet_ms. */
static int wait_quiet(int quiet_ms, int timeout_ms)
{
	long long deadline = now_ms() + tf_slow() * timeout_ms, since = now_ms();
	uint64_t last = UINT64_MAX, now;

	quiet_ms *= tf_slow();

	while (now_ms() < deadline) {
		if (tf_read_stat("events", &now))
			return -1;
		if (now != last) {
			last = now;
			since = now_ms();
		} else if (now_ms() - since >= quiet_ms) {
			return 0;
		}
		usleep(20000);
	}
	errno = ETIMEDOUT;
	return -1;
}

/* The fixture: a namespace of its own, a clean kernel log at the end */

#define NETNS_ALIVE_MAX 64

/* Files changed for a test, with what to write back: "path=value". */
struct saved_attrs {
	int n;
	char entry[64][160];
};

static void restore_attrs(struct saved_attrs *saved);

FIXTURE(stress) {
	struct klog klog;
	struct crew crew;
	bool injecting;		/* fault_injection: its window is open */
	pid_t ring[NETNS_ALIVE_MAX];	/* netns_churn: namespaces alive */
	int nring;
	struct saved_attrs saved;	/* fault_injection: to put back */
	long long start;
};

FIXTURE_SETUP(stress)
{
	ASSERT_EQ(0, tf_new_netns());
	ASSERT_EQ(0, klog_open(&self->klog));
	self->start = now_ms();
	if (tf_module_loaded())
		ASSERT_EQ(0, tf_module_unload());
}

FIXTURE_TEARDOWN(stress)
{
	struct klog_scan scan;
	int i;

	crew_join(&self->crew, 0);
	for (i = 0; i < self->nring; i++) {
		kill(self->ring[i], SIGKILL);
		waitpid(self->ring[i], NULL, 0);
	}
	restore_attrs(&self->saved);
	if (self->injecting)
		EXPECT_EQ(0, tf_klog_faults(false));
	if (tf_module_loaded())
		EXPECT_EQ(0, tf_module_unload());
	klog_scan(&self->klog, &scan);
	EXPECT_EQ(0, scan.problems) TH_LOG("kernel log: %s", scan.first);
	if (self->klog.lost)
		TH_LOG("the kernel log wrapped: some records were not checked");
	klog_close(&self->klog);
}

static double seconds_since(long long start_ms)
{
	return (now_ms() - start_ms) / 1000.0;
}

/*
 * load_unload
 *
 * The module is loaded and unloaded STRESS_CYCLES times, with a different
 * set of parameters each time, while connections churn on both CPUs in
 * STRESS_CHURN_NETNS namespaces, readers go in and out of every file
 * (partial reads, seeks both ways, files held open a while), and a writer
 * resets the counters.  Every cycle the test holds every file open
 * itself, the readers paused between two of their sessions: the unload
 * must be refused (debugfs pins the module while a file is open) and the
 * files must keep working; once they are closed the unload, with the
 * readers and the writer back at work, must succeed.  Each cycle ends with no illegal transition
 * (strict=0) and, every STRESS_GAUGE_EVERY cycles, with the churn paused
 * and every gauge equal to /proc/net/tcp of every namespace.
 */

static const char *const cycle_params[] = {
	"",
	"dwell=1 dwell_sockets=1024",
	"netns_cap=1 log_size=1",
	"timewait=0 inject=1",
	"netns_cap=0 log_size=4096",
};

/* What must stay zero with strict=0 and no injection. */
static const char *const lu_zero_keys[] = {
	"illegal", "unknown_state", "injected", "log_records", "log_dropped",
};

/*
 * A pause that the test asks for and its workers acknowledge between two
 * of their steps, never with a file open.
 */
struct pause {
	int on;
	uint64_t gen;
	uint64_t ack[CREW_MAX];
};

/* In worker @idx: if a pause is asked for, say so and wait a little. */
static bool paused(struct pause *p, int idx)
{
	if (!GET(p->on))
		return false;
	SET(p->ack[idx], GET(p->gen));
	usleep(500);
	return true;
}

/* Ask workers 0 to @n - 1 to pause, and wait until each one has. */
static int pause_workers(struct pause *p, int n)
{
	uint64_t gen = __atomic_add_fetch(&p->gen, 1, __ATOMIC_SEQ_CST);
	long long deadline = now_ms() + tf_slow() * 30000;
	int i;

	SET(p->on, 1);
	for (i = 0; i < n; i++)
		while (GET(p->ack[i]) < gen) {
			if (now_ms() > deadline)
				return -1;
			usleep(500);
		}
	return 0;
}

static void resume_workers(struct pause *p)
{
	SET(p->on, 0);
}

struct lu {
	struct churn churn;
	int stop;
	struct pause readers, writer;
	uint64_t opens, absent, reads, seeks, passes, lines, held;
	uint64_t resets, events_reset;
	struct first_error err;
};

/* What the first of the crew to fail said: a churn worker, or a reader or writer. */
static const char *lu_first_error(const struct lu *lu)
{
	if (lu->churn.err.count)
		return lu->churn.err.what;
	return lu->err.count ? lu->err.what : "no error";
}

/* Read whole files, partial reads, seeks back and forth, a long hold. */
static void lu_session(struct lu *lu, int fd, const struct dfile *df,
		       uint64_t *rng)
{
	char buf[64], err[512];
	off_t pos = 0, back;
	int i, rounds = 1 + rnd_below(rng, 3);
	char *text;
	int lines;

	for (i = 0; i < rounds; i++) {
		ssize_t n = read(fd, buf, 1 + rnd_below(rng, sizeof(buf)));

		if (n < 0) {
			note(&lu->err, "read %s: %s", df->name, strerror(errno));
			return;
		}
		ADD(lu->reads, 1);
		pos += n;
		back = rnd_below(rng, pos + 1);
		if (lseek(fd, back, SEEK_SET) != back ||
		    lseek(fd, rnd_below(rng, 200), SEEK_CUR) < 0) {
			note(&lu->err, "lseek %s: %s", df->name, strerror(errno));
			return;
		}
		ADD(lu->seeks, 2);
		pos = lseek(fd, 0, SEEK_CUR);
	}
	/* Held a while: the test's unload attempts meet it. */
	if (!rnd_below(rng, 32)) {
		ADD(lu->held, 1);
		usleep(10000 + rnd_below(rng, 20000));
	}
	if (lseek(fd, 0, SEEK_SET)) {
		note(&lu->err, "lseek %s to 0: %s", df->name, strerror(errno));
		return;
	}
	text = read_chunked(fd, rng, 512, &lu->reads);
	if (!text) {
		note(&lu->err, "read %s: %s", df->name, strerror(errno));
		return;
	}
	lines = dfile_check(df, text, NULL, NULL, err, sizeof(err));
	if (lines < 0)
		note(&lu->err, "%s", err);
	else
		ADD(lu->lines, lines);
	ADD(lu->passes, 1);
	free(text);
}

static void lu_reader(void *arg, int idx)
{
	struct lu *lu = arg;
	uint64_t rng = 0x9e3779b97f4a7c15ULL * (idx + 1);
	unsigned int k = idx;

	while (!GET(lu->stop)) {
		const struct dfile *df = &dfiles[k++ % ARRAY_SIZE(dfiles)];
		char path[128];
		int fd;

		if (paused(&lu->readers, idx))
			continue;
		snprintf(path, sizeof(path), TF_DEBUGFS "/%s", df->name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			/* Not loaded, being unloaded, or not with these parameters. */
			if (errno == ENOENT || errno == ENXIO)
				ADD(lu->absent, 1);
			else
				note(&lu->err, "open %s: %s", path, strerror(errno));
			usleep(500);
			continue;
		}
		ADD(lu->opens, 1);
		lu_session(lu, fd, df, &rng);
		close(fd);
		usleep(4000 + rnd_below(&rng, 4000));
	}
}

/*
 * Reset the counters again and again.  Before each reset it reads how
 * many events the module counted since the last one, so that the test
 * can add up the events seen under load (a lower bound: those between
 * the read and the reset are not counted).
 */
static void lu_writer(void *arg, int idx)
{
	struct lu *lu = arg;
	uint64_t rng = idx + 1, events;
	char *stats;
	int fd;

	while (!GET(lu->stop)) {
		if (paused(&lu->writer, 0))
			continue;
		stats = tf_slurp(TF_DEBUGFS "/stats");
		if (!stats || stat_in(stats, "events", &events)) {
			free(stats);
			usleep(1000);
			continue;
		}
		free(stats);
		fd = open(TF_DEBUGFS "/control", O_WRONLY | O_CLOEXEC);
		if (fd < 0) {
			/* Unloaded since the read: the reset is not counted. */
			if (errno != ENOENT && errno != ENXIO)
				note(&lu->err, "open control: %s", strerror(errno));
			continue;
		}
		if (write(fd, "reset\n", 6) == 6) {
			ADD(lu->resets, 1);
			ADD(lu->events_reset, events);
		} else {
			note(&lu->err, "reset: %s", strerror(errno));
		}
		close(fd);
		usleep(5000 + rnd_below(&rng, 10000));
	}
}

/* Hold every file open; the caller closes them. */
static int hold_files(int *fds, int max)
{
	static const char *const writable[] = { "control", "inject" };
	char path[128];
	int n = 0;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(dfiles) + ARRAY_SIZE(writable) && n < max; i++) {
		bool w = i >= ARRAY_SIZE(dfiles);
		const char *name = w ? writable[i - ARRAY_SIZE(dfiles)] :
				       dfiles[i].name;

		snprintf(path, sizeof(path), TF_DEBUGFS "/%s", name);
		fds[n] = open(path, (w ? O_WRONLY : O_RDONLY) | O_CLOEXEC);
		if (fds[n] >= 0)
			n++;
		else if (errno != ENOENT)
			return -1;
	}
	return n;
}

/*
 * With every file held open the unload is refused and everything keeps
 * working: reads from the start of each file, and a reset through the
 * control file held open.
 */
static void assert_unload_refused(struct __test_metadata *_metadata,
				  uint64_t *rng, uint64_t *refused)
{
	int fds[16], n, i, ret, attempt;
	char err[512];

	n = hold_files(fds, ARRAY_SIZE(fds));
	ASSERT_LE(6, n) TH_LOG("hold files: %s", strerror(errno));
	for (attempt = 0; attempt < 3; attempt++) {
		ret = syscall(SYS_delete_module, "tcpfsm", O_NONBLOCK);
		ASSERT_EQ(-1, ret) TH_LOG("unloaded with %d files open", n);
		ASSERT_TRUE(errno == EAGAIN || errno == EBUSY)
			TH_LOG("delete_module: %s", strerror(errno));
		(*refused)++;
		usleep(1000);
	}
	ASSERT_TRUE(tf_module_loaded());
	for (i = 0; i < n; i++) {
		char path[64], name[64];
		const struct dfile *df;
		ssize_t len;
		char *text;

		snprintf(path, sizeof(path), "/proc/self/fd/%d", fds[i]);
		len = readlink(path, name, sizeof(name) - 1);
		ASSERT_LT(0, len);
		name[len] = '\0';
		df = dfile_find(strrchr(name, '/') + 1);
		if (!df) {	/* control or inject */
			if (!strcmp(strrchr(name, '/') + 1, "control"))
				ASSERT_EQ(6, write(fds[i], "reset\n", 6));
			continue;
		}
		ASSERT_EQ(0, lseek(fds[i], 0, SEEK_SET));
		text = read_chunked(fds[i], rng, 256, NULL);
		ASSERT_NE(NULL, text) TH_LOG("%s: %s", name, strerror(errno));
		ret = dfile_check(df, text, NULL, NULL, err, sizeof(err));
		free(text);
		ASSERT_LE(0, ret) TH_LOG("%s", err);
	}
	for (i = 0; i < n; i++)
		close(fds[i]);
}

TEST_F_TIMEOUT(stress, load_unload, 1200)
{
	unsigned int cycles = knob("CYCLES", 200);
	unsigned int nns = knob("CHURN_NETNS", 3);
	unsigned int readers = knob("READERS", 4);
	unsigned int gauge_every = knob("GAUGE_EVERY", 13);
	uint64_t events = 0, refused = 0, unload_busy = 0, gauge_checks = 0;
	long long t, load_ms = 0, load_max = 0, unload_ms = 0, unload_max = 0;
	uint64_t rng = 1, v;
	struct lu *lu = shared(sizeof(*lu));
	struct klog_scan scan;
	char err[512];
	unsigned int c, i;
	int dead;

	ASSERT_NE(NULL, lu);
	ASSERT_GE(CREW_MAX, nns + readers + 1);
	lu->churn.own_netns = true;
	lu->churn.pause_us = 10000;
	/* Loads and unloads first; the churn and the readers in every gap. */
	self->crew.nice = 10;
	for (i = 0; i < nns; i++)
		ASSERT_LT(0, crew_start(&self->crew, churn_worker, &lu->churn, i));
	for (i = 0; i < readers; i++)
		ASSERT_LT(0, crew_start(&self->crew, lu_reader, lu, i));
	ASSERT_LT(0, crew_start(&self->crew, lu_writer, lu, 0));

	for (c = 0; c < cycles; c++) {
		const char *params = cycle_params[c % ARRAY_SIZE(cycle_params)];
		long long deadline;
		char *stats;

		/* The writer races with the unload, not with what is checked. */
		ASSERT_EQ(0, pause_workers(&lu->writer, 1)) TH_LOG("the writer is stuck");
		t = now_ms();
		ASSERT_EQ(0, tf_module_load(params)) TH_LOG("cycle %u: %s", c, params);
		t = now_ms() - t;
		load_ms += t;
		load_max = t > load_max ? t : load_max;
		assert_files(_metadata);
		/* Sockets change state while it is loaded. */
		deadline = now_ms() + tf_slow() * 60000;
		for (;;) {
			ASSERT_EQ(0, tf_read_stat("events", &v));
			if (v)
				break;
			/* A churn that died leaves no traffic: say why. */
			dead = crew_dead(&self->crew);
			ASSERT_EQ(-1, dead) TH_LOG("cycle %u: member %d died: %s",
						   c, dead, lu_first_error(lu));
			ASSERT_GT(deadline, now_ms())
				TH_LOG("cycle %u: no traffic (%" PRIu64 " scenarios so far)",
				       c, GET(lu->churn.runs));
			usleep(2000);
		}

		/* Only the test's own files are open: they alone keep it. */
		ASSERT_EQ(0, pause_workers(&lu->readers, readers))
			TH_LOG("a reader is stuck");
		assert_unload_refused(_metadata, &rng, &refused);
		resume_workers(&lu->readers);
		resume_workers(&lu->writer);
		usleep(rnd_below(&rng, 20000));

		/* The end of a cycle: no reset runs while it is checked. */
		ASSERT_EQ(0, pause_workers(&lu->writer, 1)) TH_LOG("the writer is stuck");
		stats = tf_slurp(TF_DEBUGFS "/stats");
		ASSERT_NE(NULL, stats);
		ASSERT_EQ(0, stat_in(stats, "events", &v));
		events += v;
		/* Nothing illegal since the load: seq is never reset. */
		ASSERT_EQ(0, stat_in(stats, "log_next_seq", &v));
		ASSERT_EQ(1, v) TH_LOG("cycle %u (%s): %s", c, params, stats);
		for (i = 0; i < ARRAY_SIZE(lu_zero_keys); i++) {
			ASSERT_EQ(0, stat_in(stats, lu_zero_keys[i], &v));
			ASSERT_EQ(0, v) TH_LOG("cycle %u (%s): %s", c, params, stats);
		}
		free(stats);
		if (gauge_every && c % gauge_every == gauge_every - 1) {
			crew_signal(&self->crew, 0, nns, SIGSTOP);
			ASSERT_EQ(0, wait_quiet(200, 20000));
			EXPECT_EQ(0, gauges_match_proc(err, sizeof(err)))
				TH_LOG("cycle %u (%s): %s", c, params, err);
			crew_signal(&self->crew, 0, nns, SIGCONT);
			gauge_checks++;
		}
		/* Counted from here on by the writer's resets. */
		ASSERT_EQ(0, tf_write("control", "reset"));
		resume_workers(&lu->writer);

		t = now_ms();
		ASSERT_EQ(0, unload_patiently(&unload_busy)) TH_LOG("cycle %u", c);
		t = now_ms() - t;
		unload_ms += t;
		unload_max = t > unload_max ? t : unload_max;
		ASSERT_FALSE(tf_module_loaded());
		ASSERT_NE(0, access(TF_DEBUGFS, F_OK));
		dead = crew_dead(&self->crew);
		ASSERT_EQ(-1, dead) TH_LOG("cycle %u: member %d died: %s",
					   c, dead, lu_first_error(lu));
	}
	SET(lu->stop, 1);
	SET(lu->churn.stop, 1);
	ASSERT_EQ(0, crew_join(&self->crew, 120000))
		TH_LOG("workers: %s; readers and writer: %s",
		       lu->churn.err.count ? lu->churn.err.what : "no error",
		       lu->err.count ? lu->err.what : "no error");
	ASSERT_EQ(0, lu->churn.err.count) TH_LOG("%s", lu->churn.err.what);
	ASSERT_EQ(0, lu->err.count) TH_LOG("%" PRIu64 " errors, the first: %s",
					   lu->err.count, lu->err.what);
	ASSERT_FALSE(tf_module_loaded());
	ASSERT_LT(0, lu->passes);
	events += lu->events_reset;
	/* What the loads said of their seeding (the rest is the teardown's). */
	klog_scan(&self->klog, &scan);
	EXPECT_EQ(0, scan.problems) TH_LOG("kernel log: %s", scan.first);
	EXPECT_EQ(cycles, scan.seedings) TH_LOG("%s", self->klog.lost ?
		"the kernel log wrapped" : "a load did not report its seeding");
	report("load_unload",
	       "cycles=%u events=%" PRIu64 " scenario_runs=%" PRIu64
	       " churn_netns=%u readers=%u opens=%" PRIu64
	       " opens_absent=%" PRIu64 " reads=%" PRIu64
	       " seeks=%" PRIu64 " lines_checked=%" PRIu64 " held_long=%" PRIu64
	       " unload_refused_held=%" PRIu64 " unload_busy_retries=%" PRIu64
	       " control_writes=%" PRIu64 " gauge_checks=%" PRIu64
	       " seed_busy_waited=%lu"
	       " load_ms_avg=%lld load_ms_max=%lld unload_ms_avg=%lld"
	       " unload_ms_max=%lld seconds=%.1f",
	       cycles, events, lu->churn.runs, nns, readers, lu->opens,
	       lu->absent, lu->reads, lu->seeks, lu->lines, lu->held, refused, unload_busy,
	       lu->resets, gauge_checks, scan.seed_busy, load_ms / cycles, load_max,
	       unload_ms / cycles, unload_max, seconds_since(self->start));
}

/*
 * log_flood (the PREEMPT_RT test of issue 9)
 *
 * strict=1, a log of STRESS_FLOOD_LOG_SIZE records, and one writer on
 * inject pinned to each CPU, both at once, while real traffic runs on
 * both CPUs (strict makes its Linux-only pairs illegal), two readers read
 * the illegal file and a third the stats in a loop, and "tcpfsm log -f"
 * follows.  Every injection encodes its writer and number in its
 * addresses, so each record read anywhere is checked field by field
 * against what was written.  Afterwards every count is exact.
 */

struct inj_pair {
	const char *proto, *from, *to;
};

/* Illegal, Linux-only (illegal with strict=1), legal, and unknown. */
static const struct inj_pair flood_pairs[] = {
	{ "TCP", "ESTABLISHED", "SYN_SENT" },
	{ "TCP", "LAST_ACK", "ESTABLISHED" },
	{ "TCP", "FIN_WAIT2", "CLOSE" },
	{ "TCP", "CLOSE", "SYN_SENT" },
	{ "TCP", "TIME_WAIT", "SYN_RECV" },
	{ "TCP", "STATE_200", "LISTEN" },
	{ "MPTCP", "LISTEN", "ESTABLISHED" },
	{ "TCP", "STATE_14", "CLOSE" },
	{ "TCP", "CLOSING", "CLOSING" },
	{ "MPTCP", "STATE_20", "CLOSE" },
	{ "TCP", "NEW_SYN_RECV", "FIN_WAIT1" },
};

struct injection {
	char line[WRITE_MAX];
	const struct inj_pair *pair;
	struct endpoint src, dst;
	bool illegal, unknown;
};

/*
 * How the module judges a transition with @strict, from the reference
 * table: logged as illegal, and counted as an unknown state.  State 13
 * (BOUND_INACTIVE since 6.8) is left out: its name depends on the kernel.
 */
static void judge(const struct inj_pair *ip, bool strict, bool *illegal,
		  bool *unknown)
{
	int p = tf_proto_parse(ip->proto);
	int f = tf_state_parse(ip->from), t = tf_state_parse(ip->to);
	const struct tcpfsm_rule *r;

	*unknown = f >= TCPFSM_NSLOTS || t >= TCPFSM_NSLOTS;
	*illegal = *unknown;
	if (*unknown || p != TCPFSM_PROTO_TCP)
		return;
	r = tcpfsm_rule_find(f, t);
	*illegal = !r || (strict && r->verdict == TCPFSM_LINUX);
	*unknown = *illegal && (!tcpfsm_state_name(f) || !tcpfsm_state_name(t));
}

/*
 * Injection @i of writer @w: the addresses say who wrote it and when, and
 * the family alternates.  Writer 2 is the test itself.
 */
static void flood_injection(int w, uint32_t i, struct injection *in)
{
	char src[64], dst[64];

	in->pair = &flood_pairs[i % ARRAY_SIZE(flood_pairs)];
	judge(in->pair, true, &in->illegal, &in->unknown);
	if (i % 2) {
		snprintf(src, sizeof(src), "[2001:db8:0:%x::%x:%x]:%u", w,
			 i >> 16, i & 0xffff, 1000 + w);
		snprintf(dst, sizeof(dst), "[2001:db8:1::%x]:443", w + 1);
	} else {
		snprintf(src, sizeof(src), "10.%d.%u.%u:%u", w, (i >> 8) & 0xff,
			 i & 0xff, (i >> 16) + 1);
		snprintf(dst, sizeof(dst), "192.0.2.%d:%u", w + 1, 40000 + w);
	}
	snprintf(in->line, sizeof(in->line), "%s %s %s %.48s %.48s\n",
		 in->pair->proto, in->pair->from, in->pair->to, src, dst);
	endpoint_parse(src, &in->src);
	endpoint_parse(dst, &in->dst);
}

/* Who wrote the injection whose record has source @src, and which one. */
static int flood_decode(const struct endpoint *src, int *w, uint32_t *i)
{
	const unsigned char *a = src->addr;

	if (src->family == AF_INET && a[0] == 10) {
		*w = a[1];
		*i = (uint32_t)(src->port - 1) << 16 | a[2] << 8 | a[3];
		return *i % 2 ? -1 : 0;
	}
	if (src->family == AF_INET6 && a[0] == 0x20 && a[1] == 0x01 &&
	    a[2] == 0x0d && a[3] == 0xb8 && !a[4] && !a[5]) {
		*w = a[6] << 8 | a[7];
		*i = (uint32_t)(a[12] << 8 | a[13]) << 16 | a[14] << 8 | a[15];
		return *i % 2 ? 0 : -1;
	}
	return -1;
}

#define FLOOD_WRITERS 3		/* one per CPU (two), and the test */

struct flood {
	int go, stop;
	uint32_t writes;
	unsigned long long netns, cgroup;
	pid_t pid[FLOOD_WRITERS];
	char comm[FLOOD_WRITERS][16];
	int cpu[FLOOD_WRITERS];		/* -1: not pinned */
	uint64_t written[FLOOD_WRITERS], illegal[FLOOD_WRITERS];
	uint64_t unknown[FLOOD_WRITERS];
	uint64_t ready;
	uint64_t reads, records, stats_reads;
	struct churn churn;
	struct first_error err;
};

/* Our cgroup v2 id: the inode of our directory in the cgroup2 mount. */
static unsigned long long self_cgroup(void)
{
	char *buf = tf_slurp("/proc/self/cgroup"), path[512];
	unsigned long long id = 0;
	struct stat st;

	if (buf && !strncmp(buf, "0::", 3)) {
		snprintf(path, sizeof(path), "/sys/fs/cgroup%.*s",
			 (int)strcspn(buf + 3, "\n"), buf + 3);
		if (!stat(path, &st))
			id = st.st_ino;
	}
	free(buf);
	return id;
}

/* Per reader: the injection last seen from each writer, to check order. */
struct flood_view {
	struct flood *f;
	int64_t last_i[FLOOD_WRITERS];
	uint64_t injected, traffic;
};

/*
 * An injected record must carry exactly what its writer wrote, with the
 * writer's identity; a record of real traffic must be a pair the strict
 * table calls illegal, in the test's namespace.
 */
static int flood_record(const struct record *r, void *ctx, char *err,
			size_t len)
{
	struct flood_view *fv = ctx;
	struct flood *f = fv->f;
	struct endpoint src, dst;
	struct injection in;
	struct inj_pair pair;
	bool illegal, unknown;
	uint32_t i;
	int w;

	if (strtoull(r->v[R_NETNS], NULL, 10) != f->netns)
		return snprintf(err, len, "seq %" PRIu64 ": netns %s, not %llu",
				r->seq, r->v[R_NETNS], f->netns), -1;
	endpoint_parse(r->v[R_SRC], &src);
	endpoint_parse(r->v[R_DST], &dst);
	if (!strcmp(r->v[R_INJECTED], "0")) {
		pair = (struct inj_pair){ r->v[R_PROTO], r->v[R_FROM], r->v[R_TO] };
		judge(&pair, true, &illegal, &unknown);
		if (strcmp(r->v[R_PROTO], "TCP") || !illegal || unknown)
			return snprintf(err, len, "seq %" PRIu64 ": traffic %s %s -> %s is not illegal under strict",
					r->seq, r->v[R_PROTO], r->v[R_FROM], r->v[R_TO]), -1;
		fv->traffic++;
		return 0;
	}
	if (flood_decode(&src, &w, &i) || w >= FLOOD_WRITERS)
		return snprintf(err, len, "seq %" PRIu64 ": src %s was never written",
				r->seq, r->v[R_SRC]), -1;
	flood_injection(w, i, &in);
	if (!in.illegal || strcmp(r->v[R_PROTO], in.pair->proto) ||
	    strcmp(r->v[R_FROM], in.pair->from) || strcmp(r->v[R_TO], in.pair->to) ||
	    !endpoint_equal(&src, &in.src) || !endpoint_equal(&dst, &in.dst))
		return snprintf(err, len, "seq %" PRIu64 ": %s %s -> %s %s %s is not what writer %d wrote: %.*s",
				r->seq, r->v[R_PROTO], r->v[R_FROM], r->v[R_TO],
				r->v[R_SRC], r->v[R_DST], w,
				(int)strlen(in.line) - 1, in.line), -1;
	/* The text form of "tcpfsm log" has no cpu, uid nor cgroup. */
	if (strcmp(r->v[R_COMM], f->comm[w]) || strcmp(r->v[R_CTX], "task") ||
	    strtol(r->v[R_PID], NULL, 10) != f->pid[w] ||
	    (r->v[R_UID] && strcmp(r->v[R_UID], "0")) ||
	    (r->v[R_CGROUP] && strtoull(r->v[R_CGROUP], NULL, 10) != f->cgroup) ||
	    (r->v[R_CPU] && f->cpu[w] >= 0 && atoi(r->v[R_CPU]) != f->cpu[w]))
		return snprintf(err, len, "seq %" PRIu64 ": comm=%s pid=%s cpu=%s ctx=%s uid=%s cgroup=%s, writer %d is %s[%d] on cpu %d in cgroup %llu",
				r->seq, r->v[R_COMM], r->v[R_PID],
				r->v[R_CPU] ?: "?", r->v[R_CTX],
				r->v[R_UID] ?: "?", r->v[R_CGROUP] ?: "?", w,
				f->comm[w], (int)f->pid[w], f->cpu[w],
				f->cgroup), -1;
	if ((int64_t)i <= fv->last_i[w])
		return snprintf(err, len, "seq %" PRIu64 ": injection %u of writer %d after %" PRId64,
				r->seq, i, w, fv->last_i[w]), -1;
	fv->last_i[w] = i;
	fv->injected++;
	return 0;
}

static void flood_view_init(struct flood_view *fv, struct flood *f)
{
	int w;

	memset(fv, 0, sizeof(*fv));
	fv->f = f;
	for (w = 0; w < FLOOD_WRITERS; w++)
		fv->last_i[w] = -1;
}

/* Inject @f->writes transitions, pinned to CPU @w. */
static void flood_writer(void *arg, int w)
{
	struct flood *f = arg;
	struct injection in;
	uint32_t i;
	int fd;

	if (pin_cpu(w) || prctl(PR_SET_NAME, f->comm[w])) {
		note(&f->err, "writer %d: %s", w, strerror(errno));
		_exit(1);
	}
	fd = open(TF_DEBUGFS "/inject", O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		note(&f->err, "writer %d: inject: %s", w, strerror(errno));
		_exit(1);
	}
	ADD(f->ready, 1);
	while (!GET(f->go))
		usleep(200);
	for (i = 0; i < f->writes; i++) {
		size_t len;

		flood_injection(w, i, &in);
		len = strlen(in.line);
		if (write(fd, in.line, len) != (ssize_t)len) {
			note(&f->err, "writer %d: %.*s: %s", w, (int)len - 1,
			     in.line, strerror(errno));
			_exit(1);
		}
		ADD(f->written[w], 1);
		ADD(f->illegal[w], in.illegal);
		ADD(f->unknown[w], in.unknown);
	}
	close(fd);
}

/* Read the illegal file again and again, in small reads. */
static void flood_reader(void *arg, int idx)
{
	struct flood *f = arg;
	uint64_t rng = 77 + idx;
	struct flood_view fv;
	char err[512];
	int fd, n;

	flood_view_init(&fv, f);
	while (!GET(f->stop)) {
		char *text;

		fd = open(TF_DEBUGFS "/illegal", O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			note(&f->err, "reader %d: illegal: %s", idx, strerror(errno));
			return;
		}
		text = read_chunked(fd, &rng, 512, NULL);
		close(fd);
		if (!text) {
			note(&f->err, "reader %d: read: %s", idx, strerror(errno));
			return;
		}
		/* Each read on its own: the ring moves on between two. */
		flood_view_init(&fv, f);
		n = dfile_check(dfile_find("illegal"), text, flood_record, &fv,
				err, sizeof(err));
		free(text);
		if (n < 0) {
			note(&f->err, "reader %d: %s", idx, err);
			return;
		}
		ADD(f->reads, 1);
		ADD(f->records, n);
	}
}

/* Read stats in a loop: log_next_seq never goes back, the ring never overfills. */
static void flood_stats_reader(void *arg, int idx)
{
	struct flood *f = arg;
	uint64_t next, last = 0, records, dropped, size;

	(void)idx;
	while (!GET(f->stop)) {
		char *stats = tf_slurp(TF_DEBUGFS "/stats");

		if (!stats || stat_in(stats, "log_next_seq", &next) ||
		    stat_in(stats, "log_records", &records) ||
		    stat_in(stats, "log_dropped", &dropped) ||
		    stat_in(stats, "log_size", &size)) {
			note(&f->err, "stats: %s", stats ? "a key is missing" :
			     strerror(errno));
			free(stats);
			return;
		}
		free(stats);
		if (next < last || records > size || dropped >= next ||
		    records >= next)
			note(&f->err, "stats: log_next_seq %" PRIu64 " after %" PRIu64 ", log_records %" PRIu64 ", log_dropped %" PRIu64 ", log_size %" PRIu64,
			     next, last, records, dropped, size);
		last = next;
		ADD(f->stats_reads, 1);
		usleep(1000);
	}
}

/* Start "tcpfsm log -f", both its outputs into @path. */
static pid_t follower_start(const char *path)
{
	const char *tool = getenv("TCPFSM_TOOL") ?: TOOL_DEFAULT;
	pid_t pid;
	int fd;

	fflush(NULL);
	pid = fork();
	if (pid)
		return pid;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0 ||
	    prctl(PR_SET_PDEATHSIG, SIGKILL))
		_exit(120);
	setenv("NO_COLOR", "1", 1);
	execl(tool, "tcpfsm", "log", "-f", (char *)NULL);
	_exit(127);
}

/* Wait until the follower has printed record @seq (or @ms passed). */
static int follower_wait(const char *path, uint64_t seq, int ms)
{
	long long deadline = now_ms() + tf_slow() * ms;
	char want[32];

	snprintf(want, sizeof(want), "] #%" PRIu64 " ", seq);
	while (now_ms() < deadline) {
		char *out = tf_slurp(path);
		bool seen = out && strstr(out, want);

		free(out);
		if (seen)
			return 0;
		usleep(50000);
	}
	return -1;
}

struct follow_result {
	uint64_t printed, lost, first, last;
};

/*
 * The follower's output: records strictly by seq, and before every gap
 * the message that the log wrapped, with exactly the records skipped.
 * Each line of a record is the record the module held (its text form:
 * "[ts] #seq comm[pid] ctx netns N PROTO SRC -> DST FROM -> TO
 * [injected] [at FRAME]").
 */
static int follower_check(const char *path, struct flood *f,
			  struct follow_result *fr, char *err, size_t len)
{
	char *out = tf_slurp(path), *line, *save = NULL;
	struct flood_view fv;
	uint64_t pending = 0;
	int ret = -1;

	memset(fr, 0, sizeof(*fr));
	flood_view_init(&fv, f);
	if (!out)
		return snprintf(err, len, "%s: %s", path, strerror(errno)), -1;
	for (line = strtok_r(out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *tok[16], *p, *s2 = NULL, *close;
		struct record r = { .seq = 0 };
		uint64_t seq, lost;
		int n = 0;

		if (sscanf(line, "tcpfsm: ... %" SCNu64 " record", &lost) == 1 &&
		    strstr(line, " lost (log wrapped)")) {
			if (pending) {
				snprintf(err, len, "two gaps in a row: %s", line);
				goto out;
			}
			pending = lost;
			fr->lost += lost;
			continue;
		}
		close = strchr(line, ']');
		if (*line != '[' || !close || sscanf(close, "] #%" SCNu64, &seq) != 1) {
			snprintf(err, len, "unexpected line: %.200s", line);
			goto out;
		}
		if (seq != fr->last + pending + 1 && (fr->printed || pending)) {
			snprintf(err, len, "#%" PRIu64 " after #%" PRIu64 " and %" PRIu64 " announced lost",
				 seq, fr->last, pending);
			goto out;
		}
		if (!fr->printed)
			fr->first = seq - pending;
		pending = 0;
		fr->last = seq;
		fr->printed++;
		for (p = strtok_r(close + 2, " ", &s2); p && n < 16;
		     p = strtok_r(NULL, " ", &s2))
			tok[n++] = p;
		/* #seq comm[pid] ctx netns N PROTO SRC -> DST FROM -> TO ... */
		if (n < 12 || strcmp(tok[3], "netns") || strcmp(tok[7], "->") ||
		    strcmp(tok[10], "->") || !strchr(tok[1], '[')) {
			snprintf(err, len, "#%" PRIu64 ": cannot parse: %.200s", seq, line);
			goto out;
		}
		*strchr(tok[1], '[') = '\0';
		r.seq = seq;
		r.v[R_COMM] = tok[1];
		r.v[R_PID] = tok[1] + strlen(tok[1]) + 1;
		r.v[R_CTX] = tok[2];
		r.v[R_NETNS] = tok[4];
		r.v[R_PROTO] = tok[5];
		r.v[R_SRC] = tok[6];
		r.v[R_DST] = tok[8];
		r.v[R_FROM] = tok[9];
		r.v[R_TO] = tok[11];
		r.v[R_INJECTED] = n > 12 && !strcmp(tok[12], "injected") ? "1" : "0";
		if (flood_record(&r, &fv, err, len))
			goto out;
	}
	if (pending) {
		snprintf(err, len, "%" PRIu64 " records announced lost at the end", pending);
		goto out;
	}
	ret = 0;
out:
	free(out);
	return ret;
}

TEST_F_TIMEOUT(stress, log_flood, 900)
{
	uint32_t writes = knob("FLOOD_WRITES", 5500);
	unsigned int log_size = knob("FLOOD_LOG_SIZE", 4);
	uint64_t injected = 0, inj_illegal = 0, inj_unknown = 0, traffic = 0;
	uint64_t illegal, records, dropped, next, rng = 5;
	struct flood *f = shared(sizeof(*f));
	char path[] = "/tmp/stress-follow.XXXXXX";
	char params[64], err[512];
	struct follow_result fr;
	struct injection marker;
	struct flood_view fv;
	struct tf_matrix m;
	pid_t follower;
	int cpus = ncpus(), w, fd, status, n, p, s, t;

	char *text;

	ASSERT_NE(NULL, f);
	ASSERT_LE(2, cpus) TH_LOG("the flood needs two CPUs");
	snprintf(params, sizeof(params), "strict=1 inject=1 log_size=%u", log_size);
	ASSERT_EQ(0, tf_module_load(params));
	ASSERT_EQ(log_size, stat_of(_metadata, "log_size"));
	f->writes = writes;
	f->netns = tf_self_netns();
	f->cgroup = self_cgroup();
	for (w = 0; w < FLOOD_WRITERS; w++) {
		snprintf(f->comm[w], sizeof(f->comm[w]), "stress-inj%d", w);
		f->cpu[w] = w < 2 ? w : -1;
	}

	/* The test's own injection, record #1: the follower is running once it shows. */
	ASSERT_EQ(0, prctl(PR_SET_NAME, f->comm[2]));
	f->pid[2] = getpid();
	flood_injection(2, 0, &marker);
	ASSERT_TRUE(marker.illegal);
	ASSERT_EQ(0, tf_write("inject", marker.line));
	injected++;
	inj_illegal++;
	inj_unknown += marker.unknown;
	ASSERT_EQ(0, close(mkstemp(path)));
	follower = follower_start(path);
	ASSERT_LT(0, follower);
	ASSERT_EQ(0, follower_wait(path, 1, 30000)) TH_LOG("tcpfsm log -f printed nothing");

	f->churn.own_netns = false;
	for (w = 0; w < 2; w++)
		ASSERT_LT(0, crew_start(&self->crew, churn_worker, &f->churn, w));
	for (w = 0; w < 2; w++) {
		f->pid[w] = crew_start(&self->crew, flood_writer, f, w);
		ASSERT_LT(0, f->pid[w]);
	}
	ASSERT_LT(0, crew_start(&self->crew, flood_reader, f, 0));
	ASSERT_LT(0, crew_start(&self->crew, flood_reader, f, 1));
	ASSERT_LT(0, crew_start(&self->crew, flood_stats_reader, f, 0));
	while (GET(f->ready) < 2) {
		ASSERT_EQ(0, f->err.count) TH_LOG("%s", f->err.what);
		usleep(1000);
	}
	SET(f->go, 1);

	/* The writers finish their counts; then everything stops. */
	for (w = 0; w < 2; w++)
		ASSERT_EQ(0, crew_wait(&self->crew, f->pid[w]))
			TH_LOG("writer %d: %s", w, f->err.what);
	SET(f->stop, 1);
	SET(f->churn.stop, 1);
	ASSERT_EQ(0, crew_join(&self->crew, 60000))
		TH_LOG("%s %s", f->err.what, f->churn.err.what);
	ASSERT_EQ(0, f->err.count) TH_LOG("%" PRIu64 " errors, the first: %s",
					  f->err.count, f->err.what);
	ASSERT_EQ(0, wait_quiet(300, 20000));

	for (w = 0; w < 2; w++) {
		injected += f->written[w];
		inj_illegal += f->illegal[w];
		inj_unknown += f->unknown[w];
	}
	/* Real traffic: the cells the strict table calls illegal. */
	ASSERT_EQ(0, tf_read_matrix(&m));
	for (p = 0; p < TCPFSM_NPROTO; p++)
		for (s = 0; s < TCPFSM_NSLOTS; s++)
			for (t = 0; t < TCPFSM_NSLOTS; t++) {
				char from[16], to[16];
				struct inj_pair pair = {
					tcpfsm_proto_names[p], from, to,
				};
				bool bad, unknown;

				if (!m.n[p][s][t])
					continue;
				snprintf(from, sizeof(from), "STATE_%d", s);
				snprintf(to, sizeof(to), "STATE_%d", t);
				judge(&pair, true, &bad, &unknown);
				ASSERT_STREQ(p != TCPFSM_PROTO_TCP ? "-" :
					     bad ? "illegal" : "rfc", m.verdict[p][s][t])
					TH_LOG("%s %s -> %s", pair.proto, pair.from, pair.to);
				traffic += bad ? m.n[p][s][t] : 0;
			}
	ASSERT_LT(0, traffic) TH_LOG("the traffic made nothing illegal under strict");
	illegal = stat_of(_metadata, "illegal");
	records = stat_of(_metadata, "log_records");
	dropped = stat_of(_metadata, "log_dropped");
	next = stat_of(_metadata, "log_next_seq");
	ASSERT_EQ(injected, stat_of(_metadata, "injected"));
	ASSERT_EQ(traffic + inj_illegal, illegal);
	ASSERT_EQ(inj_unknown, stat_of(_metadata, "unknown_state"));
	ASSERT_EQ(illegal + 1, next);
	ASSERT_EQ(illegal < log_size ? illegal : log_size, records);
	ASSERT_EQ(illegal - records, dropped);

	/* What the ring holds: the newest records, whole, one after the other. */
	fd = open(TF_DEBUGFS "/illegal", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	text = read_chunked(fd, &rng, 7, NULL);
	close(fd);
	ASSERT_NE(NULL, text);
	flood_view_init(&fv, f);
	n = dfile_check(dfile_find("illegal"), text, flood_record, &fv, err, sizeof(err));
	ASSERT_EQ((int)records, n) TH_LOG("%s", err);
	ASSERT_EQ((int)records, (int)(fv.injected + fv.traffic));
	free(text);

	/* The follower printed or announced lost every record, and lost only dropped ones. */
	ASSERT_EQ(0, follower_wait(path, illegal, 30000))
		TH_LOG("tcpfsm log -f never printed #%" PRIu64, illegal);
	ASSERT_EQ(0, kill(follower, SIGINT));
	ASSERT_EQ(follower, waitpid(follower, &status, 0));
	ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
		TH_LOG("tcpfsm log -f: status %#x", status);
	ASSERT_EQ(0, follower_check(path, f, &fr, err, sizeof(err))) TH_LOG("%s", err);
	ASSERT_EQ(1, fr.first);
	ASSERT_EQ(illegal, fr.last);
	ASSERT_EQ(illegal, fr.printed + fr.lost);
	ASSERT_GE(dropped, fr.lost);
	unlink(path);

	report("log_flood",
	       "log_size=%u injected=%" PRIu64 " injected_illegal=%" PRIu64
	       " traffic_illegal=%" PRIu64 " illegal=%" PRIu64 " unknown_state=%" PRIu64
	       " log_dropped=%" PRIu64 " wraps=%" PRIu64 " scenario_runs=%" PRIu64
	       " illegal_reads=%" PRIu64 " records_checked=%" PRIu64
	       " stats_reads=%" PRIu64 " follower_printed=%" PRIu64
	       " follower_lost=%" PRIu64 " seconds=%.1f",
	       log_size, injected, inj_illegal, traffic, illegal, inj_unknown,
	       dropped, illegal / log_size, f->churn.runs, f->reads, f->records,
	       f->stats_reads, fr.printed, fr.lost, seconds_since(self->start));
}

/*
 * netns_churn
 *
 * STRESS_NETNS network namespaces, STRESS_NETNS_ALIVE of them at a time,
 * with netns_cap=STRESS_NETNS_CAP so that most of them are folded into
 * "other".  Each holds sockets in every state a socket can be held in:
 * LISTEN, SYN_SENT (its SYN dropped by a full accept queue), ESTABLISHED,
 * FIN_WAIT1, CLOSING and LAST_ACK (their FIN queued behind data that a
 * closed window holds back), FIN_WAIT2 and CLOSE_WAIT (half-closed
 * pairs), and time-wait socks in TIME_WAIT and in FIN_WAIT2 (an orphan);
 * every accepted connection went through SYN_RECV.  A namespace with
 * counters of its own must show exactly what its /proc/net/tcp{,6} shows.
 * Then it is deleted, its time-wait socks purged with it.  At the end every
 * gauge equals /proc/net/tcp{,6} of the namespaces left, "other" holds
 * nothing, and no namespace is left in the netns file nor in
 * netns_tracked and netns_folded.
 */

struct ns_slot {
	int state;		/* 0: building, 1: holding its sockets, -1: failed */
	bool tracked;		/* it had counters of its own */
	unsigned long long inode;
	char why[200];
};

/* A listener whose children get a receive buffer of @rcvbuf bytes. */
static int small_listener(int family, int rcvbuf, unsigned short *port)
{
	struct sockaddr_storage ss;
	socklen_t len = tf_loopback(family, 0, &ss);
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
				 sizeof(rcvbuf)) ||
	    bind(fd, (struct sockaddr *)&ss, len) || listen(fd, 16) ||
	    getsockname(fd, (struct sockaddr *)&ss, &len))
		return -1;
	*port = ntohs(family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port :
				((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

/* A connection to @port from a socket with a receive buffer of @rcvbuf. */
static int small_connect(int family, unsigned short port, int rcvbuf)
{
	struct sockaddr_storage ss;
	socklen_t len = tf_loopback(family, port, &ss);
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
				 sizeof(rcvbuf)) ||
	    connect(fd, (struct sockaddr *)&ss, len))
		return -1;
	return fd;
}

/* Write until the peer's window and our send buffer are full. */
static int fill(int fd)
{
	int small = 4096, flags = fcntl(fd, F_GETFL);
	char buf[4096];

	memset(buf, 'x', sizeof(buf));
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)))
		return -1;
	while (write(fd, buf, sizeof(buf)) > 0)
		;
	return errno == EAGAIN ? 0 : -1;
}

/*
 * Leave sockets in every state that can be held (see above).  Every
 * descriptor stays open until the namespace's process is killed.
 */
static int hold_every_state(int family, char *why, size_t len)
{
	struct pollfd pfd = { .events = POLLIN };
	unsigned short port, zport, qport;
	int l, lz, lq, c, a, c2, a2;
	struct sockaddr_storage ss;
	const char *what;
	socklen_t slen;

	what = "listen";
	l = tf_listener(family, 16, &port);
	if (l < 0)
		goto fail;

	what = "ESTABLISHED";
	c = tf_connect(family, port);
	if (c < 0 || accept4(l, NULL, NULL, SOCK_CLOEXEC) < 0)
		goto fail;

	what = "FIN_WAIT2 and CLOSE_WAIT";
	c = tf_connect(family, port);
	a = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	if (c < 0 || a < 0 || shutdown(c, SHUT_WR) ||
	    tf_wait_tcp_state(c, TCPFSM_FIN_WAIT2, 5000) ||
	    tf_wait_tcp_state(a, TCPFSM_CLOSE_WAIT, 5000))
		goto fail;

	what = "FIN_WAIT1, its FIN behind data a closed window holds";
	lz = small_listener(family, 2048, &zport);
	c = tf_connect(family, zport);
	if (lz < 0 || c < 0 || accept4(lz, NULL, NULL, SOCK_CLOEXEC) < 0 ||
	    fill(c) || shutdown(c, SHUT_WR) ||
	    tf_wait_tcp_state(c, TCPFSM_FIN_WAIT1, 5000))
		goto fail;

	what = "CLOSING: the peer's FIN crosses ours, held the same way";
	c2 = tf_connect(family, zport);
	a2 = accept4(lz, NULL, NULL, SOCK_CLOEXEC);
	if (c2 < 0 || a2 < 0 || fill(c2) || shutdown(c2, SHUT_WR) ||
	    shutdown(a2, SHUT_WR) ||
	    tf_wait_tcp_state(c2, TCPFSM_CLOSING, 5000) ||
	    tf_wait_tcp_state(a2, TCPFSM_FIN_WAIT2, 5000))
		goto fail;

	what = "LAST_ACK, its FIN behind data a closed window holds";
	c = small_connect(family, port, 2048);
	a = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	if (c < 0 || a < 0 || fill(a) || shutdown(c, SHUT_WR) ||
	    tf_wait_tcp_state(a, TCPFSM_CLOSE_WAIT, 5000) ||
	    shutdown(a, SHUT_WR) || tf_wait_tcp_state(a, TCPFSM_LAST_ACK, 5000))
		goto fail;

	what = "SYN_SENT, its SYN dropped by a full accept queue";
	lq = tf_listener(family, 0, &qport);
	pfd.fd = lq;
	if (lq < 0 || tf_connect(family, qport) < 0 || poll(&pfd, 1, 5000) != 1)
		goto fail;
	c = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	slen = tf_loopback(family, qport, &ss);
	if (c < 0 || !connect(c, (struct sockaddr *)&ss, slen) ||
	    errno != EINPROGRESS || tf_wait_tcp_state(c, TCPFSM_SYN_SENT, 5000))
		goto fail;

	what = "an orphan in FIN_WAIT2";
	c = tf_connect(family, port);
	if (c < 0 || accept4(l, NULL, NULL, SOCK_CLOEXEC) < 0 ||
	    shutdown(c, SHUT_WR) || tf_wait_tcp_state(c, TCPFSM_FIN_WAIT2, 5000) ||
	    close(c))
		goto fail;

	what = "TIME_WAIT";
	if (tf_scenario_find("active_close")->run(family))
		goto fail;
	return 0;

fail:
	snprintf(why, len, "%s: %s", what, strerror(errno));
	return -1;
}

/* Each state of hold_every_state(), as /proc/net/tcp shows it. */
static int proc_shows_every_state(const struct proc_tcp *p, char *why,
				  size_t len)
{
	static const int held[] = {
		TCPFSM_LISTEN, TCPFSM_SYN_SENT, TCPFSM_ESTABLISHED,
		TCPFSM_FIN_WAIT1, TCPFSM_FIN_WAIT2, TCPFSM_CLOSE_WAIT,
		TCPFSM_LAST_ACK, TCPFSM_CLOSING,
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(held); i++)
		if (!p->full[held[i]])
			return snprintf(why, len, "no socket in %s",
					tcpfsm_state_names[held[i]]), -1;
	if (!p->timewait[TCPFSM_TIME_WAIT] || !p->timewait[TCPFSM_FIN_WAIT2])
		return snprintf(why, len, "time-wait socks: %d TIME_WAIT, %d FIN_WAIT2",
				p->timewait[TCPFSM_TIME_WAIT],
				p->timewait[TCPFSM_FIN_WAIT2]), -1;
	return 0;
}

/*
 * If the namespace has counters of its own, they equal /proc/net/tcp of
 * the namespace, read between two identical reads of them.
 */
static int ns_gauges_match(struct ns_slot *slot, bool timewait, char *why,
			   size_t len)
{
	struct tf_states st1, st2;
	struct proc_tcp p;
	int attempt, s;

	for (attempt = 0; attempt < 100; attempt++) {
		memset(&p, 0, sizeof(p));
		if (tf_read_netns(slot->inode, &st1) || proc_tcp_add(getpid(), &p) ||
		    tf_read_netns(slot->inode, &st2))
			return snprintf(why, len, "read: %s", strerror(errno)), -1;
		slot->tracked = st1.row[TCPFSM_PROTO_TCP][TCPFSM_LISTEN].listed;
		if (!slot->tracked)
			return 0;	/* folded into "other" */
		why[0] = '\0';
		for (s = 0; s < TCPFSM_NSLOTS; s++) {
			int64_t cur = st1.row[TCPFSM_PROTO_TCP][s].current;

			if (!has_gauge(s, timewait))
				continue;
			if (cur != st2.row[TCPFSM_PROTO_TCP][s].current)
				snprintf(why, len, "%s moved", tcpfsm_state_names[s]);
			else if (cur != p.full[s] + (timewait ? p.timewait[s] : 0))
				snprintf(why, len, "%s: gauge %" PRId64 ", /proc/net/tcp %d",
					 tcpfsm_state_names[s], cur,
					 p.full[s] + (timewait ? p.timewait[s] : 0));
		}
		if (!why[0])
			return 0;
		usleep(20000);
	}
	return -1;
}

/* One namespace: build, check, then hold everything until killed. */
static void ns_child(struct ns_slot *slot, int family, bool timewait)
{
	struct proc_tcp p;
	long long deadline;
	bool landed;

	if (tf_new_netns()) {
		snprintf(slot->why, sizeof(slot->why), "new namespace: %s",
			 strerror(errno));
		goto fail;
	}
	slot->inode = tf_self_netns();
	if (hold_every_state(family, slot->why, sizeof(slot->why)))
		goto fail;
	/* The last segments may still be landing: a loaded guest delays them. */
	deadline = now_ms() + tf_slow() * 5000;
	for (;;) {
		memset(&p, 0, sizeof(p));
		if (proc_tcp_add(getpid(), &p)) {
			snprintf(slot->why, sizeof(slot->why), "/proc/net/tcp: %s",
				 strerror(errno));
			goto fail;
		}
		landed = !proc_shows_every_state(&p, slot->why, sizeof(slot->why));
		if (landed || now_ms() > deadline)
			break;
		usleep(2000);
	}
	if (!landed ||
	    ns_gauges_match(slot, timewait, slot->why, sizeof(slot->why)))
		goto fail;
	SET(slot->state, 1);
	for (;;)
		pause();
fail:
	SET(slot->state, -1);
	_exit(1);
}

static int cmp_inode(const void *a, const void *b)
{
	unsigned long long x = *(const unsigned long long *)a;
	unsigned long long y = *(const unsigned long long *)b;

	return x < y ? -1 : x > y;
}

TEST_F_TIMEOUT(stress, netns_churn, 1200)
{
	unsigned int total = knob("NETNS", 1000);
	unsigned int alive = knob("NETNS_ALIVE", 8);
	unsigned int cap = knob("NETNS_CAP", 4);
	struct ns_slot *slots = shared(total * sizeof(*slots));
	unsigned long long *inodes = calloc(total, sizeof(*inodes));
	unsigned long long listed[512], alive_ns[512];
	unsigned int k, tracked = 0, left = 0;
	uint64_t tw, max_tracked = 0, max_folded = 0, v;
	struct proc_tcp census;
	struct tf_states other;
	long long deadline;
	char params[64], err[512];
	int n, i, s, nlisted;

	ASSERT_NE(NULL, slots);
	ASSERT_NE(NULL, inodes);
	ASSERT_GE(NETNS_ALIVE_MAX, (int)alive);
	ASSERT_LT(0, cap) TH_LOG("netns_cap=0 has no namespaces to churn");
	snprintf(params, sizeof(params), "netns_cap=%u", cap);
	ASSERT_EQ(0, tf_module_load(params));
	tw = stat_of(_metadata, "timewait_tracking");

	for (k = 0; k < total; k++) {
		pid_t pid;

		fflush(NULL);
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			ns_child(&slots[k], k % 2 ? AF_INET6 : AF_INET, tw);
		}
		self->ring[self->nring++] = pid;
		deadline = now_ms() + tf_slow() * 60000;
		while (!GET(slots[k].state)) {
			ASSERT_GT(deadline, now_ms()) TH_LOG("namespace %u never got ready", k);
			usleep(1000);
		}
		ASSERT_EQ(1, slots[k].state) TH_LOG("namespace %u: %s", k, slots[k].why);
		inodes[k] = slots[k].inode;
		tracked += slots[k].tracked;
		v = stat_of(_metadata, "netns_tracked");
		ASSERT_GE(cap, v);
		max_tracked = v > max_tracked ? v : max_tracked;
		v = stat_of(_metadata, "netns_folded");
		max_folded = v > max_folded ? v : max_folded;
		if ((unsigned int)self->nring >= alive) {
			/* The oldest namespace goes, with every socket in it. */
			kill(self->ring[0], SIGKILL);
			ASSERT_EQ(self->ring[0], waitpid(self->ring[0], NULL, 0));
			memmove(self->ring, self->ring + 1,
				--self->nring * sizeof(self->ring[0]));
		}
	}
	for (i = 0; i < self->nring; i++) {
		kill(self->ring[i], SIGKILL);
		waitpid(self->ring[i], NULL, 0);
	}
	self->nring = 0;
	ASSERT_LT(0, tracked) TH_LOG("no namespace had counters of its own");
	ASSERT_GT(total, tracked) TH_LOG("no namespace was folded into other");

	/* The module lets go of every namespace, and of nothing else. */
	qsort(inodes, total, sizeof(*inodes), cmp_inode);
	deadline = now_ms() + tf_slow() * 60000;
	for (;;) {
		int64_t sum[TCPFSM_NSLOTS];

		n = proc_tcp_census(&census, alive_ns, ARRAY_SIZE(alive_ns));
		ASSERT_LT(0, n);
		ASSERT_EQ(0, netns_current_sum(sum, listed, &nlisted, ARRAY_SIZE(listed)));
		for (i = 0, left = 0; i < nlisted; i++)
			left += !!bsearch(&listed[i], inodes, total,
					  sizeof(*inodes), cmp_inode);
		v = stat_of(_metadata, "netns_tracked") +
		    stat_of(_metadata, "netns_folded");
		if (!left && v == (uint64_t)n)
			break;
		ASSERT_GT(deadline, now_ms())
			TH_LOG("%u deleted namespaces still listed, %" PRIu64 " counted for %d alive",
			       left, v, n);
		usleep(100000);
	}
	ASSERT_EQ(0, gauges_match_proc(err, sizeof(err))) TH_LOG("%s", err);
	ASSERT_EQ(0, tf_read_netns(0, &other));
	for (s = 0; s < TCPFSM_NSLOTS; s++)
		ASSERT_EQ(0, other.row[TCPFSM_PROTO_TCP][s].current)
			TH_LOG("other: %s", tcpfsm_state_names[s] ?: "?");
	/* Two time-wait socks in each, purged with it (60 s never passed). */
	if (tw)
		ASSERT_LE(2 * (uint64_t)total, stat_of(_metadata, "timewait_exits_netns"));

	report("netns_churn",
	       "namespaces=%u alive_at_once=%u netns_cap=%u with_own_counters=%u"
	       " folded=%u max_tracked=%" PRIu64 " max_folded=%" PRIu64
	       " timewait_exits_netns=%" PRIu64 " seconds=%.1f",
	       total, alive, cap, tracked, total - tracked, max_tracked,
	       max_folded, stat_of(_metadata, "timewait_exits_netns"),
	       seconds_since(self->start));
	free(inodes);
}

/*
 * fault_injection
 *
 * The N-th allocation that the module's own code makes while it loads
 * fails, for N = 1, 2, ... until a load makes fewer than N.  Each load
 * must either succeed, with every file it says it has, or fail with
 * ENOMEM and the kernel log line that names the part that failed
 * ("tcpfsm: not loaded: ..."); nothing else may show in the kernel log
 * but the kernel's own reports of a failed allocation; and where kmemleak
 * exists it must find nothing at the end.  The failures come from
 * /proc/thread-self/fail-nth, in failslab and fail_page_alloc, aimed at
 * the module by their stack-trace filter: only allocations with module
 * text on the stack count (x86-64: modules live above the kernel image).
 */

#define FAULT_DEBUGFS "/sys/kernel/debug"

/* Write @text to the file @path; 0 or -1. */
/* Set a fault-injection attribute, remembering its value for teardown. */
static int fault_attr_set(struct saved_attrs *saved, const char *dir,
			  const char *attr, const char *value)
{
	char path[128], *old, *entry;

	snprintf(path, sizeof(path), FAULT_DEBUGFS "/%s/%s", dir, attr);
	old = tf_slurp(path);
	if (!old || saved->n == (int)ARRAY_SIZE(saved->entry)) {
		free(old);
		return -1;
	}
	entry = saved->entry[saved->n++];
	snprintf(entry, sizeof(saved->entry[0]), "%s=%s", path, old);
	*strchrnul(entry, '\n') = '\0';
	free(old);
	return tf_write_path(path, value);
}

/* Put every attribute back as it was, last changed first. */
static void restore_attrs(struct saved_attrs *saved)
{
	while (saved->n > 0) {
		char *entry = saved->entry[--saved->n];
		char *eq = strchr(entry, '=');

		*eq = '\0';
		if (tf_write_path(entry, eq + 1))
			fprintf(stderr, "# cannot restore %s\n", entry);
	}
}

/* The end of the kernel image: module text lies above it on x86-64. */
static unsigned long kernel_end(void)
{
	char *syms = tf_slurp("/proc/kallsyms"), *line, *save = NULL;
	unsigned long addr = 0, a;
	char type, name[128];

	for (line = syms ? strtok_r(syms, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save))
		if (sscanf(line, "%lx %c %127s", &a, &type, name) == 3 &&
		    !strcmp(name, "_end")) {
			addr = a;
			break;
		}
	free(syms);
	return addr;
}

/* fail-nth: arm it with @n, or read what is left of it. */
static int nth_arm(int fd, unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	return pwrite(fd, buf, len, 0) == len ? 0 : -1;
}

static int nth_left(int fd)
{
	char buf[16] = "";

	if (pread(fd, buf, sizeof(buf) - 1, 0) <= 0)
		return -1;
	return atoi(buf);
}

/* Run a kmemleak scan; its report, or NULL if it found nothing. */
static char *kmemleak_report(void)
{
	char *report;

	if (tf_write_path(FAULT_DEBUGFS "/kmemleak", "scan"))
		return strdup("cannot start a kmemleak scan");
	report = tf_slurp(FAULT_DEBUGFS "/kmemleak");
	if (report && !*report) {
		free(report);
		return NULL;
	}
	return report ?: strdup("cannot read the kmemleak report");
}

/*
 * Aim every fault type at module text: failslab and fail_page_alloc, and
 * the others that fail-nth also counts (fail_usercopy, fail_futex, ...).
 * Returns how many directories, or -1.
 */
static int aim_faults(struct saved_attrs *saved, unsigned long start,
		      unsigned long min_order)
{
	static const char *const attrs[][2] = {
		{ "require-end", "18446744073709551615" },
		{ "reject-start", "0" }, { "reject-end", "0" },
		{ "stacktrace-depth", "32" },
	};
	DIR *d = opendir(FAULT_DEBUGFS);
	char path[300], value[32];
	struct dirent *de;
	int n = 0;
	size_t i;

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		const char *dir = de->d_name;
		bool slab = !strcmp(dir, "failslab");
		bool page = !strcmp(dir, "fail_page_alloc");

		snprintf(path, sizeof(path), FAULT_DEBUGFS "/%s/require-start", dir);
		if ((strncmp(dir, "fail_", 5) && !slab) || access(path, F_OK))
			continue;
		snprintf(value, sizeof(value), "%lu", start);
		if (fault_attr_set(saved, dir, "require-start", value))
			goto fail;
		for (i = 0; i < ARRAY_SIZE(attrs); i++)
			if (fault_attr_set(saved, dir, attrs[i][0], attrs[i][1]))
				goto fail;
		/* GFP_KERNEL allocations too; one line for each failure. */
		if ((slab || page) &&
		    (fault_attr_set(saved, dir, "ignore-gfp-wait", "N") ||
		     fault_attr_set(saved, dir, "verbose", "1")))
			goto fail;
		snprintf(value, sizeof(value), "%lu", min_order);
		if (page && (fault_attr_set(saved, dir, "ignore-gfp-highmem", "N") ||
			     fault_attr_set(saved, dir, "min-order", value)))
			goto fail;
		n++;
	}
	closedir(d);
	return n;
fail:
	closedir(d);
	return -1;
}

/*
 * Where allocation @n of a load is: the load again, with the stack of the
 * injected failure in the kernel log (verbose 2), and the module's frames
 * of that stack in @site.  For a failure report only: the stack dump is
 * a "Call Trace" to the kernel log check.
 */
static void injection_site(struct klog *klog, int nth, int ko,
			   const char *params, unsigned int n, char *site,
			   size_t len)
{
	static const char *const verbose[] = {
		FAULT_DEBUGFS "/failslab/verbose",
		FAULT_DEBUGFS "/fail_page_alloc/verbose",
	};
	char msg[1024], what[64] = "?";
	size_t i, used = 0;
	bool dump = false;

	site[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(verbose); i++)
		tf_write_path(verbose[i], "2");	/* aim_faults() saved it */
	nth_arm(nth, n);
	syscall(SYS_finit_module, ko, params, 0);
	nth_arm(nth, 0);
	while (klog_next(klog, msg, sizeof(msg))) {
		if (strstr(msg, "FAULT_INJECTION: forcing a failure")) {
			if (sscanf(strstr(msg, "name ") ?: "", "name %63[^,]", what) != 1)
				strcpy(what, "?");
			dump = true;
		} else if (dump && strstr(msg, "[tcpfsm]") && !strchr(msg, '?') &&
			   used + 2 < len) {
			const char *frame = msg + strspn(msg, " ");

			used += snprintf(site + used, len - used, "%s%.*s",
					 used ? " < " : "",
					 (int)strcspn(frame, " "), frame);
		}
	}
	if (used + 2 < len)
		snprintf(site + used, len - used, " (%s)", what);
	if (tf_module_loaded())
		tf_module_unload();
	for (i = 0; i < ARRAY_SIZE(verbose); i++)
		tf_write_path(verbose[i], "1");
}

TEST_F_TIMEOUT(stress, fault_injection, 3600)
{
	const char *params = "dwell=1 dwell_sockets=1024 inject=1";
	const char *ko_path = getenv("TCPFSM_KO") ?: KO_DEFAULT;
	unsigned int max = knob("FAULT_MAX", 1500), n;
	unsigned long min_order = knob("FAULT_MIN_ORDER", 1);
	unsigned int failed = 0, tolerated = 0, alloc_reports = 0, silent = 0;
	unsigned int incomplete = 0;
	bool slab, page, kmemleak, clean = false;
	char site[512], err_files[256];
	int nth, ko, pfd[2], rc, err, left, dirs;
	struct klog_scan scan;
	unsigned long end;
	uint64_t rng = 3;
	char *leaks;

	if (access("/proc/thread-self/fail-nth", F_OK))
		SKIP(return, "the kernel lacks CONFIG_FAULT_INJECTION (no /proc/thread-self/fail-nth)");
	slab = !access(FAULT_DEBUGFS "/failslab", F_OK);
	page = !access(FAULT_DEBUGFS "/fail_page_alloc", F_OK);
	if (!slab && !page)
		SKIP(return, "the kernel lacks CONFIG_FAILSLAB and CONFIG_FAIL_PAGE_ALLOC, or CONFIG_FAULT_INJECTION_DEBUG_FS (no %s/failslab nor fail_page_alloc)",
		     FAULT_DEBUGFS);
	if (access(slab ? FAULT_DEBUGFS "/failslab/require-start" :
		   FAULT_DEBUGFS "/fail_page_alloc/require-start", F_OK))
		SKIP(return, "the kernel lacks CONFIG_FAULT_INJECTION_STACKTRACE_FILTER: nothing aims failures at the module's own allocations");
	end = kernel_end();
	if (!end)
		SKIP(return, "no _end in /proc/kallsyms: cannot tell module text from the kernel's");
	dirs = aim_faults(&self->saved, end, min_order);
	ASSERT_LT(0, dirs) TH_LOG("cannot set the fault attributes: %s", strerror(errno));

	nth = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, nth);
	/* A pipe has no module text on its stack: it must not count. */
	ASSERT_EQ(0, nth_arm(nth, 1));
	rc = pipe(pfd);
	left = nth_left(nth);
	ASSERT_EQ(0, nth_arm(nth, 0));
	if (!rc) {
		close(pfd[0]);
		close(pfd[1]);
	}
	if (left != 1) {
		close(nth);
		SKIP(return, "this kernel's fail-nth ignores the stack-trace filter (6.1's does, 6.12's does not): it cannot aim at the module's own allocations");
	}

	kmemleak = !access(FAULT_DEBUGFS "/kmemleak", F_OK);
	if (kmemleak) {
		/* Whatever was found before is not this test's. */
		free(kmemleak_report());
		ASSERT_EQ(0, tf_write_path(FAULT_DEBUGFS "/kmemleak", "clear"));
	}
	/* From here the kernel's reports of failed allocations are expected. */
	ASSERT_EQ(0, tf_klog_faults(true));
	self->injecting = true;
	klog_scan(&self->klog, &scan);
	ASSERT_EQ(0, scan.problems) TH_LOG("before the test: %s", scan.first);

	for (n = 1; n <= max; n++) {
		ko = open(ko_path, O_RDONLY | O_CLOEXEC);
		ASSERT_LE(0, ko) TH_LOG("%s: %s", ko_path, strerror(errno));
		/* Nothing but the load between arming and reading back. */
		ASSERT_EQ(0, nth_arm(nth, n));
		rc = syscall(SYS_finit_module, ko, params, 0);
		err = errno;
		left = nth_left(nth);
		ASSERT_EQ(0, nth_arm(nth, 0));
		close(ko);
		klog_scan(&self->klog, &scan);
		alloc_reports += scan.alloc_reports;
		ASSERT_EQ(0, scan.problems)
			TH_LOG("allocation %u: kernel log: %s", n, scan.first);

		if (!rc) {
			clean = left > 0;	/* it made fewer than n allocations */
			tolerated += !clean;
			if (!files_complete(err_files, sizeof(err_files))) {
				ASSERT_FALSE(clean) TH_LOG("%s", err_files);
				/* Every such site is listed, then the test fails. */
				ASSERT_EQ(0, tf_module_unload());
				ko = open(ko_path, O_RDONLY | O_CLOEXEC);
				injection_site(&self->klog, nth, ko, params, n, site,
					       sizeof(site));
				close(ko);
				TH_LOG("allocation %u: loaded, but %s; injected at %s",
				       n, err_files, site);
				incomplete++;
				continue;
			}
			assert_files_read(_metadata, &rng);
			ASSERT_EQ(0, tf_module_unload());
			klog_scan(&self->klog, &scan);
			ASSERT_EQ(0, scan.problems)
				TH_LOG("allocation %u: unload: kernel log: %s", n, scan.first);
			if (clean)
				break;
			continue;
		}
		ASSERT_EQ(ENOMEM, err)
			TH_LOG("allocation %u: load failed with %s", n, strerror(err));
		ASSERT_EQ(0, left)
			TH_LOG("allocation %u: load failed with nothing injected", n);
		if (!scan.module_line) {
			/* Every such site is listed, then the test fails. */
			ko = open(ko_path, O_RDONLY | O_CLOEXEC);
			injection_site(&self->klog, nth, ko, params, n, site,
				       sizeof(site));
			close(ko);
			TH_LOG("allocation %u: no \"tcpfsm: not loaded: ...\" line in the kernel log; injected at %s",
			       n, site);
			silent++;
		}
		ASSERT_FALSE(tf_module_loaded());
		ASSERT_NE(0, access(TF_DEBUGFS, F_OK))
			TH_LOG("allocation %u: a failed load left its files", n);
		failed++;
	}
	close(nth);
	restore_attrs(&self->saved);
	ASSERT_EQ(0, tf_klog_faults(false));
	self->injecting = false;
	EXPECT_EQ(0, silent) TH_LOG("%u failed loads said nothing", silent);
	EXPECT_EQ(0, incomplete) TH_LOG("%u loads lacked files", incomplete);
	ASSERT_TRUE(clean) TH_LOG("still failing after %u allocations", max);
	/* The n-th load failed nothing: n - 1 allocations were failed in turn. */
	ASSERT_LT(1, n) TH_LOG("no allocation of the module was ever failed");

	if (kmemleak) {
		sleep(6);	/* kmemleak reports objects 5 s old and older */
		leaks = kmemleak_report();
		if (leaks)
			ASSERT_EQ(0, tf_write_path(FAULT_DEBUGFS "/kmemleak", "clear"));
		ASSERT_EQ(NULL, leaks) TH_LOG("kmemleak:\n%s", leaks);
	}
	report("fault_injection",
	       "allocations_failed=%u loads_failed=%u loads_silent=%u loads_tolerated=%u loads_incomplete=%u"
	       " kernel_alloc_reports=%u min_order=%lu failslab=%d fail_page_alloc=%d"
	       " fault_types_aimed=%d kmemleak=%s seconds=%.1f",
	       n - 1, failed, silent, tolerated, incomplete, alloc_reports,
	       min_order, slab, page,
	       dirs, kmemleak ? "clean" : "absent", seconds_since(self->start));
}

/*
 * hostile_input
 *
 * Writes that must be refused, to control and inject: random bytes of
 * every size from 0 to 1 MiB, NUL and bytes no command contains inside
 * otherwise valid lines, lines broken token by token, valid lines cut in
 * pieces written one by one (write and writev), unmapped buffers, and all
 * of it from four processes at once; then every module parameter at and
 * beyond its bounds.  Each refused write returns EINVAL (E2BIG would do;
 * EFAULT for an unmapped buffer) and changes nothing; each refused load
 * fails with its errno and a kernel log line that names the parameter;
 * each bound that is accepted is in force.  The seed is printed:
 * STRESS_SEED replays a run.
 */

enum { T_CONTROL, T_INJECT, NTARGETS };
static const char *const target_names[NTARGETS] = { "control", "inject" };

enum { H_RANDOM, H_NUL, H_LONG, H_BYTE, H_TOKEN, H_SPLIT, H_FAULT, NCLASSES };
static const char *const class_names[NCLASSES] = {
	"random", "nul", "long", "byte", "token", "split", "unmapped",
};

struct hostile {
	uint64_t tried[NTARGETS][NCLASSES];
	uint64_t skipped;	/* generated inputs a command could accept */
	struct first_error err;
};

/* A state of @proto as this kernel names it, or STATE_<decimal, 0..255>. */
static bool state_token_ok(int proto, const char *t)
{
	unsigned long n;

	if (strncmp(t, "STATE_", 6))
		return tf_proto_state_parse(proto, t) >= 0;
	if (!is_number(t + 6, strlen(t + 6)))
		return false;
	errno = 0;
	n = strtoul(t + 6, NULL, 10);
	return !errno && n <= 255;
}

/* "1.2.3.4:80" or "[::1]:80", as the module takes them. */
static bool endpoint_token_ok(const char *t, int *family)
{
	struct endpoint e;
	const char *port = t[0] == '[' ? strchr(t, ']') : strrchr(t, ':');

	if (!port || endpoint_parse(t, &e))
		return false;
	port = strchr(port, ':') + 1;
	/* kstrtou16() takes leading zeros; endpoint_parse() five digits. */
	port += strspn(port, "0") - (port[strspn(port, "0")] ? 0 : 1);
	*family = e.family;
	return strlen(port) <= 5 && strtoul(port, NULL, 10) <= 65535;
}

/*
 * Whether the module could take these bytes as a command.  control takes
 * "reset" and an optional newline.  inject takes one line shorter than
 * its buffer, "PROTO FROM TO [SRC DST]" (docs/debugfs.md): fields
 * separated by single spaces, nothing before or after them, states named
 * as the protocol names them on this kernel.
 */
static bool command_ok(int target, const char *buf, size_t len)
{
	char line[WRITE_MAX], *tok[6], *p;
	int n = 0, proto, fs, fd;

	if (target == T_CONTROL)
		return (len == 5 && !memcmp(buf, "reset", 5)) ||
		       (len == 6 && !memcmp(buf, "reset\n", 6));
	if (!len || len >= WRITE_MAX || memchr(buf, '\0', len))
		return false;
	memcpy(line, buf, len);
	line[len] = '\0';
	if (line[len - 1] == '\n')
		line[--len] = '\0';
	if (strchr(line, '\n'))
		return false;
	for (p = line; p; ) {
		if (n == 6)
			return false;
		tok[n++] = strsep(&p, " ");
		if (!*tok[n - 1])
			return false;
	}
	if (n != 3 && n != 5)
		return false;
	proto = tf_proto_parse(tok[0]);
	if (proto < 0 || !state_token_ok(proto, tok[1]) ||
	    !state_token_ok(proto, tok[2]))
		return false;
	return n == 3 || (endpoint_token_ok(tok[3], &fs) &&
			  endpoint_token_ok(tok[4], &fd) && fs == fd);
}

static const char *const state_names_any[] = {
	"ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2",
	"TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING",
	"NEW_SYN_RECV",
};

/* A valid inject line, with or without addresses and newline. */
static size_t valid_inject(uint64_t *rng, char *out, size_t cap)
{
	char st[2][16], ep[2][64];
	int i, kind = rnd_below(rng, 3);
	size_t len;

	for (i = 0; i < 2; i++) {
		if (rnd_below(rng, 4))
			snprintf(st[i], sizeof(st[i]), "%s",
				 state_names_any[rnd_below(rng, ARRAY_SIZE(state_names_any))]);
		else
			snprintf(st[i], sizeof(st[i]), "STATE_%u", rnd_below(rng, 256));
		if (kind == 1)
			snprintf(ep[i], sizeof(ep[i]), "%u.%u.%u.%u:%u",
				 rnd_below(rng, 256), rnd_below(rng, 256),
				 rnd_below(rng, 256), rnd_below(rng, 256),
				 rnd_below(rng, 65536));
		else
			snprintf(ep[i], sizeof(ep[i]), "[2001:db8:%x::%x]:%u",
				 rnd_below(rng, 65536), rnd_below(rng, 65536),
				 rnd_below(rng, 65536));
	}
	if (kind)
		len = snprintf(out, cap, "%s %s %s %s %s",
			       rnd_below(rng, 2) ? "TCP" : "MPTCP", st[0], st[1],
			       ep[0], ep[1]);
	else
		len = snprintf(out, cap, "%s %s %s",
			       rnd_below(rng, 2) ? "TCP" : "MPTCP", st[0], st[1]);
	if (rnd_below(rng, 2))
		out[len++] = '\n';
	out[len] = '\0';
	return len;
}

/* A valid command for @target, to be broken. */
static size_t valid_command(int target, uint64_t *rng, char *out, size_t cap)
{
	if (target == T_INJECT)
		return valid_inject(rng, out, cap);
	return snprintf(out, cap, "%s", rnd_below(rng, 2) ? "reset" : "reset\n");
}

/* A byte that no token contains: not alphanumeric, nor _ . : [ ] or space. */
static char foreign_byte(uint64_t *rng)
{
	for (;;) {
		unsigned char c = rnd(rng) >> 56;

		if (!(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') &&
		    !(c >= '0' && c <= '9') && !strchr("_.:[] ", c))
			return c;
	}
}

/* Break one token of a valid inject line, or the line's shape. */
static size_t broken_tokens(uint64_t *rng, char *out, size_t cap)
{
	static const char *const bad_state_numbers[] = {
		"STATE_", "STATE_+1", "STATE_-1", "STATE_0x1", "STATE_1a",
		"STATE_256", "STATE_4294967296", "STATE_99999999999999999999",
		"STATE_\xd9\xa1",
	};
	static const char *const bad_endpoints[] = {
		"1.2.3.4:65536", "1.2.3.4:", "1.2.3.4", "1.2.3:80", "1.2.3.4.5:80",
		"1.2.3.400:80", "1.2.3.4:+80", "1.2.3.4:-1", "1.2.3.4:0x50",
		"[::1:80", "::1:80", "[::g]:80", "[::1]80", "[::1]:", "[]:80",
		"[1:2:3:4:5:6:7:8:9]:80", "[::1]:99999", "localhost:80",
	};
	char st[2][32], ep[2][64], proto[16];
	int kind = rnd_below(rng, 10), i, n;
	size_t len;

	snprintf(proto, sizeof(proto), "%s", rnd_below(rng, 2) ? "TCP" : "MPTCP");
	for (i = 0; i < 2; i++) {
		snprintf(st[i], sizeof(st[i]), "%s",
			 state_names_any[rnd_below(rng, ARRAY_SIZE(state_names_any))]);
		snprintf(ep[i], sizeof(ep[i]), "10.%u.%u.%u:%u", rnd_below(rng, 256),
			 rnd_below(rng, 256), rnd_below(rng, 256), rnd_below(rng, 65536));
	}
	switch (kind) {
	case 0:		/* a protocol nobody knows, or in lower case */
		snprintf(proto, sizeof(proto), "%s",
			 rnd_below(rng, 2) ? "UDP" : rnd_below(rng, 2) ? "tcp" : "TCPP");
		break;
	case 1:		/* a state nobody knows, or one letter lower case */
		i = rnd_below(rng, 2);
		st[i][rnd_below(rng, strlen(st[i]))] |= 0x20;
		if (!strcmp(st[i], "established"))
			break;
		if (!strchr(st[i], '_') && !strpbrk(st[i], "abcdefghijklmnopqrstuvwxyz"))
			snprintf(st[i], sizeof(st[i]), "TIME-WAIT");
		break;
	case 2:
		snprintf(st[rnd_below(rng, 2)], sizeof(st[0]), "%s",
			 bad_state_numbers[rnd_below(rng, ARRAY_SIZE(bad_state_numbers))]);
		break;
	case 3:
		snprintf(ep[rnd_below(rng, 2)], sizeof(ep[0]), "%s",
			 bad_endpoints[rnd_below(rng, ARRAY_SIZE(bad_endpoints))]);
		break;
	case 4:		/* two families */
		snprintf(ep[rnd_below(rng, 2)], sizeof(ep[0]), "[::1]:80");
		break;
	default:
		break;
	}
	n = kind == 5 ? 1 + rnd_below(rng, 2) :		/* too few tokens */
	    kind == 6 ? 4 : kind == 7 ? 6 + rnd_below(rng, 3) : 5;
	len = snprintf(out, cap, "%s", proto);
	for (i = 1; i < n && len < cap; i++) {
		const char *t = i < 3 ? st[i - 1] : i < 5 ? ep[i - 3] : "x";
		/* two spaces, or a tab, between two tokens inside the line */
		const char *sep = kind == 8 && i == 2 ? "  " :
				  kind == 9 && i == 2 ? "\t" : " ";

		len += snprintf(out + len, cap - len, "%s%s", sep, t);
	}
	return len < cap ? len : cap - 1;
}

/* Build one hostile input of @class for @target into @buf; its length. */
static size_t hostile_input(int target, int class, uint64_t *rng,
			    unsigned char *buf, size_t cap)
{
	static const char *const control_misses[] = {
		"RESET", "Reset", "rese", "resets", "resetreset", "reset reset",
		" reset", "reset ", "\treset", "reset\r", "reset\r\n",
		"reset\n\n", "\nreset", "reset\xa0", "\xa0reset", "reset\n ",
	};
	size_t len = 0, i, pos;

	switch (class) {
	case H_RANDOM:
		len = rnd_below(rng, WRITE_MAX);
		for (i = 0; i < len; i++)
			buf[i] = rnd(rng) >> 56;
		return len;
	case H_NUL:
	case H_BYTE:
		len = valid_command(target, rng, (char *)buf, cap - 1);
		if (len && buf[len - 1] == '\n' && class == H_BYTE)
			len--;
		/* NUL anywhere; another byte strictly inside the line */
		pos = class == H_NUL ? rnd_below(rng, len + 1) :
		      target == T_CONTROL ? rnd_below(rng, len + 1) :
		      1 + rnd_below(rng, len - 1);
		memmove(buf + pos + 1, buf + pos, len - pos);
		buf[pos] = class == H_NUL ? '\0' : foreign_byte(rng);
		return len + 1;
	case H_LONG:
		/* A valid command again and again, or random bytes. */
		len = !rnd_below(rng, 64) ? cap :
		      !rnd_below(rng, 32) ? 65536 :
		      WRITE_MAX + rnd_below(rng, 4096 - WRITE_MAX);
		pos = valid_command(target, rng, (char *)buf, WRITE_MAX);
		if (rnd_below(rng, 2))
			for (i = 0; i < pos; i++)
				buf[i] = rnd(rng) >> 56;
		for (i = pos; i < len; i += pos)
			memcpy(buf + i, buf, len - i < pos ? len - i : pos);
		return len;
	case H_TOKEN:
		if (target == T_CONTROL)
			return snprintf((char *)buf, cap, "%s",
					control_misses[rnd_below(rng, ARRAY_SIZE(control_misses))]);
		return broken_tokens(rng, (char *)buf, cap);
	}
	return 0;
}

/* One write that must be refused with @want (or E2BIG for EINVAL). */
static void expect_refused(struct hostile *h, int target, int class, int fd,
			   const void *buf, size_t len, int want)
{
	ssize_t n = write(fd, buf, len);
	int got = n < 0 ? errno : 0;

	ADD(h->tried[target][class], 1);
	if (got == want || (want == EINVAL && got == E2BIG))
		return;
	note(&h->err, "%s <- %s input of %zu bytes \"%.*s\": %s instead of %s",
	     target_names[target], class_names[class], len,
	     (int)(len < 60 ? len : 60), (const char *)buf,
	     n < 0 ? strerror(got) : "accepted", strerror(want));
}

/*
 * A valid command cut in two or three pieces, each written on its own
 * (write() or one writev(), whose every part debugfs hands over apart):
 * each piece must be refused.  Cuts that leave a valid piece are not used.
 */
static void split_writes(struct hostile *h, int target, int fd, uint64_t *rng)
{
	char line[WRITE_MAX];
	size_t len, cut[4], k, npieces;
	int attempt;

	for (attempt = 0; attempt < 8; attempt++) {
		bool ok = true;

		len = valid_command(target, rng, line, sizeof(line));
		npieces = 2 + rnd_below(rng, 2);
		cut[0] = 0;
		cut[npieces] = len;
		for (k = 1; k < npieces; k++)
			cut[k] = cut[k - 1] + 1 + rnd_below(rng, len - cut[k - 1] - (npieces - k));
		for (k = 0; k < npieces && ok; k++)
			ok = cut[k + 1] > cut[k] &&
			     !command_ok(target, line + cut[k], cut[k + 1] - cut[k]);
		if (!ok)
			continue;
		if (rnd_below(rng, 2)) {
			struct iovec iov[3];

			for (k = 0; k < npieces; k++) {
				iov[k].iov_base = line + cut[k];
				iov[k].iov_len = cut[k + 1] - cut[k];
			}
			ADD(h->tried[target][H_SPLIT], 1);
			if (writev(fd, iov, npieces) >= 0 || errno != EINVAL)
				note(&h->err, "%s <- writev of %zu pieces of \"%.*s\": %s",
				     target_names[target], npieces, (int)len, line,
				     strerror(errno));
			return;
		}
		for (k = 0; k < npieces; k++)
			expect_refused(h, target, H_SPLIT, fd, line + cut[k],
				       cut[k + 1] - cut[k], EINVAL);
		return;
	}
	ADD(h->skipped, 1);
}

struct hostile_run {
	struct hostile *h;
	uint64_t seed;
	unsigned int count;
	unsigned char *big, *guard;	/* 1 MiB; the first unmapped byte */
};

static void hostile_writes(void *arg, int idx)
{
	struct hostile_run *run = arg;
	struct hostile *h = run->h;
	uint64_t rng = run->seed + idx;
	int fds[NTARGETS], t, class;
	unsigned int i;
	size_t len;

	fds[T_CONTROL] = open(TF_DEBUGFS "/control", O_WRONLY | O_CLOEXEC);
	fds[T_INJECT] = open(TF_DEBUGFS "/inject", O_WRONLY | O_CLOEXEC);
	if (fds[T_CONTROL] < 0 || fds[T_INJECT] < 0) {
		note(&h->err, "open: %s", strerror(errno));
		return;
	}
	for (i = 0; i < run->count; i++) {
		t = rnd_below(&rng, NTARGETS);
		class = rnd_below(&rng, NCLASSES);
		if (class == H_SPLIT) {
			split_writes(h, t, fds[t], &rng);
			continue;
		}
		if (class == H_FAULT) {
			/* Bytes that run into an unmapped page, or no buffer at all. */
			len = 1 + rnd_below(&rng, WRITE_MAX - 1);
			expect_refused(h, t, class, fds[t], rnd_below(&rng, 4) ?
				       run->guard - rnd_below(&rng, len) : NULL,
				       len, EFAULT);
			continue;
		}
		len = hostile_input(t, class, &rng, run->big, 1 << 20);
		if (command_ok(t, (char *)run->big, len)) {
			ADD(h->skipped, 1);
			continue;
		}
		expect_refused(h, t, class, fds[t], run->big, len, EINVAL);
	}
	close(fds[T_CONTROL]);
	close(fds[T_INJECT]);
}

/* What a write to control or inject could change. */
struct snapshot {
	char *transitions, *states, *illegal;
	uint64_t stat[7];
};

static const char *const snapshot_keys[] = {
	"events", "illegal", "unknown_state", "injected", "log_records",
	"log_dropped", "log_next_seq",
};

static int snapshot_take(struct snapshot *s)
{
	size_t i;

	s->transitions = tf_slurp(TF_DEBUGFS "/transitions");
	s->states = tf_slurp(TF_DEBUGFS "/states");
	s->illegal = tf_slurp(TF_DEBUGFS "/illegal");
	if (!s->transitions || !s->states || !s->illegal)
		return -1;
	for (i = 0; i < ARRAY_SIZE(snapshot_keys); i++)
		if (tf_read_stat(snapshot_keys[i], &s->stat[i]))
			return -1;
	return 0;
}

/* Whether nothing changed from @a to @b; what did in @err. */
static bool snapshot_same(const struct snapshot *a, const struct snapshot *b,
			  char *err, size_t len)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(snapshot_keys); i++)
		if (a->stat[i] != b->stat[i])
			return snprintf(err, len, "%s went from %" PRIu64 " to %" PRIu64,
					snapshot_keys[i], a->stat[i], b->stat[i]), false;
	if (strcmp(a->transitions, b->transitions))
		return snprintf(err, len, "transitions changed"), false;
	if (strcmp(a->states, b->states))
		return snprintf(err, len, "states changed"), false;
	if (strcmp(a->illegal, b->illegal))
		return snprintf(err, len, "the illegal log changed"), false;
	return true;
}

static void snapshot_free(struct snapshot *s)
{
	free(s->transitions);
	free(s->states);
	free(s->illegal);
}

/* Module parameters at their bounds, in force once loaded (tcpfsm_main.c). */
static const struct {
	const char *params;
	const char *key;	/* the stats key that shows it */
	uint64_t value;
} params_accepted[] = {
	{ "log_size=1", "log_size", 1 },
	{ "log_size=65536", "log_size", 65536 },
	{ "netns_cap=0", "netns_cap", 0 },
	{ "netns_cap=4096", "netns_cap", 4096 },
	{ "dwell=1 dwell_sockets=1024", "dwell_capacity", 1024 },
	/* accepted, and nothing allocated: dwell is off */
	{ "dwell_sockets=16777216", "dwell", 0 },
	{ "strict=1", "strict", 1 },
	{ "strict=n", "strict", 0 },
	{ "inject=Y", "inject", 1 },
	{ "timewait=0", "timewait_tracking", 0 },
};

/* ... and beyond them: the load fails with this error. */
static const struct {
	const char *params;
	int err;
} params_refused[] = {
	{ "log_size=0", -EINVAL }, { "log_size=65537", -EINVAL },
	{ "log_size=4294967295", -EINVAL }, { "log_size=4294967296", -ERANGE },
	{ "log_size=99999999999999999999", -ERANGE },
	{ "log_size=-1", -EINVAL }, { "log_size=1e3", -EINVAL },
	{ "log_size=", -EINVAL }, { "log_size=8 log_size=0", -EINVAL },
	{ "netns_cap=4097", -EINVAL }, { "netns_cap=-1", -EINVAL },
	{ "netns_cap=4294967296", -ERANGE },
	{ "dwell_sockets=1023", -EINVAL }, { "dwell_sockets=16777217", -EINVAL },
	{ "dwell_sockets=0", -EINVAL }, { "dwell=1 dwell_sockets=-1", -EINVAL },
	{ "strict=2", -EINVAL }, { "strict=-1", -EINVAL }, { "strict=", -EINVAL },
	{ "inject=2", -EINVAL }, { "timewait=x", -EINVAL },
	{ "dwell=maybe", -EINVAL },
};

/* Every parameter case; returns how many loads were tried. */
static unsigned int assert_params(struct __test_metadata *_metadata,
				  struct klog *klog)
{
	struct klog_scan scan;
	char msg[1024], name[32];
	unsigned int i;
	bool named;

	for (i = 0; i < ARRAY_SIZE(params_accepted); i++) {
		const char *params = params_accepted[i].params;

		ASSERT_EQ(0, tf_module_load(params)) TH_LOG("%s", params);
		ASSERT_EQ(params_accepted[i].value,
			  stat_of(_metadata, params_accepted[i].key)) TH_LOG("%s", params);
		ASSERT_EQ(0, tf_module_unload());
	}
	for (i = 0; i < ARRAY_SIZE(params_refused); i++) {
		const char *params = params_refused[i].params, *last;

		klog_scan(klog, &scan);
		ASSERT_EQ(0, scan.problems) TH_LOG("%s", scan.first);
		ASSERT_EQ(params_refused[i].err, tf_module_load(params)) TH_LOG("%s", params);
		ASSERT_FALSE(tf_module_loaded()) TH_LOG("%s", params);
		ASSERT_NE(0, access(TF_DEBUGFS, F_OK));
		/* The kernel log names the parameter refused: the last one. */
		last = strrchr(params, ' ') ? strrchr(params, ' ') + 1 : params;
		snprintf(name, sizeof(name), "%.*s", (int)strcspn(last, "="), last);
		for (named = false; klog_next(klog, msg, sizeof(msg)); )
			named |= strstr(msg, "tcpfsm") && strstr(msg, name);
		ASSERT_TRUE(named) TH_LOG("%s: no kernel log line names %s", params, name);
	}
	return ARRAY_SIZE(params_accepted) + ARRAY_SIZE(params_refused);
}

TEST_F_TIMEOUT(stress, hostile_input, 900)
{
	unsigned int total = knob("HOSTILE", 12000), writers = 4, i, t, c;
	/* Counts and records, and no time-wait sock whose timer could move them. */
	const struct tf_scenario *rst = tf_scenario_find("rst_linger0");
	struct hostile *h = shared(sizeof(*h));
	struct snapshot before, after;
	struct hostile_run run;
	uint64_t seed, tried = 0, rng, per_target[NTARGETS] = { 0 };
	uint64_t per_class[NCLASSES] = { 0 };
	char figures[256];
	size_t used;
	char line[WRITE_MAX], pad[WRITE_MAX], err[256];
	unsigned char *guard;
	int fd, params;

	seed = knob("SEED", 0) ?: (uint64_t)now_ms() * 2654435761ULL ^ getpid();
	printf("# hostile_input: seed %" PRIu64 " (STRESS_SEED=%" PRIu64 " replays this run)\n",
	       seed, seed);
	fflush(stdout);
	ASSERT_NE(NULL, h);
	run = (struct hostile_run){ .h = h, .seed = seed, .count = total / 2 };
	run.big = malloc(1 << 20);
	ASSERT_NE(NULL, run.big);
	/* Two pages, the second unmapped: writes that run into it fault. */
	guard = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, guard);
	ASSERT_EQ(0, munmap(guard + 4096, 4096));
	memset(guard, 'r', 4096);
	run.guard = guard + 4096;

	ASSERT_EQ(0, tf_module_load("inject=1"));
	ASSERT_EQ(0, rst->run(AF_INET));
	ASSERT_EQ(0, tf_wait_events(tf_scenario_events(rst), 10000));
	ASSERT_EQ(0, tf_write("inject", "TCP ESTABLISHED SYN_SENT"));
	ASSERT_EQ(0, tf_write("inject", "TCP LAST_ACK ESTABLISHED 10.0.0.1:1 10.0.0.2:2"));
	ASSERT_EQ(0, snapshot_take(&before));

	/*
	 * An address in brackets that never closes, last on the line: the
	 * port must not be looked for past the end of the line, whatever an
	 * earlier write left in the module's buffer there, nor past the end
	 * of the buffer itself (127 bytes).
	 */
	fd = open(TF_DEBUGFS "/inject", O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	expect_refused(h, T_INJECT, H_TOKEN, fd, "TCX CLOSE LISTEN [::1]:80 [::2]:99", 34, EINVAL);
	expect_refused(h, T_INJECT, H_TOKEN, fd, "TCP CLOSE LISTEN [::1]:80 [::2", 30, EINVAL);
	memset(pad, '0', sizeof(pad));
	snprintf(line, sizeof(line), "TCP CLOSE LISTEN [::1]:80 [::%.*s1",
		 WRITE_MAX - 1 - 30, pad);
	ASSERT_EQ(WRITE_MAX - 1, (int)strlen(line));
	ASSERT_TRUE(!command_ok(T_INJECT, line, strlen(line)));
	expect_refused(h, T_INJECT, H_TOKEN, fd, line, strlen(line), EINVAL);
	close(fd);

	/* Alone, then four at once. */
	hostile_writes(&run, 0);
	run.count = total / 2 / writers;
	for (i = 0; i < writers; i++)
		ASSERT_LT(0, crew_start(&self->crew, hostile_writes, &run, 1 + i));
	ASSERT_EQ(0, crew_join(&self->crew, 600000));
	ASSERT_EQ(0, h->err.count) TH_LOG("%" PRIu64 " unexpected results, the first: %s",
					  h->err.count, h->err.what);

	ASSERT_EQ(0, snapshot_take(&after));
	ASSERT_TRUE(snapshot_same(&before, &after, err, sizeof(err))) TH_LOG("%s", err);
	snapshot_free(&before);
	snapshot_free(&after);

	/* The lines the inputs were made from are valid: 32 of them are taken. */
	rng = seed;
	for (i = 0; i < 32; i++) {
		size_t len = valid_inject(&rng, line, sizeof(line));

		ASSERT_TRUE(command_ok(T_INJECT, line, len));
		fd = open(TF_DEBUGFS "/inject", O_WRONLY | O_CLOEXEC);
		ASSERT_LE(0, fd);
		ASSERT_EQ((ssize_t)len, write(fd, line, len)) TH_LOG("%.*s: %s",
			(int)len, line, strerror(errno));
		close(fd);
	}
	ASSERT_EQ(before.stat[3] + 32, stat_of(_metadata, "injected"));
	ASSERT_EQ(0, tf_module_unload());

	params = assert_params(_metadata, &self->klog);
	/* writes=N control=N inject=N random=N ... unmapped=N */
	for (t = 0; t < NTARGETS; t++)
		for (c = 0; c < NCLASSES; c++) {
			per_target[t] += h->tried[t][c];
			per_class[c] += h->tried[t][c];
			tried += h->tried[t][c];
		}
	used = snprintf(figures, sizeof(figures), "writes=%" PRIu64, tried);
	for (t = 0; t < NTARGETS; t++)
		used += snprintf(figures + used, sizeof(figures) - used,
				 " %s=%" PRIu64, target_names[t], per_target[t]);
	for (c = 0; c < NCLASSES; c++)
		used += snprintf(figures + used, sizeof(figures) - used,
				 " %s=%" PRIu64, class_names[c], per_class[c]);
	report("hostile_input",
	       "seed=%" PRIu64 " %s concurrent_writers=%u skipped_valid=%" PRIu64
	       " params=%d seconds=%.1f",
	       seed, figures, writers, h->skipped, params,
	       seconds_since(self->start));
	munmap(guard, 4096);
	free(run.big);
}

/*
 * The harness stops a test after a fixed time: enough for the default
 * sizes on a slow emulator.  A longer campaign sets STRESS_TIMEOUT.
 */
static void __attribute__((constructor)) stress_timeouts(void)
{
	struct __test_metadata *const tests[] = {
		&_stress_load_unload_object, &_stress_log_flood_object,
		&_stress_netns_churn_object, &_stress_fault_injection_object,
		&_stress_hostile_input_object,
	};
	unsigned long timeout = knob("TIMEOUT", 0);
	size_t i;

	for (i = 0; timeout && i < ARRAY_SIZE(tests); i++)
		tests[i]->timeout = timeout;
}

TEST_HARNESS_MAIN
TF_STRETCH_TIMEOUTS
