"""Downloads one target with python-tuf's ngclient, for the ceremony tests:
`python3 ngclient_get.py ROOT DIR METADATA_URL TARGETS_URL TARGET OUT` trusts ROOT, refreshes
from METADATA_URL (walking every root version), and writes TARGET, verified, to OUT. Prints the
trusted root version."""
import sys

from tuf.ngclient import Updater

root, folder, metadata_url, targets_url, target, out = sys.argv[1:7]
with open(root, "rb") as f:
    trusted_root = f.read()
updater = Updater(metadata_dir=folder, metadata_base_url=metadata_url, target_base_url=targets_url, bootstrap=trusted_root)
updater.refresh()
info = updater.get_targetinfo(target)
if info is None:
    sys.exit(f"{target} not found")
updater.download_target(info, out)
print(updater._trusted_set.root.version)
