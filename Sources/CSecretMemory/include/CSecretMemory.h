#ifndef CSECRETMEMORY_H
#define CSECRETMEMORY_H
#include <stddef.h>

/// Marks the process not dumpable (PR_SET_DUMPABLE 0); 0 on success, -1 on failure.
int csecretmemory_set_undumpable(void);
/// Overwrites `count` bytes at `pointer` with zeros; the compiler may not drop it.
void csecretmemory_wipe(void *pointer, size_t count);
#endif
