/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_SCENARIO_WORLD_H
#define SYNQ_SCENARIO_WORLD_H

/* A scenario brought to life: the simulation, the server host, one node
 * per population, the links, the measurements.
 *
 * Addresses. The server is 10.0.0.1; the router (when [server] names a
 * link) 10.0.0.254. Population i (in file order, clients and attackers
 * alike) owns 10.(i+1).0.0/16 and its hosts are 10.(i+1).0.1 upwards. A
 * synflood's spoofed sources come from 100.64.0.0/10, a /14 per
 * population (100.64.0.0 + i * 2^18), routed back to the attacker's link
 * so that SYN-ACKs travel the links as they would.
 *
 * Topology. Every population sits behind its own access link. The link's
 * far end is the hub: the server itself, or, when [server] link = NAME,
 * a router joined to the server by that link, so that everybody shares
 * the server's access link as on the Internet.
 *
 * Domains. When every population's link has a delay (and [run] domains
 * is not 1), the populations (client host groups and attackers) run in
 * simulation domains of their own, and the server, the router and what
 * extensions build in the root: the populations' links are the cut,
 * their smallest delay the lookahead (include/synq/sim.h). [run] domains
 * = N above 2 spreads the populations over N - 1 domains, population i in
 * the (i mod (N - 1))th, so that threads have more than two to share. The
 * per-interval sample and the run's end touch every domain, as global
 * events.
 *
 * Extensions. A section kind with a build hook (section.h) is built after
 * the server (and router) and before the populations: it may add nodes and
 * links of its own and set w->hub, and every population then attaches to
 * that node and is routed by it (a NAT router in front of the server). */

#include <stdbool.h>
#include <stdint.h>

#include "nat/conntrack.h"
#include "scenario/hist.h"
#include "scenario/scenario.h"
#include "scenario/server.h"
#include "sim/rng.h"
#include "synq/host.h"
#include "synq/hostgroup.h"
#include "synq/mib.h"
#include "synq/pcap.h"
#include "synq/sim.h"

#define SCN_SERVER_ADDR 0x0a000001u   /* 10.0.0.1 */
#define SCN_ROUTER_ADDR 0x0a0000feu   /* 10.0.0.254 */
#define SCN_POP_PREFIX(i) (0x0a000000u + ((uint32_t)(i) + 1) * 0x10000u)
#define SCN_SPOOF_BASE 0x64400000u    /* 100.64.0.0 */
#define SCN_SPOOF_BITS 18u
#define SCN_SPOOF_PREFIX(i) (SCN_SPOOF_BASE + ((uint32_t)(i) << SCN_SPOOF_BITS))

/* Why a connection or request failed: the columns of the outcome table. */
enum scn_fail {
	SCN_FAIL_TIMEOUT = 0,  /* connect: ETIMEDOUT; request: the client gave up */
	SCN_FAIL_REFUSED,      /* ECONNREFUSED: RST to the SYN */
	SCN_FAIL_RESET,        /* ECONNRESET after the handshake */
	SCN_FAIL_CLOSED,       /* the server closed before a whole response */
	SCN_FAIL_HTTP,         /* a 4xx or 5xx status */
	SCN_FAIL_OTHER,        /* any other errno, or the client's table full */
	SCN_FAIL__COUNT
};

const char *scn_fail_name(enum scn_fail f);

/* What one population experienced. Counters only grow. */
struct scn_outcome {
	uint64_t connects;                 /* connect() calls */
	uint64_t connected;                /* handshakes completed */
	uint64_t connect_failed[SCN_FAIL__COUNT];
	uint64_t requests;                 /* requests wanted (connect failures included) */
	uint64_t requests_sent;            /* requests written to a connection */
	uint64_t responses_ok;             /* whole responses, status below 400 */
	uint64_t request_failed[SCN_FAIL__COUNT];
	uint64_t status_408, status_503;   /* among the HTTP failures */
	uint64_t closed_by_server;         /* idle, slowloris: the server hung up */
	uint64_t table_full;               /* the client's own connection table */
	uint64_t open_now;                 /* connections open or connecting */
	uint64_t established_now;
	uint64_t peak_established;
	uint64_t pending_connects;         /* at the end: still connecting */
	uint64_t pending_requests;         /* at the end: wanted, not finished */
	/* synflood */
	uint64_t syns_sent;
	uint64_t synacks_received;
	uint64_t rsts_sent;
	uint64_t visits;                   /* browser: visits begun */
	struct hist connect_time;          /* SYN to established */
	struct hist latency;               /* request written to response read */
};

struct scn_pop;
struct scn_world;

/* Called at every sample with the virtual time, for a progress bar. */
typedef void (*scn_progress_fn)(void *ctx, synq_time_t now, synq_time_t end);

struct scn_world_options {
	const char *out_dir;      /* pcaps go here; NULL: no pcaps */
	scn_progress_fn progress;
	void *progress_ctx;
};

