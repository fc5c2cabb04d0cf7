# shellcheck shell=bash
# selftests/bench/live/brackets.sh - bench-live's brackets (sourced by
# run): every receiver's window lies between two bare windows in
# results.txt, and its ratio is to their mean. When the two differ by
# more than STEADY percent (the host's speed moved under it), the
# receiver's window and the bare one after it are dropped and taken
# again behind a fresh bare window, RETRIES times at most; a window whose
# counters disagree is never dropped (it fails the bench). The caller
# provides OUT, STEADY, RETRIES, measure (one line a window in
# $OUT/results.txt: run scenario family receiver mpps ns check),
# receiver_up, receiver_down and bare_window.

# bracket_steady: whether the last receiver's bare windows, the lines
# either side of it in results.txt, differ by at most STEADY percent.
bracket_steady() {
	tail -n 3 "$OUT/results.txt" | awk -v tol="$STEADY" '
		NR == 1 { a = $5 } NR == 3 { b = $5 }
		END { exit !(a > 0 && b > 0 && (a > b ? a / b : b / a) <= 1 + tol / 100) }'
}

# counts_agree: whether the last two windows' counters agreed
counts_agree() {
	tail -n 2 "$OUT/results.txt" | awk '$7 != "ok" { bad = 1 } END { exit bad }'
}

# bracketed RUN SCENARIO FAMILY KIND RECEIVER: the receiver's window and
# the bare one after it (the one before is results.txt's last line),
# measured again while unsteady; appends its line to brackets.txt: run
# scenario family receiver retries steady|unsteady.
bracketed() {
	local tries=0 state
	while :; do
		receiver_up "$2" "$3" "$5"
		measure "$1" "$2" "$3" "$5"
		receiver_down "$5"
		bare_window "$1" "$2" "$3" "$4"
		state=steady
		bracket_steady && break
		state=unsteady
		[ "$tries" -lt "$RETRIES" ] && counts_agree || break
		tries=$((tries + 1))
		echo "  (the bare windows around $5 differ by more than $STEADY%: measured again)"
		head -n -2 "$OUT/results.txt" >"$OUT/results.tmp"
		mv "$OUT/results.tmp" "$OUT/results.txt"
		bare_window "$1" "$2" "$3" "$4"
	done
	echo "$1 $2 v$3 $5 $tries $state" >>"$OUT/brackets.txt"
}
