"""JSON Schemas of every event version and of the access-token claims, and the AsyncAPI
3.0 document of the catalogue.

All are plain dicts built from the models, the registry and the catalogue; `generate`
writes them as JSON with sorted keys, so the output is byte-for-byte stable.
"""

from __future__ import annotations

import inspect
from typing import Any

from frontdesk_contracts.access_token import ACCESS_TOKEN_CLAIMS_VERSION, AccessTokenClaims
from frontdesk_contracts.catalogue import (
    CONSUMER_GROUPS,
    TOPICS,
    Topic,
    all_topics,
    dead_letter_topic,
    topics_read_by,
)
from frontdesk_contracts.envelope import envelope_model
from frontdesk_contracts.events.base import EventPayload
from frontdesk_contracts.events.registry import REGISTRY
from frontdesk_contracts.headers import dead_letter_header_schema, header_schema

CONTRACTS_VERSION = "1.0.0"
"""The release of the contracts; the AsyncAPI document's version."""
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
_KAFKA_BINDING = "0.5.0"
_COMPONENT_REF = "#/components/schemas/{model}"


def message_id(model: type[EventPayload]) -> str:
    """``<Type>.v<N>``: the name of an event version in files and in AsyncAPI."""
    return f"{model.event_type}.v{model.event_version}"


def schema_file_name(model: type[EventPayload]) -> str:
    """The file name of an event version's JSON Schema, e.g. ``ClientImported.v1.schema.json``."""
    return f"{message_id(model)}.schema.json"


def event_schema(
    model: type[EventPayload], ref_template: str = "#/$defs/{model}"
) -> dict[str, Any]:
    """The JSON Schema of the whole envelope carrying `model`, with type and version pinned."""
    schema = envelope_model(model).model_json_schema(ref_template=ref_template)
    properties = schema["properties"]
    properties["type"] = {"const": model.event_type, "type": "string", "title": "Type"}
    properties["schema_version"] = {
        "const": model.event_version,
        "type": "integer",
        "title": "Schema Version",
    }
    properties["source"] = {"const": model.source, "type": "string", "title": "Source"}
    schema["title"] = f"{model.event_type} v{model.event_version}"
    schema["description"] = _summary(model)
    return schema


def event_schemas() -> dict[str, dict[str, Any]]:
    """Every event version's stand-alone JSON Schema, by file name."""
    documents = {}
    for model in REGISTRY:
        schema = {
            "$schema": JSON_SCHEMA_DIALECT,
            "$id": f"urn:frontdesk:event:{model.event_type}:v{model.event_version}",
            **event_schema(model),
        }
        documents[schema_file_name(model)] = schema
    return documents


ACCESS_TOKEN_SCHEMA_FILE = f"AccessTokenClaims.v{ACCESS_TOKEN_CLAIMS_VERSION}.schema.json"
"""The file name of the access-token claims' JSON Schema."""


def access_token_schema() -> dict[str, Any]:
    """The JSON Schema of the access-token claims (the JWT's payload)."""
    schema = AccessTokenClaims.model_json_schema()
    schema["title"] = f"Access token claims v{ACCESS_TOKEN_CLAIMS_VERSION}"
    schema["description"] = inspect.cleandoc(AccessTokenClaims.__doc__ or "")
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": f"urn:frontdesk:access-token:v{ACCESS_TOKEN_CLAIMS_VERSION}",
        **schema,
    }


def contract_schemas() -> dict[str, dict[str, Any]]:
    """Every stand-alone JSON Schema of the contracts (events and token), by file name."""
    return {**event_schemas(), ACCESS_TOKEN_SCHEMA_FILE: access_token_schema()}


