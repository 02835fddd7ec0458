#!/usr/bin/python3
"""bench_python.py - bgsub.Model.apply against OpenCV's MOG2 from Python, on
the same 1080p frames in memory, in turns, in one run.

    /usr/bin/python3 tools/bench_python.py [--frames N] [--rounds R] [--threads T]
                                           [--video PATH]

Frames: the sample video (samples/sample.mp4, or --video) read with
bgsub.frames() and scaled to 1920x1080 with numpy (nearest), so both
subtractors see the same BGR uint8 arrays; they are played forward and
back. Each round times bgsub.Model().apply and
cv2.createBackgroundSubtractorMOG2().apply over the same frames, one after
the other (a fresh model each, the first frame untimed); the medians of the
rounds' frames/s and of their ratios are printed. Both run on one thread by
default (cv2.setNumThreads(1), Model(threads=1)), the fair comparison of
the per-pixel work; --threads sets both.

Needs Debian's python3-numpy and, for the comparison, python3-opencv (for
the benchmark only: bgsub never needs OpenCV). Run with the module built
(make python): PYTHONPATH=build/python, or an installed bgsub.
"""
import argparse
import os
import statistics
import sys
import threading
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", os.environ.get("BUILD", "build"), "python"))
import bgsub  # noqa: E402


def load_frames(path, count, width=1920, height=1080):
    frames = []
    for f in bgsub.frames(path):
        ys = np.arange(height) * f.shape[0] // height
        xs = np.arange(width) * f.shape[1] // width
        frames.append(np.ascontiguousarray(f[ys][:, xs]))
        if len(frames) == count:
            break
    if len(frames) < 2:
        sys.exit("bench_python: %s gave fewer than 2 frames" % path)
    return frames


def play(frames, n):
    """Indices forward and back, n of them."""
    period = 2 * len(frames) - 2
    for i in range(n):
        j = i % period
        yield j if j < len(frames) else period - j


def time_it(apply, frames, n):
    apply(frames[0])  # the first frame touches the model's memory first
    t0 = time.perf_counter()
    for j in play(frames, n):
        apply(frames[j])
    return n / (time.perf_counter() - t0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--video", default=os.path.join(HERE, "..", "samples", "sample.mp4"))
    ap.add_argument("--frames", type=int, default=40, help="frames per timing (default 40)")
    ap.add_argument("--rounds", type=int, default=9, help="rounds in turns (default 9)")
    ap.add_argument("--threads", type=int, default=1, help="threads of each (default 1)")
    args = ap.parse_args()
    try:
        import cv2
    except ImportError:
        cv2 = None
        print("bench_python: no cv2 (apt-get install python3-opencv): bgsub alone")
    frames = load_frames(args.video, 40)
    print("bench_python: bgsub %s%s, %d frames of 1920x1080 BGR in memory, %d per timing, "
          "%d thread%s each, load average %.1f on %d cores"
          % (bgsub.__version__, ", OpenCV %s" % cv2.__version__ if cv2 else "", len(frames),
             args.frames, args.threads, "" if args.threads == 1 else "s",
             os.getloadavg()[0], os.cpu_count() or 1))
    if cv2:
        cv2.setNumThreads(args.threads)
    ours, theirs, ratios = [], [], []
    mask = np.empty(frames[0].shape[:2], np.uint8)
    for r in range(args.rounds):
        model = bgsub.Model(threads=args.threads)
        a = time_it(lambda f: model.apply(f, out=mask), frames, args.frames)
        ours.append(a)
        line = "round %d: bgsub.Model.apply %7.1f frames/s" % (r + 1, a)
        if cv2:
            mog2 = cv2.createBackgroundSubtractorMOG2()
            b = time_it(mog2.apply, frames, args.frames)
            theirs.append(b)
            ratios.append(a / b)
            line += "   cv2 MOG2 apply %6.1f frames/s   ratio %5.2f" % (b, a / b)
        print(line, flush=True)
    line = "median:  bgsub.Model.apply %7.1f frames/s" % statistics.median(ours)
    if cv2:
        line += "   cv2 MOG2 apply %6.1f frames/s   ratio %5.2f" % (
            statistics.median(theirs), statistics.median(ratios))
    print(line)
    two_models_in_threads(frames, args.frames, args.rounds)


def two_models_in_threads(frames, n, rounds):
    """Two models, each on its own Python thread, against the same two one
    after the other: apply() releases the GIL, so on two idle cores the
    threads take about half the time (tests/python/test_model.py checks
    that the calls overlap; how much that saves is measured here)."""
    def run(model):
        for i in range(n):
            model.apply(frames[i % len(frames)])
    ratios = []
    for _ in range(rounds):
        a, b = bgsub.Model(threads=1), bgsub.Model(threads=1)
        t0 = time.perf_counter()
        run(a)
        run(b)
        serial = time.perf_counter() - t0
        a, b = bgsub.Model(threads=1), bgsub.Model(threads=1)
        ts = [threading.Thread(target=run, args=(m,)) for m in (a, b)]
        t0 = time.perf_counter()
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        ratios.append((time.perf_counter() - t0) / serial)
    print("two models in two Python threads: %.2f of the time one after the other "
          "(median of %d rounds; load average %.1f)"
          % (statistics.median(ratios), rounds, os.getloadavg()[0]))


if __name__ == "__main__":
    main()
