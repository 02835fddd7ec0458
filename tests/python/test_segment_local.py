"""test_segment_local.py - bgsub.segment_local (thresholds per pixel)
against ground truth and against `bgsub segment --local`, and the choice
of K by criterion (bgsub.segment(k="auto", criterion=...)) against
`bgsub segment --k auto --json`."""
import json
import math
import os
import subprocess
import unittest

import numpy as np

import harness
import bgsub


def ramp_page(w=256, h=128, lo=40, hi=200, contrast=50):
    """A page under a ramp of light, as tests/tools/rampimg makes it (its
    own noise): background from lo (left) to hi (right), bright 10 x 10
    squares every 32 pixels, contrast levels above it. Returns (gray,
    truth) with truth True on the squares."""
    y, x = np.mgrid[:h, :w]
    truth = ((x - 11) % 32 < 10) & (x >= 11) & ((y - 3) % 32 < 10) & (y >= 3)
    rng = np.random.default_rng(5)
    v = lo + (hi - lo) * x / (w - 1) + contrast * truth + rng.integers(-2, 3, (h, w))
    return np.clip(np.rint(v), 0, 255).astype(np.uint8), truth


def program(*args):
    return subprocess.run([harness.BGSUB_BIN, "segment"] + list(args), check=True,
                          stdout=subprocess.PIPE).stdout


