"""test_model.py - bgsub.Model: masks byte-identical to the bgsub program's,
learning_rate 0, views of any strides, clear errors, flat memory, resuming
from save(), the GIL released."""
import os
import subprocess
import sys
import threading
import time
import unittest

import numpy as np

import harness
import bgsub


def cli_masks(path, *options):
    """The bgsub program's masks for a video, as raw bytes (-o -)."""
    out = subprocess.run([harness.BGSUB_BIN, *options, path, "-o", "-"], check=True,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE).stdout
    return out


def rss_kb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def scene(n, h=48, w=64, seed=3):
    """n BGR frames: textured background, a square moving across."""
    rng = np.random.default_rng(seed)
    base = (np.indices((h, w)).sum(axis=0)[..., None] * np.array([3, 5, 7]) % 150 + 40)
    frames = []
    for i in range(n):
        f = (base + rng.integers(-3, 4, (h, w, 1))).clip(0, 255).astype(np.uint8)
        x = (2 * i) % (w - 12)
        f[10:30, x:x + 12] = (30, 200, 90)
        frames.append(f)
    return frames


class MatchesTheProgram(unittest.TestCase):
    def check_video(self, path, frames_opt=None):
        options = ["--frames", str(frames_opt)] if frames_opt else []
        want = cli_masks(path, *options)
        m = bgsub.Model()
        got = bytearray()
        for i, frame in enumerate(bgsub.frames(path)):
            if frames_opt and i == frames_opt:
                break
            got += m.apply(frame).tobytes()
        self.assertGreater(len(want), 0)
        self.assertEqual(len(got), len(want), "frame counts differ")
        diff = np.frombuffer(bytes(got), np.uint8) != np.frombuffer(want, np.uint8)
        self.assertEqual(int(diff.sum()), 0, "mask pixels differ from the program's")
        self.assertGreater(np.frombuffer(want, np.uint8).max(), 0, "no foreground at all")

    def test_sample_video(self):
        self.check_video(harness.SAMPLE)

    def test_sample_video_rgb_and_threads(self):
        want = cli_masks(harness.SAMPLE, "--frames", "150")
        m = bgsub.Model(channel_order="rgb", threads=2)
        got = b"".join(m.apply(f).tobytes()
                       for _, f in zip(range(150), bgsub.frames(harness.SAMPLE,
                                                                channel_order="rgb")))
        self.assertEqual(got, want)

    @unittest.skipUnless(os.path.isdir(harness.HIGHWAY), "no ../shared/data/cdnet/highway")
    def test_highway(self):
        self.check_video(harness.HIGHWAY)

    def test_gray(self):
        want = cli_masks(harness.SAMPLE, "--gray", "--frames", "150")
        m = bgsub.Model()
        got = b"".join(m.apply(f).tobytes()
                       for _, f in zip(range(150), bgsub.frames(harness.SAMPLE, gray=True)))
        self.assertEqual(got, want)


class LearningRate(unittest.TestCase):
    def test_zero_freezes(self):
        frames = scene(80)
        m = bgsub.Model(learning_frames=10)
        for f in frames[:30]:
            m.apply(f)
        bg = m.background()
        state = m.save()
        for f in frames[30:80]:
            m.apply(f, learning_rate=0)
        self.assertTrue(np.array_equal(bg, m.background()), "background changed")
        self.assertEqual(m.frame_count, 80)
        # Only the frame counter moved: the rest is the same model.
        self.assertEqual(bgsub.Model.load(state).background().tobytes(),
                         m.background().tobytes())

    def test_explicit_rate(self):
        frames = scene(20)
        a, b = bgsub.Model(learning_frames=2), bgsub.Model(learning_frames=2)
        for f in frames:
            a.apply(f)
            b.apply(f, learning_rate=0.5)
        self.assertFalse(np.array_equal(a.background(), b.background()))
        b.apply(frames[0], learning_rate=1)
        self.assertLessEqual(int(np.abs(b.background().astype(int) - frames[0]).max()), 1)
        for bad in (1.5, float("nan")):
            with self.assertRaises(ValueError):
                b.apply(frames[0], learning_rate=bad)


