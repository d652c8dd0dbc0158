# SPDX-License-Identifier: GPL-2.0
#
# tcpfsm - check every TCP state transition against the RFC 9293 table.
#
#   make            build module/tcpfsm.ko and tools/tcpfsm
#   make check      every test: style gates, host tests, VM selftests
#   make matrix     the VM selftests on every kernel of the matrix
#   make demo       boot a VM and show the tool on live traffic
#   make deb        the Debian packages tcpfsm-dkms and tcpfsm (build/pkg)
#   make install-test  the packages installed as on a server, DKMS and all
#   make bench      benchmarks (docs/BENCHMARKS.md)
#   make install    install the module (+ depmod) and the tool
#
# KDIR: the kernel build tree for "make" and "make install".  Defaults to
# the running kernel's, else the newest /usr/src/linux-headers-* whose
# kernel is installed under /boot.
#
# KERNEL: the guest kernel of check, vmtest, demo and teach, a name of
# "selftests/vm/kernels.sh list" (default 6.1): Debian's kernel of that
# name, fetched by package name into /var/cache/tcpfsm, never installed.

ifeq ($(origin KDIR),undefined)
KDIR := $(shell \
	if [ -d /lib/modules/$$(uname -r)/build ]; then \
		echo /lib/modules/$$(uname -r)/build; \
	else \
		for v in $$(ls /boot 2>/dev/null | sed -n 's/^vmlinuz-//p' | sort -rV); do \
			if [ -d /usr/src/linux-headers-$$v ]; then \
				echo /usr/src/linux-headers-$$v; break; \
			fi; \
		done; \
	fi)
endif
# The release the headers are for, as uname -r prints it (and /boot names it).
KVER := $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"/\1/p' \
	$(KDIR)/include/generated/utsrelease.h 2>/dev/null)

KERNEL ?= 6.1
BUILD := $(CURDIR)/build
GUEST := selftests/vm/guest.sh
KSRC_TAR ?= /usr/src/linux-source-6.1.tar.xz
KSRC := $(BUILD)/ksrc
KSRC_FILES := tools/testing/selftests/kselftest_harness.h \
	tools/testing/selftests/kselftest.h \
	scripts/checkpatch.pl scripts/spelling.txt \
	scripts/const_structs.checkpatch .clang-format
