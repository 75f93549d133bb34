#!/usr/bin/env bash
# Bring the whole platform up or down on this machine: Kafka and PostgreSQL (unless
# KAFKA_BOOTSTRAP_SERVERS / POSTGRES_URL point at your own), topics, databases and
# migrations, the demo city, and every declared service (`python -m services declared`)
# as its own process. Unless INTAKE_SMS_BASE_URL names a real SMS gateway (with
# INTAKE_SMS_API_KEY), a local fake gateway takes the sign-in codes; its inbox is printed.
#
# `up` first checks that every port it needs is free (Kafka, its controller, PostgreSQL,
# the fake SMS gateway, each service's <PREFIX>_HTTP_PORT) and starts nothing when one is
# taken; if a later step fails it stops whatever this run started, so a failed `up` leaves
# nothing running.
set -euo pipefail

HERE=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd -- "$HERE/../.." && pwd)
STATE_DIR=${APPEALS_STATE_DIR:-$HOME/.local/state/appeals-platform}
RUN_DIR="$STATE_DIR/run"
CITY_DIR=${CITY_DIR:-$REPO/deploy/demo-city}
PYTHON=${PYTHON:-$REPO/.venv/bin/python}
SERVICE_START_TIMEOUT=${SERVICE_START_TIMEOUT:-120}
# The ports kafka.sh and postgres.sh will use (their defaults), checked before starting.
KAFKA_PORT=${KAFKA_PORT:-9092}
KAFKA_CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-9093}
PG_PORT=${PG_PORT:-55432}
# The local fake SMS gateway (`python -m services fake-sms`); FAKE_SMS_REFUSED lists
# numbers (+7...) it refuses, space-separated, to try the "cannot send" path.
FAKE_SMS_PORT=${FAKE_SMS_PORT:-8090}
FAKE_SMS_REFUSED=${FAKE_SMS_REFUSED:-}

SCRIPT_NAME=platform
# shellcheck source=deploy/local/common.sh
source "$HERE/common.sh"

# ---------------------------------------------------------------------------- declarations

# The declared services, index by index; a service's port is <PREFIX>_HTTP_PORT if set.
NAMES=() PACKAGES=() PREFIXES=() PORTS=() SUMMARIES=()

load_declarations() {
	[[ -x $PYTHON ]] || die "$PYTHON not found: run 'make install' first (or set PYTHON)"
	local declared name package prefix port summary variable
	declared=$("$PYTHON" -m services declared name package env_prefix port summary) ||
		die "could not read the service declarations (python -m services declared)"
	[[ -n $declared ]] || die "no service is declared (entry point group appeals.services)"
	while IFS=$'\t' read -r name package prefix port summary; do
		variable=${prefix}_HTTP_PORT
		port=${!variable:-$port}
		is_uint "$port" || die "$variable must be a TCP port, got '$port'"
		NAMES+=("$name") PACKAGES+=("$package") PREFIXES+=("$prefix") PORTS+=("$port")
		SUMMARIES+=("$summary")
	done <<<"$declared"
}

# ---------------------------------------------------------------------------- services

pid_file() { echo "$RUN_DIR/${PACKAGES[$1]}.pid"; }
log_file() { echo "$RUN_DIR/${PACKAGES[$1]}.log"; }

# Prints the pid of service $1 if its pid file names a live `python -m <package> serve`.
service_pid() {
	local pidfile pid
	pidfile=$(pid_file "$1")
	[[ -f $pidfile ]] || return 1
	pid=$(cat -- "$pidfile" 2>/dev/null) || return 1
	is_uint "$pid" || return 1
	[[ $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) == *"-m ${PACKAGES[$1]} serve"* ]] || return 1
	echo "$pid"
}

start_service() {
	local i=$1 pid
	if pid=$(service_pid "$i"); then
		log "${NAMES[$i]} already running (pid $pid)"
		return 0
	fi
	CLEANUP+=("service:$i")
	env "${PREFIXES[$i]}_HTTP_PORT=${PORTS[$i]}" setsid nohup "$PYTHON" -m "${PACKAGES[$i]}" serve \
		>"$(log_file "$i")" 2>&1 </dev/null &
	echo $! >"$(pid_file "$i")"
}

wait_ready() {
	local i=$1 deadline=$((SECONDS + SERVICE_START_TIMEOUT))
	until curl -fsS "http://127.0.0.1:${PORTS[$i]}/health/ready" >/dev/null 2>&1; do
		if ! service_pid "$i" >/dev/null; then
			tail -n 30 -- "$(log_file "$i")" >&2 || true
			die "${NAMES[$i]} died during start; log: $(log_file "$i")"
		fi
		((SECONDS < deadline)) ||
			die "${NAMES[$i]} not ready on port ${PORTS[$i]} after ${SERVICE_START_TIMEOUT}s (SERVICE_START_TIMEOUT); log: $(log_file "$i")"
		sleep 0.5
	done
}

