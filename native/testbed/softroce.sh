#!/usr/bin/env bash
# The soft-RoCE testbed: runs the verbs provider's tests over a real kernel RDMA stack (rdma_rxe)
# inside a QEMU guest, on a host with no RDMA hardware.
#
#   native/testbed/softroce.sh [all|image|run|soak|bench]     all (default) = image if not cached, then run
#
# image: a Debian bookworm guest built from Debian packages only (debootstrap, linux-image-6.12-amd64,
#        rdma-core, perftest), with this host's JDK copied in. Cached under $FUSEWIRE_TESTBED_CACHE
#        (default ~/.cache/fusewire/softroce) and rebuilt only when the recipe or the JDK changes.
# run:   boots the guest under TCG (KVM does not work on the machines this runs on), creates rxe0
#        on the guest's eth0, runs the suites listed in native/testbed/suites.txt against the
#        classes the Maven build left in */target, then a checked `fusewire perf soak` over verbs per
#        algorithm of $FUSEWIRE_TESTBED_SOAK_ALGOS (default "aggregator ring", each counted as one
#        test), prints one line per suite and ends with "softroce: N passed, M failed"; exit status 0
#        only if every test passed and none was skipped. After each soak, the rxe counters that moved.
# soak:  the soaks alone, $FUSEWIRE_TESTBED_SOAK_ROUNDS rounds (default 1) of
#        $FUSEWIRE_TESTBED_SOAK_COLLECTIVES collectives (default 200) each: for a rare stall;
#        $FUSEWIRE_TESTBED_SOAK_JAVA_OPTS adds JVM flags to every soak (e.g. a -Dfusewire.* setting).
# bench: the same guest, ib_write_bw (the reference) then `fusewire perf write --transport verbs`
#        for each of $FUSEWIRE_TESTBED_BENCH_SIZES (default "65536 1048576") for
#        $FUSEWIRE_TESTBED_BENCH_SECONDS (default 10) each, and their ratio; then a checked
#        `fusewire perf allreduce` (2 workers, 1 aggregator daemon) over verbs and over tcp.
#        Emulated rxe: numbers for ratios, not for absolute speed.
# The guest's only network is QEMU's user-mode network with restrict=on: nothing leaves it.
#
# Needs root (debootstrap, chroot) and `./mvnw install` (or verify) run first. Env: MIRROR (Debian
# archive; default: this host's apt source), SECURITY_MIRROR (Debian security archive, for the guest's
# 6.12 kernel; default: this host's, else deb.debian.org's), JAVA_HOME (the JDK copied into the guest, 22 or
# later), FUSEWIRE_TESTBED_TIMEOUT (seconds for the whole guest run, default 2400),
# FUSEWIRE_TESTBED_SMP (default 2), FUSEWIRE_TESTBED_MEM (default 4G), FUSEWIRE_TESTBED_CPU (QEMU CPU
# model, default Westmere).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
CACHE=${FUSEWIRE_TESTBED_CACHE:-${XDG_CACHE_HOME:-${HOME:-/var/tmp}/.cache}/fusewire/softroce}
TIMEOUT=${FUSEWIRE_TESTBED_TIMEOUT:-2400}
SMP=${FUSEWIRE_TESTBED_SMP:-2}
MEM=${FUSEWIRE_TESTBED_MEM:-4G}
# No AVX: QEMU 7.2's TCG emulation of AVX/AVX2 (new in that release) crashes the JIT-compiled code of
# JDK 25. And one TCG thread for all vCPUs: with a thread per vCPU, code the JIT patches on one vCPU
# (an nmethod made not entrant) was seen running stale on the other, ending in SIGILL or SIGSEGV.
CPU=${FUSEWIRE_TESTBED_CPU:-Westmere}
JDK=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
RECIPE_VERSION=5
# The guest kernel is bookworm's 6.12 (from bookworm-security), not its default 6.1: 6.1's rxe runs its
# requester and completer as separate tasklets sharing unlocked flags, and there the aggregator soak
# stalled silently twice in about eight CI runs (a direction of a queue pair went quiet for a minute);
# 6.10 merged them into one send task and made loopback behave like the wire.
GUEST_PACKAGES="linux-image-6.12-amd64 rdma-core ibverbs-providers ibverbs-utils libibverbs1 perftest"
BENCH_SIZES=${FUSEWIRE_TESTBED_BENCH_SIZES:-65536 1048576}
BENCH_SECONDS=${FUSEWIRE_TESTBED_BENCH_SECONDS:-10}
SOAK_ALGOS=${FUSEWIRE_TESTBED_SOAK_ALGOS:-aggregator ring}
SOAK_COLLECTIVES=${FUSEWIRE_TESTBED_SOAK_COLLECTIVES:-200}
SOAK_ROUNDS=${FUSEWIRE_TESTBED_SOAK_ROUNDS:-1}
SOAK_JAVA_OPTS=${FUSEWIRE_TESTBED_SOAK_JAVA_OPTS:-}
IMAGE=$CACHE/image
RUN=$CACHE/run

