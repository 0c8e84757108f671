#!/usr/bin/env bash
# Installs the peer systems `fusewire perf compare` measures Fusewire against, from Debian's
# packages: torch.distributed with Gloo (python3-torch, run with /usr/bin/python3) and Open MPI
# (openmpi-bin, libopenmpi-dev for mpicc). A peer left out is skipped by the harness with a note.
set -euo pipefail
if [ "$(id -u)" -ne 0 ]; then
  echo "setup-peers: run as root (it calls apt-get)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends python3-torch openmpi-bin libopenmpi-dev
/usr/bin/python3 -c "import torch.distributed as d; assert d.is_gloo_available(); print('gloo: ok, torch', __import__('torch').__version__)"
mpicc --version | head -n 1
