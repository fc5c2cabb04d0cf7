// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* etcd_http.c - libcurl transport to etcd's JSON gateway (see etcd_http.h). */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "fleet/etcd_http.h"

struct ts_etcd {
	CURL *curl;
	char urls[TS_ETCD_MAX_ENDPOINTS][TS_ETCD_URL_LEN];
	size_t nurls, cur;
	char cacert[TS_ETCD_URL_LEN * 4], cert[TS_ETCD_URL_LEN * 4], key[TS_ETCD_URL_LEN * 4];
	char user[128], password[TS_ETCD_PASSWORD_LEN];
	char token[128];
	int timeout_ms;
	const volatile bool *stop;   /* ts_etcd_set_stop(); NULL = never */
	char error[TS_ETCD_MAX_ERROR + TS_ETCD_URL_LEN];
};

void ts_etcd_set_stop(struct ts_etcd *e, const volatile bool *stop)
{
	e->stop = stop;
}

void ts_etcd_set_timeout(struct ts_etcd *e, int timeout_ms)
{
	e->timeout_ms = timeout_ms;
}

static pthread_once_t global_once = PTHREAD_ONCE_INIT;

static void global_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

static bool url_ok(const char *u, size_t len)
{
	bool http = len > 7 && !strncmp(u, "http://", 7), https = len > 8 && !strncmp(u, "https://", 8);

	if (len >= TS_ETCD_URL_LEN || (!http && !https))
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)u[i] <= 0x20 || u[i] == 0x7f)
			return false;
	return true;
}

static int parse_endpoints(struct ts_etcd *e, const char *list, char *why, size_t whylen)
{
	for (const char *p = list; p && *p; ) {
		size_t len = strcspn(p, ",");

		if (!url_ok(p, len) || e->nurls == TS_ETCD_MAX_ENDPOINTS) {
			snprintf(why, whylen, "--etcd: '%.*s' is not an http:// or https:// URL (at most %u, %u bytes each)",
				 (int)(len < 64 ? len : 64), p, TS_ETCD_MAX_ENDPOINTS, TS_ETCD_URL_LEN - 1);
			return -EINVAL;
		}
		/* a trailing slash would make "//v3/..." */
		while (len && p[len - 1] == '/')
			len--;
		memcpy(e->urls[e->nurls++], p, len);
		p += strcspn(p, ",");
		p += *p == ',';
	}
	if (!e->nurls) {
		snprintf(why, whylen, "--etcd: no endpoint");
		return -EINVAL;
	}
	return 0;
}

static int read_password(struct ts_etcd *e, const char *path, char *why, size_t whylen)
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f) {
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	n = fread(e->password, 1, sizeof(e->password) - 1, f);
	if (n == sizeof(e->password) - 1 && fgetc(f) != EOF) {
		fclose(f);
		snprintf(why, whylen, "%s: longer than %u bytes", path, TS_ETCD_PASSWORD_LEN - 1);
		return -E2BIG;
	}
	fclose(f);
	e->password[n] = '\0';
	e->password[strcspn(e->password, "\r\n")] = '\0';
	return 0;
}

static int copy_opt(char *dst, size_t len, const char *src, const char *what, char *why, size_t whylen)
{
	if (!src)
		return 0;
	if (strlen(src) >= len) {
		snprintf(why, whylen, "%s: path too long", what);
		return -ENAMETOOLONG;
	}
	snprintf(dst, len, "%s", src);
	return 0;
}

int ts_etcd_open(struct ts_etcd **out, const struct ts_etcd_config *cfg, char *why, size_t whylen)
{
	struct ts_etcd *e = calloc(1, sizeof(*e));
	int err;

	*out = NULL;
	if (!e)
		return -ENOMEM;
	pthread_once(&global_once, global_init);
	e->timeout_ms = cfg->timeout_ms ? cfg->timeout_ms : 3000;
	err = parse_endpoints(e, cfg->endpoints, why, whylen);
	if (!err)
		err = copy_opt(e->cacert, sizeof(e->cacert), cfg->cacert, "--etcd-cacert", why, whylen);
	if (!err)
		err = copy_opt(e->cert, sizeof(e->cert), cfg->cert, "--etcd-cert", why, whylen);
	if (!err)
		err = copy_opt(e->key, sizeof(e->key), cfg->key, "--etcd-key", why, whylen);
	if (!err)
		err = copy_opt(e->user, sizeof(e->user), cfg->user, "--etcd-user", why, whylen);
	if (!err && cfg->user && !cfg->password_file) {
		snprintf(why, whylen, "--etcd-user needs --etcd-password-file");
		err = -EINVAL;
	}
	if (!err && cfg->user)
		err = read_password(e, cfg->password_file, why, whylen);
	if (!err && !(e->curl = curl_easy_init())) {
		snprintf(why, whylen, "libcurl: cannot make a handle");
		err = -ENOMEM;
	}
	if (err) {
		ts_etcd_close(e);
		return err;
	}
	*out = e;
	return 0;
}

