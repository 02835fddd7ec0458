"""bgsub: background subtraction with a per-pixel Gaussian mixture.

A thin Python face of libbgsub (C). Shaped like OpenCV's subtractors, so
porting is a rename::

    import bgsub
    model = bgsub.Model(alpha=0.005, threads=2)        # cv2.createBackgroundSubtractorMOG2()
    for frame in bgsub.frames("video.mp4"):             # BGR uint8 H x W x 3, as cv2 reads
        mask = model.apply(frame)                       # uint8 H x W, 255 = foreground
    background = model.background()                     # getBackgroundImage()

Frames are numpy uint8 arrays H x W (gray) or H x W x 3 (BGR by default,
channel_order="rgb" for RGB), or H x W x 4 with alpha (ignored). Errors
raise ValueError (bad shapes, dtypes, parameters) and OSError (files),
carrying bgsub's one-line message. The GIL is released while a model works,
so models in different threads run in parallel.

Also: segment(), segment_local() and otsu() (single-image segmentation by
gray level, with one threshold or one per pixel),
evaluate() (ChangeDetection.net metrics of a folder of masks), frames()
(video, image folder or pattern through bgsub's own readers: no OpenCV
needed), imread() and imwrite().
"""

import os as _os
import tempfile as _tempfile

from . import _bgsub
from ._bgsub import FrameReader

__all__ = ["Model", "Fit", "LocalFit", "segment", "segment_local", "otsu", "evaluate",
           "frames", "imread", "imwrite", "FrameReader", "PARAMETERS", "__version__"]

__version__ = _bgsub.version
#: The library's version as MAJOR * 10000 + MINOR * 100 + PATCH.
VERSION_NUMBER = _bgsub.VERSION_NUMBER
#: name -> (default, min, max, is_integer, description) of every parameter.
PARAMETERS = _bgsub.PARAMETERS


def _param_doc():
    lines = []
    for name, (default, lo, hi, is_int, text) in PARAMETERS.items():
        lines.append("      %-22s %s (default %g; %g..%g)" % (name, text, default, lo, hi))
    return "\n".join(lines)


class Model(_bgsub.Model):
    __doc__ = """Model(**parameters, threads=1, channel_order="bgr")

    A background model (OpenCV: cv2.createBackgroundSubtractorMOG2()).
    Every library parameter is a keyword; those left out take the library's
    defaults. The first frame given to apply() sets the model's size and
    whether it is gray (H x W) or colour (H x W x 3).

    Parameters:
%s
      threads                worker threads, 0 = one per core (default 1)
      channel_order          "bgr" (default, as cv2) or "rgb": of frames
                             and of background()

    Methods: apply(frame, learning_rate=-1, out=None) -> mask,
    background(), save(path=None), Model.load(source), set_roi(roi).
    Attributes: params (dict, assignable), threads, channel_order,
    frame_count, learning, relearning, relearn_count, shape, kernel,
    bytes_per_pixel.
    """ % _param_doc()

    def save(self, path=None):
        """save(path=None) -> bytes or None

        The whole model (size, parameters, counters, state) as a
        self-checking checkpoint. Without path, the bytes are returned;
        with one, they are written there (to a temporary file in the same
        folder renamed into place, so the file is never half written).
        Model.load() resumes it bit for bit."""
        data = self._checkpoint()
        if path is None:
            return data
        path = _os.fspath(path)
        folder = _os.path.dirname(_os.path.abspath(path))
        fd, tmp = _tempfile.mkstemp(prefix=".bgsub-", dir=folder)
        try:
            with _os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                _os.fsync(f.fileno())
            _os.replace(tmp, path)
        except BaseException:
            try:
                _os.unlink(tmp)
            except OSError:
                pass
            raise
        return None

    @classmethod
    def load(cls, source, channel_order="bgr", threads=1):
        """Model.load(source, channel_order="bgr", threads=1) -> Model

        A model from save()'s bytes (bytes, bytearray, memoryview) or from
        a file written by save() or by `bgsub --save-model`. ValueError if
        the bytes are not a checkpoint or are damaged; OSError for the
        file."""
        if isinstance(source, (bytes, bytearray, memoryview)):
            data = source
        else:
            with open(_os.fspath(source), "rb") as f:
                data = f.read()
        return cls._restore(data, channel_order=channel_order, threads=threads)

    def __repr__(self):
        shape = self.shape
        return "<bgsub.Model %s, %d frames, channel_order=%r>" % (
            "x".join(map(str, shape)) if shape else "without frames",
            self.frame_count, self.channel_order)


