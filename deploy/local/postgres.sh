#!/usr/bin/env bash
# Run a private PostgreSQL cluster (trust auth, 127.0.0.1 only) from the distribution's
# binaries -- no Docker, no system service. Several clusters can run side by side: give
# each its own PG_DATA_DIR and PG_PORT.
#
# PostgreSQL refuses to run as root. When this script runs as root it runs initdb/pg_ctl
# as the OS user $PG_OS_USER (default postgres; created if missing), owns the data dir
# to that user and grants it search (o+x) permission on the data dir's ancestors where
# it lacks it (e.g. /root, which is 0700 on Debian).
set -euo pipefail

SCRIPT_NAME=$(basename -- "${BASH_SOURCE[0]}")
# shellcheck source=deploy/local/common.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"

usage() {
	cat <<EOF
Usage: $SCRIPT_NAME {start|stop|status}

  start    initdb once, start the cluster, wait until it accepts connections and
           print its URL. No-op if already running.
  stop     fast shutdown (pg_ctl stop -m fast); no-op if not running
  status   print "running" and exit 0, or print "stopped" and exit 1

Environment (defaults):
  PG_DATA_DIR=\${APPEALS_STATE_DIR:-\$HOME/.local/state/appeals-platform}/postgres
                        cluster directory; also holds postgres.log and the unix socket
  PG_PORT=55432         TCP port on 127.0.0.1
  PG_BIN=               directory with initdb/pg_ctl/postgres; default: the (symlink-
                        resolved) directory of pg_ctl on PATH, else the newest
                        /usr/lib/postgresql/*/bin
  PG_OS_USER=postgres   OS user that runs the server when this script runs as root
  PG_START_TIMEOUT=60   seconds to wait for the server to accept connections

Connect: psql -h 127.0.0.1 -p \$PG_PORT -U postgres   (superuser postgres, no password)
EOF
}

PG_DATA_DIR=${PG_DATA_DIR:-${APPEALS_STATE_DIR:-$HOME/.local/state/appeals-platform}/postgres}
PG_PORT=${PG_PORT:-55432}
PG_BIN=${PG_BIN:-}
PG_OS_USER=${PG_OS_USER:-postgres}
PG_START_TIMEOUT=${PG_START_TIMEOUT:-60}

PG_DATA_DIR=$(abspath "$PG_DATA_DIR")
PG_DATA_DIR=${PG_DATA_DIR%/}
LOG_FILE=$PG_DATA_DIR/postgres.log
LOCAL_CONF=appeals-local.conf
# initdb needs an empty directory, so the lock file lives next to the data dir.
LOCK_FILE=$(dirname -- "$PG_DATA_DIR")/.$(basename -- "$PG_DATA_DIR").lock

IS_ROOT=0
if [[ $(id -u) -eq 0 ]]; then
	IS_ROOT=1
fi

validate_env() {
	if ! [[ $PG_PORT =~ ^[0-9]+$ ]] || ((PG_PORT < 1 || PG_PORT > 65535)); then
		die "PG_PORT must be a TCP port, got '$PG_PORT'"
	fi
	[[ $PG_START_TIMEOUT =~ ^[0-9]+$ ]] || die "PG_START_TIMEOUT must be an integer, got '$PG_START_TIMEOUT'"
	[[ $PG_DATA_DIR != "" && $PG_DATA_DIR != / ]] || die "PG_DATA_DIR must not be /"
}

no_binaries() {
	die "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found${1:+ in $1}. Install them with: apt-get install postgresql (or set PG_BIN to the directory holding them)"
}

detect_bin() {
	if [[ -n $PG_BIN ]]; then
		PG_BIN=$(abspath "$PG_BIN")
	else
		local p
		if p=$(command -v pg_ctl 2>/dev/null); then
			# /usr/local/bin/pg_ctl may be a symlink into /usr/lib/postgresql/N/bin, which
			# is where the rest (pg_isready, ...) lives.
			PG_BIN=$(dirname -- "$(readlink -f -- "$p")")
		else
			local d
			# the glob sorts lexically (10 < 9); pick the numerically newest
			p=$(for d in /usr/lib/postgresql/*/bin; do [[ -x $d/pg_ctl ]] && printf '%s\n' "$d"; done | sort -V | tail -n 1)
			[[ -n $p ]] || no_binaries
			PG_BIN=$p
		fi
	fi
	local tool
	for tool in initdb pg_ctl postgres; do
		[[ -x $PG_BIN/$tool ]] || no_binaries "$PG_BIN"
	done
	if [[ -x $PG_BIN/pg_isready ]]; then
		PG_ISREADY=$PG_BIN/pg_isready
	elif PG_ISREADY=$(command -v pg_isready 2>/dev/null); then
		:
	else
		PG_ISREADY=
	fi
}

