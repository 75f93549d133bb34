# Helpers shared by kafka.sh and postgres.sh (sourced; SCRIPT_NAME set by the caller).
# shellcheck shell=bash

die() {
	echo "$SCRIPT_NAME: error: $*" >&2
	exit 1
}

log() {
	echo "$SCRIPT_NAME: $*" >&2
}

abspath() {
	case $1 in
	/*) printf '%s\n' "$1" ;;
	*) printf '%s\n' "$PWD/$1" ;;
	esac
}

is_uint() {
	[[ $1 =~ ^[0-9]+$ ]]
}

port_open() {
	# shellcheck disable=SC2016 # $1 is expanded by the inner bash
	timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" 2>/dev/null
}

# Prints who listens on TCP port $1 ("pid 123 (java)"), or nothing when it cannot tell.
port_holder() {
	local port=$1 line
	if command -v ss >/dev/null 2>&1; then
		line=$(ss -Hltnp "sport = :$port" 2>/dev/null | head -n 1)
		if [[ $line =~ users:\(\(\"([^\"]*)\",pid=([0-9]+) ]]; then
			printf 'pid %s (%s)\n' "${BASH_REMATCH[2]}" "${BASH_REMATCH[1]}"
			return 0
		fi
	fi
	if command -v lsof >/dev/null 2>&1; then
		line=$(lsof -nP -iTCP:"$port" -sTCP:LISTEN -Fpc 2>/dev/null | tr '\n' ' ')
		if [[ $line =~ p([0-9]+)\ c([^ ]*) ]]; then
			printf 'pid %s (%s)\n' "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}"
		fi
	fi
}

# Fails naming the port, what it was meant for and who holds it when 127.0.0.1:$1 is taken.
check_port_free() {
	local port=$1 purpose=$2 holder
	port_open "$port" || return 0
	holder=$(port_holder "$port")
	echo "$SCRIPT_NAME: error: port $port ($purpose) is already in use${holder:+ by $holder}; stop it or choose another port" >&2
	return 1
}
