/*
 * _bgsub.c - the C extension behind `import bgsub`: a thin layer over
 * include/bgsub.h (the library's public header, nothing else of it).
 *
 *  - Model: bgs_model made at the first frame (its size and channels come
 *    from that frame, as with OpenCV's subtractors), every library
 *    parameter a keyword. apply() takes numpy uint8 arrays H x W (gray) or
 *    H x W x 3 / 4 (BGR by default, as cv2 gives them; "rgb"), with any
 *    row stride (negative too) and channels reversed (a[..., ::-1]) without
 *    a copy; other layouts are copied once into a C-ordered array.
 *  - The GIL is released while the model works (apply, and the waits for
 *    the model's lock); each Model has a lock, so two threads applying to
 *    one model take turns instead of corrupting it.
 *  - Errors: bgsub's one-line message in ValueError (bad shapes, dtypes,
 *    parameters), MemoryError, RuntimeError; OSError for files (pyio.c).
 *  - segment(), segment_local() and otsu(): the histogram functions.
 */
#define BGSUB_PY_MAIN
#include "bgsub_py.h"

#include <math.h>
#include <pythread.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Shared helpers                                                           */
/* ------------------------------------------------------------------------ */

PyObject *bgspy_raise(bgs_status status)
{
    const char *msg = bgs_last_error();
    if (!msg[0])
        msg = "bgsub: unknown failure";
    switch (status) {
    case BGS_ERR_NO_MEMORY: PyErr_SetString(PyExc_MemoryError, msg); break;
    case BGS_ERR_UNSUPPORTED: PyErr_SetString(PyExc_RuntimeError, msg); break;
    default: PyErr_SetString(PyExc_ValueError, msg); break;
    }
    return NULL;
}

/* A uint8 array of 2 dimensions, or 3 with 3 or 4 channels; what names the
 * argument in messages. New reference or NULL with ValueError. */
static PyArrayObject *image_array(PyObject *obj, const char *what, int allow_colour)
{
    PyArrayObject *arr = (PyArrayObject *)PyArray_FROM_OTF(obj, NPY_NOTYPE, 0);
    if (!arr)
        return NULL;
    if (PyArray_TYPE(arr) != NPY_UINT8) {
        PyObject *name = PyObject_Str((PyObject *)PyArray_DESCR(arr));
        PyErr_Format(PyExc_ValueError, "%s must be a uint8 array, not %s", what,
                     name ? PyUnicode_AsUTF8(name) : "another type");
        Py_XDECREF(name);
        Py_DECREF(arr);
        return NULL;
    }
    int nd = PyArray_NDIM(arr);
    npy_intp *dims = PyArray_DIMS(arr);
    int ok = nd == 2 || (allow_colour && nd == 3 && (dims[2] == 3 || dims[2] == 4));
    if (ok && (dims[0] < 1 || dims[1] < 1 || dims[0] > 65536 || dims[1] > 65536))
        ok = 0;
    if (!ok) {
        PyObject *shape = PyObject_Str(PyObject_GetAttrString((PyObject *)arr, "shape"));
        PyErr_Format(PyExc_ValueError,
                     allow_colour ? "%s must be H x W (gray) or H x W x 3 (colour; x 4 with "
                                    "alpha), 1 to 65536 pixels a side, not shape %s"
                                  : "%s must be a gray image H x W, 1 to 65536 pixels a "
                                    "side, not shape %s",
                     what, shape ? PyUnicode_AsUTF8(shape) : "?");
        Py_XDECREF(shape);
        Py_DECREF(arr);
        return NULL;
    }
    return arr;
}

/* A 2-D uint8 array whose pixels are 1 byte apart (row stride >= width):
 * arr itself, or a C-ordered copy. New reference. */
static PyArrayObject *gray_rows(PyArrayObject *arr)
{
    npy_intp *st = PyArray_STRIDES(arr);
    if (st[1] == 1 && st[0] >= PyArray_DIM(arr, 1)) {
        Py_INCREF(arr);
        return arr;
    }
    return (PyArrayObject *)PyArray_NewCopy(arr, NPY_CORDER);
}

/* ------------------------------------------------------------------------ */
/* Model                                                                    */
/* ------------------------------------------------------------------------ */

typedef struct {
    PyObject_HEAD
    bgs_model *model;      /* NULL until the first frame */
    bgs_params params;     /* for the model made at the first frame */
    int threads;
    int bgr;               /* channel order of frames and backgrounds */
    PyThread_type_lock lock;
} ModelObject;

/* Python keyword for a parameter: its option name with '_' for '-', but
 * match_sigmas (the struct field) for "lambda", a Python keyword ("lambda"
 * and "lambda_" are accepted too). */
static void param_keyword(bgs_param key, char *out, size_t size)
{
    snprintf(out, size, "%s", key == BGS_PARAM_MATCH_SIGMAS ? "match_sigmas"
                                                           : bgs_param_get_info(key)->name);
    for (char *p = out; *p; p++)
        if (*p == '-')
            *p = '_';
}

static int find_param(const char *keyword, bgs_param *key)
{
    char name[64];
    if (strcmp(keyword, "lambda") == 0 || strcmp(keyword, "lambda_") == 0) {
        *key = BGS_PARAM_MATCH_SIGMAS;
        return 1;
    }
    for (int k = 0; k < BGS_PARAM_COUNT; k++) {
        param_keyword((bgs_param)k, name, sizeof name);
        if (strcmp(name, keyword) == 0) {
            *key = (bgs_param)k;
            return 1;
        }
    }
    return 0;
}

/* Sets params from a dict of keyword -> number; `skip` names keywords
 * that are not parameters (handled by the caller). 0 or -1. */
