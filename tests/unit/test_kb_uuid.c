/*  test_kb_uuid - random UUIDs: the format, no repeats across refills of
    the per-thread pool, across threads, and between a process and its
    forked child (which must not hand out its parent's next ids). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ketenbus/kb_uuid.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define S_MANY 10000

static int
s_cmp (const void *a, const void *b)
{
    return strcmp ((const char *)a, (const char *)b);
}

/* Sorts n ids of KB_UUID_LEN + 1 bytes and counts neighbours that repeat. */
static int
s_repeats (char (*ids)[KB_UUID_LEN + 1], size_t n)
{
    qsort (ids, n, sizeof ids[0], s_cmp);
    int repeats = 0;
    for (size_t i = 1; i < n; i++)
        repeats += strcmp (ids[i - 1], ids[i]) == 0;
    return repeats;
}

static void
test_format (void **state)
{
    (void)state;
    for (int n = 0; n < 1000; n++) {
        char id[KB_UUID_LEN + 1];
        kb_uuid_v4 (id);
        assert_int_equal (strlen (id), KB_UUID_LEN);
        for (int i = 0; i < KB_UUID_LEN; i++) {
            if (i == 8 || i == 13 || i == 18 || i == 23)
                assert_int_equal (id[i], '-');
            else
                assert_non_null (strchr ("0123456789abcdef", id[i]));
        }
        assert_int_equal (id[14], '4');               /* version 4 */
        assert_non_null (strchr ("89ab", id[19])); /* RFC 4122 variant */
    }
}

/* many pool refills (256 ids each) */
static void
test_no_repeats (void **state)
{
    (void)state;
    char (*ids)[KB_UUID_LEN + 1] = calloc (S_MANY, sizeof *ids);
    assert_non_null (ids);
    for (int i = 0; i < S_MANY; i++)
        kb_uuid_v4 (ids[i]);
    assert_int_equal (s_repeats (ids, S_MANY), 0);
    free (ids);
}

static void *
s_thread_ids (void *arg)
{
    char (*ids)[KB_UUID_LEN + 1] = arg;
    for (int i = 0; i < S_MANY / 2; i++)
        kb_uuid_v4 (ids[i]);
    return NULL;
}

/* each thread has a pool of its own */
static void
test_threads_do_not_repeat (void **state)
{
    (void)state;
    char (*ids)[KB_UUID_LEN + 1] = calloc (S_MANY, sizeof *ids);
    assert_non_null (ids);
    pthread_t a, b;
    assert_int_equal (pthread_create (&a, NULL, s_thread_ids, ids), 0);
    assert_int_equal (pthread_create (&b, NULL, s_thread_ids, ids + S_MANY / 2), 0);
    pthread_join (a, NULL);
    pthread_join (b, NULL);
    assert_int_equal (s_repeats (ids, S_MANY), 0);
    free (ids);
}

/* The parent's pool is full when it forks; the child's next ids are not
   the parent's next ids. */
static void
test_forked_child_does_not_repeat (void **state)
{
    (void)state;
    enum { N = 8 };
    char ids[2 * N + 1][KB_UUID_LEN + 1];
    kb_uuid_v4 (ids[2 * N]); /* fills this thread's pool */
    int fds[2];
    assert_int_equal (pipe (fds), 0);
    pid_t pid = fork ();
    assert_true (pid >= 0);
    if (pid == 0) {
        char mine[N][KB_UUID_LEN + 1];
        for (int i = 0; i < N; i++)
            kb_uuid_v4 (mine[i]);
        ssize_t w = write (fds[1], mine, sizeof mine);
        _exit (w == (ssize_t)sizeof mine ? 0 : 1);
    }
    close (fds[1]);
    for (int i = 0; i < N; i++)
        kb_uuid_v4 (ids[i]);
    size_t got = 0;
    while (got < N * sizeof ids[0]) {
        ssize_t r = read (fds[0], (char *)ids[N] + got, N * sizeof ids[0] - got);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close (fds[0]);
    int status = 0;
    assert_int_equal (waitpid (pid, &status, 0), pid);
    assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);
    assert_int_equal (got, N * sizeof ids[0]);
    assert_int_equal (s_repeats (ids, 2 * N + 1), 0);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_format),
        cmocka_unit_test (test_no_repeats),
        cmocka_unit_test (test_threads_do_not_repeat),
        cmocka_unit_test (test_forked_child_does_not_repeat),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
