"""``kgan export``: a saved model -> TF Serving SavedModel (or ONNX) in BASE/NAME/VERSION/."""

from __future__ import annotations

from pathlib import Path

from kgan.cli._args import fail, int_between


def add_parser(commands) -> None:
    export = commands.add_parser(
        "export", help="write a SavedModel for TF Serving (or ONNX) to BASE/NAME/VERSION/",
        description=("Export a saved GAN or generator for serving: a plain TensorFlow SavedModel (signatures "
                     "serving_default and sample, plus codes and sample_codes for InfoGAN; TF Serving warm-up "
                     "requests) or an ONNX file, in TF Serving's layout BASE/NAME/VERSION/. Loading it needs "
                     "neither kgan nor Python code."))
    export.add_argument("model", metavar="MODEL", help="a gan.keras file, or a generator.keras (see --latent)")
    export.add_argument("base", metavar="BASE", help="the models folder, e.g. export (TF Serving's model base path is BASE/NAME)")
    export.add_argument("--name", required=True, help="model name: the NAME folder and TF Serving's /v1/models/NAME")
    export.add_argument("--version", type=int_between(1), default=None,
                        help="version folder, a positive integer (default: the next free one, 1 for a new model)")
    export.add_argument("--format", choices=("saved_model", "onnx"), default="saved_model",
                        help="saved_model (default, for TF Serving) or onnx (BASE/NAME/VERSION/model.onnx, onnxruntime)")
    export.add_argument("--overwrite", action="store_true", help="replace an existing version folder")
    export.add_argument("--latent", choices=("uniform", "normal"), default=None,
                        help="the prior of a bare generator.keras, for the 'sample' signature (uniform: U(-1, 1))")
    export.add_argument("--no-warmup", dest="warmup", action="store_false",
                        help="skip assets.extra/tf_serving_warmup_requests (which needs tensorflow-serving-api)")
    export.set_defaults(handler=run)


def _table(signatures: dict) -> str:
    lines = [f"  {'signature':17}{'':8}{'name':14}{'dtype':9}shape"]
    for signature, parts in signatures.items():
        for kind in ("inputs", "outputs"):
            for name, (dtype, shape) in parts[kind].items():
                dims = "[" + ", ".join("None" if d is None else str(d) for d in shape) + "]"
                lines.append(f"  {signature:17}{kind[:-1]:8}{name:14}{dtype:9}{dims}")
    return "\n".join(lines)


def run(args) -> int:
    import keras

    import kgan  # noqa: F401  (registers kgan's classes, so that gan.keras files load)
    from kgan import _atomic
    from kgan import export as export_lib

    path = Path(args.model)
    if not path.exists():
        return fail(f"no such model file: {path}")
    try:
        _atomic.check_keras_file(path)  # a truncated file: "corrupt", not Keras' "File not found"
        model = keras.models.load_model(path)
    except (ValueError, TypeError, OSError) as err:
        return fail(f"cannot load {path}: {err}")
    if not isinstance(model, keras.Model):
        return fail(f"{path} holds a {type(model).__name__}, neither a kgan GAN nor a generator model.")
    common = dict(name=args.name, version=args.version, overwrite=args.overwrite)
    try:
        if args.format == "onnx":
            written = export_lib.onnx(model, args.base, **common)
        else:
            written = export_lib.saved_model(model, args.base, warmup=args.warmup, prior=args.latent, **common)
    except (ValueError, TypeError, OSError, ImportError, NotImplementedError) as err:
        return fail(str(err))
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
