/*
 * eval_tree.c - `bgsub eval DATASET RESULTS`: scores every sequence of a
 * dataset laid out as ChangeDetection.net publishes it
 * (DATASET/CATEGORY/SEQUENCE/{groundtruth,ROI.bmp,temporalROI.txt}) against
 * masks laid out as its results are (RESULTS/CATEGORY/SEQUENCE/bin%06d.png),
 * and averages the way the benchmark does: each sequence's metrics come from
 * its own frame totals, a category's are the means over its sequences, the
 * overall ones the means over the categories. With --run, bgsub is first
 * run on every sequence to make those masks.
 */
#include "cli/cli.h"
#include "cli/eval.h"
#include "cli/eval_score.h"
#include "io/io_util.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

typedef struct seq_row {
    char *category, *name;  /* folder names */
    char *seq_dir;          /* DATASET/CATEGORY/SEQUENCE */
    char *mask_dir;         /* RESULTS/CATEGORY/SEQUENCE */
    eval_result result;
    int status;             /* 0 scored, else the exit status of the failure */
    char *error;            /* the failure's one-line message */
} seq_row;

typedef struct category_mean {
    const char *name;
    size_t count;           /* its sequences (consecutive rows) */
    size_t scored;          /* rows with status 0 */
    long frames;            /* frames scored over its sequences */
    bgs_metrics mean;       /* valid only when scored == count */
} category_mean;

typedef struct tree {
    seq_row *rows;
    size_t count, capacity;
    category_mean *categories;
    size_t category_count;
    size_t complete_categories; /* with every sequence scored */
    long frames;
    bgs_metrics overall;        /* valid only when every category is complete */
} tree;

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* malloc'd "a/b", or NULL when out of memory. */
static char *join_path(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    char *p = malloc(la + lb + 2);
    if (p) {
        memcpy(p, a, la);
        p[la] = '/';
        memcpy(p + la + 1, b, lb + 1);
    }
    return p;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_names(char **names, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(names[i]);
    free(names);
}

/* The sub-folders of dir, hidden ones aside, sorted bytewise so that every
 * machine lists a dataset in the same order. 0, or an exit status with the
 * message in err. */
static int list_subfolders(const char *dir, char ***names_out, size_t *count_out,
                           char *err, size_t errlen)
{
    DIR *d = opendir(dir);
    if (!d) {
        io_fail(err, errlen, dir, "cannot open: %s", strerror(errno));
        return EXIT_INPUT;
    }
    char **names = NULL;
    size_t count = 0, capacity = 0;
    int status = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char *path = join_path(dir, e->d_name);
        int keep = path && is_dir(path);
        free(path);
        if (!path) {
            status = EXIT_FAILURE_STATUS;
            break;
        }
        if (!keep)
            continue;
        if (count == capacity) {
            size_t grown = capacity ? 2 * capacity : 16;
            char **more = realloc(names, grown * sizeof *names);
            if (!more) {
                status = EXIT_FAILURE_STATUS;
                break;
            }
            names = more;
            capacity = grown;
        }
        if ((names[count] = strdup(e->d_name)) == NULL) {
            status = EXIT_FAILURE_STATUS;
            break;
        }
        count++;
    }
    closedir(d);
    if (status) {
        snprintf(err, errlen, "out of memory");
        free_names(names, count);
        return status;
    }
    if (count > 1)
        qsort(names, count, sizeof *names, compare_names);
    *names_out = names;
    *count_out = count;
    return 0;
}

static int add_row(tree *t, const eval_options *o, const char *category,
                   const char *name)
{
    if (t->count == t->capacity) {
        size_t grown = t->capacity ? 2 * t->capacity : 16;
        seq_row *more = realloc(t->rows, grown * sizeof *more);
        if (!more)
            return -1;
        t->rows = more;
        t->capacity = grown;
    }
    seq_row *r = &t->rows[t->count];
    memset(r, 0, sizeof *r);
    char *cat_dir = join_path(o->dataset, category);
    char *cat_results = join_path(o->results, category);
    r->category = strdup(category);
    r->name = strdup(name);
    r->seq_dir = cat_dir ? join_path(cat_dir, name) : NULL;
    r->mask_dir = cat_results ? join_path(cat_results, name) : NULL;
    free(cat_dir);
    free(cat_results);
    t->count++; /* counted even if incomplete, so free_tree frees it */
    return r->category && r->name && r->seq_dir && r->mask_dir ? 0 : -1;
}

