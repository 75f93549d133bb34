#!/usr/bin/env bash
# Run a real single-node Apache Kafka broker (KRaft: broker + controller in one JVM)
# straight from the Maven Central jars -- no Docker, no Apache tarball.
#
# Several instances can run side by side: give each its own KAFKA_DATA_DIR,
# KAFKA_PORT and KAFKA_CONTROLLER_PORT. The downloaded jars are shared (KAFKA_CACHE_DIR).
set -euo pipefail

SCRIPT_NAME=$(basename -- "${BASH_SOURCE[0]}")
# shellcheck source=deploy/local/common.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"

usage() {
	cat <<EOF
Usage: $SCRIPT_NAME {fetch|start|stop|status|add-user NAME}

  fetch    download the broker jars (Maven) into \$KAFKA_CACHE_DIR/libs (once)
  start    fetch if needed, format storage once, start the broker detached and wait
           until it is ready; prints the bootstrap address. No-op if already running.
  stop     stop the broker (SIGTERM, SIGKILL after \$KAFKA_STOP_TIMEOUT s)
  status   print "running" and exit 0, or print "stopped" and exit 1
  add-user NAME
           (KAFKA_AUTH=scram) create or update the SCRAM-SHA-512 user NAME with the
           password read from stdin (letters, digits, - and _), as the admin

Environment (defaults):
  KAFKA_VERSION=3.9.1            broker version (3.x only: aiokafka needs protocols 4.0 dropped)
  KAFKA_CACHE_DIR=\${XDG_CACHE_HOME:-\$HOME/.cache}/appeals-platform/kafka-\$KAFKA_VERSION
  KAFKA_DATA_DIR=\${APPEALS_STATE_DIR:-\$HOME/.local/state/appeals-platform}/kafka
                                 config, data (logs/), kafka.log, kafka.pid
  KAFKA_PORT=9092                client listener on 127.0.0.1
  KAFKA_CONTROLLER_PORT=9093     KRaft controller listener on 127.0.0.1
  KAFKA_HEAP=512m                -Xms/-Xmx
  KAFKA_NUM_PARTITIONS=3         default partitions for new topics
  KAFKA_START_TIMEOUT=90         seconds to wait for "Kafka Server started"
  KAFKA_STOP_TIMEOUT=30          seconds to wait after SIGTERM before SIGKILL
  KAFKA_JAVA_OPTS=               extra JVM options (space separated)
  KAFKA_AUTH=none                none: an open PLAINTEXT listener. scram: a SASL_PLAINTEXT
                                 listener (SCRAM-SHA-512) with ACLs (StandardAuthorizer,
                                 nothing allowed without one); the superuser is User:admin.
                                 Chosen when the storage is formatted: keep it per data dir.
  KAFKA_ADMIN_PASSWORD=          the admin's password (scram; default: a random one kept
                                 in \$KAFKA_DATA_DIR/admin.password, mode 600)
EOF
}

KAFKA_VERSION=${KAFKA_VERSION:-3.9.1}
KAFKA_CACHE_DIR=${KAFKA_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/appeals-platform/kafka-$KAFKA_VERSION}
KAFKA_DATA_DIR=${KAFKA_DATA_DIR:-${APPEALS_STATE_DIR:-$HOME/.local/state/appeals-platform}/kafka}
KAFKA_PORT=${KAFKA_PORT:-9092}
KAFKA_CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-9093}
KAFKA_HEAP=${KAFKA_HEAP:-512m}
KAFKA_NUM_PARTITIONS=${KAFKA_NUM_PARTITIONS:-3}
KAFKA_START_TIMEOUT=${KAFKA_START_TIMEOUT:-90}
KAFKA_STOP_TIMEOUT=${KAFKA_STOP_TIMEOUT:-30}
KAFKA_JAVA_OPTS=${KAFKA_JAVA_OPTS:-}
KAFKA_AUTH=${KAFKA_AUTH:-none}
SLF4J_RELOAD4J_VERSION=1.7.36

KAFKA_CACHE_DIR=$(abspath "$KAFKA_CACHE_DIR")
KAFKA_DATA_DIR=$(abspath "$KAFKA_DATA_DIR")
LIBS_DIR=$KAFKA_CACHE_DIR/libs
FETCH_MARKER=$KAFKA_CACHE_DIR/.fetched
PID_FILE=$KAFKA_DATA_DIR/kafka.pid
LOG_FILE=$KAFKA_DATA_DIR/kafka.log
SERVER_PROPERTIES=$KAFKA_DATA_DIR/server.properties
LOG4J_PROPERTIES=$KAFKA_DATA_DIR/log4j.properties
STORAGE_DIR=$KAFKA_DATA_DIR/logs
CLUSTER_ID_FILE=$KAFKA_DATA_DIR/cluster.id
ADMIN_PASSWORD_FILE=$KAFKA_DATA_DIR/admin.password
ADMIN_PROPERTIES=$KAFKA_DATA_DIR/admin.properties
READY_LINE="Kafka Server started"

