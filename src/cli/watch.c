/* SPDX-License-Identifier: BSD-2-Clause */
/* synq watch: the listen queues of a real host (or network namespace),
 * live, with the diagnosis. See docs/watch.md. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "watch/format.h"
#include "watch/http.h"
#include "watch/netns.h"
#include "watch/predict.h"
#include "watch/sample.h"

enum output { OUT_TERM, OUT_JSON, OUT_PROM };

struct watch_opts {
	double interval_s;
	uint64_t port;
	const char *netns;
	bool once;
	enum output output;
	const char *listen;
	uint64_t count;          /* 0: until interrupted */
	uint64_t max_listeners;
	double established_every_s;
	bool defer;
	bool predict;
	struct watch_predict_options predict_opts;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *out)
{
	fprintf(out,
	        "usage: synq watch [--interval S] [--port P] [--netns NAME] [--once]\n"
	        "                  [--json | --prom | --listen ADDR:PORT] [--count N]\n"
	        "                  [--max-listeners N] [--no-defer]\n"
	        "                  [--predict [--predict-factor F] [--predict-duration S]\n"
	        "                             [--predict-max N] [--predict-save DIR]]\n\n"
	        "Every listening TCP socket of this host (or of network namespace NAME):\n"
	        "accept queue against its limit, half-open (SYN-RECV) and established\n"
	        "counts, TCP_DEFER_ACCEPT where readable; per-second rates of the kernel\n"
	        "counters that say connections are lost; the sysctls that bound them; and\n"
	        "warnings naming the cause and the knob. Reads the real kernel.\n\n"
	        "  --interval S        seconds between refreshes (default 1; 0: no pause)\n"
	        "  --port P            only listeners on port P\n"
	        "  --netns NAME        join network namespace NAME (/run/netns/NAME) first\n"
	        "  --once              one refresh and exit: two samples S apart for the\n"
	        "                      rates (with --interval 0, one sample, no rates)\n"
	        "  --json              one JSON object per refresh, one per line\n"
	        "  --prom              Prometheus text exposition format\n"
	        "  --listen ADDR:PORT  serve GET /metrics (Prometheus) on ADDR:PORT, bound\n"
	        "                      before --netns is joined\n"
	        "  --count N           stop after N refreshes\n"
	        "  --max-listeners N   listener table size (default 65536)\n"
	        "  --established-every S  count ESTABLISHED sockets at most every S seconds\n"
	        "                      (default 10; 0: every refresh; --once always counts):\n"
	        "                      the kernel fills a message per connection for them\n"
	        "  --no-defer          do not look for owners and TCP_DEFER_ACCEPT\n"
	        "  --predict           one line per listener (busiest first): the simulator's\n"
	        "                      answer to twice today's SYN rate, measured over\n"
	        "                      --interval, with this host's sysctls (--json: one\n"
	        "                      object)\n"
	        "  --predict-factor F  today's rate times F instead of 2\n"
	        "  --predict-duration S  simulated seconds of traffic (default 15)\n"
	        "  --predict-max N     predict the N busiest listeners (default 10)\n"
	        "  --predict-save DIR  keep each scenario that was run as DIR/predict-K.ini\n"
	        "                      (run it again with synq sim for the full report)\n\n"
	        "The terminal view refreshes in place and uses colour only on a terminal\n"
	        "and when NO_COLOR is unset.\n");
}

static int parse_seconds(const char *option, const char *v, double *out)
{
	char *end;
	errno = 0;
	double d = strtod(v, &end);
	bool plain = (v[0] >= '0' && v[0] <= '9') || v[0] == '.';
	if (!plain || errno || end == v || *end != '\0' || !(d >= 0) || d > 86400) {
		fprintf(stderr, "synq watch: %s wants seconds in [0, 86400], not '%s'\n", option, v);
		return -1;
	}
	*out = d;
	return 0;
}