/* The series: one row per interval, columns named at setup. */
#define SCN_SERIES_COLS_MAX 192

struct scn_series {
	unsigned n_cols;
	const char *col_name[SCN_SERIES_COLS_MAX];   /* static or owned by names */
	char names[SCN_SERIES_COLS_MAX][64];
	size_t n_rows, cap_rows;
	int64_t *rows;             /* n_rows x n_cols */
};

/* MIB counters sampled into the series and the summary, Linux's names. */
extern const enum synq_mib_counter scn_listen_mibs[];
extern const unsigned scn_n_listen_mibs;

struct nat;

struct scn_world {
	const struct scenario *scn;
	struct scn_world_options opt;
	struct sim *sim;             /* the root: the server side's domain */
	/* the populations' domains (world.c): population i runs in
	 * pop_sim[i % n_pop_sims]; the root when the world is not split */
	struct sim *pop_sim[SIM_DOMAINS_MAX];
	unsigned n_pop_sims;
	struct sim_host *server;
	struct scn_server_inst *srv;
	struct sim_node *router;     /* NULL: populations join the server */
	struct sim_node *hub;
	uint32_t target_addr;        /* where clients connect: the server, or
	                              * the NAT router's public address */
	struct nat *nat;             /* [nat]: the router's NAT, else NULL */
	uint32_t peak_nat_entries;
	uint32_t peak_nat_state[CT__STATES]; /* per enum ct_state, at a sample */
	/* the NAT in the run's second half (steady state): new connections
	 * forwarded since it began, and entries summed over its samples */
	uint64_t nat_half_forwarded, nat_half_assured;
	synq_time_t nat_half_at;         /* 0: not reached yet */
	uint64_t nat_half_entry_sum, nat_half_samples;
	/* entries integrated over the whole run, sample by sample (each
	 * sample's count held for one interval): entry-seconds, per state */
	double nat_entry_s, nat_state_s[CT__STATES];
	struct sim_link *server_link;
	unsigned n_pops;
	struct scn_pop *pops[SCN_POPULATIONS_MAX];
	unsigned n_pcaps;
	struct synq_pcap *pcaps[SCN_POPULATIONS_MAX + 1];
	synq_time_t end_ns;          /* duration + drain */
	/* server-side measurements */
	uint32_t peak_syn_recv, peak_accept;        /* exact, whole run */
	uint32_t ival_syn_recv, ival_accept;        /* max within the interval */
	uint32_t peak_scoreboard[SCN_SCOREBOARD_N]; /* over samples */
	struct synq_mib mib_start, mib_last;
	struct scn_series series;
	void *prev;                  /* per population counters at the last sample */
	uint64_t samples;
	int error;                   /* first failure inside a callback */
	char error_text[160];
};

/* For a program that builds worlds, once at its start: every block of
 * 64 KiB or more comes from mmap(), so that the big zeroed tables of a
 * world's thousands of stacks (pools, hash buckets) stay untouched until
 * used. Otherwise glibc serves them from its heap once big blocks have
 * been freed (its mmap threshold grows), and calloc() clears them page
 * by page: most of the time to build a world of 1000 client hosts. */
void scn_malloc_tune(void);

/* Build the world for scn (which must outlive it). 0, or -errno with a
 * one-line reason in why. */
int scn_world_build(struct scn_world *w, const struct scenario *scn,
                    const struct scn_world_options *opt, char *why, size_t why_cap);
/* Run to the end. 0 or -errno (why says what). */
int scn_world_run(struct scn_world *w, char *why, size_t why_cap);
void scn_world_free(struct scn_world *w);

/* The domain population i runs in. */
static inline struct sim *scn_world_population_sim(const struct scn_world *w, unsigned i)
{
	return w->pop_sim[i % w->n_pop_sims];
}

/* Per population, after the run. */
const struct scn_outcome *scn_world_outcome(const struct scn_world *w, unsigned pop);
/* The population's client stacks' MIB, summed (zero for a synflood). */
void scn_world_client_mib(const struct scn_world *w, unsigned pop, struct synq_mib *out);
/* TIME-WAIT entries held by the population's hosts now. */
uint64_t scn_world_client_time_wait(const struct scn_world *w, unsigned pop);

/* ---- for the traffic models (traffic.c, synflood.c) ---- */
int scn_pop_create(struct scn_world *w, unsigned index, struct scn_pop **out, char *why,
                   size_t why_cap);
void scn_pop_free(struct scn_pop *p);
struct sim_node *scn_pop_node(struct scn_pop *p);
void scn_pop_start(struct scn_pop *p);
struct scn_outcome *scn_pop_outcome(struct scn_pop *p);
struct sim_hostgroup *scn_pop_group(struct scn_pop *p);
/* End of run: work still in progress is counted as pending. */
void scn_pop_finish(struct scn_pop *p);

#endif
