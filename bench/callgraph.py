#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""callgraph.py MODULE.ko - what the probe can execute, from the object code.

Walks the calls and tail calls of tcpfsm_probe (objdump -dr relocations)
through the module's own functions, leaving out the rare path taken only
for illegal transitions (tcpfsm_report_sock) and the seeding path, which
runs only while the module loads (tcpfsm_seed_event, behind a static key).
Prints, for bench/report.py:

  fn NAME insns N locked N        every module function reached
  ext NAME via FN                 every kernel function called
  forbidden NAME via FN           callees that allocate, free, lock or sleep
"""
import re
import subprocess
import sys

RARE = {"tcpfsm_report_sock", "tcpfsm_seed_event"}
IGNORE = {"__fentry__", "__x86_return_thunk", "__x86_indirect_thunk_rax"}
FORBIDDEN = re.compile(r"alloc|free|spin_lock|_raw_|mutex|down_|rwsem|"
                       r"rwlock|might_sleep|schedule|printk|_lock_bh|_irqsave")


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


def main():
    funcs = parse(sys.argv[1])
    seen, ext = [], {}
    todo = ["tcpfsm_probe"]
    while todo:
        f = todo.pop(0)
        if f in seen or f in RARE:
            continue
        seen.append(f)
        for c in funcs[f]["calls"]:
            if c in funcs:
                todo.append(c)
            elif c not in IGNORE:
                ext.setdefault(c, f)
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
