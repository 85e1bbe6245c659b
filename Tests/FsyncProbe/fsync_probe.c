// fsync probe for the durability tests (issue #19), loaded with LD_PRELOAD into a process under
// test. Not shipped.
//
// - KIT_FSYNC_PROBE_FD=N: after every fsync/fdatasync that succeeded, writes "fsync PATH\n" to fd N
//   (PATH from /proc/self/fd), with one write(2), so it is ordered with the process's own output on
//   the same pipe. A test can then show that an answer came only after its commit reached the disk.
// - KIT_FSYNC_PROBE_FAIL_FILE=PATH: while that file exists, fsync and fdatasync fail with EIO
//   without syncing (a dying disk); "eio PATH\n" is written instead.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsync_probe.h"

typedef int (*sync_function)(int);

static void report(const char *what, int fd) {
    const char *target = getenv("KIT_FSYNC_PROBE_FD");
    if (target == NULL || *target == '\0') return;
    char link[64];
    char path[4096];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t length = readlink(link, path, sizeof path - 1);
    if (length < 0) length = 0;
    path[length] = '\0';
    char line[4200];
    int size = snprintf(line, sizeof line, "%s %s\n", what, path);
    if (size > 0) {
        int saved = errno;
        ssize_t ignored = write(atoi(target), line, (size_t)size < sizeof line ? (size_t)size : sizeof line - 1);
        (void)ignored;
        errno = saved;
    }
}

static int failing(void) {
    const char *file = getenv("KIT_FSYNC_PROBE_FAIL_FILE");
    return file != NULL && *file != '\0' && access(file, F_OK) == 0;
}

static int probe(const char *name, int fd) {
    sync_function real = (sync_function)dlsym(RTLD_NEXT, name);
    if (failing()) {
        report("eio", fd);
        errno = EIO;
        return -1;
    }
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    int result = real(fd);
    if (result == 0) report("fsync", fd);
    return result;
}

int fsync(int fd) { return probe("fsync", fd); }

int fdatasync(int fd) { return probe("fdatasync", fd); }
