#!/bin/bash
# gen-man.sh DOC.md OUT.8 - turn docs/cli.md (the one source of the CLI
# reference) into a man page. Understands exactly what cli.md uses: the
# "# name(8) - summary" title, ## sections, ### subsections, paragraphs,
# "- " items, ``` blocks, `code` and *emphasis*.
set -euo pipefail
src=${1:?usage: gen-man.sh DOC.md OUT.8}
out=${2:?usage: gen-man.sh DOC.md OUT.8}
date=$(date -u -r "$src" +%Y-%m-%d)

awk -v date="$date" '
function esc(s) {
	gsub(/\\/, "\\e", s)
	gsub(/-/, "\\-", s)
	return s
}
function inline(s) {
	s = esc(s)
	while (match(s, /`[^`]+`/))
		s = substr(s, 1, RSTART - 1) "\\fB" substr(s, RSTART + 1, RLENGTH - 2) "\\fR" substr(s, RSTART + RLENGTH)
	while (match(s, /\*[^*]+\*/))
		s = substr(s, 1, RSTART - 1) "\\fI" substr(s, RSTART + 1, RLENGTH - 2) "\\fR" substr(s, RSTART + RLENGTH)
	if (s ~ /^[.\x27]/)
		s = "\\&" s
	return s
}
NR == 1 {
	if (!match($0, /^# [a-z]+\([0-9]\) - /)) { print "gen-man: first line must be \"# name(N) - summary\"" > "/dev/stderr"; exit 1 }
	name = $2; sub(/\(.*/, "", name)
	sect = $2; sub(/.*\(/, "", sect); sub(/\).*/, "", sect)
	summary = substr($0, RLENGTH + 1)
	printf ".TH %s %s \"%s\" \"%s\" \"System Administration\"\n", toupper(name), sect, date, name
	printf ".SH NAME\n%s \\- %s\n", name, esc(summary)
	next
}
/^```/ { if (inblock) { print ".fi\n.RE"; inblock = 0 } else { print ".RS 2\n.nf"; inblock = 1 }; next }
inblock { print inline($0); next }
/^## / { sub(/^## /, ""); print ".SH " toupper($0); para = 0; next }
/^### / { sub(/^### /, ""); print ".SS \"" inline($0) "\""; para = 0; next }
/^- / { sub(/^- /, ""); print ".IP \\(bu 2\n" inline($0); para = 1; next }
/^$/ { para = 0; next }
{ if (!para) { print ".PP"; para = 1 }; print inline($0) }
END { if (inblock) { print "gen-man: unterminated code block" > "/dev/stderr"; exit 1 } }
' "$src" >"$out.tmp"
mv "$out.tmp" "$out"
