"""Tables of entity resolution, beside the statements in the workspace's
DuckDB file but never mixed into them: candidate pairs with their evidence,
what each entity looked like when last scored, the analysts' judgements and
the canonical id of every resolved entity."""

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
