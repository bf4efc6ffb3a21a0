/* SPDX-License-Identifier: BSD-2-Clause */
/* The options of a connection or a listener, every level, with Linux's
 * ranges, rounding and errno (sk_setsockopt(), do_tcp_setsockopt(),
 * do_tcp_getsockopt(), tcp_get_info(), tcp_ioctl()). The options live in
 * the TCP objects, so they are set here; the socket layer only finds the
 * object a descriptor names. */
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "synq/tcp.h"
#include "tcp/chrono.h"
#include "tcp/input_internal.h"
#include "tcp/user.h"

#define SYSCTL_WMEM_MAX 212992     /* net.core.wmem_max */
#define SYSCTL_RMEM_MAX 212992     /* net.core.rmem_max */
#define SOCK_MIN_SNDBUF 4608       /* 2 * TCP_SKB_MIN_TRUESIZE */
#define SOCK_MIN_RCVBUF 2304
#define MAX_TCP_KEEPIDLE 32767
#define MAX_TCP_KEEPINTVL 32767
#define MAX_TCP_KEEPCNT 127
#define MAX_TCP_SYNCNT 127
#define MAX_TCP_WINDOW 32767
#define TCPI_OPT_TIMESTAMPS 1
#define TCPI_OPT_SACK 2
#define TCPI_OPT_WSCALE 4

static struct tcp_sockopts *opts_of(struct tcp_conn *c, struct tcp_listener *l)
{
	if (c != NULL)
		return &c->opts;
	return l != NULL ? &l->opts : NULL;
}

/* SO_SNDBUF / SO_RCVBUF: the request capped at the sysctl maximum,
 * doubled for overhead, at least the minimum (sk_setsockopt()). */
static uint32_t buffer_size(int requested, uint32_t max, uint32_t min)
{
	uint32_t want = (uint32_t)(requested < 0 ? 0 : requested);
	if (want > max)
		want = max;
	want *= 2;
	return want > min ? want : min;
}

static uint8_t *tos_of(struct tcp_conn *c, struct tcp_listener *l)
{
	return c != NULL ? &c->tos : &l->tos;
}

/* SYNQ_TCP_DEFER_ACCEPT seconds to SYN-ACK retransmissions and back
 * (secs_to_retrans() / retrans_to_secs(), 1 s initial, 120 s cap). */
static uint8_t secs_to_retrans(int seconds)
{
	if (seconds <= 0)
		return 0;
	int res = 1, timeout = 1, period = 1;
	while (seconds > period && res < 255) {
		res++;
		timeout <<= 1;
		if (timeout > 120)
			timeout = 120;
		period += timeout;
	}
	return (uint8_t)res;
}

static int retrans_to_secs(uint8_t retrans)
{
	int period = 0;
	if (retrans > 0) {
		int timeout = 1;
		period = timeout;
		while (--retrans) {
			timeout <<= 1;
			if (timeout > 120)
				timeout = 120;
			period += timeout;
		}
	}
	return period;
}

static int get_int(const void *val, socklen_t len, int *out)
{
	if (val == NULL || len < (socklen_t)sizeof(int))
		return -EINVAL;
	memcpy(out, val, sizeof *out);
	return 0;
}

/* IP-level options also take a single byte (Linux's do_ip_setsockopt()). */
static int get_ip_int(const void *val, socklen_t len, int *out)
{
	if (val != NULL && len >= 1 && len < (socklen_t)sizeof(int)) {
		*out = *(const unsigned char *)val;
		return 0;
	}
	return get_int(val, len, out);
}

static int put_int(void *val, socklen_t *len, int v)
{
	if (val == NULL || len == NULL)
		return -EFAULT;
	socklen_t n = *len < (socklen_t)sizeof v ? *len : (socklen_t)sizeof v;
	memcpy(val, &v, (size_t)n);
	*len = n;
	return 0;
}

