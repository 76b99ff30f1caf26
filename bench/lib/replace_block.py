#!/usr/bin/env python3
"""Replace (or append) the block `<!-- NAME: begin ... -->` ... `<!-- NAME: end -->` of a markdown file with TEXT,
which carries both markers itself; the rest of the file is kept.

usage: replace_block.py FILE NAME TEXT
"""
import re
import sys

path, name, section = sys.argv[1], sys.argv[2], sys.argv[3]
text = open(path).read()
pattern = re.compile(r"<!-- %s: begin.*?<!-- %s: end -->" % (re.escape(name), re.escape(name)), re.S)
text = pattern.sub(lambda _: section, text) if pattern.search(text) else text.rstrip() + "\n\n" + section + "\n"
open(path, "w").write(text)
