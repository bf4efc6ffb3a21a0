/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_SOCKET_H
#define SYNQ_SOCKET_H

/* The BSD socket API over a synq stack.
 *
 * Every call mirrors its libc namesake with the stack first and returns a
 * negative errno instead of setting errno: synq_connect() gives
 * -EINPROGRESS, synq_read() -EAGAIN, with Linux's errno for each case.
 * Nothing blocks, ever: a blocking socket (the default, as on Linux) gets
 * -EAGAIN where the kernel would sleep, and the driver waits for
 * readiness (synq_sock_events(), synq_epoll_wait()) and calls again. The
 * same application code thus runs in the simulator and on a real device.
 *
 * Descriptors are the lowest free number from 3 up. Only IPv4 TCP
 * (AF_INET, SOCK_STREAM) exists. */

#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

struct synq_stack;

/* IPPROTO_TCP option names, with Linux's values (glibc's <netinet/tcp.h>
 * clashes with the stack's own TCP names, so synq spells them here). */
enum synq_tcp_option {
	SYNQ_TCP_NODELAY = 1,
	SYNQ_TCP_MAXSEG = 2,
	SYNQ_TCP_CORK = 3,
	SYNQ_TCP_KEEPIDLE = 4,
	SYNQ_TCP_KEEPINTVL = 5,
	SYNQ_TCP_KEEPCNT = 6,
	SYNQ_TCP_SYNCNT = 7,
	SYNQ_TCP_LINGER2 = 8,
	SYNQ_TCP_DEFER_ACCEPT = 9,
	SYNQ_TCP_WINDOW_CLAMP = 10,
	SYNQ_TCP_INFO = 11,
	SYNQ_TCP_QUICKACK = 12,
	SYNQ_TCP_CONGESTION = 13,
	SYNQ_TCP_THIN_LINEAR_TIMEOUTS = 16,
	SYNQ_TCP_USER_TIMEOUT = 18,
	SYNQ_TCP_NOTSENT_LOWAT = 25,
	SYNQ_TCP_INQ = 36,      /* also the TCP_CM_INQ control message type */
};

int synq_socket(struct synq_stack *s, int domain, int type, int protocol);
int synq_bind(struct synq_stack *s, int fd, const struct sockaddr *addr, socklen_t len);
int synq_listen(struct synq_stack *s, int fd, int backlog);
int synq_accept(struct synq_stack *s, int fd, struct sockaddr *addr, socklen_t *len);
int synq_accept4(struct synq_stack *s, int fd, struct sockaddr *addr, socklen_t *len,
                 int flags);
int synq_connect(struct synq_stack *s, int fd, const struct sockaddr *addr, socklen_t len);
ssize_t synq_read(struct synq_stack *s, int fd, void *buf, size_t len);
ssize_t synq_write(struct synq_stack *s, int fd, const void *buf, size_t len);
ssize_t synq_readv(struct synq_stack *s, int fd, const struct iovec *iov, int iovcnt);
ssize_t synq_writev(struct synq_stack *s, int fd, const struct iovec *iov, int iovcnt);
ssize_t synq_recv(struct synq_stack *s, int fd, void *buf, size_t len, int flags);
ssize_t synq_send(struct synq_stack *s, int fd, const void *buf, size_t len, int flags);
ssize_t synq_recvmsg(struct synq_stack *s, int fd, struct msghdr *msg, int flags);
ssize_t synq_sendmsg(struct synq_stack *s, int fd, const struct msghdr *msg, int flags);
int synq_shutdown(struct synq_stack *s, int fd, int how);
int synq_close(struct synq_stack *s, int fd);
int synq_setsockopt(struct synq_stack *s, int fd, int level, int name, const void *val,
                    socklen_t len);
int synq_getsockopt(struct synq_stack *s, int fd, int level, int name, void *val,
                    socklen_t *len);
int synq_getsockname(struct synq_stack *s, int fd, struct sockaddr *addr, socklen_t *len);
int synq_getpeername(struct synq_stack *s, int fd, struct sockaddr *addr, socklen_t *len);
/* F_GETFL, F_SETFL (O_NONBLOCK), F_GETFD, F_SETFD. */
int synq_fcntl(struct synq_stack *s, int fd, int cmd, long arg);
/* SIOCINQ/FIONREAD, SIOCOUTQ; arg points to an int. */
int synq_ioctl(struct synq_stack *s, int fd, unsigned long request, void *arg);

