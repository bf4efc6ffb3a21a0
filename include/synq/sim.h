/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_SIM_H
#define SYNQ_SIM_H

/* The deterministic network simulator: a virtual clock, an event queue,
 * nodes (hosts and routers) and point-to-point links.
 *
 * Determinism. A simulation is a function of its configuration, its seed
 * and the calls made on it. Nothing here reads a wall clock or a global
 * generator: every random choice (link loss, jitter) comes from generators
 * split off the simulation's seeded one in the order links are created.
 * Events at the same virtual time fire in the order they were scheduled.
 * Same seed, same calls: same events, same counters, same pcap bytes.
 * A simulation split into domains (below) runs on several threads with
 * the same results as on one: the thread count is not one of the inputs.
 *
 * Time. synq_time_t nanoseconds, starting at 0. The clock only moves
 * forward, and only inside sim_run_until().
 *
 * Errors. Caller mistakes return -errno (-EINVAL, -ENOSPC, ...). Network
 * anomalies are not errors: a packet lost, dropped by a full queue, with no
 * route or an expired TTL is counted under its enum synq_drop_reason on the
 * link or node where it happened, and the call that sent it returns 0.
 *
 * Ownership. The simulation owns its nodes, links and packet buffers; they
 * live until sim_destroy(). Packets passed in are copied; packets passed to
 * a receive callback are borrowed for the duration of the call. pcap
 * writers attached for capture stay the caller's: close them after
 * sim_destroy() (or after detaching them).
 *
 * Wrapping a stack in a node (the driver contract)
 * ------------------------------------------------
 * A protocol stack lives in a node as its ctx and talks to the simulator
 * through three operations:
 *
 *   (a) input:  the node's receive callback is called once per packet that
 *               arrives on any of its interfaces, with the virtual time of
 *               arrival. Hand the bytes to the stack
 *               (synq_stack_input(stack, pkt, len, now)); they are valid
 *               only during the call.
 *   (b) output: from any callback, sim_node_send(node, pkt, len) copies a
 *               datagram onto the node's outgoing link. It is never
 *               delivered re-entrantly: arrival is a later event, even on a
 *               zero-delay link.
 *   (c) timer:  sim_node_timer_set(node, deadline) arms the node's single
 *               timer at an absolute virtual time; the timer callback is
 *               called at that time. Setting it again moves it (cheap: no
 *               allocation, O(log n)); SYNQ_TIME_NEVER disarms it. A stack
 *               that reports "my next deadline" after every input and every
 *               timer call maps onto it directly:
 *
 *                   on receive: synq_stack_input(stack, pkt, len, now);
 *                   on timer:   synq_stack_advance(stack, now);
 *                   after both: sim_node_timer_set(node,
 *                                   synq_stack_next_deadline(stack));
 *
 * The timer is disarmed before its callback runs, so the callback re-arms
 * it if it wants another call. Callbacks may send, arm timers and schedule
 * events; they must not destroy the simulation. For anything other than a
 * node's single timer, use sim_event_schedule() and friends. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "synq/drop.h"
#include "synq/time.h"

struct sim;
struct sim_node;
struct sim_link;
struct sim_rng;
struct synq_pcap;

/* ------------------------------------------------------------ simulation */

#define SIM_EVENTS_MAX_DEFAULT (1u << 22)
#define SIM_PACKETS_MAX_DEFAULT (1u << 16)
#define SIM_PACKET_MAX_BYTES_DEFAULT 2048u
#define SIM_PACKET_MAX_BYTES_LIMIT 65535u
#define SIM_INSTANT_STEPS_MAX_DEFAULT 1000000u

struct sim_config {
	uint64_t seed;
	uint32_t events_max;       /* events pending at once; 0: default */
	uint32_t packets_max;      /* packet buffers in flight; 0: default */
	uint32_t packet_max_bytes; /* largest datagram; 0: default, <= 65535 */
	/* Livelock bounds. sim_run_until() stops with -ELOOP, leaving the
	 * offending event pending, when one call would run more than
	 * steps_max events (0: no bound), or when more than
	 * instant_steps_max events in a row fire at the same virtual time
	 * (0: default), which no real protocol does. */
	uint64_t steps_max;
	uint64_t instant_steps_max;
};

struct sim_stats {
	synq_time_t now;
	uint64_t events_run;
	uint32_t events_pending;
	uint32_t packets_in_use;     /* buffers held by in-flight packets */
	uint32_t packets_allocated;  /* buffers the pool has created */
	uint64_t packets_exhausted;  /* sends refused: pool at packets_max */
	uint64_t events_exhausted;   /* schedules refused: events_max pending */
};

/* Create a simulation (cfg NULL: all defaults, seed 0). 0, -EINVAL for a
 * bad limit, -ENOMEM. */