class Fit(dict):
    """The fit of segment(): a dict whose keys also read as attributes.

    k, weights, means, sigmas (sorted by mean), thresholds (gray levels
    where the most probable component changes) and region_labels (the
    component below each threshold, then above the last), pixels,
    log_likelihood, bic, entropy (the classification entropy, nats summed
    over the pixels), icl (bic + 2 entropy), iterations, converged,
    restart, loglik (the log-likelihood after initialisation and after each
    EM iteration); with k="auto" also criterion ("icl" or "bic") and per_k,
    a list of {k, log_likelihood, bic, icl, entropy} for K = 1..kmax, as
    `bgsub segment --k auto --json` prints them."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def segment(gray, k=2, kmax=4, max_iter=500, tol=1e-9, var_floor=1.0, restarts=5,
            seed=1, raw_labels=False, criterion="icl"):
    """segment(gray, k=2, ...) -> (mask, fit)

    Segment a gray uint8 image H x W by gray level: a mixture of k
    Gaussians is fitted to its histogram with EM (k="auto": the k in
    1..kmax with the lowest criterion, "icl" (default) or "bic") and every
    level goes to its most probable component. The mask is as `bgsub
    segment` writes it: with k = 2, 0 (dark) / 255 (bright); with more, the
    label 0..k-1 (darkest first) scaled to 0..255; raw_labels=True gives
    the labels themselves. fit is a Fit (weights, means, sigmas,
    thresholds, loglik, ...; per_k with k="auto")."""
    mask, fit = _bgsub.segment(gray, k, kmax, max_iter, tol, var_floor, restarts, seed,
                               raw_labels, criterion)
    return mask, Fit(fit)


class LocalFit(Fit):
    """The fit of segment_local(): a dict whose keys also read as attributes.

    cols, rows (the grid), tiles_fitted, tiles_borrowed, tiles_global
    (how many tiles showed two classes, took their neighbours' threshold,
    or fell back on the whole image's fit), threshold_map (float32 H x W:
    the threshold of every pixel; the mask is 255 exactly where
    gray > floor(threshold_map)) and tiles: one dict per tile, row by row,
    with col, row, x, y, width, height, window (x, y, width, height of the
    pixels its histogram counts), source ("fitted", "borrowed" or
    "global"), threshold (at its centre), level (median of its window),
    weights, means, sigmas (its own two-component fit), own_threshold (nan
    when its components do not cross between their means), separation
    (Ashman's D), icl_gain, iterations, converged, distance and donors
    (borrowed tiles), as `bgsub segment --local --json` prints them."""


def segment_local(gray, tiles=(8, 8), tile_size=None, overlap=0.25, min_separation=3.0,
                  min_weight=0.02, min_contrast=0.25, extrapolate=True, restarts=None,
                  max_iter=None, tol=None, var_floor=None, seed=None, raw_labels=False):
    """segment_local(gray, tiles=(8, 8), ...) -> (mask, fit)

    Segment a gray uint8 image H x W into a dark and a bright class with a
    threshold per pixel, for light that varies across the image (`bgsub
    segment --local`): each tile of a grid of tiles=(cols, rows) (or of
    about tile_size x tile_size pixels) gets a two-component mixture fit of
    the tile grown by overlap of its size on every side; a tile shows two
    classes when its components are min_separation apart (Ashman's D), the
    smaller weighs min_weight and their means differ by min_contrast times
    the whole image's; the other tiles borrow their neighbours' classes,
    moved with the light. The tiles' thresholds are interpolated between
    their centres (extrapolate=False holds them beyond the outer ones).
    restarts, max_iter, tol, var_floor and seed tune the tiles' EM (None:
    the library's defaults for tiles: 1 restart, 200 iterations, 1e-7).
    The mask is 0 (dark) / 255 (bright), or 0 / 1 with raw_labels=True.
    fit is a LocalFit (threshold_map, tiles, ...). ValueError for bad
    parameters or shapes."""
    kw = {"overlap": overlap, "min_separation": min_separation, "min_weight": min_weight,
          "min_contrast": min_contrast, "extrapolate": bool(extrapolate),
          "raw_labels": bool(raw_labels)}
    if tile_size is not None:
        kw["tile_size"] = tile_size
    else:
        if isinstance(tiles, int):
            tiles = (tiles, tiles)
        kw["cols"], kw["rows"] = tiles
    for name, value in (("restarts", restarts), ("max_iter", max_iter), ("tol", tol),
                        ("var_floor", var_floor), ("seed", seed)):
        if value is not None:
            kw[name] = value
    mask, fit = _bgsub.segment_local(gray, **kw)
    return mask, LocalFit(fit)


def otsu(gray):
    """otsu(gray) -> int

    Otsu's threshold of a gray uint8 image H x W: levels <= t are the dark
    class."""
    return _bgsub.otsu(gray)


def evaluate(seq_dir, mask_dir, mask_pattern="bin%06d.png", roi=None):
    """evaluate(seq_dir, mask_dir, mask_pattern="bin%06d.png", roi=None) -> dict

    Score a folder of masks against a ChangeDetection.net sequence folder
    (groundtruth/gt%06d.png, temporalROI.txt, ROI.bmp), as `bgsub eval`:
    first_frame, last_frame, frames, recall, specificity, fpr, fnr, pwc,
    precision, f_measure, tp, fp, tn, fn. OSError for missing or unreadable
    files."""
    if roi is None:
        return _bgsub.evaluate(seq_dir, mask_dir, mask_pattern)
    return _bgsub.evaluate(seq_dir, mask_dir, mask_pattern, roi)


def frames(path, gray=False, channel_order="bgr"):
    """frames(path, gray=False, channel_order="bgr") -> FrameReader

    The frames of a video (anything FFmpeg opens), a folder of PNG/JPEG
    images (a ChangeDetection.net sequence folder works as it is) or a
    printf pattern such as "in%06d.jpg", as new numpy uint8 arrays
    H x W x 3 (BGR by default) or H x W (gray=True), decoded by bgsub's own
    readers (no OpenCV needed). Iterate over it; it is also a context
    manager, with close(), width, height, fps, frame_count and number.
    OSError if the input cannot be opened or a frame cannot be decoded."""
    return _bgsub.frames(path, gray, channel_order)


def imread(path, gray=False, channel_order="bgr"):
    """imread(path, gray=False, channel_order="bgr") -> array

    A PNG, JPEG or BMP file as uint8 H x W x 3 (BGR by default) or, for a
    gray file or gray=True, H x W. OSError if it cannot be read."""
    return _bgsub.imread(path, gray, channel_order)


def imwrite(path, image, channel_order="bgr", compression=1):
    """imwrite(path, image, channel_order="bgr", compression=1)

    Write a uint8 H x W or H x W x 3 array as a PNG file, atomically (a
    temporary file renamed into place). OSError if it cannot be written."""
    _bgsub.imwrite(path, image, channel_order, compression)