/* Readiness of one descriptor as poll() reports it (POLLIN, POLLOUT,
 * POLLERR, POLLHUP, POLLRDHUP), or -EBADF. */
int synq_sock_events(struct synq_stack *s, int fd);
/* poll() without waiting: fills revents, returns how many are ready. */
int synq_poll(struct synq_stack *s, struct pollfd *fds, nfds_t nfds);
/* Whether fd is in blocking mode (the driver then waits and retries). */
int synq_sock_is_blocking(struct synq_stack *s, int fd);

/* epoll, level- and edge-triggered, without waiting. */
struct synq_epoll_event {
	uint32_t events;
	uint64_t data;
};
int synq_epoll_create(struct synq_stack *s);
int synq_epoll_ctl(struct synq_stack *s, int epfd, int op, int fd,
                   const struct synq_epoll_event *ev);
int synq_epoll_wait(struct synq_stack *s, int epfd, struct synq_epoll_event *events,
                    int max);

/* Linux's struct tcp_info (include/uapi/linux/tcp.h), field for field;
 * getsockopt(TCP_INFO) fills as much as the caller's length allows. */
struct synq_tcp_info {
	uint8_t tcpi_state;
	uint8_t tcpi_ca_state;
	uint8_t tcpi_retransmits;
	uint8_t tcpi_probes;
	uint8_t tcpi_backoff;
	uint8_t tcpi_options;
	uint8_t tcpi_wscale;           /* snd_wscale : 4, rcv_wscale : 4 */
	uint8_t tcpi_flags;            /* delivery_rate_app_limited:1, fastopen_client_fail:2 */
	uint32_t tcpi_rto;
	uint32_t tcpi_ato;
	uint32_t tcpi_snd_mss;
	uint32_t tcpi_rcv_mss;
	uint32_t tcpi_unacked;
	uint32_t tcpi_sacked;
	uint32_t tcpi_lost;
	uint32_t tcpi_retrans;
	uint32_t tcpi_fackets;
	uint32_t tcpi_last_data_sent;
	uint32_t tcpi_last_ack_sent;
	uint32_t tcpi_last_data_recv;
	uint32_t tcpi_last_ack_recv;
	uint32_t tcpi_pmtu;
	uint32_t tcpi_rcv_ssthresh;
	uint32_t tcpi_rtt;
	uint32_t tcpi_rttvar;
	uint32_t tcpi_snd_ssthresh;
	uint32_t tcpi_snd_cwnd;
	uint32_t tcpi_advmss;
	uint32_t tcpi_reordering;
	uint32_t tcpi_rcv_rtt;
	uint32_t tcpi_rcv_space;
	uint32_t tcpi_total_retrans;
	uint64_t tcpi_pacing_rate;
	uint64_t tcpi_max_pacing_rate;
	uint64_t tcpi_bytes_acked;
	uint64_t tcpi_bytes_received;
	uint32_t tcpi_segs_out;
	uint32_t tcpi_segs_in;
	uint32_t tcpi_notsent_bytes;
	uint32_t tcpi_min_rtt;
	uint32_t tcpi_data_segs_in;
	uint32_t tcpi_data_segs_out;
	uint64_t tcpi_delivery_rate;
	uint64_t tcpi_busy_time;
	uint64_t tcpi_rwnd_limited;
	uint64_t tcpi_sndbuf_limited;
	uint32_t tcpi_delivered;
	uint32_t tcpi_delivered_ce;
	uint64_t tcpi_bytes_sent;
	uint64_t tcpi_bytes_retrans;
	uint32_t tcpi_dsack_dups;
	uint32_t tcpi_reord_seen;
	uint32_t tcpi_rcv_ooopack;
	uint32_t tcpi_snd_wnd;
	uint32_t tcpi_rcv_wnd;
	uint32_t tcpi_rehash;
	uint16_t tcpi_total_rto;
	uint16_t tcpi_total_rto_recoveries;
	uint32_t tcpi_total_rto_time;
};

#endif
