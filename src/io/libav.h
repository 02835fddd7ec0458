/*
 * libav.h - FFmpeg's libraries (libavformat, libavcodec, libswscale,
 * libavutil), loaded when a video is first opened or written, not when the
 * program starts. Debian's FFmpeg pulls in some 130 other libraries, which
 * made every start of bgsub cost about 35 ms of CPU: a run over an image
 * sequence, `bgsub eval`, a usage error. (libavdevice, for cameras only, is
 * loaded the same way in source_video.c.)
 *
 * The files that use FFmpeg include this header instead of FFmpeg's, call
 * libav_load before their first FFmpeg call, and call FFmpeg's functions by
 * their own names: each name stands for a pointer of its own type, filled
 * from the loaded libraries. A function missing from LIBAV_FUNCTIONS is a
 * link error (the program no longer links FFmpeg), never a silent one.
 */
#ifndef BGSUB_LIBAV_H
#define BGSUB_LIBAV_H

#include <stddef.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/imgutils.h>
#include <libavutil/log.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>

/* Loads the four libraries (once, from any thread): 0, or -1 with the
 * loader's reason in why ("libavformat.so.59: cannot open ..."). */
int libav_load(char *why, size_t whylen);

/* Registers libavdevice's inputs (cameras) with libavformat, loading it:
 * 0, or -1 if it cannot be loaded. */
int libav_register_devices(void);

#define LIBAV_FUNCTIONS(X) \
    X(av_buffer_create) X(av_buffer_pool_get) X(av_buffer_pool_init2) \
    X(av_buffer_pool_uninit) X(av_d2q) X(av_dict_free) X(av_dict_get) X(av_dict_set) \
    X(av_find_best_stream) X(av_find_input_format) X(av_frame_alloc) \
    X(av_frame_free) X(av_frame_get_buffer) X(av_frame_make_writable) \
    X(av_frame_unref) X(av_free) X(av_freep) X(av_get_pix_fmt_name) \
    X(av_guess_format) X(av_image_fill_linesizes) X(av_image_fill_plane_sizes) \
    X(av_interleaved_write_frame) X(av_log_set_level) X(av_malloc) X(av_opt_find) \
    X(av_packet_alloc) X(av_packet_free) X(av_packet_rescale_ts) \
    X(av_packet_unref) X(av_pix_fmt_desc_get) X(av_read_frame) \
    X(av_rescale_q) X(av_seek_frame) X(av_strerror) X(av_write_trailer) \
    X(avcodec_align_dimensions2) X(avcodec_alloc_context3) \
    X(avcodec_default_get_buffer2) X(avcodec_find_encoder_by_name) \
    X(avcodec_free_context) X(avcodec_open2) X(avcodec_parameters_copy) \
    X(avcodec_parameters_from_context) X(avcodec_parameters_to_context) \
    X(avcodec_receive_frame) X(avcodec_receive_packet) X(avcodec_send_frame) \
    X(avcodec_send_packet) X(avformat_alloc_context) \
    X(avformat_alloc_output_context2) X(avformat_close_input) \
    X(avformat_find_stream_info) X(avformat_free_context) X(avformat_get_class) \
    X(avformat_index_get_entries_count) X(avformat_index_get_entry) \
    X(avformat_new_stream) X(avformat_open_input) X(avformat_query_codec) \
    X(avformat_write_header) X(avio_alloc_context) X(avio_context_free) \
    X(avio_flush) X(avio_size) X(sws_freeContext) X(sws_getCachedContext) \
    X(sws_getContext) X(sws_scale)

#define LIBAV_POINTER(name) __typeof__(name) *name;
struct libav_functions {
    LIBAV_FUNCTIONS(LIBAV_POINTER)
};
#undef LIBAV_POINTER
extern struct libav_functions libav;

/* Every FFmpeg name stands for its pointer (but in libav.c, which fills
 * them). */
