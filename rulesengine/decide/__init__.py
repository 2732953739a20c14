"""Stage 4, deciding: compiled rules over an interaction model give each party's decision; explain says why."""
