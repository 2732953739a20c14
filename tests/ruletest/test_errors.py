"""Problems in a test file, each as the author reads it: place, caret, did-you-mean."""

from __future__ import annotations

import pytest

from .conftest import TRANSFER

BROKEN = {
    "unknown_party": ("    Agent2:   ReceivedTransfer", "    Agnt2:    ReceivedTransfer"),
    "unknown_stay": ("    Agent2:   ReceivedTransfer", "    Agent2#3: ReceivedTransfer"),
    "bad_time": ("    +5s a1 accepted", "    +5 a1 accepted"),
    "bad_descriptor_word": ("RoutedTo/Completed IRF      #", "RoutedTo/Transfered IRF      #"),
    "bad_reason_word": ("ReceivedTransfer/Completed", "ReceivedTransfer/Completed [Revokd]"),
    "bad_record_word": ("RoutedTo/Completed IRF      #", "RoutedTo/Completed IFR      #"),
    "unknown_event": ("    +5s a1 accepted", "    +5s a1 acepted"),
    "unknown_option": ("by s1 intent route visibility", "by s1 intnt route visibility"),
    "missing_value": ("+3m a2 invited agent Agent2 by a1 intent transfer", "+3m a2 invited agent Agent2 by a1 intent"),
    "bad_data": ("    +0s created chat\n    +0s q1", '    +0s created chat {"flow": }\n    +0s q1'),
    "event_stage_unknown_intent": ("by a1 intent transfer", "by a1 intent transfr"),
    "event_stage_unknown_by": ("entered strategy ChatRouting by q1\n    +1s q1 left\n    +2s a1 invited agent Agent1",
                               "entered strategy ChatRouting by q9\n    +1s q1 left\n    +2s a1 invited agent Agent1"),
    "event_stage_time_backwards": ("    +5s a1 accepted", "    +1s a1 accepted"),
    "syntax_missing_colon": ("    Agent2:   ReceivedTransfer", "    Agent2    ReceivedTransfer"),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_test_files(name, in_tmp, run_test, snapshot):
    old, new = BROKEN[name]
    assert old in TRANSFER
    (in_tmp / "site.rulestest").write_text(TRANSFER.replace(old, new, 1), encoding="utf-8")
    code, out, err = run_test("site.rulestest")
    assert code == 2
    assert {"out": out, "err": err} == snapshot


@pytest.mark.parametrize(("text", "where", "message"), [
    ('case "x"\n  events\n', "2:9", "unexpected end of file, expected an event line (+TIME ...)"),
    ('case "x"', "1:9", "unexpected end of file, expected `events` or `interaction` or `start`"),
    ('case "x\n', "1:6", "unexpected '\"'"),
])
def test_a_file_cut_short_or_with_a_stray_character_says_where(text, where, message, in_tmp, run_test):
    (in_tmp / "cut.rulestest").write_text(text, encoding="utf-8")
    code, out, err = run_test("cut.rulestest")
    assert code == 2
    assert f"cut.rulestest:{where}: error: T001 syntax error: {message}\n" in out + err
