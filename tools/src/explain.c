// SPDX-License-Identifier: GPL-2.0
/*
 * explain.c - "tcpfsm explain [STATE]": the teaching view.
 *
 * Without a state: the 11 states, the normal opening and closing
 * sequences of a client and a server with the live count of every step,
 * and the balances a reader can check.  With a state: what it means, how a
 * socket enters and leaves it (the edges come from tcpfsm_rules[], so they
 * cannot disagree with the table), which kernel functions do it, and the
 * live numbers.  The prose is hand-written per state.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "fsm.h"
#include "render.h"
#include "tcpfsm.h"
#include "util.h"

struct state_doc {
	unsigned char state;
	const char *meaning;	/* one line, after RFC 9293 */
	const char *text;	/* how it is reached and left, on Linux */
	const char *functions;	/* the kernel functions that move sockets */
};

static const struct state_doc docs[] = {
	{ FSM_CLOSE, "no connection at all",
	  "Every socket starts here and ends here. socket() creates it in CLOSE without\n"
	  "a tracepoint event (sock_init_data() writes the state directly), and the\n"
	  "socket is destroyed without one either, so no gauge can count CLOSE.\n"
	  "listen() leaves CLOSE for LISTEN, connect() for SYN_SENT. Every ending comes\n"
	  "back: the last ACK in LAST_ACK, the time-wait hand-over that Linux reports\n"
	  "as FIN_WAIT2 -> CLOSE or CLOSING -> CLOSE, and every abort (RST received,\n"
	  "SO_LINGER 0, close() with unread data, timeouts, ss -K).",
	  "sock_init_data(), inet_csk_listen_start(), tcp_v4_connect(), tcp_v6_connect(),\n"
	  "tcp_done(), tcp_disconnect(), tcp_set_state()" },
	{ FSM_LISTEN, "waiting for a connection request from any remote TCP",
	  "listen() puts a socket here (inet_csk_listen_start()). A SYN that arrives\n"
	  "does not change the listener: Linux answers with a SYN-ACK from a small\n"
	  "request sock (NEW_SYN_RECV, no event). When the final ACK of the handshake\n"
	  "arrives, inet_csk_clone_lock() creates a child socket and reports\n"
	  "LISTEN -> SYN_RECV on the child. The listener stays in LISTEN, so these\n"
	  "births are not counted as exits of LISTEN. close() or shutdown(SHUT_RD)\n"
	  "takes the listener to CLOSE.",
	  "inet_csk_listen_start(), inet_csk_clone_lock(), tcp_create_openreq_child(),\n"
	  "__tcp_close(), tcp_disconnect()" },
	{ FSM_SYN_SENT, "our SYN is sent; waiting for a matching SYN from the peer",
	  "connect() moves a socket here and sends the SYN (tcp_v4_connect(),\n"
	  "tcp_connect()). A SYN-ACK makes it ESTABLISHED (tcp_finish_connect()).\n"
	  "A bare SYN makes it SYN_RECV (simultaneous open, or a socket connected to\n"
	  "itself). An RST (connection refused), an ICMP error, the SYN timeout or\n"
	  "close() make it CLOSE. On 6.1 the CLOSE -> SYN_SENT event shows source\n"
	  "port 0, because the port is picked after the state changes.",
	  "tcp_v4_connect(), tcp_v6_connect(), tcp_connect(), tcp_finish_connect(),\n"
	  "tcp_rcv_synsent_state_process(), tcp_reset(), tcp_v4_err(), tcp_write_timeout()" },
	{ FSM_SYN_RECV, "a SYN was received and ours sent; waiting for the ACK of ours",
	  "On the server side Linux keeps a half-open connection in a request sock\n"
	  "(NEW_SYN_RECV), which the tracepoint never sees. The full child socket is\n"
	  "born in SYN_RECV only when the final ACK arrives, and the same packet moves\n"
	  "it to ESTABLISHED. So LISTEN -> SYN_RECV and SYN_RECV -> ESTABLISHED come in\n"
	  "pairs a few microseconds apart ('tcpfsm dwell' shows how short). A socket\n"
	  "also passes through SYN_RECV in a simultaneous open (SYN_SENT -> SYN_RECV),\n"
	  "and a TCP Fast Open child waits here for the ACK.",
	  "inet_csk_clone_lock(), tcp_rcv_synsent_state_process(),\n"
	  "tcp_rcv_state_process(), tcp_close_state(), inet_child_forget()" },
	{ FSM_ESTABLISHED, "an open connection: data flows both ways",
	  "A client arrives from SYN_SENT, a server's child from SYN_RECV. The side\n"
	  "that calls close() or shutdown(SHUT_WR) first sends its FIN and goes to\n"
	  "FIN_WAIT1 (the active close). The side that receives that FIN goes to\n"
	  "CLOSE_WAIT (the passive close). An abort goes straight to CLOSE: an RST\n"
	  "received, close() with SO_LINGER 0 or with unread data, a keepalive or\n"
	  "user timeout.",
	  "tcp_finish_connect(), tcp_rcv_state_process(), tcp_close_state(), tcp_fin(),\n"
	  "tcp_reset(), tcp_disconnect(), tcp_write_err()" },
	{ FSM_FIN_WAIT1, "our FIN is sent; waiting for its ACK or for the peer's FIN",
	  "The ACK of our FIN moves it to FIN_WAIT2. The peer's FIN before that ACK\n"
	  "(both sides closed at once) moves it to CLOSING. RFC 9293 also lets FIN and\n"
	  "ACK arrive together and go straight to TIME_WAIT; Linux reports that as\n"
	  "FIN_WAIT1 -> FIN_WAIT2 -> CLOSE. close() after shutdown(SHUT_WR) re-enters\n"
	  "FIN_WAIT1 (a self-transition, legitimate Linux behaviour).",
	  "tcp_close_state(), tcp_rcv_state_process(), tcp_fin(), tcp_reset(),\n"
	  "tcp_write_timeout(), tcp_out_of_resources()" },
	{ FSM_FIN_WAIT2, "our FIN is acknowledged; waiting for the peer's FIN",
	  "The connection is half closed: this side may still receive. When the\n"
	  "peer's FIN arrives RFC 9293 goes to TIME_WAIT; Linux hands the connection\n"
	  "over to a small inet_timewait_sock (tcp_time_wait()) and reports\n"
	  "FIN_WAIT2 -> CLOSE on the full socket, which is then freed. An orphan (the\n"
	  "application already called close()) is handed over early, in substate\n"
	  "FIN_WAIT2, and waits there for tcp_fin_timeout (60 s); /proc/net/tcp and\n"
	  "ss still show it as FIN-WAIT-2.",
	  "tcp_rcv_state_process(), tcp_fin(), tcp_time_wait(), tcp_done(),\n"
	  "tcp_close_state(), tcp_keepalive_timer()" },
	{ FSM_TIME_WAIT, "the connection is over; its 4-tuple is held for 2MSL",
	  "The side that closed first gets here once both FINs are acknowledged\n"
	  "(from FIN_WAIT2, CLOSING, or FIN_WAIT1 with FIN and ACK together). It waits\n"
	  "twice the maximum segment lifetime (2MSL) before CLOSED, for two reasons:\n"
	  "  1. the last ACK may be lost: the peer then retransmits its FIN, and this\n"
	  "     side must still be there to acknowledge it again (instead of an RST);\n"
	  "  2. old duplicate segments of this connection must die out in the network\n"
	  "     before a new connection reuses the same 4-tuple and mistakes them for\n"
	  "     its own.\n"
	  "Linux waits a fixed 60 s (TCP_TIMEWAIT_LEN), whatever MSL is. It does not\n"
	  "keep the full socket: tcp_time_wait() moves the connection to a small\n"
	  "inet_timewait_sock (inet_twsk_hashdance()) and frees the socket, which is\n"
	  "reported as FIN_WAIT2 -> CLOSE or CLOSING -> CLOSE. The tracepoint never\n"
	  "reports TIME_WAIT. With time-wait tracking the module's 'lifecycle' file\n"
	  "puts FIN_WAIT2 -> TIME_WAIT, CLOSING -> TIME_WAIT and TIME_WAIT -> CLOSE\n"
	  "back, and 'states' counts the time-wait socks.",
	  "tcp_time_wait(), inet_twsk_alloc(), inet_twsk_hashdance(),\n"
	  "tcp_timewait_state_process(), tw_timer_handler(), inet_twsk_kill(),\n"
	  "inet_twsk_deschedule_put()" },
	{ FSM_CLOSE_WAIT, "the peer has closed; waiting for our application to close",
	  "The peer's FIN arrived in ESTABLISHED (tcp_fin()). The socket stays here\n"
	  "until the application calls close() or shutdown(SHUT_WR), which sends our\n"
	  "FIN (LAST_ACK). Many sockets that stay in CLOSE_WAIT usually mean an\n"
	  "application that does not close its sockets.",
	  "tcp_fin(), tcp_close_state(), tcp_reset(), tcp_disconnect()" },
	{ FSM_LAST_ACK, "we closed after the peer; waiting for the ACK of our FIN",
	  "When that ACK arrives the connection is gone: LAST_ACK -> CLOSE\n"
	  "(tcp_rcv_state_process() -> tcp_done()). This side has no TIME_WAIT: the\n"
	  "side that closed first carries it.",
	  "tcp_close_state(), tcp_rcv_state_process(), tcp_done()" },
	{ FSM_CLOSING, "both FINs crossed; waiting for the ACK of ours",
	  "A simultaneous close: we sent our FIN (FIN_WAIT1) and received the peer's\n"
	  "before it acknowledged ours. The ACK leads to TIME_WAIT, which Linux reports\n"
	  "as CLOSING -> CLOSE with a time-wait hand-over. Rare on real networks; a\n"
	  "socket connected to itself shows it every time.",
	  "tcp_fin(), tcp_rcv_state_process(), tcp_time_wait(), tcp_done()" },
	{ FSM_NEW_SYN_RECV, "Linux only: a request sock, a half-open passive connection",
	  "A SYN received by a listener and answered with a SYN-ACK is kept in a small\n"
	  "struct request_sock rather than a full socket. Its state is written\n"
	  "directly, so the tracepoint never reports it, and a TCP event naming it is\n"
	  "illegal. /proc/net/tcp lists request socks as SYN_RECV.",
	  "tcp_conn_request(), inet_reqsk_alloc(), inet_csk_reqsk_queue_hash_add(),\n"
	  "tcp_check_req()" },
	{ FSM_BOUND_INACTIVE, "Linux 6.8+ only: a bound socket that neither listens nor connects",
	  "A pseudo-state that inet_diag dumps (ss) use for sockets that are bound\n"
	  "but inactive. It is never stored in sk_state, so the tracepoint never\n"
	  "reports it.",
	  "inet_diag_dump_icsk()" },
};

