#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Write the fixture trees of tools/tests/fixtures/ (maintainer tool).

Each fixture is what /sys/kernel/debug/tcpfsm would hold after a plausible
session.  The sessions are described socket by socket (the events the
tracepoint reports, and what happened to the time-wait sock), and every file
is derived from them the way docs/debugfs.md says the module does it, so the
files agree with each other.  The reference table comes from
module/tcpfsm_table.h.  `make check` does not run this script: the fixtures
are committed, and the goldens are what the tool prints for them.

    python3 tests/mkfixtures.py            # rewrite tests/fixtures/*
"""
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
HEADER = os.path.join(HERE, "..", "..", "module", "tcpfsm_table.h")
OUT = os.path.join(HERE, "fixtures")

STATES = ["STATE_0", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1",
          "FIN_WAIT2", "TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK",
          "LISTEN", "CLOSING", "NEW_SYN_RECV", "BOUND_INACTIVE"]
PROTOS = ["TCP", "MPTCP", "DCCP", "SCTP", "OTHER"]
GAUGED = {"ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2",
          "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING"}


def sval(name):
    if name in STATES:
        return STATES.index(name)
    return int(name[len("STATE_"):])


def read_rules():
    text = open(HEADER).read()
    body = text[re.search(r"tcpfsm_rules\[\][^=]*=\s*\{", text).end():]
    body = body[:body.index("};")]
    rules = []
    pat = re.compile(r'\{\s*TCPFSM_(\w+),\s*TCPFSM_(\w+),\s*TCPFSM_(\w+),\s*'
                     r'([^,]+),\s*"((?:[^"\\]|\\.)*)"\s*\}', re.S)
    for m in pat.finditer(body):
        frm, to, verdict, flags, reason = m.groups()
        fl = []
        if "BIRTH" in flags:
            fl.append("birth")
        if "UNTRACED" in flags:
            fl.append("untraced")
        rules.append((frm, to, verdict.lower(), ",".join(fl) or "-", reason))
    return rules


RULES = read_rules()


def read_names(array):
    """A state-name array of the header: {value: name}."""
    text = open(HEADER).read()
    body = text[re.search(array + r"\[[^=]*=\s*\{", text).end():]
    body = body[:body.index("};")]
    return {STATES.index(m.group(1)): m.group(2)
            for m in re.finditer(r'\[TCPFSM_(\w+)\]\s*=\s*"(\w+)"', body)}


# The fixtures model a kernel of 6.8 or later: TCP has 14 states, and DCCP
# numbers its own two from there (tcpfsm_proto_state_name() in the header).
TCP_MAX_STATES = 14
DCCP_NAMES = read_names("tcpfsm_dccp_names")
DCCP_OWN = ["PARTOPEN", "PASSIVE_CLOSEREQ"]
SCTP_NAMES = read_names("tcpfsm_sctp_names")


def pname(proto, name):
    """What the module writes for state NAME (TCP's name or STATE_<n>) of PROTO."""
    v = sval(name)
    if proto in ("TCP", "MPTCP"):
        return name
    if proto == "DCCP" and TCP_MAX_STATES <= v < TCP_MAX_STATES + len(DCCP_OWN):
        return DCCP_OWN[v - TCP_MAX_STATES]
    names = {"DCCP": DCCP_NAMES, "SCTP": SCTP_NAMES}.get(proto, {})
    return names.get(v, "STATE_%d" % v)

# Kernel stacks (6.1) for the situations that end up in the log.
STK = {
    "fin_v4": "tcp_set_state+0x9d/0x1e0,tcp_done+0x27/0x90,tcp_time_wait+0x1b0/0x2b0,"
              "tcp_fin+0x11c/0x1a0,tcp_data_queue+0x5f8/0xd80,"
              "tcp_rcv_state_process+0x6d2/0x1010,tcp_v4_do_rcv+0xd5/0x2a0,"
              "tcp_v4_rcv+0xe87/0xf10,ip_protocol_deliver_rcu+0x32/0x180,"
              "ip_local_deliver_finish+0x6f/0x90,__netif_receive_skb_one_core+0x86/0xa0,"
              "process_backlog+0x81/0x120,__napi_poll+0x2b/0x1c0,net_rx_action+0x29e/0x350,"
              "__do_softirq+0xc5/0x2c8",
    "fin_v6": "tcp_set_state+0x9d/0x1e0,tcp_done+0x27/0x90,tcp_time_wait+0x1b0/0x2b0,"
              "tcp_fin+0x11c/0x1a0,tcp_data_queue+0x5f8/0xd80,"
              "tcp_rcv_state_process+0x6d2/0x1010,tcp_v6_do_rcv+0x1d5/0x430,"
              "tcp_v6_rcv+0xc11/0xd20,ip6_protocol_deliver_rcu+0xd2/0x4f0,"
              "ip6_input_finish+0x40/0x60,__netif_receive_skb_one_core+0x86/0xa0,"
              "process_backlog+0x81/0x120,__napi_poll+0x2b/0x1c0,net_rx_action+0x29e/0x350,"
              "__do_softirq+0xc5/0x2c8",
    "close_self": "tcp_set_state+0x9d/0x1e0,__tcp_close+0x1f6/0x480,tcp_close+0x28/0x80,"
                  "inet_release+0x3c/0x80,__sock_release+0x3d/0xb0,sock_close+0x15/0x20,"
                  "__fput+0x9f/0x260,task_work_run+0x5d/0x90,"
                  "exit_to_user_mode_prepare+0x1a0/0x1b0,syscall_exit_to_user_mode+0x1f/0x50,"
                  "do_syscall_64+0x6b/0xc0,entry_SYSCALL_64_after_hwframe+0x64/0xce",
    "close_orphan": "tcp_set_state+0x9d/0x1e0,tcp_done+0x27/0x90,tcp_time_wait+0x1b0/0x2b0,"
                    "__tcp_close+0x3e2/0x480,tcp_close+0x28/0x80,inet_release+0x3c/0x80,"
                    "__sock_release+0x3d/0xb0,sock_close+0x15/0x20,__fput+0x9f/0x260,"
                    "task_work_run+0x5d/0x90,exit_to_user_mode_prepare+0x1a0/0x1b0,"
                    "syscall_exit_to_user_mode+0x1f/0x50,do_syscall_64+0x6b/0xc0,"
                    "entry_SYSCALL_64_after_hwframe+0x64/0xce",
    "closing_v4": "tcp_set_state+0x9d/0x1e0,tcp_done+0x27/0x90,tcp_time_wait+0x1b0/0x2b0,"
                  "tcp_rcv_state_process+0x8a1/0x1010,tcp_v4_do_rcv+0xd5/0x2a0,"
                  "tcp_v4_rcv+0xe87/0xf10,ip_protocol_deliver_rcu+0x32/0x180,"
                  "ip_local_deliver_finish+0x6f/0x90,__netif_receive_skb_one_core+0x86/0xa0,"
                  "process_backlog+0x81/0x120,__napi_poll+0x2b/0x1c0,"
                  "net_rx_action+0x29e/0x350,__do_softirq+0xc5/0x2c8",
    "inject": "full_proxy_write+0x5c/0x80,vfs_write+0xcb/0x410,ksys_write+0x6f/0xf0,"
              "do_syscall_64+0x5b/0x110,entry_SYSCALL_64_after_hwframe+0x76/0xe0",
    "future": "tcp_set_state+0x9d/0x1e0,tcp_foo_state+0x10/0x40",
}


class Sock:
    """One socket: its events, and what became of its time-wait sock.

    events: list of (FROM, TO) or (FROM, TO, LOGINFO) where LOGINFO is a
    dict with the record fields (comm, pid, ctx, stack, ts_ns, cpu) used if
    the pair is judged illegal.  tw: None, "tw" (handed over in substate
    TIME_WAIT), "tw2" (orphan handed over in substate FIN_WAIT2), with
    tw_fin (the FIN later moved it to TIME_WAIT) and tw_dead (it died).
    """

    def __init__(self, proto="TCP", netns=4026531840, family="inet", src="0.0.0.0:0",
                 dst="0.0.0.0:0", events=(), tw=None, tw_fin=False, tw_dead=False,
                 uid=0, cgroup=1):
        self.proto, self.netns, self.family = proto, netns, family
        self.src, self.dst, self.events = src, dst, list(events)
        self.tw, self.tw_fin, self.tw_dead = tw, tw_fin, tw_dead
        self.uid, self.cgroup = uid, cgroup


class Module:
    def __init__(self, strict=False, tracking=True, dwell=None, netns=True, log_size=256,
                 next_seq=1, dropped=0, version="1.0.0", extra_stats=(), seeded=0,
                 table_edit=None, dwell_misses=0, dwell_tracked=0):
        self.strict, self.tracking, self.dwell = strict, tracking, dwell
        self.netns_on, self.log_size = netns, log_size
        self.first_seq, self.dropped = next_seq, dropped
        self.version, self.extra_stats, self.seeded = version, extra_stats, seeded
        self.table_edit, self.dwell_misses = table_edit, dwell_misses
        self.dwell_tracked = dwell_tracked
        self.socks, self.injected = [], []
        self.gauge_adjust = {}

    def rules(self):
        return self.table_edit(list(RULES)) if self.table_edit else RULES

    def verdict(self, proto, f, t):
        if proto != "TCP":
            return "-"
        v = {(a, b): c for a, b, c, _, _ in self.rules()}.get((f, t), "illegal")
        if v == "linux" and self.strict:
            return "illegal"
        return v

    def build(self):
        trans, life = {}, {}
        cur = {}
        ent, ext = {}, {}
        ns_cur, ns_ent, ns_ext = {}, {}, {}
        records, events, illegal = [], 0, 0
        unknown = 0

        def bump(d, k, n=1):
            d[k] = d.get(k, 0) + n

        for s in self.socks:
            state = None
            for ev in s.events:
                f, t = ev[0], ev[1]
                info = ev[2] if len(ev) > 2 else None
                if sval(f) >= 16 or sval(t) >= 16:
                    unknown += 1
                    illegal += 1
                    records.append((s, f, t, info))
                    events += 1
                    continue
                events += 1
                bump(trans, (s.proto, f, t))
                v = self.verdict(s.proto, f, t)
                if v == "illegal":
                    illegal += 1
                    records.append((s, f, t, info))
                birth = (s.proto, f, t) in (("TCP", "LISTEN", "SYN_RECV"),
                                            ("MPTCP", "LISTEN", "ESTABLISHED"),
                                            ("DCCP", "LISTEN", "SYN_RECV"))
                bump(ent, (s.proto, t))
                bump(ns_ent, (s.netns, s.proto, t))
                if not birth:
                    bump(ext, (s.proto, f))
                    bump(ns_ext, (s.netns, s.proto, f))
                state = t
                if s.proto == "TCP":
                    lt = (f, t)
                    if t == "CLOSE" and f in ("FIN_WAIT2", "CLOSING") and s.tw and \
                            self.tracking:
                        if s.tw == "tw":
                            lt = (f, "TIME_WAIT")
                        elif s.tw_fin:
                            lt = ("FIN_WAIT2", "TIME_WAIT")
                        else:
                            lt = None
                    if lt:
                        bump(life, lt)
            if s.proto == "TCP" and state in GAUGED:
                bump(cur, (s.proto, state))
                bump(ns_cur, (s.netns, s.proto, state))
            if s.tw and self.tracking:
                in_tw = s.tw == "tw" or s.tw_fin
                if s.tw == "tw2":
                    # The orphan stays in FIN_WAIT2 on its time-wait sock:
                    # the hand-over is no exit, its FIN or its end is.
                    left = 1 if (s.tw_fin or s.tw_dead) else 0
                    bump(ext, ("TCP", "FIN_WAIT2"), left - 1)
                    bump(ns_ext, (s.netns, "TCP", "FIN_WAIT2"), left - 1)
                if in_tw:
                    bump(ent, ("TCP", "TIME_WAIT"))
                    bump(ns_ent, (s.netns, "TCP", "TIME_WAIT"))
                if s.tw_dead:
                    if in_tw:
                        bump(ext, ("TCP", "TIME_WAIT"))
                        bump(ns_ext, (s.netns, "TCP", "TIME_WAIT"))
                        bump(life, ("TIME_WAIT", "CLOSE"))
                    else:
                        bump(life, ("FIN_WAIT2", "CLOSE"))
                else:
                    g = "TIME_WAIT" if in_tw else "FIN_WAIT2"
                    bump(cur, ("TCP", g))
                    bump(ns_cur, (s.netns, "TCP", g))
        for k, n in self.gauge_adjust.items():
            bump(cur, k, n)
        for k in list(self.injected):
            illegal += 1
        return dict(trans=trans, life=life, cur=cur, ent=ent, ext=ext, ns_cur=ns_cur,
                    ns_ent=ns_ent, ns_ext=ns_ext, records=records, events=events,
                    illegal=illegal, unknown=unknown)


def has_gauge(m, proto, st):
    if proto != "TCP":
        return False
    if st == "TIME_WAIT":
        return m.tracking
    return st in GAUGED


def write_fixture(name, m):
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):
        os.unlink(os.path.join(d, f))
    b = m.build()

    def put(fname, lines):
        with open(os.path.join(d, fname), "w", newline="\n") as fh:
            fh.write("".join(l + "\n" for l in lines))

    # transitions
    lines = ["# tcpfsm transitions format 1", "# PROTO FROM TO COUNT VERDICT"]
    for (p, f, t) in sorted(b["trans"], key=lambda k: (PROTOS.index(k[0]), sval(k[1]),
                                                       sval(k[2]))):
        lines.append("%s %s %s %d %s" % (p, pname(p, f), pname(p, t), b["trans"][(p, f, t)],
                                         m.verdict(p, f, t)))
    put("transitions", lines)

    # states
    lines = ["# tcpfsm states format 1", "# PROTO STATE CURRENT ENTERED EXITED"]
    for p in PROTOS:
        vals = set(range(1, 14)) if p == "TCP" else set()
        for (pp, st) in list(b["ent"]) + list(b["ext"]):
            if pp == p:
                vals.add(sval(st))
        for v in sorted(vals):
            st = STATES[v] if v < len(STATES) else "STATE_%d" % v
            cur = b["cur"].get((p, st), 0) if has_gauge(m, p, st) else "-"
            lines.append("%s %s %s %d %d" % (p, pname(p, st), cur, b["ent"].get((p, st), 0),
                                             b["ext"].get((p, st), 0)))
    put("states", lines)

    # illegal
    recs = []
    seq = m.first_seq
    for (s, f, t, info) in b["records"]:
        recs.append((info["ts_ns"], s, f, t, info, 0))
    for (s, f, t, info) in m.injected:
        recs.append((info["ts_ns"], s, f, t, info, 1))
    recs.sort(key=lambda r: r[0])
    out = []
    for ts, s, f, t, info, inj in recs:
        out.append("seq=%d ts_ns=%d cpu=%d pid=%d comm=%s ctx=%s netns=%d uid=%d cgroup=%d "
                   "proto=%s family=%s src=%s dst=%s from=%s to=%s injected=%d stack=%s" % (
                       seq, ts, info.get("cpu", 0), info["pid"], info["comm"],
                       info.get("ctx", "task"), s.netns, s.uid, s.cgroup, s.proto, s.family,
                       s.src, s.dst, pname(s.proto, f), pname(s.proto, t), inj,
                       STK.get(info.get("stack"), "-")))
        seq += 1
    next_seq = seq
    kept = out[-m.log_size:] if m.log_size else []
    dropped = len(out) - len(kept) + m.dropped
    put("illegal", ["# tcpfsm illegal format 1"] + kept)

    # table
    lines = ["# tcpfsm table format 1", "# FROM TO VERDICT FLAGS REASON"]
    for f, t, v, fl, reason in m.rules():
        if m.strict and v == "linux":
            continue
        lines.append("%s %s %s %s %s" % (f, t, v, fl, reason.replace('\\"', '"')))
    put("table", lines)

    # lifecycle
    if m.tracking:
        lines = ["# tcpfsm lifecycle format 1", "# FROM TO COUNT"]
        for (f, t) in sorted(b["life"], key=lambda k: (sval(k[0]), sval(k[1]))):
            lines.append("%s %s %d" % (f, t, b["life"][(f, t)]))
        put("lifecycle", lines)

    # dwell
    if m.dwell is not None:
        lines = ["# tcpfsm dwell format 1",
                 "# PROTO STATE BUCKET_US COUNT | PROTO STATE count N | PROTO STATE sum_us N"]
        for (p, st, buckets, total) in m.dwell:
            for bu, c in buckets:
                lines.append("%s %s %d %d" % (p, st, bu, c))
            lines.append("%s %s count %d" % (p, st, sum(c for _, c in buckets)))
            lines.append("%s %s sum_us %d" % (p, st, total))
        put("dwell", lines)

    # netns
    if m.netns_on:
        lines = ["# tcpfsm netns format 1", "# NETNS PROTO STATE CURRENT ENTERED EXITED"]
        keys = set(b["ns_ent"]) | set(b["ns_ext"]) | set(b["ns_cur"])
        nss = sorted({k[0] for k in keys})
        for ns in nss:
            for p in PROTOS:
                for v in range(0, 256):
                    st = STATES[v] if v < len(STATES) else "STATE_%d" % v
                    k = (ns, p, st)
                    e, x = b["ns_ent"].get(k, 0), b["ns_ext"].get(k, 0)
                    c = b["ns_cur"].get(k, 0)
                    if not (e or x or c):
                        continue
                    cs = c if has_gauge(m, p, st) else "-"
                    lines.append("%s %s %s %s %d %d" % (ns, p, pname(p, st), cs, e, x))
        put("netns", lines)

    # stats
    tw2 = sum(1 for s in m.socks if s.tw == "tw2" and not s.tw_fin and not s.tw_dead)
    st = [("version", m.version), ("format", 1), ("events", b["events"]),
          ("illegal", b["illegal"]), ("unknown_state", b["unknown"]),
          ("injected", len(m.injected) + getattr(m, "injected_legal", 0)),
          ("log_records", len(kept)), ("log_dropped", dropped), ("log_size", m.log_size),
          ("log_next_seq", next_seq), ("strict", int(m.strict)),
          ("inject", int(bool(m.injected) or getattr(m, "injected_legal", 0) > 0)),
          ("timewait_tracking", int(m.tracking)), ("dwell", int(m.dwell is not None))]
    if m.dwell is not None:
        st += [("dwell_tracked", m.dwell_tracked), ("dwell_capacity", 65536),
               ("dwell_misses", m.dwell_misses)]
    if m.netns_on:
        ns = {s.netns for s in m.socks}
        st += [("netns_cap", 64), ("netns_tracked", len(ns)), ("netns_folded", 0)]
    if m.tracking:
        st += [("timewait_fin_wait2", tw2)]
    st += [("seeded", m.seeded)]
    st += list(m.extra_stats)
    put("stats", ["# tcpfsm stats format 1", "# KEY VALUE"] + ["%s %s" % kv for kv in st])
    for f in ("control", "inject") if m.injected else ("control",):
        open(os.path.join(d, f), "w").close()


