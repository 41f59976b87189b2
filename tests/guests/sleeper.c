/* Sleeps an hour at a time, forever (for --timeout to stop while asleep). */
#include <stdio.h>
#include <time.h>

int main(void)
{
    printf("sleeping\n");
    fflush(stdout);
    for (;;) {
        struct timespec hour = { 3600, 0 };
        nanosleep(&hour, NULL);
    }
}