validate_env() {
	[[ $KAFKA_VERSION =~ ^3\.[0-9]+\.[0-9]+$ ]] ||
		die "KAFKA_VERSION=$KAFKA_VERSION is not supported: use a 3.x release (4.x needs a log4j2 binding and breaks aiokafka)"
	local name
	for name in KAFKA_PORT KAFKA_CONTROLLER_PORT KAFKA_NUM_PARTITIONS KAFKA_START_TIMEOUT KAFKA_STOP_TIMEOUT; do
		is_uint "${!name}" || die "$name must be a non-negative integer, got '${!name}'"
	done
	((KAFKA_PORT != KAFKA_CONTROLLER_PORT)) || die "KAFKA_PORT and KAFKA_CONTROLLER_PORT must differ"
	((KAFKA_NUM_PARTITIONS >= 1)) || die "KAFKA_NUM_PARTITIONS must be >= 1"
	[[ $KAFKA_HEAP =~ ^[0-9]+[kKmMgG]?$ ]] || die "KAFKA_HEAP must look like 512m or 1g, got '$KAFKA_HEAP'"
	[[ $KAFKA_AUTH == none || $KAFKA_AUTH == scram ]] || die "KAFKA_AUTH must be none or scram, got '$KAFKA_AUTH'"
}

# SCRAM passwords go into Kafka's `[password=...]` syntax and JAAS strings: keep them plain.
valid_password() {
	[[ $1 =~ ^[A-Za-z0-9_-]{8,128}$ ]]
}

# Prints the admin's password, making and keeping a random one on first use.
admin_password() {
	if [[ -n ${KAFKA_ADMIN_PASSWORD:-} ]]; then
		valid_password "$KAFKA_ADMIN_PASSWORD" || die "KAFKA_ADMIN_PASSWORD: 8-128 letters, digits, - or _"
		printf '%s\n' "$KAFKA_ADMIN_PASSWORD"
		return 0
	fi
	if [[ ! -s $ADMIN_PASSWORD_FILE ]]; then
		(
			umask 077
			head -c 24 /dev/urandom | base64 | tr -d '/+=\n' >"$ADMIN_PASSWORD_FILE"
		)
	fi
	cat -- "$ADMIN_PASSWORD_FILE"
}

# ---------------------------------------------------------------------------- fetch

is_fetched() {
	[[ -f $FETCH_MARKER && -f $LIBS_DIR/kafka_2.13-$KAFKA_VERSION.jar ]]
}

write_pom() {
	cat >"$KAFKA_CACHE_DIR/pom.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!-- Generated by $SCRIPT_NAME: resolves the Kafka broker and its runtime jars. -->
<project xmlns="http://maven.apache.org/POM/4.0.0"
         xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
         xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 http://maven.apache.org/xsd/maven-4.0.0.xsd">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.appeals-platform</groupId>
  <artifactId>kafka-broker-jars</artifactId>
  <version>$KAFKA_VERSION</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_2.13</artifactId>
      <version>$KAFKA_VERSION</version>
    </dependency>
    <dependency>
      <groupId>org.slf4j</groupId>
      <artifactId>slf4j-reload4j</artifactId>
      <version>$SLF4J_RELOAD4J_VERSION</version>
    </dependency>
  </dependencies>
</project>
EOF
}

