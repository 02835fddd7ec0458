/*
 * bgsub_py.h - what the two C files of the Python module share: _bgsub.c
 * (the model, segmentation, errors) and pyio.c (frames, images and
 * evaluation through the bgsub program's own readers).
 */
#ifndef BGSUB_PY_H
#define BGSUB_PY_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#define PY_ARRAY_UNIQUE_SYMBOL bgsub_ARRAY_API
#ifndef BGSUB_PY_MAIN
#define NO_IMPORT_ARRAY
#endif
#include <numpy/arrayobject.h>

#include "bgsub.h"

/* Raises the exception for a failed bgsub call (ValueError for bad
 * arguments, parameters and shapes, MemoryError, RuntimeError), carrying
 * bgs_last_error()'s message; returns NULL. */
PyObject *bgspy_raise(bgs_status status);

/* pyio.c: "bgr" / "rgb" -> 1 / 0; -1 with ValueError for anything else. */
int bgspy_parse_order(const char *order);

/* Swaps the first and third byte of every 3-byte pixel of a packed
 * w x h image (rows stride bytes apart): RGB <-> BGR. */
void bgspy_swap_rb(uint8_t *data, int w, int h, ptrdiff_t stride);

/* pyio.c: adds frames(), FrameReader, imread, imwrite and evaluate to the
 * module. 0, or -1 with an exception. */
int bgspy_add_io(PyObject *module);

#endif
