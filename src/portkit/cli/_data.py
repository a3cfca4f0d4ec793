"""``portkit data``: fetch the pinned offline data set and list the targets it offers."""

from __future__ import annotations

import argparse
import json
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "action",
        nargs="?",
        choices=["fetch", "list", "path"],
        default="list",
        help="fetch: download and verify the pinned sdist (once); list: name the offline targets (default); path: print the cache directory",
    )
    parser.add_argument("--output-format", choices=["text", "json"], default="text")
    parser.add_argument("--force", action="store_true", help="download again even if the data is present")


def run(args: argparse.Namespace) -> int:
    from portkit.targets import _offline

    if args.action == "path":
        print(_offline.data_dir())
        return 0
    if args.action == "fetch":
        _offline.fetch_data(force=args.force)
    root = _offline.require_data()
    models = [
        {"name": m.name, "template": m.template, "vocabulary": m.vocab, "note": m.note}
        for m in _offline.OFFLINE_MODELS
    ]
    templates = _offline.template_names()
    if args.output_format == "json":
        json.dump({"data_dir": str(root), "targets": models, "templates": templates}, sys.stdout, indent=2)
        print()
        return 0
    print(f"offline data: {root}")
    print("targets (official template + real vocabulary):")
    width = max(len(str(m["name"])) for m in models)
    for m in models:
        vocab = m["vocabulary"] or "no vocabulary (template only)"
        print(f"  {m['name']:<{width}}  {m['template']}.jinja + {vocab}")
        if m["note"]:
            print(f"  {'':<{width}}  note: {m['note']}")
    print(f"\nevery official template is also a target as template:<name> ({len(templates)}):")
    for t in templates:
        print(f"  template:{t}")
    return 0