# SIGTERM the process in pid file $1, SIGKILL after 10 s; $2 names it in the log.
stop_pid_file() {
	local pidfile=$1 name=$2 pid
	[[ -f $pidfile ]] || return 0
	pid=$(cat -- "$pidfile" 2>/dev/null || true)
	if is_uint "$pid" && kill -TERM "$pid" 2>/dev/null; then
		for _ in $(seq 1 40); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.25
		done
		kill -KILL "$pid" 2>/dev/null || true
		log "stopped $name"
	fi
	rm -f -- "$pidfile"
}

# ---------------------------------------------------------------------------- fake SMS gateway

fake_sms_pid_file() { echo "$RUN_DIR/fake-sms.pid"; }

# Prints the pid of the fake SMS gateway if its pid file names a live one.
fake_sms_pid() {
	local pid
	pid=$(cat -- "$(fake_sms_pid_file)" 2>/dev/null) || return 1
	is_uint "$pid" || return 1
	[[ $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) == *"-m services fake-sms"* ]] || return 1
	echo "$pid"
}

# Starts the fake gateway (unless running) and points the services at it.
fake_sms() {
	local pid refused=() number deadline=$((SECONDS + SERVICE_START_TIMEOUT))
	if pid=$(fake_sms_pid); then
		log "fake SMS gateway already running (pid $pid)"
	else
		for number in $FAKE_SMS_REFUSED; do refused+=(--refuse "$number"); done
		CLEANUP+=(fake-sms)
		setsid nohup "$PYTHON" -m services fake-sms --port "$FAKE_SMS_PORT" "${refused[@]}" \
			>"$RUN_DIR/fake-sms.log" 2>&1 </dev/null &
		echo $! >"$(fake_sms_pid_file)"
	fi
	until curl -fsS "http://127.0.0.1:$FAKE_SMS_PORT/inbox" >/dev/null 2>&1; do
		fake_sms_pid >/dev/null || die "the fake SMS gateway died during start; log: $RUN_DIR/fake-sms.log"
		((SECONDS < deadline)) || die "the fake SMS gateway not ready on port $FAKE_SMS_PORT; log: $RUN_DIR/fake-sms.log"
		sleep 0.5
	done
	INTAKE_SMS_BASE_URL=http://127.0.0.1:$FAKE_SMS_PORT INTAKE_SMS_API_KEY=local
	export INTAKE_SMS_BASE_URL INTAKE_SMS_API_KEY
	LOCAL_SMS=1
}

# ---------------------------------------------------------------------------- ports

# Fails, starting nothing, when a port this run would listen on is taken or used twice.
check_ports() {
	local -a ports=() purposes=()
	if [[ -z ${KAFKA_BOOTSTRAP_SERVERS:-} ]] && ! "$HERE/kafka.sh" status >/dev/null 2>&1; then
		ports+=("$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT")
		purposes+=("Kafka, KAFKA_PORT" "Kafka controller, KAFKA_CONTROLLER_PORT")
	fi
	if [[ -z ${POSTGRES_URL:-} ]] && ! "$HERE/postgres.sh" status >/dev/null 2>&1; then
		ports+=("$PG_PORT")
		purposes+=("PostgreSQL, PG_PORT")
	fi
	if [[ -z ${INTAKE_SMS_BASE_URL:-} ]] && ! fake_sms_pid >/dev/null; then
		ports+=("$FAKE_SMS_PORT")
		purposes+=("fake SMS gateway, FAKE_SMS_PORT")
	fi
	local i j clash=0
	for i in "${!NAMES[@]}"; do
		service_pid "$i" >/dev/null && continue
		ports+=("${PORTS[$i]}")
		purposes+=("${NAMES[$i]} HTTP, ${PREFIXES[$i]}_HTTP_PORT")
	done
	for i in "${!ports[@]}"; do
		for ((j = 0; j < i; j++)); do
			if [[ ${ports[$i]} == "${ports[$j]}" ]]; then
				log "error: port ${ports[$i]} is configured twice: ${purposes[$j]} and ${purposes[$i]}"
				clash=1
			fi
		done
		check_port_free "${ports[$i]}" "${purposes[$i]}" || clash=1
	done
	((clash == 0)) || die "nothing was started"
}

