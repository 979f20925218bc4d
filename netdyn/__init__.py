"""netdyn: an event-sourced network-dynamics pipeline.

The ``netdyn`` package holds the core shared by every stage: configuration, the DuckDB
connection and schema migrations, the append-only event log, run bookkeeping, the
analyst report and the command-line interface. Readers live in ``ingest``, analysis
methods in ``analytics``, generative models and null models in ``sim``, and the Prefect
flows that wire them together in ``flows``.
"""

__version__ = "0.1.0"
