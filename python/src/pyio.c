/*
 * pyio.c - the module's use of the bgsub program's own readers and of its
 * scoring, in one place: frames() (src/io/frame_source.h), imread/imwrite
 * (src/io/image_io.h) and evaluate() (eval_score_sequence, src/cli/eval.h).
 * Only these public functions are called; file errors become OSError with
 * the reader's one-line message. The channel order of frames (BGR, as
 * cv2 gives them, or RGB) is read and swapped here for the whole module.
 */
#include "bgsub_py.h"

#include "cli/eval_score.h"
#include "io/frame_source.h"
#include "io/image_io.h"
#include "io/output_file.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Channel order                                                            */
/* ------------------------------------------------------------------------ */

int bgspy_parse_order(const char *order)
{
    if (strcmp(order, "bgr") == 0)
        return 1;
    if (strcmp(order, "rgb") == 0)
        return 0;
    PyErr_Format(PyExc_ValueError, "channel_order must be \"bgr\" or \"rgb\", not \"%s\"",
                 order);
    return -1;
}

void bgspy_swap_rb(uint8_t *data, int w, int h, ptrdiff_t stride)
{
    for (int y = 0; y < h; y++) {
        uint8_t *p = data + (ptrdiff_t)y * stride;
        for (int x = 0; x < w; x++, p += 3) {
            uint8_t t = p[0];
            p[0] = p[2];
            p[2] = t;
        }
    }
}

/* ------------------------------------------------------------------------ */
/* frames(): an iterator of numpy frames                                    */
/* ------------------------------------------------------------------------ */

typedef struct {
    PyObject_HEAD
    frame_source *src;
    int channels, bgr;
} ReaderObject;

static void Reader_dealloc(ReaderObject *self)
{
    if (self->src)
        frame_source_close(self->src);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *Reader_next(ReaderObject *self)
{
    if (!self->src)
        return NULL; /* StopIteration */
    int w = frame_source_width(self->src), h = frame_source_height(self->src);
    int c = self->channels;
    npy_intp dims[3] = {h, w, c};
    PyArrayObject *out = (PyArrayObject *)PyArray_SimpleNew(c == 1 ? 2 : 3, dims, NPY_UINT8);
    if (!out)
        return NULL;
    char err[512] = "";
    int got;
    uint8_t *data = PyArray_DATA(out);
    Py_BEGIN_ALLOW_THREADS
    got = frame_source_read_into(self->src, data, (ptrdiff_t)w * c, err, sizeof err);
    if (got == 1 && c == 3 && self->bgr)
        bgspy_swap_rb(data, w, h, (ptrdiff_t)w * 3);
    Py_END_ALLOW_THREADS
    if (got == 1)
        return (PyObject *)out;
    Py_DECREF(out);
    frame_source_close(self->src);
    self->src = NULL;
    if (got < 0)
        PyErr_SetString(PyExc_OSError, err);
    return NULL;
}

static PyObject *Reader_close(ReaderObject *self, PyObject *noargs)
{
    (void)noargs;
    if (self->src)
        frame_source_close(self->src);
    self->src = NULL;
    Py_RETURN_NONE;
}

static PyObject *Reader_enter(PyObject *self, PyObject *noargs)
{
    (void)noargs;
    Py_INCREF(self);
    return self;
}

static PyObject *Reader_exit(ReaderObject *self, PyObject *args)
{
    (void)args;
    return Reader_close(self, NULL);
}

enum { R_WIDTH, R_HEIGHT, R_FPS, R_COUNT, R_NUMBER };

static PyObject *Reader_get(ReaderObject *self, void *closure)
{
    if (!self->src)
        Py_RETURN_NONE;
    switch ((int)(intptr_t)closure) {
    case R_WIDTH: return PyLong_FromLong(frame_source_width(self->src));
    case R_HEIGHT: return PyLong_FromLong(frame_source_height(self->src));
    case R_FPS: return PyFloat_FromDouble(frame_source_fps(self->src));
    case R_COUNT: return PyLong_FromLong(frame_source_frame_count(self->src));
    default: return PyLong_FromLong(frame_source_number(self->src));
    }
}

static PyMethodDef Reader_methods[] = {
    {"close", (PyCFunction)Reader_close, METH_NOARGS, "Close the input."},
    {"__enter__", (PyCFunction)Reader_enter, METH_NOARGS, NULL},
    {"__exit__", (PyCFunction)Reader_exit, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}};

static PyGetSetDef Reader_getset[] = {
    {"width", (getter)Reader_get, NULL, "Frame width (None once closed).", (void *)R_WIDTH},
    {"height", (getter)Reader_get, NULL, "Frame height.", (void *)R_HEIGHT},
    {"fps", (getter)Reader_get, NULL, "Frames per second, 0 if unknown.", (void *)R_FPS},
    {"frame_count", (getter)Reader_get, NULL, "Total frames if known, else -1.",
     (void *)R_COUNT},
    {"number", (getter)Reader_get, NULL,
     "The number of the frame last returned (an image sequence's own file number, a "
     "video's position from 1).", (void *)R_NUMBER},
    {NULL, NULL, NULL, NULL, NULL}};

static PyTypeObject ReaderType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "bgsub.FrameReader",
    .tp_basicsize = sizeof(ReaderObject),
    .tp_dealloc = (destructor)Reader_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Frames of a video, image folder or pattern, as numpy arrays (bgsub.frames).",
    .tp_iter = PyObject_SelfIter,
    .tp_iternext = (iternextfunc)Reader_next,
    .tp_methods = Reader_methods,
    .tp_getset = Reader_getset,
};

