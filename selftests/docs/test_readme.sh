#!/bin/bash
# The README's generated sections (CLI, grammar, seed policy) are exactly
# what their one source in docs/ and policies/ says: they cannot drift.
. "$(dirname "$0")/../lib.sh"

if out=$("$TS_ROOT/scripts/sync-readme.py" --check 2>&1); then
	ts_pass readme_in_sync
else
	ts_fail readme_in_sync "$out"
fi

# Every relative link in the README points at a file of the repository.
missing=""
for target in $(grep -o '](\([^)#]*\))' "$TS_ROOT/README.md" | sed 's/^](\(.*\))$/\1/' | grep -v '^http'); do
	[ -e "$TS_ROOT/$target" ] || missing+=" $target"
done
if [ -z "$missing" ]; then ts_pass readme_links; else ts_fail readme_links "missing:$missing"; fi
ts_exit
