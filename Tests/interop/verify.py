"""Checks metadata that TrustRoot signed, with python-tuf: argv[1] is a folder with root.json
and targets.json. Prints one line per role: the role name and OK, or FAIL and the reason."""
import os
import sys

from tuf.api.metadata import Metadata

folder = sys.argv[1]
root = Metadata.from_file(os.path.join(folder, "root.json"))
for role in ("root", "targets"):
    md = root if role == "root" else Metadata.from_file(os.path.join(folder, f"{role}.json"))
    try:
        root.signed.verify_delegate(role, md.signed_bytes, md.signatures)
        print(role, "OK")
    except Exception as error:  # the reason is what the test prints
        print(role, "FAIL", type(error).__name__, error)

from securesystemslib.signer._key import compute_default_keyid  # noqa: E402

for keyid, key in sorted(root.signed.keys.items()):
    print("keyid", keyid, compute_default_keyid(key.keytype, key.scheme, key.keyval))
