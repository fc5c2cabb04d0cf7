// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * parser.c - recursive descent over the token stream:
 *
 *   policy    := { component | rule | settings | include }
 *   component := "component" NAME "{" { MEMBER | include } "}"
 *   rule      := "rule" [ STRING [":"] ] NAME ( "->" | "<-" | "<->" ) NAME PORTS { PORTS }
 *   settings  := "settings" "{" { KEY VALUE... NEWLINE } "}"
 *   include   := "include" STRING
 *
 * A syntax error is reported and the parser skips to the next line that
 * starts with a top-level keyword, so one typo gives one finding.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "policy/dnsname.h"
#include "common/grow.h"
#include "policy/lexer.h"
#include "policy/net.h"
#include "policy/ports.h"
#include "policy/settings.h"

struct parser {
	struct ts_policy *p;
	const struct ts_policy_reader *rd;
	struct ts_diags *d;
	struct ts_lexer lx;
	struct ts_token tok;
	const char *stack[TS_POLICY_MAX_INCLUDE_DEPTH + 1]; /* files being parsed */
	int depth;
	int err;            /* -ENOMEM stops everything */
	size_t stmt_errors; /* errors before the current statement: one syntax error each */
	struct ts_loc prev_end; /* just after the previous token */
};

enum file_kind { FILE_POLICY, FILE_MEMBERS };

static void next(struct parser *ps)
{
	ps->prev_end = ps->tok.loc;
	ps->prev_end.col += (uint32_t)ps->tok.len + (ps->tok.type == TS_TOK_STRING ? 2 : 0);
	ts_lexer_next(&ps->lx, &ps->tok);
}

static bool tok_is(const struct parser *ps, const char *word)
{
	return ps->tok.type == TS_TOK_WORD && !strcmp(ps->tok.text, word);
}

static bool at_top_keyword(const struct parser *ps)
{
	return ps->tok.bol && (tok_is(ps, "component") || tok_is(ps, "rule") ||
			       tok_is(ps, "settings") || tok_is(ps, "include"));
}

/* Reports "expected X" at the current token, unless this statement already
 * has an error (one typo, one finding). */
static void expected_at(struct parser *ps, struct ts_loc at, const char *what)
{
	const char *desc = ts_tok_describe(&ps->tok);

	if (ps->d->nerrors > ps->stmt_errors)
		return;
	if (desc)
		ts_diag_add(ps->d, TS_SEV_ERROR, at, "syntax", "expected %s, found %s", what, desc);
	else
		ts_diag_add(ps->d, TS_SEV_ERROR, at, "syntax", "expected %s, found '%s'", what,
			    ps->tok.text);
}

static void expected(struct parser *ps, const char *what)
{
	expected_at(ps, ps->tok.loc, what);
}

/* Mid-statement: when the statement stops at the end of a line, point
 * just after its last token rather than at the next line. */
static void expected_more(struct parser *ps, const char *what)
{
	bool cut = ps->tok.type == TS_TOK_EOF || ps->tok.bol;

	expected_at(ps, cut ? ps->prev_end : ps->tok.loc, what);
}

static void sync_top(struct parser *ps)
{
	while (ps->tok.type != TS_TOK_EOF && !at_top_keyword(ps))
		next(ps);
}

static bool valid_component_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 63 || !((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
			return false;
	return true;
}

static bool looks_numeric(const char *s)
{
	if (!(*s >= '0' && *s <= '9'))
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || *s == '.' || *s == '/'))
			return false;
	return true;
}

