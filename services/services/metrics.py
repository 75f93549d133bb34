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
