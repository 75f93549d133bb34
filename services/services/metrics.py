"""Prometheus metrics every service exposes on /metrics."""

from prometheus_client import Counter, Gauge, Histogram

MESSAGES = Counter(
    "appeals_messages_total",
    "Messages a consumer took from Kafka, by outcome",
    ["consumer", "topic", "outcome"],
)
HANDLER_SECONDS = Histogram(
    "appeals_handler_seconds",
    "Time to apply one message (decode, transaction, commit)",
    ["consumer"],
)
CONSUMER_LAG = Gauge(
    "appeals_consumer_lag",
    "Messages between a consumer's position and the partition's high-water mark",
    ["consumer", "topic", "partition"],
)
OUTBOX_PUBLISHED = Counter(
    "appeals_outbox_published_total", "Outbox rows published to Kafka", ["service"]
)
OUTBOX_BACKLOG = Gauge("appeals_outbox_backlog", "Outbox rows not yet published", ["service"])
OUTBOX_FAILURES = Counter(
    "appeals_outbox_failures_total", "Failed attempts to publish an outbox batch", ["service"]
)
OUTBOX_PASSES = Counter(
    "appeals_outbox_passes_total",
    "Transactions the outbox relay ran to look for rows (zero growth when idle)",
    ["service"],
)
JOB_RUNS = Counter(
    "appeals_job_runs_total",
    "Periodic job runs in this instance, by outcome",
    ["service", "job", "outcome"],
)
LEADER = Gauge("appeals_jobs_leader", "1 while this instance runs the periodic jobs", ["service"])
INBOX_SIZE = Gauge(
    "appeals_inbox_entries", "Event ids the inbox remembers (counted when pruned)", ["service"]
)
INBOX_PRUNED = Counter(
    "appeals_inbox_pruned_total", "Inbox entries removed past the retention", ["service"]
)
