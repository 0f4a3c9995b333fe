"""Random rotations, shifts and rescalings of images stored as rows."""

from numbers import Integral, Real

import numpy as np

from .._compat import Interval
from ._base import Augmentation


class RandomAffine(Augmentation):
    """Rotate, shift and rescale each row seen as an image, at random.

    Each row of a training batch is read as an image of ``image_shape``
    (row-major, channels last) and moved by its own random affine map about
    the image's centre c: a rotation by an angle θ ~ U(−rotation, rotation)
    degrees, a rescaling by s ~ 1 + U(−scale, scale) and a shift t ~
    U(−shift, shift) pixels along each axis. The new image samples the old
    one by bilinear interpolation (order 1), with zeros outside it::

        out[p] = image[A (p − c − t) / s + c],   A = [[cos θ, sin θ], [−sin θ, cos θ]]

    with p = (row, column), the geometry of ``scipy.ndimage.rotate``'s
    angle (and of ``scipy.ndimage.affine_transform`` with ``order=1``,
    ``mode="grid-constant"``). The whole batch is computed at once: one
    matrix product gives every source coordinate, and four gathers the
    neighbouring pixels. The targets are returned as they are.

    Parameters
    ----------
    image_shape : tuple of int
        ``(height, width)`` or ``(height, width, channels)``; their product
        must be the number of features.
    rotation : float, default=0.0
        Largest rotation, in degrees, either way (0 to 180).
    shift : float, default=0.0
        Largest shift, in pixels, along each axis either way.
    scale : float, default=0.0
        Largest change of size, as a fraction (0.1: from 90% to 110%),
        below 1.

    See Also
    --------
    GaussianNoise : Noise on every feature.

    Examples
    --------
    >>> import numpy as np
    >>> from skopt_lab.augmentation import RandomAffine
    >>> image = np.zeros((5, 5))
    >>> image[2, 1:4] = 1.0  # a horizontal bar
    >>> turned = RandomAffine((5, 5), rotation=90).warp(image.reshape(1, 25), angle=[90])
    >>> turned.reshape(5, 5).round(6)[1:4, 2]  # now vertical
    array([1., 1., 1.])
    >>> rng = np.random.default_rng(0)
    >>> X_new, Y_new = RandomAffine((5, 5), rotation=15, shift=1).augment(image.reshape(1, 25), np.ones((1, 1)), rng)
    >>> X_new.shape
    (1, 25)
    """

    _parameter_constraints = {
        "image_shape": [tuple, list],
        "rotation": [Interval(Real, 0, 180, closed="both")],
        "shift": [Interval(Real, 0, None, closed="left")],
        "scale": [Interval(Real, 0, 1, closed="left")],
    }

    def __init__(self, image_shape, rotation=0.0, shift=0.0, scale=0.0):
        self.image_shape = image_shape
        self.rotation = rotation
        self.shift = shift
        self.scale = scale

    def validate(self, n_features=None):
        super().validate(n_features)
        shape = tuple(self.image_shape)
        if len(shape) not in (2, 3) or not all(isinstance(s, Integral) and s > 0 for s in shape):
            raise ValueError(
                f"RandomAffine's image_shape must be (height, width) or (height, width, channels) of "
                f"positive integers; got {self.image_shape!r}."
            )
        if n_features is not None and np.prod(shape) != n_features:
            raise ValueError(
                f"RandomAffine(image_shape={shape}) reads each row as an image of "
                f"{' × '.join(map(str, shape))} = {np.prod(shape)} values, but X has {n_features} "
                "features; give the image_shape of the rows (for 8 × 8 digits, (8, 8))."
            )

    def augment(self, X, Y, rng):
        """Each row moved by its own random rotation, shift and rescaling. See :meth:`Augmentation.augment`."""
        if not (self.rotation or self.shift or self.scale):
            return X, Y
        u = rng.uniform(-1.0, 1.0, size=(4, X.shape[0]))
        return self._sample(X, self._maps(self.rotation * u[0], self.shift * u[1:3].T, self.scale * u[3], X.dtype)), Y

    def warp(self, X, *, angle=0.0, shift=0.0, scale=0.0):
        """Apply given maps: rotation ``angle`` (degrees), ``shift``
        (pixels, (row, column)) and ``scale`` (relative change of size).

        Parameters
        ----------
        X : ndarray of shape (n_rows, n_features)
            Images as rows; not modified.
        angle : float or array-like of shape (n_rows,), default=0.0
        shift : float or array-like of shape (n_rows, 2), default=0.0
        scale : float or array-like of shape (n_rows,), default=0.0

        Returns
        -------
        X_new : ndarray of shape (n_rows, n_features)
            In X's dtype.
        """
        n = X.shape[0]
        angle, scale = (np.broadcast_to(np.asarray(v, dtype=float), (n,)) for v in (angle, scale))
        return self._sample(X, self._maps(angle, np.broadcast_to(np.asarray(shift, dtype=float), (n, 2)), scale, X.dtype))

    def _shape(self):
        shape = tuple(int(s) for s in self.image_shape)
        return shape if len(shape) == 3 else (*shape, 1)

    def _maps(self, angle, shift, scale, dtype):
        """The source coordinates ``A (p − c − t) / s + c`` of each output
        pixel p, as rows ``[a_row, a_column, offset]`` acting on
        (row, column, 1): shape (2 n, 3), the n images' source rows, then
        their source columns."""
        theta = np.deg2rad(angle)
        size = 1.0 + scale
        cos, sin = np.cos(theta) / size, np.sin(theta) / size
        height, width = self._shape()[:2]
        c_row, c_column = (height - 1) / 2, (width - 1) / 2
        moved_row, moved_column = c_row + shift[:, 0], c_column + shift[:, 1]
        return np.stack(
            [
                np.column_stack([cos, sin, c_row - cos * moved_row - sin * moved_column]),
                np.column_stack([-sin, cos, c_column + sin * moved_row - cos * moved_column]),
            ]
        ).reshape(-1, 3).astype(dtype, copy=False)

    def _sample(self, X, maps):
        """Bilinear sampling of every image at ``maps @ (row, column, 1)``."""
        height, width, channels = self._shape()
        n = X.shape[0]
        grid, padded, starts = self._buffers(n, X.dtype)
        # Zero-padded images (1 pixel before, 2 after): a source point anywhere
        # in [−1, height] × [−1, width] then has its four neighbours inside,
        # and zeros are what lies outside the image.
        padded[:n, 1 : height + 1, 1 : width + 1] = X.reshape(n, height, width, channels)
        source = (maps @ grid).reshape(2, n, height * width)
        source_row, source_column = source
        np.clip(source_row, -1.0, height, out=source_row)
        np.clip(source_column, -1.0, width, out=source_column)
        corner = np.floor(source)
        source -= corner  # the fractions
        corner_row, corner_column = corner
        row_stride = width + 3
        corner_row *= row_stride
        corner_row += corner_column
        corner_row += starts[:n, None]
        index = corner_row.astype(np.intp)
        pixels = padded.reshape(-1) if channels == 1 else padded.reshape(-1, channels)
        # pixels[k:] with the same index: the right and lower neighbours
        top = _gather(pixels, index, channels)
        top_right = _gather(pixels[1:], index, channels)
        bottom = _gather(pixels[row_stride:], index, channels)
        bottom_right = _gather(pixels[row_stride + 1 :], index, channels)
        fy, fx = source
        if channels > 1:
            fy, fx = fy[..., None], fx[..., None]
        top_right -= top
        top_right *= fx
        top += top_right
        bottom_right -= bottom
        bottom_right *= fx
        bottom += bottom_right
        bottom -= top
        bottom *= fy
        top += bottom
        return top.reshape(n, -1)

    def _buffers(self, n, dtype):
        """The (row, column, 1) grid, the zero-padded image buffer and where
        each padded image's first pixel is, kept between batches of a fit
        (the fit trains its own clone)."""
        height, width, channels = self._shape()
        cache = self.__dict__.get("_cache")
        padded_shape = (height + 3, width + 3, channels)
        if cache is None or cache[1].shape[0] < n or cache[1].dtype != dtype or cache[1].shape[1:] != padded_shape:
            rows, columns = np.meshgrid(np.arange(height), np.arange(width), indexing="ij")
            grid = np.stack([rows.ravel(), columns.ravel(), np.ones(height * width)]).astype(dtype)
            starts = (np.arange(n) * np.prod(padded_shape[:2]) + padded_shape[1] + 1).astype(dtype)
            cache = self._cache = (grid, np.zeros((n, *padded_shape), dtype=dtype), starts)
        return cache

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_cache", None)
        return state


def _gather(pixels, index, channels):
    """``pixels[index]`` (rows of channels when there are several)."""
    if channels == 1:
        return np.take(pixels, index, mode="clip")
    return np.take(pixels, index, axis=0, mode="clip")