static int set_params_from(bgs_params *params, PyObject *dict, const char *const *skip)
{
    PyObject *k, *v;
    Py_ssize_t pos = 0;
    while (dict && PyDict_Next(dict, &pos, &k, &v)) {
        const char *name = PyUnicode_AsUTF8(k);
        if (!name)
            return -1;
        int skipped = 0;
        for (int i = 0; skip && skip[i]; i++)
            skipped |= strcmp(name, skip[i]) == 0;
        if (skipped)
            continue;
        bgs_param key;
        if (!find_param(name, &key)) {
            PyErr_Format(PyExc_TypeError, "unknown parameter '%s' (bgsub.PARAMETERS lists "
                         "them)", name);
            return -1;
        }
        if (PyBool_Check(v) || !PyNumber_Check(v)) {
            if (!PyBool_Check(v)) {
                PyErr_Format(PyExc_TypeError, "%s must be a number", name);
                return -1;
            }
        }
        double value = PyFloat_AsDouble(v);
        if (value == -1.0 && PyErr_Occurred())
            return -1;
        if (bgs_params_set(params, key, value) != BGS_OK) {
            bgspy_raise(BGS_ERR_PARAMETER);
            return -1;
        }
    }
    if (bgs_params_check(params) != BGS_OK) {
        bgspy_raise(BGS_ERR_PARAMETER);
        return -1;
    }
    return 0;
}

/* A float parameter as the shortest decimal that is the same float
 * (0.005, not 0.004999999888241291). */
static PyObject *float_value(double v)
{
    char text[32];
    for (int digits = 6; digits <= 9; digits++) {
        snprintf(text, sizeof text, "%.*g", digits, v);
        if ((float)strtod(text, NULL) == (float)v)
            break;
    }
    return PyFloat_FromDouble(strtod(text, NULL));
}

static PyObject *params_dict(const bgs_params *params)
{
    PyObject *d = PyDict_New();
    for (int k = 0; d && k < BGS_PARAM_COUNT; k++) {
        char name[64];
        param_keyword((bgs_param)k, name, sizeof name);
        double v = bgs_params_get(params, (bgs_param)k);
        PyObject *value = bgs_param_get_info((bgs_param)k)->is_integer
                              ? PyLong_FromLong((long)v)
                              : float_value(v);
        if (!value || PyDict_SetItemString(d, name, value) < 0) {
            Py_XDECREF(value);
            Py_DECREF(d);
            return NULL;
        }
        Py_DECREF(value);
    }
    return d;
}

static void lock_model(ModelObject *self)
{
    if (!PyThread_acquire_lock(self->lock, NOWAIT_LOCK)) {
        Py_BEGIN_ALLOW_THREADS
        PyThread_acquire_lock(self->lock, WAIT_LOCK);
        Py_END_ALLOW_THREADS
    }
}

static void unlock_model(ModelObject *self) { PyThread_release_lock(self->lock); }

static PyObject *Model_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    (void)args;
    (void)kwds;
    ModelObject *self = (ModelObject *)type->tp_alloc(type, 0);
    if (!self)
        return NULL;
    bgs_params_default(&self->params);
    self->threads = 1;
    self->bgr = 1;
    self->lock = PyThread_allocate_lock();
    if (!self->lock) {
        Py_DECREF(self);
        return PyErr_NoMemory();
    }
    return (PyObject *)self;
}

static int Model_init(ModelObject *self, PyObject *args, PyObject *kwds)
{
    if (PyTuple_GET_SIZE(args) > 0) {
        PyErr_SetString(PyExc_TypeError, "Model() takes keyword arguments only");
        return -1;
    }
    if (self->model) {
        PyErr_SetString(PyExc_RuntimeError, "Model.__init__ called twice");
        return -1;
    }
    static const char *const own[] = {"threads", "channel_order", NULL};
    bgs_params params;
    bgs_params_default(&params);
    if (set_params_from(&params, kwds, own) < 0)
        return -1;
    int threads = 1, bgr = 1;
    PyObject *t = kwds ? PyDict_GetItemString(kwds, "threads") : NULL;
    if (t) {
        threads = (int)PyLong_AsLong(t);
        if (threads == -1 && PyErr_Occurred())
            return -1;
        if (threads < 0 || threads > 256) {
            PyErr_SetString(PyExc_ValueError,
                            "threads must be between 0 (one per core) and 256");
            return -1;
        }
    }
    PyObject *o = kwds ? PyDict_GetItemString(kwds, "channel_order") : NULL;
    if (o) {
        const char *order = PyUnicode_Check(o) ? PyUnicode_AsUTF8(o) : NULL;
        if (!order) {
            PyErr_SetString(PyExc_TypeError, "channel_order must be \"bgr\" or \"rgb\"");
            return -1;
        }
        if ((bgr = bgspy_parse_order(order)) < 0)
            return -1;
    }
    self->params = params;
    self->threads = threads;
    self->bgr = bgr;
    return 0;
}

