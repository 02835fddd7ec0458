/*
 * paramtable.c - test helper: prints the library's parameter table, the
 * reference that --help, the man page and the README must agree with. One
 * line per parameter: "NAME DEFAULT MIN MAX" (numbers with %.17g).
 */
#include "bgsub.h"

#include <stdio.h>

int main(void)
{
    for (int key = 0; key < BGS_PARAM_COUNT; key++) {
        const bgs_param_info *info = bgs_param_get_info((bgs_param)key);
        printf("%s %.17g %.17g %.17g\n", info->name, info->default_value,
               info->min_value, info->max_value);
    }
    return 0;
}
