"""Reads a topic of Confluent's Avro wire format with Confluent's own Python client.

An independent check of walrelay's AvroConverter and schema registry: every message's key and
value go through confluent_kafka's AvroDeserializer, which asks the registry at REGISTRY_URL for
the writer's schema by id (SchemaRegistryClient) and decodes with fastavro. Prints one JSON line
per message: {"partition", "offset", "key", "value"} with the decoded dicts (bytes as latin-1
text, Decimals as strings). Reads from the beginning until the end offsets it saw at start.

Usage: python read_avro_topic.py BOOTSTRAP TOPIC REGISTRY_URL
"""

import decimal
import json
import sys

from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer
from confluent_kafka.serialization import MessageField, SerializationContext


def plain(value):
    if isinstance(value, bytes):
        return value.decode("latin-1")
    if isinstance(value, decimal.Decimal):
        return str(value)
    raise TypeError(f"cannot print {type(value)}")


def main():
    bootstrap, topic, registry_url = sys.argv[1:4]
    registry = SchemaRegistryClient({"url": registry_url})
    deserializer = AvroDeserializer(registry)
    consumer = Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": "walrelay-read-avro-topic",
        "enable.auto.commit": False,
        "isolation.level": "read_committed",
    })
    metadata = consumer.list_topics(topic, timeout=30)
    partitions = sorted(metadata.topics[topic].partitions)
    ends = {}
    for p in partitions:
        _, high = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=30)
        ends[p] = high
    consumer.assign([TopicPartition(topic, p, 0) for p in partitions])
    remaining = {p for p in partitions if ends[p] > 0}
    while remaining:
        message = consumer.poll(10)
        if message is None:
            # The last offsets may be transaction markers, which are never handed out.
            positions = consumer.position([TopicPartition(topic, p) for p in remaining])
            if all(tp.offset >= ends[tp.partition] - 1 for tp in positions if tp.offset >= 0):
                break
            raise SystemExit(f"no message within 10 s; still waiting for partitions {remaining}")
        if message.error():
            raise SystemExit(str(message.error()))
        key = None
        if message.key() is not None:
            key = deserializer(message.key(), SerializationContext(topic, MessageField.KEY))
        value = None
        if message.value() is not None:
            value = deserializer(message.value(), SerializationContext(topic, MessageField.VALUE))
        print(json.dumps({"partition": message.partition(), "offset": message.offset(),
                          "key": key, "value": value}, default=plain, sort_keys=True))
        if message.offset() + 1 >= ends[message.partition()]:
            remaining.discard(message.partition())
    consumer.close()


if __name__ == "__main__":
    main()
