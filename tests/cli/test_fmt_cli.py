"""`rulesengine fmt`: files rewritten in place only when they change, `--check` and `--diff` for CI,
standard input to standard output, syntax errors reported and their files left alone."""

from __future__ import annotations

import io
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from rulesengine.cli import main

SHIPPED = Path(__file__).parents[2] / "rulesengine" / "rules"
MESSY = """\
# site/vip.rules: VIP customers, kept apart.
param  vip_wait :duration=1m "a VIP waits no longer than this"   # agreed with the VIP team
rule site.vip_abandoned "A VIP customer who left while queued" for queue
  when data.segment == "VIP" and
       at_customer_left == waiting and stay > vip_wait # long waits only
  set result CustomerAbandoned reason AbandonedWhileQueued priority 25
fact vip: bool "A VIP customer" = case when data.segment == "VIP" then true
 else false
"""
FORMATTED = """\
# site/vip.rules: VIP customers, kept apart.
param vip_wait: duration = 1m  "a VIP waits no longer than this"  # agreed with the VIP team

rule site.vip_abandoned  "A VIP customer who left while queued"
  for queue
  when data.segment == "VIP"
    and at_customer_left == waiting and stay > vip_wait  # long waits only
  set result CustomerAbandoned reason AbandonedWhileQueued
  priority 25

fact vip: bool  "A VIP customer"
  = case
      when data.segment == "VIP" then true
      else false
"""


@pytest.fixture
def site(tmp_path: Path) -> Path:
    folder = tmp_path / "site"
    (folder / "nested").mkdir(parents=True)
    (folder / ".hidden").mkdir()
    (folder / "vip.rules").write_text(MESSY)
    (folder / "nested" / "clean.rules").write_text(FORMATTED)
    (folder / ".hidden" / "skipped.rules").write_text(MESSY)
    (folder / "notes.txt").write_text(MESSY)
    return folder


