#define TEST_SUITE "fn_budget"
#include "testing.h"

#include "fn/fn_function.h"

#define MIB (1ull << 20)

static void test_no_budget_admits_everything(void)
{
    fn_memory_budget_set(0);
    CHECK(fn_budget_take(4096 * MIB) == FN_ADMIT_OK);
    fn_budget_release(4096 * MIB);
}

static void test_reservations_stay_under_the_budget(void)
{
    fn_memory_budget_set(300 * MIB);
    CHECK_INT_EQ(fn_memory_budget(), 300 * MIB);
    CHECK(fn_budget_take(128 * MIB) == FN_ADMIT_OK);
    CHECK(fn_budget_take(128 * MIB) == FN_ADMIT_OK);
    CHECK(fn_budget_take(128 * MIB) == FN_ADMIT_NO_MEMORY);   /* 384 > 300 */
    CHECK(fn_budget_take(44 * MIB) == FN_ADMIT_OK);           /* exactly 300 */
    CHECK(fn_budget_take(1) == FN_ADMIT_NO_MEMORY);
    fn_budget_release(128 * MIB);
    CHECK(fn_budget_take(128 * MIB) == FN_ADMIT_OK);           /* room again */
    CHECK(fn_budget_take(301 * MIB) == FN_ADMIT_NEVER);         /* never fits */
    fn_budget_release(128 * MIB);
    fn_budget_release(128 * MIB);
    fn_budget_release(44 * MIB);
    /* A smaller budget set while sandboxes live: they keep theirs, new
     * ones wait until the total is under the new cap. */
    CHECK(fn_budget_take(200 * MIB) == FN_ADMIT_OK);
    fn_memory_budget_set(100 * MIB);
    CHECK(fn_budget_take(50 * MIB) == FN_ADMIT_NO_MEMORY);
    fn_budget_release(200 * MIB);
    CHECK(fn_budget_take(50 * MIB) == FN_ADMIT_OK);
    fn_budget_release(50 * MIB);
    fn_memory_budget_set(0);
}

int main(void)
{
    RUN(test_no_budget_admits_everything);
    RUN(test_reservations_stay_under_the_budget);
    return testing_done();
}
