/* s3config.c - the S3 configuration of the commands that take --s3
 * (serve, sync, import, verify, delete, token, missing): credentials from
 * the environment or an AWS credentials file.  Apart from main.c so that
 * missing.c (linked into the fuzz targets without main.c) can use it. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "missing.h"

static struct store_s3_config s3cfg;
static char cred_access[256], cred_secret[256], cred_region[64];

/* The profile of an AWS credentials file: aws_access_key_id,
 * aws_secret_access_key and region (the INI format of the AWS tools).
 * false with a message on stderr. */
static bool read_credentials(const char *path, const char *profile)
{
	char line[1024], section[256] = "";
	FILE *f = fopen(path, "r");
	bool in = false;

	if (!f) {
		fprintf(stderr, "symserver: cannot read --s3-credentials '%s': %s\n", path,
			strerror(errno));
		return false;
	}
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *q, *v;
		size_t n;

		p += strspn(p, " \t");
		n = strcspn(p, "\r\n");
		p[n] = '\0';
		while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			p[--n] = '\0';
		if (!*p || *p == '#' || *p == ';')
			continue;
		if (*p == '[') {
			q = strchr(p, ']');
			snprintf(section, sizeof(section), "%.*s", q ? (int)(q - p - 1) : 0, p + 1);
			in = strcmp(section, profile) == 0 ||
			     (strncmp(section, "profile ", 8) == 0 && strcmp(section + 8, profile) == 0);
			continue;
		}
		if (!in || !(v = strchr(p, '=')))
			continue;
		q = v;
		while (q > p && (q[-1] == ' ' || q[-1] == '\t'))
			q--;
		*q = '\0';
		v++;
		v += strspn(v, " \t");
		if (strcmp(p, "aws_access_key_id") == 0)
			snprintf(cred_access, sizeof(cred_access), "%s", v);
		else if (strcmp(p, "aws_secret_access_key") == 0)
			snprintf(cred_secret, sizeof(cred_secret), "%s", v);
		else if (strcmp(p, "region") == 0)
			snprintf(cred_region, sizeof(cred_region), "%s", v);
	}
	fclose(f);
	if (!cred_access[0] || !cred_secret[0]) {
		fprintf(stderr, "symserver: --s3-credentials '%s' has no aws_access_key_id and "
			"aws_secret_access_key for the profile '%s'\n", path, profile);
		return false;
	}
	return true;
}

struct store_s3_config *symserver_s3_config(const char *url, const char *credentials,
					    long timeout_ms, bool virtual_host)
{
	const char *e;

	memset(&s3cfg, 0, sizeof(s3cfg));
	if (credentials) {
		e = getenv("AWS_PROFILE");
		if (!read_credentials(credentials, e && *e ? e : "default"))
			return NULL;
		s3cfg.s3.access_key = cred_access;
		s3cfg.s3.secret_key = cred_secret;
	} else {
		s3cfg.s3.access_key = getenv("AWS_ACCESS_KEY_ID");
		s3cfg.s3.secret_key = getenv("AWS_SECRET_ACCESS_KEY");
	}
	e = getenv("AWS_REGION");
	if (!e || !*e)
		e = getenv("AWS_DEFAULT_REGION");
	s3cfg.s3.region = e && *e ? e : cred_region[0] ? cred_region : NULL;
	s3cfg.s3.url = url;
	s3cfg.s3.timeout_ms = timeout_ms;
	s3cfg.s3.retries = -1;
	s3cfg.s3.virtual_host = virtual_host;
	return &s3cfg;
}

