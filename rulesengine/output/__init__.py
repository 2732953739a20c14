"""Stage 5, output: descriptor rows and their writers, tables, drawings."""
