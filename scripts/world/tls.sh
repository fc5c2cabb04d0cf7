# shellcheck shell=bash
# tls.sh - a CA and one server certificate (every name and address of the
# plan as SANs), and a real HTTPS server on 443 for every address of every
# host: `openssl s_server -WWW` serving the host's directory, whose
# index.html names the host (so a client knows whom it reached) and whose
# big.bin is WORLD_BIG_MB of random bytes for long transfers.

WORLD_BIG_MB=${WORLD_BIG_MB:-8}

world_ca() { echo "$WORLD_DIR/tls/ca.pem"; }

world_tls_up() {
	local dir=$WORLD_DIR/tls san="" name key a
	mkdir -p "$dir" || return 1
	while read -r name _; do san+="DNS:$name,"; done <<<"$WORLD_DNS_RECORDS"
	san+="DNS:*.blob.core.windows.net"
	for key in "${WORLD_HOSTS[@]}"; do
		for a in ${WORLD_V4[$key]} ${WORLD_V6[$key]}; do san+=",IP:$a"; done
	done
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$dir/ca.key" -out "$dir/ca.pem" -days 2 \
		-subj "/CN=turnstile world CA" 2>"$dir/log" &&
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$dir/server.key" -out "$dir/server.csr" \
		-subj "/CN=turnstile world" 2>>"$dir/log" &&
	openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
		-CAcreateserial -days 2 -out "$dir/server.pem" \
		-extfile <(printf 'subjectAltName=%s\n' "$san") 2>>"$dir/log" &&
	head -c "$((WORLD_BIG_MB * 1024 * 1024))" /dev/urandom >"$dir/big.bin"
}

# world_serve KEY: one s_server per address of KEY, in KEY's directory.
world_serve() {
	local key=$1 a www=$WORLD_DIR/www/$1 tls=$WORLD_DIR/tls
	mkdir -p "$www" || return 1
	echo "turnstile-world host=$key" >"$www/index.html"
	ln -sf "$tls/big.bin" "$www/big.bin"
	for a in ${WORLD_V4[$key]} ${WORLD_V6[$key]}; do
		case "$a" in *:*) a="[$a]" ;; esac
		(cd "$www" && exec ip netns exec "$(world_ns "$key")" openssl s_server \
			-quiet -WWW -accept "$a:443" -cert "$tls/server.pem" \
			-key "$tls/server.key") >>"$WORLD_DIR/www/$key.log" 2>&1 & disown
	done
}

# True when every address of KEY has a listener on 443.
_world_listening() {
	local key=$1 n want
	want=$(echo ${WORLD_V4[$key]} ${WORLD_V6[$key]} | wc -w)
	n=$(world_nsenter "$key" ss -Hltn 'sport = :443' | wc -l)
	[ "$n" -ge "$want" ]
}

world_servers_up() {
	local key
	for key in "${WORLD_HOSTS[@]}"; do world_serve "$key" || return 1; done
	for key in "${WORLD_HOSTS[@]}"; do
		world_wait 10 _world_listening "$key" || {
			echo "world: HTTPS servers of $key did not start" >&2
			return 1
		}
	done
}
