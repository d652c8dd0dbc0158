// SPDX-License-Identifier: GPL-2.0
/*
 * scenarios.c - loopback TCP traffic whose state transitions are known
 *
 * Every scenario waits for the kernel to settle (a peer's EOF or reset, a
 * socket's TCP_INFO state) before its next step, so the transitions it
 * produces do not depend on timing.  The expected pairs are what Linux 6.1
 * reports, checked by selftests/scenarios_test.c against the kernel's own
 * trace event.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "scenarios.h"

#define TF_TIMEOUT_MS 5000

void (*tf_checkpoint)(const char *scenario, const char *where);

/* Report a failed step and return -errno (or -EPROTO if errno is 0). */
static int tf_fail(const char *scenario, const char *step)
{
	int err = errno ? errno : EPROTO;

	fprintf(stderr, "scenario %s: %s: %s\n", scenario, step, strerror(err));
	return -err;
}

static void tf_check(const char *scenario, const char *where)
{
	if (tf_checkpoint)
		tf_checkpoint(scenario, where);
}

int tf_slow(void)
{
	static int slow;
	const char *env;

	if (!slow) {
		env = getenv("TCPFSM_SLOW");
		slow = env ? atoi(env) : 1;
		if (slow < 1 || slow > 100)
			slow = 1;
	}
	return slow;
}

/* Fill @ss with the loopback address of @family and @port. */
socklen_t tf_loopback(int family, unsigned short port,
		      struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		a->sin6_family = AF_INET6;
		a->sin6_addr = in6addr_loopback;
		a->sin6_port = htons(port);
		return sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		a->sin_port = htons(port);
		return sizeof(*a);
	}
}

/* The local port a socket is bound to, or 0. */
static unsigned short tf_local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len))
		return 0;
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/* A TCP socket bound to loopback port 0 (any free port). */
static int tf_bound_socket(int family, unsigned short *port)
{
	struct sockaddr_storage ss;
	socklen_t len = tf_loopback(family, 0, &ss);
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP);

	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&ss, len)) {
		close(fd);
		return -1;
	}
	*port = tf_local_port(fd);
	return fd;
}

/* A loopback listener on a free port; the port is stored in *@port. */
int tf_listener(int family, int backlog, unsigned short *port)
{
	int fd = tf_bound_socket(family, port);

	if (fd < 0)
		return -1;
	if (listen(fd, backlog)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A blocking connect to loopback @port. */
int tf_connect(int family, unsigned short port)
{
	struct sockaddr_storage ss;
	socklen_t len = tf_loopback(family, port, &ss);
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP);

	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&ss, len)) {
		int err = errno;

		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

static long long tf_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Wait until the socket reaches kernel TCP state @state (TCP_INFO). */
int tf_wait_tcp_state(int fd, int state, int timeout_ms)
{
	long long deadline = tf_now_ms() + (long long)timeout_ms * tf_slow();
	struct tcp_info ti;
	socklen_t len;

	for (;;) {
		len = sizeof(ti);
		if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len))
			return -1;
		if (ti.tcpi_state == state)
			return 0;
		if (tf_now_ms() > deadline) {
			errno = ETIMEDOUT;
			return -1;
		}
		usleep(1000);
	}
}

/* Wait until @fd is readable (data, EOF or error). */
static int tf_wait_readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int n = poll(&p, 1, TF_TIMEOUT_MS * tf_slow());

	if (n == 0)
		errno = ETIMEDOUT;
	return n == 1 ? 0 : -1;
}

/* Read until EOF; fails on error or timeout. */
static int tf_wait_eof(int fd)
{
	char buf[4096];
	ssize_t n;

	for (;;) {
		if (tf_wait_readable(fd))
			return -1;
		n = read(fd, buf, sizeof(buf));
		if (n == 0)
			return 0;
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -1;
	}
}

/* Wait for the peer's reset: read fails with ECONNRESET. */
static int tf_wait_reset(int fd)
{
	char buf[64];
	ssize_t n;

	for (;;) {
		if (tf_wait_readable(fd))
			return -1;
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == ECONNRESET)
			return 0;
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			errno = n == 0 ? EPROTO : errno;
			return -1;
		}
	}
}

/* A connected pair: listener @l, client @c, accepted server side @a. */
struct tf_conn {
	int l, c, a;
};

static int tf_open(const char *name, int family, struct tf_conn *t)
{
	unsigned short port;

	t->l = tf_listener(family, 8, &port);
	if (t->l < 0)
		return tf_fail(name, "listen");
	t->c = tf_connect(family, port);
	if (t->c < 0)
		return tf_fail(name, "connect");
	t->a = accept4(t->l, NULL, NULL, SOCK_CLOEXEC);
	if (t->a < 0)
		return tf_fail(name, "accept");
	return 0;
}

