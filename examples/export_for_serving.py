"""Train a DCGAN with plain `fit`, export it for TF Serving, and call it the way a server would.

`kgan.export.saved_model` writes a plain TensorFlow SavedModel in TF Serving's layout
(OUT/fmnist/1/, then 2/, ...) with two signatures: `serving_default` (latent vectors in,
images out) and `sample` (a batch size and a seed in: the latent is drawn inside the graph).
Loading it needs no kgan: this script reloads it with `tf.saved_model.load` alone, checks
both signatures against the Keras generator, and prints the REST request for two images.

    python examples/export_for_serving.py                  # 2 epochs on Fashion-MNIST, then export
    python examples/export_for_serving.py --out export     # then serve export/fmnist (see the printed command)
    python examples/export_for_serving.py --smoke          # tiny networks on random images, in seconds

Writes OUT/fmnist/VERSION/ (saved_model.pb, variables/, assets.extra/tf_serving_warmup_requests).
"""

import argparse
import json

import numpy as np
import tensorflow as tf

import kgan
import kgan.export


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="runs/export", help="models folder, TF Serving's base (default runs/export)")
    parser.add_argument("--epochs", type=int, default=2, help="passes over Fashion-MNIST (default 2)")
    parser.add_argument("--smoke", action="store_true", help="tiny networks, 64 random images, 1 epoch")
    args = parser.parse_args()

    if args.smoke:  # checks that everything runs; learns nothing
        images = np.random.default_rng(0).integers(0, 256, (64, 28, 28), dtype=np.uint8)
        data = kgan.data.images(images, batch_size=32, seed=0)
        gan, epochs = kgan.GAN.dcgan((28, 28, 1), latent_dim=16, width=4, seed=0), 1
    else:
        data = kgan.data.images("fashion_mnist", batch_size=128, seed=0)
        gan, epochs = kgan.GAN.dcgan((28, 28, 1), seed=0), args.epochs
    gan.compile()
    gan.fit(data, epochs=epochs, verbose=2)

    # BASE/NAME/VERSION: the next free version, so re-running adds a version TF Serving picks up.
    path = kgan.export.saved_model(gan, args.out, name="fmnist")
    print(f"\nwrote {path}")
    for signature, parts in kgan.export.signatures(path).items():
        print(f"  {signature}: {parts['inputs']} -> {parts['outputs']}")

    # Reload with TensorFlow alone, as TF Serving would, and call both signatures.
    served = tf.saved_model.load(str(path))
    z = gan.latent.sample(2, seed=0)
    by_latent = served.signatures["serving_default"](latent=z)
    by_seed = served.signatures["sample"](batch_size=tf.constant(2), seed=tf.constant(0, tf.int64))
    keras_images = gan.generator(z, training=False).numpy()
    print("serving_default matches the Keras generator:", np.allclose(by_latent["images"], keras_images, atol=1e-5))
    print("sample(seed=0) draws the same latents as gan.latent.sample(2, seed=0):",
          np.allclose(by_seed["images"], keras_images, atol=1e-5))
    print("images_uint8:", kgan.export.images_from_response(by_seed).shape, "uint8")

    # What a client sends to TF Serving's REST API for two images.
    model_dir = path.parent.resolve()
    print("\nserve it:\n  docker run -p 8501:8501 --mount type=bind,source="
          f"{model_dir},target=/models/fmnist -e MODEL_NAME=fmnist tensorflow/serving")
    payload = kgan.export.rest_payload("sample", batch_size=2, seed=0)
    print(f"  curl -d '{json.dumps(payload)}' http://localhost:8501/v1/models/fmnist:predict")
    row_payload = kgan.export.rest_payload(latent=z.numpy())  # serving_default, one "instance" per image
    print(f"  or POST your own latent vectors: {json.dumps(row_payload)[:90]}...")


if __name__ == "__main__":
    main()
