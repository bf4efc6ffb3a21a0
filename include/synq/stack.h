/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_STACK_H
#define SYNQ_STACK_H

/* A synq stack: one host's IPv4 + TCP, pure.
 *
 * The driver contract. A stack never reads a clock, never sleeps, never
 * makes a system call and never allocates after synq_stack_new(). Three
 * kinds of input reach it, each stamped with the caller's current time:
 *
 *   synq_stack_input()    a datagram arrived (bare IPv4, from the IP header)
 *   synq_stack_advance()  time has passed: due timers fire
 *   synq_* socket calls   the application acted (see socket.h); they run
 *                         at the time of the last input or advance
 *
 * What comes out, in this order, during any of those calls:
 *   1. datagrams to transmit, through io.output, in transmission order; the
 *      buffer is the stack's and is valid only during the callback;
 *   2. socket readiness changes, collected for synq_epoll_wait()/poll;
 *   3. the next deadline: synq_stack_next_deadline() after the call.
 * The driver calls synq_stack_advance() when that deadline comes, and
 * before an input stamped after it: timers due first fire first.
 * Time never goes backwards (debug builds assert it).
 *
 * Nothing in a stack is global: thousands of stacks can share one process
 * (the simulator runs one per host). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "synq/config.h"
#include "synq/drop.h"
#include "synq/mib.h"
#include "synq/time.h"

struct synq_stack;

struct synq_stack_io {
	void (*output)(void *ctx, const uint8_t *datagram, size_t len);
	/* Optional: the kernel log lines Linux would print ("Possible SYN
	 * flooding on port ..."). */
	void (*log)(void *ctx, const char *line);
	void *ctx;
	/* The device fills in the TCP checksum of what io.output gets, as a
	 * NIC with NETIF_F_HW_CSUM does: the stack leaves it 0 and does not
	 * sum the segment. Whatever reads the datagram before a receiving
	 * synq stack (a capture, a NAT) fills it in first:
	 * tcp_checksum_fill() in ip/tcp_wire.h. */
	bool tcp_csum_offload;
};

/* TCP states, numbered as Linux numbers them (tcpi_state, /proc/net/tcp). */
enum synq_tcp_state {
	SYNQ_TCP_ESTABLISHED = 1,
	SYNQ_TCP_SYN_SENT = 2,
	SYNQ_TCP_SYN_RECV = 3,
	SYNQ_TCP_FIN_WAIT1 = 4,
	SYNQ_TCP_FIN_WAIT2 = 5,
	SYNQ_TCP_TIME_WAIT = 6,
	SYNQ_TCP_CLOSE = 7,
	SYNQ_TCP_CLOSE_WAIT = 8,
	SYNQ_TCP_LAST_ACK = 9,
	SYNQ_TCP_LISTEN = 10,
	SYNQ_TCP_CLOSING = 11,
};

const char *synq_tcp_state_name(enum synq_tcp_state state);

/* Create a stack with the given settings (copied), the host's IPv4 address
 * (host order) and a seed for every random choice it makes (ISNs, ports,
 * cookie keys). Returns 0, -EINVAL for an unusable config, or -ENOMEM. */
int synq_stack_new(struct synq_stack **stack, const struct synq_config *cfg,
                   uint32_t addr, uint64_t seed, const struct synq_stack_io *io);
void synq_stack_free(struct synq_stack *stack);

/* Object caches several stacks share, as every network namespace of one
 * Linux kernel takes its sockets from the same slab caches: the
 * connections, TIME-WAITs and segment buffers one stack frees are the
 * ones the next stack takes, still in the processor's cache, where
 * hundreds of stacks with tables of their own each reach for cold ones.
 * Made for up to `stacks` stacks with cfg's table sizes. Each stack keeps
 * its own limits, counts and overflows, and behaves as one with tables of
 * its own would. Stacks in one slabs object run on one thread at a time,
 * and are freed before it; the room a freed stack held is not reused.
 * Returns 0, -EINVAL (more objects than a stack can number) or -ENOMEM. */
struct synq_slabs;
int synq_slabs_new(struct synq_slabs **slabs, const struct synq_config *cfg,
                   uint32_t stacks);
void synq_slabs_free(struct synq_slabs *slabs);
/* synq_stack_new() with the objects from slabs (NULL: tables of its own);
 * -ENOSPC when the slabs have no room left for cfg's tables. A stack in
 * slabs cannot be reset or snapshotted (-EINVAL): which of the slabs'
 * objects are its own is known only to its connections. */
