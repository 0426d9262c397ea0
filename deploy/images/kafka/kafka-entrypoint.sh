#!/bin/bash
# Start one Kafka node configured by the environment, as the apache/kafka image is:
# KAFKA_FOO_BAR=x becomes foo.bar=x (`__` is `_`, `___` is `-`); the JVM's own options
# (KAFKA_HEAP_OPTS, KAFKA_OPTS) are passed to java. On first start the storage in
# log.dirs is formatted with CLUSTER_ID.
set -euo pipefail

props=/opt/kafka/config/server.properties
: >"$props"
for name in $(compgen -e | grep '^KAFKA_' || true); do
  case "$name" in
    KAFKA_HEAP_OPTS | KAFKA_OPTS | KAFKA_JVM_PERFORMANCE_OPTS | KAFKA_LOG4J_OPTS) continue ;;
  esac
  key="${name#KAFKA_}"
  key="${key,,}"
  key="${key//___/-}"
  key="${key//__/@}"
  key="${key//_/.}"
  key="${key//@/_}"
  printf '%s=%s\n' "$key" "${!name}" >>"$props"
done

read -r -a heap <<<"${KAFKA_HEAP_OPTS:--Xms256m -Xmx1g}"
read -r -a extra <<<"${KAFKA_OPTS:-}"
java=(java "${heap[@]}" "${extra[@]}" -cp "/opt/kafka/libs/*"
  -Dlog4j2.configurationFile=/opt/kafka/log4j2.properties)

log_dirs="$(sed -n 's/^log\.dirs=//p' "$props")"
if [ ! -e "${log_dirs%%,*}/meta.properties" ]; then
  : "${CLUSTER_ID:?set CLUSTER_ID (a base64 UUID) to format the storage}"
  "${java[@]}" kafka.tools.StorageTool format -t "$CLUSTER_ID" -c "$props" >/dev/null
fi
exec "${java[@]}" kafka.Kafka "$props"
