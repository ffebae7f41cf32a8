// PKCS#11 types and constants from p11-kit's header (Debian libp11-kit-dev), and dlopen to load a
// token's module at run time: TrustRoot links against no PKCS#11 library.
#include <p11-kit-1/p11-kit/pkcs11.h>
#include <dlfcn.h>