do_fetch() {
	# Runs with the cache lock held.
	if is_fetched; then
		return 0
	fi
	command -v mvn >/dev/null 2>&1 || die "mvn not found on PATH (install Maven, e.g. apt-get install maven)"
	log "fetching Kafka $KAFKA_VERSION jars into $LIBS_DIR (Maven)..."
	write_pom
	local tmp=$KAFKA_CACHE_DIR/libs.tmp
	rm -rf -- "$tmp"
	# Maven 3.8 prints ANSI reset codes even with -B; strip them. Output goes to stderr so
	# stdout stays clean for callers that capture it.
	if ! mvn -B -q -f "$KAFKA_CACHE_DIR/pom.xml" dependency:copy-dependencies \
		-DincludeScope=runtime -DoutputDirectory="$tmp" 2>&1 9>&- </dev/null |
		sed -e 's/\x1b\[[0-9;]*m//g' -e '/^[[:space:]]*$/d' >&2; then
		rm -rf -- "$tmp"
		die "Maven could not resolve org.apache.kafka:kafka_2.13:$KAFKA_VERSION (see output above)"
	fi
	[[ -f $tmp/kafka_2.13-$KAFKA_VERSION.jar ]] || die "Maven finished but kafka_2.13-$KAFKA_VERSION.jar is missing in $tmp"
	rm -rf -- "$LIBS_DIR"
	mv -- "$tmp" "$LIBS_DIR"
	printf '%s\n' "$KAFKA_VERSION" >"$FETCH_MARKER"
	log "fetched $(find "$LIBS_DIR" -name '*.jar' | wc -l) jars"
}

fetch() {
	if is_fetched; then
		log "Kafka $KAFKA_VERSION already fetched ($LIBS_DIR)"
		return 0
	fi
	mkdir -p -- "$KAFKA_CACHE_DIR"
	# Serialise concurrent fetches (e.g. parallel test workers) on one cache dir.
	(
		flock -w 900 9 || die "timed out waiting for the fetch lock on $KAFKA_CACHE_DIR"
		do_fetch
	) 9>"$KAFKA_CACHE_DIR/.lock"
}

# ---------------------------------------------------------------------------- process helpers

# Prints the broker pid if the pid file points at a live broker of THIS data dir.
running_pid() {
	[[ -f $PID_FILE ]] || return 1
	local pid cmdline
	pid=$(cat -- "$PID_FILE" 2>/dev/null) || return 1
	is_uint "$pid" || return 1
	kill -0 "$pid" 2>/dev/null || return 1
	# Guard against pid reuse and zombies (a zombie has an empty cmdline).
	cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
	[[ $cmdline == *kafka.Kafka*"$SERVER_PROPERTIES"* ]] || return 1
	printf '%s\n' "$pid"
}

pid_alive() {
	local pid=$1 cmdline
	kill -0 "$pid" 2>/dev/null || return 1
	cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
	[[ -n $cmdline ]]
}

configured_port() {
	local line
	line=$(grep -E '^advertised\.listeners=' "$SERVER_PROPERTIES" 2>/dev/null || true)
	if [[ $line =~ :([0-9]+)$ ]]; then
		printf '%s\n' "${BASH_REMATCH[1]}"
	else
		printf '%s\n' "$KAFKA_PORT"
	fi
}

log_tail() {
	if [[ -f $LOG_FILE ]]; then
		echo "----- last 40 lines of $LOG_FILE -----" >&2
		tail -n 40 -- "$LOG_FILE" >&2
		echo "-----" >&2
	fi
}

# ---------------------------------------------------------------------------- start

# The listeners of an open broker.
plaintext_listeners() {
	cat <<EOF
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
EOF
}

# The listeners of a closed broker: clients sign in with SCRAM-SHA-512 (users live in the
# cluster metadata; the admin's is added when the storage is formatted), the controller
# listener with PLAIN against a static admin (SCRAM cannot serve it: the controller must
# authenticate before it has read the metadata). Every request needs an ACL.
scram_listeners() {
	local password=$1
	cat <<EOF
listeners=SASL_PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=SASL_PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=SASL_PLAINTEXT
listener.security.protocol.map=CONTROLLER:SASL_PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$password";
sasl.mechanism.controller.protocol=PLAIN
listener.name.controller.sasl.enabled.mechanisms=PLAIN
listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="$password" user_admin="$password";
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:admin
allow.everyone.if.no.acl.found=false
EOF
}

write_config() {
	local listeners
	if [[ $KAFKA_AUTH == scram ]]; then
		local password
		password=$(admin_password)
		listeners=$(scram_listeners "$password")
		(
			umask 077
			cat >"$ADMIN_PROPERTIES" <<EOF
security.protocol=SASL_PLAINTEXT
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$password";
EOF
		)
	else
		listeners=$(plaintext_listeners)
	fi
	(
		umask 077 # with SCRAM, the JAAS lines carry the admin's password
		cat >"$SERVER_PROPERTIES" <<EOF
# Generated by $SCRIPT_NAME on every start -- edit the script, not this file.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
$listeners
log.dirs=$STORAGE_DIR

num.partitions=$KAFKA_NUM_PARTITIONS
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
delete.topic.enable=true
EOF
	)

	cat >"$LOG4J_PROPERTIES" <<'EOF'
# Generated by kafka.sh: everything goes to stdout, which the script redirects to kafka.log.
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n

log4j.logger.kafka=INFO
log4j.logger.org.apache.kafka=INFO
log4j.logger.kafka.request.logger=WARN
log4j.additivity.kafka.request.logger=false
log4j.logger.kafka.network.RequestChannel$=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.authorizer.logger=WARN
EOF
}

