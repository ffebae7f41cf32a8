"""Times sigstore-python (PyPI `sigstore`) verifying bundles in process, for trustroot-bench:
`python3 sigstore_verify_bench.py SECONDS CASE_JSON...` where each CASE_JSON is
{"name", "bundle", "artifact", "trusted_root", "identity", "issuer", "dsse"}.
Prints {name: microseconds per verification} as JSON."""
import json
import sys
import time

from sigstore.models import Bundle, TrustedRoot
from sigstore.verify import Verifier, policy

seconds = float(sys.argv[1])
results = {}
for spec in sys.argv[2:]:
    case = json.loads(spec)
    verifier = Verifier(trusted_root=TrustedRoot.from_file(case["trusted_root"]))
    with open(case["bundle"], "rb") as f:
        bundle_bytes = f.read()
    with open(case["artifact"], "rb") as f:
        artifact = f.read()
    identity = policy.Identity(identity=case["identity"], issuer=case["issuer"])

    def once():
        bundle = Bundle.from_json(bundle_bytes)
        if case["dsse"]:
            verifier.verify_dsse(bundle, identity)
        else:
            verifier.verify_artifact(artifact, bundle, identity)

    once()
    count = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        once()
        count += 1
    results[case["name"]] = (time.perf_counter() - start) / count * 1e6
print(json.dumps(results))