int sim_create(const struct sim_config *cfg, struct sim **out);
void sim_destroy(struct sim *sim);

synq_time_t sim_now(const struct sim *sim);
void sim_stats_get(const struct sim *sim, struct sim_stats *out);

/* The simulation's own generator (declared in sim/rng.h), for traffic
 * models and stacks that want a stream of their own: sim_rng_split() it. */
struct sim_rng *sim_rng_get(struct sim *sim);

/* ---------------------------------------------------------------- events */

/* A pending event's handle. 0 is never a valid handle. */
typedef uint64_t sim_event_id;
typedef void (*sim_event_fn)(struct sim *sim, void *arg);

/* Call fn(sim, arg) at virtual time at (>= now, < SYNQ_TIME_NEVER). Sets
 * *id if id is not NULL. 0; -EINVAL for a time in the past or NULL fn;
 * -ENOSPC when events_max are pending (counted in events_exhausted). */
int sim_event_schedule(struct sim *sim, synq_time_t at, sim_event_fn fn,
                       void *arg, sim_event_id *id);
/* 0, or -ENOENT if the event already fired or was cancelled. */
int sim_event_cancel(struct sim *sim, sim_event_id id);
/* Move a pending event to time at; it then ties as if scheduled now. 0,
 * -ENOENT (not pending), -EINVAL (time in the past). */
int sim_event_reschedule(struct sim *sim, sim_event_id id, synq_time_t at);
bool sim_event_pending(const struct sim *sim, sim_event_id id);

/* ---------------------------------------------------------------- domains */

/* A simulation may be split into domains that run on several cores
 * (src/sim/domain.c has the design). The simulation sim_create() returns
 * is its root and domain 0; sim_domain_add() adds another, a struct sim
 * of its own with its own clock, events, packet pool (packets_max and
 * events_max each), generator and counters, owned by the root (no
 * sim_destroy() of its own).
 *
 *   - A node belongs to the domain given to sim_node_add() (or
 *     sim_host_add(), sim_hostgroup_add()); its callbacks receive that
 *     domain, and sim_now(), sim_event_schedule() and friends on it act
 *     there. A callback must touch nothing of another domain's: its
 *     nodes, their stacks, its events.
 *   - A link between nodes of different domains (a cut link) needs a
 *     delay above zero in both directions (-EINVAL otherwise, also from
 *     sim_link_configure()); the smallest is the lookahead. Add domains,
 *     nodes and links, configure cut links and attach captures before the
 *     run or from a global event. A pcap writer may serve only nodes and
 *     link ends of one domain.
 *   - Time advances in windows no longer than the lookahead; within one,
 *     domains run alone. What reads or changes several domains runs as a
 *     global event, between windows. Events at one time fire in the
 *     order they were scheduled, as with one domain, a packet from
 *     another domain counting as scheduled when it was sent, before the
 *     receiver's own events of that nanosecond; only such ties between
 *     domains may order differently from a one-domain simulation.
 *   - sim_run_until() and sim_stats_get() take the root (the statistics
 *     summed over domains). A stop or livelock bound in one domain ends
 *     the run after the window it happened in; steps_max counts each
 *     domain's events on its own.
 *
 * The results depend on the domains and the seed, not on the number of
 * threads, nor on which thread runs which window: thread 0 runs windows
 * alone while that is faster (a machine whose cores are busy elsewhere;
 * SYNQ_SIM_PACE=0 forbids it). SYNQ_SIM_PROFILE set: the time each
 * domain and thread spent is told on stderr at sim_destroy(). */

#define SIM_DOMAINS_MAX 8u

/* 0, -ENOSPC (SIM_DOMAINS_MAX), -EBUSY (the simulation has run), -ENOMEM. */
int sim_domain_add(struct sim *sim, struct sim **out);
struct sim *sim_domain_root(struct sim *sim);
unsigned sim_domain_count(const struct sim *sim);
unsigned sim_domain_index(const struct sim *sim);
/* The smallest delay of a cut link; SYNQ_TIME_NEVER without one. */
synq_time_t sim_lookahead(const struct sim *sim);

/* Threads to run the domains on: 0 (the default) means the environment
 * variable SYNQ_SIM_THREADS if set, else the online cores; never more
 * than the domains. Set before the first sim_run_until(): 0, -EINVAL
 * (above SIM_DOMAINS_MAX), -EBUSY (already running). */
int sim_threads_set(struct sim *sim, unsigned threads);
/* The threads the run uses (1 before the first run of a split simulation). */
unsigned sim_threads(const struct sim *sim);

