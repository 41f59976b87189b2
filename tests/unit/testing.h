/* A minimal unit-test harness. Each check failure prints
 * `FAIL suite/test: file:line: expression`; each test that passes prints
 * `PASS suite/test`. tests/run.sh counts those lines.
 *
 *   static void test_split(void) { CHECK(x == 1); CHECK_STR_EQ(a, "b"); }
 *   int main(void) { RUN(test_split); return testing_done(); }
 */
#ifndef IFRIT_TESTING_H
#define IFRIT_TESTING_H

#include <stdio.h>
#include <string.h>

static int testing_failed_checks;   /* failures inside the current test */
static int testing_failed_tests;    /* tests with at least one failure */
static const char *testing_current;

#ifndef TEST_SUITE
#define TEST_SUITE __FILE__
#endif

#define CHECK(cond)                                                           \
    do {                                                                      \
        if (!(cond)) {                                                        \
            printf("FAIL %s/%s: %s:%d: %s\n", TEST_SUITE, testing_current,    \
                   __FILE__, __LINE__, #cond);                                \
            testing_failed_checks++;                                          \
        }                                                                     \
    } while (0)

#define CHECK_INT_EQ(a, b)                                                    \
    do {                                                                      \
        long long testing_a_ = (long long)(a), testing_b_ = (long long)(b);   \
        if (testing_a_ != testing_b_) {                                       \
            printf("FAIL %s/%s: %s:%d: %s == %s (%lld != %lld)\n", TEST_SUITE, \
                   testing_current, __FILE__, __LINE__, #a, #b, testing_a_,   \
                   testing_b_);                                               \
            testing_failed_checks++;                                          \
        }                                                                     \
    } while (0)

#define CHECK_STR_EQ(a, b)                                                    \
    do {                                                                      \
        const char *testing_a_ = (a), *testing_b_ = (b);                      \
        if (!testing_a_ || !testing_b_ || strcmp(testing_a_, testing_b_)) {   \
            printf("FAIL %s/%s: %s:%d: %s == %s (\"%s\" != \"%s\")\n",        \
                   TEST_SUITE, testing_current, __FILE__, __LINE__, #a, #b,   \
                   testing_a_ ? testing_a_ : "(null)",                        \
                   testing_b_ ? testing_b_ : "(null)");                       \
            testing_failed_checks++;                                          \
        }                                                                     \
    } while (0)

/* Compares a length-carrying slice with a C string literal. */
#define CHECK_MEM_EQ(ptr, len, lit)                                           \
    do {                                                                      \
        size_t testing_l_ = (len);                                            \
        if (testing_l_ != strlen(lit) || memcmp((ptr), (lit), testing_l_)) {  \
            printf("FAIL %s/%s: %s:%d: %s == \"%s\" (got \"%.*s\")\n",        \
                   TEST_SUITE, testing_current, __FILE__, __LINE__, #ptr,     \
                   lit, (int)testing_l_, (const char *)(ptr));                \
            testing_failed_checks++;                                          \
        }                                                                     \
    } while (0)

#define RUN(fn)                                                               \
    do {                                                                      \
        testing_current = #fn;                                                \
        testing_failed_checks = 0;                                            \
        fn();                                                                 \
        if (testing_failed_checks) testing_failed_tests++;                    \
        else printf("PASS %s/%s\n", TEST_SUITE, #fn);                         \
        fflush(stdout);                                                       \
    } while (0)

/* Exit status: non-zero when a test failed (the FAIL lines already say which). */
static inline int testing_done(void) { return testing_failed_tests ? 1 : 0; }

#endif
