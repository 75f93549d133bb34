#!/usr/bin/env bash
# Bring the whole platform up or down on this machine: Kafka and PostgreSQL (unless
# KAFKA_BOOTSTRAP_SERVERS / POSTGRES_URL point at your own), topics, databases and
# migrations, the demo city, and every service as its own process.
set -euo pipefail

HERE=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd -- "$HERE/../.." && pwd)
STATE_DIR=${APPEALS_STATE_DIR:-$HOME/.local/state/appeals-platform}
RUN_DIR="$STATE_DIR/run"
CITY_DIR=${CITY_DIR:-$REPO/deploy/demo-city}
PYTHON=${PYTHON:-$REPO/.venv/bin/python}
# service module : HTTP port (ports overridable with INTAKE_HTTP_PORT etc.)
SERVICES=("intake:${INTAKE_HTTP_PORT:-8001}" "router:${ROUTER_HTTP_PORT:-8002}" "executor_gateway:${GATEWAY_HTTP_PORT:-8003}")

SCRIPT_NAME=platform
# shellcheck source=deploy/local/common.sh
source "$HERE/common.sh"

infrastructure() {
	if [[ -z ${KAFKA_BOOTSTRAP_SERVERS:-} ]]; then
		KAFKA_BOOTSTRAP_SERVERS=$("$HERE/kafka.sh" start)
	fi
	if [[ -z ${POSTGRES_URL:-} ]]; then
		local url
		url=$("$HERE/postgres.sh" start)
		POSTGRES_URL=${url/postgresql:/postgresql+asyncpg:}
	fi
	export KAFKA_BOOTSTRAP_SERVERS POSTGRES_URL
}

start_service() {
	local module=$1 port=$2 pidfile="$RUN_DIR/$1.pid" logfile="$RUN_DIR/$1.log"
	if [[ -f $pidfile ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
		log "$module already running (pid $(cat "$pidfile"))"
		return
	fi
	local upper
	upper=$(echo "${module%%_*}" | tr '[:lower:]' '[:upper:]')
	[[ $module == executor_gateway ]] && upper=GATEWAY
	env "${upper}_HTTP_PORT=$port" setsid nohup "$PYTHON" -m "$module" serve >"$logfile" 2>&1 &
	echo $! >"$pidfile"
}

wait_ready() {
	local module=$1 port=$2
	for _ in $(seq 1 120); do
		if curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1; then
			return 0
		fi
		if ! kill -0 "$(cat "$RUN_DIR/$module.pid")" 2>/dev/null; then
			tail -n 30 "$RUN_DIR/$module.log" >&2
			log "$module died during start; log: $RUN_DIR/$module.log"
			return 1
		fi
		sleep 0.5
	done
	log "$module not ready after 60 s; log: $RUN_DIR/$module.log"
	return 1
}

up() {
	mkdir -p "$RUN_DIR"
	infrastructure
	"$PYTHON" -m services topics
	for entry in "${SERVICES[@]}"; do
		local module=${entry%%:*}
		"$PYTHON" -m "$module" migrate
		"$PYTHON" -m "$module" load-city "$CITY_DIR"
	done
	for entry in "${SERVICES[@]}"; do start_service "${entry%%:*}" "${entry##*:}"; done
	for entry in "${SERVICES[@]}"; do wait_ready "${entry%%:*}" "${entry##*:}"; done
	cat <<TXT

The appeals platform is up (city: $(basename "$CITY_DIR")).
  intake            http://127.0.0.1:${SERVICES[0]##*:}/docs   (POST /appeals, GET /appeals/{id})
  router            http://127.0.0.1:${SERVICES[1]##*:}/docs   (GET /routing/decisions/{appeal_id})
  executor-gateway  http://127.0.0.1:${SERVICES[2]##*:}/docs   (GET /executors/{id}/assignments)
  Kafka             $KAFKA_BOOTSTRAP_SERVERS
  PostgreSQL        ${POSTGRES_URL}
  logs              $RUN_DIR/*.log
Try:
  curl -s -XPOST http://127.0.0.1:${SERVICES[0]##*:}/appeals -H 'content-type: application/json' \\
    -d '{"category":"yard_cleaning","location":{"lat":62.0255,"lon":129.69},"text":"Двор не убран"}'
Stop everything with: make down
TXT
}

down() {
	for entry in "${SERVICES[@]}"; do
		local module=${entry%%:*} pidfile="$RUN_DIR/${entry%%:*}.pid"
		if [[ -f $pidfile ]]; then
			local pid
			pid=$(cat "$pidfile")
			if kill -TERM "$pid" 2>/dev/null; then
				for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
				kill -KILL "$pid" 2>/dev/null || true
				log "stopped $module"
			fi
			rm -f "$pidfile"
		fi
	done
	[[ -n ${KAFKA_BOOTSTRAP_SERVERS:-} ]] || "$HERE/kafka.sh" stop
	[[ -n ${POSTGRES_URL:-} ]] || "$HERE/postgres.sh" stop
}

status() {
	for entry in "${SERVICES[@]}"; do
		local module=${entry%%:*} port=${entry##*:}
		if curl -fsS "http://127.0.0.1:$port/health/ready" 2>/dev/null; then
			echo "  $module"
		else
			echo "$module: not ready"
		fi
	done
}

case ${1:-} in
up) up ;;
down) down ;;
status) status ;;
*)
	echo "usage: $(basename "$0") {up|down|status}" >&2
	exit 2
	;;
esac
