"""Rule unit tests: test files a rule author writes beside the rules, run against them.

A test file (`*.rulestest`, see docs/testing.md) holds cases: the events of one interaction,
written inline in a compact form or read from a JSON-lines file, and the descriptors some of
its parties should get. `parse` reads a file into `cases` records, `compact` turns compact
event lines into contract events (and events back into compact lines), `run` decides a case
with loaded rules and compares, `update` writes what the rules give into failing
expectations, `junit` writes results for CI. Nothing here prints: `cli/test.py` does.
"""
