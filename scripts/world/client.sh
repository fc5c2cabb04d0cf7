# shellcheck shell=bash
# client.sh - real clients: curl over HTTPS to port 443, by name where the
# host has one (resolved through the world's DNS, across the gateway), else
# by address.

WORLD_CONNECT_TIMEOUT=${WORLD_CONNECT_TIMEOUT:-2}

# world_target DST FAMILY [SRC]: the host part of DST's URL for FAMILY (4
# or 6): its name, else its address for SRC (world_cell_addr).
world_target() {
	local dst=$1 fam=$2 src=${3:-} a
	if [ -n "${WORLD_NAME[$dst]}" ]; then
		echo "${WORLD_NAME[$dst]}"
		return
	fi
	a=$(world_cell_addr "$dst" "$src" "$fam")
	if [ "$fam" = 4 ]; then echo "$a"; else echo "[$a]"; fi
}

# world_curl SRC FAMILY HOST PATH [CURL ARGS...]: fetch https://HOST/PATH
# from SRC; body on stdout, curl's exit status.
world_curl() {
	local src=$1 fam=$2 host=$3 path=$4; shift 4
	world_exec "$src" curl -sS -"$fam" --cacert "$(world_ca)" \
		--connect-timeout "$WORLD_CONNECT_TIMEOUT" -m 20 "$@" \
		"https://$host/$path"
}

# world_attempt SRC DST FAMILY: open a TLS connection from SRC (from its
# address for DST, world_cell_addr) to DST:443 and print one word:
#   ok       the TLS handshake completed and DST itself answered
#   timeout  no answer (a dropped SYN)
#   wrong    someone else answered
#   error:N  curl failed otherwise (exit status N)
world_attempt() {
	local src=$1 dst=$2 fam=$3 body rc
	body=$(world_curl "$src" "$fam" "$(world_target "$dst" "$fam" "$src")" index.html \
		--interface "$(world_cell_addr "$src" "$dst" "$fam")" 2>/dev/null)
	rc=$?
	if [ $rc = 0 ]; then
		[ "$body" = "turnstile-world host=$dst" ] && echo ok || echo wrong
	elif [ $rc = 28 ]; then
		echo timeout
	else
		echo "error:$rc"
	fi
}

# world_stream SRC DST FILE STOPFILE: new connections SRC -> DST every
# 0.2 s, alternating families, until STOPFILE exists; a line "FAMILY
# RESULT" (world_attempt's word) each in FILE.
world_stream() {
	local fam=4
	until [ -e "$4" ]; do
		echo "$fam $(world_attempt "$1" "$2" "$fam")" >>"$3"
		fam=$((10 - fam))
		sleep 0.2
	done
}

# world_hold_open TAG SRC FAMILY HOST: open a TLS connection from SRC to
# HOST:443 with openssl s_client and keep it open, idle; its request is
# sent later by world_hold_request TAG. Returns once the handshake is done.
world_hold_open() {
	local src=$2 fam=$3 host=$4 d=$WORLD_DIR/hold.$1
	mkdir -p "$d" && mkfifo "$d/in" || return 1
	# A writer that never writes keeps the fifo open between requests.
	# It runs in SRC's namespace so that world_down ends it too.
	echo "$src $fam" >"$d/conn"
	world_nsenter "$src" sleep 1000000 >"$d/in" 2>/dev/null &
	echo $! >"$d/writer.pid"; disown
	world_exec "$src" openssl s_client -quiet -verify_return_error \
		-CAfile "$(world_ca)" -servername "$host" -connect "$host:443" -"$fam" \
		<"$d/in" >"$d/out" 2>"$d/err" & echo $! >"$d/pid"; disown
	world_wait 5 grep -q 'verify return:1' "$d/err"
}

# world_hold_peer TAG: the peer address of the held connection (the only
# established connection to port 443 of its source and family).
world_hold_peer() {
	local src fam
	read -r src fam <"$WORLD_DIR/hold.$1/conn"
	world_nsenter "$src" ss -Htn -"$fam" state established '( dport = :443 )' |
		awk '{ a = $NF; sub(/:443$/, "", a); gsub(/[][]/, "", a); print a }'
}

_world_hold_done() { ! kill -0 "$(cat "$WORLD_DIR/hold.$1/pid")" 2>/dev/null; }

# world_hold_request TAG: send the request on the held connection and print
# the answer's body line; fails when no answer comes back.
world_hold_request() {
	local d=$WORLD_DIR/hold.$1
	printf 'GET /index.html HTTP/1.0\r\n\r\n' >"$d/in" || return 1
	world_wait 5 _world_hold_done "$1" || return 1
	grep '^turnstile-world' "$d/out"
}

# world_hold_close TAG: end the held connection and its helpers.
world_hold_close() {
	local d=$WORLD_DIR/hold.$1
	kill "$(cat "$d/writer.pid")" "$(cat "$d/pid")" 2>/dev/null
	return 0
}
