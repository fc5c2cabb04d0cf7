#!/bin/bash
# turnstile(8) builds from docs/cli.md, renders without groff warnings, and
# documents every command the binary dispatches and every exit code.
. "$(dirname "$0")/../lib.sh"

src="$TS_ROOT/docs/cli.md"
page="$TS_TMP/turnstile.8"

if "$TS_ROOT/scripts/gen-man.sh" "$src" "$page" 2>"$TS_TMP/gen.err" && [ -s "$page" ]; then
	ts_pass man_builds
else
	ts_fail man_builds "gen-man.sh failed: $(head -c 300 "$TS_TMP/gen.err")"
	ts_exit
fi

warn=$(groff -man -Tutf8 -ww -z "$page" 2>&1)
if [ -z "$warn" ]; then ts_pass man_groff_clean; else ts_fail man_groff_clean "$warn"; fi

rendered=$(MANWIDTH=100 man -l "$page" 2>/dev/null | col -b)
missing=""
for section in NAME SYNOPSIS DESCRIPTION COMMANDS FILES "EXIT STATUS"; do
	grep -q "^$section\$" <<<"$rendered" || missing+=" $section"
done
if [ -z "$missing" ]; then ts_pass man_renders_sections; else ts_fail man_renders_sections "missing:$missing"; fi

# Every command of `turnstile --help` has its own subsection.
if [ -x "$TS_BIN" ]; then
	cmds=$("$TS_BIN" --help | awk '/^commands:/ {on=1; next} on && /^  [a-z]/ {print $1}')
	missing=""
	for c in $cmds; do
		grep -Eq "^   $c( |\$)" <<<"$rendered" || missing+=" $c"
	done
	if [ -n "$cmds" ] && [ -z "$missing" ]; then ts_pass man_documents_every_command
	else ts_fail man_documents_every_command "undocumented:${missing:- (no commands listed)}"; fi
else
	ts_skip man_documents_every_command "no binary at $TS_BIN"
fi

# Every exit code of user/cli/commands.h is explained.
codes=$(sed -n 's/^\s*TS_EXIT_[A-Z_]*\s*=\s*\([0-9]*\),.*/\1/p' "$TS_ROOT/user/cli/commands.h")
missing=""
for c in $codes; do
	grep -Eq "^\s+• $c: " <<<"$rendered" || missing+=" $c"
done
if [ -n "$codes" ] && [ -z "$missing" ]; then ts_pass man_documents_exit_codes
else ts_fail man_documents_exit_codes "undocumented exit codes:${missing:- (none parsed)}"; fi
ts_exit