static void Model_dealloc(ModelObject *self)
{
    bgs_model_free(self->model);
    if (self->lock)
        PyThread_free_lock(self->lock);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* The frame descriptor of a checked image array, without a copy when its
 * pixels and channels are packed (either channel direction); else *copy
 * receives a C-ordered copy that the descriptor points into. */
static int describe_frame(PyArrayObject *arr, int bgr, bgs_frame *f, PyArrayObject **copy)
{
    *copy = NULL;
    int nd = PyArray_NDIM(arr);
    int h = (int)PyArray_DIM(arr, 0), w = (int)PyArray_DIM(arr, 1);
    int c = nd == 2 ? 1 : (int)PyArray_DIM(arr, 2);
    npy_intp *st = PyArray_STRIDES(arr);
    const uint8_t *data = PyArray_DATA(arr);
    int reversed = 0;
    int packed = st[1] == c && (c == 1 || st[2] == 1 || (st[2] == -1 && (reversed = 1)));
    npy_intp row = (npy_intp)w * c;
    if (!packed || (st[0] < row && -st[0] < row)) {
        *copy = (PyArrayObject *)PyArray_NewCopy(arr, NPY_CORDER);
        if (!*copy)
            return -1;
        arr = *copy;
        st = PyArray_STRIDES(arr);
        data = PyArray_DATA(arr);
        reversed = 0;
    }
    bgs_frame_default(f);
    f->width = w;
    f->height = h;
    f->planes[0] = reversed ? data - (c - 1) : data;
    f->strides[0] = st[0];
    /* Reversed channels are the other order in memory: a[..., ::-1] of a
     * BGR array is RGB to its user and BGR in memory. */
    int mem_bgr = reversed ? !bgr : bgr;
    if (c == 1)
        f->format = BGS_PIXEL_GRAY;
    else if (c == 3)
        f->format = mem_bgr ? BGS_PIXEL_BGR24 : BGS_PIXEL_RGB24;
    else if (!reversed)
        f->format = mem_bgr ? BGS_PIXEL_BGRA : BGS_PIXEL_RGBA;
    else /* alpha first in memory */
        f->format = mem_bgr ? BGS_PIXEL_ARGB : BGS_PIXEL_ABGR;
    return 0;
}

static const char *shape_text(char *buf, size_t size, int h, int w, int c)
{
    if (c == 1)
        snprintf(buf, size, "%d x %d", h, w);
    else
        snprintf(buf, size, "%d x %d x %d", h, w, c);
    return buf;
}

/* Makes the model for the first frame (under the lock). */
static bgs_status create_model(ModelObject *self, int w, int h, int c)
{
    bgs_model *m = bgs_model_create(w, h, c, &self->params);
    if (!m)
        return BGS_ERR_PARAMETER;
    bgs_status st = bgs_model_set_threads(m, self->threads);
    if (st != BGS_OK) {
        bgs_model_free(m);
        return st;
    }
    self->model = m;
    return BGS_OK;
}

static PyObject *Model_apply(ModelObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"frame", "learning_rate", "out", NULL};
    PyObject *frame_obj, *out_obj = Py_None;
    double rate = -1.0;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|dO:apply", kwlist, &frame_obj, &rate,
                                     &out_obj))
        return NULL;
    if (isnan(rate) || rate > 1.0) {
        PyErr_Format(PyExc_ValueError,
                     "learning_rate must be -1 (the model's schedule), 0 (frozen) or up to "
                     "1, not %g", rate);
        return NULL;
    }
    PyArrayObject *arr = image_array(frame_obj, "frame", 1);
    if (!arr)
        return NULL;
    int h = (int)PyArray_DIM(arr, 0), w = (int)PyArray_DIM(arr, 1);
    int c = PyArray_NDIM(arr) == 2 ? 1 : (int)PyArray_DIM(arr, 2);
    int model_c = c == 1 ? 1 : 3;
    char a[48], b[48];
    if (self->model &&
        (bgs_model_width(self->model) != w || bgs_model_height(self->model) != h ||
         bgs_model_channels(self->model) != model_c)) {
        int mc = bgs_model_channels(self->model);
        PyErr_Format(PyExc_ValueError, "frame is %s, but the model was made for %s frames%s",
                     shape_text(a, sizeof a, h, w, c),
                     shape_text(b, sizeof b, bgs_model_height(self->model),
                                bgs_model_width(self->model), mc),
                     mc == 3 ? " (or x 4 with alpha)" : "");
        Py_DECREF(arr);
        return NULL;
    }
    PyArrayObject *mask;
    if (out_obj != Py_None) {
        if (!PyArray_Check(out_obj) || PyArray_TYPE((PyArrayObject *)out_obj) != NPY_UINT8 ||
            PyArray_NDIM((PyArrayObject *)out_obj) != 2 ||
            PyArray_DIM((PyArrayObject *)out_obj, 0) != h ||
            PyArray_DIM((PyArrayObject *)out_obj, 1) != w ||
            PyArray_STRIDE((PyArrayObject *)out_obj, 1) != 1 ||
            PyArray_STRIDE((PyArrayObject *)out_obj, 0) < w ||
            !PyArray_ISWRITEABLE((PyArrayObject *)out_obj)) {
            PyErr_Format(PyExc_ValueError,
                         "out must be a writeable uint8 array of %d x %d with its pixels "
                         "side by side (row stride >= width)", h, w);
            Py_DECREF(arr);
            return NULL;
        }
        mask = (PyArrayObject *)out_obj;
        Py_INCREF(mask);
    } else {
        npy_intp dims[2] = {h, w};
        mask = (PyArrayObject *)PyArray_SimpleNew(2, dims, NPY_UINT8);
        if (!mask) {
            Py_DECREF(arr);
            return NULL;
        }
    }
    bgs_frame f;
    PyArrayObject *copy;
    if (describe_frame(arr, self->bgr, &f, &copy) < 0) {
        Py_DECREF(arr);
        Py_DECREF(mask);
        return NULL;
    }
    uint8_t *mask_data = PyArray_DATA(mask);
    ptrdiff_t mask_stride = PyArray_STRIDE(mask, 0);
    bgs_status st = BGS_OK;
    lock_model(self);
    Py_BEGIN_ALLOW_THREADS
    if (!self->model)
        st = create_model(self, w, h, model_c);
    if (st == BGS_OK)
        st = bgs_model_apply_frame(self->model, &f, mask_data, mask_stride, (float)rate);
    Py_END_ALLOW_THREADS
    unlock_model(self);
    Py_XDECREF(copy);
    Py_DECREF(arr);
    if (st != BGS_OK) {
        Py_DECREF(mask);
        return bgspy_raise(st);
    }
    return (PyObject *)mask;
}

static int need_model(ModelObject *self)
{
    if (self->model)
        return 0;
    PyErr_SetString(PyExc_ValueError, "the model has seen no frame yet: apply() one first");
    return -1;
}