def asyncapi_document() -> dict[str, Any]:
    """The AsyncAPI 3.0 document: a channel per topic, a message per event version."""
    schemas: dict[str, Any] = {
        "Headers": header_schema(),
        "DeadLetterHeaders": dead_letter_header_schema(),
    }
    messages: dict[str, Any] = {}
    for model in REGISTRY:
        schema = event_schema(model, ref_template=_COMPONENT_REF)
        for name, definition in schema.pop("$defs", {}).items():
            if schemas.setdefault(name, definition) != definition:
                raise ValueError(f"two different schemas are both named {name!r}")
        schemas[message_id(model)] = schema
        messages[message_id(model)] = _message(model)
    messages["DeadLetter"] = _dead_letter_message()
    channels = {topic.name: _channel(topic) for topic in TOPICS}
    for group in CONSUMER_GROUPS:
        channels[dead_letter_topic(group.group_id)] = _dead_letter_channel(group.group_id)
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Frontdesk events",
            "version": CONTRACTS_VERSION,
            "description": "Events that Frontdesk's services publish and consume, and the "
            "client imports other platform services publish into Frontdesk. Every record's "
            "value is the JSON envelope; its headers repeat the envelope's facts.",
        },
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": _operations(),
        "components": {"schemas": schemas, "messages": messages},
    }


def _summary(model: type[EventPayload]) -> str:
    return inspect.cleandoc(model.__doc__ or model.event_type).split("\n\n")[0]


def _message(model: type[EventPayload]) -> dict[str, Any]:
    return {
        "name": model.event_type,
        "title": f"{model.event_type} v{model.event_version}",
        "summary": _summary(model).replace("\n", " "),
        "description": inspect.cleandoc(model.__doc__ or ""),
        "contentType": "application/json",
        "headers": {"$ref": "#/components/schemas/Headers"},
        "payload": {"$ref": f"#/components/schemas/{message_id(model)}"},
        "correlationId": {"location": "$message.header#/correlation_id"},
    }


def _dead_letter_message() -> dict[str, Any]:
    return {
        "name": "DeadLetter",
        "title": "Dead letter",
        "summary": "A record a consumer group could not handle, copied unchanged.",
        "description": "Key, value and headers are those of the original record; the "
        "dlq_* headers say where it came from and why it failed.",
        "headers": {"$ref": "#/components/schemas/DeadLetterHeaders"},
        "payload": {"description": "The original record value, byte for byte."},
    }


def _channel(topic: Topic) -> dict[str, Any]:
    messages = {
        message_id(model): {"$ref": f"#/components/messages/{message_id(model)}"}
        for model in REGISTRY
        if model.event_type in topic.event_types
    }
    return {
        "address": topic.name,
        "title": topic.name,
        "description": f"{topic.description} Record key: {topic.key_description}",
        "messages": messages,
        "bindings": {"kafka": _topic_binding(topic.name)},
    }


def _dead_letter_channel(group_id: str) -> dict[str, Any]:
    name = dead_letter_topic(group_id)
    return {
        "address": name,
        "title": name,
        "description": f"Dead letters of consumer group {group_id}.",
        "messages": {"DeadLetter": {"$ref": "#/components/messages/DeadLetter"}},
        "bindings": {"kafka": _topic_binding(name)},
    }


def _topic_binding(name: str) -> dict[str, Any]:
    spec = next(spec for spec in all_topics() if spec.name == name)
    return {
        "topic": name,
        "partitions": spec.partitions,
        "topicConfiguration": {
            "cleanup.policy": [spec.config["cleanup.policy"]],
            "retention.ms": int(spec.config["retention.ms"]),
        },
        "bindingVersion": _KAFKA_BINDING,
    }


def _operations() -> dict[str, Any]:
    operations: dict[str, Any] = {}
    for topic in TOPICS:
        operations[f"{topic.producer}.publish"] = {
            "action": "send",
            "title": f"{topic.producer} publishes {topic.name}",
            "channel": {"$ref": f"#/channels/{topic.name}"},
        }
    for group in CONSUMER_GROUPS:
        for topic in topics_read_by(group.group_id):
            operations[f"{group.service}.consume.{topic.producer}"] = {
                "action": "receive",
                "title": f"{group.service} consumes {topic.name}",
                "channel": {"$ref": f"#/channels/{topic.name}"},
                "bindings": {
                    "kafka": {
                        "groupId": {"type": "string", "enum": [group.group_id]},
                        "bindingVersion": _KAFKA_BINDING,
                    }
                },
            }
    return operations