def test_the_shipped_rules_are_formatted(capsys):
    assert main(["fmt", "--check", str(SHIPPED)]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == "rulesengine fmt: 0 files would be reformatted, 3 already formatted\n"


def test_a_messy_file_formatted(snapshot):
    from rulesengine.language.format import format_text

    assert format_text(MESSY, "vip.rules")[0] == FORMATTED == snapshot


def test_a_folder_is_formatted_in_place_where_it_changes(site, capsys):
    vip, clean = site / "vip.rules", site / "nested" / "clean.rules"
    vip.chmod(0o640)
    clean_before = clean.stat()
    assert main(["fmt", str(site)]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == "rulesengine fmt: 1 file reformatted, 1 left unchanged\n"
    assert vip.read_text() == FORMATTED
    assert stat.S_IMODE(vip.stat().st_mode) == 0o640
    assert (clean.stat().st_ino, clean.stat().st_mtime_ns) == (clean_before.st_ino, clean_before.st_mtime_ns)
    assert (site / ".hidden" / "skipped.rules").read_text() == MESSY == (site / "notes.txt").read_text()
    assert sorted(path.name for path in site.iterdir()) == [".hidden", "nested", "notes.txt", "vip.rules"]


def test_check_prints_the_diff_writes_nothing_and_fails(site, capsys, snapshot, monkeypatch):
    monkeypatch.chdir(site)
    assert main(["fmt", "--check", "vip.rules", "nested"]) == 1
    captured = capsys.readouterr()
    assert captured.out == snapshot
    assert captured.err == "rulesengine fmt: 1 file would be reformatted, 1 already formatted\n"
    assert (site / "vip.rules").read_text() == MESSY
    patched = subprocess.run(["patch", "-p0", "--dry-run"], input=captured.out, text=True, capture_output=True,
                             check=False)
    assert patched.returncode == 0, patched.stderr


def test_diff_prints_the_same_diff_and_succeeds(site, capsys):
    assert main(["fmt", "--check", str(site / "vip.rules")]) == 1
    checked = capsys.readouterr().out
    assert main(["fmt", "--diff", str(site / "vip.rules")]) == 0
    assert capsys.readouterr().out == checked != ""
    assert main(["fmt", "--check", "--diff", str(site / "vip.rules")]) == 1
    assert (site / "vip.rules").read_text() == MESSY


def test_a_file_without_a_last_line_end_says_so_in_the_diff(tmp_path, capsys):
    (tmp_path / "a.rules").write_text("param a: int = 1")
    assert main(["fmt", "--diff", str(tmp_path / "a.rules")]) == 0
    assert capsys.readouterr().out.splitlines()[2:] == [
        "@@ -1 +1 @@", "-param a: int = 1", "\\ No newline at end of file", "+param a: int = 1"]


@pytest.mark.parametrize("saved", ["\r\n", "\r", "\ufeff", "\u2028"])
def test_any_editor_s_line_ends_and_byte_order_mark_read_as_check_reads_them(tmp_path, capsys, saved):
    """Windows line ends, old Mac ones, a byte-order mark, a line separator in a comment: fmt
    parses the file as check does, its diff is one `patch -p0` applies, and applied it gives
    the file fmt writes, whose rules are the same."""
    if saved == "\ufeff":
        text = saved + MESSY
    elif saved == "\u2028":
        text = MESSY.replace("# long waits only", "# long waits\u2028only")
    else:
        text = MESSY.replace("\n", saved)
    (tmp_path / "vip.rules").write_bytes(text.encode("utf-8"))
    (tmp_path / "patched.rules").write_bytes(text.encode("utf-8"))
    assert main(["rules", "list", "--rules", str(tmp_path / "vip.rules")]) == 0  # loaded as check loads it
    capsys.readouterr()
    assert main(["fmt", "--diff", str(tmp_path / "vip.rules")]) == 0
    diff = capsys.readouterr().out.replace(str(tmp_path / "vip.rules"), "patched.rules")
    subprocess.run(["patch", "-p0", "--quiet"], input=diff.encode("utf-8"), cwd=tmp_path, check=True)
    assert main(["fmt", str(tmp_path / "vip.rules")]) == 0
    formatted = (tmp_path / "vip.rules").read_bytes()
    assert (tmp_path / "patched.rules").read_bytes() == formatted
    expected = FORMATTED.replace("# long waits only", "# long waits\u2028only") if saved == "\u2028" else FORMATTED
    assert formatted.decode("utf-8") == expected


def test_a_syntax_error_is_reported_the_file_left_alone_the_others_formatted(site, capsys):
    broken = site / "broken.rules"
    broken.write_text('rule a "d"\n  for agent\n  wehn x\n  set role A\n')
    assert main(["fmt", str(site)]) == 2
    captured = capsys.readouterr()
    assert captured.err == (
        f"{broken}:3:3: error: R001 syntax error: unknown keyword `wehn`\n"
        "      wehn x\n"
        "      ^\n"
        "    hint: did you mean 'when'?\n"
        "rulesengine fmt: 1 file reformatted, 1 left unchanged, 1 not formatted (errors above)\n")
    assert broken.read_text() == 'rule a "d"\n  for agent\n  wehn x\n  set role A\n'
    assert (site / "vip.rules").read_text() == FORMATTED


def test_a_missing_or_undecodable_file_is_an_input_error(tmp_path, capsys):
    (tmp_path / "latin.rules").write_bytes('param a: string = "caf\xe9"\n'.encode("latin-1"))
    assert main(["fmt", str(tmp_path / "missing.rules"), str(tmp_path / "latin.rules")]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"rulesengine fmt: error: cannot read {tmp_path / 'missing.rules'}: No such file or directory",
        f"rulesengine fmt: error: cannot read {tmp_path / 'latin.rules'}: not UTF-8 (byte 22)",
        "rulesengine fmt: 0 files reformatted, 0 left unchanged, 2 not formatted (errors above)"]


def test_a_link_is_followed_and_stays_a_link(site, capsys):
    link = site / "link.rules"
    link.symlink_to(site / "vip.rules")
    assert main(["fmt", str(link)]) == 0
    assert link.is_symlink() and (site / "vip.rules").read_text() == FORMATTED
    assert main(["fmt", str(site)]) == 0  # the file and its link count once
    assert capsys.readouterr().err.splitlines()[-1] == "rulesengine fmt: 0 files reformatted, 2 left unchanged"


def test_standard_input_to_standard_output(monkeypatch, capsys):
    for arguments in (["fmt"], ["fmt", "-"]):
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(MESSY.encode())))
        assert main(arguments) == 0
        assert capsys.readouterr() == (FORMATTED, "")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(MESSY.encode())))
    assert main(["fmt", "--check", "-"]) == 1
    assert capsys.readouterr().out.startswith("--- <stdin>\n+++ <stdin>\n")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b'rule a "d"')))
    assert main(["fmt"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("<stdin>:1:8: error: R001 syntax error: missing `for KIND`")


def test_a_terminal_on_standard_input_and_no_path_is_a_usage_error(monkeypatch, capsys):
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stdin", Terminal())
    assert main(["fmt"]) == 2
    assert capsys.readouterr().err == ("rulesengine fmt: error: nothing to format: name rule files or folders, "
                                       "or pipe a rule file into standard input\n")


def test_a_layout_defect_leaves_the_file_as_it_was(site, capsys, monkeypatch):
    from rulesengine.language import format as layout

    monkeypatch.setattr(layout, "_doc", lambda text: "" if text is None else f'  "{text}!"')
    assert main(["fmt", str(site / "vip.rules")]) == 2
    assert capsys.readouterr().err.splitlines()[0] == (
        f"rulesengine fmt: error: the formatted {site / 'vip.rules'} declares something else; left unchanged")
    assert (site / "vip.rules").read_text() == MESSY


def test_a_file_that_cannot_be_replaced_is_an_output_error(site, capsys, monkeypatch):
    def read_only(source: str, target: str) -> None:
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(os, "replace", read_only)
    assert main(["fmt", str(site)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"rulesengine fmt: error: cannot write {site / 'vip.rules'}: Read-only file system",
        "rulesengine fmt: 0 files reformatted, 1 left unchanged, 1 not formatted (errors above)"]
    assert (site / "vip.rules").read_text() == MESSY
    assert sorted(path.name for path in site.iterdir()) == [".hidden", "nested", "notes.txt", "vip.rules"]