/*
 * The client closes first (active close) and ends in TIME-WAIT; the server
 * closes after reading EOF (passive close).
 */
static int tf_active_close(int family)
{
	const char *name = "active_close";
	struct tf_conn t;
	int err = tf_open(name, family, &t);

	if (err)
		return err;
	tf_check(name, "established");
	if (close(t.c))
		return tf_fail(name, "client close");
	if (tf_wait_eof(t.a))
		return tf_fail(name, "server waits for EOF");
	tf_check(name, "half-closed");
	if (close(t.a))
		return tf_fail(name, "server close");
	return close(t.l) ? tf_fail(name, "listener close") : 0;
}

/* The server closes first; the client sits in CLOSE_WAIT until it closes. */
static int tf_passive_close(int family)
{
	const char *name = "passive_close";
	struct tf_conn t;
	int err = tf_open(name, family, &t);

	if (err)
		return err;
	if (close(t.a))
		return tf_fail(name, "server close");
	if (tf_wait_eof(t.c))
		return tf_fail(name, "client waits for EOF");
	tf_check(name, "half-closed");
	if (close(t.c))
		return tf_fail(name, "client close");
	return close(t.l) ? tf_fail(name, "listener close") : 0;
}

/* SO_LINGER {1, 0}: close() aborts with a RST instead of a FIN. */
static int tf_rst_linger0(int family)
{
	const char *name = "rst_linger0";
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct tf_conn t;
	int err = tf_open(name, family, &t);

	if (err)
		return err;
	tf_check(name, "established");
	if (setsockopt(t.c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)))
		return tf_fail(name, "SO_LINGER");
	if (close(t.c))
		return tf_fail(name, "client close");
	if (tf_wait_reset(t.a))
		return tf_fail(name, "server waits for RST");
	tf_check(name, "reset");
	if (close(t.a))
		return tf_fail(name, "server close");
	return close(t.l) ? tf_fail(name, "listener close") : 0;
}

/* close() with unread data aborts the connection with a RST (RFC 2525). */
static int tf_unread_close(int family)
{
	const char *name = "unread_close";
	struct tf_conn t;
	int err = tf_open(name, family, &t);

	if (err)
		return err;
	if (write(t.c, "unread", 6) != 6)
		return tf_fail(name, "client write");
	if (tf_wait_readable(t.a))
		return tf_fail(name, "server waits for data");
	tf_check(name, "unread");
	if (close(t.a))
		return tf_fail(name, "server close");
	if (tf_wait_reset(t.c))
		return tf_fail(name, "client waits for RST");
	tf_check(name, "reset");
	if (close(t.c))
		return tf_fail(name, "client close");
	return close(t.l) ? tf_fail(name, "listener close") : 0;
}

/* connect() to a port nobody listens on: the SYN is answered by a RST. */
static int tf_refused(int family)
{
	const char *name = "refused";
	unsigned short port;
	int bound, c;

	/* A bound socket that never listens keeps the port ours, and closed. */
	bound = tf_bound_socket(family, &port);
	if (bound < 0)
		return tf_fail(name, "bind");
	c = tf_connect(family, port);
	if (c >= 0 || errno != ECONNREFUSED) {
		if (c >= 0)
			close(c);
		errno = c >= 0 ? EPROTO : errno;
		return tf_fail(name, "connect must be refused");
	}
	tf_check(name, "refused");
	return close(bound) ? tf_fail(name, "close") : 0;
}

/*
 * A socket connected to its own address and port: its SYN comes back as a
 * SYN (simultaneous open), and after shutdown() its FIN comes back as a FIN
 * (simultaneous close, through CLOSING).
 */
static int tf_self_connect(int family)
{
	const char *name = "self_connect";
	struct sockaddr_storage ss;
	unsigned short port;
	socklen_t len;
	int s;

	s = tf_bound_socket(family, &port);
	if (s < 0)
		return tf_fail(name, "bind");
	len = tf_loopback(family, port, &ss);
	if (connect(s, (struct sockaddr *)&ss, len))
		return tf_fail(name, "connect to itself");
	tf_check(name, "established");
	if (shutdown(s, SHUT_WR))
		return tf_fail(name, "shutdown");
	if (tf_wait_tcp_state(s, TCPFSM_CLOSE, TF_TIMEOUT_MS))
		return tf_fail(name, "wait for CLOSE");
	return close(s) ? tf_fail(name, "close") : 0;
}

