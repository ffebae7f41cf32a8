"""Signs an artifact with sigstore-python's library through the services a trust config names.

Usage: sigstore_sign.py TRUST_CONFIG TOKEN_FILE ARTIFACT BUNDLE_OUT [dsse]
TRUST_CONFIG is a ClientTrustConfig (trusted root and signing config). Writes the bundle: a
message signature over ARTIFACT, or with `dsse` a DSSE envelope around an in-toto statement
whose subject is ARTIFACT.
"""

import hashlib
import sys

from sigstore.dsse import DigestSet, StatementBuilder, Subject
from sigstore.models import ClientTrustConfig
from sigstore.oidc import IdentityToken
from sigstore.sign import SigningContext

trust_config, token_file, artifact, bundle_out = sys.argv[1:5]
with open(trust_config) as handle:
    config = ClientTrustConfig.from_json(handle.read())
with open(token_file) as handle:
    token = IdentityToken(handle.read().strip())
context = SigningContext.from_trust_config(config)
with open(artifact, "rb") as handle:
    data = handle.read()
# cache=True: with cache=False, sigstore-python 4.5.1 makes a new key each time it reads its
# key, so the certificate request and the signature use different keys (a log refuses the entry).
with context.signer(token, cache=True) as signer:
    if sys.argv[5:6] == ["dsse"]:
        subject = Subject(name="artifact", digest=DigestSet(root={"sha256": hashlib.sha256(data).hexdigest()}))
        statement = (
            StatementBuilder().subjects([subject]).predicate_type("https://example.com/predicate").predicate({}).build()
        )
        bundle = signer.sign_dsse(statement)
    else:
        bundle = signer.sign_artifact(data)
with open(bundle_out, "w") as handle:
    handle.write(bundle.to_json())
