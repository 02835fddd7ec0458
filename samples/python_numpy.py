#!/usr/bin/python3
"""python_numpy.py - bgsub from Python with numpy alone: a synthetic scene
(a textured background, a square crossing it) through bgsub.Model, the
foreground share of each frame, the background image at the end.

    PYTHONPATH=build/python /usr/bin/python3 samples/python_numpy.py [OUT.png]

With OUT.png the final background is written there (bgsub.imwrite).
"""
import sys

import numpy as np

import bgsub

H, W = 240, 320
rng = np.random.default_rng(1)
background = (np.indices((H, W)).sum(axis=0)[..., None] * [1, 2, 3] % 200 + 30).astype(np.uint8)

model = bgsub.Model(learning_frames=20, threads=2)   # every parameter is a keyword
print(model.params)                                  # the library's defaults and ours
mask = np.empty((H, W), np.uint8)                    # reused: no allocation per frame
for n in range(120):
    frame = (background + rng.integers(-4, 5, (H, W, 1))).clip(0, 255).astype(np.uint8)
    x = 3 * n % (W - 40)
    frame[80:160, x:x + 40] = (40, 60, 220)          # a red square (BGR)
    model.apply(frame, out=mask)
    if n % 10 == 9:
        print("frame %3d: %5.1f %% foreground%s" % (n + 1, 100.0 * (mask == 255).mean(),
                                                     " (learning)" if model.learning else ""))

# Freeze the model for a frame (learning_rate=0): it is only classified.
model.apply(frame, learning_rate=0, out=mask)
bg = model.background()                              # H x W x 3, BGR like the frames
print("background differs from the scene's by %.2f on average"
      % np.abs(bg.astype(int) - background).mean())
if len(sys.argv) > 1:
    bgsub.imwrite(sys.argv[1], bg)