# Run a command as the cluster owner (from /, so an unreadable cwd such as /root does
# not bother it). The lock fd 8 is closed so the server never inherits it.
as_pg() {
	if ((IS_ROOT)); then
		(cd / && runuser -u "$PG_OS_USER" -- "$@" 8>&-)
	else
		(cd / && "$@" 8>&-)
	fi
}

ensure_os_user() {
	((IS_ROOT)) || return 0
	if ! id -u "$PG_OS_USER" >/dev/null 2>&1; then
		log "creating OS user $PG_OS_USER"
		useradd --system --user-group --no-create-home --home-dir /var/lib/postgresql \
			--shell /usr/sbin/nologin "$PG_OS_USER" || die "could not create OS user $PG_OS_USER"
	fi
}

# Make sure $PG_OS_USER can reach $1: add o+x (search, not read) to ancestors it cannot
# traverse.
ensure_traversable() {
	((IS_ROOT)) || return 0
	local target=$1 path="" part
	local -a parts
	IFS=/ read -r -a parts <<<"${target#/}"
	for part in "${parts[@]}"; do
		[[ -n $part ]] || continue
		path=$path/$part
		[[ $path == "$target" ]] && break
		if ! as_pg test -x "$path"; then
			log "granting search permission (chmod o+x) on $path so $PG_OS_USER can reach $target"
			chmod o+x -- "$path"
		fi
	done
}

# True when running as root and the cluster's OS user does not exist (so nothing can run).
no_cluster_user() {
	((IS_ROOT)) && ! id -u "$PG_OS_USER" >/dev/null 2>&1
}

is_initialised() {
	[[ -f $PG_DATA_DIR/PG_VERSION ]]
}