static PyObject *frames(PyObject *module, PyObject *args, PyObject *kwds)
{
    (void)module;
    static char *kwlist[] = {"path", "gray", "channel_order", NULL};
    PyObject *path_obj;
    int gray = 0;
    const char *order = "bgr";
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O&|ps:frames", kwlist,
                                     PyUnicode_FSConverter, &path_obj, &gray, &order))
        return NULL;
    int bgr = bgspy_parse_order(order);
    if (bgr < 0) {
        Py_DECREF(path_obj);
        return NULL;
    }
    char err[512] = "";
    frame_source *src;
    const char *path = PyBytes_AS_STRING(path_obj);
    Py_BEGIN_ALLOW_THREADS
    src = frame_source_open(path, gray ? 1 : 3, err, sizeof err);
    Py_END_ALLOW_THREADS
    Py_DECREF(path_obj);
    if (!src) {
        PyErr_SetString(PyExc_OSError, err);
        return NULL;
    }
    ReaderObject *r = PyObject_New(ReaderObject, &ReaderType);
    if (!r) {
        frame_source_close(src);
        return NULL;
    }
    r->src = src;
    r->channels = gray ? 1 : 3;
    r->bgr = bgr;
    return (PyObject *)r;
}

/* ------------------------------------------------------------------------ */
/* Images                                                                   */
/* ------------------------------------------------------------------------ */

static PyObject *imread(PyObject *module, PyObject *args, PyObject *kwds)
{
    (void)module;
    static char *kwlist[] = {"path", "gray", "channel_order", NULL};
    PyObject *path_obj;
    int gray = 0;
    const char *order = "bgr";
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O&|ps:imread", kwlist,
                                     PyUnicode_FSConverter, &path_obj, &gray, &order))
        return NULL;
    int bgr = bgspy_parse_order(order);
    if (bgr < 0) {
        Py_DECREF(path_obj);
        return NULL;
    }
    image img;
    char err[512] = "";
    int rc;
    const char *path = PyBytes_AS_STRING(path_obj);
    Py_BEGIN_ALLOW_THREADS
    rc = image_load(path, gray ? 1 : 0, &img, err, sizeof err);
    Py_END_ALLOW_THREADS
    Py_DECREF(path_obj);
    if (rc != 0) {
        PyErr_SetString(PyExc_OSError, err);
        return NULL;
    }
    npy_intp dims[3] = {img.height, img.width, img.channels};
    PyArrayObject *out =
        (PyArrayObject *)PyArray_SimpleNew(img.channels == 1 ? 2 : 3, dims, NPY_UINT8);
    if (out) {
        size_t row = (size_t)img.width * img.channels;
        uint8_t *dst = PyArray_DATA(out);
        for (int y = 0; y < img.height; y++)
            memcpy(dst + y * row, img.data + y * img.stride, row);
        if (img.channels == 3 && bgr)
            bgspy_swap_rb(dst, img.width, img.height, (ptrdiff_t)row);
    }
    image_free(&img);
    return (PyObject *)out;
}

