# Type stubs of the bgsub package (the C extension bgsub._bgsub and its
# Python layer).
from os import PathLike
from typing import Any, Dict, Iterator, List, Optional, Tuple, Union, overload

import numpy as np
import numpy.typing as npt

_U8 = npt.NDArray[np.uint8]
_Path = Union[str, bytes, PathLike]

__version__: str
VERSION_NUMBER: int
PARAMETERS: Dict[str, Tuple[float, float, float, bool, str]]

class Model:
    def __init__(
        self,
        *,
        components: int = ...,
        alpha: float = ...,
        bg_ratio: float = ...,
        match_sigmas: float = ...,
        var_init: float = ...,
        var_min: float = ...,
        var_max: float = ...,
        weight_init: float = ...,
        learning_frames: int = ...,
        shadows: int = ...,
        shadow_value: int = ...,
        shadow_min_brightness: float = ...,
        shadow_max_brightness: float = ...,
        shadow_chroma: float = ...,
        median: int = ...,
        open: int = ...,
        close: int = ...,
        fill_holes: float = ...,
        min_area: float = ...,
        relearn_fraction: float = ...,
        relearn_frames: int = ...,
        threads: int = 1,
        channel_order: str = "bgr",
        **parameters: float,
    ) -> None: ...
    def apply(self, frame: npt.ArrayLike, learning_rate: float = -1,
              out: Optional[_U8] = None) -> _U8: ...
    def background(self) -> _U8: ...
    def save(self, path: Optional[_Path] = None) -> Optional[bytes]: ...
    @classmethod
    def load(cls, source: Union[bytes, bytearray, memoryview, _Path],
             channel_order: str = "bgr", threads: int = 1) -> "Model": ...
    def set_roi(self, roi: Optional[npt.ArrayLike]) -> None: ...
    params: Dict[str, float]
    threads: int
    @property
    def channel_order(self) -> str: ...
    @property
    def frame_count(self) -> int: ...
    @property
    def learning(self) -> bool: ...
    @property
    def relearning(self) -> bool: ...
    @property
    def relearn_count(self) -> int: ...
    @property
    def shape(self) -> Optional[Tuple[int, ...]]: ...
    @property
    def kernel(self) -> Optional[str]: ...
    @property
    def bytes_per_pixel(self) -> int: ...

class Fit(Dict[str, Any]):
    k: int
    weights: List[float]
    means: List[float]
    sigmas: List[float]
    thresholds: List[float]
    region_labels: List[int]
    pixels: int
    log_likelihood: float
    bic: float
    iterations: int
    converged: bool
    restart: int
    loglik: List[float]
    entropy: float
    icl: float
    criterion: str
    per_k: List[Dict[str, float]]

class LocalFit(Fit):
    cols: int
    rows: int
    tiles_fitted: int
    tiles_borrowed: int
    tiles_global: int
    threshold_map: npt.NDArray[np.float32]
    tiles: List[Dict[str, Any]]

def segment(gray: npt.ArrayLike, k: Union[int, str] = 2, kmax: int = 4,
            max_iter: int = 500, tol: float = 1e-9, var_floor: float = 1.0,
            restarts: int = 5, seed: int = 1,
            raw_labels: bool = False, criterion: str = "icl") -> Tuple[_U8, Fit]: ...
def segment_local(gray: npt.ArrayLike, tiles: Union[int, Tuple[int, int]] = (8, 8),
                  tile_size: Optional[int] = None, overlap: float = 0.25,
                  min_separation: float = 3.0, min_weight: float = 0.02,
                  min_contrast: float = 0.25, extrapolate: bool = True,
                  restarts: Optional[int] = None, max_iter: Optional[int] = None,
                  tol: Optional[float] = None, var_floor: Optional[float] = None,
                  seed: Optional[int] = None,
                  raw_labels: bool = False) -> Tuple[_U8, LocalFit]: ...
def otsu(gray: npt.ArrayLike) -> int: ...
def evaluate(seq_dir: _Path, mask_dir: _Path, mask_pattern: str = "bin%06d.png",
             roi: Optional[_Path] = None) -> Dict[str, float]: ...

class FrameReader(Iterator[_U8]):
    def __iter__(self) -> "FrameReader": ...
    def __next__(self) -> _U8: ...
    def close(self) -> None: ...
    def __enter__(self) -> "FrameReader": ...
    def __exit__(self, *args: Any) -> None: ...
    @property
    def width(self) -> Optional[int]: ...
    @property
    def height(self) -> Optional[int]: ...
    @property
    def fps(self) -> Optional[float]: ...
    @property
    def frame_count(self) -> Optional[int]: ...
    @property
    def number(self) -> Optional[int]: ...

def frames(path: _Path, gray: bool = False, channel_order: str = "bgr") -> FrameReader: ...
def imread(path: _Path, gray: bool = False, channel_order: str = "bgr") -> _U8: ...
def imwrite(path: _Path, image: npt.ArrayLike, channel_order: str = "bgr",
            compression: int = 1) -> None: ...