java_cmd() {
	# Prints nothing; fills the JAVA_CMD array.
	command -v java >/dev/null 2>&1 || die "java not found on PATH (a JDK/JRE 17 is needed)"
	local -a extra=()
	if [[ -n $KAFKA_JAVA_OPTS ]]; then
		read -r -a extra <<<"$KAFKA_JAVA_OPTS"
	fi
	JAVA_CMD=(java "-Xmx$KAFKA_HEAP" "-Xms$KAFKA_HEAP"
		-XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError
		-Djava.awt.headless=true
		"-Dlog4j.configuration=file:$LOG4J_PROPERTIES"
		"-Dkafka.logs.dir=$KAFKA_DATA_DIR"
		${extra[@]+"${extra[@]}"}
		-cp "$LIBS_DIR/*")
}

format_storage() {
	if [[ -f $STORAGE_DIR/meta.properties ]]; then
		return 0
	fi
	local cluster_id
	if [[ -s $CLUSTER_ID_FILE ]]; then
		cluster_id=$(cat -- "$CLUSTER_ID_FILE")
	else
		cluster_id=$("${JAVA_CMD[@]}" -Xms64m -Xmx256m kafka.tools.StorageTool random-uuid 2>/dev/null </dev/null 8>&- | tail -n 1) ||
			die "kafka.tools.StorageTool random-uuid failed"
		[[ $cluster_id =~ ^[A-Za-z0-9_-]{22}$ ]] || die "unexpected cluster id from StorageTool: '$cluster_id'"
		printf '%s\n' "$cluster_id" >"$CLUSTER_ID_FILE"
	fi
	log "formatting storage in $STORAGE_DIR (cluster id $cluster_id)"
	local out
	local -a scram=()
	if [[ $KAFKA_AUTH == scram ]]; then
		scram=(--add-scram "SCRAM-SHA-512=[name=admin,password=$(admin_password)]")
	fi
	if ! out=$("${JAVA_CMD[@]}" -Xms64m -Xmx256m kafka.tools.StorageTool format -t "$cluster_id" -c "$SERVER_PROPERTIES" ${scram[@]+"${scram[@]}"} 2>&1 </dev/null 8>&-); then
		printf '%s\n' "$out" >&2
		die "formatting Kafka storage failed"
	fi
}

do_start() {
	# Runs with the data dir lock held (fd 8).
	local pid
	if pid=$(running_pid); then
		log "already running (pid $pid)"
		echo "127.0.0.1:$(configured_port)"
		return 0
	fi
	rm -f -- "$PID_FILE"

	local port
	for port in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
		if port_open "$port"; then
			die "port 127.0.0.1:$port is already in use (another broker? pick other KAFKA_PORT/KAFKA_CONTROLLER_PORT)"
		fi
	done

	is_fetched || fetch
	java_cmd
	write_config
	format_storage

	if [[ -f $LOG_FILE ]]; then
		mv -f -- "$LOG_FILE" "$LOG_FILE.1"
	fi
	: >"$LOG_FILE"

	local started=$SECONDS
	# setsid: own session/process group, so Ctrl-C in the caller's terminal or a test
	# runner killing its process group does not take the broker down. The inner bash
	# writes its own pid and then exec's java, so the pid file holds the JVM's pid.
	# shellcheck disable=SC2016
	setsid bash -c 'printf "%s\n" "$$" >"$1"; shift; exec "$@"' kafka-launcher \
		"$PID_FILE" "${JAVA_CMD[@]}" kafka.Kafka "$SERVER_PROPERTIES" \
		</dev/null >>"$LOG_FILE" 2>&1 8>&- &

	local i
	for ((i = 0; i < 50; i++)); do
		[[ -s $PID_FILE ]] && break
		sleep 0.1
	done
	[[ -s $PID_FILE ]] || {
		log_tail
		die "the broker process did not start (no pid file)"
	}
	pid=$(cat -- "$PID_FILE" 2>/dev/null) || die "could not read $PID_FILE"

	local deadline=$((SECONDS + KAFKA_START_TIMEOUT)) port_since=-1
	while :; do
		if ! pid_alive "$pid"; then
			rm -f -- "$PID_FILE"
			log_tail
			die "the broker (pid $pid) exited during startup; full log: $LOG_FILE"
		fi
		if grep -qF "$READY_LINE" "$LOG_FILE"; then
			break
		fi
		# Fallback if the log line never shows (e.g. logging misconfigured): the port has
		# accepted connections for 5 s in a row. (The kernel accepts TCP connects into the
		# listen backlog before Kafka serves requests, so an open port alone is not enough.)
		if port_open "$KAFKA_PORT"; then
			((port_since >= 0)) || port_since=$SECONDS
			if ((SECONDS - port_since >= 5)); then
				log "port is open but '$READY_LINE' was not logged; assuming ready"
				break
			fi
		else
			port_since=-1
		fi
		if ((SECONDS >= deadline)); then
			log_tail
			log "stopping the broker that did not become ready"
			kill -TERM "$pid" 2>/dev/null || true
			sleep 2
			kill -KILL "$pid" 2>/dev/null || true
			rm -f -- "$PID_FILE"
			die "the broker did not become ready within ${KAFKA_START_TIMEOUT}s; full log: $LOG_FILE"
		fi
		sleep 0.25
	done
	log "started (pid $pid) in $((SECONDS - started))s; data: $KAFKA_DATA_DIR, log: $LOG_FILE"
	echo "127.0.0.1:$KAFKA_PORT"
}

