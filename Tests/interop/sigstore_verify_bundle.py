"""Verifies a keyless Sigstore bundle with sigstore-python's library against a given trusted root.

Usage: sigstore_verify_bundle.py TRUSTED_ROOT BUNDLE ARTIFACT IDENTITY ISSUER [dsse]
Prints "verified", or sigstore-python's reason for refusing; exits 0 either way, so the test
reads the outcome (a crash or a missing package exits non-zero). With `dsse`, the bundle holds
a DSSE envelope whose in-toto statement must name ARTIFACT's SHA-256 among its subjects.
"""

import hashlib
import json
import sys

from sigstore.models import Bundle, TrustedRoot
from sigstore.verify import Verifier, policy

trusted_root, bundle_path, artifact_path, identity, issuer = sys.argv[1:6]
verifier = Verifier(trusted_root=TrustedRoot.from_file(trusted_root))
with open(bundle_path, "rb") as handle:
    bundle = Bundle.from_json(handle.read())
with open(artifact_path, "rb") as handle:
    artifact = handle.read()
dsse = sys.argv[6:7] == ["dsse"]
try:
    if dsse:
        _, payload = verifier.verify_dsse(bundle, policy.Identity(identity=identity, issuer=issuer))
        digests = [subject["digest"].get("sha256") for subject in json.loads(payload)["subject"]]
        if hashlib.sha256(artifact).hexdigest() not in digests:
            raise ValueError("the statement does not name the artifact")
    else:
        verifier.verify_artifact(artifact, bundle, policy.Identity(identity=identity, issuer=issuer))
except Exception as error:  # VerificationError and the errors of the layers below it
    print(f"refused: {type(error).__name__}: {error}")
else:
    print("verified")
