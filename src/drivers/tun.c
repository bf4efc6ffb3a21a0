/* SPDX-License-Identifier: BSD-2-Clause */
#define _GNU_SOURCE
#include "drivers/tun.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define NETNS_DIR "/run/netns"

static int fail(char *err, size_t cap, int e, const char *what, const char *name)
{
	snprintf(err, cap, "%s %s: %s", what, name, strerror(e));
	return -e;
}

int tun_netns_enter(const char *name, bool *created, char *err, size_t cap)
{
	char path[256];
	*created = false;
	if (name[0] == '\0' || strchr(name, '/') || strlen(name) > 64) {
		snprintf(err, cap, "bad namespace name '%s'", name);
		return -EINVAL;
	}
	snprintf(path, sizeof path, NETNS_DIR "/%s", name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		int rc = setns(fd, CLONE_NEWNET);
		int e = errno;
		close(fd);
		return rc ? fail(err, cap, e, "cannot join namespace", name) : 0;
	}
	if (errno != ENOENT)
		return fail(err, cap, errno, "cannot open namespace", path);
	/* What ip netns add does: a new namespace, kept alive by a bind mount
	 * of its handle on a file under /run/netns (a shared mount point, so
	 * other mount namespaces see it too). */
	mkdir(NETNS_DIR, 0755);
	if (mount("", NETNS_DIR, "none", MS_SHARED | MS_REC, NULL) &&
	    (mount(NETNS_DIR, NETNS_DIR, "none", MS_BIND | MS_REC, NULL) ||
	     mount("", NETNS_DIR, "none", MS_SHARED | MS_REC, NULL)))
		return fail(err, cap, errno, "cannot make a shared mount at", NETNS_DIR);
	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (fd < 0)
		return fail(err, cap, errno, "cannot create", path);
	close(fd);
	if (unshare(CLONE_NEWNET)) {
		int e = errno;
		unlink(path);
		return fail(err, cap, e, "cannot create namespace", name);
	}
	if (mount("/proc/self/ns/net", path, "none", MS_BIND, NULL)) {
		int e = errno;
		unlink(path);
		return fail(err, cap, e, "cannot pin namespace at", path);
	}
	*created = true;
	return 0;
}

void tun_netns_remove(const char *name)
{
	char path[256];
	snprintf(path, sizeof path, NETNS_DIR "/%s", name);
	umount2(path, MNT_DETACH);
	unlink(path);
}

int tun_parse_prefix(const char *text, uint32_t *addr, int *prefix)
{
	char buf[32];
	const char *slash = strchr(text, '/');
	if (slash == NULL || (size_t)(slash - text) >= sizeof buf)
		return -EINVAL;
	memcpy(buf, text, (size_t)(slash - text));
	buf[slash - text] = '\0';
	struct in_addr a;
	if (inet_pton(AF_INET, buf, &a) != 1)
		return -EINVAL;
	char *end;
	const char *p = slash + 1;
	if (*p < '0' || *p > '9')
		return -EINVAL;
	long n = strtol(p, &end, 10);
	if (*end != '\0' || n < 8 || n > 30)
		return -EINVAL;
	*addr = ntohl(a.s_addr);
	*prefix = (int)n;
	return 0;
}

static int set_addr(int s, struct ifreq *ifr, unsigned long req, uint32_t addr)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&ifr->ifr_addr;
	memset(sin, 0, sizeof *sin);
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(addr);
	return ioctl(s, req, ifr);
}

static int bring_up(int s, const char *ifname)
{
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
	if (ioctl(s, SIOCGIFFLAGS, &ifr))
		return -1;
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	return ioctl(s, SIOCSIFFLAGS, &ifr);
}

int tun_open(const char *ifname, uint32_t kernel_addr, int prefix, int mtu, char *err,
             size_t cap)
{
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return fail(err, cap, errno, "cannot open", "/dev/net/tun");
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
	if (ioctl(fd, TUNSETIFF, &ifr)) {
		int e = errno;
		close(fd);
		return fail(err, cap, e, "cannot create TUN device", ifname);
	}
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0) {
		int e = errno;
		close(fd);
		return fail(err, cap, e, "socket", "AF_INET");
	}
	uint32_t mask = prefix ? ~0u << (32 - prefix) : 0;
	int rc = set_addr(s, &ifr, SIOCSIFADDR, kernel_addr);
	if (!rc)
		rc = set_addr(s, &ifr, SIOCSIFNETMASK, mask);
	if (!rc) {
		ifr.ifr_mtu = mtu;
		rc = ioctl(s, SIOCSIFMTU, &ifr);
	}
	if (!rc)
		rc = bring_up(s, ifname);
	if (!rc)
		rc = bring_up(s, "lo");
	int e = errno;
	close(s);
	if (rc) {
		close(fd);
		return fail(err, cap, e, "cannot configure", ifname);
	}
	return fd;
}
