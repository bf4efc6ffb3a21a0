/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_DRIVERS_PACKETDRILL_H
#define SYNQ_DRIVERS_PACKETDRILL_H

/* The packetdrill driver: a synq stack behind packetdrill's shared-object
 * interface (--so_filename), so that the Linux kernel's and Google's
 * packetdrill scripts run against synq. The contract is packetdrill's
 * (packet_socket.h / so_testing in its sources) plus the environment
 * scripts/conformance.sh sets up; this header is our own declaration of it.
 *
 * Files:
 *   packetdrill.c          entry point, state, virtual clock, packets,
 *                          blocking waits
 *   packetdrill_calls.c    the socket calls of the interface
 *   packetdrill_env.c      --so_flags, PD_SYSCTL_FILE, PD_NSTAT_FILE, and
 *                          the getsockopt/close wrappers for PD_PRELOAD=1
 *
 * Threads. packetdrill calls in from two threads: its main thread (packets,
 * usleep, gettimeofday, non-blocking calls) and its syscall thread (calls
 * a script gives a time range, "+0...0.2 accept(...)"). One mutex guards
 * everything; a call that must block waits on a condition variable until
 * the main thread's netdev_send or usleep makes it satisfiable. */

#ifndef _GNU_SOURCE
#error "define _GNU_SOURCE before any include (loff_t, struct ucred, eventfd)"
#endif
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#include "synq/config.h"
#include "synq/mib.h"
#include "synq/stack.h"

/* ----------------------------------------------------------- interface */

/* packetdrill's struct packetdrill_interface: the same members, in the
 * same order, with libc's signatures and the userdata pointer first
 * (packetdrill.h at google/packetdrill 2c4001c). The order is the ABI: a
 * member out of place calls the wrong function. */
struct pd_interface {
	void *userdata;
	void (*free)(void *userdata);
	int (*socket)(void *userdata, int domain, int type, int protocol);
	int (*bind)(void *userdata, int sockfd, const struct sockaddr *addr,
	            socklen_t addrlen);
	int (*listen)(void *userdata, int sockfd, int backlog);
	int (*accept)(void *userdata, int sockfd, struct sockaddr *addr,
	              socklen_t *addrlen);
	int (*connect)(void *userdata, int sockfd, const struct sockaddr *addr,
	               socklen_t addrlen);
	ssize_t (*read)(void *userdata, int fd, void *buf, size_t count);
	ssize_t (*readv)(void *userdata, int fd, const struct iovec *iov, int iovcnt);
	ssize_t (*recv)(void *userdata, int sockfd, void *buf, size_t len, int flags);
	ssize_t (*recvfrom)(void *userdata, int sockfd, void *buf, size_t len, int flags,
	                    struct sockaddr *src_addr, socklen_t *addrlen);
	ssize_t (*recvmsg)(void *userdata, int sockfd, struct msghdr *msg, int flags);
	ssize_t (*write)(void *userdata, int fd, const void *buf, size_t count);
	ssize_t (*writev)(void *userdata, int fd, const struct iovec *iov, int iovcnt);
	ssize_t (*send)(void *userdata, int sockfd, const void *buf, size_t len, int flags);
	ssize_t (*sendto)(void *userdata, int sockfd, const void *buf, size_t len, int flags,
	                  const struct sockaddr *dest_addr, socklen_t addrlen);
	ssize_t (*sendmsg)(void *userdata, int sockfd, const struct msghdr *msg, int flags);
	int (*fcntl)(void *userdata, int fd, int cmd, ...);
	int (*ioctl)(void *userdata, int fd, unsigned long request, ...);
	int (*close)(void *userdata, int fd);
	int (*shutdown)(void *userdata, int sockfd, int how);
	int (*getsockopt)(void *userdata, int sockfd, int level, int optname, void *optval,
	                  socklen_t *optlen);
	int (*setsockopt)(void *userdata, int sockfd, int level, int optname,
	                  const void *optval, socklen_t optlen);
	int (*poll)(void *userdata, struct pollfd *fds, nfds_t nfds, int timeout);
	int (*netdev_send)(void *userdata, const void *buf, size_t count);
	int (*netdev_receive)(void *userdata, void *buf, size_t *count, long long *time_usecs);
	int (*usleep)(void *userdata, useconds_t usec);
	int (*gettimeofday)(void *userdata, struct timeval *tv, struct timezone *tz);
	int (*epoll_create)(void *userdata, int size);
	int (*epoll_ctl)(void *userdata, int epfd, int op, int fd, struct epoll_event *event);
	int (*epoll_wait)(void *userdata, int epfd, struct epoll_event *events, int maxevents,
	                  int timeout);
	int (*pipe)(void *userdata, int pipefd[2]);
	int (*splice)(void *userdata, int fd_in, loff_t *off_in, int fd_out, loff_t *off_out,
	              size_t len, unsigned int flags);
};

/* The one symbol packetdrill looks up. flags may be NULL. */
void packetdrill_interface_init(const char *flags, struct pd_interface *ifc);

/* For the project's test: the name and first distinctive argument of the
 * last member called on ud, and how many driver instances are alive. */
const char *synq_packetdrill_last_call(void *ud, long long *arg);
int synq_packetdrill_instances(void);

/* --------------------------------------------------------------- state */

/* A datagram the stack sent, waiting for netdev_receive. */
struct pd_packet {
	struct pd_packet *next;
	long long time_us;
	size_t len;
	uint8_t data[];
};