# ---------------------------------------------------------------------------- up / down

# What this run started, undone in reverse order when `up` fails: "kafka", "postgres",
# "fake-sms", "service:<index>".
CLEANUP=()

undo_on_failure() {
	local status=$? k
	((status != 0 && ${#CLEANUP[@]})) || return 0
	log "up failed; stopping what it started"
	for ((k = ${#CLEANUP[@]} - 1; k >= 0; k--)); do
		case ${CLEANUP[$k]} in
		kafka) "$HERE/kafka.sh" stop || true ;;
		postgres) "$HERE/postgres.sh" stop || true ;;
		fake-sms) stop_pid_file "$(fake_sms_pid_file)" "fake SMS gateway" ;;
		service:*) stop_pid_file "$(pid_file "${CLEANUP[$k]#service:}")" "${NAMES[${CLEANUP[$k]#service:}]}" ;;
		esac
	done
}

# The broker `make up` starts runs with SASL/SCRAM and ACLs (KAFKA_AUTH=scram): each
# service signs in as itself and may touch only what it declares. Data made earlier by an
# open broker stays open (remove $STATE_DIR/kafka to get SASL).
kafka_auth() {
	local data=${KAFKA_DATA_DIR:-$STATE_DIR/kafka}
	if [[ -z ${KAFKA_AUTH:-} ]]; then
		KAFKA_AUTH=scram
		if [[ -f $data/logs/meta.properties && ! -s $data/admin.password && -z ${KAFKA_ADMIN_PASSWORD:-} ]]; then
			log "the Kafka data in $data was made by an open broker: it stays open (remove it for SASL/SCRAM)"
			KAFKA_AUTH=none
		fi
	fi
	KAFKA_DATA_DIR=$data
	export KAFKA_AUTH KAFKA_DATA_DIR
}

# Every client signs in: the platform's tools as the admin, each service as itself (its
# password kept under $STATE_DIR/kafka-users, mode 600).
kafka_credentials() {
	[[ $KAFKA_AUTH == scram ]] || return 0
	KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT KAFKA_SASL_MECHANISM=SCRAM-SHA-512 KAFKA_USERNAME=admin
	KAFKA_PASSWORD=${KAFKA_ADMIN_PASSWORD:-$(cat -- "$KAFKA_DATA_DIR/admin.password")}
	export KAFKA_SECURITY_PROTOCOL KAFKA_SASL_MECHANISM KAFKA_USERNAME KAFKA_PASSWORD
	local users=$STATE_DIR/kafka-users i file
	mkdir -p -- "$users"
	chmod 700 -- "$users"
	for i in "${!NAMES[@]}"; do
		file=$users/${NAMES[$i]}.password
		if [[ ! -s $file ]]; then
			(
				umask 077
				head -c 24 /dev/urandom | base64 | tr -d '/+=\n' >"$file"
			)
		fi
		export "${PREFIXES[$i]}_KAFKA_USERNAME=${NAMES[$i]}" "${PREFIXES[$i]}_KAFKA_PASSWORD=$(cat -- "$file")"
	done
	KAFKA_SASL=1
}

infrastructure() {
	if [[ -z ${KAFKA_BOOTSTRAP_SERVERS:-} ]]; then
		kafka_auth
		"$HERE/kafka.sh" status >/dev/null 2>&1 || CLEANUP+=(kafka)
		KAFKA_BOOTSTRAP_SERVERS=$("$HERE/kafka.sh" start)
		kafka_credentials
	fi
	if [[ -z ${POSTGRES_URL:-} ]]; then
		"$HERE/postgres.sh" status >/dev/null 2>&1 || CLEANUP+=(postgres)
		local url
		url=$("$HERE/postgres.sh" start)
		POSTGRES_URL=${url/postgresql:/postgresql+asyncpg:}
	fi
	export KAFKA_BOOTSTRAP_SERVERS POSTGRES_URL
	# Whose tokens the services believe: yours if set, else a local development issuer
	# (key under $STATE_DIR/identity; `python -m services token ROLE` signs with it).
	if [[ -z ${IDENTITY_ISSUERS:-} ]]; then
		IDENTITY_ISSUERS=$(APPEALS_STATE_DIR=$STATE_DIR "$PYTHON" -m services trust-local-issuer)
		LOCAL_ISSUER=1
	fi
	export IDENTITY_ISSUERS
	# Citizens' tokens from phone sign-in survive restarts: intake's key is kept here.
	export INTAKE_TOKEN_KEY_FILE=${INTAKE_TOKEN_KEY_FILE:-$STATE_DIR/identity/intake-token.jwk}
	[[ -n ${INTAKE_SMS_BASE_URL:-} ]] || fake_sms
}

up() {
	load_declarations
	check_ports
	trap undo_on_failure EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	mkdir -p -- "$RUN_DIR"
	infrastructure
	"$PYTHON" -m services topics
	# Each service's SCRAM user and ACLs, from the declarations.
	[[ -z ${KAFKA_SASL:-} ]] || "$PYTHON" -m services kafka-principals
	local i
	for i in "${!NAMES[@]}"; do
		"$PYTHON" -m "${PACKAGES[$i]}" migrate
		"$PYTHON" -m "${PACKAGES[$i]}" load-city "$CITY_DIR"
	done
	for i in "${!NAMES[@]}"; do start_service "$i"; done
	for i in "${!NAMES[@]}"; do wait_ready "$i"; done
	CLEANUP=()

	echo
	echo "The appeals platform is up (city: $(basename -- "$CITY_DIR"))."
	for i in "${!NAMES[@]}"; do
		printf '  %-18s http://127.0.0.1:%s/docs   (%s)\n' "${NAMES[$i]}" "${PORTS[$i]}" "${SUMMARIES[$i]}"
	done
	printf '  %-18s %s\n' Kafka "$KAFKA_BOOTSTRAP_SERVERS" PostgreSQL "$POSTGRES_URL" logs "$RUN_DIR/*.log"
	if [[ -n ${KAFKA_SASL:-} ]]; then
		echo "Kafka runs with SASL/SCRAM and ACLs; the CLI tools (python -m services dlq …) sign in as the admin:"
		echo "  export KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT KAFKA_USERNAME=admin KAFKA_PASSWORD=\$(cat $KAFKA_DATA_DIR/admin.password)"
	fi
	if [[ -n ${LOCAL_SMS:-} ]]; then
		echo "SMS inbox (local fake gateway): http://127.0.0.1:$FAKE_SMS_PORT/inbox"
		echo "  the newest code to a phone: curl 'http://127.0.0.1:$FAKE_SMS_PORT/inbox/latest?phone=%2B79141234567'"
		echo "  a citizen signs in by phone: POST /auth/phone/start {\"phone\"}, then /auth/phone/verify {\"challenge_id\", \"code\"} (README)"
	fi
	if [[ -n ${LOCAL_ISSUER:-} ]]; then
		cat <<TXT
Tokens for the demo roles (local development issuer; real deployments set IDENTITY_ISSUERS):
  export CITIZEN=\$(APPEALS_STATE_DIR=$STATE_DIR $PYTHON -m services token citizen --subject me)
  export OPERATOR=\$(APPEALS_STATE_DIR=$STATE_DIR $PYTHON -m services token operator)
  export DISPATCHER=\$(APPEALS_STATE_DIR=$STATE_DIR $PYTHON -m services token executor_dispatcher --organisation uk-tsentralnaya)
  export ADMIN=\$(APPEALS_STATE_DIR=$STATE_DIR $PYTHON -m services token admin)   # grants roles: PUT /staff (README)
  a token with no roles, holding what the staff directory grants: ... -m services token --subject anna
  roles: citizen operator moderator executor_dispatcher executor_worker curator admin
  then: curl -H "Authorization: Bearer \$CITIZEN" ...
TXT
	fi
	echo "A walk through an appeal's life: README.md. Stop everything with: make down"
}

down() {
	local pidfile
	for pidfile in "$RUN_DIR"/*.pid; do
		[[ -e $pidfile ]] || continue
		stop_pid_file "$pidfile" "$(basename -- "$pidfile" .pid)"
	done
	[[ -n ${KAFKA_BOOTSTRAP_SERVERS:-} ]] || "$HERE/kafka.sh" stop
	[[ -n ${POSTGRES_URL:-} ]] || "$HERE/postgres.sh" stop
}

status() {
	load_declarations
	local i
	for i in "${!NAMES[@]}"; do
		if curl -fsS "http://127.0.0.1:${PORTS[$i]}/health/ready" >/dev/null 2>&1; then
			echo "${NAMES[$i]}: ready on port ${PORTS[$i]}"
		else
			echo "${NAMES[$i]}: not ready (port ${PORTS[$i]})"
		fi
	done
	if fake_sms_pid >/dev/null; then
		echo "fake SMS gateway: running, inbox http://127.0.0.1:$FAKE_SMS_PORT/inbox"
	fi
}

case ${1:-} in
up) up ;;
down) down ;;
status) status ;;
*)
	echo "usage: $(basename -- "$0") {up|down|status}" >&2
	exit 2
	;;
esac
