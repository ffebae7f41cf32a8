"""Refreshes with python-tuf's ngclient, for benchmarks:
`python3 ngclient_refresh.py ROOT DIR URL [MAX_ROOT_ROTATIONS]` trusts ROOT (python-tuf's
bootstrap), keeps metadata in the empty folder DIR and refreshes from metadata URL."""
import sys

from tuf.ngclient import Updater, UpdaterConfig

root, folder, url = sys.argv[1:4]
config = UpdaterConfig(max_root_rotations=int(sys.argv[4])) if len(sys.argv) > 4 else UpdaterConfig()
with open(root, "rb") as f:
    trusted_root = f.read()
updater = Updater(metadata_dir=folder, metadata_base_url=url, config=config, bootstrap=trusted_root)
updater.refresh()