enum pd_fd_kind {
	PD_FD_NONE = 0,
	PD_FD_SOCKET,   /* packetdrill closes these itself at the end */
	PD_FD_EPOLL,
};

/* Real fds the driver hands out stay below this (the preload wrappers
 * keep a table of them). */
#define PD_MAX_FDS 4096

/* One real kernel fd (an eventfd) standing for one synq descriptor. */
struct pd_fd {
	int sfd;         /* the synq descriptor */
	uint8_t kind;    /* enum pd_fd_kind */
};

/* A thread sleeping in a blocking call. */
enum pd_wait_kind {
	PD_WAIT_SOCK,    /* until sfd's poll events meet mask */
	PD_WAIT_POLL,    /* until any of fds is ready */
	PD_WAIT_ANY,     /* until the stack does anything (epoll_wait) */
};

struct pd_waiter {
	struct pd_waiter *next;
	uint8_t kind;            /* enum pd_wait_kind */
	bool ready;              /* set by the thread that made it satisfiable */
	int sfd;
	int mask;
	struct pollfd *fds;      /* PD_WAIT_POLL: synq descriptors */
	nfds_t nfds;
	long long deadline_us;   /* 0: none */
	uint64_t activity;       /* PD_WAIT_ANY: d->activity when it slept */
	uint64_t hold_gen;       /* d->hold_gen when it was marked ready */
};

struct pd_flags {
	char ip[16];             /* ipv4, ipv6, ipv4-mapped-ipv6 */
	uint32_t local_ip;       /* host order */
	uint32_t remote_ip;
	uint32_t mtu;
	uint32_t mss;            /* segment size of inbound super-packets */
	int32_t hz;              /* kernel.hz for the stack; -1: the default */
	uint64_t seed;
};

struct pd {
	pthread_mutex_t mu;
	pthread_cond_t cv;

	struct pd_flags flags;
	struct synq_stack *stack;   /* created at the first socket() or packet */
	struct synq_config cfg;

	/* Virtual time, microseconds; the stack sees it in nanoseconds. */
	long long now_us;

	/* Datagrams the stack sent, oldest first. */
	struct pd_packet *out_head;
	struct pd_packet *out_tail;
	size_t out_count;

	/* Real fd -> synq descriptor. */
	struct pd_fd *fds;
	int fds_cap;

	/* Blocking calls. hold counts threads woken from a blocking call that
	 * have not yet taken their return timestamp (their next
	 * gettimeofday) or gone back to sleep: until then the clock stays
	 * put (PACKETDRILL-SO.md section 5). */
	struct pd_waiter *waiters;
	int hold;
	uint64_t hold_gen;       /* bumped when a hold is given up */
	uint64_t activity;       /* bumped by every input and timer run */
	bool dead;               /* free() ran while a call was still blocked */

	/* Environment files. */
	char *sysctl_path;
	long long sysctl_seen_size;
	long long sysctl_seen_mtime_ns;
	char *nstat_path;
	struct synq_mib mib_written;
	bool mib_ever_written;

	bool debug;              /* SYNQ_PD_DEBUG=1: calls on stderr */

	/* Test hook. */
	const char *last_call;
	long long last_arg;
};

/* packetdrill.c */
void pd_lock(struct pd *d);
void pd_unlock(struct pd *d);
void pd_trace(struct pd *d, const char *name, long long arg);
/* The stack, created on first use (after the script's init command, so
 * the sysctl file is complete). NULL only if creation failed. */
struct synq_stack *pd_stack(struct pd *d);
/* After anything that may have changed the stack: wake waiters, sync the
 * counters file. */
void pd_after(struct pd *d);
/* Sleep until w is satisfiable (d->mu held). Returns false if the driver
 * is being torn down. */
bool pd_block(struct pd *d, struct pd_waiter *w);
long long pd_now_us(const struct pd *d);

/* fd map */
int pd_fd_new(struct pd *d, int sfd, enum pd_fd_kind kind);
/* The synq descriptor behind a real fd, or -1. */
int pd_fd_lookup(const struct pd *d, int fd);
void pd_fd_forget(struct pd *d, int fd);
int pd_real_close(int fd);

/* packetdrill_calls.c: the members, installed by init. */
void pd_calls_install(struct pd_interface *ifc);
/* getsockopt on a synq descriptor, including what the preload wrapper
 * must answer for (SO_MEMINFO, TCP_CC_INFO). Returns 0 or -errno. */
int pd_getsockopt_sfd(struct pd *d, int sfd, int level, int name, void *val, socklen_t *len);
/* close of a real fd of ours: the synq socket and the eventfd. */
int pd_close_fd(struct pd *d, int fd);

/* packetdrill_env.c */
void pd_flags_parse(struct pd_flags *f, const char *text);
/* Apply PD_SYSCTL_FILE to cfg if it changed since the last call (or
 * always when force). Returns true if anything was read. */
bool pd_sysctl_apply(struct pd *d, struct synq_config *cfg, bool force);
void pd_nstat_sync(struct pd *d);
/* The registry the preload wrappers consult: which instance owns which
 * real fd (below PD_MAX_FDS). */
void pd_registry_add(struct pd *d);
void pd_registry_remove(struct pd *d);
void pd_registry_own(struct pd *d, int fd, bool own);

#endif