/* listen(), shutdown(SHUT_RD) stops listening, listen() again, close(). */
static int tf_listener_cycle(int family)
{
	const char *name = "listener";
	unsigned short port;
	int l = tf_listener(family, 8, &port);

	if (l < 0)
		return tf_fail(name, "listen");
	tf_check(name, "listening");
	if (shutdown(l, SHUT_RD))
		return tf_fail(name, "shutdown");
	if (listen(l, 8))
		return tf_fail(name, "listen again");
	tf_check(name, "listening again");
	return close(l) ? tf_fail(name, "close") : 0;
}

/*
 * The listener is closed with a connection still in its accept queue: the
 * child is reset (inet_child_forget()) and the client sees the RST.
 */
static int tf_listener_unaccepted(int family)
{
	const char *name = "listener_unaccepted";
	unsigned short port;
	int l, c;

	l = tf_listener(family, 8, &port);
	if (l < 0)
		return tf_fail(name, "listen");
	c = tf_connect(family, port);
	if (c < 0)
		return tf_fail(name, "connect");
	if (tf_wait_readable(l))
		return tf_fail(name, "wait for the child in the accept queue");
	tf_check(name, "queued");
	if (close(l))
		return tf_fail(name, "listener close");
	if (tf_wait_reset(c))
		return tf_fail(name, "client waits for RST");
	tf_check(name, "reset");
	return close(c) ? tf_fail(name, "client close") : 0;
}

/*
 * shutdown(SHUT_WR) first, close() once the FIN is acknowledged: close()
 * re-enters FIN_WAIT2, then the orphan is handed to a time-wait sock.
 */
static int tf_shutdown_then_close(int family)
{
	const char *name = "shutdown_then_close";
	struct tf_conn t;
	int err = tf_open(name, family, &t);

	if (err)
		return err;
	if (shutdown(t.c, SHUT_WR))
		return tf_fail(name, "client shutdown");
	if (tf_wait_tcp_state(t.c, TCPFSM_FIN_WAIT2, TF_TIMEOUT_MS))
		return tf_fail(name, "client waits for FIN_WAIT2");
	if (tf_wait_eof(t.a))
		return tf_fail(name, "server waits for EOF");
	tf_check(name, "fin-wait-2");
	if (close(t.c))
		return tf_fail(name, "client close");
	/* The orphan is a time-wait sock in substate FIN_WAIT2 now. */
	tf_check(name, "orphaned");
	if (close(t.a))
		return tf_fail(name, "server close");
	return close(t.l) ? tf_fail(name, "listener close") : 0;
}

/*
 * The FIN is queued behind data the peer's zero window holds back, so the
 * socket is still in FIN_WAIT1 when close() re-enters it.
 */
static int tf_fin_wait1_self(int family)
{
	const char *name = "fin_wait1_self";
	int small = 2048, flags;
	unsigned short port;
	char buf[4096];
	struct tf_conn t;

	memset(buf, 'x', sizeof(buf));
	t.l = tf_bound_socket(family, &port);
	if (t.l < 0)
		return tf_fail(name, "bind");
	/* Set before listen() so the child inherits a tiny window. */
	if (setsockopt(t.l, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)) ||
	    listen(t.l, 8))
		return tf_fail(name, "listen");
	t.c = tf_connect(family, port);
	if (t.c < 0)
		return tf_fail(name, "connect");
	t.a = accept4(t.l, NULL, NULL, SOCK_CLOEXEC);
	if (t.a < 0)
		return tf_fail(name, "accept");
	flags = fcntl(t.c, F_GETFL);
	if (flags < 0 || fcntl(t.c, F_SETFL, flags | O_NONBLOCK))
		return tf_fail(name, "O_NONBLOCK");
	/* Fill the send queue until the peer's window is closed. */
	while (write(t.c, buf, sizeof(buf)) > 0)
		;
	if (errno != EAGAIN)
		return tf_fail(name, "fill the window");
	if (shutdown(t.c, SHUT_WR))
		return tf_fail(name, "client shutdown");
	tf_check(name, "fin-wait-1");
	if (close(t.c))
		return tf_fail(name, "client close");
	if (tf_wait_eof(t.a))
		return tf_fail(name, "server drains to EOF");
	if (close(t.a))
		return tf_fail(name, "server close");
	return close(t.l) ? tf_fail(name, "listener close") : 0;
}

#define P(f, t, n) { TCPFSM_##f, TCPFSM_##t, n }

/* The handshake of one connection through a listener, and the listener. */
#define HANDSHAKE \
	P(CLOSE, LISTEN, 1), P(CLOSE, SYN_SENT, 1), \
	P(SYN_SENT, ESTABLISHED, 1), P(LISTEN, SYN_RECV, 1), \
	P(SYN_RECV, ESTABLISHED, 1), P(LISTEN, CLOSE, 1)

