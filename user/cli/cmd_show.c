// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * cmd_show.c - `turnstile show`: the policy as installed (the digest the
 * loader recorded when it installed it, policy/digest.h): its file, hash
 * and generation, each component with its members and the addresses its
 * names resolved to or learned (names cache), the rules with their ids and
 * labels, and the settings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "common/log.h"
#include "dp/dp.h"
#include "installed.h"
#include "loader/json.h"
#include "names/names.h"
#include "policy/settings_table.h"

static const struct ts_cmd_syntax syntax = {
	.name = "show",
	.about = "The policy as installed: its file, the SHA-256 of its text and its\n"
		 "generation, each component with its members (and the addresses its\n"
		 "host names resolved to or its wildcards learned), the rules with\n"
		 "their ids and labels, and every setting.",
	.opts = { ts_cli_json_opt },
};

/* TEXT of a line "member COMP TEXT", NULL for any other line. */
static const char *member_of(const char *line, const char *comp)
{
	size_t n = strlen(comp);

	if (strncmp(line, "member ", 7) || strncmp(line + 7, comp, n) || line[7 + n] != ' ')
		return NULL;
	return line + 8 + n;
}

/* The addresses the cache holds for member `text` (a name, or a wildcard
 * and the names it learned). */
static void member_addrs(struct ts_json *j, const struct ts_names_state *names, const char *text)
{
	for (size_t i = 0; names && i < ts_names_count(names); i++) {
		struct ts_names_name_info ni;

		if (ts_names_name_info(names, i, &ni))
			continue;
		if (strcmp(ni.name, text) && !(ni.wildcard && !strcmp(ni.wildcard, text)))
			continue;
		if (j) {
			ts_json_obj_open(j, NULL);
			ts_json_str(j, "name", ni.name);
			ts_json_arr_open(j, "addresses");
		} else {
			printf("      %s%s:", ni.wildcard ? "learned " : "", ni.name);
		}
		for (size_t k = 0; k < ni.naddrs; k++) {
			struct ts_names_addr_info ai;
			char a[64];

			if (ts_names_addr_info(names, i, k, &ai))
				continue;
			ts_cli_addr_str(ai.addr.family, ai.addr.addr, a, sizeof(a));
			if (j)
				ts_json_str(j, NULL, a);
			else
				printf(" %s", a);
		}
		if (j) {
			ts_json_arr_close(j);
			ts_json_obj_close(j);
		} else {
			printf("%s\n", ni.naddrs ? "" : " (none yet)");
		}
	}
}

int ts_cmd_show(int argc, char **argv)
{
	struct ts_names_state *names = NULL;
	struct ts_dp_rule_stat *rules = NULL;
	struct ts_installed in;
	struct ts_json j;
	struct ts_json *jp = NULL;
	size_t nrules = 0;
	bool json = false;
	int rc, nops;

	rc = ts_cli_parse_simple(&syntax, argc, argv, &json, &nops);
	if (rc >= 0)
		return rc;
	rc = ts_installed_open(&in);
	if (rc)
		return rc;
	if (ts_dp_rule_stats(in.dp, &rules, &nrules))
		nrules = 0;
	names = in.names;
	if (json) {
		jp = &j;
		ts_json_init(&j, stdout);
		ts_json_obj_open(&j, NULL);
		ts_json_str(&j, "policy", in.digest.path);
		ts_json_str(&j, "sha256", in.digest.sha256);
		ts_json_u64(&j, "generation", in.digest.generation);
		ts_json_bool(&j, "file_changed", in.file_changed);
		ts_json_arr_open(&j, "components");
	} else {
		printf("policy      %s\nsha256      %s%s\ngeneration  %llu\ncomponents\n", in.digest.path,
		       in.digest.sha256, in.file_changed ? " (the file has changed since: `turnstile diff` "
		       "shows how)" : "", (unsigned long long)in.digest.generation);
	}
	for (size_t c = 0; c < in.digest.n; c++) {
		const char *comp = in.digest.lines[c];

		if (strncmp(comp, "component ", 10))
			continue;
		comp += 10;
		if (jp) {
			ts_json_obj_open(jp, NULL);
			ts_json_str(jp, "name", comp);
			ts_json_arr_open(jp, "members");
		} else {
			printf("  %s\n", comp);
		}
		for (size_t i = 0; i < in.digest.n; i++) {
			const char *text = member_of(in.digest.lines[i], comp);

			if (!text)
				continue;
			if (jp) {
				ts_json_obj_open(jp, NULL);
				ts_json_str(jp, "member", text);
				ts_json_arr_open(jp, "names");
				member_addrs(jp, names, text);
				ts_json_arr_close(jp);
				ts_json_obj_close(jp);
			} else {
				printf("    %s\n", text);
				member_addrs(NULL, names, text);
			}
		}
		if (jp) {
			ts_json_arr_close(jp);
			ts_json_obj_close(jp);
		}
	}
	if (jp) {
		ts_json_arr_close(jp);
		ts_json_arr_open(jp, "rules");
	} else {
		printf("rules\n");
	}
	for (size_t i = 0; i < nrules; i++) {
		if (!rules[i].in_use)
			continue;
		if (jp) {
			ts_json_obj_open(jp, NULL);
			ts_json_u64(jp, "id", rules[i].rule_id);
			ts_json_str(jp, "label", rules[i].label);
			ts_json_str(jp, "rule", rules[i].text);
			ts_json_obj_close(jp);
		} else {
			printf("  %-4u \"%s\": %s\n", rules[i].rule_id, rules[i].label, rules[i].text);
		}
	}
	if (jp) {
		ts_json_arr_close(jp);
		ts_json_obj_open(jp, "settings");
	} else {
		printf("settings\n");
	}
	for (size_t i = 0; i < in.digest.n; i++) {
		const char *l = in.digest.lines[i];

		if (strncmp(l, "setting ", 8))
			continue;
		if (jp) {
			/* "setting timeout syn 30s": the name is the table's */
			for (int k = 0; k < TS_SET_MAX; k++) {
				const char *name = ts_setting_def(k)->name;
				size_t n = strlen(name);

				if (!strncmp(l + 8, name, n) && l[8 + n] == ' ')
					ts_json_str(jp, name, l + 9 + n);
			}
		} else {
			printf("  %s\n", l + 8);
		}
	}
	if (jp) {
		ts_json_obj_close(jp);
		ts_json_obj_close(jp);
		ts_json_end(jp);
	}
	free(rules);
	ts_installed_close(&in);
	return TS_EXIT_OK;
}
