/*
 * output_avio.c - an AVIOContext on an output_file's descriptor (see
 * output_avio.h).
 */
#include "io/output_avio.h"

#include "io/io_util.h"

#include <errno.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/libav.h"

#define AVIO_BUFFER_SIZE 65536

/* libavformat 61 (FFmpeg 7) made the buffer const. */
#if LIBAVFORMAT_VERSION_MAJOR >= 61
#define AVIO_WRITE_BUFFER const uint8_t *
#else
#define AVIO_WRITE_BUFFER uint8_t *
#endif

static int write_packet(void *opaque, AVIO_WRITE_BUFFER buf, int size)
{
    int fd = output_file_fd(opaque);
    int left = size;
    while (left > 0) {
        ssize_t wrote = write(fd, buf, (size_t)left);
        if (wrote < 0 && errno == EINTR)
            continue;
        if (wrote <= 0)
            return AVERROR(wrote < 0 ? errno : ENOSPC);
        buf += wrote;
        left -= (int)wrote;
    }
    return size;
}

static int64_t seek(void *opaque, int64_t offset, int whence)
{
    int fd = output_file_fd(opaque);
    if (whence == AVSEEK_SIZE) {
        struct stat st;
        return fstat(fd, &st) == 0 ? (int64_t)st.st_size : AVERROR(errno);
    }
    off_t at = lseek(fd, (off_t)offset, whence & ~AVSEEK_FORCE);
    return at < 0 ? AVERROR(errno) : (int64_t)at;
}

int output_avio_attach(AVFormatContext *format, output_file *file,
                       const char *name, char *err, size_t errlen)
{
    uint8_t *buffer = av_malloc(AVIO_BUFFER_SIZE);
    int seekable = output_file_seekable(file);
    AVIOContext *pb = buffer ? avio_alloc_context(buffer, AVIO_BUFFER_SIZE, 1, file,
                                                  NULL, write_packet,
                                                  seekable ? seek : NULL)
                             : NULL;
    if (!pb) {
        av_free(buffer);
        return io_fail(err, errlen, name, "out of memory");
    }
    pb->seekable = seekable ? AVIO_SEEKABLE_NORMAL : 0;
    format->pb = pb;
    format->flags |= AVFMT_FLAG_CUSTOM_IO;
    return 0;
}

int output_avio_detach(AVFormatContext *format)
{
    AVIOContext *pb = format->pb;
    if (!pb)
        return 0;
    avio_flush(pb);
    int ret = pb->error;
    av_freep(&pb->buffer);
    avio_context_free(&pb);
    format->pb = NULL;
    return ret < 0 ? ret : 0;
}