/* The prose about state ST. */
static const struct state_doc *doc_of(unsigned int st)
{
	size_t i;

	for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++)
		if (docs[i].state == st)
			return &docs[i];
	return NULL;
}

/* A step of a normal sequence; FROM == TO == 0 for a step without event. */
struct step {
	const char *who, *what;
	unsigned char from, to;
	const char *note;
	unsigned char alt_from, alt_to;	/* what the tracepoint reports instead */
};

static const struct step open_steps[] = {
	{ "server", "listen()", FSM_CLOSE, FSM_LISTEN, NULL, 0, 0 },
	{ "client", "connect() sends SYN", FSM_CLOSE, FSM_SYN_SENT, NULL, 0, 0 },
	{ "server", "SYN arrives, SYN-ACK sent", 0, 0,
	  "a request sock (NEW_SYN_RECV) answers: no event, LISTEN stays", 0, 0 },
	{ "client", "SYN-ACK arrives, ACK sent", FSM_SYN_SENT, FSM_ESTABLISHED, NULL, 0, 0 },
	{ "server", "ACK arrives: child born", FSM_LISTEN, FSM_SYN_RECV,
	  "reported on the new child socket", 0, 0 },
	{ "server", "... and established", FSM_SYN_RECV, FSM_ESTABLISHED,
	  "same packet (also counts simultaneous opens)", 0, 0 },
};

