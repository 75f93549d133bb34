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
