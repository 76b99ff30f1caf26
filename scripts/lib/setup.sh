# Shared set-up for scripts: installs missing Debian packages (as root) and checks the toolchain.

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
    berth_need_packages util-linux procps python3 curl
}

# The dashboard's browser tests: headless Chromium driven by Selenium (Tests/browser/test_dashboard.py).
berth_install_browser_test_packages() {
    berth_need_packages chromium chromium-driver python3-pip
    if ! python3 -c "import selenium" 2>/dev/null; then
        echo "== installing selenium (pip)"
        python3 -m pip install -q selenium 2>/dev/null || python3 -m pip install -q --break-system-packages selenium
    fi
}
