"""The link graph: building, traversals, ownership roll-up, analytics, exports."""

#: The names of ``threadline.graph.export.FORMATS``, in its order, for the CLI's
#: help, which must not import numpy and pyarrow to list them (a test in
#: tests/cli keeps the two equal).
EXPORT_FORMAT_NAMES = ("gexf", "graphml", "neo4j-cypher", "neo4j-csv", "mermaid", "dot")
