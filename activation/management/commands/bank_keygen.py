"""``manage.py bank_keygen``: make an Ed25519 key pair for a bank, as two PEM files."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from activation.keys import generate_private_key, private_key_pem, public_key_pem
from activation.management import PortalCommand


def _write(path: Path, text: str, *, mode: int) -> None:
    """Create ``path`` with ``mode`` (never wider, whatever the umask) and write ``text``."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        os.fchmod(fd, mode)
        handle = os.fdopen(fd, "w", encoding="ascii")
    except BaseException:
        os.close(fd)
        raise
    with handle:
        handle.write(text)


class Command(PortalCommand):
    help = gettext_lazy(
        "Generate an Ed25519 key pair for a bank: the private key (mode 0600) stays with the "
        "bank, the public key is registered in the portal with add_bank_key."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--out-private",
            required=True,
            metavar="FILE",
            help=gettext_lazy("Where to write the private key (PEM, PKCS#8, unencrypted)."),
        )
        parser.add_argument(
            "--out-public",
            required=True,
            metavar="FILE",
            help=gettext_lazy("Where to write the public key (PEM, SubjectPublicKeyInfo)."),
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help=gettext_lazy("Replace files that already exist."),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        private_path = Path(options["out_private"])
        public_path = Path(options["out_public"])
        if private_path.resolve() == public_path.resolve():
            raise CommandError(_("--out-private and --out-public must be different files."))
        for path in (private_path, public_path):
            self._check_target(path, force=options["force"])

        key = generate_private_key()
        try:
            for path in (private_path, public_path):
                if options["force"] and (path.exists() or path.is_symlink()):
                    path.unlink()
            _write(private_path, private_key_pem(key), mode=0o600)
            try:
                _write(public_path, public_key_pem(key.public_key()), mode=0o644)
            except OSError:
                private_path.unlink(missing_ok=True)  # no half pair left behind
                raise
        except OSError as exc:
            raise CommandError(
                _("Cannot write %(path)s: %(reason)s.")
                % {"path": exc.filename or "", "reason": exc.strerror or exc}
            ) from exc

        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Wrote the private key to %(private)s (mode 0600: keep it secret, with the "
                    "bank) and the public key to %(public)s."
                )
                % {"private": private_path, "public": public_path}
            )
        )
        command = f"manage.py add_bank_key --bank CODE --public-key {public_path} --key-id ID"
        self.stdout.write(_("Register the public key with: %(command)s") % {"command": command})

    def _check_target(self, path: Path, *, force: bool) -> None:
        """Refuse a target that cannot be (over)written, before anything is written."""
        if path.is_dir():
            raise CommandError(_("%(path)s is a directory.") % {"path": path})
        if not path.parent.is_dir():
            raise CommandError(
                _("The directory %(dir)s does not exist.") % {"dir": path.parent or "."}
            )
        if (path.exists() or path.is_symlink()) and not force:
            raise CommandError(
                _("%(path)s already exists; pass --force to replace it.") % {"path": path}
            )