class Views(unittest.TestCase):
    def masks(self, frames, **kw):
        m = bgsub.Model(learning_frames=5, **kw)
        return [m.apply(f).copy() for f in frames]

    def assertSameMasks(self, a, b, what):
        for i, (x, y) in enumerate(zip(a, b)):
            self.assertTrue(np.array_equal(x, y), "%s: frame %d differs" % (what, i))

    def test_views(self):
        frames = scene(40, h=60, w=80)
        want = self.masks(frames)
        self.assertGreater(sum(int(m.max()) for m in want), 0)
        # Bottom-up rows (negative row stride), read in place: the masks of
        # the same pictures copied top-down (the rules around the mixture
        # work on tiles from the top-left corner, so an upside-down picture
        # is another picture, not the same one mirrored).
        flipped = [f[::-1] for f in frames]
        want_flipped = self.masks([np.ascontiguousarray(f) for f in flipped])
        self.assertGreater(sum(int(m.max()) for m in want_flipped), 0)
        self.assertSameMasks(want_flipped, self.masks(flipped), "negative stride")
        # RGB frames stored bottom-up: the model's own layout, negative stride.
        rgb = [np.ascontiguousarray(f[..., ::-1])[::-1] for f in frames]
        self.assertSameMasks(want_flipped, self.masks(rgb, channel_order="rgb"),
                             "negative stride, RGB")
        # RGB view of BGR data (channel stride -1), declared rgb.
        self.assertSameMasks(want, self.masks([f[..., ::-1] for f in frames],
                                              channel_order="rgb"), "reversed channels")
        # Every other pixel of a wider frame (copied), a crop of a bigger one.
        wide = [np.repeat(f, 2, axis=1) for f in frames]
        self.assertSameMasks(want, self.masks([w[:, ::2] for w in wide]), "pixel stride")
        big = [np.pad(f, ((3, 5), (7, 2), (0, 0))) for f in frames]
        self.assertSameMasks(want, self.masks([b[3:-5, 7:-2] for b in big]), "crop")
        self.assertSameMasks(want, self.masks([np.asfortranarray(f) for f in frames]),
                             "Fortran order")
        # Alpha ignored.
        bgra = [np.dstack([f, np.full(f.shape[:2], 77, np.uint8)]) for f in frames]
        self.assertSameMasks(want, self.masks(bgra), "BGRA")
        # Gray views.
        gray = [f[..., 1].copy() for f in frames]
        self.assertSameMasks(self.masks(gray), self.masks([f[..., 1] for f in frames]),
                             "gray channel view")

    def test_out(self):
        frames = scene(12)
        m = bgsub.Model(learning_frames=2)
        out = np.empty((48, 64), np.uint8)
        for f in frames:
            r = m.apply(f, out=out)
        self.assertIs(r, out)
        big = np.zeros((48, 100), np.uint8)
        m.apply(frames[0], out=big[:, 10:74])
        for bad in (np.empty((48, 64), np.int16), np.empty((48, 63), np.uint8),
                    np.empty((64, 48), np.uint8).T):
            with self.assertRaises(ValueError):
                m.apply(frames[0], out=bad)


class Errors(unittest.TestCase):
    def test_messages(self):
        m = bgsub.Model()
        f = np.zeros((24, 32, 3), np.uint8)
        cases = [(f.astype(np.float32), "uint8"), (f.astype(np.int64), "uint8"),
                 (f[..., :2], "x 3"), (np.zeros((24, 32, 3, 1), np.uint8), "H x W"),
                 (np.zeros(5, np.uint8), "H x W"), (np.zeros((0, 4), np.uint8), "H x W")]
        for bad, words in cases:
            with self.assertRaises(ValueError) as cm:
                m.apply(bad)
            self.assertIn(words, str(cm.exception))
        m.apply(f)
        with self.assertRaises(ValueError) as cm:
            m.apply(np.zeros((24, 32), np.uint8))
        self.assertIn("made for 24 x 32 x 3", str(cm.exception))
        with self.assertRaises(ValueError) as cm:
            m.apply(np.zeros((20, 32, 3), np.uint8))
        self.assertIn("20 x 32 x 3", str(cm.exception))
        with self.assertRaises(ValueError) as cm:
            bgsub.Model(alpha=2)
        self.assertEqual(str(cm.exception), "alpha must be between 0 and 1, not 2")
        with self.assertRaises(ValueError) as cm:
            bgsub.Model(var_min=50, var_init=40)
        self.assertIn("var-init", str(cm.exception))
        with self.assertRaises(TypeError):
            bgsub.Model(nonsense=1)
        with self.assertRaises(TypeError):
            bgsub.Model(3)
        with self.assertRaises(ValueError):
            bgsub.Model(channel_order="bgra")
        with self.assertRaises(ValueError):
            bgsub.Model().background()
        with self.assertRaises(OSError):
            bgsub.frames(os.path.join(harness.TMP, "missing.mp4"))
        with self.assertRaises(OSError):
            bgsub.Model.load(os.path.join(harness.TMP, "missing.model"))
        with self.assertRaises(ValueError) as cm:
            bgsub.Model.load(b"not a model")
        self.assertIn("checkpoint", str(cm.exception))