/* An event that may touch every domain: it runs between windows, every
 * domain stopped and every clock at at, after the domains' events at at
 * that were scheduled before it and before the others; fn gets the root.
 * Schedule it from outside a run or from a global event, after the
 * domains are added: with a single domain it is sim_event_schedule().
 * 0, -EINVAL, -ENOSPC, -ENOMEM. */
int sim_event_schedule_global(struct sim *sim, synq_time_t at, sim_event_fn fn, void *arg);

/* ---------------------------------------------------------------- run */

/* Run every event due at or before until, in order, then set the clock to
 * until (with until == SYNQ_TIME_NEVER: run until no event is left; the
 * clock stays at the last event). Returns 0; -EINVAL if until is in the
 * past; -ELOOP when a livelock bound tripped (see struct sim_config); a
 * sim_stop() from a callback returns 0 early with the clock at that event. */
int sim_run_until(struct sim *sim, synq_time_t until);
void sim_stop(struct sim *sim);

/* ---------------------------------------------------------------- nodes */

#define SIM_NODE_IFACES_MAX 16
#define SIM_NODE_ROUTES_MAX 64
#define SIM_NODE_NAME_MAX 32 /* bytes, including the terminating NUL */

enum sim_node_kind {
	/* Delivers every arriving packet to receive (no address filtering:
	 * that is the stack's job). Without a receive callback it is a sink. */
	SIM_NODE_HOST,
	/* Forwards arriving packets by destination (longest-prefix match),
	 * decrementing the TTL; packets for its own address go to receive. */
	SIM_NODE_ROUTER,
};

typedef void (*sim_receive_fn)(void *ctx, struct sim_node *node,
                               const uint8_t *pkt, size_t len, synq_time_t now);
typedef void (*sim_timer_fn)(void *ctx, struct sim_node *node, synq_time_t now);
/* A router's look at each datagram it is about to forward or take, after
 * the header checks and before the route lookup: it may rewrite the
 * datagram in place (NAT) and send packets of its own; false drops it. */
typedef bool (*sim_forward_fn)(void *ctx, struct sim_node *node, uint8_t *pkt, size_t len,
                               synq_time_t now);

struct sim_node_config {
	const char *name;     /* copied, truncated to SIM_NODE_NAME_MAX - 1 */
	uint32_t addr;        /* IPv4, host order */
	enum sim_node_kind kind;
	sim_receive_fn receive; /* may be NULL */
	sim_timer_fn timer;     /* may be NULL if the timer is never armed */
	sim_forward_fn forward; /* routers only; may be NULL */
	void *ctx;
};

struct sim_node_stats {
	uint64_t rx_packets;        /* arrived on an interface */
	uint64_t rx_bytes;
	uint64_t tx_packets;        /* handed to a link (sent or forwarded) */
	uint64_t tx_bytes;
	uint64_t forwarded_packets; /* routers: of tx_packets, forwarded */
	uint64_t timer_calls;
	struct synq_drop_counts drops; /* IP_NO_ROUTE, IP_TTL_EXPIRED, parse */
};

/* 0, -EINVAL (bad kind), -ENOSPC (too many nodes), -ENOMEM. */
int sim_node_add(struct sim *sim, const struct sim_node_config *cfg,
                 struct sim_node **out);

/* Send one IPv4 datagram (copied). Out of which interface: if the node has
 * no routes, interface 0 (a host's default route); otherwise the longest
 * matching route, and no match is a drop (IP_NO_ROUTE). Routers forward
 * through the same table. 0 (also when the packet is dropped and counted);
 * -EINVAL (NULL or empty, or shorter than an IPv4 header on a node with
 * routes), -EMSGSIZE (len above packet_max_bytes), -ENOBUFS (packet pool
 * exhausted, counted in sim_stats.packets_exhausted). */
int sim_node_send(struct sim_node *node, const uint8_t *pkt, size_t len);

/* Arm (or move) the node's timer to the absolute time deadline; a deadline
 * in the past fires at the current time; SYNQ_TIME_NEVER disarms. 0,
 * -EINVAL (node has no timer callback), -ENOSPC (event pool full). */
int sim_node_timer_set(struct sim_node *node, synq_time_t deadline);
/* The armed deadline, or SYNQ_TIME_NEVER. */
synq_time_t sim_node_timer_deadline(const struct sim_node *node);

/* Route prefix/prefix_len (host order, 0..32; bits beyond the prefix must
 * be zero) out of the node's end of link via. 0, -EINVAL (bad prefix, or
 * via does not touch this node), -ENOSPC (SIM_NODE_ROUTES_MAX routes). */
int sim_node_route_add(struct sim_node *node, uint32_t prefix,
                       unsigned prefix_len, struct sim_link *via);

/* Write every packet the node sends (at send time) and receives (at
 * arrival) to pcap, like tcpdump -i any on it; a router's forwarded packet
 * appears once as received and once as sent. NULL detaches. */
