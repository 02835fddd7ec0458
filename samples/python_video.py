#!/usr/bin/python3
"""python_video.py - bgsub.Model over a video, showing the input and the
mask side by side with OpenCV's window when cv2 is there (q or Esc quits),
printing the foreground share of each frame otherwise.

    PYTHONPATH=build/python /usr/bin/python3 samples/python_video.py [VIDEO]

VIDEO: anything bgsub reads (a video file, a folder of images, a pattern
such as in%06d.jpg); default samples/sample.mp4. Frames come from bgsub's
own readers (bgsub.frames), BGR as cv2 gives them, so cv2 is needed for the
window only. Porting from OpenCV is a rename:

    cv2.createBackgroundSubtractorMOG2()  ->  bgsub.Model()
    subtractor.apply(frame, learningRate=-1)  ->  model.apply(frame, learning_rate=-1)
    subtractor.getBackgroundImage()  ->  model.background()
"""
import os
import sys

import numpy as np

import bgsub

try:
    import cv2
except ImportError:
    cv2 = None

path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__),
                                                             "sample.mp4")
show = cv2 is not None and bool(os.environ.get("DISPLAY"))
model = bgsub.Model(threads=0)                      # one thread per core
with bgsub.frames(path) as video:
    delay = int(1000 / video.fps) if video.fps else 40
    for frame in video:
        mask = model.apply(frame)
        if show:
            both = np.hstack([frame, cv2.cvtColor(mask, cv2.COLOR_GRAY2BGR)])
            cv2.imshow("bgsub: input | mask", both)
            if cv2.waitKey(delay) & 0xFF in (ord("q"), 27):
                break
        else:
            print("frame %4d: %5.1f %% foreground%s" % (
                video.number, 100.0 * (mask == 255).mean(),
                " (learning)" if model.learning else ""))
if show:
    cv2.destroyAllWindows()
print("%d frames; background image: %s" % (model.frame_count,
                                           "x".join(map(str, model.background().shape))))