static const struct step active_steps[] = {
	{ "client", "close() sends FIN", FSM_ESTABLISHED, FSM_FIN_WAIT1, NULL, 0, 0 },
	{ "server", "FIN arrives, ACK sent", FSM_ESTABLISHED, FSM_CLOSE_WAIT, NULL, 0, 0 },
	{ "client", "ACK of its FIN arrives", FSM_FIN_WAIT1, FSM_FIN_WAIT2, NULL, 0, 0 },
	{ "server", "close() sends FIN", FSM_CLOSE_WAIT, FSM_LAST_ACK, NULL, 0, 0 },
	{ "client", "FIN arrives, last ACK sent", FSM_FIN_WAIT2, FSM_TIME_WAIT,
	  "the tracepoint reports the hand-over to a time-wait sock as", FSM_FIN_WAIT2,
	  FSM_CLOSE },
	{ "server", "last ACK arrives", FSM_LAST_ACK, FSM_CLOSE, NULL, 0, 0 },
	{ "client", "2MSL (60 s) runs out", FSM_TIME_WAIT, FSM_CLOSE,
	  "the time-wait sock dies, no event", 0, 0 },
};

static const struct step rare_steps[] = {
	{ "both", "SYNs cross", FSM_SYN_SENT, FSM_SYN_RECV,
	  "a simultaneous open, or a socket connected to itself", 0, 0 },
	{ "both", "FINs cross", FSM_FIN_WAIT1, FSM_CLOSING, "a simultaneous close", 0, 0 },
	{ "both", "ACK of the FIN in CLOSING", FSM_CLOSING, FSM_TIME_WAIT,
	  "the tracepoint reports the hand-over to a time-wait sock as", FSM_CLOSING,
	  FSM_CLOSE },
	{ "client", "connection refused (RST)", FSM_SYN_SENT, FSM_CLOSE,
	  "also ICMP errors, SYN timeouts and close() while connecting", 0, 0 },
	{ "either", "RST or abort when open", FSM_ESTABLISHED, FSM_CLOSE,
	  "RST received, SO_LINGER 0, unread data at close(), timeouts", 0, 0 },
};

