"""Stage 1, events: the contract, reading and validating lines, grouping them into interactions."""
