"""The serving contract: the names of the signatures, their inputs and outputs, and the warm-up file.

Private: read the public ones as ``kgan.export.DEFAULT_SIGNATURE`` and so on. A module of
its own because both ends of the wire spell these names: the graphs that
`kgan.export.saved_model` writes and the requests that `kgan.export.rest_payload` builds.
Neither end imports the other just for a string, and a rename cannot drift between them.
"""

from __future__ import annotations

import os

DEFAULT_SIGNATURE = "serving_default"
SAMPLE_SIGNATURE = "sample"
CODES_SIGNATURE = "codes"  # InfoGAN (kgan.latent.InfoCode) only, like the next one
SAMPLE_CODES_SIGNATURE = "sample_codes"
WARMUP_FILE = os.path.join("assets.extra", "tf_serving_warmup_requests")

# outputs of every signature, then inputs
IMAGES, IMAGES_UINT8 = "images", "images_uint8"
LATENT, CONDITION, BATCH_SIZE, SEED, NOISE = "latent", "condition", "batch_size", "seed", "noise"
SCALAR_SIGNATURES = (SAMPLE_SIGNATURE, SAMPLE_CODES_SIGNATURE)  # batch_size and seed are scalars

INSTALL_HINT = "pip install 'kgan[serving]'"