static PyObject *Model_background(ModelObject *self, PyObject *noargs)
{
    (void)noargs;
    if (need_model(self) < 0)
        return NULL;
    int w = bgs_model_width(self->model), h = bgs_model_height(self->model);
    int c = bgs_model_channels(self->model);
    npy_intp dims[3] = {h, w, c};
    PyArrayObject *out = (PyArrayObject *)PyArray_SimpleNew(c == 1 ? 2 : 3, dims, NPY_UINT8);
    if (!out)
        return NULL;
    uint8_t *data = PyArray_DATA(out);
    bgs_status st;
    lock_model(self);
    Py_BEGIN_ALLOW_THREADS
    st = bgs_model_background(self->model, data, (ptrdiff_t)w * c);
    Py_END_ALLOW_THREADS
    unlock_model(self);
    if (st != BGS_OK) {
        Py_DECREF(out);
        return bgspy_raise(st);
    }
    if (c == 3 && self->bgr)
        bgspy_swap_rb(data, w, h, (ptrdiff_t)w * 3);
    return (PyObject *)out;
}

static PyObject *Model_checkpoint(ModelObject *self, PyObject *noargs)
{
    (void)noargs;
    if (need_model(self) < 0)
        return NULL;
    lock_model(self);
    size_t size = bgs_model_checkpoint_size(self->model);
    PyObject *bytes = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)size);
    bgs_status st = BGS_OK;
    if (bytes)
        st = bgs_model_checkpoint(self->model, (uint8_t *)PyBytes_AS_STRING(bytes), size);
    unlock_model(self);
    if (st != BGS_OK) {
        Py_DECREF(bytes);
        return bgspy_raise(st);
    }
    return bytes;
}

static PyObject *Model_restore(PyObject *cls, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"data", "channel_order", "threads", NULL};
    Py_buffer buf;
    const char *order = "bgr";
    int threads = 1;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "y*|si:_restore", kwlist, &buf, &order,
                                     &threads))
        return NULL;
    int bgr = bgspy_parse_order(order);
    bgs_model *m = NULL;
    if (bgr >= 0) {
        Py_BEGIN_ALLOW_THREADS
        m = bgs_model_restore(buf.buf, (size_t)buf.len);
        Py_END_ALLOW_THREADS
        if (!m)
            bgspy_raise(BGS_ERR_INVALID_ARGUMENT);
    }
    PyBuffer_Release(&buf);
    if (!m)
        return NULL;
    bgs_status st = bgs_model_set_threads(m, threads);
    if (st != BGS_OK) {
        bgs_model_free(m);
        return bgspy_raise(st);
    }
    ModelObject *self = (ModelObject *)PyObject_CallObject(cls, NULL);
    if (!self) {
        bgs_model_free(m);
        return NULL;
    }
    self->model = m;
    bgs_model_get_params(m, &self->params);
    self->threads = threads;
    self->bgr = bgr;
    return (PyObject *)self;
}

static PyObject *Model_get_params(ModelObject *self, void *closure)
{
    (void)closure;
    if (self->model)
        bgs_model_get_params(self->model, &self->params);
    return params_dict(&self->params);
}

static int Model_set_params(ModelObject *self, PyObject *value, void *closure)
{
    (void)closure;
    if (!value || !PyDict_Check(value)) {
        PyErr_SetString(PyExc_TypeError, "params takes a dict of parameter: value");
        return -1;
    }
    bgs_params params = self->params;
    if (set_params_from(&params, value, NULL) < 0)
        return -1;
    if (self->model) {
        lock_model(self);
        bgs_status st = bgs_model_set_params(self->model, &params);
        unlock_model(self);
        if (st != BGS_OK) {
            bgspy_raise(st);
            return -1;
        }
    }
    self->params = params;
    return 0;
}

static PyObject *Model_get_threads(ModelObject *self, void *closure)
{
    (void)closure;
    return PyLong_FromLong(self->model ? bgs_model_threads(self->model) : self->threads);
}

static int Model_set_threads(ModelObject *self, PyObject *value, void *closure)
{
    (void)closure;
    long threads = value ? PyLong_AsLong(value) : -1;
    if (threads == -1 && (!value || PyErr_Occurred())) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_TypeError, "threads cannot be deleted");
        return -1;
    }
    if (threads < 0 || threads > 256) {
        PyErr_SetString(PyExc_ValueError, "threads must be between 0 (one per core) and 256");
        return -1;
    }
    if (self->model) {
        lock_model(self);
        bgs_status st = bgs_model_set_threads(self->model, (int)threads);
        unlock_model(self);
        if (st != BGS_OK) {
            bgspy_raise(st);
            return -1;
        }
    }
    self->threads = (int)threads;
    return 0;
}

static PyObject *Model_get_order(ModelObject *self, void *closure)
{
    (void)closure;
    return PyUnicode_FromString(self->bgr ? "bgr" : "rgb");
}

/* Counters and shape: 0 / None before the first frame. */
enum { G_FRAMES, G_LEARNING, G_RELEARNING, G_RELEARNS, G_SHAPE, G_KERNEL, G_BYTES };

static PyObject *Model_get(ModelObject *self, void *closure)
{
    int what = (int)(intptr_t)closure;
    bgs_model *m = self->model;
    switch (what) {
    case G_FRAMES: return PyLong_FromLong(m ? bgs_model_frame_count(m) : 0);
    case G_LEARNING:
        return PyBool_FromLong(m ? bgs_model_is_learning(m) : self->params.learning_frames > 0);
    case G_RELEARNING: return PyBool_FromLong(m ? bgs_model_is_relearning(m) : 0);
    case G_RELEARNS: return PyLong_FromLong(m ? bgs_model_relearn_count(m) : 0);
    case G_SHAPE:
        if (!m)
            Py_RETURN_NONE;
        if (bgs_model_channels(m) == 1)
            return Py_BuildValue("(ii)", bgs_model_height(m), bgs_model_width(m));
        return Py_BuildValue("(iii)", bgs_model_height(m), bgs_model_width(m), 3);
    case G_KERNEL:
        if (!m)
            Py_RETURN_NONE;
        return PyUnicode_FromString(bgs_model_kernel_name(m));
    default:
        return PyLong_FromSize_t(m ? bgs_model_bytes_per_pixel(m) : 0);
    }
}

