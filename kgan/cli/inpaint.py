"""``kgan inpaint``: fill the missing pixels of images with a saved GAN (kgan.apps.inpaint)."""

from __future__ import annotations

import argparse
from pathlib import Path

from kgan.cli._args import existing_file, fail, file_name, int_between, non_negative_float, progress_verbose

IMAGE_SUFFIXES = (".png", ".npy")


def add_parser(commands) -> None:
    inpaint = commands.add_parser(
        "inpaint", help="fill the missing pixels of images with a saved GAN (kgan.apps.inpaint)",
        description=("Semantic inpainting (Yeh et al. 2016): search the GAN's latent space for the image that best "
                     "matches the known pixels while its discriminator finds it real, then Poisson-blend it into "
                     "the hole. IMAGE is one .png or a .npy (one image or a batch (n, h, w, c), uint8 or floats in "
                     "[-1, 1]) of the model's size. A mask file marks known pixels with 1 (.npy) or white (.png)."))
    # The types check paths and numbers while parsing: a bad one exits 2 before any model loads.
    inpaint.add_argument("model", metavar="MODEL", type=existing_file((".keras",), "MODEL"),
                         help="a gan.keras file (the discriminator is needed, a bare generator is not enough)")
    inpaint.add_argument("image", metavar="IMAGE", type=existing_file(IMAGE_SUFFIXES, "IMAGE"),
                         help="image(s): a .png or a .npy")
    inpaint.add_argument("--mask", type=mask_spec, default="center",
                         help="center (default: a centred square hole, half the side), random (80%% of the pixels "
                              "missing) or a .png/.npy mask file (1/white = known, 0/black = missing)")
    inpaint.add_argument("--out", required=True, type=file_name(".png"),
                         help="PNG of the inpainted image (a grid for a batch)")
    inpaint.add_argument("--figure", type=file_name(".png"), default=None,
                         help="also write a labelled PNG with one row per image: masked | G(z) | filled")
    inpaint.add_argument("--npy", type=file_name(".npy"), default=None,
                         help="also write the inpainted images as .npy (float32, [-1, 1], NHWC)")
    inpaint.add_argument("--steps", type=int_between(1), default=1000, help="Adam steps on z (default 1000)")
    inpaint.add_argument("--restarts", type=int_between(1), default=1,
                         help="random starting codes per image; the best is kept (default 1)")
    inpaint.add_argument("--perceptual-weight", type=non_negative_float, default=0.003,
                         help="lambda, the weight of the discriminator's loss (default 0.003, the paper's)")
    inpaint.add_argument("--blend", choices=("poisson", "paste"), default="poisson",
                         help="poisson (default) or paste (copy G(z) into the hole as is)")
    inpaint.add_argument("--seed", type=int_between(0, 2**31), default=0,
                         help="seed of the starting codes and of a random mask (default 0)")
    inpaint.add_argument("--quiet", action="store_true",
                         help="no progress bar (shown on a terminal; one line per batch of codes in a log file)")
    inpaint.set_defaults(handler=run)


def mask_spec(text):
    """argparse type: ``center``, ``random`` or an existing .png/.npy mask file."""
    if text in ("center", "random"):
        return text
    if Path(text).suffix.lower() not in IMAGE_SUFFIXES:
        raise argparse.ArgumentTypeError(f"expected 'center', 'random' or a .png/.npy mask file, got {text!r}")
    return existing_file(IMAGE_SUFFIXES, "--mask")(text)


def _read_png(path: Path):
    import numpy as np
    import tensorflow as tf

    try:
        return np.asarray(tf.io.decode_png(tf.io.read_file(str(path))))
    except tf.errors.OpError as err:
        raise ValueError(f"cannot read {path} as a PNG: {err.message.splitlines()[0]}") from None


def _channels(image, channels):
    """A uint8 PNG (H, W, c) with the generator's channel count (RGBA -> RGB -> gray as needed)."""
    import numpy as np

    if image.shape[-1] in (2, 4):  # drop the alpha channel
        image = image[..., :-1]
    if image.shape[-1] == channels:
        return image
    if channels == 1:
        return np.round(image.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32))[..., None].astype(np.uint8)
    if image.shape[-1] == 1:
        return np.repeat(image, channels, axis=-1)
    raise ValueError(f"the image has {image.shape[-1]} channels, the model makes {channels}.")


def _load_images(path: Path, channels: int):
    import numpy as np

    if path.suffix.lower() == ".npy":
        try:
            return np.load(path, allow_pickle=False)
        except (ValueError, OSError) as err:
            raise ValueError(f"cannot read {path} as a NumPy array: {err}") from None
    return _channels(_read_png(path), channels)


def _load_mask(spec):
    import numpy as np

    if isinstance(spec, str):
        return spec
    if spec.suffix.lower() == ".npy":
        try:
            return np.load(spec, allow_pickle=False)
        except (ValueError, OSError) as err:
            raise ValueError(f"cannot read the mask {spec} as a NumPy array: {err}") from None
    png = _read_png(spec)
    return (png[..., :1] >= 128).astype(np.float32)  # white = known, black = missing


def run(args) -> int:
    import numpy as np

    import kgan
    from kgan import _atomic, pixels
    from kgan.apps import inpainting

    try:
        gan = inpainting._load_gan(args.model)
    except (TypeError, ValueError, OSError) as err:
        return fail(f"cannot use {args.model}: {err}")
    try:
        shape = inpainting._output_shape(gan)
        images = _load_images(args.image, shape[-1])
        mask = _load_mask(args.mask)
        result = kgan.apps.inpaint(images, mask, gan, steps=args.steps, restarts=args.restarts, seed=args.seed,
                                   blend=args.blend, perceptual_weight=args.perceptual_weight,
                                   verbose=progress_verbose(args))
    except (TypeError, ValueError) as err:
        return fail(str(err))
    written = []
    try:
        out = result.images[0] if len(result.images) == 1 else pixels.image_grid(result.images)
        written.append(pixels.save_png(str(args.out), out))
        if args.figure:
            written.append(pixels.save_png(str(args.figure), result.figure(max_rows=len(result.images))))
        if args.npy:
            args.npy.parent.mkdir(parents=True, exist_ok=True)
            _atomic.atomic_save_npy(args.npy, result.images.astype(np.float32))
            written.append(str(args.npy))
    except OSError as err:
        return fail(f"cannot write the results: {err}")
    print(f"inpainted {len(result.images)} image(s) {result.images.shape[1:]} with {args.model} "
          f"({args.steps} steps, {result.seconds:.1f} s): contextual loss {float(result.initial_contextual_loss.mean()):.4g}"
          f" -> {float(result.contextual_loss.mean()):.4g}, perceptual loss {float(result.perceptual_loss.mean()):.4g}; "
          f"wrote {', '.join(written)}")
    return 0