static void free_tree(tree *t)
{
    for (size_t i = 0; i < t->count; i++) {
        seq_row *r = &t->rows[i];
        free(r->category);
        free(r->name);
        free(r->seq_dir);
        free(r->mask_dir);
        free(r->error);
    }
    free(t->rows);
    free(t->categories);
}

/* Finds DATASET/CATEGORY/SEQUENCE folders, those holding groundtruth/. A
 * sequence folder straight under DATASET is refused rather than passed
 * over: its results would otherwise be silently left out. */
static int find_sequences(const eval_options *o, tree *t, char *err, size_t errlen)
{
    char **categories = NULL;
    size_t category_count = 0;
    int status = list_subfolders(o->dataset, &categories, &category_count, err, errlen);
    for (size_t c = 0; c < category_count && status == 0; c++) {
        char *cat_dir = join_path(o->dataset, categories[c]);
        char *cat_gt = cat_dir ? join_path(cat_dir, "groundtruth") : NULL;
        char **names = NULL;
        size_t name_count = 0;
        if (!cat_gt) {
            snprintf(err, errlen, "out of memory");
            status = EXIT_FAILURE_STATUS;
        } else if (is_dir(cat_gt)) {
            snprintf(err, errlen, "%s is a sequence, not a category: DATASET holds "
                     "CATEGORY/SEQUENCE folders (score one sequence with "
                     "bgsub eval %s MASK_DIR)", cat_dir, cat_dir);
            status = EXIT_INPUT;
        } else {
            status = list_subfolders(cat_dir, &names, &name_count, err, errlen);
        }
        for (size_t s = 0; s < name_count && status == 0; s++) {
            char *seq_dir = join_path(cat_dir, names[s]);
            char *seq_gt = seq_dir ? join_path(seq_dir, "groundtruth") : NULL;
            if (!seq_gt || (is_dir(seq_gt) && add_row(t, o, categories[c], names[s]) != 0)) {
                snprintf(err, errlen, "out of memory");
                status = EXIT_FAILURE_STATUS;
            }
            free(seq_gt);
            free(seq_dir);
        }
        free_names(names, name_count);
        free(cat_gt);
        free(cat_dir);
    }
    if (status == 0 && t->count == 0) {
        snprintf(err, errlen, "%s/groundtruth: no ground truth, and no "
                 "CATEGORY/SEQUENCE/groundtruth folders under %s", o->dataset, o->dataset);
        status = EXIT_INPUT;
    }
    free_names(categories, category_count);
    return status;
}

/* say: print the message too (not when a failed run has already said why). */
static void set_row_error(seq_row *r, int status, const char *message, int say)
{
    r->status = status;
    free(r->error);
    r->error = strdup(message);
    if (say)
        cli_error("%s", message);
}

/* --- --run: bgsub on every sequence ------------------------------------- */

/* Runs `bgsub [run_args] SEQ_DIR -o MASK_DIR` and returns its exit status
 * (128 + N if killed by signal N), or -1 if it could not be started; 130
 * without starting it when an interrupt has come. SIGINT, SIGTERM and SIGHUP are
 * blocked from that check until the child's pid is known, so that none
 * falls between and goes unforwarded. */
