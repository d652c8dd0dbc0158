/* SPDX-License-Identifier: GPL-2.0 */
/*
 * shim.h - what module/tcpfsm_hotpath.h needs from the kernel, in userspace
 *
 * this_cpu_inc()/this_cpu_dec() become plain increments of memory: on
 * x86-64 the kernel's versions are one "incq %gs:off(%reg)" each, the
 * userspace ones one "addq $1, off(%reg)", so the instruction count of
 * the classify-and-count code is the same.  Seeding is off, as it is once
 * the module has finished loading.
 */
#ifndef _BENCH_SHIM_H
#define _BENCH_SHIM_H

#include <stdbool.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint64_t u64;
typedef int64_t s64;

#define __percpu
#undef __always_inline
#define __always_inline inline __attribute__((__always_inline__))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define this_cpu_inc(x) ((x)++)
#define this_cpu_dec(x) ((x)--)

/* After load the seeding switch (a static key in the module) is off. */
static inline bool tcpfsm_seed_active(void)
{
	return false;
}

u8 tcpfsm_seed_event(const void *sk, u8 action);

#endif /* _BENCH_SHIM_H */
