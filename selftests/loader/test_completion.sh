#!/bin/bash
# Bash completion completes commands, each command's options (from the
# binary's own --help) and their values (interfaces, XDP modes, states).
. "$(dirname "$0")/../lib.sh"

# complete WORDS...: the completions bash offers for the last word.
complete_words() {
	bash -c '
		. "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
		_turnstile; printf "%s\n" "${COMPREPLY[@]}"' _ "$TS_ROOT/scripts/turnstile.bash-completion" "$@"
}

bin_dir=$(dirname "$TS_BIN")
export PATH="$bin_dir:$PATH"
got=$(complete_words turnstile s | sort | tr '\n' ' ')
[ "$got" = "show stats status " ] && ts_pass complete_commands || ts_fail complete_commands "'$got'"
got=$(complete_words turnstile stats --w | tr '\n' ' ')
[ "$got" = "--watch " ] && ts_pass complete_options || ts_fail complete_options "'$got'"
got=$(complete_words turnstile flows --kill --st | tr '\n' ' ')
[ "$got" = "--state " ] && ts_pass complete_options_after_options || ts_fail complete_options_after_options "'$got'"
got=$(complete_words turnstile up p.policy -i lo | tr '\n' ' ')
[ "$got" = "lo " ] && ts_pass complete_interfaces || ts_fail complete_interfaces "'$got'"
got=$(complete_words turnstile up p.policy --xdp-mode n | tr '\n' ' ')
[ "$got" = "native " ] && ts_pass complete_xdp_mode || ts_fail complete_xdp_mode "'$got'"
got=$(complete_words turnstile flows --state est | tr '\n' ' ')
[ "$got" = "established " ] && ts_pass complete_flow_state || ts_fail complete_flow_state "'$got'"
ts_exit
