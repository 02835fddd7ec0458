/*
 * cli.h - what the bgsub program's source files share: sub-command entry
 * points, exit statuses and the one way errors are printed.
 */
#ifndef BGSUB_CLI_H
#define BGSUB_CLI_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/* Exit statuses, documented in --help, the README and the man page. */
enum {
    EXIT_OK_STATUS = 0,
    EXIT_FAILURE_STATUS = 1,  /* internal failure (e.g. out of memory)      */
    EXIT_USAGE = 2,           /* bad option or parameter value              */
    EXIT_INPUT = 3,           /* input missing, unreadable or corrupt       */
    EXIT_OUTPUT = 4,          /* output cannot be written                   */
    EXIT_DISPLAY = 5,         /* --show cannot open a window (no display)   */
    EXIT_INPUT_CUT = 6,       /* a network stream ended without an end of
                                 stream (cut, or stalled past --timeout)    */
    EXIT_SOME_FAILED = 7,     /* several inputs: some failed, some did not  */
    EXIT_INTERRUPTED = 130,   /* stopped by SIGINT/SIGTERM/SIGHUP, cleanly    */
};

/* Sub-commands: each parses its own argv (argv[0] is the sub-command name)
 * and returns an exit status. */
int cmd_run(int argc, char **argv);     /* bgsub [options] INPUT -o DIR      */
int cmd_eval(int argc, char **argv);    /* bgsub eval SEQ_DIR MASK_DIR        */
int cmd_segment(int argc, char **argv); /* bgsub segment IMAGE -o MASK.png    */
int cmd_events(int argc, char **argv);  /* bgsub events VIDEO                 */
int cmd_bench(int argc, char **argv);   /* bgsub bench [VIDEO]                */

/* Parses the main command's options and does nothing else: 0 if they are
 * valid, else the exit status the command would give (for the fuzzer). */
int cmd_run_check_options(int argc, char **argv);

/*
 * SIGINT, SIGTERM and SIGHUP, the same for every sub-command: once caught, the
 * signal's number is in cli_stop, and the work in hand ends cleanly (the
 * current frame finished, outputs kept; exit status 130). The handler is
 * installed without SA_RESTART, so a blocking read is interrupted. While
 * cli_forward_stop_to names a child process (eval --run's bgsub), the
 * signal is passed on to it. cli_release_stop_signals puts the default
 * actions back.
 */
extern volatile sig_atomic_t cli_stop;
void cli_catch_stop_signals(void);
void cli_release_stop_signals(void);
void cli_forward_stop_to(pid_t child); /* 0: none */

/* A progress line redrawn in place on stderr (a terminal); cli_error and
 * cli_progress_clear erase it, so messages start on a line of their own. */
void cli_progress_line(const char *line);
void cli_progress_clear(void);

/* Print "bgsub: <message>" as one line on stderr (erasing any progress
 * line first). */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Everything printed on stdout is out (flushed, no write failed): 0, or
 * EXIT_OUTPUT after "standard output: REASON" (a full disk, /dev/full, a
 * closed stdout or pipe). */
int cli_check_stdout(void);

/* getopt_long returned ':' (a value missing) or '?' (an unknown option):
 * says so in one line, pointing at "COMMAND --help", and returns
 * EXIT_USAGE. */
int cli_bad_option(int c, char **argv, const char *command);

/* Parse a whole number in [min, max] for option opt into *out; 0, or -1
 * after printing "OPT needs a whole number in MIN..MAX, not 'TEXT'". */
int cli_parse_int_in(const char *opt, const char *text, long min, long max,
                     int *out);

/* Seconds on the monotonic clock, for timing. */
double cli_now_seconds(void);

/* The model threads for -j ASKED on frames of width x height: ASKED when
 * given (> 0); by default (0) one per core (0), but one for frames smaller
 * than 1280x720, where the decoder, the reader and the writers keep the
 * other cores busy and more model threads only spin and wait. */
int cli_model_threads(int asked, int width, int height);

/* Parse a whole string as a number; 0 on success, -1 if it is not one. */
int cli_parse_double(const char *text, double *value);
int cli_parse_long(const char *text, long *value);

/* What goes between dir and a name in it: "/", or "" when dir ends with one
 * ("masks/" + "bin000001.png", not "masks//bin000001.png"). */
const char *cli_dir_sep(const char *dir);

/* buf = "dir/" + pattern formatted with number (pattern already checked by
 * io_is_frame_pattern, io/io_util.h). 0, or -1 if the path does not fit in size. */
int cli_frame_path(char *buf, size_t size, const char *dir,
                   const char *pattern, long number);

/* Read a whole regular file of at most max_size bytes into a malloc'd
 * buffer. 0, or -1 with a one-line message naming the file in err. */
int cli_read_file(const char *path, size_t max_size, uint8_t **data,
                  size_t *size, char *err, size_t errlen);

/* Usage check for names given on the command line: an empty name is
 * refused with "OPTION needs a NOUN, not an empty name". 0 if all are
 * fine, else EXIT_USAGE after printing. pairs: option, noun, value, ...,
 * NULL. */
int cli_refuse_empty_names(const char *option, ...);

/* Write text as a JSON string literal (quotes, escapes) to out. Bytes that
 * are not UTF-8 (a file name in Latin-1, a cut sequence) become U+FFFD,
 * one for each maximal invalid part (Unicode's "best practice", as
 * Python's errors="replace" does), so that a strict parser accepts it. */
void cli_json_string(FILE *out, const char *text);

/* A getopt_long table: the nfixed options of fixed, then the model
 * parameters, one per bgs_param ("--alpha X", ...) so that every
 * sub-command that runs the model offers the same ones, then the zero
 * entry; all must hold nfixed + BGS_PARAM_COUNT + 1. The option of key k
 * returns first_value + k from getopt_long. */
struct option;
struct bgs_params;
void cli_long_options(struct option *all, const struct option *fixed,
                      size_t nfixed, int first_value);
/* Parse the value of --<name of key> into params, refusing (one line
 * printed, -1) a value that is not a number or is out of bounds; on success
 * sets bit key of *given. */
int cli_param_parse(struct bgs_params *params, unsigned *given, int key,
                    const char *text);
/* The help lines "  --alpha X   learning rate ... (default 0.005; 0..1)",
 * the defaults those of `defaults` (the sub-command's own), or the
 * library's for NULL. */
void cli_param_help(FILE *out, const struct bgs_params *defaults);

#endif
