"""Find private-key material in text: a reusable helper for every output test.

Call :func:`find_private_keys` on a string, or :func:`scan_paths` on files and
directories (synthesized stacks, rendered review documents, captured logs). Each
returns what it found and where, so a failing assertion names the leak without
printing the key itself.

Public keys (``ssh-ed25519 AAAA...``) are not secret and are not reported.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

# What a private key looks like in the formats tls, ssh-keygen and openssl write.
_PATTERNS: dict[str, re.Pattern[str]] = {
    # -----BEGIN OPENSSH PRIVATE KEY-----, BEGIN RSA/EC/DSA/ENCRYPTED PRIVATE KEY, PKCS#8.
    "PEM/OpenSSH private key header": re.compile(
        r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"),
    # The header is easy to strip; the body is not. base64("openssh-key-v1\0") at any
    # of the three alignments a blob can start at inside a longer base64 string.
    "OpenSSH private key blob": re.compile(r"b3BlbnNzaC1rZXktdjE|9wZW5zc2gta2V5LXYx"
                                           r"|vcGVuc3NoLWtleS12M"),
    # PKCS#8 Ed25519 private key, DER in base64 (what tls writes as private_key_pem).
    "PKCS#8 Ed25519 private key": re.compile(r"MC4CAQAwBQYDK2VwBCIEI"),
    # PKCS#8 RSA and EC private keys.
    "PKCS#8 RSA private key": re.compile(r"MII[A-Za-z0-9+/]{3}IBADANBgkqhkiG9w0BAQEFAAS"),
    "PKCS#8 EC private key": re.compile(r"MI[GH][A-Za-z0-9+/]AgEAMB[A-Za-z0-9+/]GByqGSM49AgEG"),
    # PKCS#1 RSA / SEC1 EC (P-256, P-384, P-521) private keys: SEQUENCE, version, key.
    "PKCS#1 RSA private key": re.compile(r"MII[A-Za-z0-9+/]{3}IBAAKC"),
    "SEC1 EC private key": re.compile(r"MHcCAQEE|MIGkAgEBB|MIHcAgEBB"),
    # JSON/HCL escaped newlines keep a PEM intact; so does \\n in a Terraform string.
    "escaped PEM private key": re.compile(r"PRIVATE KEY-----\\\\?n"),
}


@dataclass(frozen=True)
class Leak:
    """One piece of private-key material: where, and which pattern matched."""

    where: str
    line: int
    kind: str

    def __str__(self) -> str:
        return f"{self.where}:{self.line}: {self.kind}"


def find_private_keys(text: str, where: str = "<text>") -> list[Leak]:
    """Every match of a private-key pattern in ``text``."""
    leaks = []
    for kind, pattern in _PATTERNS.items():
        for match in pattern.finditer(text):
            leaks.append(Leak(where, text.count("\n", 0, match.start()) + 1, kind))
    return sorted(leaks, key=lambda leak: (leak.line, leak.kind))


def scan_paths(paths: Iterable[Path]) -> list[Leak]:
    """Scan files, and every file under directories, as text (binary bytes ignored)."""
    leaks: list[Leak] = []
    for path in paths:
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            leaks.extend(find_private_keys(file.read_text(errors="ignore"), str(file)))
    return leaks


def assert_no_private_keys(*sources: Path | str) -> None:
    """Fail naming each leak (never printing it) if any source holds private-key material.

    A ``Path`` is scanned as a file or directory; a ``str`` is scanned as text
    (captured stdout/stderr, a rendered document).
    """
    leaks: list[Leak] = []
    for number, source in enumerate(sources):
        if isinstance(source, Path):
            leaks.extend(scan_paths([source]))
        else:
            leaks.extend(find_private_keys(source, f"<text {number}>"))
    assert not leaks, "private-key material found:\n" + "\n".join(map(str, leaks))