def canon(name):
    """The name the module writes for a state value."""
    v = sval(name)
    return STATES[v] if 0 < v < len(STATES) else "STATE_%d" % v


def ev(f, t, **info):
    f, t = canon(f), canon(t)
    return (f, t, info) if info else (f, t)


# --- basic: a loopback session, every feature on, strict=0 -------------------
def basic():
    m = Module(tracking=True, dwell=[], netns=True, dwell_misses=8, dwell_tracked=4)
    INIT, TEST = 4026531840, 4026532415
    L = "127.0.0.1:8080"
    m.socks.append(Sock(src=L, dst="0.0.0.0:0", events=[ev("CLOSE", "LISTEN")]))

    def conn(cport, client_tail, server_tail, ctw=None, stw=None, **kw):
        c = Sock(src="127.0.0.1:%d" % cport, dst=L,
                 events=[ev("CLOSE", "SYN_SENT"), ev("SYN_SENT", "ESTABLISHED")] +
                 client_tail, tw=ctw, **kw.get("ck", {}))
        s = Sock(src=L, dst="127.0.0.1:%d" % cport,
                 events=[ev("LISTEN", "SYN_RECV"), ev("SYN_RECV", "ESTABLISHED")] +
                 server_tail, tw=stw, **kw.get("sk", {}))
        m.socks.extend([c, s])

    # A: the client closes first (active close), its tw sock has died (2MSL)
    conn(40012, [ev("ESTABLISHED", "FIN_WAIT1"), ev("FIN_WAIT1", "FIN_WAIT2"),
                 ev("FIN_WAIT2", "CLOSE")],
         [ev("ESTABLISHED", "CLOSE_WAIT"), ev("CLOSE_WAIT", "LAST_ACK"),
          ev("LAST_ACK", "CLOSE")], ctw="tw", ck={"tw_dead": True})
    # B: the server closes first; its tw sock is still in TIME_WAIT
    conn(40014, [ev("ESTABLISHED", "CLOSE_WAIT"), ev("CLOSE_WAIT", "LAST_ACK"),
                 ev("LAST_ACK", "CLOSE")],
         [ev("ESTABLISHED", "FIN_WAIT1"), ev("FIN_WAIT1", "FIN_WAIT2"),
          ev("FIN_WAIT2", "CLOSE")], stw="tw")
    # C: SO_LINGER 0 close: RST
    conn(40016, [ev("ESTABLISHED", "CLOSE")], [ev("ESTABLISHED", "CLOSE")])
    # D: still open
    conn(40018, [], [])
    # E: shutdown(SHUT_WR), close(): orphan handed over in substate FIN_WAIT2
    conn(40020, [ev("ESTABLISHED", "FIN_WAIT1"), ev("FIN_WAIT1", "FIN_WAIT2"),
                 ev("FIN_WAIT2", "FIN_WAIT2"), ev("FIN_WAIT2", "CLOSE")],
         [ev("ESTABLISHED", "CLOSE_WAIT")], ctw="tw2")
    # R: connect() to a closed port, refused by RST (test netns)
    m.socks.append(Sock(netns=TEST, src="127.0.0.1:0", dst="127.0.0.1:9",
                        events=[ev("CLOSE", "SYN_SENT"), ev("SYN_SENT", "CLOSE")]))
    # S: self-connect, shutdown(SHUT_WR): simultaneous open and close
    m.socks.append(Sock(netns=TEST, src="127.0.0.1:50000", dst="127.0.0.1:50000",
                        events=[ev("CLOSE", "SYN_SENT"), ev("SYN_SENT", "SYN_RECV"),
                                ev("SYN_RECV", "ESTABLISHED"), ev("ESTABLISHED", "FIN_WAIT1"),
                                ev("FIN_WAIT1", "CLOSING"), ev("CLOSING", "CLOSE")], tw="tw"))
    # MPTCP: a listener and three accepted msk (not validated)
    m.socks.append(Sock(proto="MPTCP", events=[ev("CLOSE", "LISTEN")]))
    for _ in range(3):
        m.socks.append(Sock(proto="MPTCP", events=[ev("LISTEN", "ESTABLISHED")]))
    # two injected illegal transitions, one of them with IPv6 addresses
    m.injected_legal = 1
    m.injected.append((Sock(), "ESTABLISHED", "SYN_SENT",
                       dict(ts_ns=3512345678901, cpu=0, pid=1337, comm="bash",
                            stack="inject")))
    m.injected.append((Sock(family="inet6", src="[::1]:8080", dst="[::1]:51514"),
                       "ESTABLISHED", "LISTEN",
                       dict(ts_ns=3598765432109, cpu=1, pid=1337, comm="bash",
                            stack="inject")))
    m.dwell = [
        ("TCP", "ESTABLISHED", [(256, 1), (1024, 3), (2048, 2), (65536, 2), (1048576, 1)],
         805600),
        ("TCP", "SYN_SENT", [(64, 3), (128, 4)], 560),
        ("TCP", "SYN_RECV", [(2, 2), (4, 3), (32, 1)], 37),
        ("TCP", "FIN_WAIT1", [(32, 1), (64, 3)], 155),
        ("TCP", "FIN_WAIT2", [(1, 1), (2048, 2), (131072, 1)], 103200),
        ("TCP", "TIME_WAIT", [(67108864, 1)], 60000123),
        ("TCP", "CLOSE_WAIT", [(2048, 2)], 2600),
        ("TCP", "LAST_ACK", [(64, 2)], 90),
        ("TCP", "CLOSING", [(64, 1)], 48),
    ]
    return m


