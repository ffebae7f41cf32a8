#define _GNU_SOURCE
#include "CSecretMemory.h"
#include <string.h>
#if defined(__linux__)
#include <sys/prctl.h>
#endif

int csecretmemory_set_undumpable(void) {
#if defined(__linux__)
    return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0 ? 0 : -1;
#else
    return 0;
#endif
}

void csecretmemory_wipe(void *pointer, size_t count) {
#if defined(__GLIBC__)
    explicit_bzero(pointer, count);
#else
    volatile unsigned char *bytes = (volatile unsigned char *)pointer;
    while (count--) *bytes++ = 0;
#endif
}
