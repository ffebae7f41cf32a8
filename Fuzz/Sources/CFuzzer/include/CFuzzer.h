// libFuzzer's entry point for programs that have their own main (SwiftPM gives every executable
// one). Provided by the fuzzer runtime that -sanitize=fuzzer links.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