# --- strict: strict=1, no optional features, IPv4 and IPv6 records ----------
def strict():
    m = Module(strict=True, tracking=False, dwell=None, netns=False)
    NS = 4026531840
    T = [3401000000000]

    def ts(d):
        T[0] += d
        return T[0]

    m.socks.append(Sock(netns=NS, src="0.0.0.0:80", events=[ev("CLOSE", "LISTEN")]))
    m.socks.append(Sock(netns=NS, family="inet6", src="[::]:80",
                        events=[ev("CLOSE", "LISTEN")]))
    # curl over IPv4, nginx closes first (HTTP/1.0): its child's FIN_WAIT2 -> CLOSE
    m.socks.append(Sock(src="127.0.0.1:43512", dst="127.0.0.1:80", events=[
        ev("CLOSE", "SYN_SENT"), ev("SYN_SENT", "ESTABLISHED"),
        ev("ESTABLISHED", "CLOSE_WAIT"), ev("CLOSE_WAIT", "LAST_ACK"),
        ev("LAST_ACK", "CLOSE")]))
    m.socks.append(Sock(src="127.0.0.1:80", dst="127.0.0.1:43512", events=[
        ev("LISTEN", "SYN_RECV"), ev("SYN_RECV", "ESTABLISHED"),
        ev("ESTABLISHED", "FIN_WAIT1"), ev("FIN_WAIT1", "FIN_WAIT2"),
        ev("FIN_WAIT2", "CLOSE", ts_ns=ts(123456789), cpu=1, pid=2817, comm="curl",
           ctx="softirq", stack="fin_v4")], tw="tw"))
    # the same over IPv6
    m.socks.append(Sock(family="inet6", src="[::1]:51828", dst="[::1]:80", events=[
        ev("CLOSE", "SYN_SENT"), ev("SYN_SENT", "ESTABLISHED"),
        ev("ESTABLISHED", "CLOSE_WAIT"), ev("CLOSE_WAIT", "LAST_ACK"),
        ev("LAST_ACK", "CLOSE")]))
    m.socks.append(Sock(family="inet6", src="[::1]:80", dst="[::1]:51828", events=[
        ev("LISTEN", "SYN_RECV"), ev("SYN_RECV", "ESTABLISHED"),
        ev("ESTABLISHED", "FIN_WAIT1"), ev("FIN_WAIT1", "FIN_WAIT2"),
        ev("FIN_WAIT2", "CLOSE", ts_ns=ts(2003004005), cpu=0, pid=2825, comm="curl",
           ctx="softirq", stack="fin_v6")], tw="tw"))
    # a python client: shutdown(SHUT_WR), then close(): FIN_WAIT2 -> FIN_WAIT2, -> CLOSE
    m.socks.append(Sock(src="127.0.0.1:43530", dst="127.0.0.1:80", uid=1000, cgroup=4242,
                        events=[
        ev("CLOSE", "SYN_SENT"), ev("SYN_SENT", "ESTABLISHED"),
        ev("ESTABLISHED", "FIN_WAIT1"), ev("FIN_WAIT1", "FIN_WAIT2"),
        ev("FIN_WAIT2", "FIN_WAIT2", ts_ns=ts(5100200300), cpu=1, pid=3001,
           comm="python3", stack="close_self"),
        ev("FIN_WAIT2", "CLOSE", ts_ns=ts(48213), cpu=1, pid=3001, comm="python3",
           stack="close_orphan")], tw="tw2"))
    m.socks.append(Sock(src="127.0.0.1:80", dst="127.0.0.1:43530", events=[
        ev("LISTEN", "SYN_RECV"), ev("SYN_RECV", "ESTABLISHED"),
        ev("ESTABLISHED", "CLOSE_WAIT")]))
    # a client whose peer's FIN arrived while a browser thread had the CPU
    m.socks.append(Sock(src="127.0.0.1:43544", dst="127.0.0.1:80", events=[
        ev("CLOSE", "SYN_SENT"), ev("SYN_SENT", "ESTABLISHED"),
        ev("ESTABLISHED", "FIN_WAIT1"), ev("FIN_WAIT1", "FIN_WAIT2"),
        ev("FIN_WAIT2", "CLOSE", ts_ns=ts(731000222), cpu=3, pid=4242,
           comm="Web\\x20Content", ctx="softirq", stack="fin_v4")], tw="tw"))
    m.socks.append(Sock(src="127.0.0.1:80", dst="127.0.0.1:43544", events=[
        ev("LISTEN", "SYN_RECV"), ev("SYN_RECV", "ESTABLISHED"),
        ev("ESTABLISHED", "CLOSE_WAIT"), ev("CLOSE_WAIT", "LAST_ACK"),
        ev("LAST_ACK", "CLOSE")]))
    # a server with a Cyrillic name ("сервер", escaped by the kernel)
    m.socks.append(Sock(src="127.0.0.1:7000", dst="127.0.0.1:43550", events=[
        ev("LISTEN", "SYN_RECV"), ev("SYN_RECV", "ESTABLISHED"),
        ev("ESTABLISHED", "FIN_WAIT1"), ev("FIN_WAIT1", "FIN_WAIT2"),
        ev("FIN_WAIT2", "CLOSE", ts_ns=ts(90000001), cpu=2, pid=3100,
           comm="\\xd1\\x81\\xd0\\xb5\\xd1\\x80\\xd0\\xb2\\xd0\\xb5\\xd1\\x80",
           ctx="softirq", stack="fin_v4")], tw="tw"))
    m.socks.append(Sock(src="127.0.0.1:43550", dst="127.0.0.1:7000", events=[
        ev("CLOSE", "SYN_SENT"), ev("SYN_SENT", "ESTABLISHED"),
        ev("ESTABLISHED", "CLOSE_WAIT"), ev("CLOSE_WAIT", "LAST_ACK"),
        ev("LAST_ACK", "CLOSE")]))
    m.socks.append(Sock(src="127.0.0.1:7000", events=[ev("CLOSE", "LISTEN")]))
    return m


