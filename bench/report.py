#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""report.py OUTDIR DOC - write docs/BENCHMARKS.md from one make bench run.

Reads what bench/run.sh left in OUTDIR: bench.out (the guest job's "BENCH"
lines), hotpath.txt (callgrind), callgraph.txt (objdump of the module),
host.txt and config.  Every number in the document comes from these files.
"""
import datetime
import os
import re
import statistics
import sys

STATE = {1: "ESTABLISHED", 2: "SYN_SENT", 3: "SYN_RECV", 4: "FIN_WAIT1",
         5: "FIN_WAIT2", 6: "TIME_WAIT", 7: "CLOSE", 8: "CLOSE_WAIT",
         9: "LAST_ACK", 10: "LISTEN", 11: "CLOSING", 12: "NEW_SYN_RECV"}

CONFIGS = {
    "A": "no tracer",
    "A2": "no tracer, run as if it were a tracer: the noise floor",
    "B": "tcpfsm, default parameters (dwell=0 netns_cap=64 timewait=1)",
    "Bstrict": "tcpfsm strict=1: every `linux` pair is logged (prices the log path)",
    "Bmin": "tcpfsm dwell=0 netns_cap=0 timewait=0: classify and count only",
    "Bdwell": "tcpfsm dwell=1 netns_cap=0 timewait=0",
    "Bnetns": "tcpfsm dwell=0 netns_cap=64 timewait=0",
    "Btw": "tcpfsm dwell=0 netns_cap=0 timewait=1",
    "C": "trace event sock:inet_sock_set_state enabled into the ftrace ring buffer",
    "C2": "the same event with a hist trigger keyed on oldstate,newstate",
    "D": "bpftrace: count() per (oldstate, newstate) in a map",
}
LABEL = {"A": "(A)", "A2": "(A2)", "B": "(B)", "Bstrict": "(B')",
         "Bmin": "(B-min)", "Bdwell": "(B-min + dwell)",
         "Bnetns": "(B-min + netns)", "Btw": "(B-min + timewait)",
         "C": "(C)", "C2": "(C2)", "D": "(D)"}
# Feature costs: (name, configuration, baseline).
FEATURES = [
    ("classify and count (B-min)", "Bmin", "A"),
    ("dwell=1 (time in state)", "Bdwell", "Bmin"),
    ("netns_cap=64 (per-namespace counters)", "Bnetns", "Bmin"),
    ("timewait=1 (time-wait kprobes)", "Btw", "Bmin"),
    ("all defaults (B) over B-min", "B", "Bmin"),
    ("strict=1 over defaults (log path)", "Bstrict", "B"),
]


# Kernel code that belongs to a tracer (or to the tracepoint's dispatch):
# the module, kprobes and their ftrace entry, trace events, ring buffer,
# triggers and hist maps, BPF.
TRACER_SYM = re.compile(
    r"^(__traceiter_|trace_|__trace_|tracing_|ring_buffer_|rb_|event_|"
    r"hist_|tracing_map|kprobe|kretprobe|__kretprobe|pre_handler_kretprobe|"
    r"rethook|arch_rethook|ftrace_|bpf_|__bpf_|___bpf_|htab_|__htab_|"
    r"pcpu_freelist|perf_trace_|perf_tp_|perf_swevent_event|tcpfsm_|"
    r"get_kprobe|opt_pre_handler|ktime_get_mono_fast_ns)")
# ... except what shares those prefixes and runs without any tracer:
# rbtrees, and the BPF hooks compiled into the TCP stack.
NOT_TRACER_SYM = re.compile(
    r"^(rb_(first|last|next|prev|erase|insert_color|replace)|bpf_skops_|"
    r"bpf_lsm_|bpf_sk_storage_)")


def tracer_share(syms):
    """Samples in tracer code: (total %, [(pct, sym)] biggest first)."""
    mine = [(p, sym) for p, dso, sym in syms
            if dso == "[tcpfsm]" or (dso == "[kernel.kallsyms]" and
                                     TRACER_SYM.match(sym) and
                                     not NOT_TRACER_SYM.match(sym))
            or sym.startswith("bpf_prog_")]
    return sum(p for p, _ in mine), sorted(mine, reverse=True)


def config_desc(c):
    base, alt = c.split("@")[0], "@alt" in c
    return CONFIGS.get(base, c) + (", **with the alternative module** "
                                   "(BENCH_ALT_KO)" if alt else "")


def label(c):
    base = c.split("@")[0]
    return LABEL.get(base, "") + (" alt" if "@alt" in c else "")


def kv(line):
    return dict(re.findall(r"(\w+)=(\S+)", line))


def load(out):
    bench = {"runs": [], "verify": [], "memory": [], "gauges": [],
             "scale": {}, "fail": [], "skip": [], "strict": [], "misc": {}}
    path = os.path.join(out, "bench.out")
    lines = open(path, errors="replace").read().splitlines() \
        if os.path.exists(path) else []
    for line in lines:
        line = line.rstrip("\r")
        if not line.startswith("BENCH "):
            continue
        kind = line.split()[1]
        d = kv(line)
        if kind == "run":
            bench["runs"].append(d)
        elif kind == "verify" and "src" in d:
            bench["verify"].append(d)
        elif kind == "memory":
            bench["memory"].append(d)
        elif kind == "gauges":
            bench["gauges"].append((d.get("step"), d.get("mode"),
                                    line.split("mode=")[1].split(None, 1)[1:]))
        elif kind == "scale":
            if line.split()[2] == "churn":
                w = line.split()
                bench["scale"]["churn_connections"] = w[4]
                bench["scale"]["churn_elapsed_ns"] = w[10]
            bench["scale"].update(d)
        elif kind == "fail":
            bench["fail"].append(line.split("what=", 1)[1])
        elif kind == "skip":
            bench["skip"].append(d)
        elif kind == "strict":
            bench["strict"].append(d)
        elif kind == "perf":
            bench.setdefault("perf", {})[d["cfg"]] = {"samples": d["samples"],
                                                      "syms": []}
        elif kind == "perfsym":
            bench["perf"][d["cfg"]]["syms"].append(
                (float(d["pct"]), d["dso"], d["sym"]))
        else:
            bench["misc"].setdefault(kind, {}).update(d)
    bench["last"] = lines[-1].strip() if lines else "(no output)"
    return bench


def keyvals(path):
    d = {}
    if os.path.exists(path):
        for line in open(path):
            k, _, v = line.rstrip("\n").partition(" ")
            d.setdefault(k, []).append(v)
    return d


def fmt(x, digits=0):
    if x is None:
        return "-"
    return f"{x:,.{digits}f}"


def pct(x):
    return "-" if x is None else f"{x * 100:+.1f}%"


def main():
    out, doc = sys.argv[1], sys.argv[2]
    b = load(out)
    hp = keyvals(os.path.join(out, "hotpath.txt"))
    cg = keyvals(os.path.join(out, "callgraph.txt"))
    host = {k: v[0] for k, v in keyvals(os.path.join(out, "host.txt")).items()}
    cfg = {}
    for line in open(os.path.join(out, "config")):
        k, _, v = line.strip().partition("=")
        cfg[k] = v.strip('"')
    start = b["misc"].get("start", {})

    # --- churn runs, by configuration and round; A brackets every run
    seq = sorted(b["runs"], key=lambda r: int(r.get("seq", 0)))
    runs = {}
    for r in seq:
        runs.setdefault(r["cfg"], []).append(r)
    order = [c for c in ["A"] + cfg["CONFIGS"].split() if c in runs]
    order = list(dict.fromkeys(order))
    # Transitions per cycle, from every traced run: what it counted, less
    # the listeners' 4 per thread, over the cycles (warm-up included).
    counted = sorted({int(r["counted"]) for r in b["runs"]
                      if r["counted"] not in ("-", "")})
    # The workload is deterministic: the largest count is the exact one
    # (some tracers lose an event now and then, see below).
    tpcs = sorted({(int(r["counted"]) - 4 * int(r["clients"])) /
                   (int(r["connections"]) + int(r.get("warmup", 0)) * int(r["clients"]))
                   for r in b["runs"] if r["counted"] not in ("-", "")})
    tpc = max(tpcs) if tpcs else None

    def rate(r):
        return int(r["connections"]) / (int(r["elapsed_ns"]) / 1e9)

    # Each run against the mean of the A runs just before and after it.
    norm = {}
    for i, r in enumerate(seq):
        if r["cfg"] == "A":
            continue
        near = [x for x in (next((x for x in reversed(seq[:i]) if x["cfg"] == "A"), None),
                            next((x for x in seq[i + 1:] if x["cfg"] == "A"), None))
                if x is not None]
        if near:
            base = statistics.mean(rate(x) for x in near)
            norm.setdefault(r["cfg"], {})[int(r["round"])] = rate(r) / base

    def ratios(c, base="A"):
        """Churn-rate ratios c/base, round by round."""
        if c not in norm:
            return []
        if base == "A":
            return [norm[c][k] for k in sorted(norm[c])]
        if base not in norm:
            return []
        return [norm[c][k] / norm[base][k] for k in sorted(norm[c])
                if k in norm[base]]

    def overhead(c, base="A"):
        rs = ratios(c, base)
        return (1 - statistics.median(rs)) if rs else None

    rows = []
    for c in order:
        rs = [rate(r) for r in runs[c]]
        ts = [x * tpc for x in rs] if tpc else []
        rr = ratios(c, "A")
        cnt = sorted({r["counted"] for r in runs[c]})
        rows.append((c, rs, ts, rr, cnt))

    # --- hot path
    traces = {}
    for v in hp.get("trace", []):
        w = v.split()
        d = dict(zip(w[1::2], w[2::2]))
        name = w[0]
        ev, k = int(d["events"]), int(d["rounds"])
        traces[name] = {
            "events": ev,
            "fn": int(d["fn_k"]) / (k * ev),
            "fn2": int(d["fn_2k"]) / (2 * k * ev),
            "delta": (int(d["all_2k"]) - int(d["all_k"])) / (k * ev),
        }
    tcp_ipe = traces.get("tcp", {}).get("fn")

    # --- probe call graph
    fns = [v.split() for v in cg.get("fn", [])]
    exts = [v.split() for v in cg.get("ext", [])]
    forbidden = cg.get("forbidden", [])
    locked = sum(int(f[4]) for f in fns)

    # --- memory and scale
    mem = b["memory"]
    mem_bytes = {m.get("memory_bytes") for m in mem}
    core = {m.get("coresize") for m in mem}
    sc = b["scale"]
    gauge_bad = [g for g in b["gauges"]
                 if "!" in " ".join(g[2]) and g[0] != "reload"]
    reload_bad = [g for g in b["gauges"]
                  if "!" in " ".join(g[2]) and g[0] == "reload"]
    reload = b["misc"].get("reload", {})

    # --- verification phase
    ver = {}
    for v in b["verify"]:
        if "from" in v:
            ver.setdefault((int(v["from"]), int(v["to"])), {})[v["src"]] = \
                int(v["count"])
    srcs = sorted({v["src"] for v in b["verify"] if "from" in v},
                  key=["tcpfsm", "hist", "bpftrace"].index)
    ver_ok = bool(ver) and all(len(set(d.get(s) for s in srcs)) == 1
                               for d in ver.values())

    # --- targets
    ovB, ovC, ovC2, ovD = (overhead(c) for c in ("B", "C", "C2", "D"))
    targets = []

    def target(name, ok, measured):
        targets.append((name, "met" if ok else "**missed**", measured))

    if ovB is not None:
        a2 = ratios("A2")
        a2s = (f"A2 (no tracer, same method): {pct(1 - statistics.median(a2))}, "
               f"runs from {pct(1 - max(a2))} to {pct(1 - min(a2))}") if a2 else "no A2 runs"
        target("tcpfsm (B) overhead on the churn rate within noise, <= 2%",
               ovB <= 0.02,
               f"{pct(ovB)} (median of {len(ratios('B'))} runs); {a2s}")
    if ovB is not None and ovC is not None:
        target("smaller than the ftrace event's (C)", ovB < ovC,
               f"B {pct(ovB)} vs C {pct(ovC)}")
    if ovB is not None and ovC2 is not None:
        target("smaller than the hist trigger's (C2)", ovB < ovC2,
               f"B {pct(ovB)} vs C2 {pct(ovC2)}")
    if ovB is not None and ovD is not None:
        ok = ovD > 0 and (ovB <= 0 or ovD / ovB >= 5)
        ratio = f"{ovD / ovB:.1f}x" if ovB > 0 else "B not above zero"
        target("at least 5x smaller than bpftrace's (D)", ok,
               f"B {pct(ovB)} vs D {pct(ovD)} ({ratio})")
    elif ovB is not None:
        target("at least 5x smaller than bpftrace's (D)", False,
               "D did not run: " + "; ".join(b["fail"]) if b["fail"] else "D did not run")
    if tcp_ipe is not None:
        target("hot path <= 40 instructions per event (classify + per-CPU counters)",
               tcp_ipe <= 40,
               f"{tcp_ipe:.2f} per TCP event, "
               f"{traces.get('other', {}).get('fn', 0):.2f} per other-protocol event")
    if fns:
        target("zero allocations and zero locks on the hot path",
               not forbidden,
               f"{len(fns)} functions reachable from the probe; calls out: "
               + (", ".join(e[0] for e in exts) or "none")
               + f"; {locked} locked (atomic) instruction(s)")
    if mem:
        target("memory fixed at load: no growth with connections or events",
               len(mem_bytes) == 1 and len(core) == 1,
               f"memory_bytes {', '.join(sorted(mem_bytes))} at every step "
               f"({len(mem)} steps, up to {max(int(m['events']) for m in mem):,} events "
               f"and {max(int(m['tcp_sockets']) for m in mem):,} TCP sockets)")
    if sc:
        exact = sc.get("transitions_tcpfsm") == sc.get("transitions_hist") \
            and sc.get("illegal") == "0" and not gauge_bad \
            and not any(f.startswith("scale") or f.startswith("gauges")
                        or f.startswith("hold") for f in b["fail"])
        target(f"scale: {int(cfg['SCALE_HOLD']):,} concurrent connections, "
               "then a million transitions: counts and gauges exact", exact and
               int(sc.get("transitions_tcpfsm", 0)) >= 1000000,
               f"{int(sc.get('transitions_tcpfsm', 0)):,} transitions, tcpfsm = hist: "
               f"{sc.get('transitions_tcpfsm') == sc.get('transitions_hist')}; illegal "
               f"{sc.get('illegal')}; gauge checks failed: {len(gauge_bad)} of {len(b['gauges'])}")

    if reload:
        target(f"(extra) module loaded with {int(cfg['SCALE_HOLD']):,} "
               "connections open: seeded gauges exact",
               not reload_bad and reload.get("seed_uncertain") == "0",
               f"seeded {int(reload.get('seeded', 0)):,} sockets, seed_uncertain "
               f"{reload.get('seed_uncertain')}; gauges "
               + ("equal /proc/net/tcp*" if not reload_bad else
                  "differ from /proc/net/tcp*: "
                  + " ".join(x for x in " ".join(reload_bad[0][2]).split() if "!" in x)))

    # --- write
    w = []
    p = w.append
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    p("# Benchmarks")
    p("")
    p(f"Generated by `make bench` ({now}, commit {host.get('commit', '?')}) from "
      "the data of that run; do not edit by hand. `bench/report.py` writes it "
      "from the files `bench/run.sh` leaves in `build/bench/`.")
    p("")
    accel = host.get("accel", "tcg")
    p(f"* Host: {host.get('host_cpu', '?')}, {host.get('host_cores', '?')} cores; "
      f"{host.get('qemu', '?')}, accelerator **{accel}**.")
    p(f"* Guest: Debian's {host.get('guest_kernel', '?')}, {start.get('cpus', '?')} vCPUs, "
      f"{int(start.get('mem_kb', 0)) // 1024} MiB, clocksource "
      f"`{start.get('clocksource', '?')}`.")
    p(f"* Time: the whole `make bench` took {int(host.get('total_seconds', 0)) // 60} min "
      f"{int(host.get('total_seconds', 0)) % 60} s, of which the guest "
      f"{int(host.get('vm_seconds', 0)) // 60} min {int(host.get('vm_seconds', 0)) % 60} s.")
    if accel == "tcg":
        p("")
        p("**These timings are emulated.** Under TCG every guest instruction is "
          "translated by QEMU and run on one host thread (both vCPUs in turn), "
          "so absolute rates say nothing about real hardware, and the relative "
          "cost of different code need not be a real CPU's either. Only ratios "
          "between configurations of this one run mean something, and they "
          "are measured pair by pair for that reason; the host is shared, so "
          "some runs are slowed from outside (see A2). Run "
          "`make bench BENCH_ACCEL=kvm` where `/dev/kvm` works for real "
          "timings. Instruction counts (callgrind) and memory do not depend on "
          "the accelerator.")
        if start.get("clocksource", "tsc") != "tsc":
            p("")
            p(f"The guest's clocksource is `{start.get('clocksource')}`, not the "
              "TSC: every clock read (`ktime_get_mono_fast_ns()` in the "
              "time-in-state code, ftrace's timestamps) is an emulated device "
              "access here, far dearer than `rdtsc` on real hardware.")
    p("")
    if b["fail"] or b["last"] != "TCPFSM-VM-EXIT 0" or host.get("vm_status") != "0":
        p("**This run had failures**: " + "; ".join(b["fail"] or [b["last"]]))
        p("")

    p("## Targets")
    p("")
    p("| target | result | measured |")
    p("|---|---|---|")
    for name, ok, m in targets:
        p(f"| {name} | {ok} | {m} |")
    p("")

    p("## Connection churn")
    p("")
    p(f"Workload (`bench/churn.c`): {start.get('clients', '?')} client threads, "
      f"{int(start.get('conns', 0)):,} connections per run; each cycle is connect, "
      "accept, write 64 bytes, read them, close, over loopback, alternating "
      "IPv4 and IPv6 and which side closes first (client first: the client "
      "goes through FIN_WAIT1/FIN_WAIT2 to a time-wait sock; server first: the "
      "reverse). Every cycle makes 10 TCP transitions; each run also opens and "
      "closes 8 listeners outside the timed part.")
    p("")
    p(f"One guest boot runs every configuration once per round, "
      f"{cfg['ROUNDS']} rounds, each run between two runs of A: "
      "`A X1 A X2 ... A Xn A`, the Xs in the order "
      f"`{' '.join(c for c in order if c != 'A')}`, each round starting one "
      "place further into that list (after one unmeasured warm-up run). A "
      "run's ratio is its churn rate over the mean rate of the A runs just "
      "before and after it: drift over the boot (time-wait socks pile up) "
      "and spikes of load on the host hit both and cancel. Tracers are set "
      "up before a run and removed after it; the module is loaded before "
      "each of its runs and unloaded after.")
    p("")
    if tpc:
        w0 = seq[0] if seq else {}
        p(f"Transitions per connection cycle: **{tpc:g}** (a traced run counts "
          f"{max(counted):,}: the cycles, {int(w0.get('warmup', 0))} untimed "
          "warm-up cycles per thread included, x 10, + 4 per thread for the "
          "listeners); transitions/s = connections/s x that, for the untraced "
          "runs too.")
        p("")
    p("| config | what | runs | connections/s min / median / max | "
      "transitions/s min / median / max | rate vs A, pair by pair: median [min, max] | "
      "overhead (median) | events counted per run |")
    p("|---|---|---|---|---|---|---|---|")
    for c, rs, ts, rr, cnt in rows:
        rrs = (f"{statistics.median(rr):.3f} [{min(rr):.3f}, {max(rr):.3f}]"
               if rr and c != "A" else "1")
        ov = pct(1 - statistics.median(rr)) if rr and c != "A" else "-"
        p(f"| {label(c)} {c} | {config_desc(c)} | {len(rs)} | "
          f"{fmt(min(rs))} / {fmt(statistics.median(rs))} / {fmt(max(rs))} | "
          f"{fmt(min(ts)) if ts else '-'} / {fmt(statistics.median(ts)) if ts else '-'} / "
          f"{fmt(max(ts)) if ts else '-'} | {rrs} | {ov} | {', '.join(cnt)} |")
    p("")
    p("Overhead is 1 - (rate with the tracer / rate of the A runs around "
      "it), the median over the rounds; negative means the run with the "
      "tracer was faster, i.e. noise. A2 is an untraced run measured exactly "
      "like a tracer's: its ratios show the noise of this run.")
    if counted:
        top = max(counted)
        shortby = {c: [int(r["counted"]) for r in runs[c]
                       if r["counted"].isdigit() and int(r["counted"]) < top]
                   for c in order}
        traced = [c for c in order if any(r["counted"].isdigit() for r in runs[c])]
        exact = [c for c in traced if not shortby[c]]
        p("")
        p(f"The workload makes {top:,} transitions per run; counted exactly "
          f"that in every run by: {', '.join(exact) or 'none'}. "
          + " ".join(f"{c} counted fewer in {len(v)} of {len(runs[c])} runs "
                     f"({', '.join(f'{x:,}' for x in v)})."
                     for c, v in shortby.items() if v))
        if any(shortby.get(c) for c in ("C", "C2")):
            p("The trace event (and so the hist trigger, which runs only once "
              "the event's record is reserved: `if (!entry) return;` in "
              "`trace_event_raw_event_*`) loses an event when the ring buffer "
              "refuses a nested reservation on the same CPU "
              "(`trace_recursive_lock()`), which happens when the tracepoint "
              "fires in softirq at the edge of another context.")
        if shortby.get("D"):
            dm = [r.get("bpf_misses") for r in runs.get("D", [])]
            p("bpftrace's events go through perf's tracepoint path and "
              "`trace_call_bpf()`, which on 6.1 return without running the "
              "program, and without counting it, when the same path is "
              "already running on that CPU (`bpf_prog_active`); the "
              "programs' `recursion_misses` (bpftrace's fdinfo, after each "
              f"run: {', '.join(x or '-' for x in dm)}) do not see these.")
    for d in b["skip"]:
        p(f"\nConfiguration {d.get('cfg')} skipped in round {d.get('round')}.")
    if b["strict"]:
        s0 = b["strict"][0]
        p("")
        p(f"With strict=1 every connection's time-wait hand-over (`FIN_WAIT2 -> "
          f"CLOSE` or `CLOSING -> CLOSE`, a `linux` pair) is logged: "
          f"{s0.get('illegal')} records per run ({s0.get('log_dropped')} overwritten "
          "in the ring), each with its stack.")
    p("")

    p("### What each optional feature costs")
    p("")
    p("Ratio between two tcpfsm configurations of the same round, each "
      "first taken against the A runs around it.")
    p("")
    p("| feature | configuration | baseline | rate ratio median [min, max] | cost (median) |")
    p("|---|---|---|---|---|")
    for name, c, base in FEATURES:
        rr = ratios(c, base)
        if not rr:
            continue
        p(f"| {name} | {c} | {base} | {statistics.median(rr):.3f} "
          f"[{min(rr):.3f}, {max(rr):.3f}] | {pct(1 - statistics.median(rr))} |")
    p("")

    alts = [c for c in order if c.endswith("@alt") and c[:-4] in norm]
    if alts:
        p("### The alternative module against the current one")
        p("")
        p("Each configuration with the module given in `BENCH_ALT_KO` "
          "against the same configuration with the current module, round by "
          "round (both first taken against the A runs around them).")
        p("")
        p("| configuration | rate ratio alt / current, median [min, max] | cost change (median) |")
        p("|---|---|---|")
        for c in alts:
            rr = ratios(c, c[:-4])
            if rr:
                p(f"| {c[:-4]} | {statistics.median(rr):.3f} [{min(rr):.3f}, "
                  f"{max(rr):.3f}] | {pct(1 - statistics.median(rr))} |")
        p("")

    p("### The tracers count the same thing")
    p("")
    p(f"Before the rounds, one churn of {int(cfg['VERIFY_CONNS']):,} connections "
      "runs with every tracer attached at once (hist trigger, tcpfsm, and "
      "bpftrace, which starts the churn itself with `-c` once its probe is "
      "attached). Per (oldstate, newstate) pair:")
    p("")
    p("| from | to | " + " | ".join(srcs) + " |")
    p("|---|---|" + "---|" * len(srcs))
    for (f, t), d in sorted(ver.items()):
        p(f"| {STATE.get(f, f)} | {STATE.get(t, t)} | "
          + " | ".join(fmt(d.get(s)) for s in srcs) + " |")
    p("")
    p("All equal: **" + ("yes" if ver_ok else "NO") + "**" +
      ("" if "bpftrace" in srcs else " (bpftrace did not run)") + ".")
    bs = b["misc"].get("bpftrace_start", {})
    if bs:
        p("")
        p(f"bpftrace {b['misc'].get('bpftrace', {}).get('version', '')} took "
          f"{bs.get('seconds')} s from start to exit on that run (compiling its "
          "program with LLVM, in the guest); in configuration D only the churn "
          "itself is timed.")
    p("")

    perf = b.get("perf", {})
    if perf:
        p("### Where the time goes: perf in the guest")
        p("")
        p(f"One more churn of {int(cfg.get('PROFILE_CONNS', 0)):,} connections per "
          "configuration under `perf record -a -e cpu-clock -F 2000` (TCG has no "
          "PMU: timer sampling). Below, the share of all samples (every CPU, "
          "idle included) that fell in tracer code: the module, kprobes and "
          "their ftrace entry, the tracepoint's dispatch, trace events, the "
          "ring buffer, triggers and hist maps, BPF. Shares, unlike rates, do "
          "not move with the host's load. The A row is the control: what the "
          "same patterns catch with no tracer (perf's own sampling, and "
          "tracing code that runs anyway). The time-in-state code's clock "
          "read counts as `ktime_get_mono_fast_ns`; the clocksource's own "
          "read function under it is shared with the rest of the kernel and "
          "is not counted. The module's symbols come from its `.ko`, copied "
          "under `/lib/modules` in the guest.")
        p("")
        p("| config | samples | in tracer code | biggest tracer symbols (% of samples) |")
        p("|---|---|---|---|")
        known = ["A", "B", "Bmin", "Bdwell", "Bnetns", "Btw", "Bstrict",
                 "C", "C2", "D"]
        for c in [x for x in known if x in perf] + \
                [x for x in perf if x not in known]:
            tot, mine = tracer_share(perf[c]["syms"])
            top = ", ".join(f"`{sym}` {pc:.2f}" for pc, sym in mine[:8])
            p(f"| {label(c)} {c} | {perf[c]['samples']} | {tot:.2f}% | {top} |")
        p("")
        p("Symbols under 0.05% of the samples are not listed by `perf report` "
          "and not counted.")
        p("")

    p("## Hot path: instructions per event")
    p("")
    p("`bench/hotpath/hotpath.c` includes `module/tcpfsm_hotpath.h` (the "
      "probe's classify-and-count code, `tcpfsm_count()`) with a small shim "
      "(`bench/hotpath/shim.h`: `this_cpu_inc` as a plain increment, which is "
      "one instruction either way, seeding off as it is after load), fills "
      "the action table from `tcpfsm_rules[]` with the module's own "
      "`tcpfsm_actions_fill()`, and calls a `noinline` wrapper `bench_count()` once per event of a "
      "fixed trace. Compiled with the kernel's code-generation flags: `"
      + (hp.get("cflags", ["?"])[0]) + "` (" + hp.get("compiler", ["?"])[0] + ").")
    p("")
    p("Counted by " + hp.get("valgrind", ["valgrind"])[0] + " `--tool=callgrind`:")
    p("")
    p("* **in function**: `--toggle-collect=bench_count` counts only the "
      "instructions executed inside `bench_count()` (the inlined "
      "`tcpfsm_count()` and its `ret`), divided by the number of calls; the "
      "same with the trace run K and 2K times (K = "
      + (hp.get("trace", ["x rounds ?"])[0].split("rounds ")[1].split()[0])
      + ").")
    p("* **whole program, 2K - K**: (instructions of the program run 2K times "
      "- run K times) / (K x events): adds the harness loop and the call, "
      "start-up and checks cancel out. An upper bound.")
    p("")
    p("Tracepoint dispatch (the kernel's `__traceiter_inet_sock_set_state` "
      "loop and the indirect call) and the probe's own prologue are not "
      "included, nor the optional features (behind static keys, a `nop` each "
      "when off) or the rare path of illegal transitions.")
    p("")
    p("| trace | events | in function, K | in function, 2K | whole program, 2K - K |")
    p("|---|---|---|---|---|")
    what = {"tcp": "TCP: every pair of the textbook scenarios of `tools/traffic`",
            "other": "MPTCP, SCTP, DCCP and another protocol: the same pairs",
            "birth": "TCP `LISTEN -> SYN_RECV` only (a birth)",
            "illegal": "TCP `ESTABLISHED -> SYN_SENT` only (counted; logging is the rare path)",
            "range": "state >= 16 (a future kernel): the early exit"}
    for name, t in traces.items():
        p(f"| {what.get(name, name)} | {t['events']} | {t['fn']:.2f} | "
          f"{t['fn2']:.2f} | {t['delta']:.2f} |")
    p("")
    p(f"`bench_count()` is {hp.get('static_insns', ['?'])[0]} instructions long "
      f"(all paths) with {hp.get('calls_in_bench_count', ['?'])[0]} calls: no "
      "allocation, lock or atomic can hide in it. Its code:")
    p("")
    p("```")
    for a in hp.get("asm", []):
        p(a)
    p("```")
    p("")
    p("### What the module's probe can reach")
    p("")
    p("`bench/callgraph.py` follows every call and tail call from "
      "`tcpfsm_probe` in `module/tcpfsm.ko` (objdump relocations), leaving "
      "out the rare path (`tcpfsm_report_sock`, illegal transitions only) and "
      "the seeding (`tcpfsm_seed_event`, only while the module loads):")
    p("")
    p("| function | instructions (all paths) | locked instructions |")
    p("|---|---|---|")
    for f in fns:
        p(f"| `{f[0]}` | {f[2]} | {f[4]} |")
    p("")
    if exts:
        names = {e[0] for e in exts}
        why = []
        if names & {"__rcu_read_lock", "__rcu_read_unlock"}:
            why.append("`__rcu_read_lock`/`__rcu_read_unlock` mark an RCU "
                       "read-side section (a per-task counter, not a lock)")
        if "ktime_get_mono_fast_ns" in names:
            why.append("`ktime_get_mono_fast_ns` is the clock of the "
                       "time-in-state feature (dwell=1 only)")
        p("Kernel functions called: " + ", ".join(
            f"`{e[0]}` (from `{e[2]}`)" for e in exts) + ". "
          + ("; ".join(why) + ". " if why else "")
          + "The locked instructions are `cmpxchg` claims in the "
          "time-in-state table (dwell=1 only).")
    p("Calls that allocate, free, lock or sleep: **"
      + (", ".join(forbidden) if forbidden else "none") + "**.")
    p("")

    p("## Memory")
    p("")
    p("`memory_bytes` is the module's own account of what it allocated "
      "(`stats`: per-CPU counters, the log, the time-in-state table, the "
      "per-namespace counters); `coresize` (`/sys/module/tcpfsm/coresize`) "
      "is its text and data.")
    p("")
    p("| step | events since load | TCP sockets | time-wait socks | memory_bytes | coresize | dwell_tracked |")
    p("|---|---|---|---|---|---|---|")
    steps = {"load": "after load", "held": f"{int(cfg['SCALE_HOLD']):,} connections held",
             "churned": "then the churn (>= 1M transitions)",
             "settled": "65 s later (time-wait socks gone)",
             "reload": "unloaded and loaded again, connections still open"}
    for m in mem:
        p(f"| {steps.get(m['step'], m['step'])} | {fmt(int(m['events']))} | "
          f"{fmt(int(m['tcp_sockets']))} | {fmt(int(m['tw']))} | "
          f"{fmt(int(m['memory_bytes']))} | "
          f"{fmt(int(m['coresize']))} | {m['dwell_tracked']} |")
    p("")
    p("With `dwell=1` the time-in-state table has a fixed number of slots "
      "(`dwell_sockets`, 65536 by default): with more sockets than that, exits "
      "are counted in `dwell_misses` instead of growing it.")
    p("")

    p("## Scale")
    p("")
    if sc:
        p(f"With a hist trigger on `sock:inet_sock_set_state` and tcpfsm "
          f"(defaults) loaded, `tcpfsm-traffic --hold {int(cfg['SCALE_HOLD']):,}` "
          f"opens {int(cfg['SCALE_HOLD']):,} loopback connections "
          f"({sc.get('seconds', '?')} s), then `churn` makes "
          f"{int(sc.get('churn_connections', 0)):,} more connections "
          f"({int(sc.get('churn_elapsed_ns', 0)) / 1e9:.0f} s) with them held. "
          "Raised in the guest: `ulimit -n`, `fs.file-max`, `net.core.somaxconn`, "
          "`net.ipv4.tcp_max_syn_backlog`, `net.ipv4.ip_local_port_range` "
          "(1024-65535), `net.ipv4.tcp_max_tw_buckets`, `net.ipv4.tcp_max_orphans`.")
        p("")
        p(f"* transitions counted by tcpfsm: **{int(sc.get('transitions_tcpfsm', 0)):,}**, "
          f"by the hist trigger: **{int(sc.get('transitions_hist', 0)):,}**, "
          f"in {sc.get('pairs')} pairs, every pair equal: "
          f"**{'yes' if not any('scale: tcpfsm and hist differ' in f for f in b['fail']) else 'NO'}**;")
        misses = int(sc.get('dwell_misses', 0))
        p(f"* illegal {sc.get('illegal')}, unknown_state {sc.get('unknown_state')}, "
          f"seed_uncertain {sc.get('seed_uncertain')}; dwell_misses {misses:,}"
          + (" (the time-in-state table is full, as designed)." if misses else "."))
        p("")
        p("Gauges (`states` CURRENT) against `/proc/net/tcp` + `/proc/net/tcp6` "
          "counted by `bench/procstates.c`, as `gauge before / proc / gauge "
          "after` (the gauges read just before and just after the /proc "
          "files). `exact`: all three equal; `bracket`: while the churn's "
          "time-wait socks expire the /proc count must lie between the two "
          "readings. `!` marks a failure.")
        p("")
        p("| step | check | STATE=before/proc/after |")
        p("|---|---|---|")
        for step, mode, rest in b["gauges"]:
            p(f"| {steps.get(step, step)} | {mode} | {' '.join(rest).strip()} |")
    else:
        p("Not run (BENCH_SCALE_HOLD=0 or the guest stopped before).")
    p("")

    p("## Method, and how to run it")
    p("")
    p("```")
    p("make bench                     # installs valgrind, bpftrace, linux-perf if missing")
    p("make bench BENCH_ACCEL=kvm     # where /dev/kvm works")
    p("```")
    p("")
    p("`bench/run.sh` documents the knobs (`BENCH_ROUNDS`, `BENCH_CONNS`, "
      "`BENCH_CLIENTS`, `BENCH_WARMUP`, `BENCH_CONFIGS`, "
      "`BENCH_PROFILE_CONFIGS`, `BENCH_SCALE_HOLD`, `BENCH_SCALE_CONNS`, "
      "`BENCH_MEM`, `BENCH_APPEND`, and `BENCH_ALT_KO` to measure a changed "
      "module against the current one as configurations `X@alt`). One run: "
      "the hot path under callgrind and the probe's call graph on the host; "
      "then one guest boot (`bench/guest/bench`) with the module, `churn`, "
      "`procstates`, `tcpfsm-traffic`, and Debian's bpftrace and perf with "
      "every library `ldd` lists, for the verification, the interleaved "
      "rounds, the profiles, the memory steps and the scale phase; then "
      "this file.")
    p("")
    p("* Each timed run is preceded, in the same process, by untimed warm-up "
      "cycles: under TCG, kernel code that was just patched (a tracer "
      "attached or detached, a static key flipped) is translated again the "
      "first times it runs, which would otherwise be charged to whichever "
      "configuration runs first after the patching.")
    p("* The guest boots with `clocksource=tsc tsc=reliable` (`BENCH_APPEND`), "
      "the clock real hardware uses; TCG guests otherwise pick the HPET, "
      "whose every read is an emulated device access (it made the "
      "time-in-state code's clock read look many times dearer).")
    p("")
    p("* (C) uses a trace instance `bench` with a 1408 KiB buffer per CPU in "
      "overwrite mode; its event count is `entries + overrun` of each CPU.")
    p("* (C2) writes `hist:keys=oldstate,newstate:size=256` to the event's "
      "`trigger` without enabling the event: the trigger runs, the record is "
      "discarded.")
    p("* (D) runs `bpftrace bench/guest/transitions.bt -c churn`: bpftrace "
      "starts the churn once its probe is attached and prints the map when it "
      "exits; the churn times itself, so bpftrace's start-up is not counted.")
    p("* (B) variants load the module before the run and unload it after; "
      "`events` of `stats` is the count.")
    p("")
    open(doc, "w").write("\n".join(w))


if __name__ == "__main__":
    main()