static int run_bgsub(const char *self, const eval_options *o, const seq_row *r)
{
    size_t n = 0, size = (size_t)o->run_argc + 5;
    char **argv = calloc(size, sizeof *argv);
    if (!argv)
        return -1;
    argv[n++] = (char *)self;
    for (int i = 0; i < o->run_argc; i++)
        argv[n++] = o->run_args[i];
    argv[n++] = r->seq_dir;
    argv[n++] = "-o";
    argv[n++] = r->mask_dir;
    argv[n] = NULL;

    sigset_t stop_signals, old_mask;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGHUP);
    sigprocmask(SIG_BLOCK, &stop_signals, &old_mask);
    if (cli_stop) {
        sigprocmask(SIG_SETMASK, &old_mask, NULL);
        free(argv);
        return EXIT_INTERRUPTED;
    }
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setsigmask(&attr, &old_mask); /* the child's own mask */
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
    pid_t pid;
    int err = posix_spawn(&pid, self, NULL, &attr, argv, environ);
    posix_spawnattr_destroy(&attr);
    free(argv);
    if (err == 0)
        cli_forward_stop_to(pid);
    sigprocmask(SIG_SETMASK, &old_mask, NULL);
    if (err != 0) {
        errno = err;
        return -1;
    }
    int wstatus;
    while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR)
        continue;
    cli_forward_stop_to(0);
    if (WIFEXITED(wstatus))
        return WEXITSTATUS(wstatus);
    return WIFSIGNALED(wstatus) ? 128 + WTERMSIG(wstatus) : EXIT_FAILURE_STATUS;
}

/* Runs bgsub on each sequence in turn (each run uses every core already).
 * Returns 0, or a status that stops everything: a bad option (every run
 * would fail alike), an interrupt, or bgsub not startable. */
