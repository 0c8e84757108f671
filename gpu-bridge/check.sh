#!/usr/bin/env bash
# The GPU check: run on a GPU host (no Java needed there) with the bundle gpu-bridge/bundle.sh made
# (carry gpu-bridge/target/gpu-check). Prints the driver and devices, runs the GPU tests (which
# must run, not skip), then `perf gpu` at its defaults and with two other staging shapes, then
# PyTorch's pinned copy bandwidth as the reference. Logs go to $OUT (or the bundle's out/).
# Exit code 0 only if every step passed. Takes about 3-5 minutes on one H200.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bundle="$root/gpu-bridge/target/gpu-check"
out="${OUT:-$bundle/out}"
mkdir -p "$out"
[ -f "$bundle/runtime.tar.gz" ] || { echo "check: no bundle in $bundle: run gpu-bridge/bundle.sh where Java is, and carry that folder" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
tar -C "$work" -xzf "$bundle/runtime.tar.gz"
java="$work/runtime/bin/java"
flags="$(cat "$bundle/jvm.options")"
# the shm transport's files: /dev/shm when it has room for a 256 MiB job (containers often give it 64 MiB), else local disk
shm=/dev/shm
if [ "$(df -Pk /dev/shm 2>/dev/null | awk 'NR==2 {print $4}')" -lt $((3 * 1024 * 1024)) ] 2>/dev/null; then
    shm="$work/shm" && mkdir -p "$shm"
fi
flags="$flags -Dfusewire.transport.shm.dir=$shm -Djava.io.tmpdir=$work"
status=0

step() {
    local name=$1 limit=$2 start=$SECONDS rc
    shift 2
    echo "== $name"
    timeout "$limit" bash -c '"$@"' step "$@" > "$out/$name.log" 2>&1
    rc=$?
    grep -v '^WARNING: Using incubator modules' "$out/$name.log"
    echo "== $name: exit $rc after $((SECONDS - start)) s"
    [ "$rc" -eq 0 ] || status=1
}
fusewire() {
    # shellcheck disable=SC2086 # the flags are words
    "$java" $flags -cp "$bundle/lib/*" io.fusewire.perf.cli.FusewireCli "$@"
}
gpu_tests() {
    # shellcheck disable=SC2086
    "$java" $flags -cp "$bundle/launcher.jar:$bundle/tests/gpu-bridge:$bundle/tests/aggregator-node:$bundle/lib/*" \
        org.junit.platform.console.ConsoleLauncher execute --disable-banner --disable-ansi-colors --details=tree --fail-if-no-tests \
        --select-class io.fusewire.gpu.CudaTest --select-class io.fusewire.gpu.GpuMemoryTest \
        --select-class io.fusewire.aggregator.DeviceAllReduceTest || return 1
}
host() {
    nvidia-smi --query-gpu=name,driver_version,memory.total,pci.bus_id --format=csv
    echo "cpus: $(nproc); shm transport files in $shm"
    df -h /dev/shm | tail -n 1
}

export java flags bundle shm
export -f fusewire gpu_tests host
step host 30 host
step gpu 60 fusewire gpu
step tests 240 gpu_tests
if grep -q 'tests skipped' "$out/tests.log" && ! grep -q '\[ *0 tests skipped *\]' "$out/tests.log"; then
    echo "== tests: some GPU tests were skipped on a GPU host: that checks nothing" && status=1
fi
step perf-gpu 300 fusewire perf gpu ${FUSEWIRE_CHECK_BYTES:+--bytes $FUSEWIRE_CHECK_BYTES}
step perf-gpu-4x16M 200 fusewire perf gpu --slots 4 --slot 16M --cycles 0
step perf-gpu-16x1M 200 fusewire perf gpu --slots 16 --slot 1M --cycles 0
step torch-copy 120 python3 "$root/gpu-bridge/torch_copy.py"
echo "== check: $([ $status -eq 0 ] && echo passed || echo FAILED)"
exit $status
