"""Verifies a PEP 740 attestation with pypi-attestations against a given trusted root and a
GitHub Trusted Publisher; prints "OK" or the reason it was refused.

Usage: pypi_verify.py TRUSTED_ROOT ATTESTATION DISTRIBUTION REPOSITORY WORKFLOW
pypi-attestations verifies against Sigstore's public instance only; its verifier is pointed at
the test's trusted root instead, and everything else it checks is its own.
"""

import sys
from pathlib import Path

import pypi_attestations._impl as impl
from pypi_attestations import Attestation, Distribution, GitHubPublisher
from sigstore.models import TrustedRoot
from sigstore.verify import Verifier

trusted_root, attestation_path, distribution, repository, workflow = sys.argv[1:6]
root = TrustedRoot.from_file(trusted_root)
impl.Verifier.production = staticmethod(lambda offline=False: Verifier(trusted_root=root))
attestation = Attestation.model_validate_json(Path(attestation_path).read_text())
try:
    predicate_type, _ = attestation.verify(
        GitHubPublisher(repository=repository, workflow=workflow), Distribution.from_file(Path(distribution))
    )
except Exception as error:  # noqa: BLE001
    print(f"refused: {error}")
else:
    print(f"OK {predicate_type}")
