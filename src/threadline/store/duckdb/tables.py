"""DuckDB tables of the statement store and, beside the statements but never
mixed into them, of the resolution: candidate pairs with their evidence, what
each entity looked like when last scored, the analysts' judgements and the
canonical id of every resolved entity. Users, cases and the audit log live in
the app database (``threadline.access``)."""

SCHEMA_VERSION = "2"

DDL = [
    """
    CREATE TABLE IF NOT EXISTS meta (
        key VARCHAR PRIMARY KEY,
        value VARCHAR NOT NULL
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS datasets (
        name VARCHAR PRIMARY KEY,
        title VARCHAR,
        created_at TIMESTAMP NOT NULL
    )
    """,
    # One row per value seen in a source row. ``id`` is FtM's statement key
    # (sha1 of dataset, entity, property, value), so the same value seen in
    # two rows of a file shares an id but keeps both source lines.
    """
    CREATE TABLE IF NOT EXISTS statements (
        id VARCHAR NOT NULL,
        entity_id VARCHAR NOT NULL,
        schema VARCHAR NOT NULL,
        prop VARCHAR NOT NULL,
        prop_type VARCHAR NOT NULL,
        value VARCHAR NOT NULL,
        original_value VARCHAR,
        lang VARCHAR,
        dataset VARCHAR NOT NULL,
        source VARCHAR NOT NULL,
        source_line BIGINT,
        first_seen TIMESTAMP NOT NULL,
        last_seen TIMESTAMP NOT NULL,
        ingest_id BIGINT NOT NULL
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS ingests (
        id BIGINT PRIMARY KEY,
        dataset VARCHAR NOT NULL,
        source VARCHAR NOT NULL,
        path VARCHAR NOT NULL,
        sha256 VARCHAR NOT NULL,
        format VARCHAR NOT NULL,
        started_at TIMESTAMP NOT NULL,
        finished_at TIMESTAMP NOT NULL,
        records BIGINT NOT NULL,
        entities BIGINT NOT NULL,
        statements BIGINT NOT NULL,
        rejected BIGINT NOT NULL,
        -- pending: being written; live: visible; replaced/dropped/failed: to delete
        state VARCHAR NOT NULL
    )
    """,
    # Entities whose index documents must be rebuilt: filled by the switch of
    # an ingest or drop, drained by the workspace once the index is updated.
    """
    CREATE TABLE IF NOT EXISTS index_queue (entity_id VARCHAR NOT NULL)
    """,
    # Readers only ever see statements of live ingests. An ingest writes its
    # statements in committed batches while pending (so memory stays bounded),
    # then one small transaction makes it live and retires the version it
    # replaces: the switch is atomic, and a killed ingest leaves only invisible
    # rows that the next open removes.
    """
    CREATE OR REPLACE VIEW live_statements AS
    SELECT * FROM statements
    WHERE ingest_id IN (SELECT id FROM ingests WHERE state = 'live')
    """,
]

RESOLVE_DDL = [
    # Scored candidate pairs (left_id < right_id), one weight per comparison.
    """
    CREATE TABLE IF NOT EXISTS resolve_pairs (
        left_id VARCHAR NOT NULL,
        right_id VARCHAR NOT NULL,
        probability DOUBLE NOT NULL,
        weight DOUBLE NOT NULL,
        weights DOUBLE[] NOT NULL,
        gammas INTEGER[] NOT NULL
    )
    """,
    # The feature fingerprint of each entity at its last scoring: a changed
    # or new fingerprint marks the entity for incremental re-scoring.
    """
    CREATE TABLE IF NOT EXISTS resolve_entities (
        entity_id VARCHAR NOT NULL,
        fingerprint VARCHAR NOT NULL,
        veto_ids VARCHAR[]
    )
    """,
    # Every judgement ever made, newest wins per pair; nothing is deleted, so
    # each merge and split can be traced and reversed.
    """
    CREATE TABLE IF NOT EXISTS judgements (
        seq BIGINT PRIMARY KEY,
        left_id VARCHAR NOT NULL,
        right_id VARCHAR NOT NULL,
        judgement VARCHAR NOT NULL,
        user_name VARCHAR,
        created_at TIMESTAMP NOT NULL,
        origin VARCHAR NOT NULL
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS canonical (
        entity_id VARCHAR PRIMARY KEY,
        canonical_id VARCHAR NOT NULL
    )
    """,
]