/* Count of FROM -> TO: lifecycle for TIME_WAIT edges, else transitions. */
static bool step_count(const struct snap *s, unsigned int from, unsigned int to,
		       uint64_t *c, const char **src)
{
	const struct tf_life_row *l;

	if (from == FSM_TIME_WAIT || to == FSM_TIME_WAIT) {
		if (!snap_has(s, SF_LIFECYCLE))
			return false;
		l = snap_life(s, from, to);
		*c = l ? l->count : 0;
		*src = "lifecycle";
		return true;
	}
	if (!snap_has(s, SF_TRANSITIONS))
		return false;
	*c = snap_trans_count(s, from, to);
	*src = "";
	return true;
}

/* The steps of a sequence with their counts (text, or JSON when J). */
static void print_steps(struct out *o, const struct snap *s, const struct step *st,
			size_t n, struct json *j)
{
	const char *src;
	char f[16], t[16], pair[40], cnt[32];
	uint64_t c;
	size_t i;

	for (i = 0; i < n; i++) {
		bool known = st[i].from && step_count(s, st[i].from, st[i].to, &c, &src);

		if (st[i].from)
			snprintf(pair, sizeof(pair), "%s -> %s", fsm_state_label(st[i].from, f),
				 fsm_state_label(st[i].to, t));
		else
			snprintf(pair, sizeof(pair), "(no event)");
		if (j) {
			json_obj(j);
			json_kstr(j, "who", st[i].who);
			json_kstr(j, "what", st[i].what);
			json_kstr(j, "from", st[i].from ? fsm_state_label(st[i].from, f) : NULL);
			json_kstr(j, "to", st[i].from ? fsm_state_label(st[i].to, t) : NULL);
			json_key(j, "count");
			if (known)
				json_u64(j, c);
			else
				json_null(j);
			json_kstr(j, "count_from", known ? (*src ? src : "transitions") : NULL);
			json_kstr(j, "note", st[i].note);
			json_obj_end(j);
			continue;
		}
		snprintf(cnt, sizeof(cnt), known ? "%" PRIu64 : "-", c);
		fprintf(o->f, "  %zu. %-6s %-27s %-26s %5s%s%s\n", i + 1, st[i].who, st[i].what,
			pair, cnt, known && *src ? " (lifecycle)" : "",
			!known && st[i].from && (st[i].from == FSM_TIME_WAIT ||
						 st[i].to == FSM_TIME_WAIT) ?
			" (needs time-wait tracking)" : "");
		if (st[i].note && st[i].alt_from)
			fprintf(o->f, "     %s%s\n     %s -> %s: %s (this count also has the "
				"aborts)%s\n",
				out_col(o, C_DIM), st[i].note, fsm_state_label(st[i].alt_from, f),
				fsm_state_label(st[i].alt_to, t), snap_has(s, SF_TRANSITIONS) ?
				(snprintf(cnt, sizeof(cnt), "%" PRIu64,
					  snap_trans_count(s, st[i].alt_from, st[i].alt_to)), cnt) :
				"-", out_col(o, C_RESET));
		else if (st[i].note)
			fprintf(o->f, "     %s%s%s\n", out_col(o, C_DIM), st[i].note,
				out_col(o, C_RESET));
	}
}

