#!/usr/bin/env bash
# Publish one ClientImported event into Frontdesk with kcat: no Python, no SDK.
#   contracts/examples/publish_client_imported.sh           (the local broker of `make up`)
#   BOOTSTRAP=broker-1:9092 contracts/examples/publish_client_imported.sh   (any other one)
# Needs bash, GNU date and od (any Linux) and kcat (Debian: apt-get install kcat).
set -euo pipefail

BOOTSTRAP="${BOOTSTRAP:-127.0.0.1:19092}"
TOPIC="${TOPIC:-platform.client-imports.v1}"
STUDIO_ID="${STUDIO_ID:-studio-42}"
EXTERNAL_CLIENT_ID="${EXTERNAL_CLIENT_ID:-crm-1001}"

random_hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }

# The event id is a UUIDv7: 48 bits of Unix time in ms, version 7, variant 10, random bits.
ms_hex=$(printf '%012x' "$(date +%s%3N)")
r=$(random_hex 10)
variant=$(printf '%x' $(( (0x${r:3:1} & 0x3) | 0x8 )))
EVENT_ID="${ms_hex:0:8}-${ms_hex:8:4}-7${r:0:3}-${variant}${r:4:3}-${r:7:12}"
TIME=$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)
TRACEPARENT="00-$(random_hex 16)-$(random_hex 8)-01"

# The envelope, as one line of compact JSON. Values are inserted as they are: keep them
# free of quotes and backslashes, or build the JSON with a proper tool (e.g. jq).
BODY='{"id":"'$EVENT_ID'","type":"ClientImported","schema_version":1,"source":"platform",'
BODY+='"time":"'$TIME'","subject":"'$EXTERNAL_CLIENT_ID'","studio_id":"'$STUDIO_ID'",'
BODY+='"correlation_id":"'$EVENT_ID'","causation_id":null,"payload":{'
BODY+='"studio_id":"'$STUDIO_ID'","import_id":"csv-upload-7",'
BODY+='"external_client_id":"'$EXTERNAL_CLIENT_ID'","given_name":"Ada","family_name":"Lovelace",'
BODY+='"emails":["ada@example.com"],"phone":"+44 20 7946 0000","imported_at":"'$TIME'"}}'

printf '%s\n' "$BODY" | kcat -P -b "$BOOTSTRAP" -t "$TOPIC" -k "$STUDIO_ID" \
  -H "ce_id=$EVENT_ID" \
  -H "ce_type=ClientImported" \
  -H "ce_source=platform" \
  -H "ce_specversion=1.0" \
  -H "ce_time=$TIME" \
  -H "ce_subject=$EXTERNAL_CLIENT_ID" \
  -H "ce_schemaversion=1" \
  -H "content-type=application/json" \
  -H "correlation_id=$EVENT_ID" \
  -H "studio_id=$STUDIO_ID" \
  -H "traceparent=$TRACEPARENT"

echo "published ClientImported $EVENT_ID to $TOPIC (key $STUDIO_ID)"
