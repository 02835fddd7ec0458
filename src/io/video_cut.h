/*
 * video_cut.h - a video file's frames as its container lists them (time
 * stamps, keyframes), read without decoding, and cuts of a frame range into
 * a new file by stream copy (no decoding, no encoding).
 *
 * Part of the bgsub program, not of libbgsub. Frames are numbered from 0 in
 * presentation order, the order frame_source delivers them. Errors: -1 /
 * NULL with a one-line reason naming the file in err.
 */
#ifndef BGSUB_VIDEO_CUT_H
#define BGSUB_VIDEO_CUT_H

#include <stddef.h>

typedef struct video_index video_index;

/*
 * Read every packet of the video stream frame_source would pick (the "best"
 * one) and list the frames in presentation order. Packets before the first
 * keyframe are left out: a decoder cannot show them, so frame_source does not
 * deliver them either. Costs one pass of demuxing (reading, not decoding) and
 * 32 bytes a frame.
 */
video_index *video_index_build(const char *path, char *err, size_t errlen);
void video_index_free(video_index *index);

long video_index_frames(const video_index *index);
/* 1 if every frame has a time stamp; else times come from the frame rate. */
int video_index_has_times(const video_index *index);
/* Seconds from the first frame to frame i (0 <= i < frames). */
double video_index_time(const video_index *index, long i);
/* Seconds frame i is shown: up to the next frame, or for the last one the
 * stream's frame duration. */
double video_index_frame_duration(const video_index *index, long i);
/* The last keyframe at or before frame i (0 if there is none). */
long video_index_keyframe_before(const video_index *index, long i);

/*
 * Copy frames first..last (first must be a keyframe) of the video stream,
 * and the audio packets of the same time span, into output, without
 * decoding: packets are read with av_read_frame and written with
 * av_interleaved_write_frame, time stamps shifted to start at 0. The
 * container is chosen from output's extension. With B-frames, a reference
 * frame or two that follow `last` in presentation order but are needed to
 * decode it are copied too, so the clip can end slightly after `last`.
 * The file is written by the file policy (io/output_file.h): to a
 * temporary name in the same folder, renamed into place; an existing file
 * is replaced only with force; on failure nothing is left behind.
 */
int video_cut_copy(const char *input, const video_index *index, long first,
                   long last, const char *output, int force, char *err,
                   size_t errlen);

#endif
