"""The portal's management commands speak Arabic by default, English on request (issue 12).

On the command line, ``--language en`` (or ``LANGUAGE=en`` in the environment) switches a
command's messages, its errors and its ``--help``; a desktop locale list such as ``en_US:en``
does not. ``call_command`` keeps the caller's active language unless given ``language=``.
``bank_keygen`` needs no database: these run in-process (``run_from_argv``, as ``manage.py``
does), in well under a second.
"""

from __future__ import annotations

import contextlib
import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command, load_command_class
from django.utils import translation

ARABIC_LETTER = re.compile(r"[\u0600-\u06FF]")


@pytest.fixture(autouse=True)
def no_language_in_environment(monkeypatch):
    monkeypatch.delenv("LANGUAGE", raising=False)


def command_line(capsys, *args: str) -> tuple[str, str]:
    """``manage.py bank_keygen *args`` in-process; what it wrote to stdout and stderr."""
    command = load_command_class("activation", "bank_keygen")
    with contextlib.suppress(SystemExit):  # --help, or a CommandError reported on stderr
        command.run_from_argv(["manage.py", "bank_keygen", *args])
    captured = capsys.readouterr()
    return captured.out, captured.err


def keygen(capsys, tmp_path: Path, *args: str) -> str:
    private, public = tmp_path / "bank.key", tmp_path / "bank.pub"
    for path in (private, public):
        path.unlink(missing_ok=True)
    out, _ = command_line(capsys, "--out-private", str(private), "--out-public", str(public), *args)
    return out


def help_text(capsys, *args: str) -> str:
    return command_line(capsys, *args, "--help")[0]


def test_a_command_speaks_arabic_by_default(capsys, tmp_path):
    out = keygen(capsys, tmp_path)

    assert ARABIC_LETTER.search(out)
    assert "Wrote the private key" not in out


@pytest.mark.parametrize("option", [("--language", "en"), ("--language=en",)])
def test_language_en_makes_the_output_english(capsys, tmp_path, option):
    out = keygen(capsys, tmp_path, *option)

    assert "Wrote the private key to" in out
    assert not ARABIC_LETTER.search(out)


def test_language_in_the_environment_makes_the_output_english(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("LANGUAGE", "en")

    assert "Wrote the private key to" in keygen(capsys, tmp_path)


def test_the_option_wins_over_the_environment(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("LANGUAGE", "en")

    assert ARABIC_LETTER.search(keygen(capsys, tmp_path, "--language", "ar"))


def test_a_desktop_locale_list_in_language_leaves_the_command_arabic(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("LANGUAGE", "en_US:en")

    assert ARABIC_LETTER.search(keygen(capsys, tmp_path))


def test_call_command_takes_the_option_and_otherwise_the_active_language(tmp_path):
    def call(**options: str) -> str:
        out = StringIO()
        private, public = tmp_path / "k", tmp_path / "p"
        call_command(
            "bank_keygen",
            "--out-private",
            str(private),
            "--out-public",
            str(public),
            "--force",
            stdout=out,
            **options,
        )
        return out.getvalue()

    with translation.override("ar"):
        assert "Wrote the private key to" in call(language="en")
        assert translation.get_language() == "ar"  # restored after the command
        assert ARABIC_LETTER.search(call())
    with translation.override("en"):
        assert "Wrote the private key to" in call()


def test_errors_follow_the_chosen_language(capsys, tmp_path):
    same = str(tmp_path / "same.pem")
    _, english = command_line(capsys, "--out-private", same, "--out-public", same, "--language=en")
    _, arabic = command_line(capsys, "--out-private", same, "--out-public", same)

    assert "must be different files" in english
    assert ARABIC_LETTER.search(arabic)
    assert "must be different files" not in arabic


def test_help_is_arabic_by_default_and_english_with_the_option_or_the_environment(
    capsys, monkeypatch
):
    arabic = help_text(capsys)
    english = help_text(capsys, "--language", "en")
    english_too = help_text(capsys, "--language=en")
    monkeypatch.setenv("LANGUAGE", "en")
    from_environment = help_text(capsys)

    assert "إنشاء زوج مفاتيح Ed25519" in arabic
    for text in (english, english_too, from_environment):
        assert "Generate an Ed25519 key pair for a bank" in text
        assert "Where to write the private key" in text
        assert "--language {ar,en}" in text
        assert not ARABIC_LETTER.search(text)
