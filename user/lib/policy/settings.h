/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* settings.h - the `settings { }` block: one entry per line. */
#ifndef TS_POLICY_SETTINGS_H
#define TS_POLICY_SETTINGS_H

#include "policy/lexer.h"
#include "policy/policy.h"

#define TS_SETTINGS_MAX_VALUES 64

/* Applies one entry `key vals...`; bad values are reported. 0 or -ENOMEM. */
int ts_settings_entry(struct ts_policy_settings *s, const struct ts_token *key,
		      const struct ts_token *vals, size_t nvals, struct ts_diags *d);
/* Cross-setting checks (ttl-floor <= ttl-ceiling, ...), after parsing. */
void ts_settings_check(const struct ts_policy_settings *s, struct ts_diags *d);
void ts_settings_free(struct ts_policy_settings *s);
const char *ts_setting_name(enum ts_setting k);

#endif /* TS_POLICY_SETTINGS_H */
