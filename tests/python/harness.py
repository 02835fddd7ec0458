"""harness.py - runs a test file's unittest cases and ends with the line
"RESULT passed=N failed=N skipped=N" that tests/run.sh adds up; each test
prints "ok NAME", "FAIL NAME" (with its traceback) or "skip NAME: reason".
Paths: TOP (the repository), BUILD, BGSUB_BIN (the program), TMP (a
scratch folder removed at exit)."""
import atexit
import os
import shutil
import sys
import tempfile
import unittest

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(TOP, os.environ.get("BUILD", "build"))
BGSUB_BIN = os.environ.get("BGSUB_BIN", os.path.join(BUILD, "bgsub"))
SAMPLE = os.path.join(TOP, "samples", "sample.mp4")
HIGHWAY = os.path.join(TOP, "..", "shared", "data", "cdnet", "highway")
TMP = tempfile.mkdtemp(prefix="bgsub-py-", dir=os.environ.get("TMPROOT"))
atexit.register(shutil.rmtree, TMP, True)


class _Result(unittest.TextTestResult):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.passed = 0

    def addSuccess(self, test):
        super().addSuccess(test)
        self.passed += 1
        print("ok   %s" % test._testMethodName, flush=True)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        print("FAIL %s\n%s" % (test._testMethodName, self._exc_info_to_string(err, test)),
              flush=True)

    def addError(self, test, err):
        super().addError(test, err)
        print("FAIL %s (error)\n%s" % (test._testMethodName,
                                        self._exc_info_to_string(err, test)), flush=True)

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        print("skip %s: %s" % (test._testMethodName, reason), flush=True)


def main():
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules["__main__"])
    runner = unittest.TextTestRunner(stream=open(os.devnull, "w"), resultclass=_Result)
    r = runner.run(suite)
    failed = len(r.failures) + len(r.errors)
    print("RESULT passed=%d failed=%d skipped=%d" % (r.passed, failed, len(r.skipped)))
    sys.exit(1 if failed else 0)