static int parse_args(int argc, char **argv, struct watch_opts *o)
{
	*o = (struct watch_opts){ .interval_s = 1.0, .max_listeners = 65536,
	                          .established_every_s = 10, .defer = true,
	                          .predict_opts = { .factor = 2, .duration_s = 15,
	                                            .max_listeners = 10 } };
	int formats = 0;
	for (int i = 1; i < argc; i++) {
		const char *v;
		const char *a = argv[i];
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 1;
		} else if (!strcmp(a, "--once")) {
			o->once = true;
		} else if (!strcmp(a, "--json")) {
			o->output = OUT_JSON;
			formats++;
		} else if (!strcmp(a, "--prom")) {
			o->output = OUT_PROM;
			formats++;
		} else if (!strcmp(a, "--no-defer")) {
			o->defer = false;
		} else if (!strcmp(a, "--predict")) {
			o->predict = true;
		} else if (cli_option_match(argc, argv, &i, "watch", "--predict-factor", &v)) {
			double factor;
			if (v == NULL || parse_seconds("--predict-factor", v, &factor))
				return -1;
			if (factor <= 0 || factor > 1000) {
				fprintf(stderr, "synq watch: --predict-factor must be in (0, 1000], not '%s'\n", v);
				return -1;
			}
			o->predict_opts.factor = factor;
		} else if (cli_option_match(argc, argv, &i, "watch", "--predict-duration", &v)) {
			double d;
			if (v == NULL || parse_seconds("--predict-duration", v, &d))
				return -1;
			if (d < 1 || d > 3600) {
				fprintf(stderr, "synq watch: --predict-duration must be 1..3600 seconds, not '%s'\n", v);
				return -1;
			}
			o->predict_opts.duration_s = d;
		} else if (cli_option_match(argc, argv, &i, "watch", "--predict-max", &v)) {
			uint64_t n;
			if (v == NULL || !cli_parse_u64("watch", "--predict-max", v, &n))
				return -1;
			if (n < 1 || n > 1000) {
				fprintf(stderr, "synq watch: --predict-max must be 1..1000\n");
				return -1;
			}
			o->predict_opts.max_listeners = (size_t)n;
		} else if (cli_option_match(argc, argv, &i, "watch", "--predict-save", &v)) {
			if (v == NULL)
				return -1;
			o->predict_opts.save_dir = v;
		} else if (cli_option_match(argc, argv, &i, "watch", "--interval", &v)) {
			if (v == NULL || parse_seconds("--interval", v, &o->interval_s))
				return -1;
		} else if (cli_option_match(argc, argv, &i, "watch", "--established-every", &v)) {
			if (v == NULL || parse_seconds("--established-every", v, &o->established_every_s))
				return -1;
		} else if (cli_option_match(argc, argv, &i, "watch", "--port", &v)) {
			if (v == NULL || !cli_parse_u64("watch", "--port", v, &o->port))
				return -1;
			if (o->port < 1 || o->port > 65535) {
				fprintf(stderr, "synq watch: --port must be 1..65535, not '%s'\n", v);
				return -1;
			}
		} else if (cli_option_match(argc, argv, &i, "watch", "--netns", &v)) {
			if (v == NULL)
				return -1;
			o->netns = v;
		} else if (cli_option_match(argc, argv, &i, "watch", "--listen", &v)) {
			if (v == NULL)
				return -1;
			o->listen = v;
		} else if (cli_option_match(argc, argv, &i, "watch", "--count", &v)) {
			if (v == NULL || !cli_parse_u64("watch", "--count", v, &o->count))
				return -1;
			if (o->count == 0) {
				fprintf(stderr, "synq watch: --count must be at least 1\n");
				return -1;
			}
		} else if (cli_option_match(argc, argv, &i, "watch", "--max-listeners", &v)) {
			if (v == NULL || !cli_parse_u64("watch", "--max-listeners", v,
			                                &o->max_listeners))
				return -1;
			if (o->max_listeners < 1 || o->max_listeners > (1u << 24)) {
				fprintf(stderr, "synq watch: --max-listeners must be 1..16777216\n");
				return -1;
			}
		} else {
			fprintf(stderr, "synq watch: unknown option '%s'\n", a);
			usage(stderr);
			return -1;
		}
	}
	if (formats > 1) {
		fprintf(stderr, "synq watch: --json and --prom exclude each other\n");
		return -1;
	}
	bool predict_options = o->predict_opts.save_dir || o->predict_opts.factor != 2 ||
	                       o->predict_opts.duration_s != 15 || o->predict_opts.max_listeners != 10;
	if (predict_options && !o->predict) {
		fprintf(stderr, "synq watch: the --predict-* options need --predict\n");
		return -1;
	}
	if (o->predict && (o->output == OUT_PROM || o->count)) {
		fprintf(stderr, "synq watch: --predict prints once, as text or --json; drop --prom "
		                "and --count\n");
		return -1;
	}
	o->predict_opts.json = o->output == OUT_JSON;
	if (o->listen && (formats || o->once || o->count || o->predict)) {
		fprintf(stderr, "synq watch: --listen serves /metrics on its own; drop --json, "
		                "--prom, --once, --count and --predict\n");
		return -1;
	}
	return 0;
}