void sim_node_capture(struct sim_node *node, struct synq_pcap *pcap);

struct sim *sim_node_sim(const struct sim_node *node);
const char *sim_node_name(const struct sim_node *node);
uint32_t sim_node_addr(const struct sim_node *node);
void *sim_node_ctx(const struct sim_node *node);
void sim_node_stats_get(const struct sim_node *node, struct sim_node_stats *out);

/* ---------------------------------------------------------------- links */

/* A full-duplex point-to-point link: two independent directions, each with
 * its own transmitter, queue, counters and random stream.
 *
 * Timing of one direction. A packet of N bytes offered at time t starts
 * transmitting at s = max(t, end of the previous transmission), finishes at
 * s + N*8/rate and arrives at the far end at s + N*8/rate + delay (+ a
 * jitter draw in [0, jitter_ns], which may reorder; + reorder_delay_ns for
 * the fraction reorder of packets, which does). Transmission times are
 * whole nanoseconds: when N*8*10^9 is not a multiple of rate_bps the time
 * is rounded down and the remainder carried to the next back-to-back
 * packet, so a busy link never drifts from its exact rate.
 *
 * Queue. queue_max_pkts packets may wait behind the one being transmitted
 * (drop-tail; 0: no waiting room). A packet finding it full is dropped as
 * LINK_QUEUE_FULL. A packet that finds room is counted in tx and then lost
 * on the wire with probability loss (LINK_LOSS): it still occupies the
 * transmitter and still appears in a capture at the sending end. */

enum sim_link_end {
	SIM_LINK_A = 0, /* the first node given to sim_link_add() */
	SIM_LINK_B = 1,
};

#define SIM_LINK_QUEUE_DEFAULT_PKTS 1000u /* Linux txqueuelen */
#define SIM_LINK_QUEUE_MAX_PKTS (1u << 20)
#define SIM_LINK_RATE_MAX_BPS 1000000000000000ull /* 1 Pbit/s */
#define SIM_LINK_DELAY_MAX_NS SYNQ_SEC(86400 * 365) /* also bounds jitter */

struct sim_link_config {
	synq_time_t delay_ns;   /* propagation, 0..SIM_LINK_DELAY_MAX_NS */
	uint64_t rate_bps;      /* 0: infinite; at most SIM_LINK_RATE_MAX_BPS */
	uint32_t queue_max_pkts;
	double loss;            /* probability in [0, 1] */
	synq_time_t jitter_ns;  /* 0..SIM_LINK_DELAY_MAX_NS; 0 keeps it FIFO */
	/* Reordering: with probability reorder a packet is held back
	 * reorder_delay_ns more, so the packets behind it overtake it. */
	double reorder;         /* probability in [0, 1] */
	synq_time_t reorder_delay_ns; /* 0..SIM_LINK_DELAY_MAX_NS */
};

struct sim_link_stats {
	uint64_t tx_packets;   /* accepted onto the link (lost ones included) */
	uint64_t tx_bytes;
	uint64_t rx_packets;   /* delivered at the far end */
	uint64_t rx_bytes;
	uint32_t queue_pkts;   /* waiting now */
	uint32_t queue_peak_pkts;
	struct synq_drop_counts drops; /* LINK_QUEUE_FULL, LINK_LOSS */
};

/* delay 0, infinite rate, SIM_LINK_QUEUE_DEFAULT_PKTS, no loss, no jitter. */
void sim_link_config_init(struct sim_link_config *cfg);

/* Connect a and b (an interface is added to each) with cfg in both
 * directions. 0, -EINVAL (bad config, a == b, other simulation), -ENOSPC
 * (a node has SIM_NODE_IFACES_MAX interfaces), -ENOMEM. */
int sim_link_add(struct sim *sim, const struct sim_link_config *cfg,
                 struct sim_node *a, struct sim_node *b, struct sim_link **out);

/* Change the direction that sends from end from; packets already offered
 * keep their timing. For fault phases ("lossy for 10 s, then calm"). */
int sim_link_configure(struct sim_link *link, enum sim_link_end from,
                       const struct sim_link_config *cfg);

/* Counters of the direction that sends from end from. */
void sim_link_stats_get(const struct sim_link *link, enum sim_link_end from,
                        struct sim_link_stats *out);

struct sim_node *sim_link_node(const struct sim_link *link, enum sim_link_end end);

/* Capture at one end, like tcpdump on that interface: packets sent from it
 * (at the time they are offered, queue-full drops excepted) and packets
 * arriving at it. NULL detaches. */
void sim_link_capture(struct sim_link *link, enum sim_link_end at,
                      struct synq_pcap *pcap);

#endif