say() { echo "[softroce $(date +%T)] $*"; }
fail() { echo "softroce: $*" >&2; exit 1; }

need_host_tools() {
    local missing=()
    command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
    command -v debootstrap >/dev/null || missing+=(debootstrap)
    command -v mkfs.ext4 >/dev/null || missing+=(e2fsprogs)
    if [ ${#missing[@]} -gt 0 ]; then
        say "installing ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -q >/dev/null
        apt-get install -y -q --no-install-recommends --no-upgrade "${missing[@]}" >/dev/null
    fi
}

# The first Debian archive among this host's apt sources (one-line and deb822 styles).
host_mirror() {
    {
        cat /etc/apt/sources.list 2>/dev/null | awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /:\/\//) { print $i; break } }'
        cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk 'tolower($1) == "uris:" { for (i = 2; i <= NF; i++) print $i }'
        cat /etc/apt/sources.list.d/*.list 2>/dev/null | awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /:\/\//) { print $i; break } }'
    } | grep -v -i security | grep -E '^https?://' | head -n 1
}

# This host's Debian security archive, for the guest's kernel; deb.debian.org's if none is configured.
host_security_mirror() {
    local found
    found=$({
        cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /:\/\//) { print $i; break } }'
        cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk 'tolower($1) == "uris:" { for (i = 2; i <= NF; i++) print $i }'
    } | grep -i security | grep -E '^https?://' | head -n 1)
    echo "${found:-http://deb.debian.org/debian-security}"
}

image_stamp() {
    printf 'recipe %s\npackages %s\njdk %s %s\n' "$RECIPE_VERSION" "$GUEST_PACKAGES" "$JDK" \
        "$(grep -h JAVA_RUNTIME_VERSION "$JDK/release" 2>/dev/null)"
}

# PID 1 of the guest: bring up eth0 and rxe0, mount the host's share, run its job, power off.
write_guest_init() {
    cat > "$1" <<'INIT'
#!/bin/sh
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc 2>/dev/null
mount -t sysfs sys /sys 2>/dev/null
mount -t tmpfs -o size=512m tmpfs /tmp
mount -t tmpfs -o size=512m tmpfs /dev/shm 2>/dev/null || { mkdir -p /dev/shm && mount -t tmpfs tmpfs /dev/shm; }
modprobe -a virtio_net 9pnet_virtio 9p
ip link set lo up
ip link set eth0 up
ip addr add 10.0.2.15/24 dev eth0
modprobe -a rdma_rxe ib_uverbs
if rdma link add rxe0 type rxe netdev eth0; then
    echo "@@ guest rxe0 $(cat /sys/class/infiniband/rxe0/ports/1/state 2>/dev/null)"
else
    echo "@@ guest rxe0 could not be created"
fi
if mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 host0 /mnt/host; then
    (cd /mnt/host && sh ./job.sh) 2>&1
else
    echo "@@ guest cannot mount the host share"
fi
echo "@@ guest done"
sync
echo o > /proc/sysrq-trigger
sleep 30
INIT
}

build_image() {
    local mirror=${MIRROR:-$(host_mirror)} security=${SECURITY_MIRROR:-$(host_security_mirror)}
    [ -n "$mirror" ] || fail "no Debian mirror: set MIRROR to a Debian archive URL"
    [ -x "$JDK/bin/java" ] || fail "no JDK at $JDK: set JAVA_HOME to a JDK 22 or later"
    [ "$(id -u)" = 0 ] || fail "building the guest image needs root (debootstrap, chroot)"
    local root=$CACHE/rootfs started=$SECONDS
    say "building the guest image from $mirror into $CACHE (a few minutes)"
    rm -rf "$root" "$IMAGE" && mkdir -p "$root" "$IMAGE"
    debootstrap --variant=minbase --include=kmod,iproute2,procps bookworm "$root" "$mirror" > "$CACHE/debootstrap.log" 2>&1 \
        || fail "debootstrap failed; see $CACHE/debootstrap.log"
    mkdir -p "$root/etc/initramfs-tools"
    printf 'virtio_pci\nvirtio_blk\next4\n' > "$root/etc/initramfs-tools/modules"
    mkdir -p "$root/etc/initramfs-tools/conf.d" && echo MODULES=list > "$root/etc/initramfs-tools/conf.d/modules"
    mount -t proc proc "$root/proc"
    mount -t sysfs sys "$root/sys"
    mount --bind /dev "$root/dev"
    echo "deb $security bookworm-security main" > "$root/etc/apt/sources.list.d/security.list"
    local rc=0
    { chroot "$root" apt-get update -q && DEBIAN_FRONTEND=noninteractive chroot "$root" apt-get install -y -q \
        --no-install-recommends $GUEST_PACKAGES; } > "$CACHE/packages.log" 2>&1 || rc=$?
    umount -l "$root/dev" "$root/sys" "$root/proc"
    [ $rc = 0 ] || fail "installing the guest packages failed; see $CACHE/packages.log"
    write_guest_init "$root/sbin/fusewire-guest-init"
    chmod 0755 "$root/sbin/fusewire-guest-init"
    mkdir -p "$root/mnt/host" "$root/opt/jdk"
    cp -a "$JDK/." "$root/opt/jdk/"
    rm -rf "$root/var/cache/apt/archives"/*.deb "$root/opt/jdk/lib/src.zip" "$root/opt/jdk/jmods"
    cp "$root"/boot/vmlinuz-* "$IMAGE/vmlinuz"
    cp "$root"/boot/initrd.img-* "$IMAGE/initrd.img"
    mkfs.ext4 -q -F -L fusewire -d "$root" "$IMAGE/rootfs.img" 3G > "$CACHE/mkfs.log" 2>&1 \
        || fail "mkfs.ext4 failed; see $CACHE/mkfs.log"
    rm -rf "$root"
    image_stamp > "$IMAGE/stamp"
    say "image ready in $((SECONDS - started)) s"
}

image_is_current() {
    [ -f "$IMAGE/rootfs.img" ] && [ -f "$IMAGE/stamp" ] && [ "$(cat "$IMAGE/stamp")" = "$(image_stamp)" ]
}

# Copies the entries of a classpath into the share; prints the classpath as the guest sees it.
share_classpath() {
    local share=$1 entry name guest_cp=""
    shift
    for entry in "$@"; do
        name=$(basename "$entry")
        case "$name" in junit-*|opentest4j-*|apiguardian-*) continue ;; esac  # the launcher carries its own
        case "$entry" in
            */target/classes) name=${entry#"$REPO"/}; name=${name%/target/classes}-classes ;;
            */target/test-classes) name=${entry#"$REPO"/}; name=${name%/target/test-classes}-test-classes ;;
        esac
        [ -e "$share/lib/$name" ] || cp -r "$entry" "$share/lib/$name"
        guest_cp="$guest_cp${guest_cp:+:}/mnt/host/lib/$name"
    done
    echo "$guest_cp"
}

# Writes the share's job.sh header; prints the JVM flags every Fusewire JVM needs.
start_job() {
    local share=$1
    rm -rf "$share" && mkdir -p "$share/lib"
    cat "$REPO/perf/target/classes/fusewire-jvm.options" 2>/dev/null \
        || fail "no perf/target/classes/fusewire-jvm.options: run ./mvnw install first"
    printf 'export JAVA_HOME=/opt/jdk PATH=/opt/jdk/bin:$PATH\ncd /mnt/host\n' > "$share/job.sh"
}

# The test job: every suite of suites.txt with the JUnit console launcher, timeouts stretched tenfold.
prepare_tests() {
    local share=$1 flags launcher module class n=0 guest_cp cpfile
    flags=$(start_job "$share")
    launcher=$(ls "$REPO"/native/target/testbed/junit-platform-console-standalone-*.jar 2>/dev/null | head -n 1)
    [ -n "$launcher" ] || fail "no JUnit console launcher in native/target/testbed: run ./mvnw install first"
    cp "$launcher" "$share/lib/launcher.jar"
    while read -r module class; do
        case "$module" in ''|'#'*) continue ;; esac
        cpfile=$REPO/$module/target/test-classpath.txt
        [ -f "$cpfile" ] || fail "no $cpfile: run ./mvnw install first"
        guest_cp=$(share_classpath "$share" "$REPO/$module/target/test-classes" "$REPO/$module/target/classes" \
            $(tr ':' ' ' < "$cpfile"))
        n=$((n + 1))
        cat >> "$share/job.sh" <<JOB
start=\$(cut -d. -f1 /proc/uptime)
java $flags -XX:-UsePerfData -Dfusewire.test.slowdown=10 -Djunit.jupiter.execution.timeout.mode=disabled \\
    -cp 'lib/launcher.jar:$guest_cp' org.junit.platform.console.ConsoleLauncher execute \\
    --select-class $class --disable-banner --details=tree > suite-$n.log 2>&1
rc=\$?
end=\$(cut -d. -f1 /proc/uptime)
echo "@@ suite $class: JUnit exit \$rc after \$((end - start)) s"
JOB
    done < "$HERE/suites.txt"
    [ $n -gt 0 ] || fail "no suites listed in $HERE/suites.txt"
    append_soaks "$share"
}

# Appends to the job a checked soak over verbs per algorithm of $SOAK_ALGOS, the source guard on,
# $SOAK_ROUNDS times each; after each, the rxe counters that moved (retries, RNR NAKs, drops say
# more about a stall than the soak's own words), and at the end the guest kernel's log. The
# connect and store bounds are stretched like the peer timeout: starting four JVMs at once on two
# emulated vCPUs can take longer than their defaults (seen: a store refusing a proof after 5 s).
append_soaks() {
    local share=$1 flags guest_cp
    flags=$(cat "$REPO/perf/target/classes/fusewire-jvm.options")
    [ -f "$REPO/perf/target/classpath.txt" ] || fail "no perf/target/classpath.txt: run ./mvnw install first"
    guest_cp=$(share_classpath "$share" "$REPO/perf/target/classes" $(tr ':' ' ' < "$REPO/perf/target/classpath.txt"))
    cat >> "$share/job.sh" <<JOB
counters() { for f in /sys/class/infiniband/rxe0/ports/1/hw_counters/*; do echo "\$(basename \$f) \$(cat \$f)"; done; }
for round in \$(seq 1 $SOAK_ROUNDS); do
for algo in $SOAK_ALGOS; do
    counters > counters-before
    java $flags -XX:-UsePerfData -Dfusewire.transport.verify.sources=true -Dfusewire.aggregator.straggler.timeout.ms=60000 \\
        -Dfusewire.transport.peer.timeout.ms=60000 -Dfusewire.transport.connect.timeout.ms=60000 -Dfusewire.store.auth.timeout.ms=60000 \\
        $SOAK_JAVA_OPTS -cp '$guest_cp' io.fusewire.perf.cli.FusewireCli perf soak --transport verbs \\
        --algo \$algo --collectives $SOAK_COLLECTIVES --max-bytes 256K --big-every 0 --max-growth 4G --timeout-s 1200 > soak-\$algo-\$round.log 2>&1
    echo "@@ soak \$algo verbs: exit \$? \$(grep '^soak:' soak-\$algo-\$round.log)"
    counters | awk 'NR == FNR { before[\$1] = \$2; next } \$2 != before[\$1] { printf "%s +%d ", \$1, \$2 - before[\$1] }' counters-before - > soak-\$algo-\$round.counters
    echo "@@ rxe counters that moved: \$(cat soak-\$algo-\$round.counters)"
done
done
dmesg > dmesg.log
JOB
}

# The bench job: ib_write_bw (perftest, the reference) and `fusewire perf write --transport verbs`,
# the same sizes and duration, one after the other on rxe0. Numbers, not assertions.
prepare_bench() {
    local share=$1 flags guest_cp size
    flags=$(start_job "$share")
    [ -f "$REPO/perf/target/classpath.txt" ] || fail "no perf/target/classpath.txt: run ./mvnw install first"
    guest_cp=$(share_classpath "$share" "$REPO/perf/target/classes" $(tr ':' ' ' < "$REPO/perf/target/classpath.txt"))
    for size in $BENCH_SIZES; do
        cat >> "$share/job.sh" <<JOB
ib_write_bw -d rxe0 -x 1 -F --report_gbits -s $size -D $BENCH_SECONDS > ib-server-$size.log 2>&1 &
sleep 2
ib_write_bw -d rxe0 -x 1 -F --report_gbits -s $size -D $BENCH_SECONDS 10.0.2.15 > ib-client-$size.log 2>&1
wait
echo "@@ ib_write_bw $size \$(awk '\$1 == $size { print \$4 }' ib-client-$size.log) Gb/s"
JOB
    done
    cat >> "$share/job.sh" <<JOB
java $flags -XX:-UsePerfData -cp '$guest_cp' io.fusewire.perf.cli.FusewireCli perf write --transport verbs \\
    -b $(echo $BENCH_SIZES | awk '{print $1}') -e $(echo $BENCH_SIZES | awk '{print $NF}') -f 16 --seconds $BENCH_SECONDS > write.log 2>&1
awk '\$1 ~ /^[0-9]+\$/ { print "@@ fusewire " \$1 " " \$3 " GB/s" }' write.log
for transport in verbs tcp; do
    java $flags -XX:-UsePerfData -Dfusewire.aggregator.straggler.timeout.ms=60000 -Dfusewire.transport.peer.timeout.ms=60000 \\
        -cp '$guest_cp' io.fusewire.perf.cli.FusewireCli perf allreduce --transport \$transport \\
        --workers 2 --aggregators 1 -b 64K -e 1M -f 16 --check --timeout-s 1200 > allreduce-\$transport.log 2>&1
    echo "@@ allreduce \$transport: exit \$?"
    awk -v t=\$transport '\$1 ~ /^[0-9]+\$/ { print "@@ allreduce " t " " \$1 " " \$5 " us, " \$8 " wrong" }' allreduce-\$transport.log
done
JOB
}

# Boots the guest on the share prepared for it; prints its @@ lines. Returns QEMU's exit status.
boot_guest() {
    local share=$1 log=$2 rc=0
    say "booting the guest (TCG, $CPU, $SMP vCPUs, $MEM); serial log in $log, job output in $share"
    timeout --kill-after=10 "$TIMEOUT" qemu-system-x86_64 -accel tcg,thread=single -cpu "$CPU" -m "$MEM" -smp "$SMP" \
        -nographic -no-reboot -kernel "$IMAGE/vmlinuz" -initrd "$IMAGE/initrd.img" \
        -append "console=ttyS0 root=/dev/vda ro init=/sbin/fusewire-guest-init net.ifnames=0 panic=-1 quiet" \
        -drive file="$IMAGE/rootfs.img",if=virtio,format=raw,snapshot=on \
        -nic user,model=virtio-net-pci,restrict=on \
        -virtfs local,path="$share",mount_tag=host0,security_model=none < /dev/null > "$log" 2>&1 || rc=$?
    tr -d '\r' < "$log" | grep '^@@' | sed 's/^@@ /  /' || true
    if [ $rc = 124 ] || [ $rc = 137 ]; then
        say "the guest ran past $TIMEOUT s and was stopped (FUSEWIRE_TESTBED_TIMEOUT)"
    fi
    return $rc
}

run_tests() {
    local share=$RUN/share started=$SECONDS
    mkdir -p "$RUN"
    prepare_tests "$share"
    boot_guest "$share" "$RUN/serial.log" || true
    # Tests passed and failed, from each suite's JUnit summary; a suite without one (a crashed JVM)
    # counts as one failure, and so does every skipped or aborted test or class: here verbs must run.
    local passed=0 failed=0 n expected f ok bad skipped
    expected=$(grep -cvE '^\s*(#|$)' "$HERE/suites.txt")
    for n in $(seq 1 "$expected"); do
        f=$share/suite-$n.log
        ok=$(sed -n 's/^\[ *\([0-9]*\) tests successful.*/\1/p' "$f" 2>/dev/null | head -n 1)
        bad=$(sed -n 's/^\[ *\([0-9]*\) tests failed.*/\1/p' "$f" 2>/dev/null | head -n 1)
        if [ -z "$ok" ] || [ -z "$bad" ]; then
            echo "--- suite $n left no JUnit summary: see $f"
            failed=$((failed + 1))
            continue
        fi
        skipped=$(sed -n 's/^\[ *\([0-9]*\) \(tests\|containers\) \(skipped\|aborted\).*/\1/p' "$f" | awk '{ s += $1 } END { print s + 0 }')
        if [ "$skipped" != 0 ]; then
            echo "--- suite $n skipped or aborted $skipped tests or classes; inside the guest every verbs test must run: see $f"
            sed 's/\x1b\[[0-9;]*m//g' "$f" | grep -iE 'skipped|aborted|assum' | head -5
        fi
        passed=$((passed + ok))
        failed=$((failed + bad + skipped))
        if [ "$bad" != 0 ]; then
            echo "--- $f"
            sed 's/\x1b\[[0-9;]*m//g' "$f" | grep -E '✘|=> ' | head -20
        fi
    done
    count_soaks "$share"
    say "rxe0 run took $((SECONDS - started)) s"
    echo "softroce: $passed passed, $failed failed"
    [ "$failed" = 0 ] && [ "$passed" -gt 0 ]
}

# Adds each soak's outcome to passed/failed (a soak that left no line failed); on a failure, its
# log's verdict and warnings, the rxe counters that moved, and the guest kernel's complaints.
count_soaks() {
    local share=$1 round algo line log
    for round in $(seq 1 "$SOAK_ROUNDS"); do
        for algo in $SOAK_ALGOS; do
            log=$share/soak-$algo-$round.log
            line=$(tr -d '\r' < "$RUN/serial.log" | grep "^@@ soak $algo verbs: exit" | sed -n "${round}p")
            case "$line" in
                *": exit 0 soak:"*) passed=$((passed + 1)) ;;
                *) failed=$((failed + 1)); echo "--- the $algo soak over verbs (round $round) failed: see $log"
                   grep -E '^(soak:|# FAILED)|WARNING|SEVERE' "$log" 2>/dev/null | head -12
                   echo "rxe counters that moved: $(cat "$share/soak-$algo-$round.counters" 2>/dev/null)"
                   grep -E 'BUG:|WARNING:|lockup|hung task|stall|Out of memory|rxe.*(err|fail)' "$share/dmesg.log" 2>/dev/null | head -10 ;;
            esac
        done
    done
}

# The soaks alone, $SOAK_ROUNDS rounds: for a stall that shows once in several runs.
run_soaks() {
    local share=$RUN/share started=$SECONDS passed=0 failed=0
    mkdir -p "$RUN"
    start_job "$share" > /dev/null
    append_soaks "$share"
    boot_guest "$share" "$RUN/serial.log" || true
    count_soaks "$share"
    say "rxe0 soaks took $((SECONDS - started)) s"
    echo "softroce: $passed passed, $failed failed"
    [ "$failed" = 0 ] && [ "$passed" -gt 0 ]
}

run_bench() {
    local share=$RUN/bench
    mkdir -p "$RUN"
    prepare_bench "$share"
    boot_guest "$share" "$RUN/bench-serial.log" | grep -v '^  guest' || true
    local size ib fw
    for size in $BENCH_SIZES; do
        ib=$(tr -d '\r' < "$RUN/bench-serial.log" | awk -v s="$size" '$1 == "@@" && $2 == "ib_write_bw" && $3 == s { print $4 }')
        fw=$(tr -d '\r' < "$RUN/bench-serial.log" | awk -v s="$size" '$1 == "@@" && $2 == "fusewire" && $3 == s { print $4 }')
        if [ -n "$ib" ] && [ -n "$fw" ]; then
            awk -v s="$size" -v ib="$ib" -v fw="$fw" 'BEGIN { printf "softroce bench: %d-byte writes on rxe0: fusewire %.4f GB/s, ib_write_bw %.4f GB/s, ratio %.2f\n", s, fw, ib / 8, (ib > 0 ? fw / (ib / 8) : 0) }'
        else
            echo "softroce bench: $size-byte writes: no result (see $share)"
        fi
    done
}

need_root() {
    [ "$(id -u)" = 0 ] || fail "needs root (debootstrap, chroot and mounts build the guest; QEMU runs it): run it as root"
}

# The tests run against the classes the Maven build left; without the shim every verbs test would be skipped.
need_build() {
    ls "$REPO"/native/target/classes/io/fusewire/native/linux-x86_64/libfusewire-verbs.so >/dev/null 2>&1 \
        || fail "the verbs shim was not built (native/target/classes/io/fusewire/native/linux-x86_64/libfusewire-verbs.so):" \
            "install gcc and the rdma-core headers (.ci/setup does: apt-get install gcc libibverbs-dev), then run ./mvnw -B -ntp verify again"
    ls "$REPO"/native/target/testbed/junit-platform-console-standalone-*.jar >/dev/null 2>&1 \
        || fail "no build to test: run ./mvnw -B -ntp verify (or install) first"
}

main() {
    local stage=${1:-all}
    need_root
    mkdir -p "$CACHE"
    case "$stage" in
        image) need_host_tools; build_image ;;
        run) need_build; image_is_current || fail "no current guest image in $IMAGE: run '$0 image' first"; need_host_tools; run_tests ;;
        all) need_build; need_host_tools; image_is_current || build_image; run_tests ;;
        soak) need_build; need_host_tools; image_is_current || build_image; run_soaks ;;
        bench) need_build; need_host_tools; image_is_current || build_image; run_bench ;;
        *) fail "unknown stage '$stage': use all, image, run, soak or bench" ;;
    esac
}

main "$@"
