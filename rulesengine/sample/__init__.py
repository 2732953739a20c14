"""Bundled sample events for `rulesengine run` with no input file."""
