"""``cascom validate``: reproduce the paper's figures and report what holds."""

from __future__ import annotations


def register(sub, common) -> None:
    p = sub.add_parser("validate", help="the paper's claims beside what the models compute (report + figures)")
    p.add_argument("--quick", action="store_true",
                   help="coarse grids: about 10–15 s on 2 cores (without it about 25 s)")
    p.add_argument("--out", default="results", metavar="DIR",
                   help="directory for REPORT.md, report.json, the figures and their data (default results)")
    p.set_defaults(func=cmd_validate)


def cmd_validate(args) -> int:
    import json
    from pathlib import Path

    from ..progress import TqdmProgress
    from ..report.validate import run_validation

    path = run_validation(args.out, quick=args.quick, progress=TqdmProgress())
    data = json.loads((Path(args.out) / "report.json").read_text())
    rows = [r for c in data["claims"] for r in c["rows"].values()]
    print(f"cascom validate — {'quick' if args.quick else 'full'} run in {data['wall_time_s']:.0f} s")
    print(f"  {sum(r['reproduced'] for r in rows)} of {len(rows)} claim × model rows reproduce "
          f"(models: paper/consistent, paper/literal, two-channel)")
    for c in data["claims"]:
        verdicts = ", ".join(f"{k}: {'yes' if r['reproduced'] else 'no'}" for k, r in c["rows"].items())
        print(f"  {c['figure']} {c['id']}: {verdicts}")
    print(f"  report: {path}")
    return 0
