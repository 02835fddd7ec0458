/*
 * test_output_file.c - the file policy (src/io/output_file.c): new and
 * existing files, --force, folders, devices, FIFOs, links to each, links
 * that lead nowhere, names planted where a temporary file could go, what a
 * failed or discarded output leaves behind, reports to stdout or a file,
 * and which names lead to one file (the same-output check). In a mkdtemp
 * folder that is removed at the end.
 */
#include "test.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/output_file.h"

static char err[1024];

static void put(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/* The file's first line, "" if it cannot be read. */
static const char *text_of(const char *path)
{
    static char line[256];
    line[0] = '\0';
    FILE *f = fopen(path, "r");
    if (f) {
        if (!fgets(line, sizeof line, f))
            line[0] = '\0';
        fclose(f);
    }
    return line;
}

/* Entries of dir whose name holds ".tmp.". */
static int temp_files(void)
{
    DIR *d = opendir(test_dir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        n += strstr(e->d_name, ".tmp.") != NULL;
    if (d)
        closedir(d);
    return n;
}

static int is_link(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0 && S_ISLNK(st.st_mode);
}

TEST(new_file_is_written_whole)
{
    REQUIRE(output_file_write(test_path("new.txt"), "hello\n", 6, 0, err, sizeof err) == 0, "%s", err);
    CHECK(strcmp(text_of(test_path("new.txt")), "hello\n") == 0, "%s", text_of(test_path("new.txt")));
    CHECK(temp_files() == 0, "temporary file left");
}

TEST(existing_file_needs_force)
{
    put(test_path("old.txt"), "old\n");
    CHECK(output_file_write(test_path("old.txt"), "new\n", 4, 0, err, sizeof err) < 0, "written");
    CHECK(strstr(err, "old.txt: already exists (use --force to overwrite)") != NULL, "%s", err);
    CHECK(strcmp(text_of(test_path("old.txt")), "old\n") == 0, "changed");
    CHECK(output_file_check(test_path("old.txt"), 0, err, sizeof err) < 0, "check says fine");
    CHECK(output_file_check(test_path("old.txt"), 1, err, sizeof err) == 0, "%s", err);
    REQUIRE(output_file_write(test_path("old.txt"), "new\n", 4, 1, err, sizeof err) == 0, "%s", err);
    CHECK(strcmp(text_of(test_path("old.txt")), "new\n") == 0, "not replaced");
    CHECK(temp_files() == 0, "temporary file left");
}

TEST(folder_is_refused)
{
    mkdir(test_path("folder"), 0777);
    CHECK(output_file_write(test_path("folder"), "x", 1, 1, err, sizeof err) < 0, "written");
    CHECK(strstr(err, "folder: is a folder") != NULL, "%s", err);
    CHECK(output_file_write(test_path("folder/../missing/x"), "x", 1, 1, err, sizeof err) < 0,
          "written into a missing folder");
    CHECK(strstr(err, "cannot create") != NULL, "%s", err);
}

TEST(discard_and_failure_leave_nothing)
{
    put(test_path("keep.txt"), "keep\n");
    output_file *f = output_file_open(test_path("keep.txt"), 1, err, sizeof err);
    REQUIRE(f, "%s", err);
    FILE *s = output_file_stream(f, err, sizeof err);
    REQUIRE(s, "%s", err);
    fputs("half of a new", s);
    CHECK(temp_files() == 1, "no temporary file while writing");
    output_file_discard(f);
    CHECK(strcmp(text_of(test_path("keep.txt")), "keep\n") == 0, "old file changed");
    CHECK(temp_files() == 0, "temporary file left");
    output_file_discard(NULL);
}

TEST(device_is_written_in_place)
{
    REQUIRE(output_file_write("/dev/null", "x", 1, 0, err, sizeof err) == 0, "%s", err);
    symlink("/dev/null", test_path("null_link"));
    REQUIRE(output_file_write(test_path("null_link"), "x", 1, 0, err, sizeof err) == 0, "%s", err);
    CHECK(is_link(test_path("null_link")), "the link to /dev/null was replaced");
    CHECK(temp_files() == 0, "temporary file left");
}

TEST(fifo_is_written_in_place)
{
    if (mkfifo(test_path("fifo"), 0666) != 0)
        SKIP("mkfifo: %s", strerror(errno));
    symlink("fifo", test_path("fifo_link"));
    int rd = open(test_path("fifo"), O_RDONLY | O_NONBLOCK); /* a reader, so open does not wait */
    REQUIRE(rd >= 0, "%s", strerror(errno));
    REQUIRE(output_file_write(test_path("fifo_link"), "through\n", 8, 0, err, sizeof err) == 0,
            "%s", err);
    char buf[16] = "";
    CHECK(read(rd, buf, sizeof buf - 1) == 8 && strcmp(buf, "through\n") == 0, "%s", buf);
    close(rd);
    struct stat st;
    CHECK(lstat(test_path("fifo"), &st) == 0 && S_ISFIFO(st.st_mode), "the FIFO was replaced");
    CHECK(is_link(test_path("fifo_link")), "the link was replaced");
}

TEST(link_to_regular_file_is_resolved)
{
    put(test_path("target.txt"), "before\n");
    symlink("target.txt", test_path("link.txt"));
    CHECK(output_file_write(test_path("link.txt"), "after\n", 6, 0, err, sizeof err) < 0,
          "an existing file behind a link was replaced without force");
    REQUIRE(output_file_write(test_path("link.txt"), "after\n", 6, 1, err, sizeof err) == 0, "%s", err);
    CHECK(is_link(test_path("link.txt")), "the link was replaced");
    CHECK(strcmp(text_of(test_path("target.txt")), "after\n") == 0, "the file it leads to: %s",
          text_of(test_path("target.txt")));
    CHECK(temp_files() == 0, "temporary file left");
}

TEST(link_that_leads_nowhere_is_refused)
{
    symlink("nothing-here", test_path("dangling"));
    CHECK(output_file_write(test_path("dangling"), "x", 1, 1, err, sizeof err) < 0, "written");
    CHECK(strstr(err, "dangling: is a link that leads nowhere") != NULL, "%s", err);
    CHECK(is_link(test_path("dangling")), "the link was replaced");
    CHECK(access(test_path("nothing-here"), F_OK) != 0, "the link was followed");
    symlink("loop_b", test_path("loop_a"));
    symlink("loop_a", test_path("loop_b"));
    CHECK(output_file_write(test_path("loop_a"), "x", 1, 1, err, sizeof err) < 0, "written");
    CHECK(is_link(test_path("loop_a")) && is_link(test_path("loop_b")), "a link of the loop replaced");
}

/* Temporary names are not predictable: a link planted at every name the
 * old scheme (".NAME.tmp.PID[.N]") would take is never followed, and a
 * directory full of them is no obstacle. */
TEST(planted_temporary_names_are_not_followed)
{
    put(test_path("victim"), "the user's own data\n");
    char name[256];
    for (int n = -1; n < 8; n++) {
        if (n < 0)
            snprintf(name, sizeof name, ".out.csv.tmp.%ld", (long)getpid());
        else
            snprintf(name, sizeof name, ".out.csv.tmp.%ld.%d", (long)getpid(), n);
        symlink(test_path("victim"), test_path("%s", name));
    }
    for (int i = 0; i < 20; i++)
        REQUIRE(output_file_write(test_path("out.csv"), "a,b\n", 4, 1, err, sizeof err) == 0,
                "%s", err);
    CHECK(strcmp(text_of(test_path("victim")), "the user's own data\n") == 0, "victim changed");
    CHECK(strcmp(text_of(test_path("out.csv")), "a,b\n") == 0, "output: %s", text_of(test_path("out.csv")));
    for (int n = -1; n < 8; n++) { /* the planted links go; nothing else may stay */
        if (n < 0)
            snprintf(name, sizeof name, ".out.csv.tmp.%ld", (long)getpid());
        else
            snprintf(name, sizeof name, ".out.csv.tmp.%ld.%d", (long)getpid(), n);
        unlink(test_path("%s", name));
    }
    CHECK(temp_files() == 0, "temporary file left");
}

/* The policy's random source, as this test program is linked
 * (-Wl,--wrap=getrandom, Makefile): while fixed_draws > 0 a draw gives
 * bytes of 0, so the next temporary name is known in advance. */
static int fixed_draws;
ssize_t __real_getrandom(void *buf, size_t n, unsigned flags);
ssize_t __wrap_getrandom(void *buf, size_t n, unsigned flags)
{
    if (fixed_draws > 0) {
        fixed_draws--;
        memset(buf, 0, n);
        return (ssize_t)n;
    }
    return __real_getrandom(buf, n, flags);
}

/* A link planted at the very name the temporary file is about to take (as
 * if its random part were guessed) is not followed: the exclusive,
 * no-follow open fails, and the next draw gives another name. Bytes of 0
 * make the random part twelve 'A's. */
TEST(a_link_at_the_temporary_name_is_not_followed)
{
    put(test_path("victim2"), "the user's own data\n");
    const char *planted = test_path(".guess.csv.tmp.AAAAAAAAAAAA");
    REQUIRE(symlink(test_path("victim2"), planted) == 0, "symlink: %s", strerror(errno));
    fixed_draws = 1;
    int rc = output_file_write(test_path("guess.csv"), "a,b\n", 4, 1, err, sizeof err);
    CHECK(fixed_draws == 0, "the random source was not drawn from (not linked with --wrap?)");
    CHECK(rc == 0, "%s", err);
    CHECK(strcmp(text_of(test_path("victim2")), "the user's own data\n") == 0,
          "the planted link was followed: victim now '%s'", text_of(test_path("victim2")));
    CHECK(strcmp(text_of(test_path("guess.csv")), "a,b\n") == 0, "output: %s",
          text_of(test_path("guess.csv")));
    struct stat st;
    CHECK(lstat(planted, &st) == 0 && S_ISLNK(st.st_mode), "the planted link was replaced");
    unlink(planted);
}

/* The temporary file gets the permissions a plain file would (0666 less
 * the umask), not mkstemp's 0600. */
TEST(permissions_follow_the_umask)
{
    mode_t old = umask(022);
    REQUIRE(output_file_write(test_path("mode.txt"), "x", 1, 1, err, sizeof err) == 0, "%s", err);
    umask(old);
    struct stat st;
    CHECK(stat(test_path("mode.txt"), &st) == 0 && (st.st_mode & 0777) == 0644, "mode %o",
          (unsigned)(st.st_mode & 0777));
}

static void fill_hello(FILE *out, const void *ctx)
{
    fprintf(out, "hello %s\n", (const char *)ctx);
}

TEST(report_to_file)
{
    put(test_path("report.txt"), "older report\n");
    REQUIRE(output_file_report(test_path("report.txt"), 1, fill_hello, "file", "the report", err,
                               sizeof err) == 0, "%s", err);
    CHECK(strcmp(text_of(test_path("report.txt")), "hello file\n") == 0, "%s",
          text_of(test_path("report.txt")));
    CHECK(output_file_report(test_path("folder"), 1, fill_hello, "x", "the report", err,
                             sizeof err) < 0, "written over a folder");
    CHECK(temp_files() == 0, "temporary file left");
}

TEST(make_dir)
{
    CHECK(output_file_make_dir(test_path("a/b/c")) == 0, "%s", strerror(errno));
    CHECK(output_file_make_dir(test_path("a/b/c/")) == 0, "%s", strerror(errno));
    put(test_path("plain"), "x");
    CHECK(output_file_make_dir(test_path("plain/sub")) < 0, "made inside a file");
    CHECK(output_file_make_dir(test_path("plain")) < 0 && errno == ENOTDIR, "a file taken for a folder");
}

TEST(same_file_by_other_names)
{
    mkdir(test_path("same"), 0777);
    CHECK(output_path_same(test_path("same/x.csv"), test_path("same/./x.csv")), "./");
    CHECK(output_path_same(test_path("same/x.csv"), test_path("same/../same//x.csv")), "../ and //");
    CHECK(!output_path_same(test_path("same/x.csv"), test_path("same/y.csv")), "other names");
    symlink("same", test_path("same_link"));
    CHECK(output_path_same(test_path("same/x.csv"), test_path("same_link/x.csv")), "folder link");
    put(test_path("same/real.json"), "{}");
    symlink("real.json", test_path("same/alias.json"));
    CHECK(output_path_same(test_path("same/real.json"), test_path("same/alias.json")), "file link");
    CHECK(output_path_same(test_path("none/a/b"), test_path("none/a/./b")), "folders not made yet");
    char cwd[4096];
    REQUIRE(getcwd(cwd, sizeof cwd), "getcwd");
    REQUIRE(chdir(test_dir) == 0, "chdir");
    CHECK(output_path_same("same/x.csv", test_path("same/x.csv")), "relative and absolute");
    REQUIRE(chdir(cwd) == 0, "chdir back");
}

TEST(file_in_a_numbered_family)
{
    long n = 0;
    mkdir(test_path("masks"), 0777);
    CHECK(output_path_in_family(test_path("masks/bin000003.png"), test_path("masks"), "bin%06d.png", &n) &&
          n == 3, "bin000003.png: %ld", n);
    CHECK(output_path_in_family(test_path("masks/./bin001460.png"), test_path("masks/"), "bin%06d.png", &n) &&
          n == 1460, "./bin001460.png: %ld", n);
    CHECK(!output_path_in_family(test_path("masks/bin3.png"), test_path("masks"), "bin%06d.png", NULL),
          "bin3.png is not bin%%06d.png");
    CHECK(!output_path_in_family(test_path("masks/bin000003.jpg"), test_path("masks"), "bin%06d.png", NULL),
          "other extension");
    CHECK(!output_path_in_family(test_path("other/bin000003.png"), test_path("masks"), "bin%06d.png", NULL),
          "other folder");
    CHECK(output_path_in_family(test_path("%s", "masks/m7%.png"), test_path("masks"), "m%d%%.png", &n) && n == 7,
          "a %%%% in the pattern");
    CHECK(output_path_in_family(test_path("masks/bg000050.png"), test_path("masks"), "bg%06d.png", &n) &&
          n == 50, "bg000050.png");
    CHECK(!output_path_in_family(test_path("masks/background.png"), test_path("masks"), "bg%06d.png", NULL),
          "background.png");
}

int main(void)
{
    if (test_make_dir("test_output_file") != 0)
        return 1;
    RUN(new_file_is_written_whole);
    RUN(existing_file_needs_force);
    RUN(folder_is_refused);
    RUN(discard_and_failure_leave_nothing);
    RUN(device_is_written_in_place);
    RUN(fifo_is_written_in_place);
    RUN(link_to_regular_file_is_resolved);
    RUN(link_that_leads_nowhere_is_refused);
    RUN(planted_temporary_names_are_not_followed);
    RUN(a_link_at_the_temporary_name_is_not_followed);
    RUN(permissions_follow_the_umask);
    RUN(report_to_file);
    RUN(make_dir);
    RUN(same_file_by_other_names);
    RUN(file_in_a_numbered_family);
    test_remove_dir();
    return test_summary();
}
