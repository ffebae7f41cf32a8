// FoundationNetworking's URLSession calls libcurl, and a program that links it normally makes the
// dynamic loader map and bind libcurl and the ~30 libraries it needs (TLS, Kerberos, LDAP, SSH,
// IDN, ...) before main runs. That costs about 10 ms on every start, also for commands that never
// touch the network, such as `trustroot verify`. This file defines the libcurl functions
// FoundationNetworking uses; each forwards to the real libcurl, which is loaded the first time
// HTTP is used. Builds that pass `-disable-autolink-library curl` (see README.md) then have no
// link-time dependency on libcurl at all; builds that link libcurl anyway still work, because
// these definitions forward to the same library.

#if defined(__linux__)

#include "CLibcurlLoader.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// The variadic setters below pass on one pointer-sized argument; every libcurl option is a long,
// a pointer or a curl_off_t, all of which are pointer-sized on the 64-bit targets this supports.
_Static_assert(sizeof(void *) == 8 && sizeof(long) == 8, "libcurl forwarding assumes LP64");

// The libcurl types as the ABI sees them: handles are pointers, enums and sockets are ints.
typedef void *handle_t;

static struct {
    void (*easy_cleanup)(handle_t);
    int (*easy_getinfo)(handle_t, int, ...);
    handle_t (*easy_init)(void);
    int (*easy_pause)(handle_t, int);
    int (*easy_setopt)(handle_t, int, ...);
    const char *(*easy_strerror)(int);
    void (*free_)(void *);
    int (*global_init)(long);
    int (*multi_add_handle)(handle_t, handle_t);
    int (*multi_assign)(handle_t, int, void *);
    int (*multi_cleanup)(handle_t);
    void *(*multi_info_read)(handle_t, int *);
    handle_t (*multi_init)(void);
    int (*multi_remove_handle)(handle_t, handle_t);
    int (*multi_setopt)(handle_t, int, ...);
    int (*multi_socket_action)(handle_t, int, int, int *);
    void *(*slist_append)(void *, const char *);
    void (*slist_free_all)(void *);
    handle_t (*url)(void);
    int (*url_get)(const void *, int, char **, unsigned int);
    int (*url_set)(handle_t, int, const char *, unsigned int);
    char *(*version)(void);
    void *(*version_info)(int);
} libcurl;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static char load_error[512];
static int loaded;

static void *resolve(void *library, const char *name) {
    void *function = dlsym(library, name);
    if (function == NULL && load_error[0] == 0) {
        snprintf(load_error, sizeof load_error, "libcurl.so.4 has no %s", name);
    }
    return function;
}

static void load(void) {
    void *library = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        const char *reason = dlerror();
        snprintf(load_error, sizeof load_error, "cannot load libcurl.so.4: %s", reason ? reason : "unknown error");
        return;
    }
    // The pointer casts go through void * as POSIX allows for dlsym's result.
#define RESOLVE(field, name) *(void **)(&libcurl.field) = resolve(library, name)
    RESOLVE(easy_cleanup, "curl_easy_cleanup");
    RESOLVE(easy_getinfo, "curl_easy_getinfo");
    RESOLVE(easy_init, "curl_easy_init");
    RESOLVE(easy_pause, "curl_easy_pause");
    RESOLVE(easy_setopt, "curl_easy_setopt");
    RESOLVE(easy_strerror, "curl_easy_strerror");
    RESOLVE(free_, "curl_free");
    RESOLVE(global_init, "curl_global_init");
    RESOLVE(multi_add_handle, "curl_multi_add_handle");
    RESOLVE(multi_assign, "curl_multi_assign");
    RESOLVE(multi_cleanup, "curl_multi_cleanup");
    RESOLVE(multi_info_read, "curl_multi_info_read");
    RESOLVE(multi_init, "curl_multi_init");
    RESOLVE(multi_remove_handle, "curl_multi_remove_handle");
    RESOLVE(multi_setopt, "curl_multi_setopt");
    RESOLVE(multi_socket_action, "curl_multi_socket_action");
    RESOLVE(slist_append, "curl_slist_append");
    RESOLVE(slist_free_all, "curl_slist_free_all");
    RESOLVE(url, "curl_url");
    RESOLVE(url_get, "curl_url_get");
    RESOLVE(url_set, "curl_url_set");
    RESOLVE(version, "curl_version");
    RESOLVE(version_info, "curl_version_info");
