"""Long work as jobs: ingest, resolve, reindex, mention tagging and retention
sweeps, run one at a time by a ``JobRunner`` with progress, a log and
cooperative cancel, recorded in the app database (``access.jobs``) and the
audit log. See docs/jobs.md."""
