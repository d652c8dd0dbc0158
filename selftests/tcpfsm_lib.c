// SPDX-License-Identifier: GPL-2.0
/*
 * tcpfsm_lib.c - helpers for the tcpfsm selftests
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "tcpfsm_lib.h"

#define TF_KO_DEFAULT "/lib/tcpfsm/tcpfsm.ko"
#define TF_TRACE_INSTANCE "/sys/kernel/tracing/instances/tcpfsm_selftest"

/* Load the module with @params ("" for defaults); returns 0 or -errno. */
int tf_module_load(const char *params)
{
	const char *ko = getenv("TCPFSM_KO");
	int fd, err = 0;

	fd = open(ko ? ko : TF_KO_DEFAULT, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (syscall(SYS_finit_module, fd, params, 0))
		err = -errno;
	close(fd);
	return err;
}

/* Unload the module, waiting while it is busy; returns 0 or -errno. */
int tf_module_unload(void)
{
	int i;

	for (i = 0; i < 500; i++) {
		if (!syscall(SYS_delete_module, "tcpfsm", O_NONBLOCK))
			return 0;
		if (errno != EAGAIN && errno != EBUSY)
			return -errno;
		usleep(10000);
	}
	return -EBUSY;
}

bool tf_module_loaded(void)
{
	return access("/sys/module/tcpfsm", F_OK) == 0;
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

int tf_write(const char *file, const char *text)
{
	char path[256];
	size_t len = strlen(text);
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), TF_DEBUGFS "/%s", file);
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

/* Read a tcpfsm file and check its first line names @file and format 1. */
static char *tf_read_file(const char *file)
{
	char path[256], header[128];
	char *buf;

	snprintf(path, sizeof(path), TF_DEBUGFS "/%s", file);
	buf = tf_slurp(path);
	if (!buf)
		return NULL;
	snprintf(header, sizeof(header), "# tcpfsm %s format %d\n", file,
		 TCPFSM_FORMAT_VERSION);
	if (strncmp(buf, header, strlen(header))) {
		fprintf(stderr, "%s: unexpected first line\n", path);
		free(buf);
		errno = EPROTO;
		return NULL;
	}
	return buf;
}

/*
 * Call @fn for every line of tcpfsm file @file that is not a comment.
 * A line @fn refuses (non-zero) is reported and ends the read with EPROTO.
 */
static int tf_each_line(const char *file, int (*fn)(char *line, void *ctx),
			void *ctx)
{
	char *buf = tf_read_file(file), *line, *save = NULL;
	int ret = 0;

	if (!buf)
		return -1;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#')
			continue;
		if (fn(line, ctx)) {
			fprintf(stderr, "%s: bad line: %s\n", file, line);
			errno = EPROTO;
			ret = -1;
			break;
		}
	}
	free(buf);
	return ret;
}

/* A TCP or other state that fits the counted range, or -1. */
static int tf_slot(const char *name)
{
	int s = tf_state_parse(name);

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
	f = tf_slot(from);
	t = tf_slot(to);
	if (p < 0 || f < 0 || t < 0 || strlen(verdict) > 7)
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
	st = tf_slot(state);
	if (p < 0 || st < 0)
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

static int tf_write_path(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

int tf_trace_start(void)
{
	if (mkdir(TF_TRACE_INSTANCE, 0700) && errno != EEXIST)
		return -1;
	if (tf_write_path(TF_TRACE_INSTANCE "/buffer_size_kb", "8192") ||
	    tf_write_path(TF_TRACE_INSTANCE "/trace", "") ||
	    tf_write_path(TF_TRACE_INSTANCE
			  "/events/sock/inet_sock_set_state/enable", "1"))
		return -1;
	return 0;
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
	char name[40];

	if (!strncmp(sym, "TCP_", 4))
		return tf_state_parse(sym + 4);
	snprintf(name, sizeof(name), "STATE_%s", sym);
	return tf_state_parse(name);
}

int tf_trace_stop(struct tf_matrix *m)
{
	char *buf, *line, *save = NULL;
	unsigned long in_buf = 0, written = 0;
	int ret = 0;

	if (tf_write_path(TF_TRACE_INSTANCE
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
	}
	free(buf);
	if (found != 5) {
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

		if (first) {	/* the header */
			first = 0;
			continue;
		}
		if (sscanf(line, " %*d: %63s %63s %x %*x:%*x %x:", local,
			   remote, &state, &timer) != 4 ||
		    state >= TCPFSM_NSLOTS) {
			fprintf(stderr, "%s: cannot parse: %s\n", path, line);
			free(buf);
			errno = EPROTO;
			return -1;
		}
		if (timer == 3)
			p->timewait[state]++;
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

static long long tf_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int tf_wait_events(uint64_t events, int timeout_ms)
{
	long long deadline = tf_ms() + timeout_ms;
	uint64_t now = 0;

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

/*
 * Scan the kernel log: returns the sequence number of its last record and,
 * if @first is set, copies there the first record after @since that shows
 * a kernel problem.
 */
static long long tf_kmsg_scan(long long since, char *first, int len)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	long long last = 0, seq;
	char rec[8192];
	ssize_t n;

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
		if (seq <= since || !first)
			continue;
		if (strstr(rec, "WARNING:") || strstr(rec, "BUG:") ||
		    strstr(rec, "Oops") || strstr(rec, "general protection") ||
		    strstr(rec, "Call Trace") || strstr(rec, "UBSAN") ||
		    strstr(rec, "refcount_t") || strstr(rec, "corruption") ||
		    strstr(rec, "Attempt to release")) {
			if (!*first)
				snprintf(first, len, "%s", strchr(rec, ';') + 1);
		}
	}
	close(fd);
	return last;
}

int tf_kernel_log_lines(void)
{
	return tf_kmsg_scan(-1, NULL, 0);
}

int tf_kernel_problems(int since_line, char *first, int len)
{
	first[0] = '\0';
	if (tf_kmsg_scan(since_line, first, len) < 0)
		return -1;
	return first[0] != '\0';
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
