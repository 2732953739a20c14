"""Structures that exist for speed or memory only, behind plain interfaces; they import no stage."""
