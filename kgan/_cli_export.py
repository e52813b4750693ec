"""Handler of ``kgan export``: a saved model -> TF Serving SavedModel (or ONNX) in BASE/NAME/VERSION/."""

from __future__ import annotations

import sys
from pathlib import Path


def _fail(message: str) -> int:
    print(f"kgan: error: {message}", file=sys.stderr)
    return 1


def _table(signatures: dict) -> str:
    lines = [f"  {'signature':17}{'':8}{'name':14}{'dtype':9}shape"]
    for signature, parts in signatures.items():
        for kind in ("inputs", "outputs"):
            for name, (dtype, shape) in parts[kind].items():
                dims = "[" + ", ".join("None" if d is None else str(d) for d in shape) + "]"
                lines.append(f"  {signature:17}{kind[:-1]:8}{name:14}{dtype:9}{dims}")
    return "\n".join(lines)


def export(args) -> int:
    import keras

    import kgan  # noqa: F401  (registers kgan's classes, so that gan.keras files load)
    from kgan import export as export_lib

    path = Path(args.model)
    if not path.exists():
        return _fail(f"no such model file: {path}")
    try:
        model = keras.models.load_model(path)
    except (ValueError, TypeError, OSError) as err:
        return _fail(f"cannot load {path}: {err}")
    if not isinstance(model, keras.Model):
        return _fail(f"{path} holds a {type(model).__name__}, neither a kgan GAN nor a generator model.")
    common = dict(name=args.name, version=args.version, overwrite=args.overwrite)
    try:
        if args.format == "onnx":
            written = export_lib.onnx(model, args.base, **common)
        else:
            written = export_lib.saved_model(model, args.base, warmup=args.warmup, prior=args.latent, **common)
    except (ValueError, TypeError, OSError, ImportError, NotImplementedError) as err:
        return _fail(str(err))
    if args.format == "onnx":
        import onnx

        graph = onnx.load(str(written)).graph
        names = [", ".join(t.name for t in tensors) for tensors in (graph.input, graph.output)]
        print(f"wrote {written} (inputs: {names[0]}; outputs: {names[1]}; any batch size; run it with onnxruntime)")
        return 0
    signatures = export_lib.signatures(written)
    print(f"wrote {written}" + ("" if args.warmup else " (no warm-up requests)"))
    print(_table(signatures))
    if export_lib.SAMPLE_SIGNATURE not in signatures:
        print("no 'sample' signature: a bare generator does not record its prior; pass --latent normal|uniform")
    base = Path(args.base).resolve()
    print(f"serve: docker run -p 8501:8501 --mount type=bind,source={base / args.name},target=/models/{args.name} "
          f"-e MODEL_NAME={args.name} tensorflow/serving")
    return 0
