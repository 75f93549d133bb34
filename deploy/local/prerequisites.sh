#!/usr/bin/env bash
# Install what a bare machine lacks to run the platform and its tests: `make up`,
# `make test` and CI (.ci/run) all call this. Nothing is installed that is already there.
#
#   java    a JDK (Debian: default-jdk-headless)   runs the Kafka broker
#   mvn     Maven (maven)                          fetches the broker's jars from Maven Central
#   pg_ctl  PostgreSQL's server (postgresql)       a private cluster per checkout / test run
#   curl    (curl)                                 readiness checks of the services
#   make    (make)                                 the two commands
#   uv      (pip install --user uv)                the Python workspace (~/.local/bin/uv)
#
# Packages come from apt-get, as root or through sudo. When KAFKA_BOOTSTRAP_SERVERS is set
# no JDK or Maven is needed; when POSTGRES_URL is set, no PostgreSQL server.
# Usage: prerequisites.sh [TOOL...]   (default: every tool above)
set -euo pipefail

SCRIPT_NAME=prerequisites
# shellcheck source=deploy/local/common.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"

has_postgres_server() {
	command -v pg_ctl >/dev/null 2>&1 && return 0
	local bin
	for bin in /usr/lib/postgresql/*/bin/pg_ctl; do
		[[ -x $bin ]] && return 0
	done
	return 1
}

has_uv() {
	command -v uv >/dev/null 2>&1 || [[ -x $HOME/.local/bin/uv ]]
}

# Prints the Debian package that provides a missing tool (nothing when it is there).
missing_package() {
	case $1 in
	java) [[ -n ${KAFKA_BOOTSTRAP_SERVERS:-} ]] || command -v java >/dev/null 2>&1 || echo default-jdk-headless ;;
	mvn) [[ -n ${KAFKA_BOOTSTRAP_SERVERS:-} ]] || command -v mvn >/dev/null 2>&1 || echo maven ;;
	pg_ctl) [[ -n ${POSTGRES_URL:-} ]] || has_postgres_server || echo postgresql ;;
	curl) command -v curl >/dev/null 2>&1 || echo curl ;;
	make) command -v make >/dev/null 2>&1 || echo make ;;
	uv) has_uv || python3 -m pip --version >/dev/null 2>&1 || echo python3-pip ;;
	*) die "unknown tool '$1' (known: java mvn pg_ctl curl make uv)" ;;
	esac
}

# Runs a command as root: directly, or through sudo when that is available.
as_root() {
	if [[ $(id -u) -eq 0 ]]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo -- "$@"
	else
		return 1
	fi
}

apt_install() {
	log "installing ${*} (apt-get)"
	command -v apt-get >/dev/null 2>&1 ||
		die "no apt-get here: install ${*} (or their equivalents) with your package manager, then run this again"
	if [[ $(id -u) -ne 0 ]] && ! command -v sudo >/dev/null 2>&1; then
		die "not root and no sudo: install ${*} as root (apt-get install ${*}), then run this again"
	fi
	as_root apt-get update -qq
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}

install_uv() {
	has_uv && return 0
	log "installing uv (python3 -m pip install --user uv)"
	python3 -m pip install --quiet --user uv 2>/dev/null ||
		python3 -m pip install --quiet --user --break-system-packages uv
	has_uv || die "uv was installed but is not on PATH nor in ~/.local/bin"
}

main() {
	local -a tools=("$@") packages=()
	((${#tools[@]})) || tools=(java mvn pg_ctl curl make uv)
	local tool package
	for tool in "${tools[@]}"; do
		package=$(missing_package "$tool")
		[[ -z $package ]] || packages+=("$package")
	done
	if ((${#packages[@]})); then
		apt_install "${packages[@]}"
	fi
	for tool in "${tools[@]}"; do
		[[ $tool != uv ]] || install_uv
	done
	((${#packages[@]})) || log "${tools[*]}: present"
}

main "$@"