/* Classifies and validates one member word; appends it to comp. */
static void add_member(struct parser *ps, struct ts_component *comp, const struct ts_token *t)
{
	struct ts_member m = { .loc = t->loc };
	char name[TS_TOK_TEXT_MAX + 1];
	const char *why;

	memcpy(name, t->text, t->len + 1);
	if (strchr(t->text, ':') || looks_numeric(t->text)) {
		if (ts_net_parse(t->text, &m.net, &why)) {
			ts_diag_add(ps->d, TS_SEV_ERROR, t->loc, "bad-address", "'%s': %s", t->text, why);
			return;
		}
		if (ts_net_has_host_bits(&m.net)) {
			char fixed[TS_NET_STRLEN];

			ts_net_mask(&m.net);
			ts_net_format(&m.net, fixed, sizeof(fixed));
			ts_diag_add(ps->d, TS_SEV_ERROR, t->loc, "bad-address",
				    "'%s' has host bits set beyond /%u; did you mean %s?",
				    t->text, m.net.plen, fixed);
			return;
		}
		m.kind = ts_net_is_host(&m.net) ? TS_MEMBER_HOST : TS_MEMBER_CIDR;
	} else if (strchr(t->text, '/')) {
		ts_diag_add(ps->d, TS_SEV_ERROR, t->loc, "bad-address",
			    "'%s' is not an address, a CIDR or a host name", t->text);
		return;
	} else {
		size_t bad;
		bool wild;

		if (ts_dns_name_normalize(name, &wild, &bad, &why)) {
			struct ts_loc at = t->loc;

			at.col += (uint32_t)bad;
			ts_diag_add(ps->d, TS_SEV_ERROR, at, "bad-name", "invalid name '%s': %s",
				    t->text, why);
			return;
		}
		m.kind = wild ? TS_MEMBER_WILDCARD : TS_MEMBER_NAME;
	}
	m.text = strdup(name);
	if (!m.text || ts_grow((void **)&comp->members, &comp->alloc, comp->nmembers, sizeof(m))) {
		free(m.text);
		ps->err = -ENOMEM;
		return;
	}
	comp->members[comp->nmembers++] = m;
}

static int parse_file(struct parser *ps, const char *path, const char *buf, size_t len,
		      enum file_kind kind, struct ts_component *comp);

/* "include" STRING at the current token (the keyword already consumed). */
static void parse_include(struct parser *ps, enum file_kind kind, struct ts_component *comp)
{
	const char *cur = ps->stack[ps->depth - 1], *slash = strrchr(cur, '/');
	struct ts_loc at = ps->tok.loc;
	char *path = NULL, *data = NULL;
	size_t len = 0;
	int err;

	if (ps->tok.type != TS_TOK_STRING || !ps->tok.len) {
		expected_more(ps, "a file name in quotes after 'include'");
		if (kind == FILE_POLICY)
			sync_top(ps);
		else if (!ps->tok.bol)
			next(ps);
		return;
	}
	if (ps->tok.text[0] == '/' || !slash)
		err = asprintf(&path, "%s", ps->tok.text);
	else
		err = asprintf(&path, "%.*s/%s", (int)(slash - cur), cur, ps->tok.text);
	next(ps);
	if (err < 0) {
		ps->err = -ENOMEM;
		return;
	}
	for (int i = 0; i < ps->depth; i++) {
		if (!strcmp(ps->stack[i], path)) {
			ts_diag_add(ps->d, TS_SEV_ERROR, at, "include-cycle",
				    "'%s' includes itself (through %s)", path, cur);
			goto out;
		}
	}
	if (ps->depth >= TS_POLICY_MAX_INCLUDE_DEPTH) {
		ts_diag_add(ps->d, TS_SEV_ERROR, at, "include-depth",
			    "includes nest deeper than %d files", TS_POLICY_MAX_INCLUDE_DEPTH);
		goto out;
	}
	err = ps->rd->read(ps->rd->ctx, path, &data, &len);
	if (err) {
		ts_diag_add(ps->d, TS_SEV_ERROR, at, "include",
			    "cannot read '%s': %s", path, strerror(-err));
		goto out;
	}
	ps->err = parse_file(ps, path, data, len, kind, comp);
out:
	free(data);
	free(path);
}

static void parse_component_body(struct parser *ps);

/* A component; one whose definition had errors is marked broken. */
static void parse_component(struct parser *ps)
{
	size_t errors = ps->d->nerrors, idx = ps->p->ncomps;

	parse_component_body(ps);
	if (ps->p->ncomps > idx && ps->d->nerrors > errors)
		ps->p->comps[idx].broken = true;
}