class Params(unittest.TestCase):
    def test_defaults_and_round_trip(self):
        m = bgsub.Model()
        for name, (default, lo, hi, is_int, text) in bgsub.PARAMETERS.items():
            self.assertAlmostEqual(m.params[name], default, places=6, msg=name)
        self.assertEqual(m.params["alpha"], 0.005)
        n = bgsub.Model(**dict(m.params, alpha=0.02, components=4, match_sigmas=3))
        self.assertEqual((n.params["alpha"], n.params["components"]), (0.02, 4))
        self.assertEqual(bgsub.Model(**{"lambda": 2.0}).params["match_sigmas"], 2.0)
        n.params = {"alpha": 0.1}
        self.assertEqual(n.params["alpha"], 0.1)
        self.assertIn("alpha", bgsub.Model.__doc__)
        self.assertIn("learning_rate", bgsub.Model.apply.__doc__)


class SaveLoad(unittest.TestCase):
    def test_resume_bit_identical(self):
        frames = scene(100)
        a = bgsub.Model(learning_frames=10, threads=2)
        for f in frames[:60]:
            a.apply(f)
        data = a.save()
        b = bgsub.Model.load(data)
        path = os.path.join(harness.TMP, "m.bgsub")
        a.save(path)
        c = bgsub.Model.load(path)
        self.assertEqual(c.save(), data)
        for f in frames[60:]:
            ma, mb, mc = a.apply(f), b.apply(f), c.apply(f)
            self.assertTrue(np.array_equal(ma, mb) and np.array_equal(ma, mc))
        self.assertEqual(a.save(), b.save())
        self.assertEqual(b.frame_count, 100)
        damaged = bytearray(data)
        damaged[len(damaged) // 2] ^= 1
        with self.assertRaises(ValueError):
            bgsub.Model.load(bytes(damaged))


class Memory(unittest.TestCase):
    def test_rss_flat(self):
        frames = scene(50)
        m = bgsub.Model(learning_frames=5)
        out = np.empty((48, 64), np.uint8)
        for i in range(1000):
            m.apply(frames[i % 50])
            m.apply(frames[i % 50][::-1], out=out)
        before = rss_kb()
        for i in range(10000):
            mask = m.apply(frames[i % 50])
            if i % 3 == 0:
                m.apply(frames[i % 50][:, ::-1], learning_rate=0)
            if i % 100 == 0:
                m.background()
        after = rss_kb()
        self.assertLess(after - before, 1024, "RSS grew by %d KB over 10 000 applies"
                        % (after - before))


class Gil(unittest.TestCase):
    """The GIL is released inside apply: while one thread is in apply(),
    Python code runs in another. How much time two models in two threads
    save is a speed measure, in tools/bench_python.py (make bench-python)."""

    def test_apply_releases_gil(self):
        """The main thread reads the clock in a loop while a second thread
        runs apply() on 1080p frames: with the GIL released, its readings
        go on through each apply; held, each apply is one gap in them as
        long as the model's work. One apply of five with no gap over half
        its length passes (a busy machine may hold the main thread off for
        a while, not through five applies)."""
        frame = np.random.default_rng(2).integers(0, 255, (1080, 1920, 3), dtype=np.uint8)
        # Eight components: an apply of some 25 ms, long against the GIL's
        # hand-overs between the threads (a fraction of a millisecond).
        m = bgsub.Model(threads=1, components=8)
        m.apply(frame)  # the model's allocation out of the way
        spans, done = [], threading.Event()

        def worker():
            for _ in range(5):
                t0 = time.perf_counter()
                m.apply(frame)
                spans.append((t0, time.perf_counter()))
            done.set()

        ticks = []
        interval = sys.getswitchinterval()
        sys.setswitchinterval(0.0005)  # hand the GIL over promptly
        try:
            t = threading.Thread(target=worker)
            t.start()
            while not done.is_set():
                ticks.append(time.perf_counter())
            t.join()
        finally:
            sys.setswitchinterval(interval)
        gaps = []
        for s, e in spans:
            points = [s] + [x for x in ticks if s < x < e] + [e]
            gaps.append(max(b - a for a, b in zip(points, points[1:])) / (e - s))
        print("  longest pause of the main thread in each apply: %s of its length" %
              " ".join("%.2f" % g for g in gaps))
        self.assertLess(min(gaps), 0.5, "the main thread stopped through every apply(): GIL held?")


if __name__ == "__main__":
    harness.main()
