/* SPDX-License-Identifier: BSD-2-Clause */
/* Calendar formatting for the three dates the server prints. Pure: a Unix
 * time in, text out (gmtime_r() only does arithmetic); the time itself
 * comes from the driver's clock plus the wall offset it set.
 *   Date:          RFC 9110 IMF-fixdate   "Thu, 03 Dec 2026 07:55:24 GMT"
 *   access log     Common Log Format      "03/Dec/2026:07:55:24 +0000"
 *   mod_status     ap_ht_time("%A, %d-%b-%Y %H:%M:%S %Z")
 *                                         "Thursday, 03-Dec-2026 07:55:24 UTC" */
#include <stdio.h>
#include <time.h>

#include "app/httpd_internal.h"

static const char *const day_abbr[7] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
static const char *const day_full[7] = { "Sunday", "Monday", "Tuesday", "Wednesday",
	                                 "Thursday", "Friday", "Saturday" };
static const char *const month_abbr[12] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	                                    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

static void utc(int64_t unix_s, struct tm *tm)
{
	time_t t = (time_t)unix_s;
	if (gmtime_r(&t, tm) == NULL) {
		t = 0;
		gmtime_r(&t, tm);
	}
}

void httpd_fmt_http_date(int64_t unix_s, char *buf, size_t len)
{
	struct tm tm;
	utc(unix_s, &tm);
	snprintf(buf, len, "%s, %02d %s %04d %02d:%02d:%02d GMT", day_abbr[tm.tm_wday],
	         tm.tm_mday, month_abbr[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
	         tm.tm_sec);
}

void httpd_fmt_clf_date(int64_t unix_s, char *buf, size_t len)
{
	struct tm tm;
	utc(unix_s, &tm);
	snprintf(buf, len, "%02d/%s/%04d:%02d:%02d:%02d +0000", tm.tm_mday, month_abbr[tm.tm_mon],
	         tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void httpd_fmt_status_date(int64_t unix_s, char *buf, size_t len)
{
	struct tm tm;
	utc(unix_s, &tm);
	snprintf(buf, len, "%s, %02d-%s-%04d %02d:%02d:%02d UTC", day_full[tm.tm_wday], tm.tm_mday,
	         month_abbr[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}