static PyObject *imwrite(PyObject *module, PyObject *args, PyObject *kwds)
{
    (void)module;
    static char *kwlist[] = {"path", "image", "channel_order", "compression", NULL};
    PyObject *path_obj, *img_obj;
    const char *order = "bgr";
    int compression = 1;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O&O|si:imwrite", kwlist,
                                     PyUnicode_FSConverter, &path_obj, &img_obj, &order,
                                     &compression))
        return NULL;
    int bgr = bgspy_parse_order(order);
    PyArrayObject *arr = NULL;
    if (bgr >= 0)
        arr = (PyArrayObject *)PyArray_FROM_OTF(img_obj, NPY_NOTYPE, NPY_ARRAY_C_CONTIGUOUS);
    if (arr && (PyArray_TYPE(arr) != NPY_UINT8 ||
                !(PyArray_NDIM(arr) == 2 ||
                  (PyArray_NDIM(arr) == 3 && PyArray_DIM(arr, 2) == 3)))) {
        PyErr_SetString(PyExc_ValueError,
                        "image must be a uint8 array H x W (gray) or H x W x 3 (colour)");
        Py_CLEAR(arr);
    }
    if (!arr) {
        Py_DECREF(path_obj);
        return NULL;
    }
    int h = (int)PyArray_DIM(arr, 0), w = (int)PyArray_DIM(arr, 1);
    int c = PyArray_NDIM(arr) == 2 ? 1 : 3;
    const uint8_t *data = PyArray_DATA(arr);
    uint8_t *swapped = NULL;
    if (c == 3 && bgr) {
        swapped = malloc((size_t)w * h * 3);
        if (!swapped) {
            Py_DECREF(arr);
            Py_DECREF(path_obj);
            return PyErr_NoMemory();
        }
        memcpy(swapped, data, (size_t)w * h * 3);
        bgspy_swap_rb(swapped, w, h, (ptrdiff_t)w * 3);
        data = swapped;
    }
    char err[512] = "";
    int rc;
    const char *path = PyBytes_AS_STRING(path_obj);
    Py_BEGIN_ALLOW_THREADS
    /* As cv2.imwrite: an existing file is replaced (whole, never in part). */
    rc = image_save_png(path, data, w, h, c, (ptrdiff_t)w * c, compression,
                        OUTPUT_FILE_FORCE, err, sizeof err);
    Py_END_ALLOW_THREADS
    free(swapped);
    Py_DECREF(arr);
    Py_DECREF(path_obj);
    if (rc != 0) {
        PyErr_SetString(PyExc_OSError, err);
        return NULL;
    }
    Py_RETURN_NONE;
}

/* ------------------------------------------------------------------------ */
/* evaluate(): the CDnet metrics of a folder of masks                       */
/* ------------------------------------------------------------------------ */

static PyObject *evaluate(PyObject *module, PyObject *args, PyObject *kwds)
{
    (void)module;
    static char *kwlist[] = {"seq_dir", "mask_dir", "mask_pattern", "roi", NULL};
    PyObject *seq_obj, *mask_obj, *roi_obj = NULL;
    const char *pattern = "bin%06d.png";
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O&O&|sO&:evaluate", kwlist,
                                     PyUnicode_FSConverter, &seq_obj, PyUnicode_FSConverter,
                                     &mask_obj, &pattern, PyUnicode_FSConverter, &roi_obj))
        return NULL;
    eval_result r;
    char err[1024] = "";
    int status;
    const char *seq = PyBytes_AS_STRING(seq_obj), *masks = PyBytes_AS_STRING(mask_obj);
    const char *roi = roi_obj ? PyBytes_AS_STRING(roi_obj) : NULL;
    Py_BEGIN_ALLOW_THREADS
    status = eval_score_sequence(seq, masks, pattern, roi, &r, err, sizeof err);
    Py_END_ALLOW_THREADS
    Py_DECREF(seq_obj);
    Py_DECREF(mask_obj);
    Py_XDECREF(roi_obj);
    if (status != 0) {
        PyErr_SetString(PyExc_OSError, err);
        return NULL;
    }
    bgs_metrics m = bgs_metrics_from_counts(&r.counts);
    return Py_BuildValue(
        "{s:l,s:l,s:l,s:d,s:d,s:d,s:d,s:d,s:d,s:d,s:K,s:K,s:K,s:K}", "first_frame", r.first,
        "last_frame", r.last, "frames", r.frames, "recall", m.recall, "specificity",
        m.specificity, "fpr", m.fpr, "fnr", m.fnr, "pwc", m.pwc, "precision", m.precision,
        "f_measure", m.f_measure, "tp", (unsigned long long)r.counts.tp, "fp",
        (unsigned long long)r.counts.fp, "tn", (unsigned long long)r.counts.tn, "fn",
        (unsigned long long)r.counts.fn);
}

static PyMethodDef io_methods[] = {
    {"frames", (PyCFunction)(void (*)(void))frames, METH_VARARGS | METH_KEYWORDS, NULL},
    {"imread", (PyCFunction)(void (*)(void))imread, METH_VARARGS | METH_KEYWORDS, NULL},
    {"imwrite", (PyCFunction)(void (*)(void))imwrite, METH_VARARGS | METH_KEYWORDS, NULL},
    {"evaluate", (PyCFunction)(void (*)(void))evaluate, METH_VARARGS | METH_KEYWORDS, NULL},
    {NULL, NULL, 0, NULL}};

int bgspy_add_io(PyObject *module)
{
    if (PyType_Ready(&ReaderType) < 0)
        return -1;
    Py_INCREF(&ReaderType);
    if (PyModule_AddObject(module, "FrameReader", (PyObject *)&ReaderType) < 0)
        return -1;
    return PyModule_AddFunctions(module, io_methods);
}
