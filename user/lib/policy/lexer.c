// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdio.h>
#include <string.h>

#include "policy/lexer.h"

void ts_lexer_init(struct ts_lexer *lx, const char *file, const char *buf, size_t len,
		   struct ts_diags *d)
{
	memset(lx, 0, sizeof(*lx));
	lx->buf = buf;
	lx->len = len;
	lx->line = 1;
	lx->col = 1;
	lx->file = file;
	lx->d = d;
}

static int peek(const struct ts_lexer *lx, size_t ahead)
{
	return lx->pos + ahead < lx->len ? (unsigned char)lx->buf[lx->pos + ahead] : -1;
}

static void advance(struct ts_lexer *lx)
{
	if (lx->buf[lx->pos] == '\n') {
		lx->line++;
		lx->col = 1;
	} else {
		lx->col++;
	}
	lx->pos++;
}

static struct ts_loc here(const struct ts_lexer *lx)
{
	return (struct ts_loc){ lx->file, lx->line, lx->col };
}

static bool is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

/* Word characters: printable ASCII except the punctuation of the language. */
static bool is_word_char(int c)
{
	return c > 0x20 && c < 0x7f && !strchr("{}\"#<>;", c);
}

/* Bytes outside printable ASCII that are not white space. */
static bool is_stray_byte(int c)
{
	return c >= 0x7f || (c >= 0 && c < 0x20 && !is_space(c));
}

static void skip_space_and_comments(struct ts_lexer *lx)
{
	for (;;) {
		int c = peek(lx, 0);

		if (is_space(c)) {
			advance(lx);
		} else if (c == '#') {
			while (peek(lx, 0) != -1 && peek(lx, 0) != '\n')
				advance(lx);
		} else {
			return;
		}
	}
}

static void lex_string(struct ts_lexer *lx, struct ts_token *t)
{
	bool too_long = false;

	advance(lx); /* opening quote */
	t->type = TS_TOK_STRING;
	for (;;) {
		int c = peek(lx, 0);

		if (c == -1 || c == '\n') {
			ts_diag_add(lx->d, TS_SEV_ERROR, t->loc, "syntax",
				    "missing closing '\"' of this string");
			break;
		}
		if (c == '"') {
			advance(lx);
			break;
		}
		if (c == '\\' && (peek(lx, 1) == '"' || peek(lx, 1) == '\\')) {
			advance(lx);
			c = peek(lx, 0);
		}
		if (c < 0x20 || c == 0x7f) {
			ts_diag_add(lx->d, TS_SEV_ERROR, here(lx), "syntax",
				    "control character 0x%02x in a string", (unsigned)c);
		} else if (t->len < TS_TOK_TEXT_MAX) {
			t->text[t->len++] = (char)c;
		} else {
			too_long = true;
		}
		advance(lx);
	}
	if (too_long)
		ts_diag_add(lx->d, TS_SEV_ERROR, t->loc, "syntax",
			    "string longer than %u characters", TS_TOK_TEXT_MAX);
	t->text[t->len] = '\0';
}

static void lex_word(struct ts_lexer *lx, struct ts_token *t)
{
	bool too_long = false;

	t->type = TS_TOK_WORD;
	while (is_word_char(peek(lx, 0))) {
		/* "a->b": the arrow ends the word */
		if (peek(lx, 0) == '-' && peek(lx, 1) == '>' && t->len > 0)
			break;
		if (t->len < TS_TOK_TEXT_MAX)
			t->text[t->len++] = (char)peek(lx, 0);
		else
			too_long = true;
		advance(lx);
	}
	t->text[t->len] = '\0';
	if (too_long)
		ts_diag_add(lx->d, TS_SEV_ERROR, t->loc, "syntax",
			    "word longer than %u characters", TS_TOK_TEXT_MAX);
}

static void fixed(struct ts_lexer *lx, struct ts_token *t, enum ts_tok_type type, const char *text)
{
	t->type = type;
	t->len = strlen(text);
	memcpy(t->text, text, t->len + 1);
	for (size_t i = 0; i < t->len; i++)
		advance(lx);
}

void ts_lexer_next(struct ts_lexer *lx, struct ts_token *t)
{
	int c;

	skip_space_and_comments(lx);
	c = peek(lx, 0);
	t->len = 0;
	t->text[0] = '\0';
	t->loc = here(lx);
	t->bol = lx->line != lx->last_line;
	lx->last_line = lx->line;
	if (c == -1)
		t->type = TS_TOK_EOF;
	else if (c == '{')
		fixed(lx, t, TS_TOK_LBRACE, "{");
	else if (c == '}')
		fixed(lx, t, TS_TOK_RBRACE, "}");
	else if (c == '"')
		lex_string(lx, t);
	else if (c == '<' && peek(lx, 1) == '-' && peek(lx, 2) == '>')
		fixed(lx, t, TS_TOK_ARROW_BOTH, "<->");
	else if (c == '<' && peek(lx, 1) == '-')
		fixed(lx, t, TS_TOK_ARROW_BACK, "<-");
	else if (c == '-' && peek(lx, 1) == '>')
		fixed(lx, t, TS_TOK_ARROW_FWD, "->");
	else if (is_word_char(c))
		lex_word(lx, t);
	else {
		t->type = TS_TOK_OTHER;
		if (c > 0x20 && c < 0x7f) {
			t->len = (size_t)snprintf(t->text, sizeof(t->text), "%c", c);
			advance(lx);
		} else {
			t->len = (size_t)snprintf(t->text, sizeof(t->text), "byte 0x%02x", (unsigned)c);
			/* one token for a run of them (a UTF-8 character is several) */
			do
				advance(lx);
			while (is_stray_byte(peek(lx, 0)));
		}
	}
}

const char *ts_tok_describe(const struct ts_token *t)
{
	switch (t->type) {
	case TS_TOK_EOF:
		return "end of file";
	case TS_TOK_STRING:
		return "a string";
	case TS_TOK_OTHER:
		if (t->text[0] == 'b' && t->len > 1)
			return "a non-ASCII or control byte (policies are ASCII; write names in punycode)";
		return NULL;
	default:
		return NULL; /* the caller quotes t->text */
	}
}
