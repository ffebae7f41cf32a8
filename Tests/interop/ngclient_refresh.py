"""Refreshes with python-tuf's ngclient, for benchmarks:
`python3 ngclient_refresh.py ROOT DIR URL [MAX_ROOT_ROTATIONS [TARGETS_URL NAME...]]` trusts ROOT
(python-tuf's bootstrap), keeps metadata in the empty folder DIR and refreshes from metadata URL;
then, as a Sigstore client does, downloads each target NAME from TARGETS_URL into DIR/targets
(unless the copy there is current)."""
import os
import sys

from tuf.ngclient import Updater, UpdaterConfig

root, folder, url = sys.argv[1:4]
config = UpdaterConfig(max_root_rotations=int(sys.argv[4])) if len(sys.argv) > 4 else UpdaterConfig()
targets_url = sys.argv[5] if len(sys.argv) > 5 else None
names = sys.argv[6:]
with open(root, "rb") as f:
    trusted_root = f.read()
targets_dir = os.path.join(folder, "targets")
os.makedirs(targets_dir, exist_ok=True)
updater = Updater(
    metadata_dir=folder,
    metadata_base_url=url,
    target_dir=targets_dir,
    target_base_url=targets_url,
    config=config,
    bootstrap=trusted_root,
)
updater.refresh()
for name in names:
    info = updater.get_targetinfo(name)
    if info is None:
        sys.exit(f"{name}: not listed")
    if updater.find_cached_target(info) is None:
        updater.download_target(info)