with_data_lock() {
	mkdir -p -- "$KAFKA_DATA_DIR"
	(
		flock -w 180 8 || die "timed out waiting for the lock on $KAFKA_DATA_DIR"
		"$@"
	) 8>"$KAFKA_DATA_DIR/.lock"
}

# ---------------------------------------------------------------------------- stop / status

do_stop() {
	local pid
	if ! pid=$(running_pid); then
		rm -f -- "$PID_FILE"
		log "not running"
		return 0
	fi
	log "stopping broker (pid $pid)..."
	kill -TERM "$pid" 2>/dev/null || true
	local deadline=$((SECONDS + KAFKA_STOP_TIMEOUT))
	while pid_alive "$pid" && ((SECONDS < deadline)); do
		sleep 0.25
	done
	if pid_alive "$pid"; then
		log "still alive after ${KAFKA_STOP_TIMEOUT}s, sending SIGKILL"
		kill -KILL "$pid" 2>/dev/null || true
		for ((deadline = 0; deadline < 40; deadline++)); do
			pid_alive "$pid" || break
			sleep 0.25
		done
		pid_alive "$pid" && die "pid $pid survived SIGKILL"
	fi
	rm -f -- "$PID_FILE"
	log "stopped"
}

add_user() {
	local name=${1:-} password
	[[ $KAFKA_AUTH == scram ]] || die "add-user needs KAFKA_AUTH=scram"
	[[ $name =~ ^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$ ]] || die "not a user name: '$name'"
	IFS= read -r password || die "add-user reads the password from stdin"
	valid_password "$password" || die "the password must be 8-128 letters, digits, - or _"
	running_pid >/dev/null || die "the broker is not running"
	[[ -f $ADMIN_PROPERTIES ]] || die "$ADMIN_PROPERTIES is missing (start with KAFKA_AUTH=scram)"
	java_cmd
	local out
	if ! out=$("${JAVA_CMD[@]}" -Xms64m -Xmx256m kafka.admin.ConfigCommand \
		--bootstrap-server "127.0.0.1:$(configured_port)" --command-config "$ADMIN_PROPERTIES" \
		--alter --entity-type users --entity-name "$name" \
		--add-config "SCRAM-SHA-512=[iterations=4096,password=$password]" 2>&1 </dev/null); then
		printf '%s\n' "$out" >&2
		die "could not set the SCRAM credential of $name"
	fi
	log "user $name: SCRAM-SHA-512 credential set"
}

status() {
	if running_pid >/dev/null; then
		echo "running"
		return 0
	fi
	echo "stopped"
	return 1
}

main() {
	local cmd=${1:-}
	case $cmd in
	fetch)
		validate_env
		fetch
		;;
	start)
		validate_env
		with_data_lock do_start
		;;
	stop)
		if [[ -d $KAFKA_DATA_DIR ]]; then
			with_data_lock do_stop
		else
			log "not running"
		fi
		;;
	status) status ;;
	add-user)
		validate_env
		add_user "${2:-}"
		;;
	-h | --help | help) usage ;;
	*)
		usage >&2
		exit 2
		;;
	esac
}

main "$@"