class SegmentLocal(unittest.TestCase):
    def test_follows_the_light(self):
        gray, truth = ramp_page()
        mask, fit = bgsub.segment_local(gray)
        self.assertEqual(mask.dtype, np.uint8)
        self.assertEqual(mask.shape, gray.shape)
        wrong_local = np.count_nonzero((mask == 255) != truth)
        wrong_global = np.count_nonzero((bgsub.segment(gray)[0] == 255) != truth)
        self.assertLessEqual(wrong_local, gray.size // 100, (wrong_local, wrong_global))
        self.assertGreaterEqual(wrong_global, gray.size * 3 // 10)
        # The mask is exactly gray > floor(threshold), and the thresholds
        # rise with the light from left to right.
        tmap = fit.threshold_map
        self.assertEqual((tmap.dtype, tmap.shape), (np.float32, gray.shape))
        self.assertTrue(np.array_equal(mask == 255, gray > np.floor(tmap)))
        cols = tmap.mean(axis=0)
        self.assertTrue(np.all(np.diff(cols[16:-16]) >= -0.5), cols)
        self.assertGreater(cols[-1] - cols[0], 100)

    def test_matches_program(self):
        gray, _ = ramp_page()
        path = os.path.join(harness.TMP, "ramp.png")
        bgsub.imwrite(path, gray)
        for args, kw in ((["--local"], {}),
                         (["--tiles", "5x3", "--overlap", "0.5", "--hold"],
                          {"tiles": (5, 3), "overlap": 0.5, "extrapolate": False}),
                         (["--tile-size", "64", "--min-contrast", "0.5", "--restarts", "3"],
                          {"tile_size": 64, "min_contrast": 0.5, "restarts": 3})):
            out = os.path.join(harness.TMP, "local.png")
            tmap = os.path.join(harness.TMP, "map.png")
            want = json.loads(program(path, "-o", out, "--threshold-map", tmap, "--json", "-f",
                                      *args))
            mask, fit = bgsub.segment_local(gray, **kw)
            self.assertTrue(np.array_equal(mask, bgsub.imread(out, gray=True)), args)
            self.assertTrue(np.array_equal(np.floor(fit.threshold_map).astype(np.uint8),
                                           bgsub.imread(tmap, gray=True)), args)
            self.assertEqual((fit.cols, fit.rows), (want["cols"], want["rows"]))
            for key in ("tiles_fitted", "tiles_borrowed", "tiles_global"):
                self.assertEqual(fit[key], want[key], (key, args))
            self.assertEqual(len(fit.tiles), len(want["tiles"]))
            for mine, theirs in zip(fit.tiles, want["tiles"]):
                for key, value in theirs.items():
                    if value is None:  # JSON's null: nan here
                        self.assertTrue(math.isnan(mine[key]), key)
                    elif isinstance(value, float):
                        self.assertAlmostEqual(mine[key], value, delta=1e-9 * abs(value) + 1e-12)
                    elif isinstance(value, list):
                        self.assertEqual(len(mine[key]), len(value))
                        for a, b in zip(mine[key], value):
                            self.assertAlmostEqual(a, b, delta=1e-9 * abs(b) + 1e-12)
                    else:
                        self.assertEqual(mine[key], value, key)

    def test_grid(self):
        gray, _ = ramp_page()
        # tile_size: round(256 / 64) x round(128 / 64) tiles.
        self.assertEqual(bgsub.segment_local(gray, tile_size=64)[1].rows, 2)
        self.assertEqual(bgsub.segment_local(gray, tile_size=64)[1].cols, 4)
        fit = bgsub.segment_local(gray, tiles=(5, 3))[1]
        self.assertEqual((fit.cols, fit.rows, len(fit.tiles)), (5, 3, 15))
        # The tiles partition the image: edges at floor(i * width / cols).
        for t in fit.tiles:
            self.assertEqual(t["x"], t["col"] * 256 // 5)
            self.assertEqual(t["x"] + t["width"], (t["col"] + 1) * 256 // 5)
            self.assertEqual(t["y"], t["row"] * 128 // 3)
        self.assertEqual(sum(t["width"] * t["height"] for t in fit.tiles), gray.size)
        self.assertEqual(bgsub.segment_local(gray, tiles=4)[1].rows, 4)

    def test_layouts_and_labels(self):
        gray, _ = ramp_page()
        mask, _ = bgsub.segment_local(gray)
        flipped, _ = bgsub.segment_local(gray[::-1])       # negative stride
        self.assertTrue(np.array_equal(flipped, mask[::-1]))
        raw, _ = bgsub.segment_local(gray, raw_labels=True)
        self.assertTrue(np.array_equal(raw, mask // 255))

    def test_errors(self):
        gray, _ = ramp_page()
        for kw in ({"overlap": 3}, {"tiles": (0, 1)}, {"min_weight": 0.7},
                   {"tile_size": 4}, {"restarts": 0}):
            with self.assertRaises(ValueError, msg=str(kw)):
                bgsub.segment_local(gray, **kw)
        with self.assertRaises(ValueError):
            bgsub.segment_local(np.zeros((5, 5, 3), np.uint8))
        with self.assertRaises(ValueError):
            bgsub.segment_local(gray.astype(np.float32))


class ChooseK(unittest.TestCase):
    def test_criterion_matches_program(self):
        rng = np.random.default_rng(3)
        img = rng.normal(60, 8, (96, 128))
        img[:, 80:] = rng.uniform(150, 210, (96, 48))   # a flat hump: BIC splits it
        img = img.clip(0, 255).astype(np.uint8)
        path = os.path.join(harness.TMP, "flat.png")
        bgsub.imwrite(path, img)
        chosen = {}
        for crit in ("icl", "bic"):
            want = json.loads(program(path, "--k", "auto", "--kmax", "5", "--criterion", crit,
                                      "--json"))
            mask, fit = bgsub.segment(img, k="auto", kmax=5, criterion=crit)
            self.assertEqual(fit.k, want["k"])
            self.assertEqual(fit.criterion, crit)
            self.assertEqual(fit.per_k, want["per_k"])
            # The lowest of the criterion wins; ICL = BIC + 2 entropy.
            best = min(fit.per_k, key=lambda p: (p[crit], p["k"]))
            self.assertEqual(fit.k, best["k"])
            for p in fit.per_k:
                self.assertAlmostEqual(p["icl"], p["bic"] + 2 * p["entropy"],
                                       delta=1e-9 * abs(p["bic"]))
            self.assertAlmostEqual(fit.icl, fit.bic + 2 * fit.entropy, delta=1e-9 * abs(fit.bic))
            chosen[crit] = fit.k
        self.assertEqual(chosen["icl"], 2)
        self.assertGreater(chosen["bic"], 2)
        with self.assertRaises(ValueError):
            bgsub.segment(img, k="auto", criterion="aic")


if __name__ == "__main__":
    harness.main()
