/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * lexer.h - tokens of the policy language. Newlines separate nothing
 * except settings entries and member-file lines, so each token records
 * whether it is the first on its line.
 */
#ifndef TS_POLICY_LEXER_H
#define TS_POLICY_LEXER_H

#include <stdbool.h>
#include <stddef.h>

#include "policy/diag.h"

enum ts_tok_type {
	TS_TOK_EOF,
	TS_TOK_WORD,        /* names, addresses, keywords, port specs */
	TS_TOK_STRING,      /* "..." (text without the quotes, \" and \\ decoded) */
	TS_TOK_LBRACE,
	TS_TOK_RBRACE,
	TS_TOK_ARROW_FWD,   /* -> */
	TS_TOK_ARROW_BACK,  /* <- */
	TS_TOK_ARROW_BOTH,  /* <-> */
	TS_TOK_OTHER,       /* a character the language does not use; the parser reports it */
};

#define TS_TOK_TEXT_MAX 1024 /* longer words and strings are errors */

struct ts_token {
	enum ts_tok_type type;
	char text[TS_TOK_TEXT_MAX + 1];
	size_t len;
	struct ts_loc loc;
	bool bol;           /* first token on its line */
};

struct ts_lexer {
	const char *buf;
	size_t len, pos;
	uint32_t line, col;
	const char *file;
	struct ts_diags *d;
	uint32_t last_line; /* line of the previous token, for bol */
};

void ts_lexer_init(struct ts_lexer *lx, const char *file, const char *buf, size_t len,
		   struct ts_diags *d);
/* Next token; always makes progress and ends with TS_TOK_EOF. Unterminated
 * strings are reported here; stray characters come back as TS_TOK_OTHER
 * so only the parser reports them (once, not again while it resyncs). */
void ts_lexer_next(struct ts_lexer *lx, struct ts_token *t);
const char *ts_tok_describe(const struct ts_token *t);

#endif /* TS_POLICY_LEXER_H */
