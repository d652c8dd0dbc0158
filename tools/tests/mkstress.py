#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""mkstress.py DIR - write a debugfs tree that is valid but extreme: every
counter 2^64-1, gauges at both ends of int64, every state value 0..255,
hundreds of pairs, long stacks, task names of escaped 0xff bytes, a table
whose reasons hold bidi controls.  The views must print it (exit 0) without
overflow or any sanitizer report; run-tests.sh does that for both builds."""
import os
import sys

M = 18446744073709551615
NAMES = ["STATE_0", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2",
         "TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING",
         "NEW_SYN_RECV", "BOUND_INACTIVE"]


def nm(v, proto="TCP"):
    """TCP's (and MPTCP's) names; the other protocols' rows use numbers."""
    if proto not in ("TCP", "MPTCP"):
        return "STATE_%d" % v
    return NAMES[v] if v < len(NAMES) else "STATE_%d" % v


def put(d, name, lines):
    with open(os.path.join(d, name), "w", encoding="utf-8", newline="\n") as f:
        f.write("".join(l + "\n" for l in lines))


def main():
    d = sys.argv[1]
    os.makedirs(d, exist_ok=True)
    put(d, "transitions", ["# tcpfsm transitions format 1"] + [
        "%s %s %s %d %s" % (p, nm(f, p), nm(t, p), M, "illegal" if p == "TCP" else "-")
        for p in ("TCP", "MPTCP", "DCCP", "SCTP", "OTHER")
        for f in range(0, 256, 3) for t in range(0, 256, 7)])
    put(d, "states", ["# tcpfsm states format 1"] + [
        "TCP %s %s %d %d" % (nm(v), "-9223372036854775808" if v % 2 else "9223372036854775807",
                             M, M) for v in range(256)])
    put(d, "stats", ["# tcpfsm stats format 1", "version " + "v" * 63] + [
        "%s %d" % (k, M) for k in ("events", "illegal", "unknown_state", "injected",
                                   "log_records", "log_dropped", "log_size",
                                   "log_next_seq", "timewait_fin_wait2", "netns_cap",
                                   "netns_tracked", "netns_folded", "dwell_misses",
                                   "dwell_tracked", "seeded")] +
        ["strict 1", "timewait_tracking 1", "dwell 1", "inject 1"])
    put(d, "illegal", ["# tcpfsm illegal format 1"] + [
        "seq=%d ts_ns=%d cpu=4294967295 pid=4294967295 comm=%s ctx=irq netns=%d "
        "uid=4294967295 cgroup=%d proto=OTHER family=inet6 "
        "src=[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535 dst=[::]:0 from=STATE_255 "
        "to=STATE_0 injected=1 stack=%s" % (M - 300 + s, M, "\\xff" * 64, M, M,
                                            ",".join(["f" * 100] * 40))
        for s in range(1, 300)])
    put(d, "table", ["# tcpfsm table format 1"] + [
        "%s %s linux birth,untraced,future \u202e evil \u00e9" % (nm(f), nm(t))
        for f in range(0, 256, 5) for t in range(0, 256, 11)])
    put(d, "lifecycle", ["# tcpfsm lifecycle format 1"] + [
        "%s %s %d" % (nm(f), nm(t), M) for f in range(0, 256, 5) for t in range(0, 256, 5)])
    lines = ["# tcpfsm dwell format 1"]
    for p in ("TCP", "SCTP"):
        for v in range(0, 256, 9):
            lines += ["%s %s %d %d" % (p, nm(v, p), 1 << k, M) for k in range(64)]
            lines += ["%s %s count %d" % (p, nm(v, p), M), "%s %s sum_us %d" % (p, nm(v, p), M)]
    put(d, "dwell", lines)
    put(d, "netns", ["# tcpfsm netns format 1"] + [
        "%s TCP %s -9223372036854775808 %d %d" % (ns, nm(v), M, M)
        for ns in ("other", "0", str(M)) for v in range(256)])
    put(d, "control", [])


if __name__ == "__main__":
    main()