static int run_all(const eval_options *o, tree *t)
{
    char self[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    if (len <= 0) {
        cli_error("eval --run: cannot find the bgsub program (/proc/self/exe): %s",
                  strerror(errno));
        return EXIT_FAILURE_STATUS;
    }
    self[len] = '\0';
    /* SIGINT/SIGTERM/SIGHUP while a run is going: passed on, and everything stops
     * after that run has flushed its masks (it exits with 130). */
    cli_catch_stop_signals();
    int stop = 0;
    for (size_t i = 0; i < t->count && !stop; i++) {
        seq_row *r = &t->rows[i];
        int status = run_bgsub(self, o, r);
        char message[2 * PATH_MAX + 128];
        if (status < 0) {
            cli_error("eval --run: cannot start %s: %s", self, strerror(errno));
            stop = EXIT_FAILURE_STATUS;
        } else if (cli_stop || status == EXIT_INTERRUPTED) {
            stop = EXIT_INTERRUPTED;
        } else if (status == EXIT_USAGE) {
            stop = EXIT_USAGE; /* bgsub has said why */
        } else if (status != 0) {
            snprintf(message, sizeof message, "%s: bgsub exited with status %d on %s",
                     r->mask_dir, status, r->seq_dir);
            set_row_error(r, status, message, 0);
        }
    }
    cli_release_stop_signals();
    return stop;
}

/* --- scoring and means ---------------------------------------------------- */

static void score_rows(const eval_options *o, tree *t)
{
    char err[2 * PATH_MAX + 256];
    for (size_t i = 0; i < t->count; i++) {
        seq_row *r = &t->rows[i];
        if (r->status)
            continue; /* its run failed */
        if (!is_dir(r->mask_dir)) {
            snprintf(err, sizeof err, "%s: no results folder for sequence %s/%s",
                     r->mask_dir, r->category, r->name);
            set_row_error(r, EXIT_INPUT, err, 1);
            continue;
        }
        int status = eval_score_sequence(r->seq_dir, r->mask_dir, o->mask_pattern, o->roi_path,
                                         &r->result, err, sizeof err);
        if (status)
            set_row_error(r, status, err, 1);
    }
}

static void add_metrics(bgs_metrics *sum, const bgs_metrics *m)
{
    sum->recall += m->recall;
    sum->specificity += m->specificity;
    sum->fpr += m->fpr;
    sum->fnr += m->fnr;
    sum->pwc += m->pwc;
    sum->precision += m->precision;
    sum->f_measure += m->f_measure;
}

static void divide_metrics(bgs_metrics *m, double n)
{
    m->recall /= n;
    m->specificity /= n;
    m->fpr /= n;
    m->fnr /= n;
    m->pwc /= n;
    m->precision /= n;
    m->f_measure /= n;
}

/* Rows are sorted by category, so each category is one run of rows. */
static int compute_means(tree *t)
{
    t->categories = calloc(t->count, sizeof *t->categories);
    if (!t->categories)
        return -1;
    bgs_metrics overall = {0};
    category_mean *c = NULL;
    for (size_t i = 0; i < t->count; i++) {
        seq_row *r = &t->rows[i];
        if (!c || strcmp(c->name, r->category) != 0) {
            c = &t->categories[t->category_count++];
            c->name = r->category;
        }
        c->count++;
        if (r->status == 0) {
            bgs_metrics m = bgs_metrics_from_counts(&r->result.counts);
            add_metrics(&c->mean, &m);
            c->scored++;
            c->frames += r->result.frames;
        }
    }
    for (size_t k = 0; k < t->category_count; k++) {
        c = &t->categories[k];
        t->frames += c->frames;
        if (c->scored < c->count)
            continue;
        divide_metrics(&c->mean, (double)c->count);
        add_metrics(&overall, &c->mean);
        t->complete_categories++;
    }
    if (t->complete_categories == t->category_count)
        divide_metrics(&overall, (double)t->category_count);
    t->overall = overall;
    return 0;
}

/* --- output ------------------------------------------------------------- */

static void print_metrics_columns(const bgs_metrics *m)
{
    printf("  %6.4f  %11.4f  %6.4f  %6.4f  %7.4f  %9.4f  %9.4f\n", m->recall,
           m->specificity, m->fpr, m->fnr, m->pwc, m->precision, m->f_measure);
}

static void print_table(const tree *t)
{
    int width = (int)strlen("overall mean");
    for (size_t i = 0; i < t->count; i++) {
        int w = (int)(strlen(t->rows[i].category) + 1 + strlen(t->rows[i].name));
        width = w > width ? w : width;
    }
    for (size_t k = 0; k < t->category_count; k++) {
        int w = (int)strlen(t->categories[k].name) + (int)strlen(" mean");
        width = w > width ? w : width;
    }
    printf("%-*s  %7s  %6s  %11s  %6s  %6s  %7s  %9s  %9s\n", width, "sequence",
           "frames", "recall", "specificity", "fpr", "fnr", "pwc", "precision", "f_measure");
    char label[2 * NAME_MAX + 16];
    for (size_t i = 0; i < t->count; i++) {
        const seq_row *r = &t->rows[i];
        snprintf(label, sizeof label, "%s/%s", r->category, r->name);
        if (r->status) {
            printf("%-*s  error: %s\n", width, label, r->error ? r->error : "");
            continue;
        }
        bgs_metrics m = bgs_metrics_from_counts(&r->result.counts);
        printf("%-*s  %7ld", width, label, r->result.frames);
        print_metrics_columns(&m);
    }
    printf("\n");
    for (size_t k = 0; k < t->category_count; k++) {
        const category_mean *c = &t->categories[k];
        snprintf(label, sizeof label, "%s mean", c->name);
        printf("%-*s  %7ld", width, label, c->frames);
        if (c->scored == c->count)
            print_metrics_columns(&c->mean);
        else
            printf("  no mean: %zu of %zu sequences not scored\n",
                   c->count - c->scored, c->count);
    }
    printf("%-*s  %7ld", width, "overall mean", t->frames);
    if (t->complete_categories == t->category_count)
        print_metrics_columns(&t->overall);
    else
        printf("  no mean: %zu of %zu categories incomplete\n",
               t->category_count - t->complete_categories, t->category_count);
    printf("\n%zu sequence%s in %zu categor%s; a category's metrics are the means over "
           "its sequences, the overall ones the means over the categories.\n",
           t->count, t->count == 1 ? "" : "s", t->category_count,
           t->category_count == 1 ? "y" : "ies");
}

static void write_mean_json(FILE *out, const bgs_metrics *m, int valid)
{
    if (!valid) {
        fputs(" \"recall\": null, \"specificity\": null, \"fpr\": null, \"fnr\": null, "
              "\"pwc\": null, \"precision\": null, \"f_measure\": null", out);
        return;
    }
    fprintf(out, " \"recall\": %.6f, \"specificity\": %.6f, \"fpr\": %.6f, "
            "\"fnr\": %.6f, \"pwc\": %.6f, \"precision\": %.6f, \"f_measure\": %.6f",
            m->recall, m->specificity, m->fpr, m->fnr, m->pwc, m->precision, m->f_measure);
}

/* One sequence or category per line, so that line tools can read it too. */
static void write_tree_json(FILE *out, const eval_options *o, const tree *t)
{
    fputs("{\"dataset\": ", out);
    cli_json_string(out, o->dataset);
    fputs(", \"results\": ", out);
    cli_json_string(out, o->results);
    fputs(", \"mask_pattern\": ", out);
    cli_json_string(out, o->mask_pattern);
    fputs(",\n \"averaging\": \"sequence: from its frame totals; category: mean over "
          "its sequences; overall: mean over the categories\",\n \"sequences\": [\n", out);
    for (size_t i = 0; i < t->count; i++) {
        const seq_row *r = &t->rows[i];
        fputs("  {\"category\": ", out);
        cli_json_string(out, r->category);
        fputs(", \"sequence\": ", out);
        cli_json_string(out, r->name);
        fputs(", \"path\": ", out);
        cli_json_string(out, r->seq_dir);
        fputs(", \"masks\": ", out);
        cli_json_string(out, r->mask_dir);
        if (r->status) {
            /* The same keys as a scored row, so readers need no special case. */
            fputs(", \"error\": ", out);
            cli_json_string(out, r->error ? r->error : "");
            fputs(", \"first_frame\": null, \"last_frame\": null, \"frames\": null,", out);
            write_mean_json(out, NULL, 0);
            fputs(", \"tp\": null, \"fp\": null, \"tn\": null, \"fn\": null}", out);
        } else {
            fputs(", \"error\": null, ", out);
            eval_write_result_json(out, &r->result, ", ");
            fputs("}", out);
        }
        fputs(i + 1 < t->count ? ",\n" : "\n", out);
    }
    fputs(" ],\n \"categories\": [\n", out);
    for (size_t k = 0; k < t->category_count; k++) {
        const category_mean *c = &t->categories[k];
        fputs("  {\"category\": ", out);
        cli_json_string(out, c->name);
        fprintf(out, ", \"sequences\": %zu, \"scored\": %zu, \"frames\": %ld,",
                c->count, c->scored, c->frames);
        write_mean_json(out, &c->mean, c->scored == c->count);
        fputs(k + 1 < t->category_count ? "},\n" : "}\n", out);
    }
    fprintf(out, " ],\n \"overall\": {\"categories\": %zu, \"complete_categories\": %zu, "
            "\"sequences\": %zu, \"frames\": %ld,",
            t->category_count, t->complete_categories, t->count, t->frames);
    write_mean_json(out, &t->overall, t->complete_categories == t->category_count);
    fputs("}\n}\n", out);
}

typedef struct tree_report {
    const eval_options *opt;
    const tree *tree;
} tree_report;

static void fill_tree_json(FILE *out, const void *ctx)
{
    const tree_report *r = ctx;
    write_tree_json(out, r->opt, r->tree);
}

int eval_tree(const eval_options *o)
{
    tree t;
    memset(&t, 0, sizeof t);
    char err[2 * PATH_MAX + 256];
    int status = find_sequences(o, &t, err, sizeof err);
    if (status)
        cli_error("%s", err);
    for (size_t i = 0; i < t.count && !status; i++)
        status = eval_check_json_name(o->json_path, t.rows[i].mask_dir, o->mask_pattern);
    if (status) {
        free_tree(&t);
        return status;
    }
    if (o->run) {
        status = run_all(o, &t);
    } else if (!is_dir(o->results)) {
        int exists = access(o->results, F_OK) == 0;
        cli_error("%s: no results folder (%s)", o->results,
                  exists ? "not a folder" : strerror(errno));
        status = EXIT_INPUT;
    }
    if (status) {
        free_tree(&t);
        return status;
    }
    score_rows(o, &t);
    if (compute_means(&t) != 0) {
        cli_error("out of memory");
        free_tree(&t);
        return EXIT_FAILURE_STATUS;
    }
    if (!o->json_path || strcmp(o->json_path, "-") != 0)
        print_table(&t);
    if (o->json_path) {
        tree_report report = {o, &t};
        status = eval_write_json(o->json_path, fill_tree_json, &report);
    }
    /* The first failed sequence decides the exit status (a run's own
     * status, or 3 for one that could not be scored). */
    for (size_t i = 0; i < t.count && status == 0; i++)
        status = t.rows[i].status;
    free_tree(&t);
    return status;
}
