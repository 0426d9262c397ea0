"""Frontdesk's event contracts: what other services may rely on without reading our code.

- `Envelope`, `new_event`: the envelope every event travels in, with a typed payload.
- `frontdesk_contracts.events`: every event payload, and `REGISTRY` of (type, version).
- `to_record`, `from_record`, `KafkaRecord`: Kafka records with CloudEvents-style headers.
- `TOPICS`, `all_topics`, `dead_letter_topic`, `topics_read_by`: the topic catalogue.
- `AccessTokenClaims` and the `ACCESS_TOKEN_*` constants: identity's access tokens.
- `seal`, `KeyRing`, `SealedSecret`, `Secret`: secrets sealed to their one reader.
- `ContractError` and its subclasses: every way a record can be refused.
"""

from frontdesk_contracts.access_token import (
    ACCESS_TOKEN_ALGORITHM,
    ACCESS_TOKEN_AUDIENCE,
    ACCESS_TOKEN_CLAIMS_VERSION,
    ACCESS_TOKEN_ISSUER,
    AccessTokenClaims,
)
from frontdesk_contracts.catalogue import (
    CONSUMER_GROUPS,
    DEFAULT_PARTITIONS,
    GROUP_CLIENT_REGISTRY,
    GROUP_IDENTITY,
    GROUP_NOTIFICATIONS,
    TOPICS,
    ConsumerGroup,
    Topic,
    TopicSpec,
    all_topics,
    dead_letter_topic,
    longest_replay_ms,
    topic_for_event,
    topic_for_source,
    topic_named,
    topics_read_by,
)
from frontdesk_contracts.deadletters import dead_letter_record
from frontdesk_contracts.envelope import Envelope, envelope_model, new_event
from frontdesk_contracts.errors import (
    CannotOpenSecret,
    ContractError,
    HeaderMismatch,
    InvalidEnvelope,
    InvalidKey,
    InvalidPayload,
    MalformedRecord,
    SealingError,
    UnexpectedEvent,
    UnknownEventType,
    UnknownKeyId,
    UnsupportedVersion,
)
from frontdesk_contracts.events import *  # noqa: F403 - the events' own __all__
from frontdesk_contracts.events import __all__ as _event_names
from frontdesk_contracts.ids import uuid7, uuid7_time_ms
from frontdesk_contracts.records import (
    KafkaRecord,
    event_headers,
    from_record,
    header_value,
    record_key,
    to_record,
)
from frontdesk_contracts.schema import CONTRACTS_VERSION
from frontdesk_contracts.sealing import (
    KeyPair,
    KeyRing,
    SealedSecret,
    Secret,
    decode_private_key,
    decode_public_key,
    encode_key,
    generate_key_pair,
    seal,
)

__all__ = [
    "ACCESS_TOKEN_ALGORITHM",
    "ACCESS_TOKEN_AUDIENCE",
    "ACCESS_TOKEN_CLAIMS_VERSION",
    "ACCESS_TOKEN_ISSUER",
    "CONSUMER_GROUPS",
    "CONTRACTS_VERSION",
    "DEFAULT_PARTITIONS",
    "GROUP_CLIENT_REGISTRY",
    "GROUP_IDENTITY",
    "GROUP_NOTIFICATIONS",
    "TOPICS",
    "AccessTokenClaims",
    "CannotOpenSecret",
    "ConsumerGroup",
    "ContractError",
    "Envelope",
    "HeaderMismatch",
    "InvalidEnvelope",
    "InvalidKey",
    "InvalidPayload",
    "KafkaRecord",
    "KeyPair",
    "KeyRing",
    "MalformedRecord",
    "SealedSecret",
    "SealingError",
    "Secret",
    "Topic",
    "TopicSpec",
    "UnexpectedEvent",
    "UnknownEventType",
    "UnknownKeyId",
    "UnsupportedVersion",
    "all_topics",
    "dead_letter_record",
    "dead_letter_topic",
    "decode_private_key",
    "decode_public_key",
    "encode_key",
    "envelope_model",
    "event_headers",
    "from_record",
    "generate_key_pair",
    "header_value",
    "longest_replay_ms",
    "new_event",
    "record_key",
    "seal",
    "to_record",
    "topic_for_event",
    "topic_for_source",
    "topic_named",
    "topics_read_by",
    "uuid7",
    "uuid7_time_ms",
    *_event_names,
]
