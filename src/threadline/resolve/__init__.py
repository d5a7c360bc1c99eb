"""Entity resolution: blocking, pair scoring, judgements, canonical ids and
screening. Reads and writes through ``threadline.store.base`` only."""
