"""The node's store, split by concept; app.ledger.store.Store composes them.

  base.py      the engine and its transactions; ConflictError
  logs.py      log data: logs, tiles, entry bundles, checkpoints and cosignatures, and the
               compare-and-swap on a log's size
  codes.py     the codes index and the officials of every log
  replica.py   folding replicated entries into the codes index through the entry rules,
               and misbehaviour evidence when an entry breaks one
  outbox.py    signed entries waiting for their city's sequencer
  peers.py     peer health and evidence against member cities

These modules are the only code that touches tables (docs/architecture.md, "One owner
of SQL"); every other module asks the Store.
"""