#ifndef LIBAV_LOADER
#define av_buffer_create (libav.av_buffer_create)
#define av_buffer_pool_get (libav.av_buffer_pool_get)
#define av_buffer_pool_init2 (libav.av_buffer_pool_init2)
#define av_buffer_pool_uninit (libav.av_buffer_pool_uninit)
#define av_d2q (libav.av_d2q)
#define av_dict_free (libav.av_dict_free)
#define av_dict_get (libav.av_dict_get)
#define av_dict_set (libav.av_dict_set)
#define av_find_best_stream (libav.av_find_best_stream)
#define av_find_input_format (libav.av_find_input_format)
#define av_frame_alloc (libav.av_frame_alloc)
#define av_frame_free (libav.av_frame_free)
#define av_frame_get_buffer (libav.av_frame_get_buffer)
#define av_frame_make_writable (libav.av_frame_make_writable)
#define av_frame_unref (libav.av_frame_unref)
#define av_free (libav.av_free)
#define av_freep (libav.av_freep)
#define av_get_pix_fmt_name (libav.av_get_pix_fmt_name)
#define av_guess_format (libav.av_guess_format)
#define av_image_fill_linesizes (libav.av_image_fill_linesizes)
#define av_image_fill_plane_sizes (libav.av_image_fill_plane_sizes)
#define av_interleaved_write_frame (libav.av_interleaved_write_frame)
#define av_log_set_level (libav.av_log_set_level)
#define av_malloc (libav.av_malloc)
#define av_opt_find (libav.av_opt_find)
#define av_packet_alloc (libav.av_packet_alloc)
#define av_packet_free (libav.av_packet_free)
#define av_packet_rescale_ts (libav.av_packet_rescale_ts)
#define av_packet_unref (libav.av_packet_unref)
#define av_pix_fmt_desc_get (libav.av_pix_fmt_desc_get)
#define av_read_frame (libav.av_read_frame)
#define av_rescale_q (libav.av_rescale_q)
#define av_seek_frame (libav.av_seek_frame)
#define av_strerror (libav.av_strerror)
#define av_write_trailer (libav.av_write_trailer)
#define avcodec_align_dimensions2 (libav.avcodec_align_dimensions2)
#define avcodec_alloc_context3 (libav.avcodec_alloc_context3)
#define avcodec_default_get_buffer2 (libav.avcodec_default_get_buffer2)
#define avcodec_find_encoder_by_name (libav.avcodec_find_encoder_by_name)
#define avcodec_free_context (libav.avcodec_free_context)
#define avcodec_open2 (libav.avcodec_open2)
#define avcodec_parameters_copy (libav.avcodec_parameters_copy)
#define avcodec_parameters_from_context (libav.avcodec_parameters_from_context)
#define avcodec_parameters_to_context (libav.avcodec_parameters_to_context)
#define avcodec_receive_frame (libav.avcodec_receive_frame)
#define avcodec_receive_packet (libav.avcodec_receive_packet)
#define avcodec_send_frame (libav.avcodec_send_frame)
#define avcodec_send_packet (libav.avcodec_send_packet)
#define avformat_alloc_context (libav.avformat_alloc_context)
#define avformat_alloc_output_context2 (libav.avformat_alloc_output_context2)
#define avformat_close_input (libav.avformat_close_input)
#define avformat_find_stream_info (libav.avformat_find_stream_info)
#define avformat_free_context (libav.avformat_free_context)
#define avformat_get_class (libav.avformat_get_class)
#define avformat_index_get_entries_count (libav.avformat_index_get_entries_count)
#define avformat_index_get_entry (libav.avformat_index_get_entry)
#define avformat_new_stream (libav.avformat_new_stream)
#define avformat_open_input (libav.avformat_open_input)
#define avformat_query_codec (libav.avformat_query_codec)
#define avformat_write_header (libav.avformat_write_header)
#define avio_alloc_context (libav.avio_alloc_context)
#define avio_context_free (libav.avio_context_free)
#define avio_flush (libav.avio_flush)
#define avio_size (libav.avio_size)
#define sws_freeContext (libav.sws_freeContext)
#define sws_getCachedContext (libav.sws_getCachedContext)
#define sws_getContext (libav.sws_getContext)
#define sws_scale (libav.sws_scale)
#endif

#endif