/* The one-line source of the live numbers. */
static void print_live_source(struct out *o, const struct snap *s)
{
	if (!s->root_ok) {
		fprintf(o->f, "No live counts: %s\n", s->why);
		return;
	}
	if (!snap_has(s, SF_TRANSITIONS)) {
		fprintf(o->f, "No live counts: %s/transitions is not readable%s%s\n", s->root,
			s->why[0] ? ": " : "", s->why);
		return;
	}
	fprintf(o->f, "Live counts from %s (since load or the last reset)%s.\n", s->root,
		snap_has(s, SF_LIFECYCLE) ? ", TIME_WAIT from 'lifecycle'" :
		"; TIME_WAIT needs time-wait tracking");
}

/* entered - exited = now, per state, for the TCP gauges. */
static void print_balances(struct out *o, const struct snap *s, struct json *j)
{
	size_t i;

	if (!snap_has(s, SF_STATES))
		return;
	if (!j)
		fprintf(o->f, "\nBalance per state: ENTERED - EXITED = NOW holds for sockets "
			"born after the\nmodule was loaded (older sockets and a reset make it "
			"differ):\n");
	for (i = 0; i < FSM_NRFC; i++) {
		const struct tf_state_row *r = snap_state(s, FSM_TCP, fsm_rfc_order[i]);
		uint64_t d, want;
		bool ok;

		if (!r || !r->has_current)
			continue;
		/* modulo 2^64, so that no value can overflow */
		d = r->entered - r->exited;
		want = (uint64_t)r->current;
		ok = d == want;
		if (j) {
			json_obj(j);
			json_kstr(j, "state", fsm_state_name(r->state));
			json_ku64(j, "entered", r->entered);
			json_ku64(j, "exited", r->exited);
			json_key(j, "current");
			json_i64(j, r->current);
			json_kbool(j, "balanced", ok);
			json_obj_end(j);
			continue;
		}
		fprintf(o->f, "  %-12s %6" PRIu64 " - %6" PRIu64 " = %6" PRId64 "   now %6" PRId64
			"  %s%s%s", fsm_state_name(r->state), r->entered, r->exited, (int64_t)d,
			r->current, ok ? out_col(o, C_GREEN) : out_col(o, C_YELLOW),
			ok ? "ok" : "differs", out_col(o, C_RESET));
		if (fsm_rfc_order[i] == FSM_FIN_WAIT2 && snap_stat_on(s, ST_TIMEWAIT_TRACKING))
			fprintf(o->f, " (%" PRIu64 " of them orphans on time-wait socks)",
				snap_stat(s, ST_TIMEWAIT_FIN_WAIT2));
		fputc('\n', o->f);
	}
}

/* Mean time in STATE from the dwell histogram, if any. */
static bool dwell_mean(const struct snap *s, unsigned int st, uint64_t *n, uint64_t *mean_us)
{
	size_t i;

	for (i = 0; i < s->dwell.n; i++) {
		const struct tf_dwell_hist *h = &s->dwell.v[i];

		if (h->proto == FSM_TCP && h->state == st && h->count) {
			*n = h->count;
			*mean_us = h->sum_us / h->count;
			return true;
		}
	}
	return false;
}

