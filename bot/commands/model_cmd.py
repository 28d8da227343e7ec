"""`headwork model check FILE`: validate a value model file before you use it."""

from __future__ import annotations

from scoring.model import load_model, share_text


def register(sub) -> None:
    p = sub.add_parser("model", help="inspect and validate value model files")
    msub = p.add_subparsers(dest="model_command", metavar="ACTION", required=True)
    check = msub.add_parser("check", help="validate a value model file; exit 2 with file, field and problem if invalid")
    check.add_argument("file", help="path to a value model YAML file")
    check.set_defaults(handler=check_model)
    show = msub.add_parser("show", help="print the value model in use, every criterion with its points")
    show.set_defaults(handler=show_model)


def check_model(args, runtime) -> int:
    model = load_model(args.file)
    print(f"{args.file}: OK — {len(model.bands)} bands, {len(model.signals)} signals "
          f"({model.criteria_count} criteria), compound share {share_text(model.compound_share)}")
    return 0


def show_model(args, runtime) -> int:
    model = runtime.model
    print(f"{model.name} (fingerprint {model.fingerprint})")
    print(f"Bands (judged; strongest counts fully, each further band adds {share_text(model.compound_share)}):")
    for b in sorted(model.bands, key=lambda b: -b.points):
        print(f"  {b.points:>7g}  {b.id:<22} {b.name}")
    print("Signals (computed from task fields):")
    for s in model.signals:
        print(f"  {s.weight:>7g}  {s.id:<22} {s.name}: {s.description}")
    return 0
