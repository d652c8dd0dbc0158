#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""callgraph.py [--atomic] MODULE.ko - what the probes can execute, from
the object code.

Walks the calls and tail calls (objdump -dr relocations) through the
module's own functions.

Without --atomic, from tcpfsm_probe, leaving out the rare path taken only
for illegal transitions (tcpfsm_report_sock) and the seeding path, which
runs only while the module loads (tcpfsm_seed_event, behind a static key).
Prints, for bench/report.py:

  fn NAME insns N locked N        every module function reached
  ext NAME via FN                 every kernel function called
  forbidden NAME via FN           callees that allocate, free, lock or sleep

With --atomic, from every probe and kprobe handler, rare paths included:
all of it runs with preemption disabled, so nothing may sleep.  Prints
"sleeps NAME via FN" for each callee that can (on PREEMPT_RT a spinlock_t
is an rt_spin_lock, which sleeps) and exits 1 if there is one; the check
is exact for the kernel the module was built for.
"""
import re
import subprocess
import sys

RARE = {"tcpfsm_report_sock", "tcpfsm_seed_event"}
IGNORE = {"__fentry__", "__x86_return_thunk", "__x86_indirect_thunk_rax"}
FORBIDDEN = re.compile(r"alloc|free|spin_lock|_raw_|mutex|down_|rwsem|"
                       r"rwlock|might_sleep|schedule|printk|_lock_bh|_irqsave")
# The handlers the kernel calls with preemption disabled.
ATOMIC_ROOTS = ["tcpfsm_probe", "tcpfsm_tw_enter", "tcpfsm_tw_timer",
                "tcpfsm_tw_exit", "tcpfsm_tw_process_entry",
                "tcpfsm_tw_process_ret"]
# Kernel functions that may sleep.
SLEEPS = re.compile(r"^(rt_spin_lock|rt_read_lock|rt_write_lock|rt_mutex|"
                    r"mutex_lock|down_|__might_sleep|might_sleep|__might_resched|"
                    r"schedule|msleep|usleep_range|vmalloc|kvmalloc|__vmalloc|"
                    r"kvfree|vfree|synchronize_|wait_for_|flush_work|"
                    r"cond_resched|__cond_resched)")


def parse(ko):
    text = subprocess.run(["objdump", "-dr", "--no-show-raw-insn", ko],
                          check=True, capture_output=True, text=True).stdout
    funcs = {}
    cur = None
    last_branch = False
    for line in text.splitlines():
        m = re.match(r"^[0-9a-f]+ <([^>]+)>:$", line)
        if m:
            cur = funcs.setdefault(m.group(1), {"insns": 0, "locked": 0,
                                                "calls": []})
            continue
        if cur is None:
            continue
        m = re.match(r"^\s+[0-9a-f]+: R_X86_64_(PLT32|PC32)\s+(\S+?)(-0x4)?$",
                     line)
        if m:
            if last_branch:
                cur["calls"].append(m.group(2))
            continue
        m = re.match(r"^\s+[0-9a-f]+:\s+(.*)$", line)
        if m:
            ins = m.group(1)
            if not ins.startswith(("nop", "xchg   %ax,%ax", "int3")):
                cur["insns"] += 1
            if ins.startswith("lock"):
                cur["locked"] += 1
            last_branch = ins.startswith(("call", "jmp"))
            continue
    # Local calls objdump resolved itself ("call 320 <tcpfsm_report_sock>").
    cur = None
    for line in text.splitlines():
        m = re.match(r"^[0-9a-f]+ <([^>]+)>:$", line)
        if m:
            cur = funcs[m.group(1)]
            continue
        m = re.search(r"\s(call|jmp)\s+[0-9a-f]+ <([^>+]+)>", line)
        if m and cur is not None and m.group(2) in funcs and \
                cur is not funcs[m.group(2)]:
            cur["calls"].append(m.group(2))
    return funcs


def reach(funcs, roots, stop):
    """Module functions reached from ROOTS (not past STOP), and kernel calls."""
    seen, ext = [], {}
    todo = list(roots)
    while todo:
        f = todo.pop(0)
        if f in seen or f in stop:
            continue
        seen.append(f)
        for c in funcs[f]["calls"]:
            if c in funcs:
                todo.append(c)
            elif c not in IGNORE:
                ext.setdefault(c, f)
    return seen, ext


def atomic(ko):
    funcs = parse(ko)
    missing = [r for r in ATOMIC_ROOTS if r not in funcs]
    if missing:
        print(f"callgraph: {ko} has no {', '.join(missing)}", file=sys.stderr)
        return 1
    seen, ext = reach(funcs, ATOMIC_ROOTS, set())
    bad = sorted(c for c in ext if SLEEPS.search(c))
    for c in bad:
        print(f"sleeps {c} via {ext[c]}")
    print(f"callgraph: {len(seen)} functions reached from the probes, "
          f"{len(ext)} kernel functions called, {len(bad)} that may sleep")
    return 1 if bad else 0


def main():
    if sys.argv[1] == "--atomic":
        sys.exit(atomic(sys.argv[2]))
    funcs = parse(sys.argv[1])
    seen, ext = reach(funcs, ["tcpfsm_probe"], RARE)
    for f in seen:
        print(f"fn {f} insns {funcs[f]['insns']} locked {funcs[f]['locked']}")
    for c, via in sorted(ext.items()):
        print(f"ext {c} via {via}")
        if FORBIDDEN.search(c):
            print(f"forbidden {c} via {via}")
    for f in sorted(RARE):
        print(f"rare {f}")


if __name__ == "__main__":
    main()