MODULE_C := $(filter-out %.mod.c,$(wildcard module/*.c))
MODULE_SRC := $(MODULE_C) $(wildcard module/*.h) module/Kbuild Kbuild

all: module tools

module: $(MODULE_SRC)
	@test -n "$(KDIR)" || { echo "no kernel headers found: run 'make deps' or set KDIR" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

tools:
	$(MAKE) -C tools

install: all
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_DIR=extra modules_install
	depmod -a $(KVER)
	$(MAKE) -C tools install

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null || true
	$(MAKE) -C tools clean
	rm -rf $(BUILD) demo-out

deps:
	selftests/vm/deps.sh check

# The few files needed from Debian's kernel source, never committed.
$(KSRC)/.stamp: $(KSRC_TAR)
	@mkdir -p $(KSRC)
	tar -xJf $(KSRC_TAR) -C $(KSRC) --strip-components=1 \
		$(addprefix linux-source-6.1/,$(KSRC_FILES))
	@touch $@

ksrc: $(KSRC)/.stamp

# Style gates: checkpatch --strict, sparse (C=2) and W=1 on the module and
# unload_test's helper module (built for KERNEL), gcc and clang with
# -Werror on everything in userspace.
# module/tcpfsm_compat.h is the one file whose job is to test
# LINUX_VERSION_CODE, which checkpatch (written for in-tree code) flags.
CHECKPATCH := perl $(KSRC)/scripts/checkpatch.pl --no-tree --strict --terse --show-types
lint: $(KSRC)/.stamp
	@mkdir -p $(BUILD)
	@{ $(CHECKPATCH) -f $(filter-out module/tcpfsm_compat.h,$(MODULE_C) $(wildcard module/*.h)) \
	     selftests/stall/tcpfsm_stall.c && \
	   $(CHECKPATCH) --ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON -f module/tcpfsm_compat.h; \
	} > $(BUILD)/checkpatch.log 2>&1 || \
		{ cat $(BUILD)/checkpatch.log; \
		  echo "checkpatch: module sources are not clean" >&2; exit 1; }
	@echo "checkpatch --strict: clean"
	$(GUEST) module $(KERNEL)
	$(MAKE) -C selftests KSFT=$(KSRC)/tools/testing/selftests O=$(BUILD)/selftests clang
	$(MAKE) -C tools CC=clang clean all
	$(MAKE) -C tools clean all
	@echo "lint: clean"

TRAFFIC_SRC := tools/traffic/tcpfsm-traffic.c tools/traffic/scenarios.c
$(BUILD)/tcpfsm-traffic: $(TRAFFIC_SRC) tools/traffic/scenarios.h
	@mkdir -p $(BUILD)
	$(CC) -std=c11 -O2 -Wall -Wextra -Werror -static -o $@ $(TRAFFIC_SRC)

selftests: $(KSRC)/.stamp
	$(MAKE) -C selftests KSFT=$(KSRC)/tools/testing/selftests O=$(BUILD)/selftests

# Every runner's counts go to $(RESULTS)/counts (selftests/vm/results.sh),
# which make check sums in its last line.
RESULTS := $(BUILD)/results

unit: selftests
	@mkdir -p $(RESULTS)
	@{ $(MAKE) -C selftests KSFT=$(KSRC)/tools/testing/selftests O=$(BUILD)/selftests unit && \
		$(MAKE) -C tools check; echo $$? > $(RESULTS)/unit.rc; } 2>&1 | tee $(RESULTS)/unit.log
	@selftests/vm/results.sh host unit $(RESULTS)/unit.log $(RESULTS) && \
		exit $$(cat $(RESULTS)/unit.rc)

# What the guest image holds besides busybox and the module (added by
# guest.sh for the kernel it boots): every selftest, the tool and the
# traffic generator.
VM_TESTS := $(notdir $(basename $(wildcard selftests/*_test.c)))
VM_FILES = $(foreach t,$(VM_TESTS),$(BUILD)/selftests/$(t)=/tests/$(t)) \
	selftests/tool_test.sh=/tests/tool_test.sh \
	tools/tcpfsm.static=/bin/tcpfsm \
	$(BUILD)/tcpfsm-traffic=/bin/tcpfsm-traffic
VM_OUT := $(BUILD)/k/$(KERNEL)/vm

guest-files: selftests $(BUILD)/tcpfsm-traffic
	$(MAKE) -C tools static

# The guest suite; every test program must run, all its tests, and the
# artifacts it printed are checked on the host.  ONLY=depth_test,... runs
# just those programs: a partial run, and the summary says so.  The whole
# suite takes about half an hour under TCG on a busy 2-core host (most of
# it stress_test), hence the guest's hour (VM_TIMEOUT).
comma := ,
ifeq ($(origin ONLY),undefined)
VM_JOB := selftests
VM_EXPECT := $(VM_TESTS) tool_test.sh
else
VM_JOB := only
VM_EXPECT := --only "$(ONLY)" $(subst $(comma), ,$(ONLY))
endif

# $(call check_artifacts,OUT,DIR): in a recipe that keeps $status, the
# host's checks of the artifacts the guest printed into OUT (unpacked into
# DIR), shown and counted as host results.
check_artifacts = selftests/vm/artifacts.sh $(1) $(2) > $(RESULTS)/artifacts.log || status=1; \
	cat $(RESULTS)/artifacts.log; \
	selftests/vm/results.sh host artifacts $(RESULTS)/artifacts.log $(RESULTS) || status=1

vmtest: guest-files
	@mkdir -p $(RESULTS)
	@rm -f $(VM_OUT)/$(VM_JOB).out
	@if [ $(VM_JOB) = only ] && [ -z "$(strip $(subst $(comma), ,$(ONLY)))" ]; then \
		echo "make vmtest: ONLY=$(ONLY) names no test program" >&2; exit 1; fi
	@status=0; \
	VM_TIMEOUT=$${VM_TIMEOUT:-3600} \
	VM_APPEND="$${VM_APPEND:-} $(if $(filter only,$(VM_JOB)),tcpfsm.only=$(ONLY))" \
		$(GUEST) run $(KERNEL) $(VM_JOB) $(VM_FILES) || status=1; \
	selftests/vm/results.sh guest $(VM_OUT)/$(VM_JOB).out $(RESULTS) $(VM_EXPECT) || status=1; \
	if [ $(VM_JOB) = selftests ]; then \
		$(call check_artifacts,$(VM_OUT)/selftests.out,$(VM_OUT)/artifacts); \
	fi; \
	exit $$status

# Every kernel of the matrix, the whole guest suite on each, one table.
matrix:
	selftests/vm/deps.sh matrix
	$(MAKE) matrix-installed

matrix-installed: guest-files
	selftests/vm/matrix.sh $(VM_FILES)

# The README's "run it" command: the tool on live traffic in the guest.
DEMO_OUT := $(CURDIR)/demo-out
demo:
	selftests/vm/deps.sh demo
	$(MAKE) demo-installed

demo-installed: guest-files
	@echo "booting the guest (Debian's $(KERNEL) kernel) and running the demo..."
	@VM_QUIET=1 VM_TIMEOUT=300 $(GUEST) run $(KERNEL) demo $(VM_FILES) >/dev/null || \
		{ cat $(VM_OUT)/console.log $(VM_OUT)/demo.out; exit 1; }
	@sed -e 's/\r$$//' -e '/^=== ARTIFACT/,/^=== END/d' -e '/^TCPFSM-VM-/d' $(VM_OUT)/demo.out
	@selftests/vm/artifacts.sh $(VM_OUT)/demo.out $(DEMO_OUT) >/dev/null
	@echo
	@echo "wrote $(DEMO_OUT)/tcpfsm.svg (the live state diagram) and $(DEMO_OUT)/metrics.prom"

# The tutorial's sequences, the 2MSL wait, and the teaching views
# (docs/teaching.md shows a run).  About 75 seconds in the guest.
teach: guest-files
	@echo "booting the guest; the job waits 62 s for TIME_WAIT to end..."
	@VM_QUIET=1 VM_TIMEOUT=300 $(GUEST) run $(KERNEL) teach $(VM_FILES) >/dev/null || \
		{ cat $(VM_OUT)/console.log $(VM_OUT)/teach.out; exit 1; }
	@sed -e 's/\r$$//' -e '/^TCPFSM-VM-/d' $(VM_OUT)/teach.out

# The one test command (README.md, .ci/run).  Dependencies first, in their
# own make, so that KDIR is found once the headers are installed.
check:
	selftests/vm/deps.sh check
	$(MAKE) check-installed

# Every step runs even after one failed, so that the last line counts
# everything: tests run, passed, failed, skipped.
check-installed:
	@rm -rf $(RESULTS) && mkdir -p $(RESULTS)
	@status=0; \
	$(MAKE) lint || status=1; \
	$(MAKE) unit || status=1; \
	$(MAKE) rules || status=1; \
	$(MAKE) vmtest || status=1; \
	selftests/vm/results.sh total $(RESULTS) $$status

# The debug kernel (selftests/vm/debug-kernel.sh: KASAN, lockdep, kmemleak,
# UBSAN, debug objects, KFENCE, fault injection), built once per machine,
# and the whole guest suite on it (stress campaign included), where every
# checker's report fails the run (jobs/debug-checks); then
# docs/RELIABILITY.md, written from that run.
DEBUG_OUT := $(BUILD)/k/debug/vm
check-debug-installed: RESULTS := $(BUILD)/results-debug
check-debug:
	selftests/vm/deps.sh debug
	$(MAKE) check-debug-installed

check-debug-installed: guest-files
	@rm -rf $(RESULTS) && mkdir -p $(RESULTS)
	@rm -f $(DEBUG_OUT)/debug-checks.out
	selftests/vm/debug-kernel.sh build
	@status=0; start=$$(date +%s); \
	commit=$$(git rev-parse --short HEAD 2>/dev/null || echo unknown); \
	[ -z "$$(git status --porcelain -- module selftests tools 2>/dev/null)" ] || \
		commit="$$commit (with uncommitted changes)"; \
	EXTRA_KMODS= VM_TIMEOUT=$${VM_TIMEOUT:-10800} \
		$(GUEST) run debug debug-checks $(VM_FILES) || status=1; \
	selftests/vm/results.sh guest $(DEBUG_OUT)/debug-checks.out $(RESULTS) \
		$(VM_TESTS) tool_test.sh || status=1; \
	$(call check_artifacts,$(DEBUG_OUT)/debug-checks.out,$(DEBUG_OUT)/artifacts); \
	selftests/vm/reliability.sh $(DEBUG_OUT)/debug-checks.out $$status \
		$$(($$(date +%s) - start)) "$$commit" > docs/RELIABILITY.md.tmp && \
		mv docs/RELIABILITY.md.tmp docs/RELIABILITY.md || status=1; \
	echo "wrote docs/RELIABILITY.md"; \
	selftests/vm/results.sh total $(RESULTS) $$status

# Alert rules (docs/prometheus): syntax, then unit tests on synthetic series.
rules:
	@mkdir -p $(RESULTS)
	@{ promtool check rules docs/prometheus/tcpfsm.rules.yml && \
		promtool test rules docs/prometheus/tcpfsm.rules.test.yml; \
		echo $$? > $(RESULTS)/rules.rc; } 2>&1 | tee $(RESULTS)/rules.log
	@exit $$(cat $(RESULTS)/rules.rc)

# Debian packages tcpfsm-dkms and tcpfsm into build/pkg, lintian-checked.
deb:
	selftests/vm/deps.sh pkg
	selftests/pkg/install-test.sh deb

# The packages installed as on a server: a bookworm chroot, DKMS for 6.1
# and 6.12, a guest boot of each with the module DKMS built, then a purge.
install-test:
	selftests/vm/deps.sh pkg
	@mkdir -p $(RESULTS)
	@{ selftests/pkg/install-test.sh; echo $$? > $(RESULTS)/install-test.rc; } 2>&1 | \
		tee $(RESULTS)/install-test.log
	@selftests/vm/results.sh host install-test $(RESULTS)/install-test.log $(RESULTS) && \
		exit $$(cat $(RESULTS)/install-test.rc)

# Mutation testing: plausible bugs planted one at a time in a copy of the
# module (selftests/mutants/mutants); the guest suite must fail on each.
# The table, the kill rate and the survivors; docs/internals.md, "Mutants".
# A few minutes per mutant killed, the whole suite for a survivor.
mutants: guest-files
	selftests/mutants/run.sh

.PHONY: mutants

# Benchmarks: the churn under every tracer, the hot path's instructions,
# memory and scale; rewrites docs/BENCHMARKS.md from the run's data.
# About 15 minutes under TCG; BENCH_ACCEL=kvm where /dev/kvm works, other
# knobs in bench/run.sh.  Dependencies first, as for demo and check.
bench:
	selftests/vm/deps.sh bench
	$(MAKE) $(BUILD)/tcpfsm-traffic
	$(GUEST) module 6.1
	BUILD=$(BUILD) bench/run.sh

.PHONY: all module tools install clean deps ksrc lint selftests unit vmtest \
	guest-files matrix matrix-installed demo demo-installed teach check \
	check-installed check-debug check-debug-installed rules deb \
	install-test bench