static void parse_component_body(struct parser *ps)
{
	struct ts_loc open;
	struct ts_component *comp;
	struct ts_policy *p = ps->p;
	size_t idx;

	next(ps);
	if (ps->tok.type != TS_TOK_WORD || !valid_component_name(ps->tok.text)) {
		if (ps->tok.type == TS_TOK_WORD)
			ts_diag_add(ps->d, TS_SEV_ERROR, ps->tok.loc, "syntax",
				    "invalid component name '%s' (a letter, then letters, digits, "
				    "'-' or '_'; at most 63)", ps->tok.text);
		else
			expected_more(ps, "a component name");
		sync_top(ps);
		return;
	}
	if (ts_grow((void **)&p->comps, &p->comps_alloc, p->ncomps, sizeof(*p->comps))) {
		ps->err = -ENOMEM;
		return;
	}
	idx = p->ncomps;
	comp = &p->comps[idx];
	memset(comp, 0, sizeof(*comp));
	comp->name = strdup(ps->tok.text);
	comp->loc = ps->tok.loc;
	if (!comp->name) {
		ps->err = -ENOMEM;
		return;
	}
	p->ncomps++;
	next(ps);
	if (ps->tok.type != TS_TOK_LBRACE) {
		expected_more(ps, "'{' after the component name");
		sync_top(ps);
		return;
	}
	open = ps->tok.loc;
	next(ps);
	while (!ps->err) {
		if (ps->tok.type == TS_TOK_RBRACE) {
			next(ps);
			return;
		}
		if (ps->tok.type == TS_TOK_EOF ||
		    (ps->tok.bol && (tok_is(ps, "component") || tok_is(ps, "rule") ||
				     tok_is(ps, "settings")))) {
			ts_diag_add(ps->d, TS_SEV_ERROR, open, "syntax",
				    "missing '}' to close component '%s'", p->comps[idx].name);
			return;
		}
		if (tok_is(ps, "include")) {
			next(ps);
			/* member files add members only: p->comps does not move */
			parse_include(ps, FILE_MEMBERS, &p->comps[idx]);
			continue;
		}
		if (ps->tok.type != TS_TOK_WORD) {
			expected(ps, "a member (address, CIDR or host name) or '}'");
			next(ps);
			continue;
		}
		add_member(ps, &p->comps[idx], &ps->tok);
		next(ps);
	}
}

/* A rule statement with errors is dropped; the linter still counts the
 * components it names as used (keeps r's names, which it takes over). */
static void keep_broken_refs(struct parser *ps, struct ts_rule_stmt *r)
{
	struct ts_policy *p = ps->p;
	char **v;

	if (!r->left || !r->right) {
		p->broken_rule_unnamed = true;
		return;
	}
	v = realloc(p->broken_refs, (p->nbroken_refs + 2) * sizeof(*v));
	if (!v) {
		p->broken_rule_unnamed = true;   /* then no component is called unused */
		return;
	}
	p->broken_refs = v;
	v[p->nbroken_refs++] = r->left;
	v[p->nbroken_refs++] = r->right;
	r->left = r->right = NULL;
}

/* One spec at the current word, added to `all`: "tcp/443, 8443" may
 * continue after a comma and a space. Leaves the token after it. */
static int parse_port_spec(struct parser *ps, struct ts_ports *all)
{
	char ports[TS_TOK_TEXT_MAX + 1];
	struct ts_loc loc = ps->tok.loc;
	size_t plen = ps->tok.len;

	memcpy(ports, ps->tok.text, ps->tok.len + 1);
	next(ps);
	while (plen && ports[plen - 1] == ',' && ps->tok.type == TS_TOK_WORD && !ps->tok.bol) {
		if (plen + ps->tok.len > TS_TOK_TEXT_MAX || ps->tok.loc.line != loc.line)
			break;
		/* pad with nothing: columns of later items are only exact in the first word */
		memcpy(ports + plen, ps->tok.text, ps->tok.len + 1);
		plen += ps->tok.len;
		next(ps);
	}
	return ts_ports_add_spec(all, ports, loc, ps->d);
}