# --- wrapped: strict, log_size 4, ten active closes ---------------------------
def wrapped():
    m = Module(strict=True, tracking=False, dwell=None, netns=False, log_size=4)
    m.socks.append(Sock(src="127.0.0.1:8080", events=[ev("CLOSE", "LISTEN")]))
    for i in range(10):
        port = 41000 + 2 * i
        m.socks.append(Sock(src="127.0.0.1:%d" % port, dst="127.0.0.1:8080", events=[
            ev("CLOSE", "SYN_SENT"), ev("SYN_SENT", "ESTABLISHED"),
            ev("ESTABLISHED", "FIN_WAIT1"), ev("FIN_WAIT1", "FIN_WAIT2"),
            ev("FIN_WAIT2", "CLOSE", ts_ns=1200000000000 + i * 250000000, cpu=i % 2,
               pid=5000 + i, comm="ab", ctx="softirq", stack="fin_v4")], tw="tw"))
        m.socks.append(Sock(src="127.0.0.1:8080", dst="127.0.0.1:%d" % port, events=[
            ev("LISTEN", "SYN_RECV"), ev("SYN_RECV", "ESTABLISHED"),
            ev("ESTABLISHED", "CLOSE_WAIT"), ev("CLOSE_WAIT", "LAST_ACK"),
            ev("LAST_ACK", "CLOSE")]))
    return m


