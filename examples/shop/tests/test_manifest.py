#!/usr/bin/env python3
"""The shop's manifest against its package: the build step's `inputs` name every folder a product is built from.

`berth up` skips a build step while its inputs are unchanged, so a folder missing there is a change that `berth up`
does not rebuild: ShopGRPCTransport (the gRPC transport, added in the eighteenth session) was missing, and an edit
to it left the old binaries running. Run: python3 examples/shop/tests/test_manifest.py (scripts/test.sh runs it).
"""
import os
import re
import unittest

SHOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def source_paths(package):
    """The `path:` of every target of Package.swift that is not a test target."""
    paths = []
    starts = [(match.start(), match.group(1)) for match in re.finditer(r"\.(testTarget|executableTarget|target)\(", package)]
    for index, (start, kind) in enumerate(starts):
        end = starts[index + 1][0] if index + 1 < len(starts) else len(package)
        path = re.search(r'path:\s*"([^"]+)"', package[start:end])
        if kind != "testTarget" and path:
            paths.append(path.group(1))
    return paths


def build_inputs(manifest):
    """The `inputs:` list of the manifest's shared build step (`x-build`)."""
    match = re.search(r"x-build:.*?inputs:\s*\[([^\]]*)\]", manifest, re.S)
    if not match:
        raise AssertionError("berth.yaml: no inputs: [...] in x-build")
    return [item.strip() for item in match.group(1).split(",") if item.strip()]


class BuildInputs(unittest.TestCase):
    def test_every_source_folder_and_the_build_files_are_inputs(self):
        with open(os.path.join(SHOP, "Package.swift")) as file:
            paths = source_paths(file.read())
        with open(os.path.join(SHOP, "berth.yaml")) as file:
            inputs = build_inputs(file.read())
        self.assertGreaterEqual(len(paths), 12, paths)  # the parse found the targets
        for path in paths:
            with self.subTest(path=path):
                self.assertTrue(
                    any(path == item or path.startswith(item.rstrip("/") + "/") for item in inputs),
                    f"{path} (a target of Package.swift) is not under any of the build inputs {inputs}")
        for name in ("Package.swift", "Package.resolved", "build.sh"):
            with self.subTest(name=name):
                self.assertIn(name, inputs)


if __name__ == "__main__":
    unittest.main()