void ts_etcd_close(struct ts_etcd *e)
{
	if (!e)
		return;
	if (e->curl)
		curl_easy_cleanup(e->curl);
	memset(e->password, 0, sizeof(e->password));
	free(e);
}

void ts_etcd_set_error(struct ts_etcd *e, const char *text)
{
	snprintf(e->error, sizeof(e->error), "%s", text);
}

const char *ts_etcd_error(const struct ts_etcd *e)
{
	return e->error;
}

/* ---- one transfer ---------------------------------------------------------- */

struct sink {
	char *buf;
	size_t len, cap;
	bool too_big;
	/* streaming: whole lines go to fn */
	ts_etcd_msg_fn fn;
	void *ctx;
	int fn_rc;
	int parse_rc;
	char errtext[TS_ETCD_MAX_ERROR];
	const volatile bool *stop;
};

static int deliver_lines(struct sink *s)
{
	char *nl;

	while ((nl = memchr(s->buf, '\n', s->len))) {
		size_t line = (size_t)(nl - s->buf);
		struct ts_etcd_result r;
		int rc = 0;

		if (line) {
			rc = ts_etcd_parse(s->buf, line, true, &r, s->errtext, sizeof(s->errtext));
			if (!rc)
				s->fn_rc = s->fn(s->ctx, &r);
			ts_etcd_result_free(&r);
		}
		memmove(s->buf, nl + 1, s->len - line - 1);
		s->len -= line + 1;
		if (rc) {
			s->parse_rc = rc;
			return -1;
		}
		if (s->fn_rc)
			return -1;
	}
	return 0;
}

static size_t on_data(char *data, size_t size, size_t nmemb, void *ctx)
{
	struct sink *s = ctx;
	size_t n = size * nmemb;

	if (n > TS_ETCD_MAX_RESPONSE - s->len) {
		s->too_big = true;
		return 0;
	}
	if (s->len + n + 1 > s->cap) {
		size_t cap = s->cap ? s->cap : 4096;
		char *grown;

		while (cap < s->len + n + 1)
			cap *= 2;
		grown = realloc(s->buf, cap);
		if (!grown)
			return 0;
		s->buf = grown;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, data, n);
	s->len += n;
	if (s->fn && deliver_lines(s))
		return 0;
	return n;
}

static int on_progress(void *ctx, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
	const struct sink *s = ctx;

	return s->stop && *s->stop;
}

/* A dead peer behind a partition is noticed within seconds, not the
 * kernel's default two hours: an idle watch would otherwise wait forever. */
static int on_socket(void *ctx, curl_socket_t fd, curlsocktype purpose)
{
	int idle = 3, intvl = 1, cnt = 3, on = 1;
	unsigned int user_timeout = 6000;

	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
	setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &user_timeout, sizeof(user_timeout));
	return CURL_SOCKOPT_OK;
}

/* Sends body to one endpoint. 0 when an HTTP answer came (s holds it),
 * -EHOSTUNREACH when the endpoint could not be reached or failed. */
static int transfer(struct ts_etcd *e, size_t idx, const char *path, const char *body,
		    struct sink *s, bool stream)
{
	struct curl_slist *hdr = NULL;
	char url[TS_ETCD_URL_LEN + 64], auth[160];
	CURL *c = e->curl;
	CURLcode rc;

	snprintf(url, sizeof(url), "%s%s", e->urls[idx], path);
	if (!s->stop)
		s->stop = e->stop;
	curl_easy_reset(c);
	hdr = curl_slist_append(hdr, "Content-Type: application/json");
	if (e->token[0]) {
		snprintf(auth, sizeof(auth), "Authorization: %s", e->token);
		hdr = curl_slist_append(hdr, auth);
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)e->timeout_ms);
	if (!stream)
		curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)e->timeout_ms);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, s);
	curl_easy_setopt(c, CURLOPT_SOCKOPTFUNCTION, on_socket);
	if (e->cacert[0])
		curl_easy_setopt(c, CURLOPT_CAINFO, e->cacert);
	if (e->cert[0])
		curl_easy_setopt(c, CURLOPT_SSLCERT, e->cert);
	if (e->key[0])
		curl_easy_setopt(c, CURLOPT_SSLKEY, e->key);
	rc = curl_easy_perform(c);
	curl_slist_free_all(hdr);
	if (rc == CURLE_ABORTED_BY_CALLBACK && s->stop && *s->stop)
		return stream ? 0 : -ECANCELED;
	if (rc == CURLE_OK || (rc == CURLE_WRITE_ERROR && (s->fn_rc || s->parse_rc)))
		return 0;
	if (s->too_big) {
		snprintf(e->error, sizeof(e->error), "%s: answer larger than %u bytes", e->urls[idx],
			 TS_ETCD_MAX_RESPONSE);
		return -E2BIG;
	}
	snprintf(e->error, sizeof(e->error), "%s: %s", e->urls[idx], curl_easy_strerror(rc));
	return -EHOSTUNREACH;
}

static void sink_reset(struct sink *s)
{
	free(s->buf);
	memset(s, 0, sizeof(*s));
}

static int authenticate(struct ts_etcd *e, size_t idx);

