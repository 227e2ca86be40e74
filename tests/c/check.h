/* The pass/fail tally of the C tests: CHECK(cond) counts a passed or a
 * failed check and prints each failure with its line and the library's last
 * error message. Include after xbar.h and <stdio.h>. */
#ifndef XBAR_TEST_CHECK_H
#define XBAR_TEST_CHECK_H

static int passed = 0;
static int failed = 0;

static void check(int ok, int line, const char *what) {
    if (ok) {
        passed++;
    } else {
        failed++;
        printf("FAILED line %d: %s (last error: %s)\n", line, what, xbar_last_error_message());
    }
}
#define CHECK(cond) check((cond) != 0, __LINE__, #cond)

#endif