/* "explain" without a state: states, sequences, balances. */
static void print_overview(struct out *o, const struct snap *s)
{
	char us[32];
	uint64_t n, mean;
	size_t i;

	fputs("TCP has 11 states (RFC 9293 names; the Linux kernel's in the second column):\n",
	      o->f);
	for (i = 0; i < FSM_NRFC; i++) {
		unsigned int st = fsm_rfc_order[i];

		fprintf(o->f, "  %-13s %-12s %s\n", fsm_rfc_name(st), fsm_state_name(st),
			doc_of(st)->meaning);
	}
	fputs("Linux adds NEW_SYN_RECV (request socks) and BOUND_INACTIVE (6.8+, ss only);\n"
	      "the tracepoint reports neither, nor TIME_WAIT.\n\n", o->f);
	print_live_source(o, s);
	fputs("\nOpening: the three-way handshake (the server listens first)\n", o->f);
	print_steps(o, s, open_steps, sizeof(open_steps) / sizeof(open_steps[0]), NULL);
	fputs("\nClosing: the client closes first (active close, it gets TIME_WAIT);\n"
	      "the server closes second (passive close). Each side may play either role.\n",
	      o->f);
	print_steps(o, s, active_steps, sizeof(active_steps) / sizeof(active_steps[0]), NULL);
	fputs("\nRarer paths (simultaneous open and close, resets):\n", o->f);
	print_steps(o, s, rare_steps, sizeof(rare_steps) / sizeof(rare_steps[0]), NULL);
	if (snap_has(s, SF_DWELL) && dwell_mean(s, FSM_TIME_WAIT, &n, &mean)) {
		fmt_dec6(us, sizeof(us), mean);
		fprintf(o->f, "\nTIME_WAIT lasted %s s on average (%" PRIu64 " socket%s): "
			"Linux's fixed TCP_TIMEWAIT_LEN is 60 s.\n", us, n, n == 1 ? "" : "s");
	}
	if (snap_has(s, SF_TRANSITIONS)) {
		uint64_t opened = snap_trans_count(s, FSM_CLOSE, FSM_SYN_SENT);
		uint64_t a = snap_trans_count(s, FSM_SYN_SENT, FSM_ESTABLISHED);
		uint64_t b = snap_trans_count(s, FSM_SYN_SENT, FSM_SYN_RECV);
		uint64_t c = snap_trans_count(s, FSM_SYN_SENT, FSM_CLOSE);
		const struct tf_state_row *r = snap_state(s, FSM_TCP, FSM_SYN_SENT);

		fprintf(o->f, "\nEvery connect() leaves SYN_SENT one way: CLOSE -> SYN_SENT %"
			PRIu64 " = to ESTABLISHED %" PRIu64 "\n+ to SYN_RECV %" PRIu64
			" + to CLOSE %" PRIu64,
			opened, a, b, c);
		if (r && r->has_current)
			fprintf(o->f, " + still in SYN_SENT %" PRId64, r->current);
		fputs(" (for sockets born after load).\n", o->f);
	}
	print_balances(o, s, NULL);
	fputs("\n'tcpfsm explain STATE' tells more about one state; 'tcpfsm table' lists "
	      "every\nlegal pair with its reason; 'tcpfsm dot' draws the diagram.\n", o->f);
}