/* Sleep for s seconds, or until a signal asks to stop. */
static void pause_for(double s)
{
	if (s <= 0)
		return;
	struct timespec ts = { .tv_sec = (time_t)s,
	                       .tv_nsec = (long)((s - floor(s)) * 1e9) };
	while (!stop && nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void install_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal; /* no SA_RESTART: sleeps and polls return */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

struct scrape_ctx {
	struct watch_sampler *sampler;
	struct watch_frame *frame;
};

static int scrape_body(void *arg, char **body, size_t *len)
{
	struct scrape_ctx *c = arg;
	if (watch_sampler_sample(c->sampler, c->frame) != 0) {
		fprintf(stderr, "synq watch: %s\n", c->sampler->err);
		return -EIO;
	}
	watch_diagnose(c->frame);
	FILE *m = open_memstream(body, len);
	if (m == NULL)
		return -ENOMEM;
	int r = watch_prom_write(m, c->frame);
	if (fclose(m) != 0 || r != 0)
		return -EIO;
	return 0;
}

static int serve(int lfd, struct watch_sampler *s, struct watch_frame *f)
{
	struct scrape_ctx ctx = { s, f };
	while (!stop) {
		struct pollfd p = { .fd = lfd, .events = POLLIN };
		int r = poll(&p, 1, -1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			perror("synq watch: poll");
			return CLI_EXIT_FAILURE;
		}
		r = watch_http_serve_one(lfd, 2000, scrape_body, &ctx);
		if (r < 0 && r != -EMFILE && r != -ENFILE && r != -ENOBUFS && r != -ENOMEM) {
			fprintf(stderr, "synq watch: accept: %s\n", strerror(-r));
			return CLI_EXIT_FAILURE;
		}
	}
	return CLI_EXIT_OK;
}

static void term_size(int *width, int *height)
{
	struct winsize ws;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) {
		*width = ws.ws_col;
		*height = ws.ws_row;
	} else {
		*width = 100;
		*height = 0;
	}
}

static int emit(const struct watch_opts *o, struct watch_frame *f, bool tty, bool in_place)
{
	int r;
	switch (o->output) {
	case OUT_JSON:
		r = watch_json_write(stdout, f);
		break;
	case OUT_PROM:
		r = watch_prom_write(stdout, f);
		break;
	case OUT_TERM:
	default: {
		struct watch_term_opts t = {
			.colour = watch_term_want_colour(tty, getenv("NO_COLOR"), getenv("TERM")),
			.in_place = in_place,
		};
		term_size(&t.width, &t.height);
		if (!in_place)
			t.height = 0;
		r = watch_term_write(stdout, f, &t);
		break;
	}
	}
	if (fflush(stdout) != 0)
		r = -1;
	return r;
}

int cli_watch(int argc, char **argv)
{
	struct watch_opts o;
	int pr = parse_args(argc, argv, &o);
	if (pr)
		return pr > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;

	int lfd = -1;
	if (o.listen) {
		struct sockaddr_storage ss;
		socklen_t len;
		char err[256];
		if (watch_http_parse_addr(o.listen, &ss, &len, err, sizeof err)) {
			fprintf(stderr, "synq watch: %s\n", err);
			return CLI_EXIT_USAGE;
		}
		lfd = watch_http_listen(&ss, len);
		if (lfd < 0) {
			fprintf(stderr, "synq watch: --listen %s: %s\n", o.listen, strerror(-lfd));
			return CLI_EXIT_FAILURE;
		}
	}
	if (o.netns) {
		char err[256];
		if (watch_netns_enter(o.netns, err, sizeof err)) {
			fprintf(stderr, "synq watch: %s\n", err);
			if (lfd >= 0)
				close(lfd);
			return CLI_EXIT_FAILURE;
		}
	}

	struct watch_sampler sampler;
	struct watch_sampler_config cfg = {
		.max_listeners = o.max_listeners,
		.port = (uint16_t)o.port,
		.defer_lookup = o.defer,
		.defer_rescan_s = 10,
		.established_every_s = o.once ? 0 : o.established_every_s,
		.netns = o.netns,
	};
	if (watch_sampler_open(&sampler, &cfg)) {
		fprintf(stderr, "synq watch: %s\n", sampler.err);
		if (lfd >= 0)
			close(lfd);
		return CLI_EXIT_FAILURE;
	}
	struct watch_frame *frame = calloc(1, sizeof *frame);
	if (frame == NULL) {
		fprintf(stderr, "synq watch: out of memory\n");
		watch_sampler_close(&sampler);
		return CLI_EXIT_FAILURE;
	}
	install_signals();

	int rc = CLI_EXIT_OK;
	if (lfd >= 0) {
		rc = serve(lfd, &sampler, frame);
		close(lfd);
		goto out;
	}
	if (o.predict) {
		rc = watch_predict_run(&sampler, frame, o.interval_s, &o.predict_opts, stdout, stderr);
		goto out;
	}

	bool tty = isatty(STDOUT_FILENO);
	const char *term = getenv("TERM");
	bool in_place = o.output == OUT_TERM && tty && !o.once &&
	                !(term && strcmp(term, "dumb") == 0);
	if (in_place)
		fputs("\033[?25l\033[2J", stdout); /* hide the cursor, clear */
	if (o.once && o.interval_s > 0) {
		/* --once: a first sample, only as the base for the rates. */
		if (watch_sampler_sample(&sampler, frame)) {
			fprintf(stderr, "synq watch: %s\n", sampler.err);
			rc = CLI_EXIT_FAILURE;
			goto out;
		}
		pause_for(o.interval_s);
	}
	for (uint64_t n = 0; !stop; n++) {
		if (watch_sampler_sample(&sampler, frame)) {
			fprintf(stderr, "synq watch: %s\n", sampler.err);
			rc = CLI_EXIT_FAILURE;
			break;
		}
		watch_diagnose(frame);
		if (emit(&o, frame, tty, in_place)) {
			rc = CLI_EXIT_FAILURE;
			break;
		}
		if (o.once || (o.count && n + 1 >= o.count))
			break;
		pause_for(o.interval_s);
	}
	if (in_place)
		fputs("\033[?25h", stdout);
out:
	free(frame);
	watch_sampler_close(&sampler);
	return rc;
}
