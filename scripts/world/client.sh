# shellcheck shell=bash
# client.sh - real clients: curl over HTTPS to port 443, by name where the
# host has one (resolved through the world's DNS, across the gateway), else
# by address.

WORLD_CONNECT_TIMEOUT=${WORLD_CONNECT_TIMEOUT:-2}

# world_target DST FAMILY: the host part of DST's URL for FAMILY (4 or 6).
world_target() {
	local dst=$1 fam=$2 a
	if [ -n "${WORLD_NAME[$dst]}" ]; then
		echo "${WORLD_NAME[$dst]}"
	elif [ "$fam" = 4 ]; then
		a=${WORLD_V4[$dst]}; echo "${a%% *}"
	else
		a=${WORLD_V6[$dst]}; echo "[${a%% *}]"
	fi
}

# world_curl SRC FAMILY HOST PATH [CURL ARGS...]: fetch https://HOST/PATH
# from SRC; body on stdout, curl's exit status.
world_curl() {
	local src=$1 fam=$2 host=$3 path=$4; shift 4
	world_exec "$src" curl -sS -"$fam" --cacert "$(world_ca)" \
		--connect-timeout "$WORLD_CONNECT_TIMEOUT" -m 20 "$@" \
		"https://$host/$path"
}

# world_attempt SRC DST FAMILY: open a TLS connection from SRC to DST:443
# and print one word:
#   ok       the TLS handshake completed and DST itself answered
#   timeout  no answer (a dropped SYN)
#   wrong    someone else answered
#   error:N  curl failed otherwise (exit status N)
world_attempt() {
	local src=$1 dst=$2 fam=$3 body rc
	body=$(world_curl "$src" "$fam" "$(world_target "$dst" "$fam")" index.html 2>/dev/null)
	rc=$?
	if [ $rc = 0 ]; then
		[ "$body" = "turnstile-world host=$dst" ] && echo ok || echo wrong
	elif [ $rc = 28 ]; then
		echo timeout
	else
		echo "error:$rc"
	fi
}
