"""The hash chain over access records: one record's canonical content, and how hashes
follow each other. Shared by sealing (services) and verifying (selectors), so both hash
exactly the same bytes."""

import datetime
import hashlib
import json
import struct

GENESIS = "0" * 64
DIGEST_SIZE = 40  # 8 bytes of record id, 32 bytes of SHA-256

# The columns a record's hash covers, in order; the id is among them, so a record moved
# to another id no longer matches.
RECORD_FIELDS = (
    "id",
    "accessed_at",
    "person_id",
    "case_id",
    "actor_id",
    "actor_name",
    "role",
    "organisation_id",
    "api_key_id",
    "purpose",
    "reason",
    "categories",
    "via",
    "flagged",
)


def _utc(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).isoformat(timespec="microseconds")


def canonical(row: dict) -> bytes:
    """The bytes a record's hash is taken over: its fields as JSON in a fixed order, the
    time in UTC to the microsecond (as both databases store it)."""
    values = []
    for name in RECORD_FIELDS:
        value = row[name]
        if name == "accessed_at":
            value = _utc(value)
        values.append(value)
    return json.dumps(values, separators=(",", ":"), ensure_ascii=False, sort_keys=True).encode()


def chained(previous_hex: str, row: dict) -> bytes:
    return hashlib.sha256(bytes.fromhex(previous_hex) + canonical(row)).digest()


def pack(entries: list[tuple[int, bytes]]) -> bytes:
    return b"".join(struct.pack(">q", record_id) + digest for record_id, digest in entries)


def unpack(blob: bytes) -> list[tuple[int, bytes]] | None:
    """The (record id, hash) pairs of a seal, or None when the blob is not whole."""
    blob = bytes(blob)
    if len(blob) % DIGEST_SIZE:
        return None
    return [
        (struct.unpack(">q", blob[start : start + 8])[0], blob[start + 8 : start + DIGEST_SIZE])
        for start in range(0, len(blob), DIGEST_SIZE)
    ]


def seal_hash(
    *,
    number: int,
    previous_seal_hash: str,
    first_record_id: int,
    last_record_id: int,
    record_count: int,
    digests: bytes,
    last_hash: str,
    sealed_at,
) -> str:
    content = json.dumps(
        [
            number,
            previous_seal_hash,
            first_record_id,
            last_record_id,
            record_count,
            hashlib.sha256(bytes(digests)).hexdigest(),
            last_hash,
            _utc(sealed_at),
        ],
        separators=(",", ":"),
    )
    return hashlib.sha256(content.encode()).hexdigest()
