#!/usr/bin/env python3
"""Fails when a public symbol of a library has no documentation.

usage: scripts/check_doc_coverage.py <docs folder> <library>...

Reads `<docs folder>/<library>/documentation-coverage.json`, which `make docs` writes (DocC's experimental coverage
output), and lists every symbol without an abstract. Two kinds have none by nature and are not counted: the
`init(rawValue:)` Swift synthesizes for enums with raw values, and the pages of other modules a library extends.
"""
import json
import sys


def undocumented(path):
    for entry in json.load(open(path)):
        if not entry["kind"]["isSymbol"] or entry["hasAbstract"]:
            continue
        if entry["title"] == "init(rawValue:)" or entry["kind"]["id"] == "org.swift.docc.kind.extendedModule":
            continue
        yield entry["referencePath"].split("/documentation/", 1)[-1]


def main():
    folder, libraries = sys.argv[1], sys.argv[2:]
    missing = [symbol for library in libraries for symbol in undocumented(f"{folder}/{library}/documentation-coverage.json")]
    for symbol in missing:
        print(f"undocumented: {symbol}")
    print(f"{len(missing)} public symbols without documentation in {', '.join(libraries)}")
    sys.exit(1 if missing else 0)


if __name__ == "__main__":
    main()
