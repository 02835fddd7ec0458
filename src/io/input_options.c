/*
 * input_options.c - what the user tells libavformat about an input:
 * --input-format NAME (a demuxer or device: mpegts, rawvideo, v4l2) and
 * --input-option KEY=VALUE (rtsp_transport=tcp, timeout, video_size,
 * input_format ...), checked before any work and handed to
 * avformat_open_input as a dictionary (see frame_source.h).
 */
#include "io/input_options.h"

#include "io/io_util.h"

#include <stdlib.h>
#include <string.h>

/* The format named name, registering the devices (cameras) if needed. */
static const AVInputFormat *find_format(const char *name)
{
    const AVInputFormat *format = av_find_input_format(name);
    if (!format && libav_register_devices() == 0)
        format = av_find_input_format(name);
    return format;
}

/* key = the KEY of "KEY=VALUE" (NUL-terminated, at most size - 1 bytes);
 * the VALUE, or NULL if option has no '=' or no KEY. */
static const char *split_option(const char *option, char *key, size_t size)
{
    const char *eq = strchr(option, '=');
    if (!eq || eq == option || (size_t)(eq - option) >= size)
        return NULL;
    memcpy(key, option, (size_t)(eq - option));
    key[eq - option] = '\0';
    return eq + 1;
}

/* Whether some input, protocol or device of libavformat (or libavformat
 * itself) has the option key; devices (V4L2's input_format) are asked
 * once registered. */
static int known_option(const AVClass *lavf, const char *key)
{
    int flags = AV_OPT_SEARCH_CHILDREN | AV_OPT_SEARCH_FAKE_OBJ;
    if (av_opt_find(&lavf, key, NULL, 0, flags))
        return 1;
    return libav_register_devices() == 0 && av_opt_find(&lavf, key, NULL, 0, flags);
}

int frame_source_check_options(const frame_source_options *o, char *err,
                               size_t errlen)
{
    if (!o || (!o->format && o->option_count == 0))
        return 0;
    char why[512];
    if (libav_load(why, sizeof why) < 0)
        return io_fail(err, errlen, "--input-option", "cannot load FFmpeg: %s", why);
    if (o->format && !find_format(o->format))
        return io_fail(err, errlen, "--input-format",
                       "FFmpeg has no input format '%s' (ffmpeg -formats lists them)",
                       o->format);
    const AVClass *lavf = avformat_get_class();
    for (int i = 0; i < o->option_count; i++) {
        char key[128];
        if (!split_option(o->options[i], key, sizeof key))
            return io_fail(err, errlen, "--input-option",
                           "needs KEY=VALUE (rtsp_transport=tcp), not '%s'", o->options[i]);
        if (!known_option(lavf, key))
            return io_fail(err, errlen, "--input-option",
                           "'%s': no input, protocol or device of FFmpeg has an "
                           "option '%s'", o->options[i], key);
    }
    return 0;
}

int input_options_apply(frame_source *src, AVDictionary **dict,
                        const AVInputFormat **format, char *err, size_t errlen)
{
    const frame_source_options *o = src->options;
    *dict = NULL;
    if (!o)
        return 0;
    if (o->format) {
        const AVInputFormat *named = find_format(o->format);
        if (!named)
            return io_fail(err, errlen, src->input, "FFmpeg has no input format '%s'",
                           o->format);
        *format = named;
    }
    for (int i = 0; i < o->option_count; i++) {
        char key[128];
        const char *value = split_option(o->options[i], key, sizeof key);
        if (!value || av_dict_set(dict, key, value, 0) < 0) {
            av_dict_free(dict);
            return io_fail(err, errlen, src->input, "bad --input-option '%s'",
                           o->options[i]);
        }
    }
    return 0;
}

void input_options_leftovers(frame_source *src, AVDictionary *dict,
                             const AVFormatContext *format)
{
    const frame_source_options *o = src->options;
    const AVDictionaryEntry *e = NULL;
    while (o && o->notice && (e = av_dict_get(dict, "", e, AV_DICT_IGNORE_SUFFIX))) {
        char message[512];
        snprintf(message, sizeof message,
                 "note: %s: --input-option %s does not apply to this input (%s); "
                 "passed over", src->input, e->key,
                 format && format->iformat ? format->iformat->name : "unknown format");
        o->notice(o->notice_ctx, message);
    }
    av_dict_free(&dict);
}
