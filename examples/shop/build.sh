#!/bin/sh
# The shop's build (berth.yaml's `build:` step): `build.sh debug` or `build.sh release` (SHOP_BUILD).
#
# A release build turns off Swift's dynamic exclusivity checks in every module, the dependencies included, as Berth's
# own release build does (scripts/lib/setup.sh): they were 2-4 % of the saga processes' CPU (BENCHMARKS.md, "Shop
# findings (branch shopgrpc)"). The flag has to be on the command line: `unsafeFlags` in Package.swift would reach
# only the shop's own targets, not grpc-swift's or NIO's. A debug build keeps the checks, and the same flags as
# `swift build --build-tests` (scripts/test.sh), so that the step after it only links.
set -eu
case "${1:-debug}" in
    debug) exec swift build -c debug ;;
    release) exec swift build -c release -Xswiftc -enforce-exclusivity=unchecked ;;
    *)
        echo "build.sh: the build is 'debug' or 'release' (SHOP_BUILD), not '$1'" >&2
        exit 64
        ;;
esac
