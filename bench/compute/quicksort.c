/* Quicksort (median of three, insertion sort for short runs), written here
 * rather than libc's qsort so the sort itself is what runs on each engine:
 * compares, swaps and unpredictable branches. Size: rounds of 1M ints. */
#include "kernel.h"

#define SORT_COUNT (1u << 20)

static void insertion_sort(int32_t *a, long lo, long hi)
{
    for (long i = lo + 1; i <= hi; i++) {
        int32_t v = a[i];
        long j = i - 1;
        while (j >= lo && a[j] > v) { a[j + 1] = a[j]; j--; }
        a[j + 1] = v;
    }
}

static void swap(int32_t *a, long i, long j) { int32_t t = a[i]; a[i] = a[j]; a[j] = t; }

static void quicksort(int32_t *a, long lo, long hi)
{
    while (hi - lo > 16) {
        long mid = lo + (hi - lo) / 2;
        if (a[mid] < a[lo]) swap(a, mid, lo);
        if (a[hi] < a[lo]) swap(a, hi, lo);
        if (a[hi] < a[mid]) swap(a, hi, mid);
        int32_t pivot = a[mid];
        long i = lo, j = hi;
        while (i <= j) {
            while (a[i] < pivot) i++;
            while (a[j] > pivot) j--;
            if (i <= j) swap(a, i++, j--);
        }
        /* Recurse into the smaller side, loop on the larger: bounded stack. */
        if (j - lo < hi - i) { quicksort(a, lo, j); lo = i; }
        else { quicksort(a, i, hi); hi = j; }
    }
    insertion_sort(a, lo, hi);
}

int main(int argc, char **argv)
{
    long rounds = kernel_size(argc, argv, 5);
    int32_t *a = malloc(sizeof(int32_t) * SORT_COUNT);
    if (!a) return 1;
    uint64_t seed = 88172645463325252u, sum = 0;
    for (long r = 0; r < rounds; r++) {
        for (uint32_t i = 0; i < SORT_COUNT; i++) a[i] = (int32_t)kernel_rand(&seed);
        quicksort(a, 0, SORT_COUNT - 1);
        for (uint32_t i = 1; i < SORT_COUNT; i++)
            if (a[i - 1] > a[i]) return kernel_report("quicksort-unsorted", i);
        for (uint32_t i = 0; i < SORT_COUNT; i += 4099) sum = sum * 31 + (uint32_t)a[i];
    }
    free(a);
    return kernel_report("quicksort", sum);
}
