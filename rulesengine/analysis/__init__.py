"""Bounded analysis of a rule set: every interaction shape up to a bound, decided, and what that
proves (overlaps, dead rules, gaps), each finding with a witness interaction `run` reproduces."""
