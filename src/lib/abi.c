/* abi.c - versions and the size checks of caller-filled structs. */
#include "lib/abi.h"

#include <stdio.h>

/* The frozen layouts are prefixes of the current ones. */
_Static_assert(offsetof(bgs_params, max_shift) ==
                   offsetof(params_v1_0, max_shift),
               "bgs_params must keep the 1.0 layout as its prefix");
_Static_assert(sizeof(bgs_params) >= sizeof(params_v1_0),
               "bgs_params only grows");

unsigned bgs_version_number(void) { return BGS_VERSION_NUMBER; }

bgs_status abi_check_size(const char *what, const char *type, size_t size,
                          const size_t *known, int n)
{
    char list[96] = "";
    size_t used = 0;
    for (int i = 0; i < n; i++) {
        if (size == known[i])
            return BGS_OK;
        if (i > 0 && known[i] == known[i - 1])
            continue;
        int w = snprintf(list + used, sizeof list - used, "%s%zu", used ? " or " : "",
                         known[i]);
        if (w > 0 && (size_t)w < sizeof list - used)
            used += (size_t)w;
    }
    return bgs_fail(BGS_ERR_INVALID_ARGUMENT,
                    "%s: %s.struct_size is %zu, but bgsub %s knows a %s of %s "
                    "bytes: fill it with its _default() macro, and build "
                    "against this library's bgsub.h",
                    what, type, size, BGS_VERSION_STRING, type, list);
}
