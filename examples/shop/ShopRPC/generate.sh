#!/usr/bin/env bash
# Regenerates ShopRPC/Generated/ from ShopRPC/protos/*.proto. Needed only to change the protos: the generated code
# is committed, so building the shop needs neither protoc nor the plugins.
#
#   examples/shop/ShopRPC/generate.sh            # builds the two plugins once (~10+ minutes), then runs protoc
#
# The plugins, protoc-gen-swift (swift-protobuf 1.39.0) and protoc-gen-grpc-swift-2 (grpc-swift-protobuf 2.4.1),
# are built in a scratch package outside the repository ($SHOP_PROTOC_PLUGINS, default /tmp/shop-protoc-plugins),
# pinned to the versions the shop's Package.swift uses. protoc comes from Debian's protobuf-compiler.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
plugins=${SHOP_PROTOC_PLUGINS:-/tmp/shop-protoc-plugins}

command -v protoc > /dev/null || { echo "generate.sh: protoc not found (apt-get install protobuf-compiler)" >&2; exit 2; }

if [ ! -x "$plugins/.build/release/protoc-gen-swift" ] || [ ! -x "$plugins/.build/release/protoc-gen-grpc-swift-2" ]
then
    mkdir -p "$plugins/Sources/plugins"
    cat > "$plugins/Package.swift" << 'SWIFT'
// swift-tools-version: 6.1
import PackageDescription
let package = Package(
    name: "plugins",
    dependencies: [
        .package(url: "https://github.com/apple/swift-protobuf", exact: "1.39.0"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf", exact: "2.4.1"),
    ],
    targets: [.target(name: "plugins", path: "Sources/plugins")]
)
SWIFT
    echo "" > "$plugins/Sources/plugins/empty.swift"
    (cd "$plugins" && swift build -c release --product protoc-gen-swift \
        && swift build -c release --product protoc-gen-grpc-swift-2)
fi

out="$here/Generated"
mkdir -p "$out"
rm -f "$out"/*.swift
protoc --proto_path="$here/protos" \
    --plugin=protoc-gen-swift="$plugins/.build/release/protoc-gen-swift" \
    --plugin=protoc-gen-grpc-swift-2="$plugins/.build/release/protoc-gen-grpc-swift-2" \
    --swift_out="$out" --swift_opt=Visibility=Public \
    --grpc-swift-2_out="$out" --grpc-swift-2_opt=Visibility=Public \
    "$here"/protos/*.proto
echo "generate.sh: wrote $(ls "$out" | wc -l) files to $out"