static void parse_rule(struct parser *ps)
{
	struct ts_rule_stmt r = { .loc = ps->tok.loc, .left_comp = -1, .right_comp = -1 };
	struct ts_policy *p = ps->p;
	int err;

	next(ps);
	if (ps->tok.type == TS_TOK_STRING) {
		if (ps->tok.len >= TS_LABEL_LEN) {
			ts_diag_add(ps->d, TS_SEV_ERROR, ps->tok.loc, "label",
				    "label longer than %u characters", TS_LABEL_LEN - 1);
			goto fail;
		}
		r.label = strdup(ps->tok.text);
		next(ps);
		if (tok_is(ps, ":"))
			next(ps);
	} else {
		r.label = strdup("");
	}
	if (!r.label)
		goto oom;
	if (ps->tok.type != TS_TOK_WORD) {
		expected_more(ps, "a component name");
		goto fail;
	}
	r.left = strdup(ps->tok.text);
	r.left_loc = ps->tok.loc;
	next(ps);
	switch (ps->tok.type) {
	case TS_TOK_ARROW_FWD: r.dir = TS_DIR_FORWARD; break;
	case TS_TOK_ARROW_BACK: r.dir = TS_DIR_BACKWARD; break;
	case TS_TOK_ARROW_BOTH: r.dir = TS_DIR_BOTH; break;
	default:
		expected_more(ps, "'->', '<-' or '<->'");
		goto fail;
	}
	next(ps);
	if (ps->tok.type != TS_TOK_WORD) {
		expected_more(ps, "a component name");
		goto fail;
	}
	r.right = strdup(ps->tok.text);
	r.right_loc = ps->tok.loc;
	next(ps);
	if (ps->tok.type != TS_TOK_WORD || ps->tok.bol) {
		expected_more(ps, "ports like tcp/443 after the components");
		goto fail;
	}
	r.ports_loc = ps->tok.loc;
	if (!r.left || !r.right)
		goto oom;
	/* "tcp/443, 8443 udp/443": specs on the rule's line, one per protocol */
	do {
		err = parse_port_spec(ps, &r.ports);
		if (err == -ENOMEM) {
			ts_ports_free(&r.ports);
			goto oom;
		}
		if (err) {
			ts_ports_free(&r.ports);
			goto fail;
		}
	} while (ps->tok.type == TS_TOK_WORD && !ps->tok.bol &&
		 ps->tok.loc.line == r.ports_loc.line && ts_ports_is_spec(ps->tok.text));
	if (ts_grow((void **)&p->rules, &p->rules_alloc, p->nrules, sizeof(r))) {
		ts_ports_free(&r.ports);
		goto oom;
	}
	p->rules[p->nrules++] = r;
	return;
oom:
	ps->err = -ENOMEM;
fail:
	if (!ps->err)
		keep_broken_refs(ps, &r);
	free(r.label);
	free(r.left);
	free(r.right);
	sync_top(ps);
}

static void parse_settings(struct parser *ps)
{
	struct ts_token *vals = NULL;
	struct ts_loc open;
	bool first;

	next(ps);
	if (ps->tok.type != TS_TOK_LBRACE) {
		expected_more(ps, "'{' after 'settings'");
		sync_top(ps);
		return;
	}
	open = ps->tok.loc;
	vals = calloc(TS_SETTINGS_MAX_VALUES + 1, sizeof(*vals));
	if (!vals) {
		ps->err = -ENOMEM;
		return;
	}
	next(ps);
	first = true; /* "settings { audit on }" may start on the brace's line */
	while (!ps->err) {
		size_t n = 0, too_many = 0;

		if (ps->tok.type == TS_TOK_RBRACE) {
			next(ps);
			break;
		}
		if (ps->tok.type == TS_TOK_EOF || at_top_keyword(ps)) {
			ts_diag_add(ps->d, TS_SEV_ERROR, open, "syntax", "missing '}' to close settings");
			break;
		}
		if (ps->tok.type != TS_TOK_WORD || (!ps->tok.bol && !first)) {
			expected(ps, ps->tok.bol ? "a setting name" : "one setting per line");
			do
				next(ps);
			while (!ps->tok.bol && ps->tok.type != TS_TOK_EOF);
			continue;
		}
		vals[TS_SETTINGS_MAX_VALUES] = ps->tok; /* the key */
		first = false;
		next(ps);
		while (!ps->tok.bol && ps->tok.type != TS_TOK_EOF && ps->tok.type != TS_TOK_RBRACE) {
			if (ps->tok.type != TS_TOK_WORD)
				expected(ps, "a value");
			else if (n < TS_SETTINGS_MAX_VALUES)
				vals[n++] = ps->tok;
			else if (!too_many++)
				ts_diag_add(ps->d, TS_SEV_ERROR, ps->tok.loc, "setting-value",
					    "more than %d values", TS_SETTINGS_MAX_VALUES);
			next(ps);
		}
		ps->err = ts_settings_entry(&ps->p->settings, &vals[TS_SETTINGS_MAX_VALUES], vals, n,
					    ps->d);
	}
	free(vals);
}

