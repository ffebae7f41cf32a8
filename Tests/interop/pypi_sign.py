"""Makes a PEP 740 attestation for a distribution with pypi-attestations, signing through the
services a trust config names (sigstore-python's signer).

Usage: pypi_sign.py TRUST_CONFIG TOKEN_FILE DISTRIBUTION ATTESTATION_OUT
"""

import sys
from pathlib import Path

from pypi_attestations import Attestation, Distribution
from sigstore.models import ClientTrustConfig
from sigstore.oidc import IdentityToken
from sigstore.sign import SigningContext

trust_config, token_file, distribution, out = sys.argv[1:5]
config = ClientTrustConfig.from_json(Path(trust_config).read_text())
token = IdentityToken(Path(token_file).read_text().strip())
context = SigningContext.from_trust_config(config)
# cache=True: see sigstore_sign.py.
with context.signer(token, cache=True) as signer:
    attestation = Attestation.sign(signer, Distribution.from_file(Path(distribution)))
Path(out).write_text(attestation.model_dump_json())