static PyObject *Model_set_roi(ModelObject *self, PyObject *arg)
{
    if (need_model(self) < 0)
        return NULL;
    bgs_status st;
    if (arg == Py_None) {
        lock_model(self);
        st = bgs_model_set_roi(self->model, NULL, 0);
        unlock_model(self);
    } else {
        PyArrayObject *arr = image_array(arg, "roi", 0);
        if (!arr)
            return NULL;
        if (PyArray_DIM(arr, 0) != bgs_model_height(self->model) ||
            PyArray_DIM(arr, 1) != bgs_model_width(self->model)) {
            PyErr_Format(PyExc_ValueError, "roi must be %d x %d, the model's frame size",
                         bgs_model_height(self->model), bgs_model_width(self->model));
            Py_DECREF(arr);
            return NULL;
        }
        PyArrayObject *rows = gray_rows(arr);
        Py_DECREF(arr);
        if (!rows)
            return NULL;
        lock_model(self);
        st = bgs_model_set_roi(self->model, PyArray_DATA(rows), PyArray_STRIDE(rows, 0));
        unlock_model(self);
        Py_DECREF(rows);
    }
    if (st != BGS_OK)
        return bgspy_raise(st);
    Py_RETURN_NONE;
}

static PyMethodDef Model_methods[] = {
    {"apply", (PyCFunction)(void (*)(void))Model_apply, METH_VARARGS | METH_KEYWORDS,
     "apply(frame, learning_rate=-1, out=None) -> mask\n\n"
     "Classify one frame and learn from it; returns the mask, a uint8 array\n"
     "H x W: 255 foreground, 0 background (shadow_value for shadows).\n"
     "frame: uint8 H x W (gray) or H x W x 3 (colour in the model's\n"
     "channel_order, BGR by default as cv2 gives it; H x W x 4 with alpha,\n"
     "ignored). Any row stride, also negative (a[::-1]), and reversed\n"
     "channels (a[..., ::-1]) are read in place; other views are copied.\n"
     "The first frame fixes the model's size and channels.\n"
     "learning_rate: -1 the model's own schedule (max(alpha, 1/n)), 0 leaves\n"
     "the model unchanged (classify only), else this frame's rate (<= 1).\n"
     "out: a uint8 H x W array to write the mask into (returned).\n"
     "The GIL is released while the model runs."},
    {"background", (PyCFunction)Model_background, METH_NOARGS,
     "background() -> array\n\nThe background image (weighted mean of the background "
     "components), H x W or H x W x 3 in the model's channel_order."},
    {"_checkpoint", (PyCFunction)Model_checkpoint, METH_NOARGS,
     "The model as checkpoint bytes (use save())."},
    {"_restore", (PyCFunction)(void (*)(void))Model_restore,
     METH_VARARGS | METH_KEYWORDS | METH_CLASS,
     "A model from checkpoint bytes (use load())."},
    {"set_roi", (PyCFunction)Model_set_roi, METH_O,
     "set_roi(roi)\n\nRegion of interest: a uint8 H x W array, 0 = outside (always "
     "background, not learnt); None = the whole frame. After the first frame."},
    {NULL, NULL, 0, NULL}};

static PyGetSetDef Model_getset[] = {
    {"params", (getter)Model_get_params, (setter)Model_set_params,
     "The parameters as a dict {name: value}; assigning a dict changes those given "
     "(components only before the first frame).", NULL},
    {"threads", (getter)Model_get_threads, (setter)Model_set_threads,
     "Worker threads (0 = one per core); masks do not depend on it.", NULL},
    {"channel_order", (getter)Model_get_order, NULL, "\"bgr\" or \"rgb\".", NULL},
    {"frame_count", (getter)Model_get, NULL, "Frames applied so far.", (void *)G_FRAMES},
    {"learning", (getter)Model_get, NULL,
     "True while the next frame is in the learning phase (blank masks).",
     (void *)G_LEARNING},
    {"relearning", (getter)Model_get, NULL,
     "True when the last frame was a sudden global change or in the blank frames "
     "after one.", (void *)G_RELEARNING},
    {"relearn_count", (getter)Model_get, NULL, "Global changes re-learnt from so far.",
     (void *)G_RELEARNS},
    {"shape", (getter)Model_get, NULL,
     "The frame shape (H, W) or (H, W, 3) of the model; None before the first frame.",
     (void *)G_SHAPE},
    {"kernel", (getter)Model_get, NULL, "The per-row kernel in use (scalar, avx2, avx512).",
     (void *)G_KERNEL},
    {"bytes_per_pixel", (getter)Model_get, NULL, "Bytes of model state per pixel.",
     (void *)G_BYTES},
    {NULL, NULL, NULL, NULL, NULL}};

static PyTypeObject ModelType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "bgsub._bgsub.Model",
    .tp_basicsize = sizeof(ModelObject),
    .tp_dealloc = (destructor)Model_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_doc = "The C model (see bgsub.Model).",
    .tp_methods = Model_methods,
    .tp_getset = Model_getset,
    .tp_init = (initproc)Model_init,
    .tp_new = Model_new,
};

/* ------------------------------------------------------------------------ */
/* Segmentation                                                             */
/* ------------------------------------------------------------------------ */

static int hist_of(PyObject *obj, bgs_hist *hist, PyArrayObject **rows_out)
{
    PyArrayObject *arr = image_array(obj, "gray", 0);
    if (!arr)
        return -1;
    PyArrayObject *rows = gray_rows(arr);
    Py_DECREF(arr);
    if (!rows)
        return -1;
    bgs_status st;
    Py_BEGIN_ALLOW_THREADS
    st = bgs_hist_build(hist, (int)PyArray_DIM(rows, 1), (int)PyArray_DIM(rows, 0),
                        PyArray_DATA(rows), PyArray_STRIDE(rows, 0));
    Py_END_ALLOW_THREADS
    if (st != BGS_OK) {
        Py_DECREF(rows);
        bgspy_raise(st);
        return -1;
    }
    *rows_out = rows;
    return 0;
}

