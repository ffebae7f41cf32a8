#ifndef TRUSTROOT_CLIBCURLLOADER_H
#define TRUSTROOT_CLIBCURLLOADER_H

/// Loads libcurl.so.4 and resolves every libcurl function FoundationNetworking calls, once per
/// process. Returns 0 when all of them are there; otherwise
/// `trustroot_libcurl_load_error()` says what was missing. Safe to call from any thread.
int trustroot_libcurl_load(void);

/// Why `trustroot_libcurl_load()` failed, or NULL when it did not fail.
const char *trustroot_libcurl_load_error(void);

#endif
