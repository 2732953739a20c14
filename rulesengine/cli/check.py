"""The `check` subcommand (not written yet)."""

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    subparsers.add_parser("check", help="(not available yet)").set_defaults(handler=lambda args: 2)
