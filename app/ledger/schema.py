"""The node's tables (SQLAlchemy Core), shared by SQLite and PostgreSQL.

One set of tables holds the node's own log and the replicas of other cities' logs, all
keyed by log origin. Merkle hashes and entries are stored the way tlog-tiles serves them:
one row per tile / entry bundle, holding the widest version seen so far (a partial tile of
width W is always the first W hashes of any wider version, so serving `.p/W` is a slice).

Changing a table here needs a new Alembic revision in app/ledger/migrations/versions.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

ORIGIN = 255  # a log origin is a schema-less URL-like line; bounded to keep keys small

logs = Table(
    "logs",
    metadata,
    Column("origin", String(ORIGIN), primary_key=True),
    Column("kind", String(16), nullable=False),  # 'own' | 'replica'
    Column("city_code", String(6)),
    Column("size", BigInteger, nullable=False, default=0),  # compare-and-swap guard
    # entries [0, indexed_size) are folded into the codes index (replicas may lag behind)
    Column("indexed_size", BigInteger, nullable=False, server_default="0"),
    Column("root_hash", LargeBinary, nullable=False),
    # compact range: one hash per set bit of size, largest subtree first
    Column("frontier", LargeBinary, nullable=False),
    Column("log_vkey", Text),
    Column("witness_vkey", Text),
    Column("admin_vkey", Text),
    Column("updated_at", Float, nullable=False),
)

entry_bundles = Table(
    "entry_bundles",
    metadata,
    Column("origin", String(ORIGIN), primary_key=True),
    Column("n", BigInteger, primary_key=True),
    Column("width", Integer, nullable=False),
    Column("data", LargeBinary, nullable=False),  # tlog-tiles entry bundle encoding
)

tiles = Table(
    "tiles",
    metadata,
    Column("origin", String(ORIGIN), primary_key=True),
    Column("level", Integer, primary_key=True),
    Column("n", BigInteger, primary_key=True),
    Column("width", Integer, nullable=False),
    Column("data", LargeBinary, nullable=False),  # width * 32 bytes of hashes
)

checkpoints = Table(
    "checkpoints",
    metadata,
    Column("origin", String(ORIGIN), primary_key=True),
    Column("size", BigInteger, primary_key=True),
    Column("root_hash", LargeBinary, nullable=False),
    Column("note", LargeBinary, nullable=False),  # signed note as signed by the log key
    Column("created_at", Float, nullable=False),
)

cosignatures = Table(
    "cosignatures",
    metadata,
    Column("origin", String(ORIGIN), primary_key=True),
    Column("size", BigInteger, primary_key=True),
    Column("witness", String(ORIGIN), primary_key=True),  # witness key name
    Column("line", Text, nullable=False),  # the note signature line, "— name base64"
    Column("timestamp", BigInteger),
    Column("received_at", Float, nullable=False),
)

officials = Table(
    "officials",
    metadata,
    Column("origin", String(ORIGIN), primary_key=True),
    Column("name", String(255), primary_key=True),
    Column("vkey", Text, nullable=False),
    Column("added_index", BigInteger, nullable=False),
    Column("revoked_index", BigInteger),
)

codes = Table(
    "codes",
    metadata,
    Column("code", String(32), primary_key=True),
    Column("origin", String(ORIGIN), nullable=False),
    Column("asset_class", String(3), nullable=False),
    Column("name", Text, nullable=False),
    Column("status", String(16), nullable=False),  # 'issued' | 'revoked' | 'transferred'
    Column("owner", Text),
    Column("geometry", Text),  # GeoJSON
    Column("attributes", Text),  # JSON object
    Column("minx", Float),
    Column("miny", Float),
    Column("maxx", Float),
    Column("maxy", Float),
    Column("first_index", BigInteger, nullable=False),
    Column("latest_index", BigInteger, nullable=False),
    Column("official", String(255)),
    Column("time", String(40)),
    # issue 12: service status (null: in service), latest inspection, transfer target
    Column("service", String(16)),
    Column("grade", Integer),
    Column("inspected", String(40)),
    Column("moved_to", String(6)),
)
Index("ix_codes_origin_index", codes.c.origin, codes.c.latest_index)
Index("ix_codes_bbox", codes.c.minx, codes.c.maxx, codes.c.miny, codes.c.maxy)
Index("ix_codes_class", codes.c.asset_class)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("origin", String(ORIGIN), nullable=False),  # the log the entry is meant for
    Column("code", String(32)),
    Column("entry", LargeBinary, nullable=False),
    Column("state", String(16), nullable=False),  # 'pending' | 'delivered' | 'refused'
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text),
    Column("log_index", BigInteger),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
)
Index("ix_outbox_state", outbox.c.state, outbox.c.id)

peers = Table(
    "peers",
    metadata,
    Column("url", String(1024), primary_key=True),
    Column("origin", String(ORIGIN)),
    Column("state", String(16), nullable=False),  # 'ok' | 'failing' | 'unknown'
    Column("last_size", BigInteger),
    Column("last_seen", Float),
    Column("failures", Integer, nullable=False, default=0),
    Column("last_error", Text),
)

evidence = Table(
    "evidence",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("origin", String(ORIGIN), nullable=False),
    Column("kind", String(32), nullable=False),  # 'fork' | 'misbehaviour'
    Column("note_a", LargeBinary, nullable=False),
    Column("note_b", LargeBinary, nullable=False),
    Column("detail", Text, nullable=False),
    Column("created_at", Float, nullable=False),
    # The operator's decision (None while open: the city's newer checkpoints are refused).
    Column("resolved_at", Float, nullable=True),
    Column("resolution", Text, nullable=True),
    # misbehaviour: the entry's index in the city's log and the rule it breaks
    Column("entry_index", BigInteger, nullable=True),
    Column("rule", String(64), nullable=True),
)

# Codes of cities this node does not follow, verified on demand (app.net.on_demand): the
# proof bundle that verified, as of the held checkpoint of `checkpoint_size`.
verified_lookups = Table(
    "verified_lookups",
    metadata,
    Column("code", String(32), primary_key=True),
    Column("origin", String(ORIGIN), nullable=False),
    Column("checkpoint_size", BigInteger, nullable=False),
    Column("bundle", LargeBinary, nullable=False),
    Column("peer", String(1024), nullable=False),
    Column("verified_at", Float, nullable=False),
)

# The latest checkpoint of each other city's log that this node co-signed as a witness,
# with its own cosignature line (migration 0007): kept apart from the replica's verified
# checkpoints, which are stored only with the entries they cover.
witnessed = Table(
    "witnessed",
    metadata,
    Column("origin", String(ORIGIN), primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("root_hash", LargeBinary, nullable=False),
    Column("note", LargeBinary, nullable=False),  # the log-signed note as witnessed
    Column("cosignature", Text, nullable=False),  # this witness's signature line
    Column("updated_at", Float, nullable=False),
)