static void parse_policy_tokens(struct parser *ps)
{
	while (!ps->err && ps->tok.type != TS_TOK_EOF) {
		ps->stmt_errors = ps->d->nerrors;
		if (tok_is(ps, "component")) {
			parse_component(ps);
		} else if (tok_is(ps, "rule")) {
			parse_rule(ps);
		} else if (tok_is(ps, "settings")) {
			parse_settings(ps);
		} else if (tok_is(ps, "include")) {
			next(ps);
			parse_include(ps, FILE_POLICY, NULL);
		} else {
			expected(ps, "'component', 'rule', 'settings' or 'include'");
			next(ps);
			sync_top(ps);
		}
	}
}

/* A member file: one member per line, '#' comments. */
static void parse_member_tokens(struct parser *ps, struct ts_component *comp)
{
	uint32_t last_line = 0;

	while (!ps->err && ps->tok.type != TS_TOK_EOF) {
		ps->stmt_errors = ps->d->nerrors; /* each line stands alone */
		if (ps->tok.type != TS_TOK_WORD) {
			expected(ps, "one address, CIDR or host name per line");
		} else if (ps->tok.loc.line == last_line) {
			ts_diag_add(ps->d, TS_SEV_ERROR, ps->tok.loc, "syntax",
				    "one member per line in an included member list");
		} else {
			add_member(ps, comp, &ps->tok);
			last_line = ps->tok.loc.line;
		}
		next(ps);
	}
}

static int parse_file(struct parser *ps, const char *path, const char *buf, size_t len,
		      enum file_kind kind, struct ts_component *comp)
{
	struct ts_lexer saved_lx = ps->lx;
	struct ts_token *saved_tok = malloc(sizeof(*saved_tok));
	const char *file;

	if (!saved_tok)
		return -ENOMEM;
	*saved_tok = ps->tok;
	file = ts_strv_push(&ps->p->files, &ps->p->nfiles, path);
	if (!file) {
		free(saved_tok);
		return -ENOMEM;
	}
	ps->stack[ps->depth++] = file;
	ts_lexer_init(&ps->lx, file, buf, len, ps->d);
	next(ps);
	if (kind == FILE_POLICY)
		parse_policy_tokens(ps);
	else
		parse_member_tokens(ps, comp);
	ps->depth--;
	ps->lx = saved_lx;
	ps->tok = *saved_tok;
	free(saved_tok);
	return ps->err;
}

int ts_policy_parse(const char *name, const char *buf, size_t len,
		    const struct ts_policy_reader *rd, struct ts_policy **out,
		    struct ts_diags *d)
{
	struct parser *ps = calloc(1, sizeof(*ps));
	struct ts_policy *p = calloc(1, sizeof(*p));
	int err = -ENOMEM;

	*out = NULL;
	if (!ps || !p)
		goto out;
	ts_policy_default_settings(&p->settings);
	ps->p = p;
	ps->rd = rd ? rd : &ts_policy_file_reader;
	ps->d = d;
	err = parse_file(ps, name, buf, len, FILE_POLICY, NULL);
	if (!err)
		ts_settings_check(&p->settings, d);
out:
	if (err) {
		ts_err("policy %s: cannot parse: %s", name, strerror(-err));
		ts_policy_free(p);
	} else {
		*out = p;
	}
	free(ps);
	return err;
}

void ts_policy_free(struct ts_policy *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->ncomps; i++) {
		for (size_t j = 0; j < p->comps[i].nmembers; j++)
			free(p->comps[i].members[j].text);
		free(p->comps[i].members);
		free(p->comps[i].name);
	}
	free(p->comps);
	for (size_t i = 0; i < p->nrules; i++) {
		free(p->rules[i].label);
		free(p->rules[i].left);
		free(p->rules[i].right);
		ts_ports_free(&p->rules[i].ports);
	}
	free(p->rules);
	for (size_t i = 0; i < p->nbroken_refs; i++)
		free(p->broken_refs[i]);
	free(p->broken_refs);
	ts_settings_free(&p->settings);
	for (size_t i = 0; i < p->nfiles; i++)
		free(p->files[i]);
	free(p->files);
	free(p);
}