# --- empty: just loaded ------------------------------------------------------
def empty():
    return Module(tracking=True, dwell=[], netns=True)


# --- future: a newer kernel and module: unnamed states, other protocols,
# a gauge below zero, 2^64-1, hostile comm bytes, unknown stats keys, and a
# module table that differs from the compiled-in one ----------------------
def future():
    def edit(rules):
        out = [r for r in rules if (r[0], r[1]) != ("CLOSE", "CLOSE")]
        out.append(("ESTABLISHED", "STATE_14", "linux", "-",
                    "a future kernel's state \u2192 made up for this test"))
        return out

    m = Module(tracking=False, dwell=None, netns=False, version="2.0.0-rc1+g1234",
               extra_stats=[("future_counter", 42), ("future_mode", "on")],
               table_edit=edit)
    m.socks.append(Sock(src="10.0.0.1:22", events=[ev("LISTEN", "SYN_RECV"),
                                                  ev("SYN_RECV", "ESTABLISHED"),
                                                  ev("ESTABLISHED", "STATE_14")]))
    # a socket that predates the module leaves ESTABLISHED: gauge goes to -1
    m.socks.append(Sock(src="10.0.0.1:22", dst="10.0.0.9:51000", events=[
        ev("ESTABLISHED", "FIN_WAIT1"), ev("FIN_WAIT1", "FIN_WAIT2")]))
    # and another one reports a state only request socks have (a kernel bug),
    # from a task that named itself "" with prctl(PR_SET_NAME)
    m.socks.append(Sock(src="10.0.0.1:8443", dst="10.0.0.8:50000", events=[
        ev("ESTABLISHED", "NEW_SYN_RECV", ts_ns=78000000000, cpu=2, pid=999, comm="",
           stack="future")]))
    m.gauge_adjust[("TCP", "ESTABLISHED")] = -2
    # raw values 16 and more: logged, counted as unknown, never indexed
    m.socks.append(Sock(src="10.0.0.1:443", dst="10.0.0.7:40000", events=[
        ev("ESTABLISHED", "STATE_200", ts_ns=77000000123, cpu=5, pid=4321,
           comm="evil\\x1b[2J\\x07", stack="future"),
        ev("STATE_200", "STATE_255", ts_ns=77000000999, cpu=5, pid=4321,
           comm="\\xff\\xfe\\x5c\\x22x", ctx="irq", stack=None)]))
    # other protocols, with their own meaning of the numbers
    # DCCP (TCP's numbers, DCCP's names): a client through PARTOPEN (14)
    # until the server's CloseReq (PASSIVE_CLOSEREQ, 15), and a server's
    # listener with one child born in RESPOND
    m.socks.append(Sock(proto="DCCP", events=[ev("CLOSE", "SYN_SENT"),
                                              ev("SYN_SENT", "STATE_14"),
                                              ev("STATE_14", "ESTABLISHED"),
                                              ev("ESTABLISHED", "STATE_15")]))
    m.socks.append(Sock(proto="DCCP", events=[ev("CLOSE", "LISTEN")]))
    m.socks.append(Sock(proto="DCCP", events=[ev("LISTEN", "SYN_RECV"),
                                              ev("SYN_RECV", "ESTABLISHED")]))
    m.socks.append(Sock(proto="SCTP", events=[ev("CLOSE", "ESTABLISHED"),
                                              ev("ESTABLISHED", "CLOSE_WAIT")]))
    m.socks.append(Sock(proto="OTHER", events=[ev("CLOSE", "CLOSE")]))
    return m


FIXTURES = {"basic": basic, "strict": strict, "wrapped": wrapped, "empty": empty,
            "future": future}


def patch_future(d):
    """Counters a simulation cannot reach: the largest 64-bit value."""
    p = os.path.join(d, "transitions")
    lines = open(p).read().splitlines()
    lines = [l.replace("SCTP CLOSED ESTABLISHED 1 -",
                       "SCTP CLOSED ESTABLISHED 18446744073709551615 -") for l in lines]
    open(p, "w").write("\n".join(lines) + "\n")


def main():
    for name, fn in FIXTURES.items():
        write_fixture(name, fn())
        if name == "future":
            patch_future(os.path.join(OUT, name))
    print("wrote", ", ".join(FIXTURES))


if __name__ == "__main__":
    sys.exit(main())
