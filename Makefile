# SPDX-License-Identifier: GPL-2.0
#
# tcpfsm - check every TCP state transition against the RFC 9293 table.
#
#   make            build module/tcpfsm.ko and tools/tcpfsm
#   make check      every test: style gates, host tests, VM selftests
#   make demo       boot a VM and show the tool on live traffic
#   make bench      benchmarks (docs/BENCHMARKS.md)
#   make install    install the module (+ depmod) and the tool
#
# KDIR: the kernel build tree.  Defaults to the running kernel's, else the
# newest /usr/src/linux-headers-* whose kernel is installed under /boot.

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
VMLINUZ ?= /boot/vmlinuz-$(KVER)

BUILD := $(CURDIR)/build
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

# Style gates: checkpatch --strict, sparse (C=2) and W=1 on the module,
# gcc and clang with -Werror on everything in userspace.
lint: $(KSRC)/.stamp
	@test -n "$(KDIR)" || { echo "no kernel headers found: run 'make deps'" >&2; exit 1; }
	perl $(KSRC)/scripts/checkpatch.pl --no-tree --strict --terse --show-types \
		-f $(MODULE_C) $(wildcard module/*.h) > $(BUILD)/checkpatch.log; \
		if grep -E '(ERROR|WARNING|CHECK):' $(BUILD)/checkpatch.log; then \
			echo "checkpatch: module sources are not clean" >&2; exit 1; fi
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean >/dev/null
	$(MAKE) -C $(KDIR) M=$(CURDIR) C=2 W=1 modules > $(BUILD)/kbuild-lint.log 2>&1 || \
		{ cat $(BUILD)/kbuild-lint.log; exit 1; }
	@if grep -E 'warning:|error:' $(BUILD)/kbuild-lint.log; then \
		echo "sparse/W=1: the module is not clean" >&2; exit 1; fi
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

unit: selftests
	$(MAKE) -C selftests KSFT=$(KSRC)/tools/testing/selftests O=$(BUILD)/selftests unit
	$(MAKE) -C tools check

# The guest image: busybox, the module, the tests, the tool and the traffic
# generator; veth for the network namespace tests.
VM_FILES = module/tcpfsm.ko=/lib/tcpfsm/tcpfsm.ko \
	$(BUILD)/selftests/scenarios_test=/tests/scenarios_test \
	$(BUILD)/selftests/interface_test=/tests/interface_test \
	$(BUILD)/selftests/unload_test=/tests/unload_test \
	$(BUILD)/selftests/depth_test=/tests/depth_test \
	selftests/tool_test.sh=/tests/tool_test.sh \
	tools/tcpfsm.static=/bin/tcpfsm \
	$(BUILD)/tcpfsm-traffic=/bin/tcpfsm-traffic

$(BUILD)/vm/initramfs.cpio.gz: module selftests $(BUILD)/tcpfsm-traffic FORCE
	$(MAKE) -C tools static
	@mkdir -p $(BUILD)/vm
	EXTRA_KMODS="veth" selftests/vm/mkinitramfs.sh $@ $(KVER) $(VM_FILES)

# ONLY=depth_test,interface_test runs just those guest tests.
ifeq ($(ONLY),)
vmtest: $(BUILD)/vm/initramfs.cpio.gz
	selftests/vm/run-vm.sh $(VMLINUZ) $< selftests $(BUILD)/vm
	selftests/vm/artifacts.sh $(BUILD)/vm/selftests.out $(BUILD)/vm/artifacts
else
vmtest: $(BUILD)/vm/initramfs.cpio.gz
	VM_APPEND="tcpfsm.only=$(ONLY)" selftests/vm/run-vm.sh $(VMLINUZ) $< only $(BUILD)/vm
endif

# The README's "run it" command: the tool on live traffic in the guest.
DEMO_OUT := $(CURDIR)/demo-out
demo:
	selftests/vm/deps.sh demo
	$(MAKE) demo-installed

demo-installed: $(BUILD)/vm/initramfs.cpio.gz
	@echo "booting the guest ($(VMLINUZ)) and running the demo..."
	@VM_QUIET=1 VM_TIMEOUT=300 selftests/vm/run-vm.sh $(VMLINUZ) $< demo $(BUILD)/vm >/dev/null || \
		{ cat $(BUILD)/vm/console.log $(BUILD)/vm/demo.out; exit 1; }
	@sed -e 's/\r$$//' -e '/^=== ARTIFACT/,/^=== END/d' -e '/^TCPFSM-VM-EXIT/d' $(BUILD)/vm/demo.out
	@selftests/vm/artifacts.sh $(BUILD)/vm/demo.out $(DEMO_OUT) >/dev/null
	@echo
	@echo "wrote $(DEMO_OUT)/tcpfsm.svg (the live state diagram) and $(DEMO_OUT)/metrics.prom"

# The tutorial's sequences, the 2MSL wait, and the teaching views
# (docs/teaching.md shows a run).  About 75 seconds in the guest.
teach: $(BUILD)/vm/initramfs.cpio.gz
	@echo "booting the guest; the job waits 62 s for TIME_WAIT to end..."
	@VM_QUIET=1 VM_TIMEOUT=300 selftests/vm/run-vm.sh $(VMLINUZ) $< teach $(BUILD)/vm >/dev/null || \
		{ cat $(BUILD)/vm/console.log $(BUILD)/vm/teach.out; exit 1; }
	@sed -e 's/\r$$//' -e '/^TCPFSM-VM-EXIT/d' $(BUILD)/vm/teach.out

# The one test command (README.md, .ci/run).  Dependencies first, in their
# own make, so that KDIR is found once the headers are installed.
check:
	selftests/vm/deps.sh check
	$(MAKE) check-installed

check-installed: lint unit vmtest
	@echo "make check: all tests passed"

# Benchmarks: the churn under every tracer, the hot path's instructions,
# memory and scale; rewrites docs/BENCHMARKS.md from the run's data.
# About 15 minutes under TCG; BENCH_ACCEL=kvm where /dev/kvm works, other
# knobs in bench/run.sh.  Dependencies first, as for demo and check.
bench:
	selftests/vm/deps.sh bench
	$(MAKE) module $(BUILD)/tcpfsm-traffic
	BUILD=$(BUILD) bench/run.sh

FORCE:

.PHONY: all module tools install clean deps ksrc lint selftests unit vmtest \
	demo demo-installed teach check check-installed bench FORCE
