from __future__ import annotations

import pytest

from rulesengine.cli import main

#: C3, written by hand: one expectation wrong (Agent1 is transferred, not completed)
TRANSFER = """\
# A site's test of the transfer flow.
case "agent transfers chat"
  events
    +0s created chat
    +0s q1 entered queue Chat_In
    +1s s1 entered strategy ChatRouting by q1
    +1s q1 left
    +2s a1 invited agent Agent1 by s1 intent route visibility conference
    +2s s1 left
    +5s a1 accepted
    +3m a2 invited agent Agent2 by a1 intent transfer
    +3m4s a2 accepted
    +3m4s a1 left
    +7m30s customer left
    +7m31s a2 left
    +7m31s ended
  expect
    a1:       RoutedTo/Completed IRF      # wrong on purpose
    Agent2:   ReceivedTransfer/Completed  # by resource name

case "invitation revoked"
  events
    +0s created chat
    +0s q1 entered queue Chat_In
    +1s s1 entered strategy ChatRouting by q1
    +1s q1 left
    +2s a1 invited agent Agent1 by s1 intent route
    +2s s1 left
    +32s a1 revoked reason timeout
    +32s q2 entered queue Chat_In
    +33s s2 entered strategy ChatRouting by q2
    +33s q2 left
    +34s a2 invited agent Agent1 by s2 intent route
    +34s s2 left
    +38s a2 accepted
    +5m customer left
    +5m1s a2 left
    +5m1s ended
  expect
    Agent1#1: RoutedTo/Redirected [Revoked]
    Agent1#2: RoutedTo/Completed IRF
"""


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    """Run in an empty folder, so that paths print the same everywhere."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def run_test(capsys):
    def run(*args: str) -> tuple[int, str, str]:
        code = main(["test", *args])
        captured = capsys.readouterr()
        return code, captured.out, captured.err
    return run