/*
 * One request on endpoint idx: 0 with the parsed answer, an etcd error,
 * or -EHOSTUNREACH / -EAGAIN (try another endpoint).
 */
static int request_one(struct ts_etcd *e, size_t idx, const char *path, const char *body,
		       struct ts_etcd_result *out)
{
	struct sink s = { 0 };
	int err = transfer(e, idx, path, body, &s, false);
	long status = 0;

	memset(out, 0, sizeof(*out));
	if (err) {
		sink_reset(&s);
		return err;
	}
	curl_easy_getinfo(e->curl, CURLINFO_RESPONSE_CODE, &status);
	err = ts_etcd_parse(s.buf ? s.buf : "", s.len, false, out, s.errtext, sizeof(s.errtext));
	if (err && err != -EACCES && err != -EPERM && err != -ENOENT)
		snprintf(e->error, sizeof(e->error), "%s: %s (HTTP %ld)", e->urls[idx],
			 s.errtext[0] ? s.errtext : strerror(-err), status);
	else if (err)
		snprintf(e->error, sizeof(e->error), "%s: %s", e->urls[idx], s.errtext);
	/* a member without a leader or quorum: another may have one */
	if (err == -EREMOTEIO && (strstr(s.errtext, "no leader") || strstr(s.errtext, "timed out") ||
				  strstr(s.errtext, "unavailable") || status == 503))
		err = -EAGAIN;
	sink_reset(&s);
	return err;
}

static int authenticate(struct ts_etcd *e, size_t idx)
{
	json_object *o = json_object_new_object();
	struct ts_etcd_result r;
	int err;

	if (!o)
		return -ENOMEM;
	json_object_object_add(o, "name", json_object_new_string(e->user));
	json_object_object_add(o, "password", json_object_new_string(e->password));
	e->token[0] = '\0';
	err = request_one(e, idx, "/v3/auth/authenticate", json_object_to_json_string(o), &r);
	json_object_put(o);
	if (!err && !r.token[0])
		err = -EPROTO;
	if (!err)
		snprintf(e->token, sizeof(e->token), "%s", r.token);
	ts_etcd_result_free(&r);
	return err;
}

/* Runs one attempt per endpoint, from the last good one, until one answers. */
static int on_endpoints(struct ts_etcd *e, const char *path, const char *body,
			int (*one)(struct ts_etcd *, size_t, const char *, const char *, void *), void *arg)
{
	int err = -EHOSTUNREACH;

	for (size_t k = 0; k < e->nurls && !(e->stop && *e->stop); k++) {
		size_t idx = (e->cur + k) % e->nurls;

		if (e->user[0] && !e->token[0]) {
			err = authenticate(e, idx);
			if (err == -EHOSTUNREACH || err == -EAGAIN)
				continue;
			if (err)
				return err;
		}
		err = one(e, idx, path, body, arg);
		if (err == -EPERM && e->user[0]) {
			/* the token expired (or the member restarted): buy one again */
			err = authenticate(e, idx);
			if (!err)
				err = one(e, idx, path, body, arg);
		}
		if (err == -ECANCELED)
			return err;
		if (err != -EHOSTUNREACH && err != -EAGAIN) {
			e->cur = idx;
			return err;
		}
	}
	return err == -EAGAIN ? -EHOSTUNREACH : err;
}

static int call_one(struct ts_etcd *e, size_t idx, const char *path, const char *body, void *arg)
{
	struct ts_etcd_result *out = arg;

	ts_etcd_result_free(out);
	return request_one(e, idx, path, body, out);
}

int ts_etcd_call(struct ts_etcd *e, const char *path, const char *body, struct ts_etcd_result *out)
{
	memset(out, 0, sizeof(*out));
	return on_endpoints(e, path, body, call_one, out);
}

struct stream_arg {
	ts_etcd_msg_fn fn;
	void *ctx;
	const volatile bool *stop;
	bool delivered;
};

static int stream_one(struct ts_etcd *e, size_t idx, const char *path, const char *body, void *arg)
{
	struct stream_arg *a = arg;
	struct sink s = { .fn = a->fn, .ctx = a->ctx, .stop = a->stop };
	int err = transfer(e, idx, path, body, &s, true);

	if (!err && s.parse_rc) {
		err = s.parse_rc;
		snprintf(e->error, sizeof(e->error), "%s: watch: %s", e->urls[idx],
			 s.errtext[0] ? s.errtext : strerror(-err));
		if (err == -EREMOTEIO)
			err = -EAGAIN;
	} else if (!err && s.fn_rc) {
		err = s.fn_rc;
	} else if (!err && !(a->stop && *a->stop)) {
		snprintf(e->error, sizeof(e->error), "%s: watch stream ended", e->urls[idx]);
		err = -EPIPE;
	}
	sink_reset(&s);
	return err;
}

int ts_etcd_stream(struct ts_etcd *e, const char *path, const char *body, ts_etcd_msg_fn fn,
		   void *ctx, const volatile bool *stop)
{
	struct stream_arg a = { .fn = fn, .ctx = ctx, .stop = stop };

	return on_endpoints(e, path, body, stream_one, &a);
}
