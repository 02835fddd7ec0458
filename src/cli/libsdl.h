/*
 * libsdl.h - SDL2, loaded when the preview first opens a window, not when
 * the program starts. Linked in, SDL2 and the fifty-odd libraries it pulls
 * in (X11, Wayland, PulseAudio, D-Bus, ...) cost every start of bgsub about
 * 6 ms of CPU, and made every symbol look-up of FFmpeg's libraries, loaded
 * for a video, search them first (another 8 ms a video); and a machine
 * without SDL2's libraries could not run bgsub at all, not even on files.
 *
 * The same scheme as io/libav.h: preview.c includes this header instead of
 * SDL.h, calls libsdl_load before its first SDL call, and calls SDL's
 * functions by their own names, each name standing for a pointer filled
 * from the loaded library. A function missing from LIBSDL_FUNCTIONS is a
 * link error (the program no longer links SDL2), never a silent one.
 */
#ifndef BGSUB_LIBSDL_H
#define BGSUB_LIBSDL_H

#include <stddef.h>

#include <SDL.h>

/* Loads SDL2 (once, from any thread): 0, or -1 with the loader's reason in
 * why ("libSDL2-2.0.so.0: cannot open shared object file: ..."). */
int libsdl_load(char *why, size_t whylen);

#define LIBSDL_FUNCTIONS(X) \
    X(SDL_CreateRenderer) X(SDL_CreateTexture) X(SDL_CreateWindow) \
    X(SDL_DestroyRenderer) X(SDL_DestroyTexture) X(SDL_DestroyWindow) \
    X(SDL_GetCurrentVideoDriver) X(SDL_GetDisplayUsableBounds) \
    X(SDL_GetError) X(SDL_GetRendererOutputSize) \
    X(SDL_GetWindowDisplayIndex) X(SDL_GetWindowSize) X(SDL_Init) \
    X(SDL_PollEvent) X(SDL_Quit) X(SDL_RenderClear) X(SDL_RenderCopy) \
    X(SDL_RenderPresent) X(SDL_RenderReadPixels) X(SDL_SetHint) \
    X(SDL_SetWindowMinimumSize) X(SDL_SetWindowPosition) \
    X(SDL_SetWindowSize) X(SDL_ShowWindow) X(SDL_StartTextInput) \
    X(SDL_UpdateTexture) X(SDL_WaitEventTimeout)

#define LIBSDL_POINTER(name) __typeof__(name) *name;
struct libsdl_functions {
    LIBSDL_FUNCTIONS(LIBSDL_POINTER)
};
#undef LIBSDL_POINTER
extern struct libsdl_functions libsdl;

/* Every SDL name stands for its pointer (but in libsdl.c, which fills
 * them). */
#ifndef LIBSDL_LOADER
#define SDL_CreateRenderer (libsdl.SDL_CreateRenderer)
#define SDL_CreateTexture (libsdl.SDL_CreateTexture)
#define SDL_CreateWindow (libsdl.SDL_CreateWindow)
#define SDL_DestroyRenderer (libsdl.SDL_DestroyRenderer)
#define SDL_DestroyTexture (libsdl.SDL_DestroyTexture)
#define SDL_DestroyWindow (libsdl.SDL_DestroyWindow)
#define SDL_GetCurrentVideoDriver (libsdl.SDL_GetCurrentVideoDriver)
#define SDL_GetDisplayUsableBounds (libsdl.SDL_GetDisplayUsableBounds)
#define SDL_GetError (libsdl.SDL_GetError)
#define SDL_GetRendererOutputSize (libsdl.SDL_GetRendererOutputSize)
#define SDL_GetWindowDisplayIndex (libsdl.SDL_GetWindowDisplayIndex)
#define SDL_GetWindowSize (libsdl.SDL_GetWindowSize)
#define SDL_Init (libsdl.SDL_Init)
#define SDL_PollEvent (libsdl.SDL_PollEvent)
#define SDL_Quit (libsdl.SDL_Quit)
#define SDL_RenderClear (libsdl.SDL_RenderClear)
#define SDL_RenderCopy (libsdl.SDL_RenderCopy)
#define SDL_RenderPresent (libsdl.SDL_RenderPresent)
#define SDL_RenderReadPixels (libsdl.SDL_RenderReadPixels)
#define SDL_SetHint (libsdl.SDL_SetHint)
#define SDL_SetWindowMinimumSize (libsdl.SDL_SetWindowMinimumSize)
#define SDL_SetWindowPosition (libsdl.SDL_SetWindowPosition)
#define SDL_SetWindowSize (libsdl.SDL_SetWindowSize)
#define SDL_ShowWindow (libsdl.SDL_ShowWindow)
#define SDL_StartTextInput (libsdl.SDL_StartTextInput)
#define SDL_UpdateTexture (libsdl.SDL_UpdateTexture)
#define SDL_WaitEventTimeout (libsdl.SDL_WaitEventTimeout)
#endif

#endif