#undef RESOLVE
    loaded = load_error[0] == 0;
}

int trustroot_libcurl_load(void) {
    pthread_once(&load_once, load);
    return loaded ? 0 : -1;
}

const char *trustroot_libcurl_load_error(void) {
    pthread_once(&load_once, load);
    return loaded ? NULL : load_error;
}

// Reached only if URLSession is used without trustroot_libcurl_load() succeeding first; there is
// no error to return through libcurl's API that FoundationNetworking would not take for success.
static void require_libcurl(void) {
    if (trustroot_libcurl_load() != 0) {
        fprintf(stderr, "fatal: HTTP needs libcurl: %s\n", load_error);
        abort();
    }
}

void curl_easy_cleanup(handle_t easy) {
    require_libcurl();
    libcurl.easy_cleanup(easy);
}

int curl_easy_getinfo(handle_t easy, int info, ...) {
    require_libcurl();
    va_list arguments;
    va_start(arguments, info);
    void *value = va_arg(arguments, void *);
    va_end(arguments);
    return libcurl.easy_getinfo(easy, info, value);
}

handle_t curl_easy_init(void) {
    require_libcurl();
    return libcurl.easy_init();
}

int curl_easy_pause(handle_t easy, int bitmask) {
    require_libcurl();
    return libcurl.easy_pause(easy, bitmask);
}

int curl_easy_setopt(handle_t easy, int option, ...) {
    require_libcurl();
    va_list arguments;
    va_start(arguments, option);
    void *value = va_arg(arguments, void *);
    va_end(arguments);
    return libcurl.easy_setopt(easy, option, value);
}

const char *curl_easy_strerror(int code) {
    require_libcurl();
    return libcurl.easy_strerror(code);
}

void curl_free(void *pointer) {
    require_libcurl();
    libcurl.free_(pointer);
}

int curl_global_init(long flags) {
    require_libcurl();
    return libcurl.global_init(flags);
}

int curl_multi_add_handle(handle_t multi, handle_t easy) {
    require_libcurl();
    return libcurl.multi_add_handle(multi, easy);
}

int curl_multi_assign(handle_t multi, int socket, void *pointer) {
    require_libcurl();
    return libcurl.multi_assign(multi, socket, pointer);
}

int curl_multi_cleanup(handle_t multi) {
    require_libcurl();
    return libcurl.multi_cleanup(multi);
}

void *curl_multi_info_read(handle_t multi, int *remaining) {
    require_libcurl();
    return libcurl.multi_info_read(multi, remaining);
}

handle_t curl_multi_init(void) {
    require_libcurl();
    return libcurl.multi_init();
}

int curl_multi_remove_handle(handle_t multi, handle_t easy) {
    require_libcurl();
    return libcurl.multi_remove_handle(multi, easy);
}

int curl_multi_setopt(handle_t multi, int option, ...) {
    require_libcurl();
    va_list arguments;
    va_start(arguments, option);
    void *value = va_arg(arguments, void *);
    va_end(arguments);
    return libcurl.multi_setopt(multi, option, value);
}

int curl_multi_socket_action(handle_t multi, int socket, int mask, int *running) {
    require_libcurl();
    return libcurl.multi_socket_action(multi, socket, mask, running);
}

void *curl_slist_append(void *list, const char *string) {
    require_libcurl();
    return libcurl.slist_append(list, string);
}

void curl_slist_free_all(void *list) {
    require_libcurl();
    libcurl.slist_free_all(list);
}

handle_t curl_url(void) {
    require_libcurl();
    return libcurl.url();
}

int curl_url_get(const void *url, int part, char **value, unsigned int flags) {
    require_libcurl();
    return libcurl.url_get(url, part, value, flags);
}

int curl_url_set(handle_t url, int part, const char *value, unsigned int flags) {
    require_libcurl();
    return libcurl.url_set(url, part, value, flags);
}

char *curl_version(void) {
    require_libcurl();
    return libcurl.version();
}

void *curl_version_info(int age) {
    require_libcurl();
    return libcurl.version_info(age);
}

#else

// Elsewhere URLSession does not use libcurl; there is nothing to load.
#include "CLibcurlLoader.h"
#include <stddef.h>

int trustroot_libcurl_load(void) { return 0; }

const char *trustroot_libcurl_load_error(void) { return NULL; }

#endif