static PyObject *double_list(const double *v, int n)
{
    PyObject *l = PyList_New(n);
    for (int i = 0; l && i < n; i++) {
        PyObject *x = PyFloat_FromDouble(v[i]);
        if (!x) {
            Py_DECREF(l);
            return NULL;
        }
        PyList_SET_ITEM(l, i, x);
    }
    return l;
}

static int put(PyObject *d, const char *key, PyObject *value)
{
    if (!value)
        return -1;
    int r = PyDict_SetItemString(d, key, value);
    Py_DECREF(value);
    return r;
}

/* One K's numbers, as `bgsub segment --json` gives them in "per_k". */
static PyObject *per_k_dict(const bgs_hist_fit_result *r)
{
    return Py_BuildValue("{s:i,s:d,s:d,s:d,s:d}", "k", r->k, "log_likelihood",
                         r->log_likelihood, "bic", r->bic, "icl", r->icl, "entropy",
                         r->entropy);
}

/* per_k: kmax fits (K = 1..kmax), or NULL without k="auto". */
static PyObject *fit_dict(const bgs_hist_fit_result *r, const double *loglik,
                          bgs_hist_criterion criterion,
                          const bgs_hist_fit_result *per_k, int kmax)
{
    PyObject *d = PyDict_New();
    if (!d)
        return NULL;
    int labels[BGS_HIST_MAX_THRESHOLDS + 1];
    PyObject *regions = PyList_New(r->n_thresholds + 1);
    for (int i = 0; regions && i <= r->n_thresholds; i++) {
        labels[i] = r->region_labels[i];
        PyList_SET_ITEM(regions, i, PyLong_FromLong(labels[i]));
    }
    if (put(d, "k", PyLong_FromLong(r->k)) < 0 ||
        put(d, "weights", double_list(r->weights, r->k)) < 0 ||
        put(d, "means", double_list(r->means, r->k)) < 0 ||
        put(d, "sigmas", double_list(r->sigmas, r->k)) < 0 ||
        put(d, "thresholds", double_list(r->thresholds, r->n_thresholds)) < 0 ||
        put(d, "region_labels", regions) < 0 ||
        put(d, "pixels", PyLong_FromUnsignedLongLong(r->pixels)) < 0 ||
        put(d, "log_likelihood", PyFloat_FromDouble(r->log_likelihood)) < 0 ||
        put(d, "bic", PyFloat_FromDouble(r->bic)) < 0 ||
        put(d, "entropy", PyFloat_FromDouble(r->entropy)) < 0 ||
        put(d, "icl", PyFloat_FromDouble(r->icl)) < 0 ||
        put(d, "iterations", PyLong_FromLong(r->iterations)) < 0 ||
        put(d, "converged", PyBool_FromLong(r->converged)) < 0 ||
        put(d, "restart", PyLong_FromLong(r->restart)) < 0 ||
        put(d, "loglik", double_list(loglik, r->n_loglik)) < 0) {
        Py_DECREF(d);
        return NULL;
    }
    if (per_k) {
        PyObject *l = PyList_New(kmax);
        for (int i = 0; l && i < kmax; i++) {
            PyObject *x = per_k_dict(&per_k[i]);
            if (!x) {
                Py_CLEAR(l);
                break;
            }
            PyList_SET_ITEM(l, i, x);
        }
        if (put(d, "criterion",
                PyUnicode_FromString(criterion == BGS_HIST_BIC ? "bic" : "icl")) < 0 ||
            put(d, "per_k", l) < 0) {
            Py_DECREF(d);
            return NULL;
        }
    }
    return d;
}

/* "icl" or "bic" (None: the default); -1 with ValueError otherwise. */
static int parse_criterion(PyObject *obj, bgs_hist_criterion *out)
{
    if (!obj || obj == Py_None)
        return 0;
    const char *text = PyUnicode_Check(obj) ? PyUnicode_AsUTF8(obj) : NULL;
    if (text && strcmp(text, "icl") == 0) {
        *out = BGS_HIST_ICL;
        return 0;
    }
    if (text && strcmp(text, "bic") == 0) {
        *out = BGS_HIST_BIC;
        return 0;
    }
    PyErr_Clear();
    PyErr_SetString(PyExc_ValueError, "criterion must be \"icl\" or \"bic\"");
    return -1;
}

