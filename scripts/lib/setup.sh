# Shared set-up for scripts: installs missing Debian packages (as root) and checks the toolchain.

# Berth's release build as shipped (scripts/demo.sh, scripts/install.sh and the bench/ scripts build with it): the
# Swift runtime linked statically (~3 MB less resident memory), and the runtime exclusivity checks off in every
# module, SwiftNIO's included (-10 % instructions per proxied request, BENCHMARKS.md; docs/architecture.md,
# "Release builds"). Debug builds, which every test runs, keep the checks.
BERTH_RELEASE_BUILD=(-c release --static-swift-stdlib -Xswiftc -enforce-exclusivity=unchecked)

berth_need_packages() {
    local missing=()
    for package in "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        if [ "$(id -u)" != 0 ]; then
            echo "missing packages: ${missing[*]} (run as root, or install them first)" >&2
            return 1
        fi
        echo "== installing ${missing[*]}"
        apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}

berth_install_test_packages() {
    command -v swift >/dev/null || { echo "swift is not on PATH (Swift 6.3 expected at /opt/swift)" >&2; return 1; }
    # util-linux: setpriv (tests as another uid); procps: ps/pkill used by test clean-up; python3 for helpers.
    # libsystemd-dev + pkg-config: the CSystemd module (journal, sd_notify); systemd: journald and journalctl.
    # iproute2: `ip link set lo up` in the private network namespaces of the port-range tests (Tests/chaos too).
    berth_need_packages util-linux procps python3 curl libsystemd-dev pkg-config systemd iproute2
    # HTTP/2 and gRPC tests (issue 15): h2load and nghttp (nghttp2-client), Python's grpcio on both sides.
    berth_need_packages nghttp2-client python3-pip
    # Prometheus' own parser of the text format, to check /metrics against (IntegrationTests+Metrics).
    berth_need_packages python3-prometheus-client
    if ! python3 -c 'import grpc, grpc_health' 2>/dev/null; then
        echo "== installing grpcio grpcio-health-checking (pip)"
        python3 -m pip install -q grpcio grpcio-health-checking 2>/dev/null \
            || python3 -m pip install -q --break-system-packages grpcio grpcio-health-checking
    fi
}

# Starts a standalone systemd-journald when none listens (PID 1 is not systemd in CI containers), so that the
# journal tests run for real. Sets BERTH_STARTED_JOURNALD to its pid; berth_stop_journald stops only that one.
berth_start_journald() {
    BERTH_STARTED_JOURNALD=""
    if python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.connect(sys.argv[1])' \
        /run/systemd/journal/socket 2>/dev/null; then
        echo "== journald already listens"
        return 0
    fi
    if [ "$(id -u)" != 0 ] || [ ! -x /lib/systemd/systemd-journald ]; then
        echo "== no journald (needs root and /lib/systemd/systemd-journald): journal tests will be skipped"
        return 0
    fi
    # A stale socket from a journald that died would refuse connections: start clean.
    rm -rf /run/systemd/journal
    /lib/systemd/systemd-journald >/dev/null 2>&1 &
    BERTH_STARTED_JOURNALD=$!
    for _ in $(seq 1 50); do
        [ -S /run/systemd/journal/socket ] && break
        sleep 0.1
    done
    echo "== started a standalone journald (pid $BERTH_STARTED_JOURNALD)"
}

berth_stop_journald() {
    if [ -n "${BERTH_STARTED_JOURNALD:-}" ]; then
        kill "$BERTH_STARTED_JOURNALD" 2>/dev/null || true
        wait "$BERTH_STARTED_JOURNALD" 2>/dev/null || true
        rm -rf /run/systemd/journal
        BERTH_STARTED_JOURNALD=""
    fi
}

# The dashboard's browser tests: headless Chromium driven by Selenium (Tests/browser/test_dashboard.py).
berth_install_browser_test_packages() {
    berth_need_packages chromium chromium-driver python3-pip
    if ! python3 -c "import selenium" 2>/dev/null; then
        echo "== installing selenium (pip)"
        python3 -m pip install -q selenium 2>/dev/null || python3 -m pip install -q --break-system-packages selenium
    fi
}

# The example shop's infrastructure and its Python notifier: Debian's rabbitmq-server (run by Berth as a service of
# the shop, never as the system's service) and pika from PyPI.
berth_install_shop_packages() {
    berth_need_packages rabbitmq-server python3-pip
    if ! python3 -c "import pika" 2>/dev/null; then
        echo "== installing pika (pip)"
        python3 -m pip install -q pika 2>/dev/null || python3 -m pip install -q --break-system-packages pika
    fi
}
