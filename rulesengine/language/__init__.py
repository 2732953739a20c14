"""Stage 3, the rule language: grammar, parse, check, plan and compile."""
