/*
 * libav.c - FFmpeg's libraries loaded on first use (see libav.h).
 */
#define LIBAV_LOADER
#include "io/libav.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

#include <libavcodec/version.h>
#include <libavdevice/version.h>
#include <libavformat/version.h>
#include <libavutil/version.h>
#include <libswscale/version.h>

struct libav_functions libav;

/* The libraries the headers were built against, each needing the ones
 * before it. */
static const char *const LIBRARIES[] = {
    "libavutil.so." AV_STRINGIFY(LIBAVUTIL_VERSION_MAJOR),
    "libswscale.so." AV_STRINGIFY(LIBSWSCALE_VERSION_MAJOR),
    "libavcodec.so." AV_STRINGIFY(LIBAVCODEC_VERSION_MAJOR),
    "libavformat.so." AV_STRINGIFY(LIBAVFORMAT_VERSION_MAJOR),
};

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char failure[512] = "not loaded"; /* empty once loaded */

static void load(void)
{
    for (size_t i = 0; i < sizeof LIBRARIES / sizeof LIBRARIES[0]; i++) {
        /* Global, so that libavdevice, loaded later for a camera, finds
         * them; never closed. Lazy: binding every function of the ~90
         * libraries libavcodec pulls in at once was a sixth of each video
         * start's CPU; the functions used are looked up below all the same,
         * so a missing one still fails here. */
        if (!dlopen(LIBRARIES[i], RTLD_LAZY | RTLD_GLOBAL)) {
            snprintf(failure, sizeof failure, "%s", dlerror());
            return;
        }
    }
#define LIBAV_LOAD(name)                                                     \
    if (!(*(void **)&libav.name = dlsym(RTLD_DEFAULT, #name))) {             \
        snprintf(failure, sizeof failure, "no %s in FFmpeg's libraries", #name); \
        return;                                                              \
    }
    LIBAV_FUNCTIONS(LIBAV_LOAD)
#undef LIBAV_LOAD
    failure[0] = '\0';
}

int libav_load(char *why, size_t whylen)
{
    pthread_once(&once, load);
    if (!failure[0])
        return 0;
    snprintf(why, whylen, "%s", failure);
    return -1;
}

/* libavdevice is loaded only for a camera: linked in, it and the 80-odd
 * libraries it pulls in (X11, SDL, PulseAudio, ...) made every start of
 * bgsub some 0.05-0.08 s of CPU slower. Its devices become visible to
 * libavformat once registered, so the library stays loaded. */
int libav_register_devices(void)
{
    static const char library[] =
        "libavdevice.so." AV_STRINGIFY(LIBAVDEVICE_VERSION_MAJOR);
    void *handle = dlopen(library, RTLD_NOW | RTLD_LOCAL);
    if (!handle)
        return -1;
    void (*register_all)(void);
    *(void **)&register_all = dlsym(handle, "avdevice_register_all");
    if (!register_all)
        return -1;
    register_all();
    return 0;
}
