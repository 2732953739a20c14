"""Stage 2, the interaction model: parties, their steps and relations, and the primitives rules read."""