static PyObject *segment(PyObject *module, PyObject *args, PyObject *kwds)
{
    (void)module;
    static char *kwlist[] = {"gray", "k", "kmax", "max_iter", "tol", "var_floor",
                             "restarts", "seed", "raw_labels", "criterion", NULL};
    PyObject *gray, *k_obj = NULL, *criterion = NULL;
    bgs_hist_fit_params p;
    bgs_hist_fit_params_default(&p);
    int kmax = 4, raw_labels = 0;
    unsigned long long seed = p.seed;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|OiiddiKpO:segment", kwlist, &gray, &k_obj,
                                     &kmax, &p.max_iter, &p.tol, &p.var_floor, &p.restarts,
                                     &seed, &raw_labels, &criterion))
        return NULL;
    p.seed = seed;
    if (parse_criterion(criterion, &p.criterion) < 0)
        return NULL;
    int k_auto = 0;
    if (k_obj && PyUnicode_Check(k_obj)) {
        if (strcmp(PyUnicode_AsUTF8(k_obj), "auto") != 0) {
            PyErr_SetString(PyExc_ValueError, "k must be a number of components or \"auto\"");
            return NULL;
        }
        k_auto = 1;
    } else if (k_obj) {
        long k = PyLong_AsLong(k_obj);
        if (k == -1 && PyErr_Occurred())
            return NULL;
        p.k = k < 0 || k > 1000 ? 0 : (int)k;
    }
    bgs_hist hist;
    PyArrayObject *rows;
    if (hist_of(gray, &hist, &rows) < 0)
        return NULL;
    bgs_hist_fit_result r, per_k[BGS_HIST_MAX_K];
    double loglik[BGS_HIST_MAX_ITER + 1];
    uint8_t lut[BGS_HIST_BINS];
    bgs_status st;
    Py_BEGIN_ALLOW_THREADS
    st = k_auto ? bgs_hist_fit_auto_ex(&hist, &p, kmax, &r, sizeof r, NULL, loglik,
                                       BGS_HIST_MAX_ITER + 1)
                : bgs_hist_fit_ex(&hist, &p, &r, sizeof r, loglik, BGS_HIST_MAX_ITER + 1);
    /* k="auto": every K's numbers, each K fitted as bgs_hist_fit_auto does. */
    for (int k = 1; st == BGS_OK && k_auto && k <= kmax; k++) {
        bgs_hist_fit_params pk = p;
        pk.k = k;
        st = bgs_hist_fit(&hist, &pk, &per_k[k - 1]);
    }
    if (st == BGS_OK)
        st = bgs_hist_lut(&r, lut);
    Py_END_ALLOW_THREADS
    if (st != BGS_OK) {
        Py_DECREF(rows);
        return bgspy_raise(st);
    }
    /* As `bgsub segment`: labels 0..k-1 (darkest first) scaled to 0..255,
     * or raw. */
    if (!raw_labels && r.k > 1)
        for (int v = 0; v < BGS_HIST_BINS; v++)
            lut[v] = (uint8_t)((lut[v] * 255 + (r.k - 1) / 2) / (r.k - 1));
    int w = (int)PyArray_DIM(rows, 1), h = (int)PyArray_DIM(rows, 0);
    npy_intp dims[2] = {h, w};
    PyArrayObject *mask = (PyArrayObject *)PyArray_SimpleNew(2, dims, NPY_UINT8);
    if (!mask) {
        Py_DECREF(rows);
        return NULL;
    }
    Py_BEGIN_ALLOW_THREADS
    st = bgs_hist_label(lut, w, h, PyArray_DATA(rows), PyArray_STRIDE(rows, 0),
                        PyArray_DATA(mask), w);
    Py_END_ALLOW_THREADS
    Py_DECREF(rows);
    if (st != BGS_OK) {
        Py_DECREF(mask);
        return bgspy_raise(st);
    }
    PyObject *fit = fit_dict(&r, loglik, p.criterion, k_auto ? per_k : NULL, kmax);
    if (!fit) {
        Py_DECREF(mask);
        return NULL;
    }
    return Py_BuildValue("(NN)", mask, fit);
}

/* ------------------------------------------------------------------------ */
/* Local segmentation                                                       */
/* ------------------------------------------------------------------------ */

static const char *tile_source_name(bgs_hist_tile_source s)
{
    return s == BGS_TILE_FITTED ? "fitted" : s == BGS_TILE_BORROWED ? "borrowed" : "global";
}

/* A tile as `bgsub segment --local --json` gives it (NaN for "null"). */
static PyObject *tile_dict(const bgs_hist_tile *t, int col, int row)
{
    return Py_BuildValue(
        "{s:i,s:i,s:i,s:i,s:i,s:i,s:(iiii),s:s,s:d,s:d,s:[dd],s:[dd],s:[dd],s:d,s:d,s:d,"
        "s:i,s:N,s:i,s:i}",
        "col", col, "row", row, "x", t->x, "y", t->y, "width", t->width, "height",
        t->height, "window", t->window_x, t->window_y, t->window_width, t->window_height,
        "source", tile_source_name(t->source), "threshold", t->threshold, "level", t->level,
        "weights", t->weights[0], t->weights[1], "means", t->means[0], t->means[1],
        "sigmas", t->sigmas[0], t->sigmas[1], "own_threshold", t->own_threshold,
        "separation", t->separation, "icl_gain", t->icl_gain, "iterations", t->iterations,
        "converged", PyBool_FromLong(t->converged), "distance", t->distance, "donors",
        t->donors);
}

static PyObject *local_dict(const bgs_hist_local *loc, PyObject *map)
{
    int cols, rows, n[3] = {0, 0, 0};
    const bgs_hist_tile *tiles = bgs_hist_local_tiles(loc, &cols, &rows);
    PyObject *list = PyList_New((Py_ssize_t)cols * rows);
    for (int j = 0; list && j < rows; j++)
        for (int i = 0; i < cols; i++) {
            const bgs_hist_tile *t = &tiles[j * cols + i];
            PyObject *x = tile_dict(t, i, j);
            if (!x) {
                Py_CLEAR(list);
                break;
            }
            PyList_SET_ITEM(list, (Py_ssize_t)j * cols + i, x);
            if ((unsigned)t->source < 3)
                n[t->source]++;
        }
    if (!list)
        return NULL;
    return Py_BuildValue("{s:i,s:i,s:i,s:i,s:i,s:N,s:O}", "cols", cols, "rows", rows,
                         "tiles_fitted", n[BGS_TILE_FITTED], "tiles_borrowed",
                         n[BGS_TILE_BORROWED], "tiles_global", n[BGS_TILE_GLOBAL], "tiles",
                         list, "threshold_map", map);
}