# pid of the postmaster recorded in postmaster.pid, if that process exists and is not a
# zombie. (pg_ctl status counts a killed-but-unreaped postmaster as running; in containers
# whose init reaps slowly that made start say "already running" and stop hang.)
live_postmaster_pid() {
	local pid stat
	pid=$(head -n 1 -- "$PG_DATA_DIR/postmaster.pid" 2>/dev/null) || return 1
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	# (not $(<file): under set -e bash 5.2 exits when that redirection fails)
	stat=$(cat -- "/proc/$pid/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[[ ${stat:0:1} != Z ]] || return 1
	printf '%s\n' "$pid"
}

# After a crash (kill -9) the dead postmaster can linger as a zombie until init reaps it;
# postgres itself then refuses to start ("lock file postmaster.pid already exists"), so
# wait for the zombie to go away instead of deleting the lock file.
wait_for_zombie_postmaster() {
	local pid stat i
	pid=$(head -n 1 -- "$PG_DATA_DIR/postmaster.pid" 2>/dev/null) || return 0
	[[ $pid =~ ^[0-9]+$ ]] || return 0
	for ((i = 0; i < 120; i++)); do
		stat=$(cat -- "/proc/$pid/stat" 2>/dev/null) || return 0
		stat=${stat##*) }
		[[ ${stat:0:1} == Z ]] || return 0
		((i > 0)) || log "previous postmaster (pid $pid) is a zombie; waiting for it to be reaped..."
		sleep 0.25
	done
	die "the dead postmaster (pid $pid) has not been reaped after 30s; PostgreSQL will not start while it exists (its parent/init must reap it)"
}

is_running() {
	is_initialised || return 1
	live_postmaster_pid >/dev/null || return 1
	as_pg "$PG_BIN/pg_ctl" status -D "$PG_DATA_DIR" >/dev/null 2>&1
}

# Port recorded by the running postmaster (line 4 of postmaster.pid).
running_port() {
	sed -n 4p "$PG_DATA_DIR/postmaster.pid" 2>/dev/null || true
}

socket_dir() {
	# sun_path is 108 bytes; "<dir>/.s.PGSQL.<port>" must fit. Deep data dirs (pytest
	# tmp_path, ...) fall back to a short per-data-dir directory under /tmp.
	local suffix="/.s.PGSQL.$PG_PORT.lock"
	if ((${#PG_DATA_DIR} + ${#suffix} <= 100)); then
		printf '%s\n' "$PG_DATA_DIR"
	else
		local sum
		sum=$(printf '%s' "$PG_DATA_DIR" | cksum | cut -d' ' -f1)
		printf '/tmp/appeals-pg-%s\n' "$sum"
	fi
}

initdb_cluster() {
	local owner
	mkdir -p -- "$PG_DATA_DIR"
	if ((IS_ROOT)); then
		owner=$(stat -c %U -- "$PG_DATA_DIR")
		if [[ $owner != "$PG_OS_USER" ]]; then
			[[ -z $(ls -A -- "$PG_DATA_DIR") ]] ||
				die "$PG_DATA_DIR is not empty and not owned by $PG_OS_USER; move it away or chown -R $PG_OS_USER: it"
			chown -- "$PG_OS_USER:" "$PG_DATA_DIR"
		fi
	fi
	chmod 700 -- "$PG_DATA_DIR"
	ensure_traversable "$PG_DATA_DIR"
	[[ -z $(ls -A -- "$PG_DATA_DIR") ]] ||
		die "$PG_DATA_DIR exists, is not empty and holds no PostgreSQL cluster (no PG_VERSION); move it away or point PG_DATA_DIR elsewhere"

	# C.UTF-8 keeps byte-order collation (fast, deterministic) while upper()/lower()/ILIKE
	# still understand non-ASCII (Cyrillic) letters; plain C would not.
	local locale=C
	if locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then
		locale=C.UTF-8
	else
		log "warning: C.UTF-8 locale not available, using C (case-insensitive matching of non-ASCII text will not work)"
	fi

	log "initialising cluster in $PG_DATA_DIR (PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}'), locale $locale)"
	local out
	if ! out=$(as_pg "$PG_BIN/initdb" -D "$PG_DATA_DIR" -U postgres --auth=trust \
		--encoding=UTF8 --locale="$locale" 2>&1); then
		printf '%s\n' "$out" >&2
		die "initdb failed"
	fi
	printf '\n# Added by %s: per-instance settings, rewritten on every start.\ninclude_if_exists = '\''%s'\''\n' \
		"$SCRIPT_NAME" "$LOCAL_CONF" >>"$PG_DATA_DIR/postgresql.conf"
}

write_local_conf() {
	local sock=$1 conf=$PG_DATA_DIR/$LOCAL_CONF
	cat >"$conf" <<EOF
# Generated by $SCRIPT_NAME on every start -- edit the script, not this file.
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$sock'
max_connections = 200
EOF
	if ((IS_ROOT)); then
		chown -- "$PG_OS_USER:" "$conf"
	fi
	chmod 600 -- "$conf"
}

log_tail() {
	if [[ -f $LOG_FILE ]]; then
		echo "----- last 40 lines of $LOG_FILE -----" >&2
		tail -n 40 -- "$LOG_FILE" >&2
		echo "-----" >&2
	fi
}

url() {
	echo "postgresql://postgres@127.0.0.1:$1"
}

do_start() {
	if is_running; then
		local port
		port=$(running_port)
		log "already running (port ${port:-?}, data $PG_DATA_DIR)"
		if [[ -n $port && $port != "$PG_PORT" ]]; then
			log "warning: it listens on $port, not PG_PORT=$PG_PORT; stop it first to change the port"
		fi
		url "${port:-$PG_PORT}"
		return 0
	fi
	if port_open "$PG_PORT"; then
		die "port 127.0.0.1:$PG_PORT is already in use (another cluster? pick another PG_PORT)"
	fi
	if is_initialised; then
		wait_for_zombie_postmaster
	else
		initdb_cluster
	fi
	if ((IS_ROOT)); then
		local owner
		owner=$(stat -c %U -- "$PG_DATA_DIR")
		[[ $owner == "$PG_OS_USER" ]] ||
			die "$PG_DATA_DIR is owned by $owner, expected $PG_OS_USER (chown -R $PG_OS_USER: $PG_DATA_DIR)"
		ensure_traversable "$PG_DATA_DIR"
	fi

	local sock
	sock=$(socket_dir)
	if [[ $sock != "$PG_DATA_DIR" ]]; then
		log "data dir path too long for a unix socket; using socket directory $sock"
		mkdir -p -- "$sock"
		chmod 700 -- "$sock"
		if ((IS_ROOT)); then
			chown -- "$PG_OS_USER:" "$sock"
		fi
	fi
	write_local_conf "$sock"

	local started=$SECONDS
	if ! as_pg "$PG_BIN/pg_ctl" start -w -t "$PG_START_TIMEOUT" -D "$PG_DATA_DIR" -l "$LOG_FILE" >/dev/null; then
		log_tail
		die "pg_ctl start failed; full log: $LOG_FILE"
	fi

	if [[ -n $PG_ISREADY ]]; then
		local deadline=$((SECONDS + PG_START_TIMEOUT))
		until "$PG_ISREADY" -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -t 2 8>&-; do
			if ((SECONDS >= deadline)); then
				log_tail
				die "server started but pg_isready -h 127.0.0.1 -p $PG_PORT did not succeed within ${PG_START_TIMEOUT}s"
			fi
			sleep 0.25
		done
	else
		log "warning: pg_isready not found; relying on pg_ctl -w"
	fi
	log "started in $((SECONDS - started))s; data: $PG_DATA_DIR, log: $LOG_FILE"
	url "$PG_PORT"
}

do_stop() {
	if ! is_running; then
		log "not running"
		return 0
	fi
	log "stopping (fast)..."
	if ! as_pg "$PG_BIN/pg_ctl" stop -D "$PG_DATA_DIR" -m fast -w -t 60 >/dev/null; then
		if is_running; then
			log_tail
			die "pg_ctl stop failed; full log: $LOG_FILE"
		fi
	fi
	log "stopped"
}

status() {
	if is_running; then
		echo "running"
		return 0
	fi
	echo "stopped"
	return 1
}

with_lock() {
	mkdir -p -- "$(dirname -- "$LOCK_FILE")"
	(
		flock -w 180 8 || die "timed out waiting for the lock $LOCK_FILE"
		"$@"
	) 8>"$LOCK_FILE"
}

main() {
	local cmd=${1:-}
	case $cmd in
	start | stop | status)
		validate_env
		detect_bin
		;;
	esac
	case $cmd in
	start)
		ensure_os_user
		with_lock do_start
		;;
	stop)
		if no_cluster_user; then
			log "not running"
		else
			with_lock do_stop
		fi
		;;
	status)
		if no_cluster_user; then
			echo "stopped"
			exit 1
		fi
		status
		;;
	-h | --help | help) usage ;;
	*)
		usage >&2
		exit 2
		;;
	esac
}

main "$@"
