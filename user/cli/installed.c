// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* installed.c - the installed policy for show and diff (see installed.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "common/log.h"
#include "dp/dp.h"
#include "installed.h"
#include "names/names.h"
#include "policy/policy.h"

int ts_installed_open(struct ts_installed *in)
{
	char file[TS_STATE_PATH_LEN + 32];
	struct ts_compiled *now = NULL;
	struct ts_diags d = { 0 };
	int rc, err;

	memset(in, 0, sizeof(*in));
	rc = ts_cli_open_pinned(&in->dp, &in->st);
	if (rc)
		return rc;
	snprintf(file, sizeof(file), "%s/" TS_INSTALLED_DIGEST, in->st.state_dir);
	err = ts_digest_read(file, &in->digest);
	if (err) {
		ts_err("%s: %s: the installed policy was not recorded (an older turnstile installed it?); "
		       "`turnstile up` or a reload records it", file,
		       err == -EBADMSG ? "not a policy digest" : strerror(-err));
		ts_dp_close(in->dp);
		return TS_EXIT_FAILURE;
	}
	snprintf(file, sizeof(file), "%s/names.cache", in->st.state_dir);
	if (ts_names_state_read(&in->names, file))
		in->names = NULL;
	/* the file as it is now (quietly: `check` is for its findings) */
	ts_policy_build_file(in->digest.path, &d, &now);
	in->file_changed = !now || strcmp(now->text_sha256, in->digest.sha256);
	ts_compiled_free(now);
	ts_diags_free(&d);
	return TS_EXIT_OK;
}

void ts_installed_close(struct ts_installed *in)
{
	ts_digest_free(&in->digest);
	if (in->names)
		ts_names_state_free(in->names);
	ts_dp_close(in->dp);
}