static PyObject *segment_local(PyObject *module, PyObject *args, PyObject *kwds)
{
    (void)module;
    static char *kwlist[] = {"gray", "cols", "rows", "tile_size", "overlap",
                             "min_separation", "min_weight", "min_contrast", "extrapolate",
                             "restarts", "max_iter", "tol", "var_floor", "seed",
                             "raw_labels", NULL};
    PyObject *gray;
    bgs_hist_local_params p;
    bgs_hist_local_params_default(&p);
    unsigned long long seed = p.fit.seed;
    int raw_labels = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|iiiddddpiiddKp:segment_local", kwlist,
                                     &gray, &p.cols, &p.rows, &p.tile_size, &p.overlap,
                                     &p.min_separation, &p.min_weight, &p.min_contrast,
                                     &p.extrapolate, &p.fit.restarts, &p.fit.max_iter,
                                     &p.fit.tol, &p.fit.var_floor, &seed, &raw_labels))
        return NULL;
    p.fit.seed = seed;
    if (p.tile_size > 0)
        p.cols = p.rows = 0; /* a tile size replaces the grid */
    if (bgs_hist_local_params_check(&p) != BGS_OK)
        return bgspy_raise(BGS_ERR_PARAMETER);
    PyArrayObject *arr = image_array(gray, "gray", 0);
    if (!arr)
        return NULL;
    PyArrayObject *rows = gray_rows(arr);
    Py_DECREF(arr);
    if (!rows)
        return NULL;
    int w = (int)PyArray_DIM(rows, 1), h = (int)PyArray_DIM(rows, 0);
    npy_intp dims[2] = {h, w};
    PyArrayObject *mask = (PyArrayObject *)PyArray_SimpleNew(2, dims, NPY_UINT8);
    PyArrayObject *map = (PyArrayObject *)PyArray_SimpleNew(2, dims, NPY_FLOAT32);
    bgs_hist_local *loc = NULL;
    bgs_status st = BGS_ERR_NO_MEMORY;
    if (mask && map) {
        Py_BEGIN_ALLOW_THREADS
        loc = bgs_hist_local_create(w, h, &p);
        st = !loc ? (strstr(bgs_last_error(), "out of memory") ? BGS_ERR_NO_MEMORY
                                                                : BGS_ERR_INVALID_ARGUMENT)
                  : bgs_hist_local_fit(loc, PyArray_DATA(rows), PyArray_STRIDE(rows, 0));
        if (st == BGS_OK)
            st = bgs_hist_local_mask(loc, PyArray_DATA(rows), PyArray_STRIDE(rows, 0),
                                     PyArray_DATA(mask), w);
        if (st == BGS_OK)
            st = bgs_hist_local_threshold_map(loc, PyArray_DATA(map),
                                              (ptrdiff_t)w * (ptrdiff_t)sizeof(float));
        if (st == BGS_OK && raw_labels)
            for (size_t i = 0; i < (size_t)w * h; i++)
                ((uint8_t *)PyArray_DATA(mask))[i] = ((uint8_t *)PyArray_DATA(mask))[i] != 0;
        Py_END_ALLOW_THREADS
    }
    Py_DECREF(rows);
    PyObject *fit = NULL;
    if (st == BGS_OK)
        fit = local_dict(loc, (PyObject *)map);
    else if (mask && map)
        bgspy_raise(st);
    bgs_hist_local_free(loc);
    Py_XDECREF(map);
    if (!fit) {
        Py_XDECREF(mask);
        return NULL;
    }
    return Py_BuildValue("(NN)", mask, fit);
}

static PyObject *otsu(PyObject *module, PyObject *gray)
{
    (void)module;
    bgs_hist hist;
    PyArrayObject *rows;
    if (hist_of(gray, &hist, &rows) < 0)
        return NULL;
    Py_DECREF(rows);
    int t;
    bgs_status st = bgs_hist_otsu(&hist, &t);
    if (st != BGS_OK)
        return bgspy_raise(st);
    return PyLong_FromLong(t);
}

/* The parameter table: name -> (default, min, max, is_integer, description). */
static PyObject *param_table(void)
{
    PyObject *d = PyDict_New();
    for (int k = 0; d && k < BGS_PARAM_COUNT; k++) {
        const bgs_param_info *info = bgs_param_get_info((bgs_param)k);
        char name[64];
        param_keyword((bgs_param)k, name, sizeof name);
        PyObject *v = info->is_integer
                          ? Py_BuildValue("(lllOs)", (long)info->default_value,
                                          (long)info->min_value, (long)info->max_value,
                                          Py_True, info->description)
                          : Py_BuildValue("(dddOs)", info->default_value, info->min_value,
                                          info->max_value, Py_False, info->description);
        if (put(d, name, v) < 0) {
            Py_DECREF(d);
            return NULL;
        }
    }
    return d;
}

static PyMethodDef module_methods[] = {
    {"segment", (PyCFunction)(void (*)(void))segment, METH_VARARGS | METH_KEYWORDS,
     "segment(gray, k=2, kmax=4, max_iter=500, tol=1e-9, var_floor=1.0, restarts=5, "
     "seed=1, raw_labels=False, criterion=\"icl\") -> (mask, fit)"},
    {"segment_local", (PyCFunction)(void (*)(void))segment_local, METH_VARARGS | METH_KEYWORDS,
     "segment_local(gray, cols=8, rows=8, tile_size=0, overlap=0.25, min_separation=3, "
     "min_weight=0.02, min_contrast=0.25, extrapolate=True, restarts=1, max_iter=200, "
     "tol=1e-7, var_floor=1, seed=1, raw_labels=False) -> (mask, fit)"},
    {"otsu", (PyCFunction)otsu, METH_O, "otsu(gray) -> threshold"},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, .m_name = "bgsub._bgsub",
    .m_doc = "C extension of bgsub (use the bgsub package).", .m_size = -1,
    .m_methods = module_methods,
};

PyMODINIT_FUNC PyInit__bgsub(void)
{
    import_array();
    if (PyType_Ready(&ModelType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module_def);
    if (!m)
        return NULL;
    Py_INCREF(&ModelType);
    if (PyModule_AddObject(m, "Model", (PyObject *)&ModelType) < 0 ||
        PyModule_AddStringConstant(m, "version", bgs_version()) < 0 ||
        PyModule_AddIntConstant(m, "VERSION_NUMBER", (long)bgs_version_number()) < 0 ||
        PyModule_AddIntConstant(m, "HEADER_VERSION_NUMBER", BGS_VERSION_NUMBER) < 0 ||
        PyModule_AddObject(m, "PARAMETERS", param_table()) < 0 ||
        bgspy_add_io(m) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
