"""The default rule set and vocabulary, shipped as package data."""
