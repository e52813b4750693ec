"""Inception-v3 features from a weights file you already have: FIDs comparable with papers.

kgan never downloads weights. On a connected machine, fetch Keras' ImageNet weights once
(``keras.applications.InceptionV3(weights="imagenet", include_top=False)`` stores
``inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5`` under ``~/.keras/models``)
and point kgan at the file:

```python
features = kgan.metrics.inception_v3_features(
    weights="~/.keras/models/inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5")
fd = kgan.metrics.FrechetDistance(features, resize=True)     # 299x299 RGB, gray images converted
fd(x_test, gan.generate(10_000))
```

The 2048-d pool features are the standard FID features; images in [-1, 1] are already
what ``keras.applications.inception_v3.preprocess_input`` produces. Numbers still differ
slightly from TF-GAN's or pytorch-fid's Inception graph (different weights export and
resize), so compare within one tool.
"""

from __future__ import annotations

import os

__all__ = ["inception_v3_features"]


def inception_v3_features(weights, input_shape=(299, 299, 3)):
    """Keras' InceptionV3 up to its 2048-d average pool, with weights from a local file.

    Args:
        weights: path to a weights file for ``keras.applications.InceptionV3``: the
            "notop" file (``include_top=False``) or the full classifier's file.
        input_shape: the network's input; images of other sizes need ``resize=True`` in
            the metric.

    Raises:
        FileNotFoundError: naming the file and how to get it, when it does not exist.
    """
    import keras

    path = os.path.expanduser(os.fspath(weights))
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f"No Inception-v3 weights at {path}. kgan never downloads weights: on a connected machine run "
            "keras.applications.InceptionV3(weights='imagenet', include_top=False) once (it stores "
            "~/.keras/models/inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5) and pass that file; "
            "or use kgan.metrics.feature_model('fashion_mnist'), which needs no download."
        )
    errors = []
    for include_top in (False, True):  # the notop file, else the full classifier's file
        net = keras.applications.InceptionV3(include_top=include_top, weights=None, input_shape=input_shape,
                                             pooling="avg" if not include_top else None)
        try:
            net.load_weights(path)
        except (ValueError, OSError, KeyError) as err:
            errors.append(str(err).splitlines()[0] if str(err) else type(err).__name__)
            continue
        output = net.output if not include_top else net.get_layer("avg_pool").output
        return keras.Model(net.input, output, name="inception_v3_features")
    raise ValueError(f"{path} holds no Inception-v3 weights Keras can load (tried with and without the top): "
                     f"{'; '.join(errors)}")