static int set_socket_level(struct synq_stack *s, struct tcp_conn *c,
                            struct tcp_sockopts *o, int name, const void *val, socklen_t len)
{
	if (name == SO_LINGER) {
		struct linger lg;
		if (val == NULL || len < (socklen_t)sizeof lg)
			return -EINVAL;
		memcpy(&lg, val, sizeof lg);
		o->linger_on = lg.l_onoff != 0;
		o->linger_s = (uint16_t)(lg.l_linger < 0 ? 0 : lg.l_linger > 65535 ? 65535 : lg.l_linger);
		return 0;
	}
	int v;
	if (get_int(val, len, &v))
		return -EINVAL;
	switch (name) {
	case SO_REUSEADDR:
		o->reuseaddr = v != 0;
		return 0;
	case SO_REUSEPORT:
	case SO_ZEROCOPY:
	case SO_SNDTIMEO:
	case SO_RCVTIMEO:
	case SO_RCVLOWAT:
	case SO_OOBINLINE:
		return 0; /* accepted, not modelled */
	case SO_KEEPALIVE:
		o->keepalive = v != 0;
		if (c && v && c->state != SYNQ_TCP_CLOSE)
			tcp_keepalive_reset(s, c);
		else if (c && !v)
			tcp_conn_timer_clear(s, c, TCP_TIMER_KEEPALIVE);
		return 0;
	case SO_SNDBUF:
		o->sndbuf = buffer_size(v, SYSCTL_WMEM_MAX, SOCK_MIN_SNDBUF);
		o->sndbuf_locked = 1;
		if (c)
			tcp_conn_wake(s, c, TCP_EV_WRITE_SPACE);
		return 0;
	case SO_RCVBUF:
		o->rcvbuf = buffer_size(v, SYSCTL_RMEM_MAX, SOCK_MIN_RCVBUF);
		o->rcvbuf_locked = 1;
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

static int set_tcp_level(struct synq_stack *s, struct tcp_conn *c, struct tcp_sockopts *o,
                         int name, const void *val, socklen_t len)
{
	int v;
	if (get_int(val, len, &v))
		return -EINVAL;
	switch (name) {
	case SYNQ_TCP_NODELAY:
		o->nodelay = v != 0;
		if (c && v) {
			c->flags |= TCP_CONN_NAGLE_PUSH;
			tcp_push(s, c);
		}
		return 0;
	case SYNQ_TCP_CORK:
		o->cork = v != 0;
		if (c && !v) {
			if (o->nodelay)
				c->flags |= TCP_CONN_NAGLE_PUSH;
			tcp_push(s, c);
		}
		return 0;
	case SYNQ_TCP_MAXSEG:
		if (v && (v < TCP_MIN_MSS || v > MAX_TCP_WINDOW))
			return -EINVAL;
		o->user_mss = (uint16_t)v;
		return 0;
	case SYNQ_TCP_KEEPIDLE:
		if (v < 1 || v > MAX_TCP_KEEPIDLE)
			return -EINVAL;
		o->keepidle_s = (uint16_t)v;
		if (c && o->keepalive && c->state != SYNQ_TCP_CLOSE)
			tcp_keepalive_reset(s, c);
		return 0;
	case SYNQ_TCP_KEEPINTVL:
		if (v < 1 || v > MAX_TCP_KEEPINTVL)
			return -EINVAL;
		o->keepintvl_s = (uint16_t)v;
		return 0;
	case SYNQ_TCP_KEEPCNT:
		if (v < 1 || v > MAX_TCP_KEEPCNT)
			return -EINVAL;
		o->keepcnt = (uint8_t)v;
		return 0;
	case SYNQ_TCP_SYNCNT:
		if (v < 1 || v > MAX_TCP_SYNCNT)
			return -EINVAL;
		o->syncnt = (uint8_t)v;
		return 0;
	case SYNQ_TCP_DEFER_ACCEPT:
		o->defer_accept = secs_to_retrans(v);
		return 0;
	case SYNQ_TCP_USER_TIMEOUT:
		if (v < 0)
			return -EINVAL;
		o->user_timeout_ms = (uint32_t)v;
		return 0;
	case SYNQ_TCP_QUICKACK:
		if (c == NULL)
			return 0;
		if (!v) {
			c->pingpong = 1;
		} else {
			c->pingpong = 0;
			if ((c->state == SYNQ_TCP_ESTABLISHED || c->state == SYNQ_TCP_CLOSE_WAIT) &&
			    (c->ack_flags & TCP_ACK_SCHED))
				tcp_send_ack(s, c);
		}
		return 0;
	case SYNQ_TCP_INQ:
		if (v < 0 || v > 1)
			return -EINVAL;
		o->inq = v != 0;
		return 0;
	case SYNQ_TCP_CONGESTION:
	case SYNQ_TCP_WINDOW_CLAMP:
	case SYNQ_TCP_NOTSENT_LOWAT:
	case SYNQ_TCP_THIN_LINEAR_TIMEOUTS:
		return 0; /* accepted, not modelled */
	default:
		return -ENOPROTOOPT;
	}
}

int tcp_setsockopt(struct synq_stack *s, struct tcp_conn *c, struct tcp_listener *l,
                   int level, int name, const void *val, socklen_t len)
{
	struct tcp_sockopts *o = opts_of(c, l);
	if (o == NULL)
		return -ENOTSOCK;
	switch (level) {
	case SOL_SOCKET:
		return set_socket_level(s, c, o, name, val, len);
	case IPPROTO_TCP:
		if (name == SYNQ_TCP_CONGESTION)
			return 0;
		return set_tcp_level(s, c, o, name, val, len);
	case IPPROTO_IP: {
		int v;
		if (name == IP_TOS) {
			if (get_ip_int(val, len, &v))
				return -EINVAL;
			*tos_of(c, l) = (uint8_t)(v & 0xfc);
			return 0;
		}
		if (name == IP_MTU_DISCOVER || name == IP_RECVERR || name == IP_TTL)
			return 0;
		return -ENOPROTOOPT;
	}
	default:
		return -ENOPROTOOPT;
	}
}

static uint32_t ms_since(const struct synq_stack *s, uint32_t stamp_ms)
{
	return tcp_ms_stamp(s) - stamp_ms;
}

static void fill_tcp_info(struct synq_stack *s, struct tcp_conn *c, struct tcp_listener *l,
                          struct synq_tcp_info *i)
{
	memset(i, 0, sizeof *i);
	if (l != NULL) {
		i->tcpi_state = SYNQ_TCP_LISTEN;
		i->tcpi_unacked = l->accept_len;
		i->tcpi_sacked = l->backlog;
		return;
	}
	i->tcpi_state = c->state;
	i->tcpi_ca_state = c->ca_state;
	i->tcpi_retransmits = c->retransmits;
	i->tcpi_probes = c->probes_out;
	i->tcpi_backoff = c->backoff;
	if (c->flags & TCP_CONN_TS_OK)
		i->tcpi_options |= TCPI_OPT_TIMESTAMPS;
	if (c->flags & TCP_CONN_SACK_OK)
		i->tcpi_options |= TCPI_OPT_SACK;
	if (c->flags & TCP_CONN_WSCALE_OK) {
		i->tcpi_options |= TCPI_OPT_WSCALE;
		i->tcpi_wscale = (uint8_t)(c->snd_wscale | c->rcv_wscale << 4);
	}
	i->tcpi_rto = c->rto_ms * 1000;
	i->tcpi_ato = (uint32_t)c->ato_ms * 1000;
	i->tcpi_snd_mss = c->mss_cache;
	i->tcpi_rcv_mss = c->rcv_mss;
	i->tcpi_unacked = c->packets_out;
	i->tcpi_sacked = c->sacked_out;
	i->tcpi_lost = c->lost_out;
	i->tcpi_retrans = c->retrans_out;
	i->tcpi_last_data_sent = ms_since(s, c->lsndtime);
	i->tcpi_last_data_recv = ms_since(s, c->lrcvtime);
	i->tcpi_last_ack_recv = ms_since(s, c->rcv_tstamp);
	i->tcpi_pmtu = s->cfg.mtu;
	i->tcpi_rcv_ssthresh = c->rcv_ssthresh;
	i->tcpi_rtt = c->srtt_us >> 3;
	i->tcpi_rttvar = c->mdev_us >> 2;
	i->tcpi_snd_ssthresh = c->snd_ssthresh;
	i->tcpi_snd_cwnd = c->snd_cwnd;
	i->tcpi_advmss = c->advmss;
	i->tcpi_reordering = c->reordering;
	i->tcpi_rcv_space = c->rcvq_space;
	i->tcpi_total_retrans = c->total_retrans;
	i->tcpi_pacing_rate = UINT64_MAX;
	i->tcpi_max_pacing_rate = UINT64_MAX;
	i->tcpi_bytes_acked = c->bytes_acked;
	i->tcpi_bytes_received = c->bytes_received;
	i->tcpi_segs_out = c->segs_out;
	i->tcpi_segs_in = c->segs_in;
	i->tcpi_notsent_bytes = c->write_seq - c->snd_nxt;
	i->tcpi_min_rtt = c->min_rtt_us;
	i->tcpi_delivered = c->delivered;
	i->tcpi_snd_wnd = c->snd_wnd;
	i->tcpi_rcv_wnd = c->rcv_wnd;
	i->tcpi_total_rto = c->total_rto;
	tcp_chrono_stats(s, c, &i->tcpi_busy_time, &i->tcpi_rwnd_limited,
	                 &i->tcpi_sndbuf_limited);
}

int tcp_getsockopt(struct synq_stack *s, struct tcp_conn *c, struct tcp_listener *l,
                   int level, int name, void *val, socklen_t *len)
{
	struct tcp_sockopts *o = opts_of(c, l);
	if (o == NULL)
		return -ENOTSOCK;
	if (len == NULL)
		return -EFAULT;
	if (level == SOL_SOCKET) {
		switch (name) {
		case SO_ERROR:
			return put_int(val, len, c ? tcp_user_take_error(c) : 0);
		case SO_TYPE:
			return put_int(val, len, SOCK_STREAM);
		case SO_ACCEPTCONN:
			return put_int(val, len, l != NULL);
		case SO_REUSEADDR:
			return put_int(val, len, o->reuseaddr);
		case SO_KEEPALIVE:
			return put_int(val, len, o->keepalive);
		case SO_SNDBUF:
			return put_int(val, len, (int)o->sndbuf);
		case SO_RCVBUF:
			return put_int(val, len, (int)o->rcvbuf);
		case SYNQ_SO_MEMINFO: {
			/* sk_get_meminfo(): Linux's SK_MEMINFO_* in order (rmem
			 * alloc, rcvbuf, wmem alloc, sndbuf, forward alloc, wmem
			 * queued, optmem, backlog, drops); what synq does not
			 * keep is 0. */
			uint32_t mem[SYNQ_SK_MEMINFO_VARS] = { 0 };
			mem[0] = c ? c->rmem_alloc : 0;
			mem[1] = o->rcvbuf;
			mem[3] = o->sndbuf;
			mem[5] = c ? tcp_send_charge(c) : 0;
			socklen_t n = *len < (socklen_t)sizeof mem ? *len : (socklen_t)sizeof mem;
			if (val == NULL && n > 0)
				return -EFAULT;
			memcpy(val, mem, (size_t)n);
			*len = n;
			return 0;
		}
		case SO_LINGER: {
			struct linger lg = { .l_onoff = o->linger_on, .l_linger = o->linger_s };
			socklen_t n = *len < (socklen_t)sizeof lg ? *len : (socklen_t)sizeof lg;
			memcpy(val, &lg, (size_t)n);
			*len = n;
			return 0;
		}
		default:
			return -ENOPROTOOPT;
		}
	}
	if (level == IPPROTO_IP && name == IP_TOS)
		return put_int(val, len, *tos_of(c, l));
	if (level != IPPROTO_TCP)
		return -ENOPROTOOPT;
	switch (name) {
	case SYNQ_TCP_NODELAY:
		return put_int(val, len, o->nodelay);
	case SYNQ_TCP_CORK:
		return put_int(val, len, o->cork);
	case SYNQ_TCP_MAXSEG: {
		int v = c ? c->mss_cache : TCP_MSS_DEFAULT;
		if (o->user_mss && (c == NULL || c->state == SYNQ_TCP_CLOSE))
			v = o->user_mss;
		return put_int(val, len, v);
	}
	case SYNQ_TCP_KEEPIDLE:
		return put_int(val, len, (int)(o->keepidle_s ? o->keepidle_s
		                                             : (uint32_t)s->cfg.tcp_keepalive_time));
	case SYNQ_TCP_KEEPINTVL:
		return put_int(val, len, o->keepintvl_s ? o->keepintvl_s : s->cfg.tcp_keepalive_intvl);
	case SYNQ_TCP_KEEPCNT:
		return put_int(val, len, o->keepcnt ? o->keepcnt : s->cfg.tcp_keepalive_probes);
	case SYNQ_TCP_SYNCNT:
		return put_int(val, len, o->syncnt ? o->syncnt : s->cfg.tcp_syn_retries);
	case SYNQ_TCP_DEFER_ACCEPT:
		return put_int(val, len, retrans_to_secs(o->defer_accept));
	case SYNQ_TCP_USER_TIMEOUT:
		return put_int(val, len, (int)o->user_timeout_ms);
	case SYNQ_TCP_QUICKACK:
		return put_int(val, len, c ? !c->pingpong : 1);
	case SYNQ_TCP_INQ:
		return put_int(val, len, o->inq);
	case SYNQ_TCP_INFO: {
		struct synq_tcp_info info;
		fill_tcp_info(s, c, l, &info);
		socklen_t n = *len < (socklen_t)sizeof info ? *len : (socklen_t)sizeof info;
		if (val)
			memcpy(val, &info, (size_t)n);
		*len = n;
		return 0;
	}
	default:
		return -ENOPROTOOPT;
	}
}

int tcp_ioctl(struct tcp_conn *c, unsigned long request, int *out)
{
	int v;
	switch (request) {
	case FIONREAD: /* SIOCINQ */
		if (c == NULL)
			return -EINVAL;
		v = (c->state == SYNQ_TCP_SYN_SENT || c->state == SYNQ_TCP_SYN_RECV)
		        ? 0 : (int)tcp_user_readable(c);
		break;
	case TIOCOUTQ: /* SIOCOUTQ */
		if (c == NULL)
			return -EINVAL;
		v = (c->state == SYNQ_TCP_SYN_SENT || c->state == SYNQ_TCP_SYN_RECV)
		        ? 0 : (int)(c->write_seq - c->snd_una);
		break;
	default:
		return -ENOTTY;
	}
	*out = v;
	return 0;
}
