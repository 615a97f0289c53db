/*  ketenctl_report - "ketenctl access-report": what the backbone's audit
    logs hold about one resident (AVG article 15), found by the pseudonym
    of the BSN given on the command line, never stored. */
#ifndef KETENCTL_REPORT_H_INCLUDED
#define KETENCTL_REPORT_H_INCLUDED

#include "ketenctl_common.h"

int ketenctl_access_report (const ketenctl_t *ctx, int argc, char *argv[]);

#endif
