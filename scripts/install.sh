#!/usr/bin/env bash
# Installs berth and berthd (release build, Swift runtime linked statically), shell completions for bash, zsh and
# fish (service names are completed from the manifest), and the berth(1) man page.
#
# usage: bash scripts/install.sh [PREFIX]        PREFIX defaults to /usr/local
#        DESTDIR=/tmp/stage bash scripts/install.sh /usr    (staged, for packaging)
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
PREFIX=${1:-/usr/local}
DEST=${DESTDIR:-}$PREFIX
SCRATCH=$REPO/.build-static
source "$REPO/scripts/lib/setup.sh"

echo "== release build (static Swift runtime, runtime exclusivity checks off: scripts/lib/setup.sh)"
swift build --package-path "$REPO" "${BERTH_RELEASE_BUILD[@]}" --scratch-path "$SCRATCH" --product berthd
swift build --package-path "$REPO" "${BERTH_RELEASE_BUILD[@]}" --scratch-path "$SCRATCH" --product berth
bin=$SCRATCH/release

install -d "$DEST/bin"
install -m 0755 "$bin/berth" "$bin/berthd" "$DEST/bin/"

echo "== shell completions"
install -d "$DEST/share/bash-completion/completions" "$DEST/share/zsh/site-functions" \
    "$DEST/share/fish/vendor_completions.d"
"$bin/berth" --generate-completion-script bash >"$DEST/share/bash-completion/completions/berth"
"$bin/berth" --generate-completion-script zsh >"$DEST/share/zsh/site-functions/_berth"
"$bin/berth" --generate-completion-script fish >"$DEST/share/fish/vendor_completions.d/berth.fish"

echo "== man page"
# swift-argument-parser's generate-manual tool writes berth.1 (mdoc) from the commands' own help.
manual=$(mktemp -d)
if swift build --package-path "$SCRATCH/checkouts/swift-argument-parser" --scratch-path "$SCRATCH/generate-manual" \
    -c release --product generate-manual >"$manual/log" 2>&1 \
    && "$SCRATCH/generate-manual/release/generate-manual" "$bin/berth" --output-directory "$manual" \
        >>"$manual/log" 2>&1 \
    && [ -f "$manual/berth.1" ]; then
    install -d "$DEST/share/man/man1"
    install -m 0644 "$manual/berth.1" "$DEST/share/man/man1/berth.1"
    rm -rf "$manual"
else
    echo "the man page could not be generated (see $manual/log); everything else is installed" >&2
fi

echo "installed berth and berthd in $DEST/bin, completions and the man page under $DEST/share"
echo "bash: open a new shell (bash-completion loads it); zsh: fpath must include $PREFIX/share/zsh/site-functions"
