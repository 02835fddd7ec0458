"""test_tools.py - bgsub.segment and otsu against the bgsub program,
evaluate() against counts made with numpy and against `bgsub eval`,
frames() on image folders, imread/imwrite round trips."""
import json
import os
import subprocess
import unittest

import numpy as np

import harness
import bgsub


def bimodal(h=90, w=120, seed=2):
    rng = np.random.default_rng(seed)
    img = rng.normal(70, 10, (h, w))
    img[20:60, 30:90] = rng.normal(170, 15, (40, 60))
    return img.clip(0, 255).astype(np.uint8)


class Segment(unittest.TestCase):
    def test_matches_program(self):
        img = bimodal()
        path = os.path.join(harness.TMP, "gray.png")
        bgsub.imwrite(path, img)
        for k in ("2", "3", "auto"):
            out = os.path.join(harness.TMP, "seg%s.png" % k)
            run = subprocess.run([harness.BGSUB_BIN, "segment", path, "-o", out, "--json",
                                  "--k", k, "-f"], check=True, stdout=subprocess.PIPE)
            want = json.loads(run.stdout)
            mask, fit = bgsub.segment(img, k=k if k == "auto" else int(k))
            self.assertTrue(np.array_equal(mask, bgsub.imread(out, gray=True)), k)
            self.assertEqual(fit.k, len(fit["means"]))
            self.assertEqual(len(fit.loglik), fit.iterations + 1)
            self.assertEqual(fit.loglik[-1], fit.log_likelihood)
            self.assertTrue(all(a <= b for a, b in zip(fit.loglik, fit.loglik[1:])))
            text = json.dumps(want)
            for key in ("means", "thresholds"):
                self.assertIn(key, text)
            if k == "auto":
                self.assertEqual([p["k"] for p in fit.per_k], [1, 2, 3, 4])
                self.assertEqual(fit.per_k, want["per_k"])
                self.assertEqual(fit.criterion, want["criterion"])
        mask, fit = bgsub.segment(img, k=2, raw_labels=True)
        self.assertEqual(set(np.unique(mask)), {0, 1})
        self.assertAlmostEqual(fit.means[0], 70, delta=2)
        self.assertAlmostEqual(fit.means[1], 170, delta=3)
        self.assertTrue(fit.means[0] < fit.thresholds[0] < fit.means[1])
        t = bgsub.otsu(img)
        self.assertTrue(90 < t < 150, t)
        self.assertTrue(np.array_equal(bgsub.otsu(img[::-1, ::2]),
                                       bgsub.otsu(np.ascontiguousarray(img[::-1, ::2]))))
        with self.assertRaises(ValueError):
            bgsub.segment(img, k=9)
        with self.assertRaises(ValueError):
            bgsub.segment(np.zeros((5, 5, 3), np.uint8))
        with self.assertRaises(ValueError):
            bgsub.segment(img, k="many")


class Evaluate(unittest.TestCase):
    def test_counts(self):
        seq = os.path.join(harness.TMP, "seq")
        masks = os.path.join(harness.TMP, "masks")
        os.makedirs(os.path.join(seq, "groundtruth"))
        os.makedirs(masks)
        rng = np.random.default_rng(4)
        tp = fp = tn = fn = 0
        for n in range(1, 6):
            gt = rng.choice(np.array([0, 50, 85, 170, 255], np.uint8), (30, 40))
            mask = rng.choice(np.array([0, 255], np.uint8), (30, 40))
            bgsub.imwrite(os.path.join(seq, "groundtruth", "gt%06d.png" % n), gt)
            bgsub.imwrite(os.path.join(masks, "bin%06d.png" % n), mask)
            pos, neg = gt == 255, (gt == 0) | (gt == 50)
            tp += int((pos & (mask == 255)).sum())
            fn += int((pos & (mask != 255)).sum())
            fp += int((neg & (mask == 255)).sum())
            tn += int((neg & (mask != 255)).sum())
        r = bgsub.evaluate(seq, masks)
        self.assertEqual((r["tp"], r["fp"], r["tn"], r["fn"]), (tp, fp, tn, fn))
        self.assertEqual(r["frames"], 5)
        self.assertAlmostEqual(r["recall"], tp / (tp + fn))
        self.assertAlmostEqual(r["f_measure"], 2 * tp / (2 * tp + fp + fn))
        with self.assertRaises(OSError) as cm:
            bgsub.evaluate(seq, os.path.join(harness.TMP, "none"))
        self.assertIn("none", str(cm.exception))

    @unittest.skipUnless(os.path.isdir(harness.HIGHWAY), "no ../shared/data/cdnet/highway")
    def test_highway_as_program(self):
        out = os.path.join(harness.TMP, "hw")
        subprocess.run([harness.BGSUB_BIN, harness.HIGHWAY, "-o", out, "--frames", "600"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        seq = os.path.join(harness.TMP, "hwseq")
        os.makedirs(seq)
        os.symlink(os.path.join(os.path.abspath(harness.HIGHWAY), "groundtruth"),
                   os.path.join(seq, "groundtruth"))
        with open(os.path.join(seq, "temporalROI.txt"), "w") as f:
            f.write("470 600\n")
        run = subprocess.run([harness.BGSUB_BIN, "eval", "--json", seq, out],
                             check=True, stdout=subprocess.PIPE)
        want = json.loads(run.stdout)
        got = bgsub.evaluate(seq, out)
        for key in ("tp", "fp", "tn", "fn", "frames"):
            self.assertEqual(got[key], want[key], key)
        self.assertGreater(got["f_measure"], 0.5)


class Io(unittest.TestCase):
    def test_folder_and_images(self):
        folder = os.path.join(harness.TMP, "frames")
        os.makedirs(folder)
        rng = np.random.default_rng(5)
        imgs = [rng.integers(0, 255, (20, 30, 3), dtype=np.uint8) for _ in range(4)]
        for i, img in enumerate(imgs):
            bgsub.imwrite(os.path.join(folder, "in%06d.png" % (i + 1)), img)
        self.assertTrue(np.array_equal(bgsub.imread(os.path.join(folder, "in000001.png")),
                                       imgs[0]))
        rgb = bgsub.imread(os.path.join(folder, "in000001.png"), channel_order="rgb")
        self.assertTrue(np.array_equal(rgb, imgs[0][..., ::-1]))
        with bgsub.frames(folder) as r:
            got = list(r)
        self.assertEqual(len(got), 4)
        for a, b in zip(got, imgs):
            self.assertTrue(np.array_equal(a, b))
        pattern = list(bgsub.frames(os.path.join(folder, "in%06d.png"), gray=True))
        self.assertEqual(pattern[0].shape, (20, 30))
        r = bgsub.frames(harness.SAMPLE)
        self.assertEqual((r.width, r.height, r.fps), (320, 240, 25.0))
        first = next(r)
        self.assertEqual((first.shape, first.dtype), ((240, 320, 3), np.uint8))
        self.assertEqual(r.number, 1)
        r.close()
        self.assertEqual(list(r), [])
        with self.assertRaises(OSError):
            bgsub.imread(os.path.join(folder, "missing.png"))
        with self.assertRaises(ValueError):
            bgsub.imwrite(os.path.join(folder, "x.png"), np.zeros((3, 3), np.float32))


if __name__ == "__main__":
    harness.main()