/* One side's active close that ends in a time-wait hand-over. */
#define ACTIVE_CLOSE \
	P(ESTABLISHED, FIN_WAIT1, 1), P(FIN_WAIT1, FIN_WAIT2, 1), \
	P(FIN_WAIT2, CLOSE, 1)

/* The other side's passive close. */
#define PASSIVE_CLOSE \
	P(ESTABLISHED, CLOSE_WAIT, 1), P(CLOSE_WAIT, LAST_ACK, 1), \
	P(LAST_ACK, CLOSE, 1)

const struct tf_scenario tf_scenarios[] = {
	{ "active_close", "client closes first: FIN_WAIT1, FIN_WAIT2, TIME_WAIT",
	  tf_active_close, { HANDSHAKE, ACTIVE_CLOSE, PASSIVE_CLOSE },
	  { .active_opens = 1, .passive_opens = 1 }, 2 },
	{ "passive_close", "server closes first: the client sits in CLOSE_WAIT",
	  tf_passive_close, { HANDSHAKE, ACTIVE_CLOSE, PASSIVE_CLOSE },
	  { .active_opens = 1, .passive_opens = 1 }, 1 },
	{ "rst_linger0", "close() with SO_LINGER 0 sends RST: both ends ESTABLISHED -> CLOSE",
	  tf_rst_linger0, { HANDSHAKE, P(ESTABLISHED, CLOSE, 2) },
	  { .active_opens = 1, .passive_opens = 1, .estab_resets = 2 }, 2 },
	{ "unread_close", "close() with unread data sends RST: both ends ESTABLISHED -> CLOSE",
	  tf_unread_close, { HANDSHAKE, P(ESTABLISHED, CLOSE, 2) },
	  { .active_opens = 1, .passive_opens = 1, .estab_resets = 2 }, 2 },
	{ "refused", "connect() to a closed port: SYN answered by RST",
	  tf_refused, { P(CLOSE, SYN_SENT, 1), P(SYN_SENT, CLOSE, 1) },
	  { .active_opens = 1, .attempt_fails = 1 }, 1 },
	{ "self_connect", "a socket connected to itself: simultaneous open and close",
	  tf_self_connect,
	  { P(CLOSE, SYN_SENT, 1), P(SYN_SENT, SYN_RECV, 1),
	    P(SYN_RECV, ESTABLISHED, 1), P(ESTABLISHED, FIN_WAIT1, 1),
	    P(FIN_WAIT1, CLOSING, 1), P(CLOSING, CLOSE, 1) },
	  { .active_opens = 1 }, 1 },
	{ "listener", "listen(), shutdown(SHUT_RD), listen() again, close()",
	  tf_listener_cycle, { P(CLOSE, LISTEN, 2), P(LISTEN, CLOSE, 2) }, { 0 }, 2 },
	{ "listener_unaccepted", "listener closed with a connection in its accept queue",
	  tf_listener_unaccepted, { HANDSHAKE, P(ESTABLISHED, CLOSE, 2) },
	  { .active_opens = 1, .passive_opens = 1, .estab_resets = 2 }, 2 },
	{ "shutdown_then_close", "shutdown(SHUT_WR), then close() in FIN_WAIT2",
	  tf_shutdown_then_close,
	  { HANDSHAKE, ACTIVE_CLOSE, PASSIVE_CLOSE, P(FIN_WAIT2, FIN_WAIT2, 1) },
	  { .active_opens = 1, .passive_opens = 1 }, 2 },
	{ "fin_wait1_self", "shutdown(SHUT_WR) behind a zero window, then close() in FIN_WAIT1",
	  tf_fin_wait1_self,
	  { HANDSHAKE, ACTIVE_CLOSE, PASSIVE_CLOSE, P(FIN_WAIT1, FIN_WAIT1, 1) },
	  { .active_opens = 1, .passive_opens = 1 }, 1 },
};

const unsigned int tf_nscenarios = sizeof(tf_scenarios) / sizeof(tf_scenarios[0]);

const struct tf_scenario *tf_scenario_find(const char *name)
{
	unsigned int i;

	for (i = 0; i < tf_nscenarios; i++)
		if (!strcmp(tf_scenarios[i].name, name))
			return &tf_scenarios[i];
	return NULL;
}

unsigned int tf_scenario_events(const struct tf_scenario *s)
{
	unsigned int i, n = 0;

	for (i = 0; i < TF_MAX_PAIRS && s->pairs[i].count; i++)
		n += s->pairs[i].count;
	return n;
}