int synq_stack_new_in(struct synq_stack **stack, struct synq_slabs *slabs,
                      const struct synq_config *cfg, uint32_t addr, uint64_t seed,
                      const struct synq_stack_io *io);

/* Back to the state synq_stack_new() returned, without allocating: no
 * socket or connection, the settings it was created with, time 0, and the
 * same secrets (ISN, timestamp and cookie keys, port choices) from the
 * same seed. What follows is then what would follow on a new stack.
 * 0, or -EINVAL for a stack in shared slabs (left as it was). */
int synq_stack_reset(struct synq_stack *stack);

/* A saved state of a stack, to go back to as often as wanted: a harness
 * that starts many runs from one scene builds the scene once. Taking one
 * allocates (0 or -ENOMEM); restoring does not, and costs what the stack
 * held when it was taken. A snapshot belongs to the stack it was taken
 * from and must be freed before it. After a restore the stack is, to the
 * byte, as it was: objects, buffers, timers, descriptors, counters,
 * settings, time, secrets. Time in a restored stack starts again from the
 * snapshot's. */
struct synq_stack_snapshot;
/* 0, -ENOMEM, or -EINVAL for a stack in shared slabs. */
int synq_stack_snapshot(const struct synq_stack *stack, struct synq_stack_snapshot **out);
void synq_stack_restore(struct synq_stack *stack, const struct synq_stack_snapshot *snap);
void synq_stack_snapshot_free(struct synq_stack_snapshot *snap);

/* Secrets from a real entropy source, for a stack on a real network (synq
 * serve passes getrandom()'s words): the SipHash keys of ISNs, timestamp
 * offsets, the connection hash and both SYN-cookie keys, and the state of
 * the stack's random choices (ports), replacing what the 64-bit seed gave.
 * Call it before the first packet. A reset goes back to the seed's. */
#define SYNQ_SECRET_WORDS 12
void synq_stack_set_secrets(struct synq_stack *stack, const uint64_t words[SYNQ_SECRET_WORDS]);

void synq_stack_input(struct synq_stack *stack, const uint8_t *datagram,
                      size_t len, synq_time_t now);
/* The same for a datagram whose TCP checksum the driver knows to be
 * right, as Linux takes one marked CHECKSUM_UNNECESSARY (checked by the
 * NIC, or sent over loopback): it is not summed again. The IPv4 header's
 * checksum is still checked, as ip_rcv() always does. The simulator hands
 * over the datagrams synq stacks built this way. Debug builds (SYNQ_DEBUG)
 * sum it anyway and assert that it was right. */
void synq_stack_input_verified(struct synq_stack *stack, const uint8_t *datagram,
                               size_t len, synq_time_t now);
void synq_stack_advance(struct synq_stack *stack, synq_time_t now);
synq_time_t synq_stack_next_deadline(const struct synq_stack *stack);
synq_time_t synq_stack_now(const struct synq_stack *stack);
uint32_t synq_stack_addr(const struct synq_stack *stack);

/* The live settings: sysctls may change while the stack runs, as on Linux
 * (table sizes may not). */
struct synq_config *synq_stack_config(struct synq_stack *stack);
const struct synq_mib *synq_stack_mib(const struct synq_stack *stack);
const struct synq_drop_counts *synq_stack_drops(const struct synq_stack *stack);

/* Occupancy of every bounded table, and how often each overflowed. */
struct synq_table_usage {
	uint32_t used;
	uint32_t capacity;
	uint64_t overflows;
};

struct synq_stack_usage {
	struct synq_table_usage sockets;
	struct synq_table_usage connections;
	struct synq_table_usage requests;
	struct synq_table_usage time_wait;
	struct synq_table_usage listeners;
	struct synq_table_usage buffers;   /* segment buffers */
};

void synq_stack_usage(const struct synq_stack *stack, struct synq_stack_usage *usage);

/* Memory of one object of each kind, for the memory benchmarks. */
struct synq_object_sizes {
	size_t connection;   /* full connection, buffers excluded */
	size_t request;      /* SYN_RECV request */
	size_t time_wait;
	size_t listener;
	size_t socket;       /* descriptor table entry */
	size_t table_slot;   /* hash table and timer heap share per object */
	size_t time_wait_slot; /* the same for a TIME-WAIT: no heap slot */
};

void synq_object_sizes(struct synq_object_sizes *sizes);

#endif
