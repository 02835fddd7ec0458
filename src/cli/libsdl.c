/*
 * libsdl.c - SDL2 loaded on first use (see libsdl.h).
 */
#define LIBSDL_LOADER
#include "cli/libsdl.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

struct libsdl_functions libsdl;

/* The soname of SDL 2 on every Linux distribution (SDL 2.0.x to 2.30.x keep
 * it). */
static const char LIBRARY[] = "libSDL2-2.0.so.0";

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char failure[512] = "not loaded"; /* empty once loaded */

static void load(void)
{
    /* Never closed: SDL keeps threads and handlers of its own. */
    void *handle = dlopen(LIBRARY, RTLD_LAZY | RTLD_LOCAL);
    if (!handle) {
        snprintf(failure, sizeof failure, "%s", dlerror());
        return;
    }
#define LIBSDL_LOAD(name)                                                    \
    if (!(*(void **)&libsdl.name = dlsym(handle, #name))) {                  \
        snprintf(failure, sizeof failure, "no %s in %s", #name, LIBRARY);    \
        return;                                                              \
    }
    LIBSDL_FUNCTIONS(LIBSDL_LOAD)
#undef LIBSDL_LOAD
    failure[0] = '\0';
}

int libsdl_load(char *why, size_t whylen)
{
    pthread_once(&once, load);
    if (!failure[0])
        return 0;
    snprintf(why, whylen, "%s", failure);
    return -1;
}