/* The overview as JSON members. */
static void json_overview(struct json *j, const struct snap *s)
{
	size_t i;

	json_key(j, "states");
	json_arr(j);
	for (i = 0; i < FSM_NRFC; i++) {
		unsigned int st = fsm_rfc_order[i];

		json_obj(j);
		json_kstr(j, "state", fsm_state_name(st));
		json_kstr(j, "rfc_name", fsm_rfc_name(st));
		json_kstr(j, "meaning", doc_of(st)->meaning);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_key(j, "open");
	json_arr(j);
	print_steps(NULL, s, open_steps, sizeof(open_steps) / sizeof(open_steps[0]), j);
	json_arr_end(j);
	json_key(j, "close");
	json_arr(j);
	print_steps(NULL, s, active_steps, sizeof(active_steps) / sizeof(active_steps[0]), j);
	json_arr_end(j);
	json_key(j, "rare");
	json_arr(j);
	print_steps(NULL, s, rare_steps, sizeof(rare_steps) / sizeof(rare_steps[0]), j);
	json_arr_end(j);
	json_key(j, "balances");
	json_arr(j);
	print_balances(NULL, s, j);
	json_arr_end(j);
}

/* The edges into (IN) or out of a state, from the compiled-in rules. */
static void print_edges(struct out *o, const struct snap *s, unsigned int st, bool in,
			struct json *j)
{
	bool strict = snap_stat_on(s, ST_STRICT);
	char f[16], t[16], pair[40], fl[32], cnt[32], lc[32];
	struct fsm_rule r;
	size_t i, n = 0;

	for (i = 0; i < fsm_nrules(); i++) {
		const struct tf_life_row *l;
		uint64_t c;

		fsm_rule_get(i, &r);
		if ((in ? r.to : r.from) != st)
			continue;
		n++;
		c = snap_trans_count(s, r.from, r.to);
		l = snap_life(s, r.from, r.to);
		if (j) {
			json_obj(j);
			json_kstr(j, "from", fsm_state_label(r.from, f));
			json_kstr(j, "to", fsm_state_label(r.to, t));
			json_kstr(j, "verdict", fsm_verdict_name(r.verdict));
			json_kbool(j, "illegal_under_strict", strict && r.verdict == FSM_LINUX);
			json_kbool(j, "birth", r.flags & FSM_BIRTH);
			json_kbool(j, "untraced", r.flags & FSM_UNTRACED);
			json_kstr(j, "reason", r.reason);
			json_key(j, "count");
			if (snap_has(s, SF_TRANSITIONS))
				json_u64(j, c);
			else
				json_null(j);
			json_key(j, "lifecycle_count");
			if (snap_has(s, SF_LIFECYCLE))
				json_u64(j, l ? l->count : 0);
			else
				json_null(j);
			json_obj_end(j);
			continue;
		}
		snprintf(pair, sizeof(pair), "%s -> %s", fsm_state_label(r.from, f),
			 fsm_state_label(r.to, t));
		fsm_flags_str(r.flags, fl, sizeof(fl));
		snprintf(cnt, sizeof(cnt), snap_has(s, SF_TRANSITIONS) ? "%" PRIu64 : "-", c);
		snprintf(lc, sizeof(lc), snap_has(s, SF_LIFECYCLE) ? "%" PRIu64 : "-",
			 l ? l->count : 0);
		fprintf(o->f, "  %-26s %s%-7s%s %-14s %7s %9s\n", pair,
			out_verdict_col(o, r.verdict), fsm_verdict_name(r.verdict),
			out_col(o, C_RESET), fl, cnt, lc);
		fprintf(o->f, "      %s", out_col(o, C_DIM));
		out_safe(o, r.reason, strlen(r.reason));
		fprintf(o->f, "%s%s\n", strict && r.verdict == FSM_LINUX ?
			" [illegal: strict=1]" : "", out_col(o, C_RESET));
	}
	if (!n && !j)
		fputs("  (none: the table has no legal pair with this state, so every event\n"
		      "  naming it is illegal)\n", o->f);
}

/* "explain STATE" as text. */
static void print_state(struct out *o, const struct snap *s, unsigned int st)
{
	const struct state_doc *d = doc_of(st);
	const struct tf_state_row *r = snap_state(s, FSM_TCP, st);
	char g[32], us[32];
	uint64_t n, mean;

	fprintf(o->f, "%s%s%s (RFC 9293: %s), state value %u\n", out_col(o, C_BOLD),
		fsm_state_name(st), out_col(o, C_RESET),
		fsm_rfc_name(st) ? fsm_rfc_name(st) : "not an RFC state", st);
	fprintf(o->f, "\nMeaning: %s.\n\n%s\n", d->meaning, d->text);
	fprintf(o->f, "\nKernel functions involved:\n  ");
	for (const char *p = d->functions; *p; p++) {
		fputc(*p, o->f);
		if (*p == '\n')
			fputs("  ", o->f);
	}
	fputs("\n\n", o->f);
	print_live_source(o, s);
	fprintf(o->f, "\n%s  %-26s %-7s %-14s %7s %9s%s\n", out_col(o, C_BOLD),
		"Entered by", "VERDICT", "FLAGS", "TRACED", "LIFECYCLE", out_col(o, C_RESET));
	print_edges(o, s, st, true, NULL);
	fprintf(o->f, "\n%s  %-26s %-7s %-14s %7s %9s%s\n", out_col(o, C_BOLD),
		"Left by", "VERDICT", "FLAGS", "TRACED", "LIFECYCLE", out_col(o, C_RESET));
	print_edges(o, s, st, false, NULL);
	if (r && r->has_current) {
		fmt_gauge(g, sizeof(g), r);
		fprintf(o->f, "\nNow: %s socket%s in %s; entered %" PRIu64 ", exited %" PRIu64
			" times.\n", g, r->current == 1 ? "" : "s", fsm_state_name(st),
			r->entered, r->exited);
	} else if (r) {
		fprintf(o->f, "\nNo gauge is kept for %s; entered %" PRIu64 ", exited %" PRIu64
			" times.\n", fsm_state_name(st), r->entered, r->exited);
	}
	if (dwell_mean(s, st, &n, &mean)) {
		fmt_dec6(us, sizeof(us), mean);
		fprintf(o->f, "Time spent in %s: %s s on average over %" PRIu64
			" exit%s ('tcpfsm dwell').\n", fsm_state_name(st), us, n,
			n == 1 ? "" : "s");
	}
}

/* "explain STATE" as JSON members. */
static void json_state(struct json *j, const struct snap *s, unsigned int st)
{
	const struct state_doc *d = doc_of(st);
	const struct tf_state_row *r = snap_state(s, FSM_TCP, st);
	uint64_t n, mean;

	json_kstr(j, "state", fsm_state_name(st));
	json_ku64(j, "value", st);
	json_kstr(j, "rfc_name", fsm_rfc_name(st));
	json_kstr(j, "meaning", d->meaning);
	json_kstr(j, "text", d->text);
	json_kstr(j, "functions", d->functions);
	json_key(j, "entered_by");
	json_arr(j);
	print_edges(NULL, s, st, true, j);
	json_arr_end(j);
	json_key(j, "left_by");
	json_arr(j);
	print_edges(NULL, s, st, false, j);
	json_arr_end(j);
	json_key(j, "live");
	if (!r) {
		json_null(j);
	} else {
		json_obj(j);
		json_key(j, "current");
		if (r->has_current)
			json_i64(j, r->current);
		else
			json_null(j);
		json_ku64(j, "entered", r->entered);
		json_ku64(j, "exited", r->exited);
		json_obj_end(j);
	}
	json_key(j, "dwell_mean_us");
	if (dwell_mean(s, st, &n, &mean))
		json_u64(j, mean);
	else
		json_null(j);
}

/* The "explain" command. */
int cmd_explain(const struct opts *op, struct out *o)
{
	struct snap s;
	struct json j;
	int st = 0, rc;

	if (op->state) {
		st = fsm_lookup_state(op->state);
		if (st < FSM_ESTABLISHED || st > FSM_BOUND_INACTIVE) {
			errmsg("unknown state '%s': use a kernel name (TIME_WAIT) or an RFC name "
			       "(TIME-WAIT), in any case", op->state);
			return EX_USAGE;
		}
	}
	rc = snap_load(&s, op->root, 0, SF(SF_TRANSITIONS) | SF(SF_STATES) | SF(SF_STATS) |
		       SF(SF_LIFECYCLE) | SF(SF_DWELL));
	if (rc) {
		snap_free(&s);
		return rc;
	}
	if (op->json) {
		json_begin_doc(&j, o, op, "explain");
		json_kbool(&j, "live", snap_has(&s, SF_TRANSITIONS));
		if (!snap_has(&s, SF_TRANSITIONS))
			json_kstr(&j, "no_live_reason",
				  s.why[0] ? s.why : "transitions not readable");
		if (st)
			json_state(&j, &s, (unsigned int)st);
		else
			json_overview(&j, &s);
		json_end_doc(&j);
	} else if (st) {
		print_state(o, &s, (unsigned int)st);
	} else {
		print_overview(o, &s);
	}
	snap_free(&s);
	return EX_OK;
}
